"""Watched claims in Discord (bot/features/watch.py): /watch, /watches, /unwatch, the Watch button on a
review card, and the update posted to the review channel after /ingest, or the bot's sweep, finds new
reporting (issue 25).

Driven through the real discord.py stack against the local fake Discord (tests/bot/harness.py).
"""

from __future__ import annotations

import asyncio
import logging

import pytest
import pytest_asyncio
from aiohttp import web
from sqlalchemy.exc import OperationalError

from claimbot.bot import runner
from claimbot.bot.app import ClaimBot
from claimbot.bot.features.watch import post_watch_updates, sweep_and_post
from claimbot.index.records import ArticleInput, IngestReport
from claimbot.index.service import ClaimIndex
from tests.bot.harness import (
    Harness,
    callback,
    custom_ids,
    flagged_card,
    followups,
    make_services,
    settle,
    setup_guild,
)
from tests.fake_discord import MANAGE_MESSAGES, MEMBER_PERMS, Guild, Member, Recorded, click, error, slash
from tests.hash_embedder import HashEmbedder

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

CLAIM = "The town council approved the new bridge"
PAGE = (
    "Bridge plan voted down\n\nThe council did not approve the new bridge. The vote was seven to two.",
    "Bridge plan voted down\n\nThe council did not approve the new bridge. The vote was seven to two. "
    "The mayor was away.",
)


@pytest_asyncio.fixture
async def article_server():
    """One article at /bridge; `state["version"]` picks its text (1: edited since)."""
    state = {"version": 0}

    async def article(_request: web.Request) -> web.Response:
        return web.Response(text=PAGE[state["version"]], content_type="text/plain")

    app = web.Application()
    app.router.add_get("/bridge", article)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/bridge", state
    await runner.cleanup()


@pytest_asyncio.fixture
async def h(fake, settings):
    # The article server is on 127.0.0.1; no relevance floor for the hash embedder's word-overlap cosines.
    settings = settings.model_copy(update={"fetch_allow_private": True, "relevance_floor": 0.0})
    index = ClaimIndex(settings, embedder=HashEmbedder())
    harness = Harness(fake, make_services(index))
    try:
        yield harness
    finally:
        await harness.close()
        index.close()


def is_update(r: Recorded, guild: Guild) -> bool:
    return (
        r.method == "POST"
        and r.path == f"/channels/{guild.review_channel_id}/messages"
        and any("watched claim" in e.get("title", "") for e in r.json.get("embeds", []))
    )


def updates_in(h: Harness, guild: Guild) -> list[Recorded]:
    return h.fake.find(lambda r: is_update(r, guild))


async def ingest(h: Harness, bot, guild: Guild, mod: Member, url: str) -> str:
    p = slash(guild, mod, "ingest", url=url)
    reqs = await h.run(bot, p, until=h.followup_of(p))
    await settle()  # the updates are posted after the reply, in the same command
    return followups(reqs)[0].json["content"]


async def test_an_ingest_that_conflicts_with_a_watched_claim_posts_one_update(h, article_server):
    url, page = article_server
    bot = await h.bot()
    guild, mod = Guild(), Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    await setup_guild(h, bot, guild)
    p = slash(guild, mod, "watch", claim=CLAIM)
    reqs = await h.run(bot, p, until=h.followup_of(p))
    assert callback(reqs) == {"type": 5, "data": {"flags": 64}}
    said = followups(reqs)[0].json["content"]
    assert said.startswith(f"Watching “{CLAIM}” until <t:") and "review channel" in said
    assert [e.action for e in h.services.review.audit_log(guild.id)][0] == "watch"

    assert (await ingest(h, bot, guild, mod, url)).startswith("Added")
    [update] = updates_in(h, guild)
    embed = update.json["embeds"][0]
    assert embed["title"] == "🔴 New reporting conflicts with a watched claim"
    assert f"**Claim:** {CLAIM}" in embed["description"]
    assert "> The council did not approve the new bridge." in embed["description"]
    assert f"**Source:** [Bridge plan voted down]({url})" in embed["description"]
    assert update.json["allowed_mentions"] == {"parse": []}

    # The same page again, unchanged, and then edited (its sentences stored anew): nothing new to say.
    assert (await ingest(h, bot, guild, mod, url)).startswith("Nothing changed")
    page["version"] = 1
    assert (await ingest(h, bot, guild, mod, url)).startswith("Updated")
    assert len(updates_in(h, guild)) == 1


