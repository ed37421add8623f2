"""Discord review workflow: guild settings, answers as shown, flags and their reports,
corrections, audit log, rate-limit events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column[dt.datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "guild_settings",
        sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("review_channel_id", sa.BigInteger),
        sa.Column("moderator_role_id", sa.BigInteger),
        sa.Column("updated_by", sa.BigInteger),
        _ts("updated_at"),
    )
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("guild_id", sa.BigInteger, nullable=False),
        sa.Column("channel_id", sa.BigInteger),
        sa.Column("message_id", sa.BigInteger),
        sa.Column("asker_id", sa.BigInteger, nullable=False),
        sa.Column("claim", sa.Text, nullable=False),
        sa.Column("verdict", sa.String(100)),
        sa.Column("result_json", sa.Text, nullable=False),
        sa.Column("shown", sa.Integer, nullable=False, server_default="0"),
        sa.Column("correction_id", sa.Integer),
        sa.Column("private", sa.Integer, nullable=False, server_default="0"),
        sa.Column("model", sa.String(300)),
        sa.Column("corpus_version", sa.String(100)),
        _ts("created_at"),
    )
    op.create_index("ix_answers_guild_created", "answers", ["guild_id", "created_at"])
    op.create_table(
        "flags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("guild_id", sa.BigInteger, nullable=False),
        sa.Column("answer_id", sa.Integer, sa.ForeignKey("answers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("open_key", sa.Integer),
        sa.Column("status", sa.String(20), nullable=False, server_default="open"),
        sa.Column("count", sa.Integer, nullable=False, server_default="1"),
        sa.Column("card_channel_id", sa.BigInteger),
        sa.Column("card_message_id", sa.BigInteger),
        sa.Column("claimed_by", sa.BigInteger),
        _ts("claimed_at", nullable=True),
        sa.Column("decided_by", sa.BigInteger),
        _ts("decided_at", nullable=True),
        sa.Column("decision_note", sa.Text),
        _ts("created_at"),
        sa.UniqueConstraint("open_key", name="uq_flags_open_key"),
    )
    op.create_index("ix_flags_guild_status", "flags", ["guild_id", "status", "created_at"])
    op.create_table(
        "flag_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("flag_id", sa.Integer, sa.ForeignKey("flags.id", ondelete="CASCADE"), nullable=False),
        sa.Column("guild_id", sa.BigInteger, nullable=False),
        sa.Column("flagger_id", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        _ts("created_at"),
        sa.UniqueConstraint("flag_id", "flagger_id", name="uq_flag_reports_flagger"),
    )
    op.create_index("ix_flag_reports_flag_id", "flag_reports", ["flag_id"])
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("guild_id", sa.BigInteger, nullable=False),
        sa.Column("flag_id", sa.Integer, sa.ForeignKey("flags.id", ondelete="SET NULL")),
        sa.Column("claim", sa.Text, nullable=False),
        sa.Column("claim_key", sa.Text, nullable=False),
        sa.Column("embedding", sa.LargeBinary),
        sa.Column("verdict", sa.String(100), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("moderator_id", sa.BigInteger, nullable=False),
        _ts("created_at"),
    )
    op.create_index("ix_corrections_guild_id", "corrections", ["guild_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("guild_id", sa.BigInteger, nullable=False),
        sa.Column("actor_id", sa.BigInteger, nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("target", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
        _ts("created_at"),
    )
    op.create_index("ix_audit_guild_created", "audit_log", ["guild_id", "created_at"])
    op.create_table(
        "rate_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("guild_id", sa.BigInteger, nullable=False),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        _ts("at"),
    )
    op.create_index("ix_rate_events_user", "rate_events", ["guild_id", "user_id", "action", "at"])
    op.create_index("ix_rate_events_guild", "rate_events", ["guild_id", "action", "at"])


def downgrade() -> None:
    op.drop_index("ix_rate_events_guild", "rate_events")
    op.drop_index("ix_rate_events_user", "rate_events")
    op.drop_table("rate_events")
    op.drop_index("ix_audit_guild_created", "audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_corrections_guild_id", "corrections")
    op.drop_table("corrections")
    op.drop_index("ix_flag_reports_flag_id", "flag_reports")
    op.drop_table("flag_reports")
    op.drop_index("ix_flags_guild_status", "flags")
    op.drop_table("flags")
    op.drop_index("ix_answers_guild_created", "answers")
    op.drop_table("answers")
    op.drop_table("guild_settings")
