"""Tables of the feed poller (migration 0007): the feeds an operator added, and each item URL a
feed has listed, so that a poll fetches only what is new or changed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from claimbot.index.storage.schema import DEFAULT_COLLECTION, Base, _utcnow


class FeedRow(Base):
    __tablename__ = "feeds"
    __table_args__ = (
        UniqueConstraint("collection", "canonical_url", name="uq_feeds_collection_canonical_url"),
        Index("ix_feeds_state_next_poll", "state", "next_poll_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))  # as the operator gave it
    canonical_url: Mapped[str] = mapped_column(String(2048))
    # The document polled: the URL itself, or the feed found on a home page at the first poll.
    feed_url: Mapped[str | None] = mapped_column(String(2048))
    kind: Mapped[str | None] = mapped_column(String(20))  # FeedKind, known after the first poll
    collection: Mapped[str] = mapped_column(String(100), default=DEFAULT_COLLECTION)
    interval_s: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))  # FeedState
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    next_poll_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in a row; reset by a good poll
    last_error: Mapped[str | None] = mapped_column(Text)
    last_polled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class FeedItemRow(Base):
    """One article URL a feed listed. `marker` is the feed's date for it (updated, or published,
    or a sitemap's lastmod): a new marker on a known URL means the article changed."""

    __tablename__ = "feed_items"
    __table_args__ = (UniqueConstraint("feed_id", "url", name="uq_feed_items_feed_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))  # canonical (courlan)
    marker: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(20))  # ItemState
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
