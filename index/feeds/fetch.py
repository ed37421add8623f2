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
ROBOTS_MAX_BYTES = 500_000  # Google reads the first 500 KiB


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
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_at: float = 0.0  # the clock's time before which no request goes to the host
    robots: Protego | SourceError | None = None
    robots_until: float = 0.0


class PoliteFetcher:
    def __init__(self, options: SourceOptions, *, host_delay_s: float, clock: Clock | None = None) -> None:
        self.options = options
        self.host_delay_s = host_delay_s
        self.clock = clock or Clock()
        self._client = fetch_client(options)
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        self.requests = 0  # sent, robots.txt included

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
        """GET `url` if robots.txt allows it, after the host's delay; with validators, a 304 comes
        back as a document whose `not_modified` is true."""
        try:
            parsed = httpx.URL(url)
            host_name = parsed.host
        except httpx.InvalidURL as exc:
            return SourceError(url, f"invalid URL ({exc})")
        except UnicodeError as exc:
            # httpx decodes an IDNA host lazily: one item's "xn--a.com" link must fail that item alone.
            return SourceError(url, f"invalid host name ({exc})")
        if parsed.scheme not in ("http", "https") or not host_name:
            return SourceError(url, "only http(s) URLs are fetched")
        origin = f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"
        host = self._host(host_name)
        with host.lock:
            rules = self._robots(host, origin)
            if isinstance(rules, SourceError):
                return SourceError(
                    url, f"robots.txt could not be read ({rules.reason}); nothing is fetched from the site"
                )
            if not rules.can_fetch(url, ROBOTS_AGENT):
                return RobotsRefusal(url, "robots.txt disallows it")
            # A site's Crawl-delay is honoured up to a cap: "Crawl-delay: 100000" would hold the one
            # poller thread for a day.
            crawl_delay = min(float(rules.crawl_delay(ROBOTS_AGENT) or 0), MAX_CRAWL_DELAY_S)
            delay = max(self.host_delay_s, crawl_delay)
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            return self._get(
                host, url, delay, content_types=content_types, headers=headers or None, max_bytes=max_bytes
            )

    def _host(self, name: str) -> _Host:
        with self._hosts_lock:
            return self._hosts.setdefault(name.lower(), _Host())

    def _get(
        self,
        host: _Host,
        url: str,
        delay: float,
        *,
        content_types: tuple[str, ...] | None = None,
        headers: dict[str, str] | None = None,
        max_bytes: int | None = None,
    ) -> FetchedDocument | SourceError:
        wait = host.next_at - self.clock.now()
        if wait > 0:
            self.clock.sleep(wait)
        try:
            self.requests += 1
            return fetch_document(
                self._client, url, self.options, content_types=content_types, headers=headers, max_bytes=max_bytes
            )
        finally:
            # Counted from the end of the request: a slow server gets the full pause after each one.
            host.next_at = self.clock.now() + delay

    def _robots(self, host: _Host, origin: str) -> Protego | SourceError:
        now = self.clock.now()
        if host.robots is None or now >= host.robots_until:
            host.robots = self._read_robots(host, origin)
            host.robots_until = now + ROBOTS_TTL_S
        return host.robots

    def _read_robots(self, host: _Host, origin: str) -> Protego | SourceError:
        fetched = self._get(host, f"{origin}/robots.txt", self.host_delay_s, max_bytes=ROBOTS_MAX_BYTES)
        if isinstance(fetched, SourceError):
            # RFC 9309: no robots.txt (4xx) allows everything; one that cannot be had (5xx, no
            # answer, refused address) allows nothing until it can be read.
            if fetched.status is not None and 400 <= fetched.status < 500:
                return Protego.parse("")
            return fetched
        if fetched.not_modified:
            return Protego.parse("")
        return Protego.parse(fetched.body.decode("utf-8", "replace"))
