"""Pick the best of one or more training runs (by dev macro-F1) and pack its weights in fp16
(`train.export.pack_best_fp16`).

Used to bring a model back from a GPU machine whose file transfer caps each file's size
(train/gpu_run.sh):

    python -m train.pack_fp16 OUT_DIR RUN_DIR [RUN_DIR ...] [--part-mb 15]

Writes OUT_DIR/model.fp16.safetensors.part-00, -01, ... (join with ``cat``), config.json,
dev_metrics.json and run.json of the winning run, and winner.txt naming it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from train.export import pack_best_fp16


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("runs", type=Path, nargs="+")
    ap.add_argument("--part-mb", type=float, default=15)
    a = ap.parse_args(argv)
    run, f1, size = pack_best_fp16(a.out, a.runs, a.part_mb)
    print(f"winner {run} dev macro-F1 {f1:.4f}; {size} bytes fp16")


if __name__ == "__main__":
    main()
