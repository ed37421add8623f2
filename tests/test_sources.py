"""Every input format, and every kind of bad input, read without touching the index."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from claimbot.index.corpus.sources import SourceError, SourceOptions, read_inputs
from claimbot.index.records import ArticleInput
from claimbot.index.storage import domain_of

# The local test server is on 127.0.0.1, which the default options refuse (see the SSRF tests).
OPTIONS = SourceOptions(max_bytes=20_000, timeout_s=0.5, max_redirects=3, allow_private=True)

ARTICLE_HTML = """<!doctype html><html><head>
<title>Dam breach floods valley | The Daily Planet</title>
<meta property="og:site_name" content="The Daily Planet">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2024-03-02T08:00:00Z">
<link rel="canonical" href="https://planet.example/dam">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Dam breach floods valley</h1>
<p>The dam above the village of Arlen gave way on Saturday morning, officials said, flooding dozens of homes.</p>
<p>“We heard a roar and then the water came,” said Maria Lopez, who lives near the river. Rescue teams evacuated 300 people.</p>
<p>The regional government said no one had died, but five people were taken to hospital with minor injuries.</p>
</article>
<aside>Most read: celebrity news</aside><footer>Copyright The Daily Planet</footer>
</body></html>"""


def _items(*inputs: str, options: SourceOptions = OPTIONS) -> list[ArticleInput | SourceError]:
    return list(read_inputs(list(inputs), options))


def test_plain_text_first_line_is_title_and_sidecar_sets_metadata(tmp_path: Path):
    (tmp_path / "a.txt").write_text("The title\n\nFirst sentence. Second one.\n", encoding="utf-8")
    (tmp_path / "a.meta.json").write_text(json.dumps({"outlet": "Wire", "published": "2020-02-03"}), encoding="utf-8")
    [item] = _items(str(tmp_path / "a.txt"))
    assert isinstance(item, ArticleInput)
    assert (item.title, item.outlet, item.published) == ("The title", "Wire", dt.date(2020, 2, 3))
    assert item.text.strip() == "First sentence. Second one."


def test_markdown_is_stripped_of_markup(tmp_path: Path):
    (tmp_path / "a.md").write_text(
        "# A *bold* title\n\nSee [the report](https://x.example) for **details**.\n", encoding="utf-8"
    )
    [item] = _items(str(tmp_path / "a.md"))
    assert item.title == "A bold title"
    assert item.text.strip() == "See the report for details."


def test_command_line_metadata_overrides_the_file(tmp_path: Path):
    (tmp_path / "a.txt").write_text("Title\nBody text here.", encoding="utf-8")
    options = SourceOptions(overrides={"outlet": "Given", "title": None})
    [item] = _items(str(tmp_path / "a.txt"), options=options)
    assert item.outlet == "Given" and item.title == "Title"


def test_html_main_text_and_metadata(tmp_path: Path):
    (tmp_path / "dam.html").write_text(ARTICLE_HTML, encoding="utf-8")
    [item] = _items(str(tmp_path / "dam.html"))
    assert isinstance(item, ArticleInput), item
    assert "gave way on Saturday morning" in item.text
    assert "Most read" not in item.text and "Home" not in item.text
    assert item.title == "Dam breach floods valley"
    assert item.author == "Jane Doe"
    assert item.published == dt.date(2024, 3, 2)
    assert item.url == "https://planet.example/dam"
    assert item.outlet == "The Daily Planet"


@pytest.mark.parametrize(
    ("head", "language"),
    [
        ('<html lang=" es-ES ">', "es-ES"),
        ('<html><meta http-equiv="Content-Language" content="fr, en">', "fr"),
        ('<html><meta property="og:locale" content="pt_BR">', "pt_BR"),
        ("<html>", None),
    ],
)
def test_an_html_page_keeps_the_language_it_declares(tmp_path: Path, head: str, language: str | None):
    (tmp_path / "dam.html").write_text(ARTICLE_HTML.replace("<html>", head, 1), encoding="utf-8")
    [item] = _items(str(tmp_path / "dam.html"))
    assert isinstance(item, ArticleInput) and item.language == language
    # the sidecar's, as for every field, outranks the page's
    (tmp_path / "dam.meta.json").write_text(json.dumps({"language": "de"}), encoding="utf-8")
    [item] = _items(str(tmp_path / "dam.html"))
    assert isinstance(item, ArticleInput) and item.language == "de"


def test_jsonl_reads_each_line_and_reports_bad_lines(tmp_path: Path):
    lines = [
        json.dumps(
            {
                "text": "One. Two.",
                "title": "A",
                "url": "https://x.example/a",
                "outlet": "X",
                "published": "2021-05-06",
                "language": "en",
            }
        ),
        "",
        json.dumps({"title": "no text"}),
        "{not json",
        json.dumps({"text": "   "}),
        json.dumps(["a list"]),
        json.dumps({"text": "Three.", "published": "not a date"}),
    ]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = _items(str(tmp_path / "a.jsonl"))
    good = [i for i in items if isinstance(i, ArticleInput)]
    bad = {str(i) for i in items if isinstance(i, SourceError)}
    assert [g.title for g in good] == ["A"] and good[0].url == "https://x.example/a"
    assert any(":3: missing required field 'text'" in b for b in bad)
    assert any(":4: invalid JSON" in b for b in bad)
    assert any(":5: no extractable text" in b for b in bad)
    assert any(":6: each line must be a JSON object" in b for b in bad)
    assert any(":7: invalid article (published" in b for b in bad)


def test_a_given_title_keeps_a_first_line_that_is_text(tmp_path: Path):
    (tmp_path / "a.txt").write_text("Pérez was seen in Caracas on Monday.\nHe left the next day.", encoding="utf-8")
    (tmp_path / "a.meta.json").write_text(json.dumps({"title": "Sighting"}), encoding="utf-8")
    [item] = _items(str(tmp_path / "a.txt"))
    assert item.title == "Sighting" and item.text.startswith("Pérez was seen in Caracas on Monday.")
    # a file that starts with the title it is given (as the demo corpus does) loses only that line
    (tmp_path / "a.txt").write_text("Sighting\n\nHe left the next day.", encoding="utf-8")
    [item] = _items(str(tmp_path / "a.txt"))
    assert item.title == "Sighting" and item.text.strip() == "He left the next day."


def test_markdown_markers_inside_words_are_text(tmp_path: Path):
    # as CommonMark reads them: "_" inside a word is text, "*" between spaces too ("2*3*4" is
    # emphasis to every Markdown renderer, and reads so here)
    (tmp_path / "a.md").write_text(
        "Title\n\nSee @real_donald_trump and my_big_file: 2 * 3 * 4 = 24, *really*.", encoding="utf-8"
    )
    [item] = _items(str(tmp_path / "a.md"))
    assert item.text.strip() == "See @real_donald_trump and my_big_file: 2 * 3 * 4 = 24, really."


def test_markdown_lists_quotes_code_and_tables_lose_their_marks_and_front_matter_is_metadata(tmp_path: Path):
    # A user's trial: bullets, "> ", code ticks and table pipes were indexed as text, a table's
    # "|---|---|" became a passage, and front matter's "---" the title.
    (tmp_path / "a.md").write_text(
        "---\ntitle: Front matter title\ndate: 2024-01-05\nlayout: post\n---\n"
        "# Heading\n\n- Dash bullet about trains.\n* Star bullet about buses.\n1. Numbered about ferries.\n"
        "> A quote about planes.\n\n`code span` and ___underscored___ text about taxis.\n\n"
        "| route | fare |\n|---|---|\n| north | 2 |\n\n<div>raw html</div>\n",
        encoding="utf-8",
    )
    [item] = _items(str(tmp_path / "a.md"))
    assert isinstance(item, ArticleInput), item
    assert item.title == "Front matter title" and item.published == dt.date(2024, 1, 5)
    assert item.text.split("\n\n") == [
        "Heading",
        "Dash bullet about trains.",
        "Star bullet about buses.",
        "Numbered about ferries.",
        "A quote about planes.",
        "code span and underscored text about taxis.",
        "route, fare",
        "north, 2",
    ]


def test_markdown_marks_that_never_close_cost_no_more_than_the_line(tmp_path: Path):
    # Each "[" or "*" without its closing mark was searched for to the end of its line: quadratic in
    # the line's length, this one took minutes.
    line = "*a _a [a ![a](" * 10_000
    (tmp_path / "a.md").write_text(f"Title\n\n{line}\n\nIt is *done*, see [the report](https://x.example).\n")
    [item] = _items(str(tmp_path / "a.md"), options=SourceOptions(max_bytes=1_000_000))
    assert isinstance(item, ArticleInput), item
    assert item.text.strip() == f"{line.strip()}\n\nIt is done, see the report."


def test_jsonl_half_an_emoji_deep_nesting_and_a_huge_line_each_stay_in_their_line(tmp_path: Path):
    lines = [
        b'{"text": "Hello \\ud83d world."}',
        b"[" * 15_000,
        b'{"text": "' + b"x" * (OPTIONS.max_bytes + 10) + b'"}',
        b'{"text": "Last one.", "title": 1984, "published": "January 15, 2018"}',
        b'{"text": "Blank date.", "published": ""}',
        b'{"text": "Epoch.", "published": 0}',
    ]
    (tmp_path / "a.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    items = _items(str(tmp_path / "a.jsonl"))
    assert [type(i).__name__ for i in items] == [
        "ArticleInput",
        "SourceError",
        "SourceError",
        "ArticleInput",
        "ArticleInput",
        "SourceError",
    ]
    assert items[0].text == "Hello \ufffd world."  # encodable: it can be hashed and stored
    assert "nested too deeply" in items[1].reason and "line too large" in items[2].reason
    assert (items[3].title, items[3].published) == ("1984", dt.date(2018, 1, 15))
    assert items[4].published is None and "YYYY-MM-DD" in items[5].reason


def test_an_html_file_is_read_in_the_charset_it_declares(tmp_path: Path):
    html = (
        '<html><head><meta charset="windows-1252"><title>Café</title></head><body><article>'
        "<p>The café on the square reopened on Monday after a long renovation, its owner said.</p>"
        "<p>Customers queued outside before the doors opened at eight in the morning.</p></article></body></html>"
    )
    (tmp_path / "a.html").write_bytes(html.encode("windows-1252"))
    [item] = _items(str(tmp_path / "a.html"))
    assert isinstance(item, ArticleInput), item
    assert "The café on the square reopened" in item.text
    (tmp_path / "a.html").write_bytes(html.encode("utf-8"))  # a stale declaration on a UTF-8 file
    [item] = _items(str(tmp_path / "a.html"))
    assert "The café on the square reopened" in item.text


def test_a_page_without_a_charset_header_is_read_in_its_meta_charset(server: str):
    [item] = _items(f"{server}/latin1")
    assert isinstance(item, ArticleInput), item
    assert "The café on the square reopened" in item.text


def test_folders_are_read_recursively(tmp_path: Path):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "a.txt").write_text("A\nAlpha.", encoding="utf-8")
    (tmp_path / "sub" / "deeper" / "b.md").write_text("B\nBeta.", encoding="utf-8")
    (tmp_path / "sub" / "ignored.png").write_bytes(b"\x89PNG")
    titles = sorted(i.title for i in _items(str(tmp_path)))
    assert titles == ["A", "B"]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n ", "empty file"),
        ("title-only.txt", b"Just a title\n", "no extractable text (the first line of a text file is its title)"),
        ("binary.txt", b"\x00\x01\x02binary", "binary file"),
        ("latin1.txt", "Título\nAcción".encode("latin-1"), "not UTF-8 text"),
        ("big.txt", b"Title\n" + b"word " * 5000, "too large"),
        ("image.png", b"\x89PNG", "unsupported file type .png"),
        ("nothing.html", b"<html><body></body></html>", "no extractable text"),
    ],
)
def test_bad_files_get_a_one_line_reason(tmp_path: Path, name: str, content: bytes, reason: str):
    (tmp_path / name).write_bytes(content)
    [item] = _items(str(tmp_path / name))
    assert isinstance(item, SourceError)
    assert item.origin.endswith(name) and reason in item.reason
    assert "\n" not in str(item)


def test_missing_path_is_an_error(tmp_path: Path):
    [item] = _items(str(tmp_path / "missing.txt"))
    assert isinstance(item, SourceError) and "no such file" in item.reason


def test_an_unreadable_file_is_reported_and_the_next_input_still_read(tmp_path: Path, monkeypatch):
    (tmp_path / "locked.txt").write_text("Locked\nSome text.\n")
    (tmp_path / "fine.txt").write_text("Fine\nOther text.\n")
    real_open = Path.open

    def open_(self: Path, *args, **kwargs):
        # permissions cannot lock a file away from root (tests may run as root)
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)
    locked, fine = _items(str(tmp_path / "locked.txt"), str(tmp_path / "fine.txt"))
    assert isinstance(locked, SourceError) and locked.reason == "cannot read (Permission denied)"
    assert isinstance(fine, ArticleInput) and fine.title == "Fine"


# -- URLs against a local server ------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    release = threading.Event()
    requests: list[str] = []  # every path asked for, in order

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        self.requests.append(self.path)
        if self.path == "/article":
            self._send(200, ARTICLE_HTML.encode())
        elif self.path == "/moved":
            self._send(301, b"", Location="/article")
        elif self.path.startswith("/to/"):
            # a redirect to any host: /to/127.0.0.2 -> http://127.0.0.2:<this port>/article
            port = self.server.server_address[1]
            self._send(302, b"", Location=f"http://{self.path[4:]}:{port}/article")
        elif self.path == "/loop":
            self._send(302, b"", Location="/loop")
        elif self.path == "/missing":
            self._send(404, b"not here")
        elif self.path == "/pdf":
            self._send(200, b"%PDF-1.4", "application/pdf")
        elif self.path == "/huge":
            self._send(200, b"<p>" + b"x" * 50_000 + b"</p>")
        elif self.path == "/huge-chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()  # no Content-Length: the client must count
            self.wfile.write(b"<p>" + b"x" * 50_000 + b"</p>")
        elif self.path == "/gzip-gzip":
            # Coded twice: a few KB that a client decoding each coding whole makes gigabytes.
            self._send(200, gzip.compress(gzip.compress(ARTICLE_HTML.encode())), **{"Content-Encoding": "gzip, gzip"})
        elif self.path == "/gzip":
            self._send(200, gzip.compress(ARTICLE_HTML.encode()), **{"Content-Encoding": "gzip"})
        elif self.path == "/latin1":
            html = (
                "<html><head><meta charset='windows-1252'><title>Café</title></head><body><article><p>The café "
                "on the square reopened on Monday after a long renovation, its owner said.</p><p>Customers "
                "queued outside before the doors opened at eight in the morning.</p></article></body></html>"
            )
            self._send(200, html.encode("windows-1252"), "text/html")
        elif self.path == "/drip":
            # A server that never stops sending, one byte at a time: each read is quick, the whole is not.
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                while not self.release.wait(0.1):
                    self.wfile.write(b"x")
                    self.wfile.flush()
            except OSError:  # the client gave up
                pass
        elif self.path == "/drip-headers":
            # The status line, then a header a byte at a time: each read is quick, the headers never
            # end (here: for 8 s, then an empty page, so that a client without a deadline gets that
            # rather than hanging the test).
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Drip: ")
            try:
                for _ in range(80):
                    if self.release.wait(0.1):
                        return
                    self.wfile.write(b"x")
                    self.wfile.flush()
                self.wfile.write(b"\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n")
            except OSError:  # the client gave up
                pass
        elif self.path == "/slow":
            # Answers only when the test is over: the client's timeout must fire first.
            self.release.wait(10)
            self._send(200, ARTICLE_HTML.encode())


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    _Handler.release.set()
    httpd.shutdown()
    httpd.server_close()


def test_url_is_fetched_and_extracted(server: str):
    [item] = _items(f"{server}/moved")
    assert isinstance(item, ArticleInput), item
    assert item.url == f"{server}/article"  # the URL after redirects, not the canonical link of a foreign host
    assert "Rescue teams evacuated 300 people." in item.text


def test_a_gzipped_page_is_read(server: str):
    [item] = _items(f"{server}/gzip")
    assert isinstance(item, ArticleInput), item
    assert "Rescue teams evacuated 300 people." in item.text


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/missing", "HTTP error 404"),
        ("/loop", "too many redirects"),
        ("/pdf", "unsupported content type application/pdf"),
        ("/huge", "too large"),
        ("/huge-chunked", "too large"),
        ("/slow", "timed out (no answer within 0.5 s"),
        ("/drip", "too slow (not downloaded within 2 s)"),
        ("/drip-headers", "too slow (not downloaded within 2 s)"),
        ("/gzip-gzip", "unsupported content encoding gzip, gzip (one coding at most)"),
    ],
)
def test_bad_urls_get_a_one_line_reason(server: str, path: str, reason: str):
    [item] = _items(f"{server}{path}")
    assert isinstance(item, SourceError)
    assert reason in item.reason and item.origin == f"{server}{path}"


def test_a_malformed_url_is_an_error_not_a_crash():
    url = "http://example.com:8o/a"  # a typo in the port
    [item] = _items(url)
    assert isinstance(item, SourceError) and item.origin == url and "invalid URL" in item.reason


@pytest.mark.parametrize("url", ["http://xn--/", "http://xn--a.com/story"])
def test_a_bad_idna_host_is_an_error_and_the_next_input_is_read(server: str, tmp_path: Path, url: str):
    good = tmp_path / "fine.txt"
    good.write_text("Fine\nThe council met on Monday and approved the new bridge.")
    bad, fine = _items(url, str(good))
    assert isinstance(bad, SourceError) and bad.origin == url
    assert bad.reason.startswith("invalid host name") and "\n" not in str(bad)
    assert isinstance(fine, ArticleInput) and fine.title == "Fine"
    # the same host as a redirect's target
    [hop] = _items(f"{server}/to/xn--a.com")
    assert isinstance(hop, SourceError) and hop.reason.startswith("invalid host name"), hop


def test_a_url_without_a_host_says_so():
    for url in ("http://", "https:///x"):
        [item] = _items(url)
        assert isinstance(item, SourceError) and (item.origin, item.reason) == (url, "no host in URL")


def test_a_url_whose_scheme_is_capitalised_is_fetched_not_looked_for_as_a_file():
    # "Https://…" as a phone's keyboard capitalises it was "no such file, folder or http(s) URL".
    for url in ("HTTP://127.0.0.1:9/a", "Https://127.0.0.1:9/a"):
        [item] = _items(url)
        assert isinstance(item, SourceError) and "request failed" in item.reason, item  # fetched: nothing listens


def test_unreachable_host_is_an_error():
    [item] = _items("http://127.0.0.1:9/nothing-listens-here")
    assert isinstance(item, SourceError) and "request failed" in item.reason


# -- SSRF: no fetching from the bot host's own network --------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/a",
        "http://localhost:9/a",
        "http://10.1.2.3/a",
        "http://192.168.0.10/a",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:9/a",
        "http://[fe80::1]/a",
        "http://224.0.0.1/a",
        "http://0.0.0.0:9/a",
        "http://240.0.0.1/a",
        "http://[::ffff:127.0.0.1]:9/a",
        "http://[2002:7f00:1::1]:9/a",  # 6to4 around 127.0.0.1
        "http://[2002:c0a8:0001::1]/a",  # 6to4 around 192.168.0.1
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/a",  # Teredo, client 127.0.0.1
    ],
)
def test_urls_on_private_addresses_are_refused_by_default(url: str):
    [item] = _items(url, options=SourceOptions(timeout_s=0.5))
    assert isinstance(item, SourceError) and item.origin == url
    assert item.reason.startswith("refused ") and "only public addresses are fetched" in item.reason
    assert "CLAIMBOT_FETCH_ALLOW_PRIVATE" in item.reason and "\n" not in str(item)


def test_a_redirect_to_a_private_address_is_refused(server: str, monkeypatch):
    from claimbot.index.corpus import sources

    # Pretend the test server's own address (127.0.0.1) is public, so the first hop is fetched and
    # only the redirect target (127.0.0.2, loopback) is judged private.
    real = sources.address_refusal
    monkeypatch.setattr(sources, "address_refusal", lambda ip: None if str(ip) == "127.0.0.1" else real(ip))
    url = f"{server}/to/127.0.0.2"
    [item] = _items(url, options=SourceOptions(timeout_s=0.5, max_redirects=3))
    assert isinstance(item, SourceError) and item.origin == url
    assert "refused http://127.0.0.2:" in item.reason and "loopback address (127.0.0.2)" in item.reason
    [ok] = _items(f"{server}/moved", options=SourceOptions(timeout_s=0.5, max_redirects=3))
    assert isinstance(ok, ArticleInput), ok  # a redirect that stays on the allowed host still works


def test_a_name_that_turns_private_after_the_check_never_gets_the_request(server: str, monkeypatch):
    """DNS rebinding: the name answers a public address to the check and a loopback one when the
    connection is made. The fetch connects only to addresses it has just checked, so the request
    never reaches the host's own network."""
    from claimbot.index.corpus import sources

    port = server.rsplit(":", 1)[1]
    answers = iter([[sources.ipaddress.ip_address("93.184.216.34")], [sources.ipaddress.ip_address("127.0.0.1")]])
    monkeypatch.setattr(sources, "_resolve", lambda host, port: next(answers))
    before = len(_Handler.requests)
    url = f"http://rebind.invalid:{port}/article"
    [item] = _items(url, options=SourceOptions(timeout_s=0.5))
    assert isinstance(item, SourceError) and item.origin == url
    assert item.reason.startswith(f"refused {url}: host rebind.invalid is a loopback address (127.0.0.1)")
    assert len(_Handler.requests) == before


