"""The dense vector index on PostgreSQL: pgvector's HNSW over `passages.embedding_vec` (migration 0003).

It has the surface of `claimbot.index.search.vectors.VectorIndex` (add, remove, sync, rebuild, search, save, ids), so
the ingestor and `ClaimIndex` use either without knowing which. The difference is where the index
lives: here it is a column of the passage row, written by `Store.write_article` in the passage's own
transaction. So there is nothing to save, removing a passage removes its vector, and several
processes (bot shards, an ingest worker) see one index that is always in step with the database.
`sync` only repairs rows whose vector is missing (e.g. after `reindex --reembed` cleared them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
from pgvector.sqlalchemy import Vector
from sqlalchemy import Connection, Engine, Integer, String, bindparam, column, select, table, text, update

from claimbot.index.config import DEFAULT_INDEX_MEMORY
from claimbot.index.storage.domains import ANY_BLOCKED_SQL, BLOCKED_PASSAGES_SQL

# The storage guide measured recall@10 1.000 at ef_search 64 and 128 on 100k clustered vectors;
# 128 is what the faiss HNSW uses too, so both backends search equally wide.
HNSW_EF_SEARCH = 128
HNSW_INDEX = "ix_passages_embedding_hnsw"
HNSW_INDEX_DDL = (
    f"CREATE INDEX IF NOT EXISTS {HNSW_INDEX} ON passages "
    "USING hnsw (embedding_vec vector_cosine_ops) WITH (m = 16, ef_construction = 200)"
)
WRITE_BATCH = 1000

# Only the columns this module touches: `embedding_vec` is not in the ORM model because SQLite
# has no such column.
passage_vectors = table(
    "passages", column("id", Integer), column("embedding_vec", Vector()), column("collection", String)
)


def write_vectors(connection: Connection, ids: Sequence[int], vectors: np.ndarray) -> None:
    """Set `embedding_vec` for these passages, on the caller's connection (and transaction)."""
    statement = (
        update(passage_vectors)
        .where(passage_vectors.c.id == bindparam("passage_id"))
        .values(embedding_vec=bindparam("vector"))
    )
    rows = [
        {"passage_id": int(i), "vector": np.asarray(v, dtype=np.float32)} for i, v in zip(ids, vectors, strict=True)
    ]
    for start in range(0, len(rows), WRITE_BATCH):
        connection.execute(statement, rows[start : start + WRITE_BATCH])


def column_dim(connection: Connection) -> int | None:
    """The declared dimension of `passages.embedding_vec` (pgvector keeps it in atttypmod)."""
    mod = connection.execute(
        text(
            "SELECT atttypmod FROM pg_attribute "
            "WHERE attrelid = 'passages'::regclass AND attname = 'embedding_vec' AND NOT attisdropped"
        )
    ).scalar()
    return int(mod) if mod is not None and mod > 0 else None


class VectorSource(Protocol):
    def embeddings(self, ids: np.ndarray, dim: int) -> np.ndarray: ...


def build_hnsw(c: Connection, index_memory: str, statement: str = HNSW_INDEX_DDL) -> None:
    """Build (or rebuild) the HNSW index with `index_memory` of maintenance_work_mem: past it,
    pgvector writes the graph to disk as it builds, many times slower (docs/deploy.md, "Tuning notes")."""
    # For this transaction only: the pooled connection goes back to its default afterwards.
    c.execute(text("SELECT set_config('maintenance_work_mem', :m, true)"), {"m": index_memory})
    c.execute(text(statement))


