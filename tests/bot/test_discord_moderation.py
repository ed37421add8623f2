"""Undo and visibility for moderators (bot/features/moderation.py, bot/features/setup.py): the
settings one at a time, the mod-log channel, `/corrections list|revoke`, `/audit`, `/help`.

Driven through the real discord.py stack against the local fake Discord (tests/bot/harness.py).
"""

from __future__ import annotations

import pytest

from tests.bot.harness import Harness, callback, flagged_card, followups
from tests.fake_discord import (
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    MEMBER_PERMS,
    Guild,
    Member,
    click,
    context_menu,
    custom_ids,
    setup_payload,
    slash,
    slash_sub,
    snowflake,
    submit,
)

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


async def _run(h: Harness, bot, payload: dict):
    return await h.run(bot, payload, until=h.followup_of(payload))


def _posts_to(h: Harness, channel_id: int) -> list[str]:
    return [
        r.json.get("content") or ""
        for r in h.fake.find(lambda r: r.method == "POST" and r.path == f"/channels/{channel_id}/messages")
    ]


async def test_settings_change_one_at_a_time_and_show_in_claimbot_settings(harness):
    bot = await harness.bot()
    guild, admin = Guild(), Member(permissions=MEMBER_PERMS | MANAGE_GUILD)
    await _run(harness, bot, setup_payload(guild, admin))
    mod_log = snowflake()
    # only the mod-log channel: the review channel and the role stay as they were
    reqs = await _run(harness, bot, setup_payload(guild, admin, review=False, role=False, mod_log_channel_id=mod_log))
    said = followups(reqs)[0].json["content"]
    assert said.startswith("Saved: mod log channel.") and f"<#{mod_log}>" in said
    config = harness.services.review.guild_config(guild.id)
    assert (config.review_channel_id, config.moderator_role_id, config.mod_log_channel_id) == (
        guild.review_channel_id,
        guild.mod_role_id,
        mod_log,
    )
    assert any("every moderator action" in text for text in _posts_to(harness, mod_log))
    # nothing given: told what can be set, nothing changed
    reqs = await harness.run(bot, setup_payload(guild, admin, review=False, role=False))
    assert "Give at least one setting" in callback(reqs)["data"]["content"]
    reqs = await _run(harness, bot, slash_sub(guild, admin, "claimbot", "settings"))
    assert callback(reqs) == {"type": 5, "data": {"flags": 64}}  # private, acknowledged before the database
    shown = followups(reqs)[0].json["content"]
    assert f"**Review channel:** <#{guild.review_channel_id}>" in shown
    assert f"**Moderator role:** <@&{guild.mod_role_id}>" in shown and f"**Mod-log channel:** <#{mod_log}>" in shown


