"""The discord.py client: services, setup_hook, permission and reply helpers, error policy.

Everything that is not Discord lives in `index` (`ClaimIndex`, `ReviewService`); this package only
adapts interactions to those services. Blocking work always goes through `asyncio.to_thread`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from index.config import Settings
from index.review import GuildConfig, ReviewService
from index.service import ClaimIndex

log = logging.getLogger("claimbot.discord")

NO_MENTIONS = discord.AllowedMentions.none()
CHECK_TOP = 16  # passages fetched per check: the first page plus the "More passages" pages


@dataclass
class Services:
    index: ClaimIndex
    review: ReviewService
    settings: Settings

    @classmethod
    def open(cls, settings: Settings) -> Services:
        from index.review import ReviewLimits

        index = ClaimIndex(settings)
        review = ReviewService(
            index.store.engine,
            limits=ReviewLimits.from_settings(settings),
            embed=lambda texts: index.embedder.encode(texts),
        )
        return cls(index, review, settings)

    def corpus_line(self) -> str:
        stats = self.index.stats()
        return f"Corpus: {stats.articles} articles, {stats.passages} passages"

    def corpus_version(self) -> str:
        stats = self.index.stats()
        return f"{stats.articles}a/{stats.passages}p"


class ClaimBot(commands.Bot):
    def __init__(self, services: Services, **options: Any) -> None:
        options.setdefault("intents", discord.Intents(guilds=True))
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            allowed_mentions=NO_MENTIONS,
            **options,
        )
        self.services = services

    async def setup_hook(self) -> None:
        from bot.commands import ClaimCommands
        from bot.components import DYNAMIC_ITEMS

        await self.add_cog(ClaimCommands(self))
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        self.tree.on_error = self.on_app_command_error
        # Recovery pass: flags claimed by a moderator when the bot died go back to the queue.
        reopened = await asyncio.to_thread(self.services.review.release_stale)
        if reopened:
            log.info("reopened %d flags left in review", reopened)

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        original = getattr(error, "original", error)
        if isinstance(error, app_commands.CheckFailure):
            message = str(error) or "You cannot use this command here."
        else:
            log.error("command %s failed", getattr(interaction.command, "qualified_name", "?"), exc_info=original)
            message = f"Sorry, that failed: {type(original).__name__}. The error was logged; please try again later."
        await reply_private(interaction, message)


async def reply_private(interaction: discord.Interaction, message: str, **kwargs: Any) -> None:
    """Answer privately whatever state the interaction is in; never raise."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS, **kwargs)
        else:
            await interaction.response.send_message(message, ephemeral=True, allowed_mentions=NO_MENTIONS, **kwargs)
    except discord.HTTPException:
        log.exception("could not answer interaction %s", interaction.id)


def guarded(func: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """Component and modal callbacks: an error is answered privately instead of "This interaction failed"."""

    @functools.wraps(func)
    async def wrapper(self: Any, interaction: discord.Interaction, *args: Any) -> None:
        try:
            await func(self, interaction, *args)
        except Exception as exc:  # noqa: BLE001 - every failure must reach the user
            from index.review import ReviewError

            if isinstance(exc, ReviewError):
                await reply_private(interaction, str(exc))
                return
            log.exception("interaction %s failed", interaction.id)
            await reply_private(interaction, f"Sorry, that failed: {type(exc).__name__}. Please try again later.")

    return wrapper


def services(interaction: discord.Interaction) -> Services:
    return interaction.client.services  # type: ignore[attr-defined]


def role_ids(user: discord.abc.User) -> set[int]:
    ids = {r.id for r in getattr(user, "roles", [])}
    # Without a gateway cache (HTTP interactions, tests) Member.roles is empty; the payload ids stay.
    ids.update(int(r) for r in getattr(user, "_roles", ()))
    return ids


def is_moderator(interaction: discord.Interaction, config: GuildConfig) -> bool:
    perms = interaction.permissions
    if perms.administrator or perms.manage_messages or perms.manage_guild:
        return True
    return config.moderator_role_id is not None and config.moderator_role_id in role_ids(interaction.user)


MODERATOR_REFUSAL = (
    "Only moderators can do this: members with the moderator role set by `/claimbot setup`, "
    "or the Manage Messages permission."
)


async def require_moderator(interaction: discord.Interaction) -> GuildConfig | None:
    """The guild's config when the user is a moderator; otherwise a private refusal and None."""
    if interaction.guild_id is None:
        await reply_private(interaction, "This only works in a server.")
        return None
    config = await asyncio.to_thread(services(interaction).review.guild_config, interaction.guild_id)
    if not is_moderator(interaction, config):
        await reply_private(interaction, MODERATOR_REFUSAL)
        return None
    return config
