"""`/feeds add|list|remove|pause|resume` (bot/features/feeds.py), through the real discord.py stack
and the fake Discord. Nothing is polled here: tests/test_feeds.py polls feeds."""

from __future__ import annotations

import pytest
import pytest_asyncio

from claimbot.bot.features import feeds as feeds_feature
from claimbot.index.service import ClaimIndex, FeedState
from tests.bot.harness import Harness, callback, followups, make_services
from tests.fake_discord import MANAGE_GUILD, MANAGE_MESSAGES, MEMBER_PERMS, Guild, Member, setup_payload, slash_sub
from tests.fake_discord import snowflake as new_id
from tests.hash_embedder import HashEmbedder

pytestmark = pytest.mark.asyncio

MOD = Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
ADMIN = Member(permissions=MEMBER_PERMS | MANAGE_GUILD)
RSS = "https://news.example/rss.xml"


@pytest_asyncio.fixture
async def feeds(fake, settings):
    """A harness over an empty index of its own: these tests add and remove feeds."""
    index = ClaimIndex(settings, embedder=HashEmbedder())
    h = Harness(fake, make_services(index))
    try:
        yield h, index
    finally:
        await h.close()
        index.close()


def said(reqs) -> str:
    return followups(reqs)[0].json["content"]


async def feeds_cmd(h: Harness, bot, guild: Guild, member: Member, sub: str, **options) -> str:
    p = slash_sub(guild, member, "feeds", sub, **options)
    reqs = await h.run(bot, p, until=h.followup_of(p))
    assert callback(reqs) == {"type": 5, "data": {"flags": 64}}  # acknowledged privately first
    (reply,) = followups(reqs)
    assert reply.json["flags"] & 64  # ephemeral
    return reply.json["content"]


def is_feed_line(r, mod_log: int) -> bool:
    return r.method == "POST" and r.path == f"/channels/{mod_log}/messages" and "feed #" in r.json["content"]


async def changed(h: Harness, bot, guild: Guild, mod_log: int, sub: str, **options) -> tuple[str, str]:
    """A change: its private answer and its mod-log line (posted after the answer)."""
    p = slash_sub(guild, MOD, "feeds", sub, **options)
    start = len(h.fake.requests)
    await h.run(bot, p, until=lambda r: is_feed_line(r, mod_log))
    logged = [r for r in h.fake.requests[start:] if is_feed_line(r, mod_log)]
    reqs = [r for r in h.fake.requests[start:] if p["token"] in r.path]
    return said(reqs), logged[0].json["content"]


async def test_a_moderator_adds_lists_pauses_resumes_and_removes_a_feed_with_an_audit_row_each(feeds):
    h, index = feeds
    bot, guild, mod_log = await h.bot(), Guild(), new_id()
    p = setup_payload(guild, ADMIN, review=False, role=False, mod_log_channel_id=mod_log)
    await h.run(bot, p, until=lambda r: r.path == f"/channels/{mod_log}/messages")  # its own mod-log line

    answer, logged = await changed(h, bot, guild, mod_log, "add", url=f"  {RSS} ", every="2h")
    (feed,) = index.feeds()
    assert answer == (
        f"Added feed #{feed.id}: <{RSS}>, polled every 2h into the shared corpus. "
        "It is due now; `/feeds list` shows how its polls go."
    )
    assert (feed.url, feed.collection, feed.interval_s, feed.state) == (RSS, "default", 7200, FeedState.ACTIVE)
    assert logged == f"📰 <@{MOD.id}> added feed #{feed.id} <{RSS}> (every 2h, the shared corpus)"
    listed = await feeds_cmd(h, bot, guild, MOD, "list")
    assert listed == (
        f"• **#{feed.id}** <{RSS}> · kind found at the first poll, shared, every 2h, 0 items, polled never"
    )

    answer, logged = await changed(h, bot, guild, mod_log, "pause", feed=str(feed.id))
    assert answer == f"Paused feed #{feed.id} (<{RSS}>): it is not polled until `/feeds resume`."
    assert logged == f"⏸️ <@{MOD.id}> paused feed #{feed.id} <{RSS}>"
    assert index.feeds()[0].state is FeedState.PAUSED
    assert (await feeds_cmd(h, bot, guild, MOD, "list")).endswith("polled never · **paused**")
    assert await feeds_cmd(h, bot, guild, MOD, "pause", feed=RSS) == f"Feed #{feed.id} is paused already."

    answer, _ = await changed(h, bot, guild, mod_log, "resume", feed=f"{RSS}?utm_source=x")  # the same URL
    assert answer == f"Resumed feed #{feed.id} (<{RSS}>): it is due now."
    assert index.feeds()[0].state is FeedState.ACTIVE
    assert await feeds_cmd(h, bot, guild, MOD, "resume", feed=str(feed.id)) == (
        f"Feed #{feed.id} is not paused: it is polled every 2h."
    )

    answer, logged = await changed(h, bot, guild, mod_log, "remove", feed=RSS)
    assert answer == (
        f"Removed feed #{feed.id} (<{RSS}>): it is no longer polled; the articles it brought stay indexed."
    )
    assert logged == f"🗑️ <@{MOD.id}> removed feed #{feed.id} <{RSS}>"
    assert index.feeds() == []
    assert await feeds_cmd(h, bot, guild, MOD, "remove", feed=RSS) == (
        f"no feed {RSS}: `/feeds list` shows this server's feeds."
    )
    assert await feeds_cmd(h, bot, guild, MOD, "list") == (
        "No feed is polled for this server yet: add one with `/feeds add url:`."
    )

    entries = h.services.review.audit_log(guild.id)
    assert [(e.action, e.target, e.actor_id) for e in entries[:4]] == [
        (action, f"feed:{feed.id}", MOD.id) for action in ("remove_feed", "resume_feed", "pause_feed", "add_feed")
    ]
    assert entries[3].after == {
        "url": RSS,
        "collection": "default",
        "interval_s": 7200,
        "state": "active",
        "failures": 0,
    }
    assert (entries[2].before["state"], entries[2].after["state"]) == ("active", "paused")
    assert entries[0].before["url"] == RSS


