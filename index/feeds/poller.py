"""Polling: take a due feed, fetch it (conditionally), find its new or changed items, fetch and
ingest them through the one ingest path, record each item and then the feed.

Nothing is lost or doubled by a poller killed mid-poll: an item is recorded only after its article
is committed (a kill in between refetches it, and the ingest finds it already indexed), and the
feed's ETag and next poll time only after all its items, so the next poll reads the feed again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from http import HTTPStatus

from claimbot.index.corpus import (
    FetchedDocument,
    IngestEvent,
    SourceError,
    SourceItem,
    SourceOptions,
    article_from_document,
    document_text,
)
from claimbot.index.feeds.discover import MAX_CHILD_SITEMAPS, Discovery, discover
from claimbot.index.feeds.fetch import Clock, PoliteFetcher, RobotsRefusal
from claimbot.index.feeds.models import FeedEntry, FeedKind, FeedPoll, ItemState, PollReport
from claimbot.index.feeds.store import FeedClaim, FeedStore, KnownItem, PollOutcome, sqlite_poll_lock
from claimbot.index.records import IngestReport
from claimbot.index.storage import blocking, domain_of

log = logging.getLogger(__name__)

ARTICLE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
# An item that failed this many polls in a row is left alone (`feeds list` counts it).
MAX_ITEM_ATTEMPTS = 3
# How many of a home page's feed links are tried.
MAX_FEED_LINKS = 3
# A watcher looks at the schedule at least this often (a feed added by another process is seen).
IDLE_CHECK_S = 30.0
# A round that polled nothing because others held the due feeds waits this long before the next.
BUSY_WAIT_S = 5.0
# How a gzip file starts (RFC 1952).
_GZIP_MAGIC = b"\x1f\x8b"

IngestFn = Callable[[Iterable[SourceItem], str, Callable[[IngestEvent], None]], IngestReport]


@dataclass(frozen=True)
class PollerLimits:
    max_items: int = 50
    max_feed_bytes: int = 10_000_000
    max_failures: int = 8
    max_backoff_s: float = 86_400.0


class Poller:
    """Polls the due feeds of one database; one per thread (its fetcher keeps per-host timing)."""

    def __init__(
        self,
        store: FeedStore,
        ingest: IngestFn,
        options: SourceOptions,
        *,
        host_delay_s: float,
        limits: PollerLimits | None = None,
        clock: Clock | None = None,
        blocked: Callable[[], Sequence[str]] | None = None,
    ) -> None:
        self.store = store
        self.ingest = ingest
        self.options = options
        # Read at every round: a domain a moderator blocks while `watch` runs is not fetched again.
        self._blocked = blocked
        self.limits = limits or PollerLimits()
        self.clock = clock or Clock()
        self.fetcher = PoliteFetcher(options, host_delay_s=host_delay_s, clock=self.clock)

    def close(self) -> None:
        self.fetcher.close()

    def poll_due(
        self, on_poll: Callable[[FeedPoll], None] | None = None, stop: threading.Event | None = None
    ) -> PollReport:
        """Poll every feed due now, one after another, until none is left (or `stop` is set)."""
        if self._blocked is not None:
            self.options = dataclasses.replace(self.options, blocked_domains=tuple(self._blocked()))
            self.fetcher.options = self.options
        report = PollReport()
        with sqlite_poll_lock(self.store.engine) as held:
            if not held:
                report.busy = True
                return report
            while not (stop is not None and stop.is_set()):
                with self.store.claim(self.clock.utcnow()) as claim:
                    if claim is None:
                        break
                    poll = self._poll(claim, stop)
                report.polls.append(poll)
                if on_poll is not None:
                    on_poll(poll)
        return report

    def watch(self, stop: threading.Event, on_poll: Callable[[FeedPoll], None] | None = None) -> None:
        """Poll due feeds until `stop` is set (`claimbot watch`, and a thread of `claimbot serve`)."""
        while not stop.is_set():
            polled = True
            try:
                polled = bool(self.poll_due(on_poll, stop).polls)
                due = self.store.next_due()
            except Exception:  # noqa: BLE001 - a database hiccup must not end a long-running watcher
                log.warning("feed poll round failed; trying again in %g s", IDLE_CHECK_S, exc_info=True)
                due = None
            wait = IDLE_CHECK_S
            if due is not None:
                wait = min(wait, max(0.0, (due - self.clock.utcnow()).total_seconds()))
            if not polled:
                # What is due is being polled by another poller (SKIP LOCKED, or SQLite's poll lock):
                # its next poll time moves only when that one finishes, so do not spin meanwhile.
                wait = max(wait, BUSY_WAIT_S)
            stop.wait(wait)

    # -- one feed ---------------------------------------------------------------------------
    def _poll(self, claim: FeedClaim, stop: threading.Event | None) -> FeedPoll:
        feed = claim.feed
        poll = FeedPoll(feed.id, feed.url)
        try:
            outcome = self._poll_feed(claim, poll, stop)
        except Exception as error:  # noqa: BLE001 - one feed's surprise must not stop the others
            log.info("polling feed %s failed", feed.url, exc_info=True)
            outcome = PollOutcome(error=f"{type(error).__name__}: {error}")
        poll.error = outcome.error
        try:
            state, next_at = claim.finish(
                outcome,
                self.clock.utcnow(),
                max_failures=self.limits.max_failures,
                max_backoff_s=self.limits.max_backoff_s,
            )
        except Exception as error:  # noqa: BLE001 - e.g. a server's ETag longer than its column
            # Recorded as this feed's failure, without the validators that could not be stored, so
            # the round goes on and this feed backs off instead of starving the others.
            log.info("recording the poll of %s failed", feed.url, exc_info=True)
            outcome = PollOutcome(error=f"could not record the poll ({type(error).__name__})")
            poll.error = outcome.error
            state, next_at = claim.finish(
                outcome,
                self.clock.utcnow(),
                max_failures=self.limits.max_failures,
                max_backoff_s=self.limits.max_backoff_s,
            )
        poll.paused = outcome.error is not None and state != feed.state
        log.info(
            "feed %s: %s", feed.url, outcome.error or f"{poll.added} added, {poll.replaced} replaced; next {next_at}"
        )
        return poll

    def _poll_feed(self, claim: FeedClaim, poll: FeedPoll, stop: threading.Event | None) -> PollOutcome:
        feed = claim.feed
        document_url = feed.feed_url or feed.url
        # Validators only for the very document they came from (not a home page's found feed).
        known_document = feed.feed_url is not None
        fetched = self.fetcher.fetch(
            document_url,
            etag=claim.etag if known_document else None,
            last_modified=claim.last_modified if known_document else None,
            max_bytes=self.limits.max_feed_bytes,
        )
        if isinstance(fetched, SourceError):
            gone = _gone(fetched, read_before=known_document)
            return PollOutcome(
                error=f"{_feed_error(fetched)}: {gone}" if gone else _feed_error(fetched), pause=bool(gone)
            )
        # A feed moved for good (301, 308) is polled at its new address from now on; `feeds list`
        # shows it after the one added.
        document_url = fetched.moved_to or document_url
        if fetched.not_modified:
            poll.not_modified = True
            return PollOutcome(keep_validators=True, feed_url=fetched.moved_to)
        text = self._feed_text(fetched)
        if isinstance(text, SourceError):
            return PollOutcome(error=text.reason)
        found = discover(text, fetched.final_url)
        if found.kind is FeedKind.HOME_PAGE:
            found_feed = self._follow_home_page(found)
            if isinstance(found_feed, str):
                return PollOutcome(error=found_feed)
            found, document_url, fetched = found_feed
        elif found.kind is None:
            return PollOutcome(error="not an RSS or Atom feed, a sitemap, or a page that links to a feed")
        entries = found.entries + self._child_sitemap_entries(found)
        complete = self._ingest_entries(feed.id, feed.collection, entries, poll, stop)
        # Items left for the next poll (over CLAIMBOT_FEEDS_MAX_ITEMS, or stopped): no validators, so the next
        # poll reads the feed in full rather than hearing "not modified". Nor for a sitemap index:
        # its news lands in the children while the index itself stays the same.
        keep = complete and not found.sitemaps
        return PollOutcome(
            etag=fetched.etag if keep else None,
            last_modified=fetched.last_modified if keep else None,
            feed_url=document_url,
            kind=found.kind,
        )

    def _follow_home_page(self, page: Discovery) -> tuple[Discovery, str, FetchedDocument] | str:
        for link in page.feed_links[:MAX_FEED_LINKS]:
            fetched = self.fetcher.fetch(link, max_bytes=self.limits.max_feed_bytes)
            if isinstance(fetched, SourceError) or fetched.not_modified:
                continue
            text = self._feed_text(fetched)
            if isinstance(text, SourceError):
                continue
            found = discover(text, fetched.final_url)
            if found.kind in (FeedKind.RSS, FeedKind.ATOM, FeedKind.SITEMAP):
                return found, fetched.moved_to or link, fetched
        return f"the page links to no feed that could be read (tried {', '.join(page.feed_links[:MAX_FEED_LINKS])})"

    def _child_sitemap_entries(self, found: Discovery) -> list[FeedEntry]:
        entries: list[FeedEntry] = []
        for link in found.sitemaps[:MAX_CHILD_SITEMAPS]:
            fetched = self.fetcher.fetch(link, max_bytes=self.limits.max_feed_bytes)
            if isinstance(fetched, SourceError) or fetched.not_modified:
                log.info("child sitemap %s skipped: %s", link, getattr(fetched, "reason", "not modified"))
                continue
            text = self._feed_text(fetched)
            if isinstance(text, SourceError):
                log.info("child sitemap %s skipped: %s", link, text.reason)
                continue
            entries.extend(discover(text, fetched.final_url).entries)
        return entries

    def _feed_text(self, fetched: FetchedDocument) -> str | SourceError:
        """The feed's text; a gzipped file (a sitemap.xml.gz, served as is rather than with a
        Content-Encoding that the client would undo) is decompressed first, up to the feed size cap."""
        if fetched.body[:2] != _GZIP_MAGIC:
            return document_text(fetched)
        limit = self.limits.max_feed_bytes
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            # At most one byte over the cap is inflated: a small file can expand to gigabytes.
            body = inflater.decompress(fetched.body, limit + 1)
        except zlib.error as exc:
            return SourceError(fetched.url, f"not a readable gzip file ({exc})")
        if len(body) > limit:
            return SourceError(fetched.url, f"too large once decompressed (over {limit:,} bytes)")
        if not inflater.eof:
            return SourceError(fetched.url, "not a readable gzip file (it ends early)")
        return document_text(dataclasses.replace(fetched, body=body))

    def _ingest_entries(
        self, feed_id: int, collection: str, entries: list[FeedEntry], poll: FeedPoll, stop: threading.Event | None
    ) -> bool:
        """Fetch and ingest the new and changed entries; False if some were left for the next poll
        (over the cap, or `stop` set meanwhile)."""
        poll.listed = len(entries)
        known = self.store.known_items(feed_id, [e.url for e in entries])
        wanted = [e for e in entries if _wanted(e, known.get(e.url))]
        poll.skipped = len(entries) - len(wanted)
        complete = len(wanted) <= self.limits.max_items
        todo = wanted[: self.limits.max_items]
        by_url = {e.url: e for e in todo}

        def on_event(event: IngestEvent) -> None:
            entry = by_url.get(event.origin)
            if entry is None:
                return
            now = self.clock.utcnow()
            if event.outcome == "failed":
                poll.failed += 1
                poll.errors.append(f"{event.origin}: {event.detail}")
                self.store.record_item(feed_id, entry.url, entry.marker, ItemState.FAILED, now, error=event.detail)
                return
            setattr(poll, event.outcome, getattr(poll, event.outcome) + 1)
            self.store.record_item(feed_id, entry.url, entry.marker, ItemState.DONE, now)

        taken: list[FeedEntry] = []
        if todo:
            self.ingest(self._articles(feed_id, todo, poll, stop, taken), collection, on_event)
        poll.deferred = len(wanted) - len(taken) - poll.blocked
        # A failed item is tried again at the next poll, and one on a blocked source once it is
        # unblocked: keep no validators, or a 304 would hide it.
        return complete and poll.failed == 0 and len(taken) == len(todo)

    def _articles(
        self,
        feed_id: int,
        entries: list[FeedEntry],
        poll: FeedPoll,
        stop: threading.Event | None,
        taken: list[FeedEntry],
    ) -> Iterator[SourceItem]:
        for entry in entries:
            # Stopping (`serve` on SIGTERM): the rest waits for the next poll, as items over the cap
            # do, rather than holding the stop for up to CLAIMBOT_FEEDS_MAX_ITEMS polite fetches.
            if stop is not None and stop.is_set():
                return
            blocked = blocking(domain_of(entry.url), self.options.blocked_domains)
            if blocked is not None:
                # A moderator's choice, not a failure: not fetched, not recorded (no try used up), so
                # that after `sources unblock` the next poll, which reads the feed in full since this
                # one keeps no validators, fetches it.
                poll.skipped += 1
                poll.blocked += 1
                poll.skips.append(f"{entry.url}: {blocked} is a blocked source")
                continue
            taken.append(entry)
            fetched = self.fetcher.fetch(entry.url, content_types=ARTICLE_TYPES, max_bytes=self.options.max_bytes)
            if isinstance(fetched, RobotsRefusal):
                poll.skipped += 1
                poll.skips.append(f"{entry.url}: {fetched.reason}")
                self.store.record_item(
                    feed_id, entry.url, entry.marker, ItemState.SKIPPED, self.clock.utcnow(), error=fetched.reason
                )
                continue
            if isinstance(fetched, SourceError):
                yield SourceError(entry.url, fetched.reason)
                continue
            item = article_from_document(fetched, self.options)
            if isinstance(item, SourceError):
                yield SourceError(entry.url, item.reason)
                continue
            # The feed's title and date stand in for what the page does not say; not a date after
            # tomorrow (a day's leeway for the feed's time zone), which no article was published on.
            latest = (self.clock.utcnow() + dt.timedelta(days=1)).date()
            published = entry.published if entry.published is not None and entry.published <= latest else None
            fill = {"title": entry.title, "published": published}
            missing = {k: v for k, v in fill.items() if v is not None and getattr(item, k) is None}
            yield item.model_copy(update={**missing, "origin": entry.url})


def _wanted(entry: FeedEntry, known: KnownItem | None) -> bool:
    if known is None:
        return True
    if known.state is ItemState.FAILED:
        return known.attempts < MAX_ITEM_ATTEMPTS
    # A new date on an indexed item: the article changed, and the ingest replaces its passages.
    return known.state is ItemState.DONE and entry.marker is not None and entry.marker != known.marker


def _gone(error: SourceError, *, read_before: bool) -> str | None:
    """Why a failed fetch of the feed pauses it at once rather than after CLAIMBOT_FEEDS_MAX_FAILURES
    backed-off polls (days of asking for what is not there), or None."""
    if error.status == HTTPStatus.GONE:
        return "the feed is gone for good"
    if error.status == HTTPStatus.NOT_FOUND and not read_before:
        # Most likely a mistyped URL. A feed read before may be missing for an hour of a site's
        # move, and backs off as other failures do.
        return "no feed was ever read at this address (a mistyped URL?)"
    return None


def _feed_error(error: SourceError) -> str:
    if isinstance(error, RobotsRefusal):
        return "robots.txt disallows fetching the feed"
    return error.reason


class FeedWatcher:
    """`Poller.watch` in a thread of its own (`claimbot serve`): the blocking fetches and the
    ingest's model work stay off the event loop."""

    def __init__(self, poller: Poller) -> None:
        self.poller = poller
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="claimbot-feeds", daemon=True)

    def start(self) -> FeedWatcher:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.poller.watch(self._stop)
        finally:
            self.poller.close()

    def stop(self, timeout: float | None = None) -> None:
        """Ask it to stop and wait (an article being ingested is finished first)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