async def test_a_correction_is_listed_revoked_and_every_action_reaches_the_mod_log(harness):
    bot = await harness.bot()
    guild = Guild()
    card, _ = await flagged_card(harness, bot, guild, "Oscar Pérez was killed by Venezuelan security forces")
    mod_log = snowflake()
    admin = Member(permissions=MEMBER_PERMS | MANAGE_GUILD)
    await _run(harness, bot, setup_payload(guild, admin, review=False, role=False, mod_log_channel_id=mod_log))
    mod = Member(roles=[guild.mod_role_id])
    button = next(c for c in custom_ids(card) if c.startswith("review:correct"))
    form = callback(await harness.run(bot, click(guild, mod, card, button)))["data"]
    await _run(harness, bot, submit(guild, mod, form, ["false", "He was alive that evening."], message=card))
    # the mod-log line comes after the flaggers' DMs
    line = await harness.fake.wait_for(
        lambda r: r.path == f"/channels/{mod_log}/messages" and "decided flag" in (r.json.get("content") or "")
    )
    assert f"<@{mod.id}> decided flag #" in line.json["content"] and "(False, correction #" in line.json["content"]

    reqs = await _run(harness, bot, slash_sub(guild, mod, "corrections", "list"))
    listing = followups(reqs)[0].json["embeds"][0]
    assert listing["title"] == "Corrections in force: 1" and "**#1 · False**" in listing["description"]
    assert harness.services.review.find_correction(guild.id, "Oscar Pérez was killed by Venezuelan security forces")

    # a member who is not a moderator cannot revoke
    reqs = await _run(harness, bot, slash_sub(guild, Member(), "corrections", "revoke", correction=1, reason="nope"))
    assert "Only moderators" in followups(reqs)[0].json["content"]
    reqs = await _run(
        harness, bot, slash_sub(guild, mod, "corrections", "revoke", correction=1, reason="He was in fact killed")
    )
    assert "Correction #1 (False) is revoked" in followups(reqs)[0].json["content"]
    assert (
        harness.services.review.find_correction(guild.id, "Oscar Pérez was killed by Venezuelan security forces")
        is None
    )
    line = await harness.fake.wait_for(
        lambda r: r.path == f"/channels/{mod_log}/messages" and "revoked" in (r.json.get("content") or "")
    )
    assert "revoked correction #1 (False)" in line.json["content"] and "He was in fact killed" in line.json["content"]
    reqs = await _run(harness, bot, slash_sub(guild, mod, "corrections", "revoke", correction=1, reason="again"))
    assert "already revoked" in followups(reqs)[0].json["content"]
    reqs = await _run(harness, bot, slash_sub(guild, mod, "corrections", "list", revoked=True))
    revoked = followups(reqs)[0].json["embeds"][0]
    assert revoked["title"] == "Revoked corrections: 1" and f"revoked by <@{mod.id}>" in revoked["description"]
    # another server sees none of it
    reqs = await _run(
        harness, bot, slash_sub(Guild(), Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES), "corrections", "list")
    )
    assert followups(reqs)[0].json["embeds"][0]["title"] == "Corrections in force: 0"

    reqs = await _run(harness, bot, slash(guild, mod, "audit"))
    audit = followups(reqs)[0].json["embeds"][0]["description"].splitlines()
    assert f"<@{mod.id}> revoked · correction #1" in audit[0] and "He was in fact killed" in audit[0]
    assert any("corrected an answer" in line and "→ False" in line for line in audit)
    assert any("changed the settings" in line for line in audit)


async def test_a_revoked_correction_is_not_posted_again_from_an_earlier_answer(harness):
    claim = "Oscar Pérez was killed by Venezuelan security forces"
    bot = await harness.bot()
    guild = Guild()
    card, _ = await flagged_card(harness, bot, guild, claim)
    mod = Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    button = next(c for c in custom_ids(card) if c.startswith("review:correct"))
    form = callback(await harness.run(bot, click(guild, mod, card, button)))["data"]
    await _run(harness, bot, submit(guild, mod, form, ["false", "He was alive that evening."], message=card))
    user = Member()
    private_msg = followups(await _run(harness, bot, context_menu(guild, user, claim)))[0].response
    assert "Moderator correction" in private_msg["embeds"][0]["description"]  # shown while in force
    correction = harness.services.review.find_correction(guild.id, claim)
    revoke = slash_sub(guild, mod, "corrections", "revoke", correction=correction.id, reason="He was killed")
    assert "is revoked" in followups(await _run(harness, bot, revoke))[0].json["content"]
    for prefix in ("more:", "publish:"):  # each renders the stored answer anew
        p = click(guild, user, private_msg, next(c for c in custom_ids(private_msg) if c.startswith(prefix)))
        posted = followups(await _run(harness, bot, p))[0].json["embeds"][0]
        assert "Moderator correction" not in posted["description"], prefix
        assert "(automatic)" not in posted["description"]


async def test_help_explains_the_answer_and_what_the_corpus_holds(harness):
    bot = await harness.bot()
    reqs = await _run(harness, bot, slash(Guild(), Member(), "help"))
    assert callback(reqs) == {"type": 5, "data": {"flags": 64}}  # private
    text = followups(reqs)[0].json["content"]
    for words in ("*disputed*", "*Related*", "Flag this answer", "1 article (44 passages) from el Nuevo Herald"):
        assert words in text, words


