"""Articles not yet read against the watched claims (issue 25).

Updates about watched claims are posted by `claimbot serve`, but articles arrive from other
processes too (`claimbot ingest`, `claimbot feeds poll`, a second server on PostgreSQL). Each new
article row is written pending; whichever serve reads it against the watches clears the mark. A
mark per row, not an id cursor: on PostgreSQL ids are taken before commit, so a smaller id can
commit after a larger one and a cursor would skip it. Articles already stored are not pending: an
upgrade must not post updates about the whole corpus.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Never batch mode on `articles`: on SQLite it copies the table and drops the old one, and with
    # foreign keys on (they are, claimbot.index.storage.db) the drop cascades to every passage.
    # SQLite adds a NOT NULL column with a default in place.
    op.add_column("articles", sa.Column("watch_pending", sa.Boolean, nullable=False, server_default=sa.true()))
    op.execute(sa.text("UPDATE articles SET watch_pending = :no").bindparams(no=False))
    op.create_index(
        "ix_articles_watch_pending",
        "articles",
        ["id"],
        sqlite_where=sa.text("watch_pending"),
        postgresql_where=sa.text("watch_pending"),
    )


def downgrade() -> None:
    op.drop_index("ix_articles_watch_pending", table_name="articles")
    drop_column_in_place("articles", "watch_pending")


def drop_column_in_place(table: str, column: str) -> None:
    """Without copying the table (see upgrade): SQLite 3.35 and later drop a column in place."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    else:
        op.drop_column(table, column)
