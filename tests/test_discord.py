"""The Discord front end driven through the real discord.py stack against a local fake Discord.

The fake (`tests/fake_discord.py`) is an aiohttp server that discord.py's REST client is pointed at
(`discord.http.Route.BASE`); interactions are fed as realistic INTERACTION_CREATE payloads to
`ConnectionState.parse_interaction_create`, exactly what the gateway parser calls. One smoke test
runs `bot.start()` against the fake gateway websocket (tests/test_serve.py runs `claimbot serve`
processes against it). The fake enforces Discord's contract: the 3 s deadline for the first
response, no double acknowledgement, message/embed/component limits, and (our rule)
`allowed_mentions: {"parse": []}` on every message that is created.

These touch discord.py internals (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY,
parse_interaction_create); discord.py is pinned to 2.7.1 and this module fails loudly if they move.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Callable
from typing import Any

import discord
import pytest
import pytest_asyncio
import yarl
from discord.gateway import DiscordWebSocket

from claimbot.bot.app import ClaimBot
from claimbot.bot.embeds import md
from claimbot.bot.services import Services
from claimbot.index.config import Settings
from claimbot.index.review.service import ReviewLimits, ReviewService
from tests.fake_discord import (
    APP_ID,
    DEADLINE_S,
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    MEMBER_PERMS,
    FakeDiscord,
    Guild,
    Member,
    Recorded,
    click,
    context_menu,
    custom_ids,
    error,
    guild_on_shard,
    setup_payload,
    slash,
    snowflake,
    submit,
)
from tests.hash_embedder import HashEmbedder

# Every test here runs the bot on an index built with attribution (spaCy) and the stance model.
pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

assert discord.__version__ == "2.7.1", "the fake relies on discord.py 2.7.1 internals; re-verify before upgrading"


# -- fixtures -------------------------------------------------------------------------------
@pytest_asyncio.fixture
async def fake():
    f = FakeDiscord()
    await f.start()
    saved = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = f.base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{f.port}/gateway")
    try:
        yield f
    finally:
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved
        await f.stop()
    assert f.violations == [], f.violations


@pytest.fixture(scope="module")
def small_index(tmp_path_factory):
    """The demo corpus indexed with `HashEmbedder` (attribution and the stance model are real)."""
    from claimbot.index.corpus.sources import SourceOptions, read_inputs
    from claimbot.index.service import ClaimIndex
    from tests.conftest import DEMO_CORPUS, fresh_database_url

    home = tmp_path_factory.mktemp("discord-home")
    # /ingest tests fetch from local servers on 127.0.0.1, which the default settings refuse.
    settings = Settings(CLAIMBOT_HOME=home, DATABASE_URL=fresh_database_url(), CLAIMBOT_FETCH_ALLOW_PRIVATE=True)
    index = ClaimIndex(settings, embedder=HashEmbedder())
    assert index.ingest(read_inputs([str(DEMO_CORPUS)], SourceOptions())).added == 1
    yield index
    index.close()


def make_services(index, **limits: Any) -> Services:
    lim = ReviewLimits(**{"rate_user_checks": 20, "rate_guild_checks": 200, **limits})
    review = ReviewService(index.store.engine, limits=lim, embed=index.embedder.encode, embed_model=index.embedder.name)
    return Services(index, review, index.settings)


class Harness:
    def __init__(self, fake: FakeDiscord, services: Services) -> None:
        self.fake, self.services = fake, services
        self.bots: list[ClaimBot] = []

    async def bot(self) -> ClaimBot:
        bot = ClaimBot(self.services)
        await bot.login("fake-token")
        self.bots.append(bot)
        return bot

    async def close(self) -> None:
        await settle()
        for bot in self.bots:
            await bot.close()

    async def run(
        self, bot: ClaimBot, payload: dict, *, until: Callable[[Recorded], bool] | None = None
    ) -> list[Recorded]:
        """Feed one interaction; return its requests once `until` (default: the callback) is seen."""
        start = len(self.fake.requests)
        self.fake.feed(bot, payload)
        token = payload["token"]
        pred = until or (lambda r: token in r.path and r.path.endswith("/callback"))
        await self.fake.wait_for(pred, start=start)
        return [r for r in self.fake.requests[start:] if token in r.path]

    @staticmethod
    def followup_of(payload: dict) -> Callable[[Recorded], bool]:
        return lambda r: r.method == "POST" and r.path == f"/webhooks/{APP_ID}/{payload['token']}"

    @staticmethod
    def edit_of(payload: dict) -> Callable[[Recorded], bool]:
        """The edit of the interaction's original message (after a deferred component update)."""
        return lambda r: r.method == "PATCH" and r.path == f"/webhooks/{APP_ID}/{payload['token']}/messages/@original"


