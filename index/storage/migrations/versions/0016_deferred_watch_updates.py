"""Watch updates whose posting failed wait in the database, not in the bot's memory.

An update is reserved once (`watch_notices`) before it is posted, so that a crash loses it rather
than posting it twice. When the post fails for a passing reason (Discord's 5xx or rate limit, the
network), the update waits for the next sweep: in memory only, it was lost when `claimbot serve`
restarted, and no sweep would find it again. `deferred` keeps it (JSON) on its reservation row
until a sweep takes it; NULL once posted or taken. SQLite adds a nullable column in place.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("watch_notices", sa.Column("deferred", sa.Text, nullable=True))
    op.create_index(
        "ix_watch_notices_deferred",
        "watch_notices",
        ["id"],
        sqlite_where=sa.text("deferred IS NOT NULL"),
        postgresql_where=sa.text("deferred IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_watch_notices_deferred", table_name="watch_notices")
    # In place (SQLite 3.35 and later), as 0012's downgrade: batch mode would copy the table.
    if op.get_bind().dialect.name == "sqlite":
        op.execute('ALTER TABLE "watch_notices" DROP COLUMN "deferred"')
    else:
        op.drop_column("watch_notices", "deferred")
