from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.config import Settings
from index.service import ClaimIndex

REPO = Path(__file__).resolve().parents[1]
DEMO_CORPUS = REPO / "examples" / "corpus"
DEMO_ARTICLE = DEMO_CORPUS / "venezuela-perez-2018-01-15.txt"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh CLAIMBOT_HOME for the test, also seen by CLI runs in subprocesses."""
    path = tmp_path / "home"
    monkeypatch.setenv("CLAIMBOT_HOME", str(path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return path


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
    index = ClaimIndex(Settings(CLAIMBOT_HOME=home))
    from index.sources import SourceOptions, read_inputs

    report = index.ingest(read_inputs([str(DEMO_CORPUS)], SourceOptions()))
    assert report.added == 1 and report.failed == 0
    yield index
    index.close()


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(DEMO_CORPUS, target)
    return target