def test_the_connection_goes_to_the_checked_address(server: str, monkeypatch):
    """Not to a second answer of the system resolver: `.invalid` names never resolve, so this fetch
    works only if it connects to the address the check was given."""
    from claimbot.index.corpus import sources

    port = server.rsplit(":", 1)[1]
    monkeypatch.setattr(sources, "_resolve", lambda host, port: [sources.ipaddress.ip_address("127.0.0.1")])
    monkeypatch.setattr(sources, "address_refusal", lambda ip: None)  # the test server stands for a public host
    [item] = _items(f"http://pinned.invalid:{port}/article", options=SourceOptions(timeout_s=0.5))
    assert isinstance(item, ArticleInput), item
    assert "Rescue teams evacuated 300 people." in item.text


@pytest.mark.parametrize("failure", ["refused", "timeout"])
def test_an_address_that_cannot_be_reached_gives_way_to_the_next(server: str, monkeypatch, failure: str):
    """A host with several addresses, the first unreachable (an IPv6 address without a route, a
    server down): the fetch goes on to the next checked address, as socket.create_connection does."""
    import httpcore

    from claimbot.index.corpus import sources

    port = server.rsplit(":", 1)[1]
    ips = [sources.ipaddress.ip_address(a) for a in ("127.0.0.2", "127.0.0.1")]  # nothing listens on .2
    monkeypatch.setattr(sources, "_resolve", lambda host, port: ips)
    monkeypatch.setattr(sources, "address_refusal", lambda ip: None)
    tried = []
    connect = httpcore.SyncBackend.connect_tcp

    def recording(self, host, *args, **kwargs):
        tried.append(host)
        if host == "127.0.0.2" and failure == "timeout":
            raise httpcore.ConnectTimeout("timed out")
        return connect(self, host, *args, **kwargs)

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", recording)
    [item] = _items(f"http://two.invalid:{port}/article", options=SourceOptions(timeout_s=0.5))
    assert isinstance(item, ArticleInput), item
    assert tried == ["127.0.0.2", "127.0.0.1"]


