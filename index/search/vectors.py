"""The dense vector index: faiss, persisted in the data directory, keyed by passage id.

The database is the source of truth (it stores every embedding); this index is a cache that
`sync` brings back in step after a crash and `rebuild` recreates. `sync` follows the database's
change log from the `ChangeMark` saved beside the file, so opening a million-passage index reads
what changed, not every id (a full comparison only for a file without a mark).

It is exact (inner product on unit vectors = cosine) while small and HNSW past a size threshold,
where exact search gets too slow for a chat answer (storage guide: 21 ms p50 at 100k exact vs
0.3 ms HNSW). The HNSW graph holds 4-bit scalar-quantised vectors: 344 bytes a passage with the
graph, against 1,680 for fp32 HNSW (bench/bench_scale.py). It re-scores its candidates with the
exact vectors from the database: recall@20 against exact search 0.9985 at 100k where the quantised
scores alone give 0.92, and 0.9967 at a million (docs/benchmarks.md). An index made before
quantisation stays fp32 HNSW until `claimbot reindex` rebuilds it.
"""

from __future__ import annotations

import fcntl
import glob
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, cast

import faiss
import numpy as np
from sqlalchemy import Engine

from claimbot.index.config import DEFAULT_INDEX_MEMORY
from claimbot.index.search.marks import read_mark, remove_mark, write_mark
from claimbot.index.storage import ChangeMark, PassageChanges, PgVectorIndex

log = logging.getLogger(__name__)

HNSW_M = 16
# 80, not 200: a million vectors build in minutes instead of most of an hour on two cores, at the
# same recall after re-scoring (bench/bench_scale.py).
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
QUANTISER = faiss.ScalarQuantizer.QT_4bit
# Candidates taken from the quantised graph per hit asked for, before the exact re-scoring.
RERANK_FACTOR = 2
# A rebuild trains the quantiser on this many vectors spread over the index and adds the rest in
# chunks of this many.
CONVERT_TRAIN = 50_000
CONVERT_CHUNK = 50_000
# The suffix of a save's temporary file, beside the index until it is renamed over it.
TEMPORARY_SUFFIX = ".tmp"
# HNSW cannot delete: removed ids are masked at search time until they pass this share.
TOMBSTONE_REBUILD_SHARE = 0.10


class PassageSource(Protocol):
    """What `sync` reads of the database (`claimbot.index.storage.Store`)."""

    def passage_ids(self) -> np.ndarray: ...
    def change_mark(self) -> ChangeMark: ...
    def issued_mark(self) -> ChangeMark: ...
    def changes_since(self, mark: ChangeMark) -> PassageChanges: ...
    def embeddings(self, ids: np.ndarray, dim: int) -> np.ndarray: ...
    def database_id(self) -> str: ...


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
    def sync(self, source: PassageSource) -> tuple[int, int]: ...
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
    exact_vectors: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    index_memory: str = DEFAULT_INDEX_MEMORY,
) -> VectorBackend:
    """The dense index that goes with this database: pgvector inside PostgreSQL, else a faiss file
    (which asks `collection_ids` which passages a collection holds, `blocked_ids` which come from
    blocked sources, and `exact_vectors` the stored vectors of the passages it re-scores)."""
    if engine.dialect.name == "postgresql":
        return PgVectorIndex(engine, dim, index_memory)
    return VectorIndex(
        path,
        dim,
        hnsw_threshold,
        collection_ids=collection_ids,
        blocked_ids=blocked_ids,
        exact_vectors=exact_vectors,
    )


