"""Full text: BM25 over the passage text (its context weighted lower), best first.

On SQLite a Tantivy index beside the faiss file does it. FTS5 ranks every row that matches a
claim's words (0.6 s p95 at a million passages, issue 26); Tantivy's block-max WAND skips the
postings that cannot reach the top k. Like the faiss file it is a cache: the database stays the
source of truth, and the index follows it by the change log (`Store.changes_since`), from the
`ChangeMark` saved beside it once a commit is durable. Tantivy commits atomically, and a batch
of changes is applied idempotently (the range of ids it adds is deleted first), so a process
killed anywhere leaves the index at its last commit and the next sync finishes the work.

Several processes (`serve` and a `claimbot ingest` beside it) share the directory: Tantivy allows
one writer at a time, so a process that finds it taken searches what is committed and syncs later.

Ranking is FTS5's `bm25(passages_fts, 1.0, 0.3)`, the same formula PostgreSQL computes
(`claimbot.index.storage.pgtext`), so both backends and the answers before this index agree:
Tantivy's own BM25 over text and context together picks `CANDIDATES_PER_HIT` candidates per hit
asked for, and these are scored exactly, from their stored text, with Tantivy's document
frequencies and the lengths kept in a fast field. (Tantivy sums per-field BM25, which saturates
the text and the context separately: on the demo that moved half of the top 20.)

On PostgreSQL each process that searches keeps the same index beside it (`CLAIMBOT_PG_FULLTEXT`,
default `tantivy`), following the same change log, which migration 0013 makes commit in id order
there too; with `database` the database's own postings do it (`claimbot.index.storage.pgtext`).
"""

from __future__ import annotations

import fcntl
import logging
import math
import shutil
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import tantivy

from claimbot.index.search.marks import SavedMark, read_mark, remove_mark, write_mark
from claimbot.index.storage import ChangeMark, Collections, StorageError, Store, query_words, scope_list

log = logging.getLogger(__name__)

# FTS5's `bm25(passages_fts, 1.0, 0.3)` weighted the context this much; PostgreSQL's does too.
CONTEXT_WEIGHT = 0.3
BM25_K1 = 1.2
BM25_B = 0.75
CANDIDATES_PER_HIT = 4
MIN_CANDIDATES = 200
ANALYZER = "claimbot"
# One writer thread: the other core answers checks meanwhile. Tantivy's floor is 15 MB per thread.
WRITER_HEAP = 64_000_000
WRITER_THREADS = 1
BATCH = 5000
# The directory's name carries the schema's version: a new schema gets a new directory, built
# from the database on first use, rather than an old index read with the wrong fields.
DIRECTORY = "fulltext-v2"


class FullTextBackend(Protocol):
    def search(self, query: str, k: int, collection: Collections = None) -> list[int]: ...
    def catch_up(self, on_progress: Callable[[int, int], None] | None = None) -> bool: ...
    def rebuild(self, on_progress: Callable[[int, int], None] | None = None) -> None: ...


def open_fulltext(store: Store, path: Path, *, in_database: bool = False) -> FullTextBackend:
    """A Tantivy index at `path` (a directory), or on PostgreSQL with `in_database` its postings."""
    if store.is_postgres and in_database:
        return DatabaseFullText(store)
    return TantivyFullText(store, path)