def test_the_setting_defaults_to_refusing(monkeypatch):
    from claimbot.index.config import Settings

    monkeypatch.delenv("CLAIMBOT_FETCH_ALLOW_PRIVATE", raising=False)
    assert Settings(_env_file=None).fetch_allow_private is False
    monkeypatch.setenv("CLAIMBOT_FETCH_ALLOW_PRIVATE", "true")
    assert Settings(_env_file=None).fetch_allow_private is True


def test_6to4_and_teredo_of_public_addresses_stay_fetchable():
    import ipaddress

    from claimbot.index.corpus.sources import address_refusal

    assert address_refusal(ipaddress.ip_address("2002:0808:0808::1")) is None  # 6to4 around 8.8.8.8
    assert address_refusal(ipaddress.ip_address("2002:7f00:1::1")) == "loopback"
    assert address_refusal(ipaddress.ip_address("2606:4700::1111")) is None


# -- files that are not what they seem (issue 22) ---------------------------------------------
def test_a_fifo_is_refused_without_blocking(tmp_path: Path):
    import os

    fifo = tmp_path / "story.txt"
    os.mkfifo(fifo)
    [item] = _items(str(fifo))  # before: open() waited forever for a writer
    assert isinstance(item, SourceError) and item.reason == "not a regular file (a FIFO)"


