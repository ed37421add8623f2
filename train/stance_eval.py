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

    python -m train.stance_eval --model /work/claimbot-runs/stance/best --output eval.json
    python -m train.stance_eval --model best --calibrate      # temperature + neutral threshold on dev slice
    python -m train.stance_eval --model export/model.onnx --calibration best/calibration.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from claimbot.index.evaluation.stance import decisions as decide
from claimbot.index.evaluation.stance import expected_calibration_error as ece
from claimbot.index.evaluation.stance import f1_per_label as f1_table
from claimbot.index.evaluation.stance import score_set
from train.stance_data import DEFAULT_OUT, LABELS, default_data_dir, detok, eval_pairs, read_jsonl

L2I = {l: i for i, l in enumerate(LABELS)}
SETS = ["fever-symmetric", "fever-adversarial", "scifact", "climate-fever", "fever-triggers"]


class StancePredictor:
    """Scores (claim, evidence) pairs with a torch checkpoint or an ONNX file; returns logits
    in LABELS order.  Each pair's score does not depend on the rest of the batch beyond float
    rounding (fp32, attention-masked padding)."""

    def __init__(self, path: str | Path, threads: int = 2, max_len: int = 128, batch_size: int = 32):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from transformers import AutoTokenizer

        path = Path(path)
        self.max_len, self.batch_size = max_len, batch_size
        onnx_file = (
            path if path.suffix == ".onnx" else (path / "model.onnx" if (path / "model.onnx").exists() else None)
        )
        tok_dir = onnx_file.parent if onnx_file else path
        self.tok = AutoTokenizer.from_pretrained(tok_dir)
        self.kind = "onnx" if onnx_file else "torch"
        if onnx_file:
            import onnxruntime as ort

            so = ort.SessionOptions()
            so.intra_op_num_threads = threads
            so.inter_op_num_threads = 1
            self.sess = ort.InferenceSession(str(onnx_file), so, providers=["CPUExecutionProvider"])
            self.inputs = {i.name for i in self.sess.get_inputs()}
            cfg = tok_dir / "config.json"
            labels = json.loads(cfg.read_text()).get("id2label") if cfg.exists() else None
        else:
            import torch
            from transformers import AutoModelForSequenceClassification

            torch.set_num_threads(threads)
            self.torch = torch
            self.model = AutoModelForSequenceClassification.from_pretrained(path, dtype=torch.float32).eval()
            labels = self.model.config.id2label
        if labels:
            got = [labels[k] for k in sorted(labels, key=int)]
            if got != LABELS:
                raise ValueError(f"model labels {got} != {LABELS}")

    def encode(self, claims, evidences):
        return self.tok(
            list(evidences),
            list(claims),
            truncation="longest_first",
            max_length=self.max_len,
            padding=True,
            return_tensors="np",
        )

    def logits(self, claims, evidences, progress=False):
        claims, evidences = list(claims), list(evidences)
        n = len(claims)
        out = np.zeros((n, len(LABELS)), dtype=np.float32)
        lens = [len(c) + len(e) for c, e in zip(claims, evidences)]
        order = np.argsort(lens, kind="stable")
        t0 = time.time()
        for s in range(0, n, self.batch_size):
            idx = order[s : s + self.batch_size]
            enc = self.encode([claims[i] for i in idx], [evidences[i] for i in idx])
            if self.kind == "onnx":
                feed = {
                    k: enc[k].astype(np.int64)
                    for k in ("input_ids", "attention_mask", "token_type_ids")
                    if k in self.inputs
                }
                lg = self.sess.run(None, feed)[0]
            else:
                with self.torch.no_grad():
                    lg = self.model(
                        **{
                            k: self.torch.from_numpy(enc[k].astype(np.int64))
                            for k in ("input_ids", "attention_mask", "token_type_ids")
                        }
                    ).logits.numpy()
            out[idx] = lg
            if progress and (s // self.batch_size) % 20 == 0:
                print(
                    f"  {s + len(idx)}/{n} ({(s + len(idx)) / (time.time() - t0):.0f} pairs/s)",
                    file=sys.stderr,
                    flush=True,
                )
        return out


def softmax(lg, T=1.0):
    z = lg / T
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def load_sets(data: Path, names, limit=0, do_detok=True):
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


def calibrate(pred: StancePredictor, pool_file: Path, limit=0):
    """Temperature (min NLL) and neutral threshold (max macro-F1) on the pool's dev slice."""
    dev = [p for p in read_jsonl(pool_file) if p["split"] == "dev"]
    if limit and limit < len(dev):
        rng = np.random.default_rng(0)
        dev = [dev[i] for i in sorted(rng.choice(len(dev), limit, replace=False))]
    y = np.array([L2I[p["label"]] for p in dev])
    lg = pred.logits([p["claim"] for p in dev], [p["evidence"] for p in dev], progress=True)
    nll = lambda T: float(-np.log(softmax(lg, T)[np.arange(len(y)), y] + 1e-12).mean())
    grid = np.round(np.arange(0.5, 3.01, 0.05), 2)
    T = float(grid[int(np.argmin([nll(t) for t in grid]))])
    p1, pT = softmax(lg, 1.0), softmax(lg, T)
    best_t, best_f1 = 0.0, -1
    for t in np.round(np.arange(0.0, 0.91, 0.025), 3):
        f = float(np.mean(list(f1_table(y, decide(pT, t)).values())))
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
        "nll_T1": nll(1.0),
        "nll_T": nll(T),
        "ece_T1": ece(p1, y),
        "ece_T": ece(pT, y),
        "neutral_threshold": best_t,
        "dev_macro_f1_argmax": float(np.mean(list(f1_table(y, lg.argmax(1)).values()))),
        "dev_acc_argmax": float((lg.argmax(1) == y).mean()),
        "dev_macro_f1_thresholded": best_f1,
        "confidence_for_accuracy": conf_at,
        "per_source_acc": per_source,
    }


def main(argv=None):
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
    ap.add_argument("--pool", type=Path, default=Path(DEFAULT_OUT) / "pool.jsonl")
    ap.add_argument("--calibrate-only", action="store_true")
    ap.add_argument("--output", type=Path, help="write results JSON here")
    a = ap.parse_args(argv)

    pred = StancePredictor(a.model, threads=a.threads, batch_size=a.batch_size)
    result = {
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
        r = {"argmax": raw, "pairs_per_s": round(len(y) / el, 1)}
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
            f"{n:18s} {k:5d} {m:9s} {v:7.4f} {('%.4f' % c) if c is not None else '-':>7s} "
            f"{('%.4f' % f2) if f2 is not None else '-':>7s} {nr * 100:7.1f}%"
        )
    if a.output:
        a.output.write_text(json.dumps(result, indent=1))
        print(f"wrote {a.output}")


if __name__ == "__main__":
    main()
