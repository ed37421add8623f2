"""Feeds: RSS, Atom, sitemaps and home pages polled from a loopback server written for the tests.

The fixture site answers as `news.example.com` (trafilatura's link filters want a registered
domain): the resolver is patched in-process to send that name to 127.0.0.1, and private
addresses are allowed for that host only (CLAIMBOT_FETCH_PRIVATE_HOSTS), so every other host is
checked as in production. Time is a fake clock: delays and back-off never sleep.
"""

from __future__ import annotations

import datetime as dt
import gzip
import ipaddress
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from claimbot.bot.cli import app
from claimbot.index.config import Settings, parse_duration
from claimbot.index.corpus import FetchedDocument, document_text, sources
from claimbot.index.feeds import MAX_FEED_INTERVAL_S, Clock, FeedKind, FeedState, ItemState, canonical_url, discover
from claimbot.index.review import OPERATOR_GUILD, ReviewService
from claimbot.index.service import ClaimIndex, FeedError
from claimbot.index.storage import ArticleRow, FeedItemRow, FeedRow
from tests.conftest import ON_POSTGRES, REPO, drop_database, fresh_database_url
from tests.hash_embedder import HashEmbedder

HOST = "news.example.com"
PRIVATE_TARGET = "intranet.example.net"  # resolves (patched) to loopback but is not allowed


# -- the fixture site -------------------------------------------------------------------------
@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    etag: str | None = None
    location: str | None = None


@dataclass
class Site:
    pages: dict[str, Page] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    clock_at_request: list[float] = field(default_factory=list)
    clock: FakeClock | None = None
    # A path whose request blocks until `release` is set; `arrived` tells the test it came.
    block_path: str | None = None
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hits(self, path: str) -> int:
        return sum(p == path for p, _ in self.requests)


class _Handler(BaseHTTPRequestHandler):
    site: Site

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        site = self.server.site  # type: ignore[attr-defined]
        with site.lock:
            site.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            if site.clock is not None:
                site.clock_at_request.append(site.clock.now())
        if self.path == site.block_path:
            site.arrived.set()
            site.release.wait(30)
        page = site.pages.get(self.path)
        if page is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if page.etag and self.headers.get("If-None-Match") == page.etag:
            self.send_response(304)
            self.send_header("ETag", page.etag)
            self.end_headers()
            return
        self.send_response(page.status)
        if page.location:
            self.send_header("Location", page.location)
        if page.etag:
            self.send_header("ETag", page.etag)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        self.wfile.write(page.body)