def test_a_link_to_a_device_is_refused_and_a_growing_file_read_only_to_the_cap(tmp_path: Path):
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")
    [item] = _items(str(link))  # before: read_bytes() of an endless device until MemoryError
    assert isinstance(item, SourceError) and item.reason == "not a regular file (a device)"
    big = tmp_path / "big.txt"
    big.write_text("Title\n" + "A sentence here. " * 200, encoding="utf-8")
    [item] = _items(str(big), options=SourceOptions(max_bytes=1000))
    assert isinstance(item, SourceError) and item.reason.startswith("too large (3,406 bytes; the limit is 1,000)")


def test_a_sidecar_that_is_a_fifo_is_refused(tmp_path: Path):
    import os

    (tmp_path / "a.txt").write_text("Title\nThe council met.", encoding="utf-8")
    os.mkfifo(tmp_path / "a.meta.json")
    [item] = _items(str(tmp_path / "a.txt"))
    assert isinstance(item, SourceError) and item.reason == "not a regular file (a FIFO)"


def test_a_file_name_that_is_not_utf8_is_read_and_named_printably(tmp_path: Path):
    import os

    name = os.fsdecode(b"caf\xe9.txt")  # Latin-1 bytes: Python keeps them as a lone surrogate
    (tmp_path / name).write_text("Title\nThe council met on Tuesday.", encoding="utf-8")
    [item] = _items(str(tmp_path))
    assert isinstance(item, ArticleInput) and item.origin.endswith("caf\ufffd.txt")
    item.origin.encode("utf-8")  # storable and printable


