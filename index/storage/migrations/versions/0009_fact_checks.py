"""Published fact-checks (schema.org ClaimReview) read from ingested pages.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fact_checks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=True),
        sa.Column("claim_reviewed", sa.Text, nullable=False),
        sa.Column("claimant", sa.String(300)),
        sa.Column("rating_text", sa.String(300)),
        sa.Column("rating_value", sa.Float),
        sa.Column("best_rating", sa.Float),
        sa.Column("worst_rating", sa.Float),
        sa.Column("rating", sa.String(20), nullable=False),
        sa.Column("reviewer", sa.String(300)),
        sa.Column("reviewed_on", sa.Date),
        sa.Column("url", sa.String(2048)),
        sa.Column("language", sa.String(35)),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.Column("embed_model", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_fact_checks_article_id", "fact_checks", ["article_id"])


def downgrade() -> None:
    op.drop_index("ix_fact_checks_article_id", table_name="fact_checks")
    op.drop_table("fact_checks")
