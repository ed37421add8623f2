"""`ReviewService`: the review workflow behind the Discord front end, with no Discord in it. A façade
over its parts, one module per concern:

- answers.py: every answer is stored as shown (`record_answer`), so a flag refers to exactly what a user saw.
- flags.py: flags on one answer merge into one flag with a count (`flag`); each flagger's reason is kept.
- decisions.py: a moderator takes a flag atomically (`take_flag`), then decides it (`decide`:
  approve, correct or dismiss); the action, the status change and the audit row commit together.
- corrections.py: corrections feed back (`find_correction`: the same or a near-duplicate claim).
- rate_limits.py, guilds.py, audit.py, catalogue.py: persisted per-user and per-guild rate limits,
  per-guild settings (review channel, moderator role), the audit log, the article list for /sources.
- watches.py: watched claims and the once-only, rate-limited record of the updates sent about them.
- claims.py: the one claim validator (`ClaimIndex.validate_claim` applies it with the setting's limit).

Every query is scoped by guild: one guild's ids never reach another guild's rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import Engine

from claimbot.index.records import CheckResult
from claimbot.index.review.answers import Answers
from claimbot.index.review.audit import AuditLog
from claimbot.index.review.base import Clock, Context
from claimbot.index.review.catalogue import Catalogue

# bench/bench_correction_threshold.py imports these two from here (the package door is claimbot.index.review).
from claimbot.index.review.corrections import Confirm, Corrections, Embed
from claimbot.index.review.decisions import Decisions
from claimbot.index.review.flags import Flags
from claimbot.index.review.guilds import KEEP, GuildSettings
from claimbot.index.review.models import (
    AnswerView,
    AuditEntry,
    AuditState,
    CorrectionView,
    Decision,
    FlagFilter,
    FlagOutcome,
    FlagView,
    GuildConfig,
    RateAction,
    RateDecision,
    ReviewLimits,
    SourcesPage,
    TakeOutcome,
)
from claimbot.index.review.rate_limits import RateLimiter
from claimbot.index.review.watches import Watches
from claimbot.index.storage import db, utcnow


class ReviewService:
    """Thread-safe (one short transaction per call); call it off the event loop."""

    def __init__(
        self,
        engine: Engine,
        *,
        limits: ReviewLimits | None = None,
        embed: Embed | None = None,
        embed_model: str | None = None,
        confirm: Confirm | None = None,
        now: Clock = utcnow,
    ) -> None:
        """`embed_model` names the model behind `embed`: a correction's vector is compared only with
        vectors of the model that made it. `confirm`, the fact-check reader (`ClaimIndex.same_claim`),
        decides whether a similar English correction is of the same claim (`find_correction`)."""
        db.upgrade(engine)
        self._ctx = Context(engine, db.session_factory(engine), limits or ReviewLimits(), now)
        self.audit = AuditLog(self._ctx)
        self.guilds = GuildSettings(self._ctx, self.audit)
        self.rate_limits = RateLimiter(self._ctx)
        self.answers = Answers(self._ctx)
        self.flags = Flags(self._ctx)
        self.corrections = Corrections(self._ctx, embed, embed_model, confirm)
        self.watches = Watches(self._ctx)
        self.decisions = Decisions(self._ctx, self.flags, self.corrections, self.audit, self.watches)
        self.catalogue = Catalogue(self._ctx)

    @property
    def engine(self) -> Engine:
        return self._ctx.engine

    @property
    def limits(self) -> ReviewLimits:
        return self._ctx.limits

    @limits.setter
    def limits(self, limits: ReviewLimits) -> None:
        self._ctx.limits = limits

    def now(self) -> dt.datetime:
        return self._ctx.now()

    # -- per-guild settings -----------------------------------------------------------------
    def guild_config(self, guild_id: int) -> GuildConfig:
        return self.guilds.guild_config(guild_id)

    def configure_guild(
        self,
        guild_id: int,
        actor_id: int,
        *,
        review_channel_id: int | None = KEEP,
        moderator_role_id: int | None = KEEP,
        mod_log_channel_id: int | None = KEEP,
        collection: str | None = KEEP,
    ) -> GuildConfig:
        """Change the settings given (None clears one); the others stay as they are."""
        return self.guilds.configure_guild(
            guild_id,
            actor_id,
            review_channel_id=review_channel_id,
            moderator_role_id=moderator_role_id,
            mod_log_channel_id=mod_log_channel_id,
            collection=collection,
        )

    # -- rate limits ------------------------------------------------------------------------
    def hit_rate_limit(self, guild_id: int, user_id: int, action: str = RateAction.CHECK) -> RateDecision:
        return self.rate_limits.hit_rate_limit(guild_id, user_id, action)

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
        return self.answers.record_answer(
            guild_id,
            channel_id=channel_id,
            asker_id=asker_id,
            result=result,
            shown=shown,
            correction=correction,
            private=private,
            model=model,
            corpus_version=corpus_version,
        )

    def prune_answers(self) -> int:
        return self.answers.prune_answers()

    def set_answer_message(
        self, guild_id: int, answer_id: int, *, channel_id: int | None, message_id: int, private: bool | None = None
    ) -> None:
        self.answers.set_answer_message(
            guild_id, answer_id, channel_id=channel_id, message_id=message_id, private=private
        )

    def get_answer(self, guild_id: int, answer_id: int) -> AnswerView:
        return self.answers.get_answer(guild_id, answer_id)

    # -- flags ------------------------------------------------------------------------------
    def flag(self, guild_id: int, answer_id: int, flagger_id: int, reason: str) -> FlagOutcome:
        return self.flags.flag(guild_id, answer_id, flagger_id, reason)

    def reserve_card(self, guild_id: int, flag_id: int, channel_id: int) -> bool:
        return self.flags.reserve_card(guild_id, flag_id, channel_id)

    def release_card(self, guild_id: int, flag_id: int) -> None:
        self.flags.release_card(guild_id, flag_id)

    def set_card(self, guild_id: int, flag_id: int, *, channel_id: int, message_id: int) -> None:
        self.flags.set_card(guild_id, flag_id, channel_id=channel_id, message_id=message_id)

    def get_flag(self, guild_id: int, flag_id: int) -> FlagView:
        return self.flags.get_flag(guild_id, flag_id)

    def open_flags(self, guild_id: int, *, limit: int = 20, offset: int = 0) -> tuple[list[FlagView], int]:
        return self.flags.open_flags(guild_id, limit=limit, offset=offset)

    # -- moderators' decisions --------------------------------------------------------------
    def flags_page(
        self, guild_id: int, which: FlagFilter, *, moderator_id: int | None = None, limit: int = 20, offset: int = 0
    ) -> tuple[list[FlagView], int]:
        return self.flags.flags_page(guild_id, which, moderator_id=moderator_id, limit=limit, offset=offset)

    def take_flag(self, guild_id: int, flag_id: int, moderator_id: int) -> TakeOutcome:
        return self.decisions.take_flag(guild_id, flag_id, moderator_id)

    def release_flag(self, guild_id: int, flag_id: int, moderator_id: int) -> None:
        self.decisions.release_flag(guild_id, flag_id, moderator_id)

    def release_stale(self, older_than_s: float = 900.0) -> int:
        return self.decisions.release_stale(older_than_s)

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
        return self.decisions.decide(
            guild_id, flag_id, moderator_id, action, verdict=verdict, note=note, reason=reason, previous=previous
        )

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
        return self.decisions.review(guild_id, flag_id, moderator_id, action, verdict=verdict, note=note, reason=reason)

    # -- corrections ------------------------------------------------------------------------
    def find_correction(self, guild_id: int, claim: str) -> CorrectionView | None:
        return self.corrections.find_correction(guild_id, claim)

    def corrections_page(
        self, guild_id: int, *, revoked: bool = False, limit: int = 10, offset: int = 0
    ) -> tuple[list[CorrectionView], int]:
        """The guild's corrections in force (or the revoked ones), newest first, and how many there are."""
        return self.corrections.page(guild_id, revoked=revoked, limit=limit, offset=offset)

    def revoke_correction(self, guild_id: int, correction_id: int, moderator_id: int, reason: str) -> CorrectionView:
        """Take a correction back: no new answer shows it; the audit log keeps who and why."""
        return self.corrections.revoke(guild_id, correction_id, moderator_id, reason, self.audit)

    def reembed_corrections(self, batch: int = 256, *, only_stale: bool = False) -> int:
        return self.corrections.reembed_corrections(batch, only_stale=only_stale)

    # -- audit ------------------------------------------------------------------------------
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
        self.audit.log(guild_id, actor_id, action, target, reason=reason, before=before, after=after)

    def audit_export(self, guild_id: int | None = None) -> Iterator[AuditEntry]:
        """Every audit row (of one guild, or all), oldest first, read in batches."""
        return self.audit.export(guild_id)

    def audit_log(self, guild_id: int, limit: int = 50) -> list[AuditEntry]:
        return self.audit.entries(guild_id, limit)

    # -- the article catalogue (for /sources) -----------------------------------------------
    def sources(
        self, query: str | None = None, *, page: int = 0, per_page: int = 10, collections: list[str] | None = None
    ) -> SourcesPage:
        return self.catalogue.sources(query, page=page, per_page=per_page, collections=collections)
