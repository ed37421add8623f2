"""Flags, review cards, their buttons and forms, and `/review` (bot/features/review.py).

Driven through the real discord.py stack against the local fake Discord (tests/bot/harness.py).
"""

from __future__ import annotations

import asyncio
import json
import threading

import discord
import pytest

from claimbot.bot.app import ClaimBot
from tests.bot.harness import (
    Harness,
    ask,
    callback,
    card_post,
    flag_answer,
    flagged_card,
    followups,
    make_services,
    settle,
    setup_guild,
    table_rows,
)
from tests.fake_discord import (
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    MEMBER_PERMS,
    Guild,
    Member,
    Recorded,
    click,
    custom_ids,
    error,
    setup_payload,
    slash,
    snowflake,
    submit,
)

# Every test here runs the bot on an index built with attribution (spaCy) and the stance model.
pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


async def test_flag_posts_a_review_card_and_merges_later_flags(harness):
    bot = await harness.bot()
    guild = Guild()
    await setup_guild(harness, bot, guild)
    asker, f1, f2 = Member(), Member(name="alice"), Member(name="bob")
    _, reqs = await ask(harness, bot, guild, asker, "Pérez was killed")
    msg = followups(reqs)[0].response
    reqs = await flag_answer(harness, bot, guild, f1, msg, "The passage is about someone else")
    assert callback(reqs) == {"type": 5, "data": {"flags": 64}}
    assert "flag is recorded" in followups(reqs)[0].json["content"]
    cards = card_post(harness, guild)
    assert len(cards) == 1
    card = cards[0]
    assert card.headers["Authorization"] == "Bot fake-token"
    embed = card.json["embeds"][0]
    assert "1 report" in embed["title"] and "Pérez was killed" in embed["description"]
    assert f"<@{f1.id}>: The passage is about someone else" in embed["fields"][0]["value"]
    assert [c.split(":")[-2] for c in custom_ids(card.response)] == ["approve", "correct", "dismiss", "watch"]
    # a second flagger: the same card is edited with the count, no second card
    reqs = await flag_answer(harness, bot, guild, f2, msg, "Wrong verdict")
    assert "now has 2 reports" in followups(reqs)[0].json["content"]
    assert len(card_post(harness, guild)) == 1
    edit = await harness.fake.wait_for(
        lambda r: (
            r.method == "PATCH" and r.path == f"/channels/{guild.review_channel_id}/messages/{card.response['id']}"
        )
    )
    assert "2 reports" in edit.json["embeds"][0]["title"]
    # the first flagger again: told it is already flagged
    reqs = await flag_answer(harness, bot, guild, f1, msg, "again")
    assert "already flagged" in followups(reqs)[0].json["content"]


async def test_flag_without_review_channel_points_moderators_to_review(harness):
    bot = await harness.bot()
    guild = Guild()
    _, reqs = await ask(harness, bot, guild, Member(), "Pérez was killed")
    reqs = await flag_answer(harness, bot, guild, Member(), followups(reqs)[0].response, "bad")
    assert "`/review`" in followups(reqs)[0].json["content"]
    assert card_post(harness, guild) == []


async def test_a_flag_made_before_the_review_channel_gets_its_card_and_can_be_decided(harness):
    # A flag opened with no review channel never got a card: a report merged after setup was told
    # "you will get a DM", and moderators saw it in /review with no buttons to decide it, for good.
    bot = await harness.bot()
    guild, early = Guild(), Guild()
    answers = {}
    for g in (guild, early):
        _, reqs = await ask(harness, bot, g, Member(), "Pérez was killed")
        answers[g.id] = followups(reqs)[0].response
        await flag_answer(harness, bot, g, Member(), answers[g.id], "The verdict is wrong")
    answer = answers[guild.id]
    # the review channel set where this process did not see it (another bot process, say): the
    # next report posts the card
    harness.services.review.configure_guild(guild.id, 1, review_channel_id=guild.review_channel_id)
    reqs = await flag_answer(harness, bot, guild, Member(), answer, "Wrong passage")
    assert "now has 2 reports" in followups(reqs)[0].json["content"]
    await settle()
    cards = card_post(harness, guild)
    assert len(cards) == 1 and "2 reports" in cards[0].json["embeds"][0]["title"]
    approve = next(c for c in custom_ids(cards[0].response) if c.startswith("review:approve"))
    p = click(guild, Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES), cards[0].response, approve)
    await harness.run(bot, p, until=harness.followup_of(p))
    assert harness.services.review.get_flag(guild.id, int(approve.split(":")[2])).status == "approved"
    # a flag nobody reported again gets its card when the review channel is set
    admin = Member(permissions=MEMBER_PERMS | MANAGE_GUILD)
    p = setup_payload(early, admin)
    await harness.run(bot, p, until=harness.followup_of(p))
    told = await harness.fake.wait_for(
        lambda r: harness.followup_of(p)(r) and "Posted the review cards of 1 open flag" in r.json["content"]
    )
    assert told.json["flags"] & 64
    assert len(card_post(harness, early)) == 1
    p = setup_payload(early, admin)  # again: nothing more to post
    await harness.run(bot, p, until=harness.followup_of(p))
    await settle()
    assert len(card_post(harness, early)) == 1


