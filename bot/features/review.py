"""Reviewing answers: the flag button and form on an answer, the review card in the review channel
with its buttons and forms, `/review` (the open flags), and the flaggers' DMs with the outcome."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from claimbot.bot.embeds import card_embed, md, queue_embed
from claimbot.bot.features.watch import WatchButton
from claimbot.bot.interactions import (
    NO_MENTIONS,
    NOT_IN_A_SERVER,
    AnswerButton,
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
from claimbot.bot.words import rating_label
from claimbot.index.review import (
    AlreadyTaken,
    CorrectionView,
    Decision,
    FlagFilter,
    FlagStatus,
    FlagView,
    Rating,
    ReviewAction,
)

if TYPE_CHECKING:
    from claimbot.bot.app import ClaimBot

log = logging.getLogger("claimbot.discord")
QUEUE_PAGE = 15


class ReviewCommands(commands.Cog):
    def __init__(self, bot: ClaimBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="review", description="Moderators: the open flags (oldest first), yours, or decided ones"
    )
    @app_commands.guild_only()
    @app_commands.describe(show="open (the queue), mine (you decided or are deciding), decided", page="From 1")
    # No default_permissions: Discord would hide the command from members who are moderators only by
    # the role chosen in /claimbot setup. The check decides, on every use.
    @moderator_only()
    async def review(
        self, interaction: Interaction, show: FlagFilter = FlagFilter.OPEN, page: app_commands.Range[int, 1, 1000] = 1
    ) -> None:
        svc, guild_id = services(interaction), guild_id_of(interaction)
        flags, total = await asyncio.to_thread(
            lambda: svc.review.flags_page(
                guild_id, show, moderator_id=interaction.user.id, limit=QUEUE_PAGE, offset=(page - 1) * QUEUE_PAGE
            )
        )
        embed = queue_embed(flags, total, which=show.value, page=page, per_page=QUEUE_PAGE)
        await interaction.followup.send(embed=embed, ephemeral=True)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: Interaction) -> None:
        form = SubmittedForm.of(interaction)
        if form is not None:
            await form.handle(interaction)


# -- flagging an answer ---------------------------------------------------------------------
class FlagButton(AnswerButton, template=r"flag:(?P<answer_id>\d+)"):
    PREFIX, LABEL, EMOJI = "flag", "Flag this answer", "🚩"

    @guarded
    async def callback(self, interaction: Interaction) -> None:
        if interaction.guild_id is None:
            await reply_private(interaction, NOT_IN_A_SERVER)
            return
        await interaction.response.send_modal(FlagModal(self.answer_id, interaction.id))


# discord.py finds an open form by its custom_id alone and forgets it at the first submit: two
# people with the same form open would share one instance (and the second submit would be lost),
# so every opening gets its own id. A form left open longer than this is forgotten, so abandoned
# forms do not pile up.
FORM_TIMEOUT_S = 15 * 60


class FormKind(StrEnum):
    FLAG = "flag-modal"
    CORRECT = "review-correct"
    DISMISS = "review-dismiss"


FORM_ID = re.compile(rf"(?P<kind>{'|'.join(re.escape(k) for k in FormKind)}):(?P<target_id>\d+):\d+")


def form_id(kind: FormKind, target_id: int, opening_id: int) -> str:
    """`kind:target:interaction` — the interaction that opened the form makes it unique."""
    return f"{kind}:{target_id}:{opening_id}"


@dataclass(frozen=True)
class SubmittedForm:
    """A submitted flag, correct or dismiss form, read from the submission alone.

    discord.py hands a submission only to the form instance that opened it, which lives in this
    process's memory for FORM_TIMEOUT_S: a form submitted after a restart, or later than that, went
    unanswered and its flag or decision was lost. The custom_id names what the form acts on and the
    fields carry what was typed, so every submission is handled here (ReviewCommands.on_interaction)
    and the forms themselves only draw the fields."""

    kind: FormKind
    target_id: int
    texts: list[str]  # the text fields, in the form's order
    choices: list[list[str]]  # the selects' chosen values, in the form's order

    @classmethod
    def of(cls, interaction: discord.Interaction[Any]) -> SubmittedForm | None:
        if interaction.type is not discord.InteractionType.modal_submit or interaction.data is None:
            return None
        data: Mapping[str, Any] = interaction.data
        match = FORM_ID.fullmatch(str(data.get("custom_id", "")))
        if match is None:
            return None
        texts: list[str] = []
        choices: list[list[str]] = []
        # By position, not by the fields' custom_ids: those of a form opened by an earlier run are
        # its own random ones.
        pending = list(data.get("components", []))
        while pending:
            component = pending.pop(0)
            if "components" in component:  # an action row
                pending[:0] = component["components"]
            elif "component" in component:  # a label
                pending.insert(0, component["component"])
            elif "values" in component:
                choices.append([str(v) for v in component["values"]])
            elif "value" in component:
                texts.append(str(component["value"]))
        return cls(FormKind(match["kind"]), int(match["target_id"]), texts, choices)

    def text(self) -> str:
        return self.texts[0] if self.texts else ""

    @guarded
    async def handle(self, interaction: Interaction) -> None:
        if self.kind is FormKind.FLAG:
            await submit_flag(interaction, self.target_id, self.text())
            return
        await interaction.response.defer()
        # Again, not only when the form opened: the role may have gone while the form was open, and a
        # submission can be crafted by anyone.
        if not await require_moderator(interaction):
            return
        if self.kind is FormKind.CORRECT:
            verdict = self.choices[0][0] if self.choices and self.choices[0] else ""
            await decide(interaction, self.target_id, ReviewAction.CORRECT, verdict=verdict, note=self.text())
        else:
            await decide(interaction, self.target_id, ReviewAction.DISMISS, reason=self.text())


class FlagModal(discord.ui.Modal, title="Flag this answer"):
    reason: discord.ui.TextInput[FlagModal] = discord.ui.TextInput(
        label="What is wrong with this answer?",
        style=discord.TextStyle.paragraph,
        max_length=1000,
        min_length=3,
        placeholder="e.g. the passage is about another person; the verdict contradicts the article",
    )

    def __init__(self, answer_id: int, opening_id: int) -> None:
        super().__init__(custom_id=form_id(FormKind.FLAG, answer_id, opening_id), timeout=FORM_TIMEOUT_S)


async def submit_flag(interaction: Interaction, answer_id: int, reason: str) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    svc = services(interaction)
    outcome = await asyncio.to_thread(svc.review.flag, guild_id_of(interaction), answer_id, interaction.user.id, reason)
    flag = outcome.flag
    if outcome.duplicate:
        await interaction.followup.send(
            f"You already flagged this answer; it is waiting for a moderator (flag #{flag.id}, "
            f"{flag.count} report{'s' if flag.count != 1 else ''}).",
            ephemeral=True,
        )
        return
    # One card per flag: a merged report edits it; one whose flag has none (opened before the
    # server had a review channel) posts it, unless another flagger is posting it (post_card).
    carded = (not outcome.created and await edit_card(interaction.client, flag)) or await post_card(
        interaction.client, flag
    )
    text = f"Thanks, your flag is recorded (flag #{flag.id})."
    if not outcome.created:
        text += f" Others flagged this answer too; it now has {flag.count} reports."
    text += " Moderators will review it" + (
        " and you will get a DM with the outcome." if carded else "; they see it with `/review`."
    )
    await interaction.followup.send(text, ephemeral=True)


# -- the review card ------------------------------------------------------------------------
async def post_card(client: ClaimBot, flag: FlagView) -> bool:
    """Post the review card of a flag that has none, then refresh it if reports merged while it was
    posted. True when the card is there or on its way (another flagger is posting it)."""
    svc = client.services
    config = await asyncio.to_thread(svc.review.guild_config, flag.guild_id)
    if config.review_channel_id is None:
        return False
    channel_id = config.review_channel_id
    if not await asyncio.to_thread(svc.review.reserve_card, flag.guild_id, flag.id, channel_id):
        return True  # it has a card, or someone is posting it: their refresh shows this report
    try:
        channel = client.get_partial_messageable(channel_id, guild_id=flag.guild_id)
        message = await channel.send(embed=card_embed(flag), view=review_view(flag.id), allowed_mentions=NO_MENTIONS)
    except discord.HTTPException:
        log.exception("could not post the review card of flag %s", flag.id)
        await asyncio.to_thread(svc.review.release_card, flag.guild_id, flag.id)
        return False
    await asyncio.to_thread(svc.review.set_card, flag.guild_id, flag.id, channel_id=channel.id, message_id=message.id)
    # A report merged before set_card committed saw no card to edit; show it now. One merged after
    # set_card edits the card itself.
    fresh = await asyncio.to_thread(svc.review.get_flag, flag.guild_id, flag.id)
    if (fresh.count, fresh.status) != (flag.count, flag.status):
        await edit_card(client, fresh)
    return True


async def post_missing_cards(client: ClaimBot, guild_id: int) -> int:
    """Post the cards of the open flags that have none: flagged while the server had no review
    channel, moderators could see them in /review but had no buttons to decide them. How many."""
    review = client.services.review
    flags: list[FlagView] = []
    while True:
        page, total = await asyncio.to_thread(review.open_flags, guild_id, limit=100, offset=len(flags))
        flags += page
        if not page or len(flags) >= total:
            break
    posted = 0
    for flag in flags:
        if flag.card_channel_id is None and await post_card(client, flag):
            posted += 1
    return posted


async def edit_card(client: ClaimBot, flag: FlagView) -> bool:
    """Show the flag as stored now on its existing card; False when it has none (yet).

    A report merged while a moderator decides holds a view of the flag from before the decision,
    and its edit (which discord.py may hold back for the channel's rate limit) can land after the
    decision's: so the flag is read again before the edit, and once more after an edit that showed
    it open, to take the buttons back off a flag decided meanwhile."""
    review = client.services.review
    fresh = await asyncio.to_thread(review.get_flag, flag.guild_id, flag.id)
    if not await _show_on_card(client, fresh):
        return False
    if fresh.is_open:
        after = await asyncio.to_thread(review.get_flag, flag.guild_id, flag.id)
        if not after.is_open:
            await _show_on_card(client, after)
    return True


async def _show_on_card(client: ClaimBot, flag: FlagView) -> bool:
    if not (flag.card_channel_id and flag.card_message_id):
        return False
    try:
        message = client.get_partial_messageable(flag.card_channel_id).get_partial_message(flag.card_message_id)
        await message.edit(embed=card_embed(flag), view=review_view(flag.id) if flag.is_open else None)
        return True
    except discord.HTTPException:
        log.exception("could not edit the review card of flag %s", flag.id)
        return False


def review_view(flag_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in ReviewAction:
        view.add_item(ReviewButton(action, flag_id))
    view.add_item(WatchButton(flag_id))
    return view


# Named for what each does to the answer: "Approve" read as "approve the flag", its opposite.
_REVIEW_LOOK = {
    ReviewAction.APPROVE: ("Answer is right", "✅", discord.ButtonStyle.success),
    ReviewAction.CORRECT: ("Correct the answer", "✏️", discord.ButtonStyle.primary),
    ReviewAction.DISMISS: ("Not about accuracy", "🗑️", discord.ButtonStyle.secondary),
}
DECIDED_TEXT = {
    FlagStatus.APPROVED: "the answer is right",
    FlagStatus.CORRECTED: "the answer is corrected",
    FlagStatus.DISMISSED: "not about accuracy",
}


class ReviewButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"review:(?P<action>approve|correct|dismiss):(?P<flag_id>\d+)",
):
    def __init__(self, action: ReviewAction, flag_id: int) -> None:
        label, emoji, style = _REVIEW_LOOK[action]
        super().__init__(
            discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=f"review:{action}:{flag_id}")
        )
        self.action, self.flag_id = action, flag_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReviewButton:
        return cls(ReviewAction(match["action"]), int(match["flag_id"]))

    @guarded
    async def callback(self, interaction: Interaction) -> None:
        if self.action is ReviewAction.APPROVE:
            await interaction.response.defer()  # acknowledge before the moderator check's read
            if await require_moderator(interaction):
                await decide(interaction, self.flag_id, ReviewAction.APPROVE)
            return
        # A modal must be the first response, so the check comes first here: free for Administrator
        # and Manage Server, one primary-key read for the moderator role (never queued behind model
        # work), the guild's roles for Manage Messages (the gateway's cache in `serve`).
        if not await require_moderator(interaction):
            return
        form = CorrectModal if self.action is ReviewAction.CORRECT else DismissModal
        modal = form(self.flag_id, interaction.id)
        await interaction.response.send_modal(modal)


class CorrectModal(discord.ui.Modal, title="Correct the answer"):
    # A fixed scale, not free text: one server's corrections must not read "false", "FALSE!!", "fake".
    verdict: discord.ui.Label[CorrectModal] = discord.ui.Label(
        text="Corrected verdict",
        description="The rating users will see on this claim and similar ones",
        component=discord.ui.Select(
            placeholder="Choose a rating",
            min_values=1,
            max_values=1,
            options=[discord.SelectOption(label=r.label, value=r.value, description=r.description) for r in Rating],
        ),
    )
    note: discord.ui.Label[CorrectModal] = discord.ui.Label(
        text="Note shown to users",
        component=discord.ui.TextInput(
            style=discord.TextStyle.paragraph,
            max_length=1000,
            required=False,
            placeholder="What is right, with a source if you have one",
        ),
    )

    def __init__(self, flag_id: int, opening_id: int) -> None:
        super().__init__(custom_id=form_id(FormKind.CORRECT, flag_id, opening_id), timeout=FORM_TIMEOUT_S)


class DismissModal(discord.ui.Modal, title="Not about accuracy"):
    reason: discord.ui.TextInput[DismissModal] = discord.ui.TextInput(
        label="Why is this flag not about accuracy?",
        style=discord.TextStyle.paragraph,
        max_length=1000,
        min_length=3,
        required=True,
        placeholder="e.g. spam, a joke, a complaint about the topic rather than the answer",
    )

    def __init__(self, flag_id: int, opening_id: int) -> None:
        super().__init__(custom_id=form_id(FormKind.DISMISS, flag_id, opening_id), timeout=FORM_TIMEOUT_S)


async def decide(
    interaction: Interaction,
    flag_id: int,
    action: ReviewAction,
    *,
    verdict: str | None = None,
    note: str | None = None,
    reason: str | None = None,
) -> None:
    """Take and decide (atomically, off the loop), then edit the card and tell the flaggers."""
    svc = services(interaction)
    guild_id = guild_id_of(interaction)

    def review() -> Decision:
        return svc.review.review(
            guild_id, flag_id, interaction.user.id, action, verdict=verdict, note=note, reason=reason
        )

    try:
        # A correction embeds the claim (for later near-duplicates): model work, on the model pool.
        # Approve and dismiss are database work only and must not queue behind running checks.
        decision = await (
            run_heavy(interaction.client, guild_id, review, kind="correct")
            if action is ReviewAction.CORRECT
            else asyncio.to_thread(review)
        )
    except AlreadyTaken as taken:
        f = taken.flag
        who = f.taken_by if f.status is FlagStatus.IN_REVIEW else f.decided_by
        await interaction.followup.send(f"{taken} (<@{who}>)", ephemeral=True, allowed_mentions=NO_MENTIONS)
        if not f.is_open:
            await interaction.edit_original_response(embed=card_embed(f), view=None)
        return
    flag = decision.flag
    # The decision is committed: whatever happens to the card or the moderator's confirmation, the
    # flaggers are told, and a failure is logged rather than cutting the sequence short.
    text = f"Flag #{flag.id}: {DECIDED_TEXT.get(flag.status, flag.status)}. The flaggers are told privately."
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
    decided = DECIDED_TEXT.get(flag.status, flag.status)
    line = f"🛡️ <@{interaction.user.id}> decided flag #{flag.id} on “{claim_text(flag)}”: {decided}"
    if decision.correction is not None:
        line += f" ({md(rating_label(decision.correction.verdict))}, correction #{decision.correction.id})"
    await post_mod_log(interaction, line + ".")


OUTCOME_TEXT = {
    FlagStatus.APPROVED: "a moderator reviewed it and the answer stands.",
    FlagStatus.CORRECTED: "a moderator corrected it.",
    FlagStatus.DISMISSED: "a moderator reviewed it and dismissed the flag.",
}


def claim_text(flag: FlagView) -> str:
    """The flagged claim as text for DMs and the mod-log: a masked link in it must not become a link
    in a message the bot sends to other people."""
    claim = flag.answer.claim
    return md(claim if len(claim) <= 200 else claim[:199] + "…")


async def notify_flaggers(client: ClaimBot, flag: FlagView, correction: CorrectionView | None = None) -> None:
    """Tell each flagger the outcome by DM; users with closed DMs are skipped."""
    text = (
        f"Your flag on the answer to “{claim_text(flag)}” (flag #{flag.id}): "
        f"{OUTCOME_TEXT.get(flag.status, flag.status)}"
    )
    if correction is not None:
        text += f" Corrected verdict: **{md(rating_label(correction.verdict))}**."
    if flag.decision_note:
        text += f"\n> {md(flag.decision_note[:1500])}"
    for flagger in {r.flagger_id for r in flag.reports}:
        try:
            dm = await client.create_dm(discord.Object(flagger))
            await dm.send(text[:2000], allowed_mentions=NO_MENTIONS)
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError):
            log.info("could not DM flagger %s about flag %s", flagger, flag.id)