async def test_only_moderators_watch_and_the_card_button_links_the_answer(h, article_server):
    url, _ = article_server
    bot = await h.bot()
    guild = Guild()
    card, flagger = await flagged_card(h, bot, guild, claim=CLAIM)
    p = slash(guild, flagger, "watch", claim=CLAIM)
    reqs = await h.run(bot, p, until=h.followup_of(p))
    assert "Only moderators" in followups(reqs)[0].json["content"]
    button = next(c for c in custom_ids(card) if c.startswith("watch:"))
    p = click(guild, flagger, card, button)
    reqs = await h.run(bot, p, until=h.followup_of(p))
    assert "Only moderators" in followups(reqs)[0].json["content"]
    assert h.services.review.watches.active(guild.id) == []

    mod = Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    p = click(guild, mod, card, button)
    reqs = await h.run(bot, p, until=h.followup_of(p))
    assert followups(reqs)[0].json["content"].startswith(f"Watching “{CLAIM}”")
    [watch] = h.services.review.watches.active(guild.id)
    answer = h.services.review.get_answer(guild.id, watch.answer_id)

    await ingest(h, bot, guild, mod, url)
    [update] = updates_in(h, guild)
    link = f"https://discord.com/channels/{guild.id}/{answer.channel_id}/{answer.message_id}"
    assert f"[Jump to the original answer]({link})" in update.json["embeds"][0]["description"]


async def test_an_article_another_process_ingested_is_read_by_the_bots_sweep_once(h, settings, article_server):
    """`claimbot ingest` runs in a process of its own: the bot's sweep finds its articles. The sweeps
    are the test's own: the periodic one, at start, could otherwise read the article first."""
    bot = await quiet_bot(h)
    guild, mod = Guild(), Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    await setup_guild(h, bot, guild)
    p = slash(guild, mod, "watch", claim=CLAIM)
    await h.run(bot, p, until=h.followup_of(p))

    other = ClaimIndex(h.services.index.settings, embedder=HashEmbedder())  # as `claimbot ingest` opens it
    try:
        report = other.ingest([ArticleInput(title="Bridge plan voted down", text=PAGE[0], origin="cli-bridge")])
    finally:
        other.close()
    assert report.added == 1
    assert h.services.index.store.watch_pending_articles(10) == report.article_ids

    assert await sweep_and_post(bot) == 1
    [update] = updates_in(h, guild)
    assert "> The council did not approve the new bridge." in update.json["embeds"][0]["description"]
    assert h.services.index.store.watch_pending_articles(10) == []
    assert await sweep_and_post(bot) == 0
    assert len(updates_in(h, guild)) == 1


async def test_a_watch_made_before_the_sweep_read_an_earlier_article_posts_nothing_about_it(h):
    """`claimbot ingest`, then /watch before the bot's sweep came round: the article was already
    there (in the answer the moderator watched), not new reporting. The sweeps are the test's own: the
    periodic one, at start, cleared the article before the watch when it ran late (seen once)."""
    bot = await quiet_bot(h)
    guild, mod = Guild(), Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    await setup_guild(h, bot, guild)
    other = ClaimIndex(h.services.index.settings, embedder=HashEmbedder())
    try:
        report = other.ingest([ArticleInput(title="Bridge plan voted down", text=PAGE[0], origin="cli-bridge")])
    finally:
        other.close()
    p = slash(guild, mod, "watch", claim=CLAIM)
    await h.run(bot, p, until=h.followup_of(p))
    assert h.services.index.store.watch_pending_articles(10) == report.article_ids

    assert await sweep_and_post(bot) == 0
    assert updates_in(h, guild) == []
    assert h.services.index.store.watch_pending_articles(10) == []