@pytest_asyncio.fixture
async def harness(fake, small_index):
    h = Harness(fake, make_services(small_index))
    try:
        yield h
    finally:
        await h.close()


def callback(reqs: list[Recorded]) -> dict:
    cbs = [r for r in reqs if r.path.endswith("/callback")]
    assert len(cbs) == 1, [r.path for r in reqs]
    return cbs[0].json


def followups(reqs: list[Recorded]) -> list[Recorded]:
    return [r for r in reqs if r.method == "POST" and r.path.startswith("/webhooks/")]


def original_edits(reqs: list[Recorded]) -> list[Recorded]:
    return [r for r in reqs if r.method == "PATCH" and r.path.endswith("/messages/@original")]


async def ask(
    h: Harness, bot: ClaimBot, guild: Guild, member: Member, claim: str, **opts: Any
) -> tuple[dict, list[Recorded]]:
    p = slash(guild, member, "check", claim=claim, **opts)
    reqs = await h.run(bot, p, until=h.followup_of(p))
    return p, reqs


async def setup_guild(h: Harness, bot: ClaimBot, guild: Guild) -> None:
    admin = Member(permissions=MEMBER_PERMS | MANAGE_GUILD)
    p = setup_payload(guild, admin)
    await h.run(bot, p, until=h.followup_of(p))


async def flag_answer(
    h: Harness, bot: ClaimBot, guild: Guild, member: Member, answer_msg: dict, reason: str
) -> list[Recorded]:
    cid = next(c for c in custom_ids(answer_msg) if c.startswith("flag:"))
    reqs = await h.run(bot, click(guild, member, answer_msg, cid))
    modal = callback(reqs)
    assert modal["type"] == 9 and modal["data"]["custom_id"].startswith("flag-modal:")
    p = submit(guild, member, modal["data"], [reason], message=answer_msg)
    return await h.run(bot, p, until=h.followup_of(p))


def card_post(h: Harness, guild: Guild) -> list[Recorded]:
    return h.fake.find(
        lambda r: (
            r.method == "POST" and r.path == f"/channels/{guild.review_channel_id}/messages" and r.json.get("embeds")
        )
    )


# -- tests ----------------------------------------------------------------------------------
async def test_check_defers_then_answers_with_embed_and_buttons(harness):
    bot = await harness.bot()
    guild, user = Guild(), Member()
    p, reqs = await ask(harness, bot, guild, user, "Pérez was killed")
    assert callback(reqs) == {"type": 5}  # public "thinking" defer, first
    fu = followups(reqs)[0]
    embed = fu.json["embeds"][0]
    assert embed["title"] == "Claim: Pérez was killed"
    # the verdict and its one-sentence reason are the ones the service computes for the claim
    expected = harness.services.index.check("Pérez was killed", top=5)
    assert embed["description"].split("\n")[0] == f"**Verdict:** {expected.verdict}"
    assert md(expected.reason) in embed["description"]
    assert len(embed["description"].split("\n\n")) >= 2
    assert 1 <= len(embed["fields"]) <= 4 and "Pérez" in json.dumps(embed["fields"], ensure_ascii=False)
    assert "Herald" in embed["fields"][0]["name"] or "2018" in embed["fields"][0]["name"]
    assert embed["footer"]["text"].startswith("Corpus: 1 articles")
    ids = custom_ids(fu.response)
    assert ids[0].startswith("flag:") and ids[1].startswith("more:")
    assert not fu.json.get("flags")  # public
    assert fu.json["allowed_mentions"] == {"parse": []}
    answer_id = int(ids[0].split(":")[1])
    await settle()
    assert harness.services.review.get_answer(guild.id, answer_id).message_id == int(fu.response["id"])
    stored = harness.services.review.get_answer(guild.id, answer_id)
    assert stored.asker_id == user.id and stored.shown == len(embed["fields"]) and stored.channel_id == guild.channel_id


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
    from claimbot.index.review.service import ANSWER_GONE, NotFound

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


