"""Slash commands and the "Check this claim" message command."""

from __future__ import annotations

import asyncio
import logging

import discord
from discord import app_commands
from discord.ext import commands

from claimbot.bot.components import answer_view
from claimbot.bot.embeds import answer_embed, first_page_indices, queue_embed, sources_embed
from claimbot.bot.interactions import (
    CHECK_TOP,
    NO_MENTIONS,
    refuse_after_public_defer,
    reply_private,
    require_moderator,
    run_heavy,
    services,
)
from claimbot.index.corpus.sources import SourceOptions, read_inputs
from claimbot.index.review.service import ClaimInvalid, normalise_claim
from claimbot.index.service import ClaimError

log = logging.getLogger("claimbot.discord")


async def run_check(interaction: discord.Interaction, text: str | None, *, private: bool, from_message: bool) -> None:
    """Validate, defer within 3 s, rate-limit, check off the loop, store the answer as shown, send it."""
    svc = services(interaction)
    if interaction.guild_id is None:
        await reply_private(interaction, "claimbot works in servers only.")
        return
    try:
        claim = svc.review.validate_claim(text)
    except ClaimInvalid as exc:
        empty = from_message and not normalise_claim(text or "")
        await reply_private(
            interaction, "That message has no claim I can check: it has no text." if empty else str(exc)
        )
        return
    await interaction.response.defer(ephemeral=private, thinking=True)
    decision = await asyncio.to_thread(svc.review.hit_rate_limit, interaction.guild_id, interaction.user.id)
    if not decision.allowed:
        who = "You have" if decision.scope == "user" else "This server has"
        message = f"{who} reached the limit of checks for now; try again in {decision.retry_after_s:.0f} s."
        if private:
            await reply_private(interaction, message)
        else:
            await refuse_after_public_defer(interaction, message)
        return
    try:
        result = await run_heavy(interaction.client, svc.index.check, claim, top=CHECK_TOP)
        # embeds the claim when no exact correction matches: model work too
        correction = await run_heavy(interaction.client, svc.review.find_correction, interaction.guild_id, claim)
        answer = await asyncio.to_thread(
            lambda: svc.review.record_answer(
                interaction.guild_id,
                channel_id=interaction.channel_id,
                asker_id=interaction.user.id,
                result=result,
                shown=len(first_page_indices(result)),
                correction=correction,
                private=private,
                model=svc.settings.embed_model,
                corpus_version=svc.corpus_version(),
            )
        )
        corpus = await asyncio.to_thread(svc.corpus_line)
    except ClaimError as exc:
        await interaction.followup.send(f"I cannot check that claim: {exc}.", ephemeral=True)
        return
    except Exception as exc:  # noqa: BLE001 - the user gets an answer, not "This interaction failed"
        log.exception("check failed for %r", claim)
        await interaction.followup.send(
            f"Sorry, the check failed ({type(exc).__name__}). Please try again later.", ephemeral=True
        )
        return
    message = await interaction.followup.send(
        embed=answer_embed(answer, corpus),
        view=answer_view(answer, publishable=private and from_message),
        ephemeral=private,
        allowed_mentions=NO_MENTIONS,
        wait=True,
    )
    await asyncio.to_thread(
        svc.review.set_answer_message,
        interaction.guild_id,
        answer.id,
        channel_id=interaction.channel_id,
        message_id=message.id,
    )


