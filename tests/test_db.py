"""Schema migrations on the embedded SQLite database."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text

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


def test_an_upgrade_cut_short_leaves_the_old_schema_and_the_next_start_finishes_it(tmp_path: Path):
    # Ctrl-C (or a kill, a full disk) during migration 0014's backfill: its first ALTER TABLE had
    # committed on its own, so every later start failed on "duplicate column name: domain_rev".
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine)
    command.downgrade(alembic_config(url), "0013")  # a database the release before 0014 made
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO articles (id, url, domain, text, content_hash, ingested_at) "
                "VALUES (1, 'https://news.example.org/a', 'news.example.org', 'x', 'h', '2026-12-01')"
            )
        )
    engine.dispose()

    interrupted = make_engine(url)

    @event.listens_for(interrupted, "before_cursor_execute")
    def _interrupt(_conn, _cursor, statement: str, *_args: object) -> None:
        if statement.startswith("UPDATE articles SET domain_rev"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        upgrade(interrupted)
    interrupted.dispose()
    with make_engine(url).connect() as c:
        assert MigrationContext.configure(c).get_current_revision() == "0013"
        assert "domain_rev" not in [row[1] for row in c.execute(text("PRAGMA table_info(articles)"))]

    engine = make_engine(url)
    upgrade(engine)  # the next start
    with engine.connect() as c:
        assert c.execute(text("SELECT domain_rev FROM articles")).scalar_one() == "org.example.news"
    engine.dispose()