async def settle(timeout: float = 10.0) -> None:
    """Wait until every interaction handler discord.py started has finished (no fixed sleeps)."""
    prefixes = (
        "CommandTree-invoker",
        "discord-ui-view-dispatch",
        "discord-ui-dynamic-item",
        "discord-ui-modal-dispatch",
    )
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        pending = [t for t in asyncio.all_tasks() if not t.done() and t.get_name().startswith(prefixes)]
        if not pending:
            return
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise AssertionError(
                f"interaction handlers still running after {timeout} s: {[t.get_name() for t in pending]}"
            )
        await asyncio.wait(pending, timeout=left)


async def test_context_menu_on_a_message_without_text(harness):
    bot = await harness.bot()
    reqs = await harness.run(bot, context_menu(Guild(), Member(), ""))
    assert "That message has no claim I can check" in callback(reqs)["data"]["content"]


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
    assert [c.split(":")[1] for c in custom_ids(card.response)] == ["approve", "correct", "dismiss"]
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


async def _flagged_card(
    h: Harness, bot: ClaimBot, guild: Guild, claim: str = "Pérez was killed"
) -> tuple[dict, Member]:
    await setup_guild(h, bot, guild)
    flagger = Member()
    _, reqs = await ask(h, bot, guild, Member(), claim)
    await flag_answer(h, bot, guild, flagger, followups(reqs)[0].response, "The verdict is wrong")
    return card_post(h, guild)[-1].response, flagger


async def test_the_bot_prunes_old_answers_when_it_starts(harness, monkeypatch):
    pruned = asyncio.Event()
    loop = asyncio.get_running_loop()

    def prune() -> int:  # runs in a worker thread
        loop.call_soon_threadsafe(pruned.set)
        return 0

    monkeypatch.setattr(harness.services.review, "prune_answers", prune)
    await harness.bot()
    await asyncio.wait_for(pruned.wait(), 10)


async def test_approve_is_not_queued_behind_running_checks(harness):
    from claimbot.bot.app import HEAVY_WORKERS

    bot = await harness.bot()
    guild = Guild()
    card, _ = await _flagged_card(harness, bot, guild)
    approve = next(c for c in custom_ids(card) if c.startswith("review:approve"))
    busy = threading.Event()
    for _ in range(HEAVY_WORKERS):  # every model worker is busy with a long check
        bot.heavy.submit(busy.wait, 60)
    try:
        p = click(guild, Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES), card, approve)
        reqs = await harness.run(bot, p, until=harness.followup_of(p))
    finally:
        busy.set()
    assert "approved" in followups(reqs)[0].json["content"]
    assert harness.services.review.get_flag(guild.id, int(approve.split(":")[2])).status == "approved"


