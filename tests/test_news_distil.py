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
