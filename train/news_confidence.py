"""Fit the confidence selector (`claimbot.index.stance.confidence`) on the real-news dev split and
write a model folder that uses it.

    python -m train.news_confidence --model-dir DIR --out OUT [--target-precision 0.85] [--test]

The news dev pairs are scored as `check` scores them (views, speakers, quantity guard) under the
folder's temperature and side threshold; for every pair labelled a side, the selector learns whether
the side is the gold label (standardised features, L2 logistic regression). Its threshold is the lowest
(0.50-0.99, step 0.01) at which out-of-fold scores (folds grouped by article, so no article is scored
by a fit that saw it) give confident sides with precision >= --target-precision, at least
--min-confident of them; then it is refitted on all of news dev. OUT gets the folder's model and
tokenizer and its `stance.json` with the selector (docs/prereg/news24.md). The test split is read only
with --test. A last JSON line sums up the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

from train.settings import default_data_dir


def out_of_fold(x: np.ndarray, y: np.ndarray, groups: list[str], folds: int, c: float, seed: int) -> np.ndarray:
    """Each row's probability from a fit on the folds that do not hold its group."""
    from sklearn.model_selection import GroupKFold

    out = np.zeros(len(y))
    for train_rows, test_rows in GroupKFold(folds, shuffle=True, random_state=seed).split(x, y, groups):
        out[test_rows] = fit_selector(x[train_rows], y[train_rows], c).predict_proba(x[test_rows])[:, 1]
    return out


def fit_selector(x: np.ndarray, y: np.ndarray, c: float) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000)).fit(x, y)


def lowest_threshold(scores: np.ndarray, right: np.ndarray, target: float, min_confident: int) -> float | None:
    """The lowest threshold on the grid whose selected rows are right at least `target` of the time."""
    for t in np.round(np.arange(0.50, 1.00, 0.01), 2):
        chosen = scores >= t
        if chosen.sum() >= min_confident and right[chosen].mean() >= target:
            return float(t)
    return None


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", type=Path, default=None, help="the model folder (default: the packaged one)")
    ap.add_argument("--out", type=Path, required=True, help="the model folder to write")
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--target-precision", type=float, default=0.85)
    ap.add_argument("--min-confident", type=int, default=20)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--c", type=float, default=1.0, help="inverse L2 strength")
    ap.add_argument(
        "--features", nargs="+", default=None, help="the features the selector reads (default: all of FEATURES)"
    )
    ap.add_argument("--seed", type=int, default=0, help="the folds' shuffle")
    ap.add_argument("--test", action="store_true", help="also score the news test split (the candidate only)")
    a = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    from claimbot.index.evaluation import Calibration, build_examples, load_pairs, news_report, picked, view_logits
    from claimbot.index.stance import (
        FEATURES,
        Selector,
        StanceModel,
        features,
        packaged_model_dir,
        shared_clause_splitter,
    )

    names = tuple(a.features or FEATURES)
    if unknown := sorted(set(names) - set(FEATURES)):
        ap.error(f"unknown --features {unknown}; known: {' '.join(FEATURES)}")
    columns = [FEATURES.index(name) for name in names]
    source = a.model_dir or packaged_model_dir()
    if a.out.resolve() == source.resolve():
        ap.error("--out must be another folder than the model's")
    model = StanceModel(source)
    splitter = shared_clause_splitter()
    plain = Calibration(model.temperature, model.side_threshold, model.confident_threshold)
    dev = build_examples(load_pairs(splits=["dev"]), a.data_dir)
    vl = view_logits(model, dev, splitter)
    scores = picked(vl, plain)
    speakers = vl.speakers or [None] * len(dev)
    rows = [i for i, s in enumerate(scores) if s.label != "neutral"]
    x = np.array([features(vl.claims[i], vl.evidence[i], speakers[i], scores[i]) for i in rows])[:, columns]
    right = np.array([scores[i].label == dev[i].pair.label for i in rows])
    groups = [dev[i].pair.article for i in rows]
    oof = out_of_fold(x, right.astype(int), groups, a.folds, a.c, a.seed)
    threshold = lowest_threshold(oof, right, a.target_precision, a.min_confident)
    if threshold is None:
        raise SystemExit(f"no threshold reaches out-of-fold precision {a.target_precision} on news dev")
    fitted = fit_selector(x, right.astype(int), a.c)
    scaler, logistic = fitted[0], fitted[-1]
    selector = Selector(
        features=names,
        mean=tuple(float(v) for v in scaler.mean_),
        scale=tuple(float(v) for v in scaler.scale_),
        coef=tuple(float(v) for v in logistic.coef_[0]),
        intercept=float(logistic.intercept_[0]),
        threshold=threshold,
    )

    a.out.mkdir(parents=True, exist_ok=True)
    for name in ("model.onnx", "tokenizer.json"):
        shutil.copyfile(source / name, a.out / name)
    config = json.loads((source / "stance.json").read_text(encoding="utf-8"))
    config["selector"] = selector.to_config()
    digest = hashlib.sha256(json.dumps(config["selector"], sort_keys=True).encode()).hexdigest()[:8]
    # The labels are the model's; which sides count is the selector's, so the version names both.
    config["version"] = f"{config['version'].split('+')[0]}+selector-{digest}"
    with_selector = replace(plain, selector=selector)
    dev_report = asdict(news_report(dev, picked(vl, with_selector)))
    config["selector_fitted_on"] = (
        f"the team's real-news dev split ({len(rows)} pairs labelled a side), scored as claimbot check scores: "
        f"L2 logistic regression (C={a.c}) on standardised features; threshold = lowest with {a.folds}-fold "
        f"out-of-fold precision of confident sides >= {a.target_precision:.2f} (train/news_confidence.py)"
    )
    config["dev"] = {k: dev_report[k] for k in ("macro_f1", "confident_precision", "gold_sided_right_confident")}
    (a.out / "stance.json").write_text(json.dumps(config, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    chosen = oof >= threshold
    summary: dict[str, Any] = {
        "out": str(a.out),
        "version": config["version"],
        "threshold": threshold,
        "dev_sides": len(rows),
        "out_of_fold": {"confident": int(chosen.sum()), "precision": round(float(right[chosen].mean()), 4)},
        "dev": {k: dev_report[k] for k in ("n", "macro_f1", "confident", "confident_precision")}
        | {"gold_sided_right_confident": dev_report["gold_sided_right_confident"]},
        "coef": dict(zip(config["selector"]["features"], np.round(selector.coef, 3).tolist(), strict=True)),
    }
    if a.test:
        test = build_examples(load_pairs(splits=["test"]), a.data_dir)
        summary["test"] = asdict(news_report(test, picked(view_logits(model, test, splitter), with_selector)))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
