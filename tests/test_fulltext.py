"""The Tantivy full-text cache on SQLite: FTS5's ranking, following the database, crash rules."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from claimbot.index.config import Settings
from claimbot.index.corpus.sources import SourceOptions, read_inputs
from claimbot.index.search import FULLTEXT_DIRECTORY, TantivyFullText
from claimbot.index.search.marks import read_mark, remove_mark
from claimbot.index.service import ClaimIndex
from claimbot.index.storage import StorageError, query_words
from tests.conftest import DEMO_CORPUS, ON_POSTGRES, file_size_limit
from tests.hash_embedder import HashEmbedder

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL ranks with its own postings (tests/test_postgres.py)")

CLAIMS = [
    "Óscar Pérez survived the assault",
    "Pérez was killed",
    "The police attacked the rebels",
    "Venezuela forces launched an assault",
    "Cabello said the group was dismantled",
    "Pérez is a trained pilot and actor",
]


@pytest.fixture
def index(settings: Settings):
    index = ClaimIndex(settings, embedder=HashEmbedder())
    index.ingest(read_inputs([str(DEMO_CORPUS)], SourceOptions()))
    yield index
    index.close()


def _fts5_ranking(database: Path, claims: list[str], k: int) -> dict[str, list[int]]:
    """What the FTS5 query of the previous engine returns on the same passages."""
    c = sqlite3.connect(database)
    try:
        c.execute(
            "CREATE VIRTUAL TABLE old_fts USING fts5(text, context, content='passages', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        c.execute("INSERT INTO old_fts(old_fts) VALUES ('rebuild')")
        out = {}
        for claim in claims:
            match = " OR ".join(f'"{w}"' for w in dict.fromkeys(query_words(claim)))
            sql = "SELECT rowid FROM old_fts WHERE old_fts MATCH ? ORDER BY bm25(old_fts, 1.0, 0.3), rowid LIMIT ?"
            out[claim] = [r[0] for r in c.execute(sql, (match, k))]
        c.rollback()
        return out
    finally:
        c.close()


def test_the_ranking_is_the_previous_engines(index: ClaimIndex, settings: Settings):
    before = _fts5_ranking(settings.home / "claimbot.db", CLAIMS, 50)
    for claim in CLAIMS:
        assert before[claim], claim
        assert index.lexical_search(claim, 50) == before[claim], claim


def _fulltext(index: ClaimIndex) -> TantivyFullText:
    fulltext = index.fulltext
    assert isinstance(fulltext, TantivyFullText)
    return fulltext


def test_a_commit_whose_mark_was_lost_is_applied_again_without_duplicates(index: ClaimIndex, settings: Settings):
    fulltext = _fulltext(index)
    ids = index.store.passage_ids().tolist()
    assert fulltext.ids() == ids
    remove_mark(fulltext.mark_path)  # as if the process died between Tantivy's commit and the mark
    reopened = TantivyFullText(index.store, settings.vector_dir / FULLTEXT_DIRECTORY)
    assert reopened.catch_up()
    assert reopened.ids() == ids
    saved = read_mark(reopened.mark_path)
    assert saved is not None and saved.mark.passage_id == ids[-1]


def test_a_mark_behind_the_index_re_adds_the_range_once(index: ClaimIndex, settings: Settings, tmp_path: Path):
    fulltext = _fulltext(index)
    before = read_mark(fulltext.mark_path)
    assert before is not None
    (tmp_path / "more.txt").write_text("Dam\nThe dam on the river burst after the storm.", encoding="utf-8")
    index.ingest(read_inputs([str(tmp_path / "more.txt")], SourceOptions()))
    assert fulltext.ids() == index.store.passage_ids().tolist()
    from claimbot.index.search.marks import write_mark

    write_mark(fulltext.mark_path, before.mark)  # the new passages' commit landed, its mark did not
    assert fulltext.catch_up()
    assert fulltext.ids() == index.store.passage_ids().tolist()
    assert index.lexical_search("dam burst", 1) == index.store.passage_ids().tolist()[-1:]


def test_while_another_process_writes_searches_answer_from_the_last_commit(index: ClaimIndex, settings: Settings):
    fulltext = _fulltext(index)
    other = TantivyFullText(index.store, settings.vector_dir / FULLTEXT_DIRECTORY)
    writer = other._index.writer(heap_size=15_000_000, num_threads=1)  # another process's writer
    try:
        ids = index.store.passage_ids().tolist()
        assert index.remove_articles(index.find_articles("1")) == len(ids)
        assert fulltext.catch_up() is False  # busy: no wait, no error
        assert fulltext.ids() == ids  # still the last commit...
        assert index.lexical_search("Pérez", 5) == []  # ...but ranking reads the passages, and they are gone
        assert index.check("Pérez was killed", stance=False).passages == []
    finally:
        writer.wait_merging_threads()
    assert fulltext.catch_up() is True
    assert fulltext.ids() == [] and index.lexical_search("Pérez", 5) == []


def _another_process_adds_an_article(settings: Settings, tmp_path: Path) -> None:
    """Another process (its caches elsewhere) adds an article to the database: this one's full-text
    index has something to catch up on."""
    (tmp_path / "dam.txt").write_text(
        "Dam\nThe dam on the Orinoco burst after the storm.\n\nEngineers lowered the reservoir.", encoding="utf-8"
    )
    database = f"sqlite:///{settings.home / 'claimbot.db'}"
    writer = ClaimIndex(Settings(CLAIMBOT_HOME=tmp_path / "writer", DATABASE_URL=database), embedder=HashEmbedder())
    try:
        writer.ingest(read_inputs([str(tmp_path / "dam.txt")], SourceOptions()))
    finally:
        writer.close()


def test_a_full_disk_leaves_searches_on_the_last_commit_and_a_new_index_unmade(
    index: ClaimIndex, settings: Settings, tmp_path: Path
):
    """Tantivy's failed write came out of `check` and `ingest` as a ValueError traceback."""
    fulltext = _fulltext(index)
    before = fulltext.ids()
    # while it had room
    _another_process_adds_an_article(settings, tmp_path)
    with file_size_limit(64):  # past a meta.json's or a segment's first bytes
        assert fulltext.catch_up() is False
        assert fulltext.ids() == before
        assert index.lexical_search("Pérez was killed", 5)  # the last commit answers
        with pytest.raises(StorageError, match="cannot create the full-text index"):
            TantivyFullText(index.store, tmp_path / "new-index")
    assert fulltext.catch_up() is True
    assert fulltext.ids() == index.store.passage_ids().tolist()


