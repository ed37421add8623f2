"""`claimbot check` on the demo corpus: the passages a reader needs are in the top 5."""

from __future__ import annotations

import json
import unicodedata

import pytest
from typer.testing import CliRunner

from claimbot.bot.cli import app
from claimbot.index.config import Settings
from claimbot.index.service import ClaimError
from claimbot.index.stance import packaged_model_dir
from tests.conftest import DEMO_CORPUS

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("Pérez was killed", "CNN reported — citing a high government source — that he had been killed."),
        (
            "Nobody was injured in the 2017 helicopter attack",
            "No one was injured and the building suffered minor damage",
        ),
        ("Óscar Pérez survived the assault", "Pérez announced that he and a small group of men were still alive"),
        ("Pérez is a trained pilot", "Pérez is an actor, pilot and dog trainer."),
    ],
)
def test_demo_claims_find_their_evidence_in_the_top_5(demo_index, claim: str, expected: str):
    texts = [p.text for p in demo_index.check(claim, top=5).passages]
    assert any(expected in t for t in texts), texts


def test_the_reason_says_how_many_of_the_passages_it_counts_are_shown(demo_index):
    """The verdict counts every passage read; shown fewer, the reader is told so, not left looking."""
    full = demo_index.check("Pérez was killed", top=5)
    sided = sum(p.confident and p.stance in ("supports", "refutes") for p in full.passages)
    assert sided >= 2 and full.verdict == "disputed"
    assert "are shown" not in full.reason and "is shown" not in full.reason
    one = demo_index.check("Pérez was killed", top=1)
    assert one.reason.endswith(f" 1 of the {sided} passages that take a side is shown.")


def test_a_one_sided_reason_is_the_same_whatever_the_number_of_passages_shown(demo_index):
    """With --top 1 the reason said "none conflicts." where, shown more, passages leaning the other
    way were named: what leans is counted over every statement read, and how many are shown said."""
    claim = "BREAKING: Pérez KILLED 😱 #Venezuela https://t.co/x"
    results = {top: demo_index.check(claim, top=top) for top in (1, 3, 5, 15)}
    assert {r.verdict for r in results.values()} == {"supported"}
    first = {r.reason.split(" the other way (")[0] for r in results.values()}
    assert len(first) == 1 and "lean" in next(iter(first)), first
    assert results[1].reason.endswith("none of them shown.")
    assert results[15].reason.endswith(")."), results[15].reason  # all shown: nothing to add


def test_an_open_question_gets_its_passages_and_no_verdict(demo_index):
    """ "Who killed Pérez?" claims nothing: a side would answer a claim that was not made (it was
    answered `supported`, as if CNN's source had named the killer)."""
    result = demo_index.check("Who killed Pérez?", top=3)
    assert result.verdict is None and result.judged is False and result.coverage == "unjudged"
    assert result.passages and all(p.stance is None for p in result.passages)
    assert result.reason is not None and result.reason.startswith('"Who killed Pérez" asks a question')
    # the same words as a statement are judged
    assert demo_index.check("Pérez was killed", top=3).judged is True


def test_results_are_ordered_and_scoped(demo_index):
    result = demo_index.check("Pérez was killed", top=8)
    assert len(result.passages) == 8
    # passages that confidently take a side come first; each group is in relevance order
    sides = [p.confident and p.stance != "neutral" for p in result.passages]
    assert sides == sorted(sides, reverse=True)
    for group in (True, False):
        relevances = [p.relevance for p, side in zip(result.passages, sides, strict=False) if side is group]
        assert relevances == sorted(relevances, reverse=True)
    assert demo_index.check("Pérez was killed", collection="another-guild").passages == []