async def test_watches_lists_and_unwatch_stops_a_watch(h, article_server):
    url, _ = article_server
    bot = await h.bot()
    guild, mod = Guild(), Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    await setup_guild(h, bot, guild)

    async def said(name: str, member: Member = mod, **options) -> str:
        p = slash(guild, member, name, **options)
        return followups(await h.run(bot, p, until=h.followup_of(p)))[0].json["content"]

    assert (await said("watches")).startswith("No claim is watched on this server.")
    await said("watch", claim=CLAIM)
    [watch] = h.services.review.watches.active(guild.id)
    listed = await said("watches")
    assert listed.startswith("1 watched claim (`/unwatch watch:N` stops one):")
    assert f"#{watch.id} “{CLAIM}” until <t:" in listed

    assert "Only moderators" in await said("unwatch", Member(), watch=watch.id)
    assert (await said("unwatch", watch=watch.id + 1)).startswith(f"There is no watch #{watch.id + 1}")
    assert await said("unwatch", watch=watch.id) == f"Stopped watching “{CLAIM}” (watch #{watch.id})."
    assert h.services.review.watches.active(guild.id) == []
    assert [e.action for e in h.services.review.audit_log(guild.id)][:2] == ["unwatch", "watch"]

    # No longer watched: an ingest that conflicts with the claim posts nothing.
    assert (await ingest(h, bot, guild, mod, url)).startswith("Added")
    assert updates_in(h, guild) == []


async def test_watching_a_claim_in_another_language_says_only_fact_checks_are_posted(h):
    # The stance model reads English only: a Spanish claim's watch never posts a passage, and the
    # reply promised "new reporting that supports or conflicts with it".
    bot = await h.bot()
    guild, mod = Guild(), Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    await setup_guild(h, bot, guild)

    async def said(claim: str) -> str:
        p = slash(guild, mod, "watch", claim=claim)
        return followups(await h.run(bot, p, until=h.followup_of(p)))[0].json["content"]

    spanish = await said("El consejo municipal aprobó el nuevo puente")
    assert "new fact-checks that rate it are posted in the review channel, but no passages" in spanish
    assert "the claim is in Spanish, and claimbot's stance model reads English only." in spanish
    english = await said(CLAIM)
    assert "new reporting that supports or conflicts with it is posted in the review channel." in english
    assert "Spanish" not in english


async def watched_in(h: Harness, bot, *guilds: Guild) -> None:
    """Each guild set up and watching CLAIM; an article conflicting with it ingested by another process
    (`bot` without the periodic sweep, `quiet_bot`: its sweep at start could read the article first)."""
    mod = Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    for guild in guilds:
        await setup_guild(h, bot, guild)
        p = slash(guild, mod, "watch", claim=CLAIM)
        await h.run(bot, p, until=h.followup_of(p))
    other = ClaimIndex(h.services.index.settings, embedder=HashEmbedder())
    try:
        other.ingest([ArticleInput(title="Bridge plan voted down", text=PAGE[0], origin="cli-bridge")])
    finally:
        other.close()


async def test_a_failed_settings_read_leaves_the_updates_for_the_next_sweep(h, article_server, monkeypatch, caplog):
    """One server's settings could not be read: the other servers' updates are posted, its own are
    posted by the next sweep rather than lost as already sent."""
    bot = await quiet_bot(h)  # the sweeps are the test's own
    failing, healthy = Guild(), Guild()
    await watched_in(h, bot, failing, healthy)
    updates = await asyncio.to_thread(h.services.index.sweep_watches, h.services.review)
    assert [u.watch.guild_id for u in updates] == [failing.id, healthy.id]

    read = h.services.review.guild_config

    def flaky(guild_id: int):
        if guild_id == failing.id:
            raise OperationalError("SELECT guild_settings", {}, Exception("database is locked"))
        return read(guild_id)

    monkeypatch.setattr(h.services.review, "guild_config", flaky)
    assert await post_watch_updates(bot, updates) == 1
    assert updates_in(h, failing) == [] and len(updates_in(h, healthy)) == 1
    assert f"guild {failing.id}" in caplog.text and "next sweep" in caplog.text

    monkeypatch.setattr(h.services.review, "guild_config", read)
    assert await sweep_and_post(bot) == 1
    assert len(updates_in(h, failing)) == 1 and len(updates_in(h, healthy)) == 1
    assert await sweep_and_post(bot) == 0