async def test_review_buttons_refuse_non_moderators_privately(harness):
    bot = await harness.bot()
    guild = Guild()
    card, _ = await _flagged_card(harness, bot, guild)
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
    card, flagger = await _flagged_card(harness, bot, guild)
    approve = next(c for c in custom_ids(card) if c.startswith("review:approve"))
    mod = Member(roles=[guild.mod_role_id])  # the role from /claimbot setup, no Manage Messages
    p = click(guild, mod, card, approve)
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert callback(reqs) == {"type": 6}
    edit = next(r for r in reqs if r.method == "PATCH")
    assert edit.path.endswith("/messages/@original") and edit.json["components"] == []
    decision = next(f for f in edit.json["embeds"][0]["fields"] if f["name"] == "Decision")
    assert f"Approved by <@{mod.id}>" in decision["value"]
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
    card, flagger = await _flagged_card(harness, bot, guild, "Oscar Pérez was killed by Venezuelan security forces")
    correct = next(c for c in custom_ids(card) if c.startswith("review:correct"))
    mod = Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    reqs = await harness.run(bot, click(guild, mod, card, correct))
    modal = callback(reqs)
    assert modal["type"] == 9 and modal["data"]["custom_id"].startswith(f"review-correct:{correct.split(':')[2]}:")
    p = submit(guild, mod, modal["data"], ["true", "Confirmed by the government and two outlets."], message=card)
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert callback(reqs) == {"type": 6}
    edit = next(r for r in reqs if r.method == "PATCH")
    decided = next(f for f in edit.json["embeds"][0]["fields"] if f["name"] == "Decision")["value"]
    assert (
        f"Corrected by <@{mod.id}>" in decided
        and "Corrected verdict: true" in decided
        and edit.json["components"] == []
    )
    await harness.fake.wait_for(lambda r: "Corrected verdict: **true**" in ((r.json or {}).get("content") or ""))
    # a paraphrase, asked later by someone else in the same guild
    _, reqs = await ask(harness, bot, guild, Member(), paraphrase)
    embed = followups(reqs)[0].json["embeds"][0]
    assert "Moderator correction" in embed["description"] and "Verdict: true" in embed["description"]
    assert "Confirmed by the government" in embed["description"]
    assert embed["color"] == discord.Colour.green().value
    # ...but not in another guild
    _, reqs = await ask(harness, bot, Guild(), Member(), paraphrase)
    assert "Moderator correction" not in followups(reqs)[0].json["embeds"][0]["description"]


async def test_dismiss_needs_a_reason_modal(harness):
    bot = await harness.bot()
    guild = Guild()
    card, _ = await _flagged_card(harness, bot, guild)
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
    card, _ = await _flagged_card(harness, bot, guild)
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
    assert len(won) == 1 and "approved" in won[0] and len(lost) == 1
    await harness.fake.wait_for(lambda r: "answer stands" in ((r.json or {}).get("content") or ""))  # one DM
    flag_id = int(approve.split(":")[2])
    assert len([e for e in harness.services.review.audit_log(guild.id) if e.target == f"flag:{flag_id}"]) == 1


async def test_review_buttons_survive_a_restart(harness):
    bot = await harness.bot()
    guild = Guild()
    card, _ = await _flagged_card(harness, bot, guild)
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


async def test_cross_guild_isolation(harness):
    bot = await harness.bot()
    g1, g2 = Guild(), Guild()
    card, _ = await _flagged_card(harness, bot, g1)
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
    card, _ = await _flagged_card(harness, bot, guild)
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


async def test_setup_needs_manage_server_and_stores_per_guild_settings(harness):
    bot = await harness.bot()
    guild = Guild()
    reqs = await harness.run(bot, setup_payload(guild, Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)))
    assert "Manage Server" in callback(reqs)["data"]["content"]
    reqs = await harness.run(bot, setup_payload(guild, Member(permissions=MEMBER_PERMS | MANAGE_GUILD), channel_type=2))
    assert "must be a text channel" in callback(reqs)["data"]["content"]
    admin = Member(permissions=MEMBER_PERMS | MANAGE_GUILD)
    p = setup_payload(guild, admin)
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert f"<#{guild.review_channel_id}>" in followups(reqs)[0].json["content"]
    hello = harness.fake.find(lambda r: r.path == f"/channels/{guild.review_channel_id}/messages")
    assert "review cards" in hello[0].json["content"] and hello[0].json["allowed_mentions"] == {"parse": []}
    config = harness.services.review.guild_config(guild.id)
    assert (config.review_channel_id, config.moderator_role_id) == (guild.review_channel_id, guild.mod_role_id)
    assert harness.services.review.audit_log(guild.id)[0].actor_id == admin.id


async def test_sources_lists_articles(harness):
    bot = await harness.bot()
    p = slash(Guild(), Member(), "sources")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    embed = followups(reqs)[0].json["embeds"][0]
    assert "passages" in embed["description"] and embed["footer"]["text"] == "page 1 of 1 · 1 articles"
    p = slash(Guild(), Member(), "sources", query="no-such-outlet")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert followups(reqs)[0].json["embeds"][0]["description"] == "No article matches."