@pytest.mark.parametrize(
    ("claim", "message"),
    [
        ("   ", "empty"),
        ("x" * 1001, "limit is 500"),
        ("it was the", "no words to search for"),
        ("🔥🔥 ???", "no words to search for"),
        # a link whose address spells no headline: the model would judge the address
        ("https://t.co/x9Qa2", "it is only a link; paste what the page says"),
        ("www.example.com/world/americas/venezuela-rebel-pilot-perez-killed-2018-01-16/", "it is only a link"),
        ("<https://www.example.com/perez-killed>", "it is only a link"),
        # a handle alone names someone and claims nothing (it was read "Elonmus k" and judged)
        ("@elonmusk", "it is only a mention of @elonmusk"),
        ("@cnn @bbc", "it is only a mention"),
        ("RT @cnn:", "it is only a mention"),  # it was read as the claim "RT @cnn"
        # hashtags alone name a topic (searched as one word, they were answered `unverified`)
        ("#Venezuela", "it is only hashtags, a topic"),
        ("😱 https://t.co/x #news", "it is only hashtags"),
        ("@cnn #Venezuela #Maduro!", "it is only hashtags"),
        # an opener or a reaction alone claims nothing (its word was searched and matched passages)
        ("BREAKING:", '"BREAKING:" is only an opener or a reaction'),
        ("lol", "only an opener or a reaction"),
        ("omg!!! 😱", "only an opener or a reaction"),
        ("Fake?", "only an opener or a reaction"),
        ("BREAKING NEWS", '"BREAKING NEWS" is only an opener'),  # quoted as typed, not as read ("NEWS")
        # replies that only ask or judge; "Is this true? #Venezuela" was read as the claim "This is true"
        ("Is this true? #Venezuela", "only an opener or a reaction"),
        ("Source?", "only an opener or a reaction"),
        ("not true", "only an opener or a reaction"),
        ("Fake news!", "only an opener or a reaction"),
        ("haha", "only an opener or a reaction"),
        ("omg is it real??", "only an opener or a reaction"),
        # a name or a topic alone is no claim: "Caracas" was answered `refuted`
        ("Caracas", '"Caracas" names a topic, not a claim'),
        ("Pérez?", "names a topic, not a claim"),
        ("the government", '"the government" names a topic'),
        ("omg Caracas!!!", "names a topic, not a claim"),
        ("\udcff was killed", "not valid text"),
    ],
)
def test_unusable_claims_are_refused(demo_index, claim: str, message: str):
    with pytest.raises(ClaimError, match=message):
        demo_index.check(claim)


def test_a_claim_beside_its_hashtags_is_still_read(demo_index):
    assert demo_index.check("Pérez was killed #Venezuela", top=3).read_as == "Pérez was killed"


@pytest.mark.parametrize(
    "post",
    [
        "BREAKING: Pérez was killed",
        "lol Pérez is a pilot",
        "Update the helicopter law",
        "Is it true that Pérez was killed?",
        "Source? Pérez was captured",
        "not true, Pérez surrendered",
    ],
)
def test_a_claim_after_an_opener_is_still_read(demo_index, post: str):
    assert demo_index.check(post, top=3, stance=False).passages


def test_a_topic_is_searched_without_a_verdict_and_two_words_are_judged(demo_index):
    assert demo_index.check("Caracas", top=3, stance=False).passages  # a search, no verdict asked
    assert demo_index.check("Pérez dead", top=3).passages  # a headline's two words are a claim, judged


def test_top_is_bounded(demo_index):
    with pytest.raises(ClaimError, match="between 1 and 100"):
        demo_index.check("Pérez was killed", top=101)


def test_a_claim_typed_with_combining_accents_finds_the_same_words(demo_index):
    decomposed = unicodedata.normalize("NFD", "Pérez pilot")
    assert decomposed != "Pérez pilot"
    assert demo_index.lexical_search(unicodedata.normalize("NFD", "Pérez"), 5) == []  # "pe", "rez"
    result = demo_index.check(decomposed, top=3, stance=False)
    assert result.claim == "Pérez pilot"
    assert [p.text for p in result.passages] == [
        p.text for p in demo_index.check("Pérez pilot", top=3, stance=False).passages
    ]