def test_huge_metadata_is_cut_and_a_huge_url_refused(tmp_path: Path):
    title = "Storm " * 600_000  # a 3.6 MB title: it used to be copied into every passage
    lines = [
        json.dumps({"text": "The storm hit the coast. Roads closed.", "title": title, "author": "A" * 10_000}),
        json.dumps({"text": "The storm hit the coast.", "url": "https://news.example/" + "a" * 5000}),
    ]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cut, refused = _items(str(tmp_path / "a.jsonl"), options=SourceOptions(max_bytes=5_000_000))
    assert isinstance(cut, ArticleInput) and cut.title is not None and cut.author is not None
    assert len(cut.title) == 300 and cut.title.endswith("Storm…") and len(cut.author) <= 200
    assert isinstance(refused, SourceError) and "a URL longer than 2,048 characters" in refused.reason


def test_a_number_too_long_for_python_fails_its_line_or_file_alone(tmp_path: Path):
    # Python refuses to read an integer of over 4,300 digits: a ValueError, not a JSONDecodeError
    huge = "1" * 5_000
    lines = ['{"text": "First one."}', '{"text": "Second.", "title": ' + huge + "}", '{"text": "Third one."}']
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("B\nBeta text.", encoding="utf-8")
    (tmp_path / "b.meta.json").write_text('{"outlet": ' + huge + "}", encoding="utf-8")
    (tmp_path / "c.txt").write_text("C\nGamma text.", encoding="utf-8")
    items = _items(str(tmp_path))
    assert [type(i).__name__ for i in items] == [
        "ArticleInput",
        "SourceError",
        "ArticleInput",
        "SourceError",
        "ArticleInput",
    ]
    assert items[1].origin.endswith("a.jsonl:2") and "invalid JSON" in items[1].reason
    assert items[3].origin.endswith("b.meta.json") and "invalid metadata JSON" in items[3].reason
    assert [i.text for i in items if isinstance(i, ArticleInput)] == ["First one.", "Third one.", "Gamma text."]


