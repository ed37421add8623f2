"""Statuses and actions of the review workflow, its limits, and the views it returns to callers.

The enums are `str`-valued: their values are the strings stored in the database and the audit log,
unchanged (index/storage/review_tables.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from claimbot.index.config import Settings
from claimbot.index.records import CheckResult, FactCheck, PassageResult

# A flag is "in_review" only between `take_flag` and `decide` inside one `review` call, a fraction of
# a second. One taken longer ago than this was left by a process that died mid-decision, so another
# moderator may take the flag over without waiting for the next restart's `release_stale`.
STALE_TAKE_S = 300.0

# The audit log's "before" and "after": JSON objects.
AuditState = dict[str, Any]


class FlagStatus(StrEnum):
    OPEN = "open"
    IN_REVIEW = "in_review"  # taken by a moderator, being decided
    APPROVED = "approved"
    CORRECTED = "corrected"
    DISMISSED = "dismissed"

    @property
    def is_open(self) -> bool:
        return self in UNDECIDED


UNDECIDED = (FlagStatus.OPEN, FlagStatus.IN_REVIEW)


class FlagFilter(StrEnum):
    """Which flags /review lists."""

    OPEN = "open"  # the queue, oldest first
    MINE = "mine"  # the ones the asking moderator decided or is deciding
    DECIDED = "decided"  # newest first


class ReviewAction(StrEnum):
    """What a moderator decides about a flag."""

    APPROVE = "approve"
    CORRECT = "correct"
    DISMISS = "dismiss"

    @property
    def status(self) -> FlagStatus:
        """The status a flag decided this way gets."""
        return _DECIDED_STATUS[self]


_DECIDED_STATUS = {
    ReviewAction.APPROVE: FlagStatus.APPROVED,
    ReviewAction.CORRECT: FlagStatus.CORRECTED,
    ReviewAction.DISMISS: FlagStatus.DISMISSED,
}


class Rating(StrEnum):
    """The fixed scale of a moderator's corrected verdict. It lines up with the bot's own verdict
    words (supported ~ true, refuted ~ false, disputed, unverified ~ unproven) and with the ratings
    fact-checkers publish (PolitiFact's True ... False, ClaimReview's alternateName), so one server's
    corrections never read "false", "FALSE!!" and "fake" for one thing."""

    TRUE = "true"
    MOSTLY_TRUE = "mostly true"
    MIXED = "mixed"
    MISLEADING = "misleading"
    MOSTLY_FALSE = "mostly false"
    FALSE = "false"
    DISPUTED = "disputed"
    UNPROVEN = "unproven"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def description(self) -> str:
        return _RATING_DESCRIPTIONS[self]

    @classmethod
    def parse(cls, text: str) -> Rating | None:
        """The rating a moderator picked ("false", "False", " mostly  TRUE "), or None."""
        key = " ".join(text.split()).casefold()
        return next((r for r in cls if r.value == key), None)


_RATING_DESCRIPTIONS = {
    Rating.TRUE: "Accurate (the bot's 'supported')",
    Rating.MOSTLY_TRUE: "Accurate but needs a clarification or detail",
    Rating.MIXED: "Partly accurate, partly not (half true)",
    Rating.MISLEADING: "True facts that give a false impression",
    Rating.MOSTLY_FALSE: "An element of truth, but wrong on the whole",
    Rating.FALSE: "Not accurate (the bot's 'refuted')",
    Rating.DISPUTED: "Credible sources disagree",
    Rating.UNPROVEN: "The evidence does not settle it (the bot's 'unverified')",
}


class AuditAction(StrEnum):
    """The audit log's `action` column: the review decisions and the other moderator actions."""

    APPROVE = "approve"
    CORRECT = "correct"
    DISMISS = "dismiss"
    SETUP = "setup"
    INGEST = "ingest"
    REVOKE = "revoke"  # a correction taken back
    REMOVE_ARTICLE = "remove_article"
    REMOVE_FACT_CHECK = "remove_fact_check"
    BLOCK_SOURCE = "block_source"
    UNBLOCK_SOURCE = "unblock_source"
    ADD_FEED = "add_feed"
    REMOVE_FEED = "remove_feed"
    PAUSE_FEED = "pause_feed"
    RESUME_FEED = "resume_feed"
    WATCH = "watch"  # a claim watched by hand (/watch, a review card's button)
    UNWATCH = "unwatch"


# The audit log's guild for actions taken outside Discord (`claimbot articles remove`, `claimbot
# sources block`): no server's, and the actor is the operator (0).
OPERATOR_GUILD = 0
OPERATOR = 0


class RateScope(StrEnum):
    USER = "user"
    GUILD = "guild"


