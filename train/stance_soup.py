"""Average the weights of stance checkpoints that share one training trajectory ("model soup").

Checkpoints of one run, or a run and the model it continued from, sit in one basin of the loss;
their mean is often better than each of them and costs no training (Wortsman et al. 2022, "Model
soups"). Models trained from different starting points must not be averaged: their weights do not
line up.

    python -m train.stance_soup --out RUN/soup RUN/shipped RUN/next/ckpt-6382 RUN/next/ckpt-7265

The first checkpoint's config and tokenizer files are copied alongside the averaged weights, so the
result loads, exports and trains like any checkpoint.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

WEIGHTS = "model.safetensors"
# Everything a checkpoint directory holds besides weights and optimizer state.
_COPIED = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")


def average_state_dicts(states: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    if not states:
        raise ValueError("no checkpoints to average")
    keys = set(states[0])
    for i, state in enumerate(states[1:], start=2):
        if set(state) != keys:
            missing, extra = sorted(keys - set(state)), sorted(set(state) - keys)
            raise ValueError(
                f"checkpoint {i} has other parameters than the first: missing {missing[:3]}, extra {extra[:3]}"
            )
    out = {}
    for key in states[0]:
        tensors = [s[key] for s in states]
        if any(t.shape != tensors[0].shape for t in tensors):
            raise ValueError(f"{key}: shapes differ: {[tuple(t.shape) for t in tensors]}")
        if tensors[0].is_floating_point():
            # Sum in fp32 whatever the storage type, so fp16 checkpoints do not lose the low bits.
            out[key] = (sum(t.float() for t in tensors) / len(tensors)).to(tensors[0].dtype)
        else:
            if any(not torch.equal(t, tensors[0]) for t in tensors):
                raise ValueError(f"{key}: integer buffers differ between checkpoints")
            out[key] = tensors[0].clone()
    return out


def soup(checkpoints: list[Path], out: Path) -> Path:
    for ckpt in checkpoints:
        if not (ckpt / WEIGHTS).is_file():
            raise FileNotFoundError(f"{ckpt / WEIGHTS} not found")
    averaged = average_state_dicts([load_file(str(c / WEIGHTS)) for c in checkpoints])
    out.mkdir(parents=True, exist_ok=True)
    save_file(averaged, str(out / WEIGHTS), metadata={"format": "pt"})
    for name in _COPIED:
        if (checkpoints[0] / name).is_file():
            shutil.copy2(checkpoints[0] / name, out / name)
    (out / "soup.json").write_text(json.dumps({"averaged": [str(c) for c in checkpoints]}, indent=1) + "\n")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("checkpoints", type=Path, nargs="+", help="checkpoint directories with model.safetensors")
    args = ap.parse_args(argv)
    if len(args.checkpoints) < 2:
        ap.error("give at least two checkpoints to average")
    try:
        soup(args.checkpoints, args.out)
    except (FileNotFoundError, ValueError) as exc:  # a wrong path or checkpoints that do not line up
        ap.exit(2, f"stance_soup: error: {exc}\n")
    print(f"averaged {len(args.checkpoints)} checkpoints into {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
