"""The stance training script (train/stance.py) from a clean checkout: a run cut short by its hard
stop and resumed from its checkpoint ends with the very weights of a run that never stopped."""

from __future__ import annotations

import hashlib
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


def _write_pool(path: Path, news_dev: bool = False) -> None:
    """A small pool in train.stance_data's format (the real one is built from ../shared/data);
    `news_dev` marks a third of the dev rows as real-news rows (source ``news-…``)."""
    with path.open("w", encoding="utf-8") as f:
        for n in range(12):
            for i, (claim, evidence, label) in enumerate(FACTS):
                split = "dev" if n >= 9 else "train"
                pair = {
                    "claim": f"{claim} ({n})",
                    "evidence": evidence,
                    "label": label,
                    "source": "news-test" if news_dev and n == 11 else "test",
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


NEWS22_RECIPE = REPO / "docs" / "news22-recipe.toml"
RECIPE = REPO / "docs" / "stance-recipe.toml"


def test_the_recipe_dry_run_prints_the_shipped_chain_in_the_order_it_was_made(tmp_path: Path, capsys):
    """docs/stance-recipe.toml: one command for the shipped model; the dry run runs nothing."""
    from train.recipe import main as recipe_main

    out = tmp_path / "run"
    assert recipe_main([str(RECIPE), "--out-dir", str(out), "--data-dir", str(tmp_path / "data"), "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert not out.exists()
    steps = [line.split(":")[0].split(". ", 1)[1] for line in printed.splitlines() if line.startswith("## ")]
    assert steps[:9] == [
        "pool",
        "first-model",
        "first-ckpt",
        "augment",
        "hedged",
        "news-pairs",
        "cont4",
        "cont5",
        "cont6",
    ]
    assert steps[9:] == ["export", "calibrate", "model", "stance-json", "thresholds", "news-selection", "demo-verdicts"]
    # the exact commands, with the output and data directories filled in
    assert f"python -m train.stance_data --data-dir {tmp_path / 'data'} --out-dir {out}\n" in printed
    assert f"git show 1b5c4dd:index/models/stance/model.onnx > {out}/first/model.onnx" in printed
    assert (
        f"python -m train.stance --pool {out}/pool-news.jsonl --base-model {out}/cont5/ckpt-8934 "
        f"--out-dir {out}/cont6 --bf16 --lr 1e-5 --warmup-steps 200 --seed 44" in printed
    )
    # honest about what it cannot give back bit for bit
    assert "Not bit for bit" in printed and "GPU" in printed


def test_the_recipe_can_retrain_the_first_model_on_a_gpu_and_names_unknown_steps(tmp_path: Path, capsys):
    from train.recipe import main as recipe_main

    argv = [str(RECIPE), "--out-dir", str(tmp_path / "run"), "--dry-run", "--first-model", "gpu", "--until", "cont4"]
    assert recipe_main(argv) == 0
    printed = capsys.readouterr().out
    assert "--device cuda --bf16" in printed and "git show 1b5c4dd:index/models/stance/model.onnx" not in printed
    assert [line for line in printed.splitlines() if line.startswith("## ")][-1].startswith("## 10. cont4:")
    with pytest.raises(SystemExit) as exc:
        recipe_main([str(RECIPE), "--dry-run", "--from", "cont7"])
    assert exc.value.code == 2 and "no such step" in capsys.readouterr().err


def test_the_news22_recipe_lists_its_chain_with_the_rows_files_it_must_rebuild(tmp_path: Path, capsys):
    from train.recipe import main as recipe_main

    out = tmp_path / "run"
    assert recipe_main([str(NEWS22_RECIPE), "--out-dir", str(out), "--data-dir", str(tmp_path), "--dry-run"]) == 0
    printed = capsys.readouterr().out
    steps = [line.split(":")[0].split(". ", 1)[1] for line in printed.splitlines() if line.startswith("## ")]
    assert steps.index("pool-news14") < steps.index("run17") < steps.index("news22") < steps.index("select")
    assert f"# {out}/pool-news21.jsonl: sha256 starts 31bfd61dee4a" in printed
    assert f"PYTHONPATH={REPO} python {out}/legacy/news_profiles_e6b2d0d.py --data-dir {tmp_path}" in printed
    assert "--stop-at-step 603" in printed


def test_a_recipe_step_stops_the_recipe_when_its_file_is_not_the_one_named(tmp_path: Path, capsys):
    """A rows file that comes out different would train another model without a word; a step may
    also run a script file (a module as it was at an older commit)."""
    from train.recipe import main as recipe_main

    script = tmp_path / "write.py"
    script.write_text(
        # it imports from the repository, as a module written out from an older commit does
        "import pathlib, sys\nimport train.pairs\nout = pathlib.Path(sys.argv[1])\nout.parent.mkdir(parents=True)\n"
        "out.write_text('rows\\n')\n",
        encoding="utf-8",
    )
    digest = hashlib.sha256(b"rows\n").hexdigest()
    recipe = tmp_path / "r.toml"
    for prefix, code in ((digest[:12], 0), ("000000000000", 1)):
        recipe.write_text(
            f"""[recipe]
model = "m"
[[step]]
name = "rows"
run = ["{script}", "{{out}}/rows.jsonl"]
creates = "{{out}}/rows.jsonl"
checks = [["{{out}}/rows.jsonl", "{prefix}"]]
""",
            encoding="utf-8",
        )
        assert recipe_main([str(recipe), "--out-dir", str(tmp_path / "out"), "--data-dir", str(tmp_path)]) == code
        assert (tmp_path / "out" / "rows.jsonl").read_text(encoding="utf-8") == "rows\n"
    # the second pass skipped the step (its file exists) and still checked it
    captured = capsys.readouterr()
    assert "exists, skipped" in captured.out
    assert f"has SHA-256 {digest[:12]}, not 000000000000: remove it and run again" in captured.err
    recipe.write_text(recipe.read_text(encoding="utf-8").replace("000000000000", ""), encoding="utf-8")
    with pytest.raises(SystemExit) as exc:  # an empty prefix would match every file
        recipe_main([str(recipe), "--out-dir", str(tmp_path / "out"), "--dry-run"])
    assert exc.value.code == 2 and "needs 8-64 lower-case hex digits" in capsys.readouterr().err


def test_a_checkpoint_asked_for_by_step_is_kept_past_the_last_two(tmp_path: Path):
    pool = tmp_path / "pool.jsonl"
    _write_pool(pool)
    run = _train(tmp_path / "k", pool, "--ckpt-every-steps", "1", "--ckpt-at-steps", "2")
    assert run.returncode == 0, run.stderr[-2000:]
    assert sorted(p.name for p in (tmp_path / "k").glob("ckpt-*")) == ["ckpt-2", "ckpt-3", "ckpt-4"]


def test_a_run_stopped_at_a_step_keeps_the_checkpoint_an_unbroken_run_writes_there(tmp_path: Path):
    """The news chain's half-epoch checkpoints: the schedule is the whole run's, only its end is cut."""
    from safetensors.numpy import load_file

    pool = tmp_path / "pool.jsonl"
    _write_pool(pool)
    whole = _train(tmp_path / "whole", pool, "--ckpt-at-steps", "2")
    half = _train(tmp_path / "half", pool, "--stop-at-step", "2", "--keep", "1")
    assert whole.returncode == 0 and half.returncode == 0, (whole.stderr + half.stderr)[-2000:]
    assert "STOP AT STEP 2" in (tmp_path / "half" / "train.log").read_text(encoding="utf-8")
    assert not (tmp_path / "half" / "final").exists()
    assert sorted(p.name for p in (tmp_path / "half").glob("ckpt-*")) == ["ckpt-2"]
    a = load_file(tmp_path / "whole" / "ckpt-2" / "model.safetensors")
    b = load_file(tmp_path / "half" / "ckpt-2" / "model.safetensors")
    assert a.keys() == b.keys() and all((a[k] == b[k]).all() for k in a)
    # resumed with the option again it would train one step and stop, each time: refused
    again = _train(tmp_path / "half", pool, "--resume", "--stop-at-step", "2")
    assert again.returncode == 1 and "--resume without --stop-at-step" in again.stderr, again.stderr[-2000:]
    beyond = _train(tmp_path / "beyond", pool, "--stop-at-step", "9")
    assert beyond.returncode == 1 and "not between this run's step 0 and its 4 planned" in beyond.stderr
    resumed = _train(tmp_path / "half", pool, "--resume", "--keep", "1")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    c, d = _weights(tmp_path / "whole"), _weights(tmp_path / "half")
    assert all((c[k] == d[k]).all() for k in c)
    assert (tmp_path / "half" / "ckpt-2").is_dir()  # the stop's checkpoint outlives --keep 1


def test_stance_json_takes_the_calibration_and_names_the_version_by_the_files_hash(tmp_path: Path):
    import hashlib

    from train.stance_json import main as stance_json_main

    model = tmp_path / "model"
    model.mkdir()
    (model / "model.onnx").write_bytes(b"not really a model")
    calibration = {
        "dev_pairs": 3786,
        "temperature": 1.3,
        "neutral_threshold": 0.375,
        "dev_macro_f1_argmax": 0.79141,
        "dev_acc_argmax": 0.79419,
        "ece_T1": 0.06801,
        "ece_T": 0.04019,
    }
    (tmp_path / "calibration.json").write_text(json.dumps(calibration))
    argv = ["--calibration", str(tmp_path / "calibration.json"), "--model-dir", str(model), "--confident", "0.81"]
    stance_json_main([*argv, "--date", "2026-11-27"])
    written = json.loads((model / "stance.json").read_text())
    digest = hashlib.sha256(b"not really a model").hexdigest()[:12]
    assert written["version"] == f"minilm-l6-stance-2026-11-27-{digest}"
    assert written["labels"] == ["supports", "refutes", "neutral"]
    assert (written["temperature"], written["side_threshold"], written["confident_threshold"]) == (1.3, 0.375, 0.81)
    assert written["dev"] == {"macro_f1": 0.7914, "acc": 0.7942, "ece_before": 0.068, "ece_after": 0.0402}


def test_best_is_chosen_by_the_selected_dev_rows_and_only_past_the_guard_on_the_rest(tmp_path: Path):
    pool = tmp_path / "pool.jsonl"
    _write_pool(pool, news_dev=True)
    free = _train(tmp_path / "f", pool, "--ckpt-every-steps", "1", "--select-prefix", "news-")
    assert free.returncode == 0, free.stderr[-2000:]
    run = json.loads((tmp_path / "f" / "run.json").read_text(encoding="utf-8"))
    history = run["history"]
    assert all(0.0 <= h["select_macro_f1"] <= 1.0 and 0.0 <= h["rest_macro_f1"] <= 1.0 for h in history)
    assert run["best_dev_macro_f1"] == max(h["select_macro_f1"] for h in history)
    best = json.loads((tmp_path / "f" / "best" / "dev_metrics.json").read_text(encoding="utf-8"))
    assert best["selection"] == best["select_macro_f1"] == run["best_dev_macro_f1"]

    # No checkpoint can keep the rest of dev at a macro-F1 above 1: none may become best/.
    guarded = _train(tmp_path / "g", pool, "--ckpt-every-steps", "1", "--select-prefix", "news-", "--guard-min", "1.01")
    assert guarded.returncode == 0, guarded.stderr[-2000:]
    run = json.loads((tmp_path / "g" / "run.json").read_text(encoding="utf-8"))
    assert run["best_step"] == -1 and len(run["history"]) >= 4
    assert not (tmp_path / "g" / "best").exists()


def test_interpolate_averages_two_checkpoints_tensor_by_tensor(tmp_path: Path):
    import torch
    from safetensors.torch import load_file, save_file

    from train.interpolate import interpolate

    start, tuned, other = tmp_path / "start", tmp_path / "tuned", tmp_path / "other"
    for folder in (start, tuned, other):
        folder.mkdir()
        (folder / "config.json").write_text(json.dumps({"from": folder.name}))
    save_file({"w": torch.full((2, 2), 1.0), "b": torch.zeros(2)}, str(start / "model.safetensors"))
    save_file({"w": torch.full((2, 2), 3.0), "b": torch.ones(2)}, str(tuned / "model.safetensors"))
    save_file({"w": torch.zeros(2, 2)}, str(other / "model.safetensors"))

    interpolate(start, tuned, 0.25, tmp_path / "mix")
    mixed = load_file(str(tmp_path / "mix" / "model.safetensors"))
    assert torch.equal(mixed["w"], torch.full((2, 2), 1.5)) and torch.equal(mixed["b"], torch.full((2,), 0.25))
    assert json.loads((tmp_path / "mix" / "config.json").read_text()) == {"from": "tuned"}
    with pytest.raises(SystemExit, match="different tensors"):
        interpolate(start, other, 0.5, tmp_path / "bad")
    with pytest.raises(SystemExit, match="within 0..1"):
        interpolate(start, tuned, 1.5, tmp_path / "bad")


def _neutral_share(run: Path) -> float:
    """The trained model's mean probability of neutral over the small pool's claims."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(run / "final").eval()
    tok = AutoTokenizer.from_pretrained(run / "final")
    batch = tok([e for _, e, _ in FACTS], [c for c, _, _ in FACTS], padding=True, return_tensors="pt")
    with torch.no_grad():
        return float(torch.softmax(model(**batch).logits, dim=-1)[:, 2].mean())


def test_rows_with_a_teacher_learn_its_probabilities_instead_of_their_label(tmp_path: Path):
    pool = tmp_path / "pool.jsonl"
    _write_pool(pool)
    rows = [json.loads(line) for line in pool.read_text(encoding="utf-8").splitlines()]
    taught = tmp_path / "taught.jsonl"
    with taught.open("w", encoding="utf-8") as f:
        for row in rows:
            # a teacher that calls every training pair neutral, whatever its label
            f.write(json.dumps({**row, "teacher": [0.0, 0.0, 1.0]} if row["split"] == "train" else row) + "\n")
    labelled = _train(tmp_path / "l", pool, "--lr", "1e-4")
    distilled = _train(tmp_path / "d", taught, "--lr", "1e-4")
    assert labelled.returncode == 0 and distilled.returncode == 0, distilled.stderr[-2000:]
    assert "training rows learn a teacher's probabilities" in (tmp_path / "d" / "train.log").read_text(encoding="utf-8")
    assert _neutral_share(tmp_path / "d") > _neutral_share(tmp_path / "l") + 0.05


def _tiny_mpnet(folder: Path) -> Path:
    """A two-layer MPNet with random weights and a word-level vocabulary of the test's facts: the
    architecture of all-mpnet-base-v2 (no token types), small enough to train in seconds."""
    import re

    from transformers import MPNetConfig, MPNetModel, MPNetTokenizerFast

    words = sorted(
        {w for c, e, _ in FACTS for w in re.findall(r"\w+|[^\w\s]", f"{c} {e}".lower())} | set("()0123456789")
    )
    vocab = ["<s>", "<pad>", "</s>", "<mask>", "[UNK]", *words]
    MPNetTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}).save_pretrained(folder)
    config = MPNetConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64
    )
    MPNetModel(config).save_pretrained(folder)
    return folder


def test_a_model_without_token_types_trains_exports_and_scores_the_same_in_onnx(tmp_path: Path):
    """all-mpnet-base-v2 (a teacher, docs/prereg/news9.md) takes no token_type_ids: the trainer, the
    ONNX export and the predictor feed it only what its tokenizer gives."""
    import numpy as np

    from train.export import export_onnx
    from train.predictor import StancePredictor

    pool = tmp_path / "pool.jsonl"
    _write_pool(pool)
    run = _train(tmp_path / "run", pool, "--base-model", str(_tiny_mpnet(tmp_path / "mpnet")))
    assert run.returncode == 0, run.stderr[-2000:]
    export_onnx(tmp_path / "run" / "final", tmp_path / "onnx")
    onnx = StancePredictor(tmp_path / "onnx")
    assert onnx.inputs == {"input_ids", "attention_mask"}
    torch_model = StancePredictor(tmp_path / "run" / "final")
    claims, evidences = [c for c, _, _ in FACTS], [e for _, e, _ in FACTS]
    assert np.abs(onnx.logits(claims, evidences) - torch_model.logits(claims, evidences)).max() < 1e-4


def test_adapters_train_alone_resume_exactly_and_merge_into_the_checkpoint(tmp_path: Path):
    """--lora-rank (the accurate reader, docs/prereg/news27.md): only the adapters and the head
    change; a run stopped and resumed ends with the adapters of an unbroken one; the checkpoint's
    merged weights are the base with those adapters, as `claimbot reader install` merges them."""
    import numpy as np
    import torch
    from peft import PeftModel
    from safetensors.numpy import load_file
    from transformers import AutoModelForSequenceClassification, MPNetModel

    base = _tiny_mpnet(tmp_path / "mpnet")
    pool = tmp_path / "pool.jsonl"
    _write_pool(pool)
    lora = ("--base-model", str(base), "--lora-rank", "4", "--lr", "1e-2")
    straight = _train(tmp_path / "a", pool, *lora)
    assert straight.returncode == 0, straight.stderr[-2000:]
    stopped = _train(tmp_path / "b", pool, *lora, "--hard-stop", "2000-01-01T00:00:00")
    assert stopped.returncode == 0, stopped.stderr[-2000:]
    resumed = _train(tmp_path / "b", pool, *lora, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-2000:]

    def adapters(run: Path) -> dict:
        return load_file(run / "final" / "adapter" / "adapter_model.safetensors")

    a, b = adapters(tmp_path / "a"), adapters(tmp_path / "b")
    assert a.keys() == b.keys() and any("lora_A" in k for k in a) and any("classifier" in k for k in a)
    assert all((a[k] == b[k]).all() for k in a)
    # the resumed run starts from the base again, not from its checkpoint's merged weights
    wa, wb = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert all(np.array_equal(wa[k], wb[k]) for k in wa)

    # the frozen base: the embeddings (no adapter there) are the base model's own
    merged = load_file(tmp_path / "a" / "final" / "model.safetensors")
    original = MPNetModel.from_pretrained(base).embeddings.word_embeddings.weight.detach().numpy()
    assert np.array_equal(merged["mpnet.embeddings.word_embeddings.weight"], original)
    # ... and the trained layers moved off it
    attention = MPNetModel.from_pretrained(base).encoder.layer[0].attention.attn.q.weight.detach().numpy()
    assert not np.allclose(merged["mpnet.encoder.layer.0.attention.attn.q.weight"], attention)

    rebuilt = AutoModelForSequenceClassification.from_pretrained(base, num_labels=3)
    rebuilt = PeftModel.from_pretrained(rebuilt, tmp_path / "a" / "final" / "adapter").merge_and_unload().eval()
    checkpoint = AutoModelForSequenceClassification.from_pretrained(tmp_path / "a" / "final").eval()
    ids = torch.tensor([[0, 5, 6, 7, 2, 2, 8, 9, 2]])
    with torch.no_grad():
        assert torch.allclose(rebuilt(input_ids=ids).logits, checkpoint(input_ids=ids).logits, atol=1e-5)
