"""Helpers every Discord feature shares: private replies and refusals, the error guard for buttons
and modals, the moderator check (an `app_commands.check` for commands, `require_moderator` for
buttons and forms), and running model work off the event loop."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Self, TypeAlias, TypeVar

import discord
from discord import app_commands

from claimbot.bot.workpool import Busy
from claimbot.index.review import GuildConfig, ReviewError

if TYPE_CHECKING:
    from claimbot.bot.app import ClaimBot
    from claimbot.bot.services import Services

log = logging.getLogger("claimbot.discord")

# An interaction with claimbot's own client (its `services`, its model pool). A string at run time:
# the features never import the app (it imports them).
Interaction: TypeAlias = "discord.Interaction[ClaimBot]"

NO_MENTIONS = discord.AllowedMentions.none()
NOT_IN_A_SERVER = "This only works in a server."
CHECK_TOP = 16  # passages fetched per check: the first page plus the "More passages" pages
T = TypeVar("T")
S = TypeVar("S")


async def reply_private(interaction: discord.Interaction[Any], message: str, **kwargs: Any) -> None:
    """Answer privately whatever state the interaction is in; never raise."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS, **kwargs)
        else:
            await interaction.response.send_message(message, ephemeral=True, allowed_mentions=NO_MENTIONS, **kwargs)
    except discord.HTTPException:
        log.exception("could not answer interaction %s", interaction.id)


async def refuse_after_public_defer(interaction: discord.Interaction[Any], message: str) -> None:
    """After a public "thinking" defer, the refusal is private: the thinking message goes away."""
    interaction.extras.pop(PUBLIC_THINKING, None)
    try:
        await interaction.delete_original_response()
    except discord.HTTPException:
        log.info("could not delete the thinking message of %s", interaction.id)
    await reply_private(interaction, message)


# Set on an interaction while its public "thinking" message waits for the answer: Discord makes the
# first followup after such a defer that message, ignoring its ephemeral flag, so a refusal or an
# error sent then would be public. Cleared once the answer has replaced it.
PUBLIC_THINKING = "claimbot.public_thinking"


async def defer_thinking(interaction: discord.Interaction[Any], *, ephemeral: bool) -> None:
    await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    if not ephemeral:
        interaction.extras[PUBLIC_THINKING] = True


def answered(interaction: discord.Interaction[Any]) -> None:
    """The answer has replaced the public thinking message: later private replies are followups."""
    interaction.extras.pop(PUBLIC_THINKING, None)


async def refuse(interaction: discord.Interaction[Any], message: str) -> None:
    """Privately, whatever state the interaction is in, a public thinking message included."""
    if interaction.extras.get(PUBLIC_THINKING):
        await refuse_after_public_defer(interaction, message)
    else:
        await reply_private(interaction, message)


def guarded(
    func: Callable[[S, Interaction], Awaitable[None]],
) -> Callable[[S, discord.Interaction[Any]], Coroutine[Any, Any, None]]:
    """Component and modal callbacks: an error is answered privately instead of "This interaction failed".

    The wrapper has discord.py's signature (any client's interaction); the callback itself is typed
    with claimbot's client, the only one that dispatches to it."""

    @functools.wraps(func)
    async def wrapper(self: S, interaction: discord.Interaction[Any]) -> None:
        try:
            await func(self, interaction)
        except Exception as exc:  # noqa: BLE001 - every failure must reach the user
            if isinstance(exc, ReviewError):
                await refuse(interaction, str(exc))
                return
            if isinstance(exc, Busy):
                await refuse(interaction, busy_message(exc))
                return
            log.exception("interaction %s failed", interaction.id)
            await refuse(interaction, f"Sorry, that failed: {type(exc).__name__}. Please try again later.")

    return wrapper


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"(?!)"):
    """A button on an answer whose `custom_id` is `<PREFIX>:<answer id>`. The base's template never
    matches; each subclass names its own (discord.py routes clicks by template)."""

    PREFIX = ""
    LABEL = ""
    EMOJI = ""
    STYLE = discord.ButtonStyle.secondary

    def __init__(self, answer_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=self.LABEL, emoji=self.EMOJI, style=self.STYLE, custom_id=f"{self.PREFIX}:{answer_id}"
            )
        )
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["answer_id"]))


def services(interaction: Interaction) -> Services:
    return interaction.client.services


def guild_id_of(interaction: discord.Interaction[Any]) -> int:
    """The guild of an interaction that can only come from a server (guild-only commands, buttons
    on server messages, checks that refused direct messages before)."""
    if interaction.guild_id is None:
        raise ReviewError(NOT_IN_A_SERVER)
    return interaction.guild_id


async def run_heavy(
    client: ClaimBot, guild_id: int, func: Callable[..., T], /, *args: Any, kind: str = "check", **kwargs: Any
) -> T:
    """Run model work (check, ingest, embedding) on the bot's small pool, off the event loop and out
    of the default executor that the short database calls use; servers take turns (bot/workpool.py).
    Raises `Busy` when the work could not start before the interaction's token runs out."""
    return await client.heavy.run(guild_id, func, *args, kind=kind, **kwargs)


def busy_message(busy: Busy) -> str:
    return f"claimbot is busy right now ({busy}); please try again in {busy.retry_after_s:.0f} s."


def role_ids(user: discord.abc.User) -> set[int]:
    ids = {r.id for r in getattr(user, "roles", [])}
    # Without a gateway cache (HTTP interactions, tests) Member.roles is empty; the payload ids stay.
    ids.update(int(r) for r in getattr(user, "_roles", ()))
    return ids


