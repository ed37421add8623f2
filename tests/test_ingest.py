"""Ingestion through the service and the CLI: idempotency, replacement, bad input, crashes, reindex."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import resource
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import ProgrammingError
from typer.testing import CliRunner

from claimbot.bot.cli import app
from claimbot.index.config import Settings
from claimbot.index.corpus import shared_attributor
from claimbot.index.corpus import text as textmod
from claimbot.index.corpus.ingest import IngestEvent, Ingestor
from claimbot.index.corpus.sources import SourceOptions, read_inputs
from claimbot.index.records import IngestReport
from claimbot.index.search import TantivyFullText
from claimbot.index.service import ClaimIndex
from tests.conftest import DEMO_CORPUS, ON_POSTGRES, sqlite_only
from tests.hash_embedder import HashEmbedder

pytestmark = pytest.mark.slow
runner = CliRunner()


def _ingest(index: ClaimIndex, *inputs: str, **overrides):
    return index.ingest(read_inputs(list(inputs), SourceOptions(overrides=overrides or None)))


def _consistent(index: ClaimIndex) -> tuple[int, int]:
    """Database, vector index and full-text index agree; returns (articles, passages)."""
    articles, passages = index.store.counts()
    assert sorted(index.vectors.ids().tolist()) == index.store.passage_ids().tolist()
    fulltext = index.fulltext
    if isinstance(fulltext, TantivyFullText):  # PostgreSQL's postings are rows of the database
        assert fulltext.ids() == index.store.passage_ids().tolist()
    return articles, passages


def test_demo_corpus_ingests_with_metadata_and_offsets(claim_index: ClaimIndex):
    report = _ingest(claim_index, str(DEMO_CORPUS))
    assert (report.added, report.failed) == (1, 0)
    articles, passages = _consistent(claim_index)
    assert articles == 1 and passages == report.passages > 30
    result = claim_index.check("trained pilot", top=1)
    p = result.passages[0]
    assert p.article.outlet == "el Nuevo Herald" and p.article.published == "2018-01-15"
    with claim_index.store.session() as s:
        from claimbot.index.storage.schema import ArticleRow

        text = s.get(ArticleRow, p.article.id).text
    assert text[p.char_start : p.char_end] == p.text


def test_reingesting_changes_nothing(claim_index: ClaimIndex, tmp_path: Path):
    _ingest(claim_index, str(DEMO_CORPUS))
    before = _consistent(claim_index)
    again = _ingest(claim_index, str(DEMO_CORPUS))
    assert (again.added, again.unchanged, again.passages) == (0, 1, 0)
    # the same text under another file name, re-encoded with CRLF line ends, is still the same article
    copy = tmp_path / "copy.txt"
    copy.write_bytes((DEMO_CORPUS / "venezuela-perez-2018-01-15.txt").read_bytes().replace(b"\n", b"\r\n"))
    assert _ingest(claim_index, str(copy)).unchanged == 1
    assert _consistent(claim_index) == before


def test_changed_article_at_same_url_replaces_its_passages(claim_index: ClaimIndex, tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_text("Bridge story\nThe bridge closed on Monday. Engineers found cracks.", encoding="utf-8")
    assert _ingest(claim_index, str(path), url="https://news.example/bridge").added == 1
    path.write_text("Bridge story\nThe bridge reopened on Friday after repairs.", encoding="utf-8")
    report = _ingest(claim_index, str(path), url="https://news.example/bridge")
    assert (report.replaced, report.added) == (1, 0)
    assert _consistent(claim_index) == (1, 1)
    texts = [p.text for p in claim_index.check("bridge", top=5, stance=False).passages]
    assert texts == ["The bridge reopened on Friday after repairs."]


def test_an_edited_file_without_a_url_replaces_its_article(
    claim_index: ClaimIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """`claimbot ingest notes.txt` after editing notes.txt: the file's article is replaced, as a page
    re-fetched at its URL is, not stored a second time with its unchanged sentences shown twice."""
    claim_index._embedder = HashEmbedder()
    folder = tmp_path / "notes"
    folder.mkdir()
    path = folder / "notes.txt"
    path.write_text("Bridge notes\nThe bridge closed on Monday. Engineers found cracks.", encoding="utf-8")
    (folder / "other.md").write_text("Dam notes\nThe dam held.", encoding="utf-8")
    assert _ingest(claim_index, str(folder)).added == 2
    path.write_text("Bridge notes\nThe bridge closed on Monday. Engineers found cracks. It reopens in May.")
    monkeypatch.chdir(folder)  # the same file, named otherwise
    report = _ingest(claim_index, "notes.txt")
    assert (report.replaced, report.added) == (1, 0)
    assert _consistent(claim_index) == (2, 4)
    texts = [p.text for p in claim_index.check("the bridge closed on Monday", top=10).passages]
    assert texts.count("The bridge closed on Monday.") == 1
    # Named twice in one run, through its folder and on its own: one article still.
    path.write_text("Bridge notes\nThe bridge reopened.", encoding="utf-8")
    report = _ingest(claim_index, str(folder), "./notes.txt")
    assert (report.replaced, report.added, report.unchanged) == (1, 0, 2)
    assert _consistent(claim_index) == (2, 2)


def test_a_shared_link_and_a_feeds_link_to_one_changed_article_are_one_article(claim_index: ClaimIndex, tmp_path: Path):
    """A link shared with `?utm_source=…` (or a fragment, an upper-case host), then the page, since
    edited, at the URL its feed gives (JSONL lines here, as `_build` reads every source): replaced,
    not a second article whose sentences show twice."""
    claim_index._embedder = HashEmbedder()
    shared = "https://News.example/bridge?id=7&utm_source=twitter&utm_medium=social#comments"
    old = {"text": "The bridge closed on Monday. Engineers found cracks.", "url": shared}
    (tmp_path / "shared.jsonl").write_text(json.dumps(old) + "\n", encoding="utf-8")
    assert _ingest(claim_index, str(tmp_path / "shared.jsonl")).added == 1
    new = {"text": old["text"] + " It reopens in May.", "url": "https://news.example/bridge?id=7"}
    (tmp_path / "feed.jsonl").write_text(json.dumps(new) + "\n", encoding="utf-8")
    report = _ingest(claim_index, str(tmp_path / "feed.jsonl"))
    assert (report.replaced, report.added) == (1, 0)
    assert _consistent(claim_index) == (1, 3)
    [passage] = [p for p in claim_index.check("the bridge closed", top=10).passages if "Monday" in p.text]
    assert passage.article.url == "https://news.example/bridge?id=7"
    # The link as shared still names it for `articles remove`.
    assert [a.url for a in claim_index.find_articles(shared)] == ["https://news.example/bridge?id=7"]


def test_replacing_the_newest_article_gives_its_passages_new_ids(claim_index: ClaimIndex, tmp_path: Path):
    # SQLite would hand the deleted rows' ids (the highest) to the new rows; answers name passages by id
    path = tmp_path / "a.txt"
    path.write_text("Bridge story\nThe bridge closed on Monday. Engineers found cracks.", encoding="utf-8")
    _ingest(claim_index, str(path), url="https://news.example/bridge")
    old_ids = claim_index.store.passage_ids().tolist()
    path.write_text("Bridge story\nThe bridge reopened on Friday. Traffic is back.", encoding="utf-8")
    assert _ingest(claim_index, str(path), url="https://news.example/bridge").replaced == 1
    new_ids = claim_index.store.passage_ids().tolist()
    assert len(new_ids) == 2 and min(new_ids) > max(old_ids)
    _consistent(claim_index)


def test_concurrent_writers_never_get_the_same_ids(tmp_path: Path):

    from claimbot.index.storage.db import make_engine
    from claimbot.index.storage.schema import PassageRow
    from claimbot.index.storage.store import Store, _fresh_ids

    url = f"sqlite:///{tmp_path / 'ids.db'}"
    Store(make_engine(url))  # the schema
    firsts: list[int] = []

    def writer() -> None:  # its own engine: a separate connection, as another process has
        store = Store(make_engine(url))
        for _ in range(25):
            with store.session() as s, s.begin():
                firsts.append(_fresh_ids(s, PassageRow, 3))

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(firsts) == list(range(1, 300, 3))  # 100 blocks of 3 ids, none shared, none skipped


@pytest.fixture
def serving(home: Path):
    """An index as `serve` holds it: the demo corpus, its vectors loaded into memory."""
    index = ClaimIndex(Settings())
    _ingest(index, str(DEMO_CORPUS))
    index.check("Pérez was killed", top=1)
    yield index
    index.close()


def _ingest_beside(path: Path, text: str):
    """`claimbot ingest` in another process: its own index on the same home."""
    path.write_text(text, encoding="utf-8")
    beside = ClaimIndex(Settings())
    try:
        return _ingest(beside, str(path), url="https://news.example/dam")
    finally:
        beside.close()


def test_a_running_index_takes_in_what_another_process_ingests(serving: ClaimIndex, tmp_path: Path):
    path = tmp_path / "dam.txt"
    _ingest_beside(path, "Dam story\nThe dam above Arlen gave way on Saturday. Dozens of homes were flooded.")
    assert _ingest_beside(path, "Dam story\nThe dam above Arlen held. Engineers lowered the reservoir.").replaced == 1
    result = serving.check("the reservoir was lowered by engineers", top=3)
    assert "Engineers lowered the reservoir." in [p.text for p in result.passages]
    _consistent(serving)  # the replaced passages are gone from its vectors too


@sqlite_only  # pgvector keeps the vectors in the database: there is nothing to catch up
def test_a_catch_up_that_races_another_writer_answers_and_retries(serving: ClaimIndex, tmp_path: Path, monkeypatch):
    _ingest_beside(tmp_path / "dam.txt", "Dam story\nThe dam above Arlen gave way on Saturday.")
    real = serving.store.embeddings

    def gone(ids, dim):  # the passages were replaced between reading their ids and their vectors
        monkeypatch.setattr(serving.store, "embeddings", real)
        raise KeyError(int(ids[0]))

    monkeypatch.setattr(serving.store, "embeddings", gone)
    assert serving.check("Pérez was killed", top=1).passages  # answered from what the index holds
    assert serving.store.embeddings is real
    serving.check("the dam gave way", top=1)  # the next call syncs
    _consistent(serving)


@sqlite_only  # pgvector keeps the vectors in the database: there is nothing to sync
def test_a_first_sync_that_races_another_writer_answers_and_retries(home: Path, monkeypatch):
    first = ClaimIndex(Settings())
    _ingest(first, str(DEMO_CORPUS))
    first.close()
    (Settings().vector_dir / "passages.faiss").unlink()  # so the next index fills it from the database
    index = ClaimIndex(Settings())
    real = index.store.embeddings

    def gone(ids, dim):  # the passages were replaced between reading their ids and their vectors
        monkeypatch.setattr(index.store, "embeddings", real)
        raise KeyError(int(ids[0]))

    monkeypatch.setattr(index.store, "embeddings", gone)
    try:
        assert index.check("Pérez is a trained pilot", top=1, stance=False).passages  # from the full-text side
        assert index.store.embeddings is real
        index.check("Pérez is a trained pilot", top=1, stance=False)  # the next call syncs
        _consistent(index)
    finally:
        index.close()


class _WatchedLock:
    """A lock that sets `contended` when a second thread has to wait for it."""

    def __init__(self, contended: threading.Event) -> None:
        self._lock = threading.Lock()
        self.contended = contended

    def __enter__(self) -> None:
        if not self._lock.acquire(blocking=False):
            self.contended.set()
            self._lock.acquire()

    def __exit__(self, *exc) -> None:
        self._lock.release()


@sqlite_only  # pgvector keeps the vectors in the database: there is nothing to catch up
def test_a_catch_up_during_an_ingest_in_the_same_process_adds_no_vector_twice(
    serving: ClaimIndex, tmp_path: Path, monkeypatch
):
    # The committed passages are in the database before the ingest adds their vectors; a check on
    # another thread that synced in that window would add them too, and the ingest again. The
    # check below either waits for the ingest's lock (as it should) or finishes its sync first.
    check_waits_or_synced = threading.Event()
    serving._vector_write_lock = _WatchedLock(check_waits_or_synced)
    real_write = serving.store.write_article

    def check() -> None:
        serving.vectors  # noqa: B018 - the property is what syncs with the database
        check_waits_or_synced.set()

    checker = threading.Thread(target=check)

    def write_then_check(*args, **kwargs):
        written = real_write(*args, **kwargs)
        monkeypatch.setattr(serving.store, "write_article", real_write)
        checker.start()  # a /check arriving right after the commit
        assert check_waits_or_synced.wait(30)
        return written

    monkeypatch.setattr(serving.store, "write_article", write_then_check)
    (tmp_path / "dam.txt").write_text("Dam story\nThe dam above Arlen gave way on Saturday.", encoding="utf-8")
    assert _ingest(serving, str(tmp_path / "dam.txt")).added == 1
    checker.join()
    _consistent(serving)


def test_same_article_twice_in_one_run_is_added_once(claim_index: ClaimIndex, tmp_path: Path):
    line = json.dumps({"text": "Rain fell all day. Rivers rose.", "url": "https://news.example/rain"})
    (tmp_path / "twice.jsonl").write_text(line + "\n" + line + "\n", encoding="utf-8")
    report = _ingest(claim_index, str(tmp_path / "twice.jsonl"))
    assert (report.added, report.unchanged) == (1, 1)
    assert _consistent(claim_index) == (1, 2)


@pytest.fixture
def small_batches(claim_index: ClaimIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    """Articles attributed two sentences at a time and embedded in batches of five sentences: a
    handful of short articles go through several batches."""
    from claimbot.index.corpus import ingest

    monkeypatch.setattr(ingest, "ATTRIBUTE_CHUNK", 2)
    monkeypatch.setattr(claim_index.settings, "ingest_batch", 5)


@pytest.mark.usefixtures("small_batches")
def test_batches_embedded_while_the_next_articles_are_read_are_stored_in_order(claim_index: ClaimIndex, tmp_path: Path):
    """Ingest overlaps the embedding of one batch with reading the next (`Ingestor._flush`): every
    article still lands once, in input order, each passage with its own text's vector, and an
    article repeated after its batch went to the embedding thread is found stored."""
    calls = []
    real = claim_index.embedder.encode
    claim_index.embedder.encode = lambda texts: calls.append(len(texts)) or real(texts)  # type: ignore[method-assign]
    try:
        report = _ingest(claim_index, str(_twelve_storms(tmp_path, repeats=True)))
    finally:
        del claim_index.embedder.encode
    assert len(calls) >= 4 and max(calls) <= 6  # several batches, none much over five sentences
    assert (report.added, report.unchanged, report.failed) == (12, 2, 0)
    assert report.article_ids == sorted(report.article_ids)
    assert _consistent(claim_index) == (12, 24)
    [(ids, texts)] = list(claim_index.store.iter_embed_texts())
    expected = claim_index.embedder.encode(texts)
    stored = claim_index.store.embeddings(np.asarray(ids, dtype=np.int64), claim_index.embedder.dim)
    np.testing.assert_allclose(stored, expected, atol=1e-5)


def _twelve_storms(tmp_path: Path, *, repeats: bool) -> Path:
    """Twelve two-sentence articles (and, with `repeats`, two of them again at the end)."""
    lines = [
        json.dumps({"text": f"Storm {n} flooded the harbour. Ferries {n} stopped.", "url": f"https://news.example/{n}"})
        for n in range(12)
    ]
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join([*lines, lines[0], lines[7]] if repeats else lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.usefixtures("small_batches")
def test_a_batch_that_cannot_be_embedded_fails_its_own_articles_and_the_run_goes_on(
    claim_index: ClaimIndex, tmp_path: Path
):
    real = claim_index.embedder.encode
    failed_batch: list[str] = []

    def encode(texts):
        if not failed_batch:
            failed_batch.extend(texts)
            raise MemoryError("no memory for this batch")
        return real(texts)

    claim_index.embedder.encode = encode  # type: ignore[method-assign]
    try:
        report = _ingest(claim_index, str(_twelve_storms(tmp_path, repeats=False)))
    finally:
        del claim_index.embedder.encode
    lost = sorted({int(re.search(r"(?:Storm|Ferries) (\d+)", t)[1]) for t in failed_batch})
    assert 0 < len(lost) < 12
    assert (report.added, report.failed) == (12 - len(lost), len(lost))
    assert report.errors == [
        f"{tmp_path / 'many.jsonl'}:{n + 1}: could not be embedded (MemoryError: no memory for this batch)"
        for n in lost
    ]
    assert _consistent(claim_index) == (12 - len(lost), 24 - 2 * len(lost))
    # nothing half-written: running again adds exactly the articles that failed
    again = _ingest(claim_index, str(tmp_path / "many.jsonl"))
    assert (again.added, again.failed) == (len(lost), 0)
    assert _consistent(claim_index) == (12, 24)


def test_a_source_that_fails_midway_keeps_the_articles_read_before_it(claim_index: ClaimIndex, tmp_path: Path):
    for name in ("a", "b"):
        (tmp_path / f"{name}.txt").write_text(f"Story {name}\nThe {name} bridge closed. Cars waited.", encoding="utf-8")

    def items():
        yield from read_inputs([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")], SourceOptions())
        raise RuntimeError("a feed reader bug")

    with pytest.raises(RuntimeError, match="a feed reader bug"):
        claim_index.ingest(items())
    assert _consistent(claim_index) == (2, 4)


def test_an_article_replaced_in_a_run_makes_way_for_its_old_text_under_another_url(
    claim_index: ClaimIndex, tmp_path: Path
):
    old = "The bridge closed on Monday. Engineers found cracks."
    new = "The bridge reopened on Friday. Traffic is back."
    (tmp_path / "first.jsonl").write_text(json.dumps({"text": old, "url": "https://x.example/a"}) + "\n")
    assert _ingest(claim_index, str(tmp_path / "first.jsonl")).added == 1
    lines = [
        json.dumps({"text": new, "url": "https://x.example/a"}),
        json.dumps({"text": old, "url": "https://y.example/b"}),
    ]
    (tmp_path / "second.jsonl").write_text("\n".join(lines) + "\n")
    report = _ingest(claim_index, str(tmp_path / "second.jsonl"))
    # as two runs would: x.example/a now says "reopened", and y.example/b keeps the old text
    assert (report.replaced, report.added, report.unchanged) == (1, 1, 0)
    assert _consistent(claim_index) == (2, 4)


BAD_INPUTS = {
    "empty.txt": b"",
    "binary.txt": b"\x00\x01binary",
    "latin1.txt": "Título\nAcción rápida.".encode("latin-1"),
    "headings.html": b"<html><body><nav>menu</nav></body></html>",
    "bad.jsonl": b'{"title": "no text"}\n{broken\n',
}


def test_an_article_that_breaks_indexing_fails_alone(claim_index: ClaimIndex, tmp_path: Path, monkeypatch):
    real = textmod.split_sentences

    def split(text: str, stop_after: int | None = None):
        if "BOOM" in text:
            raise RuntimeError("a rule bug on this article")
        return real(text, stop_after)

    monkeypatch.setattr(textmod, "split_sentences", split)
    lines = [
        json.dumps({"text": t}) for t in ("First story. It went well.", "BOOM goes this one.", "Third story. Fine.")
    ]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = _ingest(claim_index, str(tmp_path / "a.jsonl"))
    assert (report.added, report.failed) == (2, 1)
    assert report.errors == [
        f"{tmp_path / 'a.jsonl'}:2: could not be indexed (RuntimeError: a rule bug on this article)"
    ]
    _consistent(claim_index)


def test_published_must_be_written_as_a_calendar_date(home: Path, tmp_path: Path):
    (tmp_path / "a.txt").write_text("Title\nBody.", encoding="utf-8")
    for bad in ("20180115", "2018-02-30"):
        result = runner.invoke(app, ["ingest", str(tmp_path / "a.txt"), "--published", bad])
        assert result.exit_code == 2 and "--published must be a date such as YYYY-MM-DD" in result.output


def test_a_date_in_the_future_or_before_1700_is_refused_from_the_command_line_and_from_metadata(
    home: Path, tmp_path: Path
):
    # A typo in the year made the article the corpus's newest and every dispute's "newer reporting".
    (tmp_path / "a.txt").write_text("Title\nThe ferry sank near the port.", encoding="utf-8")
    given = runner.invoke(app, ["ingest", str(tmp_path / "a.txt"), "--published", "2999-01-01"])
    assert given.exit_code == 2 and "--published 2999-01-01 is in the future" in given.output
    line = json.dumps(
        {"text": "The ferry sank near the port.", "url": "https://news.example/f", "published": "2999-01-01"}
    )
    (tmp_path / "b.jsonl").write_text(line + "\n", encoding="utf-8")
    read = runner.invoke(app, ["ingest", str(tmp_path / "b.jsonl")])
    assert read.exit_code == 1 and "2999-01-01 is in the future" in read.output
    # a placeholder year is as wrong, from either side
    early = runner.invoke(app, ["ingest", str(tmp_path / "a.txt"), "--published", "0001-01-01"])
    assert early.exit_code == 2 and "--published 0001-01-01 is before 1700" in early.output
    (tmp_path / "c.jsonl").write_text(line.replace("2999-01-01", "0218-05-01") + "\n", encoding="utf-8")
    read = runner.invoke(app, ["ingest", str(tmp_path / "c.jsonl")])
    assert read.exit_code == 1 and "0218-05-01 is before 1700" in read.output
    assert runner.invoke(app, ["ingest", str(tmp_path / "a.txt"), "--published", "1788-01-01"]).exit_code == 0
    # today (and tomorrow, for time zones) is no future
    today = dt.date.today().isoformat()
    assert runner.invoke(app, ["ingest", str(tmp_path / "a.txt"), "--published", today]).exit_code == 0


@pytest.mark.parametrize("stamp", ["2018-01-15 garbage", "2018-01-15T25:00:00", "2018-02-30"])
def test_a_published_stamp_is_read_whole(home: Path, tmp_path: Path, stamp: str):
    # "2018-01-15 garbage" and an hour 25 were taken as 2018-01-15 (only the first ten characters read)
    (tmp_path / "a.txt").write_text("Title\nThe ferry sank near the port.", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(tmp_path / "a.txt"), "--published", stamp])
    assert result.exit_code == 2 and "--published must be a date" in result.output, result.output


def test_published_is_read_as_a_sidecars_date_is(home: Path, tmp_path: Path):
    # the README: a timestamp keeps its day; "15 Jan 2018" and "2018/01/15" are read too
    for n, given in enumerate(("15 Jan 2018", "2018/01/15", "2018-01-15T10:00:00Z", "2018-01-15 10:00:00 UTC")):
        (tmp_path / f"{n}.txt").write_text(f"Title {n}\nBody number {n} is here.", encoding="utf-8")
        result = runner.invoke(app, ["ingest", str(tmp_path / f"{n}.txt"), "--published", given])
        assert result.exit_code == 0, result.output
    index = ClaimIndex(Settings())
    try:
        from claimbot.index.storage.schema import ArticleRow

        with index.store.session() as s:
            assert {str(a.published) for a in s.scalars(select(ArticleRow))} == {"2018-01-15"}
    finally:
        index.close()


def test_url_and_title_are_refused_for_inputs_that_hold_several_articles(home: Path, tmp_path: Path):
    # Articles with the same URL replace each other: all but the last would be lost.
    lines = [json.dumps({"text": f"Story {n}. It happened.", "url": f"https://news.example/{n}"}) for n in (1, 2)]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for target in (tmp_path / "feed.jsonl", tmp_path):
        result = runner.invoke(app, ["ingest", str(target), "--url", "https://news.example/one"])
        assert result.exit_code == 2 and "--url names one article" in result.output, result.output
    # a title given with a feed and a text file renamed both, the text file's own title line read as text
    (tmp_path / "story.txt").write_text("A title\nThe river flooded Riverton on Sunday.\n", encoding="utf-8")
    for targets in ([tmp_path / "feed.jsonl"], [tmp_path / "story.txt", tmp_path / "feed.jsonl"], [tmp_path]):
        result = runner.invoke(app, ["ingest", *map(str, targets), "--title", "Other"])
        assert result.exit_code == 2 and "--title names one article" in result.output, result.output
    assert not home.exists()  # refused before the index (either database) was opened


def test_a_bad_url_or_language_option_is_refused_before_anything_is_read(home: Path, tmp_path: Path):
    """A bad --url was an article's failure (rc 1) where a bad --published is a usage error (rc 2);
    --language "English" was stored as the article's language."""
    story = tmp_path / "story.txt"
    story.write_text("A title\nThe river flooded Riverton on Sunday.\n", encoding="utf-8")
    for option, value, message in [
        ("--url", "notaurl", "error: --url: not an http(s) URL: 'notaurl'"),
        # stored, a space was taken out (another domain); credentials would be shown in every answer
        ("--url", "https://exa mple.com/x y", "error: --url: a URL has no spaces"),
        ("--url", "https://user:pass@rail.example.com/p", "error: --url: a URL with a user name or password"),
        ("--url", "https://zoo.example.com:99999/p", "error: --url: not a valid port"),
        ("--language", "English", "error: --language must be a language code such as en, es or pt-BR"),
        ("--language", "not a language!!", "error: --language must be a language code"),
    ]:
        result = runner.invoke(app, ["ingest", str(story), option, value])
        assert result.exit_code == 2 and result.output.startswith(message), result.output
    assert not home.exists()
    result = runner.invoke(app, ["ingest", str(story), "--language", "en-" + "-".join(["abcdefgh"] * 4)])
    assert result.exit_code == 2, result.output  # longer than the stored field: it would be cut with "…"
    for tag in ("en", "es-419", "pt_BR", " en ", ""):  # trimmed, and blank is none, as a sidecar's
        assert runner.invoke(app, ["ingest", str(story), "--language", tag]).exit_code == 0, tag