@contextmanager
def serve_site() -> Iterator[tuple[Site, str]]:
    """A fixture site on a port of its own, as `http://news.example.com:PORT`."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.site = Site()  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.site, f"http://{HOST}:{httpd.server_address[1]}"  # type: ignore[attr-defined]
    finally:
        httpd.site.release.set()  # type: ignore[attr-defined]
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Site, str]]:
    real = sources._resolve
    loopback = [ipaddress.ip_address("127.0.0.1")]
    monkeypatch.setattr(
        sources, "_resolve", lambda host, port: loopback if host in (HOST, PRIVATE_TARGET) else real(host, port)
    )
    with serve_site() as served:
        yield served


class FakeClock(Clock):
    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []
        # The schedule starts at the real time: `add_feed` stamps a new feed due at the real now, so a
        # fixed start date would leave every feed added after it not yet due.
        start = dt.datetime.now(dt.UTC)
        super().__init__(now=lambda: self.t, sleep=self._sleep, utcnow=lambda: start + dt.timedelta(seconds=self.t))

    def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds

    def advance(self, seconds: float) -> None:
        self.t += seconds


def article_html(n: int, extra: str = "", sentences: int = 3) -> bytes:
    words = ["river", "bridge", "council", "harbour", "market", "school", "railway", "forest"]
    topic = words[n % len(words)]
    body = " ".join(f"The {topic} report number {n} says item {i} happened on day {i}." for i in range(sentences))
    return (
        f"<html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>"
        f"<p>{body} {extra}</p><p>Officials said the {topic} work of story {n} would continue next week.</p>"
        "</article></body></html>"
    ).encode()


def rss(base: str, items: list[tuple[str, str]], *, title: str = "Example News") -> bytes:
    """items: (path, pubDate text)."""
    entries = "".join(
        f"<item><title>Item {path}</title><link>{base}{path}</link><pubDate>{date}</pubDate></item>"
        for path, date in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title><link>{base}/</link>'
        f"{entries}</channel></rss>"
    ).encode()


def day(n: int) -> str:
    return format_datetime(dt.datetime(2026, 12, n, 8, 0, tzinfo=dt.UTC), usegmt=True)


def make_settings(home: Path, database_url: str | None, **extra: object) -> Settings:
    values: dict[str, object] = {
        "CLAIMBOT_HOME": home,
        "DATABASE_URL": database_url,
        "CLAIMBOT_ATTRIBUTION": False,
        "CLAIMBOT_FETCH_PRIVATE_HOSTS": HOST,
        "CLAIMBOT_FEEDS_HOST_DELAY": 0,
        "CLAIMBOT_FEEDS_CONTACT": "ops@example.org",
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def feeds_index(tmp_path: Path) -> Iterator[ClaimIndex]:
    url = fresh_database_url()
    index = ClaimIndex(make_settings(tmp_path / "home", url), embedder=HashEmbedder())
    yield index
    index.close()
    drop_database(url)


def articles(index: ClaimIndex) -> list[str]:
    with index.store.session() as s:
        return sorted(url for url in s.execute(select(ArticleRow.url)).scalars())


def serve_rss(site: Site, base: str, paths: list[str], *, etag: str | None = '"v1"') -> None:
    site.pages["/robots.txt"] = Page(b"User-agent: *\nAllow: /\n", "text/plain")
    site.pages["/rss.xml"] = Page(rss(base, [(p, day(1)) for p in paths]), "application/rss+xml", etag=etag)
    for i, path in enumerate(paths):
        site.pages[path] = Page(article_html(i))


# -- parsing (no network) ---------------------------------------------------------------------
def test_discover_reads_rss_atom_sitemaps_and_home_pages():
    base = "https://news.example.com"
    found = discover(rss(base, [("/a/1?utm_source=x", day(1)), ("/a/2", day(2))]).decode(), f"{base}/rss.xml")
    assert found.kind is FeedKind.RSS
    assert [e.url for e in found.entries] == [f"{base}/a/1", f"{base}/a/2"]  # tracking parameter gone
    assert found.entries[0].published == dt.date(2026, 12, 1) and found.entries[0].title == "Item /a/1?utm_source=x"

    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
        f'<entry><title>T</title><link href="{base}/b/1"/><id>1</id><updated>2026-12-01T00:00:00Z</updated></entry>'
        "</feed>"
    )
    found = discover(atom, f"{base}/atom.xml")
    assert found.kind is FeedKind.ATOM and [e.url for e in found.entries] == [f"{base}/b/1"]

    news_sitemap = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"<url><loc>{base}/c/1</loc><news:news><news:publication_date>2026-12-01</news:publication_date>"
        f"</news:news></url><url><loc>{base}/c/2</loc><lastmod>2026-12-02</lastmod></url></urlset>"
    )
    found = discover(news_sitemap, f"{base}/news-sitemap.xml")
    assert found.kind is FeedKind.SITEMAP
    assert [(e.url, e.marker) for e in found.entries] == [(f"{base}/c/1", "2026-12-01"), (f"{base}/c/2", "2026-12-02")]

    index = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/sitemap-1.xml</loc></sitemap></sitemapindex>"
    )
    assert discover(index, f"{base}/sitemap.xml").sitemaps == [f"{base}/sitemap-1.xml"]

    home = '<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>x</body></html>'
    found = discover(home, f"{base}/")
    assert found.kind is FeedKind.HOME_PAGE and found.feed_links == [f"{base}/feed.xml"]
    assert discover("<html><body>nothing</body></html>", f"{base}/").kind is None
    assert canonical_url("ftp://example.com/x") is None
    # Tracking parameters go; a parameter that names the page stays (one feed item per story).
    assert canonical_url("https://Example.com/article.php?story=123&utm_source=x#top") == (
        "https://example.com/article.php?story=123"
    )


def test_relative_item_links_are_read_against_the_feeds_own_url():
    # A feed in /news/ that links "story-1.html" means /news/story-1.html, as a browser reads it.
    base = "https://news.example.com"
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>N</title><link>/</link>'
        "<item><link>story-1.html</link></item><item><link>../world/story-2.html</link></item>"
        "<item><link>/news/story-3.html</link></item></channel></rss>"
    )
    found = discover(feed, f"{base}/news/rss.xml")
    assert [e.url for e in found.entries] == [
        f"{base}/news/story-1.html",
        f"{base}/world/story-2.html",
        f"{base}/news/story-3.html",
    ]


def test_durations():
    assert parse_duration("30m") == 1800 and parse_duration("2h") == 7200 and parse_duration("90") == 90
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")
    with pytest.raises(ValueError, match="positive"):
        parse_duration("0m")
    # past a float ("1e400" is inf), or no number at all: said so, not "must be positive"
    for endless in ("1e400", "1e400m", "inf", "nan", float("inf")):
        with pytest.raises(ValueError, match="a duration must be a finite number, got"):
            parse_duration(endless)
    # "1M" read as one minute: a month to most readers, so neither is guessed; "2H" is still two hours
    with pytest.raises(ValueError, match=r"write minutes as 30m, or days as 30d"):
        parse_duration("1M")
    assert parse_duration("2H") == 7200


# -- polling ----------------------------------------------------------------------------------
def test_new_items_are_ingested_once_and_304_fetches_nothing_again(feeds_index, site):
    site_, base = site
    serve_rss(site_, base, ["/a/1", "/a/2", "/a/3"])
    feed = feeds_index.add_feed(f"{base}/rss.xml", every="30m")
    clock = FakeClock()
    poller = feeds_index.feed_poller(clock=clock)

    report = poller.poll_due()
    assert [(p.added, p.failed, p.error) for p in report.polls] == [(3, 0, None)]
    assert articles(feeds_index) == [f"{base}/a/1", f"{base}/a/2", f"{base}/a/3"]
    assert feeds_index.check("bridge report", top=1, stance=False).passages  # searchable

    assert poller.poll_due().polls == []  # not due again before its interval
    clock.advance(1800)
    again = poller.poll_due()
    assert [p.not_modified for p in again.polls] == [True]
    assert (
        site_.requests[-1] == ("/rss.xml", site_.requests[-1][1]) and site_.requests[-1][1]["if-none-match"] == '"v1"'
    )
    assert [site_.hits(p) for p in ("/a/1", "/a/2", "/a/3")] == [1, 1, 1]

    # A new item (and a new ETag): only it is fetched.
    serve_rss(site_, base, ["/a/1", "/a/2", "/a/3", "/a/4"], etag='"v2"')
    clock.advance(1800)
    third = poller.poll_due()
    assert [(p.added, p.skipped, p.listed) for p in third.polls] == [(1, 3, 4)]
    assert [site_.hits(p) for p in ("/a/1", "/a/2", "/a/3", "/a/4")] == [1, 1, 1, 1]
    listed = feeds_index.find_feed(str(feed.id))
    assert listed.kind is FeedKind.RSS and listed.items == 4 and listed.state is FeedState.ACTIVE
    assert "claimbot" in site_.requests[0][1]["user-agent"] and "ops@example.org" in site_.requests[0][1]["user-agent"]
    poller.close()


def test_a_changed_article_replaces_its_passages(feeds_index, site):
    site_, base = site
    serve_rss(site_, base, ["/a/1"], etag=None)
    feeds_index.add_feed(f"{base}/rss.xml", every="1h")
    clock = FakeClock()
    poller = feeds_index.feed_poller(clock=clock)
    assert poller.poll_due().polls[0].added == 1
    clock.advance(3600)
    assert poller.poll_due().polls[0].skipped == 1  # same date, not refetched
    site_.pages["/rss.xml"] = Page(rss(base, [("/a/1", day(2))]), "application/rss+xml")
    site_.pages["/a/1"] = Page(article_html(0, extra="A correction was issued about the viaduct."))
    clock.advance(3600)
    poll = poller.poll_due().polls[0]
    assert (poll.replaced, poll.added) == (1, 0)
    assert articles(feeds_index) == [f"{base}/a/1"]
    texts = " ".join(p.text for p in feeds_index.check("correction viaduct", top=5, stance=False).passages)
    assert "viaduct" in texts
    poller.close()


def test_a_feed_date_in_the_future_is_not_given_to_the_article(feeds_index, site):
    # A page without a date of its own takes its feed item's: one dated 2099 was shown as published then.
    site_, base = site
    site_.pages["/robots.txt"] = Page(b"", "text/plain")
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    dates = [("/a/1", "Thu, 01 Jan 2099 08:00:00 GMT"), ("/a/2", "Mon, 06 Jan 2020 08:00:00 GMT")]
    dates.append(("/a/3", format_datetime(tomorrow)))
    site_.pages["/rss.xml"] = Page(rss(base, dates), "application/rss+xml")
    for i in (1, 2, 3):
        site_.pages[f"/a/{i}"] = Page(article_html(i))
    feeds_index.add_feed(f"{base}/rss.xml")
    poller = feeds_index.feed_poller(clock=FakeClock())
    assert poller.poll_due().polls[0].added == 3
    poller.close()
    with feeds_index.store.session() as s:
        published = dict(s.execute(select(ArticleRow.url, ArticleRow.published)).all())
    # Tomorrow is today somewhere: a feed's clock or time zone may run a day ahead.
    assert published == {f"{base}/a/1": None, f"{base}/a/2": dt.date(2020, 1, 6), f"{base}/a/3": tomorrow.date()}


@pytest.mark.parametrize("kind", ["atom", "sitemap", "home-page"])
def test_atom_sitemaps_and_home_pages_are_polled(feeds_index, site, kind):
    site_, base = site
    site_.pages["/robots.txt"] = Page(b"", "text/plain")
    for i in (1, 2):
        site_.pages[f"/s/{i}"] = Page(article_html(i))
    if kind == "atom":
        entries = "".join(
            f'<entry><title>S{i}</title><link href="{base}/s/{i}"/><id>{i}</id><updated>2026-12-0{i}T00:00:00Z</updated></entry>'
            for i in (1, 2)
        )
        site_.pages["/feed"] = Page(
            f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>{entries}</feed>'.encode(),
            "application/atom+xml",
        )
        url, expected_kind, polled = f"{base}/feed", FeedKind.ATOM, f"{base}/feed"
    elif kind == "sitemap":
        site_.pages["/sitemap.xml"] = Page(
            (
                '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{base}/news-sitemap.xml</loc></sitemap></sitemapindex>"
            ).encode(),
            "application/xml",
        )
        locs = "".join(f"<url><loc>{base}/s/{i}</loc><lastmod>2026-12-0{i}</lastmod></url>" for i in (1, 2))
        site_.pages["/news-sitemap.xml"] = Page(
            f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'.encode(),
            "application/xml",
        )
        url, expected_kind, polled = f"{base}/sitemap.xml", FeedKind.SITEMAP, f"{base}/sitemap.xml"
    else:
        site_.pages["/"] = Page(
            b'<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml"></head><body>Home</body></html>'
        )
        site_.pages["/rss.xml"] = Page(rss(base, [("/s/1", day(1)), ("/s/2", day(2))]), "application/rss+xml")
        url, expected_kind, polled = f"{base}/", FeedKind.RSS, f"{base}/rss.xml"
    feed = feeds_index.add_feed(url)
    poller = feeds_index.feed_poller(clock=FakeClock())
    [poll] = poller.poll_due().polls
    assert (poll.added, poll.error) == (2, None)
    assert articles(feeds_index) == [f"{base}/s/1", f"{base}/s/2"]
    stored = feeds_index.find_feed(str(feed.id))
    assert (stored.kind, stored.feed_url) == (expected_kind, polled)
    poller.close()


def test_a_sitemap_index_that_does_not_change_still_has_its_children_read(feeds_index, site):
    site_, base = site
    site_.pages["/robots.txt"] = Page(b"", "text/plain")
    site_.pages["/sitemap.xml"] = Page(
        (
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{base}/today.xml</loc></sitemap></sitemapindex>"
        ).encode(),
        "application/xml",
        etag='"index-v1"',
    )

    def serve_child(n: int) -> None:
        locs = "".join(f"<url><loc>{base}/s/{i}</loc></url>" for i in range(1, n + 1))
        site_.pages["/today.xml"] = Page(
            f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'.encode(),
            "application/xml",
        )
        for i in range(1, n + 1):
            site_.pages[f"/s/{i}"] = Page(article_html(i))

    serve_child(1)
    feeds_index.add_feed(f"{base}/sitemap.xml", every="10m")
    clock = FakeClock()
    poller = feeds_index.feed_poller(clock=clock)
    assert poller.poll_due().polls[0].added == 1
    serve_child(2)  # a new story in today's sitemap; the index is byte for byte the same
    clock.advance(600)
    [poll] = poller.poll_due().polls
    assert (poll.error, poll.not_modified, poll.added, poll.skipped) == (None, False, 1, 1)
    assert articles(feeds_index) == [f"{base}/s/1", f"{base}/s/2"]
    poller.close()


def test_gzipped_sitemaps_are_read_and_a_gzip_bomb_is_refused(tmp_path, site):
    # Sitemaps are often served as .xml.gz files (application/x-gzip, no Content-Encoding): an
    # index's gzipped child was skipped without a word, and a gzipped sitemap failed as "binary".
    site_, base = site
    site_.pages["/robots.txt"] = Page(b"", "text/plain")
    urlset = "".join(f"<url><loc>{base}/s/{i}</loc></url>" for i in (1, 2))
    urlset = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urlset}</urlset>'
    site_.pages["/sitemap_index.xml"] = Page(
        (
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{base}/sitemap-1.xml.gz</loc></sitemap></sitemapindex>"
        ).encode(),
        "application/xml",
    )
    site_.pages["/sitemap-1.xml.gz"] = Page(gzip.compress(urlset.encode()), "application/x-gzip")
    site_.pages["/sitemap-2.xml.gz"] = Page(gzip.compress(urlset.encode()), "application/octet-stream")
    site_.pages["/bomb.xml.gz"] = Page(gzip.compress(urlset.encode() + b" " * 200_000), "application/x-gzip")
    for i in (1, 2):
        site_.pages[f"/s/{i}"] = Page(article_html(i))
    url = fresh_database_url()
    index = ClaimIndex(
        make_settings(tmp_path / "home", url, CLAIMBOT_FEEDS_MAX_FEED_BYTES=100_000), embedder=HashEmbedder()
    )
    try:
        for path in ("/sitemap_index.xml", "/sitemap-2.xml.gz", "/bomb.xml.gz"):
            index.add_feed(f"{base}{path}")
        poller = index.feed_poller(clock=FakeClock())
        polls = poller.poll_due().polls
        poller.close()
        assert [(p.error, p.listed) for p in polls[:2]] == [(None, 2), (None, 2)]
        assert polls[2].error == "too large once decompressed (over 100,000 bytes)"
        assert articles(index) == [f"{base}/s/1", f"{base}/s/2"]
    finally:
        index.close()
        drop_database(url)


def test_a_sitemap_index_is_read_newest_child_first():
    # An index listing its children oldest first (one per month since 2019): the first few read
    # at each poll were the oldest, and the new articles, in the last child, were never seen.
    base = "https://news.example.com"
    months = [f"{year}-{month:02}" for year in (2019, 2020) for month in range(1, 13)]
    children = "".join(
        f"<sitemap><loc>{base}/sitemap-{m}.xml</loc><lastmod>{m}-28T10:00:00+00:00</lastmod></sitemap>" for m in months
    )
    index = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{children}<sitemap><loc>{base}/sitemap-pages.xml</loc></sitemap></sitemapindex>"
    )
    found = discover(index, f"{base}/sitemap_index.xml")
    assert found.sitemaps[:2] == [f"{base}/sitemap-2020-12.xml", f"{base}/sitemap-2020-11.xml"]
    assert found.sitemaps[-1] == f"{base}/sitemap-pages.xml"  # undated: after the dated ones, in its place


def test_a_latin1_feed_without_a_charset_header_is_read_in_its_declared_encoding(feeds_index, site):
    site_, base = site
    serve_rss(site_, base, ["/a/1"])
    feed = rss(base, [("/a/1", day(1))], title="Café").decode().replace("Item /a/1", "À la une")
    body = feed.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="ISO-8859-1"?>').encode("latin-1")
    site_.pages["/rss.xml"] = Page(body, "application/rss+xml")
    feeds_index.add_feed(f"{base}/rss.xml")
    poller = feeds_index.feed_poller(clock=FakeClock())
    [poll] = poller.poll_due().polls
    assert (poll.error, poll.added) == (None, 1)
    poller.close()
    document = FetchedDocument(f"{base}/rss.xml", f"{base}/rss.xml", 200, "application/rss+xml", None, body)
    text = document_text(document)
    assert isinstance(text, str)
    assert [e.title for e in discover(text, f"{base}/rss.xml").entries] == ["À la une"]


def test_a_sitemap_on_an_address_or_a_one_label_host_lists_its_locations(tmp_path, site):
    for host in ("archive", "10.0.0.5:8080", "[fd00::5]"):
        base = f"http://{host}"
        urlset = (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{base}/a/1</loc><lastmod>2026-12-01</lastmod></url><url><loc> {base}/a/2 </loc></url></urlset>"
        )
        found = discover(urlset, f"{base}/sitemap.xml")
        assert [(e.url, e.marker) for e in found.entries] == [(f"{base}/a/1", "2026-12-01"), (f"{base}/a/2", None)]
        index = (
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{base}/day-1.xml</loc></sitemap></sitemapindex>"
        )
        assert discover(index, f"{base}/sitemap.xml").sitemaps == [f"{base}/day-1.xml"]

    site_, named = site
    base = named.replace(HOST, "127.0.0.1")
    site_.pages["/robots.txt"] = Page(b"", "text/plain")
    site_.pages["/sitemap.xml"] = Page(
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{base}/s/1</loc></url></urlset>'.encode(),
        "application/xml",
    )
    site_.pages["/s/1"] = Page(article_html(1))
    url = fresh_database_url()
    index_ = ClaimIndex(
        make_settings(tmp_path / "home", url, CLAIMBOT_FETCH_PRIVATE_HOSTS=f"{HOST},127.0.0.1"), embedder=HashEmbedder()
    )
    try:
        index_.add_feed(f"{base}/sitemap.xml")
        poller = index_.feed_poller(clock=FakeClock())
        [poll] = poller.poll_due().polls
        assert (poll.error, poll.listed, poll.added) == (None, 1, 1)
        assert articles(index_) == [f"{base}/s/1"]
        poller.close()
    finally:
        index_.close()
        drop_database(url)


def test_robots_txt_is_honoured_and_requests_to_a_host_are_spaced(feeds_index, site):
    site_, base = site
    serve_rss(site_, base, ["/a/1", "/private/2", "/a/3"])
    site_.pages["/robots.txt"] = Page(b"User-agent: claimbot\nDisallow: /private/\n", "text/plain")
    feeds_index.add_feed(f"{base}/rss.xml")
    clock = FakeClock()
    site_.clock = clock
    poller = feeds_index.feed_poller(clock=clock)
    poller.fetcher.host_delay_s = 5.0
    [poll] = poller.poll_due().polls
    assert (poll.added, poll.skipped) == (2, 1)
    assert site_.hits("/private/2") == 0
    assert articles(feeds_index) == [f"{base}/a/1", f"{base}/a/3"]
    with feeds_index.store.session() as s:
        states = dict(s.execute(select(FeedItemRow.url, FeedItemRow.state)).all())
    assert states[f"{base}/private/2"] == ItemState.SKIPPED
    # robots.txt, the feed, two articles: each request at least 5 s (of the fake clock) after the last
    times = site_.clock_at_request
    assert len(times) == 4 and all(b - a >= 5.0 for a, b in zip(times, times[1:], strict=False))
    poller.close()


def test_robots_txt_is_read_per_origin_and_for_each_redirect_hop(feeds_index, site):
    site_, base = site
    with serve_site() as (other, other_base):
        # The same host name on another port: another origin, with a robots.txt of its own.
        other.pages["/robots.txt"] = Page(b"User-agent: *\nDisallow: /private/\n", "text/plain")
        other.pages["/private/1"] = Page(article_html(1))
        other.pages["/private/2"] = Page(article_html(2))
        other.pages["/a/3"] = Page(article_html(3))
        serve_rss(site_, base, ["/a/0", "/go/2"])
        site_.pages["/rss.xml"] = Page(
            rss(base, [("/a/0", day(1)), ("/go/2", day(1))]).replace(
                b"</channel>",
                "".join(
                    f"<item><title>{p}</title><link>{other_base}{p}</link></item>" for p in ("/private/1", "/a/3")
                ).encode()
                + b"</channel>",
            ),
            "application/rss+xml",
        )
        site_.pages["/go/2"] = Page(b"", status=302, location=f"{other_base}/private/2")
        feeds_index.add_feed(f"{base}/rss.xml")
        clock = FakeClock()
        site_.clock = other.clock = clock
        poller = feeds_index.feed_poller(clock=clock)
        poller.fetcher.host_delay_s = 5.0
        [poll] = poller.poll_due().polls
        assert (poll.error, poll.added, poll.skipped, poll.failed) == (None, 2, 2, 0), poll.errors
        # One host name, one server's load: its two ports' requests, redirect hops included, are spaced.
        times = sorted(site_.clock_at_request + other.clock_at_request)
        assert len(times) == 6 and all(b - a >= 5.0 for a, b in zip(times, times[1:], strict=False)), times
        assert other.hits("/private/1") == other.hits("/private/2") == 0
        assert other.hits("/robots.txt") == 1 and site_.hits("/robots.txt") == 1
        assert articles(feeds_index) == sorted([f"{base}/a/0", f"{other_base}/a/3"])
        with feeds_index.store.session() as s:
            states = dict(s.execute(select(FeedItemRow.url, FeedItemRow.state)).all())
        assert states[f"{base}/go/2"] == states[f"{other_base}/private/1"] == ItemState.SKIPPED
        poller.close()


def test_a_robots_txt_over_500_kib_is_read_up_to_there(feeds_index, site):
    site_, base = site
    serve_rss(site_, base, ["/a/1", "/private/2"])
    rules = b"User-agent: claimbot\nDisallow: /private/\n"
    # The 500 KiB end in the middle of a line: read as far as the cut, it would say "Allow: /private/".
    padding = 500 * 1024 - len(rules) - len(b"Allow: /private/")
    body = rules + b"#" * (padding - 1) + b"\n" + b"Allow: /private/later\n" + b"# more\n" * 10_000
    site_.pages["/robots.txt"] = Page(body, "text/plain")
    feeds_index.add_feed(f"{base}/rss.xml")
    poller = feeds_index.feed_poller(clock=FakeClock())
    [poll] = poller.poll_due().polls
    assert (poll.error, poll.added, poll.skipped) == (None, 1, 1)
    assert site_.hits("/private/2") == 0
    poller.close()


def test_a_robots_txt_that_starts_with_a_byte_order_mark_is_obeyed(feeds_index, site):
    # Saved by a Windows editor: read with its BOM, the first line was no "User-agent" and the
    # whole group was ignored, so what it disallows was fetched.
    site_, base = site
    serve_rss(site_, base, ["/a/1", "/private/2"])
    site_.pages["/robots.txt"] = Page("\ufeffUser-agent: claimbot\r\nDisallow: /private/\r\n".encode(), "text/plain")
    feeds_index.add_feed(f"{base}/rss.xml")
    poller = feeds_index.feed_poller(clock=FakeClock())
    [poll] = poller.poll_due().polls
    assert (poll.error, poll.added, poll.skipped) == (None, 1, 1)
    assert site_.hits("/private/2") == 0
    poller.close()


def test_a_failing_feed_backs_off_and_is_paused_with_its_error(tmp_path, site):
    site_, base = site
    site_.pages["/robots.txt"] = Page(b"", "text/plain")
    site_.pages["/rss.xml"] = Page(b"down", "text/plain", status=503)
    url = fresh_database_url()
    index = ClaimIndex(make_settings(tmp_path / "home", url, CLAIMBOT_FEEDS_MAX_FAILURES=3), embedder=HashEmbedder())
    try:
        feed = index.add_feed(f"{base}/rss.xml", every="10m")
        clock = FakeClock()
        poller = index.feed_poller(clock=clock)
        waits = []
        for failures in (1, 2, 3):
            [poll] = poller.poll_due().polls
            assert poll.error is not None and "HTTP error 503" in poll.error
            state = index.find_feed(str(feed.id))
            assert state.failures == failures and "503" in (state.last_error or "")
            waits.append((state.next_poll_at - clock.utcnow()).total_seconds())
            if failures < 3:
                assert state.state is FeedState.ACTIVE and poll.paused is False
                clock.advance(waits[-1] - 1)
                assert poller.poll_due().polls == []  # backing off: not due yet
                clock.advance(1)
        assert waits[:2] == [1200, 2400]  # 2 x, then 4 x the interval
        assert poll.paused and state.state is FeedState.FAILED
        hits = site_.hits("/rss.xml")
        clock.advance(10**6)
        assert poller.poll_due().polls == [] and site_.hits("/rss.xml") == hits  # paused: never polled

        site_.pages["/rss.xml"] = Page(rss(base, []), "application/rss+xml")
        resumed = index.resume_feed(feed.id)
        assert resumed is not None and resumed.state is FeedState.ACTIVE and resumed.failures == 0
        [poll] = poller.poll_due().polls
        assert poll.error is None and index.find_feed(str(feed.id)).last_error is None
        poller.close()
    finally:
        index.close()
        drop_database(url)


@pytest.mark.parametrize(
    ("status", "read_before", "paused"),
    [(410, False, True), (410, True, True), (404, False, True), (404, True, False)],
)
def test_a_feed_that_is_gone_is_paused_at_once(feeds_index, site, status, read_before, paused):
    """410 Gone says the feed will not come back, and a 404 on a feed never read is most likely a
    mistyped URL: neither is worth days of backed-off polls. A 404 on a feed read before may be a
    site's passing mistake, and backs off as other failures do."""
    site_, base = site
    serve_rss(site_, base, [])
    feed = feeds_index.add_feed(f"{base}/rss.xml", every="10m")
    clock = FakeClock()
    poller = feeds_index.feed_poller(clock=clock)
    if read_before:
        assert poller.poll_due().polls[0].error is None
        clock.advance(600)
    site_.pages["/rss.xml"] = Page(b"gone", "text/plain", status=status)
    [poll] = poller.poll_due().polls
    stored = feeds_index.find_feed(str(feed.id))
    assert poll.paused is paused and stored.failures == 1
    assert (stored.state is FeedState.FAILED) is paused
    assert f"HTTP error {status}" in (stored.last_error or "")
    if paused:
        assert ("gone for good" if status == 410 else "no feed was ever read") in (stored.last_error or "")
    poller.close()


