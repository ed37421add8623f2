"""Fixtures of the Discord tests: the fake Discord, a small index, the harness that runs bots."""

from __future__ import annotations

import discord
import pytest
import pytest_asyncio
import yarl
from discord.gateway import DiscordWebSocket

from claimbot.index.config import Settings
from tests.bot.harness import Harness, make_services
from tests.fake_discord import (
    FakeDiscord,
)
from tests.hash_embedder import HashEmbedder


# -- fixtures -------------------------------------------------------------------------------
@pytest_asyncio.fixture
async def fake():
    f = FakeDiscord()
    await f.start()
    saved = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = f.base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{f.port}/gateway")
    try:
        yield f
    finally:
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved
        await f.stop()
    assert f.violations == [], f.violations


@pytest.fixture(scope="session")
def small_index(tmp_path_factory):
    """The demo corpus indexed with `HashEmbedder` (attribution and the stance model are real)."""
    from claimbot.index.service import ClaimIndex, SourceOptions, read_inputs
    from tests.conftest import DEMO_CORPUS, fresh_database_url

    home = tmp_path_factory.mktemp("discord-home")
    # /ingest tests fetch from local servers on 127.0.0.1, which the default settings refuse.
    # No relevance floor: it was measured on the packaged model's cosines, and the hash embedder's
    # are word overlaps.
    settings = Settings(
        CLAIMBOT_HOME=home,
        DATABASE_URL=fresh_database_url(),
        CLAIMBOT_FETCH_ALLOW_PRIVATE=True,
        CLAIMBOT_RELEVANCE_FLOOR=0,
    )
    index = ClaimIndex(settings, embedder=HashEmbedder())
    assert index.ingest(read_inputs([str(DEMO_CORPUS)], SourceOptions())).added == 1
    yield index
    index.close()


@pytest_asyncio.fixture
async def harness(fake, small_index):
    h = Harness(fake, make_services(small_index))
    try:
        yield h
    finally:
        await h.close()
