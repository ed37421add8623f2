"""Articles' language as long as validation lets it be: 35 characters, as fact-checks' language.

`ArticleInput` cuts an article's language to 35 characters (`records.FIELD_MAX_CHARS`), the length
of `fact_checks.language`, but `articles.language` was 20: on PostgreSQL an article whose metadata
said "English (United States)" was refused ("value too long"), where SQLite, which does not enforce
a declared length, stored it. Only PostgreSQL changes (widening a varchar rewrites no rows).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("articles", "language", type_=sa.String(35), existing_type=sa.String(20))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE articles SET language = left(language, 20) WHERE length(language) > 20")
        op.alter_column("articles", "language", type_=sa.String(20), existing_type=sa.String(35))