def test_full_text_search_keeps_words_that_casefold_would_split(settings, tmp_path):
    from claimbot.index.corpus.sources import SourceOptions, read_inputs
    from claimbot.index.service import ClaimIndex
    from claimbot.index.storage.store import query_words
    from tests.hash_embedder import HashEmbedder

    assert query_words("The İstanbul Straße was closed") == ["İstanbul", "Straße", "closed"]
    (tmp_path / "traffic.txt").write_text("Traffic\nTraffic stopped on the İstanbul Straße today.", encoding="utf-8")
    index = ClaimIndex(settings, embedder=HashEmbedder())
    try:
        index.ingest(read_inputs([str(tmp_path / "traffic.txt")], SourceOptions()))
        [passage_id] = index.store.passage_ids().tolist()
        for query in ("İstanbul", "Straße", "istanbul", "STRASSE"):
            assert index.lexical_search(query, 5) == [passage_id], query
    finally:
        index.close()


def test_cli_json_follows_the_schema(home):
    assert runner.invoke(app, ["ingest", str(DEMO_CORPUS)]).exit_code == 0
    result = runner.invoke(app, ["check", "Pérez was killed", "--json", "--top", "3"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) == {
        "claim",
        "read_as",
        "verdict",
        "reason",
        "passages",
        "coverage",
        "corpus",
        "fact_checks",
        "language",
        "judged",
        "stance_model",
    }
    # the packaged (fast) reader's version, as its stance.json names it
    packaged = json.loads((packaged_model_dir() / "stance.json").read_text(encoding="utf-8"))
    assert doc["stance_model"] == packaged["version"]
    assert doc["claim"] == "Pérez was killed" and doc["read_as"] is None and doc["coverage"] in ("unclear", "decided")
    assert doc["fact_checks"] == [] and doc["language"] == "en" and doc["judged"] is True
    # what was searched, on every answer
    assert doc["corpus"]["articles"] == 1 and doc["corpus"]["sources"] == 1 and doc["corpus"]["newest"] == "2018-01-15"
    assert doc["verdict"] in ("supported", "refuted", "disputed", "unverified") and doc["reason"]
    assert len(doc["passages"]) == 3
    for p in doc["passages"]:
        assert set(p) == {
            "text",
            "relevance",
            "similarity",
            "stance",
            "probs",
            "confident",
            "speaker",
            "cue",
            "attribution",
            "voice",
            "kind",
            "article",
            "char_start",
            "char_end",
        }
        assert p["stance"] in ("supports", "refutes", "neutral") and abs(sum(p["probs"].values()) - 1) < 1e-3
        assert set(p["article"]) == {"id", "title", "outlet", "url", "published"}
        if p["speaker"]:
            assert p["voice"] == "reported"
        if p["attribution"] == p["article"]["outlet"]:
            assert p["voice"] == "own"
        assert p["article"]["published"] == "2018-01-15"
        assert isinstance(p["relevance"], float) and p["char_end"] > p["char_start"]
        assert p["similarity"] >= Settings().relevance_floor


def test_cli_text_output_names_the_source(home):
    runner.invoke(app, ["ingest", str(DEMO_CORPUS)])
    result = runner.invoke(app, ["check", "Pérez is a trained pilot", "--top", "1"])
    assert result.exit_code == 0
    assert "actor, pilot and dog trainer" in result.output
    assert (
        "el Nuevo Herald — Venezuela forces launch deadly assault" in result.output and "(2018-01-15)" in result.output
    )


def test_cli_text_output_prints_brackets_as_text(home, tmp_path):
    # Rich would read "[sic]" as markup and drop it, and "[/]" would end the run with a MarkupError.
    (tmp_path / "q.txt").write_text("Quote\nThey [the police] shot him, the witness said [/] twice.", encoding="utf-8")
    runner.invoke(app, ["ingest", str(tmp_path / "q.txt")])
    result = runner.invoke(app, ["check", "the police [sic] shot him [/]", "--top", "1"])
    assert result.exit_code == 0, result.output
    assert "the police [sic] shot him [/]" in result.output
    assert "They [the police] shot him, the witness said [/] twice." in result.output


def test_cli_text_output_prints_no_terminal_escape_sequence_from_an_article(home, tmp_path):
    # A file or page can hold ESC: printed as it was, it cleared the operator's screen and retitled
    # the terminal window.
    (tmp_path / "m.txt").write_text(
        "Mayor \x1b]0;pwned\x07resigns\nThe mayor of Springfield \x1b[2J\x1b[31mresigned on Monday\x1b[0m, officials said.",
        encoding="utf-8",
    )
    # a right-to-left override reverses the rest of the line in many terminals
    runner.invoke(app, ["ingest", str(tmp_path / "m.txt"), "--outlet", "Gazette\x1b[5m\u202e"])
    result = runner.invoke(app, ["check", "The mayor of Springfield resigned", "--top", "1"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output and "\u202e" not in result.output
    assert "Springfield \ufffd[2J\ufffd[31mresigned on Monday" in result.output and "Gazette\ufffd[5m" in result.output
    # --json keeps the text as stored, with JSON's own escapes
    shown = json.loads(runner.invoke(app, ["check", "The mayor of Springfield resigned", "--json"]).output)
    assert "\x1b[2J" in shown["passages"][0]["text"]


def test_cli_empty_claim_is_a_clear_error(home):
    result = runner.invoke(app, ["check", " "])
    assert result.exit_code == 2 and "the claim is empty" in result.output


def test_empty_index_says_how_to_fill_it(home):
    result = runner.invoke(app, ["check", "anything at all"])
    assert result.exit_code == 0 and "claimbot ingest" in result.output


def test_an_unnamed_quote_is_found_through_its_speaker(demo_index):
    # The quote names neither Pérez nor the assault: it is found because it is embedded as Pérez's,
    # after his statement that it continues, and searched with his name (index/text.py).
    texts = [p.text for p in demo_index.check("Óscar Pérez survived the assault", top=5).passages]
    assert any(t.startswith("“Here we are, here we are, alive and well") for t in texts), texts


def test_cli_json_says_who_says_each_passage(home):
    assert runner.invoke(app, ["ingest", str(DEMO_CORPUS)]).exit_code == 0
    expected = {
        ("Óscar Pérez survived the assault", "“Here we are, here we are"): (
            "Óscar Pérez",
            "said",
            "Óscar Pérez, in a video",
        ),
        ("Pérez was killed", "It was not clear if"): ("CNN", "reported", "CNN, citing a high government source"),
        ("Cabello says Pérez attacked those around him", "“The terrorist Oscar Pérez attacked"): (
            "Diosdado Cabello",
            "posted",
            "Diosdado Cabello, on Twitter",
        ),
        ("Pérez's mother asked them to spare his life", "“Spare his life."): (
            "Aminta Pérez",
            "said",
            "Aminta Pérez (Pérez's mother), in a video",
        ),
        ("Pérez is a trained pilot", "In addition to being a trained officer"): (None, None, "el Nuevo Herald"),
    }
    for (claim, prefix), said in expected.items():
        result = runner.invoke(app, ["check", claim, "--json", "--top", "5"])
        assert result.exit_code == 0, result.output
        found = [p for p in json.loads(result.stdout)["passages"] if p["text"].startswith(prefix)]
        assert found, (claim, prefix)
        assert (found[0]["speaker"], found[0]["cue"], found[0]["attribution"]) == said


def test_a_collection_is_searched_within_itself(home, tmp_path, monkeypatch):
    # One dense candidate: the corpus-wide nearest passage is the demo's, outside the collection.
    monkeypatch.setenv("CLAIMBOT_RETRIEVAL_CANDIDATES", "1")
    monkeypatch.setenv("CLAIMBOT_STANCE_CANDIDATES", "1")
    from claimbot.index.config import Settings
    from claimbot.index.corpus.sources import SourceOptions, read_inputs
    from claimbot.index.service import ClaimIndex

    index = ClaimIndex(Settings())
    try:
        index.ingest(read_inputs([str(DEMO_CORPUS)], SourceOptions()))
        (tmp_path / "raid.txt").write_text("Raid\nThe rebel pilot died in a raid by security forces.", encoding="utf-8")
        index.ingest(read_inputs([str(tmp_path / "raid.txt")], SourceOptions()), collection="other")
        assert index.lexical_search("Pérez was killed", 5, "other") == []  # no word in common
        result = index.check("Pérez was killed", top=1, collection="other", stance=False)
        assert [p.text for p in result.passages] == ["The rebel pilot died in a raid by security forces."]
    finally:
        index.close()


def test_check_finds_a_collection_by_the_name_it_was_filled_under(home):
    # `ingest --collection City-News` files under city-news; `check --collection City-News` searched
    # "City-News", which holds nothing, and answered "no coverage" over an empty corpus.
    assert runner.invoke(app, ["ingest", str(DEMO_CORPUS), "--collection", "City-News"]).exit_code == 0
    result = runner.invoke(app, ["check", "Pérez was killed", "--collection", "City-News", "--json", "--top", "1"])
    shown = json.loads(result.output)
    assert shown["corpus"]["articles"] == 1 and shown["coverage"] != "no_coverage" and shown["passages"]
    listed = json.loads(runner.invoke(app, ["sources", "list", "--collection", " City-News ", "--json"]).output)
    assert [s["articles"] for s in listed] == [1]
    # a name no article was filed under is a typo, not "no coverage" with exit status 0
    typo = runner.invoke(app, ["check", "Pérez was killed", "--collection", "city-newz"])
    assert typo.exit_code == 2
    assert "no articles in collection 'city-newz' (collections: city-news)" in " ".join(typo.output.split())


def test_a_claim_that_starts_with_a_dash_is_checked_not_read_as_an_option(home, monkeypatch, capsys):
    """`claimbot check "-5 degrees in Caracas"` used to print a usage box (issue 22)."""
    from claimbot.bot.cli import main

    assert runner.invoke(app, ["ingest", str(DEMO_CORPUS)]).exit_code == 0
    for argv in (["-5 degrees in Caracas", "--json"], ["--top", "2", "-5 degrees in Caracas", "--json"]):
        monkeypatch.setattr("sys.argv", ["claimbot", "check", *argv])
        with pytest.raises(SystemExit) as done:
            main()
        out = capsys.readouterr()
        assert done.value.code == 0, out.err
        assert json.loads(out.out)["claim"] == "-5 degrees in Caracas"
    monkeypatch.setattr("sys.argv", ["claimbot", "check", "--jsn", "Pérez"])  # a mistyped option is still named
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 2 and "--jsn" in capsys.readouterr().err


def test_a_claim_nothing_in_the_corpus_is_about_gets_no_filler_and_what_the_corpus_holds(home):
    """Before the relevance floor this answered with four unrelated passages labelled "Related"."""
    runner.invoke(app, ["ingest", str(DEMO_CORPUS)])
    result = runner.invoke(app, ["check", "The moon landing was faked"])
    assert result.exit_code == 0, result.output
    assert "no coverage" in result.output and "relevance" not in result.output  # no passage listed
    assert (
        "Nothing in the corpus is about this claim. It holds 1 article (44 passages) from el Nuevo Herald, "
        "dated 2018-01-15." in " ".join(result.output.split())
    )
    doc = json.loads(runner.invoke(app, ["check", "The moon landing was faked", "--json"]).stdout)
    assert doc["passages"] == [] and doc["corpus"]["articles"] == 1 and doc["corpus"]["outlets"] == ["el Nuevo Herald"]
    assert doc["coverage"] == "no_coverage" and doc["verdict"] == "unverified"
    # a claim the corpus is about still gets its passages, each above the floor
    doc = json.loads(runner.invoke(app, ["check", "Nobody was injured in the 2017 helicopter attack", "--json"]).stdout)
    assert doc["coverage"] != "no_coverage" and any("No one was injured" in p["text"] for p in doc["passages"])


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_audit_export_writes_every_moderator_action(home, tmp_path, fmt):
    import csv

    from claimbot.index.review import ReviewService
    from claimbot.index.service import ClaimIndex

    index = ClaimIndex(Settings())
    review = ReviewService(index.store.engine)
    review.configure_guild(1001, 42, review_channel_id=7, moderator_role_id=8)
    review.configure_guild(2002, 43, mod_log_channel_id=9)
    index.close()
    out = tmp_path / f"audit.{fmt}"
    result = runner.invoke(app, ["audit", "export", "--format", fmt, "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 2 audit entries" in result.output
    text = out.read_text(encoding="utf-8")
    if fmt == "csv":
        rows = list(csv.DictReader(text.splitlines()))
        assert [(r["guild_id"], r["actor_id"], r["action"]) for r in rows] == [
            ("1001", "42", "setup"),
            ("2002", "43", "setup"),
        ]
        assert json.loads(rows[1]["after"]) == {"mod_log_channel_id": 9}
    else:
        rows = [json.loads(line) for line in text.splitlines()]
        assert [(r["guild_id"], r["actor_id"], r["after"]) for r in rows][1] == (2002, 43, {"mod_log_channel_id": 9})
    one = runner.invoke(app, ["audit", "export", "--format", "jsonl", "--guild", "2002"])
    assert [json.loads(line)["guild_id"] for line in one.stdout.splitlines()] == [2002]
    bad = runner.invoke(app, ["audit", "export", "--format", "xml"])
    assert bad.exit_code == 2 and "xml" in bad.output


def test_stored_passages_carry_their_article_and_skip_ids_not_stored(demo_index):
    store = demo_index.store
    ids = store.article_passage_ids([1])
    assert len(ids) > 20
    # more ids than one query binds (chunks of 900), most of them not stored
    stored = store.passages([*ids, *range(ids[-1] + 1, ids[-1] + 1000)])
    assert sorted(stored) == ids
    first = stored[ids[0]]
    assert first.article_id == 1 and first.article_title and first.article_url
    assert first.article_published is not None and len(first.article_published) == 10  # ISO date
    assert first.article_domain and first.article_domain in first.article_url
    assert {p.article_outlet for p in stored.values()} == {first.article_outlet}
    assert all(p.text and p.char_end > p.char_start for p in stored.values())


def test_an_article_removed_while_a_check_reads_it_drops_out_of_the_answer(claim_index, tmp_path, monkeypatch):
    """Another process's `claimbot articles remove` (or a feed re-ingesting the article at its URL)
    between reading the candidates' rows and their vectors used to raise KeyError."""
    from claimbot.index.corpus.sources import SourceOptions, read_inputs

    (tmp_path / "bridge.txt").write_text(
        "Bridge collapse\nThe collapse of the Riverton bridge killed 12 people, the fire department said.",
        encoding="utf-8",
    )
    (tmp_path / "bridge2.txt").write_text(
        "Riverton mourns\nTwelve people died when the Riverton bridge collapsed on Tuesday.", encoding="utf-8"
    )
    claim_index.ingest(read_inputs([str(tmp_path / "bridge.txt")], SourceOptions()))
    claim_index.ingest(read_inputs([str(tmp_path / "bridge2.txt")], SourceOptions()))
    claim = "The Riverton bridge collapse killed 12 people"
    before = {p.article.id for p in claim_index.check(claim).passages}
    assert before == {1, 2}
    real = claim_index.store.passages

    def read_then_remove(ids):
        rows = real(ids)
        monkeypatch.setattr(claim_index.store, "passages", real)
        claim_index.store.remove_articles([1])  # as another process would: the database only
        return rows

    monkeypatch.setattr(claim_index.store, "passages", read_then_remove)
    result = claim_index.check(claim)
    assert claim_index.store.passages is real  # the removal did happen mid-check
    assert result.passages and {p.article.id for p in result.passages} == {2}
    assert result.verdict is not None


def test_an_answer_is_withdrawn_once_its_article_is_removed_or_its_source_blocked(claim_index, tmp_path):
    from claimbot.index.corpus.sources import SourceOptions, read_inputs

    def ingest(text: str) -> None:
        (tmp_path / "dam.txt").write_text(f"Dam breach\n{text}", encoding="utf-8")
        options = SourceOptions(overrides={"url": "https://news.example.com/dam"})
        assert claim_index.ingest(read_inputs([str(tmp_path / "dam.txt")], options)).failed == 0

    ingest("The Oroville dam breached on Monday, flooding three towns, officials said.")
    result = claim_index.check("The Oroville dam breached", top=3)
    assert result.passages and not claim_index.withdrawn(result)
    # the page changed and was ingested again: a new article id at the same URL, still shown
    ingest("The Oroville dam breached on Monday, flooding three towns and a farm, officials said.")
    assert not claim_index.withdrawn(result)
    claim_index.block_domain("example.com")
    assert claim_index.withdrawn(result)
    claim_index.unblock_domain("example.com")
    assert not claim_index.withdrawn(result)
    claim_index.remove_articles(claim_index.find_articles("https://news.example.com/dam"))
    assert claim_index.withdrawn(result)


@pytest.mark.parametrize("url", [None, "https://www.riverton-news.com/bridge-collapse"])
def test_an_article_in_two_collections_is_one_source_not_two(claim_index, tmp_path, url):
    """Ingest de-duplicates within a collection only: the copies in a server's collection and in the
    shared one were two passages supporting the claim, as if two reports agreed. With a URL the copies
    are one article even where a later fetch added a paragraph (another content hash)."""
    from claimbot.index.corpus.sources import SourceOptions, read_inputs
    from claimbot.index.service import DEFAULT_COLLECTION

    text = (
        "Bridge collapse in Riverton\n"
        "The collapse of the Riverton bridge killed 12 people and injured 40 others, the fire department said.\n\n"
        "Rescue teams worked through the night."
    )
    for collection, extra in (
        (DEFAULT_COLLECTION, ""),
        ("mine", "\n\nThe bridge had been inspected in March." if url else ""),
    ):
        (tmp_path / "bridge.txt").write_text(text + extra, encoding="utf-8")
        if url:
            (tmp_path / "bridge.meta.json").write_text(json.dumps({"url": url}), encoding="utf-8")
        report = claim_index.ingest(read_inputs([str(tmp_path / "bridge.txt")], SourceOptions()), collection=collection)
        assert report.added == 1
    claim = "The Riverton bridge collapse killed 12 people"
    for scope in (None, [DEFAULT_COLLECTION, "mine"]):
        result = claim_index.check(claim, collection=scope)
        spans = [(p.text, p.char_start, p.char_end) for p in result.passages]
        assert len(spans) == len(set(spans)), spans
        assert result.verdict == "supported" and result.reason is not None
        assert result.reason.startswith("1 passage supports it"), result.reason
    # each collection alone still finds its own copy
    mine = claim_index.check(claim, collection="mine")
    assert mine.reason is not None and mine.reason.startswith("1 passage supports it")


def test_passages_in_another_language_are_shown_but_not_judged(claim_index, tmp_path):
    """The stance model reads English only: against "Pérez was killed" it gave the Spanish report
    that he was shot down a confident `refutes`, and the English claim a verdict of refuted."""
    from claimbot.index.corpus.sources import SourceOptions, read_inputs

    spanish = tmp_path / "junquito.txt"
    spanish.write_text(
        "Muere el piloto rebelde Óscar Pérez en El Junquito\n"
        "El piloto Óscar Pérez murió el lunes durante un operativo policial en El Junquito. "
        "“Pérez fue abatido junto a otros seis rebeldes”, dijo Néstor Reverol en una rueda de prensa. "
        "Testigos afirmaron que Pérez había ofrecido rendirse antes del ataque.\n",
        encoding="utf-8",
    )
    english = tmp_path / "raid.txt"
    english.write_text(
        "Venezuelan rebel pilot killed in police raid\n"
        "Venezuelan rebel pilot Oscar Perez was killed on Monday in a police raid near Caracas. "
        "The government said Perez had refused to surrender.\n",
        encoding="utf-8",
    )
    assert claim_index.ingest(read_inputs([str(spanish), str(english)], SourceOptions())).added == 2
    result = claim_index.check("Pérez was killed", top=5)
    assert result.language == "en" and result.judged and result.verdict is not None
    by_text = {p.text: p for p in result.passages}
    reverol = next(p for t, p in by_text.items() if t.startswith("“Pérez fue abatido"))
    assert reverol.stance is None and reverol.probs is None and not reverol.confident
    assert all(p.stance is None for t, p in by_text.items() if "Pérez" in t and "Perez" not in t)
    assert any(p.stance is not None for t, p in by_text.items() if "Perez" in t), "English passages are judged"
    assert result.reason is not None
    assert result.reason.endswith(
        "Passages in Spanish are shown but not judged: claimbot's stance model reads English only."
    )


def test_words_the_article_reports_from_someone_unnamed_are_not_its_own_voice(claim_index, tmp_path):
    """A bare title ("The Governor said": no name, so no speaker), an unidentified "she said" and
    a quotation no cue names are someone else's words; they were in the outlet's own voice, so the
    reporter's correction could not outweigh them and the JSON said "own"."""
    from claimbot.index.corpus.sources import SourceOptions, read_inputs

    (tmp_path / "stadium.txt").write_text(
        "Stadium costs\n"
        "The Governor said the stadium cost 2 million dollars. "
        "“It cost us nothing,” she said. "
        "“Nobody paid a cent for it.” "
        "The stadium opened in Springfield on Saturday.",
        encoding="utf-8",
    )
    (tmp_path / "stadium.meta.json").write_text(json.dumps({"outlet": "Springfield Herald"}), encoding="utf-8")
    claim_index.ingest(read_inputs([str(tmp_path / "stadium.txt")], SourceOptions()))
    passages = claim_index.check("The stadium cost 2 million dollars", top=10).passages
    voices = {p.text: (p.voice, p.speaker, p.attribution) for p in passages}
    assert voices["The Governor said the stadium cost 2 million dollars."] == ("reported", "", "The Governor")
    assert voices["“It cost us nothing,” she said."][0] == "reported"
    assert voices["“Nobody paid a cent for it.”"][0] == "reported"
    assert voices["The stadium opened in Springfield on Saturday."] == ("own", None, "Springfield Herald")


def test_a_passage_saying_the_subject_is_alive_after_the_assault_never_refutes_that_he_survived(demo_index):
    # news22 read "Pérez announced that he and a small group of men were still alive, despite the
    # early-morning assault" as refuting the claim (0.90) and answered it `refuted` (the agreement guard)
    result = demo_index.check("Pérez survived the assault")
    alive = [p for p in result.passages if "still alive, despite the early-morning assault" in p.text]
    assert alive and all(p.stance != "refutes" for p in alive)
    assert result.verdict != "refuted"