def test_bad_inputs_write_nothing_and_exit_nonzero(home: Path, tmp_path: Path):
    for name, content in BAD_INPUTS.items():
        (tmp_path / name).write_bytes(content)
    good = tmp_path / "good.txt"
    good.write_text("Good one\nThe council approved the budget on Tuesday.", encoding="utf-8")
    args = ["ingest", *[str(tmp_path / n) for n in BAD_INPUTS], str(good)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    output = result.output
    for name in BAD_INPUTS:
        assert f"{name}" in output
    assert "binary file" in output and "not UTF-8" in output and "missing required field 'text'" in output
    assert "1 added, 0 replaced, 0 unchanged, 6 failed" in output
    index = ClaimIndex(Settings())
    try:
        assert _consistent(index) == (1, 1)  # only the good article, whole
    finally:
        index.close()


@sqlite_only
def test_reindex_rebuilds_the_vector_index_from_the_database(home: Path):
    assert runner.invoke(app, ["ingest", str(DEMO_CORPUS)]).exit_code == 0
    before = runner.invoke(app, ["check", "Pérez was killed", "--json"])
    (home / "vectors" / "passages.faiss").unlink()
    result = runner.invoke(app, ["reindex"])
    assert result.exit_code == 0, result.output
    # 44 of the 45 sentences: the photo credit "Fernando Llano AP" is page furniture, never a passage
    assert "reindexed 44 passages of 1 article (exact index)" in result.output
    after = runner.invoke(app, ["check", "Pérez was killed", "--json"])
    assert json.loads(after.stdout) == json.loads(before.stdout)


@sqlite_only
def test_a_lost_vector_file_is_resynced_on_open(home: Path):
    index = ClaimIndex(Settings())
    _ingest(index, str(DEMO_CORPUS))
    index.close()
    (home / "vectors" / "passages.faiss").unlink()
    reopened = ClaimIndex(Settings())
    try:
        _consistent(reopened)
        assert (
            reopened.check("Pérez is a trained pilot", top=1).passages[0].text.endswith("actor, pilot and dog trainer.")
        )
    finally:
        reopened.close()


def test_changing_the_embedding_model_requires_reembedding(home: Path, monkeypatch: pytest.MonkeyPatch):
    index = ClaimIndex(Settings())
    _ingest(index, str(DEMO_CORPUS))
    index.close()
    index.store.set_meta("embed_model", "some/other-model")
    result = runner.invoke(app, ["check", "Pérez was killed"])
    assert result.exit_code == 2
    assert "reindex --reembed" in result.output
    # every command says so in one line; none ends in a traceback
    result = runner.invoke(app, ["reindex"])
    assert result.exit_code == 2 and "reindex --reembed" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["stats", "--json"])  # still shows what the database holds
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[-1])["vector_kind"] == "not loaded"
    monkeypatch.setenv("DISCORD_TOKEN", "never-used")  # the check comes before any connection
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2 and "reindex --reembed" in result.output


