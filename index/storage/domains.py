"""Sources as domains: the host an article came from, and the blocklist moderators keep.

An article's domain is its URL's host, lowercased, without a leading "www." (www.cnn.com and
cnn.com are one source to a reader). Blocking a domain blocks its subdomains too: blocking
example.com hides news.example.com, not notexample.com.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

# A hostname as DNS spells it, already lowercased: letters, digits, hyphens, dots between labels.
# No "%" or "_": the database matches subdomains with LIKE '%.' || domain, where those are wildcards.
_DOMAIN = re.compile(r"(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+")

# The passages of blocked sources: a domain blocks itself and its subdomains. Driven from the
# (short) blocklist, so it costs nothing while nothing is blocked. Domains never hold "%" or "_"
# (normalise_domain), so the only wildcard in the LIKE is the one written here.
BLOCKED_PASSAGES_SQL = (
    "SELECT bp.id FROM blocked_domains bd "
    "JOIN articles ba ON ba.domain = bd.domain OR ba.domain LIKE '%.' || bd.domain "
    "JOIN passages bp ON bp.article_id = ba.id"
)
# SQLite's planner chose to scan every passage for the query above (0.1 s at a million, on every
# search); CROSS JOIN is SQLite's way to fix the join order, blocklist first. (PostgreSQL plans it
# from the blocklist by itself, and its CROSS JOIN takes no ON.)
BLOCKED_PASSAGES_SQLITE = (
    "SELECT bp.id FROM blocked_domains bd "
    "CROSS JOIN articles ba ON ba.domain = bd.domain OR ba.domain LIKE '%.' || bd.domain "
    "CROSS JOIN passages bp ON bp.article_id = ba.id"
)

# With nothing blocked the query above still reads every article on PostgreSQL (its OR-ed LIKE join
# can use no index): 22 ms at a million passages, in every search. A look at the blocklist first
# (a handful of rows) says whether there is anything to leave out; when not, searches use this
# empty query of passage ids instead.
ANY_BLOCKED_SQL = "SELECT 1 FROM blocked_domains LIMIT 1"
NO_PASSAGES_SQL = "SELECT 0 AS id WHERE false"


def _strip(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def domain_of(url: str | None) -> str | None:
    """The domain of an article URL ("https://www.CNN.com/x" -> "cnn.com"); None without a host."""
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return _strip(host) if host else None


def normalise_domain(text: str) -> str | None:
    """What a moderator typed ("CNN.com", "https://www.cnn.com/politics") as a domain to block,
    or None when it is not one."""
    text = text.strip()
    host = domain_of(text) if "://" in text else _strip(text.split("/", 1)[0])
    return host if host and _DOMAIN.fullmatch(host) else None


def blocking(domain: str | None, blocked: Iterable[str]) -> str | None:
    """The entry of `blocked` that blocks `domain` (itself or a parent domain), or None."""
    if not domain:
        return None
    for entry in blocked:
        if domain == entry or domain.endswith("." + entry):
            return entry
    return None
