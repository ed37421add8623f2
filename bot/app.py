"""The discord.py client: setup_hook, the worker pool, the error policy.

Everything that is not Discord lives in `claimbot.index` (`ClaimIndex`, `ReviewService`); this package
only adapts interactions to those services, one module per feature (bot/features/). Nothing blocking
runs on the event loop: model work (a check, an ingest, embedding a correction) goes to the bot's own
small pool (`run_heavy`, bot/workpool.py: servers take turns, a wait past the interaction token is
refused with "busy, try again in N s"), short database reads and writes to asyncio's default executor
(`asyncio.to_thread`), so a queue of slow checks never delays the reads that must finish before
Discord's 3 s acknowledgement.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import weakref
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from claimbot.bot.features import COGS, DYNAMIC_ITEMS
from claimbot.bot.features.sources import OwnerPager
from claimbot.bot.features.watch import keep_for_later, sweep_and_post
from claimbot.bot.interactions import NO_MENTIONS, busy_message, refuse
from claimbot.bot.services import Services
from claimbot.bot.workpool import Busy, FairPool
from claimbot.index.review import WatchUpdate
from claimbot.index.service import FeedWatcher

log = logging.getLogger("claimbot.discord")

# Threads for model work. The models already use every core per call (torch/onnxruntime threads), so
# more concurrent checks only queue inside them; 2 keeps one check going while another waits on the DB.
HEAVY_WORKERS = 2
PRUNE_EVERY_S = 24 * 3600


class ClaimTree(app_commands.CommandTree["ClaimBot"]):
    async def on_error(self, interaction: discord.Interaction[ClaimBot], error: app_commands.AppCommandError) -> None:
        """A failed check is its private refusal; anything else is logged and the user told privately."""
        original = getattr(error, "original", error)
        if isinstance(error, app_commands.CheckFailure):
            message = str(error) or "You cannot use this command here."
        elif isinstance(original, Busy):
            message = busy_message(original)
        else:
            log.error("command %s failed", getattr(interaction.command, "qualified_name", "?"), exc_info=original)
            message = f"Sorry, that failed: {type(original).__name__}. The error was logged; please try again later."
        await refuse(interaction, message)


class ClaimBot(commands.Bot):
    def __init__(self, services: Services, *, background_work: bool = True, **options: Any) -> None:
        options.setdefault("intents", discord.Intents(guilds=True))
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            allowed_mentions=NO_MENTIONS,
            tree_cls=ClaimTree,
            **options,
        )
        self.services = services
        # Off for `claimbot sync-commands`: that process exits right after the sync, so a watch update
        # its sweep reserved (once only) would never be posted, and the serving bot does the rest.
        self.background_work = background_work
        self.heavy = FairPool(
            HEAVY_WORKERS,
            max_queued=services.settings.queue_limit,
            max_wait_s=services.settings.queue_max_wait_s,
        )
        # Watch updates reserved but not posted yet, which could not be stored for later either (the
        # database did not answer): the next `post_watch_updates` (a sweep, an /ingest, the feeds)
        # posts them first, and closing stores them (`keep_for_later`).
        self.unposted_updates: list[WatchUpdate] = []
        # `serve`'s feeds thread, and the watch updates it handed to the event loop to post.
        self.feed_watcher: FeedWatcher | None = None
        self.feed_posts: set[concurrent.futures.Future[int]] = set()
        # The live /sources pagers by id (their custom ids'), gone with their views: a click that
        # none answers is told the list expired (sources.ExpiredPagerButton).
        self.pagers: weakref.WeakValueDictionary[int, OwnerPager] = weakref.WeakValueDictionary()
        self._pruner: asyncio.Task[None] | None = None
        self._sweeper: asyncio.Task[None] | None = None

    async def close(self) -> None:
        # The feeds first: the article they are ingesting is finished, and the watch updates it
        # brings (reserved once only) are posted while the connection to Discord is still open.
        if self.feed_watcher is not None:
            await asyncio.to_thread(self.feed_watcher.stop)
        if self.feed_posts:
            await asyncio.wait([asyncio.wrap_future(post) for post in self.feed_posts])
        tasks = [task for task in (self._pruner, self._sweeper) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # What a cancelled posting had not posted yet, kept for the restarted bot: in memory, it
        # would end with this process.
        updates, self.unposted_updates = self.unposted_updates, []
        await keep_for_later(self, updates)
        await super().close()
        # Checks still running finish in their threads; their answers have nowhere to go.
        self.heavy.close()

    async def setup_hook(self) -> None:
        for cog in COGS:
            await self.add_cog(cog(self))
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        if not self.background_work:
            return
        # Recovery pass: flags taken by a moderator when the bot died go back to the queue (take_flag()
        # also lets a moderator take over such a flag once it is STALE_TAKE_S old, without a restart).
        reopened = await asyncio.to_thread(self.services.review.release_stale, self.services.review.limits.stale_take_s)
        if reopened:
            log.info("reopened %d flags left in review", reopened)
        self._pruner = asyncio.create_task(self._prune_answers_daily(), name="claimbot-prune-answers")
        self._sweeper = asyncio.create_task(self._sweep_watches_periodically(), name="claimbot-sweep-watches")

    async def _prune_answers_daily(self) -> None:
        """Old unflagged answers go (CLAIMBOT_ANSWER_RETENTION_DAYS): at start, then once a day."""
        while True:
            try:
                removed = await asyncio.to_thread(self.services.review.prune_answers)
            except Exception:  # noqa: BLE001 - a database hiccup must not end the daily pass
                log.exception("pruning old answers failed")
            else:
                if removed:
                    log.info(
                        "deleted %d answers older than %d days",
                        removed,
                        self.services.review.limits.answer_retention_days,
                    )
            await asyncio.sleep(PRUNE_EVERY_S)

    async def _sweep_watches_periodically(self) -> None:
        """Articles other processes ingested (`claimbot ingest`, `claimbot feeds poll`) reach the
        watched claims here: at start, then every CLAIMBOT_WATCH_SWEEP seconds."""
        while True:
            await sweep_and_post(self)
            await asyncio.sleep(self.services.settings.watch_sweep_s)


class ShardedClaimBot(ClaimBot, commands.AutoShardedBot):
    """The same bot over several gateway shards (CLAIMBOT_SHARD_COUNT, CLAIMBOT_SHARD_IDS): one
    process can run all shards, or several processes split them and share one PostgreSQL database."""


def make_bot(services: Services, **options: Any) -> ClaimBot:
    """The bot the settings ask for: sharded when CLAIMBOT_SHARD_COUNT is set."""
    settings = services.settings
    if settings.shard_count is None:
        return ClaimBot(services, **options)
    return ShardedClaimBot(services, shard_count=settings.shard_count, shard_ids=settings.shard_ids, **options)
