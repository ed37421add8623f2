"""train.news_distil: the sentences a claim would retrieve from its own article, without the ones
annotated for it (docs/prereg/news10.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimbot.index.evaluation import sentence_sha
from tests.conftest import ON_POSTGRES
from train.news_distil import candidates

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="uses no database: runs once, on the SQLite leg")

ARTICLE = (
    "The mayor of Porto resigned on Monday after a long dispute with the council. "
    "She had led the city for six years and won two elections. "
    "A storm flooded the harbour of Porto on Tuesday night, the port authority said. "
    "Fishermen said the water rose faster than anyone could remember."
)


def _pair(n: int, article: str, sentence: str, claim: str, split: str = "train") -> dict:
    start = ARTICLE.index(sentence)
    return {
        "id": f"p{n}",
        "source": "polnear-dev",
        "article": article,
        "start": start,
        "end": start + len(sentence),
        "sha": sentence_sha(sentence),
        "claim": claim,
        "label": "supports",
        "kind": "paraphrase",
        "voice": "own",
        "split": split,
        "annotator": "test",
    }


def test_each_train_claim_gets_the_nearest_other_sentences_of_its_article(tmp_path: Path):
    from claimbot.index.evaluation import Split, article_split

    train_article = next(f"a{i}" for i in range(100) if article_split("polnear-dev", f"a{i}") == Split.TRAIN)
    text = tmp_path / "polnear" / "dev" / "text"
    text.mkdir(parents=True)
    (text / f"{train_article}.txt").write_text(ARTICLE, encoding="utf-8")
    annotated = "A storm flooded the harbour of Porto on Tuesday night, the port authority said."
    pairs = tmp_path / "pairs.jsonl"
    rows = [
        _pair(1, train_article, annotated, "Porto's harbour flooded in a storm"),
        _pair(2, train_article, annotated, "A dev claim is never read", split="dev"),
    ]
    pairs.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    rows = candidates([pairs], tmp_path, per_claim=2)
    assert [r["claim"] for r in rows] == ["Porto's harbour flooded in a storm"] * 2
    evidence = [r["evidence"] for r in rows]
    assert annotated not in evidence  # the annotated sentence is the pair itself, not a transfer row
    # the nearest first: the fishermen's water and the mayor of Porto before the six years in office
    assert "She had led the city for six years and won two elections." not in evidence
    assert all(r["source"] == "transfer" and r["group"] == f"polnear-dev/{train_article}" for r in rows)


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def test_fnc_headlines_read_the_nearest_sentences_of_related_bodies_only(tmp_path: Path):
    from train.news_distil import headline_candidates

    body = ARTICLE
    other = "Scientists found a new species of frog in the Andes. The frog is bright green and very small."
    train = tmp_path / "nli-train" / "fnc-1-train"
    _csv(train / "train_bodies.csv", ["Body ID", "articleBody"], [["7", body], ["8", other]])
    headline = "Storm floods Porto harbour"
    _csv(
        train / "train_train_stances.csv",
        ["Headline", "Body ID", "Stance"],
        [[headline, "7", "agree"], ["Frog found in the Andes", "7", "unrelated"], [headline, "7", "discuss"]],
    )
    _csv(
        train / "train_test_stances.csv",
        ["Headline", "Body ID", "Stance"],
        [["New  frog   species found", "8", "discuss"]],
    )
    _csv(tmp_path / "fnc-1" / "competition_test_bodies.csv", ["Body ID", "articleBody"], [["7", body]])
    _csv(
        tmp_path / "fnc-1" / "competition_test_stances.csv",
        ["Headline", "Body ID", "Stance"],
        [[headline, "7", "disagree"]],
    )
    rows = headline_candidates(tmp_path, per_pair=1)
    # the unrelated headline is never read; a headline's spaces are folded; the same (headline,
    # sentence) from the competition bodies is not read twice
    assert [(r["claim"], r["group"]) for r in rows] == [(headline, "fnc1/7"), ("New frog species found", "fnc1/8")]
    assert rows[0]["evidence"] == "A storm flooded the harbour of Porto on Tuesday night, the port authority said."
    assert rows[1]["evidence"] == "Scientists found a new species of frog in the Andes."


def test_a_built_graph_labels_rows_with_its_probabilities():
    from claimbot.index.stance import packaged_model_dir
    from train.news_distil import label_onnx

    rows = [
        {"claim": "Porto's harbour flooded", "evidence": "A storm flooded the harbour of Porto on Tuesday night."},
        {"claim": "Porto's harbour stayed dry", "evidence": "A storm flooded the harbour of Porto on Tuesday night."},
    ]
    labelled = label_onnx(rows, [packaged_model_dir()])
    twice = label_onnx(rows, [packaged_model_dir(), packaged_model_dir()])
    # two readings of one graph, averaged, are that graph's reading
    assert [r["teacher"] for r in twice] == [r["teacher"] for r in labelled]
    for row in labelled:
        assert abs(sum(row["teacher"]) - 1) < 1e-4
        assert row["label"] == ("supports", "refutes", "neutral")[row["teacher"].index(max(row["teacher"]))]
    assert labelled[0]["teacher"][0] > labelled[1]["teacher"][0]  # flooded supports, stayed dry does not


def test_fnc_headlines_without_the_data_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from train.news_distil import main

    with pytest.raises(SystemExit) as stop:
        main(
            [
                "--fnc-headlines",
                "--teacher-onnx",
                str(tmp_path),
                "--data-dir",
                str(tmp_path),
                "--out",
                str(tmp_path / "o.jsonl"),
            ]
        )
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "FNC-1 not found under" in err and "train_bodies.csv" in err
    assert not (tmp_path / "o.jsonl").exists()
