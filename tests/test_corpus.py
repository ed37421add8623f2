"""Corpus management and freshness: removing an article, blocking a source, per-server
collections, and what every answer says it searched."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from claimbot.bot.cli import app
from claimbot.bot.words import coverage, searched, verdict_words
from claimbot.index.config import Settings
from claimbot.index.records import CheckResult, CorpusSummary, Coverage
from claimbot.index.review import OPERATOR_GUILD, ReviewService
from claimbot.index.service import ClaimIndex, CorpusError, read_inputs, source_options
from tests.conftest import sqlite_only
from tests.hash_embedder import HashEmbedder

runner = CliRunner()

CLAIM = "the dam on the Orinoco river collapsed"


def _jsonl(path: Path, articles: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    return path


def _articles() -> list[dict[str, str]]:
    # The blocked outlet says it many times over: unfiltered, it fills every top-k place.
    flood = " ".join("The dam on the Orinoco river collapsed." for _ in range(12))
    return [
        {"text": flood, "title": "Flood", "url": "https://news.rumours.example/dam", "published": "2020-03-02"},
        {
            "text": "The dam on the Orinoco river collapsed on Sunday.",
            "title": "Dam",
            "url": "https://www.wire.example/dam",
            "outlet": "Wire",
            "published": "2020-03-01",
        },
    ]


@pytest.fixture
def index(settings: Settings, tmp_path: Path):
    idx = ClaimIndex(settings, embedder=HashEmbedder())
    report = idx.ingest(read_inputs([str(_jsonl(tmp_path / "a.jsonl", _articles()))], source_options(settings)))
    assert report.added == 2, report.errors
    yield idx
    idx.close()


def _domains(result: CheckResult) -> set[str]:
    return {(p.article.url or "").split("/")[2] for p in result.passages}


def test_a_blocked_source_never_appears_and_takes_no_top_k_place(index, monkeypatch):
    # k = 1 candidate per search: a filter applied after cutting would leave nothing to show.
    index.settings.candidates = index.settings.stance_candidates = 1
    assert _domains(index.check(CLAIM, top=1, stance=False)) == {"news.rumours.example"}
    outcome = index.block_domain("https://rumours.example/")  # the parent domain blocks the subdomain
    assert outcome.domain == "rumours.example" and outcome.changed and outcome.articles == 1
    result = index.check(CLAIM, top=1, stance=False)
    assert _domains(result) == {"www.wire.example"}
    assert index.lexical_search(CLAIM, 1) != [] and all(
        index.store.passages(index.lexical_search(CLAIM, 50))[i].article_domain == "wire.example"
        for i in index.lexical_search(CLAIM, 50)
    )
    # the answer's summary leaves the blocked source out as the search does
    assert (result.corpus.articles, result.corpus.sources) == (1, 1)
    assert not index.block_domain("rumours.example").changed
    assert index.unblock_domain("rumours.example").changed
    assert _domains(index.check(CLAIM, top=1, stance=False)) == {"news.rumours.example"}
    with pytest.raises(CorpusError, match="not a domain"):
        index.block_domain("not a domain%")


def test_every_listed_source_with_a_domain_can_be_blocked(index, settings, tmp_path):
    """An intranet archive's one-label host ("archive") is listed as a source and can be blocked;
    a one-label name no source has is still refused (likely "cnn" for "cnn.com"; as a URL, "com"
    would block every .com source). An outlet without a URL is named as such, with what to do."""
    lines = [
        {"text": "The dam on the Orinoco river collapsed, the archive says.", "url": "http://archive/dam"},
        {"text": "The dam on the Orinoco river held.", "outlet": "Radio Sur"},
    ]
    index.ingest(read_inputs([str(_jsonl(tmp_path / "l.jsonl", lines))], source_options(settings)), collection="local")
    assert {s.source for s in index.sources("local")} == {"archive", "Radio Sur"}
    outcome = index.block_domain("archive")
    assert (outcome.domain, outcome.changed, outcome.articles) == ("archive", True, 1)
    assert index.unblock_domain("ARCHIVE:8080").changed  # as a host may be typed, port and all
    assert index.block_domain("http://archive/page").domain == "archive"
    for unknown in ("cnn", "https://com/"):  # a ".com" left out; a top-level domain that blocks all .com
        with pytest.raises(CorpusError, match="not a domain"):
            index.block_domain(unknown)
    with pytest.raises(CorpusError, match="outlet without a web address.*remove its articles"):
        index.block_domain("radio sur")


def test_a_collection_lists_no_blocked_domain_it_has_no_articles_of(index):
    """`sources list --collection X` lists X's sources; the blocks, the installation's, are listed
    with every source, and with what a Discord server searches (`/source list` shows them there)."""
    index.block_domain("elsewhere.example")
    assert "elsewhere.example" in {s.source for s in index.sources()}
    assert "elsewhere.example" in {s.source for s in index.sources(["default", "g1"])}
    listed = runner.invoke(app, ["sources", "list", "--collection", "default"])
    assert listed.exit_code == 0 and "wire.example" in listed.output and "elsewhere" not in listed.output
    assert "elsewhere.example" in runner.invoke(app, ["sources", "list"]).output


def test_removing_an_article_removes_it_from_every_index(index, settings):
    other = ClaimIndex(settings, embedder=HashEmbedder())  # a second process, e.g. `serve` beside the CLI
    try:
        _ = other.vectors
        found = index.find_articles("https://news.rumours.example/dam")
        assert [a.passages for a in found] == [12]
        removed_ids = index.store.passage_ids()[:12]
        assert index.remove_articles(found) == 12
        assert index.store.counts() == (1, 1)
        assert not np.isin(removed_ids, index.vectors.ids()).any()
        assert set(index.lexical_search(CLAIM, 50)).isdisjoint(removed_ids.tolist())
        # the other process drops them on its next call (pgvector: the rows are gone already)
        assert not np.isin(removed_ids, other.vectors.ids()).any()
        assert set(other.lexical_search(CLAIM, 50)).isdisjoint(removed_ids.tolist())
        assert _domains(other.check(CLAIM, stance=False)) == {"www.wire.example"}
        assert index.find_articles(f"#{found[0].id}") == []
        with pytest.raises(CorpusError):
            index.find_articles("rumours")
    finally:
        other.close()


def test_the_issued_mark_stays_at_the_newest_id_ever_given_out(index):
    """What a cache's mark is compared with to tell a restored older database (docs/deploy.md): a
    removal of the newest passages must not look like a restore to it."""
    before = index.store.issued_mark()
    newest = int(index.store.passage_ids()[-1])
    assert before.passage_id == newest and before == index.store.change_mark()
    index.remove_articles(index.find_articles("https://www.wire.example/dam"))
    after = index.store.issued_mark()
    assert after.passage_id >= newest and after.removal_seq > before.removal_seq
    assert index.store.change_mark().passage_id < newest  # the newest rows are gone, their ids are not free
    assert not index.store.change_mark().beyond(after) and not before.beyond(after)


@sqlite_only
def test_a_removal_cut_short_before_the_faiss_file_is_saved_is_finished_on_open(index, settings):
    found = index.find_articles("https://news.rumours.example/dam")
    ids = index.store.remove_articles([a.id for a in found])  # the commit, then a crash before the faiss save
    index.close()
    reopened = ClaimIndex(settings, embedder=HashEmbedder())
    try:
        assert not np.isin(ids, reopened.vectors.ids()).any()
    finally:
        reopened.close()


def test_a_blocked_sources_article_is_refused_at_ingest(index, settings, tmp_path):
    index.block_domain("rumours.example")
    line = {"text": "Another rumour.", "url": "https://rumours.example/b"}
    report = index.ingest(read_inputs([str(_jsonl(tmp_path / "b.jsonl", [line]))], source_options(settings)))
    assert report.failed == 1 and report.added == 0


def test_a_server_searches_the_shared_corpus_and_its_own_collection(index, settings, tmp_path):
    mine = {"text": "The dam on the Orinoco river collapsed at night.", "url": "https://local.example/a"}
    theirs = {"text": "The dam on the Orinoco river collapsed at dawn.", "url": "https://far.example/a"}
    index.ingest(read_inputs([str(_jsonl(tmp_path / "m.jsonl", [mine]))], source_options(settings)), collection="g1")
    index.ingest(read_inputs([str(_jsonl(tmp_path / "t.jsonl", [theirs]))], source_options(settings)), collection="g2")
    result = index.check(CLAIM, top=20, collection=["default", "g1"], stance=False)
    assert _domains(result) == {"news.rumours.example", "www.wire.example", "local.example"}
    assert result.corpus.articles == 3
    assert [s.source for s in index.sources("g1")] == ["local.example"]


def test_every_answer_says_what_it_searched_and_no_coverage_differs_from_unclear(index):
    found = index.check(CLAIM, stance=False)
    assert found.coverage is Coverage.UNJUDGED and found.corpus is not None
    assert searched(found.corpus) == "Searched 2 articles from 2 sources; the newest is dated 2020-03-02."
    nothing = index.check("penguins juggle lanterns", stance=False)
    assert nothing.passages == [] and nothing.coverage is Coverage.NO_COVERAGE
    summary = CorpusSummary(articles=1, passages=1)
    none = CheckResult(claim="x", verdict="unverified", passages=[], coverage=Coverage.NO_COVERAGE, corpus=summary)
    unclear = none.model_copy(update={"coverage": Coverage.UNCLEAR})
    assert verdict_words(none) == "no coverage" and verdict_words(unclear) == "unverified (the evidence is unclear)"
    assert json.loads(none.model_dump_json())["coverage"] == "no_coverage"
    assert json.loads(unclear.model_dump_json())["coverage"] == "unclear"


def test_plain_text_articles_without_url_or_outlet_count_as_sources_of_their_own(index, settings, tmp_path):
    for n in (1, 2):
        (tmp_path / f"t{n}.txt").write_text(f"Dam report {n}\nThe dam on the Orinoco river collapsed ({n}).\n")
    files = [str(tmp_path / "t1.txt"), str(tmp_path / "t2.txt")]
    assert index.ingest(read_inputs(files, source_options(settings)), collection="txt").added == 2
    assert index.summary("txt").sources == 2
    assert searched(index.summary("txt")) == "Searched 2 articles from 2 sources (none dated)."
    assert index.summary().sources == 4  # beside two domains
    # `sources list` shows them on one line, and says that answers count them one by one
    assert [(s.source, s.articles) for s in index.sources("txt")] == [("(no URL or outlet)", 2)]
    listed = runner.invoke(app, ["sources", "list", "--collection", "txt"])
    assert "(no URL or outlet)" in listed.output and "each a source of its own in answers" in listed.output
    # an answer stored before they counted: no "from 0 sources"
    assert searched(CorpusSummary(articles=2, passages=2)) == "Searched 2 articles (none dated)."


# -- the CLI --------------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_blocks_lists_and_refuses_a_blocked_url_in_one_line(home, tmp_path):
    assert runner.invoke(app, ["ingest", str(_jsonl(tmp_path / "a.jsonl", _articles()))]).exit_code == 0
    result = runner.invoke(app, ["sources", "block", "rumours.example", "--reason", "made up"])
    assert result.exit_code == 0 and "blocked rumours.example: 1 article hidden" in result.output
    # refused before any fetch (the host does not exist: a fetch would fail otherwise)
    result = runner.invoke(app, ["ingest", "https://news.rumours.example/new"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "rumours.example" in line]
    assert len(lines) == 1 and "rumours.example is a blocked source" in lines[0], result.output
    listed = json.loads(runner.invoke(app, ["sources", "list", "--json"]).stdout)
    assert {(s["source"], s["articles"], s["newest"], s["blocked"]) for s in listed} == {
        ("news.rumours.example", 1, "2020-03-02", True),
        ("wire.example", 1, "2020-03-01", False),
        ("rumours.example", 0, None, True),  # the blocklist's entry, to unblock by
    }
    text = runner.invoke(app, ["sources", "list"]).output
    assert "news.rumours.example" in text and "blocked" in text and "newest 2020-03-01" in text
    assert runner.invoke(app, ["sources", "unblock", "rumours.example"]).exit_code == 0
    assert runner.invoke(app, ["sources", "block", "bad domain"]).exit_code == 2
    actions = [e.action for e in ReviewService(ClaimIndex(Settings()).store.engine).audit_export(OPERATOR_GUILD)]
    assert actions == ["block_source", "unblock_source"]


@pytest.mark.slow
def test_cli_removes_an_article_by_id_or_url(home, tmp_path):
    assert runner.invoke(app, ["ingest", str(_jsonl(tmp_path / "a.jsonl", _articles()))]).exit_code == 0
    doc = json.loads(runner.invoke(app, ["check", CLAIM, "--json", "--top", "20"]).stdout)
    wire = next(p["article"]["id"] for p in doc["passages"] if "wire" in p["article"]["url"])
    result = runner.invoke(app, ["articles", "remove", str(wire)])
    assert result.exit_code == 0 and f"removed 1 article: {wire} (Dam); 1 passage" in result.output
    result = runner.invoke(app, ["articles", "remove", "https://news.rumours.example/dam"])
    assert result.exit_code == 0 and "12 passages" in result.output
    doc = json.loads(runner.invoke(app, ["check", CLAIM, "--json"]).stdout)
    assert doc["coverage"] == "no_coverage" and doc["corpus"]["articles"] == 0
    result = runner.invoke(app, ["articles", "remove", str(wire)])
    assert result.exit_code == 1 and f"no indexed article {wire}" in result.output
    text = runner.invoke(app, ["check", CLAIM]).output
    assert "no coverage" in text and "Searched an empty corpus." in text


def test_nothing_searchable_is_not_called_an_empty_corpus(index):
    """`--collection nosuch`, or every article from a blocked source, used to answer "The corpus is
    empty: a moderator adds articles..." beside a corpus of two articles."""
    results = [index.check(CLAIM, collection="nosuch")]
    index.block_domain("rumours.example")
    index.block_domain("wire.example")
    results.append(index.check(CLAIM))
    for result in results:
        assert result.coverage is Coverage.NO_COVERAGE
        assert (result.corpus.articles, result.corpus.unsearched) == (0, 2)
        assert coverage(result.corpus).startswith("Nothing could be searched: the collections searched hold no")
        assert "empty" not in searched(result.corpus)
    index.unblock_domain("rumours.example")
    index.unblock_domain("wire.example")
    assert index.check(CLAIM).corpus.unsearched == 0


