"""Export and quantisation of a stance checkpoint: one module for every form the model ships or was
measured in.

* `export_onnx`: the checkpoint as one self-contained ONNX file (fp32; inputs ``input_ids`` /
  ``attention_mask`` / ``token_type_ids``, int64 ``[batch, seq]`` with dynamic axes; output
  ``logits [batch, 3]`` in the order supports, refutes, neutral), with its tokenizer and config;
* `fp16_storage`: the large weights stored in fp16, each cast back to fp32 at load (half the size,
  fp32 arithmetic, batch-independent): **the form that ships**;
* dynamic int8 lives in the accurate reader's module (`accurate.quantize_dynamic_int8`), which builds
  the accurate reader with it: per-batch activation scales, so that reader runs one pair at a time;
* `quantize_static_int8`: static int8 with activation scales fixed from calibration pairs
  (batch-independent; measured, not shipped).

`train/stance_export.py` and `train/stance_quantize.py` are the command lines. Needs the ``onnx``
package (``pip install -e ".[train]"``); onnxruntime alone runs the exported model.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from train.pairs import read_pairs
from train.predictor import StancePredictor
from train.settings import L2I

# Files copied beside a quantised model from beside its source.
COPY = ("tokenizer.json", "tokenizer_config.json", "config.json", "calibration.json", "dev_metrics.json")
Labelled = tuple[str, str, int]  # (claim, evidence, label index)


def export_onnx(ckpt: Path, out: Path, opset: int = 17, attention: str = "eager") -> Path:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    # "eager" exports attention as plain MatMul/Softmax. The SDPA export adds IsNaN/Where ops on the
    # attention mask and keeps onnxruntime from fusing the GELU; on the 2-core AVX-512 host the eager
    # graph scores a check's pairs about 10 % faster, with logits within 2e-5 (docs/stance-model.md).
    model = AutoModelForSequenceClassification.from_pretrained(
        ckpt, dtype=torch.float32, attn_implementation=attention
    ).eval()
    model.config.return_dict = False
    tok = AutoTokenizer.from_pretrained(ckpt)
    enc = tok(
        ["The building suffered minor damage and no one was injured."], ["Nobody was injured."], return_tensors="pt"
    )

    # The graph takes what the tokenizer gives: BERT's token types, none for MPNet (a teacher)
    names = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc]

    class Wrap(torch.nn.Module):
        def __init__(self, m: Any) -> None:
            super().__init__()
            self.m = m

        def forward(self, *inputs: Any) -> Any:
            return self.m(**dict(zip(names, inputs, strict=True)), return_dict=False)[0]

    out.mkdir(parents=True, exist_ok=True)
    dest = out / "model.onnx"
    args = tuple(enc[k] for k in names)
    dyn = {k: {0: "batch", 1: "sequence"} for k in names}
    dyn["logits"] = {0: "batch"}
    kw: dict[str, Any] = dict(
        input_names=names,
        output_names=["logits"],
        dynamic_axes=dyn,
        opset_version=opset,
        do_constant_folding=True,
    )
    try:
        torch.onnx.export(Wrap(model), args, str(dest), dynamo=False, **kw)
    except TypeError:  # older torch without the dynamo switch
        torch.onnx.export(Wrap(model), args, str(dest), **kw)
    # a single self-contained file (no external .data) so it can ship as one resource
    ext = list(out.glob("model.onnx*.data"))
    if ext:
        import onnx  # only needed when the exporter wrote external weights

        m = onnx.load(str(dest), load_external_data=True)
        for f in ext:
            f.unlink()
        onnx.save_model(m, str(dest), save_as_external_data=False)
    tok.save_pretrained(out)
    model.config.save_pretrained(out)
    for extra in ("calibration.json", "dev_metrics.json"):
        if (ckpt / extra).exists():
            shutil.copy(ckpt / extra, out / extra)
    return dest


def fp16_storage(src: Path, dst: Path, min_elements: int = 1024) -> int:
    """Store the large fp32 weights as fp16, each followed by a Cast back to fp32.

    Halves the file that ships in the repository.  onnxruntime folds the casts when it loads the
    model, so inference runs in fp32 at fp32 speed and stays batch-independent (dynamic int8
    does not: its activation scale is computed over the whole batch).  The only change is fp16
    rounding of the weights.  Returns how many tensors were converted."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    input_names = {i.name for i in graph.input}
    casts, converted = [], 0
    for init in list(graph.initializer):
        if init.data_type != TensorProto.FLOAT or init.name in input_names:
            continue
        if int(np.prod(init.dims)) < min_elements:
            continue
        half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), init.name + "__fp16")
        graph.initializer.remove(init)
        graph.initializer.append(half)
        casts.append(
            helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT, name=init.name + "__to_fp32")
        )
        converted += 1
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save_model(model, str(dst))
    return converted


def pool_pairs(pool: Path, split: str, n: int, seed: int = 0) -> list[Labelled]:
    """`n` shuffled (claim, evidence, label index) pairs of one split of the training pool."""
    rows = [p for p in read_pairs(pool) if p["split"] == split]
    random.Random(seed).shuffle(rows)
    return [(p["claim"], p["evidence"], L2I[p["label"]]) for p in rows[:n]]


