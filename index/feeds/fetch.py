"""Polite fetching for the feed poller: robots.txt (protego), one request at a time per host with
a least delay between them (the longer of CLAIMBOT_FEEDS_HOST_DELAY and the site's Crawl-delay),
conditional GET, and the public-only transport of `claimbot ingest URL` for every hop."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from protego import Protego

from claimbot.index.corpus import FetchedDocument, SourceError, SourceOptions, fetch_client, fetch_document

# The longest Crawl-delay honoured between two requests to one host, in seconds.
MAX_CRAWL_DELAY_S = 60.0

# The name robots.txt groups are matched against (the User-Agent header says more).
ROBOTS_AGENT = "claimbot"
ROBOTS_TTL_S = 3600.0
# RFC 9309 lets a crawler stop parsing after 500 KiB: a longer file is read that far, not refused.
ROBOTS_MAX_BYTES = 500 * 1024


@dataclass(frozen=True)
class RobotsRefusal(SourceError):
    """robots.txt disallows the URL: not a failure of the feed, and not worth retrying soon."""


@dataclass
class Clock:
    """Time for the delays and back-off, injectable so that tests never sleep."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    utcnow: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)  # the schedule's times


@dataclass
class _Host:
    """One host name's turn: its requests go one at a time, `next_at` apart (whatever the port or
    scheme: it is one server's load)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    next_at: float = 0.0  # the clock's time before which no request goes to the host


@dataclass
class _Robots:
    """One origin's robots.txt: RFC 9309 scopes a robots.txt to its scheme, host and port."""

    rules: Protego | SourceError | None = None
    until: float = 0.0


@dataclass
class _Hop:
    host: _Host
    delay: float


@dataclass(frozen=True)
class _Target:
    host: str
    origin: str  # scheme://host:port, the port always written: the robots.txt cache's key
    robots_url: str


def _target(url: str) -> _Target | SourceError:
    try:
        parsed = httpx.URL(url)
        host = parsed.host
    except httpx.InvalidURL as exc:
        return SourceError(url, f"invalid URL ({exc})")
    except UnicodeError as exc:
        # httpx decodes an IDNA host lazily: one item's "xn--a.com" link must fail that item alone.
        return SourceError(url, f"invalid host name ({exc})")
    if parsed.scheme not in ("http", "https") or not host:
        return SourceError(url, "only http(s) URLs are fetched")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    base = f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"
    return _Target(host.lower(), f"{parsed.scheme}://{host.lower()}:{port}", f"{base}/robots.txt")