@pytest.mark.parametrize(("status", "moves"), [(301, True), (308, True), (302, False), (307, False)])
def test_a_permanent_redirect_moves_the_feed_and_a_temporary_one_does_not(feeds_index, site, status, moves):
    site_, base = site
    serve_rss(site_, base, ["/a/1"])
    site_.pages["/new/rss.xml"] = site_.pages["/rss.xml"]
    site_.pages["/rss.xml"] = Page(b"", status=status, location=f"{base}/new/rss.xml")
    feed = feeds_index.add_feed(f"{base}/rss.xml", every="10m")
    clock = FakeClock()
    poller = feeds_index.feed_poller(clock=clock)
    [poll] = poller.poll_due().polls
    assert poll.error is None and poll.added == 1
    stored = feeds_index.find_feed(str(feed.id))
    assert stored.url == f"{base}/rss.xml"  # as the operator added it, for `feeds remove URL`
    assert stored.feed_url == (f"{base}/new/rss.xml" if moves else f"{base}/rss.xml")
    clock.advance(600)
    [poll] = poller.poll_due().polls
    assert poll.not_modified
    assert site_.hits("/rss.xml") == (1 if moves else 2)  # once moved, the old address is not asked again
    poller.close()
    if moves:
        # the address it moved to is the same feed: not polled a second time into the same collection
        with pytest.raises(FeedError, match=rf"already polls this URL \(feed {feed.id}, {base}/rss.xml, moved here\)"):
            feeds_index.add_feed(f"{base}/new/rss.xml")
        assert feeds_index.add_feed(f"{base}/new/rss.xml", collection="other").collection == "other"


