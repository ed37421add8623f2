"""The fact-check reader: whether a claim reviewed by a fact-checker says what a user's claim says.

Within one language, near misses ("... killed 83 in tonga" for "... in Samoa", "humans emit more
CO2 than volcanoes" for its contrary) are as similar in any sentence encoder as paraphrases are
(docs/factchecks.md), so similarity only picks the candidates. The reader is a cross-encoder that
reads both claims: the stance model fine-tuned on the team's English claim pairs
(`train/factcheck_reader.py`), shipped beside this module in the stance model's format. A match is
its `supports` at or above its fitted threshold. It reads English only, and it is loaded on the
first English candidate: most checks run where no fact-check is stored.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Protocol


class ScoredPair(Protocol):
    @property
    def label(self) -> str: ...
    @property
    def confident(self) -> bool: ...


class PairScorer(Protocol):
    """What reads a (claim, evidence) pair: the stance model's interface (`StanceModel.score`)."""

    def score(self, pairs: list[tuple[str, str]]) -> Sequence[ScoredPair]: ...


# Loads the reader's weights: the caller passes the stance model's loader, so that this package
# does not import the stance package (which reads the corpus package, which reads this one).
Loader = Callable[[Path], PairScorer]


def packaged_reader_dir() -> Path:
    return Path(str(resources.files("claimbot.index.factchecks") / "weights"))


@dataclass(frozen=True)
class ReaderConfig:
    version: str
    # Cosine in the multilingual encoder from which an English pair is put to the reader.
    candidate_similarity: float


def reader_config(model_dir: Path | None = None) -> ReaderConfig:
    """What the reader was fitted with, read without loading the model."""
    config = json.loads(((model_dir or packaged_reader_dir()) / "stance.json").read_text(encoding="utf-8"))
    return ReaderConfig(version=str(config["version"]), candidate_similarity=float(config["candidate_similarity"]))


class FactCheckReader:
    def __init__(self, load: Loader, model_dir: Path | None = None) -> None:
        self.model_dir = model_dir or packaged_reader_dir()
        self.config = reader_config(self.model_dir)
        self._load = load
        self._model: PairScorer | None = None
        self._lock = threading.Lock()

    def same_claim(self, claim: str, reviewed: list[str]) -> list[bool]:
        """Whether each claim reviewed states the claim's checkable fact (English pairs)."""
        return self.same_claim_pairs([(claim, r) for r in reviewed])

    def same_claim_pairs(self, pairs: list[tuple[str, str]]) -> list[bool]:
        """The same for (claim, claim reviewed) pairs."""
        if not pairs:
            return []
        with self._lock:
            if self._model is None:
                self._model = self._load(self.model_dir)
            model = self._model
        return [s.label == "supports" and s.confident for s in model.score(pairs)]
