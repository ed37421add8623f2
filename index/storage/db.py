"""Database engine and migrations."""

from __future__ import annotations

import fcntl
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Arbitrary constant naming claimbot's schema-migration lock among PostgreSQL advisory locks.
MIGRATION_LOCK_KEY = 0x636C61696D  # "claim"
WAL_SWITCH_TRIES = 40  # about 8 s of backing off in all
# Extensions migration 0003 creates on PostgreSQL.
PG_EXTENSIONS = ("vector", "unaccent")


class SchemaError(RuntimeError):
    """The database cannot take claimbot's schema; the message is one line saying what to do."""


class StorageError(RuntimeError):
    """The database or CLAIMBOT_HOME cannot be written (disk full, read-only, I/O error), so every
    write after this one would fail the same way; the message is one line saying what to do."""


# SQLite's result codes (and their extended forms, SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED, ...)
# that no later write can escape: a full disk (or a file size limit), a read-only file or directory.
_UNWRITABLE_SQLITE = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN")
# PostgreSQL's disk_full, io_error and read_only_sql_transaction (a standby).
_UNWRITABLE_PG = frozenset({"53100", "58030", "25006"})


def unwritable_reason(error: BaseException) -> str | None:
    """The driver's one-line reason when `error` (a SQLAlchemy error, or the driver's own) says the
    database cannot be written at all; None for an error of this write only (a constraint, a value)."""
    orig = getattr(error, "orig", None) or error
    name = getattr(orig, "sqlite_errorname", None)
    state = getattr(orig, "sqlstate", None)
    if (isinstance(name, str) and name.startswith(_UNWRITABLE_SQLITE)) or state in _UNWRITABLE_PG:
        return (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return None


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets `check` read while an ingest writes; foreign keys make deletes cascade.
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def _use_wal(cursor: sqlite3.Cursor) -> None:
    """Switch a database to WAL once (the mode is stored in the file).

    The switch needs the database to itself and SQLite answers "database is locked" at once
    instead of waiting (no busy handler): processes opening a new database together retry."""
    for attempt in range(WAL_SWITCH_TRIES):
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == WAL_SWITCH_TRIES - 1:
                raise
            time.sleep(0.01 * (attempt + 1))  # back off: the other process's switch takes milliseconds


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there already)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    script = ScriptDirectory.from_config(cfg)
    head = script.get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        if current == head:
            return
        _require_known(script, current, head)
    # Several processes (bot shards, `serve` beside an ingest) may start at once against a new
    # database: serialise them, and let the later ones find the work done.
    with _sqlite_migration_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Released when this transaction ends; PostgreSQL's DDL is transactional, so a failed
            # migration leaves nothing behind.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        else:
            # SQLite's DDL is transactional too, but pysqlite opens a transaction only before an
            # INSERT/UPDATE/DELETE: each ALTER TABLE committed on its own, so an upgrade cut short
            # (Ctrl-C, a kill, a full disk) left columns added under the old revision, and every
            # later start failed on "duplicate column name". One transaction for all the steps.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        if MigrationContext.configure(connection).get_current_revision() == head:
            return
        if connection.dialect.name == "postgresql":
            _require_extensions(connection)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def _require_known(script: ScriptDirectory, current: str | None, head: str | None) -> None:
    """Refuse, in one line, a database that a newer claimbot has migrated past this code's newest
    migration (an upgrade rolled back by installing the older release over it): Alembic's own
    "Can't locate revision" says neither what happened nor what to do."""
    if current is None:
        return
    try:
        script.get_revision(current)
    except CommandError:
        raise SchemaError(
            f"the database is at schema revision {current}, which this claimbot does not know (its newest is "
            f"{head}): a newer release migrated it; run that release, or restore the backup taken before "
            "the upgrade (docs/deploy.md, Upgrades)"
        ) from None


def _require_extensions(connection: Connection) -> None:
    """Refuse, in one line, a database where the migrations could not create pgvector or unaccent.

    Without this, CREATE EXTENSION fails inside Alembic with a traceback of about 200 lines. pgvector
    is not a trusted extension: only a superuser creates it, once per database."""
    installed = set(connection.execute(text("SELECT extname FROM pg_extension")).scalars())
    missing = [name for name in PG_EXTENSIONS if name not in installed]
    if not missing:
        return
    available = set(connection.execute(text("SELECT name FROM pg_available_extensions")).scalars())
    where = f"{connection.engine.url.host or 'localhost'}:{connection.engine.url.port or 5432}"
    database = connection.execute(text("SELECT current_database()")).scalar()
    if "vector" in missing and "vector" not in available:
        raise SchemaError(
            f"the PostgreSQL server at {where} has no pgvector installed: install it "
            "(Debian: postgresql-15-pgvector from apt.postgresql.org; docs/deploy.md, section B) and run again"
        )
    superuser = connection.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
    trusted = set(
        connection.execute(text("SELECT DISTINCT name FROM pg_available_extension_versions WHERE trusted")).scalars()
    )
    # A trusted extension (unaccent) the database owner creates itself during the migration.
    forbidden = [] if superuser else [name for name in missing if name not in trusted]
    if forbidden:
        creates = " ".join(f"-c 'CREATE EXTENSION IF NOT EXISTS {name}'" for name in forbidden)
        plural = len(forbidden) > 1
        raise SchemaError(
            f"database {database} lacks the {' and '.join(forbidden)} extension{'s' if plural else ''} "
            f"and this role may not create {'them' if plural else 'it'}: "
            f"as a superuser run psql -d {database} {creates}, then run again"
        )


@contextmanager
def _sqlite_migration_lock(engine: Engine) -> Iterator[None]:
    """An exclusive lock on a file beside a SQLite database for the length of a migration.

    SQLite has no advisory locks, and pysqlite commits each CREATE TABLE on its own, so two
    processes migrating at once both create the same tables and one fails."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        yield
        return
    with open(f"{path}.migrate.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if the process dies
        yield


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
