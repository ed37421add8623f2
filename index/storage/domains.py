"""Sources as domains: the host an article came from, and the blocklist moderators keep.

An article's domain is its URL's host, lowercased, without a leading "www." (www.cnn.com and
cnn.com are one source to a reader), a name in Unicode in its ASCII (IDNA) form. Blocking a domain
blocks its subdomains too: blocking example.com hides news.example.com, not notexample.com.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

import idna

# A hostname as DNS spells it, already lowercased: letters, digits, hyphens, dots between labels.
# So "-" is the only character a domain holds that sorts before "/" (see BLOCKED_PASSAGES_SQL).
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_DOMAIN = re.compile(r"(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+")


# The passages of blocked sources: a domain blocks itself and its subdomains. Matched on the
# domains' labels in reverse order (`domain_rev`, migration 0014: "news.example.com" is
# "com.example.news"), where a domain's subdomains sort right after it: the strings from
# "com.example" up to "com.example/" ("/" follows "." in bytes; both columns compare bytewise,
# COLLATE "C" on PostgreSQL). That range is an index range, where the LIKE '%.' || domain it
# replaces read every article (17 ms at a million passages on SQLite, 22 ms on PostgreSQL, twice in
# every check while anything was blocked). The substr test drops what the range holds besides
# (only "com.example-news": "-" is the one character a domain holds below "/").
def _blocked_match(article: str) -> str:
    """Whether the row `article` of `articles` comes from the row `bd` of `blocked_domains`."""
    a = f"{article}.domain_rev"
    return (
        f"{a} >= bd.domain_rev AND {a} < bd.domain_rev || '/' "
        f"AND ({a} = bd.domain_rev OR substr({a}, length(bd.domain_rev) + 1, 1) = '.')"
    )


BLOCKED_PASSAGES_SQL = (
    f"SELECT bp.id FROM blocked_domains bd JOIN articles ba ON {_blocked_match('ba')} "
    "JOIN passages bp ON bp.article_id = ba.id"
)
# SQLite's planner chose to scan every passage for the query above (0.1 s at a million, on every
# search); CROSS JOIN is SQLite's way to fix the join order, blocklist first. (PostgreSQL plans it
# from the blocklist by itself, and its CROSS JOIN takes no ON.)
BLOCKED_PASSAGES_SQLITE = (
    f"SELECT bp.id FROM blocked_domains bd CROSS JOIN articles ba ON {_blocked_match('ba')} "
    "CROSS JOIN passages bp ON bp.article_id = ba.id"
)
# Whether a row of `articles` in the enclosing query comes from a blocked source.
ARTICLE_BLOCKED_SQL = f"EXISTS (SELECT 1 FROM blocked_domains bd WHERE {_blocked_match('articles')})"

# With nothing blocked a look at the blocklist first (a handful of rows) lets searches use this
# empty query of passage ids instead, and skip even the join's planning.
ANY_BLOCKED_SQL = "SELECT 1 FROM blocked_domains LIMIT 1"
NO_PASSAGES_SQL = "SELECT 0 AS id WHERE false"


def _strip(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    return _ascii(host[4:] if host.startswith("www.") else host)


def _ascii(host: str) -> str:
    """A host name in the ASCII form that httpx sends, and so fetched pages' URLs carry
    ("bücher.example" -> "xn--bcher-kva.example"): a name written in Unicode (a JSONL line, a
    moderator's block) is one source with it. As given where it is no valid IDNA name."""
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except UnicodeError:  # idna.IDNAError among them
        return host


def reversed_domain(domain: str | None) -> str | None:
    """A domain's labels in reverse order ("news.example.com" -> "com.example.news"): the key that
    puts a domain's subdomains right after it in an index (see BLOCKED_PASSAGES_SQL)."""
    return ".".join(reversed(domain.split("."))) if domain else None


def domain_of(url: str | None) -> str | None:
    """The domain of an article URL ("https://www.CNN.com/x" -> "cnn.com"); None without a host."""
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return _strip(host) if host else None


def normalise_domain(text: str, known: Iterable[str | None] = ()) -> str | None:
    """What a moderator typed ("CNN.com", "https://www.cnn.com/politics") as a domain to block,
    or None when it is not one. A one-label host ("localhost", an intranet "archive") is a domain
    only when a known source has it (`known`): typed alone it is more likely a domain missing its
    ".com", and as a URL's host it could be a top-level domain ("https://com" would block every
    .com source)."""
    text = text.strip()
    host = domain_of(text) if "://" in text else _strip(re.sub(r":\d+$", "", text.split("/", 1)[0]))
    if not host:
        return None
    if _DOMAIN.fullmatch(host):
        return host
    return host if _LABEL.fullmatch(host) and host in set(known) else None


def blocking(domain: str | None, blocked: Iterable[str]) -> str | None:
    """The entry of `blocked` that blocks `domain` (itself or a parent domain), or None."""
    if not domain:
        return None
    for entry in blocked:
        if domain == entry or domain.endswith("." + entry):
            return entry
    return None