def test_every_search_leaves_a_blocked_source_out_and_takes_it_back_when_unblocked(index):
    # Each search looks at the blocklist first and skips the blocked-passages query while it is empty
    # (on PostgreSQL that query reads every article): both states are exercised here, on both backends.
    query = index.embedder.encode([CLAIM])[0]
    rumours = {
        p for p in index.lexical_search(CLAIM, 50) if index.store.passages([p])[p].article_domain != "wire.example"
    }
    assert len(rumours) >= 10 and index.store.blocked_passage_ids().size == 0

    def searches() -> dict[str, set[int]]:
        found = {
            "dense": {pid for pid, _ in index.vectors.search(query, 50)},
            "full text": set(index.lexical_search(CLAIM, 50)),
        }
        if index.store.is_postgres:  # the postings-table search of CLAIMBOT_PG_FULLTEXT=database
            found["postings"] = set(index.store.lexical_search(CLAIM, 50))
        return found

    assert all(rumours <= ids for ids in searches().values())
    index.block_domain("rumours.example")
    assert set(index.store.blocked_passage_ids().tolist()) == rumours
    assert all(ids and not (rumours & ids) for ids in searches().values())
    index.unblock_domain("rumours.example")
    assert index.store.blocked_passage_ids().size == 0
    assert all(rumours <= ids for ids in searches().values())


