"""`/article remove`, `/source block|unblock|list` (bot/features/corpus.py) and a server's own
collection (`/claimbot setup collection:`), through the real discord.py stack and the fake Discord."""

from __future__ import annotations

import json

import pytest
import pytest_asyncio

from claimbot.index.service import ClaimIndex, read_inputs, source_options
from tests.bot.harness import Harness, callback, followups, make_services
from tests.fake_discord import MANAGE_GUILD, MANAGE_MESSAGES, MEMBER_PERMS, Guild, Member, slash, slash_sub
from tests.hash_embedder import HashEmbedder

pytestmark = pytest.mark.asyncio

ARTICLES = [
    {
        "text": "The dam on the Orinoco river collapsed.",
        "url": "https://rumours.example/dam",
        "published": "2020-03-02",
    },
    {"text": "The dam on the Orinoco river held.", "url": "https://wire.example/dam", "published": "2020-03-01"},
]


@pytest_asyncio.fixture
async def corpus(fake, settings, tmp_path):
    """A harness over an index of its own: these tests change the corpus."""
    settings = settings.model_copy(update={"relevance_floor": 0.0})
    index = ClaimIndex(settings, embedder=HashEmbedder())
    source = tmp_path / "a.jsonl"
    source.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES), encoding="utf-8")
    assert index.ingest(read_inputs([str(source)], source_options(settings))).added == 2
    h = Harness(fake, make_services(index))
    try:
        yield h, index
    finally:
        await h.close()
        index.close()


def said(reqs) -> str:
    return followups(reqs)[0].json["content"]


MOD = Member(permissions=MEMBER_PERMS | MANAGE_MESSAGES)


async def test_a_non_moderator_is_refused_and_nothing_changes(corpus):
    h, index = corpus
    bot, guild = await h.bot(), Guild()
    for payload in (
        slash_sub(guild, Member(), "article", "remove", article="https://wire.example/dam", reason="wrong"),
        slash_sub(guild, Member(), "source", "block", domain="wire.example", reason="made up"),
        slash_sub(guild, Member(), "source", "list"),
    ):
        reqs = await h.run(bot, payload, until=h.followup_of(payload))
        assert callback(reqs) == {"type": 5, "data": {"flags": 64}}  # acknowledged privately first
        assert "Only moderators" in said(reqs)
    assert index.store.counts()[0] == 2 and index.blocked_domains() == []
    assert h.services.review.audit_log(guild.id) == []


async def test_a_moderator_blocks_lists_unblocks_and_removes_with_an_audit_row_each(corpus):
    h, index = corpus
    bot, guild = await h.bot(), Guild()
    p = slash_sub(guild, MOD, "source", "block", domain="https://www.rumours.example/x", reason="made up")
    reqs = await h.run(bot, p, until=h.followup_of(p))
    assert said(reqs) == "Blocked rumours.example: 1 indexed article no longer shown, and it is never fetched."
    check = index.check("the dam on the Orinoco river collapsed", top=5, stance=False)
    assert {p.article.url for p in check.passages} == {"https://wire.example/dam"}
    p = slash_sub(guild, MOD, "source", "list")
    reqs = await h.run(bot, p, until=h.followup_of(p))
    assert said(reqs).splitlines() == [
        "• rumours.example: 1 article, newest 2020-03-02 · **blocked**",
        "• wire.example: 1 article, newest 2020-03-01",
    ]
    p = slash_sub(guild, MOD, "source", "unblock", domain="rumours.example")
    reqs = await h.run(bot, p, until=h.followup_of(p))
    assert said(reqs) == "Unblocked rumours.example: 1 indexed article shown again."
    p = slash_sub(guild, MOD, "article", "remove", article="https://wire.example/dam", reason="retracted")
    reqs = await h.run(bot, p, until=h.followup_of(p))
    assert said(reqs).startswith("Removed article #") and said(reqs).endswith(": 1 passage no longer searched.")
    assert index.find_articles("https://wire.example/dam") == []
    p = slash_sub(guild, MOD, "article", "remove", article="https://wire.example/dam", reason="again")
    reqs = await h.run(bot, p, until=h.followup_of(p))
    assert "No indexed article" in said(reqs)
    actions = [e.action for e in h.services.review.audit_log(guild.id)]
    assert actions == ["remove_article", "unblock_source", "block_source"]  # newest first