class OwnerPager(discord.ui.View):
    """A short-lived private pager (for /sources): only the user who asked can turn pages."""

    def __init__(self, owner_id: int, fetch, render, page: int, pages: int) -> None:  # noqa: ANN001
        super().__init__(timeout=600)
        self.owner_id, self.fetch, self.render, self.page, self.pages = owner_id, fetch, render, page, pages
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.page <= 0
        self.next.disabled = self.page >= self.pages - 1

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await reply_private(interaction, "Only the person who ran the command can turn these pages.")
            return False
        return True

    async def _turn(self, interaction: discord.Interaction, page: int) -> None:
        result = await asyncio.to_thread(self.fetch, page)
        self.page, self.pages = result.page, result.pages
        self._sync()
        await interaction.response.edit_message(embed=self.render(result), view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._turn(interaction, self.page - 1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._turn(interaction, self.page + 1)


class ClaimCommands(commands.Cog):
    claimbot = app_commands.Group(
        name="claimbot",
        description="claimbot settings for this server",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        # Context menus cannot be defined inside a class (discord.py); build it here.
        self.menu = app_commands.ContextMenu(name="Check this claim", callback=self.check_message)
        app_commands.guild_only(self.menu)
        bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    @app_commands.command(name="check", description="Check a claim against the indexed news articles")
    @app_commands.describe(claim="The claim to check, in a sentence or two", private="Only you see the answer")
    @app_commands.guild_only()
    async def check(self, interaction: discord.Interaction, claim: str, private: bool = False) -> None:
        await run_check(interaction, claim, private=private, from_message=False)

    async def check_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        await run_check(interaction, message.content, private=True, from_message=True)

    @app_commands.command(name="sources", description="List the indexed articles")
    @app_commands.describe(query="Only articles whose title, outlet or URL contains this")
    @app_commands.guild_only()
    async def sources(self, interaction: discord.Interaction, query: str | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        review = services(interaction).review
        fetch = lambda page: review.sources(query, page=page)  # noqa: E731
        page = await asyncio.to_thread(fetch, 0)
        render = lambda p: sources_embed(p, query)  # noqa: E731
        view = OwnerPager(interaction.user.id, fetch, render, page.page, page.pages)
        await interaction.followup.send(
            embed=render(page), view=view if page.pages > 1 else discord.utils.MISSING, ephemeral=True
        )

    @app_commands.command(name="ingest", description="Moderators: fetch, extract and index one article")
    @app_commands.describe(url="The article's http(s) URL")
    @app_commands.guild_only()
    # No default_permissions: Discord would hide the command from members who are moderators
    # only by the role chosen in /claimbot setup. require_moderator decides, on every use.
    async def ingest(self, interaction: discord.Interaction, url: str) -> None:
        # Acknowledge first: the moderator check may read the database. Refusals follow privately.
        await interaction.response.defer(ephemeral=True, thinking=True)
        allowed = services(interaction).settings.ingest_guilds
        if allowed is not None and interaction.guild_id not in allowed:
            # Every server reads the one corpus: its operator decides which servers may add to it.
            await reply_private(
                interaction,
                "Adding articles is limited to the servers the bot's operator chose "
                "(the article corpus is shared by every server the bot is in).",
            )
            return
        if not await require_moderator(interaction):
            return
        url = url.strip()
        if not url.startswith(("http://", "https://")) or len(url) > 2048:
            await reply_private(interaction, "Give the article's full http(s) URL.")
            return
        svc = services(interaction)
        s = svc.settings
        options = SourceOptions(
            max_bytes=s.max_article_bytes,
            timeout_s=s.fetch_timeout_s,
            max_redirects=s.fetch_max_redirects,
            allow_private=s.fetch_allow_private,
        )
        events = []
        report = await run_heavy(
            interaction.client, lambda: svc.index.ingest(read_inputs([url], options), on_event=events.append)
        )
        details = "; ".join(f"{e.outcome}: {e.detail}" for e in events) or ""
        errors = "; ".join(report.errors)
        await asyncio.to_thread(
            svc.review.log,
            interaction.guild_id,
            interaction.user.id,
            "ingest",
            f"url:{url[:90]}",
            after={
                "added": report.added,
                "replaced": report.replaced,
                "unchanged": report.unchanged,
                "failed": report.failed,
                "passages": report.passages,
                "errors": report.errors[:3],
            },
        )
        if report.failed:
            text = f"Could not index {url}: {errors or details}"
        elif report.added or report.replaced:
            verb = "Added" if report.added else "Updated"
            text = f"{verb} {url}: {report.passages} passages indexed. {details}".strip()
        else:
            text = f"Nothing changed: {url} is already indexed. {details}".strip()
        await interaction.followup.send(text[:2000], ephemeral=True, suppress_embeds=True)

    @app_commands.command(name="review", description="Moderators: the open flags, oldest first")
    @app_commands.guild_only()
    async def review(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)  # before the moderator check's read
        if not await require_moderator(interaction):
            return
        flags, total = await asyncio.to_thread(services(interaction).review.open_flags, interaction.guild_id, limit=15)
        await interaction.followup.send(embed=queue_embed(flags, total), ephemeral=True)

    @claimbot.command(name="setup", description="Set the review channel and the moderator role")
    @app_commands.describe(
        review_channel="Where review cards are posted", moderator_role="Who may review flags and ingest"
    )
    async def setup(
        self,
        interaction: discord.Interaction,
        review_channel: app_commands.AppCommandChannel,
        moderator_role: discord.Role,
    ) -> None:
        perms = interaction.permissions
        if not (perms.manage_guild or perms.administrator):
            await reply_private(
                interaction, "Only members with the Manage Server permission can change claimbot's settings."
            )
            return
        if review_channel.type not in (discord.ChannelType.text, discord.ChannelType.news):
            await reply_private(interaction, "The review channel must be a text channel.")
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        await asyncio.to_thread(
            lambda: svc.review.configure_guild(
                interaction.guild_id,
                interaction.user.id,
                review_channel_id=review_channel.id,
                moderator_role_id=moderator_role.id,
            )
        )
        try:
            channel = self.bot.get_partial_messageable(review_channel.id, guild_id=interaction.guild_id)
            await channel.send(
                f"claimbot will post review cards for flagged answers here. Moderators: <@&{moderator_role.id}>.",
                allowed_mentions=NO_MENTIONS,
            )
            posted = ""
        except discord.HTTPException as exc:
            posted = (
                f"\n⚠️ I could not post in {review_channel.mention} ({exc.status}): give me View Channel, "
                "Send Messages and Embed Links there."
            )
        await interaction.followup.send(
            f"Saved: review cards go to {review_channel.mention}; moderators are <@&{moderator_role.id}> "
            f"(and anyone with Manage Messages).{posted}",
            ephemeral=True,
        )
