from __future__ import annotations

import csv
import json
import logging
import os
import resource
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from claimbot.index.config import Settings
from claimbot.index.service import ClaimIndex
from claimbot.index.stance.model import packaged_model_dir
from claimbot.index.storage import db

REPO = Path(__file__).resolve().parents[1]
DEMO_CORPUS = REPO / "examples" / "corpus"
DEMO_ARTICLE = DEMO_CORPUS / "venezuela-perez-2018-01-15.txt"
# The invented article the stance failures (test_news_failures.py) and pasted posts (test_posts_check.py)
# are checked against.
STADIUM = REPO / "tests" / "fixtures" / "stadium.txt"

# The suite runs on the embedded SQLite setup by default. With CLAIMBOT_TEST_DATABASE_URL set to a
# PostgreSQL server (scripts/pg.sh start prints one), every test that gets its database from the
# fixtures below runs on PostgreSQL + pgvector instead, each in a database of its own.
PG_TEST_URL = os.environ.get("CLAIMBOT_TEST_DATABASE_URL") or None
ON_POSTGRES = PG_TEST_URL is not None
# For the few tests about the embedded setup's faiss file, which PostgreSQL does not have.
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="tests the faiss file of the embedded (SQLite) setup")
# Names carry the pid so that two test runs on one server never touch each other's databases. The
# state is on the server, not in this module: test files import it as `tests.conftest` while pytest
# loads it as `conftest`, two module objects.
_PREFIX = f"claimbot_t_{os.getpid()}_"
_TEMPLATE = f"claimbot_tmpl_{os.getpid()}"
_admin: Engine | None = None


def _admin_engine() -> Engine:
    """AUTOCOMMIT connection to the server's maintenance database (CREATE DATABASE needs it)."""
    global _admin
    if _admin is None:
        assert PG_TEST_URL is not None
        _admin = create_engine(PG_TEST_URL, isolation_level="AUTOCOMMIT")
    return _admin


def _pg_url(name: str) -> str:
    assert PG_TEST_URL is not None
    return make_url(PG_TEST_URL).set(database=name).render_as_string(hide_password=False)


def fresh_database_url() -> str | None:
    """A new, migrated, empty PostgreSQL database for one test or fixture, or None on SQLite (the
    default file in CLAIMBOT_HOME). Copying a migrated template is much faster than migrating each."""
    if PG_TEST_URL is None:
        return None
    with _admin_engine().connect() as c:
        if not c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": _TEMPLATE}).scalar():
            c.execute(text(f'CREATE DATABASE "{_TEMPLATE}"'))
            engine = db.make_engine(_pg_url(_TEMPLATE))
            db.upgrade(engine)
            engine.dispose()  # a template must have no connections when it is copied
        name = f"{_PREFIX}{uuid.uuid4().hex[:12]}"
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_TEMPLATE}"'))
    return _pg_url(name)


def drop_database(url: str | None) -> None:
    if url is None or PG_TEST_URL is None:
        return
    name = make_url(url).database
    with _admin_engine().connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def file_size_limit(limit: int) -> Iterator[None]:
    """A write that would take any file past `limit` bytes fails in this process (EFBIG: Python
    ignores SIGXFSZ), as it would on a full disk."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def packaged_model_copy(folder: Path, **config: object) -> Path:
    """The packaged stance model copied to `folder`, with these keys of its stance.json set (a key
    given as None is removed)."""
    shutil.copytree(packaged_model_dir(), folder)
    settings = json.loads((folder / "stance.json").read_text(encoding="utf-8"))
    for key, value in config.items():
        if value is None:
            settings.pop(key, None)
        else:
            settings[key] = value
    (folder / "stance.json").write_text(json.dumps(settings), encoding="utf-8")
    return folder


def fnc1_data(root: Path, bodies: dict[str, str]) -> Path:
    """A data folder under `root` that holds only FNC-1 competition bodies (Body ID -> text), in the
    CSV that `read_articles` reads."""
    folder = root / "data" / "fnc-1"
    folder.mkdir(parents=True)
    with (folder / "competition_test_bodies.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ["Body ID", "articleBody"])
        writer.writeheader()
        writer.writerows({"Body ID": key, "articleBody": text} for key, text in bodies.items())
    return root / "data"


@pytest.fixture(autouse=True)
def _root_logger_restored() -> Iterator[None]:
    """`claimbot serve` run in-process sets up logging on the root logger, to a stream the test
    runner closes afterwards; later tests' log records would then fail to write to it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session", autouse=True)
def _drop_test_databases() -> Iterator[None]:
    yield
    if PG_TEST_URL is None:
        return
    with _admin_engine().connect() as c:
        names = (
            c.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :p OR datname = :t"),
                {"p": _PREFIX.replace("_", r"\_") + "%", "t": _TEMPLATE},
            )
            .scalars()
            .all()
        )
    for name in sorted(names, key=lambda n: n == _TEMPLATE):  # the template last
        drop_database(_pg_url(name))
    _admin_engine().dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh database for this test: a SQLite file, or a PostgreSQL database."""
    url = fresh_database_url()
    yield url or f"sqlite:///{tmp_path / 'test.db'}"
    drop_database(url)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh CLAIMBOT_HOME for the test, also seen by CLI runs in subprocesses (and, on the
    PostgreSQL leg, a fresh DATABASE_URL)."""
    path = tmp_path / "home"
    monkeypatch.setenv("CLAIMBOT_HOME", str(path))
    url = fresh_database_url()
    if url is None:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    yield path
    drop_database(url)


@pytest.fixture
def settings(home: Path) -> Settings:
    return Settings()


@pytest.fixture
def claim_index(settings: Settings):
    index = ClaimIndex(settings)
    yield index
    index.close()


@pytest.fixture(scope="session")
def demo_index(tmp_path_factory: pytest.TempPathFactory):
    """The demo corpus ingested once for the tests that only read it."""
    home = tmp_path_factory.mktemp("demo-home")
    index = ClaimIndex(Settings(CLAIMBOT_HOME=home, DATABASE_URL=fresh_database_url()))
    from claimbot.index.corpus.sources import SourceOptions, read_inputs

    report = index.ingest(read_inputs([str(DEMO_CORPUS)], SourceOptions()))
    assert report.added == 1 and report.failed == 0
    yield index
    index.close()


@pytest.fixture(scope="session")
def stadium_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment of a home (and database) holding tests/fixtures/stadium.txt, ingested by
    `claimbot ingest`, for tests that run `claimbot check` on it."""
    from typer.testing import CliRunner

    from claimbot.bot.cli import app

    url = fresh_database_url()
    env = {"CLAIMBOT_HOME": str(tmp_path_factory.mktemp("stadium-home")), "HF_HUB_OFFLINE": "1"}
    env["DATABASE_URL"] = url or ""
    result = CliRunner().invoke(app, ["ingest", str(STADIUM)], env=env)
    assert result.exit_code == 0, result.output
    yield env
    drop_database(url)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(DEMO_CORPUS, target)
    return target


@pytest.fixture
def rules_fail_on_boom(monkeypatch: pytest.MonkeyPatch) -> None:
    """Attribution's rules raise RuntimeError("rule bug") on an article whose text holds "BOOM"
    (a rule bug on one article), and run as usual on the others."""
    from claimbot.index.corpus.attribution import Attributor

    real = Attributor._rules

    def rules(self, article, prepared, docs):
        if "BOOM" in article.text:
            raise RuntimeError("rule bug")
        return real(self, article, prepared, docs)

    monkeypatch.setattr(Attributor, "_rules", rules)