async def test_the_shared_corpus_is_changed_only_from_the_servers_the_operator_lists(corpus, monkeypatch):
    h, index = corpus
    bot, guild = await h.bot(), Guild()
    monkeypatch.setattr(h.services.settings, "ingest_guilds", [guild.id + 1])
    p = slash_sub(guild, MOD, "source", "block", domain="wire.example", reason="made up")
    reqs = await h.run(bot, p, until=h.followup_of(p))
    assert "limited to the servers" in said(reqs) and index.blocked_domains() == []
    p = slash_sub(guild, MOD, "article", "remove", article="https://wire.example/dam", reason="retracted")
    reqs = await h.run(bot, p, until=h.followup_of(p))
    assert "Changing the shared corpus is limited" in said(reqs) and index.store.counts()[0] == 2


async def test_a_server_answers_from_the_shared_corpus_and_its_own_collection(corpus, settings, tmp_path):
    h, index = corpus
    own = tmp_path / "own.jsonl"
    own.write_text(json.dumps({"text": "The dam on the Orinoco river was repaired.", "url": "https://local.example/a"}))
    index.ingest(read_inputs([str(own)], source_options(settings)), collection="city")
    bot, guild = await h.bot(), Guild()
    assert h.services.collections(guild.id) == ["default"]
    admin = Member(permissions=MEMBER_PERMS | MANAGE_GUILD)
    p = slash_sub(guild, admin, "claimbot", "setup", collection="City")
    reqs = await h.run(bot, p, until=h.followup_of(p))
    assert "this server's collection `city`" in said(reqs)
    assert h.services.collections(guild.id) == ["default", "city"]
    p = slash(guild, Member(), "check", claim="the dam on the Orinoco river")
    reqs = await h.run(bot, p, until=h.followup_of(p))
    embed = followups(reqs)[0].json["embeds"][0]
    urls = " ".join(f["value"] for f in embed["fields"])
    assert "local.example" in urls and "wire.example" in urls
    assert "Searched 3 articles from 3 sources; the newest is dated 2020-03-02." in embed["description"]
    # another server does not search it
    other = Guild()
    p = slash(other, Member(), "check", claim="the dam on the Orinoco river")
    reqs = await h.run(bot, p, until=h.followup_of(p))
    assert "local.example" not in json.dumps(followups(reqs)[0].json["embeds"][0])
    # nor can it take the collection for its own: it would search it and could remove its articles
    p = slash_sub(other, admin, "claimbot", "setup", collection="city")
    reqs = await h.run(bot, p, until=h.followup_of(p))
    assert "belongs to another server" in said(reqs) and h.services.collections(other.id) == ["default"]
    p = slash_sub(guild, admin, "claimbot", "setup", collection="none")
    reqs = await h.run(bot, p, until=h.followup_of(p))
    assert h.services.collections(guild.id) == ["default"]


async def test_an_empty_corpus_answer_shows_the_ingest_command_as_code(fake, settings, tmp_path):
    index = ClaimIndex(settings, embedder=HashEmbedder())
    h = Harness(fake, make_services(index))
    try:
        bot, guild = await h.bot(), Guild()
        p = slash(guild, Member(), "check", claim="the dam on the Orinoco river collapsed")
        reqs = await h.run(bot, p, until=h.followup_of(p))
        description = followups(reqs)[0].json["embeds"][0]["description"]
        assert "an operator with `claimbot ingest`." in description and "\\`" not in description
        # the outlets named are the pages' own: still shown as written, never as formatting
        source = tmp_path / "a.jsonl"
        source.write_text(json.dumps({"text": "Penguins were counted.", "outlet": "*Ice* `News`"}) + "\n")
        assert index.ingest(read_inputs([str(source)], source_options(settings))).added == 1
        p = slash(guild, Member(), "check", claim="the dam on the Orinoco river collapsed")
        reqs = await h.run(bot, p, until=h.followup_of(p))
        description = followups(reqs)[0].json["embeds"][0]["description"]
        assert "from \\*Ice\\* \\`News\\`" in description
    finally:
        await h.close()
        index.close()
