"""Moderators choose the outlets polled for new articles: `/feeds add|list|remove|pause|resume`
(docs/feeds.md has what a poll does; the CLI's `claimbot feeds` is the operator's side).

A server with its own collection (/claimbot setup) polls feeds into it; the shared corpus is every
server's, so its feeds are changed only from the servers CLAIMBOT_INGEST_GUILDS allows, as in
/article remove. A server sees and names only the feeds of the collections it searches. Every
change goes to the audit log and the mod-log channel.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from claimbot.bot.embeds import cut, linkable, md
from claimbot.bot.features.ingest import INGEST_REFUSAL
from claimbot.bot.interactions import (
    Interaction,
    audit,
    guild_id_of,
    moderator_only,
    post_mod_log,
    reply_private,
    services,
)
from claimbot.bot.words import counted, duration
from claimbot.index.review import AuditAction
from claimbot.index.service import DEFAULT_COLLECTION, Feed, FeedError, FeedState, http_url

if TYPE_CHECKING:
    from claimbot.bot.app import ClaimBot
    from claimbot.bot.services import Services

FEEDS_SHOWN = 20
# Every server with a collection of its own may add feeds to it without the operator's say, and the
# operator's poller fetches them all: a cap keeps one server from filling the poll rounds.
# The shared corpus has none (the servers allowed to change it are the operator's choice).
MAX_FEEDS_PER_COLLECTION = 25
SHARED_REFUSAL = INGEST_REFUSAL.replace("Adding articles", "Changing the shared corpus's feeds")
OWN_COLLECTION_HINT = " This server can poll feeds into a collection of its own: `/claimbot setup collection:`."
BAD_URL = "Give the feed's full http(s) URL: an RSS or Atom feed, a sitemap, or the site's home page."


class FeedsCommands(commands.Cog):
    # No default_permissions: moderators by /claimbot setup's role must see these (see /review).
    feeds = app_commands.Group(
        name="feeds", description="Moderators: the news feeds polled for new articles", guild_only=True
    )

    def __init__(self, bot: ClaimBot) -> None:
        self.bot = bot

    @feeds.command(name="add", description="Poll a news feed for new articles (RSS, Atom, sitemap or home page)")
    @app_commands.describe(
        url="The feed's http(s) URL, or the site's home page (its feed is found at the first poll)",
        every="How often to poll it: 30m, 2h, 1d (at least 1m; default: the bot's setting)",
        shared="Into the shared corpus rather than this server's own collection",
    )
    @moderator_only()
    async def add(
        self,
        interaction: Interaction,
        url: app_commands.Range[str, 1, 2048],
        every: app_commands.Range[str, 1, 20] | None = None,
        shared: bool = False,
    ) -> None:
        fetched = http_url(url.strip())  # "Https://", as a phone's keyboard capitalises it, too
        if fetched is None:
            await reply_private(interaction, BAD_URL)
            return
        url = fetched
        svc, guild_id = services(interaction), guild_id_of(interaction)
        own = await asyncio.to_thread(_own_collection, svc, guild_id)
        collection = own if own is not None and not shared else DEFAULT_COLLECTION
        if collection == DEFAULT_COLLECTION:
            refusal = _shared_refusal(svc, guild_id)
            if refusal is not None:
                await reply_private(interaction, refusal + ("" if own else OWN_COLLECTION_HINT))
                return
        else:
            # Counted before adding: two moderators adding at the same moment may pass the cap by one.
            held = len(await asyncio.to_thread(svc.index.feeds, collection))
            if held >= MAX_FEEDS_PER_COLLECTION:
                await reply_private(
                    interaction,
                    f"This server's collection has {counted(held, 'feed')}, the most it may have: "
                    "remove one first (`/feeds list` shows them).",
                )
                return
        try:
            feed = await asyncio.to_thread(lambda: svc.index.add_feed(url, collection=collection, every=every))
        except FeedError as exc:
            await reply_private(interaction, f"{cut(str(exc), 400)}.", suppress_embeds=True)
            return
        await audit(
            interaction,
            AuditAction.ADD_FEED,
            f"feed:{feed.id}",
            after=feed.audit_state(),
        )
        where = _where(feed.collection)
        await reply_private(
            interaction,
            f"Added feed #{feed.id}: {_shown(feed.url)}, polled every {duration(feed.interval_s)} into {where}. "
            "It is due now; `/feeds list` shows how its polls go.",
            suppress_embeds=True,
        )
        await post_mod_log(
            interaction,
            f"📰 <@{interaction.user.id}> added feed #{feed.id} {_shown(feed.url)} "
            f"(every {duration(feed.interval_s)}, {where})",
        )

    @feeds.command(name="list", description="The feeds polled for this server: state, last poll, last error")
    @moderator_only()
    async def list_feeds(self, interaction: Interaction) -> None:
        svc, guild_id = services(interaction), guild_id_of(interaction)
        collections = await asyncio.to_thread(svc.collections, guild_id)
        feeds = await asyncio.to_thread(svc.index.feeds, collections)
        if not feeds:
            await reply_private(interaction, "No feed is polled for this server yet: add one with `/feeds add url:`.")
            return
        lines = [_line(f) for f in feeds[:FEEDS_SHOWN]]
        if len(feeds) > FEEDS_SHOWN:
            lines.append(f"… and {len(feeds) - FEEDS_SHOWN} more (`claimbot feeds list` has them all)")
        await reply_private(interaction, cut("\n".join(lines), 2000), suppress_embeds=True)

    @feeds.command(name="remove", description="Stop polling a feed; the articles it brought stay indexed")
    @app_commands.describe(feed="The feed's number (as /feeds list shows it) or its URL")
    @moderator_only()
    async def remove(self, interaction: Interaction, feed: app_commands.Range[str, 1, 2048]) -> None:
        svc, guild_id = services(interaction), guild_id_of(interaction)
        found = await _find(interaction, svc, guild_id, feed)
        if found is None:
            return
        if not await asyncio.to_thread(svc.index.remove_feed, found.id):
            await reply_private(interaction, f"Feed #{found.id} was removed meanwhile.")
            return
        await audit(
            interaction,
            AuditAction.REMOVE_FEED,
            f"feed:{found.id}",
            before=found.audit_state(),
        )
        await reply_private(
            interaction,
            f"Removed feed #{found.id} ({_shown(found.url)}): it is no longer polled; "
            "the articles it brought stay indexed.",
            suppress_embeds=True,
        )
        await post_mod_log(interaction, f"🗑️ <@{interaction.user.id}> removed feed #{found.id} {_shown(found.url)}")

    @feeds.command(name="pause", description="Stop polling a feed until /feeds resume")
    @app_commands.describe(feed="The feed's number (as /feeds list shows it) or its URL")
    @moderator_only()
    async def pause(self, interaction: Interaction, feed: app_commands.Range[str, 1, 2048]) -> None:
        await self._set_state(interaction, feed, FeedState.PAUSED)

    @feeds.command(name="resume", description="Poll a paused or failed feed again, at once")
    @app_commands.describe(feed="The feed's number (as /feeds list shows it) or its URL")
    @moderator_only()
    async def resume(self, interaction: Interaction, feed: app_commands.Range[str, 1, 2048]) -> None:
        await self._set_state(interaction, feed, FeedState.ACTIVE)

    async def _set_state(self, interaction: Interaction, ref: str, state: FeedState) -> None:
        svc, guild_id = services(interaction), guild_id_of(interaction)
        found = await _find(interaction, svc, guild_id, ref)
        if found is None:
            return
        pausing = state is FeedState.PAUSED
        if pausing and found.state is FeedState.PAUSED:
            await reply_private(interaction, f"Feed #{found.id} is paused already.")
            return
        # An active feed that has failed lately may be resumed: that ends its back-off.
        if not pausing and found.state is FeedState.ACTIVE and not found.failures:
            await reply_private(
                interaction, f"Feed #{found.id} is not paused: it is polled every {duration(found.interval_s)}."
            )
            return
        change = svc.index.pause_feed if pausing else svc.index.resume_feed
        changed = await asyncio.to_thread(change, found.id)
        if changed is None:
            await reply_private(interaction, f"Feed #{found.id} was removed meanwhile.")
            return
        await audit(
            interaction,
            AuditAction.PAUSE_FEED if pausing else AuditAction.RESUME_FEED,
            f"feed:{found.id}",
            before=found.audit_state(),
            after=changed.audit_state(),
        )
        if pausing:
            text, icon = "it is not polled until `/feeds resume`", "⏸️"
        else:
            text, icon = "it is due now", "▶️"
        verb = "Paused" if pausing else "Resumed"
        await reply_private(
            interaction, f"{verb} feed #{found.id} ({_shown(found.url)}): {text}.", suppress_embeds=True
        )
        await post_mod_log(
            interaction, f"{icon} <@{interaction.user.id}> {verb.lower()} feed #{found.id} {_shown(found.url)}"
        )


def _own_collection(svc: Services, guild_id: int) -> str | None:
    return svc.review.guild_config(guild_id).collection


def _shared_refusal(svc: Services, guild_id: int) -> str | None:
    allowed = svc.settings.ingest_guilds
    return SHARED_REFUSAL if allowed is not None and guild_id not in allowed else None


async def _find(interaction: Interaction, svc: Services, guild_id: int, ref: str) -> Feed | None:
    """The feed `ref` names among this server's, if this server may change it; else None, answered."""
    collections = await asyncio.to_thread(svc.collections, guild_id)
    try:
        feed = await asyncio.to_thread(svc.index.find_feed, ref, collections)
    except FeedError as exc:
        # Another server's feed is "no feed" too: a server does not learn what others poll.
        await reply_private(
            interaction, f"{md(cut(str(exc), 300))}: `/feeds list` shows this server's feeds.", suppress_embeds=True
        )
        return None
    if feed.collection == DEFAULT_COLLECTION:
        refusal = _shared_refusal(svc, guild_id)
        if refusal is not None:
            await reply_private(interaction, refusal)
            return None
    return feed


def _where(collection: str) -> str:
    return "the shared corpus" if collection == DEFAULT_COLLECTION else f"this server's collection `{collection}`"


def _shown(url: str) -> str:
    # Angle brackets: a link without a preview, in the mod-log channel too.
    return f"<{url}>" if linkable(url) and ">" not in url else md(cut(url, 200))


def _line(feed: Feed) -> str:
    polled = discord.utils.format_dt(feed.last_polled_at, "R") if feed.last_polled_at else "never"
    found = f" → {_shown(feed.feed_url)}" if feed.feed_url and feed.feed_url != feed.url else ""
    kind = feed.kind.value if feed.kind else "kind found at the first poll"
    where = "shared" if feed.collection == DEFAULT_COLLECTION else f"`{feed.collection}`"
    line = (
        f"• **#{feed.id}** {_shown(feed.url)}{found} · {kind}, {where}, every {duration(feed.interval_s)}, "
        f"{counted(feed.items, 'item')}, polled {polled}"
    )
    if feed.state is not FeedState.ACTIVE:
        line += f" · **{feed.state.value}**"
    if feed.failures:
        line += f" · {counted(feed.failures, 'failed poll')} in a row: {md(cut(feed.last_error or '?', 150))}"
    return line
