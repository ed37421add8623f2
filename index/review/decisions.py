"""Moderators' decisions on flags. A moderator takes a flag atomically (`take_flag`: a conditional
UPDATE whose rowcount says who won), then decides it (`decide`: approve, correct or dismiss). The
action, the status change and the audit-log row (actor, action, reason, before, after) commit in one
transaction. "Taking" is the moderator's; a "claim" is only ever what a user asks to have checked.

The database keeps the taker in `flags.claimed_by` / `claimed_at` (the schema is unchanged)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, update

from claimbot.index.review.audit import AuditLog
from claimbot.index.review.base import Context, Part, rowcount
from claimbot.index.review.corrections import Corrections, correction_view
from claimbot.index.review.errors import AlreadyTaken, ReviewError
from claimbot.index.review.flags import MAX_REASON_CHARS, Flags
from claimbot.index.review.models import (
    AuditState,
    Decision,
    FlagStatus,
    FlagView,
    Rating,
    ReviewAction,
    TakeOutcome,
    WatchSource,
)
from claimbot.index.review.watches import Watches
from claimbot.index.storage import FlagRow

MAX_NOTE_CHARS = 1000
# Decisions whose claim is then watched (CLAIMBOT_WATCH_DAYS), and why.
_WATCHED = {ReviewAction.APPROVE: WatchSource.APPROVED, ReviewAction.CORRECT: WatchSource.CORRECTED}
MAX_VERDICT_CHARS = 60


class Decisions(Part):
    def __init__(self, ctx: Context, flags: Flags, corrections: Corrections, audit: AuditLog, watches: Watches) -> None:
        super().__init__(ctx)
        self._flags = flags
        self._corrections = corrections
        self._audit = audit
        self._watches = watches

    def take_flag(self, guild_id: int, flag_id: int, moderator_id: int) -> TakeOutcome:
        """Atomically take an open flag for one moderator; `won` is False if someone else has it.
        A flag taken longer ago than `limits.stale_take_s` counts as abandoned and can be taken over."""
        now = self.now()
        stale = now - dt.timedelta(seconds=self.limits.stale_take_s)
        with self._session() as s, s.begin():
            result = s.execute(
                update(FlagRow)
                .where(
                    FlagRow.id == flag_id,
                    FlagRow.guild_id == guild_id,
                    or_(
                        (FlagRow.status == FlagStatus.OPEN.value) & FlagRow.claimed_by.is_(None),
                        (FlagRow.status == FlagStatus.IN_REVIEW.value) & (FlagRow.claimed_at < stale),
                    ),
                )
                .values(status=FlagStatus.IN_REVIEW.value, claimed_by=moderator_id, claimed_at=now)
                .execution_options(synchronize_session=False)
            )
            won = rowcount(result) == 1
        return TakeOutcome(won, self._flags.get_flag(guild_id, flag_id))

    def release_flag(self, guild_id: int, flag_id: int, moderator_id: int) -> None:
        """Give a taken flag back (the action failed or was abandoned)."""
        with self._session() as s, s.begin():
            s.execute(
                update(FlagRow)
                .where(
                    FlagRow.id == flag_id,
                    FlagRow.guild_id == guild_id,
                    FlagRow.status == FlagStatus.IN_REVIEW.value,
                    FlagRow.claimed_by == moderator_id,
                )
                .values(status=FlagStatus.OPEN.value, claimed_by=None, claimed_at=None)
                .execution_options(synchronize_session=False)
            )

    def release_stale(self, older_than_s: float = 900.0) -> int:
        """Reopen flags taken longer ago than this (the bot died mid-review); run at startup."""
        cutoff = self.now() - dt.timedelta(seconds=older_than_s)
        with self._session() as s, s.begin():
            result = s.execute(
                update(FlagRow)
                .where(FlagRow.status == FlagStatus.IN_REVIEW.value, FlagRow.claimed_at < cutoff)
                .values(status=FlagStatus.OPEN.value, claimed_by=None, claimed_at=None)
                .execution_options(synchronize_session=False)
            )
            return rowcount(result)

    def decide(
        self,
        guild_id: int,
        flag_id: int,
        moderator_id: int,
        action: str,
        *,
        verdict: str | None = None,
        note: str | None = None,
        reason: str | None = None,
        previous: FlagView | None = None,
    ) -> Decision:
        """Decide a flag this moderator has taken: the action, the status and the audit row commit together.

        `previous` is the flag as it was before it was taken, for the audit row's "before" (the flag
        read here is already "in_review")."""
        try:
            act = ReviewAction(action)
        except ValueError:
            raise ReviewError(f"Unknown action {action!r}.") from None
        note = (note or "").strip()[:MAX_NOTE_CHARS]
        reason = (reason or "").strip()[:MAX_REASON_CHARS] or None
        rating = Rating.parse(verdict or "")
        if act is ReviewAction.CORRECT and rating is None:
            scale = ", ".join(r.label for r in Rating)
            raise ReviewError(
                f"A correction needs a verdict from the scale ({scale})"
                + (f", not {verdict.strip()[:MAX_VERDICT_CHARS]!r}." if verdict and verdict.strip() else ".")
            )
        verdict = rating.value if rating else None
        if act is ReviewAction.DISMISS and not reason:
            raise ReviewError("Dismissing a flag needs a reason.")
        flag = self._flags.get_flag(guild_id, flag_id)
        # The claim that was checked: a post's links, emoji and "BREAKING:" are not part of it, and
        # a correction of it must be found for the next post of the same claim.
        claim = flag.answer.result.read_as or flag.answer.claim
        vector = self._corrections.vector_of(claim) if act is ReviewAction.CORRECT else None
        now = self.now()
        new_status = act.status
        with self._session() as s, s.begin():
            correction_row = None
            if act is ReviewAction.CORRECT:
                assert verdict is not None  # checked above
                correction_row = self._corrections.add(
                    s,
                    guild_id,
                    flag_id,
                    claim,
                    vector=vector,
                    verdict=verdict,
                    note=note,
                    moderator_id=moderator_id,
                    at=now,
                )
            result = s.execute(
                update(FlagRow)
                .where(
                    FlagRow.id == flag_id,
                    FlagRow.guild_id == guild_id,
                    FlagRow.status == FlagStatus.IN_REVIEW.value,
                    FlagRow.claimed_by == moderator_id,
                )
                .values(
                    status=new_status.value,
                    open_key=None,
                    decided_by=moderator_id,
                    decided_at=now,
                    decision_note=note or reason,
                )
                .execution_options(synchronize_session=False)
            )
            if rowcount(result) != 1:
                raise ReviewError("This flag is not claimed by you any more; it may have been decided already.")
            was = previous or flag
            before: AuditState = {
                "status": was.status.value,
                "verdict": flag.answer.verdict,
                "correction": flag.answer.correction.verdict if flag.answer.correction else None,
            }
            if was.status is FlagStatus.IN_REVIEW and was.taken_by != moderator_id:
                # a stale take this decision took over (the audit log's key, as stored since 0002)
                before["claimed_by"] = was.taken_by
            after: AuditState = {"status": new_status.value}
            if correction_row is not None:
                after |= {"verdict": verdict, "note": note, "correction_id": correction_row.id}
            self._audit.write(s, guild_id, moderator_id, act.value, f"flag:{flag_id}", reason, before, after)
            if act in _WATCHED and self.limits.watch_days > 0:
                # An answer a moderator stood behind is followed: later reporting may undo it.
                self._watches.add_in(
                    s,
                    guild_id,
                    claim,
                    moderator_id,
                    answer_id=flag.answer.id,
                    days=self.limits.watch_days,
                    source=_WATCHED[act],
                )
        correction = correction_view(correction_row, 1.0) if correction_row is not None else None
        return Decision(self._flags.get_flag(guild_id, flag_id), act, correction)

    def review(
        self,
        guild_id: int,
        flag_id: int,
        moderator_id: int,
        action: str,
        *,
        verdict: str | None = None,
        note: str | None = None,
        reason: str | None = None,
    ) -> Decision:
        """Take then decide; a lost race raises `AlreadyTaken` naming who has the flag."""
        previous = self._flags.get_flag(guild_id, flag_id)
        outcome = self.take_flag(guild_id, flag_id, moderator_id)
        if not outcome.won:
            f = outcome.flag
            if f.status is FlagStatus.IN_REVIEW:
                raise AlreadyTaken("Another moderator is already reviewing this flag.", f)
            raise AlreadyTaken(f"This flag was already {f.status}.", f)
        try:
            return self.decide(
                guild_id, flag_id, moderator_id, action, verdict=verdict, note=note, reason=reason, previous=previous
            )
        except Exception:
            self.release_flag(guild_id, flag_id, moderator_id)
            raise
