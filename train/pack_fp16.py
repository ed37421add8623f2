"""Pick the best of one or more training runs (by dev macro-F1) and pack its weights in fp16.

Used to bring a model back from a GPU machine whose file transfer caps each file's size:

    python -m train.pack_fp16 OUT_DIR RUN_DIR [RUN_DIR ...] [--part-mb 15]

Writes OUT_DIR/model.fp16.safetensors.part-00, -01, ... (join with ``cat``), config.json,
dev_metrics.json and run.json of the winning run, and winner.txt naming it.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("runs", type=Path, nargs="+")
    ap.add_argument("--part-mb", type=float, default=15)
    a = ap.parse_args(argv)
    from safetensors.torch import load_file, save_file

    scored = []
    for r in a.runs:
        m = r / "best" / "dev_metrics.json"
        if m.exists():
            scored.append((json.loads(m.read_text())["macro_f1"], r))
    if not scored:
        raise SystemExit("no run has a best/ checkpoint")
    f1, run = max(scored, key=lambda t: t[0])
    a.out.mkdir(parents=True, exist_ok=True)
    sd = load_file(run / "best" / "model.safetensors")
    tmp = a.out.parent / "model.fp16.safetensors"
    save_file({k: v.half().contiguous() for k, v in sd.items()}, tmp, metadata={"format": "pt"})
    data = tmp.read_bytes()
    step = int(a.part_mb * 2**20)
    for i in range(0, len(data), step):
        (a.out / f"model.fp16.safetensors.part-{i // step:02d}").write_bytes(data[i : i + step])
    for n in ("config.json", "dev_metrics.json"):
        shutil.copy(run / "best" / n, a.out / n)
    shutil.copy(run / "run.json", a.out / "run.json")
    (a.out / "winner.txt").write_text(
        json.dumps({"run": str(run), "dev_macro_f1": f1, "all": [(str(r), s) for s, r in scored]}) + "\n"
    )
    print(f"winner {run} dev macro-F1 {f1:.4f}; {len(data)} bytes fp16")


if __name__ == "__main__":
    main()
