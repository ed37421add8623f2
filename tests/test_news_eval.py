"""The real-news pairs: references resolved against the data directory, splits by article, the figures."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from claimbot.index.evaluation import NewsExample, NewsPair, article_split, build_examples, load_pairs, sentence_sha
from claimbot.index.evaluation.news import report
from claimbot.index.stance import StanceScore

PAIRS = Path(__file__).resolve().parents[1] / "data" / "news-pairs" / "pairs.jsonl"
TEXT = "Budget Vote.\n\nThe council approved a budget of 10 million dollars on Monday. The mayor said it was fair.\n"


def _pair(
    start: int, end: int, sha: str, label: str = "supports", claim: str = "The council passed the budget"
) -> NewsPair:
    return NewsPair("p1", "polnear-dev", "art", start, end, sha, claim, label, "paraphrase", "own", "dev", "a1")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "polnear" / "dev" / "text"
    folder.mkdir(parents=True)
    (folder / "art.txt").write_text(TEXT, encoding="utf-8")
    return tmp_path


def test_a_reference_reads_its_sentence_from_the_data_directory(data):
    sentence = "The council approved a budget of 10 million dollars on Monday."
    start = TEXT.index(sentence)
    [example] = build_examples([_pair(start, start + len(sentence), sentence_sha(sentence))], data, speakers=False)
    assert example.evidence == sentence and example.speaker is None


def test_a_reference_whose_text_changed_is_refused(data):
    with pytest.raises(ValueError, match="changed"):
        build_examples([_pair(0, 12, sentence_sha("something else"))], data, speakers=False)


def test_the_split_follows_the_article_not_the_pair():
    assert article_split("fnc1", "123") == "train"
    names = [f"article-{i}" for i in range(40)]
    splits = {article_split("polnear-dev", n) for n in names}
    assert splits == {"train", "dev", "test"}
    assert all(article_split("polnear-dev", n) == article_split("polnear-dev", n) for n in names)


@pytest.mark.skipif(not PAIRS.is_file(), reason="data/news-pairs/pairs.jsonl is not in this checkout")
def test_the_shipped_pairs_keep_each_article_in_one_split():
    pairs = load_pairs(PAIRS)
    by_article: dict[tuple[str, str], set[str]] = {}
    for p in pairs:
        by_article.setdefault((p.source, p.article), set()).add(p.split)
        assert p.split == article_split(p.source, p.article)
        assert p.label in ("supports", "refutes", "neutral") and p.voice in ("own", "reported")
    assert all(len(s) == 1 for s in by_article.values())
    counts = {s: sum(p.split == s for p in pairs) for s in ("train", "dev", "test")}
    assert counts["dev"] >= 600 and counts["test"] >= 600 and sum(counts.values()) >= 6000
    assert json.loads(PAIRS.read_text(encoding="utf-8").splitlines()[0])["sha"]


@pytest.mark.skipif(not PAIRS.is_file(), reason="data/news-pairs/pairs.jsonl is not in this checkout")
def test_each_neighbour_is_a_team_claim_against_another_sentence_of_its_article():
    pairs = load_pairs(PAIRS)
    neighbours = load_pairs(PAIRS.with_name("neighbours.jsonl"))
    written = {(p.source, p.article, p.claim): (p.start, p.end, p.split) for p in pairs}
    assert len(neighbours) >= 1500 and len({n.id for n in neighbours}) == len(neighbours)
    for n in neighbours:
        start, end, split = written[(n.source, n.article, n.claim)]  # a claim the team wrote on this article
        assert n.split == split == article_split(n.source, n.article)
        assert end <= n.start or n.end <= start, n  # not the sentence the claim was written on
        assert n.label in ("supports", "refutes", "neutral") and n.kind == "neighbour"
    assert sum(n.split == "test" for n in neighbours) >= 200 and sum(n.split == "dev" for n in neighbours) >= 200


@pytest.mark.skipif(not PAIRS.is_file(), reason="data/news-pairs/pairs.jsonl is not in this checkout")
def test_each_hard_neighbour_is_a_train_claim_against_a_sentence_no_pair_annotates_for_it():
    written = (
        load_pairs(PAIRS) + load_pairs(PAIRS.with_name("more.jsonl")) + load_pairs(PAIRS.with_name("neighbours.jsonl"))
    )
    spans: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    for p in written:
        spans.setdefault((p.source, p.article, p.claim), []).append((p.start, p.end))
    hard = load_pairs(PAIRS.with_name("hard-neighbours.jsonl"))
    assert len(hard) >= 1500 and len({h.id for h in hard}) == len(hard)
    for h in hard:
        taken = spans[(h.source, h.article, h.claim)]  # a claim the team wrote on this article
        assert all(e <= h.start or h.end <= s for s, e in taken), h  # none of the sentences annotated for it
        assert h.split == "train" == article_split(h.source, h.article)
        assert h.label in ("supports", "refutes", "neutral") and h.kind == "neighbour"


@pytest.mark.skipif(not PAIRS.is_file(), reason="data/news-pairs/pairs.jsonl is not in this checkout")
def test_event_pairs_keep_the_splits_of_their_articles():
    """An article's event pairs are in its split, and a dev or test article of the pairs is never a
    train article here: event pairs can be trained on without reading dev or test."""
    events = load_pairs(PAIRS.with_name("events.jsonl"))
    paired = {(p.source, p.article): p.split for p in load_pairs(PAIRS)}
    assert len(events) >= 450 and len({e.id for e in events}) == len(events)
    for e in events:
        assert e.split == article_split(e.source, e.article) == paired.get((e.source, e.article), e.split)
        assert e.kind in ("event", "same-event") and e.label in ("supports", "refutes", "neutral")
    assert {e.split for e in events} == {"train", "dev", "test"}


def test_report_counts_confident_precision_and_coverage():
    def example(label: str) -> NewsExample:
        return NewsExample(_pair(0, 1, "x", label=label), "s", None)

    probs = {"supports": 0.9, "refutes": 0.05, "neutral": 0.05}
    examples = [example("supports"), example("refutes"), example("neutral"), example("supports")]
    scores = [
        StanceScore("supports", probs, True),  # right, confident
        StanceScore("supports", probs, True),  # wrong, confident
        StanceScore("neutral", probs, False),  # right
        StanceScore("supports", probs, False),  # right, not confident
    ]
    r = report(examples, scores)
    assert (r.confident, r.confident_precision) == (2, 0.5)
    assert r.gold_sided_right_confident == round(1 / 3, 4)
    assert r.confident_by_side["supports"].confident == 2 and r.accuracy == 0.75


@pytest.mark.slow  # loads the stance model
def test_the_event_pairs_beside_the_pairs_are_reported_by_split(data, tmp_path):
    from dataclasses import asdict

    from claimbot.index.evaluation.news import evaluate_news
    from claimbot.index.stance import shared_stance_model

    sentence = "The council approved a budget of 10 million dollars on Monday."
    start = TEXT.index(sentence)
    pair = _pair(start, start + len(sentence), sentence_sha(sentence))
    event = NewsPair(**{**asdict(pair), "id": "e1", "claim": "The council approved the budget at last year's vote"})
    folder = tmp_path / "pairs"
    folder.mkdir()
    for name, rows in (("pairs.jsonl", [pair]), ("events.jsonl", [event, replace(event, id="e2", split="test")])):
        (folder / name).write_text("".join(json.dumps(asdict(r)) + "\n" for r in rows), encoding="utf-8")
    result = evaluate_news(shared_stance_model(), data, None, folder / "pairs.jsonl", splits=["dev"])
    assert result.reports["dev"].n == 1 and result.neighbours == {}  # no neighbours file here
    assert list(result.events) == ["dev"] and result.events["dev"].n == 1  # the dev event pair only


@pytest.mark.skipif(not PAIRS.is_file(), reason="data/news-pairs/pairs.jsonl is not in this checkout")
def test_the_later_wave_is_training_pairs_on_articles_no_other_file_uses():
    """more.jsonl (news26's wave) is trained on: no dev or test pair, and none of its articles is one
    that the evaluated files (or the earlier training waves) hold."""
    more = load_pairs(PAIRS.with_name("more.jsonl"))
    assert len(more) >= 2000 and len({p.id for p in more}) == len(more)
    assert {p.split for p in more} == {"train"} and all(p.split == article_split(p.source, p.article) for p in more)
    assert all(p.label in ("supports", "refutes", "neutral") and p.voice in ("own", "reported") for p in more)
    others = {
        (p.source, p.article)
        for name in ("pairs.jsonl", "guard.jsonl", "neighbours.jsonl", "events.jsonl")
        for p in load_pairs(PAIRS.with_name(name))
    }
    assert not {(p.source, p.article) for p in more} & others


def test_a_file_of_other_pairs_is_refused_by_its_line(tmp_path: Path):
    # a file of (claim, evidence) pairs, as `claimbot stance` reads, was "NewsPair.__init__() got an
    # unexpected keyword argument 'evidence'"
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n" + json.dumps({"id": 1, "claim": "a", "evidence": "b"}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"pairs.jsonl:2: not a news pair \(expected the fields id, source, article"):
        load_pairs(path)
