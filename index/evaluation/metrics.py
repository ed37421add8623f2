"""The metrics the evaluations and the training scripts share, in one place: F1 per label and
macro-F1, precision / recall / F1 from counts, expected calibration error, the temperature fitted by
negative log-likelihood, and JSONL reading.

Labels are indices into `LABELS` (supports, refutes, neutral) unless a caller passes its own list.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from claimbot.index.stance import LABELS, softmax

# The temperatures `fit_temperature` tries (0.5 to 3.0 in steps of 0.05), as training has fitted them.
TEMPERATURE_GRID = np.round(np.arange(0.5, 3.01, 0.05), 2)


# -- JSONL ------------------------------------------------------------------------------------


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The objects of a JSON Lines file, blank lines skipped."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                yield json.loads(line)


def read_zip_jsonl(path: Path, member_suffix: str = "test.jsonl") -> Iterator[dict[str, Any]]:
    """The objects of the first JSON Lines file in a zip archive whose name ends in `member_suffix`."""
    with zipfile.ZipFile(path) as zf:
        name = next((n for n in zf.namelist() if n.endswith(member_suffix)), None)
        if name is None:
            raise FileNotFoundError(f"{path} holds no file ending in {member_suffix}")
        with zf.open(name) as f:
            for line in io.TextIOWrapper(f, encoding="utf-8"):
                line = line.strip()
                if line:
                    yield json.loads(line)


# -- F1 ---------------------------------------------------------------------------------------


def f1_per_label(y: np.ndarray, pred: np.ndarray, labels: Sequence[str] = LABELS) -> dict[str, float]:
    """F1 of each label (label i is index i in `y` and `pred`); 0.0 where it is undefined."""
    f1 = {}
    for i, label in enumerate(labels):
        tp = int(((pred == i) & (y == i)).sum())
        fp = int(((pred == i) & (y != i)).sum())
        fn = int(((pred != i) & (y == i)).sum())
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1[label] = 2 * p * r / (p + r) if p + r else 0.0
    return f1


def macro_f1(y: np.ndarray, pred: np.ndarray, labels: Sequence[str] = LABELS) -> float:
    """The mean of `f1_per_label` over every label."""
    return float(np.mean(list(f1_per_label(y, pred, labels).values())))


def precision_recall_f1(tp: int, pred: int, gold: int, digits: int = 4) -> dict[str, float]:
    """Precision, recall and F1 from counts (true positives, predicted, gold), rounded."""
    p = tp / pred if pred else 0.0
    r = tp / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, digits), "recall": round(r, digits), "f1": round(f, digits)}


# -- calibration ------------------------------------------------------------------------------


def expected_calibration_error(probs: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """ECE of the argmax confidence over `bins` equal-width bins."""
    conf, pred = probs.max(1), probs.argmax(1)
    e = 0.0
    for b in range(bins):
        m = (conf > b / bins) & (conf <= (b + 1) / bins)
        if m.any():
            e += m.mean() * abs((pred[m] == y[m]).mean() - conf[m].mean())
    return float(e)


def negative_log_likelihood(logits: np.ndarray, y: np.ndarray, temperature: float = 1.0) -> float:
    """Mean negative log-likelihood of the gold labels under softmax(logits / temperature)."""
    return float(-np.log(softmax(logits / temperature)[np.arange(len(y)), y] + 1e-12).mean())


def fit_temperature(logits: np.ndarray, y: np.ndarray, grid: Sequence[float] | np.ndarray = TEMPERATURE_GRID) -> float:
    """The temperature of `grid` with the lowest negative log-likelihood (the first on a tie)."""
    return float(grid[int(np.argmin([negative_log_likelihood(logits, y, t) for t in grid]))])
