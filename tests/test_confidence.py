"""The confidence selector (index/stance/confidence.py) and its fit (train/news_confidence.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from claimbot.index.stance import FEATURES, Selector, StanceModel, StanceModelError, StanceScore, features, settle
from tests.conftest import packaged_model_copy
from train.news_confidence import fit_selector, lowest_threshold, out_of_fold


def _score(label: str, side: float) -> StanceScore:
    rest = (1 - side) / 2
    probs = {"supports": rest, "refutes": rest, "neutral": rest} | {label: side}
    return StanceScore(label=label, probs=probs, confident=False)


def _on_side_probability(threshold: float) -> Selector:
    """P(right) = sigmoid(10 * (side probability - 0.8)): above one half exactly when the side's
    probability is above 0.8."""
    return Selector(
        features=("side_probability",), mean=(0.8,), scale=(0.1,), coef=(1.0,), intercept=0.0, threshold=threshold
    )


def _value(row: list[float], name: str) -> float:
    return row[FEATURES.index(name)]


def test_features_read_the_pair_and_the_score():
    claim = "The stadium cost 50 million dollars"
    row = features(
        claim, "The stadium cost about 10 million dollars, the city said.", "the city", _score("refutes", 0.9)
    )
    assert len(row) == len(FEATURES)
    assert _value(row, "side_probability") == 0.9 and _value(row, "is_refutes") == 1.0
    assert _value(row, "slot_mismatch") == 1.0  # 50 million against about 10 million
    assert _value(row, "claim_numbers_missing") == 1.0
    assert _value(row, "passage_reports") == 1.0 and _value(row, "claim_reports") == 0.0
    assert _value(row, "passage_has_speaker") == 1.0

    same = features(claim, "The stadium cost 50 million dollars.", None, _score("supports", 0.9))
    assert _value(same, "slot_mismatch") == 0.0 and _value(same, "claim_numbers_missing") == 0.0
    assert _value(same, "is_refutes") == 0.0 and _value(same, "passage_has_speaker") == 0.0
    assert _value(same, "claim_words_in_passage") == 1.0
    negated = features("The mayor resigned", "The mayor did not resign.", None, _score("refutes", 0.9))
    assert _value(negated, "one_side_negated") == 1.0


def test_settle_decides_confidence_by_the_selector_and_keeps_the_label():
    selector = _on_side_probability(0.5)
    sure = settle(selector, "Pérez is alive", "Pérez is alive.", None, _score("supports", 0.95))
    unsure = settle(selector, "Pérez is alive", "Pérez is alive.", None, _score("supports", 0.7))
    assert (sure.label, sure.confident) == ("supports", True)
    assert (unsure.label, unsure.confident) == ("supports", False)
    # a threshold given for a curve overrides the selector's own
    assert not settle(selector, "a", "b", None, _score("supports", 0.95), threshold=0.99).confident
    # neutral never counts, and without a selector the model's own decision stands
    assert not settle(selector, "a", "b", None, _score("neutral", 0.99)).confident
    own = StanceScore(label="refutes", probs=_score("refutes", 0.6).probs, confident=True)
    assert settle(None, "a", "b", None, own) is own


def test_a_selector_round_trips_and_refuses_what_it_cannot_read():
    selector = _on_side_probability(0.77)
    assert Selector.from_config(json.loads(json.dumps(selector.to_config()))) == selector
    good = selector.to_config()
    for broken, message in (
        (good | {"features": ["side_probability_typo"]}, "features must be distinct names"),
        (good | {"features": []}, "features must be distinct names"),
        (good | {"coef": [1.0, 2.0]}, "one per feature"),
        (good | {"scale": [0.0]}, "scales must be positive"),
        (good | {"scale": [float("nan")]}, "scales must be positive"),
    ):
        with pytest.raises(ValueError, match=message):
            Selector.from_config(broken)


def _model_folder(tmp_path: Path, selector: dict | None) -> Path:
    return packaged_model_copy(tmp_path / "model", selector=selector)


def test_a_model_folder_carries_its_selector_and_a_broken_one_does_not_load(tmp_path: Path):
    assert StanceModel(_model_folder(tmp_path / "plain", None)).selector is None
    loaded = StanceModel(_model_folder(tmp_path / "with", _on_side_probability(0.6).to_config())).selector
    assert loaded == _on_side_probability(0.6)
    broken = _on_side_probability(0.6).to_config() | {"scale": [-1.0]}
    with pytest.raises(StanceModelError, match="scales must be positive"):
        StanceModel(_model_folder(tmp_path / "broken", broken))


def test_check_counts_only_the_sides_its_selector_passes(demo_index, tmp_path: Path, monkeypatch):
    claim = "Pérez is a former police officer"
    assert demo_index.check(claim).verdict == "supported"  # the packaged model, its threshold
    strict = StanceModel(_model_folder(tmp_path, _on_side_probability(1.0).to_config()))
    monkeypatch.setattr(demo_index, "_stance", strict)
    result = demo_index.check(claim)
    # the same labels, none confident: the answer says the passages lean, not that they decide
    assert result.verdict == "unverified"
    assert any(p.stance == "supports" for p in result.passages)
    assert not any(p.confident for p in result.passages)


def test_the_threshold_is_the_lowest_on_the_grid_that_reaches_the_target():
    scores = np.array([0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.55])
    right = np.array([True, True, True, False, True, False, False])
    assert lowest_threshold(scores, right, 0.8, min_confident=1) == 0.61  # 4 of the 5 above 0.6 are right
    assert lowest_threshold(scores, right, 1.0, min_confident=1) == 0.81  # the three above 0.8
    assert lowest_threshold(scores, right, 1.0, min_confident=4) is None
    assert lowest_threshold(scores, np.zeros(7, dtype=bool), 0.5, min_confident=1) is None


def test_out_of_fold_scores_come_from_fits_that_did_not_see_the_row_s_group():
    # Each group's rows share a label that only a fit on that group could know (a marker feature of
    # the group); a score learnt without the group is near the base rate, one learnt with it near 0 or 1.
    groups = [f"g{i // 10}" for i in range(200)]
    y = np.array([i // 10 % 2 for i in range(200)])
    x = np.eye(20)[[i // 10 for i in range(200)]]
    oof = out_of_fold(x, y, groups, folds=5, c=100.0, seed=0)
    assert np.abs(oof - y).mean() > 0.3
    seen = fit_selector(x, y, 100.0).predict_proba(x)[:, 1]  # what a fit that saw every group gives
    assert np.abs(seen - y).mean() < 0.1