class PgVectorIndex:
    def __init__(self, engine: Engine, dim: int, index_memory: str = DEFAULT_INDEX_MEMORY) -> None:
        self.engine = engine
        self.dim = dim
        self.index_memory = index_memory
        self.dirty = False  # never: every change is already committed in the database
        self._ensure_dim()

    def _ensure_dim(self) -> None:
        """Retype the column for an embedding model of another dimension (only reachable through
        `reindex --reembed` or an empty database: `ClaimIndex` refuses a model mismatch otherwise)."""
        with self.engine.begin() as c:
            if column_dim(c) == self.dim:
                return
            # Serialise with other processes doing the same, then look again.
            c.execute(text("LOCK TABLE passages IN ACCESS EXCLUSIVE MODE"))
            if column_dim(c) == self.dim:
                return
            c.execute(text(f"DROP INDEX IF EXISTS {HNSW_INDEX}"))
            c.execute(text(f"ALTER TABLE passages ALTER COLUMN embedding_vec TYPE vector({int(self.dim)}) USING NULL"))
            build_hnsw(c, self.index_memory)

    # -- the VectorIndex surface -------------------------------------------------------------
    @property
    def is_hnsw(self) -> bool:
        return True

    def __len__(self) -> int:
        with self.engine.connect() as c:
            return int(c.execute(text("SELECT count(*) FROM passages WHERE embedding_vec IS NOT NULL")).scalar() or 0)

    def ids(self) -> np.ndarray:
        with self.engine.connect() as c:
            rows = (
                c.execute(text("SELECT id FROM passages WHERE embedding_vec IS NOT NULL ORDER BY id")).scalars().all()
            )
        return np.asarray(rows, dtype=np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Nothing to do: `Store.write_article` wrote these vectors with their passages."""

    def remove(self, ids: np.ndarray) -> None:
        """Nothing to do: a deleted passage row takes its vector with it."""

    def save(self) -> None:
        """Nothing to do: the index is in the database."""

    def sync(self, source: VectorSource) -> tuple[int, int]:
        """Fill in the vectors missing from stored passages (a re-embedding of another dimension
        leaves them empty until the column fits); returns (added, removed=0)."""
        with self.engine.connect() as c:
            empty = c.execute(text("SELECT id FROM passages WHERE embedding_vec IS NULL ORDER BY id")).scalars().all()
        missing = np.asarray(empty, dtype=np.int64)
        for start in range(0, len(missing), 10_000):
            chunk = missing[start : start + 10_000]
            with self.engine.begin() as c:
                write_vectors(c, chunk.tolist(), source.embeddings(chunk, self.dim))
        return len(missing), 0

    def rebuild(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Rewrite the vectors of `ids` from the given array, then rebuild the HNSW graph."""
        with self.engine.begin() as c:
            write_vectors(c, np.asarray(ids).tolist(), vectors)
        with self.engine.connect() as c:
            build_hnsw(c, self.index_memory, f"REINDEX INDEX {HNSW_INDEX}")
            c.commit()

    def search(
        self, query: np.ndarray, k: int, collection: str | Sequence[str] | None = None
    ) -> list[tuple[int, float]]:
        """(passage id, cosine similarity), best first, like the faiss index's inner product; only
        the collection's (or collections') passages if named, never a blocked source's."""
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        distance = passage_vectors.c.embedding_vec.cosine_distance(q)
        query_rows = select(passage_vectors.c.id, distance.label("distance")).order_by(distance).limit(k)
        with self.engine.begin() as c:
            if c.execute(text(ANY_BLOCKED_SQL)).first() is not None:
                query_rows = query_rows.where(text(f"passages.id NOT IN ({BLOCKED_PASSAGES_SQL})"))
            # SET LOCAL: only for this transaction, so a pooled connection keeps its defaults.
            ef_search = min(max(HNSW_EF_SEARCH, k), 1000)  # pgvector's ceiling for ef_search
            c.execute(text(f"SET LOCAL hnsw.ef_search = {int(ef_search)}"))
            # Without an iterative scan the graph yields ef_search rows and the filters keep only
            # those in the collection and not blocked: a small collection would get few or none.
            c.execute(text("SET LOCAL hnsw.iterative_scan = strict_order"))
            if collection is not None:
                names = [collection] if isinstance(collection, str) else list(collection)
                query_rows = query_rows.where(passage_vectors.c.collection.in_(names))
            rows = c.execute(query_rows).all()
        # Rows without a vector sort last with a NULL distance; they are not hits.
        return [(int(i), 1.0 - float(d)) for i, d in rows if d is not None]
