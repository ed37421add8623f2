"""train/stance_news.py (the PolNeAR news selection set) and train/stance_hedged.py (hedge+report pairs)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from train.pairs import write_jsonl
from train.stance_hedged import NEWS_CUES, compound, hedged_pairs, report_pairs
from train.stance_hedged import main as hedged_main
from train.stance_news import article_half, as_claim, build, read_ann
from train.stance_news import main as news_main
from train.stance_news_pairs import main as pairs_main

ARTICLE = (
    "Senate Passes Budget Bill After Long Night.\n\n"
    "The Senate passed the budget bill early on Friday, the majority leader said. "
    "Officials said that the new bridge would open to traffic in May. "
    "A spokesman told reporters that his remarks about the governor had been taken out of context. "
    "Critics said the plan's real cost to taxpayers. "
    "Senator Maria Lopez voted against the bill, her office said. "
    "Lopez, a former teacher, was elected to the Senate in 2010.\n"
)


def ann_line(tid: str, kind: str, part: str, within: str | None = None) -> str:
    """A brat span line for `part`, found inside the first occurrence of `within` (default: itself)."""
    base = ARTICLE.index(within or part)
    s = ARTICLE.index(part, base)
    return f"{tid}\t{kind} {s} {s + len(part)}\t{part}"


@pytest.fixture()
def polnear(tmp_path: Path) -> Path:
    """A PolNeAR-shaped data dir: a dev article with five attributions in each half of the articles
    (`article_half`: "budget" is in the selection half, "bridge" in the training half), and a test
    compartment that must never be read."""
    lines = [
        ann_line("T1", "Content", "The Senate passed the budget bill early on Friday"),
        ann_line("T2", "Source", "the majority leader"),
        ann_line("T3", "Cue", "said", "the majority leader said"),
        ann_line("T4", "Source", "Officials"),
        ann_line("T5", "Cue", "said", "Officials said"),
        ann_line("T6", "Content", "that the new bridge would open to traffic in May"),
        ann_line("T7", "Source", "A spokesman"),
        ann_line("T8", "Cue", "told reporters"),
        ann_line("T9", "Content", "that his remarks about the governor had been taken out of context"),
        ann_line("T10", "Source", "Critics"),
        ann_line("T11", "Cue", "said", "Critics said"),
        ann_line("T12", "Content", "the plan's real cost to taxpayers"),
        "E1\tAttribution:T3 Content:T1 Cue:T3 Source:T2",
        "E2\tAttribution:T5 Content:T6 Cue:T5 Source:T4",
        "E3\tAttribution:T8 Content:T9 Cue:T8 Source:T7",
        "E4\tAttribution:T11 Content:T12 Cue:T11 Source:T10",
        ann_line("T13", "Content", "Senator Maria Lopez voted against the bill"),
        ann_line("T14", "Source", "her office"),
        ann_line("T15", "Cue", "said", "her office said"),
        "E5\tAttribution:T15 Content:T13 Cue:T15 Source:T14",
    ]
    root = tmp_path / "polnear"
    for comp in ("dev", "test"):
        (root / comp / "text").mkdir(parents=True)
        (root / comp / "attributions").mkdir(parents=True)
    (root / "dev" / "text" / "nyt_2016-10-01_budget.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "dev" / "attributions" / "nyt_2016-10-01_budget_ab12.ann").write_text("\n".join(lines) + "\n")
    (root / "dev" / "text" / "nyt_2016-10-03_bridge.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "dev" / "attributions" / "nyt_2016-10-03_bridge_ab12.ann").write_text("\n".join(lines) + "\n")
    # Evaluation-only compartment: a build that read it would add pairs of another group.
    (root / "test" / "text" / "nyt_2016-10-02_other.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "test" / "attributions" / "nyt_2016-10-02_other_ab12.ann").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_read_ann_ties_cue_and_content_and_notes_a_missing_source(tmp_path: Path):
    ann = tmp_path / "a.ann"
    ann.write_text(
        "T1\tCue 10 14\tsaid\nT2\tContent 15 40\tx\nT3\tSource 0 9\ty\n"
        "E1\tAttribution:T1 Cue:T1 Content:T2 Source:T3\nE2\tAttribution:T1 Cue:T1 Content:T2\n"
    )
    first, second = read_ann(ann)
    assert (first.cue, first.content, first.has_source) == ((10, 14), (15, 40), True)
    assert second.has_source is False


@pytest.mark.parametrize(
    ("content", "claim"),
    [
        ("that the new bridge would open to traffic in May,", "The new bridge would open to traffic in May."),
        ("“We will win this state”", "We will win this state."),  # a whole quotation is the statement
        ("that the plan was “a disaster for workers”", None),  # a partial one loses its frame once cut out
        ("whether the talks would resume", None),
        ("to resign", None),
    ],
)
def test_content_spans_become_statements(content: str, claim: str | None):
    assert as_claim(content) == claim


@pytest.mark.slow  # loads the spaCy parser
def test_build_pairs_each_report_five_ways_from_one_half_of_dev_only(polnear: Path):
    rows = build(polnear)
    assert all(r["group"] == "nyt_2016-10-01_budget" for r in rows)  # nothing from test/ or the training half
    by_kind = {(r["kind"], r["label"], r["claim"], r["evidence"]) for r in rows}
    bridge = "Officials said that the new bridge would open to traffic in May."
    assert ("report", "supports", "The new bridge would open to traffic in May.", bridge) in by_kind
    # "the plan's real cost to taxpayers" has no verb: not a statement, so no pair claims it.
    assert not any("real cost" in r["claim"] for r in rows)
    # The headline is not an attributed sentence.
    assert not any(r["evidence"].startswith("Senate Passes") for r in rows)
    negated = [r for r in rows if r["kind"] == "negated"]
    assert negated and all(r["label"] == "refutes" and r["claim"] not in r["evidence"] for r in negated)
    others = [r for r in rows if r["kind"] == "other"]
    assert others and all(r["label"] == "neutral" for r in others)
    hedged = [r for r in rows if r["kind"] == "hedged"]
    assert hedged and all(r["evidence"].startswith("It was not clear whether ") for r in hedged)
    for r in hedged:
        # The hedged statement is neutral; the reported one, after ", but", is supported.
        hedge, _, report = r["evidence"].partition(", but ")
        stated = r["claim"].rstrip(".")
        if r["label"] == "neutral":
            assert stated[1:] in hedge
        else:
            assert r["label"] == "supports" and stated[1:] in report
    # The profile sentence names Lopez (and the Senate) but says nothing of her vote or of the
    # budget: on topic, neutral. A claim's own sentence is never its on-topic neutral.
    entity = {(r["claim"], r["evidence"]) for r in rows if r["kind"] == "entity"}
    profile = "Lopez, a former teacher, was elected to the Senate in 2010."
    assert entity == {
        ("Senator Maria Lopez voted against the bill.", profile),
        ("The Senate passed the budget bill early on Friday.", profile),
    }
    assert all(r["label"] == "neutral" for r in rows if r["kind"] == "entity")
    assert len({r["id"] for r in rows}) == len(rows)


def test_article_halves_are_fixed_by_name_and_both_used():
    names = [f"outlet_2016-10-{d:02d}_story" for d in range(1, 31)]
    assert [article_half(n) for n in names] == [article_half(n) for n in reversed(names)][::-1]
    assert {article_half(n) for n in names} == {"train", "selection"}


@pytest.mark.slow  # loads the spaCy parser
def test_training_pairs_come_from_the_other_half_repeated(polnear: Path, tmp_path: Path):
    assert {r["group"] for r in build(polnear, articles="train")} == {"nyt_2016-10-03_bridge"}
    dev_row = dict(claim="A dev claim.", evidence="y", label="neutral", source="snli", group="d", split="dev")
    pool, out = tmp_path / "pool.jsonl", tmp_path / "out.jsonl"
    pool.write_text(json.dumps(dev_row) + "\n")
    pairs_main(["--data-dir", str(polnear), "--pool", str(pool), "--out", str(out), "--repeat", "2"])
    written = [json.loads(line) for line in out.read_text().splitlines()]
    assert written[0] == dev_row
    added = written[1:]
    assert added and len(added) % 2 == 0 and added[: len(added) // 2] == added[len(added) // 2 :]
    assert all(r["split"] == "train" and r["group"] == "polnear:nyt_2016-10-03_bridge" for r in added)
    assert {r["source"] for r in added} >= {"polnear-report", "polnear-negated", "polnear-entity"}


def test_compound_puts_the_hedge_and_the_report_in_one_sentence():
    rng = random.Random(0)
    seen_forms = set()
    for _ in range(40):
        text = compound("The bridge opened in May", "It was built by the army", rng)
        assert "the bridge opened in May" in text and "it was built by the army" in text
        assert text.endswith(".") and text[0].isupper()
        seen_forms.add(text.split()[0])
    assert len(seen_forms) > 2


def test_hedged_pairs_give_one_evidence_three_claims():
    claims = [
        ("The bridge opened to traffic in May", "g1"),
        ("The army built 3 new roads", "g2"),
        ("Police arrested the driver on Monday", "g3"),
    ]
    pairs = hedged_pairs(claims, 30, random.Random(1))
    by_evidence: dict[str, dict[str, str]] = {}
    for p in pairs:
        by_evidence.setdefault(p["evidence"], {})[p["label"]] = p["claim"]
    assert by_evidence
    for evidence, labelled in by_evidence.items():
        assert {"supports", "neutral"} <= set(labelled)
        assert labelled["supports"] != labelled["neutral"]
        if "refutes" in labelled:
            assert labelled["refutes"].rstrip(".") not in evidence


def test_hedged_main_keeps_dev_and_adds_training_pairs_only(tmp_path: Path):
    rows = [
        dict(
            claim=f"The council approved {i} new parks in the city.",
            evidence="x",
            label="supports",
            source="synthetic",
            group=f"g{i}",
            split="train",
        )
        for i in range(6)
    ]
    rows.append(dict(claim="A dev claim.", evidence="y", label="neutral", source="snli", group="d", split="dev"))
    pool, out = tmp_path / "pool.jsonl", tmp_path / "out.jsonl"
    pool.write_text("".join(json.dumps(r) + "\n" for r in rows))
    hedged_main(["--pool", str(pool), "--out", str(out), "--n", "5"])
    written = [json.loads(line) for line in out.read_text().splitlines()]
    assert written[: len(rows)] == rows
    added = written[len(rows) :]
    assert added and all(r["split"] == "train" and r["source"] == "hedged-report" for r in added)


def test_build_without_polnear_ends_in_a_clear_error(tmp_path: Path, capsys):
    with pytest.raises(SystemExit, match="no PolNeAR dev compartment"):
        news_main(["--data-dir", str(tmp_path), "--out", str(tmp_path / "news.jsonl")])
    assert not (tmp_path / "news.jsonl").exists()
    pool = tmp_path / "pool.jsonl"
    pool.write_text("")
    with pytest.raises(SystemExit, match="no PolNeAR dev compartment"):
        pairs_main(["--data-dir", str(tmp_path), "--pool", str(pool), "--out", str(tmp_path / "out.jsonl")])
    assert not (tmp_path / "out.jsonl").exists()
    with pytest.raises(SystemExit):
        pairs_main(
            [
                "--data-dir",
                str(tmp_path),
                "--pool",
                str(pool),
                "--out",
                str(tmp_path / "out.jsonl"),
                "--entity-per-claim",
                "-1",
            ]
        )
    assert "--entity-per-claim must be 0 or more" in capsys.readouterr().err
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.slow  # loads the parser and the stance model
def test_score_reads_each_pair_as_check_does(polnear: Path, tmp_path: Path, capsys):
    out = tmp_path / "news.jsonl"
    news_main(["--data-dir", str(polnear), "--out", str(out), "--score"])
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert result["pairs"] == len(rows)
    kinds = {f"{r['kind']}:{r['label']}" for r in rows}
    for view in ("whole", "views"):
        assert set(result[view]["accuracy"]) == kinds
        assert 0.0 <= result[view]["macro_f1"] <= 1.0
    # Through the views (the clause after ", but"), the shipped model finds each report behind the hedge.
    assert result["views"]["accuracy"]["hedged:supports"] == 1.0


def test_drop_reported_neutral_removes_only_fnc_discuss_pairs_that_report_their_claim(tmp_path: Path):
    report = dict(
        claim="Journalist Steven Sotloff executed by ISIS.",
        evidence="According to the SITE Intel Group, ISIS has executed journalist Steven Sotloff.",
        label="neutral",
        source="fnc1-train",
        group="f1",
        split="train",
    )
    ontopic = {**report, "evidence": "Sotloff had worked in the region for years, his family said.", "group": "f2"}
    unreported = {**report, "evidence": "ISIS has executed journalist Steven Sotloff.", "group": "f3"}
    synthetic = {**report, "source": "synthetic", "group": "f4"}
    dev = {**report, "split": "dev", "group": "f5"}
    rows = [report, ontopic, unreported, synthetic, dev]
    pool, out = tmp_path / "pool.jsonl", tmp_path / "out.jsonl"
    pool.write_text("".join(json.dumps(r) + "\n" for r in rows))
    hedged_main(["--pool", str(pool), "--out", str(out), "--n", "0", "--drop-reported-neutral"])
    kept = [json.loads(line) for line in out.read_text().splitlines()]
    assert kept == [ontopic, unreported, synthetic, dev]


def test_report_pairs_vary_the_cue_and_keep_the_statement():
    claims = [(f"The council approved {i} new parks in the city", f"g{i}") for i in range(1, 40)]
    pairs = report_pairs(claims, 30, random.Random(2), names=["Maria Lopez"], cues=NEWS_CUES)
    supports = [p for p in pairs if p["label"] == "supports"]
    assert len(supports) == 30
    for p in supports:
        assert p["claim"].rstrip(".").lower() in p["evidence"].lower()
    assert len({p["evidence"].split(" that ")[0] for p in supports}) > 10  # many speaker + cue pairs
    assert any(p["evidence"].startswith("Maria Lopez ") for p in supports)
    for p in pairs:
        if p["label"] == "refutes":
            assert p["claim"].rstrip(".").lower() not in p["evidence"].lower()


def test_news_cues_option_adds_one_clause_reports(tmp_path: Path):
    rows = [
        dict(
            claim=f"But the council approved {i} new parks in the city.",
            evidence="x",
            label="supports",
            source="synthetic",
            group=f"g{i}",
            split="train",
        )
        for i in range(8)
    ]
    pool, out = tmp_path / "pool.jsonl", tmp_path / "out.jsonl"
    pool.write_text("".join(json.dumps(r) + "\n" for r in rows))
    hedged_main(["--pool", str(pool), "--out", str(out), "--n", "4", "--news-cues", "5"])
    added = [json.loads(line) for line in out.read_text().splitlines()][len(rows) :]
    reports = [r for r in added if r["source"] == "news-report"]
    assert len([r for r in reports if r["label"] == "supports"]) == 5
    # A statement cut from a sentence does not keep its leading conjunction.
    assert not any(" that but " in r["evidence"].lower() or r["claim"].startswith("But ") for r in added)


def test_write_jsonl_leaves_the_old_file_whole_when_a_write_fails(tmp_path: Path):
    out = tmp_path / "pool.jsonl"
    write_jsonl(out, [{"a": 1}])
    with pytest.raises(TypeError):
        write_jsonl(out, [{"a": 2}, {"b": object()}])  # the second row cannot be written
    assert out.read_text() == '{"a": 1}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["pool.jsonl"]  # no temporary file left behind


def test_a_missing_pool_or_model_ends_in_a_one_line_error_and_writes_nothing(tmp_path: Path, capsys):
    out = tmp_path / "out.jsonl"
    with pytest.raises(SystemExit) as exit_info:
        hedged_main(["--pool", str(tmp_path / "missing.jsonl"), "--out", str(out)])
    assert exit_info.value.code == 2 and "no pool at" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        news_main(["--out", str(out), "--score", "--model-dir", str(tmp_path)])
    assert exit_info.value.code == 2 and "no stance model at" in capsys.readouterr().err
    assert not out.exists()