class VectorIndex:
    def __init__(
        self,
        path: Path,
        dim: int,
        hnsw_threshold: int,
        collection_ids: Callable[[str | Sequence[str]], np.ndarray] | None = None,
        blocked_ids: Callable[[], np.ndarray] | None = None,
        exact_vectors: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> None:
        self.path = path
        self.mark_path = path.with_name(path.name + ".mark.json")
        self.dim = dim
        self.hnsw_threshold = hnsw_threshold
        # faiss holds ids only: which passages a collection has comes from the database.
        self._collection_ids = collection_ids
        self._blocked_ids = blocked_ids
        # (ids found, their fp32 vectors): the database's copy, for re-scoring and for conversions.
        self._exact_vectors = exact_vectors
        self._lock = threading.RLock()
        self._index = self._empty(hnsw=False)
        self._tombstones: set[int] = set()
        # How far the file follows the database's change log; None: unknown, sync compares all ids.
        self.mark: ChangeMark | None = None
        # The database the mark was taken from (`PassageSource.database_id`); None: not known.
        self.database: str | None = None
        self.dirty = False
        if path.exists():
            try:
                # The file is one this class wrote: an IndexIDMap or IndexIDMap2 (read_index hands
                # it back downcast).
                loaded = cast(faiss.IndexIDMap, faiss.read_index(str(path)))
            except RuntimeError:  # unreadable: the file is a cache, and sync rebuilds it from the database
                loaded = self._index
            if loaded.d == dim and loaded is not self._index:
                self._index = loaded
                saved = read_mark(self.mark_path)
                if saved is not None:
                    self.mark, masked, self.database = saved
                    if masked:  # HNSW cannot delete: the masks saved with the mark hide removed passages
                        wanted = np.asarray(masked, dtype=np.int64)
                        self._tombstones = set(wanted[np.isin(wanted, self._stored_ids())].tolist())
            # A file for another dimension (the embedding model changed) is rebuilt by sync.

    # -- structure --------------------------------------------------------------------------
    def _empty(self, *, hnsw: bool, train: np.ndarray | None = None) -> faiss.IndexIDMap:
        inner: faiss.Index
        if hnsw:
            # The quantiser type is a plain int at run time; faiss's stubs name the enum's class.
            inner = faiss.IndexHNSWSQ(self.dim, QUANTISER, HNSW_M, faiss.METRIC_INNER_PRODUCT)  # type: ignore[arg-type]
            inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            inner.hnsw.efSearch = HNSW_EF_SEARCH
            # The quantiser's per-dimension ranges come from the vectors the graph starts with;
            # a later vector outside them is clipped, and the exact re-scoring undoes the error.
            inner.train(np.ascontiguousarray(train if train is not None and len(train) else np.zeros((1, self.dim))))
        else:
            inner = faiss.IndexFlatIP(self.dim)
        # IndexIDMap, not IDMap2: IDMap2's reverse map costs about 40 bytes a passage, and vectors
        # are read back from the database, not reconstructed from the (quantised) index.
        return faiss.IndexIDMap(inner)

    @property
    def is_hnsw(self) -> bool:
        return isinstance(faiss.downcast_index(self._index.index), faiss.IndexHNSW)

    @property
    def is_quantised(self) -> bool:
        return isinstance(faiss.downcast_index(self._index.index), faiss.IndexHNSWSQ)

    def __len__(self) -> int:
        return int(self._index.ntotal) - len(self._tombstones)

    def _stored_ids(self) -> np.ndarray:
        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def ids(self) -> np.ndarray:
        with self._lock:
            stored = self._stored_ids()
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
        """Rebuild the index from its live ids (dropping masked vectors), in chunks: at a million
        passages the fp32 vectors alone would be 1.5 GB at once."""
        ids = self.ids()
        _, sample = self._vectors(ids[:: max(1, len(ids) // CONVERT_TRAIN)])
        index = self._empty(hnsw=hnsw, train=sample)
        for start in range(0, len(ids), CONVERT_CHUNK):
            found, vectors = self._vectors(ids[start : start + CONVERT_CHUNK])
            if len(found):
                index.add_with_ids(vectors, found)
        self._tombstones.clear()
        self._index = index

    def _vectors(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of these passages: the database's exact copy where there is one (a
        passage gone from it is dropped), else read back from the index (only a flat index, in tests)."""
        if self._exact_vectors is not None:
            return self._exact_vectors(ids)
        position = {int(i): n for n, i in enumerate(self._stored_ids().tolist())}
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        for row, passage_id in enumerate(ids.tolist()):
            out[row] = self._index.index.reconstruct(position[passage_id])
        return ids, out

    def rebuild(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        with self._lock:
            self._tombstones.clear()
            vectors = np.ascontiguousarray(vectors, dtype=np.float32)
            self._index = self._empty(hnsw=0 < self.hnsw_threshold < len(ids), train=vectors)
            if len(ids):
                self._index.add_with_ids(vectors, np.ascontiguousarray(ids, dtype=np.int64))
            self.mark = None  # the next sync compares every id once, and saves a mark from there
            self.dirty = True

    def sync(self, source: PassageSource) -> tuple[int, int]:
        """Bring the index in step with the database: (added, removed). With a saved mark only the
        change log after it is read; without one (a new or an older file), every id is compared."""
        with self._lock:
            issued = source.issued_mark()
            database = source.database_id()
            if self.mark is not None and self.database not in (None, database):
                # vectors/ copied from another installation: its ids name that database's passages,
                # and a mark within this database's ids would be followed on, keeping the wrong vectors.
                log.warning("vector index %s was saved for another database; rebuilding it", self.path)
                self._index = self._empty(hnsw=False)
                self._tombstones.clear()
                self.mark = None
            self.database = database
            # An ingest adds to the file without moving its mark, so the ids it holds are compared too.
            stored = self._stored_ids()
            newest = int(stored.max()) if len(stored) else 0
            if (self.mark is not None and self.mark.beyond(issued)) or newest > issued.passage_id:
                # An older database under this file (a backup restored, vectors/ kept): ids past its
                # counter go out again for other passages, and the vectors under them are the old
                # ones. Only the database can say which ids are right, so the file starts over.
                log.warning(
                    "vector index %s is ahead of the database (%s, newest id %d); rebuilding it",
                    self.path,
                    self.mark,
                    newest,
                )
                self._index = self._empty(hnsw=False)
                self._tombstones.clear()
                self.mark = None
            if self.mark is None:
                # The mark first: a change landing during the comparison is then followed again
                # next time, harmlessly (adding a present id and dropping an absent one are no-ops).
                mark = source.change_mark()
                changed = self.sync_ids(source.passage_ids(), lambda ids: source.embeddings(ids, self.dim))
                self.mark = mark
                self.dirty = True
                return changed
            changes = source.changes_since(self.mark)
            if not changes:
                return 0, 0
            removed = self._present(changes.removed)
            if len(removed):
                self.remove(removed)
            added = np.setdiff1d(changes.added, self._stored_ids())
            for start in range(0, len(added), 10_000):
                chunk = added[start : start + 10_000]
                self.add(chunk, source.embeddings(chunk, self.dim))
            self.mark = changes.mark
            self.dirty = True
            return len(added), len(removed)

    def _present(self, ids: np.ndarray) -> np.ndarray:
        return ids[np.isin(ids, self.ids())] if len(ids) else ids

    def sync_ids(self, truth_ids: np.ndarray, load_vectors: Callable[[np.ndarray], np.ndarray]) -> tuple[int, int]:
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
            exact_vectors = self._exact_vectors if self.is_quantised else None
            rescore = exact_vectors is not None
            fetch = k * RERANK_FACTOR if rescore else k
            if params is not None and self.is_hnsw:
                params.efSearch = max(HNSW_EF_SEARCH, fetch)
            elif self.is_hnsw:
                params = faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, fetch))  # type: ignore[attr-defined]
            scores, ids = self._index.search(q, min(fetch, self._index.ntotal), params=params)
        found = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        if exact_vectors is None or not found:
            return found
        # The quantised scores order the candidates roughly; the stored vectors order them exactly.
        kept, vectors = exact_vectors(np.asarray([i for i, _ in found], dtype=np.int64))
        exact = vectors @ q[0]
        order = np.argsort(-exact, kind="stable")[:k]
        return [(int(kept[n]), float(exact[n])) for n in order]

    # -- persistence ------------------------------------------------------------------------
    def save(self) -> None:
        """Write atomically: a crash leaves the old file or the new one, never half of one. A file
        that cannot be written (a full disk, a read-only CLAIMBOT_HOME) is logged and stays dirty:
        it is a cache, and the next open follows the database on from the last mark saved."""
        with self._lock:
            try:
                self._write()
            except (RuntimeError, OSError) as error:  # faiss reports a failed write as a RuntimeError
                reason = " ".join(str(error).split())
                log.warning(
                    "could not save the vector index %s (%s); it is brought up to date later", self.path, reason
                )
                return
            self.dirty = False

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._remove_stale_temporaries()
        # a temporary file of its own: `serve` and a `claimbot ingest` beside it both save
        fd, name = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name + ".", suffix=TEMPORARY_SUFFIX)
        try:
            # Locked while it is written, so that another process tells it from one left behind.
            fcntl.flock(fd, fcntl.LOCK_EX)
            faiss.write_index(self._index, name)
            with open(name, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(name, self.path)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        finally:
            os.close(fd)  # releases the lock
        # After the file: a crash between the two leaves an older mark, and following the log
        # again from it is harmless.
        if self.mark is not None:
            write_mark(self.mark_path, self.mark, sorted(self._tombstones), self.database)
        else:
            remove_mark(self.mark_path)

    def _remove_stale_temporaries(self) -> None:
        """Delete the temporary files of saves that never finished: a process killed while saving
        (SIGKILL, or SIGTERM, which runs no cleanup) left a file as large as the index, and every
        such kill another. One that another process is writing is locked, and stays."""
        # mkstemp's names: the prefix, 8 random characters, the suffix (not the marks' temporaries).
        for path in self.path.parent.glob(f"{glob.escape(self.path.name)}.????????{TEMPORARY_SUFFIX}"):
            try:
                with open(path, "rb") as handle:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    path.unlink(missing_ok=True)
            except OSError:  # being written (locked), or gone meanwhile
                continue
