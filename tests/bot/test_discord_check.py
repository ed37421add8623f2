"""`/check`, the "Check this claim" message command and the buttons on an answer (bot/features/check.py).

Driven through the real discord.py stack against the local fake Discord (tests/bot/harness.py).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading

import discord
import pytest

from claimbot.bot.embeds import md
from claimbot.bot.interactions import CHECK_TOP
from tests.bot.harness import (
    Harness,
    ask,
    button_of,
    callback,
    card_post,
    flag_answer,
    followups,
    make_services,
    original_edits,
    settle,
    setup_guild,
    table_rows,
)
from tests.fake_discord import (
    Guild,
    Member,
    click,
    context_menu,
    custom_ids,
    slash,
)

# Every test here runs the bot on an index built with attribution (spaCy) and the stance model.
pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


async def test_check_defers_then_answers_with_embed_and_buttons(harness):
    bot = await harness.bot()
    guild, user = Guild(), Member()
    p, reqs = await ask(harness, bot, guild, user, "Pérez was killed")
    assert callback(reqs) == {"type": 5}  # public "thinking" defer, first
    fu = followups(reqs)[0]
    embed = fu.json["embeds"][0]
    assert embed["title"] == "Claim: Pérez was killed"
    # the verdict and its one-sentence reason are the ones the service computes for the claim
    # with the bot's own number of passages: the reason says how many of those that lean the other way are shown
    expected = harness.services.index.check("Pérez was killed", top=CHECK_TOP)
    assert embed["description"].split("\n")[0] == f"**Verdict:** {expected.verdict}"
    assert md(expected.reason) in embed["description"]
    assert len(embed["description"].split("\n\n")) >= 2
    *passages, sources = embed["fields"]
    assert 1 <= len(passages) <= 4 and "Pérez" in json.dumps(passages, ensure_ascii=False)
    assert "Herald" in passages[0]["name"] or "2018" in passages[0]["name"]
    # the article's headline once, in the sources line, with its link; each passage links it shortly
    title = "Venezuela forces launch deadly assault, capture rebel police officers"
    assert sources["name"] == "Sources" and title in sources["value"] and "miamiherald.com" in sources["value"]
    assert all(title not in p["value"] and "[article](https://www.miamiherald.com/" in p["value"] for p in passages)
    assert embed["footer"]["text"].startswith("Corpus: 1 article, 44 passages")
    ids = custom_ids(fu.response)
    assert ids[0].startswith("flag:") and ids[1].startswith("more:")
    assert not fu.json.get("flags")  # public
    assert fu.json["allowed_mentions"] == {"parse": []}
    answer_id = int(ids[0].split(":")[1])
    await settle()
    assert harness.services.review.get_answer(guild.id, answer_id).message_id == int(fu.response["id"])
    stored = harness.services.review.get_answer(guild.id, answer_id)
    assert stored.asker_id == user.id and stored.shown == len(passages) and stored.channel_id == guild.channel_id


async def test_private_check_is_ephemeral(harness):
    bot = await harness.bot()
    _, reqs = await ask(harness, bot, Guild(), Member(), "Pérez was killed", private=True)
    assert callback(reqs) == {"type": 5, "data": {"flags": 64}}
    assert followups(reqs)[0].json["flags"] & 64


@pytest.mark.parametrize(
    "claim,expected",
    [
        ("   ", "empty"),
        ("<@123> <@&456> @everyone", "only contains mentions"),
        ("x" * 501, "the limit is 500"),
    ],
)
async def test_invalid_claims_get_a_private_error(harness, claim, expected):
    bot = await harness.bot()
    reqs = await harness.run(bot, slash(Guild(), Member(), "check", claim=claim))
    cb = callback(reqs)
    assert cb["type"] == 4 and cb["data"]["flags"] == 64 and expected in cb["data"]["content"]


async def test_mentions_in_claims_ping_nobody(harness):
    bot = await harness.bot()
    _, reqs = await ask(harness, bot, Guild(), Member(), "@everyone <@&42> Pérez was killed")
    fu = followups(reqs)[0]
    assert "@everyone" in fu.json["embeds"][0]["title"]
    assert fu.json["allowed_mentions"] == {"parse": []}  # and the fake checks every created message


async def test_context_menu_answers_privately_with_a_post_publicly_button(harness):
    bot = await harness.bot()
    guild, user = Guild(), Member()
    p = context_menu(guild, user, "I read that Pérez was killed by the police")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert callback(reqs) == {"type": 5, "data": {"flags": 64}}
    fu = followups(reqs)[0]
    assert fu.json["flags"] & 64
    publish = next(c for c in custom_ids(fu.response) if c.startswith("publish:"))
    p_other = click(guild, Member(), fu.response, publish)
    other = await harness.run(bot, p_other, until=harness.followup_of(p_other))
    assert callback(other)["type"] == 5 and not (callback(other).get("data") or {}).get("flags")
    # the public "thinking" message goes away and the refusal is private
    assert [r.method for r in other if r.path.endswith("/messages/@original")] == ["DELETE"]
    refusal = followups(other)[0].json
    assert "Only the person who asked" in refusal["content"] and refusal["flags"] & 64
    p = click(guild, user, fu.response, publish)
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert callback(reqs)["type"] == 5 and not (callback(reqs).get("data") or {}).get("flags")
    posted = followups(reqs)[0]
    assert not posted.json.get("flags") and posted.json["allowed_mentions"] == {"parse": []}
    assert posted.json["embeds"][0]["title"].startswith("Claim: I read that Pérez")
    assert not any(c.startswith("publish:") for c in custom_ids(posted.json))
    answer_id = int(publish.split(":")[1])
    # the answer row now points at the public message (set right after the followup returns)
    await settle()
    assert harness.services.review.get_answer(guild.id, answer_id).message_id == int(posted.response["id"])
    # the private answer still shows its button: a second click is refused privately
    p = click(guild, user, fu.response, publish)
    again = await harness.run(bot, p, until=harness.followup_of(p))
    assert "already posted" in followups(again)[0].json["content"] and followups(again)[0].json["flags"] & 64
    assert [r.method for r in again if r.path.endswith("/messages/@original")] == ["DELETE"]


async def test_post_publicly_on_a_pruned_answer_says_so_privately(harness, monkeypatch):
    from claimbot.index.review import ANSWER_GONE, NotFound

    bot = await harness.bot()
    guild, user = Guild(), Member()
    p = context_menu(guild, user, "I read that Pérez was killed by the police")
    private_msg = followups(await harness.run(bot, p, until=harness.followup_of(p)))[0].response
    publish = next(c for c in custom_ids(private_msg) if c.startswith("publish:"))

    def pruned(guild_id: int, answer_id: int):
        raise NotFound(ANSWER_GONE)

    monkeypatch.setattr(harness.services.review, "get_answer", pruned)
    p = click(guild, user, private_msg, publish)
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert [r.method for r in reqs if r.path.endswith("/messages/@original")] == ["DELETE"]
    refusal = followups(reqs)[0].json
    assert refusal["content"] == ANSWER_GONE and refusal["flags"] & 64


async def test_context_menu_on_a_message_without_text(harness):
    bot = await harness.bot()
    reqs = await harness.run(bot, context_menu(Guild(), Member(), ""))
    assert "That message has no claim I can check" in callback(reqs)["data"]["content"]


async def test_context_menu_reads_the_claim_out_of_a_discord_message(harness):
    """A message as members write them, markdown, server emoji and all: the answer searches and
    judges the claim it makes, and says so."""
    bot = await harness.bot()
    message = "> **BREAKING**: Pérez was ~~not~~ killed <:pepe:123456789012345678> :skull: https://t.co/Ab12Cd"
    p = context_menu(Guild(), Member(), message)
    answer = followups(await harness.run(bot, p, until=harness.followup_of(p)))[0].json["embeds"][0]
    assert answer["description"].startswith("**Read as:** Pérez was killed\n")
    plain = context_menu(Guild(), Member(), "Pérez was killed")
    expected = followups(await harness.run(bot, plain, until=harness.followup_of(plain)))[0].json["embeds"][0]
    assert [f["name"] for f in answer["fields"]] == [f["name"] for f in expected["fields"]]


async def test_more_passages_pages_only_for_the_asker(harness):
    bot = await harness.bot()
    guild, user = Guild(), Member()
    _, reqs = await ask(harness, bot, guild, user, "Pérez was killed")
    msg = followups(reqs)[0].response
    more = next(c for c in custom_ids(msg) if c.startswith("more:"))
    p = click(guild, Member(), msg, more)
    stranger = await harness.run(bot, p, until=harness.followup_of(p))
    assert callback(stranger) == {"type": 5, "data": {"flags": 64}}
    assert "Only the person who asked" in followups(stranger)[0].json["content"]
    p = click(guild, user, msg, more)
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert callback(reqs) == {"type": 5, "data": {"flags": 64}}
    page1 = followups(reqs)[0]
    assert page1.json["flags"] & 64
    assert "page 1 of" in page1.json["embeds"][0]["description"]
    first_numbers = [f["name"].split(".")[0] for f in page1.json["embeds"][0]["fields"]]
    assert first_numbers[0] == "5"  # the answer showed passages 1-4
    pager = page1.response
    nxt = [c for c in custom_ids(pager) if c.startswith("mpage:")][1]
    p = click(guild, user, pager, nxt)
    reqs = await harness.run(bot, p, until=harness.edit_of(p))
    assert callback(reqs) == {"type": 6}
    page2 = original_edits(reqs)[0].json
    assert "page 2 of" in page2["embeds"][0]["description"]
    assert page2["embeds"][0]["fields"][0]["name"].startswith("9.")


async def test_an_answer_whose_source_was_blocked_since_is_not_posted_or_paged_again(harness):
    # Post publicly used to post the stored answer, the blocked source's passages and the verdict
    # they made, in public, while a new check of the same claim found nothing.
    bot = await harness.bot()
    guild, user = Guild(), Member()
    p = context_menu(guild, user, "Pérez was killed by the police")
    private = followups(await harness.run(bot, p, until=harness.followup_of(p)))[0].response
    publish = next(c for c in custom_ids(private) if c.startswith("publish:"))
    _, reqs = await ask(harness, bot, guild, user, "Pérez was killed")
    public = followups(reqs)[0].response
    more = next(c for c in custom_ids(public) if c.startswith("more:"))
    harness.services.index.block_domain("miamiherald.com")
    try:
        for message, button in ((private, publish), (public, more)):
            p = click(guild, user, message, button)
            reqs = await harness.run(bot, p, until=harness.followup_of(p))
            told = followups(reqs)[0].json
            assert told["flags"] & 64 and "a source blocked, since it was given" in told["content"]
            assert not told.get("embeds")
    finally:
        harness.services.index.unblock_domain("miamiherald.com")
    p = click(guild, user, private, publish)
    posted = followups(await harness.run(bot, p, until=harness.followup_of(p)))[0].json
    assert posted["embeds"][0]["title"].startswith("Claim: Pérez was killed by the police")


async def test_rate_limit_is_answered_privately_with_the_retry_time(fake, small_index):
    h = Harness(fake, make_services(small_index, rate_user_checks=2, rate_user_window_s=600))
    try:
        bot = await h.bot()
        guild, user = Guild(), Member()
        for _ in range(2):
            await ask(h, bot, guild, user, "Pérez was killed")
        p, reqs = await ask(h, bot, guild, user, "Pérez was killed")
        assert callback(reqs) == {"type": 5}
        deleted = await fake.wait_for(lambda r: r.method == "DELETE" and p["token"] in r.path)
        assert deleted.path.endswith("/messages/@original")
        refusal = followups(reqs)[0].json
        assert (
            refusal["flags"] & 64 and "try again in" in refusal["content"] and "You have reached" in refusal["content"]
        )
        _, reqs = await ask(h, bot, guild, Member(), "Pérez was killed")  # another user still may
        assert followups(reqs)[0].json.get("embeds")
    finally:
        await h.close()


async def test_a_4000_character_passage_stays_within_embed_limits(harness, monkeypatch):
    from claimbot.index.records import ArticleRef, CheckResult, PassageResult

    words = ("Pérez said @everyone the raid was planned " * 200)[:4000]
    passages = [
        PassageResult(
            text=words,
            relevance=1.0 - i / 10,
            stance=("supports", "refutes")[i % 2],
            attribution="according to " + "a very long attribution " * 20,
            article=ArticleRef(
                id=1, title="T" * 300, outlet="O" * 300, url="https://example.org/" + "p" * 200, published="2018-01-15"
            ),
            char_start=0,
            char_end=4000,
        )
        for i in range(12)
    ]
    result = CheckResult(claim="c" * 499, verdict="refuted", passages=passages)
    monkeypatch.setattr(harness.services.index, "check", lambda claim, top=5, collection=None: result)
    bot = await harness.bot()
    _, reqs = await ask(harness, bot, Guild(), Member(), "c" * 499)
    embed = followups(reqs)[0].json["embeds"][0]  # the fake has already enforced every limit
    assert embed["color"] == discord.Colour.red().value and "**Verdict:** refuted" in embed["description"]
    value = embed["fields"][0]["value"]
    # the quote is what is cut; who says it and the article's link stay
    assert len(value) <= 1024 and "…" in value and "[article](https://example.org/" in value
    assert "according to a very long attribution" in value
    assert len(embed["title"]) <= 256 and embed["title"].endswith("…")
    assert (
        sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
        + len(embed["title"])
        + len(embed["description"])
        + len(embed["footer"]["text"])
        <= 6000
    )


async def test_a_slow_check_is_deferred_and_still_answers(harness, monkeypatch):
    release = threading.Event()
    real = harness.services.index.check

    def slow_check(claim, top=5, collection=None):
        assert release.wait(10)
        return real(claim, top=top, collection=collection)

    monkeypatch.setattr(harness.services.index, "check", slow_check)
    bot = await harness.bot()
    p = slash(Guild(), Member(), "check", claim="Pérez was killed")
    await harness.run(bot, p)  # the defer arrives while the check is still blocked in its thread
    release.set()
    fu = await harness.fake.wait_for(harness.followup_of(p))
    assert fu.json["embeds"][0]["title"] == "Claim: Pérez was killed"


async def test_a_failed_check_says_so(harness, monkeypatch):
    def broken(claim, top=5, collection=None):
        raise RuntimeError("index unavailable")

    monkeypatch.setattr(harness.services.index, "check", broken)
    bot = await harness.bot()
    _, reqs = await ask(harness, bot, Guild(), Member(), "Pérez was killed")
    fu = followups(reqs)[0].json
    assert "the check failed (RuntimeError)" in fu["content"] and fu["flags"] & 64


def _broken(exc: Exception):
    def raising(*args, **kwargs):
        raise exc

    return raising


@pytest.mark.parametrize(
    "claim,breakage,said",
    [
        ("it was the", None, "I cannot check that claim: "),  # valid, but no word to search for
        # a link alone whose address spells no headline
        ("https://t.co/x9Qa2", None, "I cannot check that claim: it is only a link; paste what the page says"),
        ("Pérez was killed", ("index", "check"), "the check failed (RuntimeError)"),
        ("Pérez was killed", ("review", "hit_rate_limit"), "Sorry, that failed: RuntimeError"),  # ClaimTree.on_error
    ],
)
async def test_errors_after_a_public_defer_replace_the_thinking_message_privately(
    harness, monkeypatch, claim, breakage, said
):
    # Discord makes the first followup after a defer the thinking message and ignores its ephemeral
    # flag: a refusal or an error sent so would be public. It goes away first, as for the rate limit.
    if breakage is not None:
        service, method = breakage
        monkeypatch.setattr(getattr(harness.services, service), method, _broken(RuntimeError("down")))
    bot = await harness.bot()
    p, reqs = await ask(harness, bot, Guild(), Member(), claim)
    assert callback(reqs) == {"type": 5}  # the public thinking message
    assert [r.method for r in reqs if r.path.endswith("/messages/@original")] == ["DELETE"]
    [refusal] = followups(reqs)
    assert said in refusal.json["content"] and refusal.json["flags"] & 64


async def test_answer_buttons_acknowledge_before_reading_the_answer(harness, monkeypatch):
    bot = await harness.bot()
    guild, user = Guild(), Member()
    _, reqs = await ask(harness, bot, guild, user, "Pérez was killed")
    answer_msg = followups(reqs)[0].response
    p = context_menu(guild, user, "I read that Pérez was killed by the police")
    private_msg = followups(await harness.run(bot, p, until=harness.followup_of(p)))[0].response
    gate = threading.Event()
    real = harness.services.review.get_answer

    def slow_answer(guild_id: int, answer_id: int):
        assert gate.wait(10)
        return real(guild_id, answer_id)

    monkeypatch.setattr(harness.services.review, "get_answer", slow_answer)
    more = click(guild, user, answer_msg, next(c for c in custom_ids(answer_msg) if c.startswith("more:")))
    assert callback(await harness.run(bot, more)) == {"type": 5, "data": {"flags": 64}}  # while the read waits
    publish = click(guild, user, private_msg, next(c for c in custom_ids(private_msg) if c.startswith("publish:")))
    assert callback(await harness.run(bot, publish))["type"] == 5
    gate.set()
    pager = (await harness.fake.wait_for(harness.followup_of(more))).response
    assert (await harness.fake.wait_for(harness.followup_of(publish))).json["embeds"][0]["title"].startswith("Claim:")
    gate.clear()
    turn = click(
        guild, user, pager, next(c for c in custom_ids(pager) if c.startswith("mpage:") and not c.endswith(":0"))
    )
    assert callback(await harness.run(bot, turn)) == {"type": 6}
    gate.set()
    assert "page 2 of" in (await harness.fake.wait_for(harness.edit_of(turn))).json["embeds"][0]["description"]


async def test_checks_run_on_the_bots_own_pool(harness, monkeypatch):
    threads = []
    real = harness.services.index.check

    def check(claim, top=5, collection=None):
        threads.append(threading.current_thread().name)
        return real(claim, top=top, collection=collection)

    monkeypatch.setattr(harness.services.index, "check", check)
    bot = await harness.bot()
    await ask(harness, bot, Guild(), Member(), "Pérez was killed")
    assert threads and threads[0].startswith("claimbot-heavy")  # not asyncio's default executor


async def test_a_very_long_url_is_shown_without_a_broken_link(harness, monkeypatch):
    from claimbot.bot.embeds import cut
    from claimbot.index.records import ArticleRef, CheckResult, PassageResult

    url = "https://example.org/" + "p" * 2000
    passage = PassageResult(
        text="Pérez was killed in the raid, officials said. " * 40,
        relevance=1.0,
        stance="supports",
        confident=True,
        attribution="according to the government",
        article=ArticleRef(id=1, title="Raid", outlet="Herald", url=url, published="2018-01-15"),
        char_start=0,
        char_end=10,
    )
    result = CheckResult(claim="Pérez was killed", verdict="supported", passages=[passage])
    monkeypatch.setattr(harness.services.index, "check", lambda claim, top=5, collection=None: result)
    bot = await harness.bot()
    _, reqs = await ask(harness, bot, Guild(), Member(), "Pérez was killed")
    passage_value, sources = (f["value"] for f in followups(reqs)[0].json["embeds"][0]["fields"])
    assert passage_value.startswith("> Pérez was killed in the raid") and "…" in passage_value
    assert passage_value.endswith("— according to the government")
    for value in (passage_value, sources):
        assert "https://example.org/" not in value and "](" not in value
    assert sources == "1: Raid · Herald, 2018-01-15"
    assert cut("some text", -5) == "" and cut("some text", 0) == ""


async def test_answer_and_card_share_stance_labels_and_the_card_shows_the_reason(harness, monkeypatch):
    from claimbot.bot.embeds import stance_label
    from claimbot.index.records import ArticleRef, CheckResult, PassageResult

    def passage(text: str, stance: str | None, confident: bool) -> PassageResult:
        return PassageResult(
            text=text,
            relevance=1.0,
            stance=stance,
            confident=confident,
            article=ArticleRef(
                id=1, title="Raid", outlet="Herald", url="https://example.org/a", published="2018-01-15"
            ),
            char_start=0,
            char_end=len(text),
        )

    passages = [
        passage("Pérez was killed.", "supports", True),
        passage("Pérez is alive.", "refutes", True),
        passage("Pérez may be dead.", "supports", False),
        passage("Pérez may be alive.", "refutes", False),
        passage("The raid was in El Junquito.", "neutral", False),
    ]
    expected = ["Supports", "Conflicts", "Related (leans support)", "Related (leans conflict)", "Related"]
    assert [stance_label(p) for p in passages] == expected
    assert stance_label(passage("x", None, False)) == "Related"
    result = CheckResult(
        claim="Pérez was killed",
        verdict="disputed",
        reason="One article says he was killed; another that he survived.",
        passages=passages,
    )
    monkeypatch.setattr(harness.services.index, "check", lambda claim, top=5, collection=None: result)
    bot = await harness.bot()
    guild = Guild()
    await setup_guild(harness, bot, guild)
    _, reqs = await ask(harness, bot, guild, Member(), "Pérez was killed")
    answer = followups(reqs)[0]
    shown = [f["name"].split(" · ")[0].split(". ", 1)[1] for f in answer.json["embeds"][0]["fields"][:-1]]
    assert shown == expected[:4]
    await flag_answer(harness, bot, guild, Member(), answer.response, "wrong")
    description = card_post(harness, guild)[-1].json["embeds"][0]["description"]
    assert "**Verdict shown:** disputed" in description
    assert "**Reason shown:** One article says he was killed; another that he survived." in description
    for number, (label, p) in enumerate(zip(expected[:4], passages, strict=False), start=1):
        assert f"{number}. {label}: {p.text} — [Herald · 2018-01-15](https://example.org/a)" in description
    assert "Relevant" not in description
    assert "model:" not in description and "Corpus:" not in description  # no engineer text on the card


async def test_more_passages_previous_shows_the_earlier_page_for_the_asker_only(harness):
    bot = await harness.bot()
    guild, user = Guild(), Member()
    _, reqs = await ask(harness, bot, guild, user, "Pérez was killed")
    answer_msg = followups(reqs)[0].response
    more = next(c for c in custom_ids(answer_msg) if c.startswith("more:"))
    answer_id = more.split(":")[1]
    p = click(guild, user, answer_msg, more)
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    page1 = followups(reqs)[0].json["embeds"][0]
    pager = followups(reqs)[0].response
    assert button_of(pager, f"mpage:{answer_id}:0")["disabled"] is True  # no page before the first
    p = click(guild, user, pager, f"mpage:{answer_id}:2")
    reqs = await harness.run(bot, p, until=harness.edit_of(p))
    assert callback(reqs) == {"type": 6} and "page 2 of" in original_edits(reqs)[0].json["embeds"][0]["description"]
    pager = harness.fake.messages[int(pager["id"])]  # the pager as Discord now shows it
    assert custom_ids(pager)[0] == f"mpage:{answer_id}:1" and not button_of(pager, f"mpage:{answer_id}:1").get(
        "disabled"
    )
    # someone else cannot turn it back
    p = click(guild, Member(), pager, f"mpage:{answer_id}:1")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    refused = followups(reqs)[0].json
    assert callback(reqs) == {"type": 6} and not original_edits(reqs)
    assert refused["flags"] == 64 and "Only the person who asked" in refused["content"]
    assert "page 2 of" in harness.fake.messages[int(pager["id"])]["embeds"][0]["description"]  # untouched
    # the asker goes back: the first page again, exactly as before
    p = click(guild, user, pager, f"mpage:{answer_id}:1")
    reqs = await harness.run(bot, p, until=harness.edit_of(p))
    back = original_edits(reqs)[0].json
    assert back["embeds"][0] == page1
    assert "page 1 of" in back["embeds"][0]["description"]
    assert button_of(back, f"mpage:{answer_id}:0")["disabled"] is True
    assert not button_of(back, f"mpage:{answer_id}:2").get("disabled")


async def test_guild_rate_limit_through_discord_is_private_with_the_retry_time(fake, small_index):
    from claimbot.index.storage.review_tables import AnswerRow, RateEventRow

    services = make_services(small_index, rate_user_checks=20, rate_guild_checks=2, rate_guild_window_s=600)
    h = Harness(fake, services)
    try:
        bot = await h.bot()
        guild, first, second = Guild(), Member(), Member()
        for _ in range(2):
            _, reqs = await ask(h, bot, guild, first, "Pérez was killed")
            assert followups(reqs)[0].json.get("embeds")
        p, reqs = await ask(h, bot, guild, second, "Pérez was killed")  # a fresh user, but the server is out
        assert callback(reqs) == {"type": 5}
        deleted = await fake.wait_for(lambda r: r.method == "DELETE" and p["token"] in r.path)
        assert deleted.path.endswith("/messages/@original")  # the public "thinking" message goes
        refusal = followups(reqs)[0].json
        assert refusal["flags"] & 64 and not refusal.get("embeds")
        assert refusal["content"].startswith("This server has reached the limit")
        retry = float(re.search(r"try again in (\d+) s", refusal["content"])[1])
        assert 500 < retry <= 600
        await settle()
        engine = services.review.engine
        assert [row.asker_id for row in table_rows(engine, AnswerRow.__table__, guild_id=guild.id)] == [
            first.id,
            first.id,
        ]
        assert len(table_rows(engine, RateEventRow.__table__, guild_id=guild.id)) == 2  # the refusal is not counted
        # another server is not affected
        _, reqs = await ask(h, bot, Guild(), second, "Pérez was killed")
        assert followups(reqs)[0].json.get("embeds")
    finally:
        await h.close()


# -- bursts (issue 22) ------------------------------------------------------------------------
BURST_CLAIMS = [
    "Pérez was killed",
    "Pérez escaped",
    "Pérez surrendered",
    "Pérez is a former police officer",
    "Five members of the band were captured",
    "Nobody was killed in the assault",
]


def _is_answer(r) -> bool:
    return r.method == "POST" and r.path.startswith("/webhooks/") and bool((r.json or {}).get("embeds"))


async def test_a_burst_answers_its_first_check_before_the_rest_are_checked(harness, monkeypatch):
    """Each interaction is one pool task (check and correction lookup together): the first answer
    does not wait for the burst. Before, every correction lookup queued behind every check."""
    bot = await harness.bot()
    guild, index = Guild(), harness.services.index
    first_answer, opened, real_check = threading.Event(), [], index.check

    def check_after_first_answer(claim, **kw):
        # the first round of checks runs; every later one waits for an answer to have been sent
        if threading.current_thread().name.startswith("claimbot-heavy") and len(opened) + 1 > bot.heavy.workers:
            opened.append(first_answer.wait(20))
        else:
            opened.append(True)
        return real_check(claim, **kw)

    monkeypatch.setattr(index, "check", check_after_first_answer)
    payloads = [slash(guild, Member(), "check", claim=c) for c in BURST_CLAIMS]
    for p in payloads:
        harness.fake.feed(bot, p)
    await harness.fake.wait_for(_is_answer, timeout=30)
    first_answer.set()
    for p in payloads:
        await harness.fake.wait_for(harness.followup_of(p), timeout=60)
    assert len(opened) == len(BURST_CLAIMS) and all(opened), opened
    assert len(harness.fake.find(_is_answer)) == len(BURST_CLAIMS)


async def test_a_check_that_could_not_start_in_time_is_told_busy_and_the_thinking_message_goes(harness):
    from claimbot.bot.workpool import FairPool

    bot = await harness.bot()
    bot.heavy.close()
    bot.heavy = FairPool(1, max_queued=1, max_wait_s=780)
    gate = threading.Event()
    held = [asyncio.ensure_future(bot.heavy.run(0, gate.wait, 30)) for _ in range(2)]  # one runs, one waits
    while bot.heavy.queued < 1:
        await asyncio.sleep(0)  # a turn of the loop for the jobs to be submitted
    try:
        p, reqs = await ask(harness, bot, Guild(), Member(), "Pérez was killed")
    finally:
        gate.set()
        await asyncio.gather(*held)
    assert callback(reqs) == {"type": 5}
    refusal = followups(reqs)[0].json
    assert (
        refusal["flags"] & 64 and "busy" in refusal["content"] and re.search(r"try again in \d+ s", refusal["content"])
    )
    assert [r for r in reqs if r.method == "DELETE" and r.path.endswith("/messages/@original")]


def test_a_caption_is_named_as_one_on_the_answer():
    from claimbot.bot.embeds import passage_name
    from claimbot.index.records import ArticleRef, PassageResult

    def shown(kind: str) -> str:
        p = PassageResult(
            text="Police arrive at the scene in Caracas, Venezuela.",
            relevance=1.0,
            stance="supports",
            confident=False,
            kind=kind,
            article=ArticleRef(id=1, title="Raid", outlet="Herald", url=None, published="2018-01-15"),
            char_start=0,
            char_end=10,
        )
        return passage_name(p, 1)

    assert shown("caption") == "1. Related (leans support) · caption · Herald · 2018-01-15"
    assert shown("text") == "1. Related (leans support) · Herald · 2018-01-15"