_NEIGHBOURS = [
    # (host, blocked by "rumours.example"): the domain, its subdomains, and hosts whose reversed
    # labels sort beside them ("example.rumours-news" lies between "example.rumours" and "example.rumours/").
    ("rumours.example", True),
    ("news.rumours.example", True),
    ("a.b.rumours.example", True),
    ("rumours-news.example", False),
    ("notrumours.example", False),
    ("rumours.example.org", False),
    ("example", False),
]


def _neighbour_index(settings: Settings, tmp_path: Path) -> ClaimIndex:
    idx = ClaimIndex(settings, embedder=HashEmbedder())
    articles = [
        {"text": f"The dam on the Orinoco river collapsed, says source {n}.", "url": f"https://{host}/{n}"}
        for n, (host, _) in enumerate(_NEIGHBOURS)
    ]
    report = idx.ingest(read_inputs([str(_jsonl(tmp_path / "n.jsonl", articles))], source_options(settings)))
    assert report.added == len(_NEIGHBOURS), report.errors
    return idx


def _blocked_hosts(idx: ClaimIndex) -> set[str]:
    ids = idx.store.blocked_passage_ids().tolist()
    return {(p.article_url or "").split("/")[2] for p in idx.store.passages(ids).values()}


def test_a_domain_blocks_itself_and_its_subdomains_and_no_domain_beside_them(settings, tmp_path):
    idx = _neighbour_index(settings, tmp_path)
    try:
        idx.block_domain("rumours.example")
        assert _blocked_hosts(idx) == {host for host, blocked in _NEIGHBOURS if blocked}
        # the summary's count of searched articles uses the same match
        assert idx.store.summary().articles == sum(not blocked for _, blocked in _NEIGHBOURS)
        idx.block_domain("example.org")  # two entries: each blocks its own
        assert _blocked_hosts(idx) == {host for host, blocked in _NEIGHBOURS if blocked} | {"rumours.example.org"}
    finally:
        idx.close()


