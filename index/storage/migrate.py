"""Copy an installation's database to PostgreSQL (`claimbot migrate --to postgresql+psycopg://...`).

Every table of the schema is copied row by row with its primary keys unchanged: articles, passages
(with their embedding blobs, so nothing is re-embedded: the pgvector column is filled from the
blobs), the index facts (`index_meta`: which model made the vectors), the Discord review tables
(guild settings, answers, flags and their reports, corrections, audit log, rate events) and any table
a later migration adds to `Base.metadata`. Ids stay the same because answers store the passages they
showed (with article ids) and flags, reports and corrections point at each other by id.

Safe to rerun: a row whose key (or any unique constraint) is already in the target is skipped, so a
run that died half way is finished by running it again, and a finished one copies nothing. Then it
verifies: per table, the target holds as many rows as the source, and for a sample of passages the
blob and the pgvector column hold exactly the source's vector.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pgvector.sqlalchemy import Vector
from sqlalchemy import Column, DateTime, Engine, Integer, MetaData, Table, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import ArgumentError, OperationalError

import claimbot.index.storage.factcheck_tables  # noqa: F401  (registers the fact-check table in Base.metadata)
import claimbot.index.storage.feed_tables  # noqa: F401  (registers the feed tables in Base.metadata)
import claimbot.index.storage.review_tables  # noqa: F401  (registers the review tables in Base.metadata)
from claimbot.index.config import DEFAULT_INDEX_MEMORY
from claimbot.index.storage import db
from claimbot.index.storage.blobs import from_blobs
from claimbot.index.storage.pgvectors import HNSW_INDEX, build_hnsw, column_dim
from claimbot.index.storage.schema import Base, MetaRow, PassageRow
from claimbot.index.storage.store import ID_MARK_PREFIX

BATCH_ROWS = 1000
DEFAULT_SAMPLE = 200


class MigrationError(RuntimeError):
    """The migration cannot start (bad target, schema or dimension); the message is for the operator."""


@dataclass(frozen=True)
class TableCopy:
    table: str
    source_rows: int
    copied: int  # rows inserted by this run (0 on a rerun after a complete one)
    target_rows: int

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows


@dataclass
class MigrationReport:
    tables: list[TableCopy] = field(default_factory=list)
    vectors_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(t.ok for t in self.tables)


Progress = Callable[[str, int, int], None]  # (table, rows done, rows in the source)


def copied_tables() -> list[Table]:
    """Every table of the schema, parents before children (foreign keys hold at each insert)."""
    return list(Base.metadata.sorted_tables)


def migrate(
    source_url: str,
    target_url: str,
    *,
    sample: int = DEFAULT_SAMPLE,
    on_progress: Progress | None = None,
    index_memory: str = DEFAULT_INDEX_MEMORY,
) -> MigrationReport:
    """`index_memory`: maintenance_work_mem for the HNSW build (CLAIMBOT_PG_INDEX_MEMORY)."""
    try:
        return _migrate(source_url, target_url, sample, on_progress, index_memory)
    # postgres://, a driver that is not installed, a typo; ValueError: a port that is not a number
    except (ArgumentError, ImportError, ValueError) as exc:
        raise MigrationError(
            f"not a database URL claimbot can use ({exc}); "
            "the target looks like postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB"
        ) from exc
    except db.SchemaError as exc:  # no pgvector on the server, or a role that may not create it
        raise MigrationError(str(exc)) from exc
    except OperationalError as exc:  # down, refused, wrong password: the driver's own first line says which
        raise MigrationError(f"cannot reach the database: {str(exc.orig or exc).strip().splitlines()[0]}") from exc


def _migrate(
    source_url: str, target_url: str, sample: int, on_progress: Progress | None, index_memory: str
) -> MigrationReport:
    if source_url.startswith("sqlite"):
        path = source_url.split("///", 1)[-1]
        if path and path != ":memory:" and not Path(path).is_file():
            raise MigrationError(f"there is no database at {path} (set CLAIMBOT_HOME, or pass --from)")
    source = db.make_engine(source_url)
    target = db.make_engine(target_url)
    try:
        if target.dialect.name != "postgresql":
            raise MigrationError(
                f"the target must be a PostgreSQL URL (postgresql+psycopg://...), not {target.dialect.name}"
            )
        if source.url == target.url:
            raise MigrationError("the source and the target are the same database")
        # Both at the newest schema: the source as any claimbot command would leave it, the target
        # through the same Alembic migrations (0003 adds the pgvector and full-text columns).
        db.upgrade(source)
        db.upgrade(target)
        dim = _source_dim(source)
        report = MigrationReport()
        for table in copied_tables():
            if table.name == PassageRow.__tablename__:
                copied = _copy_passages(source, target, table, dim, on_progress, index_memory)
            else:
                copied = _copy_table(source, target, table, on_progress)
            report.tables.append(TableCopy(table.name, _count(source, table), copied, _count(target, table)))
        _reset_sequences(target)
        with target.connect() as c:
            # Fresh statistics: the planner's row counts, which full-text ranking also reads (claimbot.index.storage.pgtext).
            c.execute(text("ANALYZE"))
            c.commit()
        report.vectors_checked, report.problems = verify_vectors(source, target, dim, sample)
        for t in report.tables:
            if not t.ok:
                report.problems.append(
                    f"{t.table}: {t.source_rows} rows in the source but {t.target_rows} in the target "
                    "(the target held other data before the migration?)"
                )
        return report
    finally:
        source.dispose()
        target.dispose()


# -- copying ---------------------------------------------------------------------------------
def _source_dim(source: Engine) -> int | None:
    """The dimension of the stored vectors (from `index_meta`, else from a blob), None if there are none."""
    with source.connect() as c:
        recorded = c.execute(select(MetaRow.value).where(MetaRow.key == "embed_dim")).scalar()
        if recorded:
            return int(recorded)
        blob = c.execute(select(PassageRow.embedding).limit(1)).scalar()
    return len(blob) // 4 if blob else None


def _rows(source: Engine, table: Table) -> Iterator[list[dict[str, Any]]]:
    """The source table in primary-key order, in batches, streamed (a million passages never sit in memory)."""
    with source.connect() as c:
        result = c.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(
            select(table).order_by(*table.primary_key.columns)
        )
        for batch in result.mappings().partitions(BATCH_ROWS):
            yield [_portable(table, dict(row)) for row in batch]


def _portable(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    # SQLite hands timestamps back naive; they were written as UTC. Unmarked, PostgreSQL would read
    # them in its session time zone.
    for col in table.columns:
        if (
            isinstance(col.type, DateTime)
            and isinstance(row.get(col.name), dt.datetime)
            and row[col.name].tzinfo is None
        ):
            row[col.name] = row[col.name].replace(tzinfo=dt.UTC)
    return row


def _copy_table(source: Engine, target: Engine, table: Table, on_progress: Progress | None) -> int:
    total = _count(source, table)
    done = copied = 0
    for batch in _rows(source, table):
        with target.begin() as c:
            # ON CONFLICT DO NOTHING on any unique constraint: a rerun skips what is there.
            result = c.execute(pg_insert(table).on_conflict_do_nothing().returning(*table.primary_key.columns), batch)
            copied += len(result.all())
        done += len(batch)
        if on_progress:
            on_progress(table.name, done, total)
    return copied


def _copy_passages(
    source: Engine, target: Engine, table: Table, dim: int | None, on_progress: Progress | None, index_memory: str
) -> int:
    """Passages with `embedding_vec` filled from the blob in the same INSERT (no re-embedding)."""
    if dim is None:
        return _copy_table(source, target, table, on_progress)
    with target.begin() as c:
        current = column_dim(c)
        empty = c.execute(select(func.count()).select_from(table)).scalar() == 0
        if current != dim:
            if not empty:
                raise MigrationError(
                    f"the target's vectors have {current} dimensions and the source's {dim}; migrate into an empty database"
                )
            c.execute(text(f"ALTER TABLE passages ALTER COLUMN embedding_vec TYPE vector({int(dim)})"))
        if empty:
            # Building the HNSW graph once after the load is faster than growing it row by row.
            c.execute(text(f"DROP INDEX IF EXISTS {HNSW_INDEX}"))
    # The ORM model has no `embedding_vec` (SQLite has no such column): a target-side copy of the
    # table's columns plus that one, without foreign keys (they are enforced by the database).
    wide = Table(
        table.name,
        MetaData(),
        *[Column(col.name, col.type, primary_key=col.primary_key) for col in table.columns],
        Column("embedding_vec", Vector(dim)),
    )
    total = _count(source, table)
    done = copied = 0
    for batch in _rows(source, table):
        vectors = from_blobs([row["embedding"] for row in batch], dim)
        for row, vector in zip(batch, vectors, strict=True):
            row["embedding_vec"] = vector
        with target.begin() as c:
            result = c.execute(pg_insert(wide).on_conflict_do_nothing().returning(wide.c.id), batch)
            copied += len(result.all())
        done += len(batch)
        if on_progress:
            on_progress(table.name, done, total)
    with target.connect() as c:
        # Always (IF NOT EXISTS): also repairs a run that died between the drop and here.
        build_hnsw(c, index_memory)
        c.commit()
    return copied


def _reset_sequences(target: Engine) -> None:
    """Rows were inserted with their ids, so move each id sequence past the largest one, and past
    the ids SQLite gave out to rows removed since (its `next_id:` marks, copied with index_meta):
    an id is never given out twice (`store._fresh_ids`), or the audit log's "article 7" would name
    another article."""
    with target.begin() as c:
        for table in copied_tables():
            pk = list(table.primary_key.columns)
            if len(pk) != 1 or not isinstance(pk[0].type, Integer):
                continue
            seq = c.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}).scalar()
            if seq is None:  # e.g. guild_settings: keyed by Discord's guild id, no sequence
                continue
            mark = c.execute(
                select(MetaRow.value).where(MetaRow.key == ID_MARK_PREFIX + table.name)
            ).scalar()  # the next id SQLite would have given
            c.execute(
                text(
                    f'SELECT setval(:seq, greatest(coalesce((SELECT max("{pk[0].name}") FROM "{table.name}"), 0) + 1,'
                    " :mark), false)"
                ),
                {"seq": seq, "mark": int(mark) if mark is not None and str(mark).isdecimal() else 1},
            )


def _count(engine: Engine, table: Table) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar() or 0)


# -- verification ----------------------------------------------------------------------------
def verify_vectors(source: Engine, target: Engine, dim: int | None, sample: int) -> tuple[int, list[str]]:
    """Compare a random sample of passages' vectors: blob bytes and the pgvector column."""
    if dim is None or sample <= 0:
        return 0, []
    with source.connect() as c:
        ids = c.execute(select(PassageRow.id)).scalars().all()
    chosen = sorted(random.Random(0).sample(list(ids), min(sample, len(ids))))
    problems: list[str] = []
    with source.connect() as s, target.connect() as t:
        want = dict(s.execute(select(PassageRow.id, PassageRow.embedding).where(PassageRow.id.in_(chosen))).all())
        got = {
            row[0]: (row[1], row[2])
            for row in t.execute(
                text("SELECT id, embedding, embedding_vec FROM passages WHERE id = ANY(:ids)"), {"ids": chosen}
            )
        }
    for passage_id in chosen:
        if passage_id not in got:
            problems.append(f"passage {passage_id} is missing from the target")
            continue
        blob, vec = got[passage_id]
        if bytes(blob) != bytes(want[passage_id]):
            problems.append(f"passage {passage_id}: the embedding blob differs")
        expected = from_blobs([want[passage_id]], dim)[0]
        if vec is None or not np.array_equal(_parse_vector(vec), expected):
            problems.append(f"passage {passage_id}: the pgvector column does not hold the stored embedding")
    return len(chosen), problems


def _parse_vector(value: object) -> np.ndarray:
    # Raw SQL returns pgvector's text form "[0.1,0.2,...]" unless the type is registered.
    if isinstance(value, str):
        return np.asarray([float(x) for x in value.strip("[]").split(",")], dtype=np.float32)
    return np.asarray(value, dtype=np.float32)


def format_report(report: MigrationReport) -> str:
    lines = [
        f"{t.table:<15} {t.source_rows:>9} rows in the source  {t.copied:>9} copied now  {t.target_rows:>9} in the target"
        for t in report.tables
    ]
    lines.append(f"vectors compared: {report.vectors_checked}")
    lines += [f"problem: {p}" for p in report.problems]
    lines.append("verified: counts and sampled vectors match" if report.ok else "NOT verified (see the problems above)")
    return "\n".join(lines)