def test_a_permanent_redirect_after_a_temporary_one_does_not_move_the_feed(feeds_index, site):
    site_, base = site
    serve_rss(site_, base, [])
    site_.pages["/new/rss.xml"] = site_.pages["/rss.xml"]
    site_.pages["/rss.xml"] = Page(b"", status=301, location=f"{base}/tmp/rss.xml")
    site_.pages["/tmp/rss.xml"] = Page(b"", status=302, location=f"{base}/later/rss.xml")
    site_.pages["/later/rss.xml"] = Page(b"", status=301, location=f"{base}/new/rss.xml")
    feed = feeds_index.add_feed(f"{base}/rss.xml")
    poller = feeds_index.feed_poller(clock=FakeClock())
    assert poller.poll_due().polls[0].error is None
    # The permanent hop before the temporary one holds; the one after it is the temporary place's.
    assert feeds_index.find_feed(str(feed.id)).feed_url == f"{base}/tmp/rss.xml"
    poller.close()


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param(10**12, marks=pytest.mark.skipif(ON_POSTGRES, reason="past PostgreSQL's 32-bit integer")),
        2**31 - 1,
    ],
)
def test_an_interval_stored_past_the_bound_by_an_older_release_is_read_within_it(feeds_index, site, stored):
    """Releases before the one-year bound stored any interval: 10^12 s overflowed the next poll's date at
    every poll ("could not record the poll (OverflowError)"), and a feed already scheduled 68 years
    ahead was never polled again; both stayed so, whatever was upgraded."""
    site_, base = site
    serve_rss(site_, base, [])
    site_.pages["/scheduled.xml"] = site_.pages["/rss.xml"]
    due = feeds_index.add_feed(f"{base}/rss.xml", every="1d")
    scheduled = feeds_index.add_feed(f"{base}/scheduled.xml", every="1d")
    clock = FakeClock()
    with feeds_index.store.session() as s:  # as the older release left them
        s.get(FeedRow, due.id).interval_s = stored
        row = s.get(FeedRow, scheduled.id)
        row.interval_s = 2**31 - 1
        row.next_poll_at = clock.utcnow() + dt.timedelta(seconds=2**31 - 1)
        s.commit()
    assert feeds_index.find_feed(str(due.id)).interval_s == MAX_FEED_INTERVAL_S
    poller = feeds_index.feed_poller(clock=clock)
    polls = poller.poll_due().polls
    assert sorted((p.feed_id, p.error) for p in polls) == [(due.id, None), (scheduled.id, None)]
    for feed in (due, scheduled):
        polled = feeds_index.find_feed(str(feed.id))
        assert polled.failures == 0
        assert polled.next_poll_at - clock.utcnow() == dt.timedelta(seconds=MAX_FEED_INTERVAL_S)
    assert poller.poll_due().polls == []  # within the bound now: not due again for a year
    poller.close()