async def test_sources_pager_turns_pages_for_the_invoker_only(harness, monkeypatch):
    from claimbot.index.review.service import SourceEntry, SourcesPage

    bot = await harness.bot()
    pages = [SourcesPage([SourceEntry(i, f"Article {i}", "Herald", None, "2018-01-15", 3)], i, 2, 2) for i in range(2)]
    monkeypatch.setattr(harness.services.review, "sources", lambda q, page=0, per_page=10: pages[max(0, min(page, 1))])
    guild, user = Guild(), Member()
    p = slash(guild, user, "sources")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    msg = followups(reqs)[0].response
    nxt = custom_ids(msg)[1]
    reqs = await harness.run(bot, click(guild, Member(), msg, nxt))
    assert "Only the person who ran" in callback(reqs)["data"]["content"]
    reqs = await harness.run(bot, click(guild, user, msg, nxt))
    cb = callback(reqs)
    assert cb["type"] == 7 and "Article 1" in cb["data"]["embeds"][0]["description"]


async def test_ingest_is_for_moderators_and_reports_failures(harness):
    bot = await harness.bot()
    guild = Guild()
    p = slash(guild, Member(), "ingest", url="https://example.org/a")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert callback(reqs) == {"type": 5, "data": {"flags": 64}}  # acknowledged before any database read
    assert "Only moderators" in followups(reqs)[0].json["content"]
    mod = Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    p = slash(guild, mod, "ingest", url="not a url")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert "http(s) URL" in followups(reqs)[0].json["content"]
    url = f"http://127.0.0.1:{harness.fake.port}/api/v10/missing-article"  # the fake answers 404
    p = slash(guild, mod, "ingest", url=url)
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert callback(reqs) == {"type": 5, "data": {"flags": 64}}
    assert "Could not index" in followups(reqs)[0].json["content"] and "404" in followups(reqs)[0].json["content"]
    assert harness.services.review.audit_log(guild.id)[0].action == "ingest"


async def test_ingest_is_limited_to_the_servers_the_operator_lists(harness, monkeypatch):
    bot = await harness.bot()
    guild, mod = Guild(), Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    monkeypatch.setattr(harness.services.settings, "ingest_guilds", [guild.id + 1])
    p = slash(guild, mod, "ingest", url="https://example.org/a")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert "limited to the servers" in followups(reqs)[0].json["content"]
    assert [e.action for e in harness.services.review.audit_log(guild.id)] == []  # nothing was fetched
    monkeypatch.setattr(harness.services.settings, "ingest_guilds", [guild.id])
    p = slash(guild, mod, "ingest", url="not a url")  # a listed server gets past the gate
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert "http(s) URL" in followups(reqs)[0].json["content"]


async def test_ingest_adds_an_article(fake, settings):
    from aiohttp import web as aweb

    from claimbot.index.service import ClaimIndex

    app = aweb.Application()
    text = (
        "Town council approves new bridge\n\nThe council voted on Monday to build a new bridge over the river. "
        "The mayor said construction starts in spring."
    )

    async def article(_request):
        return aweb.Response(text=text, content_type="text/plain")

    app.router.add_get("/article", article)
    runner = aweb.AppRunner(app)
    await runner.setup()
    site = aweb.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    settings = settings.model_copy(update={"fetch_allow_private": True})  # the article server is on 127.0.0.1
    claim_index = ClaimIndex(settings, embedder=HashEmbedder())
    h = Harness(fake, make_services(claim_index))
    try:
        bot = await h.bot()
        p = slash(
            Guild(),
            Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES),
            "ingest",
            url=f"http://127.0.0.1:{port}/article",
        )
        reqs = await h.run(bot, p, until=h.followup_of(p))
        content = followups(reqs)[0].json["content"]
        assert content.startswith("Added http://127.0.0.1") and "passages indexed" in content
        assert claim_index.stats().articles == 1
        p = slash(
            Guild(),
            Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES),
            "ingest",
            url=f"http://127.0.0.1:{port}/article",
        )
        reqs = await h.run(bot, p, until=h.followup_of(p))
        assert followups(reqs)[0].json["content"].startswith("Nothing changed")
    finally:
        await h.close()
        await runner.cleanup()
        claim_index.close()


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
    assert len(value) <= 1024 and "…" in value and "(https://example.org/" in value
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


