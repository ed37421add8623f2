"""A deterministic bag-of-words embedder for tests that need vectors but not a model: words hash
into buckets, so passages sharing words with a claim come out close to it (BM25 does the real
retrieval work there; the packaged model is exercised by the `slow` tests)."""

from __future__ import annotations

import re
import zlib

import numpy as np


class HashEmbedder:
    name = "test:hashed-384"
    dim = 384  # the packaged model's dimension, so PostgreSQL's vector(384) column fits

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, zlib.crc32(word.encode()) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


class SmallHashEmbedder(HashEmbedder):
    """Another "model" with another dimension, for re-embedding tests."""

    name = "test:hashed-256"
    dim = 256
