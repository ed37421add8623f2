"""A soak: mixed /check, flag and /ingest traffic through the fake Discord for a while.

    python bench/soak.py --minutes 30                                   # SQLite in a temporary home
    DATABASE_URL=postgresql+psycopg://... python bench/soak.py --minutes 30   # PostgreSQL

Several simulated members in a few guilds loop over: /check a claim (7 in 10), flag an answer they
got (2 in 10), a moderator's /ingest of an article from a local HTTP server (1 in 10; a third of
them repeat an earlier URL). Printed at the end: actions done, errors (an answer saying the check
failed, a request that never came, a broken Discord contract), the bot process's RSS at start and
end, and the database's growth. Loopback only. The figures go to docs/benchmarks.md with the
machine and its load noted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import discord  # noqa: E402
import yarl  # noqa: E402
from discord.gateway import DiscordWebSocket  # noqa: E402
from sqlalchemy import text  # noqa: E402

from claimbot.bot.services import Services  # noqa: E402
from claimbot.index.config import Settings  # noqa: E402
from claimbot.index.corpus import SourceOptions, read_inputs  # noqa: E402
from claimbot.index.review import ReviewLimits, ReviewService  # noqa: E402
from claimbot.index.service import ClaimIndex  # noqa: E402
from tests.bot.harness import Harness, ask, flag_answer, followups  # noqa: E402
from tests.fake_discord import MANAGE_GUILD, MEMBER_PERMS, FakeDiscord, Guild, Member, slash  # noqa: E402

DEMO = Path(__file__).resolve().parents[1] / "examples" / "corpus"
CLAIMS = [
    "Pérez was killed",
    "Pérez survived the assault",
    "Pérez was captured",
    "Nobody was killed in the assault",
    "Pérez stole a police helicopter",
    "The bridge reopened on Monday",
    "The council approved the budget",
    "The Eiffel Tower is made of chocolate",
]
TOWNS = ["Springfield", "Riverton", "Lakeside", "Hillview", "Bayport", "Oakdale"]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Articles(BaseHTTPRequestHandler):
    """/article/N: a small news article, different for each N."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        n = int(self.path.rsplit("/", 1)[-1] or 0)
        town = TOWNS[n % len(TOWNS)]
        body = (
            f"<html><head><title>{town} council vote {n}</title></head><body><article>"
            f"<h1>{town} council vote {n}</h1>"
            f"<p>The {town} council approved a budget of {n + 2} million dollars on Tuesday, "
            f"the mayor said.</p><p>The bridge on Route {n} will reopen on Monday after repairs, "
            f"officials told reporters.</p><p>Critics said the vote was rushed.</p></article></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def database_bytes(index: ClaimIndex, settings: Settings) -> int:
    if index.store.is_postgres:
        with index.store.engine.connect() as c:
            return int(c.execute(text("SELECT pg_database_size(current_database())")).scalar() or 0)
    return sum(p.stat().st_size for p in Path(settings.home).rglob("*") if p.is_file())


async def soak(args: argparse.Namespace) -> None:
    home = Path(tempfile.mkdtemp(prefix="claimbot-soak-"))
    settings = Settings(CLAIMBOT_HOME=home, CLAIMBOT_FETCH_ALLOW_PRIVATE=True)
    index = ClaimIndex(settings)
    index.ingest(read_inputs([str(DEMO)], SourceOptions()))
    limits = ReviewLimits(rate_user_checks=0, rate_guild_checks=0)
    review = ReviewService(
        index.store.engine, limits=limits, embed=index.embedder.encode, embed_model=index.embedder.name
    )
    services = Services(index, review, settings)
    index.check(CLAIMS[0])  # models loaded before the figures start

    server = ThreadingHTTPServer(("127.0.0.1", 0), Articles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}/article/"

    fake = FakeDiscord()
    await fake.start()
    discord.http.Route.BASE = fake.base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{fake.port}/gateway")
    harness = Harness(fake, services)
    bot = await harness.bot()
    guilds = [Guild() for _ in range(args.guilds)]
    rng = random.Random(args.seed)
    counts = {"check": 0, "flag": 0, "ingest": 0, "errors": 0}
    errors: list[str] = []
    start_rss, start_db, started = rss_mb(), database_bytes(index, settings), time.monotonic()
    deadline = started + args.minutes * 60
    next_url = 0

    async def member_loop(worker: int) -> None:
        nonlocal next_url
        member, mod = Member(), Member(permissions=MEMBER_PERMS | MANAGE_GUILD)
        answers: list[dict] = []
        while time.monotonic() < deadline:
            guild = guilds[worker % len(guilds)]
            roll = rng.random()
            try:
                if roll < 0.7 or not answers:
                    _, reqs = await ask(harness, bot, guild, member, rng.choice(CLAIMS))
                    reply = followups(reqs)[0]
                    if "Sorry" in (reply.json.get("content") or ""):
                        raise RuntimeError(reply.json["content"])
                    answers = [*answers[-20:], reply.response]
                    counts["check"] += 1
                elif roll < 0.9:
                    await flag_answer(harness, bot, guild, Member(), rng.choice(answers), "Looks wrong to me")
                    counts["flag"] += 1
                else:
                    n = rng.randrange(next_url) if next_url and rng.random() < 0.33 else (next_url := next_url + 1)
                    p = slash(guild, mod, "ingest", url=f"{base_url}{n}")
                    await harness.run(bot, p, until=harness.followup_of(p))
                    counts["ingest"] += 1
            except Exception as exc:  # noqa: BLE001 - counted and shown, the soak goes on
                counts["errors"] += 1
                errors.append(f"{type(exc).__name__}: {exc}"[:200])

    try:
        await asyncio.gather(*(member_loop(w) for w in range(args.members)))
    finally:
        elapsed = time.monotonic() - started
        end_rss, end_db = rss_mb(), database_bytes(index, settings)
        await harness.close()
        await fake.stop()
        server.shutdown()
        index.close()
    backend = "PostgreSQL" if index.store.is_postgres else "SQLite"
    print(
        f"# soak on {backend}, {os.cpu_count()} cores, {elapsed / 60:.1f} min, {args.members} members in {args.guilds} guilds"
    )
    print(
        f"checks {counts['check']}, flags {counts['flag']}, ingests {counts['ingest']}, errors {counts['errors']}, "
        f"contract violations {len(fake.violations)}"
    )
    print(f"RSS {start_rss:.0f} MB -> {end_rss:.0f} MB; database {start_db / 1e6:.1f} MB -> {end_db / 1e6:.1f} MB")
    for line in errors[:5]:
        print("  error:", line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--members", type=int, default=6, help="simulated members acting at once")
    ap.add_argument("--guilds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    asyncio.run(soak(ap.parse_args()))


if __name__ == "__main__":
    main()