async def test_help_shows_outlet_names_verbatim_not_as_links_or_formatting(harness, monkeypatch):
    from claimbot.index.records import CorpusSummary

    # Outlet names come from the pages ingested (og:site_name): anyone's text.
    # Up to 120 characters each (records.FIELD_MAX_CHARS), which escaping can double.
    link, bold = "[Verify your account](https://evil.example/login) ", "**Herald** "
    outlets = [link + "_" * 69, bold + "*" * 109, *(c * 120 for c in "_*~")]
    summary = CorpusSummary(articles=5, passages=9, sources=5, outlet_count=5, outlets=outlets)
    monkeypatch.setattr(harness.services.index, "summary", lambda: summary)
    bot = await harness.bot()
    text = followups(await _run(harness, bot, slash(Guild(), Member(), "help")))[0].json["content"]
    assert "from 5 outlets (\\[Verify your account](https://evil.example/login)" in text
    assert ", \\*\\*Herald\\*\\*" in text
    assert len(text) <= 2000  # (the fake refuses a longer message too)


async def test_review_lists_open_mine_and_decided_flags_in_pages(harness):
    bot = await harness.bot()
    guild = Guild()
    card, _ = await flagged_card(harness, bot, guild, "Oscar Pérez was killed by Venezuelan security forces")
    mod = Member(roles=[guild.mod_role_id])
    approve = next(c for c in custom_ids(card) if c.startswith("review:approve"))
    await harness.run(bot, click(guild, mod, card, approve), until=lambda r: r.method == "PATCH")
    # a second answer flagged, left open
    from tests.bot.harness import ask, flag_answer

    _, reqs = await ask(harness, bot, guild, Member(), "Pérez stole a police helicopter")
    await flag_answer(harness, bot, guild, Member(), followups(reqs)[0].response, "Not what the article says")

    async def listing(**options):
        p = slash(guild, mod, "review", **options)
        return followups(await harness.run(bot, p, until=harness.followup_of(p)))[0].json["embeds"][0]

    queue = await listing()
    assert queue["title"] == "Open flags: 1" and "Pérez stole a police helicopter" in queue["fields"][0]["value"]
    decided = await listing(show="decided")
    assert decided["title"] == "Decided flags: 1"
    assert f"✅ Answer is right: decided by <@{mod.id}>" in decided["fields"][0]["value"]
    mine = await listing(show="mine")
    assert mine["title"] == "Flags you decided or are deciding: 1"
    assert (await listing(page=2))["description"] == "No page 2: there are 1."
    other = Member(roles=[guild.mod_role_id])
    p = slash(guild, other, "review", show="mine")
    assert (
        followups(await harness.run(bot, p, until=harness.followup_of(p)))[0].json["embeds"][0]["title"].endswith(": 0")
    )


async def test_manage_messages_in_one_channel_makes_no_moderator_and_the_servers_does(harness):
    """Moderators act on the whole server, so the permission that counts is the server's: Manage
    Messages given by one channel's overrides is refused, in that channel too (a command and a review
    button); a role's Manage Messages taken away in this channel still counts."""
    bot = await harness.bot()
    guild = Guild()
    card, _ = await flagged_card(harness, bot, guild)
    channel_only = Member(channel_permissions=MEMBER_PERMS | MANAGE_MESSAGES)
    reqs = await _run(harness, bot, slash(guild, channel_only, "audit"))
    assert "Only moderators" in followups(reqs)[0].json["content"]
    approve = next(c for c in custom_ids(card) if c.startswith("review:approve"))
    p = click(guild, channel_only, card, approve)
    reqs = await harness.run(bot, p, until=harness.followup_of(p))
    assert "Only moderators" in followups(reqs)[0].json["content"]
    assert harness.services.review.get_flag(guild.id, int(approve.split(":")[2])).status == "open"

    server_wide = Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES, channel_permissions=MEMBER_PERMS)
    reqs = await _run(harness, bot, slash(guild, server_wide, "audit"))
    assert followups(reqs)[0].json["embeds"][0]["description"]
