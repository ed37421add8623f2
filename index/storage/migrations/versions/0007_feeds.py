"""Feeds: RSS, Atom, sitemaps and home pages polled on a schedule, and the item URLs each listed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column[dt.datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("canonical_url", sa.String(2048), nullable=False),
        sa.Column("feed_url", sa.String(2048)),
        sa.Column("kind", sa.String(20)),
        sa.Column("collection", sa.String(100), nullable=False),
        sa.Column("interval_s", sa.Integer, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("etag", sa.String(500)),
        sa.Column("last_modified", sa.String(100)),
        _ts("next_poll_at"),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        _ts("last_polled_at", nullable=True),
        _ts("created_at"),
        sa.UniqueConstraint("collection", "canonical_url", name="uq_feeds_collection_canonical_url"),
    )
    op.create_index("ix_feeds_state_next_poll", "feeds", ["state", "next_poll_at"])
    op.create_table(
        "feed_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("feed_id", sa.Integer, sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("marker", sa.String(100)),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        _ts("updated_at"),
        sa.UniqueConstraint("feed_id", "url", name="uq_feed_items_feed_url"),
    )


def downgrade() -> None:
    op.drop_table("feed_items")
    op.drop_index("ix_feeds_state_next_poll", table_name="feeds")
    op.drop_table("feeds")
