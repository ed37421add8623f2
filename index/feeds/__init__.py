"""Feeds: RSS, Atom, sitemaps and news sitemaps, and sites' home pages polled on a schedule, their
new articles ingested. `claimbot feeds …` and `claimbot watch` reach this through the façade.

The public door of the subpackage: other parts of claimbot import these names from
`claimbot.index.feeds`, not from its modules.
"""

from claimbot.index.corpus import canonical_url  # the URL an article is known by, feeds and ingest alike
from claimbot.index.feeds.discover import Discovery, discover
from claimbot.index.feeds.fetch import Clock, PoliteFetcher, RobotsRefusal
from claimbot.index.feeds.models import (
    MAX_FEED_INTERVAL_S,
    MIN_FEED_INTERVAL_S,
    Feed,
    FeedEntry,
    FeedKind,
    FeedPoll,
    FeedState,
    ItemState,
    PollReport,
)
from claimbot.index.feeds.poller import FeedWatcher, Poller, PollerLimits
from claimbot.index.feeds.store import FeedExists, FeedStore

__all__ = [
    "MAX_FEED_INTERVAL_S",
    "MIN_FEED_INTERVAL_S",
    "Clock",
    "Discovery",
    "Feed",
    "FeedEntry",
    "FeedExists",
    "FeedKind",
    "FeedPoll",
    "FeedState",
    "FeedStore",
    "FeedWatcher",
    "ItemState",
    "PoliteFetcher",
    "PollReport",
    "Poller",
    "PollerLimits",
    "RobotsRefusal",
    "canonical_url",
    "discover",
]