def test_a_reembedding_cut_short_leaves_an_index_that_asks_for_it_again(home: Path, monkeypatch: pytest.MonkeyPatch):
    from claimbot.index.review.service import ReviewService

    index = ClaimIndex(Settings())
    _ingest(index, str(DEMO_CORPUS))
    index.close()
    index.store.set_meta("embed_model", "some/other-model")

    def cut_short(self, batch: int = 256) -> int:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(ReviewService, "reembed_corrections", cut_short)
        result = runner.invoke(app, ["reindex", "--reembed"])
    assert result.exit_code == 130 and "interrupted: the re-embedding is unfinished" in result.output
    # the passages were not marked as re-embedded while the corrections were not
    result = runner.invoke(app, ["check", "Pérez was killed"])
    assert result.exit_code == 2 and "reindex --reembed" in result.output
    assert runner.invoke(app, ["reindex", "--reembed"]).exit_code == 0
    assert runner.invoke(app, ["check", "Pérez was killed"]).exit_code == 0


def test_reembedding_redoes_the_corrections_vectors_too(home: Path):
    from claimbot.index.review.service import ReviewService
    from claimbot.index.storage.review_tables import CorrectionRow

    index = ClaimIndex(Settings())
    _ingest(index, str(DEMO_CORPUS))
    # a correction stored under an earlier, 64-d embedding model
    with index.store.session() as s, s.begin():
        s.add(
            CorrectionRow(
                guild_id=1,
                claim="Pérez was killed",
                claim_key="pérez was killed",
                embedding=np.ones(64, dtype=np.float32).tobytes(),
                verdict="false",
                moderator_id=2,
            )
        )
    index.close()
    result = runner.invoke(app, ["reindex", "--reembed"])
    assert result.exit_code == 0, result.output
    assert "re-embedded 1 correction" in result.output and "1 corrections" not in result.output
    index = ClaimIndex(Settings())
    try:
        review = ReviewService(index.store.engine, embed=index.embedder.encode, embed_model=index.embedder.name)
        with index.store.session() as s:
            [stored] = s.scalars(select(CorrectionRow)).all()
        assert len(stored.embedding) == 4 * index.embedder.dim and stored.embed_model == index.embedder.name
        found = review.find_correction(1, "Óscar Pérez has been killed")
        assert found is not None and found.verdict == "false"
    finally:
        index.close()


