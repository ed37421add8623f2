"""A burst of /check through the real discord.py stack against the local fake Discord.

    python bench/bench_burst.py                          # N = 20, 100, 500 from 1, 5 and 50 guilds
    python bench/bench_burst.py --n 100 --guilds 1 5     # a part of the grid
    python bench/bench_burst.py --n 100 --guilds 5 --one-busy   # and one busy guild among quiet ones

For each (N, guilds): N /check interactions are fed at once, round robin over the guilds, to one
bot serving the demo corpus with the packaged models (MiniLM embeddings, the stance model), as
`claimbot serve` does. Printed per run: the slowest acknowledgement (Discord drops an interaction
not acknowledged within 3 s), time to the first answer, p50 / p95 / max time to each answer,
answers lost (no followup at all), refusals ("busy, try again"), and with several guilds the p95 of
the most and least loaded guild. Run it on a quiet machine; the figures go to docs/benchmarks.md
with the machine and its load noted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import discord  # noqa: E402
import yarl  # noqa: E402
from discord.gateway import DiscordWebSocket  # noqa: E402

from claimbot.bot.app import ClaimBot  # noqa: E402
from claimbot.bot.services import Services  # noqa: E402
from claimbot.index.config import Settings  # noqa: E402
from claimbot.index.corpus import SourceOptions, read_inputs  # noqa: E402
from claimbot.index.review import ReviewLimits, ReviewService  # noqa: E402
from claimbot.index.service import ClaimIndex  # noqa: E402
from tests.fake_discord import FakeDiscord, Guild, Member, slash  # noqa: E402

DEMO = Path(__file__).resolve().parents[1] / "examples" / "corpus"
CLAIMS = [
    "Pérez was killed",
    "Óscar Pérez survived the assault",
    "Pérez was captured by the government",
    "Nobody was injured in the 2017 helicopter attack",
    "The government killed two officers",
    "Diosdado Cabello called Pérez a terrorist",
    "Pérez's mother asked the government to spare him",
    "The assault took place outside Caracas",
    "Pérez stole a police helicopter",
    "The Eiffel Tower is made of chocolate",
]
TOKEN_LIFE_S = 900.0


class TimedRequests(list):  # type: ignore[type-arg]
    """The fake's request log, with the loop time each request arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def append(self, item: Any) -> None:
        self.times.append(time.monotonic())
        super().append(item)


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")


async def burst(
    fake: FakeDiscord, services: Services, n: int, guild_count: int, one_busy: bool = False
) -> dict[str, Any]:
    """Round robin over the guilds, or (`one_busy`) guild 0 sends all but one check per other guild
    first and each other guild sends one behind it: what a quiet server meets during a busy one's burst."""
    bot = ClaimBot(services)
    await bot.login("fake-token")
    fake.requests = TimedRequests()
    guilds = [Guild() for _ in range(guild_count)]
    if one_busy:
        owner = [0] * (n - (guild_count - 1)) + list(range(1, guild_count))
    else:
        owner = [i % guild_count for i in range(n)]
    payloads = [slash(guilds[owner[i]], Member(), "check", claim=CLAIMS[i % len(CLAIMS)]) for i in range(n)]
    started = time.monotonic()
    for p in payloads:
        fake.feed(bot, p)
    tokens = {p["token"]: i for i, p in enumerate(payloads)}
    acked: dict[int, float] = {}
    answered: dict[int, tuple[float, bool]] = {}  # index -> (seconds, refused)

    def scan() -> None:
        for r, t in zip(fake.requests, fake.requests.times, strict=True):
            token = next((tok for tok in tokens if tok in r.path), None)
            if token is None:
                continue
            i = tokens[token]
            if r.path.endswith("/callback"):
                acked.setdefault(i, t - started)
            elif r.method == "POST" and r.path.startswith("/webhooks/") and i not in answered:
                content = (r.json or {}).get("content") or ""
                answered[i] = (t - started, "busy" in content)

    async def all_answered() -> None:
        async with fake._changed:
            while True:
                scan()
                if len(answered) == n:
                    return
                await fake._changed.wait()

    try:
        await asyncio.wait_for(all_answered(), TOKEN_LIFE_S)
    except TimeoutError:
        scan()
    await bot.close()
    answers = [t for t, refused in answered.values() if not refused]
    per_guild: dict[int, list[float]] = {}
    for i, (t, refused) in answered.items():
        if not refused:
            per_guild.setdefault(owner[i], []).append(t)
    guild_p95 = sorted(percentile(ts, 0.95) for ts in per_guild.values())
    return {
        "n": n,
        "guilds": guild_count,
        "max_ack_s": max(acked.values(), default=float("nan")),
        "late_acks": sum(1 for t in acked.values() if t > 3.0) + (n - len(acked)),
        "first_answer_s": min(answers, default=float("nan")),
        "p50_s": percentile(answers, 0.5),
        "p95_s": percentile(answers, 0.95),
        "max_s": max(answers, default=float("nan")),
        "lost": n - len(answered),
        "refused": sum(1 for _, refused in answered.values() if refused),
        "guild_p95_min_max": (guild_p95[0], guild_p95[-1]) if guild_p95 else None,
        "busy_guild_p95_s": percentile(per_guild.get(0, []), 0.95),
        "quiet_guilds_max_s": max((t for g, ts in per_guild.items() if g for t in ts), default=float("nan")),
        "violations": list(fake.violations),
    }


