"""Helpers every Discord feature shares: private replies and refusals, the error guard for buttons
and modals, the moderator check, and running model work off the event loop."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import discord

from claimbot.index.review.service import GuildConfig, ReviewError

if TYPE_CHECKING:
    from claimbot.bot.app import ClaimBot
    from claimbot.bot.services import Services

log = logging.getLogger("claimbot.discord")

NO_MENTIONS = discord.AllowedMentions.none()
CHECK_TOP = 16  # passages fetched per check: the first page plus the "More passages" pages
T = TypeVar("T")


async def reply_private(interaction: discord.Interaction, message: str, **kwargs: Any) -> None:
    """Answer privately whatever state the interaction is in; never raise."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS, **kwargs)
        else:
            await interaction.response.send_message(message, ephemeral=True, allowed_mentions=NO_MENTIONS, **kwargs)
    except discord.HTTPException:
        log.exception("could not answer interaction %s", interaction.id)


async def refuse_after_public_defer(interaction: discord.Interaction, message: str) -> None:
    """After a public "thinking" defer, the refusal is private: the thinking message goes away."""
    try:
        await interaction.delete_original_response()
    except discord.HTTPException:
        log.info("could not delete the thinking message of %s", interaction.id)
    await reply_private(interaction, message)


def guarded(func: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """Component and modal callbacks: an error is answered privately instead of "This interaction failed"."""

    @functools.wraps(func)
    async def wrapper(self: Any, interaction: discord.Interaction, *args: Any) -> None:
        try:
            await func(self, interaction, *args)
        except Exception as exc:  # noqa: BLE001 - every failure must reach the user
            if isinstance(exc, ReviewError):
                await reply_private(interaction, str(exc))
                return
            log.exception("interaction %s failed", interaction.id)
            await reply_private(interaction, f"Sorry, that failed: {type(exc).__name__}. Please try again later.")

    return wrapper


def services(interaction: discord.Interaction[ClaimBot]) -> Services:
    return interaction.client.services


async def run_heavy(client: discord.Client, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run model work (check, ingest, embedding) on the bot's small pool, off the event loop and out
    of the default executor that the short database calls use."""
    pool = getattr(client, "heavy", None)
    return await asyncio.get_running_loop().run_in_executor(pool, functools.partial(func, *args, **kwargs))


def role_ids(user: discord.abc.User) -> set[int]:
    ids = {r.id for r in getattr(user, "roles", [])}
    # Without a gateway cache (HTTP interactions, tests) Member.roles is empty; the payload ids stay.
    ids.update(int(r) for r in getattr(user, "_roles", ()))
    return ids


def has_moderator_permissions(interaction: discord.Interaction) -> bool:
    """Administrator, Manage Messages or Manage Server: known from the interaction payload alone."""
    perms = interaction.permissions
    return bool(perms.administrator or perms.manage_messages or perms.manage_guild)


def is_moderator(interaction: discord.Interaction, config: GuildConfig) -> bool:
    if has_moderator_permissions(interaction):
        return True
    return config.moderator_role_id is not None and config.moderator_role_id in role_ids(interaction.user)


MODERATOR_REFUSAL = (
    "Only moderators can do this: members with the moderator role set by `/claimbot setup`, "
    "or the Manage Messages or Manage Server permission."
)


async def require_moderator(interaction: discord.Interaction) -> bool:
    """True when the user is a moderator; otherwise a private refusal and False. Checked at run time
    on every use, so removing the role takes effect at once. Permission holders are recognised from
    the payload; only the role needs the guild's settings, one primary-key read on the default
    executor. Callers defer before calling this unless a modal must be the first response."""
    if interaction.guild_id is None:
        await reply_private(interaction, "This only works in a server.")
        return False
    if has_moderator_permissions(interaction):
        return True
    config = await asyncio.to_thread(services(interaction).review.guild_config, interaction.guild_id)
    if not is_moderator(interaction, config):
        await reply_private(interaction, MODERATOR_REFUSAL)
        return False
    return True
