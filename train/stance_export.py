"""Export a trained stance checkpoint to ONNX (+ tokenizer files), verify it, optionally quantise:
the command line of `train.export`.

    python -m train.stance_export --checkpoint RUN/best --out RUN/export [--fp16-storage] [--int8] [--threads 2]

Writes into --out: model.onnx (fp32; inputs input_ids / attention_mask / token_type_ids,
int64 [batch, seq] with dynamic batch and sequence axes; output logits [batch, 3] in the
order supports, refutes, neutral), tokenizer files, config.json, calibration.json (copied
when present beside the checkpoint), export_report.json.  With --fp16-storage also
model.fp16w.onnx (the form that ships: fp16-stored weights cast to fp32 at load).  With --int8 also
model.int8.onnx (onnxruntime dynamic quantisation, per-channel weights; classifier kept fp32 unless
--quantize-classifier) and its agreement with fp32 on a verification sample.

RUN defaults to $CLAIMBOT_RUNS_DIR/stance, else ../claimbot-runs/stance beside the repository.
Input order: [CLS] evidence [SEP] claim [SEP], max 128 tokens (same as training).
This script never writes into the repository; copy the folder to index/stance/weights/ yourself.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from claimbot.index.service import accurate
from train.export import export_onnx, fp16_storage, sample_pairs
from train.predictor import StancePredictor, softmax
from train.settings import LABELS, default_run_dir


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", type=Path, default=default_run_dir() / "best")
    ap.add_argument("--out", type=Path, default=default_run_dir() / "export")
    ap.add_argument("--pool", type=Path, default=default_run_dir() / "pool.jsonl")
    ap.add_argument("--verify-n", type=int, default=1000, help="dev pairs used to compare outputs")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument(
        "--attention",
        choices=("sdpa", "eager"),
        default="eager",
        help="eager (what ships): plain MatMul/Softmax attention, without the SDPA export's IsNaN/Where mask ops",
    )
    ap.add_argument("--int8", action="store_true", help="also write model.int8.onnx and compare")
    ap.add_argument("--no-per-channel", action="store_true")
    ap.add_argument("--quantize-classifier", action="store_true")
    ap.add_argument(
        "--fp16-storage",
        action="store_true",
        help="also write model.fp16w.onnx: fp16-stored weights cast to fp32 at load (half the size)",
    )
    a = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch

    torch.set_num_threads(a.threads)
    t0 = time.time()
    dest = export_onnx(a.checkpoint, a.out, a.opset, a.attention)
    report: dict[str, Any] = {
        "checkpoint": str(a.checkpoint.resolve()),
        "labels": LABELS,
        "input_order": "evidence first, claim second",
        "max_len": 128,
        "fp32_onnx": dest.name,
        "fp32_bytes": dest.stat().st_size,
        "export_seconds": round(time.time() - t0, 1),
    }
    print(f"exported {dest} ({dest.stat().st_size / 1e6:.1f} MB)")

    pairs = sample_pairs(a.pool, a.verify_n)
    claims, evs, y = [p[0] for p in pairs], [p[1] for p in pairs], np.array([p[2] for p in pairs])
    pt = StancePredictor(a.checkpoint, threads=a.threads)
    ox = StancePredictor(dest, threads=a.threads)
    t = time.time()
    lg_t = pt.logits(claims, evs)
    s_t = time.time() - t
    t = time.time()
    lg_o = ox.logits(claims, evs)
    s_o = time.time() - t
    # batch independence: the first 16 pairs scored one at a time vs in a batch
    single = np.concatenate([ox.logits([c], [e]) for c, e in zip(claims[:16], evs[:16], strict=True)])
    report["verify"] = {
        "pairs": len(pairs),
        "max_abs_logit_diff_onnx_vs_torch": float(np.abs(lg_t - lg_o).max()),
        "max_abs_prob_diff": float(np.abs(softmax(lg_t) - softmax(lg_o)).max()),
        "decision_agreement": float((lg_t.argmax(1) == lg_o.argmax(1)).mean()),
        "max_abs_logit_diff_single_vs_batch": float(np.abs(single - lg_o[:16]).max()),
        "acc_torch": float((lg_t.argmax(1) == y).mean()),
        "acc_onnx_fp32": float((lg_o.argmax(1) == y).mean()),
        "pairs_per_s_torch_b32": round(len(pairs) / s_t, 1),
        "pairs_per_s_onnx_fp32_b32": round(len(pairs) / s_o, 1),
    }
    print(json.dumps(report["verify"], indent=1))
    if report["verify"]["max_abs_logit_diff_onnx_vs_torch"] > 1e-3:
        print("WARNING: ONNX and torch logits differ by more than 1e-3")

    if a.fp16_storage:
        h = a.out / "model.fp16w.onnx"
        n_conv = fp16_storage(dest, h)
        hx = StancePredictor(h, threads=a.threads)
        t = time.time()
        lg_h = hx.logits(claims, evs)
        s_h = time.time() - t
        single_h = np.concatenate([hx.logits([c], [e]) for c, e in zip(claims[:16], evs[:16], strict=True)])
        report["fp16_storage"] = {
            "file": h.name,
            "bytes": h.stat().st_size,
            "tensors_converted": n_conv,
            "decision_agreement_with_fp32": float((lg_h.argmax(1) == lg_o.argmax(1)).mean()),
            "max_abs_logit_diff_vs_fp32": float(np.abs(lg_h - lg_o).max()),
            "max_abs_logit_diff_single_vs_batch": float(np.abs(single_h - lg_h[:16]).max()),
            "pairs_per_s_b32": round(len(pairs) / s_h, 1),
        }
        print(json.dumps(report["fp16_storage"], indent=1))

    if a.int8:
        q = a.out / "model.int8.onnx"
        excl = accurate.quantize_dynamic_int8(
            dest, q, per_channel=not a.no_per_channel, keep_classifier=not a.quantize_classifier
        )
        qx = StancePredictor(q, threads=a.threads)
        t = time.time()
        lg_q = qx.logits(claims, evs)
        s_q = time.time() - t
        single_q = np.concatenate([qx.logits([c], [e]) for c, e in zip(claims[:16], evs[:16], strict=True)])
        report["int8"] = {
            "file": q.name,
            "bytes": q.stat().st_size,
            "per_channel": not a.no_per_channel,
            "nodes_kept_fp32": excl,
            "decision_agreement_with_fp32": float((lg_q.argmax(1) == lg_o.argmax(1)).mean()),
            "changed_decisions_pct": float(100 * (lg_q.argmax(1) != lg_o.argmax(1)).mean()),
            "acc_int8": float((lg_q.argmax(1) == y).mean()),
            "acc_delta_points_vs_fp32": float(100 * ((lg_q.argmax(1) == y).mean() - (lg_o.argmax(1) == y).mean())),
            "max_abs_prob_diff": float(np.abs(softmax(lg_q) - softmax(lg_o)).max()),
            "max_abs_logit_diff_single_vs_batch": float(np.abs(single_q - lg_q[:16]).max()),
            "pairs_per_s_int8_b32": round(len(pairs) / s_q, 1),
        }
        print(json.dumps(report["int8"], indent=1))
    (a.out / "export_report.json").write_text(json.dumps(report, indent=1))
    print(f"wrote {a.out / 'export_report.json'}")


if __name__ == "__main__":
    main()
