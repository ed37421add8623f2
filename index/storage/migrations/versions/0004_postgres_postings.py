"""PostgreSQL only: a postings table for BM25, kept in step with `passages.fts` by triggers.

BM25 needs, for every passage that holds a query term, how often it holds it (by weight: text A,
context B). 0003 read that by unnesting the whole `fts` tsvector of every matching passage; with
common words in a claim that is tens of thousands of wide rows per query (p50 277 ms, p95 1.35 s for
the full-text part alone at 95k passages). `passage_terms` keeps one row per (lexeme, passage) with
the weighted frequency, the passage's token count and collection, under a covering index on the
lexeme, so a query reads only the postings of its own terms with an index-only scan (16-46 ms on the
same queries, identical rankings: docs/benchmarks.md).

Triggers on `passages` maintain it in the writing transaction, so an article's postings commit or
roll back with it whatever writes the passages (ingest, `claimbot migrate`, a restore): inserts by
statement (one pass over a batch), updates by row when the text, context or collection changed,
deletes by the foreign key's cascade. The GIN index of 0003 on `fts` is dropped: nothing reads it any
more. Not an ORM table: SQLite has its FTS5 table instead.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Text occurrences count 1, context occurrences CONTEXT_WEIGHT (claimbot.index.storage.pgtext, FTS5's bm25(1.0, 0.3)).
_FREQUENCY = (
    "(SELECT count(*) FILTER (WHERE w = 'A') + 0.3 * count(*) FILTER (WHERE w = 'B') FROM unnest(u.weights) AS w)::real"
)
_POSTINGS_OF = f"SELECT u.lexeme, p.id, p.collection, p.fts_tokens, {_FREQUENCY} FROM {{rows}} AS p CROSS JOIN LATERAL unnest(p.fts) AS u"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE TABLE passage_terms ("
        " lexeme text NOT NULL,"
        " passage_id integer NOT NULL REFERENCES passages(id) ON DELETE CASCADE,"
        " collection varchar(100) NOT NULL,"
        " dl integer NOT NULL,"
        " f real NOT NULL,"
        " PRIMARY KEY (passage_id, lexeme))"
    )
    op.execute(
        f"INSERT INTO passage_terms (lexeme, passage_id, collection, dl, f) {_POSTINGS_OF.format(rows='passages')}"
    )
    op.execute("CREATE INDEX ix_passage_terms_lexeme ON passage_terms (lexeme) INCLUDE (passage_id, f, dl, collection)")
    # Schema-qualified names: pg_restore runs with an empty search_path.
    op.execute(
        "CREATE FUNCTION claimbot_postings_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO public.passage_terms (lexeme, passage_id, collection, dl, f) "
        + _POSTINGS_OF.format(rows="new_rows")
        + "; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER passages_postings_insert AFTER INSERT ON passages "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION claimbot_postings_insert()"
    )
    op.execute(
        "CREATE FUNCTION claimbot_postings_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "DELETE FROM public.passage_terms WHERE passage_id = OLD.id; "
        "INSERT INTO public.passage_terms (lexeme, passage_id, collection, dl, f) "
        + f"SELECT u.lexeme, NEW.id, NEW.collection, NEW.fts_tokens, {_FREQUENCY} FROM unnest(NEW.fts) AS u"
        + "; RETURN NULL; END $$"
    )
    # Re-embedding updates every row's vector; only a changed text, context or collection re-posts.
    op.execute(
        "CREATE TRIGGER passages_postings_update AFTER UPDATE ON passages FOR EACH ROW "
        "WHEN (OLD.fts IS DISTINCT FROM NEW.fts OR OLD.collection IS DISTINCT FROM NEW.collection) "
        "EXECUTE FUNCTION claimbot_postings_update()"
    )
    # The postings answer every full-text query; the GIN index on `fts` only cost space and writes.
    op.execute("DROP INDEX IF EXISTS ix_passages_fts")
    op.execute("ANALYZE passage_terms")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS passages_postings_update ON passages")
    op.execute("DROP TRIGGER IF EXISTS passages_postings_insert ON passages")
    op.execute("DROP FUNCTION IF EXISTS claimbot_postings_update()")
    op.execute("DROP FUNCTION IF EXISTS claimbot_postings_insert()")
    op.execute("DROP TABLE IF EXISTS passage_terms")
    op.execute("CREATE INDEX IF NOT EXISTS ix_passages_fts ON passages USING gin (fts)")
