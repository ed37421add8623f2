"""`/claimbot setup`: a server's review channel and moderator role."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from claimbot.bot.interactions import NO_MENTIONS, Interaction, guild_id_of, reply_private, services

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

    @claimbot.command(name="setup", description="Set the review channel and the moderator role")
    @app_commands.describe(
        review_channel="Where review cards are posted", moderator_role="Who may review flags and ingest"
    )
    async def setup(
        self,
        interaction: Interaction,
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
        guild_id = guild_id_of(interaction)
        await asyncio.to_thread(
            lambda: svc.review.configure_guild(
                guild_id,
                interaction.user.id,
                review_channel_id=review_channel.id,
                moderator_role_id=moderator_role.id,
            )
        )
        try:
            channel = self.bot.get_partial_messageable(review_channel.id, guild_id=guild_id)
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