async def test_approve_is_not_queued_behind_running_checks(harness):
    from claimbot.bot.app import HEAVY_WORKERS

    bot = await harness.bot()
    guild = Guild()
    card, _ = await flagged_card(harness, bot, guild)
    approve = next(c for c in custom_ids(card) if c.startswith("review:approve"))
    busy = threading.Event()
    # every model worker is busy with a long check
    long_checks = [asyncio.ensure_future(bot.heavy.run(0, busy.wait, 60)) for _ in range(HEAVY_WORKERS)]
    while bot.heavy.running < HEAVY_WORKERS:
        await asyncio.sleep(0)  # a turn of the loop for the tasks to submit their jobs
    try:
        p = click(guild, Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES), card, approve)
        reqs = await harness.run(bot, p, until=harness.followup_of(p))
    finally:
        busy.set()
        await asyncio.gather(*long_checks)
    assert "the answer is right" in followups(reqs)[0].json["content"]
    assert harness.services.review.get_flag(guild.id, int(approve.split(":")[2])).status == "approved"


async def test_review_buttons_refuse_non_moderators_privately(harness):
    bot = await harness.bot()
    guild = Guild()
    card, _ = await flagged_card(harness, bot, guild)
    approve = next(c for c in custom_ids(card) if c.startswith("review:approve"))
    # Approve acknowledges first (type 6), then refuses in a private followup...
    p = click(guild, Member(), card, approve)
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert callback(reqs) == {"type": 6}
    refusal = followups(reqs)[0].json
    assert refusal["flags"] & 64 and "Only moderators" in refusal["content"]
    assert not [r for r in reqs if r.method == "PATCH"]  # the card is untouched
    # ...Correct must answer with its form, so the refusal is the (private) first response.
    correct = next(c for c in custom_ids(card) if c.startswith("review:correct"))
    cb = callback(await harness.run(bot, click(guild, Member(), card, correct)))
    assert cb["type"] == 4 and cb["data"]["flags"] == 64 and "Only moderators" in cb["data"]["content"]
    flag_id = int(approve.split(":")[2])
    assert harness.services.review.get_flag(guild.id, flag_id).status == "open"


async def test_approve_by_role_edits_the_card_audits_and_tells_the_flagger(harness):
    bot = await harness.bot()
    guild = Guild()
    card, flagger = await flagged_card(harness, bot, guild)
    approve = next(c for c in custom_ids(card) if c.startswith("review:approve"))
    mod = Member(roles=[guild.mod_role_id])  # the role from /claimbot setup, no Manage Messages
    p = click(guild, mod, card, approve)
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert callback(reqs) == {"type": 6}
    edit = next(r for r in reqs if r.method == "PATCH")
    assert edit.path.endswith("/messages/@original") and edit.json["components"] == []
    decision = next(f for f in edit.json["embeds"][0]["fields"] if f["name"] == "Decision")
    assert f"Answer is right: decided by <@{mod.id}>" in decision["value"]
    dm_channel = await harness.fake.wait_for(
        lambda r: r.path == "/users/@me/channels" and str(r.json["recipient_id"]) == str(flagger.id)
    )
    dm = await harness.fake.wait_for(
        lambda r: (
            r.method == "POST"
            and r.path.endswith("/messages")
            and "answer stands" in ((r.json or {}).get("content") or "")
        )
    )
    assert dm.path == f"/channels/{dm_channel.response['id']}/messages" and str(flagger.id) not in dm.json["content"]
    flag_id = int(approve.split(":")[2])
    entry = harness.services.review.audit_log(guild.id)[0]
    assert (entry.actor_id, entry.action, entry.target) == (mod.id, "approve", f"flag:{flag_id}")


async def test_correct_via_modal_and_the_correction_shows_on_a_later_similar_check(harness):
    await _correct_then_check_a_paraphrase(harness, "Venezuelan security forces killed Oscar Pérez")


@pytest.mark.slow
async def test_correction_shows_for_a_paraphrase_with_the_packaged_model(fake, demo_index):
    h = Harness(fake, make_services(demo_index))
    try:
        await _correct_then_check_a_paraphrase(h, "Venezuelan forces killed Óscar Pérez")
    finally:
        await h.close()