def test_links_that_redirect_to_private_addresses_are_refused(feeds_index, site):
    site_, base = site
    port = base.rsplit(":", 1)[1]
    serve_rss(site_, base, ["/go/1", "/go/2", "/a/3"])
    site_.pages["/go/1"] = Page(b"", status=302, location=f"http://{PRIVATE_TARGET}:{port}/secret")
    site_.pages["/go/2"] = Page(b"", status=302, location="http://10.0.0.5/admin")
    site_.pages["/secret"] = Page(article_html(9))
    feeds_index.add_feed(f"{base}/rss.xml")
    poller = feeds_index.feed_poller(clock=FakeClock())
    [poll] = poller.poll_due().polls
    assert (poll.added, poll.failed) == (1, 2)
    assert site_.hits("/secret") == 0
    assert any(f"host {PRIVATE_TARGET} is a loopback address" in e for e in poll.errors), poll.errors
    assert any("refused http://10.0.0.5/admin" in e and "private address" in e for e in poll.errors), poll.errors
    assert articles(feeds_index) == [f"{base}/a/3"]
    poller.close()


def test_an_item_link_with_a_bad_idna_host_fails_alone(feeds_index, site):
    site_, base = site
    serve_rss(site_, base, ["/a/1", "/a/2"])
    site_.pages["/rss.xml"] = Page(
        rss(base, [("/a/1", day(1)), ("/a/2", day(1))]).replace(f"{base}/a/2".encode(), b"http://xn--a.com/story"),
        "application/rss+xml",
    )
    feeds_index.add_feed(f"{base}/rss.xml")
    poller = feeds_index.feed_poller(clock=FakeClock())
    [poll] = poller.poll_due().polls
    assert (poll.error, poll.added, poll.failed) == (None, 1, 1)
    assert len(poll.errors) == 1 and poll.errors[0].startswith("http://xn--a.com/story: invalid host name"), poll.errors
    assert articles(feeds_index) == [f"{base}/a/1"]
    poller.close()


