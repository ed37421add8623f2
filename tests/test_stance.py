"""The packaged stance model, `claimbot stance`, `claimbot eval stance` and verdicts in `check`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import numpy as np
import pytest
from typer.testing import CliRunner

from claimbot.bot.cli import app
from claimbot.index.config import Settings
from claimbot.index.evaluation.stance import (
    _picked_view_probs,
    decisions,
    evaluate,
    expected_calibration_error,
    f1_per_label,
    format_report,
)
from claimbot.index.stance.batch import label_file
from claimbot.index.stance.model import LABELS, Graph, StanceModel, StanceModelError, StanceScore, shared_stance_model
from claimbot.index.stance.views import stance_views
from tests.conftest import packaged_model_copy

pytestmark = pytest.mark.slow  # the packaged stance model (and, for the demo checks, spaCy)
runner = CliRunner()
INJURED = ("Nobody was injured in the attack.", "No one was injured and the building suffered minor damage.")


@pytest.fixture(scope="module")
def model():
    return shared_stance_model()


def test_probabilities_are_calibrated_distributions(model):
    scores = model.score([INJURED, ("The attack injured dozens of people.", INJURED[1])])
    for s in scores:
        assert set(s.probs) == set(LABELS)
        assert sum(s.probs.values()) == pytest.approx(1.0, abs=1e-3)
    assert scores[0].label == "supports" and scores[0].confident
    assert scores[1].label != "supports" and not scores[1].confident


def test_a_score_does_not_depend_on_the_rest_of_the_batch(model):
    others = [("Pérez was killed.", "Pérez is an actor, pilot and dog trainer. " * k) for k in range(1, 9)]
    alone = model.logits([INJURED])[0]
    batched = model.logits(others + [INJURED] + others)[len(others)]
    np.testing.assert_allclose(alone, batched, atol=1e-4)


def test_a_pair_given_twice_is_scored_once_and_each_row_keeps_its_pair(model, monkeypatch):
    other = ("Pérez was killed.", "Pérez announced that he was still alive.")
    rows_scored: list[int] = []
    run = model._session.run

    def counting_run(names, feed):
        rows_scored.append(len(feed["input_ids"]))
        return run(names, feed)

    monkeypatch.setattr(model._session, "run", counting_run)
    logits = model.logits([INJURED, other, INJURED, INJURED])
    assert sum(rows_scored) == 2
    rows_scored.clear()
    alone = model.logits([INJURED])[0], model.logits([other])[0]
    assert sum(rows_scored) == 2
    for row, want in zip(logits, [alone[0], alone[1], alone[0], alone[0]], strict=True):
        np.testing.assert_allclose(row, want, atol=1e-4)
    assert not np.allclose(alone[0], alone[1], atol=0.1)


def test_label_file_keeps_order_reports_bad_lines_and_leaves_no_temp_file(model, tmp_path: Path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "a", "claim": INJURED[0], "evidence": INJURED[1]})
        + "\n"
        + "{broken\n\n"
        + json.dumps({"id": 7, "claim": "x"})
        + "\n"
        + json.dumps({"id": 8, "claim": "Pérez was killed.", "evidence": "Pérez is a pilot."})
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    report = label_file(model, src, out)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", 8]
    assert rows[0]["label"] == "supports" and set(rows[0]["probs"]) == set(LABELS)
    assert report.read == 4 and report.written == 2
    assert report.errors == [
        "line 2: not JSON (Expecting property name enclosed in double quotes)",
        "line 4: missing evidence",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_label_file_refuses_ids_that_cannot_be_joined_back_and_lines_that_are_not_utf8(model, tmp_path: Path):
    pair = {"claim": INJURED[0], "evidence": INJURED[1]}
    lines = [
        json.dumps({"id": 1, **pair}).encode(),
        json.dumps({"id": 1, **pair}).encode(),
        json.dumps({"id": None, **pair}).encode(),
        json.dumps({"id": True, **pair}).encode(),
        json.dumps(
            {"id": "b", "claim": "Pérez was killed.", "evidence": "Pérez is a pilot."}, ensure_ascii=False
        ).encode("latin-1"),
        json.dumps({"id": "c", "claim": "Pérez was killed.", "evidence": "Pérez is a pilot."}).encode(),
        b"[" * 15_000,
    ]
    (tmp_path / "in.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    report = label_file(model, tmp_path / "in.jsonl", tmp_path / "out.jsonl")
    assert [json.loads(line)["id"] for line in (tmp_path / "out.jsonl").read_text().splitlines()] == [1, "c"]
    assert report.errors == [
        "line 2: id 1 repeats an earlier line",
        "line 3: id must be a string or an integer",
        "line 4: id must be a string or an integer",
        "line 5: not UTF-8",
        "line 7: not JSON (nested too deeply)",
    ]


def test_cli_stance_round_trip_and_errors(tmp_path: Path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "claim": INJURED[0], "evidence": INJURED[1]}) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["stance", "--input", str(src), "--output", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 0, result.output
    assert f"1 of 1 pair labelled -> {tmp_path / 'o.jsonl'}" in result.output  # was "1 of 1 pairs"
    assert json.loads((tmp_path / "o.jsonl").read_text())["label"] == "supports"
    missing = runner.invoke(app, ["stance", "--input", str(tmp_path / "nope.jsonl"), "--output", str(tmp_path / "x")])
    assert missing.exit_code == 2 and "nope.jsonl" in missing.output
    # refused before the model loads: what would fail after scoring, or overwrite the input
    for output, message in (
        (src, "would overwrite the input"),
        (tmp_path, "is a directory"),
        (tmp_path / "no" / "o.jsonl", "no such directory"),
    ):
        result = runner.invoke(app, ["stance", "--input", str(src), "--output", str(output)])
        assert result.exit_code == 2 and message in result.output, result.output
    assert json.loads(src.read_text())["id"] == 1  # the input is untouched


def test_a_stance_model_directory_that_cannot_load_is_one_line(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("CLAIMBOT_STANCE_MODEL", str(tmp_path / "nowhere"))
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "claim": INJURED[0], "evidence": INJURED[1]}) + "\n", encoding="utf-8")
    for args in (
        ["stance", "--input", str(src), "--output", str(tmp_path / "o.jsonl")],
        ["eval", "stance", "--sets", "scifact", "--limit", "5"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "no stance model at" in result.output and "Traceback" not in result.output
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "model.onnx").write_bytes(b"not a model")
    (tmp_path / "broken" / "stance.json").write_text("{}", encoding="utf-8")
    with pytest.raises(StanceModelError, match="cannot load the stance model"):
        StanceModel(tmp_path / "broken")


def test_a_graph_described_in_words_is_an_older_fp32_file_and_an_unknown_word_is_an_error(tmp_path: Path):
    # cont6's stance.json (git abf3026), the start of news22's recipe, describes its export in words.
    older = StanceModel(packaged_model_copy(tmp_path / "a", graph="eager-attention ONNX export of these weights"))
    assert older.graph is Graph.FP32 and older.batch_size > 1
    with pytest.raises(StanceModelError, match="graph 'int-8' is none of fp32, int8"):
        StanceModel(packaged_model_copy(tmp_path / "b", graph="int-8"))


def test_eval_reads_only_the_sets_it_is_asked_for(model, tmp_path: Path):
    scifact = Settings().data_dir / "scifact"
    if not scifact.is_dir():
        pytest.skip(f"evaluation data not found under {scifact.parent}")
    data = tmp_path / "data"
    data.mkdir()
    (data / "scifact").symlink_to(scifact)  # FEVER, Climate-FEVER and the rest are absent
    report = evaluate(model, data, ("scifact",), limit=8)
    assert list(report["sets"]) == ["scifact"] and report["sets"]["scifact"]["n"] == 8
    with pytest.raises(FileNotFoundError, match="fever_symmetric_dev.jsonl"):
        evaluate(model, data, ("fever-symmetric",))


def test_metrics():
    y = np.array([0, 0, 1, 2])
    pred = np.array([0, 1, 1, 2])
    f1 = f1_per_label(y, pred)
    assert f1["supports"] == pytest.approx(2 / 3) and f1["refutes"] == pytest.approx(2 / 3) and f1["neutral"] == 1
    probs = np.array([[0.4, 0.35, 0.25], [0.9, 0.05, 0.05]])
    assert decisions(probs, 0.5).tolist() == [2, 0]
    assert decisions(probs, 0.0).tolist() == [0, 0]
    sure_and_right = np.array([[1.0, 0.0, 0.0]])
    assert expected_calibration_error(sure_and_right, np.array([0])) == 0.0
    assert expected_calibration_error(sure_and_right, np.array([1])) == pytest.approx(1.0)


class ScriptedModel:
    """A stance model whose scores are a table, by evidence text: what the picking does with them is
    what is tested, whatever the packaged model reads."""

    def __init__(self, table: dict[str, StanceScore]) -> None:
        self.table = table

    def score(self, pairs: list[tuple[str, str]]) -> list[StanceScore]:
        neutral = StanceScore("neutral", {"supports": 0.1, "refutes": 0.1, "neutral": 0.8}, False)
        return [self.table.get(evidence, neutral) for _, evidence in pairs]


def test_eval_with_views_scores_the_view_check_picks():
    alive = (
        "In the first of several videos released via social media Monday morning, Pérez announced that he "
        "and a small group of men were still alive, despite the early-morning assault."
    )
    plain = "Pérez was killed by security forces."
    assert stance_views(plain) == [plain]
    whole, core = stance_views(alive)[0], stance_views(alive)[1]
    refutes = StanceScore("refutes", {"supports": 0.05, "refutes": 0.9, "neutral": 0.05}, True)
    supports = StanceScore("supports", {"supports": 0.7, "refutes": 0.1, "neutral": 0.2}, False)
    # the whole sentence neutral, its core refuting: check shows the core, and so must eval
    scripted = cast(StanceModel, ScriptedModel({core: refutes, plain: supports}))
    probs = _picked_view_probs(scripted, [("Pérez was killed", alive), ("Pérez was killed", plain)])
    assert whole == alive and core != alive
    assert probs[0].tolist() == pytest.approx([refutes.probs[label] for label in LABELS])
    assert probs[1].tolist() == pytest.approx([supports.probs[label] for label in LABELS])


def test_evaluate_reads_every_evaluation_set(model):
    data = Settings().data_dir
    if not (data / "fever-symmetric").is_dir():
        pytest.skip(f"evaluation data not found under {data}")
    report = evaluate(model, data, limit=40)
    assert set(report["sets"]) == {"fever-symmetric", "fever-adversarial", "scifact", "climate-fever", "fever-triggers"}
    for r in report["sets"].values():
        assert r["n"] == 40 and 0 <= r["acc"] <= 1 and sum(r["predicted"].values()) == 40
    assert "climate-fever" in format_report(report)
    viewed = evaluate(model, data, ("climate-fever",), limit=40, views=True)
    assert viewed["views"] and viewed["sets"]["climate-fever"]["n"] == 40
    assert "views as in check" in format_report(viewed)
    with pytest.raises(ValueError, match="unknown evaluation set"):
        evaluate(model, data, ("fever-symmetric", "snli"))


# -- the product: verdicts on the demo corpus (issue 3's acceptance cases) ---------------------
def _by_text(result, fragment: str):
    return next(p for p in result.passages if fragment in p.text)


def test_killed_is_supported_by_the_cnn_report_despite_the_hedge(demo_index):
    # "It was not clear if Pérez survived, but CNN reported … that he had been killed":
    # the reporting clause decides, the hedge does not hide it
    result = demo_index.check("Pérez was killed", top=5)
    cnn = _by_text(result, "CNN reported")
    assert cnn.stance == "supports" and cnn.confident
    assert result.verdict in ("supported", "disputed")


def test_killed_is_disputed_by_perez_saying_he_is_still_alive(demo_index):
    result = demo_index.check("Pérez was killed", top=5)
    assert result.verdict == "disputed", result.reason
    assert _by_text(result, "still alive").stance == "refutes"


def test_nobody_injured_is_supported_by_the_2017_sentence(demo_index):
    result = demo_index.check("Nobody was injured in the 2017 helicopter attack", top=5)
    assert _by_text(result, "No one was injured").stance == "supports"
    # Monday's assault injured five, but in 2018: the event-time guard keeps it from disputing
    assert result.verdict == "supported", [(p.stance, p.text) for p in result.passages]


def test_a_clause_joined_by_and_is_read_on_its_own(demo_index):
    # "No one was injured and the building suffered minor damage, but …": the parser's clause
    # "No one was injured." takes the side the whole sentence hides.
    result = demo_index.check("The helicopter attack on the Supreme Court injured dozens of people", top=5)
    assert _by_text(result, "No one was injured").stance == "refutes"


def test_dozens_injured_is_refuted_by_the_same_sentence(demo_index):
    result = demo_index.check("The helicopter attack on the Supreme Court injured dozens of people", top=5)
    assert _by_text(result, "No one was injured").stance == "refutes"
    assert result.verdict in ("refuted", "disputed")


@pytest.mark.parametrize(
    "claim", ["The Eiffel Tower is made of chocolate", "Bitcoin rose above 100,000 dollars in March"]
)
def test_unrelated_claims_are_unverified(demo_index, claim: str):
    result = demo_index.check(claim, top=5)
    assert result.verdict == "unverified"
    assert not any(p.confident for p in result.passages)