class _WriterFailingAtTheEnd:
    """Tantivy's writer on a full disk, as it failed once in CI: the commit fails, and the worker
    thread's failed write surfaces again when the writer is released (which of the two says it
    varies from run to run)."""

    def __init__(self, writer: object) -> None:
        self._writer = writer

    def __getattr__(self, name: str) -> object:
        return getattr(self._writer, name)

    def commit(self) -> int:
        self._writer.rollback()  # type: ignore[attr-defined]  # nothing of the failed write is committed
        raise ValueError("Failed to open file for write: 'File too large'")

    def wait_merging_threads(self) -> None:
        self._writer.wait_merging_threads()  # type: ignore[attr-defined]
        raise ValueError("An error occurred in a thread: 'Worker thread failed.'")


def test_a_write_that_fails_as_the_writer_is_released_leaves_searches_on_the_last_commit(
    index: ClaimIndex, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    fulltext = _fulltext(index)
    before = fulltext.ids()
    _another_process_adds_an_article(settings, tmp_path)

    class FailingIndex:
        def __init__(self, inner: object) -> None:
            self._inner = inner

        def __getattr__(self, name: str) -> object:
            return getattr(self._inner, name)

        def writer(self, *args: object, **kwargs: object) -> _WriterFailingAtTheEnd:
            return _WriterFailingAtTheEnd(self._inner.writer(*args, **kwargs))  # type: ignore[attr-defined]

    real = fulltext._index
    monkeypatch.setattr(fulltext, "_index", FailingIndex(real))
    assert fulltext.catch_up() is False  # said, not raised
    assert fulltext.ids() == before
    assert index.lexical_search("Pérez was killed", 5)  # the last commit answers, through check's path
    monkeypatch.setattr(fulltext, "_index", real)
    assert fulltext.catch_up() is True
    assert fulltext.ids() == index.store.passage_ids().tolist()


def test_an_unreadable_index_is_rebuilt_from_the_database(index: ClaimIndex, settings: Settings):
    path = settings.vector_dir / FULLTEXT_DIRECTORY
    # Its list of segments, replaced rather than overwritten: the index open above maps its files,
    # and truncating a mapped file under it would crash this process (SIGBUS), not test the rebuild.
    (path / "broken").write_text("garbage")
    (path / "broken").replace(path / "meta.json")
    rebuilt = TantivyFullText(index.store, path)
    assert rebuilt.catch_up()
    assert rebuilt.ids() == index.store.passage_ids().tolist()
    assert rebuilt.search("Pérez was killed", 5) == index.lexical_search("Pérez was killed", 5)


def test_caches_ahead_of_a_restored_backup_are_rebuilt_from_it(index: ClaimIndex, settings: Settings, tmp_path: Path):
    """docs/deploy.md: `vectors/` holds caches, so a backup is restored under them. The restored
    database gives out again the ids its newer copy gave the later articles; both caches trusted
    their marks (ahead of it) and kept the old articles' words and vectors under those ids."""
    database = settings.home / "claimbot.db"
    backup = tmp_path / "backup.db"
    with sqlite3.connect(database) as live, sqlite3.connect(backup) as copy:
        live.backup(copy)
    (tmp_path / "stadium.txt").write_text(
        "Stadium\nThe new stadium cost 20 million dollars to build.\n\nIt opened in June with a concert.",
        encoding="utf-8",
    )
    index.ingest(read_inputs([str(tmp_path / "stadium.txt")], SourceOptions()))
    assert index.lexical_search("stadium concert", 5)
    index.close()
    backup.replace(database)  # the restore; vectors/ is kept
    for leftover in (database.with_name("claimbot.db-wal"), database.with_name("claimbot.db-shm")):
        leftover.unlink(missing_ok=True)
    restored = ClaimIndex(settings, embedder=HashEmbedder())
    try:
        (tmp_path / "dam.txt").write_text(
            "Dam\nThe dam on the Orinoco burst after the storm.\n\nEngineers lowered the reservoir.", encoding="utf-8"
        )
        restored.ingest(read_inputs([str(tmp_path / "dam.txt")], SourceOptions()))
        ids = restored.store.passage_ids().tolist()
        dam = restored.store.article_passage_ids([2])
        assert _fulltext(restored).ids() == ids
        assert sorted(restored.vectors.ids().tolist()) == ids
        assert restored.lexical_search("stadium concert", 5) == []
        assert restored.lexical_search("Orinoco reservoir", 2) and set(
            restored.lexical_search("Orinoco reservoir", 2)
        ) <= set(dam)
        _, vectors = restored.store.exact_vectors(np.asarray(dam), restored.embedder.dim)
        for pid, vector in zip(dam, vectors, strict=True):  # the vector under each id is the passage's own
            assert restored.vectors.search(vector, 1)[0][0] == pid
    finally:
        restored.close()


def test_caches_copied_from_another_installation_are_rebuilt(index: ClaimIndex, settings: Settings, tmp_path: Path):
    """vectors/ copied from another CLAIMBOT_HOME: the other database's passages sit under ids this
    one gives its own, and both caches' marks are within them, so following on from the marks
    answered with the other corpus's words and vectors."""
    other_home = tmp_path / "other"
    (tmp_path / "stadium.txt").write_text(
        "Stadium\nThe new stadium cost 20 million dollars to build.\n\nIt opened in June with a concert.",
        encoding="utf-8",
    )
    other = ClaimIndex(Settings(CLAIMBOT_HOME=other_home), embedder=HashEmbedder())
    try:
        other.ingest(read_inputs([str(tmp_path / "stadium.txt")], SourceOptions()))
        assert other.lexical_search("stadium concert", 5)
    finally:
        other.close()
    index.close()
    vectors = settings.vector_dir
    shutil.rmtree(vectors)
    shutil.copytree(other_home / "vectors", vectors)
    copied = ClaimIndex(settings, embedder=HashEmbedder())
    try:
        ids = copied.store.passage_ids().tolist()
        assert _fulltext(copied).ids() == ids
        assert copied.lexical_search("stadium concert", 5) == []
        assert sorted(copied.vectors.ids().tolist()) == ids
        _, stored = copied.store.exact_vectors(np.asarray(ids[:5]), copied.embedder.dim)
        for pid, vector in zip(ids[:5], stored, strict=True):  # the vector under each id is the passage's own
            assert copied.vectors.search(vector, 1)[0][0] == pid
    finally:
        copied.close()


def test_the_index_is_opened_or_made_by_one_process_at_a_time(index: ClaimIndex, settings: Settings, monkeypatch):
    """Two processes starting on a new home each found the other's half-made directory unreadable
    and removed it (one ingest failed): opening or making the directory holds a lock beside it."""
    import fcntl

    path = settings.vector_dir / "fresh-fulltext"
    held: list[bool] = []
    original = TantivyFullText._open_locked

    def probing(self: TantivyFullText):
        with open(path.with_name(path.name + ".lock"), "a+b") as other:  # another process's attempt
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held.append(False)
            except BlockingIOError:
                held.append(True)
        return original(self)

    monkeypatch.setattr(TantivyFullText, "_open_locked", probing)
    made = TantivyFullText(index.store, path)  # made
    assert made.catch_up() and made.ids()
    TantivyFullText(index.store, path)  # opened
    assert held == [True, True]


def test_an_index_saved_for_another_database_is_said_once(index: ClaimIndex, caplog):
    """One check printed "full-text index … was saved for another database; rebuilding it" twice."""
    from claimbot.index.search.marks import write_mark

    fulltext = _fulltext(index)
    saved = read_mark(fulltext.mark_path)
    assert saved is not None
    write_mark(fulltext.mark_path, saved.mark, database="another-installation")
    with caplog.at_level("WARNING"):
        assert fulltext.catch_up()
    said = [r for r in caplog.records if "saved for another database" in r.getMessage()]
    assert len(said) == 1
    assert read_mark(fulltext.mark_path).database == index.store.database_id()  # rebuilt, under this one