async def _correct_then_check_a_paraphrase(harness: Harness, paraphrase: str) -> None:
    bot = await harness.bot()
    guild = Guild()
    card, flagger = await flagged_card(harness, bot, guild, "Oscar Pérez was killed by Venezuelan security forces")
    correct = next(c for c in custom_ids(card) if c.startswith("review:correct"))
    mod = Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    reqs = await harness.run(bot, click(guild, mod, card, correct))
    modal = callback(reqs)
    assert modal["type"] == 9 and modal["data"]["custom_id"].startswith(f"review-correct:{correct.split(':')[2]}:")
    scale = modal["data"]["components"][0]
    assert scale["type"] == 18 and scale["component"]["type"] == 3  # a select in the form, not free text
    assert [o["label"] for o in scale["component"]["options"]] == [
        "True",
        "Mostly true",
        "Mixed",
        "Misleading",
        "Mostly false",
        "False",
        "Disputed",
        "Unproven",
    ]
    p = submit(guild, mod, modal["data"], ["true", "Confirmed by the government and two outlets."], message=card)
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert callback(reqs) == {"type": 6}
    edit = next(r for r in reqs if r.method == "PATCH")
    decided = next(f for f in edit.json["embeds"][0]["fields"] if f["name"] == "Decision")["value"]
    assert (
        f"Answer corrected by <@{mod.id}>" in decided
        and "Corrected verdict: True" in decided
        and edit.json["components"] == []
    )
    await harness.fake.wait_for(lambda r: "Corrected verdict: **True**" in ((r.json or {}).get("content") or ""))
    # a paraphrase, asked later by someone else in the same guild
    _, reqs = await ask(harness, bot, guild, Member(), paraphrase)
    embed = followups(reqs)[0].json["embeds"][0]
    assert "Moderator correction" in embed["description"] and "Verdict: True" in embed["description"]
    assert "Confirmed by the government" in embed["description"]
    assert embed["color"] == discord.Colour.green().value
    # ...but not in another guild
    _, reqs = await ask(harness, bot, Guild(), Member(), paraphrase)
    assert "Moderator correction" not in followups(reqs)[0].json["embeds"][0]["description"]


async def test_a_correction_is_of_the_claim_not_of_the_post_it_came_in(harness):
    """A moderator corrects the answer to a pasted post; the next post of the same claim, dressed
    otherwise, and the plain claim both get the correction as "this claim"."""
    bot = await harness.bot()
    guild = Guild()
    post = "BREAKING: Oscar Pérez was killed by Venezuelan security forces 😱 https://t.co/Ab12Cd"
    card, _ = await flagged_card(harness, bot, guild, post)
    # the moderators see what was checked, and that is what a correction will be of
    lines = card["embeds"][0]["description"].splitlines()
    assert lines[:2] == [f"**Claim:** {post}", "**Read as:** Oscar Pérez was killed by Venezuelan security forces"]
    correct = next(c for c in custom_ids(card) if c.startswith("review:correct"))
    mod = Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    modal = callback(await harness.run(bot, click(guild, mod, card, correct)))
    p = submit(guild, mod, modal["data"], ["false", "He was killed by a police unit."], message=card)
    await harness.run(bot, p, until=harness.followup_of(p))
    for later in (
        "Oscar Pérez was killed by Venezuelan security forces",
        "RT @latam: Oscar Pérez was killed by Venezuelan security forces #Venezuela",
    ):
        _, reqs = await ask(harness, bot, guild, Member(), later)
        description = followups(reqs)[0].json["embeds"][0]["description"]
        assert "Moderator correction** for this claim" in description and "Verdict: False" in description
    # the answer to a post says what it read
    _, reqs = await ask(harness, bot, guild, Member(), post)
    description = followups(reqs)[0].json["embeds"][0]["description"]
    assert description.startswith("**Read as:** Oscar Pérez was killed by Venezuelan security forces\n")


async def test_dismiss_needs_a_reason_modal(harness):
    bot = await harness.bot()
    guild = Guild()
    card, _ = await flagged_card(harness, bot, guild)
    dismiss = next(c for c in custom_ids(card) if c.startswith("review:dismiss"))
    mod = Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    reqs = await harness.run(bot, click(guild, mod, card, dismiss))
    modal = callback(reqs)
    text_input = modal["data"]["components"][0]["components"][0]
    assert modal["type"] == 9 and text_input["required"] is True and text_input["min_length"] == 3
    p = submit(guild, mod, modal["data"], ["The article says exactly this."], message=card)
    await harness.run(bot, p, until=harness.followup_of(p))
    flag = harness.services.review.get_flag(guild.id, int(dismiss.split(":")[2]))
    assert flag.status == "dismissed" and flag.decision_note == "The article says exactly this."
    assert harness.services.review.audit_log(guild.id)[0].reason == "The article says exactly this."


