"""Blocked sources found on an index range: each article's and each blocked domain's labels reversed.

Blocking a domain hides its subdomains too. The blocked passages were found with
`articles.domain = blocked OR articles.domain LIKE '%.' || blocked`, which no index can answer:
every search read every article while anything was blocked (17 ms at a million passages on SQLite,
22 ms on PostgreSQL, twice a check). With the labels reversed ("news.example.com" is
"com.example.news") a domain's subdomains sort right after it, and the match is a range of
`ix_articles_domain_rev` (storage/domains.py, BLOCKED_PASSAGES_SQL). Both columns compare bytes
(COLLATE "C" on PostgreSQL), which the range relies on.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_KEY = sa.String(255).with_variant(sa.String(255, collation="C"), "postgresql")


def _reversed(domain: str) -> str:
    # storage/domains.py's reversed_domain as of this migration, frozen here.
    return ".".join(reversed(domain.split(".")))


def _backfill(bind: sa.Connection, table: str, key: str) -> None:
    t = sa.table(table, sa.column(key), sa.column("domain", sa.String), sa.column("domain_rev", sa.String))
    rows = bind.execute(sa.select(t.c[key], t.c.domain).where(t.c.domain.is_not(None))).all()
    updates = [{"k": k, "r": _reversed(d)} for k, d in rows]
    if updates:
        bind.execute(t.update().where(t.c[key] == sa.bindparam("k")).values(domain_rev=sa.bindparam("r")), updates)


def upgrade() -> None:
    op.add_column("articles", sa.Column("domain_rev", _KEY, nullable=True))
    op.add_column("blocked_domains", sa.Column("domain_rev", _KEY, nullable=True))
    bind = op.get_bind()
    _backfill(bind, "articles", "id")
    _backfill(bind, "blocked_domains", "domain")
    op.create_index("ix_articles_domain_rev", "articles", ["domain_rev"])


def downgrade() -> None:
    op.drop_index("ix_articles_domain_rev", table_name="articles")
    # Not batch mode: on SQLite it would copy `articles` and drop the old table, and the drop
    # cascades to every passage. SQLite 3.35 and later drop a column in place.
    for table in ("blocked_domains", "articles"):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f'ALTER TABLE "{table}" DROP COLUMN "domain_rev"')
        else:
            op.drop_column(table, "domain_rev")