def test_a_sidecar_url_that_is_not_text_fails_its_file_alone(tmp_path: Path):
    (tmp_path / "a.html").write_text(ARTICLE_HTML, encoding="utf-8")
    (tmp_path / "a.meta.json").write_text('{"url": 12345}', encoding="utf-8")
    (tmp_path / "b.txt").write_text("B\nBeta text.", encoding="utf-8")
    first, second = _items(str(tmp_path))
    assert isinstance(first, SourceError) and first.reason == "metadata 'url' must be a string"
    assert isinstance(second, ArticleInput) and second.title == "B"


def test_an_article_url_without_a_scheme_fails_its_article_rather_than_losing_its_source(tmp_path: Path):
    # "www.badsite.com/a" has no host: stored as given, the article had no domain, so blocking
    # badsite.com never hid it. Every way a URL is given (JSONL, sidecar, --url) goes through here.
    lines = [
        {"text": "First one.", "url": "www.badsite.com/a"},
        {"text": "Second one.", "url": "javascript:alert(1)"},
        {"text": "Third one.", "url": "https:///no-host"},
        {"text": "Fourth one.", "url": "HTTPS://www.BadSite.com/d"},
    ]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    (tmp_path / "b.txt").write_text("B\nBeta text.", encoding="utf-8")
    (tmp_path / "b.meta.json").write_text('{"url": "badsite.com/b"}', encoding="utf-8")
    items = _items(str(tmp_path))
    failed = [(i.origin.rsplit("/", 1)[-1], i.reason) for i in items if isinstance(i, SourceError)]
    assert [origin for origin, _ in failed] == ["a.jsonl:1", "a.jsonl:2", "a.jsonl:3", "b.txt"]
    assert "not an http(s) URL: 'www.badsite.com/a'" in failed[0][1]
    assert "not an http(s) URL: 'badsite.com/b'" in failed[3][1]
    assert not any("Value error" in reason for _, reason in failed)  # pydantic's prefix, not the reader's
    [kept] = [i for i in items if isinstance(i, ArticleInput)]
    # Stored cleaned, as a feed knows it (`canonical_url`): one article whichever way it came.
    assert kept.url == "https://www.badsite.com/d" and domain_of(kept.url) == "badsite.com"


