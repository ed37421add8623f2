"""Watched claims: `/watch claim:`, `/watches`, `/unwatch`, the Watch button on a review card, and the
updates posted to the review channel when new reporting confidently supports or conflicts with a
watched claim: read at once after /ingest and the feeds polled inside `serve`, and every
CLAIMBOT_WATCH_SWEEP seconds for what other processes ingested (docs/moderators.md)."""

from __future__ import annotations

import asyncio
import logging
import re
from enum import Enum, auto
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from claimbot.bot.embeds import md, watch_embed
from claimbot.bot.interactions import (
    NO_MENTIONS,
    Interaction,
    guarded,
    guild_id_of,
    moderator_only,
    post_mod_log,
    reply_private,
    require_moderator,
    run_heavy,
    services,
)
from claimbot.index.review import OPERATOR_GUILD, AuditAction, ClaimError, ReviewError, WatchUpdate, WatchView

if TYPE_CHECKING:
    from claimbot.bot.app import ClaimBot
    from claimbot.bot.services import Services

log = logging.getLogger("claimbot.discord")


def watching_text(watch: WatchView, unread_language: str | None = None) -> str:
    """What a moderator is told a watch will post. `unread_language`: the claim's language where the
    stance model cannot read it (`ClaimIndex.unread_language`): only fact-checks are posted then."""
    claim = md(watch.claim if len(watch.claim) <= 200 else watch.claim[:199] + "…")
    until = discord.utils.format_dt(watch.expires_at, "D")
    if unread_language is not None:
        return (
            f"Watching “{claim}” until {until} (watch #{watch.id}): new fact-checks that rate it are posted in the "
            f"review channel, but no passages: the claim is in {unread_language}, and claimbot's stance model "
            "reads English only."
        )
    return (
        f"Watching “{claim}” until {until} (watch #{watch.id}): new reporting that supports or "
        "conflicts with it is posted in the review channel."
    )


async def record_watch(
    interaction: Interaction, claim: str, *, answer_id: int | None = None, days: int | None = None
) -> WatchView:
    """Store the watch and its audit row, and say so in the mod-log (off the loop)."""
    svc, guild_id = services(interaction), guild_id_of(interaction)

    def add() -> WatchView:
        watch = svc.review.watches.add(guild_id, claim, interaction.user.id, answer_id=answer_id, days=days)
        svc.review.log(
            guild_id,
            interaction.user.id,
            AuditAction.WATCH,
            f"watch:{watch.id}",
            after={"claim": watch.claim, "answer_id": answer_id, "until": watch.expires_at.isoformat()},
        )
        return watch

    watch = await asyncio.to_thread(add)
    await post_mod_log(
        interaction, f"👁️ <@{interaction.user.id}> is watching “{md(watch.claim[:200])}” (watch #{watch.id})."
    )
    return watch


