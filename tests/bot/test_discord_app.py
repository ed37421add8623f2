"""The client itself (bot/app.py, bot/runner.py): start, shards, command sync, the pruning pass, and the fake's own contract.

Driven through the real discord.py stack against the local fake Discord (tests/bot/harness.py).
"""

from __future__ import annotations

import asyncio

import discord
import pytest

from claimbot.bot.app import ClaimBot
from claimbot.index.config import Settings
from tests.bot.harness import (
    Harness,
    make_services,
)
from tests.fake_discord import (
    APP_ID,
    DEADLINE_S,
    MANAGE_GUILD,
    Guild,
    Member,
    guild_on_shard,
    slash,
)

# Every test here runs the bot on an index built with attribution (spaCy) and the stance model.
pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


async def test_the_bot_prunes_old_answers_when_it_starts(harness, monkeypatch):
    pruned = asyncio.Event()
    loop = asyncio.get_running_loop()

    def prune() -> int:  # runs in a worker thread
        loop.call_soon_threadsafe(pruned.set)
        return 0

    monkeypatch.setattr(harness.services.review, "prune_answers", prune)
    await harness.bot()
    await asyncio.wait_for(pruned.wait(), 10)


async def test_the_fake_enforces_the_deadline_and_double_ack(fake, small_index):
    h = Harness(fake, make_services(small_index))
    try:
        bot = await h.bot()
        fake.deadline_s = 0.0
        p = slash(Guild(), Member(), "check", claim="Pérez was killed")
        await h.run(bot, p, until=lambda r: p["token"] in r.path and r.status == 404)
        assert fake.find(lambda r: p["token"] in r.path)[0].status == 404
        assert any("deadline" in v for v in fake.violations)
        fake.violations.clear()
        fake.deadline_s = DEADLINE_S
        p = slash(Guild(), Member(), "check", claim="   ")
        await h.run(bot, p)
        inter = discord.Interaction(data=p, state=bot._connection)
        with pytest.raises(discord.HTTPException) as exc:
            await inter.response.send_message("again")
        assert exc.value.code == 40060
        fake.violations.clear()
    finally:
        await h.close()


async def test_sync_payload(harness):
    bot = await harness.bot()
    synced = await bot.tree.sync()
    put = harness.fake.find(lambda r: r.method == "PUT")[0]
    by_name = {c["name"]: c for c in put.json}
    assert set(by_name) == {
        "check",
        "Check this claim",
        "sources",
        "ingest",
        "article",
        "source",
        "feeds",
        "review",
        "corrections",
        "audit",
        "claimbot",
        "help",
        "watch",
        "watches",
        "unwatch",
    }
    assert by_name["Check this claim"]["type"] == 3 and by_name["check"]["type"] == 1
    # Visible to every member: a moderator by role alone (no Manage Messages) must be able to run
    # them; claimbot checks who is a moderator when they are used.
    for name in (
        "review",
        "ingest",
        "article",
        "source",
        "feeds",
        "corrections",
        "audit",
        "watch",
        "watches",
        "unwatch",
    ):
        assert by_name[name].get("default_member_permissions") is None, name
    assert int(by_name["claimbot"]["default_member_permissions"]) == MANAGE_GUILD
    assert [o["name"] for o in by_name["claimbot"]["options"]] == ["setup", "settings"]
    assert [o["name"] for o in by_name["corrections"]["options"]] == ["list", "revoke"]
    assert [o["name"] for o in by_name["source"]["options"]] == ["block", "unblock", "list"]
    assert [o["name"] for o in by_name["feeds"]["options"]] == ["add", "list", "remove", "pause", "resume"]
    feeds_add = next(o for o in by_name["feeds"]["options"] if o["name"] == "add")
    assert [(o["name"], o.get("required", False)) for o in feeds_add["options"]] == [
        ("url", True),
        ("every", False),
        ("shared", False),
    ]
    review_show = next(o for o in by_name["review"]["options"] if o["name"] == "show")
    assert [c["value"] for c in review_show["choices"]] == ["open", "mine", "decided"]
    for c in put.json:
        assert 1 <= len(c["name"]) <= 32 and len(c.get("description") or "") <= 100
    assert len(synced) == 15


async def test_smoke_bot_start_over_the_fake_gateway(fake, small_index):
    bot = ClaimBot(make_services(small_index), guild_ready_timeout=0.05)
    task = asyncio.create_task(bot.start("fake-token"))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        assert fake.identify["intents"] == discord.Intents(guilds=True).value
        assert "shard" not in fake.identify
        p = await fake.dispatch_interaction(slash(Guild(), Member(), "check", claim="Pérez was killed"))
        fu = await fake.wait_for(Harness.followup_of(p))
        assert fu.json["embeds"][0]["title"] == "Claim: Pérez was killed"
    finally:
        await bot.close()
        await task