@pytest.mark.parametrize("typed", ["bücher.example", "WWW.Bücher.Example", "xn--bcher-kva.example"])
def test_a_site_with_a_non_ascii_name_is_blocked_however_it_is_written(settings, tmp_path, typed):
    # An article whose URL names its host in Unicode (a JSONL line, a saved page's URL) stored
    # "bücher.example", which no block matched: the Unicode name was "not a domain", and the ASCII
    # one that fetches send (xn--…) another domain. Both are one name, stored in its ASCII form.
    idx = ClaimIndex(settings, embedder=HashEmbedder())
    try:
        line = {"text": "The dam on the Orinoco river collapsed.", "url": "https://www.Bücher.example/dam"}
        assert idx.ingest(read_inputs([str(_jsonl(tmp_path / "a.jsonl", [line]))], source_options(settings))).added == 1
        # stored as cleaned (the host in lower case)
        assert [p.article.url for p in idx.check(CLAIM, stance=False).passages] == ["https://www.bücher.example/dam"]
        outcome = idx.block_domain(typed)
        assert (outcome.domain, outcome.articles) == ("xn--bcher-kva.example", 1)
        assert idx.check(CLAIM, stance=False).passages == []
        assert idx.ingest_refusal("https://bücher.example/other") is not None
    finally:
        idx.close()


