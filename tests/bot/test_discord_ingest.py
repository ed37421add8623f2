"""`/ingest` (bot/features/ingest.py).

Driven through the real discord.py stack against the local fake Discord (tests/bot/harness.py).
"""

from __future__ import annotations

import pytest

from claimbot.bot.services import Services
from tests.bot.harness import (
    Harness,
    callback,
    followups,
    make_services,
)
from tests.fake_discord import (
    MANAGE_MESSAGES,
    MEMBER_PERMS,
    Guild,
    Member,
    slash,
)
from tests.hash_embedder import HashEmbedder

# Every test here runs the bot on an index built with attribution (spaCy) and the stance model.
pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


async def test_ingest_is_for_moderators_and_reports_failures(harness):
    bot = await harness.bot()
    guild = Guild()
    p = slash(guild, Member(), "ingest", url="https://example.org/a")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert callback(reqs) == {"type": 5, "data": {"flags": 64}}  # acknowledged before any database read
    assert "Only moderators" in followups(reqs)[0].json["content"]
    mod = Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    p = slash(guild, mod, "ingest", url="not a url")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert "http(s) URL" in followups(reqs)[0].json["content"]
    url = f"http://127.0.0.1:{harness.fake.port}/api/v10/missing-article"  # the fake answers 404
    p = slash(guild, mod, "ingest", url=url)
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert callback(reqs) == {"type": 5, "data": {"flags": 64}}
    said = followups(reqs)[0].json["content"]
    assert said.startswith(f"Could not index {url}:") and "404" in said
    assert said.count(url) == 1, said  # written for a person: the URL once, then what went wrong
    assert harness.services.review.audit_log(guild.id)[0].action == "ingest"


async def test_ingest_is_limited_to_the_servers_the_operator_lists(harness, monkeypatch):
    bot = await harness.bot()
    guild, mod = Guild(), Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    monkeypatch.setattr(harness.services.settings, "ingest_guilds", [guild.id + 1])
    p = slash(guild, mod, "ingest", url="https://example.org/a")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert "limited to the servers" in followups(reqs)[0].json["content"]
    assert [e.action for e in harness.services.review.audit_log(guild.id)] == []  # nothing was fetched
    monkeypatch.setattr(harness.services.settings, "ingest_guilds", [guild.id])
    p = slash(guild, mod, "ingest", url="not a url")  # a listed server gets past the gate
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert "http(s) URL" in followups(reqs)[0].json["content"]


async def test_ingest_adds_an_article(fake, settings):
    from aiohttp import web as aweb

    from claimbot.index.service import ClaimIndex

    app = aweb.Application()
    text = (
        "Town council approves new bridge\n\nThe council voted on Monday to build a new bridge over the river. "
        "The mayor said construction starts in spring."
    )

    async def article(_request):
        return aweb.Response(text=text, content_type="text/plain")

    async def local(_request):
        return aweb.Response(
            text="Harbour reopens\n\nThe harbour of Porto reopened on Friday.", content_type="text/plain"
        )

    app.router.add_get("/article", article)
    app.router.add_get("/local", local)
    runner = aweb.AppRunner(app)
    await runner.setup()
    site = aweb.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    # The article server is on 127.0.0.1; no relevance floor for the hash embedder's word-overlap cosines.
    settings = settings.model_copy(update={"fetch_allow_private": True, "relevance_floor": 0.0})
    claim_index = ClaimIndex(settings, embedder=HashEmbedder())
    h = Harness(fake, make_services(claim_index))
    try:
        bot = await h.bot()
        p = slash(
            Guild(),
            Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES),
            "ingest",
            url=f"http://127.0.0.1:{port}/article",
        )
        reqs = await h.run(bot, p, until=h.followup_of(p))
        content = followups(reqs)[0].json["content"]
        assert content.startswith("Added http://127.0.0.1") and "passages indexed." in content
        assert content.count("http://") == 1, content
        assert claim_index.stats().articles == 1
        p = slash(
            Guild(),
            Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES),
            "ingest",
            url=f"http://127.0.0.1:{port}/article",
        )
        reqs = await h.run(bot, p, until=h.followup_of(p))
        assert followups(reqs)[0].json["content"].startswith("Nothing changed")
        # A server with its own collection files what it ingests there, not in the shared corpus.
        city = Guild()
        h.services.review.configure_guild(city.id, 1, collection="city")
        p = slash(
            city, Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES), "ingest", url=f"http://127.0.0.1:{port}/local"
        )
        reqs = await h.run(bot, p, until=h.followup_of(p))
        assert followups(reqs)[0].json["content"].startswith("Added http://127.0.0.1")
        assert claim_index.summary("city").articles == 1 and claim_index.summary("default").articles == 1
    finally:
        await h.close()
        await runner.cleanup()
        claim_index.close()


async def test_ingest_refuses_private_addresses_by_default(fake, small_index):
    settings = small_index.settings.model_copy(update={"fetch_allow_private": False})
    h = Harness(fake, Services(small_index, make_services(small_index).review, settings))
    try:
        bot = await h.bot()
        url = f"http://127.0.0.1:{fake.port}/api/v10/some-article"
        p = slash(Guild(), Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES), "ingest", url=url)
        reqs = await h.run(bot, p, until=h.followup_of(p))
        content = followups(reqs)[0].json["content"]
        assert content.startswith(f"Could not index {url}:") and "loopback address (127.0.0.1)" in content
        assert "\n" not in content and content.count(url) == 1, content
        assert not fake.find(lambda r: r.path == "/some-article")  # nothing was fetched
    finally:
        await h.close()
