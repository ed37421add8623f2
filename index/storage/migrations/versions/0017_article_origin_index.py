"""An index on the file an article was read from.

A file ingested again without a URL finds its article by the file's path (`articles.origin`), once
per file: without an index each lookup read the whole articles table, text included (34-60 ms at
20,000 articles of 5 KB on SQLite, about as much as ingesting the file itself). A hash index on
PostgreSQL, whose B-tree entries are limited to about 2.7 KB and an origin (a path, a URL) may be
longer; equality is all the lookup needs.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_articles_origin", "articles", ["origin"], postgresql_using="hash")


def downgrade() -> None:
    op.drop_index("ix_articles_origin", table_name="articles")
