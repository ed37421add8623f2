"""Stance evaluation on the evaluation-only sets: loaders, metrics and the report.

Never train or tune on these sets (the training pool drops every pair whose claim or evidence
appears in them).  FEVER-style PTB tokenisation ("Minogue 's", "-LRB-") is undone with
`detok`, the same function the training pool uses, so the model sees real text.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from claimbot.index.evaluation.metrics import expected_calibration_error, f1_per_label, read_jsonl, read_zip_jsonl
from claimbot.index.stance import LABELS, StanceModel, pick_view, score_views, shared_clause_splitter, softmax

L2I = {label: i for i, label in enumerate(LABELS)}
SETS = ("fever-symmetric", "fever-adversarial", "scifact", "climate-fever", "fever-triggers")
# 2-way sets: only supports/refutes gold labels; a neutral answer counts wrong
TWO_WAY = frozenset({"fever-symmetric", "fever-adversarial", "scifact"})
TARGETS = {  # issue 3's targets, printed beside the figures
    "fever-symmetric": ("acc", 0.85),
    "fever-adversarial": ("acc", 0.75),
    "scifact": ("acc", 0.85),
    "climate-fever": ("macro_f1", 0.60),
}

PTB = {
    "-LRB-": "(",
    "-RRB-": ")",
    "-LSB-": "[",
    "-RSB-": "]",
    "-LCB-": "{",
    "-RCB-": "}",
    "``": '"',
    "''": '"',
    "--": "-",
}


def detok(s: str) -> str:
    """Undo FEVER/SNLI tokenisation so the text looks like real text."""
    for a, b in PTB.items():
        s = s.replace(a, b)
    s = re.sub(r"\s+([.,;:!?%)\]}])", r"\1", s)
    s = re.sub(r"([(\[{$])\s+", r"\1", s)
    s = re.sub(r"\s+('s|'re|'ve|'ll|'d|n't|'m)\b", r"\1", s)
    s = s.replace("\ufffd", " ")
    return re.sub(r"\s+", " ", s).strip()


_FEVER_LABELS = {
    "SUPPORTS": "supports",
    "REFUTES": "refutes",
    "NOT ENOUGH INFO": "neutral",
    "NOT_ENOUGH_INFO": "neutral",
}


def _fever(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"claim": r["claim"], "evidence": r["evidence"], "label": _FEVER_LABELS[r["label"]]} for r in rows]


def _fever_symmetric(data: Path) -> list[dict[str, Any]]:
    return [
        row
        for split in ("dev", "test")
        for row in _fever(read_jsonl(data / "fever-symmetric" / f"fever_symmetric_{split}.jsonl"))
    ]


def _climate_fever(data: Path) -> list[dict[str, Any]]:
    return [
        {"claim": r["claim"], "evidence": e["evidence"], "label": _FEVER_LABELS[e["evidence_label"]]}
        for r in read_jsonl(data / "climate-fever" / "climate-fever.jsonl")
        for e in r["evidences"]
    ]


def _scifact(data: Path) -> list[dict[str, Any]]:
    with open(data / "scifact" / "rte-pairs" / "dev.tsv", encoding="utf-8") as f:
        # sentence1 = rationale sentences from the abstract (evidence), sentence2 = the claim
        return [
            {
                "claim": r["sentence2"],
                "evidence": r["sentence1"],
                "label": "supports" if r["entailment"] == "entailment" else "refutes",
            }
            for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        ]


_READERS: dict[str, Callable[[Path], list[dict[str, Any]]]] = {
    "fever-symmetric": _fever_symmetric,
    "fever-adversarial": lambda data: _fever(read_zip_jsonl(data / "fever-adversarial" / "fever_adversarial.zip")),
    "scifact": _scifact,
    "climate-fever": _climate_fever,
    "fever-triggers": lambda data: _fever(read_zip_jsonl(data / "nli-train" / "fever-triggers" / "fever_triggers.zip")),
}


def eval_pairs(data: Path, sets: Iterable[str] = SETS) -> dict[str, list[dict[str, Any]]]:
    """The chosen evaluation-only sets as {name: [{claim, evidence, label}]}, labels in LABELS."""
    every: dict[str, list[dict[str, Any]]] = {}
    for name in sets:
        try:
            every[name] = _READERS[name](data)
        except FileNotFoundError as exc:
            if exc.filename is None:  # an archive without the member it should hold: its message names both
                raise
            # As `claimbot eval attribution` says it of PolNeAR, not "[Errno 2] No such file or directory".
            missing = Path(exc.filename)
            shown = missing.relative_to(data) if missing.is_relative_to(data) else missing
            raise FileNotFoundError(f"{name} not found under CLAIMBOT_DATA_DIR={data} (no {shown})") from None
    return every


def decisions(probs: np.ndarray, side_threshold: float) -> np.ndarray:
    """argmax, except a supports/refutes argmax below the side threshold becomes neutral."""
    pred = probs.argmax(1)
    weak = (pred != L2I["neutral"]) & (probs.max(1) < side_threshold)
    return np.where(weak, L2I["neutral"], pred)


def score_set(name: str, y: np.ndarray, probs: np.ndarray, side_threshold: float) -> dict[str, Any]:
    pred = decisions(probs, side_threshold)
    f1 = f1_per_label(y, pred)
    two_way = name in TWO_WAY
    result = {
        "n": int(len(y)),
        "acc": float((pred == y).mean()),
        "macro_f1": float(np.mean([f1["supports"], f1["refutes"]]) if two_way else np.mean(list(f1.values()))),
        "f1": f1,
        "predicted": {label: int((pred == i).sum()) for i, label in enumerate(LABELS)},
        "neutral_rate": float((pred == L2I["neutral"]).mean()),
        "ece": expected_calibration_error(probs, y),
    }
    if two_way:
        # for information: accuracy when made to choose between supports and refutes
        result["acc_forced_2way"] = float((np.where(probs[:, 0] >= probs[:, 1], 0, 1) == y).mean())
    return result


def evaluate(
    model: StanceModel,
    data: Path,
    sets: tuple[str, ...] = SETS,
    *,
    limit: int = 0,
    views: bool = False,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Score every pair of the chosen sets with the model's calibration and decision rule.

    `views=True` scores each evidence as `claimbot check` does (index/stance_views.py: whole
    sentence, clauses, core; the most decided view wins) instead of the whole evidence alone.
    """
    unknown = set(sets) - set(SETS)
    if unknown:
        raise ValueError(f"unknown evaluation set(s): {', '.join(sorted(unknown))}; known: {', '.join(SETS)}")
    every = eval_pairs(data, sets)
    report: dict[str, Any] = {
        "model": model.version,
        "temperature": model.temperature,
        "side_threshold": model.side_threshold,
        "views": views,
        "sets": {},
    }
    for name in sets:
        rows = every[name]
        if limit and limit < len(rows):
            rng = np.random.default_rng(0)
            rows = [rows[i] for i in sorted(rng.choice(len(rows), limit, replace=False))]
        fix = detok if name.startswith("fever") else (lambda s: s)
        pairs = [(fix(r["claim"]), fix(r["evidence"])) for r in rows]
        y = np.array([L2I[r["label"]] for r in rows])
        probs = np.zeros((len(pairs), len(LABELS)), dtype=np.float32)
        step = 256
        for start in range(0, len(pairs), step):
            chunk = pairs[start : start + step]
            if views:
                probs[start : start + step] = _picked_view_probs(model, chunk)
            else:
                probs[start : start + step] = softmax(model.logits(chunk) / model.temperature)
            if on_progress:
                on_progress(name, min(start + step, len(pairs)), len(pairs))
        report["sets"][name] = score_set(name, y, probs, model.side_threshold)
    return report


def _picked_view_probs(model: StanceModel, pairs: list[tuple[str, str]]) -> np.ndarray:
    options = score_views(model, [(claim, evidence, None) for claim, evidence in pairs], shared_clause_splitter())
    picked = [pick_view(o) for o in options]
    return np.array([[sc.probs[label] for label in LABELS] for sc in picked], dtype=np.float32)


def format_report(report: dict[str, Any]) -> str:
    lines = [
        f"stance model {report['model']} (temperature {report['temperature']:.2f}, "
        f"side threshold {report['side_threshold']:.2f}"
        f"{', views as in check' if report.get('views') else ''})",
        f"{'set':<20}{'pairs':>7}{'acc':>8}{'macro-F1':>10}{'ECE':>8}  target",
    ]
    for name, r in report["sets"].items():
        metric, target = TARGETS.get(name, (None, None))
        tgt = f"{metric} >= {target:.2f}: {'met' if r[metric] >= target else 'not met'}" if metric else ""
        lines.append(f"{name:<20}{r['n']:>7}{r['acc']:>8.3f}{r['macro_f1']:>10.3f}{r['ece']:>8.3f}  {tgt}")
    return "\n".join(lines)
