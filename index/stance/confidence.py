"""Which sides count: a confidence selector over the model's label and what else a check knows.

The model's probability of its side was the only test of a confident side (≥ a threshold). On the
team's real-news dev pairs the side's probability ranks right sides above wrong ones less well than
a logistic regression over it and a few plain facts about the pair: whether a date, number or place
in the claim is stated otherwise in the passage (a refutation then is usually right), how much of the
passage the claim repeats, the lengths, a reporting verb, a hedge (docs/prereg/news24.md). The label
never changes here, only whether it counts towards a verdict; `stance.json` holds the fitted weights
(`selector`), written by `train/news_confidence.py`. A model folder without them keeps its threshold.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from claimbot.index.stance.model import StanceScore
from claimbot.index.stance.polarity import negated, opposed
from claimbot.index.stance.slots import mismatched

FEATURES = (
    "side_probability",
    "other_side_probability",
    "neutral_probability",
    "margin",
    "is_refutes",
    "slot_mismatch",
    "opposite_predicates",
    "one_side_negated",
    "claim_words_in_passage",
    "passage_words_in_claim",
    "log_passage_length",
    "log_claim_length",
    "claim_has_number",
    "claim_numbers_missing",
    "claim_reports",
    "passage_reports",
    "passage_hedges",
    "passage_quotes",
    "passage_has_speaker",
)

_WORD = re.compile(r"[^\W\d_][\w'’-]{2,}")
_NUMBER = re.compile(r"\d[\d,.]*")
_REPORTS = re.compile(
    r"\b(?:say|says|said|claim(?:s|ed)?|den(?:y|ies|ied)|report(?:s|ed)?|told|announc\w+|accus\w+|argu\w+|"
    r"insist\w*|warn\w*)\b",
    re.IGNORECASE,
)
_HEDGES = re.compile(
    r"\b(?:may|might|could|would|reportedly|allegedly|possibly|likely|appear(?:s|ed)?|seem(?:s|ed)?|expected|"
    r"plans?\s+to)\b",
    re.IGNORECASE,
)
_QUOTES = re.compile(r"[\"“”]")
_COMMON = {
    "the", "and", "but", "its", "his", "her", "their", "was", "were", "are", "has", "had", "have", "been", "that",
    "this", "with", "for", "from", "who", "which", "said", "says", "will", "would", "not",
}  # fmt: skip


def _words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text)} - _COMMON


def features(claim: str, passage: str, speaker: str | None, score: StanceScore) -> list[float]:
    """The selector's inputs for one labelled pair, in FEATURES order. `passage` is the whole
    sentence (not the view the model read), `score` the picked view's, with a side label."""
    p = score.probs
    side = score.label
    other = "refutes" if side == "supports" else "supports"
    claim_words, passage_words = _words(claim), _words(passage)
    shared = len(claim_words & passage_words)
    claim_numbers = set(_NUMBER.findall(claim))
    return [
        p[side],
        p[other],
        p["neutral"],
        p[side] - max(p[other], p["neutral"]),
        float(side == "refutes"),
        float(bool(mismatched(claim, passage))),
        float(opposed(claim, passage)),
        float(negated(claim) != negated(passage)),
        shared / max(1, len(claim_words)),
        shared / max(1, len(passage_words)),
        math.log1p(len(passage)),
        math.log1p(len(claim)),
        float(bool(claim_numbers)),
        float(bool(claim_numbers) and not claim_numbers & set(_NUMBER.findall(passage))),
        float(bool(_REPORTS.search(claim))),
        float(bool(_REPORTS.search(passage))),
        float(bool(_HEDGES.search(passage))),
        float(bool(_QUOTES.search(passage))),
        float(bool(speaker)),
    ]


@dataclass(frozen=True)
class Selector:
    """A logistic regression on some of FEATURES, standardised: the probability that a side is right."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float

    def __post_init__(self) -> None:
        unknown = [name for name in self.features if name not in FEATURES]
        if unknown or not self.features or len(set(self.features)) < len(self.features):
            raise ValueError(
                f"selector features must be distinct names from {list(FEATURES)}; got {list(self.features)}"
            )
        if not len(self.mean) == len(self.scale) == len(self.coef) == len(self.features):
            raise ValueError(f"selector weights must have {len(self.features)} values each, one per feature")
        if not all(s > 0 for s in self.scale):  # also refuses NaN
            raise ValueError("selector scales must be positive")

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Selector:
        return cls(
            features=tuple(str(x) for x in config["features"]),
            mean=tuple(float(x) for x in config["mean"]),
            scale=tuple(float(x) for x in config["scale"]),
            coef=tuple(float(x) for x in config["coef"]),
            intercept=float(config["intercept"]),
            threshold=float(config["threshold"]),
        )

    def to_config(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "threshold": self.threshold,
        }

    def probability(self, row: list[float]) -> float:
        """`row`: all FEATURES of a pair, in order (`features`); the selector reads its own."""
        x = np.asarray([row[FEATURES.index(name)] for name in self.features])
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return float(1.0 / (1.0 + math.exp(-(float(z @ np.asarray(self.coef)) + self.intercept))))


def settle(
    selector: Selector | None,
    claim: str,
    passage: str,
    speaker: str | None,
    score: StanceScore,
    threshold: float | None = None,
) -> StanceScore:
    """`score` with its confidence decided by the selector (at its own threshold unless one is given),
    or as the model decided it when there is no selector. A neutral label is never confident."""
    if selector is None:
        return score
    if score.label == "neutral":
        return replace(score, confident=False)
    cut = selector.threshold if threshold is None else threshold
    return replace(score, confident=selector.probability(features(claim, passage, speaker, score)) >= cut)