def test_a_folder_passes_over_hidden_files_and_folders_but_a_hidden_file_named_is_read(tmp_path: Path):
    # A notes app's settings (".obsidian/") were indexed for everyone to see, and macOS's resource
    # forks ("._a.txt", binary) failed the run of a folder unzipped from a Mac.
    (tmp_path / "a.txt").write_text("A\nAlpha text.", encoding="utf-8")
    (tmp_path / "._a.txt").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / "__MACOSX" / "._a.txt").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
    (tmp_path / ".obsidian").mkdir()
    (tmp_path / ".obsidian" / "workspace.md").write_text(
        "# Workspace\nThe plugin settings were saved.", encoding="utf-8"
    )
    items = _items(str(tmp_path))
    assert [(type(i).__name__, i.origin) for i in items] == [("ArticleInput", str(tmp_path / "a.txt"))]
    [named] = _items(str(tmp_path / ".obsidian" / "workspace.md"))
    assert isinstance(named, ArticleInput) and named.title == "Workspace"


def test_a_reader_failure_no_check_foresaw_fails_that_file_and_the_next_is_read(tmp_path: Path, monkeypatch):
    from claimbot.index.corpus import sources

    real = sources._from_plain_text

    def read(text, origin, *args, **kwargs):
        if "BOOM" in text:
            raise KeyError("an unforeseen input")
        return real(text, origin, *args, **kwargs)

    monkeypatch.setattr(sources, "_from_plain_text", read)
    (tmp_path / "a.txt").write_text("A\nBOOM text.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("B\nBeta text.", encoding="utf-8")
    first, second = _items(str(tmp_path))
    assert isinstance(first, SourceError) and first.reason == "could not be read (KeyError: 'an unforeseen input')"
    assert isinstance(second, ArticleInput) and second.title == "B"


def test_a_jsonl_line_of_exactly_the_limit_is_read(tmp_path: Path):
    options = SourceOptions(max_bytes=200)
    line = '{"text": "' + "x" * 200 + '"}'
    exact = '{"text": "' + "y" * (200 - len('{"text": ""}')) + '"}'
    assert len(exact) == 200
    (tmp_path / "a.jsonl").write_text(exact + "\n" + line + "\r\n" + exact + "\r\n", encoding="utf-8")
    items = _items(str(tmp_path / "a.jsonl"), options=options)
    assert [type(i).__name__ for i in items] == ["ArticleInput", "SourceError", "ArticleInput"]
    assert "line too large (over 200 bytes)" in items[1].reason


def test_nul_characters_and_non_numbers_never_reach_the_database(tmp_path: Path):
    # PostgreSQL refuses NUL in text; JSON's NaN would become the title "nan"
    lines = ['{"text": "Nul\\u0000 here.", "title": "A\\u0000B"}', '{"text": "Not a number.", "title": NaN}']
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    first, second = _items(str(tmp_path / "a.jsonl"))
    assert isinstance(first, ArticleInput) and (first.text, first.title) == ("Nul here.", "AB")
    assert isinstance(second, SourceError) and "title" in second.reason and "not a number" in second.reason


@pytest.mark.parametrize(
    ("head", "published"),
    [
        # a year in the URL alone was read as 1 January of it
        ('<link rel="canonical" href="https://planet.example/2019/q1">', None),
        # tomorrow (a time zone ahead) was read as the month's first; 1990 was dropped as too old
        (
            f'<meta name="date" content="{dt.date.today() + dt.timedelta(days=1)}">',
            dt.date.today() + dt.timedelta(days=1),
        ),
        ('<meta name="date" content="1990-06-01">', dt.date(1990, 6, 1)),
        ('<link rel="canonical" href="https://planet.example/2018/01/15/dam">', dt.date(2018, 1, 15)),
    ],
)
def test_a_page_s_date_is_read_from_its_markup_not_guessed(tmp_path: Path, head: str, published: dt.date | None):
    page = ARTICLE_HTML.replace('<meta property="article:published_time" content="2024-03-02T08:00:00Z">', head)
    page = page.replace('<link rel="canonical" href="https://planet.example/dam">', "")  # the case's own, if any
    (tmp_path / "a.html").write_text(page, encoding="utf-8")
    [item] = _items(str(tmp_path / "a.html"))
    assert isinstance(item, ArticleInput) and item.published == published