async def test_the_fake_enforces_the_deadline_and_double_ack(fake, small_index):
    h = Harness(fake, make_services(small_index))
    try:
        bot = await h.bot()
        fake.deadline_s = 0.0
        p = slash(Guild(), Member(), "check", claim="Pérez was killed")
        await h.run(bot, p, until=lambda r: p["token"] in r.path and r.status == 404)
        assert fake.find(lambda r: p["token"] in r.path)[0].status == 404
        assert any("deadline" in v for v in fake.violations)
        fake.violations.clear()
        fake.deadline_s = DEADLINE_S
        p = slash(Guild(), Member(), "check", claim="   ")
        await h.run(bot, p)
        inter = discord.Interaction(data=p, state=bot._connection)
        with pytest.raises(discord.HTTPException) as exc:
            await inter.response.send_message("again")
        assert exc.value.code == 40060
        fake.violations.clear()
    finally:
        await h.close()


async def test_sync_payload(harness):
    bot = await harness.bot()
    synced = await bot.tree.sync()
    put = harness.fake.find(lambda r: r.method == "PUT")[0]
    by_name = {c["name"]: c for c in put.json}
    assert set(by_name) == {"check", "Check this claim", "sources", "ingest", "review", "claimbot"}
    assert by_name["Check this claim"]["type"] == 3 and by_name["check"]["type"] == 1
    # Visible to every member: a moderator by role alone (no Manage Messages) must be able to run
    # them; claimbot checks who is a moderator when they are used.
    assert by_name["review"].get("default_member_permissions") is None
    assert by_name["ingest"].get("default_member_permissions") is None
    assert int(by_name["claimbot"]["default_member_permissions"]) == MANAGE_GUILD
    assert by_name["claimbot"]["options"][0]["name"] == "setup"
    for c in put.json:
        assert 1 <= len(c["name"]) <= 32 and len(c.get("description") or "") <= 100
    assert len(synced) == 6


async def test_smoke_bot_start_over_the_fake_gateway(fake, small_index):
    bot = ClaimBot(make_services(small_index), guild_ready_timeout=0.05)
    task = asyncio.create_task(bot.start("fake-token"))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        assert fake.identify["intents"] == discord.Intents(guilds=True).value
        assert "shard" not in fake.identify
        p = await fake.dispatch_interaction(slash(Guild(), Member(), "check", claim="Pérez was killed"))
        fu = await fake.wait_for(Harness.followup_of(p))
        assert fu.json["embeds"][0]["title"] == "Claim: Pérez was killed"
    finally:
        await bot.close()
        await task


async def test_sharded_bot_answers_on_every_shard(fake, small_index, monkeypatch):
    from claimbot.bot.app import ShardedClaimBot, make_bot

    monkeypatch.setenv("CLAIMBOT_SHARD_COUNT", "2")
    services = make_services(small_index)
    services.settings = Settings(_env_file=None, CLAIMBOT_HOME=small_index.settings.home)
    bot = make_bot(services, guild_ready_timeout=0.05)
    assert isinstance(bot, ShardedClaimBot)
    task = asyncio.create_task(bot.start("fake-token"))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 20)
        await fake.wait_for_shards({0, 1})
        assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (1, 2)]
        for shard in (0, 1):
            p = await fake.dispatch_interaction(
                slash(guild_on_shard(shard, 2), Member(), "check", claim="Pérez was killed")
            )
            fu = await fake.wait_for(Harness.followup_of(p))
            assert fu.json["embeds"][0]["title"] == "Claim: Pérez was killed"
    finally:
        await bot.close()
        await task