class DatabaseFullText:
    """PostgreSQL: the postings table is kept by triggers in the passages' transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def search(self, query: str, k: int, collection: Collections = None) -> list[int]:
        return self.store.lexical_search(query, k, collection)

    def catch_up(self, on_progress: Callable[[int, int], None] | None = None) -> bool:
        return True

    def rebuild(self, on_progress: Callable[[int, int], None] | None = None) -> None:
        return None


def _analyzer() -> tantivy.TextAnalyzer:
    # As FTS5's unicode61 with remove_diacritics: split on what is not a letter or digit, fold
    # case and accents ("Perez" finds "Pérez"). No stemming, like FTS5 and PostgreSQL's 'simple'.
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(60))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def _fold(text: str) -> str:
    # Lowercasing "İ" gives "i" plus a combining dot that ascii_fold keeps: "Istanbul" would not
    # find "İstanbul". Applied to passages and claims alike.
    return text.replace("İ", "I")


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    builder.add_text_field("collection", tokenizer_name="raw", index_option="basic")
    # The passage text and its context in one field: its document frequencies are FTS5's n(t).
    # Frequencies without positions: BM25 needs no more, and positions would double the index.
    builder.add_text_field("words", tokenizer_name=ANALYZER, index_option="freq")
    builder.add_unsigned_field("length", fast=True)  # tokens in text and context: BM25's |d|
    return builder.build()


def _column(searcher: tantivy.Searcher, field: str, addresses: list[tantivy.DocAddress]) -> list[int]:
    # None only for a segment written without the field, which this schema never has; 0 is no
    # passage's id, so such a hit would drop out where its text is read.
    return [int(v or 0) for v in searcher.fast_field_values(field, addresses)]


class TantivyFullText:
    def __init__(self, store: Store, path: Path) -> None:
        self.store = store
        self.path = path
        self.mark_path = path.with_name(path.name + ".mark.json")
        self._analyzer = _analyzer()
        self._schema = _schema()
        self._lock = threading.Lock()
        self._avgdl: tuple[tuple[int, int], float] | None = None
        self._index = self._open()

    def _open(self) -> tantivy.Index:
        # Two processes starting on a new home (an ingest beside `serve`) would each find the other's
        # half-made directory unreadable and remove it: opening or making it is one process at a time.
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = open(self.path.with_name(self.path.name + ".lock"), "a+b")
        except OSError as error:
            raise StorageError(f"cannot lock the full-text index at {self.path} ({error.strerror or error})") from error
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if the process dies
            return self._open_locked()

    def _open_locked(self) -> tantivy.Index:
        if self.path.is_dir():
            try:
                index = tantivy.Index.open(str(self.path))
                index.register_tokenizer(ANALYZER, self._analyzer)
                return index
            except ValueError as error:  # unreadable: a cache, rebuilt from the database
                log.warning("full-text index %s unreadable (%s); rebuilding it", self.path, error)
            shutil.rmtree(self.path, ignore_errors=True)
        try:
            remove_mark(self.mark_path)
            self.path.mkdir(parents=True, exist_ok=True)
            index = tantivy.Index(self._schema, path=str(self.path))
        except (ValueError, OSError) as error:  # Tantivy reports a failed write as a ValueError
            # Without it no claim can be searched by its words: say what to mend, in one line.
            reason = " ".join(str(error).split())
            raise StorageError(
                f"cannot create the full-text index in {self.path} ({reason}): make room there and run again"
            ) from error
        index.register_tokenizer(ANALYZER, self._analyzer)
        return index

    # -- following the database ---------------------------------------------------------------
    def catch_up(self, on_progress: Callable[[int, int], None] | None = None) -> bool:
        """Apply what the database changed since the saved mark. False when another process holds
        the writer (it is applying the same changes): searches see what is committed meanwhile."""
        saved = self._saved_mark(warn=False)  # read again under the writer's lock, and said there
        if saved is not None and not self.store.changes_since(saved.mark):
            self._index.reload()  # another process may have committed since this one last looked
            return True
        with self._lock:
            try:
                writer = self._index.writer(heap_size=WRITER_HEAP, num_threads=WRITER_THREADS)
            except ValueError:
                log.info("full-text index busy in another process; searching its last commit")
                self._index.reload()
                return False
            failed: Exception | None = None
            try:
                try:
                    self._apply(writer, on_progress)
                except (ValueError, OSError) as error:  # a failed write (a full disk): nothing of it is committed
                    failed = error
            finally:
                try:
                    writer.wait_merging_threads()  # also releases the writer's lock
                except ValueError as error:  # a worker thread's failed write can surface here instead
                    failed = failed or error
            self._index.reload()
            if failed is not None:
                reason = " ".join(str(failed).split())
                log.warning(
                    "could not update the full-text index %s (%s); searching its last commit", self.path, reason
                )
                return False
        return True

    def _apply(self, writer: tantivy.IndexWriter, on_progress: Callable[[int, int], None] | None) -> None:
        # Read under the writer's lock: another process's sync has finished and saved its mark.
        saved = self._saved_mark()
        if saved is None:
            writer.delete_all_documents()
        mark = saved.mark if saved is not None else ChangeMark()
        changes = self.store.changes_since(mark)
        if len(changes.removed):
            removed = tantivy.Query.term_set_query(self._schema, "id", changes.removed.tolist())
            writer.delete_documents_by_query(removed)
        if len(changes.added):
            # The ids above the mark are exactly those added; some may be in the index already
            # (a commit whose mark was not saved): delete the range, then add it whole.
            writer.delete_documents_by_query(
                tantivy.Query.range_query(
                    self._schema,
                    "id",
                    tantivy.FieldType.Unsigned,
                    mark.passage_id + 1,
                    changes.mark.passage_id,
                    include_lower=True,
                    include_upper=True,
                )
            )
            done = 0
            for rows in self.store.iter_fulltext_rows(mark.passage_id, changes.mark.passage_id, BATCH):
                for row in rows:
                    text, context = _fold(row.text), _fold(row.context)
                    doc = tantivy.Document()
                    doc.add_unsigned("id", row.id)
                    doc.add_text("collection", row.collection)
                    doc.add_text("words", text + "\n" + context)
                    doc.add_unsigned("length", len(self._analyzer.analyze(text)) + len(self._analyzer.analyze(context)))
                    writer.add_document(doc)
                done += len(rows)
                if on_progress:
                    on_progress(done, len(changes.added))
        writer.commit()
        write_mark(self.mark_path, changes.mark, database=self.store.database_id())

    def _saved_mark(self, warn: bool = True) -> SavedMark | None:
        """The saved mark, or None (index every passage again) where it was saved for another
        database, or is ahead of this one: an older backup restored under vectors/, whose ids past
        its counter went out again for other passages; following on from the mark would keep the old
        texts under them."""
        saved = read_mark(self.mark_path)
        if saved is not None and saved.database not in (None, self.store.database_id()):
            # Copied from another installation: the ids it holds name that database's passages.
            if warn:
                log.warning("full-text index %s was saved for another database; rebuilding it", self.path)
            return None
        if saved is not None and saved.mark.beyond(self.store.issued_mark()):
            if warn:
                log.warning("full-text index %s is ahead of the database (%s); rebuilding it", self.path, saved.mark)
            return None
        return saved

    def rebuild(self, on_progress: Callable[[int, int], None] | None = None) -> None:
        """Index every passage again (`claimbot reindex`)."""
        remove_mark(self.mark_path)
        self.catch_up(on_progress)

    # -- queries --------------------------------------------------------------------------------
    def search(self, query: str, k: int, collection: Collections = None) -> list[int]:
        """Passage ids by BM25, best first: only the collections asked for, never a blocked
        source's (both filtered inside the search, so that they take no place in the top k)."""
        tokens = list(dict.fromkeys(self._analyzer.analyze(_fold(" ".join(query_words(query))))))
        if not tokens:
            return []
        words = [(tantivy.Occur.Should, tantivy.Query.term_query(self._schema, "words", t)) for t in tokens]
        clauses = [(tantivy.Occur.Must, tantivy.Query.boolean_query(words))]
        scope = scope_list(collection)
        if scope is not None:
            if not scope:
                return []
            clauses.append((tantivy.Occur.Must, tantivy.Query.term_set_query(self._schema, "collection", scope)))
        blocked = self.store.blocked_passage_ids()
        if len(blocked):
            clauses.append((tantivy.Occur.MustNot, tantivy.Query.term_set_query(self._schema, "id", blocked.tolist())))
        searcher = self._index.searcher()
        limit = max(k * CANDIDATES_PER_HIT, MIN_CANDIDATES)
        hits = searcher.search(tantivy.Query.boolean_query(clauses), limit=limit, count=False).hits
        addresses = [address for _, address in hits]
        ids = _column(searcher, "id", addresses)
        lengths = _column(searcher, "length", addresses)
        return self._bm25(searcher, tokens, ids, lengths)[:k]

    def _bm25(self, searcher: tantivy.Searcher, tokens: list[str], ids: list[int], lengths: list[int]) -> list[int]:
        """`ids` in FTS5's bm25(1.0, 0.3) order (sqlite/ext/fts5/fts5_aux.c), from their stored text."""
        if not ids:
            return []
        n_docs = max(int(searcher.num_docs), 1)
        idf = {}
        for t in tokens:
            # Tantivy counts deleted documents until their segment merges; num_docs does not.
            n = min(int(searcher.doc_freq("words", t)), n_docs)
            idf[t] = max(math.log((n_docs - n + 0.5) / (n + 0.5)), 1e-6)
        avgdl = max(self._average_length(searcher), 1.0)
        texts = self.store.passage_texts(ids)
        scored: list[tuple[float, int]] = []
        for passage_id, length in zip(ids, lengths, strict=True):
            if passage_id not in texts:
                continue  # removed since the last sync
            text, context = texts[passage_id]
            in_text = Counter(self._analyzer.analyze(_fold(text)))
            in_context = Counter(self._analyzer.analyze(_fold(context)))
            norm = BM25_K1 * (1 - BM25_B + BM25_B * length / avgdl)
            score = 0.0
            for t in tokens:
                f = in_text[t] + CONTEXT_WEIGHT * in_context[t]
                if f:
                    score += idf[t] * f * (BM25_K1 + 1) / (f + norm)
            scored.append((-score, passage_id))
        return [passage_id for _, passage_id in sorted(scored)]

    def _average_length(self, searcher: tantivy.Searcher) -> float:
        """The mean `length` over the index, computed once per committed state."""
        generation = (int(searcher.num_docs), int(searcher.num_segments))
        if self._avgdl is None or self._avgdl[0] != generation:
            result = searcher.aggregate(tantivy.Query.all_query(), {"mean": {"avg": {"field": "length"}}})
            self._avgdl = (generation, float(result["mean"]["value"] or 0.0))
        return self._avgdl[1]

    def ids(self) -> list[int]:
        """Every passage id the index holds, in order (a duplicate would show twice)."""
        searcher = self._index.searcher()
        n = int(searcher.num_docs)
        if n == 0:
            return []
        hits = searcher.search(tantivy.Query.all_query(), limit=n, count=False).hits
        return sorted(_column(searcher, "id", [address for _, address in hits]))

    def __len__(self) -> int:
        return int(self._index.searcher().num_docs)