async def test_two_moderators_racing_on_one_flag(harness):
    bot = await harness.bot()
    guild = Guild()
    card, _ = await flagged_card(harness, bot, guild)
    approve = next(c for c in custom_ids(card) if c.startswith("review:approve"))
    m1, m2 = (Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES) for _ in range(2))
    p1, p2 = click(guild, m1, card, approve), click(guild, m2, card, approve)
    start = len(harness.fake.requests)
    harness.fake.feed(bot, p1)
    harness.fake.feed(bot, p2)
    f1 = await harness.fake.wait_for(harness.followup_of(p1), start=start)
    f2 = await harness.fake.wait_for(harness.followup_of(p2), start=start)
    won = [f.json["content"] for f in (f1, f2) if f.json["content"].startswith("Flag #")]
    lost = [f.json["content"] for f in (f1, f2) if "already" in f.json["content"]]
    assert len(won) == 1 and "the answer is right" in won[0] and len(lost) == 1
    await harness.fake.wait_for(lambda r: "answer stands" in ((r.json or {}).get("content") or ""))  # one DM
    flag_id = int(approve.split(":")[2])
    assert len([e for e in harness.services.review.audit_log(guild.id) if e.target == f"flag:{flag_id}"]) == 1


async def test_review_buttons_survive_a_restart(harness):
    bot = await harness.bot()
    guild = Guild()
    card, _ = await flagged_card(harness, bot, guild)
    await bot.close()
    fresh = await harness.bot()  # a new process: nothing in memory, same database
    approve = next(c for c in custom_ids(card) if c.startswith("review:approve"))
    mod = Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    p = click(guild, mod, card, approve)
    reqs = await harness.run(fresh, p, until=harness.followup_of(p))
    assert callback(reqs) == {"type": 6}
    assert harness.services.review.get_flag(guild.id, int(approve.split(":")[2])).status == "approved"


async def test_flag_button_survives_a_restart(harness):
    bot = await harness.bot()
    guild = Guild()
    _, reqs = await ask(harness, bot, guild, Member(), "Pérez was killed")
    msg = followups(reqs)[0].response
    await bot.close()
    fresh = await harness.bot()
    reqs = await flag_answer(harness, fresh, guild, Member(), msg, "wrong")
    assert "flag is recorded" in followups(reqs)[0].json["content"]


async def test_forms_open_across_a_restart_are_still_handled(harness):
    # The buttons survive a restart (DynamicItem) but the forms they opened lived in the old process:
    # their submissions went unanswered and the flag, correction and dismissal were lost. (A form
    # submitted after FORM_TIMEOUT_S is the same case: discord.py has forgotten it.)
    bot = await harness.bot()
    g1, g2 = Guild(), Guild()
    mod = Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    card1, _ = await flagged_card(harness, bot, g1)
    card2, _ = await flagged_card(harness, bot, g2)
    correct, correct_form = await _open_form(harness, bot, g1, card1, "correct", mod)
    dismiss, dismiss_form = await _open_form(harness, bot, g2, card2, "dismiss", mod)
    _, reqs = await ask(harness, bot, g1, Member(), "Pérez was killed in 2018")
    answer = followups(reqs)[0].response
    flagger = Member()
    flag_button = next(c for c in custom_ids(answer) if c.startswith("flag:"))
    flag_form = callback(await harness.run(bot, click(g1, flagger, answer, flag_button)))["data"]
    await bot.close()
    fresh = await harness.bot()

    p = submit(g1, mod, correct_form, ["false", "He was alive that evening."], message=card1)
    reqs = await harness.run(fresh, p, until=harness.followup_of(p))
    assert "the answer is corrected" in followups(reqs)[0].json["content"]
    flag = harness.services.review.get_flag(g1.id, int(correct.split(":")[2]))
    assert flag.status == "corrected" and flag.decided_by == mod.id
    assert flag.correction is not None and flag.correction.note == "He was alive that evening."

    p = submit(g2, mod, dismiss_form, ["A joke, not a complaint."], message=card2)
    reqs = await harness.run(fresh, p, until=harness.followup_of(p))
    assert "not about accuracy" in followups(reqs)[0].json["content"]
    flag = harness.services.review.get_flag(g2.id, int(dismiss.split(":")[2]))
    assert flag.status == "dismissed" and flag.decision_note == "A joke, not a complaint."

    p = submit(g1, flagger, flag_form, ["Wrong year"], message=answer)
    reqs = await harness.run(fresh, p, until=harness.followup_of(p))
    assert "your flag is recorded" in followups(reqs)[0].json["content"]
    reports = [r for f in harness.services.review.open_flags(g1.id)[0] for r in f.reports]
    assert [(r.flagger_id, r.reason) for r in reports] == [(flagger.id, "Wrong year")]
    await settle()