async def test_sync_commands_registers_in_one_guild_and_needs_a_token(fake, home, monkeypatch):
    from claimbot.bot.runner import BotConfigError, serve_async, sync_commands_async

    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("CLAIMBOT_DISCORD_TOKEN", raising=False)
    with pytest.raises(BotConfigError, match="DISCORD_TOKEN is not set"):
        await sync_commands_async(Settings(_env_file=None))
    with pytest.raises(BotConfigError, match="DISCORD_TOKEN is not set"):
        await serve_async(Settings(_env_file=None))
    monkeypatch.setenv("DISCORD_TOKEN", "fake-token")
    names = await sync_commands_async(Settings(_env_file=None), guild_id=4242)
    assert sorted(names) == sorted(["check", "Check this claim", "sources", "ingest", "review", "claimbot"])
    put = fake.find(lambda r: r.method == "PUT")
    assert [r.path for r in put] == [f"/applications/{APP_ID}/guilds/4242/commands"]
    assert put[0].headers["Authorization"] == "Bot fake-token"


async def test_an_unreachable_discord_is_one_retryable_error(home, monkeypatch):
    import socket

    from claimbot.bot.runner import DiscordUnreachable, sync_commands_async

    with socket.socket() as s:  # a loopback port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    monkeypatch.setenv("DISCORD_TOKEN", "fake-token")
    with pytest.raises(DiscordUnreachable, match=f"cannot reach Discord: Cannot connect to host 127.0.0.1:{port}"):
        await sync_commands_async(Settings(_env_file=None))


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
    card, flagger = await _flagged_card(harness, bot, guild)
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
    assert "approved" in (await harness.fake.wait_for(harness.followup_of(approve))).json["content"]
    assert "http(s) URL" in (await harness.fake.wait_for(harness.followup_of(ingest))).json["content"]


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


async def test_flaggers_are_told_even_if_the_card_cannot_be_updated(harness):
    bot = await harness.bot()
    guild = Guild()
    card, flagger = await _flagged_card(harness, bot, guild)
    approve = next(c for c in custom_ids(card) if c.startswith("review:approve"))
    p = click(guild, Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES), card, approve)
    # the card was deleted meanwhile: editing it fails
    harness.fake.fail = lambda r: (
        error(404, 10008, "Unknown Message") if (r.method == "PATCH" and p["token"] in r.path) else None
    )
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    confirmation = followups(reqs)[0].json["content"]
    assert "approved" in confirmation and "could not be updated" in confirmation
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
    for field, (card_link, answer_link) in zip(embed["fields"], links):
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
    value = followups(reqs)[0].json["embeds"][0]["fields"][0]["value"]
    assert value.startswith("> Pérez was killed in the raid") and "…" in value
    assert "https://example.org/" not in value and "](" not in value and value.rstrip().endswith("Raid")
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
    shown = [f["name"].split(" · ")[0].split(". ", 1)[1] for f in answer.json["embeds"][0]["fields"]]
    assert shown == expected[:4]
    await flag_answer(harness, bot, guild, Member(), answer.response, "wrong")
    description = card_post(harness, guild)[-1].json["embeds"][0]["description"]
    assert "**Verdict shown:** disputed" in description
    assert "**Reason shown:** One article says he was killed; another that he survived." in description
    for number, label in enumerate(expected[:4], start=1):
        assert f"{number}. {label}: “" in description
    assert "Relevant" not in description


async def test_ingest_refuses_private_addresses_by_default(fake, small_index):
    settings = small_index.settings.model_copy(update={"fetch_allow_private": False})
    h = Harness(fake, Services(small_index, make_services(small_index).review, settings))
    try:
        bot = await h.bot()
        url = f"http://127.0.0.1:{fake.port}/api/v10/some-article"
        p = slash(Guild(), Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES), "ingest", url=url)
        reqs = await h.run(bot, p, until=h.followup_of(p))
        content = followups(reqs)[0].json["content"]
        assert content.startswith(f"Could not index {url}:") and "loopback address (127.0.0.1)" in content
        assert "\n" not in content
        assert not fake.find(lambda r: r.path == "/some-article")  # nothing was fetched
    finally:
        await h.close()


# -- pagers going back, modals submitted by non-moderators, the per-guild rate limit ---------
def _rows(engine, table, **where: Any) -> list:
    from sqlalchemy import select

    with engine.connect() as conn:
        q = select(table)
        for column, value in where.items():
            q = q.where(getattr(table.c, column) == value)
        return list(conn.execute(q))


