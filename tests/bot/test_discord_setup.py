"""`/claimbot setup` (bot/features/setup.py).

Driven through the real discord.py stack against the local fake Discord (tests/bot/harness.py).
"""

from __future__ import annotations

import pytest

from tests.bot.harness import (
    callback,
    followups,
)
from tests.fake_discord import (
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    MEMBER_PERMS,
    Guild,
    Member,
    setup_payload,
)

# Every test here runs the bot on an index built with attribution (spaCy) and the stance model.
pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


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
