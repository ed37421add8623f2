"""PostgreSQL: the passages' change log, so that a Tantivy full-text cache can follow it (issue 26).

PostgreSQL's own full text (the postings table) reads every posting of a claim's common words:
476 ms p95 at a million passages, where the Tantivy index the embedded default keeps answers in
about 11 ms. Each `claimbot serve` on PostgreSQL may now keep the same index beside it and follow
the database the way the embedded one does: the passages added above a saved id mark, and the rows
of `passage_removals` above a saved sequence mark.

That needs what SQLite gives for free: changes committed in the order of their ids. PostgreSQL's
sequences hand out ids before commit, so two ingest workers could commit ids 101-110 after 111-120
and a cache that had read up to 120 would never see 101-110. Every statement that inserts or
deletes passages therefore first takes one transaction-level advisory lock (a statement trigger,
so no code path can forget it): passage changes commit one transaction at a time, and the ids and
removal numbers they draw under the lock are in commit order. Ingest workers still parse and embed
in parallel; only their short write transactions queue.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# An arbitrary constant that names the lock in pg_locks (objid): "claimbot passages".
LOCK_KEY = 0x636C6D70


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE TABLE passage_removals (seq BIGSERIAL PRIMARY KEY, passage_id BIGINT NOT NULL)")
    op.execute(
        "CREATE FUNCTION claimbot_passages_in_order() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_advisory_xact_lock({LOCK_KEY}); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER passages_in_order BEFORE INSERT OR DELETE ON passages "
        "FOR EACH STATEMENT EXECUTE FUNCTION claimbot_passages_in_order()"
    )
    op.execute(
        "CREATE FUNCTION claimbot_log_removals() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN INSERT INTO passage_removals (passage_id) SELECT id FROM gone ORDER BY id; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER passages_log_delete AFTER DELETE ON passages REFERENCING OLD TABLE AS gone "
        "FOR EACH STATEMENT EXECUTE FUNCTION claimbot_log_removals()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS passages_log_delete ON passages")
    op.execute("DROP FUNCTION IF EXISTS claimbot_log_removals()")
    op.execute("DROP TRIGGER IF EXISTS passages_in_order ON passages")
    op.execute("DROP FUNCTION IF EXISTS claimbot_passages_in_order()")
    op.execute("DROP TABLE IF EXISTS passage_removals")
