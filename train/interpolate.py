"""Average two stance checkpoints weight by weight (WiSE-FT): theta = (1 - w) * start + w * tuned.

    python -m train.interpolate --start RUN/shipped --tuned RUN/news3/cand --weight 0.5 --out RUN/mix50

Both folders are train.stance checkpoints of the same architecture (config.json, model.safetensors,
tokenizer files). The output is a checkpoint folder train.news_select can calibrate and export; its
config and tokenizer are the tuned model's.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

WEIGHTS = "model.safetensors"


def interpolate(start: Path, tuned: Path, weight: float, out: Path) -> None:
    from safetensors.torch import load_file, save_file

    if not 0.0 <= weight <= 1.0:
        raise SystemExit(f"--weight must be within 0..1, got {weight}")
    a = load_file(str(start / WEIGHTS))
    b = load_file(str(tuned / WEIGHTS))
    if a.keys() != b.keys():
        raise SystemExit(f"{start} and {tuned} hold different tensors: not the same architecture")
    for name in a:
        if a[name].shape != b[name].shape:
            raise SystemExit(f"tensor {name}: shape {tuple(a[name].shape)} against {tuple(b[name].shape)}")
    mixed = {name: ((1.0 - weight) * a[name].float() + weight * b[name].float()).to(b[name].dtype) for name in a}
    out.mkdir(parents=True, exist_ok=True)
    for item in tuned.iterdir():
        if item.is_file() and item.name != WEIGHTS:
            shutil.copy2(item, out / item.name)
    save_file(mixed, str(out / WEIGHTS), metadata={"format": "pt"})


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--start", type=Path, required=True, help="the checkpoint the tuned one continued from")
    ap.add_argument("--tuned", type=Path, required=True, help="the fine-tuned checkpoint")
    ap.add_argument("--weight", type=float, required=True, help="share of the tuned model, 0..1")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    interpolate(args.start, args.tuned, args.weight, args.out)
    print(f"wrote {args.out} ({args.weight:.2f} of {args.tuned}, {1 - args.weight:.2f} of {args.start})")


if __name__ == "__main__":
    main()