def test_an_item_on_a_blocked_source_is_skipped_without_using_a_try_and_fetched_once_unblocked(feeds_index, site):
    # It was fetched ("robots.txt could not be read (… is a blocked source …)"), counted failed and
    # given up after three polls, so that `sources unblock` never brought it back.
    site_, base = site
    serve_rss(site_, base, ["/a/1", "/a/2"])
    site_.pages["/rss.xml"] = Page(
        rss(base, [("/a/1", day(1)), ("/a/2", day(1))]).replace(
            f"{base}/a/2".encode(), b"https://rumours.example.org/story"
        ),
        "application/rss+xml",
        etag='"v1"',
    )
    feeds_index.block_domain("rumours.example.org")
    feeds_index.add_feed(f"{base}/rss.xml", every="30m")
    clock = FakeClock()
    poller = feeds_index.feed_poller(clock=clock)
    for _ in range(4):  # more polls than an item that fails is tried
        [poll] = poller.poll_due().polls
        assert (poll.added, poll.failed, poll.skipped) in ((1, 0, 1), (0, 0, 2)), poll
        assert poll.skips == ["https://rumours.example.org/story: rumours.example.org is a blocked source"]
        assert (poll.blocked, poll.deferred) == (1, 0)
        # the feed is read in full each time (no validators kept), so nothing hides the item later
        assert "if-none-match" not in [h for path, h in site_.requests if path == "/rss.xml"][-1]
        clock.advance(1800)
    assert articles(feeds_index) == [f"{base}/a/1"]
    feeds_index.unblock_domain("rumours.example.org")
    [poll] = poller.poll_due().polls
    # fetched now (the name does not resolve in the test: it fails, which shows that it was tried)
    assert poll.failed == 1 and poll.skips == [] and "blocked" not in poll.errors[0], poll
    # and the reason is the name, not robots.txt, which was never answered at all
    assert poll.errors[0].startswith("https://rumours.example.org/story: ") and "robots.txt" not in poll.errors[0]
    poller.close()