async def main_async(args: argparse.Namespace) -> None:
    home = Path(tempfile.mkdtemp(prefix="claimbot-burst-"))
    settings = Settings(CLAIMBOT_HOME=home, DATABASE_URL=None)
    index = ClaimIndex(settings)
    index.ingest(read_inputs([str(DEMO)], SourceOptions()))
    # no rate limit: the burst is what is measured, not the per-user limit
    limits = ReviewLimits(rate_user_checks=0, rate_guild_checks=0)
    review = ReviewService(
        index.store.engine, limits=limits, embed=index.embedder.encode, embed_model=index.embedder.name
    )
    services = Services(index, review, settings)
    index.check(CLAIMS[0])  # models loaded before the clock starts, as in a running bot
    fake = FakeDiscord()
    await fake.start()
    discord.http.Route.BASE = fake.base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{fake.port}/gateway")
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores; demo corpus; {time.ctime()}")
    print("n     guilds  max ack  late  first   p50     p95     max     lost  refused  guild p95 (min-max)")
    try:
        for n in args.n:
            for g in args.guilds:
                r = await burst(fake, services, n, g)
                spread = r["guild_p95_min_max"]
                spread_text = f"{spread[0]:.1f}-{spread[1]:.1f} s" if spread and g > 1 else "-"
                print(
                    f"{r['n']:<5} {r['guilds']:<7} {r['max_ack_s']:>5.2f} s  {r['late_acks']:<5} "
                    f"{r['first_answer_s']:>5.1f} s {r['p50_s']:>5.1f} s {r['p95_s']:>5.1f} s {r['max_s']:>5.1f} s "
                    f"{r['lost']:<5} {r['refused']:<8} {spread_text}",
                    flush=True,
                )
                if r["violations"]:
                    print("  contract violations:", r["violations"][:3])
        for n in args.n if args.one_busy else []:
            g = max(args.guilds)
            r = await burst(fake, services, n, g, one_busy=True)
            print(
                f"one busy guild: {n - g + 1} checks from it, then 1 from each of {g - 1} others: "
                f"busy guild p95 {r['busy_guild_p95_s']:.1f} s, slowest of the others {r['quiet_guilds_max_s']:.1f} s, "
                f"first {r['first_answer_s']:.1f} s, max ack {r['max_ack_s']:.2f} s, lost {r['lost']}, refused {r['refused']}",
                flush=True,
            )
    finally:
        await fake.stop()
        index.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, nargs="+", default=[20, 100, 500])
    ap.add_argument("--guilds", type=int, nargs="+", default=[1, 5, 50])
    ap.add_argument(
        "--one-busy", action="store_true", help="also: one guild sends the burst, the others one check each behind it"
    )
    args = ap.parse_args()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