async def test_cross_guild_isolation(harness):
    bot = await harness.bot()
    g1, g2 = Guild(), Guild()
    card, _ = await flagged_card(harness, bot, g1)
    approve = next(c for c in custom_ids(card) if c.startswith("review:approve"))
    # a moderator of another guild replays the button id in their guild
    mod2 = Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    p = click(g2, mod2, card, approve)
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert "not known here" in followups(reqs)[0].json["content"]
    assert harness.services.review.get_flag(g1.id, int(approve.split(":")[2])).status == "open"
    # and g2's /review does not list g1's flag
    p = slash(g2, mod2, "review")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert followups(reqs)[0].json["embeds"][0]["title"] == "Open flags: 0"


async def test_review_lists_open_flags_with_jump_links_for_moderators_only(harness):
    bot = await harness.bot()
    guild = Guild()
    card, _ = await flagged_card(harness, bot, guild)
    p = slash(guild, Member(), "review")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert callback(reqs) == {"type": 5, "data": {"flags": 64}}
    assert "Only moderators" in followups(reqs)[0].json["content"] and followups(reqs)[0].json["flags"] & 64
    p = slash(guild, Member(roles=[guild.mod_role_id]), "review")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    embed = followups(reqs)[0].json["embeds"][0]
    assert embed["title"] == "Open flags: 1"
    link = f"https://discord.com/channels/{guild.id}/{guild.review_channel_id}/{card['id']}"
    assert link in embed["fields"][0]["value"] and "The verdict is wrong" in embed["fields"][0]["value"]


async def test_a_private_answer_gets_no_jump_link_moderators_cannot_open(harness):
    bot = await harness.bot()
    guild = Guild()
    await setup_guild(harness, bot, guild)
    for private in (False, True):
        _, reqs = await ask(harness, bot, guild, Member(), "Pérez was killed", private=private)
        answer = followups(reqs)[0]
        assert bool(answer.json.get("flags", 0) & 64) is private
        await settle()  # the answer's message id is stored
        await flag_answer(harness, bot, guild, Member(), answer.response, "The verdict is wrong")
    cards = [c.json["embeds"][0]["description"] for c in card_post(harness, guild)]
    link = f"https://discord.com/channels/{guild.id}/{answer.response['channel_id']}/"
    assert "[Jump to the answer](" in cards[0] and link in cards[0]
    assert "[Jump to the answer](" not in cards[1] and "(private answer)" in cards[1]
    p = slash(guild, Member(roles=[guild.mod_role_id]), "review")
    listed = followups(await harness.run(bot, p, until=harness.followup_of(p)))[0].json["embeds"][0]["fields"]
    assert ["[answer](" in f["value"] for f in listed] == [True, False]  # oldest first


# -- review fixes: one card per flag, acknowledgement before the database, side effects ------
async def _answer_with_two_flag_forms_open(
    h: Harness, bot: ClaimBot, guild: Guild, first: Member, second: Member
) -> tuple[dict, dict, dict]:
    """An answer in a set-up guild, and the Flag form as each of two members opened it."""
    await setup_guild(h, bot, guild)
    _, reqs = await ask(h, bot, guild, Member(), "Pérez was killed")
    msg = followups(reqs)[0].response
    flag_id = next(c for c in custom_ids(msg) if c.startswith("flag:"))
    forms = [callback(await h.run(bot, click(guild, m, msg, flag_id)))["data"] for m in (first, second)]
    return msg, forms[0], forms[1]


async def test_two_first_flaggers_at_once_post_one_card(harness):
    bot = await harness.bot()
    guild = Guild()
    f1, f2 = Member(name="alice"), Member(name="bob")
    msg, modal1, modal2 = await _answer_with_two_flag_forms_open(harness, bot, guild, f1, f2)
    fake = harness.fake

    def is_card(r: Recorded) -> bool:
        return r.method == "POST" and r.path == f"/channels/{guild.review_channel_id}/messages"

    p1 = submit(guild, f1, modal1, ["The passage is about someone else"], message=msg)
    p2 = submit(guild, f2, modal2, ["The verdict is wrong"], message=msg)
    start = len(fake.requests)
    fake.hold = is_card  # the first flagger's card is still on its way while the second report lands
    fake.feed(bot, p1)
    await fake.wait_for(is_card, start=start)
    fake.feed(bot, p2)
    try:
        # The second flagger is answered without posting a card of their own. (Before the fix it
        # posted a second card; discord.py queues that POST behind the held one on the same route,
        # so its answer never came while the first card was in flight.)
        second = await fake.wait_for(harness.followup_of(p2), start=start, timeout=5)
    finally:
        fake.hold = None
        fake.released.set()
    assert "now has 2 reports" in second.json["content"]
    await fake.wait_for(harness.followup_of(p1), start=start)
    await settle()
    cards = card_post(harness, guild)
    assert len(cards) == 1 and "1 report" in cards[0].json["embeds"][0]["title"]
    # the card is refreshed with the report that merged while it was being posted
    card_path = f"/channels/{guild.review_channel_id}/messages/{cards[0].response['id']}"
    edit = await fake.wait_for(lambda r: r.method == "PATCH" and r.path == card_path)
    assert "2 reports" in edit.json["embeds"][0]["title"]
    assert f"<@{f2.id}>: The verdict is wrong" in json.dumps(edit.json["embeds"][0]["fields"], ensure_ascii=False)
    flag = harness.services.review.open_flags(guild.id)[0][0]
    assert flag.count == 2 and flag.card_message_id == int(cards[0].response["id"])


