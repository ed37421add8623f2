"""The audit log: who did what to which target, with the state before and after."""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimbot.index.review.base import Part, aware
from claimbot.index.review.models import AuditEntry, AuditState
from claimbot.index.storage import AuditRow


class AuditLog(Part):
    def log(
        self,
        guild_id: int,
        actor_id: int,
        action: str,
        target: str,
        *,
        reason: str | None = None,
        before: AuditState | None = None,
        after: AuditState | None = None,
    ) -> None:
        """One audit row in its own transaction (`action`: an `AuditAction`)."""
        with self._session() as s, s.begin():
            self.write(s, guild_id, actor_id, action, target, reason, before, after)

    def write(
        self,
        s: Session,
        guild_id: int,
        actor_id: int,
        action: str,
        target: str,
        reason: str | None,
        before: AuditState | None,
        after: AuditState | None,
    ) -> None:
        """Add the audit row to `s`, so it commits with the change it records."""
        s.add(
            AuditRow(
                guild_id=guild_id,
                actor_id=actor_id,
                action=str(action),
                target=target[:100],
                reason=reason,
                before=json.dumps(before, ensure_ascii=False) if before is not None else None,
                after=json.dumps(after, ensure_ascii=False) if after is not None else None,
                created_at=self.now(),
            )
        )

    def entries(self, guild_id: int, limit: int = 50) -> list[AuditEntry]:
        """The guild's latest audit rows, newest first."""
        with self._session() as s:
            rows = s.scalars(
                select(AuditRow).where(AuditRow.guild_id == guild_id).order_by(AuditRow.id.desc()).limit(limit)
            )
            return [_entry(r) for r in rows]

    def export(self, guild_id: int | None = None, batch: int = 1000) -> Iterator[AuditEntry]:
        """Every row (of one guild, or all), oldest first; keyset pages, so a long log is never
        held in memory at once."""
        last = 0
        while True:
            query = select(AuditRow).where(AuditRow.id > last)
            if guild_id is not None:
                query = query.where(AuditRow.guild_id == guild_id)
            with self._session() as s:
                rows = [_entry(r) for r in s.scalars(query.order_by(AuditRow.id).limit(batch))]
            yield from rows
            if len(rows) < batch:
                return
            last = rows[-1].id


def _entry(r: AuditRow) -> AuditEntry:
    return AuditEntry(
        r.id,
        r.actor_id,
        r.action,
        r.target,
        r.reason,
        json.loads(r.before) if r.before else None,
        json.loads(r.after) if r.after else None,
        aware(r.created_at),
        r.guild_id,
    )
