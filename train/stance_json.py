"""Write a model folder's stance.json (what `claimbot check` reads beside model.onnx) from the dev
calibration `train.stance_eval --calibrate` wrote, and the confident threshold
`train.stance_views_eval` fitted for the view check picks.

    python -m train.stance_json --calibration RUN/export/calibration.json --model-dir RUN/model \
        --confident 0.81 --date 2026-11-27

The version is ``minilm-l6-stance-<date>-<first 12 hex digits of model.onnx's SHA-256>``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

from train.settings import LABELS

INPUT = "[CLS] evidence [SEP] claim [SEP], max 128 tokens, longest side truncated first"


def stance_config(calibration: dict[str, Any], model_file: Path, confident: float, date: str) -> dict[str, Any]:
    digest = hashlib.sha256(model_file.read_bytes()).hexdigest()[:12]
    return {
        "labels": LABELS,
        "version": f"minilm-l6-stance-{date}-{digest}",
        "input": INPUT,
        "temperature": calibration["temperature"],
        "side_threshold": calibration["neutral_threshold"],
        "confident_threshold": confident,
        "fitted_on": (
            f"held-out dev slice of the training pool ({calibration['dev_pairs']} pairs): temperature by NLL, "
            "side threshold by macro-F1, confident threshold = lowest calibrated confidence with accuracy >= 0.90 "
            "for the view claimbot check picks (whole sentence, clauses, core; train/stance_views_eval.py)"
        ),
        "dev": {
            "macro_f1": round(calibration["dev_macro_f1_argmax"], 4),
            "acc": round(calibration["dev_acc_argmax"], 4),
            "ece_before": round(calibration["ece_T1"], 4),
            "ece_after": round(calibration["ece_T"], 4),
        },
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calibration", type=Path, required=True, help="calibration.json of train.stance_eval")
    ap.add_argument("--model-dir", type=Path, required=True, help="the folder holding model.onnx")
    ap.add_argument("--confident", type=float, required=True, help="the confident threshold (stance_views_eval)")
    ap.add_argument("--date", required=True, help="the version's date, YYYY-MM-DD")
    a = ap.parse_args(argv)
    if not (a.model_dir / "model.onnx").is_file():
        ap.error(f"no model at {a.model_dir / 'model.onnx'}")
    if not 0.0 < a.confident < 1.0:
        ap.error("--confident must be between 0 and 1")
    config = stance_config(json.loads(a.calibration.read_text()), a.model_dir / "model.onnx", a.confident, a.date)
    (a.model_dir / "stance.json").write_text(json.dumps(config, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {a.model_dir / 'stance.json'} ({config['version']})")


if __name__ == "__main__":
    main()
