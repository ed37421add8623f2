"""The discord.py client: services, setup_hook, permission and reply helpers, error policy.

Everything that is not Discord lives in `index` (`ClaimIndex`, `ReviewService`); this package only
adapts interactions to those services. Nothing blocking runs on the event loop: model work (a check,
an ingest, embedding a correction) goes to the bot's own small pool (`run_heavy`), short database
reads and writes to asyncio's default executor (`asyncio.to_thread`), so a queue of slow checks never
delays the reads that must finish before Discord's 3 s acknowledgement.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from index.config import Settings
from index.review import GuildConfig, ReviewService
from index.service import ClaimIndex

log = logging.getLogger("claimbot.discord")

NO_MENTIONS = discord.AllowedMentions.none()
CHECK_TOP = 16  # passages fetched per check: the first page plus the "More passages" pages
# Threads for model work. The models already use every core per call (torch/onnxruntime threads), so
# more concurrent checks only queue inside them; 2 keeps one check going while another waits on the DB.
HEAVY_WORKERS = 2
PRUNE_EVERY_S = 24 * 3600
T = TypeVar("T")


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
            embed_model=index.embedder.name,
        )
        # Corrections made under another embedding model (switched on an empty corpus, where
        # nothing asks for `reindex --reembed`) are redone here rather than never matched again.
        review.reembed_corrections(only_stale=True)
        return cls(index, review, settings)

    # Counts only: `index.stats()` would also count the vectors, a scan of every passage row on
    # PostgreSQL, for a figure the footer does not show.
    def corpus_line(self) -> str:
        articles, passages = self.index.store.counts()
        return f"Corpus: {articles} articles, {passages} passages"

    def corpus_version(self) -> str:
        articles, passages = self.index.store.counts()
        return f"{articles}a/{passages}p"


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
        self.heavy = ThreadPoolExecutor(max_workers=HEAVY_WORKERS, thread_name_prefix="claimbot-heavy")
        self._pruner: asyncio.Task | None = None

    async def close(self) -> None:
        if self._pruner is not None:
            self._pruner.cancel()
        await super().close()
        # Checks still running finish in their threads; their answers have nowhere to go.
        self.heavy.shutdown(wait=False, cancel_futures=True)

    async def setup_hook(self) -> None:
        from bot.commands import ClaimCommands
        from bot.components import DYNAMIC_ITEMS

        await self.add_cog(ClaimCommands(self))
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        self.tree.on_error = self.on_app_command_error
        # Recovery pass: flags claimed by a moderator when the bot died go back to the queue (claim()
        # also lets a moderator take over such a flag once it is STALE_CLAIM_S old, without a restart).
        reopened = await asyncio.to_thread(self.services.review.release_stale, self.services.review.limits.stale_claim_s)
        if reopened:
            log.info("reopened %d flags left in review", reopened)
        self._pruner = asyncio.create_task(self._prune_answers_daily(), name="claimbot-prune-answers")

    async def _prune_answers_daily(self) -> None:
        """Old unflagged answers go (CLAIMBOT_ANSWER_RETENTION_DAYS): at start, then once a day."""
        while True:
            try:
                removed = await asyncio.to_thread(self.services.review.prune_answers)
            except Exception:  # noqa: BLE001 - a database hiccup must not end the daily pass
                log.exception("pruning old answers failed")
            else:
                if removed:
                    log.info("deleted %d answers older than %d days", removed,
                             self.services.review.limits.answer_retention_days)
            await asyncio.sleep(PRUNE_EVERY_S)

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        original = getattr(error, "original", error)
        if isinstance(error, app_commands.CheckFailure):
            message = str(error) or "You cannot use this command here."
        else:
            log.error("command %s failed", getattr(interaction.command, "qualified_name", "?"), exc_info=original)
            message = f"Sorry, that failed: {type(original).__name__}. The error was logged; please try again later."
        await reply_private(interaction, message)


class ShardedClaimBot(ClaimBot, commands.AutoShardedBot):
    """The same bot over several gateway shards (CLAIMBOT_SHARD_COUNT, CLAIMBOT_SHARD_IDS): one
    process can run all shards, or several processes split them and share one PostgreSQL database."""


def make_bot(services: Services, **options: Any) -> ClaimBot:
    """The bot the settings ask for: sharded when CLAIMBOT_SHARD_COUNT is set."""
    settings = services.settings
    if settings.shard_count is None:
        return ClaimBot(services, **options)
    return ShardedClaimBot(services, shard_count=settings.shard_count, shard_ids=settings.shard_ids, **options)


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
            from index.review import ReviewError

            if isinstance(exc, ReviewError):
                await reply_private(interaction, str(exc))
                return
            log.exception("interaction %s failed", interaction.id)
            await reply_private(interaction, f"Sorry, that failed: {type(exc).__name__}. Please try again later.")

    return wrapper


def services(interaction: discord.Interaction) -> Services:
    return interaction.client.services  # type: ignore[attr-defined]


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