async def test_a_failure_posting_the_feeds_updates_is_logged(h, monkeypatch):
    """The feeds' thread hands its updates to the event loop and does not wait: a failure there is
    logged rather than left in a future nobody reads."""
    bot = await h.bot()
    loop = asyncio.get_running_loop()
    logged = asyncio.Event()

    class Seen(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.exc_info and "watch updates of the feeds" in record.getMessage():
                loop.call_soon_threadsafe(logged.set)

    async def fails(_client, _updates) -> int:
        raise RuntimeError("the embed could not be built")

    monkeypatch.setattr(runner, "post_watch_updates", fails)
    monkeypatch.setattr(h.services.index, "sweep_watches", lambda _review: ["an update"])
    handler = Seen()
    logging.getLogger("claimbot.discord").addHandler(handler)
    try:
        after_ingest = runner._watch_updates_from_feeds(bot, loop)
        await asyncio.to_thread(after_ingest, IngestReport(added=1, article_ids=[1]))
        await asyncio.wait_for(logged.wait(), 10)
    finally:
        logging.getLogger("claimbot.discord").removeHandler(handler)


async def test_discords_errors_on_one_review_channel_leave_the_others_posted(h, article_server, caplog):
    """A 503 on one server's review channel keeps its update for the next sweep, a 403 (no permission)
    drops it with a line in the log; neither stops the other servers' updates."""
    bot = await quiet_bot(h)  # the sweeps are the test's own
    unavailable, forbidden, healthy = Guild(), Guild(), Guild()
    await watched_in(h, bot, unavailable, forbidden, healthy)
    errors = {
        f"/channels/{unavailable.review_channel_id}/messages": (503, 0, "Service Unavailable"),
        f"/channels/{forbidden.review_channel_id}/messages": (403, 50013, "Missing Permissions"),
    }

    def fail(r: Recorded) -> web.Response | None:
        return error(*errors[r.path]) if r.method == "POST" and r.path in errors else None

    h.fake.fail = fail
    assert await sweep_and_post(bot) == 1
    assert len(updates_in(h, healthy)) == 1
    assert "next sweep" in caplog.text
    assert f"dropped: guild {forbidden.id}'s review channel {forbidden.review_channel_id}" in caplog.text

    h.fake.fail = None
    assert await sweep_and_post(bot) == 1
    posted = [r for g in (unavailable, forbidden, healthy) for r in updates_in(h, g) if r.status == 200]
    assert [r.path for r in posted] == [
        f"/channels/{unavailable.review_channel_id}/messages",
        f"/channels/{healthy.review_channel_id}/messages",
    ]
    assert await sweep_and_post(bot) == 0


async def test_closing_the_bot_stops_the_feeds_first_and_posts_what_their_last_article_brought(h, article_server):
    """SIGTERM while the feeds' thread ingests an article: the article is finished, and the watch
    update it brings (reserved once only) is posted before the bot's connection to Discord closes."""
    bot = await h.bot()
    guild = Guild()
    await watched_in(h, bot, guild)
    after_ingest = runner._watch_updates_from_feeds(bot, asyncio.get_running_loop())

    class Feeds:
        """The feeds' thread, told to stop while it ingests an article."""

        stopped = False

        def stop(self, timeout: float | None = None) -> None:
            if not self.stopped:
                self.stopped = True
                after_ingest(IngestReport(added=1, article_ids=[1]))

    feeds = Feeds()
    bot.feed_watcher = feeds  # type: ignore[assignment]
    await bot.close()  # what SIGTERM does
    await asyncio.to_thread(feeds.stop)  # and then `serve` itself, on its way out
    await h.fake.wait_for(
        lambda r: r.method == "POST" and r.path == f"/channels/{guild.review_channel_id}/messages" and r.status == 200
    )
    assert len(updates_in(h, guild)) == 1


async def quiet_bot(h: Harness) -> ClaimBot:
    """A bot whose sweeps are the test's own (no periodic sweep beside them)."""
    bot = ClaimBot(h.services, background_work=False)
    await bot.login("fake-token")
    h.bots.append(bot)
    return bot


async def restarted(h: Harness) -> ClaimBot:
    """A new bot process on the same database: its own review service, nothing of the old one's memory."""
    h.services = make_services(h.services.index)
    return await quiet_bot(h)


async def test_an_update_discord_refused_for_a_while_is_posted_once_by_the_restarted_bot(h, article_server):
    """A 503 on the review channel keeps the update for the next sweep; the bot restarts before that
    sweep: the new process posts it, and posts it once."""
    bot = await quiet_bot(h)
    guild = Guild()
    await watched_in(h, bot, guild)
    h.fake.fail = lambda r: (
        error(503, 0, "Service Unavailable") if r.method == "POST" and "/channels/" in r.path else None
    )
    assert await sweep_and_post(bot) == 0
    assert [r.status for r in updates_in(h, guild)] == [503]
    await bot.close()

    h.fake.fail = None
    bot = await restarted(h)
    assert bot.unposted_updates == []
    assert await sweep_and_post(bot) == 1
    [refused, posted] = updates_in(h, guild)
    assert posted.status == 200 and posted.json["embeds"] == refused.json["embeds"]
    assert await sweep_and_post(bot) == 0
    second = await restarted(h)
    assert await sweep_and_post(second) == 0
    assert len(updates_in(h, guild)) == 2


async def test_an_update_kept_for_later_is_not_posted_once_its_source_is_blocked(h):
    """A 503 kept the update for the next sweep; a moderator blocked its source meanwhile (written
    www. and in capitals): the next sweep posted it all the same, as the blocked source's reporting."""
    bot = await quiet_bot(h)
    guild, mod = Guild(), Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    await setup_guild(h, bot, guild)
    p = slash(guild, mod, "watch", claim=CLAIM)
    await h.run(bot, p, until=h.followup_of(p))
    url = "https://www.Rumours.example/bridge"
    article = ArticleInput(title="Bridge plan voted down", text=PAGE[0], origin=url, url=url)
    assert h.services.index.ingest([article]).added == 1
    h.fake.fail = lambda r: (
        error(503, 0, "Service Unavailable") if r.method == "POST" and "/channels/" in r.path else None
    )
    assert await sweep_and_post(bot) == 0
    h.fake.fail = None
    h.services.index.block_domain("WWW.rumours.EXAMPLE")
    assert await sweep_and_post(bot) == 0
    assert [r.status for r in updates_in(h, guild)] == [503]  # the refused one only
    h.services.index.unblock_domain("rumours.example")
    assert await sweep_and_post(bot) == 0  # dropped, as an answer quoting it is withdrawn


async def test_updates_a_closing_bot_had_not_posted_yet_are_posted_by_the_restarted_one(h, article_server):
    """SIGTERM while the bot's sweep is posting: what it had not posted yet is stored, and the next
    process posts it, once; the one being posted when the bot closed is not posted twice."""
    bot = await quiet_bot(h)
    first, second = Guild(), Guild()
    await watched_in(h, bot, first, second)
    h.fake.hold = lambda r: is_update(r, first)
    bot._sweeper = asyncio.create_task(sweep_and_post(bot))  # type: ignore[assignment]
    await h.fake.wait_for(h.fake.hold)
    closing = asyncio.create_task(bot.close())
    await asyncio.wait([bot._sweeper])
    h.fake.hold = None
    h.fake.released.set()
    await closing
    assert updates_in(h, second) == []

    bot = await restarted(h)
    assert await sweep_and_post(bot) == 1
    assert len(updates_in(h, first)) == 1 and len(updates_in(h, second)) == 1
    assert await sweep_and_post(bot) == 0


async def test_updates_a_sweep_found_while_the_bot_closed_are_posted_by_the_restarted_one(
    h, article_server, monkeypatch
):
    """SIGTERM while the sweep reads new articles (in its thread, where each update is reserved once):
    the thread finishes after the bot stopped waiting for it, and the next process posts its updates."""
    import threading

    bot = await quiet_bot(h)
    guild = Guild()
    await watched_in(h, bot, guild)
    read, gate = h.services.index.sweep_watches, threading.Event()
    reading = asyncio.Event()
    loop = asyncio.get_running_loop()

    def slow_sweep(review):
        updates = read(review)  # reserved now
        loop.call_soon_threadsafe(reading.set)
        gate.wait(10)
        return updates

    monkeypatch.setattr(h.services.index, "sweep_watches", slow_sweep)
    bot._sweeper = asyncio.create_task(sweep_and_post(bot))  # type: ignore[assignment]
    await reading.wait()
    closing = asyncio.create_task(bot.close())
    await asyncio.wait([bot._sweeper])
    gate.set()
    await closing
    await asyncio.to_thread(bot.heavy._executor.shutdown, wait=True)  # the sweep's thread is done
    monkeypatch.setattr(h.services.index, "sweep_watches", read)
    assert updates_in(h, guild) == []

    bot = await restarted(h)
    assert await sweep_and_post(bot) == 1
    assert len(updates_in(h, guild)) == 1
    assert await sweep_and_post(bot) == 0