def test_items_over_the_cap_wait_for_the_next_poll(tmp_path, site):
    site_, base = site
    paths = [f"/a/{i}" for i in range(5)]
    serve_rss(site_, base, paths)
    url = fresh_database_url()
    index = ClaimIndex(make_settings(tmp_path / "home", url, CLAIMBOT_FEEDS_MAX_ITEMS=3), embedder=HashEmbedder())
    try:
        index.add_feed(f"{base}/rss.xml", every="5m")
        clock = FakeClock()
        poller = index.feed_poller(clock=clock)
        first = poller.poll_due().polls[0]
        # the two left over are counted, not in none of the counts
        assert (first.listed, first.added, first.deferred) == (5, 3, 2)
        clock.advance(300)
        second = poller.poll_due().polls[0]
        # No 304: the ETag of a feed read in part is not kept.
        assert (second.not_modified, second.added, second.deferred) == (False, 2, 0)
        assert len(articles(index)) == 5
        poller.close()
    finally:
        index.close()
        drop_database(url)


@pytest.mark.skipif(not ON_POSTGRES, reason="needs CLAIMBOT_TEST_DATABASE_URL: FOR UPDATE SKIP LOCKED is PostgreSQL's")
def test_two_pollers_racing_on_postgres_ingest_every_item_once(tmp_path, site):
    site_, base = site
    site_.pages["/robots.txt"] = Page(b"", "text/plain")
    url = fresh_database_url()
    settings = make_settings(tmp_path / "home", url)
    indexes = [ClaimIndex(settings, embedder=HashEmbedder()) for _ in range(2)]
    try:
        for f in range(6):
            paths = [f"/f{f}/{i}" for i in range(4)]
            site_.pages[f"/f{f}.xml"] = Page(rss(base, [(p, day(1)) for p in paths]), "application/rss+xml")
            for i, p in enumerate(paths):
                site_.pages[p] = Page(article_html(f * 10 + i))
            indexes[0].add_feed(f"{base}/f{f}.xml")
        start = threading.Barrier(2)
        reports = [None, None]

        def run(n: int) -> None:
            poller = indexes[n].feed_poller(clock=FakeClock())
            start.wait()
            reports[n] = poller.poll_due()
            poller.close()

        threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        polled = [p.url for r in reports for p in r.polls]
        assert sorted(polled) == sorted(f"{base}/f{f}.xml" for f in range(6))  # each feed by one poller
        article_paths = [p for p, _ in site_.requests if p.count("/") == 2]
        assert len(article_paths) == 24 and len(set(article_paths)) == 24  # each article fetched once
        assert len(articles(indexes[0])) == 24
    finally:
        for index in indexes:
            index.close()
        drop_database(url)


POLL_SCRIPT = textwrap.dedent(
    """
    import ipaddress
    from claimbot.index.corpus import sources
    real = sources._resolve
    sources._resolve = lambda h, p: [ipaddress.ip_address("127.0.0.1")] if h == "news.example.com" else real(h, p)
    from claimbot.index.config import Settings
    from claimbot.index.service import ClaimIndex
    from tests.hash_embedder import HashEmbedder
    index = ClaimIndex(Settings(_env_file=None), embedder=HashEmbedder())
    print(index.poll_feeds().added, flush=True)
    """
)


def test_a_poller_killed_mid_poll_loses_and_duplicates_nothing(tmp_path, site):
    site_, base = site
    paths = [f"/a/{i}" for i in range(5)]
    serve_rss(site_, base, paths)
    # Articles long enough that each is embedded and committed on its own (the ingest batches by
    # 256 sentences), so two are stored when the kill comes during the third.
    for i in (0, 1):
        site_.pages[paths[i]] = Page(article_html(i, sentences=300))
    site_.block_path = "/a/2"
    url = fresh_database_url()
    home = tmp_path / "home"
    index = ClaimIndex(make_settings(home, url), embedder=HashEmbedder())
    try:
        index.add_feed(f"{base}/rss.xml")
        env = {
            **os.environ,
            "CLAIMBOT_HOME": str(home),
            "DATABASE_URL": url or "",
            "CLAIMBOT_ATTRIBUTION": "false",
            "CLAIMBOT_FETCH_PRIVATE_HOSTS": HOST,
            "CLAIMBOT_FEEDS_HOST_DELAY": "0",
            "CLAIMBOT_FEEDS_CONTACT": "ops@example.org",
            "PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(REPO)])),
        }
        child = subprocess.Popen([sys.executable, "-c", POLL_SCRIPT], env=env, cwd=REPO, stdout=subprocess.PIPE)
        try:
            assert site_.arrived.wait(60), "the poller never reached the third article"
            assert len(articles(index)) == 2  # two committed before the kill
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(30)
        assert child.returncode == -signal.SIGKILL
        site_.block_path = None
        site_.release.set()

        report = index.poll_feeds()  # the restart: the feed is still due (its poll was never recorded)
        [poll] = report.polls
        assert poll.error is None and poll.added == 3
        assert articles(index) == sorted(f"{base}{p}" for p in paths)
        assert [site_.hits(p) for p in paths[:2]] == [1, 1]  # recorded items are not fetched again
        with index.store.session() as s:
            assert s.execute(select(func.count()).select_from(FeedItemRow)).scalar() == 5
    finally:
        index.close()
        drop_database(url)


def test_stopping_the_watcher_mid_feed_leaves_the_rest_of_its_items_for_the_next_poll(feeds_index, site):
    """`claimbot serve` stops its feeds' thread on SIGTERM: the article being fetched is finished, the
    feed's other items are not fetched first (50 of them, 2 s apart, outlast systemd's stop timeout)."""
    site_, base = site
    paths = [f"/a/{i}" for i in range(5)]
    serve_rss(site_, base, paths)
    site_.block_path = "/a/1"
    feeds_index.add_feed(f"{base}/rss.xml", every="5m")
    watcher = feeds_index.start_feed_watcher()
    try:
        assert site_.arrived.wait(60), "the watcher never reached the second article"
        watcher.stop(timeout=0)  # asked to stop while the article is in flight
        site_.release.set()
    finally:
        watcher.stop()
    assert articles(feeds_index) == [f"{base}/a/0", f"{base}/a/1"]
    assert [site_.hits(p) for p in paths] == [1, 1, 0, 0, 0]

    # The next poll reads the feed in full (no 304 for a feed read in part) and takes the rest.
    clock = FakeClock()
    clock.advance(300)
    poller = feeds_index.feed_poller(clock=clock)
    [poll] = poller.poll_due().polls
    poller.close()
    assert (poll.not_modified, poll.added, poll.skipped) == (False, 3, 2)
    assert articles(feeds_index) == sorted(f"{base}{p}" for p in paths)