def _button(message: dict, custom_id: str) -> dict:
    return next(c for row in message["components"] for c in row["components"] if c.get("custom_id") == custom_id)


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
    assert _button(pager, f"mpage:{answer_id}:0")["disabled"] is True  # no page before the first
    p = click(guild, user, pager, f"mpage:{answer_id}:2")
    reqs = await harness.run(bot, p, until=harness.edit_of(p))
    assert callback(reqs) == {"type": 6} and "page 2 of" in original_edits(reqs)[0].json["embeds"][0]["description"]
    pager = harness.fake.messages[int(pager["id"])]  # the pager as Discord now shows it
    assert custom_ids(pager)[0] == f"mpage:{answer_id}:1" and not _button(pager, f"mpage:{answer_id}:1").get("disabled")
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
    assert _button(back, f"mpage:{answer_id}:0")["disabled"] is True
    assert not _button(back, f"mpage:{answer_id}:2").get("disabled")


async def test_sources_pager_previous_goes_back_for_the_invoker_only(harness, monkeypatch):
    from claimbot.index.review.service import SourceEntry, SourcesPage

    bot = await harness.bot()
    asked: list[int] = []
    pages = [SourcesPage([SourceEntry(i, f"Article {i}", "Herald", None, "2018-01-15", 3)], i, 3, 3) for i in range(3)]

    def sources(q, page=0, per_page=10):
        asked.append(page)
        return pages[max(0, min(page, 2))]

    monkeypatch.setattr(harness.services.review, "sources", sources)
    guild, user = Guild(), Member()
    p = slash(guild, user, "sources")
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    msg = followups(reqs)[0].response
    first = followups(reqs)[0].json["embeds"][0]
    previous, nxt = custom_ids(msg)
    assert _button(msg, previous)["disabled"] is True and "Article 0" in first["description"]
    reqs = await harness.run(bot, click(guild, user, msg, nxt))
    cb = callback(reqs)
    assert cb["type"] == 7 and "Article 1" in cb["data"]["embeds"][0]["description"]
    msg = harness.fake.messages[int(msg["id"])]
    assert not _button(msg, previous).get("disabled")
    # a stranger pressing Previous is refused privately and the page does not change
    reqs = await harness.run(bot, click(guild, Member(), msg, previous))
    refused = callback(reqs)
    assert (
        refused["type"] == 4
        and refused["data"]["flags"] == 64
        and "Only the person who ran" in refused["data"]["content"]
    )
    assert "Article 1" in harness.fake.messages[int(msg["id"])]["embeds"][0]["description"]
    # the invoker goes back to the first page
    reqs = await harness.run(bot, click(guild, user, msg, previous))
    back = callback(reqs)
    assert back["type"] == 7 and back["data"]["embeds"][0] == first
    assert _button(back["data"], previous)["disabled"] is True and not _button(back["data"], nxt).get("disabled")
    assert asked == [0, 1, 0]


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
    assert flag.status == "open" and flag.claimed_by is None and flag.decided_by is None
    engine = h.services.review.engine
    audit = _rows(engine, AuditRow.__table__, guild_id=guild.id)
    assert "setup" in [row.action for row in audit]  # the log is there, with nothing about the flag
    assert all(row.target != f"flag:{flag_id}" for row in audit)
    assert _rows(engine, CorrectionRow.__table__, guild_id=guild.id) == []


async def test_correct_form_submitted_after_the_moderator_role_is_removed_is_refused(harness):
    bot = await harness.bot()
    guild = Guild()
    card, _ = await _flagged_card(harness, bot, guild)
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
    card, _ = await _flagged_card(harness, bot, guild)
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
        assert [row.asker_id for row in _rows(engine, AnswerRow.__table__, guild_id=guild.id)] == [first.id, first.id]
        assert len(_rows(engine, RateEventRow.__table__, guild_id=guild.id)) == 2  # the refusal is not counted
        # another server is not affected
        _, reqs = await ask(h, bot, Guild(), second, "Pérez was killed")
        assert followups(reqs)[0].json.get("embeds")
    finally:
        await h.close()