def test_corrections_of_another_model_of_the_same_size_are_redone_when_the_bot_starts(home: Path):
    # A model switched while the corpus was empty: nothing asked for `reindex --reembed`, and the
    # old vectors have the new model's size, so only their recorded model tells them apart.
    from claimbot.bot.services import Services
    from claimbot.index.storage.review_tables import CorrectionRow

    index = ClaimIndex(Settings())
    _ingest(index, str(DEMO_CORPUS))
    old_space = index.embedder.encode(["Bananas are radioactive"])[0]  # far from the claim below
    with index.store.session() as s, s.begin():
        s.add(
            CorrectionRow(
                guild_id=1,
                claim="Pérez was killed",
                claim_key="pérez was killed",
                embedding=old_space.tobytes(),
                embed_model="some/other-384d-model",
                verdict="false",
                moderator_id=2,
            )
        )
    index.close()
    services = Services.open(Settings())
    try:
        with services.index.store.session() as s:
            [stored] = s.scalars(select(CorrectionRow)).all()
        assert stored.embed_model == services.index.embedder.name
        # Found by similarity in the new model's space (another key), which the fact-check reader
        # confirms; it does not confirm "Óscar Pérez has been killed" (the reader's recall).
        found = services.review.find_correction(1, "Pérez has been killed")
        assert found is not None and found.verdict == "false"
        assert services.review.reembed_corrections(only_stale=True) == 0
    finally:
        services.index.close()