# -- commands -----------------------------------------------------------------------------
def test_feed_commands(home, site, monkeypatch):
    served, base = site
    serve_rss(served, base, ["/a/1", "/a/2"])
    del served.pages["/a/2"]  # listed, but gone: 404
    runner = CliRunner()
    # a feed on a loopback address would fail every poll: refused when added, in one line
    private = runner.invoke(app, ["feeds", "add", f"{base}/rss.xml"])
    assert private.exit_code == 2 and len(private.output.strip().splitlines()) == 1, private.output
    assert (
        f"host {HOST} is a loopback address" in private.output
        and "no feeds" in runner.invoke(app, ["feeds", "list"]).output
    )
    monkeypatch.setenv("CLAIMBOT_FETCH_PRIVATE_HOSTS", HOST)
    env = {"CLAIMBOT_FEEDS_INTERVAL": "45m"}
    result = runner.invoke(app, ["feeds", "add", f"{base}/rss.xml", "--collection", "local"], env=env)
    assert result.exit_code == 0, result.output
    assert "added feed 1" in result.output and "every 45m" in result.output
    again = runner.invoke(app, ["feeds", "add", f"{base}/rss.xml?utm_source=x", "--collection", "local"])
    assert again.exit_code == 2 and "already has this feed" in again.output
    assert runner.invoke(app, ["feeds", "add", "file:///etc/passwd"]).exit_code == 2
    assert "at most once a minute" in runner.invoke(app, ["feeds", "add", f"{base}/x", "--every", "10s"]).output
    too_rare = runner.invoke(app, ["feeds", "add", f"{base}/x", "--every", "100000000000d"])
    assert too_rare.exit_code == 2 and "at least once a year (every 100000000000d is more)" in too_rare.output
    assert "Traceback" not in too_rare.output and len(too_rare.output.strip().splitlines()) == 1
    assert "1  " in runner.invoke(app, ["feeds", "list"]).output
    # with a feed to compare it with
    superscript = runner.invoke(app, ["feeds", "remove", "\u00b2"])
    assert superscript.exit_code == 1 and "no feed \u00b2" in superscript.output, superscript.output
    assert "paused feed 1" in runner.invoke(app, ["feeds", "pause", "1"]).output
    assert "paused" in runner.invoke(app, ["feeds", "list", "--collection", "local"]).output
    assert "resumed feed 1" in runner.invoke(app, ["feeds", "resume", f"{base}/rss.xml"]).output
    polled = runner.invoke(app, ["feeds", "poll", "--once"])
    assert polled.exit_code == 0, polled.output
    assert "2 listed, 1 added, 0 replaced, 0 unchanged, 1 failed" in polled.output
    assert f"  failed: {base}/a/2: HTTP error 404 Not Found" in polled.output, polled.output  # which, why
    assert "removed feed 1" in runner.invoke(app, ["feeds", "remove", "1"]).output
    assert "no feeds" in runner.invoke(app, ["feeds", "list"]).output
    too_often = runner.invoke(app, ["feeds", "add", f"{base}/y"], env={"CLAIMBOT_FEEDS_INTERVAL": "30s"})
    assert "at most once a minute (CLAIMBOT_FEEDS_INTERVAL=30s is less)" in too_often.output, too_often.output
    # not found: exit status 1, as `articles remove` and `factchecks remove` give
    missing = runner.invoke(app, ["feeds", "remove", "7"])
    assert missing.exit_code == 1 and "no feed 7 (`claimbot feeds list` shows the feeds)" in missing.output
    index = ClaimIndex(Settings())
    try:
        logged = list(ReviewService(index.store.engine).audit_export(OPERATOR_GUILD))
    finally:
        index.close()
    assert [(e.action, e.target) for e in logged] == [
        (action, "feed:1") for action in ("add_feed", "pause_feed", "resume_feed", "remove_feed")
    ]
    assert (logged[1].before["state"], logged[1].after["state"]) == ("active", "paused")


def test_add_feed_refuses_bad_input(feeds_index):
    with pytest.raises(FeedError, match="not a duration"):
        feeds_index.add_feed("https://news.example.com/rss", every="often")
    with pytest.raises(FeedError, match="at least once a year"):
        feeds_index.add_feed("https://news.example.com/rss", every="366d")
    assert feeds_index.add_feed("https://news.example.com/yearly", every="365d").interval_s == 365 * 86_400
    # the setting's interval is named as it is written, not as "3.456e+07s"
    feeds_index.settings = feeds_index.settings.model_copy(update={"feeds_interval_s": parse_duration("400d")})
    with pytest.raises(FeedError, match=r"at least once a year \(CLAIMBOT_FEEDS_INTERVAL=400d is more\)"):
        feeds_index.add_feed("https://news.example.com/rare")
    for url in ("javascript:alert(1)", "https://", "https:///rss"):
        with pytest.raises(FeedError, match="not an http"):
            feeds_index.add_feed(url)
    # a port no server has was stored and failed every poll ("Connection refused" via robots.txt)
    with pytest.raises(FeedError, match=r"the port must be 1-65535"):
        feeds_index.add_feed("http://news.example.com:99999/rss")
    # a password in the URL would be shown by `feeds list`, /feeds and the audit log
    with pytest.raises(FeedError, match="user name or password"):
        feeds_index.add_feed("https://alice:s3cret@news.example.com/rss")
    assert all("s3cret" not in f.url for f in feeds_index.feeds())


def test_a_feed_is_found_only_among_the_collections_named(feeds_index):
    shared = feeds_index.add_feed("https://news.example.com/rss")
    local = feeds_index.add_feed("https://news.example.com/rss", collection="city")
    other = feeds_index.add_feed("https://other.example.com/rss", collection="town")
    assert [f.id for f in feeds_index.feeds(["default", "city"])] == [shared.id, local.id]
    assert feeds_index.find_feed(str(other.id)).id == other.id
    with pytest.raises(FeedError, match=f"^no feed {other.id}$"):
        feeds_index.find_feed(str(other.id), ["default", "city"])
    with pytest.raises(FeedError, match="2 feeds have that URL"):
        feeds_index.find_feed("https://news.example.com/rss", ["default", "city"])
    assert feeds_index.find_feed("https://news.example.com/rss", "city").id == local.id