async def test_a_report_merged_during_a_decision_never_puts_the_buttons_back(harness):
    bot = await harness.bot()
    guild = Guild()
    await setup_guild(harness, bot, guild)
    _, reqs = await ask(harness, bot, guild, Member(), "Pérez was killed")
    answer = followups(reqs)[0].response
    await flag_answer(harness, bot, guild, Member(), answer, "The verdict is wrong")
    card = card_post(harness, guild)[-1].response
    flag_id = int(next(c for c in custom_ids(card) if c.startswith("review:approve")).split(":")[2])
    fake = harness.fake
    card_path = f"/channels/{guild.review_channel_id}/messages/{card['id']}"

    def is_card_edit(r: Recorded) -> bool:
        return r.method == "PATCH" and r.path == card_path

    # A second member's report merges; its card edit (showing the flag open) is held in flight, as
    # discord.py holds it for the channel's rate limit, while a moderator approves.
    member = Member()
    flag_button = next(c for c in custom_ids(answer) if c.startswith("flag:"))
    form = callback(await harness.run(bot, click(guild, member, answer, flag_button)))["data"]
    p2 = submit(guild, member, form, ["Wrong passage"], message=answer)
    start = len(fake.requests)
    fake.hold = is_card_edit
    try:
        fake.feed(bot, p2)
        held = await fake.wait_for(is_card_edit, start=start)
        assert held.json["components"]  # the open card, with its buttons
        mod = Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
        p = click(guild, mod, card, f"review:approve:{flag_id}")
        await harness.run(bot, p, until=harness.followup_of(p))
    finally:
        fake.hold = None
        fake.released.set()
    await fake.wait_for(harness.followup_of(p2), start=start)
    await settle()
    assert harness.services.review.get_flag(guild.id, flag_id).status == "approved"
    shown = fake.messages[int(card["id"])]  # the card as Discord holds it once every edit has landed
    assert not shown["components"] and "2 reports" in shown["embeds"][0]["title"]


async def test_two_members_with_the_flag_form_open_are_both_recorded_with_their_own_reasons(harness):
    # discord.py dispatches a submitted form by its custom_id and forgets the id at the first submit:
    # with one id per answer the second member's form was dropped ("Something went wrong").
    bot = await harness.bot()
    guild = Guild()
    alice, bob = Member(name="alice"), Member(name="bob")
    msg, form_a, form_b = await _answer_with_two_flag_forms_open(harness, bot, guild, alice, bob)
    assert form_a["custom_id"] != form_b["custom_id"]
    for member, form, reason in ((bob, form_b, "The verdict is wrong"), (alice, form_a, "Wrong person")):
        p = submit(guild, member, form, [reason], message=msg)
        answer = followups(await harness.run(bot, p, until=harness.followup_of(p)))[0]
        assert "your flag is recorded" in answer.json["content"]
    flag = harness.services.review.open_flags(guild.id)[0][0]
    assert sorted((r.flagger_id, r.reason) for r in flag.reports) == sorted(
        [(bob.id, "The verdict is wrong"), (alice.id, "Wrong person")]
    )