def has_server_wide_permission(interaction: discord.Interaction[Any]) -> bool:
    """Administrator or Manage Server: known from the interaction payload alone. Its permissions are
    the channel's, overwrites included, but no overwrite grants these two: they are the server's."""
    perms = interaction.permissions
    return bool(perms.administrator or perms.manage_guild)


async def server_permissions(interaction: discord.Interaction[Any]) -> discord.Permissions:
    """The member's permissions in the server: those of their roles, without any channel's
    overwrites. From the gateway's cache of the guild (`claimbot serve`), else one request."""
    guild = interaction.guild
    if guild is None or guild.get_role(guild.id) is None:  # not cached, or without its roles
        guild = await interaction.client.fetch_guild(guild_id_of(interaction))
    if guild.owner_id == interaction.user.id:
        return discord.Permissions.all()
    value = 0
    for role_id in role_ids(interaction.user) | {guild.id}:  # @everyone's id is the guild's
        role = guild.get_role(role_id)
        if role is not None:
            value |= role.permissions.value
    perms = discord.Permissions(value)
    return discord.Permissions.all() if perms.administrator else perms


def has_moderator_role(interaction: discord.Interaction[Any], config: GuildConfig) -> bool:
    return config.moderator_role_id is not None and config.moderator_role_id in role_ids(interaction.user)


MODERATOR_REFUSAL = (
    "Only moderators can do this: members with the moderator role set by `/claimbot setup`, "
    "or the Manage Messages or Manage Server permission in the server."
)


async def _moderator_refusal(interaction: Interaction) -> str | None:
    """None for a moderator, else the refusal. What a moderator does acts on the whole server (its
    flags, corrections, watches, feeds, the corpus), so the permissions that count are the server's
    (docs/moderators.md): Manage Messages given in one channel's overwrites does not make a member a
    moderator, in that channel or elsewhere. Administrator and Manage Server are read from the
    payload; the role needs the guild's settings (one primary-key read on the default executor),
    Manage Messages the guild's roles (cached, else one request)."""
    if interaction.guild_id is None:
        return NOT_IN_A_SERVER
    if has_server_wide_permission(interaction):
        return None
    config = await asyncio.to_thread(services(interaction).review.guild_config, interaction.guild_id)
    if has_moderator_role(interaction, config) or (await server_permissions(interaction)).manage_messages:
        return None
    return MODERATOR_REFUSAL


async def require_moderator(interaction: Interaction) -> bool:
    """True when the user is a moderator; otherwise a private refusal and False. For buttons and
    forms, checked at run time on every use, so removing the role takes effect at once. Callers
    defer before calling this unless a modal must be the first response."""
    refusal = await _moderator_refusal(interaction)
    if refusal is not None:
        await reply_private(interaction, refusal)
        return False
    return True


class Refused(app_commands.CheckFailure):
    """A command's check said no; the message is the private refusal (ClaimBot's error handler sends it)."""


class CheckErrored(app_commands.AppCommandError):
    """A command's check could not decide (the database did not answer). discord.py hands only an
    `AppCommandError` raised in a check to the error handler: anything else ended the command's task
    unanswered, its "thinking" message up until the token expired. `original` is what failed."""

    def __init__(self, original: Exception) -> None:
        super().__init__(str(original))
        self.original = original


async def defer_privately(interaction: discord.Interaction[Any]) -> None:
    """Acknowledge with a private "thinking" message unless already acknowledged."""
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=True, thinking=True)


def moderator_only() -> Callable[[T], T]:
    """The moderator check of a slash command, as an `app_commands.check`: the command is acknowledged
    privately first (the role may need a database read; Discord drops what is not acknowledged within
    3 s), then a non-moderator gets `MODERATOR_REFUSAL` privately. Checked on every use, so removing
    the role takes effect at once. discord.py runs a command's checks bottom-up (the decorator
    nearest the function first)."""

    async def predicate(interaction: Interaction) -> bool:
        await defer_privately(interaction)
        try:
            refusal = await _moderator_refusal(interaction)
        except Exception as exc:  # noqa: BLE001 - told to the user by ClaimTree.on_error, and logged
            raise CheckErrored(exc) from exc
        if refusal is not None:
            raise Refused(refusal)
        return True

    return app_commands.check(predicate)


async def audit(
    interaction: Interaction,
    action: str,
    target: str,
    *,
    reason: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """One row in the server's audit log for the moderator's action (written off the event loop)."""
    await asyncio.to_thread(
        services(interaction).review.log,
        guild_id_of(interaction),
        interaction.user.id,
        action,
        target,
        reason=reason,
        before=before,
        after=after,
    )


async def post_mod_log(interaction: Interaction, text: str) -> None:
    """One line in the server's mod-log channel (set in /claimbot setup), if it has one. Never
    raises: the action it reports is already saved and in the audit log."""
    if interaction.guild_id is None:
        return
    svc = services(interaction)
    try:
        config = await asyncio.to_thread(svc.review.guild_config, interaction.guild_id)
        if config.mod_log_channel_id is None:
            return
        channel = interaction.client.get_partial_messageable(config.mod_log_channel_id, guild_id=interaction.guild_id)
        await channel.send(text[:2000], allowed_mentions=NO_MENTIONS, suppress_embeds=True)
    except Exception:  # noqa: BLE001 - see above
        log.exception("could not post to the mod-log channel of guild %s", interaction.guild_id)
