"""`/sources` and its pager (bot/features/sources.py).

Driven through the real discord.py stack against the local fake Discord (tests/bot/harness.py).
"""

from __future__ import annotations

import threading

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


async def _turn(harness, bot, turn: dict) -> dict:
    """A page turn by the invoker: acknowledged first, then the pager's message edited; the edit."""
    assert callback(await harness.run(bot, turn)) == {"type": 6}
    return (await harness.fake.wait_for(harness.edit_of(turn))).json


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
    shown = await _turn(harness, bot, click(guild, user, msg, nxt))
    assert "Article 1" in shown["embeds"][0]["description"]


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
    shown = await _turn(harness, bot, click(guild, user, msg, nxt))
    assert "Article 1" in shown["embeds"][0]["description"]
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
    back = await _turn(harness, bot, click(guild, user, msg, previous))
    assert back["embeds"][0] == first
    assert button_of(back, previous)["disabled"] is True and not button_of(back, nxt).get("disabled")
    assert asked == [0, 1, 0]


def _two_pages(monkeypatch, harness, turn_page):
    """/sources with two pages; turning to page 1 calls `turn_page` (in the database's thread)."""
    from claimbot.index.review import SourceEntry, SourcesPage

    pages = [SourcesPage([SourceEntry(i, f"Article {i}", "Herald", None, "2018-01-15", 3)], i, 2, 2) for i in range(2)]

    def sources(q, page=0, per_page=10, collections=None):
        if page:
            turn_page()
        return pages[max(0, min(page, 1))]

    monkeypatch.setattr(harness.services.review, "sources", sources)


async def test_sources_pager_acknowledges_a_turn_before_reading_the_page(harness, monkeypatch):
    gate = threading.Event()
    _two_pages(monkeypatch, harness, lambda: gate.wait(10))
    bot = await harness.bot()
    guild, user = Guild(), Member()
    p = slash(guild, user, "sources")
    msg = followups(await harness.run(bot, p, until=harness.followup_of(p)))[0].response
    turn = click(guild, user, msg, custom_ids(msg)[1])
    assert callback(await harness.run(bot, turn)) == {"type": 6}  # while the read waits
    gate.set()
    edit = await harness.fake.wait_for(harness.edit_of(turn))
    assert "Article 1" in edit.json["embeds"][0]["description"]


async def test_sources_pager_whose_read_fails_says_so_privately(harness, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def unreachable():
        raise OperationalError("SELECT articles", {}, ConnectionRefusedError("connection refused"))

    _two_pages(monkeypatch, harness, unreachable)
    bot = await harness.bot()
    guild, user = Guild(), Member()
    p = slash(guild, user, "sources")
    msg = followups(await harness.run(bot, p, until=harness.followup_of(p)))[0].response
    turn = click(guild, user, msg, custom_ids(msg)[1])
    reqs = await harness.run(bot, turn, until=harness.followup_of(turn))
    said = followups(reqs)[0].json
    assert said["flags"] & 64 and "Sorry, that failed: OperationalError" in said["content"]
    assert "Article 0" in harness.fake.messages[int(msg["id"])]["embeds"][0]["description"]


async def test_sources_pager_takes_its_buttons_off_when_they_stop_answering(harness, monkeypatch):
    from claimbot.bot.features import sources as sources_feature

    # Past the pager's timeout discord.py forgets it: a click would get "This interaction failed".
    monkeypatch.setattr(sources_feature, "PAGER_TIMEOUT_S", 0.01)
    _two_pages(monkeypatch, harness, lambda: None)
    bot = await harness.bot()
    guild, user = Guild(), Member()
    p = slash(guild, user, "sources")
    msg = followups(await harness.run(bot, p, until=harness.followup_of(p)))[0].response
    assert len(custom_ids(msg)) == 2
    gone = await harness.fake.wait_for(harness.edit_of(p))
    assert gone.json["components"] == []


async def test_a_pager_from_before_a_restart_says_the_list_expired(harness, monkeypatch):
    """The pager lives in the bot's memory: after a restart its buttons answer privately that the
    list expired (not "This interaction failed"); a live pager's clicks are its own, answered once."""
    _two_pages(monkeypatch, harness, lambda: None)
    bot = await harness.bot()
    guild, user = Guild(), Member()
    p = slash(guild, user, "sources")
    msg = followups(await harness.run(bot, p, until=harness.followup_of(p)))[0].response
    previous, nxt = custom_ids(msg)
    shown = await _turn(harness, bot, click(guild, user, msg, nxt))
    assert "Article 1" in shown["embeds"][0]["description"]
    await bot.close()

    msg = harness.fake.messages[int(msg["id"])]
    restarted = await harness.bot()
    for custom_id in (previous, nxt):
        said = callback(await harness.run(restarted, click(guild, user, msg, custom_id)))
        assert said["type"] == 4 and said["data"]["flags"] == 64
        assert "This list has expired" in said["data"]["content"] and "`/sources`" in said["data"]["content"]
