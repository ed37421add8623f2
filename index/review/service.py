"""The review workflow behind the Discord front end, with no Discord in it.

- Every answer is stored as shown (`record_answer`), so a flag refers to exactly what a user saw.
- Flags on one answer merge into one flag with a count (`flag`); each flagger's reason is kept.
- A moderator claims a flag atomically (`claim`: a conditional UPDATE whose rowcount says who won),
  then decides it (`decide`: approve, correct or dismiss). The action, the status change and the
  audit-log row (actor, action, reason, before, after) commit in one transaction.
- Corrections feed back: `find_correction` returns the guild's correction of the same or a
  near-duplicate claim (exact normalised text, else embedding similarity >= the measured threshold).
- Per-guild settings (review channel, moderator role), persisted per-user and per-guild rate
  limits, and claim validation.

Every query is scoped by guild: one guild's ids never reach another guild's rows.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine, delete, func, or_, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from claimbot.index.config import Settings
from claimbot.index.records import CheckResult
from claimbot.index.storage import db
from claimbot.index.storage.blobs import from_blobs, to_blob
from claimbot.index.storage.review_tables import (
    AnswerRow,
    AuditRow,
    CorrectionRow,
    FlagReportRow,
    FlagRow,
    GuildSettingsRow,
    RateEventRow,
)
from claimbot.index.storage.schema import ArticleRow, PassageRow, _utcnow

Embed = Callable[[list[str]], np.ndarray]

ACTIONS = ("approve", "correct", "dismiss")
DECIDED_STATUS = {"approve": "approved", "correct": "corrected", "dismiss": "dismissed"}
MAX_REASON_CHARS = 1000
MAX_NOTE_CHARS = 1000
MAX_VERDICT_CHARS = 60
# PostgreSQL advisory-lock class of the per-guild rate-limit windows (any constant unique to claimbot).
RATE_LOCK_CLASS = 0x7261
# A claim (status "in_review") lives only between `claim` and `decide` inside one `review` call, a
# fraction of a second. One older than this was left by a process that died mid-decision, so another
# moderator may take the flag over without waiting for the next restart's `release_stale`.
STALE_CLAIM_S = 300.0

_MENTION = re.compile(r"<@[!&]?\d+>|<#\d+>|@everyone|@here")
# Whom a claim is about, when it names people by mention: "<@111> is a scammer" is not "<@222> is a scammer".
_SUBJECT_MENTION = re.compile(r"<@[!&]?\d+>|<#\d+>")
_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)


class ReviewError(ValueError):
    """Something the user or moderator asked for cannot be done; the message is for them."""


class NotFound(ReviewError):
    """No such answer or flag in this guild (ids from another guild land here too)."""


ANSWER_GONE = "That answer is not known here: it may be older than the answers claimbot keeps."


class AlreadyTaken(ReviewError):
    """Another moderator has claimed or decided this flag; `flag` says who and how."""

    def __init__(self, message: str, flag: FlagView) -> None:
        super().__init__(message)
        self.flag = flag


class _FlagClosed(Exception):
    """Internal: the flag a report was merging into was decided in the meantime; retry."""


class ClaimInvalid(ReviewError):
    """A claim that cannot be checked: empty, whitespace, mentions only, or too long."""


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite gives naive datetimes back; everything stored is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def normalise_claim(text: str) -> str:
    """The claim text to compare and embed: mentions dropped, whitespace collapsed."""
    return " ".join(_MENTION.sub(" ", text).split())


def mentioned(text: str) -> frozenset[str]:
    """The users, roles and channels a claim mentions (`<@!1>` and `<@1>` are the same user)."""
    return frozenset(m.group().replace("<@!", "<@") for m in _SUBJECT_MENTION.finditer(text))


def claim_key(text: str) -> str:
    """Exact-match key: normalised, case-folded, surrounding punctuation removed."""
    return _EDGE_PUNCT.sub("", normalise_claim(text).casefold())


_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nobody|nothing|neither|nor|without|false|untrue|fake|denie[sd]|deny|cannot)\b|n't\b|n’t\b"
    # contractions typed without the apostrophe, as chat often has them
    r"|\b(?:is|was|are|were|do|does|did|ca|could|wo|would|should|has|have|had|ai)nt\b",
    re.IGNORECASE,
)


def negation_mismatch(a: str, b: str) -> bool:
    """True when one claim is negated and the other is not ("X was killed" / "X was not killed").
    Sentence embeddings put such pairs close together (0.93 measured), so a correction never
    carries across them."""
    return bool(_NEGATION.search(a)) != bool(_NEGATION.search(b))


def validate_claim(text: str | None, max_chars: int = 500) -> str:
    """The claim with whitespace collapsed, or `ClaimInvalid` with a message for the user."""
    claim = " ".join((text or "").split())
    if not claim:
        raise ClaimInvalid(
            "The claim is empty. Write the claim you want checked, e.g. `/check claim: Pérez was killed`."
        )
    if not normalise_claim(claim):
        raise ClaimInvalid("The claim only contains mentions. Write the claim itself in words.")
    if len(claim) > max_chars:
        raise ClaimInvalid(
            f"The claim is {len(claim)} characters long; the limit is {max_chars}. Quote the key sentence only."
        )
    return claim


# -- views returned to callers ----------------------------------------------------------------
@dataclass(frozen=True)
class GuildConfig:
    guild_id: int
    review_channel_id: int | None
    moderator_role_id: int | None


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after_s: float = 0.0
    scope: str | None = None  # "user" or "guild" when refused


@dataclass(frozen=True)
class CorrectionView:
    id: int
    claim: str
    verdict: str
    note: str
    moderator_id: int
    created_at: dt.datetime
    similarity: float


@dataclass(frozen=True)
class AnswerView:
    id: int
    guild_id: int
    channel_id: int | None
    message_id: int | None
    asker_id: int
    claim: str
    verdict: str | None
    result: CheckResult
    shown: int
    correction: CorrectionView | None
    private: bool
    model: str | None
    corpus_version: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class Report:
    flagger_id: int
    reason: str
    created_at: dt.datetime


@dataclass(frozen=True)
class FlagView:
    id: int
    guild_id: int
    answer: AnswerView
    status: str
    count: int
    reports: list[Report]
    card_channel_id: int | None
    card_message_id: int | None
    claimed_by: int | None
    decided_by: int | None
    decided_at: dt.datetime | None
    decision_note: str | None
    created_at: dt.datetime
    correction: CorrectionView | None = None  # what a "correct" decision stored

    @property
    def is_open(self) -> bool:
        return self.status in ("open", "in_review")


@dataclass(frozen=True)
class FlagOutcome:
    flag: FlagView
    created: bool  # a new flag (post a card) rather than merged into an open one (edit its card)
    duplicate: bool = False  # this user had already flagged this answer


@dataclass(frozen=True)
class ClaimOutcome:
    won: bool
    flag: FlagView


@dataclass(frozen=True)
class Decision:
    flag: FlagView
    action: str
    correction: CorrectionView | None = None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    actor_id: int
    action: str
    target: str
    reason: str | None
    before: dict | None
    after: dict | None
    created_at: dt.datetime


@dataclass(frozen=True)
class SourceEntry:
    article_id: int
    title: str | None
    outlet: str | None
    url: str | None
    published: str | None
    passages: int


@dataclass(frozen=True)
class SourcesPage:
    entries: list[SourceEntry]
    page: int
    pages: int
    total: int


@dataclass
class ReviewLimits:
    max_claim_chars: int = 500
    rate_user_checks: int = 5
    rate_user_window_s: float = 60.0
    rate_guild_checks: int = 60
    rate_guild_window_s: float = 60.0
    correction_threshold: float = 0.80
    stale_claim_s: float = STALE_CLAIM_S
    answer_retention_days: int = 90

    @classmethod
    def from_settings(cls, s: Settings) -> ReviewLimits:
        return cls(
            max_claim_chars=s.max_claim_chars,
            rate_user_checks=s.rate_user_checks,
            rate_user_window_s=s.rate_user_window_s,
            rate_guild_checks=s.rate_guild_checks,
            rate_guild_window_s=s.rate_guild_window_s,
            correction_threshold=s.correction_threshold,
            answer_retention_days=s.answer_retention_days,
        )


class ReviewService:
    """Thread-safe (one short transaction per call); call it off the event loop."""

    def __init__(
        self,
        engine: Engine,
        *,
        limits: ReviewLimits | None = None,
        embed: Embed | None = None,
        embed_model: str | None = None,
        now: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        """`embed_model` names the model behind `embed`: a correction's vector is compared only with
        vectors of the model that made it."""
        db.upgrade(engine)
        self.engine = engine
        self._sessions = db.session_factory(engine)
        self.limits = limits or ReviewLimits()
        self._embed = embed
        self._embed_model = embed_model
        self.now = now
        self._rate_lock = threading.Lock()

    def _session(self) -> Session:
        return self._sessions()

    # -- claims -----------------------------------------------------------------------------
    def validate_claim(self, text: str | None) -> str:
        return validate_claim(text, self.limits.max_claim_chars)

    # -- per-guild settings -----------------------------------------------------------------
    def guild_config(self, guild_id: int) -> GuildConfig:
        with self._session() as s:
            row = s.get(GuildSettingsRow, guild_id)
            if row is None:
                return GuildConfig(guild_id, None, None)
            return GuildConfig(guild_id, row.review_channel_id, row.moderator_role_id)

    def configure_guild(
        self, guild_id: int, actor_id: int, *, review_channel_id: int | None, moderator_role_id: int | None
    ) -> GuildConfig:
        with self._session() as s, s.begin():
            row = s.get(GuildSettingsRow, guild_id)
            before = None
            if row is None:
                row = GuildSettingsRow(guild_id=guild_id)
                s.add(row)
            else:
                before = {"review_channel_id": row.review_channel_id, "moderator_role_id": row.moderator_role_id}
            row.review_channel_id = review_channel_id
            row.moderator_role_id = moderator_role_id
            row.updated_by = actor_id
            row.updated_at = self.now()
            after = {"review_channel_id": review_channel_id, "moderator_role_id": moderator_role_id}
            self._audit(s, guild_id, actor_id, "setup", "guild_settings", None, before, after)
        return GuildConfig(guild_id, review_channel_id, moderator_role_id)

    # -- rate limits ------------------------------------------------------------------------
    def hit_rate_limit(self, guild_id: int, user_id: int, action: str = "check") -> RateDecision:
        """Count one `action` for the user unless a limit is reached; persisted sliding windows."""
        lim = self.limits
        now = self.now()
        windows = [
            ("user", lim.rate_user_checks, lim.rate_user_window_s),
            ("guild", lim.rate_guild_checks, lim.rate_guild_window_s),
        ]
        with self._rate_lock, self._session() as s, s.begin():
            if self.engine.dialect.name == "postgresql":
                # The thread lock serialises this process only; bot processes sharing one PostgreSQL
                # database share the windows too, so count-then-insert is serialised per guild there.
                s.execute(
                    sql_text("SELECT pg_advisory_xact_lock(:cls, :key)"),
                    {"cls": RATE_LOCK_CLASS, "key": guild_id % 2**31},
                )
            for scope, limit, window in windows:
                if limit <= 0:
                    continue
                cutoff = now - dt.timedelta(seconds=window)
                q = select(RateEventRow.at).where(
                    RateEventRow.guild_id == guild_id, RateEventRow.action == action, RateEventRow.at > cutoff
                )
                if scope == "user":
                    q = q.where(RateEventRow.user_id == user_id)
                times = sorted(_aware(t) for t in s.scalars(q))
                if len(times) >= limit:
                    # The window frees a slot when the oldest event that counts falls out of it.
                    oldest = times[len(times) - limit]
                    retry = (oldest + dt.timedelta(seconds=window) - now).total_seconds()
                    return RateDecision(False, max(retry, 0.1), scope)
            s.add(RateEventRow(guild_id=guild_id, user_id=user_id, action=action, at=now))
            longest = max(lim.rate_user_window_s, lim.rate_guild_window_s)
            s.execute(delete(RateEventRow).where(RateEventRow.at < now - dt.timedelta(seconds=longest)))
        return RateDecision(True)

    # -- answers ----------------------------------------------------------------------------
    def record_answer(
        self,
        guild_id: int,
        *,
        channel_id: int | None,
        asker_id: int,
        result: CheckResult,
        shown: int,
        correction: CorrectionView | None = None,
        private: bool = False,
        model: str | None = None,
        corpus_version: str | None = None,
    ) -> AnswerView:
        with self._session() as s, s.begin():
            row = AnswerRow(
                guild_id=guild_id,
                channel_id=channel_id,
                asker_id=asker_id,
                claim=result.claim,
                verdict=result.verdict,
                result_json=result.model_dump_json(),
                shown=shown,
                correction_id=correction.id if correction else None,
                private=int(private),
                model=model,
                corpus_version=corpus_version,
                created_at=self.now(),
            )
            s.add(row)
            s.flush()
            return self._answer_view(s, row)

    def prune_answers(self) -> int:
        """Delete answers older than the retention that nobody flagged; returns how many.

        The newest answer always stays: SQLite gives a new row the highest id plus one, so an
        emptied table would hand out old ids again, and a button on an old message would open
        another answer."""
        days = self.limits.answer_retention_days
        if days <= 0:
            return 0
        cutoff = self.now() - dt.timedelta(days=days)
        with self._session() as s, s.begin():
            newest = s.scalar(select(func.max(AnswerRow.id)))
            if newest is None:
                return 0
            result = s.execute(
                delete(AnswerRow)
                .where(
                    AnswerRow.created_at < cutoff,
                    AnswerRow.id != newest,
                    AnswerRow.id.not_in(select(FlagRow.answer_id)),
                )
                .execution_options(synchronize_session=False)
            )
            return result.rowcount or 0

    def set_answer_message(
        self, guild_id: int, answer_id: int, *, channel_id: int | None, message_id: int, private: bool | None = None
    ) -> None:
        values: dict = {"channel_id": channel_id, "message_id": message_id}
        if private is not None:
            values["private"] = int(private)
        with self._session() as s, s.begin():
            s.execute(
                update(AnswerRow).where(AnswerRow.id == answer_id, AnswerRow.guild_id == guild_id).values(**values)
            )

    def get_answer(self, guild_id: int, answer_id: int) -> AnswerView:
        with self._session() as s:
            row = s.scalar(select(AnswerRow).where(AnswerRow.id == answer_id, AnswerRow.guild_id == guild_id))
            if row is None:
                raise NotFound(ANSWER_GONE)
            return self._answer_view(s, row)

    def _answer_view(self, s: Session, row: AnswerRow) -> AnswerView:
        correction = None
        if row.correction_id is not None:
            c = s.scalar(
                select(CorrectionRow).where(
                    CorrectionRow.id == row.correction_id, CorrectionRow.guild_id == row.guild_id
                )
            )
            correction = _correction_view(c, 1.0) if c else None
        return AnswerView(
            id=row.id,
            guild_id=row.guild_id,
            channel_id=row.channel_id,
            message_id=row.message_id,
            asker_id=row.asker_id,
            claim=row.claim,
            verdict=row.verdict,
            result=CheckResult.model_validate_json(row.result_json),
            shown=row.shown,
            correction=correction,
            private=bool(row.private),
            model=row.model,
            corpus_version=row.corpus_version,
            created_at=_aware(row.created_at),
        )

    # -- flags ------------------------------------------------------------------------------
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
            answer = s.scalar(select(AnswerRow).where(AnswerRow.id == answer_id, AnswerRow.guild_id == guild_id))
            if answer is None:
                raise NotFound(ANSWER_GONE)
            flag = s.scalar(select(FlagRow).where(FlagRow.open_key == answer_id, FlagRow.guild_id == guild_id))
            if flag is None:
                flag = FlagRow(
                    guild_id=guild_id, answer_id=answer_id, open_key=answer_id, status="open", count=1, created_at=now
                )
                s.add(flag)
                s.flush()
                s.add(
                    FlagReportRow(
                        flag_id=flag.id, guild_id=guild_id, flagger_id=flagger_id, reason=reason, created_at=now
                    )
                )
                s.flush()
                return FlagOutcome(self._flag_view(s, flag), created=True)
            already = s.scalar(
                select(FlagReportRow.id).where(FlagReportRow.flag_id == flag.id, FlagReportRow.flagger_id == flagger_id)
            )
            if already is not None:
                return FlagOutcome(self._flag_view(s, flag), created=False, duplicate=True)
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
            if merged.rowcount != 1:
                raise _FlagClosed()
            s.add(
                FlagReportRow(flag_id=flag.id, guild_id=guild_id, flagger_id=flagger_id, reason=reason, created_at=now)
            )
            s.flush()
            s.refresh(flag)  # read after the UPDATE: the count and card ids as committed now
            return FlagOutcome(self._flag_view(s, flag), created=False)

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
            return self._flag_view(s, row)

    def open_flags(self, guild_id: int, *, limit: int = 20, offset: int = 0) -> tuple[list[FlagView], int]:
        """Undecided flags of the guild, oldest first, and how many there are."""
        cond = (FlagRow.guild_id == guild_id, FlagRow.status.in_(("open", "in_review")))
        with self._session() as s:
            total = s.scalar(select(func.count()).select_from(FlagRow).where(*cond)) or 0
            rows = s.scalars(
                select(FlagRow).where(*cond).order_by(FlagRow.created_at, FlagRow.id).offset(offset).limit(limit)
            )
            return [self._flag_view(s, r) for r in rows], total

    def _flag_view(self, s: Session, row: FlagRow) -> FlagView:
        answer = s.scalar(select(AnswerRow).where(AnswerRow.id == row.answer_id, AnswerRow.guild_id == row.guild_id))
        reports = [
            Report(r.flagger_id, r.reason, _aware(r.created_at))
            for r in s.scalars(
                select(FlagReportRow)
                .where(FlagReportRow.flag_id == row.id, FlagReportRow.guild_id == row.guild_id)
                .order_by(FlagReportRow.created_at, FlagReportRow.id)
            )
        ]
        correction = (
            s.scalar(
                select(CorrectionRow)
                .where(CorrectionRow.flag_id == row.id, CorrectionRow.guild_id == row.guild_id)
                .order_by(CorrectionRow.id.desc())
                .limit(1)
            )
            if row.status == "corrected"
            else None
        )
        return FlagView(
            correction=_correction_view(correction, 1.0) if correction else None,
            id=row.id,
            guild_id=row.guild_id,
            answer=self._answer_view(s, answer),
            status=row.status,
            count=row.count,
            reports=reports,
            card_channel_id=row.card_channel_id,
            card_message_id=row.card_message_id,
            claimed_by=row.claimed_by,
            decided_by=row.decided_by,
            decided_at=_aware(row.decided_at),
            decision_note=row.decision_note,
            created_at=_aware(row.created_at),
        )

    # -- review -----------------------------------------------------------------------------
    def claim(self, guild_id: int, flag_id: int, moderator_id: int) -> ClaimOutcome:
        """Atomically take an open flag for one moderator; `won` is False if someone else has it.
        A claim older than `limits.stale_claim_s` counts as abandoned and can be taken over."""
        now = self.now()
        stale = now - dt.timedelta(seconds=self.limits.stale_claim_s)
        with self._session() as s, s.begin():
            result = s.execute(
                update(FlagRow)
                .where(
                    FlagRow.id == flag_id,
                    FlagRow.guild_id == guild_id,
                    or_(
                        (FlagRow.status == "open") & FlagRow.claimed_by.is_(None),
                        (FlagRow.status == "in_review") & (FlagRow.claimed_at < stale),
                    ),
                )
                .values(status="in_review", claimed_by=moderator_id, claimed_at=now)
                .execution_options(synchronize_session=False)
            )
            won = result.rowcount == 1
        return ClaimOutcome(won, self.get_flag(guild_id, flag_id))

    def release(self, guild_id: int, flag_id: int, moderator_id: int) -> None:
        """Give a claimed flag back (the action failed or was abandoned)."""
        with self._session() as s, s.begin():
            s.execute(
                update(FlagRow)
                .where(
                    FlagRow.id == flag_id,
                    FlagRow.guild_id == guild_id,
                    FlagRow.status == "in_review",
                    FlagRow.claimed_by == moderator_id,
                )
                .values(status="open", claimed_by=None, claimed_at=None)
                .execution_options(synchronize_session=False)
            )

    def release_stale(self, older_than_s: float = 900.0) -> int:
        """Reopen flags claimed longer ago than this (the bot died mid-review); run at startup."""
        cutoff = self.now() - dt.timedelta(seconds=older_than_s)
        with self._session() as s, s.begin():
            result = s.execute(
                update(FlagRow)
                .where(FlagRow.status == "in_review", FlagRow.claimed_at < cutoff)
                .values(status="open", claimed_by=None, claimed_at=None)
                .execution_options(synchronize_session=False)
            )
            return result.rowcount or 0

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
        """Decide a flag this moderator has claimed: the action, the status and the audit row commit together.

        `previous` is the flag as it was before the claim, for the audit row's "before" (the flag
        read here is already "in_review")."""
        if action not in ACTIONS:
            raise ReviewError(f"Unknown action {action!r}.")
        verdict = " ".join((verdict or "").split())[:MAX_VERDICT_CHARS] or None
        note = (note or "").strip()[:MAX_NOTE_CHARS]
        reason = (reason or "").strip()[:MAX_REASON_CHARS] or None
        if action == "correct" and not verdict:
            raise ReviewError("A correction needs the corrected verdict.")
        if action == "dismiss" and not reason:
            raise ReviewError("Dismissing a flag needs a reason.")
        flag = self.get_flag(guild_id, flag_id)
        vector = None
        if action == "correct" and self._embed is not None:
            vector = to_blob(self._embed([normalise_claim(flag.answer.claim) or flag.answer.claim])[0])
        now = self.now()
        new_status = DECIDED_STATUS[action]
        with self._session() as s, s.begin():
            correction_row = None
            if action == "correct":
                correction_row = CorrectionRow(
                    guild_id=guild_id,
                    flag_id=flag_id,
                    claim=flag.answer.claim,
                    claim_key=claim_key(flag.answer.claim),
                    embedding=vector,
                    embed_model=self._embed_model if vector is not None else None,
                    verdict=verdict,
                    note=note,
                    moderator_id=moderator_id,
                    created_at=now,
                )
                s.add(correction_row)
                s.flush()
            result = s.execute(
                update(FlagRow)
                .where(
                    FlagRow.id == flag_id,
                    FlagRow.guild_id == guild_id,
                    FlagRow.status == "in_review",
                    FlagRow.claimed_by == moderator_id,
                )
                .values(
                    status=new_status,
                    open_key=None,
                    decided_by=moderator_id,
                    decided_at=now,
                    decision_note=note or reason,
                )
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                raise ReviewError("This flag is not claimed by you any more; it may have been decided already.")
            was = previous or flag
            before = {
                "status": was.status,
                "verdict": flag.answer.verdict,
                "correction": flag.answer.correction.verdict if flag.answer.correction else None,
            }
            if was.status == "in_review" and was.claimed_by != moderator_id:
                before["claimed_by"] = was.claimed_by  # a stale claim this decision took over
            after: dict = {"status": new_status}
            if correction_row is not None:
                after |= {"verdict": verdict, "note": note, "correction_id": correction_row.id}
            self._audit(s, guild_id, moderator_id, action, f"flag:{flag_id}", reason, before, after)
        correction = _correction_view(correction_row, 1.0) if correction_row is not None else None
        return Decision(self.get_flag(guild_id, flag_id), action, correction)

    def review(self, guild_id: int, flag_id: int, moderator_id: int, action: str, **kwargs) -> Decision:
        """Claim then decide; a lost race raises `ReviewError` naming who has the flag."""
        previous = self.get_flag(guild_id, flag_id)
        outcome = self.claim(guild_id, flag_id, moderator_id)
        if not outcome.won:
            f = outcome.flag
            if f.status == "in_review":
                raise AlreadyTaken("Another moderator is already reviewing this flag.", f)
            raise AlreadyTaken(f"This flag was already {f.status}.", f)
        try:
            return self.decide(guild_id, flag_id, moderator_id, action, previous=previous, **kwargs)
        except Exception:
            self.release(guild_id, flag_id, moderator_id)
            raise

    # -- corrections ------------------------------------------------------------------------
    def find_correction(self, guild_id: int, claim: str) -> CorrectionView | None:
        """The guild's latest correction of this claim or the most similar one above the threshold."""
        key = claim_key(claim)
        # The key and the embedded text leave mentions out, so a correction about one mentioned
        # person must not be shown for the same words about another.
        subjects = mentioned(claim)
        with self._session() as s:
            exact = next(
                (
                    row
                    for row in s.scalars(
                        select(CorrectionRow)
                        .where(CorrectionRow.guild_id == guild_id, CorrectionRow.claim_key == key)
                        .order_by(CorrectionRow.created_at.desc(), CorrectionRow.id.desc())
                    )
                    if mentioned(row.claim) == subjects
                ),
                None,
            )
            if exact is not None:
                return _correction_view(exact, 1.0)
            if self._embed is None:
                return None
            # Vectors of another model (`reembed_corrections` redoes them) live in another space.
            rows = list(
                s.scalars(
                    select(CorrectionRow)
                    .where(
                        CorrectionRow.guild_id == guild_id,
                        CorrectionRow.embedding.is_not(None),
                        CorrectionRow.embed_model.is_not_distinct_from(self._embed_model),
                    )
                    .order_by(CorrectionRow.created_at.desc(), CorrectionRow.id.desc())
                )
            )
        if not rows:
            return None
        text = normalise_claim(claim) or claim
        query = self._embed([text])[0]
        # An unnamed embedder (`embed_model` None) is told from another only by its vectors' size.
        rows = [r for r in rows if len(r.embedding) == 4 * query.shape[0]]  # float32 blobs
        if not rows:
            return None
        matrix = from_blobs([r.embedding for r in rows], query.shape[0])
        sims = matrix @ query
        for i, row in enumerate(rows):
            if negation_mismatch(row.claim, claim) or mentioned(row.claim) != subjects:
                sims[i] = -1.0
        best = int(np.argmax(sims))  # first maximum = newest among equals
        if float(sims[best]) < self.limits.correction_threshold:
            return None
        return _correction_view(rows[best], float(sims[best]))

    def reembed_corrections(self, batch: int = 256, *, only_stale: bool = False) -> int:
        """Embed stored corrections' claims again (after the embedding model changed); returns how many.

        `only_stale` leaves those this service's model already made (a start-up check: usually none)."""
        if self._embed is None:
            return 0
        done = 0
        with self._session() as s, s.begin():
            query = select(CorrectionRow).order_by(CorrectionRow.id)
            if only_stale:
                query = query.where(
                    or_(
                        CorrectionRow.embedding.is_(None), CorrectionRow.embed_model.is_distinct_from(self._embed_model)
                    )
                )
            rows = list(s.scalars(query))
            for start in range(0, len(rows), batch):
                chunk = rows[start : start + batch]
                vectors = self._embed([normalise_claim(r.claim) or r.claim for r in chunk])
                for row, vector in zip(chunk, vectors, strict=True):
                    row.embedding = to_blob(vector)
                    row.embed_model = self._embed_model
                done += len(chunk)
        return done

    # -- audit ------------------------------------------------------------------------------
    def log(
        self,
        guild_id: int,
        actor_id: int,
        action: str,
        target: str,
        *,
        reason: str | None = None,
        before: dict | None = None,
        after: dict | None = None,
    ) -> None:
        with self._session() as s, s.begin():
            self._audit(s, guild_id, actor_id, action, target, reason, before, after)

    def _audit(
        self,
        s: Session,
        guild_id: int,
        actor_id: int,
        action: str,
        target: str,
        reason: str | None,
        before: dict | None,
        after: dict | None,
    ) -> None:
        s.add(
            AuditRow(
                guild_id=guild_id,
                actor_id=actor_id,
                action=action,
                target=target[:100],
                reason=reason,
                before=json.dumps(before, ensure_ascii=False) if before is not None else None,
                after=json.dumps(after, ensure_ascii=False) if after is not None else None,
                created_at=self.now(),
            )
        )

    def audit_log(self, guild_id: int, limit: int = 50) -> list[AuditEntry]:
        with self._session() as s:
            rows = s.scalars(
                select(AuditRow).where(AuditRow.guild_id == guild_id).order_by(AuditRow.id.desc()).limit(limit)
            )
            return [
                AuditEntry(
                    r.id,
                    r.actor_id,
                    r.action,
                    r.target,
                    r.reason,
                    json.loads(r.before) if r.before else None,
                    json.loads(r.after) if r.after else None,
                    _aware(r.created_at),
                )
                for r in rows
            ]

    # -- the article catalogue (for /sources) -----------------------------------------------
    def sources(self, query: str | None = None, *, page: int = 0, per_page: int = 10) -> SourcesPage:
        """Indexed articles, newest first, optionally filtered by title, outlet or URL."""
        counts = (
            select(PassageRow.article_id, func.count(PassageRow.id).label("n"))
            .group_by(PassageRow.article_id)
            .subquery()
        )
        cond = []
        if query and query.strip():
            needle = query.strip().lower()
            # autoescape: a "%" or "_" in the query is that character, not a LIKE wildcard
            cond.append(
                or_(
                    *(
                        func.lower(column).contains(needle, autoescape=True)
                        for column in (ArticleRow.title, ArticleRow.outlet, ArticleRow.url)
                    )
                )
            )
        with self._session() as s:
            total = s.scalar(select(func.count()).select_from(ArticleRow).where(*cond)) or 0
            pages = max(1, -(-total // per_page))
            page = min(max(page, 0), pages - 1)
            rows = s.execute(
                select(
                    ArticleRow.id,
                    ArticleRow.title,
                    ArticleRow.outlet,
                    ArticleRow.url,
                    ArticleRow.published,
                    func.coalesce(counts.c.n, 0),
                )
                .outerjoin(counts, counts.c.article_id == ArticleRow.id)
                .where(*cond)
                .order_by(ArticleRow.published.desc(), ArticleRow.id.desc())
                .offset(page * per_page)
                .limit(per_page)
            )
            entries = [SourceEntry(i, t, o, u, p.isoformat() if p else None, int(n)) for i, t, o, u, p, n in rows]
        return SourcesPage(entries, page, pages, total)


def _correction_view(row: CorrectionRow, similarity: float) -> CorrectionView:
    return CorrectionView(
        id=row.id,
        claim=row.claim,
        verdict=row.verdict,
        note=row.note,
        moderator_id=row.moderator_id,
        created_at=_aware(row.created_at),
        similarity=similarity,
    )