def sample_pairs(pool: Path, n: int, seed: int = 0) -> list[Labelled]:
    """Verification pairs: the pool's dev slice (never trained on), or fixed examples."""
    if pool.exists():
        return pool_pairs(pool, "dev", n, seed)
    return [
        ("Pérez was killed.", "CNN reported, citing a high government source, that he had been killed.", 0),
        ("Pérez was killed.", "Here we are, alive and well, the whole team, Pérez said.", 1),
        (
            "Nobody was injured in the 2017 helicopter attack.",
            "No one was injured and the building suffered minor damage.",
            0,
        ),
    ]


def weight_matmuls(model_path: Path) -> list[str]:
    """Encoder MatMul nodes whose second input is a weight (an initializer, or a Cast of one)."""
    import onnx

    model = onnx.load(str(model_path))
    graph = model.graph
    weights = {i.name for i in graph.initializer}
    weights |= {n.output[0] for n in graph.node if n.op_type == "Cast" and n.input[0] in weights}
    return [
        n.name
        for n in graph.node
        if n.op_type == "MatMul"
        and n.input[1] in weights
        and not any(k in n.name or k in n.input[1] for k in ("pooler", "classifier"))
    ]


class PairReader:
    """onnxruntime's CalibrationDataReader protocol: one feed dict per call, then None."""

    def __init__(self, predictor: StancePredictor, pairs: Sequence[Labelled], batch: int = 16) -> None:
        self.feeds: list[dict[str, np.ndarray]] = []
        for s in range(0, len(pairs), batch):
            chunk = pairs[s : s + batch]
            enc = predictor.encode([c for c, _, _ in chunk], [e for _, e, _ in chunk])
            self.feeds.append(
                {
                    k: enc[k].astype(np.int64)
                    for k in ("input_ids", "attention_mask", "token_type_ids")
                    if k in predictor.inputs
                }
            )
        self._it = iter(self.feeds)

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._it, None)

    def rewind(self) -> None:
        self._it = iter(self.feeds)


def timed_logits(predictor: StancePredictor, pairs: Sequence[Labelled], batch_size: int) -> tuple[np.ndarray, float]:
    predictor.batch_size = batch_size
    claims, evidences = [c for c, _, _ in pairs], [e for _, e, _ in pairs]
    predictor.logits(claims[:32], evidences[:32])  # warm-up
    t = time.perf_counter()
    lg = predictor.logits(claims, evidences)
    return lg, len(pairs) / (time.perf_counter() - t)


def quantize_static_int8(
    model: Path,
    dest: Path,
    fp32: StancePredictor,
    calib: Sequence[Labelled],
    *,
    method: str = "minmax",
    percentile: float = 99.999,
    activations: str = "uint8",
    fmt: str = "qoperator",
    per_channel: bool = True,
    reduce_range: bool = False,
) -> list[str]:
    """Static int8 of the encoder's weight MatMuls (`weight_matmuls`), activation ranges from
    `calib`; returns the quantised nodes."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    nodes = weight_matmuls(model)
    quantize_static(
        str(model),
        str(dest),
        PairReader(fp32, calib),
        quant_format=QuantFormat.QDQ if fmt == "qdq" else QuantFormat.QOperator,
        activation_type=QuantType.QUInt8 if activations == "uint8" else QuantType.QInt8,
        weight_type=QuantType.QInt8,
        per_channel=per_channel,
        reduce_range=reduce_range,
        nodes_to_quantize=nodes,
        calibrate_method={
            "minmax": CalibrationMethod.MinMax,
            "percentile": CalibrationMethod.Percentile,
            "entropy": CalibrationMethod.Entropy,
        }[method],
        extra_options={"CalibPercentile": percentile, "ActivationSymmetric": activations == "int8"},
    )
    return nodes


def copy_model_files(src_dir: Path, out: Path) -> None:
    """The tokenizer, config and calibration files of `src_dir`, copied into `out` where present."""
    for name in COPY:
        if (src_dir / name).exists():
            shutil.copy(src_dir / name, out / name)


def pack_best_fp16(out: Path, runs: Sequence[Path], part_mb: float = 15) -> tuple[Path, float, int]:
    """The run with the best ``best/`` dev macro-F1, its weights in fp16 cut into parts of
    `part_mb` MB (``model.fp16.safetensors.part-NN``, join with ``cat``), with its config.json,
    dev_metrics.json, run.json and winner.txt; returns (run, its dev macro-F1, bytes)."""
    from safetensors.torch import load_file, save_file

    scored = []
    for r in runs:
        m = r / "best" / "dev_metrics.json"
        if m.exists():
            metrics = json.loads(m.read_text())
            # a run chosen by part of its dev rows (train.stance --select-prefix) is compared by that part
            scored.append((metrics.get("selection") or metrics["macro_f1"], r))
    if not scored:
        raise SystemExit("no run has a best/ checkpoint")
    f1, run = max(scored, key=lambda t: t[0])
    out.mkdir(parents=True, exist_ok=True)
    sd = load_file(run / "best" / "model.safetensors")
    tmp = out.parent / "model.fp16.safetensors"
    save_file({k: v.half().contiguous() for k, v in sd.items()}, tmp, metadata={"format": "pt"})
    data = tmp.read_bytes()
    step = int(part_mb * 2**20)
    for i in range(0, len(data), step):
        (out / f"model.fp16.safetensors.part-{i // step:02d}").write_bytes(data[i : i + step])
    for n in ("config.json", "dev_metrics.json"):
        shutil.copy(run / "best" / n, out / n)
    shutil.copy(run / "run.json", out / "run.json")
    (out / "winner.txt").write_text(
        json.dumps({"run": str(run), "dev_macro_f1": f1, "all": [(str(r), s) for s, r in scored]}) + "\n"
    )
    return run, f1, len(data)
