"""`/sources` and its pager (bot/features/sources.py).

Driven through the real discord.py stack against the local fake Discord (tests/bot/harness.py).
"""

from __future__ import annotations

import pytest

from tests.bot.harness import (
    button_of,
    callback,
    followups,
)
from tests.fake_discord import (
    Guild,
    Member,
    click,
    custom_ids,
    slash,
)

# Every test here runs the bot on an index built with attribution (spaCy) and the stance model.
pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


async def test_sources_lists_articles(harness):
    bot = await harness.bot()
    p = slash(Guild(), Member(), "sources")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    embed = followups(reqs)[0].json["embeds"][0]
    assert "passages" in embed["description"] and embed["footer"]["text"] == "page 1 of 1 · 1 article"
    p = slash(Guild(), Member(), "sources", query="no-such-outlet")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert followups(reqs)[0].json["embeds"][0]["description"] == "No article matches."


async def test_sources_pager_turns_pages_for_the_invoker_only(harness, monkeypatch):
    from claimbot.index.review import SourceEntry, SourcesPage

    bot = await harness.bot()
    pages = [SourcesPage([SourceEntry(i, f"Article {i}", "Herald", None, "2018-01-15", 3)], i, 2, 2) for i in range(2)]
    monkeypatch.setattr(
        harness.services.review, "sources", lambda q, page=0, per_page=10, collections=None: pages[max(0, min(page, 1))]
    )
    guild, user = Guild(), Member()
    p = slash(guild, user, "sources")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    msg = followups(reqs)[0].response
    nxt = custom_ids(msg)[1]
    reqs = await harness.run(bot, click(guild, Member(), msg, nxt))
    assert "Only the person who ran" in callback(reqs)["data"]["content"]
    reqs = await harness.run(bot, click(guild, user, msg, nxt))
    cb = callback(reqs)
    assert cb["type"] == 7 and "Article 1" in cb["data"]["embeds"][0]["description"]


async def test_sources_pager_previous_goes_back_for_the_invoker_only(harness, monkeypatch):
    from claimbot.index.review import SourceEntry, SourcesPage

    bot = await harness.bot()
    asked: list[int] = []
    pages = [SourcesPage([SourceEntry(i, f"Article {i}", "Herald", None, "2018-01-15", 3)], i, 3, 3) for i in range(3)]

    def sources(q, page=0, per_page=10, collections=None):
        assert collections == ["default"]  # what this server searches, and nothing else
        asked.append(page)
        return pages[max(0, min(page, 2))]

    monkeypatch.setattr(harness.services.review, "sources", sources)
    guild, user = Guild(), Member()
    p = slash(guild, user, "sources")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    msg = followups(reqs)[0].response
    first = followups(reqs)[0].json["embeds"][0]
    previous, nxt = custom_ids(msg)
    assert button_of(msg, previous)["disabled"] is True and "Article 0" in first["description"]
    reqs = await harness.run(bot, click(guild, user, msg, nxt))
    cb = callback(reqs)
    assert cb["type"] == 7 and "Article 1" in cb["data"]["embeds"][0]["description"]
    msg = harness.fake.messages[int(msg["id"])]
    assert not button_of(msg, previous).get("disabled")
    # a stranger pressing Previous is refused privately and the page does not change
    reqs = await harness.run(bot, click(guild, Member(), msg, previous))
    refused = callback(reqs)
    assert (
        refused["type"] == 4
        and refused["data"]["flags"] == 64
        and "Only the person who ran" in refused["data"]["content"]
    )
    assert "Article 1" in harness.fake.messages[int(msg["id"])]["embeds"][0]["description"]
    # the invoker goes back to the first page
    reqs = await harness.run(bot, click(guild, user, msg, previous))
    back = callback(reqs)
    assert back["type"] == 7 and back["data"]["embeds"][0] == first
    assert button_of(back["data"], previous)["disabled"] is True and not button_of(back["data"], nxt).get("disabled")
    assert asked == [0, 1, 0]
