"""Buttons and modals. Buttons that must survive a restart are `DynamicItem`s whose `custom_id`
carries the answer or flag id; everything else is read from the database when clicked."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import discord

from claimbot.bot.embeds import (
    PAGE_PASSAGES,
    answer_embed,
    card_embed,
    md,
    more_pages,
    rest_indices,
)
from claimbot.bot.interactions import (
    NO_MENTIONS,
    guarded,
    refuse_after_public_defer,
    reply_private,
    require_moderator,
    run_heavy,
    services,
)
from claimbot.index.review.service import AlreadyTaken, AnswerView, CorrectionView, Decision, FlagView, ReviewError

log = logging.getLogger("claimbot.discord")


# -- answer views ---------------------------------------------------------------------------
def answer_view(answer: AnswerView, *, publishable: bool = False) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(FlagButton(answer.id))
    if more_pages(answer.result) > 0:
        view.add_item(MoreButton(answer.id, "more", 1))
    if publishable:
        view.add_item(PublishButton(answer.id))
    return view


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=r"(?!)"):
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
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /):
        return cls(int(match["answer_id"]))


async def asker_only(
    interaction: discord.Interaction,
    answer: AnswerView,
    refusal: str,
    refuse: Callable[[discord.Interaction, str], Awaitable[None]] = reply_private,
) -> bool:
    """True for the member who asked; anyone else gets `refusal` privately (through `refuse`)."""
    if interaction.user.id == answer.asker_id:
        return True
    await refuse(interaction, refusal)
    return False


class FlagButton(AnswerButton, template=r"flag:(?P<answer_id>\d+)"):
    PREFIX, LABEL, EMOJI = "flag", "Flag this answer", "🚩"

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:
            await reply_private(interaction, "This only works in a server.")
            return
        await interaction.response.send_modal(FlagModal(self.answer_id, interaction.id))


# discord.py finds an open form by its custom_id alone and forgets it at the first submit: two
# people with the same form open would share one instance (and the second submit would be lost),
# so every opening gets its own id. A form left open longer than this is forgotten, so abandoned
# forms do not pile up.
FORM_TIMEOUT_S = 15 * 60


def form_id(kind: str, target_id: int, opening_id: int) -> str:
    """`kind:target:interaction` — the interaction that opened the form makes it unique."""
    return f"{kind}:{target_id}:{opening_id}"


class FlagModal(discord.ui.Modal, title="Flag this answer"):
    reason = discord.ui.TextInput(
        label="What is wrong with this answer?",
        style=discord.TextStyle.paragraph,
        max_length=1000,
        min_length=3,
        placeholder="e.g. the passage is about another person; the verdict contradicts the article",
    )

    def __init__(self, answer_id: int, opening_id: int) -> None:
        super().__init__(custom_id=form_id("flag-modal", answer_id, opening_id), timeout=FORM_TIMEOUT_S)
        self.answer_id = answer_id

    @guarded
    async def on_submit(self, interaction: discord.Interaction) -> None:
        reason = self.reason.value
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        outcome = await asyncio.to_thread(
            svc.review.flag, interaction.guild_id, self.answer_id, interaction.user.id, reason
        )
        flag = outcome.flag
        if outcome.duplicate:
            await interaction.followup.send(
                f"You already flagged this answer; it is waiting for a moderator (flag #{flag.id}, "
                f"{flag.count} report{'s' if flag.count != 1 else ''}).",
                ephemeral=True,
            )
            return
        if outcome.created:
            carded = await post_card(interaction.client, flag)
        else:
            # Only the flagger who created the flag posts its card: a merged report edits the card
            # if it is there already, and otherwise the creator's refresh after posting shows it.
            carded = await edit_card(interaction.client, flag) or await asyncio.to_thread(
                lambda: svc.review.guild_config(flag.guild_id).review_channel_id is not None
            )
        text = f"Thanks, your flag is recorded (flag #{flag.id})."
        if not outcome.created:
            text += f" Others flagged this answer too; it now has {flag.count} reports."
        text += " Moderators will review it" + (
            " and you will get a DM with the outcome." if carded else "; they see it with `/review`."
        )
        await interaction.followup.send(text, ephemeral=True)


async def post_card(client: discord.Client, flag: FlagView) -> bool:
    """Post the review card of a new flag, then refresh it if reports merged while it was posted."""
    svc = client.services  # type: ignore[attr-defined]
    config = await asyncio.to_thread(svc.review.guild_config, flag.guild_id)
    if config.review_channel_id is None:
        return False
    try:
        channel = client.get_partial_messageable(config.review_channel_id, guild_id=flag.guild_id)
        message = await channel.send(embed=card_embed(flag), view=review_view(flag.id), allowed_mentions=NO_MENTIONS)
    except discord.HTTPException:
        log.exception("could not post the review card of flag %s", flag.id)
        return False
    await asyncio.to_thread(svc.review.set_card, flag.guild_id, flag.id, channel_id=channel.id, message_id=message.id)
    # A report merged before set_card committed saw no card to edit; show it now. One merged after
    # set_card edits the card itself.
    fresh = await asyncio.to_thread(svc.review.get_flag, flag.guild_id, flag.id)
    if (fresh.count, fresh.status) != (flag.count, flag.status):
        await edit_card(client, fresh)
    return True


async def edit_card(client: discord.Client, flag: FlagView) -> bool:
    """Show `flag` on its existing card; False when it has none (yet)."""
    if not (flag.card_channel_id and flag.card_message_id):
        return False
    try:
        message = client.get_partial_messageable(flag.card_channel_id).get_partial_message(flag.card_message_id)
        await message.edit(embed=card_embed(flag), view=review_view(flag.id) if flag.is_open else None)
        return True
    except discord.HTTPException:
        log.exception("could not edit the review card of flag %s", flag.id)
        return False


class MoreButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"(?P<kind>more|mpage):(?P<answer_id>\d+):(?P<page>\d+)"
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
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /):
        return cls(int(match["answer_id"]), match["kind"], int(match["page"]))

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        # Acknowledge before the answer is read in a worker thread: Discord drops a click that is
        # not acknowledged within 3 s, and a busy database can take that long.
        if self.kind == "more":
            await interaction.response.defer(ephemeral=True, thinking=True)
        else:
            await interaction.response.defer()  # the pager's own message is edited below
        answer = await asyncio.to_thread(services(interaction).review.get_answer, interaction.guild_id, self.answer_id)
        if not await asker_only(
            interaction,
            answer,
            "Only the person who asked can page through these passages; "
            "run `/check` with the claim to get your own answer.",
        ):
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
    async def callback(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        await interaction.response.defer(thinking=True)  # public: the answer is posted here
        try:
            answer = await asyncio.to_thread(svc.review.get_answer, interaction.guild_id, self.answer_id)
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
        corpus = await asyncio.to_thread(svc.corpus_line)
        message = await interaction.followup.send(
            embed=answer_embed(answer, corpus), view=answer_view(answer), allowed_mentions=NO_MENTIONS, wait=True
        )
        await asyncio.to_thread(
            svc.review.set_answer_message,
            interaction.guild_id,
            answer.id,
            channel_id=interaction.channel_id,
            message_id=message.id,
            private=False,
        )


# -- the review card ------------------------------------------------------------------------
def review_view(flag_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in ("approve", "correct", "dismiss"):
        view.add_item(ReviewButton(action, flag_id))
    return view


_REVIEW_LOOK = {
    "approve": ("Approve", "✅", discord.ButtonStyle.success),
    "correct": ("Correct", "✏️", discord.ButtonStyle.primary),
    "dismiss": ("Dismiss", "🗑️", discord.ButtonStyle.secondary),
}


class ReviewButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"review:(?P<action>approve|correct|dismiss):(?P<flag_id>\d+)"
):
    def __init__(self, action: str, flag_id: int) -> None:
        label, emoji, style = _REVIEW_LOOK[action]
        super().__init__(
            discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=f"review:{action}:{flag_id}")
        )
        self.action, self.flag_id = action, flag_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /):
        return cls(match["action"], int(match["flag_id"]))

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        if self.action == "approve":
            await interaction.response.defer()  # acknowledge before the moderator check's read
            if await require_moderator(interaction):
                await decide(interaction, self.flag_id, "approve")
            return
        # A modal must be the first response, so the check comes first here: free for permission
        # holders, one primary-key read for the moderator role (never queued behind model work).
        if not await require_moderator(interaction):
            return
        form = CorrectModal if self.action == "correct" else DismissModal
        modal = form(self.flag_id, interaction.id)
        await interaction.response.send_modal(modal)


class CorrectModal(discord.ui.Modal, title="Correct this answer"):
    verdict = discord.ui.TextInput(
        label="Corrected verdict", max_length=60, min_length=2, placeholder="e.g. false, true, misleading, unproven"
    )
    note = discord.ui.TextInput(
        label="Note shown to users",
        style=discord.TextStyle.paragraph,
        max_length=1000,
        required=False,
        placeholder="What is right, with a source if you have one",
    )

    def __init__(self, flag_id: int, opening_id: int) -> None:
        super().__init__(custom_id=form_id("review-correct", flag_id, opening_id), timeout=FORM_TIMEOUT_S)
        self.flag_id = flag_id

    @guarded
    async def on_submit(self, interaction: discord.Interaction) -> None:
        verdict, note = self.verdict.value, self.note.value
        await interaction.response.defer()
        if await require_moderator(interaction):  # again: the role may have gone while the form was open
            await decide(interaction, self.flag_id, "correct", verdict=verdict, note=note)


class DismissModal(discord.ui.Modal, title="Dismiss this flag"):
    reason = discord.ui.TextInput(
        label="Why is the answer fine?", style=discord.TextStyle.paragraph, max_length=1000, min_length=3, required=True
    )

    def __init__(self, flag_id: int, opening_id: int) -> None:
        super().__init__(custom_id=form_id("review-dismiss", flag_id, opening_id), timeout=FORM_TIMEOUT_S)
        self.flag_id = flag_id

    @guarded
    async def on_submit(self, interaction: discord.Interaction) -> None:
        reason = self.reason.value
        await interaction.response.defer()
        if await require_moderator(interaction):
            await decide(interaction, self.flag_id, "dismiss", reason=reason)


async def decide(interaction: discord.Interaction, flag_id: int, action: str, **kwargs: Any) -> None:
    """Claim and decide (atomically, off the loop), then edit the card and tell the flaggers."""
    svc = services(interaction)
    args = (svc.review.review, interaction.guild_id, flag_id, interaction.user.id, action)
    try:
        # A correction embeds the claim (for later near-duplicates): model work, on the model pool.
        # Approve and dismiss are database work only and must not queue behind running checks.
        decision: Decision = await (
            run_heavy(interaction.client, *args, **kwargs)
            if action == "correct"
            else asyncio.to_thread(*args, **kwargs)
        )
    except AlreadyTaken as taken:
        f = taken.flag
        who = f.claimed_by if f.status == "in_review" else f.decided_by
        await interaction.followup.send(f"{taken} (<@{who}>)", ephemeral=True, allowed_mentions=NO_MENTIONS)
        if not f.is_open:
            await interaction.edit_original_response(embed=card_embed(f), view=None)
        return
    flag = decision.flag
    # The decision is committed: whatever happens to the card or the moderator's confirmation, the
    # flaggers are told, and a failure is logged rather than cutting the sequence short.
    text = f"Flag #{flag.id} {flag.status}. The flaggers are told privately."
    try:
        await interaction.edit_original_response(embed=card_embed(flag), view=None)
    except Exception:  # noqa: BLE001 - see above
        log.exception("could not update the review card of flag %s", flag.id)
        text += " The card could not be updated; the decision is saved."
    try:
        await interaction.followup.send(text, ephemeral=True)
    except Exception:  # noqa: BLE001
        log.exception("could not confirm the decision on flag %s", flag.id)
    await notify_flaggers(interaction.client, flag, decision.correction)


OUTCOME_TEXT = {
    "approved": "a moderator reviewed it and the answer stands.",
    "corrected": "a moderator corrected it.",
    "dismissed": "a moderator reviewed it and dismissed the flag.",
}


async def notify_flaggers(client: discord.Client, flag: FlagView, correction: CorrectionView | None = None) -> None:
    """Tell each flagger the outcome by DM; users with closed DMs are skipped."""
    # The asker's claim is shown as text: a masked link in it must not become a link in a DM the
    # bot sends to other people.
    claim = md(flag.answer.claim if len(flag.answer.claim) <= 200 else flag.answer.claim[:199] + "…")
    text = f"Your flag on the answer to “{claim}” (flag #{flag.id}): {OUTCOME_TEXT.get(flag.status, flag.status)}"
    if correction is not None:
        text += f" Corrected verdict: **{md(correction.verdict)}**."
    if flag.decision_note:
        text += f"\n> {md(flag.decision_note[:1500])}"
    for flagger in {r.flagger_id for r in flag.reports}:
        try:
            dm = await client.create_dm(discord.Object(flagger))
            await dm.send(text[:2000], allowed_mentions=NO_MENTIONS)
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError):
            log.info("could not DM flagger %s about flag %s", flagger, flag.id)


DYNAMIC_ITEMS = (FlagButton, MoreButton, PublishButton, ReviewButton)
