"""train/demo_verdicts.py: the verdicts a user sees on the demo corpus, graded right / missed / wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimbot.index.stance.model import packaged_model_dir
from train.demo_verdicts import ACCEPTED, grade, run, with_threshold
from train.demo_verdicts import main as verdicts_main


def test_a_side_the_article_does_not_take_is_wrong_and_unverified_is_only_missed():
    assert grade("Pérez was killed", "disputed") == "right"
    assert grade("Pérez was killed", "unverified") == "missed"
    assert grade("Pérez was killed", "supported") == "wrong"
    assert grade("The Eiffel Tower is made of chocolate", "unverified") == "right"
    assert grade("The Eiffel Tower is made of chocolate", "refuted") == "wrong"


def test_every_claim_accepts_only_known_verdicts():
    assert len(ACCEPTED) == 24
    for accepted in ACCEPTED.values():
        assert accepted and accepted <= {"supported", "refuted", "disputed", "unverified"}


def test_a_threshold_copy_changes_only_the_confident_threshold(tmp_path: Path):
    src = packaged_model_dir()
    copy = with_threshold(src, 0.5, tmp_path / "m")
    original, changed = json.loads((src / "stance.json").read_text()), json.loads((copy / "stance.json").read_text())
    assert changed.pop("confident_threshold") == 0.5
    original.pop("confident_threshold")
    assert changed == original
    assert (copy / "model.onnx").resolve() == (src / "model.onnx").resolve()
    assert json.loads((src / "stance.json").read_text())["confident_threshold"] != 0.5  # the source is untouched


def test_bad_arguments_are_usage_errors(tmp_path: Path, capsys):
    for argv, message in (
        (["--model-dir", str(tmp_path)], "no stance model at"),
        (["--confident", "1.5"], "between 0 and 1"),
    ):
        with pytest.raises(SystemExit) as exc:
            verdicts_main(argv)
        assert exc.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.slow  # ingests the demo corpus and runs the models
def test_an_extreme_threshold_turns_every_side_into_unverified():
    # With a confident threshold no calibrated probability reaches, no verdict takes a side:
    # the grading then counts every claim the article decides as missed, none as wrong.
    outcomes = run(None, 0.999)
    assert {o.verdict for o in outcomes} == {"unverified"}
    assert not [o for o in outcomes if o.grade == "wrong"]
    assert sum(o.grade == "missed" for o in outcomes) == sum("unverified" not in a for a in ACCEPTED.values())