class PoliteFetcher:
    def __init__(self, options: SourceOptions, *, host_delay_s: float, clock: Clock | None = None) -> None:
        self.options = options
        self.host_delay_s = host_delay_s
        self.clock = clock or Clock()
        self._client = fetch_client(options)
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, _Robots] = {}
        self._hosts_lock = threading.Lock()
        self.requests = 0  # sent, robots.txt and redirect hops included

    def close(self) -> None:
        self._client.close()

    def fetch(
        self,
        url: str,
        *,
        content_types: tuple[str, ...] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int | None = None,
    ) -> FetchedDocument | SourceError:
        """GET `url` if robots.txt allows it, after the host's delay; each redirect hop likewise,
        by its own origin's robots.txt and its own host's delay. With validators, a 304 comes back
        as a document whose `not_modified` is true."""
        target = _target(url)
        if isinstance(target, SourceError):
            return target
        # The host of the request in flight, whose lock is held: handed over along redirects, so
        # that never two are held at once.
        hop = _Hop(self._host(target.host), self.host_delay_s)
        hop.host.lock.acquire()
        try:
            delay = self._permission(url, url, target)
            if isinstance(delay, SourceError):
                return delay
            hop.delay = delay
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified

            def on_redirect(next_url: str) -> SourceError | None:
                hop.host.next_at = self.clock.now() + hop.delay
                next_target = _target(next_url)
                if isinstance(next_target, SourceError):
                    return SourceError(url, next_target.reason)
                next_host = self._host(next_target.host)
                if next_host is not hop.host:
                    hop.host.lock.release()
                    next_host.lock.acquire()
                    hop.host, hop.delay = next_host, self.host_delay_s
                allowed = self._permission(url, next_url, next_target)
                if isinstance(allowed, SourceError):
                    return allowed
                hop.delay = allowed
                self._wait(next_host)
                self.requests += 1
                return None

            try:
                self._wait(hop.host)
                self.requests += 1
                return fetch_document(
                    self._client,
                    url,
                    self.options,
                    content_types=content_types,
                    headers=headers or None,
                    max_bytes=max_bytes,
                    on_redirect=on_redirect,
                )
            finally:
                # Counted from the end of the request: a slow server gets the full pause after each one.
                hop.host.next_at = self.clock.now() + hop.delay
        finally:
            hop.host.lock.release()

    def _permission(self, url: str, hop_url: str, target: _Target) -> float | SourceError:
        """The delay before a request to `hop_url` (a hop of the fetch of `url`), or why it is not
        made; the caller holds the lock of `target`'s host."""
        rules = self._rules(target)
        if isinstance(rules, SourceError):
            if rules.status is None:
                # No answer at all (a name that does not resolve, a refused connection, a blocked
                # source, a private address): the page would get the same, and robots.txt is not why.
                return SourceError(url, rules.reason)
            return SourceError(url, f"robots.txt could not be read ({rules.reason}); nothing is fetched from the site")
        if not rules.can_fetch(hop_url, ROBOTS_AGENT):
            reason = "robots.txt disallows it"
            return RobotsRefusal(url, reason if hop_url == url else f"robots.txt disallows its redirect to {hop_url}")
        # A site's Crawl-delay is honoured up to a cap: "Crawl-delay: 100000" would hold the one
        # poller thread for a day.
        crawl_delay = min(float(rules.crawl_delay(ROBOTS_AGENT) or 0), MAX_CRAWL_DELAY_S)
        return max(self.host_delay_s, crawl_delay)

    def _host(self, name: str) -> _Host:
        with self._hosts_lock:
            return self._hosts.setdefault(name, _Host())

    def _wait(self, host: _Host) -> None:
        wait = host.next_at - self.clock.now()
        if wait > 0:
            self.clock.sleep(wait)

    def _rules(self, target: _Target) -> Protego | SourceError:
        with self._hosts_lock:
            cached = self._robots.setdefault(target.origin, _Robots())
        now = self.clock.now()
        if cached.rules is None or now >= cached.until:
            cached.rules = self._read_robots(self._host(target.host), target.robots_url)
            cached.until = now + ROBOTS_TTL_S
        return cached.rules

    def _read_robots(self, host: _Host, robots_url: str) -> Protego | SourceError:
        self._wait(host)
        try:
            self.requests += 1
            fetched = fetch_document(self._client, robots_url, self.options, max_bytes=ROBOTS_MAX_BYTES, truncate=True)
        finally:
            host.next_at = self.clock.now() + self.host_delay_s
        if isinstance(fetched, SourceError):
            # RFC 9309: no robots.txt (4xx) allows everything; one that cannot be had (5xx, no
            # answer, refused address) allows nothing until it can be read.
            if fetched.status is not None and 400 <= fetched.status < 500:
                return Protego.parse("")
            return fetched
        if fetched.not_modified:
            return Protego.parse("")
        body = fetched.body
        if len(body) >= ROBOTS_MAX_BYTES:
            # A line cut short could read "Allow: /" where the site wrote "Allow: /public/".
            body = body[: body.rfind(b"\n") + 1]
        # utf-8-sig: a byte order mark read as text would hide the first "User-agent" line, and
        # with it the group of rules it starts.
        return Protego.parse(body.decode("utf-8-sig", "replace"))
