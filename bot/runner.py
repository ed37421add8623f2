"""Entry points for `claimbot serve` and `claimbot sync-commands` (wired in bot/cli.py).

    serve(settings)                      # run the bot until interrupted (gateway mode)
    sync_commands(settings, guild_id)    # register the commands once; returns their names

Commands are never synced on start: Discord allows 200 command creates a day per guild.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import signal
from collections.abc import Callable
from typing import Any

import aiohttp
import discord

from claimbot.bot.app import ClaimBot, make_bot
from claimbot.bot.features.watch import post_watch_updates
from claimbot.bot.services import Services
from claimbot.index.config import Settings
from claimbot.index.service import EmbedModelError, IndexMismatch, IndexUnavailable, IngestReport, StanceModelError

log = logging.getLogger("claimbot.discord")


class BotConfigError(RuntimeError):
    """A setup problem to show the operator in one line (missing or rejected token)."""


class Unreachable(RuntimeError):
    """Something the bot needs did not answer: worth a retry (systemd's Restart=on-failure,
    compose's restart policy), unlike a `BotConfigError`."""


class DiscordUnreachable(Unreachable):
    """Discord could not be reached to log in: a network problem. Once logged in, discord.py
    reconnects by itself."""


class DatabaseUnreachable(Unreachable):
    """The database did not answer when the bot opened the claim index (down, or still starting)."""


async def _open_services(settings: Settings) -> Services:
    """`Services.open`, what stops it in one line: a database that does not answer is worth a
    restart, a bad DATABASE_URL or a database without pgvector is not."""
    try:
        return await asyncio.to_thread(Services.open, settings)
    except IndexUnavailable as exc:
        if exc.transient:
            raise DatabaseUnreachable(str(exc)) from exc
        raise BotConfigError(str(exc)) from exc


def _unreachable(exc: BaseException) -> DiscordUnreachable:
    return DiscordUnreachable(f"cannot reach Discord: {exc}".strip())


def _token(settings: Settings) -> str:
    token = (settings.discord_token or "").strip()
    if not token:
        raise BotConfigError("DISCORD_TOKEN is not set: put it in .env or the environment (see README, Discord bot).")
    return token


async def _verify_token(token: str) -> None:
    """Ask Discord whether it knows the token (GET /users/@me) before the models load: a missing or
    wrong token is then one line within a second, not after 30-60 s of loading."""
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        await http.static_login(token)
    except discord.LoginFailure as exc:
        raise BotConfigError(f"Discord rejected the token: {exc}") from exc
    except (aiohttp.ClientConnectionError, TimeoutError) as exc:
        raise _unreachable(exc) from exc
    finally:
        await http.close()


async def serve_async(settings: Settings, *, bot_options: dict[str, Any] | None = None) -> None:
    token = _token(settings)
    # Cheap checks first, each one line: the index's model (a database read), then the token (one
    # request); only then the 30-60 s of loading models.
    services = await _open_services(settings)
    try:
        await asyncio.to_thread(services.index.check_setup)
        await _verify_token(token)
    except IndexMismatch as exc:
        await asyncio.to_thread(services.index.close)
        raise BotConfigError(str(exc)) from exc
    except BaseException:
        await asyncio.to_thread(services.index.close)
        raise
    # Load the models and the vector index before the first /check instead of during it.
    try:
        await asyncio.to_thread(services.index.warm_up)
    except (IndexMismatch, StanceModelError, EmbedModelError) as exc:  # a setup problem: restarting cannot fix it
        await asyncio.to_thread(services.index.close)
        raise BotConfigError(str(exc)) from exc
    bot = make_bot(services, **(bot_options or {}))
    # Feeds are polled in a thread of their own: fetching and ingesting block, the event loop must not.
    watcher = (
        services.index.start_feed_watcher(on_ingest=_watch_updates_from_feeds(bot, asyncio.get_running_loop()))
        if settings.feeds_in_serve
        else None
    )
    bot.feed_watcher = watcher  # stopped first when the bot closes
    if settings.shard_count is not None:
        log.info("shards %s of %d", settings.shard_ids or list(range(settings.shard_count)), settings.shard_count)
    loop = asyncio.get_running_loop()
    # systemd and docker stop with SIGTERM: close the gateway and the database cleanly, exit 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: loop.create_task(bot.close()))
    try:
        async with bot:
            await bot.start(token)
    except discord.LoginFailure as exc:
        raise BotConfigError(f"Discord rejected the token: {exc}") from exc
    except (aiohttp.ClientConnectionError, discord.GatewayNotFound, TimeoutError) as exc:
        raise _unreachable(exc) from exc
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        if watcher is not None:
            await asyncio.to_thread(watcher.stop)
        await asyncio.to_thread(services.index.close)


def _watch_updates_from_feeds(bot: ClaimBot, loop: asyncio.AbstractEventLoop) -> Callable[[IngestReport], None]:
    """Called in the feeds' thread after each ingest: the new articles (and any other process's
    still pending) are read against the watched claims there (blocking model work, already off the
    event loop), the posting is handed to the loop."""

    def after_ingest(report: IngestReport) -> None:
        if not report.article_ids:
            return
        updates = bot.services.index.sweep_watches(bot.services.review)
        if updates:
            # Nobody waits for the posting (the feeds' thread goes on polling): its failure is logged
            # here, and the bot's close waits for it.
            posting = asyncio.run_coroutine_threadsafe(post_watch_updates(bot, updates), loop)
            bot.feed_posts.add(posting)
            posting.add_done_callback(bot.feed_posts.discard)
            posting.add_done_callback(_log_posting_failure)

    return after_ingest


def _log_posting_failure(future: concurrent.futures.Future[int]) -> None:
    if not future.cancelled() and (exc := future.exception()) is not None:
        log.error("posting the watch updates of the feeds failed", exc_info=exc)


def serve(settings: Settings) -> None:
    discord.utils.setup_logging(level=logging.INFO)
    asyncio.run(serve_async(settings))


async def sync_commands_async(settings: Settings, guild_id: int | None = None) -> list[str]:
    token = _token(settings)
    await _verify_token(token)
    services = await _open_services(settings)
    bot = ClaimBot(services, background_work=False)
    try:
        async with bot:
            try:
                await bot.login(token)  # REST only: runs setup_hook, which registers the commands locally
            except discord.LoginFailure as exc:
                raise BotConfigError(f"Discord rejected the token: {exc}") from exc
            except (aiohttp.ClientConnectionError, TimeoutError) as exc:
                raise _unreachable(exc) from exc
            if guild_id is not None:
                guild = discord.Object(guild_id)
                bot.tree.copy_global_to(guild=guild)
                synced = await bot.tree.sync(guild=guild)
            else:
                synced = await bot.tree.sync()
            return [c.name for c in synced]
    finally:
        await asyncio.to_thread(services.index.close)


def sync_commands(settings: Settings, guild_id: int | None = None) -> list[str]:
    """Register the slash and message commands: in one guild (instant, for testing) or globally."""
    return asyncio.run(sync_commands_async(settings, guild_id))