async def test_a_non_moderator_is_refused_and_nothing_changes(feeds):
    h, index = feeds
    bot, guild = await h.bot(), Guild()
    feed = index.add_feed(RSS)
    for sub, options in (
        ("add", {"url": "https://other.example/rss"}),
        ("list", {}),
        ("pause", {"feed": str(feed.id)}),
        ("resume", {"feed": str(feed.id)}),
        ("remove", {"feed": str(feed.id)}),
    ):
        assert "Only moderators" in await feeds_cmd(h, bot, guild, Member(), sub, **options), sub
    assert index.feeds() == [feed]
    assert h.services.review.audit_log(guild.id) == []


@pytest.mark.parametrize(
    ("url", "every", "expected"),
    [
        ("ftp://news.example/rss", None, feeds_feature.BAD_URL),
        ("news.example/rss", None, feeds_feature.BAD_URL),
        ("https://", None, "not an http(s) URL: https://."),
        (RSS, "10s", "a feed is polled at most once a minute (every 10s is less)."),
        (RSS, "often", "not a duration: 'often' (write e.g. 90s, 30m, 2h or 1d)."),
    ],
)
async def test_a_bad_url_or_interval_gets_one_line_and_adds_nothing(feeds, url, every, expected):
    h, index = feeds
    bot, guild = await h.bot(), Guild()
    options = {"url": url} | ({"every": every} if every else {})
    answer = await feeds_cmd(h, bot, guild, MOD, "add", **options)
    assert answer == expected and "\n" not in answer
    assert index.feeds() == [] and h.services.review.audit_log(guild.id) == []


async def test_the_same_feed_twice_is_refused(feeds):
    h, index = feeds
    bot, guild = await h.bot(), Guild()
    await feeds_cmd(h, bot, guild, MOD, "add", url=RSS)
    answer = await feeds_cmd(h, bot, guild, MOD, "add", url=f"{RSS}?utm_source=x")
    assert answer == "the collection 'default' already has this feed (https://news.example/rss.xml)."
    # "Https://", as a phone's keyboard types it, is the same feed (it was "give the full URL")
    answer = await feeds_cmd(h, bot, guild, MOD, "add", url=RSS.replace("https://", "Https://"))
    assert answer == "the collection 'default' already has this feed (https://news.example/rss.xml)."
    assert len(index.feeds()) == 1


async def test_a_server_with_its_own_collection_polls_into_it_and_names_only_its_feeds(feeds, monkeypatch):
    h, index = feeds
    bot, city, elsewhere = await h.bot(), Guild(), Guild()
    monkeypatch.setattr(h.services.settings, "ingest_guilds", [new_id()])  # neither may change the shared corpus
    shared = index.add_feed("https://wire.example/rss")  # the operator's
    p = slash_sub(city, ADMIN, "claimbot", "setup", collection="City")
    await h.run(bot, p, until=h.followup_of(p))

    answer = await feeds_cmd(h, bot, city, MOD, "add", url=RSS)
    assert "into this server's collection `city`" in answer
    (own,) = index.feeds("city")
    listed = (await feeds_cmd(h, bot, city, MOD, "list")).splitlines()
    assert [line.split()[1] for line in listed] == [f"**#{shared.id}**", f"**#{own.id}**"]
    assert "`city`" in listed[1] and ", shared," in listed[0]
    assert (await feeds_cmd(h, bot, city, MOD, "pause", feed=str(own.id))).startswith("Paused")

    # the shared corpus only where the operator allows
    refused = await feeds_cmd(h, bot, city, MOD, "add", url="https://other.example/rss", shared=True)
    assert refused == feeds_feature.SHARED_REFUSAL
    assert await feeds_cmd(h, bot, city, MOD, "pause", feed=str(shared.id)) == feeds_feature.SHARED_REFUSAL
    refused = await feeds_cmd(h, bot, elsewhere, MOD, "add", url="https://other.example/rss")
    assert refused == feeds_feature.SHARED_REFUSAL + feeds_feature.OWN_COLLECTION_HINT
    assert "Changing the shared corpus's feeds is limited" in refused

    # another server neither sees nor changes this server's feeds
    assert str(own.id) not in await feeds_cmd(h, bot, elsewhere, MOD, "list")
    assert (await feeds_cmd(h, bot, elsewhere, MOD, "remove", feed=RSS)).startswith(f"no feed {RSS}")
    assert (await feeds_cmd(h, bot, elsewhere, MOD, "resume", feed=str(own.id))).startswith(f"no feed {own.id}")
    assert index.feeds("city")[0].state is FeedState.PAUSED

    monkeypatch.setattr(feeds_feature, "MAX_FEEDS_PER_COLLECTION", 1)
    capped = await feeds_cmd(h, bot, city, MOD, "add", url="https://third.example/rss")
    assert capped.startswith("This server's collection has 1 feed, the most it may have")
    assert len(index.feeds()) == 2
    actions = [e.action for e in h.services.review.audit_log(city.id)]
    assert actions.count("add_feed") == 1 and actions.count("pause_feed") == 1
