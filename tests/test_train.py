"""The stance training script (train/stance.py) from a clean checkout: a run cut short by its hard
stop and resumed from its checkpoint ends with the very weights of a run that never stopped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ON_POSTGRES

pytestmark = [
    pytest.mark.slow,  # trains the packaged MiniLM for a few steps
    pytest.mark.skipif(ON_POSTGRES, reason="uses no database: runs once, on the SQLite leg"),
]

REPO = Path(__file__).resolve().parents[1]
FACTS = [
    ("The storm flooded the harbour of Porto.", "A storm flooded the harbour of Porto on Tuesday night.", "supports"),
    ("The storm spared the harbour of Porto.", "A storm flooded the harbour of Porto on Tuesday night.", "refutes"),
    ("The mayor of Porto resigned.", "A storm flooded the harbour of Porto on Tuesday night.", "neutral"),
    ("Pérez was killed.", "Pérez was killed in the assault, the ministry said.", "supports"),
    ("Pérez survived the assault.", "Pérez was killed in the assault, the ministry said.", "refutes"),
    ("Pérez is a pilot.", "Pérez was killed in the assault, the ministry said.", "neutral"),
]


def _write_pool(path: Path) -> None:
    """A small pool in train.stance_data's format (the real one is built from ../shared/data)."""
    with path.open("w", encoding="utf-8") as f:
        for n in range(12):
            for i, (claim, evidence, label) in enumerate(FACTS):
                split = "dev" if n >= 9 else "train"
                pair = {
                    "claim": f"{claim} ({n})",
                    "evidence": evidence,
                    "label": label,
                    "source": "test",
                    "group": f"test:{n}:{i}",
                    "split": split,
                }
                f.write(json.dumps(pair, ensure_ascii=False) + "\n")


def _train(out: Path, pool: Path, *extra: str) -> subprocess.CompletedProcess:
    args = [
        "--pool",
        str(pool),
        "--out-dir",
        str(out),
        "--batch-size",
        "8",
        "--max-steps",
        "4",
        "--warmup-steps",
        "2",
        "--dev-max",
        "18",
        "--seed",
        "7",
        *extra,
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "train.stance", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )


def _weights(run: Path) -> dict:
    from safetensors.numpy import load_file

    return load_file(run / "final" / "model.safetensors")


def test_a_run_stopped_and_resumed_ends_where_an_unbroken_run_does(tmp_path: Path):
    pool = tmp_path / "pool.jsonl"
    _write_pool(pool)
    straight = _train(tmp_path / "a", pool)
    assert straight.returncode == 0, straight.stderr[-2000:]

    # A hard stop already past stops after the first step, with a checkpoint (optimizer, schedule,
    # random states) that --resume continues from.
    stopped = _train(tmp_path / "b", pool, "--hard-stop", "2000-01-01T00:00:00")
    assert stopped.returncode == 0, stopped.stderr[-2000:]
    log = (tmp_path / "b" / "train.log").read_text(encoding="utf-8")
    assert "HARD STOP" in log and "checkpointing at step 1" in log
    assert not (tmp_path / "b" / "final").exists()
    resumed = _train(tmp_path / "b", pool, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resumed at step 1" in (tmp_path / "b" / "train.log").read_text(encoding="utf-8")

    a, b = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert a.keys() == b.keys()
    assert all((a[k] == b[k]).all() for k in a)
    run = json.loads((tmp_path / "b" / "run.json").read_text(encoding="utf-8"))
    assert run["steps_done"] == 4 and run["labels"] == ["supports", "refutes", "neutral"]
    assert (tmp_path / "b" / "final" / "tokenizer.json").exists()


def test_a_run_must_say_how_long_it_trains(tmp_path: Path):
    pool = tmp_path / "pool.jsonl"
    _write_pool(pool)
    result = subprocess.run(
        [sys.executable, "-m", "train.stance", "--pool", str(pool), "--out-dir", str(tmp_path / "r")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "--epochs, --max-steps or --end-by" in result.stderr


def test_the_shipped_model_rebuilt_for_training_gives_the_shipped_logits(tmp_path: Path):
    """train/stance_from_onnx.py: a later run can start from the model the product ships, whose
    training checkpoints are not in the repository."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from claimbot.index.stance.model import shared_stance_model
    from train import stance_from_onnx

    stance_from_onnx.main(["--out", str(tmp_path / "shipped")])
    # Read back from the saved folder, as `train.stance --base-model` does, on pairs the script's
    # own check did not use.
    model = AutoModelForSequenceClassification.from_pretrained(tmp_path / "shipped").eval()
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "shipped")
    assert model.config.id2label == {0: "supports", 1: "refutes", 2: "neutral"}
    pairs = [
        ("The helicopter attack injured dozens of people", "No one was injured."),
        ("Pérez is a trained pilot", "Pérez is an actor, pilot and dog trainer who starred in a 2015 film."),
    ]
    assert stance_from_onnx.max_logit_difference(model, tokenizer, shared_stance_model(), pairs) < 1e-3
