"""Articles from a site with a Unicode name get its ASCII (IDNA) domain.

Domains are stored and compared in the ASCII form fetched URLs carry ("bücher.example" is
"xn--bcher-kva.example", storage/domains.py): a site written in Unicode in a JSONL line was stored
as such, so blocking it matched nothing under either spelling, and `claimbot sources` would list
the site twice. Articles stored before are rewritten here; blocked domains never held Unicode (a
block of one was refused).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

import idna
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _ascii(host: str) -> str:
    # storage/domains.py's _ascii as of this migration, frozen here.
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except UnicodeError:
        return host


def upgrade() -> None:
    bind = op.get_bind()
    t = sa.table("articles", sa.column("id"), sa.column("domain", sa.String), sa.column("domain_rev", sa.String))
    rows = bind.execute(sa.select(t.c.id, t.c.domain).where(t.c.domain.is_not(None))).all()
    updates = []
    for key, domain in rows:
        if domain.isascii():
            continue
        new = _ascii(domain)
        updates.append({"k": key, "d": new, "r": ".".join(reversed(new.split(".")))})
    if updates:
        bind.execute(
            t.update()
            .where(t.c.id == sa.bindparam("k"))
            .values(domain=sa.bindparam("d"), domain_rev=sa.bindparam("r")),
            updates,
        )


def downgrade() -> None:
    # The ASCII form is a domain older releases read as well: nothing to undo.
    pass