class WatchCommands(commands.Cog):
    def __init__(self, bot: ClaimBot) -> None:
        self.bot = bot

    @app_commands.command(name="watch", description="Moderators: post new reporting on a claim to the review channel")
    @app_commands.describe(claim="The claim to follow", days="How long (default: CLAIMBOT_WATCH_DAYS)")
    @app_commands.guild_only()
    # No default_permissions: moderators by role alone must see it; the check decides on every use.
    @moderator_only()
    async def watch(
        self, interaction: Interaction, claim: str, days: app_commands.Range[int, 1, 365] | None = None
    ) -> None:
        svc = services(interaction)
        try:
            text = svc.index.validate_claim(claim)
        except ClaimError as exc:
            await reply_private(interaction, f"I cannot watch that claim: {exc}.")
            return
        watch = await record_watch(interaction, text, days=days)
        config = await asyncio.to_thread(svc.review.guild_config, guild_id_of(interaction))
        note = (
            "" if config.review_channel_id else " This server has no review channel yet: set one in `/claimbot setup`."
        )
        unread = await asyncio.to_thread(svc.index.unread_language, text)
        await interaction.followup.send(
            watching_text(watch, unread) + note, ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="watches", description="Moderators: the claims this server is watching")
    @app_commands.guild_only()
    @moderator_only()
    async def watches(self, interaction: Interaction) -> None:
        svc, guild_id = services(interaction), guild_id_of(interaction)
        active = await asyncio.to_thread(svc.review.watches.active, guild_id)
        await interaction.followup.send(watches_text(active), ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="unwatch", description="Moderators: stop posting new reporting on a watched claim")
    @app_commands.describe(watch="The watch's number (see /watches)")
    @app_commands.guild_only()
    @moderator_only()
    async def unwatch(self, interaction: Interaction, watch: app_commands.Range[int, 1]) -> None:
        svc, guild_id = services(interaction), guild_id_of(interaction)

        def remove() -> WatchView:
            removed = svc.review.watches.remove(guild_id, watch)
            svc.review.log(
                guild_id,
                interaction.user.id,
                AuditAction.UNWATCH,
                f"watch:{removed.id}",
                before={"claim": removed.claim, "until": removed.expires_at.isoformat()},
            )
            return removed

        try:
            removed = await asyncio.to_thread(remove)
        except ReviewError as exc:
            await interaction.followup.send(str(exc), ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        claim = md(removed.claim[:200])
        await post_mod_log(
            interaction, f"🙈 <@{interaction.user.id}> stopped watching “{claim}” (watch #{removed.id})."
        )
        await interaction.followup.send(
            f"Stopped watching “{claim}” (watch #{removed.id}).", ephemeral=True, allowed_mentions=NO_MENTIONS
        )


def watches_text(active: list[WatchView], limit: int = 20) -> str:
    if not active:
        return "No claim is watched on this server. `/watch claim:` starts one."
    lines = [f"{len(active)} watched claim{'s' if len(active) != 1 else ''} (`/unwatch watch:N` stops one):"]
    for w in active[:limit]:
        claim = md(w.claim if len(w.claim) <= 120 else w.claim[:119] + "…")
        lines.append(f"#{w.id} “{claim}” until {discord.utils.format_dt(w.expires_at, 'D')}")
    if len(active) > limit:
        lines.append(f"…and {len(active) - limit} more.")
    return "\n".join(lines)[:2000]


class WatchButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"watch:(?P<flag_id>\d+)"):
    """On a review card: watch the flagged answer's claim (the answer is linked from each update)."""

    def __init__(self, flag_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Watch", emoji="👁️", style=discord.ButtonStyle.secondary, custom_id=f"watch:{flag_id}"
            )
        )
        self.flag_id = flag_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> WatchButton:
        return cls(int(match["flag_id"]))

    @guarded
    async def callback(self, interaction: Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        if not await require_moderator(interaction):
            return
        svc = services(interaction)
        flag = await asyncio.to_thread(svc.review.get_flag, guild_id_of(interaction), self.flag_id)
        watch = await record_watch(interaction, flag.answer.claim, answer_id=flag.answer.id)
        unread = await asyncio.to_thread(svc.index.unread_language, watch.claim)
        await interaction.followup.send(watching_text(watch, unread), ephemeral=True, allowed_mentions=NO_MENTIONS)


class Posting(Enum):
    """What became of one watch update handed to `post_watch_updates`."""

    POSTED = auto()
    UNDELIVERABLE = auto()  # nowhere to post it, ever: dropped and logged
    WITHDRAWN = auto()  # its article was removed or its source blocked since it was found: dropped
    LATER = auto()  # a database or Discord hiccup: kept for the next sweep


async def post_watch_updates(client: ClaimBot, updates: list[WatchUpdate]) -> int:
    """Post each update (and those an earlier call, of this process or one before it, could not
    post) to its server's review channel; how many were posted. Never raises. An update counts as
    sent once it is posted, or once it cannot ever be (no review channel, the channel deleted, no
    permission to post there: logged). A failed read of the server's settings, Discord's 5xx or rate
    limit, or a lost connection keeps it for the next sweep: it was reserved once only
    (`Watches.claim_notice`), so no later sweep would find it again. It is kept in the database
    (`Watches.defer`), where a restarted bot finds it, or in `client.unposted_updates` while the
    database does not answer."""
    try:
        stored = await asyncio.to_thread(client.services.review.watches.take_deferred)
    except Exception:  # noqa: BLE001 - a database hiccup: they stay stored for the next call
        log.warning("reading the watch updates kept for later failed", exc_info=True)
        stored = []
    batch, client.unposted_updates = client.unposted_updates + stored + updates, []
    channels: dict[int, int | None] = {}
    unread: set[int] = set()  # servers whose settings could not be read in this call
    later: list[WatchUpdate] = []
    posted = 0
    for done, update in enumerate(batch):
        try:
            outcome = await _post_watch_update(client, update, channels, unread)
        except BaseException:
            # Cancelled (the bot is closing): what was not posted yet is kept (ClaimBot.close). Not
            # the update being posted: Discord may have it already, and twice is worse than never.
            log.warning("closing while posting the watch update of watch %s: it may not be posted", update.watch.id)
            client.unposted_updates += later + batch[done + 1 :]
            raise
        if outcome is Posting.POSTED:
            posted += 1
        elif outcome is Posting.LATER:
            later.append(update)
    await keep_for_later(client, later)
    return posted


async def keep_for_later(client: ClaimBot, updates: list[WatchUpdate]) -> None:
    """Store updates to post at the next sweep, this process's or, after a restart, the next one's;
    in memory while the database does not answer. Never raises."""
    if not updates:
        return
    try:
        await asyncio.to_thread(client.services.review.watches.defer, updates)
    except Exception:  # noqa: BLE001 - see above
        log.warning("storing %d watch updates for the next sweep failed: kept in memory", len(updates), exc_info=True)
        client.unposted_updates += updates


async def _post_watch_update(
    client: ClaimBot, update: WatchUpdate, channels: dict[int, int | None], unread: set[int]
) -> Posting:
    guild_id, watch_id = update.watch.guild_id, update.watch.id
    if guild_id in unread:
        return Posting.LATER
    try:
        # One kept for later (a 503, a restart) may be hours old: a moderator may have blocked its
        # source since, or removed its article, which no answer shows any more.
        withdrawn = await asyncio.to_thread(client.services.index.update_withdrawn, update)
    except Exception:  # noqa: BLE001 - a database hiccup: the next sweep posts it
        log.warning("could not tell whether watch update on watch %s still stands: kept", watch_id, exc_info=True)
        return Posting.LATER
    if withdrawn:
        log.info("watch update on watch %s dropped: its article was removed or its source blocked", watch_id)
        return Posting.WITHDRAWN
    if guild_id not in channels:
        try:
            config = await asyncio.to_thread(client.services.review.guild_config, guild_id)
        except Exception:  # noqa: BLE001 - a database hiccup: the next sweep posts it
            log.warning(
                "reading the settings of guild %s failed: its watch updates are kept for the next sweep",
                guild_id,
                exc_info=True,
            )
            unread.add(guild_id)
            return Posting.LATER
        channels[guild_id] = config.review_channel_id
    channel_id = channels[guild_id]
    if channel_id is None:
        log.info("guild %s has no review channel: watch update on watch %s not posted", guild_id, watch_id)
        return Posting.UNDELIVERABLE
    try:
        channel = client.get_partial_messageable(channel_id, guild_id=guild_id)
        await channel.send(embed=watch_embed(update), allowed_mentions=NO_MENTIONS)
    except (discord.Forbidden, discord.NotFound) as exc:
        log.warning(
            "watch update on watch %s dropped: guild %s's review channel %s is gone or the bot may not post there (%s)",
            watch_id,
            guild_id,
            channel_id,
            exc,
        )
        return Posting.UNDELIVERABLE
    except (discord.HTTPException, discord.RateLimited, aiohttp.ClientError, TimeoutError) as exc:
        # Discord's 5xx, or its rate limit after discord.py's own retries, or the network: passing.
        # Any other 4xx (a 400 on the embed) would fail the same way at every sweep.
        if isinstance(exc, discord.HTTPException) and exc.status != 429 and exc.status < 500:
            log.exception("could not post the watch update of watch %s: dropped", watch_id)
            return Posting.UNDELIVERABLE
        log.warning("could not post the watch update of watch %s (%s): kept for the next sweep", watch_id, exc)
        return Posting.LATER
    except Exception:  # noqa: BLE001 - one update's surprise must not stop the others
        log.exception("could not post the watch update of watch %s: dropped", watch_id)
        return Posting.UNDELIVERABLE
    return Posting.POSTED


def sweep_and_keep(svc: Services) -> list[WatchUpdate]:
    """The sweep, in its thread, and its updates stored there at once for `post_watch_updates` to
    take: a bot closed while the sweep runs stops waiting for it, and what it reserved (once only)
    would be lost with its result; stored, the next process posts it. Those it could not store are
    returned, to be posted from memory."""
    updates = svc.index.sweep_watches(svc.review)
    if not updates:
        return []
    try:
        svc.review.watches.defer(updates)
    except Exception:  # noqa: BLE001 - the database did not answer: posted from memory
        log.warning("storing the %d updates of a watch sweep failed: posting them from memory", len(updates))
        return updates
    return []


async def sweep_and_post(client: ClaimBot, guild_id: int = OPERATOR_GUILD) -> int:
    """Read the articles not yet read against the watched claims, whoever ingested them (model work,
    on the pool), and post what they bring; how many were posted. Never raises: a failed sweep
    leaves the articles pending for the next one."""
    svc = client.services
    try:
        if await asyncio.to_thread(svc.review.watches.active):
            updates = await run_heavy(client, guild_id, sweep_and_keep, svc, kind="watch")
        else:
            # Nothing watched: the sweep only marks the articles read (short database writes),
            # and takes no place from the checks in the model pool.
            updates = await asyncio.to_thread(sweep_and_keep, svc)
        return await post_watch_updates(client, updates)
    except Exception:  # noqa: BLE001 - see above
        log.exception("reading new articles against the watched claims failed")
        return 0


async def post_updates_after_ingest(client: ClaimBot, guild_id: int, article_ids: list[int]) -> int:
    """After /ingest: its articles (and any other process's still pending) are read at once rather
    than at the next periodic sweep. Never raises: the ingest itself is done and reported."""
    if not article_ids:
        return 0
    return await sweep_and_post(client, guild_id)
