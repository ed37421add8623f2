"""Corrections can be revoked; a server can name a mod-log channel.

A revoked correction stays in the table (the audit log and old answers refer to it) and is no
longer shown on new answers. The mod-log channel receives one line per moderator action.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("corrections", sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("corrections", sa.Column("revoked_by", sa.BigInteger, nullable=True))
    op.add_column("guild_settings", sa.Column("mod_log_channel_id", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("corrections") as batch:
        batch.drop_column("revoked_by")
        batch.drop_column("revoked_at")
    with op.batch_alter_table("guild_settings") as batch:
        batch.drop_column("mod_log_channel_id")
