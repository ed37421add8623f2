"""SQLite: the passages' change log replaces FTS5 (issue 26).

Full text on the embedded default moves to a Tantivy index beside the faiss file
(`claimbot.index.search.fulltext`): FTS5 ranks every matching row, 0.6 s p95 at a million passages.
Both caches follow the database by its changes rather than by scanning it: a passage added has an
id above the cache's mark (ids only grow, `store._fresh_ids`), and a passage removed leaves a row
in `passage_removals`, written by a trigger in the deleting transaction, so no removal is missed
however the process dies. PostgreSQL keeps its postings and pgvector column: nothing changes there.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE passage_removals (seq INTEGER PRIMARY KEY AUTOINCREMENT, passage_id INTEGER NOT NULL)")
    op.execute(
        "CREATE TRIGGER passages_log_delete AFTER DELETE ON passages BEGIN "
        "INSERT INTO passage_removals(passage_id) VALUES (old.id); END"
    )
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS passages_fts_{trigger}")
    op.execute("DROP TABLE IF EXISTS passages_fts")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS passages_log_delete")
    op.execute("DROP TABLE IF EXISTS passage_removals")
    op.execute(
        "CREATE VIRTUAL TABLE passages_fts USING fts5("
        "text, context, content='passages', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER passages_fts_insert AFTER INSERT ON passages BEGIN "
        "INSERT INTO passages_fts(rowid, text, context) VALUES (new.id, new.text, new.context); END"
    )
    op.execute(
        "CREATE TRIGGER passages_fts_delete AFTER DELETE ON passages BEGIN "
        "INSERT INTO passages_fts(passages_fts, rowid, text, context) "
        "VALUES ('delete', old.id, old.text, old.context); END"
    )
    op.execute(
        "CREATE TRIGGER passages_fts_update AFTER UPDATE OF text, context ON passages BEGIN "
        "INSERT INTO passages_fts(passages_fts, rowid, text, context) "
        "VALUES ('delete', old.id, old.text, old.context); "
        "INSERT INTO passages_fts(rowid, text, context) VALUES (new.id, new.text, new.context); END"
    )
    op.execute("INSERT INTO passages_fts(passages_fts) VALUES ('rebuild')")
