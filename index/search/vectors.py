"""The dense vector index: faiss, persisted in the data directory, keyed by passage id.

The database is the source of truth (it stores every embedding); this index is a cache that
`sync` brings back in step after a crash and `rebuild` recreates. It is exact (inner product
on unit vectors = cosine) while small and HNSW past a size threshold, where exact search gets
too slow for a chat answer (storage guide: 21 ms p50 at 100k exact vs 0.3 ms HNSW).
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, cast

import faiss
import numpy as np
from sqlalchemy import Engine

from claimbot.index.storage import PgVectorIndex

HNSW_M = 16
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 128
# HNSW cannot delete: removed ids are masked at search time until they pass this share.
TOMBSTONE_REBUILD_SHARE = 0.10


class VectorBackend(Protocol):
    """What the ingestor and `ClaimIndex` need of a dense index: the faiss `VectorIndex` below, or
    `claimbot.index.storage.pgvectors.PgVectorIndex` where PostgreSQL's pgvector holds the vectors."""

    dim: int
    dirty: bool

    @property
    def is_hnsw(self) -> bool: ...
    def __len__(self) -> int: ...
    def ids(self) -> np.ndarray: ...
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...
    def remove(self, ids: np.ndarray) -> None: ...
    def rebuild(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...
    def sync(self, truth_ids: np.ndarray, load_vectors: Callable[[np.ndarray], np.ndarray]) -> tuple[int, int]: ...
    def search(
        self, query: np.ndarray, k: int, collection: str | Sequence[str] | None = None
    ) -> list[tuple[int, float]]: ...
    def save(self) -> None: ...


def open_vector_index(
    engine: Engine,
    path: Path,
    dim: int,
    hnsw_threshold: int,
    collection_ids: Callable[[str | Sequence[str]], np.ndarray],
    blocked_ids: Callable[[], np.ndarray],
) -> VectorBackend:
    """The dense index that goes with this database: pgvector inside PostgreSQL, else a faiss file
    (which asks `collection_ids` which passages a collection holds, `blocked_ids` which come from
    blocked sources)."""
    if engine.dialect.name == "postgresql":
        return PgVectorIndex(engine, dim)
    return VectorIndex(path, dim, hnsw_threshold, collection_ids=collection_ids, blocked_ids=blocked_ids)


class VectorIndex:
    def __init__(
        self,
        path: Path,
        dim: int,
        hnsw_threshold: int,
        collection_ids: Callable[[str | Sequence[str]], np.ndarray] | None = None,
        blocked_ids: Callable[[], np.ndarray] | None = None,
    ) -> None:
        self.path = path
        self.dim = dim
        self.hnsw_threshold = hnsw_threshold
        # faiss holds ids only: which passages a collection has comes from the database.
        self._collection_ids = collection_ids
        self._blocked_ids = blocked_ids
        self._lock = threading.RLock()
        self._index = self._empty(hnsw=False)
        self._tombstones: set[int] = set()
        self.dirty = False
        if path.exists():
            try:
                # The file is one this class wrote: an IndexIDMap2 (read_index hands it back downcast).
                loaded = cast(faiss.IndexIDMap2, faiss.read_index(str(path)))
            except RuntimeError:  # unreadable: the file is a cache, and sync rebuilds it from the database
                loaded = self._index
            if loaded.d == dim:
                self._index = loaded
            # A file for another dimension (the embedding model changed) is rebuilt by sync.

    # -- structure --------------------------------------------------------------------------
    def _empty(self, *, hnsw: bool) -> faiss.IndexIDMap2:
        inner: faiss.Index
        if hnsw:
            inner = faiss.IndexHNSWFlat(self.dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            inner.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            inner = faiss.IndexFlatIP(self.dim)
        return faiss.IndexIDMap2(inner)

    @property
    def is_hnsw(self) -> bool:
        return isinstance(faiss.downcast_index(self._index.index), faiss.IndexHNSW)

    def __len__(self) -> int:
        return int(self._index.ntotal) - len(self._tombstones)

    def ids(self) -> np.ndarray:
        with self._lock:
            stored = faiss.vector_to_array(self._index.id_map).astype(np.int64)
            if not self._tombstones:
                return stored
            return stored[~np.isin(stored, np.fromiter(self._tombstones, dtype=np.int64))]

    # -- changes ----------------------------------------------------------------------------
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._lock:
            if not self._tombstones.isdisjoint(ids.tolist()):
                # A masked id still has its old vector in the HNSW graph: adding the id again would
                # make the old vector findable under it. Drop the masked vectors first.
                self._convert(hnsw=True)
            self._index.add_with_ids(vectors, ids)
            self.dirty = True
            if not self.is_hnsw and self._index.ntotal > self.hnsw_threshold > 0:
                self._convert(hnsw=True)

    def remove(self, ids: np.ndarray) -> None:
        if len(ids) == 0:
            return
        with self._lock:
            if self.is_hnsw:
                present = set(faiss.vector_to_array(self._index.id_map).tolist())
                self._tombstones.update(i for i in np.asarray(ids).tolist() if i in present)
                if len(self._tombstones) > TOMBSTONE_REBUILD_SHARE * self._index.ntotal:
                    self._convert(hnsw=True)
            else:
                # faiss wraps remove_ids to take an id array as well; its stubs list only an IDSelector.
                self._index.remove_ids(np.ascontiguousarray(ids, dtype=np.int64))  # type: ignore[arg-type]
            self.dirty = True

    def _convert(self, *, hnsw: bool) -> None:
        ids = self.ids()
        vectors = self._vectors(ids)
        self._tombstones.clear()
        self._index = self._empty(hnsw=hnsw)
        if len(ids):
            self._index.add_with_ids(vectors, ids)

    def _vectors(self, ids: np.ndarray) -> np.ndarray:
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        for row, passage_id in enumerate(ids.tolist()):
            out[row] = self._index.reconstruct(passage_id)
        return out

    def rebuild(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        with self._lock:
            self._tombstones.clear()
            self._index = self._empty(hnsw=0 < self.hnsw_threshold < len(ids))
            if len(ids):
                self._index.add_with_ids(
                    np.ascontiguousarray(vectors, dtype=np.float32), np.ascontiguousarray(ids, dtype=np.int64)
                )
            self.dirty = True

    def sync(self, truth_ids: np.ndarray, load_vectors: Callable[[np.ndarray], np.ndarray]) -> tuple[int, int]:
        """Make the index hold exactly `truth_ids`; returns (added, removed)."""
        with self._lock:
            have = self.ids()
            missing = np.setdiff1d(truth_ids, have, assume_unique=True)
            extra = np.setdiff1d(have, truth_ids, assume_unique=True)
            if len(extra):
                self.remove(extra)
            for start in range(0, len(missing), 10_000):
                chunk = missing[start : start + 10_000]
                self.add(chunk, load_vectors(chunk))
            return len(missing), len(extra)

    # -- queries ----------------------------------------------------------------------------
    def search(
        self, query: np.ndarray, k: int, collection: str | Sequence[str] | None = None
    ) -> list[tuple[int, float]]:
        """(passage id, inner product), best first; only the collection's (or collections')
        passages if named, never a blocked source's. Both are filtered inside the search, so a small
        collection still gets its k nearest, and blocked passages take no place among them."""
        blocked = self._blocked_ids() if self._blocked_ids is not None else np.empty(0, np.int64)
        within = None
        if collection is not None:
            if self._collection_ids is None:
                raise ValueError("this vector index cannot search by collection (no database to ask)")
            within = self._collection_ids(collection)
            if len(within) == 0:
                return []
        with self._lock:
            if self._index.ntotal == 0:
                return []
            q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
            # faiss keeps only a raw pointer to a selector's parts: `keep` holds them until the search ends.
            sel: faiss.IDSelector | None = None
            keep: list[faiss.IDSelector] = []
            if self._tombstones or len(blocked):
                hidden = np.union1d(np.fromiter(self._tombstones, dtype=np.int64), blocked)
                masked = faiss.IDSelectorBatch(hidden)
                sel = faiss.IDSelectorNot(masked)
                keep += [masked, sel]
            if within is not None:
                allowed = faiss.IDSelectorBatch(within)
                keep.append(allowed)
                sel = allowed if sel is None else faiss.IDSelectorAnd(allowed, sel)
            params = None
            if sel is not None:
                if self.is_hnsw:
                    # Both exist at run time with these keywords; faiss's stubs lack SearchParametersHNSW
                    # and the keyword constructors.
                    params = faiss.SearchParametersHNSW(sel=sel, efSearch=max(HNSW_EF_SEARCH, k))  # type: ignore[attr-defined]
                else:
                    params = faiss.SearchParameters(sel=sel)  # type: ignore[call-arg]
            scores, ids = self._index.search(q, min(k, self._index.ntotal), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    # -- persistence ------------------------------------------------------------------------
    def save(self) -> None:
        """Write atomically: a crash leaves the old file or the new one, never half of one."""
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # a temporary file of its own: `serve` and a `claimbot ingest` beside it both save
            fd, name = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name + ".", suffix=".tmp")
            os.close(fd)
            try:
                faiss.write_index(self._index, name)
                with open(name, "rb") as handle:
                    os.fsync(handle.fileno())
                os.replace(name, self.path)
            except BaseException:
                Path(name).unlink(missing_ok=True)
                raise
            self.dirty = False