async def test_moderator_actions_acknowledge_before_reading_the_database(harness, monkeypatch):
    bot = await harness.bot()
    guild = Guild()
    card, flagger = await flagged_card(harness, bot, guild)
    gate = threading.Event()
    real = harness.services.review.guild_config

    def slow_config(guild_id: int):
        assert gate.wait(10)
        return real(guild_id)

    # A moderator by role: recognising them needs the guild's settings, which are now slow to read.
    monkeypatch.setattr(harness.services.review, "guild_config", slow_config)
    mod = Member(roles=[guild.mod_role_id])
    review = slash(guild, mod, "review")
    assert callback(await harness.run(bot, review)) == {"type": 5, "data": {"flags": 64}}  # while the read waits
    approve = click(guild, mod, card, next(c for c in custom_ids(card) if c.startswith("review:approve")))
    assert callback(await harness.run(bot, approve)) == {"type": 6}
    ingest = slash(guild, mod, "ingest", url="not a url")
    assert callback(await harness.run(bot, ingest)) == {"type": 5, "data": {"flags": 64}}
    gate.set()
    assert (
        (await harness.fake.wait_for(harness.followup_of(review))).json["embeds"][0]["title"].startswith("Open flags:")
    )
    assert "the answer is right" in (await harness.fake.wait_for(harness.followup_of(approve))).json["content"]
    assert "http(s) URL" in (await harness.fake.wait_for(harness.followup_of(ingest))).json["content"]


async def test_flaggers_are_told_even_if_the_card_cannot_be_updated(harness):
    bot = await harness.bot()
    guild = Guild()
    card, flagger = await flagged_card(harness, bot, guild)
    approve = next(c for c in custom_ids(card) if c.startswith("review:approve"))
    p = click(guild, Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES), card, approve)
    # the card was deleted meanwhile: editing it fails
    harness.fake.fail = lambda r: (
        error(404, 10008, "Unknown Message") if (r.method == "PATCH" and p["token"] in r.path) else None
    )
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    confirmation = followups(reqs)[0].json["content"]
    assert "the answer is right" in confirmation and "could not be updated" in confirmation
    await harness.fake.wait_for(
        lambda r: r.path == "/users/@me/channels" and str(r.json["recipient_id"]) == str(flagger.id)
    )
    await harness.fake.wait_for(lambda r: "answer stands" in ((r.json or {}).get("content") or ""))
    assert harness.services.review.get_flag(guild.id, int(approve.split(":")[2])).status == "approved"


async def test_review_keeps_its_jump_links_with_15_long_flags(harness):
    from claimbot.index.records import CheckResult

    svc = harness.services.review
    guild = Guild()
    links = []
    for i in range(15):
        claim = f"Claim {i}: " + "a*b_c `d` " * 48  # markdown to escape makes it longer still
        a = svc.record_answer(
            guild.id,
            channel_id=guild.channel_id,
            asker_id=1,
            shown=0,
            result=CheckResult(claim=claim, verdict=None, passages=[]),
        )
        answer_msg = snowflake()
        svc.set_answer_message(guild.id, a.id, channel_id=guild.channel_id, message_id=answer_msg)
        f = svc.flag(guild.id, a.id, 2, "wrong_*reason* " * 66).flag
        card_msg = snowflake()
        svc.set_card(guild.id, f.id, channel_id=guild.review_channel_id, message_id=card_msg)
        links.append(
            (
                f"https://discord.com/channels/{guild.id}/{guild.review_channel_id}/{card_msg})",
                f"https://discord.com/channels/{guild.id}/{guild.channel_id}/{answer_msg})",
            )
        )
    bot = await harness.bot()
    p = slash(guild, Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES), "review")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    embed = followups(reqs)[0].json["embeds"][0]  # the fake enforced the 6000-character total
    assert embed["title"] == "Open flags: 15" and len(embed["fields"]) == 15
    for field, (card_link, answer_link) in zip(embed["fields"], links, strict=False):
        assert card_link in field["value"] and answer_link in field["value"], field["value"]
        assert "Claim" in field["value"] and "wrong" in field["value"]


async def test_a_full_review_card_cuts_the_reports_before_the_decision():
    from claimbot.bot.embeds import TOTAL_MAX, fit

    embed = discord.Embed(title="Flag #1 · 10 reports", description="d" * 2500)
    for i in range(10):
        embed.add_field(name=f"Flagged 2026-11-26 10:0{i} UTC", value=f"<@{i}>: " + "r" * 390, inline=False)
    decision = "✏️ Corrected by <@99> 5 minutes ago\n**Corrected verdict: false**\n" + "n" * 950
    embed.add_field(name="Decision", value=decision, inline=False)
    assert len(embed) > TOTAL_MAX
    fitted = fit(embed, keep=frozenset({"Decision"}))
    assert len(fitted) <= TOTAL_MAX
    assert fitted.fields[-1].value == decision  # who decided, the verdict and the note, whole
    assert all(f.value.startswith(f"<@{i}>: r") for i, f in enumerate(fitted.fields[:10]))


async def _open_form(h: Harness, bot: ClaimBot, guild: Guild, card: dict, action: str, mod: Member) -> tuple[str, dict]:
    button = next(c for c in custom_ids(card) if c.startswith(f"review:{action}"))
    modal = callback(await h.run(bot, click(guild, mod, card, button)))
    assert modal["type"] == 9 and modal["data"]["custom_id"].startswith(f"review-{action}:{button.split(':')[2]}:")
    return button, modal["data"]


