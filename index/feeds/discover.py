"""What a fetched feed document lists: RSS and Atom entries (feedparser), sitemap and news-sitemap
locations (trafilatura's sitemap reader), or, for a site's home page, the feeds it links to
(trafilatura's feed finder). Everything here parses text already fetched: no network."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import courlan
import feedparser
from lxml import etree
from trafilatura.feeds import FeedParameters, determine_feed
from trafilatura.sitemaps import SitemapObject

from claimbot.index.corpus import XML_DECLARATION_ENCODING, canonical_url
from claimbot.index.feeds.models import FeedEntry, FeedKind

# A sitemap names its root element within its first few hundred bytes (after an XML declaration,
# comments or a stylesheet instruction).
_SITEMAP_ROOT = re.compile(r"<(?:\w+:)?(urlset|sitemapindex)[\s>]")
_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"
# How many child sitemaps of a sitemap index one poll reads (a news site's index lists one per day).
MAX_CHILD_SITEMAPS = 5


@dataclass
class Discovery:
    kind: FeedKind | None  # None: neither a feed, a sitemap nor a page linking to a feed
    entries: list[FeedEntry] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)  # a sitemap index's children
    feed_links: list[str] = field(default_factory=list)  # a home page's feeds, best first


def registered_domain(url: str) -> str | None:
    """`example.com` for `https://news.example.com/feed`: what trafilatura's link filters compare."""
    domain = courlan.extract_domain(url)
    return str(domain) if domain else None


def _utf8(text: str) -> bytes:
    """The text as UTF-8 bytes for an XML parser, its XML declaration saying so: an
    `encoding="ISO-8859-1"` left in place would have the parser read UTF-8 as Latin-1."""
    if m := XML_DECLARATION_ENCODING.match(text):
        text = text[: m.start(1)] + "utf-8" + text[m.end(1) :]
    return text.encode("utf-8")


def discover(text: str, url: str) -> Discovery:
    head = text[:4096]
    if _SITEMAP_ROOT.search(head):
        return _sitemap(text, url)
    parsed: Any = feedparser.parse(_utf8(text), sanitize_html=False, resolve_relative_uris=False)
    version = str(parsed.get("version") or "")
    if version:
        kind = FeedKind.ATOM if version.startswith("atom") else FeedKind.RSS
        return Discovery(kind, _feed_entries(parsed, url))
    if "<html" in head.lower() or "<link" in head.lower():
        params = FeedParameters(str(courlan.get_base_url(url)), registered_domain(url) or "", url)
        links = [link for link in determine_feed(text, params) if link != url]
        return Discovery(FeedKind.HOME_PAGE if links else None, feed_links=links)
    return Discovery(None)


def _feed_entries(parsed: Any, feed_url: str) -> list[FeedEntry]:
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for entry in parsed.entries:
        link = entry.get("link") or ""
        if link and not link.startswith(("http://", "https://")):
            # Against the feed's own URL, not its site's root: "story.html" in /news/rss.xml is
            # /news/story.html, as a browser reads it.
            link = courlan.fix_relative_urls(feed_url, link)
        url = canonical_url(link) if link else None
        if url is None or url in seen:
            continue
        seen.add(url)
        # dict.get, not the entry's own: feedparser maps a missing "updated" to "published" with a warning.
        stamp = dict.get(entry, "updated_parsed") or dict.get(entry, "published_parsed")
        raw = dict.get(entry, "updated") or dict.get(entry, "published")
        published = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
        entries.append(
            FeedEntry(
                url,
                marker=str(calendar.timegm(stamp)) if stamp else (str(raw)[:100] if raw else None),
                title=entry.get("title") or None,
                published=dt.date(*published[:3]) if published else None,
            )
        )
    return entries


def _sitemap(text: str, url: str) -> Discovery:
    domain = registered_domain(url)
    root = _sitemap_root(text)
    if domain is None:
        # An address or a one-label name as host (an intranet archive): trafilatura's reader drops
        # every link without a registered domain, so the locations are read here.
        links = [loc for node in _nodes(root, "url") if (loc := _loc(node))]
        children = [loc for node in _nodes(root, "sitemap") if (loc := _loc(node))]
    else:
        reader = SitemapObject(str(courlan.get_base_url(url)), domain, [])
        reader.current_url = url
        reader.content = text
        reader.process()
        links, children = reader.urls, reader.sitemap_urls
    dates = _sitemap_dates(root)
    # Only the first MAX_CHILD_SITEMAPS children are read at a poll: the most recently changed
    # ones, as many sites list theirs oldest first (the undated after them, in their order).
    changed = _sitemap_dates(root, "sitemap")
    children = sorted(dict.fromkeys(children), key=lambda c: changed.get(canonical_url(c) or c, ""), reverse=True)
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for link in links:
        canonical = canonical_url(link)
        if canonical is None or canonical in seen:
            continue
        seen.add(canonical)
        entries.append(FeedEntry(canonical, marker=dates.get(canonical)))
    return Discovery(FeedKind.SITEMAP, entries, sitemaps=children)


def _sitemap_root(text: str) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        return etree.fromstring(_utf8(text), parser)
    except etree.XMLSyntaxError:
        return None


def _nodes(root: Any, tag: str) -> list[Any]:
    """The <url> or <sitemap> elements, with or without the sitemap namespace."""
    return [] if root is None else list(root.iter(f"{_SITEMAP_NS}{tag}", tag))


def _loc(node: Any) -> str | None:
    loc = node.findtext(f"{_SITEMAP_NS}loc") or node.findtext("loc")
    return loc.strip() if loc else None


def _sitemap_dates(root: Any, tag: str = "url") -> dict[str, str]:
    """Each location's <lastmod> (or a news sitemap's publication date): a new one marks a change.
    `tag`: "sitemap" for an index's children."""
    dates: dict[str, str] = {}
    for node in _nodes(root, tag):
        loc = _loc(node)
        stamp = (
            node.findtext(f"{_SITEMAP_NS}lastmod")
            or node.findtext("lastmod")
            or node.findtext(f"{_NEWS_NS}news/{_NEWS_NS}publication_date")
        )
        canonical = canonical_url(loc) if loc else None
        if canonical and stamp:
            dates[canonical] = stamp.strip()[:100]
    return dates
