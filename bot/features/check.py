"""Checking a claim: `/check`, the "Check this claim" message command, and the buttons on an answer
("More passages", "Post publicly"; the flag button belongs to the review feature)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from claimbot.bot.embeds import PAGE_PASSAGES, answer_embed, first_page_indices, more_pages, rest_indices
from claimbot.bot.features.review import FlagButton
from claimbot.bot.interactions import (
    CHECK_TOP,
    NO_MENTIONS,
    AnswerButton,
    Interaction,
    answered,
    busy_message,
    defer_thinking,
    guarded,
    guild_id_of,
    refuse,
    refuse_after_public_defer,
    reply_private,
    run_heavy,
    services,
)
from claimbot.bot.workpool import Busy
from claimbot.index.records import CheckResult
from claimbot.index.review import AnswerView, ClaimError, CorrectionView, ReviewError, normalise_claim

if TYPE_CHECKING:
    from claimbot.bot.app import ClaimBot

log = logging.getLogger("claimbot.discord")


async def run_check(interaction: Interaction, text: str | None, *, private: bool, from_message: bool) -> None:
    """Validate, defer within 3 s, rate-limit, check off the loop, store the answer as shown, send it."""
    svc = services(interaction)
    guild_id = interaction.guild_id
    if guild_id is None:
        await reply_private(interaction, "claimbot works in servers only.")
        return
    try:
        claim = svc.index.validate_claim(text)
    except ClaimError as exc:
        empty = from_message and not normalise_claim(text or "")
        await reply_private(
            interaction,
            "That message has no claim I can check: it has no text." if empty else f"I cannot check that claim: {exc}.",
        )
        return
    await defer_thinking(interaction, ephemeral=private)
    decision = await asyncio.to_thread(svc.review.hit_rate_limit, guild_id, interaction.user.id)
    if not decision.allowed:
        who = "You have" if decision.scope == "user" else "This server has"
        await refuse(
            interaction, f"{who} reached the limit of checks for now; try again in {decision.retry_after_s:.0f} s."
        )
        return

    def check_and_correction() -> tuple[CheckResult, CorrectionView | None]:
        # One pool task: the correction lookup (it embeds the claim) must not queue again behind
        # every check of a burst, which held each answer until the whole burst was done.
        collections = svc.collections(guild_id)
        result = svc.index.check(claim, top=CHECK_TOP, collection=collections)
        # A correction is of a claim, not of a way of posting it: looked up by what was read.
        return result, svc.review.find_correction(guild_id, result.read_as or result.claim)

    try:
        result, correction = await run_heavy(interaction.client, guild_id, check_and_correction)
    except Busy as busy:
        await refuse(interaction, busy_message(busy))
        return
    except ClaimError as exc:
        await refuse(interaction, f"I cannot check that claim: {exc}.")
        return
    except Exception as exc:  # noqa: BLE001 - the user gets an answer, not "This interaction failed"
        await _check_failed(interaction, claim, exc)
        return
    try:
        answer = await asyncio.to_thread(
            lambda: svc.review.record_answer(
                guild_id,
                channel_id=interaction.channel_id,
                asker_id=interaction.user.id,
                result=result,
                shown=len(first_page_indices(result)),
                correction=correction,
                private=private,
                model=svc.settings.embed_model,
                corpus_version=svc.corpus_version(),
            )
        )
        corpus = await asyncio.to_thread(svc.corpus_line)
    except Exception as exc:  # noqa: BLE001 - the user gets an answer, not "This interaction failed"
        await _check_failed(interaction, claim, exc)
        return
    message = await interaction.followup.send(
        embed=answer_embed(answer, corpus),
        view=answer_view(answer, publishable=private and from_message),
        ephemeral=private,
        allowed_mentions=NO_MENTIONS,
        wait=True,
    )
    answered(interaction)
    await asyncio.to_thread(
        svc.review.set_answer_message,
        guild_id,
        answer.id,
        channel_id=interaction.channel_id,
        message_id=message.id,
    )


async def _check_failed(interaction: Interaction, claim: str, exc: Exception) -> None:
    log.error("check failed for %r", claim, exc_info=exc)
    await refuse(interaction, f"Sorry, the check failed ({type(exc).__name__}). Please try again later.")


class CheckCommands(commands.Cog):
    def __init__(self, bot: ClaimBot) -> None:
        self.bot = bot
        # Context menus cannot be defined inside a class (discord.py); build it here.
        self.menu = app_commands.ContextMenu(name="Check this claim", callback=self.check_message)
        app_commands.guild_only(self.menu)
        bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    @app_commands.command(name="check", description="Check a claim against the indexed news articles")
    @app_commands.describe(claim="The claim to check, in a sentence or two", private="Only you see the answer")
    @app_commands.guild_only()
    async def check(self, interaction: Interaction, claim: str, private: bool = False) -> None:
        await run_check(interaction, claim, private=private, from_message=False)

    async def check_message(self, interaction: Interaction, message: discord.Message) -> None:
        await run_check(interaction, message.content, private=True, from_message=True)


# -- the buttons on an answer ---------------------------------------------------------------
# A stored answer keeps its passages as shown; once moderators have removed one's article or blocked
# its source, `check` no longer shows it, and neither do the buttons that show the answer again.
WITHDRAWN = (
    "This answer quotes an article removed, or a source blocked, since it was given; "
    "check the claim again with `/check`."
)


def answer_view(answer: AnswerView, *, publishable: bool = False) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(FlagButton(answer.id))
    if more_pages(answer.result) > 0:
        view.add_item(MoreButton(answer.id, "more", 1))
    if publishable:
        view.add_item(PublishButton(answer.id))
    return view


async def asker_only(
    interaction: Interaction,
    answer: AnswerView,
    refusal: str,
    refuse: Callable[[discord.Interaction[Any], str], Awaitable[None]] = reply_private,
) -> bool:
    """True for the member who asked; anyone else gets `refusal` privately (through `refuse`)."""
    if interaction.user.id == answer.asker_id:
        return True
    await refuse(interaction, refusal)
    return False


class MoreButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"(?P<kind>more|mpage):(?P<answer_id>\d+):(?P<page>\d+)",
):
    """`more:<answer>:1` on the answer opens a private pager; `mpage:<answer>:<n>` turns its pages."""

    def __init__(
        self, answer_id: int, kind: str, page: int, *, label: str = "More passages", disabled: bool = False
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"{kind}:{answer_id}:{page}",
            )
        )
        self.answer_id, self.kind, self.page = answer_id, kind, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> MoreButton:
        return cls(int(match["answer_id"]), match["kind"], int(match["page"]))

    @guarded
    async def callback(self, interaction: Interaction) -> None:
        # Acknowledge before the answer is read in a worker thread: Discord drops a click that is
        # not acknowledged within 3 s, and a busy database can take that long.
        if self.kind == "more":
            await interaction.response.defer(ephemeral=True, thinking=True)
        else:
            await interaction.response.defer()  # the pager's own message is edited below
        answer = await asyncio.to_thread(
            services(interaction).review.get_answer, guild_id_of(interaction), self.answer_id
        )
        if not await asker_only(
            interaction,
            answer,
            "Only the person who asked can page through these passages; "
            "run `/check` with the claim to get your own answer.",
        ):
            return
        if await asyncio.to_thread(services(interaction).index.withdrawn, answer.result):
            await reply_private(interaction, WITHDRAWN)
            return
        pages = more_pages(answer.result)
        page = min(max(self.page, 1), max(pages, 1))
        rest = rest_indices(answer.result)
        indices = rest[(page - 1) * PAGE_PASSAGES : page * PAGE_PASSAGES]
        corpus = await asyncio.to_thread(services(interaction).corpus_line)
        embed = answer_embed(answer, corpus, indices=indices, page=page)
        view = discord.ui.View(timeout=None)
        view.add_item(MoreButton(answer.id, "mpage", page - 1, label="Previous", disabled=page <= 1))
        view.add_item(MoreButton(answer.id, "mpage", page + 1, label="Next", disabled=page >= pages))
        if self.kind == "more":
            await interaction.followup.send(embed=embed, view=view, ephemeral=True)
        else:
            await interaction.edit_original_response(embed=embed, view=view)


class PublishButton(AnswerButton, template=r"publish:(?P<answer_id>\d+)"):
    PREFIX, LABEL, EMOJI, STYLE = "publish", "Post publicly", "📢", discord.ButtonStyle.primary

    @guarded
    async def callback(self, interaction: Interaction) -> None:
        svc = services(interaction)
        await defer_thinking(interaction, ephemeral=False)  # public: the answer is posted here
        try:
            guild_id = guild_id_of(interaction)
            answer = await asyncio.to_thread(svc.review.get_answer, guild_id, self.answer_id)
        except ReviewError as exc:  # e.g. pruned: said privately, not in the public thinking message
            await refuse_after_public_defer(interaction, str(exc))
            return
        if not await asker_only(
            interaction, answer, "Only the person who asked can post this answer.", refuse=refuse_after_public_defer
        ):
            return
        if not answer.private:
            await refuse_after_public_defer(interaction, "This answer is already posted.")
            return
        if await asyncio.to_thread(svc.index.withdrawn, answer.result):
            await refuse_after_public_defer(interaction, WITHDRAWN)
            return
        corpus = await asyncio.to_thread(svc.corpus_line)
        message = await interaction.followup.send(
            embed=answer_embed(answer, corpus), view=answer_view(answer), allowed_mentions=NO_MENTIONS, wait=True
        )
        answered(interaction)
        await asyncio.to_thread(
            svc.review.set_answer_message,
            guild_id,
            answer.id,
            channel_id=interaction.channel_id,
            message_id=message.id,
            private=False,
        )
