"""Watched claims and the updates sent about them (issue 25).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("guild_id", sa.BigInteger, nullable=False),
        sa.Column("claim", sa.Text, nullable=False),
        sa.Column("claim_key", sa.Text, nullable=False),
        sa.Column("answer_id", sa.Integer),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("created_by", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("guild_id", "claim_key", name="uq_watches_guild_claim"),
    )
    op.create_index("ix_watches_expires", "watches", ["expires_at"])
    op.create_table(
        "watch_notices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("watch_id", sa.Integer, sa.ForeignKey("watches.id", ondelete="CASCADE"), nullable=False),
        sa.Column("guild_id", sa.BigInteger, nullable=False),
        sa.Column("target", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("watch_id", "target", name="uq_watch_notices_target"),
    )


def downgrade() -> None:
    op.drop_table("watch_notices")
    op.drop_index("ix_watches_expires", table_name="watches")
    op.drop_table("watches")
