"""`/sources`: the indexed articles, in a private pager."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from claimbot.bot.embeds import sources_embed
from claimbot.bot.interactions import Interaction, guarded, refuse, reply_private, services
from claimbot.index.review import SourcesPage

if TYPE_CHECKING:
    from claimbot.bot.app import ClaimBot

log = logging.getLogger("claimbot.discord")
# Idle time after which a pager stops answering (and its buttons are taken off): shorter than the
# 15 minutes an interaction's token lives, so the last one can still edit the message.
PAGER_TIMEOUT_S = 600
PAGER_EXPIRED = (
    "This list has expired (claimbot was restarted, or the list was left unused for a while): "
    "run `/sources` again for a fresh one."
)


class OwnerPager(discord.ui.View):
    """A short-lived private pager (for /sources): only the user who asked can turn pages."""

    def __init__(
        self,
        shown_by: discord.Interaction[Any],
        fetch: Callable[[int], SourcesPage],
        render: Callable[[SourcesPage], discord.Embed],
        page: int,
        pages: int,
    ) -> None:
        super().__init__(timeout=PAGER_TIMEOUT_S)
        self.owner_id, self.fetch, self.render, self.page, self.pages = shown_by.user.id, fetch, render, page, pages
        # Custom ids that name the pager (the /sources interaction): a click that no live pager
        # answers any more, after a restart, is told so by `ExpiredPagerButton`.
        self.pager_id = shown_by.id
        self.previous.custom_id = f"sources:{self.pager_id}:previous"
        self.next.custom_id = f"sources:{self.pager_id}:next"
        # The interaction that last showed the pager: its token edits the message at the timeout.
        self.shown_by = shown_by
        self._sync()

    async def on_timeout(self) -> None:
        """discord.py forgets the pager now: without its buttons taken off, a click on one would get
        "This interaction failed"."""
        try:
            await self.shown_by.edit_original_response(view=None)
        except discord.HTTPException:
            log.info("could not take the buttons off the /sources pager of %s", self.shown_by.id)

    def _sync(self) -> None:
        self.previous.disabled = self.page <= 0
        self.next.disabled = self.page >= self.pages - 1

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.user.id != self.owner_id:
            await reply_private(interaction, "Only the person who ran the command can turn these pages.")
            return False
        return True

    async def _turn(self, interaction: Interaction, page: int) -> None:
        # Acknowledged before the page is read, as /sources is: Discord drops a click that is not
        # acknowledged within 3 s, and a busy database can take that long.
        await interaction.response.defer()
        self.shown_by = interaction
        result = await asyncio.to_thread(self.fetch, page)
        self.page, self.pages = result.page, result.pages
        self._sync()
        await interaction.edit_original_response(embed=self.render(result), view=self)

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        """A failed page turn is answered privately (as `guarded` answers), not "This interaction failed"."""
        log.error("turning a /sources page failed", exc_info=error)
        await refuse(interaction, f"Sorry, that failed: {type(error).__name__}. Please try again later.")

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: Interaction, button: discord.ui.Button[OwnerPager]) -> None:
        await self._turn(interaction, self.page - 1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: Interaction, button: discord.ui.Button[OwnerPager]) -> None:
        await self._turn(interaction, self.page + 1)


class ExpiredPagerButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"sources:(?P<pager_id>\d+):(?:previous|next)"
):
    """A /sources pager's button whose pager is gone: the bot was restarted since (a pager lives in
    memory only), or the pager timed out and taking its buttons off failed. Its click is answered
    privately instead of "This interaction failed". A live pager answers its own clicks: discord.py
    hands every click to both."""

    def __init__(self, pager_id: int) -> None:
        super().__init__(discord.ui.Button(label="Next", custom_id=f"sources:{pager_id}:next"))
        self.pager_id = pager_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ExpiredPagerButton:
        return cls(int(match["pager_id"]))

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        pager: OwnerPager | None = interaction.client.pagers.get(self.pager_id)
        return pager is None or pager.is_finished()

    @guarded
    async def callback(self, interaction: Interaction) -> None:
        await reply_private(interaction, PAGER_EXPIRED)


class SourcesCommands(commands.Cog):
    def __init__(self, bot: ClaimBot) -> None:
        self.bot = bot

    @app_commands.command(name="sources", description="List the indexed articles")
    @app_commands.describe(query="Only articles whose title, outlet or URL contains this")
    @app_commands.guild_only()
    async def sources(self, interaction: Interaction, query: str | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        guild_id = interaction.guild_id or 0

        def fetch(page: int) -> SourcesPage:
            return svc.review.sources(query, page=page, collections=svc.collections(guild_id))

        def render(p: SourcesPage) -> discord.Embed:
            return sources_embed(p, query)

        page = await asyncio.to_thread(fetch, 0)
        view = OwnerPager(interaction, fetch, render, page.page, page.pages)
        self.bot.pagers[view.pager_id] = view
        await interaction.followup.send(
            embed=render(page), view=view if page.pages > 1 else discord.utils.MISSING, ephemeral=True
        )
