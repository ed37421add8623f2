"""PostgreSQL only: passage vectors in a pgvector column with an HNSW index, and full-text search.

On SQLite this revision changes nothing: there the vectors live in the faiss file and the text in
the FTS5 table of 0001. On PostgreSQL the database itself is the vector and full-text index:

- `passages.embedding_vec vector(384)`: the same float32 vector as the `embedding` blob (the blob stays
  the source of truth, so `claimbot migrate` and `reindex` never need to re-embed). 384 is the
  packaged MiniLM's dimension; `claimbot.index.storage.pgvectors.PgVectorIndex` retypes the column when
  `reindex --reembed` switches to a model of another dimension. HNSW with cosine distance, m=16 and
  ef_construction=200 as measured in the storage guide (recall@10 1.000 at 100k).
- `passages.fts tsvector`, generated from the text (weight A) and the preceding statement (weight B,
  searched at a lower weight as FTS5's bm25(1.0, 0.3) does), with the 'simple' configuration and
  accents removed, matching FTS5's unicode61 tokenizer with remove_diacritics (no stemming).
  A generated column keeps it in step in the same transaction, like the FTS5 triggers do.
- `passages.fts_tokens`, the passage's token count (text and context), which BM25's length
  normalisation needs and `tsvector` does not keep (`claimbot.index.storage.pgtext` computes FTS5's bm25 from it).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

PACKAGED_DIM = 384


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # `vector` is not a trusted extension: the migrating role must be a superuser, or an
    # administrator runs this once beforehand (docs/deploy.md). IF NOT EXISTS makes it a no-op then.
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    # unaccent() is only STABLE (its dictionary could change), so a generated column cannot call it;
    # this wrapper names the dictionary explicitly and is declared IMMUTABLE, the documented workaround.
    op.execute(
        "CREATE OR REPLACE FUNCTION claimbot_unaccent(text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
        "AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$"
    )
    op.execute(f"ALTER TABLE passages ADD COLUMN embedding_vec vector({PACKAGED_DIM})")
    op.execute(
        "CREATE INDEX ix_passages_embedding_hnsw ON passages "
        "USING hnsw (embedding_vec vector_cosine_ops) WITH (m = 16, ef_construction = 200)"
    )
    op.execute(
        "ALTER TABLE passages ADD COLUMN fts tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('simple', claimbot_unaccent(text)), 'A') || "
        "setweight(to_tsvector('simple', claimbot_unaccent(context)), 'B')) STORED"
    )
    op.execute("CREATE INDEX ix_passages_fts ON passages USING gin (fts)")
    # Names are schema-qualified: pg_restore runs with an empty search_path.
    op.execute(
        "CREATE OR REPLACE FUNCTION claimbot_token_count(text) RETURNS integer "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
        "AS $$ SELECT coalesce(sum(array_length(positions, 1)), 0)::integer "
        "FROM unnest(to_tsvector('simple'::regconfig, public.claimbot_unaccent($1))) $$"
    )
    op.execute(
        "ALTER TABLE passages ADD COLUMN fts_tokens integer GENERATED ALWAYS AS ("
        "claimbot_token_count(text) + claimbot_token_count(context)) STORED"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE passages DROP COLUMN IF EXISTS fts_tokens")
    op.execute("DROP FUNCTION IF EXISTS claimbot_token_count(text)")
    op.execute("DROP INDEX IF EXISTS ix_passages_fts")
    op.execute("ALTER TABLE passages DROP COLUMN IF EXISTS fts")
    op.execute("DROP INDEX IF EXISTS ix_passages_embedding_hnsw")
    op.execute("ALTER TABLE passages DROP COLUMN IF EXISTS embedding_vec")
    op.execute("DROP FUNCTION IF EXISTS claimbot_unaccent(text)")