async def test_sharded_bot_answers_on_every_shard(fake, small_index, monkeypatch):
    from claimbot.bot.app import ShardedClaimBot, make_bot

    monkeypatch.setenv("CLAIMBOT_SHARD_COUNT", "2")
    services = make_services(small_index)
    services.settings = Settings(_env_file=None, CLAIMBOT_HOME=small_index.settings.home)
    bot = make_bot(services, guild_ready_timeout=0.05)
    assert isinstance(bot, ShardedClaimBot)
    task = asyncio.create_task(bot.start("fake-token"))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 20)
        await fake.wait_for_shards({0, 1})
        assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (1, 2)]
        for shard in (0, 1):
            p = await fake.dispatch_interaction(
                slash(guild_on_shard(shard, 2), Member(), "check", claim="Pérez was killed")
            )
            fu = await fake.wait_for(Harness.followup_of(p))
            assert fu.json["embeds"][0]["title"] == "Claim: Pérez was killed"
    finally:
        await bot.close()
        await task


async def test_sync_commands_registers_in_one_guild_and_needs_a_token(fake, home, monkeypatch):
    from claimbot.bot.runner import BotConfigError, serve_async, sync_commands_async

    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("CLAIMBOT_DISCORD_TOKEN", raising=False)
    with pytest.raises(BotConfigError, match="DISCORD_TOKEN is not set"):
        await sync_commands_async(Settings(_env_file=None))
    with pytest.raises(BotConfigError, match="DISCORD_TOKEN is not set"):
        await serve_async(Settings(_env_file=None))
    monkeypatch.setenv("DISCORD_TOKEN", "fake-token")
    names = await sync_commands_async(Settings(_env_file=None), guild_id=4242)
    assert sorted(names) == sorted(
        [
            "check",
            "Check this claim",
            "sources",
            "ingest",
            "article",
            "source",
            "feeds",
            "review",
            "corrections",
            "audit",
            "claimbot",
            "help",
            "watch",
            "watches",
            "unwatch",
        ]
    )
    put = fake.find(lambda r: r.method == "PUT")
    assert [r.path for r in put] == [f"/applications/{APP_ID}/guilds/4242/commands"]
    assert put[0].headers["Authorization"] == "Bot fake-token"


async def test_sync_commands_starts_none_of_the_serving_bots_work(fake, home, monkeypatch):
    """The one-shot sync process exits at once: a watch sweep there would reserve updates (once
    only) that nothing posts, so the release, prune and sweep are the serving bot's alone."""
    from claimbot.bot.runner import sync_commands_async
    from claimbot.index.review import ReviewService
    from claimbot.index.service import ClaimIndex

    calls: list[str] = []
    for cls, name in (
        (ReviewService, "release_stale"),
        (ReviewService, "prune_answers"),
        (ClaimIndex, "sweep_watches"),
    ):
        real = getattr(cls, name)

        def recorded(self, *args, _name=name, _real=real):
            calls.append(_name)
            return _real(self, *args)

        monkeypatch.setattr(cls, name, recorded)
    monkeypatch.setenv("DISCORD_TOKEN", "fake-token")
    assert "check" in await sync_commands_async(Settings(_env_file=None), guild_id=4242)
    assert calls == []


async def test_a_wrong_token_stops_serve_before_any_model_loads(fake, home, monkeypatch):
    from claimbot.bot import runner
    from claimbot.index import service

    def loaded(*args, **kwargs):
        raise AssertionError("a model was loaded before the token was checked")

    monkeypatch.setattr(service, "shared_embedder", loaded)
    monkeypatch.setattr(service, "shared_stance_model", loaded)
    monkeypatch.setenv("DISCORD_TOKEN", "not-the-token")
    with pytest.raises(runner.BotConfigError, match="Discord rejected the token"):
        await runner.serve_async(Settings(_env_file=None))
    with pytest.raises(runner.BotConfigError, match="Discord rejected the token"):
        await runner.sync_commands_async(Settings(_env_file=None))
    assert [r.path for r in fake.requests] == ["/users/@me", "/users/@me"]


async def test_an_unreachable_discord_is_one_retryable_error(home, monkeypatch):
    import socket

    from claimbot.bot.runner import DiscordUnreachable, sync_commands_async

    with socket.socket() as s:  # a loopback port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    monkeypatch.setenv("DISCORD_TOKEN", "fake-token")
    with pytest.raises(DiscordUnreachable, match=f"cannot reach Discord: Cannot connect to host 127.0.0.1:{port}"):
        await sync_commands_async(Settings(_env_file=None))


def _closed_port() -> int:
    import socket

    with socket.socket() as s:  # a loopback port with nothing listening
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_database_that_does_not_answer_is_retryable_and_a_bad_url_a_setup_error(home, monkeypatch):
    from claimbot.bot import runner

    monkeypatch.setenv("DISCORD_TOKEN", "fake-token")
    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/claimbot")
    with pytest.raises(runner.DatabaseUnreachable, match="^cannot reach the database: .*127.0.0.1"):
        await runner.serve_async(Settings(_env_file=None))
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:notaport/claimbot")
    with pytest.raises(runner.BotConfigError, match="^cannot open the claim index: "):
        await runner.serve_async(Settings(_env_file=None))


async def test_serve_says_in_one_line_that_the_database_does_not_answer_and_exits_1(home, monkeypatch):
    from typer.testing import CliRunner

    from claimbot.bot.cli import app

    monkeypatch.setenv("DISCORD_TOKEN", "fake-token")
    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/claimbot")
    # in a thread: `serve` runs its own event loop
    result = await asyncio.to_thread(CliRunner().invoke, app, ["serve"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    [line] = [line for line in result.output.splitlines() if "database" in line]
    assert "cannot reach the database" in line
