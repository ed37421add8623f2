"""Tables of the Discord review workflow: answers as shown, flags, corrections, audit log,
per-guild settings and rate-limit events. Created by migration 0002; every row carries its guild."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from claimbot.index.storage.schema import Base, _utcnow


class GuildSettingsRow(Base):
    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    review_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    moderator_role_id: Mapped[int | None] = mapped_column(BigInteger)
    mod_log_channel_id: Mapped[int | None] = mapped_column(BigInteger)  # one line per moderator action
    # The server's own collection, searched with the shared corpus; None: the shared corpus only.
    collection: Mapped[str | None] = mapped_column(String(100))
    updated_by: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class AnswerRow(Base):
    """One answer exactly as a user saw it, so that a flag refers to what was shown."""

    __tablename__ = "answers"
    __table_args__ = (Index("ix_answers_guild_created", "guild_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    asker_id: Mapped[int] = mapped_column(BigInteger)
    claim: Mapped[str] = mapped_column(Text)
    verdict: Mapped[str | None] = mapped_column(String(100))
    # The CheckResult JSON (every passage, for paging) and how many passages the first message showed.
    result_json: Mapped[str] = mapped_column(Text)
    shown: Mapped[int] = mapped_column(Integer, default=0)
    correction_id: Mapped[int | None] = mapped_column(Integer)  # a moderator correction shown above it
    private: Mapped[int] = mapped_column(Integer, default=0)
    model: Mapped[str | None] = mapped_column(String(300))
    corpus_version: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class FlagRow(Base):
    """All reports on one answer merge into one flag (one review card) with a count."""

    __tablename__ = "flags"
    __table_args__ = (
        # `open_key` is the answer id while the flag is undecided and NULL after: at most one
        # undecided flag per answer, enforced by the database (NULLs never collide).
        UniqueConstraint("open_key", name="uq_flags_open_key"),
        Index("ix_flags_guild_status", "guild_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"))
    open_key: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, in_review, approved, corrected, dismissed
    count: Mapped[int] = mapped_column(Integer, default=1)
    card_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class FlagReportRow(Base):
    __tablename__ = "flag_reports"
    __table_args__ = (UniqueConstraint("flag_id", "flagger_id", name="uq_flag_reports_flagger"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flags.id", ondelete="CASCADE"), index=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    flagger_id: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class CorrectionRow(Base):
    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flags.id", ondelete="SET NULL"))
    claim: Mapped[str] = mapped_column(Text)
    claim_key: Mapped[str] = mapped_column(Text)  # normalised text, for exact matches
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)  # float32 unit vector of the claim
    embed_model: Mapped[str | None] = mapped_column(Text)  # the model that made `embedding`
    verdict: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    moderator_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    # A revoked correction is kept (the audit log and earlier answers name it) and no longer shown.
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[int | None] = mapped_column(BigInteger)


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_guild_created", "guild_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    actor_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(50))
    target: Mapped[str] = mapped_column(String(100))  # e.g. "flag:12", "guild_settings", "article:url"
    reason: Mapped[str | None] = mapped_column(Text)
    before: Mapped[str | None] = mapped_column(Text)  # JSON
    after: Mapped[str | None] = mapped_column(Text)  # JSON
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class RateEventRow(Base):
    """One rate-limited action (a check), kept for the longest window; a sliding-window log."""

    __tablename__ = "rate_events"
    __table_args__ = (
        Index("ix_rate_events_user", "guild_id", "user_id", "action", "at"),
        Index("ix_rate_events_guild", "guild_id", "action", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class WatchRow(Base):
    """A claim moderators follow: new reporting on it is posted to the review channel until it
    expires. One row per server and claim (`claim_key`): watching it again moves the expiry."""

    __tablename__ = "watches"
    __table_args__ = (
        UniqueConstraint("guild_id", "claim_key", name="uq_watches_guild_claim"),
        Index("ix_watches_expires", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    claim: Mapped[str] = mapped_column(Text)
    claim_key: Mapped[str] = mapped_column(Text)  # normalised text (claims.claim_key)
    # The answer whose claim it is (a review card's, an approved or corrected one), for the link.
    # Not a foreign key: a watch outlives the pruning of an unflagged answer.
    answer_id: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))  # WatchSource
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class WatchNoticeRow(Base):
    """One update sent about a watched claim: the unique key is what makes it once per passage or
    fact-check, across repeated ingests and concurrent ones."""

    __tablename__ = "watch_notices"
    __table_args__ = (
        UniqueConstraint("watch_id", "target", name="uq_watch_notices_target"),
        Index(
            "ix_watch_notices_deferred",
            "id",
            sqlite_where=sql_text("deferred IS NOT NULL"),
            postgresql_where=sql_text("deferred IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(BigInteger)
    # "passage:<hash>" or "fact_check:<hash>": of the article's URL and the text, not of row ids,
    # which a re-ingested (replaced) article gets anew for the same sentences.
    target: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    # The update itself (JSON, `Watches.defer`) while its posting waits for the next sweep after a
    # passing failure, so that a restarted bot still posts it; NULL once posted or taken (migration 0016).
    deferred: Mapped[str | None] = mapped_column(Text)
