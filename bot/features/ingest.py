"""`/ingest`: moderators add one article by URL to the shared corpus."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from discord import app_commands
from discord.ext import commands

from claimbot.bot.features.watch import post_updates_after_ingest
from claimbot.bot.interactions import (
    Interaction,
    Refused,
    audit,
    defer_privately,
    guild_id_of,
    moderator_only,
    post_mod_log,
    reply_private,
    run_heavy,
    services,
)
from claimbot.bot.words import counted
from claimbot.index.review import AuditAction
from claimbot.index.service import (
    DEFAULT_COLLECTION,
    IngestEvent,
    IngestReport,
    http_url,
    read_inputs,
    source_options,
)

if TYPE_CHECKING:
    from claimbot.bot.app import ClaimBot

T = TypeVar("T")

INGEST_REFUSAL = (
    "Adding articles is limited to the servers the bot's operator chose "
    "(the article corpus is shared by every server the bot is in)."
)


def ingest_allowed_here() -> Callable[[T], T]:
    """Every server reads the one corpus: its operator decides which servers may add to it
    (CLAIMBOT_INGEST_GUILDS). Acknowledges privately first, as the moderator check does."""

    async def predicate(interaction: Interaction) -> bool:
        await defer_privately(interaction)
        allowed = services(interaction).settings.ingest_guilds
        if allowed is not None and interaction.guild_id not in allowed:
            raise Refused(INGEST_REFUSAL)
        return True

    return app_commands.check(predicate)


class IngestCommands(commands.Cog):
    def __init__(self, bot: ClaimBot) -> None:
        self.bot = bot

    @app_commands.command(name="ingest", description="Moderators: fetch, extract and index one article")
    @app_commands.describe(url="The article's http(s) URL")
    @app_commands.guild_only()
    # No default_permissions: Discord would hide the command from members who are moderators
    # only by the role chosen in /claimbot setup. The checks decide, on every use: the checks of a
    # command run bottom-up, so the server gate comes before the moderator check.
    @moderator_only()
    @ingest_allowed_here()
    async def ingest(self, interaction: Interaction, url: str) -> None:
        fetched = http_url(url.strip())  # "Https://", as a phone's keyboard capitalises it, too
        if fetched is None or len(fetched) > 2048:
            await reply_private(interaction, "Give the article's full http(s) URL.")
            return
        url = fetched
        svc = services(interaction)
        events: list[IngestEvent] = []

        def fetch_and_ingest() -> IngestReport:
            # The blocked domains are read in the worker (a database read), and passed to the fetch
            # so that a blocked source is not fetched at all, on any redirect hop either.
            options = source_options(svc.settings, blocked=svc.index.blocked_domains())
            # A server with its own collection files its articles there, as its feeds do.
            own = svc.review.guild_config(guild_id_of(interaction)).collection
            return svc.index.ingest(
                read_inputs([url], options), collection=own or DEFAULT_COLLECTION, on_event=events.append, overlap=False
            )

        report = await run_heavy(
            interaction.client,
            guild_id_of(interaction),
            fetch_and_ingest,
            kind="ingest",
        )
        # The URL is said once, at the start; the events and errors repeat it as their origin.
        details = "; ".join(_without(url, e.detail) for e in events)
        errors = "; ".join(_without(url, e) for e in report.errors)
        await audit(
            interaction,
            AuditAction.INGEST,
            f"url:{url[:90]}",
            after={
                "added": report.added,
                "replaced": report.replaced,
                "unchanged": report.unchanged,
                "failed": report.failed,
                "passages": report.passages,
                "errors": report.errors[:3],
            },
        )
        if report.failed:
            text = f"Could not index {url}: {errors or details or 'no reason given'}."
        elif report.added or report.replaced:
            verb = "Added" if report.added else "Updated"
            text = f"{verb} {url}: {counted(report.passages, 'passage')} indexed."
        else:
            text = f"Nothing changed: {url} is already indexed ({details or 'unchanged'})."
        await post_mod_log(
            interaction,
            f"📥 <@{interaction.user.id}> ingested {url}: {text.split(': ', 1)[-1] if not report.failed else 'failed'}",
        )
        await interaction.followup.send(text[:2000], ephemeral=True, suppress_embeds=True)
        # After the reply: the moderator is not kept waiting on the watched claims' stance readings.
        await post_updates_after_ingest(interaction.client, guild_id_of(interaction), report.article_ids)


def _without(url: str, text: str) -> str:
    """`text` (an error or event that starts from the URL as its origin) without the URL again."""
    return text.replace(f"{url}: ", "").replace(url, "the page").strip().rstrip(".")
