"""Moderators manage the corpus: `/article remove` and `/source block|unblock|list`.

The shared corpus is every server's, so changing it is gated like /ingest (CLAIMBOT_INGEST_GUILDS);
an article of the server's own collection (/claimbot setup) is its moderators' to remove anywhere.
Every action goes to the audit log and the mod-log channel.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from discord import app_commands
from discord.ext import commands

from claimbot.bot.embeds import cut, md
from claimbot.bot.features.ingest import INGEST_REFUSAL, ingest_allowed_here
from claimbot.bot.interactions import (
    Interaction,
    audit,
    guild_id_of,
    moderator_only,
    post_mod_log,
    reply_private,
    run_heavy,
    services,
)
from claimbot.bot.words import counted
from claimbot.index.review import AuditAction
from claimbot.index.service import DEFAULT_COLLECTION, CorpusError, RemovedArticle

if TYPE_CHECKING:
    from claimbot.bot.app import ClaimBot

SOURCES_SHOWN = 25


class CorpusCommands(commands.Cog):
    # No default_permissions: moderators by /claimbot setup's role must see these (see /review).
    article = app_commands.Group(name="article", description="Moderators: the indexed articles", guild_only=True)
    source = app_commands.Group(
        name="source", description="Moderators: the sources (domains) articles come from", guild_only=True
    )

    def __init__(self, bot: ClaimBot) -> None:
        self.bot = bot

    @article.command(name="remove", description="Remove an article and its passages from the corpus")
    @app_commands.describe(article="The article's number (as /sources shows it) or its URL", reason="Why")
    @moderator_only()
    async def remove(
        self,
        interaction: Interaction,
        article: app_commands.Range[str, 1, 2048],
        reason: app_commands.Range[str, 3, 500],
    ) -> None:
        svc, guild_id = services(interaction), guild_id_of(interaction)
        collections = await asyncio.to_thread(svc.collections, guild_id)
        try:
            found = await asyncio.to_thread(svc.index.find_articles, article, collections)
        except CorpusError as exc:
            await reply_private(interaction, f"{exc}.")
            return
        if not found:
            await reply_private(interaction, f"No indexed article {md(cut(article, 200))} is searched in this server.")
            return
        allowed = svc.settings.ingest_guilds
        if any(a.collection == DEFAULT_COLLECTION for a in found) and allowed is not None and guild_id not in allowed:
            await reply_private(interaction, INGEST_REFUSAL.replace("Adding articles", "Changing the shared corpus"))
            return
        # Removing drops vectors from the index the checks use: model-pool work, not the event loop's.
        passages = await run_heavy(interaction.client, guild_id, svc.index.remove_articles, found, kind="ingest")
        for a in found:
            await audit(
                interaction,
                AuditAction.REMOVE_ARTICLE,
                f"article:{a.id}",
                reason=reason,
                before={"url": a.url, "title": a.title, "collection": a.collection, "passages": a.passages},
            )
        names = "; ".join(_name(a) for a in found)
        await reply_private(
            interaction, f"Removed {names}: {counted(passages, 'passage')} no longer searched.", suppress_embeds=True
        )
        await post_mod_log(interaction, f"🗑️ <@{interaction.user.id}> removed {names}: {md(reason)}")

    @source.command(name="block", description="Block a source: never fetched again, its passages never shown")
    @app_commands.describe(domain="The domain, e.g. example.com (its subdomains too)", reason="Why")
    @moderator_only()
    @ingest_allowed_here()
    async def block(
        self,
        interaction: Interaction,
        domain: app_commands.Range[str, 1, 255],
        reason: app_commands.Range[str, 3, 500],
    ) -> None:
        guild_id_of(interaction)  # refuses a direct message before anything changes
        svc = services(interaction)
        try:
            outcome = await asyncio.to_thread(
                lambda: svc.index.block_domain(domain, reason=reason, actor_id=interaction.user.id)
            )
        except CorpusError as exc:
            await reply_private(interaction, f"{exc}.")
            return
        if not outcome.changed:
            await reply_private(interaction, f"{outcome.domain} is blocked already.")
            return
        await audit(
            interaction,
            AuditAction.BLOCK_SOURCE,
            f"domain:{outcome.domain}",
            reason=reason,
            after={"articles": outcome.articles},
        )
        hidden = counted(outcome.articles, "indexed article")
        await reply_private(
            interaction, f"Blocked {outcome.domain}: {hidden} no longer shown, and it is never fetched."
        )
        await post_mod_log(
            interaction, f"⛔ <@{interaction.user.id}> blocked {outcome.domain} ({hidden} hidden): {md(reason)}"
        )

    @source.command(name="unblock", description="Unblock a source: its indexed articles are shown again")
    @app_commands.describe(domain="A blocked domain (/source list shows them)")
    @moderator_only()
    @ingest_allowed_here()
    async def unblock(self, interaction: Interaction, domain: app_commands.Range[str, 1, 255]) -> None:
        guild_id_of(interaction)  # refuses a direct message before anything changes
        svc = services(interaction)
        try:
            outcome = await asyncio.to_thread(svc.index.unblock_domain, domain)
        except CorpusError as exc:
            await reply_private(interaction, f"{exc}.")
            return
        if not outcome.changed:
            await reply_private(interaction, f"{outcome.domain} is not blocked.")
            return
        await audit(
            interaction,
            AuditAction.UNBLOCK_SOURCE,
            f"domain:{outcome.domain}",
            after={"articles": outcome.articles},
        )
        shown = counted(outcome.articles, "indexed article")
        await reply_private(interaction, f"Unblocked {outcome.domain}: {shown} shown again.")
        await post_mod_log(interaction, f"✅ <@{interaction.user.id}> unblocked {outcome.domain} ({shown}).")

    @source.command(name="list", description="The sources this server searches: articles, newest, blocked")
    @moderator_only()
    async def list_sources(self, interaction: Interaction) -> None:
        svc, guild_id = services(interaction), guild_id_of(interaction)
        collections = await asyncio.to_thread(svc.collections, guild_id)
        stats = await asyncio.to_thread(svc.index.sources, collections)
        if not stats:
            await reply_private(interaction, "No article is indexed yet.")
            return
        lines = [
            f"• {md(s.source)}: {counted(s.articles, 'article')}, "
            + (f"newest {s.newest}" if s.newest else "undated")
            + (" · **blocked**" if s.blocked else "")
            for s in stats[:SOURCES_SHOWN]
        ]
        if len(stats) > SOURCES_SHOWN:
            lines.append(f"… and {len(stats) - SOURCES_SHOWN} more (`claimbot sources list` has them all)")
        await reply_private(interaction, cut("\n".join(lines), 2000))


def _name(a: RemovedArticle) -> str:
    return f"article #{a.id} ({md(cut(a.title or a.url or 'untitled', 100))})"
