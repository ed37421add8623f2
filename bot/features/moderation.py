"""Undo and visibility for moderators: `/corrections` (list, revoke) and `/audit` (the latest
moderator actions). Every action is also posted to the mod-log channel when a server has one."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from discord import app_commands
from discord.ext import commands

from claimbot.bot.embeds import audit_embed, corrections_embed, cut, md
from claimbot.bot.interactions import (
    NO_MENTIONS,
    Interaction,
    guild_id_of,
    moderator_only,
    post_mod_log,
    services,
)
from claimbot.bot.words import rating_label
from claimbot.index.review import ReviewError

if TYPE_CHECKING:
    from claimbot.bot.app import ClaimBot

PAGE = 10
AUDIT_PAGE = 15


class ModerationCommands(commands.Cog):
    # No default_permissions: moderators by /claimbot setup's role must see these (see /review).
    corrections = app_commands.Group(
        name="corrections", description="Moderators: the corrections shown on answers", guild_only=True
    )

    def __init__(self, bot: ClaimBot) -> None:
        self.bot = bot

    @corrections.command(name="list", description="The corrections in force (or revoked), newest first")
    @app_commands.describe(revoked="Show the revoked ones instead", page="Page number, from 1")
    @moderator_only()
    async def list_corrections(
        self, interaction: Interaction, revoked: bool = False, page: app_commands.Range[int, 1, 1000] = 1
    ) -> None:
        svc, guild_id = services(interaction), guild_id_of(interaction)
        rows, total = await asyncio.to_thread(
            lambda: svc.review.corrections_page(guild_id, revoked=revoked, limit=PAGE, offset=(page - 1) * PAGE)
        )
        embed = corrections_embed(rows, total, page=page, per_page=PAGE, revoked=revoked)
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @corrections.command(name="revoke", description="Take a correction back: new answers stop showing it")
    @app_commands.describe(correction="The correction's number (#N in /corrections list)", reason="Why")
    @moderator_only()
    async def revoke(
        self,
        interaction: Interaction,
        correction: app_commands.Range[int, 1],
        reason: app_commands.Range[str, 3, 500],
    ) -> None:
        svc, guild_id = services(interaction), guild_id_of(interaction)
        try:
            c = await asyncio.to_thread(svc.review.revoke_correction, guild_id, correction, interaction.user.id, reason)
        except ReviewError as exc:
            await interaction.followup.send(str(exc), ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        verdict = rating_label(c.verdict)
        await interaction.followup.send(
            f"Correction #{c.id} ({verdict}) is revoked: new answers no longer show it.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
        await post_mod_log(
            interaction,
            f"↩️ <@{interaction.user.id}> revoked correction #{c.id} ({verdict}) of “{md(cut(c.claim, 200))}”: {md(reason)}",
        )

    @app_commands.command(name="audit", description="Moderators: the latest moderator actions in this server")
    @app_commands.guild_only()
    @moderator_only()
    async def audit(self, interaction: Interaction) -> None:
        svc, guild_id = services(interaction), guild_id_of(interaction)
        entries = await asyncio.to_thread(svc.review.audit_log, guild_id, AUDIT_PAGE)
        await interaction.followup.send(embed=audit_embed(entries), ephemeral=True, allowed_mentions=NO_MENTIONS)
