"""The Discord front end driven through the real discord.py stack against a local fake Discord.

The fake (`tests/fake_discord.py`) is an aiohttp server that discord.py's REST client is pointed at
(`discord.http.Route.BASE`); interactions are fed as realistic INTERACTION_CREATE payloads to
`ConnectionState.parse_interaction_create`, exactly what the gateway parser calls. One smoke test
runs `bot.start()` against the fake gateway websocket (tests/test_serve.py runs `claimbot serve`
processes against it). The fake enforces Discord's contract: the 3 s deadline for the first
response, no double acknowledgement, message/embed/component limits, and (our rule)
`allowed_mentions: {"parse": []}` on every message that is created.

These touch discord.py internals (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY,
parse_interaction_create); discord.py is pinned to 2.7.1 and this module fails loudly if they move.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import discord

from claimbot.bot.app import ClaimBot
from claimbot.bot.services import Services
from claimbot.index.review import ReviewLimits, ReviewService
from tests.fake_discord import (
    APP_ID,
    MANAGE_GUILD,
    MEMBER_PERMS,
    FakeDiscord,
    Guild,
    Member,
    Recorded,
    click,
    custom_ids,
    setup_payload,
    slash,
    submit,
)

assert discord.__version__ == "2.7.1", "the fake relies on discord.py 2.7.1 internals; re-verify before upgrading"


def make_services(index, **limits: Any) -> Services:
    lim = ReviewLimits(**{"rate_user_checks": 20, "rate_guild_checks": 200, **limits})
    # As Services.open wires it: the fact-check reader decides similar corrections.
    review = ReviewService(
        index.store.engine,
        limits=lim,
        embed=index.embedder.encode,
        embed_model=index.embedder.name,
        confirm=index.same_claim,
    )
    return Services(index, review, index.settings)


class Harness:
    def __init__(self, fake: FakeDiscord, services: Services) -> None:
        self.fake, self.services = fake, services
        self.bots: list[ClaimBot] = []

    async def bot(self) -> ClaimBot:
        bot = ClaimBot(self.services)
        await bot.login("fake-token")
        self.bots.append(bot)
        return bot

    async def close(self) -> None:
        await settle()
        for bot in self.bots:
            await bot.close()

    async def run(
        self, bot: ClaimBot, payload: dict, *, until: Callable[[Recorded], bool] | None = None
    ) -> list[Recorded]:
        """Feed one interaction; return its requests once `until` (default: the callback) is seen."""
        start = len(self.fake.requests)
        self.fake.feed(bot, payload)
        token = payload["token"]
        pred = until or (lambda r: token in r.path and r.path.endswith("/callback"))
        await self.fake.wait_for(pred, start=start)
        return [r for r in self.fake.requests[start:] if token in r.path]

    @staticmethod
    def followup_of(payload: dict) -> Callable[[Recorded], bool]:
        return lambda r: r.method == "POST" and r.path == f"/webhooks/{APP_ID}/{payload['token']}"

    @staticmethod
    def edit_of(payload: dict) -> Callable[[Recorded], bool]:
        """The edit of the interaction's original message (after a deferred component update)."""
        return lambda r: r.method == "PATCH" and r.path == f"/webhooks/{APP_ID}/{payload['token']}/messages/@original"


def callback(reqs: list[Recorded]) -> dict:
    cbs = [r for r in reqs if r.path.endswith("/callback")]
    assert len(cbs) == 1, [r.path for r in reqs]
    return cbs[0].json


def followups(reqs: list[Recorded]) -> list[Recorded]:
    return [r for r in reqs if r.method == "POST" and r.path.startswith("/webhooks/")]


def original_edits(reqs: list[Recorded]) -> list[Recorded]:
    return [r for r in reqs if r.method == "PATCH" and r.path.endswith("/messages/@original")]


async def ask(
    h: Harness, bot: ClaimBot, guild: Guild, member: Member, claim: str, **opts: Any
) -> tuple[dict, list[Recorded]]:
    p = slash(guild, member, "check", claim=claim, **opts)
    reqs = await h.run(bot, p, until=h.followup_of(p))
    return p, reqs


async def setup_guild(h: Harness, bot: ClaimBot, guild: Guild) -> None:
    admin = Member(permissions=MEMBER_PERMS | MANAGE_GUILD)
    p = setup_payload(guild, admin)
    await h.run(bot, p, until=h.followup_of(p))


async def flag_answer(
    h: Harness, bot: ClaimBot, guild: Guild, member: Member, answer_msg: dict, reason: str
) -> list[Recorded]:
    cid = next(c for c in custom_ids(answer_msg) if c.startswith("flag:"))
    reqs = await h.run(bot, click(guild, member, answer_msg, cid))
    modal = callback(reqs)
    assert modal["type"] == 9 and modal["data"]["custom_id"].startswith("flag-modal:")
    p = submit(guild, member, modal["data"], [reason], message=answer_msg)
    return await h.run(bot, p, until=h.followup_of(p))


def card_post(h: Harness, guild: Guild) -> list[Recorded]:
    return h.fake.find(
        lambda r: (
            r.method == "POST" and r.path == f"/channels/{guild.review_channel_id}/messages" and r.json.get("embeds")
        )
    )


async def settle(timeout: float = 10.0) -> None:
    """Wait until every interaction handler discord.py started has finished (no fixed sleeps)."""
    prefixes = (
        "CommandTree-invoker",
        "discord-ui-view-dispatch",
        "discord-ui-dynamic-item",
        "discord-ui-modal-dispatch",
        "discord.py: on_interaction",  # the submitted forms (review.SubmittedForm)
    )
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        pending = [t for t in asyncio.all_tasks() if not t.done() and t.get_name().startswith(prefixes)]
        if not pending:
            return
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise AssertionError(
                f"interaction handlers still running after {timeout} s: {[t.get_name() for t in pending]}"
            )
        await asyncio.wait(pending, timeout=left)


async def flagged_card(h: Harness, bot: ClaimBot, guild: Guild, claim: str = "Pérez was killed") -> tuple[dict, Member]:
    await setup_guild(h, bot, guild)
    flagger = Member()
    _, reqs = await ask(h, bot, guild, Member(), claim)
    await flag_answer(h, bot, guild, flagger, followups(reqs)[0].response, "The verdict is wrong")
    return card_post(h, guild)[-1].response, flagger


# -- pagers going back, modals submitted by non-moderators, the per-guild rate limit ---------
def table_rows(engine, table, **where: Any) -> list:
    from sqlalchemy import select

    with engine.connect() as conn:
        q = select(table)
        for column, value in where.items():
            q = q.where(getattr(table.c, column) == value)
        return list(conn.execute(q))


def button_of(message: dict, custom_id: str) -> dict:
    return next(c for row in message["components"] for c in row["components"] if c.get("custom_id") == custom_id)
