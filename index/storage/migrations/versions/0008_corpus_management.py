"""Corpus management: each article's domain, the blocked domains, a server's own collection.

`articles.domain` is filled in from the stored URLs (as storage/domains.py reads them), so `claimbot sources
list` and blocking work on articles indexed before this migration.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

import contextlib
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _domain(url: str) -> str | None:
    # storage/domains.py's domain_of as of this migration, frozen here: a migration must keep
    # doing what it did when it ran first.
    host = None
    with contextlib.suppress(ValueError):
        host = urlsplit(url.strip()).hostname
    if not host:
        return None
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def upgrade() -> None:
    op.add_column("articles", sa.Column("domain", sa.String(255), nullable=True))
    op.create_index("ix_articles_domain", "articles", ["domain"])
    articles = sa.table(
        "articles", sa.column("id", sa.Integer), sa.column("url", sa.String), sa.column("domain", sa.String)
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(articles.c.id, articles.c.url).where(articles.c.url.is_not(None))).all()
    updates = [{"article_id": i, "d": d} for i, u in rows if (d := _domain(u))]
    if updates:
        bind.execute(
            articles.update().where(articles.c.id == sa.bindparam("article_id")).values(domain=sa.bindparam("d")),
            updates,
        )
    op.create_table(
        "blocked_domains",
        sa.Column("domain", sa.String(255), primary_key=True),
        sa.Column("reason", sa.Text),
        sa.Column("blocked_by", sa.BigInteger),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.add_column("guild_settings", sa.Column("collection", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("guild_settings") as batch:
        batch.drop_column("collection")
    op.drop_table("blocked_domains")
    op.drop_index("ix_articles_domain", table_name="articles")
    # Not batch mode: on SQLite it would copy `articles` and drop the old table, and the drop
    # cascades to every passage. SQLite 3.35 and later drop a column in place.
    if op.get_bind().dialect.name == "sqlite":
        op.execute('ALTER TABLE "articles" DROP COLUMN "domain"')
    else:
        op.drop_column("articles", "domain")
