"""Schema migrations on the embedded SQLite database."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from claimbot.index.storage.db import alembic_config, make_engine, upgrade


def _upgrade_at(url: str, barrier) -> None:  # noqa: ANN001
    barrier.wait()  # every process reaches the migration together
    upgrade(make_engine(url))


def test_processes_that_start_together_on_a_new_sqlite_database_all_migrate_it(tmp_path: Path):
    # `serve` and an ingest started at once after an install or an upgrade: without a lock both
    # ran the migrations, and one failed on "table ... already exists".
    url = f"sqlite:///{tmp_path / 'new.db'}"
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(4)
    processes = [ctx.Process(target=_upgrade_at, args=(url, barrier)) for _ in range(4)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(120)
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    with make_engine(url).connect() as c:
        assert MigrationContext.configure(c).get_current_revision() == head
