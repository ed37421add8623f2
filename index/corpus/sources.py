"""Read articles from files, folders, JSONL and URLs.

Every input yields either an `ArticleInput` or a `SourceError` naming the input and the reason,
so one bad file never stops a run.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import socket
import ssl
import stat
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

import courlan
import httpcore
import httpx
from pydantic import ValidationError

from claimbot.index.factchecks.markup import claim_reviews
from claimbot.index.records import EARLIEST_PUBLISHED, ArticleInput, latest_published
from claimbot.index.storage import blocking, domain_of

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
META_FIELDS = ("title", "url", "outlet", "author", "published", "language")
# a sidecar holds a few short fields; one of megabytes is a mistake, not metadata
SIDECAR_MAX_BYTES = 64_000
DEFAULT_USER_AGENT = "claimbot/0.1 (+claim verification bot)"


@dataclass(frozen=True)
class SourceError:
    origin: str
    reason: str
    status: int | None = None  # the HTTP status of a fetch that answered with an error

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


SourceItem = ArticleInput | SourceError


@dataclass(frozen=True)
class SourceOptions:
    max_bytes: int = 5_000_000
    timeout_s: float = 15.0
    max_redirects: int = 5
    # Fetch from loopback, private, link-local... addresses too (tests, an intranet news archive).
    allow_private: bool = False
    # Hosts (names as written in URLs) that may resolve to such addresses while `allow_private` is
    # off: one trusted intranet archive, or a test's loopback server, without opening every host.
    private_hosts: frozenset[str] = frozenset()
    overrides: dict[str, Any] | None = None  # metadata given on the command line
    user_agent: str = DEFAULT_USER_AGENT
    # Domains moderators blocked: never fetched, not even as a redirect's target.
    blocked_domains: tuple[str, ...] = ()


def http_url(text: str) -> str | None:
    """`text` as an http(s) URL to fetch, its scheme lowercased, or None when it is not one: a scheme
    is any case ("Https://", as a phone's keyboard capitalises it), and read as a file name it was
    "no such file"."""
    scheme, sep, rest = text.partition("://")
    return f"{scheme.lower()}://{rest}" if sep and scheme.lower() in ("http", "https") else None


def canonical_url(url: str) -> str | None:
    """The URL an item is known by: courlan's cleaning (case, default port, fragment, tracking
    parameters such as utm_*), None for what is not an http(s) URL. Not courlan's strict mode: it
    drops every parameter it does not know, and `article.php?story=123` names a page."""
    fetched = http_url(url.strip())  # "Https://" too
    if fetched is None:
        return None
    cleaned = courlan.clean_url(fetched)
    if cleaned is None:
        return None
    # the fragment is a place on the page, not another page
    return urldefrag(str(courlan.normalize_url(cleaned, strict=False))).url


def read_inputs(inputs: list[str], options: SourceOptions) -> Iterator[SourceItem]:
    for raw in inputs:
        url = http_url(raw)
        if url is not None:
            yield fetch_url(url, options)
            continue
        path = Path(raw)
        try:
            is_dir, exists = path.is_dir(), path.exists()
        except OSError as exc:  # a folder on its way that may not be searched: is_dir() raises
            yield SourceError(display_path(raw), f"cannot read ({exc.strerror or exc})")
            continue
        if is_dir:
            files, unreadable = _folder_files(path)
            yield from unreadable
            if not files and not unreadable:
                yield SourceError(display_path(raw), "folder holds no .txt, .md, .html or .jsonl files")
            for file in files:
                yield from _read_guarded(file, options)
        elif exists:
            yield from _read_guarded(path, options)
        else:
            yield SourceError(display_path(raw), "no such file, folder or http(s) URL")


def _folder_files(folder: Path) -> tuple[list[Path], list[SourceError]]:
    """The article files under `folder`, sorted, and an error for each folder in it that cannot be
    listed: Path.rglob passes over those in silence, so that an unreadable folder read as one that
    holds no articles. Hidden files and folders (".obsidian/", macOS's "._a.txt" resource forks) are
    no articles: indexed, a tool's notes were shown to everyone, and a fork failed the run."""
    failures: list[OSError] = []
    files: list[Path] = []
    for root, dirs, names in os.walk(folder, onerror=failures.append):
        dirs[:] = [d for d in dirs if not is_hidden(d)]  # os.walk descends only into what is left
        files += [
            p
            for p in (Path(root, name) for name in names if not is_hidden(name))
            if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.endswith(".meta.json")
        ]
    errors = [
        SourceError(display_path(exc.filename or folder), f"cannot read the folder ({exc.strerror or exc})")
        for exc in failures
    ]
    return sorted(files), errors


def is_hidden(name: str) -> bool:
    """A file or folder a folder's ingest passes over (a name given on its own is read all the same)."""
    return name.startswith(".")


def _read_guarded(path: Path, options: SourceOptions) -> Iterator[SourceItem]:
    """`read_file`, where an input no check foresaw fails that file (the rest of a JSONL file
    included), not the whole run."""
    try:
        yield from read_file(path, options)
    except Exception as exc:  # noqa: BLE001 - reported as the file's error line
        log.info("could not read %s", path, exc_info=True)
        yield SourceError(display_path(path), f"could not be read ({type(exc).__name__}: {exc})")


def display_path(path: Path | str) -> str:
    """A path as text that can be printed and stored: a file name that is not UTF-8 (Python keeps
    its bytes as lone surrogates) gets U+FFFD in their place."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _regular_file_refusal(path: Path) -> str | None:
    """Why `path` is not read (None: a regular file). A FIFO would block the reader forever and a
    device (/dev/zero) has no end; both report size 0, so the size cap alone does not stop them."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot read ({exc.strerror})"
    if not stat.S_ISREG(mode):
        kind = (
            "a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "special"
        )
        return f"not a regular file ({kind})"
    return None


def _read_capped(path: Path, limit: int) -> bytes:
    """At most limit + 1 bytes: one more than the cap tells a file grown past it since stat."""
    with path.open("rb") as handle:
        return handle.read(limit + 1)


def read_file(path: Path, options: SourceOptions) -> Iterator[SourceItem]:
    origin = display_path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        yield SourceError(origin, f"unsupported file type {suffix or '(none)'}; use .txt, .md, .html or .jsonl")
        return
    refusal = _regular_file_refusal(path)
    if refusal:
        yield SourceError(origin, refusal)
        return
    if suffix in JSONL_SUFFIXES:
        yield from _read_jsonl(path, options)
        return
    try:
        raw = _read_capped(path, options.max_bytes)
    except OSError as exc:
        yield SourceError(origin, f"cannot read ({exc.strerror})")
        return
    if len(raw) > options.max_bytes:
        size = max(path.stat().st_size, len(raw))
        yield SourceError(origin, f"too large ({size:,} bytes; the limit is {options.max_bytes:,})")
        return
    decoded = _decode(raw, html_charset(raw) if suffix in HTML_SUFFIXES else None)
    if isinstance(decoded, str) and not decoded.strip():
        yield SourceError(origin, "empty file")
        return
    if not isinstance(decoded, str):
        yield SourceError(origin, decoded.reason)
        return
    meta = _sidecar_meta(path)
    if isinstance(meta, SourceError):
        yield meta
        return
    if suffix in HTML_SUFFIXES:
        item = _from_html(decoded, origin, meta, options)
    else:
        item = _from_plain_text(decoded, origin, meta, options, markdown=suffix != ".txt")
    if isinstance(item, ArticleInput):
        # The file is the article: an edited notes.txt ingested again replaces it ("./notes.txt"
        # or from another folder alike), where its text alone would add a second copy.
        item.source_file = display_path(path.resolve())
    yield item


def _decode(raw: bytes, charset: str | None = None) -> str | SourceError:
    """UTF-8 first (a stale <meta> on a UTF-8 page is common, and real legacy text is almost never
    valid UTF-8), then the charset the document declares."""
    if b"\x00" in raw[:8192]:
        return SourceError("", "binary file (contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if charset:
            try:
                return raw.decode(charset)
            except (UnicodeDecodeError, LookupError):  # wrong, or no codec of that name
                pass
        return SourceError("", f"not UTF-8 text (invalid byte at position {exc.start})")


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)


def html_charset(raw: bytes) -> str | None:
    """The charset a page declares in a <meta> tag, as browsers look for it (in its first 4 KB)."""
    m = _META_CHARSET.search(raw[:4096])
    return m.group(1).decode("ascii") if m else None


# The XML declaration, which must open the document: `<?xml version="1.0" encoding="ISO-8859-1"?>`.
XML_DECLARATION_ENCODING = re.compile(r"""^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")


def xml_charset(raw: bytes) -> str | None:
    """The encoding an XML document (a feed, a sitemap) declares, None without a declaration."""
    m = XML_DECLARATION_ENCODING.match(raw[:1024].decode("ascii", "replace"))
    return m.group(1) if m else None


def _sidecar_meta(path: Path) -> dict[str, Any] | SourceError:
    sidecar = path.with_name(path.stem + ".meta.json")
    origin = display_path(sidecar)
    if not sidecar.exists():
        return {}
    refusal = _regular_file_refusal(sidecar)
    if refusal:
        return SourceError(origin, refusal)
    try:
        raw = _read_capped(sidecar, SIDECAR_MAX_BYTES)
    except OSError as exc:
        return SourceError(origin, f"cannot read ({exc.strerror})")
    if len(raw) > SIDECAR_MAX_BYTES:
        return SourceError(origin, f"too large for metadata (over {SIDECAR_MAX_BYTES:,} bytes)")
    try:
        meta = json.loads(raw.decode("utf-8"))
    # ValueError: besides JSONDecodeError, an integer of thousands of digits (Python's int limit)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return SourceError(origin, f"invalid metadata JSON ({exc})")
    if not isinstance(meta, dict):
        return SourceError(origin, "metadata must be a JSON object")
    unknown = set(meta) - set(META_FIELDS)
    if unknown:
        return SourceError(origin, f"unknown metadata keys: {', '.join(sorted(unknown))}")
    # An HTML page's URL is read before the article is validated (extraction, ClaimReview markup).
    if not isinstance(meta.get("url"), str | None):
        return SourceError(origin, "metadata 'url' must be a string")
    return meta


_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _build(fields: dict[str, Any], origin: str, options: SourceOptions) -> SourceItem:
    merged = {**fields, **{k: v for k, v in (options.overrides or {}).items() if v is not None}}
    # JSON may escape half an emoji ("\ud83d" cut off by a scraper): not encodable as UTF-8.
    merged = {k: _LONE_SURROGATE.sub("\ufffd", v) if isinstance(v, str) else v for k, v in merged.items()}
    if isinstance(url := merged.get("url"), str):
        # An article is stored under the URL a feed knows it by (`?utm_source=…`, a fragment or an
        # upper-case host dropped): the link a reader shared and the feed's item are one article,
        # replaced when it changes rather than stored twice. Not a URL: the validator says why.
        merged["url"] = canonical_url(url) or url
    if not str(merged.get("text") or "").strip():
        return SourceError(origin, "no extractable text")
    try:
        return ArticleInput(**merged, origin=origin)
    except ValidationError as exc:
        # pydantic prefixes a validator's own message with "Value error, ": the reader wants the message
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()
        )
        return SourceError(origin, f"invalid article ({problems})")


# A leading YAML front matter block ("---", "title: …", "date: …", "---"), as exported notes and
# static-site posts have: read for its title, date, author and URL, never indexed as text.
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>(?:.*\n){0,60}?)---[ \t]*(?:\n|\Z)")
_FRONT_KEYS = {"title": "title", "date": "published", "published": "published", "author": "author", "url": "url"}


def _front_matter(text: str) -> tuple[str, dict[str, str]]:
    """The text after its front matter, and the fields of it claimbot reads (else the text and {})."""
    found = _FRONT_MATTER.match(text)
    if not found:
        return text, {}
    fields: dict[str, str] = {}
    for line in found["body"].splitlines():
        key, sep, value = line.partition(":")
        field = _FRONT_KEYS.get(key.strip().lower())
        value = value.strip().strip("'\"")
        if sep and field and value and field not in fields:
            fields[field] = value
    return text[found.end() :], fields


def _strip_markdown(text: str) -> str:
    """The text a Markdown file reads as (CommonMark with tables, by markdown-it-py): one block (a
    heading, a paragraph, a list item, a table row) per paragraph, without the markup (headings'
    "#", emphasis, links' targets, list bullets, "> ", code ticks, table pipes); HTML and fenced code
    are not text to index."""
    from markdown_it import MarkdownIt

    blocks: list[str] = []
    row: list[str] | None = None
    for token in MarkdownIt("commonmark").enable("table").enable("strikethrough").parse(text):
        if token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            if any(row):
                blocks.append(", ".join(cell for cell in row if cell))
            row = None
        elif token.type == "inline":
            words = _inline_text(token.children or [])
            if row is not None:
                row.append(words.strip())
            elif words.strip():
                blocks.append(words)
    return "\n\n".join(blocks)


def _inline_text(children: list[Any]) -> str:
    out: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif child.type == "image":
            out.append(_inline_text(child.children or []))
    return "".join(out)


def _from_plain_text(
    text: str, origin: str, meta: dict[str, Any], options: SourceOptions, *, markdown: bool
) -> SourceItem:
    if markdown:
        text, front = _front_matter(text)
        meta = {**front, **meta}  # a sidecar's fields win over the file's own
        text = _strip_markdown(text)
    first, _, rest = text.strip().partition("\n")
    given = (options.overrides or {}).get("title") or meta.get("title")
    if not given:
        title, body = first.strip(), rest
    elif " ".join(first.split()).casefold() == " ".join(str(given).split()).casefold():
        title, body = given, rest  # the file starts with the title it is given
    else:
        title, body = given, text  # the first line is text, not a title: keep it
    if not body.strip() and title:
        # A one-line file is all title: say so, or "no extractable text" puzzles whoever wrote it.
        return SourceError(origin, "no extractable text (the first line of a text file is its title)")
    return _build({**meta, "title": title, "text": body}, origin, options)


# How a page's date is found (htmldate, through trafilatura): from its markup and a whole date in its
# URL only. The extensive search guessed: a year in the URL became 1 January of it ("/2019/q1" →
# 2019-01-01), and a date of tomorrow became the month's first. Dates since 1700, as `published` takes.
_DATE_SEARCH = {"original_date": True, "extensive_search": False, "min_date": EARLIEST_PUBLISHED.isoformat()}


def _from_html(html: str, origin: str, meta: dict[str, Any], options: SourceOptions) -> SourceItem:
    import trafilatura

    raw = trafilatura.extract(
        html,
        output_format="json",
        with_metadata=True,
        include_comments=False,
        url=meta.get("url"),
        date_extraction_params=_DATE_SEARCH | {"max_date": latest_published().isoformat()},
    )
    if not raw:
        return SourceError(origin, "no extractable text")
    doc = json.loads(raw)
    fields = {
        "text": doc.get("text") or doc.get("raw_text") or "",
        "title": doc.get("title"),
        "url": doc.get("source") if str(doc.get("source") or "").startswith("http") else None,
        "outlet": doc.get("sitename") or doc.get("source-hostname"),
        "author": doc.get("author"),
        "published": doc.get("date"),
        # trafilatura names a language only when told to detect one: the page's declaration is read here.
        "language": doc.get("language") or declared_language(html),
    }
    article = _build({**{k: v for k, v in fields.items() if v}, **meta}, origin, options)
    if isinstance(article, ArticleInput):
        # A fact-check page says what it rated in ClaimReview markup, beside its text; the article's
        # language (validated as the JSONL field is) stands for a review's that names none.
        article.fact_checks = claim_reviews(html, meta.get("url") or fields["url"], article.language)
    return article


def declared_language(html: str) -> str | None:
    """The language a page declares: `<html lang>`, else a `content-language` or `og:locale` <meta>
    (the first of a list: "es, en"); None where it declares none."""
    from lxml import etree

    parser = etree.HTMLParser(no_network=True, recover=True, encoding="utf-8")
    try:
        root = etree.fromstring(html.encode("utf-8", "replace"), parser)
    except (etree.LxmlError, ValueError):
        return None
    if root is None:
        return None
    found = [root.get("lang") or root.get("xml:lang")] if root.tag == "html" else []
    metas = root.iterfind(".//meta")
    by_kind = {(m.get("http-equiv") or m.get("property") or "").strip().lower(): m.get("content") for m in metas}
    found += [by_kind.get("content-language"), by_kind.get("og:locale")]
    for value in found:
        first = (value or "").split(",")[0].strip()
        if first:
            return first
    return None


def count_nonblank_lines(path: Path) -> int:
    """Lines with something on them, read in blocks: a JSONL "line" may be gigabytes long."""
    count, filled = 0, False  # `filled`: the line being read so far has a non-space byte
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            *ended, rest = block.split(b"\n")
            for part in ended:
                count += filled or bool(part.strip())
                filled = False
            filled = filled or bool(rest.strip())
    return count + filled


def _read_jsonl(path: Path, options: SourceOptions) -> Iterator[SourceItem]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield SourceError(display_path(path), f"cannot open ({exc.strerror})")
        return
    with handle:
        any_line = False
        number = 0
        # readline with a bound: a line of gigabytes (a JSON array saved as .jsonl) is skipped
        # without being held in memory.
        # max_bytes + 2: a line of exactly max_bytes is read whole with its newline
        while raw := handle.readline(options.max_bytes + 2):
            number += 1
            origin = f"{display_path(path)}:{number}"
            if len(raw.rstrip(b"\r\n")) > options.max_bytes:
                while raw and not raw.endswith(b"\n"):
                    raw = handle.readline(1 << 20)
                any_line = True
                yield SourceError(origin, f"line too large (over {options.max_bytes:,} bytes)")
                continue
            if not raw.strip():
                continue
            any_line = True
            decoded = _decode(raw)
            if isinstance(decoded, SourceError):
                yield SourceError(origin, decoded.reason)
                continue
            try:
                record = json.loads(decoded)
            except json.JSONDecodeError as exc:
                yield SourceError(origin, f"invalid JSON ({exc.msg})")
                continue
            except ValueError as exc:  # an integer of thousands of digits (Python's int limit)
                yield SourceError(origin, f"invalid JSON ({exc})")
                continue
            except RecursionError:
                yield SourceError(origin, "invalid JSON (nested too deeply)")
                continue
            if not isinstance(record, dict):
                yield SourceError(origin, "each line must be a JSON object")
                continue
            if "text" not in record:
                yield SourceError(origin, "missing required field 'text'")
                continue
            unknown = set(record) - {"text", *META_FIELDS}
            fields = {k: v for k, v in record.items() if k not in unknown}
            yield _build(fields, origin, options)
        if not any_line:
            yield SourceError(display_path(path), "empty file")


def address_refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address must not be fetched from (None: a global unicast address).

    /ingest lets a moderator make the bot's host send requests; without this, an article URL could
    reach the host's loopback services, the LAN or a cloud metadata endpoint (169.254.169.254)."""
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv6 forms that carry an IPv4 address (mapped, 6to4 2002::/16, Teredo 2001::/32) reach
        # that address: Python counts 6to4 and Teredo global whatever they wrap.
        wrapped = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        for inner in wrapped:
            if inner is not None and (why := address_refusal(inner)):
                return why
        if ip.ipv4_mapped is not None:
            return None
    for kind in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    if not ip.is_global:
        return "non-global"
    return None


def _resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def _blocked_refusal(url: httpx.URL, options: SourceOptions) -> str | None:
    entry = blocking(domain_of(str(url)), options.blocked_domains)
    if entry is None:
        return None
    return f"{entry} is a blocked source (not fetched; `claimbot sources unblock {entry}` allows it again)"


def _host_refusal(url: httpx.URL, options: SourceOptions) -> str | None:
    """Why `url` must not be fetched: not http(s), or its host resolves to a non-global address."""
    if not url.host and url.scheme in ("", "http", "https"):
        return "no host in URL"  # httpx reads "http://" as the relative URL "/"
    if url.scheme not in ("http", "https"):
        return f"refused {url}: only http(s) URLs are fetched"
    try:
        return _private_address_refusal(url, options)
    except (socket.gaierror, UnicodeError) as exc:
        return f"cannot resolve host {url.host} ({getattr(exc, 'strerror', None) or exc})"


def address_refusal_ahead(url: str, options: SourceOptions) -> str | None:
    """The refusal a fetch of `url` would meet for its host's address (loopback, private, ...
    without CLAIMBOT_FETCH_ALLOW_PRIVATE or CLAIMBOT_FETCH_PRIVATE_HOSTS), known before any fetch:
    a feed added with such a URL would otherwise fail every poll. None where it may be fetched, and
    where the name does not resolve now (a poll says so then: DNS may be back by then)."""
    try:
        parsed = httpx.URL(url)
        if not parsed.host:
            return None
        return _private_address_refusal(parsed, options)
    except (httpx.InvalidURL, OSError, UnicodeError):  # socket.gaierror is an OSError
        return None


def _private_address_refusal(url: httpx.URL, options: SourceOptions) -> str | None:
    """Why `url`'s host may not be fetched from: an address of its name is not global (and the
    settings do not allow it). Raises what resolving the name raises."""
    host = url.host
    if options.allow_private or host in options.private_hosts:
        return None
    for ip in _resolve(host, url.port or (443 if url.scheme == "https" else 80)):
        kind = address_refusal(ip)
        if kind:
            return _refusal_message(url, host, ip, kind)
    return None


def _refusal_message(url: httpx.URL, host: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address, kind: str) -> str:
    return (
        f"refused {url}: host {host} is a {kind} address ({ip}); only public addresses are "
        "fetched (CLAIMBOT_FETCH_ALLOW_PRIVATE=true allows others)"
    )


class _AddressRefused(httpcore.ConnectError):
    def __init__(self, host: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address, kind: str) -> None:
        super().__init__(f"{host} is a {kind} address ({ip})")
        self.host, self.ip, self.kind = host, ip, kind


# When the fetch in progress (`fetch_document`) must be over: every network operation of its
# connection ends by then.
_fetch_deadline: ContextVar[float | None] = ContextVar("claimbot_fetch_deadline", default=None)


def _time_left(timeout: float | None, late: type[httpcore.TimeoutException]) -> float | None:
    """`timeout` shortened to what is left of the fetch's deadline; `late` raised past it."""
    deadline = _fetch_deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise late("the whole fetch took too long")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose reads and writes end at the fetch's deadline. httpx's timeout bounds each
    read: a server sending its status line and headers a byte a second held a fetch (a feed poll,
    a moderator's /ingest) for as long as it kept sending, since the deadline `fetch_document`
    checks between chunks of the body is never looked at before the headers are in."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(ssl_context, server_hostname, _time_left(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.SyncBackend):
    """Connections that end at the fetch's deadline (`_DeadlineStream`)."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        timeout = _time_left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(super().connect_tcp(host, port, timeout, local_address, socket_options))


class _PublicOnlyBackend(_DeadlineBackend):
    """Connects to the very addresses it has checked. `_host_refusal` alone is not enough: the name
    is resolved again at connect time, and a DNS answer that changes in between (rebinding) would
    send the request into the host's own network."""

    def __init__(self, private_hosts: frozenset[str] = frozenset()) -> None:
        self.private_hosts = private_hosts

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = _resolve(host, port)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(
                f"cannot resolve host {host} ({getattr(exc, 'strerror', None) or exc})"
            ) from exc
        for ip in addresses:
            kind = address_refusal(ip)
            if kind and host not in self.private_hosts:
                raise _AddressRefused(host, ip, kind)
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for ip in addresses:  # as socket.create_connection does: the next address if one fails
            try:
                return super().connect_tcp(str(ip), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:  # e.g. an unrouted IPv6 address
                failure = exc
        raise failure or httpcore.ConnectError(f"no address for host {host}")


def public_only_transport(private_hosts: frozenset[str] = frozenset()) -> httpx.HTTPTransport:
    """A transport that connects only to global addresses (and to any address of `private_hosts`)."""
    return _transport(_PublicOnlyBackend(private_hosts))


def _transport(backend: httpcore.SyncBackend) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport()
    # httpx builds its connection pool without a way to pass a network backend (httpx is pinned < 0.29).
    transport._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(), network_backend=backend)
    return transport


def fetch_client(options: SourceOptions) -> httpx.Client:
    """An httpx client for `fetch_document`: no automatic redirects (each hop is checked), the
    public-only transport unless private addresses are allowed, the options' timeout and User-Agent.
    A long-running caller (the feed poller) keeps one for its connection pool."""
    return httpx.Client(
        transport=_transport(_DeadlineBackend())
        if options.allow_private
        else public_only_transport(options.private_hosts),
        follow_redirects=False,
        timeout=options.timeout_s,
        headers={"User-Agent": options.user_agent},
    )


# A whole fetch (redirects and body) may take this many times CLAIMBOT_FETCH_TIMEOUT, which bounds
# each network read.
FETCH_DEADLINE_FACTOR = 4


@dataclass(frozen=True)
class FetchedDocument:
    """A response body as fetched by `fetch_document` (status 200), or a 304 with no body."""

    url: str  # as asked for
    final_url: str  # after redirects
    status: int
    content_type: str  # lower case, without parameters
    encoding: str | None  # the charset the Content-Type header names
    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    # Where the permanent redirects (301, 308) that the fetch began with lead, up to the first
    # temporary one (302, 303, 307), which says nothing of where the document will be; None: none.
    moved_to: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def fetch_url(url: str, options: SourceOptions) -> SourceItem:
    """Fetch one article page and extract it (HTML or plain text)."""
    with fetch_client(options) as client:
        fetched = fetch_document(client, url, options, content_types=(*HTML_CONTENT_TYPES, "text/plain"))
    if isinstance(fetched, SourceError):
        return fetched
    return article_from_document(fetched, options)


_PERMANENT_REDIRECTS = (HTTPStatus.MOVED_PERMANENTLY, HTTPStatus.PERMANENT_REDIRECT)


def fetch_document(
    client: httpx.Client,
    url: str,
    options: SourceOptions,
    *,
    content_types: tuple[str, ...] | None = None,
    headers: dict[str, str] | None = None,
    max_bytes: int | None = None,
    on_redirect: Callable[[str], SourceError | None] | None = None,
    truncate: bool = False,
) -> FetchedDocument | SourceError:
    """GET `url` with `client` (from `fetch_client`); the size cap holds even without Content-Length.
    Redirects are followed by hand so that every hop's host is checked (`_host_refusal`).
    `content_types`: the types accepted (None: any); `headers`: e.g. If-None-Match, whose 304
    answer comes back as a document with `not_modified` and no body; `on_redirect`: called with
    each redirect target before it is requested, an error it returns ends the fetch (robots.txt);
    `truncate`: a longer body is cut at the size cap rather than refused (robots.txt)."""
    limit = options.max_bytes if max_bytes is None else max_bytes
    # httpx's timeout bounds each read, not the whole download: a server sending a byte every few
    # seconds would hold a worker for as long as it liked.
    deadline = time.monotonic() + FETCH_DEADLINE_FACTOR * options.timeout_s
    deadline_set = _fetch_deadline.set(deadline)  # for the connection's reads (`_DeadlineStream`)
    try:
        request = client.build_request("GET", url, headers=headers)
        hops = 0
        moved_to: str | None = None
        permanent = True  # every hop so far was a permanent redirect
        while True:
            if time.monotonic() > deadline:
                raise httpx.TimeoutException("the whole fetch took too long", request=request)
            refusal = _blocked_refusal(request.url, options) or _host_refusal(request.url, options)
            if refusal:
                return SourceError(url, refusal)
            if hops and on_redirect is not None and (stopped := on_redirect(str(request.url))):
                return stopped
            try:
                response = client.send(request, stream=True)
            except httpx.ConnectError as exc:
                refused = exc.__cause__
                if isinstance(refused, _AddressRefused):
                    return SourceError(url, _refusal_message(request.url, refused.host, refused.ip, refused.kind))
                raise
            try:
                if response.next_request is not None:
                    hops += 1
                    if hops > options.max_redirects:
                        return SourceError(url, f"too many redirects (more than {options.max_redirects})")
                    request = response.next_request
                    permanent = permanent and response.status_code in _PERMANENT_REDIRECTS
                    if permanent:
                        moved_to = str(request.url)
                    continue
                validators = {
                    "etag": response.headers.get("etag"),
                    "last_modified": response.headers.get("last-modified"),
                }
                if response.status_code == 304:
                    return FetchedDocument(url, str(response.url), 304, "", None, b"", **validators, moved_to=moved_to)
                if response.status_code >= 400:
                    return SourceError(
                        url, f"HTTP error {response.status_code} {response.reason_phrase}", response.status_code
                    )
                content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if content_types is not None and content_type not in content_types:
                    return SourceError(url, f"unsupported content type {content_type or '(none)'}")
                # httpx undoes each coding in turn, each on the whole output of the one before:
                # "gzip, gzip" made a 3.5 KB answer 2 GB in memory at once, before the size cap could
                # count it. One coding expands a read (64 KiB) to at most about 64 MiB.
                codings = [
                    c
                    for c in (c.strip().lower() for c in response.headers.get("content-encoding", "").split(","))
                    if c and c != "identity"
                ]
                if len(codings) > 1:
                    return SourceError(url, f"unsupported content encoding {', '.join(codings)} (one coding at most)")
                declared = int(response.headers.get("content-length") or 0)
                if declared > limit and not truncate:
                    return SourceError(url, f"too large ({declared:,} bytes; the limit is {limit:,})")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > limit:
                        if truncate:
                            del body[limit:]
                            break
                        return SourceError(url, f"too large (over {limit:,} bytes)")
                    if time.monotonic() > deadline:
                        return SourceError(
                            url, f"too slow (not downloaded within {FETCH_DEADLINE_FACTOR * options.timeout_s:g} s)"
                        )
                return FetchedDocument(
                    url,
                    str(response.url),
                    response.status_code,
                    content_type,
                    response.charset_encoding,
                    bytes(body),
                    **validators,
                    moved_to=moved_to,
                )
            finally:
                response.close()
    except httpx.TimeoutException:
        if time.monotonic() >= deadline:  # `_DeadlineStream` ended a read at the deadline
            return SourceError(url, f"too slow (not downloaded within {FETCH_DEADLINE_FACTOR * options.timeout_s:g} s)")
        return SourceError(
            url,
            f"timed out (no answer within {options.timeout_s:g} s, or the whole fetch over "
            f"{FETCH_DEADLINE_FACTOR * options.timeout_s:g} s)",
        )
    except httpx.HTTPError as exc:
        return SourceError(url, f"request failed ({type(exc).__name__}: {exc})")
    except httpx.InvalidURL as exc:  # not an HTTPError: a malformed URL fails before any request
        return SourceError(url, f"invalid URL ({exc})")
    except UnicodeError as exc:  # an IDNA host ("xn--"), of the URL or of a redirect's Location
        return SourceError(url, f"invalid host name ({exc})")
    finally:
        _fetch_deadline.reset(deadline_set)


def document_text(document: FetchedDocument) -> str | SourceError:
    """The body as text: the header's charset, else UTF-8, else what a <meta> tag or an XML
    declaration declares."""
    if document.encoding:
        try:
            return document.body.decode(document.encoding)
        except (UnicodeDecodeError, LookupError):
            return SourceError(document.url, f"response is not decodable as {document.encoding}")
    raw = document.body
    declared = html_charset(raw) if document.content_type in HTML_CONTENT_TYPES else xml_charset(raw)
    decoded = _decode(raw, declared)
    if isinstance(decoded, SourceError):
        return SourceError(document.url, decoded.reason)
    return decoded


def article_from_document(document: FetchedDocument, options: SourceOptions) -> SourceItem:
    """The article in a fetched HTML or plain-text page; its URL is the one after redirects."""
    if document.content_type not in (*HTML_CONTENT_TYPES, "text/plain"):
        return SourceError(document.url, f"unsupported content type {document.content_type or '(none)'}")
    text = document_text(document)
    if isinstance(text, SourceError):
        return text
    if not text.strip():
        return SourceError(document.url, "empty response")
    meta = {"url": document.final_url}
    if document.content_type == "text/plain":
        return _from_plain_text(text, document.url, meta, options, markdown=False)
    return _from_html(text, document.url, meta, options)
