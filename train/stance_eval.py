"""Evaluate a stance model on claimbot's evaluation-only sets (and calibrate on the dev slice).

Model: a checkpoint dir (transformers: config.json + model.safetensors + tokenizer) or an ONNX
artifact (a .onnx file, or a dir holding model.onnx, with the tokenizer files beside it).
Input order, as in training: [CLS] evidence [SEP] claim [SEP], max 128 tokens.

Sets (never trained or tuned on):
  fever-symmetric   dev+test, 1,420 pairs, 2-way accuracy (a neutral answer counts wrong)
  fever-adversarial 766 pairs, 2-way accuracy
  scifact           rte-pairs/dev.tsv, 209 pairs (sentence1 = evidence, sentence2 = claim), 2-way acc
  climate-fever     7,675 claim/evidence pairs, 3-way macro-F1 on evidence_label
  fever-triggers    186 pairs, 3-way accuracy
FEVER-style PTB tokenisation ("Minogue 's", "-LRB-") is undone with the same detok() used on
training text (--no-detok to feed raw text).

    python -m train.stance_eval --model RUN/best --output eval.json
    python -m train.stance_eval --model best --calibrate      # temperature + neutral threshold on dev slice
    python -m train.stance_eval --model export/model.onnx --calibration best/calibration.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from claimbot.index.evaluation import decisions as decide
from claimbot.index.evaluation import detok, eval_pairs, fit_temperature, macro_f1, negative_log_likelihood, score_set
from claimbot.index.evaluation import expected_calibration_error as ece
from train.pairs import read_pairs
from train.predictor import StancePredictor, softmax
from train.settings import L2I, LABELS, default_data_dir, default_run_dir

__all__ = ["SETS", "StancePredictor", "calibrate", "load_sets", "main", "softmax"]
SETS = ["fever-symmetric", "fever-adversarial", "scifact", "climate-fever", "fever-triggers"]


def load_sets(
    data: Path, names: list[str], limit: int = 0, do_detok: bool = True
) -> dict[str, tuple[list[str], list[str], np.ndarray]]:
    allp = eval_pairs(data)
    out = {}
    for n in names:
        rows = allp[n]
        if limit:
            rng = np.random.default_rng(0)
            rows = [rows[i] for i in sorted(rng.choice(len(rows), min(limit, len(rows)), replace=False))]
        fx = detok if (do_detok and n.startswith("fever")) else (lambda s: s)
        out[n] = (
            [fx(r["claim"]) for r in rows],
            [fx(r["evidence"]) for r in rows],
            np.array([L2I[r["label"]] for r in rows]),
        )
    return out


def calibrate(pred: StancePredictor, pool_file: Path, limit: int = 0) -> dict[str, Any]:
    """Temperature (min NLL) and neutral threshold (max macro-F1) on the pool's dev slice."""
    dev = [p for p in read_pairs(pool_file) if p["split"] == "dev"]
    if limit and limit < len(dev):
        rng = np.random.default_rng(0)
        dev = [dev[i] for i in sorted(rng.choice(len(dev), limit, replace=False))]
    y = np.array([L2I[p["label"]] for p in dev])
    lg = pred.logits([p["claim"] for p in dev], [p["evidence"] for p in dev], progress=True)
    T = fit_temperature(lg, y)
    p1, pT = softmax(lg, 1.0), softmax(lg, T)
    best_t, best_f1 = 0.0, -1.0
    for t in np.round(np.arange(0.0, 0.91, 0.025), 3):
        f = macro_f1(y, decide(pT, t))
        if f > best_f1 + 1e-9:
            best_t, best_f1 = float(t), f
    # confidence thresholds: the lowest calibrated confidence whose bin accuracy is >= 0.9 / 0.8
    conf, pr = pT.max(1), pT.argmax(1)
    conf_at = {}
    for target in (0.8, 0.9, 0.95):
        for c in np.round(np.arange(0.34, 1.0, 0.01), 2):
            m = conf >= c
            if m.sum() >= 30 and (pr[m] == y[m]).mean() >= target:
                conf_at[str(target)] = float(c)
                break
    per_source = {}
    srcs = np.array([p["source"] for p in dev])
    predT = decide(pT, best_t)
    for s in sorted(set(srcs)):
        m = srcs == s
        per_source[s] = {"n": int(m.sum()), "acc": float((predT[m] == y[m]).mean())}
    return {
        "dev_pairs": int(len(y)),
        "temperature": T,
        "nll_T1": negative_log_likelihood(lg, y, 1.0),
        "nll_T": negative_log_likelihood(lg, y, T),
        "ece_T1": ece(p1, y),
        "ece_T": ece(pT, y),
        "neutral_threshold": best_t,
        "dev_macro_f1_argmax": macro_f1(y, lg.argmax(1)),
        "dev_acc_argmax": float((lg.argmax(1) == y).mean()),
        "dev_macro_f1_thresholded": best_f1,
        "confidence_for_accuracy": conf_at,
        "per_source_acc": per_source,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="checkpoint dir or .onnx / dir with model.onnx")
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--threads", type=int, default=2, help="use 1 while a training run is going")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--limit", type=int, default=0, help="score only N pairs per set (quick check)")
    ap.add_argument("--no-detok", action="store_true")
    ap.add_argument("--calibration", type=Path, help="calibration.json: apply its temperature + neutral threshold")
    ap.add_argument("--calibrate", action="store_true", help="fit temperature + neutral threshold on the dev slice")
    ap.add_argument("--pool", type=Path, default=default_run_dir() / "pool.jsonl")
    ap.add_argument("--calibrate-only", action="store_true")
    ap.add_argument("--output", type=Path, help="write results JSON here")
    a = ap.parse_args(argv)

    pred = StancePredictor(a.model, threads=a.threads, batch_size=a.batch_size)
    result: dict[str, Any] = {
        "model": str(a.model),
        "kind": pred.kind,
        "labels": LABELS,
        "input_order": "evidence first, claim second",
        "sets": {},
    }
    T, thr = 1.0, 0.0
    if a.calibrate:
        cal = calibrate(pred, a.pool, a.limit)
        result["calibration"] = cal
        print(json.dumps(cal, indent=1))
        mdir = Path(a.model) if Path(a.model).is_dir() else Path(a.model).parent
        try:
            (mdir / "calibration.json").write_text(json.dumps(cal, indent=1))
            print(f"wrote {mdir / 'calibration.json'}")
        except OSError as e:
            print(f"could not write calibration.json beside the model: {e}")
        T, thr = cal["temperature"], cal["neutral_threshold"]
        if a.calibrate_only:
            if a.output:
                a.output.write_text(json.dumps(result, indent=1))
            return
    elif a.calibration:
        cal = json.loads(a.calibration.read_text())
        T, thr = cal["temperature"], cal["neutral_threshold"]
    result["temperature"], result["neutral_threshold"] = T, thr

    names = [s.strip() for s in a.sets.split(",") if s.strip()]
    sets = load_sets(a.data_dir, names, a.limit, not a.no_detok)
    rows = []
    for n, (claims, evs, y) in sets.items():
        t0 = time.time()
        lg = pred.logits(claims, evs)
        el = time.time() - t0
        raw = score_set(n, y, softmax(lg, 1.0), 0.0)
        r: dict[str, Any] = {"argmax": raw, "pairs_per_s": round(len(y) / el, 1)}
        if T != 1.0 or thr:
            r["calibrated"] = score_set(n, y, softmax(lg, T), thr)
        result["sets"][n] = r
        main_metric = "macro_f1" if n == "climate-fever" else "acc"
        rows.append(
            (
                n,
                len(y),
                main_metric,
                raw[main_metric],
                r.get("calibrated", {}).get(main_metric),
                raw.get("acc_forced_2way"),
                raw["neutral_rate"],
            )
        )
    print(f"\n{'set':18s} {'n':>5s} {'metric':9s} {'argmax':>7s} {'calib':>7s} {'forced2':>7s} {'neutral%':>8s}")
    for n, k, m, v, c, f2, nr in rows:
        print(
            f"{n:18s} {k:5d} {m:9s} {v:7.4f} {f'{c:.4f}' if c is not None else '-':>7s} "
            f"{f'{f2:.4f}' if f2 is not None else '-':>7s} {nr * 100:7.1f}%"
        )
    if a.output:
        a.output.write_text(json.dumps(result, indent=1))
        print(f"wrote {a.output}")


if __name__ == "__main__":
    main()
