"""Flags: users' reports on an answer, merged into one flag (one review card) with a count; each
flagger's reason is kept. The moderators' queue of undecided flags."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from claimbot.index.review.answers import answer_row, answer_view
from claimbot.index.review.base import Part, aware, rowcount
from claimbot.index.review.corrections import correction_view
from claimbot.index.review.errors import NotFound, ReviewError
from claimbot.index.review.models import UNDECIDED, FlagFilter, FlagOutcome, FlagStatus, FlagView, Report
from claimbot.index.storage import CorrectionRow, FlagReportRow, FlagRow

MAX_REASON_CHARS = 1000


class _FlagClosed(Exception):
    """Internal: the flag a report was merging into was decided in the meantime; retry."""


def flag_view(s: Session, row: FlagRow) -> FlagView:
    reports = [
        Report(r.flagger_id, r.reason, aware(r.created_at))
        for r in s.scalars(
            select(FlagReportRow)
            .where(FlagReportRow.flag_id == row.id, FlagReportRow.guild_id == row.guild_id)
            .order_by(FlagReportRow.created_at, FlagReportRow.id)
        )
    ]
    status = FlagStatus(row.status)
    correction = (
        s.scalar(
            select(CorrectionRow)
            .where(CorrectionRow.flag_id == row.id, CorrectionRow.guild_id == row.guild_id)
            .order_by(CorrectionRow.id.desc())
            .limit(1)
        )
        if status is FlagStatus.CORRECTED
        else None
    )
    return FlagView(
        correction=correction_view(correction, 1.0) if correction else None,
        id=row.id,
        guild_id=row.guild_id,
        answer=answer_view(s, answer_row(s, row.guild_id, row.answer_id)),
        status=status,
        count=row.count,
        reports=reports,
        card_channel_id=row.card_channel_id,
        card_message_id=row.card_message_id,
        taken_by=row.claimed_by,
        decided_by=row.decided_by,
        decided_at=aware(row.decided_at),
        decision_note=row.decision_note,
        created_at=aware(row.created_at),
    )


class Flags(Part):
    def flag(self, guild_id: int, answer_id: int, flagger_id: int, reason: str) -> FlagOutcome:
        reason = (reason or "").strip()
        if not reason:
            raise ReviewError("Please give a reason for the flag.")
        reason = reason[:MAX_REASON_CHARS]
        for _attempt in range(3):
            try:
                return self._flag_once(guild_id, answer_id, flagger_id, reason)
            except IntegrityError:
                continue  # another flagger opened the flag at the same moment: merge into it
            except _FlagClosed:
                continue  # the open flag was decided meanwhile: open a new one
        raise ReviewError("Could not record the flag; please try again.")

    def _flag_once(self, guild_id: int, answer_id: int, flagger_id: int, reason: str) -> FlagOutcome:
        now = self.now()
        with self._session() as s, s.begin():
            answer_row(s, guild_id, answer_id)  # NotFound when it is gone
            flag = s.scalar(select(FlagRow).where(FlagRow.open_key == answer_id, FlagRow.guild_id == guild_id))
            if flag is None:
                flag = FlagRow(
                    guild_id=guild_id,
                    answer_id=answer_id,
                    open_key=answer_id,
                    status=FlagStatus.OPEN.value,
                    count=1,
                    created_at=now,
                )
                s.add(flag)
                s.flush()
                s.add(
                    FlagReportRow(
                        flag_id=flag.id, guild_id=guild_id, flagger_id=flagger_id, reason=reason, created_at=now
                    )
                )
                s.flush()
                return FlagOutcome(flag_view(s, flag), created=True)
            already = s.scalar(
                select(FlagReportRow.id).where(FlagReportRow.flag_id == flag.id, FlagReportRow.flagger_id == flagger_id)
            )
            if already is not None:
                return FlagOutcome(flag_view(s, flag), created=False, duplicate=True)
            # The flag read above may have been decided since (a decision clears open_key): the merge
            # only counts while it is still the answer's open flag. This UPDATE waits for a decision
            # in flight on the same row (PostgreSQL re-checks the WHERE on the row it commits), so a
            # report never lands on a decided flag; with no row, the next attempt opens a new flag.
            merged = s.execute(
                update(FlagRow)
                .where(FlagRow.id == flag.id, FlagRow.open_key == answer_id)
                .values(count=FlagRow.count + 1)
                .execution_options(synchronize_session=False)
            )
            if rowcount(merged) != 1:
                raise _FlagClosed()
            s.add(
                FlagReportRow(flag_id=flag.id, guild_id=guild_id, flagger_id=flagger_id, reason=reason, created_at=now)
            )
            s.flush()
            s.refresh(flag)  # read after the UPDATE: the count and card ids as committed now
            return FlagOutcome(flag_view(s, flag), created=False)

    def reserve_card(self, guild_id: int, flag_id: int, channel_id: int) -> bool:
        """Atomically become the one to post a flag's review card in `channel_id`; False when it has
        a card, or another process or flagger is posting one. A flag opened while the server had no
        review channel has none: the first to reserve it (a later report, /claimbot setup) posts it."""
        with self._session() as s, s.begin():
            won = s.execute(
                update(FlagRow)
                .where(FlagRow.id == flag_id, FlagRow.guild_id == guild_id, FlagRow.card_channel_id.is_(None))
                .values(card_channel_id=channel_id)
                .execution_options(synchronize_session=False)
            )
            return rowcount(won) == 1

    def release_card(self, guild_id: int, flag_id: int) -> None:
        """Give up a reservation whose card could not be posted, so that a later try may post it."""
        with self._session() as s, s.begin():
            s.execute(
                update(FlagRow)
                .where(FlagRow.id == flag_id, FlagRow.guild_id == guild_id, FlagRow.card_message_id.is_(None))
                .values(card_channel_id=None)
                .execution_options(synchronize_session=False)
            )

    def set_card(self, guild_id: int, flag_id: int, *, channel_id: int, message_id: int) -> None:
        with self._session() as s, s.begin():
            s.execute(
                update(FlagRow)
                .where(FlagRow.id == flag_id, FlagRow.guild_id == guild_id)
                .values(card_channel_id=channel_id, card_message_id=message_id)
            )

    def get_flag(self, guild_id: int, flag_id: int) -> FlagView:
        with self._session() as s:
            row = s.scalar(select(FlagRow).where(FlagRow.id == flag_id, FlagRow.guild_id == guild_id))
            if row is None:
                raise NotFound("That flag is not known here.")
            return flag_view(s, row)

    def open_flags(self, guild_id: int, *, limit: int = 20, offset: int = 0) -> tuple[list[FlagView], int]:
        """Undecided flags of the guild, oldest first, and how many there are."""
        return self.flags_page(guild_id, FlagFilter.OPEN, limit=limit, offset=offset)

    def flags_page(
        self, guild_id: int, which: FlagFilter, *, moderator_id: int | None = None, limit: int = 20, offset: int = 0
    ) -> tuple[list[FlagView], int]:
        """One page of the guild's flags: open ones oldest first (the queue), decided ones newest
        first; `MINE` is what `moderator_id` decided or is deciding, newest first."""
        cond: list[ColumnElement[bool]] = [FlagRow.guild_id == guild_id]
        order: tuple[Any, ...] = (FlagRow.decided_at.desc(), FlagRow.id.desc())
        if which is FlagFilter.OPEN:
            cond.append(FlagRow.status.in_([status.value for status in UNDECIDED]))
            order = (FlagRow.created_at, FlagRow.id)
        elif which is FlagFilter.DECIDED:
            cond.append(FlagRow.status.not_in([status.value for status in UNDECIDED]))
        else:
            cond.append(or_(FlagRow.decided_by == moderator_id, FlagRow.claimed_by == moderator_id))
            order = (FlagRow.created_at.desc(), FlagRow.id.desc())
        with self._session() as s:
            total = s.scalar(select(func.count()).select_from(FlagRow).where(*cond)) or 0
            rows = s.scalars(select(FlagRow).where(*cond).order_by(*order).offset(offset).limit(limit))
            return [flag_view(s, r) for r in rows], total
