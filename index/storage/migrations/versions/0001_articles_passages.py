"""Articles, passages (with embeddings) and the full-text index.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("collection", sa.String(100), nullable=False, server_default="default"),
        sa.Column("url", sa.String(2048)),
        sa.Column("title", sa.Text),
        sa.Column("outlet", sa.String(300)),
        sa.Column("author", sa.String(300)),
        sa.Column("published", sa.Date),
        sa.Column("language", sa.String(20)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("origin", sa.Text, nullable=False, server_default=""),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("collection", "url", name="uq_articles_collection_url"),
        sa.UniqueConstraint("collection", "content_hash", name="uq_articles_collection_hash"),
    )
    op.create_table(
        "passages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("collection", sa.String(100), nullable=False, server_default="default"),
        sa.Column("paragraph", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False, server_default="text"),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("context", sa.Text, nullable=False),
        sa.Column("embed_text", sa.Text, nullable=False),
        sa.Column("char_start", sa.Integer, nullable=False),
        sa.Column("char_end", sa.Integer, nullable=False),
        sa.Column("speaker", sa.String(300)),
        sa.Column("cue", sa.String(200)),
        sa.Column("attribution", sa.Text),
        sa.Column("embedding", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_passages_article_position", "passages", ["article_id", "position"])
    op.create_index("ix_passages_collection", "passages", ["collection"])
    op.create_table(
        "index_meta",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        # BM25 over the passage text (and, weighted lower at query time, its context). An
        # external-content table kept in step by triggers, so it commits or rolls back with the
        # passages in the same transaction. remove_diacritics lets "Perez" match "Pérez".
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


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS passages_fts")
    op.drop_table("index_meta")
    op.drop_index("ix_passages_collection", "passages")
    op.drop_index("ix_passages_article_position", "passages")
    op.drop_table("passages")
    op.drop_table("articles")
