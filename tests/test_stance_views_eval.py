"""The confident-threshold fit in train/stance_views_eval.py (stance.json's confident_threshold)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimbot.index.stance.model import StanceScore
from train.stance_views_eval import confidence_for
from train.stance_views_eval import main as views_main


def score(label: str, p: float) -> StanceScore:
    rest = (1.0 - p) / 2
    probs = {k: (p if k == label else rest) for k in ("supports", "refutes", "neutral")}
    return StanceScore(label=label, probs=probs, confident=False)


def test_threshold_is_the_lowest_confidence_from_which_picks_are_90_percent_right():
    # 40 right at 0.95, then 10 wrong at 0.70 and 30 right at 0.65: from 0.65 up 70/80 are right (0.875),
    # from 0.66 to 0.70 40/50 (0.8); only from 0.71 do the 40 right ones stand alone.
    gold = ["supports"] * 40 + ["neutral"] * 10 + ["refutes"] * 30
    scores = [score("supports", 0.95)] * 40 + [score("supports", 0.70)] * 10 + [score("refutes", 0.65)] * 30
    assert confidence_for(gold, scores) == 0.71


def test_pooling_an_easier_set_lowers_the_threshold():
    hard_gold = ["supports"] * 40 + ["neutral"] * 10
    hard = [score("supports", 0.95)] * 40 + [score("supports", 0.70)] * 10
    easy_gold = ["refutes"] * 60 + ["neutral"] * 10
    easy = [score("refutes", 0.60)] * 60 + [score("supports", 0.50)] * 10
    assert confidence_for(hard_gold, hard) == 0.71
    assert confidence_for(easy_gold, easy) == 0.51
    # together: from 0.51 up 100 of 110 picks are right; at 0.50, 100 of 120
    assert confidence_for(hard_gold + easy_gold, hard + easy) == 0.51


def test_fewer_than_30_picks_never_set_a_threshold():
    assert confidence_for(["supports"] * 29, [score("supports", 0.9)] * 29) is None


def test_a_missing_news_set_is_a_usage_error(tmp_path: Path, capsys):
    pool = tmp_path / "pool.jsonl"
    pool.write_text(json.dumps({"claim": "a", "evidence": "b", "label": "neutral", "split": "dev"}) + "\n")
    with pytest.raises(SystemExit) as exc:
        views_main(["--pool", str(pool), "--news", str(tmp_path / "missing.jsonl")])
    assert exc.value.code == 2
    assert "no news set at" in capsys.readouterr().err
