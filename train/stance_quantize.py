"""Static int8 quantisation of the exported stance model, measured against fp32 (the command line of
`train.export.quantize_static_int8`; measured, not shipped: docs/stance-model.md, "Quantisation").

    python -m train.stance_quantize --model OUT/export/model.onnx --pool OUT/pool.jsonl \
        --out OUT/int8 [--calib-n 256] [--method minmax] [--format qoperator] [--activations uint8]

Dynamic int8 (train/stance_export.py --int8) computes each activation scale over the whole batch,
so a pair's scores depend on what else is in the batch, which the product forbids. Static int8 fixes
the scales once, from calibration pairs, so every pair is scored the same alone or batched.

Only the weight MatMuls of the encoder layers are quantised (per-channel int8 weights, static
activations; the QOperator format writes QLinearMatMul nodes, QDQ leaves the fusing to
onnxruntime). Embeddings, the attention score MatMuls (activation x activation), LayerNorm,
softmax, the pooler and the classifier stay fp32. Calibration uses the pool's `train` split; agreement and accuracy are measured on its `dev`
split, never on an evaluation set. Writes into --out: model.onnx (the int8 model), the tokenizer
and config files copied from beside --model, and quantize_report.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from train.export import copy_model_files, pool_pairs, quantize_static_int8, timed_logits
from train.predictor import StancePredictor
from train.settings import default_run_dir


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True, help="fp32 model.onnx (tokenizer files beside it)")
    ap.add_argument("--pool", type=Path, default=default_run_dir() / "pool.jsonl")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--calib-n", type=int, default=256, help="train-split pairs for the activation ranges")
    ap.add_argument("--verify-n", type=int, default=2000, help="dev-split pairs for agreement and accuracy")
    ap.add_argument(
        "--method",
        choices=("minmax", "percentile", "entropy"),
        default="minmax",
        help="percentile and entropy keep every activation: 512 pairs ran out of 24 GiB",
    )
    ap.add_argument("--percentile", type=float, default=99.999)
    ap.add_argument("--activations", choices=("uint8", "int8"), default="uint8")
    ap.add_argument(
        "--format",
        choices=("qdq", "qoperator"),
        default="qoperator",
        help="qoperator writes QLinearMatMul nodes (integer kernels) instead of Q/DQ pairs",
    )
    ap.add_argument("--no-per-channel", action="store_true")
    ap.add_argument("--reduce-range", action="store_true", help="7-bit weights (avoids AVX2 u8s8 saturation)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)

    a.out.mkdir(parents=True, exist_ok=True)
    copy_model_files(a.model.parent, a.out)
    fp32 = StancePredictor(a.model, threads=a.threads)
    calib = pool_pairs(a.pool, "train", a.calib_n, a.seed)
    dest = a.out / "model.onnx"
    t0 = time.time()
    nodes = quantize_static_int8(
        a.model,
        dest,
        fp32,
        calib,
        method=a.method,
        percentile=a.percentile,
        activations=a.activations,
        fmt=a.format,
        per_channel=not a.no_per_channel,
        reduce_range=a.reduce_range,
    )
    seconds = time.time() - t0

    int8 = StancePredictor(dest, threads=a.threads)
    dev = pool_pairs(a.pool, "dev", a.verify_n, a.seed)
    y = np.array([label for _, _, label in dev])
    lg_f, speed_f = timed_logits(fp32, dev, 16)
    lg_q, speed_q = timed_logits(int8, dev, 16)
    single = np.concatenate([int8.logits([c], [e]) for c, e, _ in dev[:64]])
    batched = lg_q[:64]
    acc_f, acc_q = float((lg_f.argmax(1) == y).mean()), float((lg_q.argmax(1) == y).mean())
    report = {
        "source": str(a.model.resolve()),
        "method": a.method,
        "percentile": a.percentile,
        "activations": a.activations,
        "format": a.format,
        "per_channel": not a.no_per_channel,
        "reduce_range": a.reduce_range,
        "calibration_pairs": len(calib),
        "quantised_matmuls": len(nodes),
        "quantize_seconds": round(seconds, 1),
        "bytes": dest.stat().st_size,
        "dev_pairs": len(dev),
        "decision_agreement_with_fp32": float((lg_q.argmax(1) == lg_f.argmax(1)).mean()),
        "dev_accuracy_fp32": acc_f,
        "dev_accuracy_int8": acc_q,
        "accuracy_delta_points": round(100 * (acc_q - acc_f), 2),
        "max_abs_logit_diff_vs_fp32": float(np.abs(lg_q - lg_f).max()),
        "max_abs_logit_diff_single_vs_batch": float(np.abs(single - batched).max()),
        "pairs_per_s_b16_fp32": round(speed_f, 1),
        "pairs_per_s_b16_int8": round(speed_q, 1),
    }
    (a.out / "quantize_report.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
