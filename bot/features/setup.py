"""`/claimbot setup` and `/claimbot settings` (a server's review channel, moderator role and mod-log
channel), and `/help`."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from claimbot.bot.embeds import cut, md
from claimbot.bot.features.review import post_missing_cards
from claimbot.bot.interactions import (
    NO_MENTIONS,
    Interaction,
    defer_privately,
    guild_id_of,
    post_mod_log,
    reply_private,
    services,
)
from claimbot.bot.words import counted, coverage
from claimbot.index.records import CorpusSummary
from claimbot.index.review import GuildConfig, ReviewError
from claimbot.index.service import COLLECTION_NAME, DEFAULT_COLLECTION

if TYPE_CHECKING:
    from claimbot.bot.app import ClaimBot


class SetupCommands(commands.Cog):
    claimbot = app_commands.Group(
        name="claimbot",
        description="claimbot settings for this server",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: ClaimBot) -> None:
        self.bot = bot

    @claimbot.command(name="setup", description="Change one or more settings: review channel, moderator role, mod-log")
    @app_commands.describe(
        review_channel="Where review cards are posted",
        moderator_role="Who may review flags, correct answers and ingest",
        mod_log_channel="Where every moderator action is posted, one line each (optional)",
        collection="This server's own collection, searched with the shared corpus; 'none': the shared corpus only",
    )
    async def setup(
        self,
        interaction: Interaction,
        review_channel: app_commands.AppCommandChannel | None = None,
        moderator_role: discord.Role | None = None,
        mod_log_channel: app_commands.AppCommandChannel | None = None,
        collection: app_commands.Range[str, 1, 50] | None = None,
    ) -> None:
        perms = interaction.permissions
        if not (perms.manage_guild or perms.administrator):
            await reply_private(
                interaction, "Only members with the Manage Server permission can change claimbot's settings."
            )
            return
        if review_channel is None and moderator_role is None and mod_log_channel is None and collection is None:
            await reply_private(
                interaction,
                "Give at least one setting to change: review_channel, moderator_role, mod_log_channel or "
                "collection (`/claimbot settings` shows the current ones).",
            )
            return
        own: str | None = None
        if collection is not None:
            own = collection.strip().lower()
            if own in ("none", DEFAULT_COLLECTION):
                own = None  # the shared corpus only
            elif not COLLECTION_NAME.fullmatch(own):
                await reply_private(
                    interaction, "A collection's name is 1-50 letters, digits and hyphens, e.g. `city-news`."
                )
                return
        for channel in (review_channel, mod_log_channel):
            if channel is not None and channel.type not in (discord.ChannelType.text, discord.ChannelType.news):
                await reply_private(interaction, f"{channel.mention} must be a text channel.")
                return
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        guild_id = guild_id_of(interaction)
        changes: dict[str, int | str | None] = {}
        if review_channel is not None:
            changes["review_channel_id"] = review_channel.id
        if moderator_role is not None:
            changes["moderator_role_id"] = moderator_role.id
        if mod_log_channel is not None:
            changes["mod_log_channel_id"] = mod_log_channel.id
        if collection is not None:
            changes["collection"] = own
        try:
            config = await asyncio.to_thread(
                lambda: svc.review.configure_guild(guild_id, interaction.user.id, **changes)  # type: ignore[arg-type]
            )
        except ReviewError as exc:
            await interaction.followup.send(f"Not changed: {exc}.", ephemeral=True)
            return
        problems = []
        hellos = [
            (review_channel, "claimbot will post review cards for flagged answers here."),
            (mod_log_channel, "claimbot will post one line here for every moderator action."),
        ]
        for channel, hello in hellos:
            if channel is None:
                continue
            role = f" Moderators: <@&{config.moderator_role_id}>." if config.moderator_role_id else ""
            try:
                await self.bot.get_partial_messageable(channel.id, guild_id=guild_id).send(
                    hello + role, allowed_mentions=NO_MENTIONS
                )
            except discord.HTTPException as exc:
                problems.append(
                    f"\n⚠️ I could not post in {channel.mention} ({exc.status}): give me View Channel, "
                    "Send Messages and Embed Links there."
                )
        saved = [name.replace("_id", "").replace("_", " ") for name in changes]
        await interaction.followup.send(
            f"Saved: {', '.join(saved)}.\n{settings_text(config)}{''.join(problems)}",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
        await post_mod_log(interaction, f"⚙️ <@{interaction.user.id}> changed the settings: {', '.join(saved)}.")
        if review_channel is not None and not problems:
            # Flags made while there was no review channel have no card, so nothing to decide them with.
            posted = await post_missing_cards(self.bot, guild_id)
            if posted:
                await interaction.followup.send(
                    f"Posted the review cards of {counted(posted, 'open flag')} made before there was a review channel.",
                    ephemeral=True,
                )

    @claimbot.command(name="settings", description="Show claimbot's settings for this server")
    async def settings(self, interaction: Interaction) -> None:
        await defer_privately(interaction)  # acknowledged before the database is read
        config = await asyncio.to_thread(services(interaction).review.guild_config, guild_id_of(interaction))
        await reply_private(interaction, settings_text(config))

    @app_commands.command(name="help", description="What claimbot's answers mean, and how to flag one")
    async def help(self, interaction: Interaction) -> None:
        await defer_privately(interaction)  # the corpus summary counts rows: acknowledged first
        svc = services(interaction)
        summary = await asyncio.to_thread(svc.index.summary)
        await reply_private(interaction, help_text(summary))


def settings_text(config: GuildConfig) -> str:
    def channel(cid: int | None) -> str:
        return f"<#{cid}>" if cid else "not set"

    role = f"<@&{config.moderator_role_id}>" if config.moderator_role_id else "not set"
    corpus = (
        f"the shared corpus and this server's collection `{config.collection}`"
        if config.collection
        else "the shared corpus only"
    )
    return (
        f"**Review channel:** {channel(config.review_channel_id)}\n"
        f"**Moderator role:** {role} (members with Manage Messages are moderators too)\n"
        f"**Mod-log channel:** {channel(config.mod_log_channel_id)}\n"
        f"**Checks search:** {corpus}\n"
        "Change one with `/claimbot setup`, e.g. `/claimbot setup mod_log_channel:#mod-log`."
    )


def help_text(summary: CorpusSummary) -> str:
    # Outlet names are the pages' own (og:site_name): shown as written, never as links or formatting,
    # and cut so that five names that escaping doubles still fit the message's 2000 characters.
    shown = summary.model_copy(update={"outlets": [md(cut(o, 80)) for o in summary.outlets]})
    held = coverage(shown).removeprefix("Nothing in the corpus is about this claim. ")
    return (
        "**claimbot** answers a claim with the passages of indexed news articles that bear on it, each "
        "with who says so.\n"
        "**Ask:** `/check claim:…` (or right-click a message → Apps → Check this claim).\n"
        "**Verdicts:** *supported* (passages support it, none conflicts), *refuted* (passages conflict "
        "with it, none supports it), *disputed* (sources disagree: read who says what), *unverified* "
        "(nothing decides it; or nothing in the corpus is about it).\n"
        "**Labels:** *Supports* and *Conflicts* only when the stance model is confident; *Related* "
        'when it is not ("leans support" shows which way). A side is the article\'s, or the speaker '
        'it quotes: "CNN, citing a high government source" is not claimbot\'s own view. A *caption* '
        "(a photo's, or another line that is not a statement) is shown but never decides a verdict.\n"
        "**Wrong answer?** Press 🚩 *Flag this answer* and say why; moderators review it, and their "
        "correction then shows on this claim and similar ones.\n"
        f"**What is indexed:** {held} `/sources` lists the articles."
    )
