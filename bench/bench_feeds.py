"""Feed polling end to end: N feeds x M items served from a loopback server, polled, fetched,
extracted and ingested (embedding, attribution unless --no-attribution), then polled again (every
feed answers 304). Prints the figures; records nothing.

    python bench/bench_feeds.py                              # 100 feeds x 30 items, SQLite in a temp home
    python bench/bench_feeds.py --feeds 10 --items 5 --no-attribution      # a quick look
    python bench/bench_feeds.py --database-url postgresql+psycopg://postgres@127.0.0.1:54341/bench
    python bench/bench_feeds.py --pollers 2 --database-url ...   # several pollers share the schedule

Run it on a quiet machine: another job on the same cores halves every figure. The host delay is 0
(every feed is on 127.0.0.1); with the default CLAIMBOT_FEEDS_HOST_DELAY of 2 s one host's 3,000
articles would take 100 minutes by design.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import datetime as dt  # noqa: E402

from claimbot.index.config import Settings  # noqa: E402
from claimbot.index.service import ClaimIndex  # noqa: E402

TOPICS = ["river", "bridge", "council", "harbour", "market", "school", "railway", "forest", "airport", "hospital"]


def article(feed: int, item: int) -> bytes:
    topic = TOPICS[(feed + item) % len(TOPICS)]
    paragraphs = "".join(
        f"<p>The {topic} project in district {feed} reached stage {item}.{p} on Monday, officials said. "
        f'"We expect the {topic} work to finish by spring," said mayor Ana Ruiz {feed}-{item}. '
        f"Residents near the {topic} had complained about noise since {2000 + p}.</p>"
        for p in range(6)
    )
    return (
        f"<html><head><title>{topic.title()} update {feed}-{item}</title></head><body><article>"
        f"<h1>{topic.title()} update {feed}-{item}</h1>{paragraphs}</article></body></html>"
    ).encode()


def rss(base: str, feed: int, items: int) -> bytes:
    date = format_datetime(dt.datetime(2026, 12, 1, tzinfo=dt.UTC), usegmt=True)
    entries = "".join(
        f"<item><title>Update {feed}-{i}</title><link>{base}/f{feed}/{i}</link><pubDate>{date}</pubDate></item>"
        for i in range(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>F{feed}</title>{entries}</channel></rss>'.encode()


class Handler(BaseHTTPRequestHandler):
    base = ""
    items = 0
    requests = 0
    lock = threading.Lock()

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        with Handler.lock:
            Handler.requests += 1
        parts = self.path.strip("/").split("/")
        if self.path == "/robots.txt":
            body, kind, etag = b"User-agent: *\nAllow: /\n", "text/plain", None
        elif len(parts) == 1 and parts[0].startswith("f") and parts[0].endswith(".xml"):
            feed = int(parts[0][1:-4])
            etag = f'"feed-{feed}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            body, kind = rss(Handler.base, feed, Handler.items), "application/rss+xml"
        elif len(parts) == 2 and parts[0].startswith("f"):
            body, kind, etag = article(int(parts[0][1:]), int(parts[1])), "text/html; charset=utf-8", None
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        if etag:
            self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def poll_round(indexes: list[ClaimIndex]) -> tuple[float, int, int]:
    """Every poller polls what is due; (seconds, feeds polled, articles added)."""
    reports = []

    def run(index: ClaimIndex) -> None:
        reports.append(index.poll_feeds())

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(index,)) for index in indexes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    return seconds, sum(len(r.polls) for r in reports), sum(r.added for r in reports)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--database-url", help="PostgreSQL URL (an empty database); default: SQLite in a temp home")
    parser.add_argument("--pollers", type=int, default=1, help="pollers polling at once (threads)")
    parser.add_argument("--no-attribution", action="store_true")
    args = parser.parse_args()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    Handler.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    Handler.items = args.items
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    with tempfile.TemporaryDirectory(prefix="bench-feeds-") as home:
        settings = Settings(
            _env_file=None,
            CLAIMBOT_HOME=home,
            DATABASE_URL=args.database_url,
            CLAIMBOT_ATTRIBUTION=not args.no_attribution,
            CLAIMBOT_FETCH_PRIVATE_HOSTS="127.0.0.1",
            CLAIMBOT_FEEDS_HOST_DELAY=0,
            CLAIMBOT_FEEDS_MAX_ITEMS=max(50, args.items),
            CLAIMBOT_FEEDS_CONTACT="bench@localhost",
        )
        indexes = [ClaimIndex(settings) for _ in range(args.pollers)]
        for feed in range(args.feeds):
            indexes[0].add_feed(f"{Handler.base}/f{feed}.xml", every="1h")
        started = time.perf_counter()
        _ = indexes[0].vectors  # the embedding model and the vector index (attribution loads at the first article)
        load_s = time.perf_counter() - started

        first_s, polled, added = poll_round(indexes)
        first_requests = Handler.requests
        # Make every feed due again without waiting an hour: resume sets it due now.
        for feed in indexes[0].feeds():
            indexes[0].resume_feed(feed.id)
        second_s, repolled, readded = poll_round(indexes)
        articles, passages = indexes[0].store.counts()
        for index in indexes:
            index.close()
    httpd.shutdown()

    total = args.feeds * args.items
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(
        f"backend: {'PostgreSQL' if args.database_url else 'SQLite'}, pollers: {args.pollers}, "
        f"attribution: {'off' if args.no_attribution else 'on'}"
    )
    print(f"models loaded in {load_s:.1f} s")
    print(
        f"first poll: {polled} feeds, {added}/{total} articles added, {articles} articles and {passages} passages "
        f"stored, {first_requests} requests, {first_s:.1f} s ({added / first_s:.1f} articles/s)"
    )
    print(
        f"second poll (every feed 304): {repolled} feeds, {readded} added, "
        f"{Handler.requests - first_requests} requests, {second_s:.2f} s"
    )


if __name__ == "__main__":
    main()