class RateAction(StrEnum):
    """What the rate limits count (the `action` column of the rate events)."""

    CHECK = "check"
    WATCH_UPDATE = "watch_update"  # an update on a watched claim posted to the review channel


# The one window of the watch updates' per-server limit (ReviewLimits.watch_updates_per_hour).
WATCH_UPDATE_WINDOW_S = 3600.0
# How long a hand-made watch lasts when CLAIMBOT_WATCH_DAYS is 0 (automatic watching off).
DEFAULT_WATCH_DAYS = 14


class WatchSource(StrEnum):
    """Why a claim is watched (the `source` column of watches)."""

    MANUAL = "manual"  # /watch, or a review card's Watch button
    APPROVED = "approved"  # an answer a moderator said is right
    CORRECTED = "corrected"  # an answer a moderator corrected


class WatchSide(StrEnum):
    """What new reporting does to a watched claim; only a confident side is ever reported."""

    SUPPORTS = "supports"
    CONFLICTS = "conflicts"


class NoticeOutcome(StrEnum):
    """Whether an update may be sent (`Watches.claim_notice`)."""

    SEND = "send"
    ALREADY_SENT = "already_sent"  # this passage or fact-check was reported on this watch before
    RATE_LIMITED = "rate_limited"  # the server had its updates for the hour


# -- views returned to callers ----------------------------------------------------------------
@dataclass(frozen=True)
class GuildConfig:
    guild_id: int
    review_channel_id: int | None
    moderator_role_id: int | None
    mod_log_channel_id: int | None = None
    collection: str | None = None  # the server's own collection, searched with the shared corpus


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after_s: float = 0.0
    scope: RateScope | None = None  # which window refused


@dataclass(frozen=True)
class CorrectionView:
    id: int
    claim: str
    verdict: str
    note: str
    moderator_id: int
    created_at: dt.datetime
    similarity: float
    revoked_at: dt.datetime | None = None
    revoked_by: int | None = None


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
    status: FlagStatus
    count: int
    reports: list[Report]
    card_channel_id: int | None
    card_message_id: int | None
    taken_by: int | None  # the moderator deciding it (status "in_review")
    decided_by: int | None
    decided_at: dt.datetime | None
    decision_note: str | None
    created_at: dt.datetime
    correction: CorrectionView | None = None  # what a "correct" decision stored

    @property
    def is_open(self) -> bool:
        return self.status.is_open


@dataclass(frozen=True)
class FlagOutcome:
    flag: FlagView
    created: bool  # a new flag (post a card) rather than merged into an open one (edit its card)
    duplicate: bool = False  # this user had already flagged this answer


@dataclass(frozen=True)
class TakeOutcome:
    won: bool
    flag: FlagView


@dataclass(frozen=True)
class Decision:
    flag: FlagView
    action: ReviewAction
    correction: CorrectionView | None = None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    actor_id: int
    action: str
    target: str
    reason: str | None
    before: AuditState | None
    after: AuditState | None
    created_at: dt.datetime
    guild_id: int = 0


@dataclass(frozen=True)
class WatchView:
    id: int
    guild_id: int
    claim: str
    answer_id: int | None
    source: WatchSource
    created_by: int
    created_at: dt.datetime
    expires_at: dt.datetime


@dataclass(frozen=True)
class WatchUpdate:
    """New reporting on a watched claim, to be posted once to the server's review channel: a
    passage (with its article) or a published fact-check, and the side it takes."""

    watch: WatchView
    side: WatchSide
    # The key its once-only reservation was made under (`Watches.claim_notice`): where a posting
    # that failed waits for the next sweep (`Watches.defer`).
    target: str
    passage: PassageResult | None = None
    fact_check: FactCheck | None = None
    # Where the original answer is, for a jump link (None: a /watch without an answer, a private
    # answer, or one pruned since).
    answer_channel_id: int | None = None
    answer_message_id: int | None = None


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
    rate_user_checks: int = 5
    rate_user_window_s: float = 60.0
    rate_guild_checks: int = 60
    rate_guild_window_s: float = 60.0
    correction_threshold: float = 0.80
    stale_take_s: float = STALE_TAKE_S
    answer_retention_days: int = 90
    watch_days: int = DEFAULT_WATCH_DAYS
    watch_updates_per_hour: int = 10

    @classmethod
    def from_settings(cls, s: Settings) -> ReviewLimits:
        return cls(
            rate_user_checks=s.rate_user_checks,
            rate_user_window_s=s.rate_user_window_s,
            rate_guild_checks=s.rate_guild_checks,
            rate_guild_window_s=s.rate_guild_window_s,
            correction_threshold=s.correction_threshold,
            answer_retention_days=s.answer_retention_days,
            watch_days=s.watch_days,
            watch_updates_per_hour=s.watch_updates_per_hour,
        )