def _assert_flag_untouched(h: Harness, guild: Guild, flag_id: int, reqs: list[Recorded]) -> None:
    from claimbot.index.storage.review_tables import AuditRow, CorrectionRow

    assert callback(reqs) == {"type": 6}
    refusal = followups(reqs)[0].json
    assert refusal["flags"] & 64 and "Only moderators" in refusal["content"]
    assert not [r for r in reqs if r.method == "PATCH"]  # the card keeps its buttons
    flag = h.services.review.get_flag(guild.id, flag_id)
    assert flag.status == "open" and flag.taken_by is None and flag.decided_by is None
    engine = h.services.review.engine
    audit = table_rows(engine, AuditRow.__table__, guild_id=guild.id)
    assert "setup" in [row.action for row in audit]  # the log is there, with nothing about the flag
    assert all(row.target != f"flag:{flag_id}" for row in audit)
    assert table_rows(engine, CorrectionRow.__table__, guild_id=guild.id) == []


async def test_correct_form_submitted_after_the_moderator_role_is_removed_is_refused(harness):
    bot = await harness.bot()
    guild = Guild()
    card, _ = await flagged_card(harness, bot, guild)
    mod = Member(roles=[guild.mod_role_id])
    button, form = await _open_form(harness, bot, guild, card, "correct", mod)
    mod.roles = []  # the role is taken away while the form is open
    p = submit(guild, mod, form, ["false", "It was someone else."], message=card)
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    await settle()
    _assert_flag_untouched(harness, guild, int(button.split(":")[2]), reqs)
    assert not harness.fake.find(lambda r: r.path == "/users/@me/channels")  # no flagger was told anything


async def test_dismiss_form_submitted_by_a_non_moderator_is_refused(harness):
    bot = await harness.bot()
    guild = Guild()
    card, _ = await flagged_card(harness, bot, guild)
    mod = Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    button, form = await _open_form(harness, bot, guild, card, "dismiss", mod)
    flag_id = int(button.split(":")[2])
    # a crafted submit: another member sends the open form's custom_id with their own reason
    p = submit(guild, Member(), form, ["Nothing wrong here."], message=card)
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    await settle()
    _assert_flag_untouched(harness, guild, flag_id, reqs)
    # the moderator, stripped of Manage Messages while the form is open, is refused as well
    button, form = await _open_form(harness, bot, guild, card, "dismiss", mod)
    mod.permissions = MEMBER_PERMS
    p = submit(guild, mod, form, ["Nothing wrong here."], message=card)
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    await settle()
    _assert_flag_untouched(harness, guild, flag_id, reqs)
    assert not harness.fake.find(lambda r: r.path == "/users/@me/channels")


async def test_a_moderator_check_whose_database_read_fails_is_answered_not_left_thinking(harness, monkeypatch):
    from sqlalchemy.exc import OperationalError

    bot = await harness.bot()
    guild = Guild()
    await setup_guild(harness, bot, guild)

    def unreachable(guild_id: int):
        raise OperationalError("SELECT guild_configs", {}, ConnectionRefusedError("connection refused"))

    # A moderator by the role alone: the check has to read the server's settings.
    monkeypatch.setattr(harness.services.review, "guild_config", unreachable)
    p = slash(guild, Member(roles=[guild.mod_role_id]), "review")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert callback(reqs) == {"type": 5, "data": {"flags": 64}}
    answer = followups(reqs)[0].json
    assert answer["flags"] & 64 and "Sorry, that failed: OperationalError" in answer["content"]


async def test_the_card_shows_the_verdict_as_the_answer_worded_it(harness, monkeypatch):
    from claimbot.index.records import CheckResult, CorpusSummary, Coverage

    result = CheckResult(
        claim="Bananas are blue",
        verdict="unverified",
        passages=[],
        coverage=Coverage.NO_COVERAGE,
        corpus=CorpusSummary(articles=1, passages=44),
    )
    monkeypatch.setattr(harness.services.index, "check", lambda claim, top=5, collection=None: result)
    bot = await harness.bot()
    guild = Guild()
    await setup_guild(harness, bot, guild)
    _, reqs = await ask(harness, bot, guild, Member(), "Bananas are blue")
    answer = followups(reqs)[0]
    assert "**Verdict:** no coverage" in answer.json["embeds"][0]["description"]
    await flag_answer(harness, bot, guild, Member(), answer.response, "There is an article about it")
    card = card_post(harness, guild)[-1].json["embeds"][0]
    assert "**Verdict shown:** no coverage" in card["description"]