def test_migration_0018_gives_articles_stored_under_a_unicode_domain_its_ascii_form(settings, tmp_path):
    from alembic import command
    from sqlalchemy import text

    from claimbot.index.storage import db

    idx = ClaimIndex(settings, embedder=HashEmbedder())
    try:
        line = {"text": "The dam on the Orinoco river collapsed.", "url": "https://www.Bücher.example/dam"}
        assert idx.ingest(read_inputs([str(_jsonl(tmp_path / "a.jsonl", [line]))], source_options(settings))).added == 1
        engine = idx.store.engine
        cfg = db.alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0017")
            # as releases before 0018 stored it
            connection.execute(text("UPDATE articles SET domain = 'bücher.example', domain_rev = 'example.bücher'"))
        assert idx.block_domain("bücher.example").articles == 0
        idx.unblock_domain("xn--bcher-kva.example")
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
        assert idx.block_domain("bücher.example").articles == 1
        assert idx.check(CLAIM, stance=False).passages == []
    finally:
        idx.close()


def test_migration_0014_gives_stored_articles_and_blocked_domains_their_reversed_domains(settings, tmp_path):
    from alembic import command

    from claimbot.index.storage import db

    idx = _neighbour_index(settings, tmp_path)
    try:
        idx.block_domain("rumours.example")
        before, counts = _blocked_hosts(idx), idx.store.counts()
        engine = idx.store.engine
        cfg = db.alembic_config(engine.url.render_as_string(hide_password=False))
        for revision, step in [("0013", command.downgrade), ("head", command.upgrade)]:
            with engine.begin() as connection:
                cfg.attributes["connection"] = connection
                step(cfg, revision)
            assert idx.store.counts() == counts, revision  # no article or passage lost on the way
        assert _blocked_hosts(idx) == before == {host for host, blocked in _NEIGHBOURS if blocked}
    finally:
        idx.close()
