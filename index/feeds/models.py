"""The feed poller's records: what the CLI and the bot see of a feed, and what a poll did."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

# `feeds add --every` below this is refused: a news feed polled more often than every minute asks
# its host for the same document to no one's benefit.
MIN_FEED_INTERVAL_S = 60
# ...and above this: the schedule's date arithmetic overflows (a year past 9999) long before a
# feed's next poll would be of use.
MAX_FEED_INTERVAL_S = 365 * 86_400
# No poll is ever scheduled further ahead than this (the longest interval; a failure's back-off is
# at most 30 days), with a day to spare for pollers' clocks that disagree.
MAX_SCHEDULE_AHEAD = dt.timedelta(seconds=MAX_FEED_INTERVAL_S + 86_400)


def bounded_interval(seconds: int) -> int:
    """A stored interval within the bounds: releases before the upper one stored any, up to ten
    to the twelfth seconds, whose next poll overflowed the date every time it was recorded."""
    return min(max(seconds, MIN_FEED_INTERVAL_S), MAX_FEED_INTERVAL_S)


class FeedState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # by an operator (`feeds pause`)
    # paused by the poller after CLAIMBOT_FEEDS_MAX_FAILURES failed polls in a row, or at once when
    # the feed is gone (410, or a 404 before it was ever read)
    FAILED = "failed"


class FeedKind(StrEnum):
    RSS = "rss"
    ATOM = "atom"
    SITEMAP = "sitemap"  # news sitemaps too: they are sitemaps with <news:news> in each <url>
    HOME_PAGE = "home-page"  # a site's page whose <link rel="alternate"> names its feed


class ItemState(StrEnum):
    DONE = "done"  # indexed, or found already indexed (same URL or same text)
    FAILED = "failed"  # tried again at later polls, up to MAX_ITEM_ATTEMPTS
    SKIPPED = "skipped"  # robots.txt disallows it, or it failed MAX_ITEM_ATTEMPTS times


@dataclass(frozen=True)
class Feed:
    id: int
    url: str
    feed_url: str | None
    kind: FeedKind | None
    collection: str
    interval_s: int
    state: FeedState
    failures: int
    last_error: str | None
    next_poll_at: dt.datetime
    last_polled_at: dt.datetime | None
    created_at: dt.datetime
    items: int = 0  # item URLs recorded for it

    def audit_state(self) -> dict[str, object]:
        """What the audit log keeps of a feed before and after a change: enough to add it again."""
        return {
            "url": self.url,
            "collection": self.collection,
            "interval_s": self.interval_s,
            "state": self.state.value,
            "failures": self.failures,
        }


@dataclass(frozen=True)
class FeedEntry:
    """One article a feed lists: its canonical URL and the feed's date for it (None: no date)."""

    url: str
    marker: str | None = None
    title: str | None = None
    published: dt.date | None = None


@dataclass
class FeedPoll:
    """What one poll of one feed did."""

    feed_id: int
    url: str
    not_modified: bool = False
    listed: int = 0
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0  # robots.txt, a blocked source, or already known
    deferred: int = 0  # left for the next poll: over CLAIMBOT_FEEDS_MAX_ITEMS, or the poll was stopped
    blocked: int = 0  # of `skipped`, those on a blocked source (not fetched, tried again once unblocked)
    error: str | None = None  # the poll itself failed
    paused: bool = False  # and this failure paused the feed
    errors: list[str] = field(default_factory=list)  # one line per item that failed
    # one line per item skipped for a reason of its own (robots.txt, a blocked source)
    skips: list[str] = field(default_factory=list)


@dataclass
class PollReport:
    polls: list[FeedPoll] = field(default_factory=list)
    busy: bool = False  # another poller holds the SQLite poll lock: nothing was polled

    @property
    def added(self) -> int:
        return sum(p.added for p in self.polls)

    @property
    def failed_feeds(self) -> int:
        return sum(p.error is not None for p in self.polls)