def _write_big_jsonl(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            body = " ".join(f"Report {i} says item {j} of batch {i} was delivered on day {j}." for j in range(8))
            f.write(json.dumps({"text": body, "title": f"Report {i}", "url": f"https://news.example/{i}"}) + "\n")


def _ingest_signalled(home: Path, big: Path, sig: signal.Signals, after: int) -> tuple[int, str]:
    """`claimbot ingest --verbose big` in a process of its own, sent `sig` once `after` articles
    are committed: its exit status and what it printed after that."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "claimbot.bot.cli", "ingest", "--verbose", str(big)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "CLAIMBOT_HOME": str(home)},
        text=True,
        # a shell without job control starts background jobs with SIGINT ignored (CI may run so)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stderr is not None
    added_lines = 0
    for line in proc.stderr:
        if line.startswith("added:"):
            added_lines += 1
            if added_lines >= after:
                proc.send_signal(sig)
                break
    rest = proc.stderr.read()
    proc.wait(timeout=60)
    return proc.returncode, rest


def _rerun_completes(big: Path, stored: int, total: int) -> None:
    rerun = runner.invoke(app, ["ingest", str(big)])
    assert rerun.exit_code == 0, rerun.output
    assert f"{total - stored} added, 0 replaced, {stored} unchanged, 0 failed" in rerun.output


_POOL_RESET_INTERRUPTED = """
import logging, sys
import typer
from claimbot.bot.cli import _interruptible
log = logging.getLogger("sqlalchemy.pool.impl.QueuePool")  # where SQLAlchemy's pool logs
try:
    with _interruptible("20 articles stored"):
        try:
            raise RuntimeError("the database went away")
        except RuntimeError:
            log.error("Exception during reset or similar", exc_info=True)
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:  # as SQLAlchemy's pool does when Ctrl-C lands in a reset
            log.error("Exception during reset or similar", exc_info=True)
            raise
except typer.Exit as ended:
    sys.exit(ended.exit_code)
"""


def test_an_interrupt_while_the_pool_resets_a_connection_is_said_in_one_line():
    """Ctrl-C landing while SQLAlchemy reset a pooled connection printed its log of the interrupt,
    traceback and all, above the one line (once in CI, under load). The pool's other errors still
    reach stderr."""
    done = subprocess.run(
        [sys.executable, "-c", _POOL_RESET_INTERRUPTED], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 128 + signal.SIGINT, done.stderr
    assert done.stderr.count("Traceback") == 1 and "RuntimeError: the database went away" in done.stderr
    assert "KeyboardInterrupt" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == "interrupted: 20 articles stored"


def test_killed_ingest_leaves_a_consistent_index_and_a_rerun_completes(home: Path, tmp_path: Path):
    big = tmp_path / "big.jsonl"
    _write_big_jsonl(big, 300)
    status, _ = _ingest_signalled(home, big, signal.SIGKILL, after=40)  # killed without warning
    assert status == -signal.SIGKILL, "the ingest finished before it could be interrupted"

    index = ClaimIndex(Settings())
    try:
        articles, passages = _consistent(index)  # opening syncs the vector index with the database
        assert 40 <= articles < 300
        assert passages == articles * 8  # no half-written article
    finally:
        index.close()

    _rerun_completes(big, articles, 300)
    index = ClaimIndex(Settings())
    try:
        assert _consistent(index) == (300, 2400)
    finally:
        index.close()


@pytest.mark.parametrize(
    ("signum", "said"),
    [(signal.SIGINT, "interrupted: "), (signal.SIGTERM, "stopped (SIGTERM): ")],
    ids=["ctrl-c", "sigterm"],
)
def test_an_interrupt_says_what_was_stored_and_a_rerun_completes(home: Path, tmp_path: Path, signum, said):
    """Ctrl-C ended an ingest with status 130 and not a word (typer's default); `kill` or
    `systemctl stop` with no word at all (status -15). Each now says what stays stored and exits
    with the shell's status for its signal."""
    big = tmp_path / "big.jsonl"
    _write_big_jsonl(big, 300)
    status, rest = _ingest_signalled(home, big, signum, after=20)
    assert status == 128 + signum, rest
    last = rest.strip().splitlines()[-1]
    assert last.startswith(said) and "run the same command again" in last, rest
    assert "Traceback" not in rest
    index = ClaimIndex(Settings())
    try:
        articles, passages = _consistent(index)
        assert 20 <= articles < 300 and passages == articles * 8
    finally:
        index.close()
    _rerun_completes(big, articles, 300)


@pytest.mark.parametrize(
    "replacing",
    [
        # what psycopg's cancelled connection raised from the session's rollback in CI
        ProgrammingError(
            "ROLLBACK", {}, Exception("can't change 'autocommit' now: connection in transaction status ACTIVE")
        ),
        RuntimeError("any other error on the way out"),
    ],
)
def test_ctrl_c_in_a_database_write_stops_the_ingest_whatever_error_replaced_it(
    claim_index: ClaimIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replacing: Exception
):
    """On PostgreSQL a Ctrl-C mid-write came out as the error of the rollback that followed it: the
    run counted one article failed and went on to the end, the interrupt lost."""
    big = tmp_path / "big.jsonl"
    _write_big_jsonl(big, 5)
    real = claim_index.store.write_article
    calls = 0

    def interrupted_on_the_second(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 2:
            try:
                raise KeyboardInterrupt
            except KeyboardInterrupt:
                raise replacing  # noqa: B904 - raised as the rollback's error was: the interrupt its context
        return real(*args, **kwargs)

    monkeypatch.setattr(claim_index.store, "write_article", interrupted_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        claim_index.ingest(read_inputs([str(big)], SourceOptions()))
    assert calls == 2  # nothing written after the interrupt
    monkeypatch.setattr(claim_index.store, "write_article", real)
    assert claim_index.ingest(read_inputs([str(big)], SourceOptions())).added == 4


@pytest.mark.skipif(
    ON_POSTGRES, reason="a file size limit stands in for a full disk under the embedded database's file"
)
def test_a_full_disk_stops_the_ingest_in_one_line_and_a_rerun_completes(home: Path, tmp_path: Path):
    """The database could take no more: each later article was still embedded, then failed on its
    own line ("could not be stored (database or disk is full)", hundreds of them), and saving the
    vector index at the end raised a traceback."""
    big = tmp_path / "big.jsonl"
    _write_big_jsonl(big, 100)
    first = tmp_path / "first.jsonl"
    first.write_text("".join(big.read_text(encoding="utf-8").splitlines(keepends=True)[:2]), encoding="utf-8")
    env = {**os.environ, "CLAIMBOT_HOME": str(home), "CLAIMBOT_ATTRIBUTION": "false"}
    # The database and the embedding model's graph made in this home (the test process has its model loaded).
    cli = [sys.executable, "-m", "claimbot.bot.cli", "ingest"]
    assert subprocess.run([*cli, str(first)], capture_output=True, env=env, timeout=300).returncode == 0

    def full_disk() -> None:  # about fifty pages of the database's log, then no more (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, resource.RLIM_INFINITY))

    proc = subprocess.run(
        [*cli, str(big)],
        capture_output=True,
        env=env,
        text=True,
        preexec_fn=full_disk,
        timeout=300,
    )
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and not any(line.startswith("failed:") for line in lines)
    assert lines[-1].startswith("error: the database cannot be written (")
    assert "run the ingest again" in lines[-1]

    index = ClaimIndex(Settings())
    try:
        articles, passages = _consistent(index)
        assert 2 < articles < 100 and passages == articles * 8  # stored whole or not at all
        with index.store.session() as s:
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    finally:
        index.close()
    rerun = runner.invoke(app, ["ingest", str(big)])
    assert rerun.exit_code == 0, rerun.output
    assert f"{100 - articles} added, 0 replaced, {articles} unchanged, 0 failed" in rerun.output
    index = ClaimIndex(Settings())
    try:
        assert _consistent(index) == (100, 800)
    finally:
        index.close()


def test_many_passages_switch_to_hnsw_and_stay_searchable(home: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("CLAIMBOT_HNSW_THRESHOLD", "100")
    big = tmp_path / "big.jsonl"
    _write_big_jsonl(big, 20)
    index = ClaimIndex(Settings())
    try:
        _ingest(index, str(big), str(DEMO_CORPUS))
        assert index.vectors.is_hnsw
        _consistent(index)
        top = index.check("Pérez is a trained pilot", top=1).passages[0]
        assert top.text.endswith("actor, pilot and dog trainer.")
    finally:
        index.close()
    assert np.isfinite(top.relevance)


# -- attribution at ingest time (issue 4) -------------------------------------------------------


def _stored_passages(index: ClaimIndex) -> list:
    from claimbot.index.storage.schema import PassageRow

    with index.store.session() as s:
        return list(s.scalars(select(PassageRow).order_by(PassageRow.position)))


def _one(passages: list, prefix: str):
    found = [p for p in passages if p.text.startswith(prefix)]
    assert len(found) == 1, f"{prefix!r}: {len(found)} passages"
    return found[0]


DEMO_TITLE = "Venezuela forces launch deadly assault, capture rebel police officers"
# (start of the passage, speaker, cue, attribution) as the demo article says them
DEMO_SPEAKERS = [
    ("It was not clear if the rebel group", "CNN", "reported", "CNN, citing a high government source"),
    ("“The former policeman died", "an anonymous source", "told", "an anonymous source, to CNN"),
    ("“Here we are, here we are, alive and well", "Óscar Pérez", "said", "Óscar Pérez, in a video"),
    ("“Here come the government people.", "Óscar Pérez", "said", "Óscar Pérez, in a video"),
    ("We are surrounded.", "Óscar Pérez", "said", "Óscar Pérez, in a video"),
    ("Information on our whereabouts was leaked", "Óscar Pérez", "said", "Óscar Pérez, in a video"),
    ("“The terrorist Oscar Pérez attacked", "Diosdado Cabello", "posted", "Diosdado Cabello, on Twitter"),
    ("“Security forces returned fire.”", "Diosdado Cabello", "posted", "Diosdado Cabello, on Twitter"),
    ("“He is trying to give himself up", "Aminta Pérez", "said", "Aminta Pérez (Pérez's mother), in a video"),
    ("Let him surrender,” Aminta Pérez said", "Aminta Pérez", "said", "Aminta Pérez (Pérez's mother), in a video"),
    ("“Spare his life.", "Aminta Pérez", "said", "Aminta Pérez (Pérez's mother), in a video"),
    ("If anything happens to him", "Aminta Pérez", "said", "Aminta Pérez (Pérez's mother), in a video"),
]


def test_ingest_stores_who_says_each_passage(claim_index: ClaimIndex):
    assert _ingest(claim_index, str(DEMO_CORPUS)).added == 1
    passages = _stored_passages(claim_index)
    for prefix, speaker, cue, attribution in DEMO_SPEAKERS:
        p = _one(passages, prefix)
        assert (p.speaker, p.cue, p.attribution) == (speaker, cue, attribution), prefix
    # every other passage is in the outlet's own voice, captions included
    for prefix in [
        "Venezuelan special forces on Monday",
        "Members of the Venezuelan Bolivarian",
        "In addition to being a trained officer",
    ]:
        p = _one(passages, prefix)
        assert (p.speaker, p.cue, p.attribution) == (None, None, "el Nuevo Herald")
    # the photo credit is page furniture: attributed with the rest, never stored as a passage
    assert not [p for p in passages if p.text.startswith("Fernando Llano AP")]
    assert all(p.attribution for p in passages)
    # embedded with who says it, after the statement of the same speaker that the quote continues
    quote = _one(passages, "“Here we are, here we are")
    assert quote.embed_text.startswith(f"{DEMO_TITLE}\nÓscar Pérez, in a video: In the first of several videos")
    assert quote.embed_text.endswith(quote.text)
    assert "Óscar Pérez, in a video" in quote.context
    assert claim_index.store.get_meta("passage_format") == textmod.PASSAGE_FORMAT


def test_attribution_can_be_turned_off(home: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CLAIMBOT_ATTRIBUTION", "false")
    index = ClaimIndex(Settings())
    try:
        assert _ingest(index, str(DEMO_CORPUS)).added == 1
        passages = _stored_passages(index)
        assert all(p.speaker is None and p.cue is None and p.attribution is None for p in passages)
        quote = _one(passages, "“Here we are, here we are")
        assert quote.embed_text == f"{DEMO_TITLE}\n{quote.text}"
    finally:
        index.close()


def _ingestor(index: ClaimIndex, load_attributor, events: list[IngestEvent]) -> Ingestor:
    return Ingestor(
        index.store,
        index.vectors,
        index.embedder,
        collection="default",
        load_attributor=load_attributor,
        on_event=events.append,
    )


# Three articles that file ingest attributes in one batch (`Ingestor._attribute_split`).
THREE_ARTICLES = {
    "https://news.example/holt": "Senator Maria Holt said the vote was fair. Holt later said she would stay.",
    "https://news.example/boom": "BOOM, the council said. The bridge will reopen, officials said.",
    "https://news.example/acme": "Acme said on Monday that profits fell.",
}


def _speakers_by_url(index: ClaimIndex) -> dict[str, list[str | None]]:
    from claimbot.index.storage.schema import ArticleRow

    with index.store.session() as s:
        urls = {a.id: a.url for a in s.scalars(select(ArticleRow))}
    out: dict[str, list[str | None]] = {}
    for p in _stored_passages(index):
        out.setdefault(urls[p.article_id], []).append(p.speaker)
    return out


def _ingest_three(index: ClaimIndex, tmp_path: Path) -> tuple[IngestReport, list[IngestEvent]]:
    lines = [json.dumps({"text": text, "url": url}) for url, text in THREE_ARTICLES.items()]
    (tmp_path / "three.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    events: list[IngestEvent] = []
    report = _ingestor(index, shared_attributor, events).run(
        read_inputs([str(tmp_path / "three.jsonl")], SourceOptions())
    )
    return report, events


@pytest.mark.usefixtures("rules_fail_on_boom")
def test_a_failing_attribution_indexes_the_article_without_speakers_and_says_so(
    claim_index: ClaimIndex, tmp_path: Path
):
    report, events = _ingest_three(claim_index, tmp_path)
    assert (report.added, report.failed) == (3, 0)
    [boom] = [e for e in events if e.origin.endswith(":2")]
    assert "attribution failed: RuntimeError: rule bug" in boom.detail
    assert not [e for e in events if "attribution failed" in e.detail and e is not boom]
    speakers = _speakers_by_url(claim_index)
    assert speakers["https://news.example/boom"] == [None, None]  # unknown, never a wrong speaker
    assert speakers["https://news.example/holt"] == ["Maria Holt", "Maria Holt"]
    assert speakers["https://news.example/acme"] == ["Acme"]
    _consistent(claim_index)


def test_a_parse_that_fails_a_batch_is_retried_article_by_article(
    claim_index: ClaimIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    attributor = shared_attributor()
    real_nlp = attributor.nlp

    class _Nlp:
        def __getattr__(self, name):
            return getattr(real_nlp, name)

        def __call__(self, text):
            return real_nlp(text)

        def pipe(self, texts, **kwargs):
            texts = list(texts)
            if any("BOOM" in t for t in texts):
                raise ValueError("parser crashed")
            return real_nlp.pipe(texts, **kwargs)

    monkeypatch.setattr(attributor, "nlp", _Nlp())
    report, events = _ingest_three(claim_index, tmp_path)
    assert (report.added, report.failed) == (3, 0)
    assert [e.detail.endswith("(attribution failed: ValueError: parser crashed)") for e in events] == [
        False,
        True,
        False,
    ]
    speakers = _speakers_by_url(claim_index)
    assert speakers["https://news.example/boom"] == [None, None]
    assert speakers["https://news.example/holt"] == ["Maria Holt", "Maria Holt"]
    _consistent(claim_index)


def test_the_attribution_model_loads_only_for_articles_to_index(claim_index: ClaimIndex):
    _ingest(claim_index, str(DEMO_CORPUS))

    def must_not_load():
        raise AssertionError("the spaCy model was loaded for an unchanged article")

    events: list[IngestEvent] = []
    report = _ingestor(claim_index, must_not_load, events).run(read_inputs([str(DEMO_CORPUS)], SourceOptions()))
    assert (report.unchanged, report.added) == (1, 0)


def test_ingesting_into_an_index_of_older_passages_warns(claim_index: ClaimIndex, tmp_path: Path, caplog):
    (tmp_path / "a.txt").write_text("Rain story\nRain fell all day.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("River story\nThe river rose.", encoding="utf-8")
    _ingest(claim_index, str(tmp_path / "a.txt"))
    claim_index.store.set_meta("passage_format", "1")  # as if built before speakers were embedded
    with caplog.at_level("WARNING", logger="claimbot.index.corpus.ingest"):
        assert _ingest(claim_index, str(tmp_path / "b.txt")).added == 1
    assert "passage format 1" in caplog.text and "re-ingest" in caplog.text
    assert claim_index.store.get_meta("passage_format") == "1"  # it still holds passages of format 1


# -- bad input that used to abort or hold an ingest (issue 22) --------------------------------
def test_a_file_name_that_is_not_utf8_is_ingested_and_the_files_after_it_too(home: Path, tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / os.fsdecode(b"a-caf\xe9.txt")).write_text("Cafe story\nThe cafe reopened on Friday.", encoding="utf-8")
    (folder / "b.txt").write_text("Bridge story\nThe bridge reopened on Monday.", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(folder)])
    assert result.exit_code == 0, result.output
    assert "2 added, 0 replaced, 0 unchanged, 0 failed" in result.output


def test_an_error_while_storing_one_article_fails_that_article_alone(
    claim_index: ClaimIndex, tmp_path: Path, monkeypatch
):
    real = claim_index.store.write_article

    def write(article, *args, **kwargs):
        if "BOOM" in article.text:
            raise UnicodeEncodeError("utf-8", "\udce9", 0, 1, "surrogates not allowed")
        return real(article, *args, **kwargs)

    monkeypatch.setattr(claim_index.store, "write_article", write)
    lines = [
        json.dumps({"text": t}) for t in ("First story. It went well.", "BOOM goes this one.", "Third story. Fine.")
    ]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = _ingest(claim_index, str(tmp_path / "a.jsonl"))
    assert (report.added, report.failed) == (2, 1)
    assert report.errors[0].startswith(f"{tmp_path / 'a.jsonl'}:2: could not be stored (UnicodeEncodeError:")
    _consistent(claim_index)


def test_an_article_of_too_many_paragraphs_or_sentences_is_refused_in_one_line(home: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("CLAIMBOT_MAX_PASSAGES_PER_ARTICLE", "50")
    (tmp_path / "paragraphs.txt").write_text("Many\n" + "\n\n".join(f"Line {i} here." for i in range(60)))
    (tmp_path / "sentences.txt").write_text("Long\n" + " ".join(f"Sentence {i} here." for i in range(60)))
    (tmp_path / "fine.txt").write_text("Fine\n" + " ".join(f"Sentence {i} here." for i in range(40)))
    result = runner.invoke(app, ["ingest", str(tmp_path)])
    assert result.exit_code == 1
    assert "too long to index (60 paragraphs; the limit is 50 passages per article" in result.output
    assert "too long to index (more than 50 sentences; the limit is 50" in result.output
    assert "1 added" in result.output


def test_an_article_over_the_passage_cap_is_refused_without_splitting_all_of_it(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # One paragraph of 20,000 sentences: splitting all of a 5 MB one took 10 s, only to refuse it.
    monkeypatch.setenv("CLAIMBOT_MAX_PASSAGES_PER_ARTICLE", "50")
    split: list[tuple[int, int]] = []
    spans = textmod._syntok_spans

    def counted(paragraph: str):
        for span in spans(paragraph):
            split.append(span)
            yield span

    monkeypatch.setattr(textmod, "_syntok_spans", counted)
    (tmp_path / "long.txt").write_text("Long\n" + " ".join(f"Sentence {i} here." for i in range(20_000)))
    result = runner.invoke(app, ["ingest", str(tmp_path / "long.txt")])
    assert result.exit_code == 1
    assert "too long to index (more than 50 sentences; the limit is 50 passages per article" in result.output
    assert len(split) <= 52


def test_a_huge_title_is_not_copied_into_every_passage(claim_index: ClaimIndex, tmp_path: Path):
    title = "Headline " * 300_000  # 2.7 MB
    body = " ".join(f"The council met for the {i}th time." for i in range(30))
    (tmp_path / "a.jsonl").write_text(json.dumps({"text": body, "title": title}) + "\n", encoding="utf-8")
    assert _ingest(claim_index, str(tmp_path / "a.jsonl")).added == 1
    passages = _stored_passages(claim_index)
    assert len(passages) == 30 and max(len(p.context) + len(p.embed_text) for p in passages) < 1_500


def test_a_long_language_name_and_nul_characters_are_stored_on_every_backend(claim_index: ClaimIndex, tmp_path: Path):
    # PostgreSQL held an article's language to 20 characters (migration 0015) and refuses NUL in text
    record = {"text": "The dam\u0000 held. Rivers fell.", "language": "English (United States)", "title": "Dam\u0000"}
    (tmp_path / "a.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    report = _ingest(claim_index, str(tmp_path / "a.jsonl"))
    assert (report.added, report.failed) == (1, 0), report.errors
    from claimbot.index.storage.schema import ArticleRow

    with claim_index.store.session() as s:
        [row] = s.scalars(select(ArticleRow))
        assert (row.language, row.title, row.text) == ("English (United States)", "Dam", "The dam held. Rivers fell.")


def test_a_blank_title_option_is_no_title_given(home: Path, tmp_path: Path):
    # `--title ""` took the file's first line off as a title and then blanked the title: the line was lost
    (tmp_path / "crane.txt").write_text(
        "Harbour crane collapses\nA crane collapsed at the harbour on Monday, the port authority said.\n",
        encoding="utf-8",
    )
    for blank in ("", "   "):
        result = runner.invoke(app, ["ingest", str(tmp_path / "crane.txt"), "--title", blank])
        assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["articles", "list", "crane"])
    assert listed.exit_code == 0 and "Harbour crane collapses" in listed.output, listed.output


def test_options_that_an_unchanged_article_does_not_take_are_said_to_be_dropped(home: Path, tmp_path: Path):
    (tmp_path / "mill.txt").write_text("Mill fire\nThe old mill burned down on Sunday night.\n", encoding="utf-8")
    first = runner.invoke(app, ["ingest", str(tmp_path / "mill.txt"), "--published", "2019-06-01"])
    assert first.exit_code == 0 and "note:" not in first.output, first.output
    again = runner.invoke(app, ["ingest", str(tmp_path / "mill.txt"), "--published", "2020-02-02", "--outlet", "Post"])
    said = " ".join(again.output.split())  # as one line, however the console wrapped it
    assert again.exit_code == 0 and "1 unchanged" in said, said
    assert "note: 1 article already indexed with the same text kept what was stored; --outlet, --published" in said
    plain = runner.invoke(app, ["ingest", str(tmp_path / "mill.txt")])
    assert plain.exit_code == 0 and "note:" not in plain.output, plain.output
