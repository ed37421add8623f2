"""Ingestion: articles in, passages with embeddings out, one transaction per article.

Passages of several articles are embedded together (the embedder is the slow part and wants
full batches); each article is then committed on its own, so a crash or a bad input never
leaves half an article. The vector index is updated after each commit and saved at the end
and every `SAVE_EVERY_S`; if the process dies in between, the next open syncs it from the
database.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from claimbot.index.config import DEFAULT_INGEST_BATCH
from claimbot.index.corpus import text as textmod
from claimbot.index.corpus.attribution import ArticleToAttribute
from claimbot.index.corpus.furniture import is_furniture
from claimbot.index.corpus.sources import SourceError, SourceItem
from claimbot.index.records import ArticleInput, ClaimReview, FactCheckDraft, IngestReport, PassageDraft, Sentence
from claimbot.index.search import Embedder, VectorBackend
from claimbot.index.storage import StorageError, Store, blocking, domain_of, unwritable_reason

if TYPE_CHECKING:  # spaCy loads only when an attributor is made
    from claimbot.index.corpus.attribution import ArticleAttribution, Attributor, SentenceAttribution

log = logging.getLogger(__name__)

# Sentences embedded together: CLAIMBOT_INGEST_BATCH from files (DEFAULT_INGEST_BATCH). One by one
# (URLs, feeds: `overlap` off) the batch stays small, so that an article that arrived is committed soon.
EMBED_CHUNK_ONE_BY_ONE = 256
# Sentences attributed together from files: spaCy parses a batch of a few hundred sentences at
# a tenth to a fifth less CPU than article by article (docs/attribution.md, Speed).
ATTRIBUTE_CHUNK = 256
SAVE_EVERY_S = 60.0
# An article of more sentences is refused (CLAIMBOT_MAX_PASSAGES_PER_ARTICLE): a long report has 1,500.
DEFAULT_MAX_PASSAGES = 2_000

Outcome = Literal["added", "replaced", "unchanged", "failed"]


@dataclass(frozen=True)
class IngestEvent:
    outcome: Outcome
    origin: str
    detail: str
    passages: int = 0


@dataclass
class _Pending:
    article: ArticleInput
    content_hash: str
    drafts: list[PassageDraft]
    replace_id: int | None
    replace_passages: list[int]
    keys: set[str]  # as `_Split.keys`: held in `Ingestor._pending_keys` until written
    note: str = ""  # appended to the article's event line


@dataclass
class _Split:
    """An article split into sentences, waiting to be attributed with the next few."""

    article: ArticleInput
    content_hash: str
    # What another article of this run must not share until this one is written: its text and URL,
    # and the text of the article it replaces (deleted only when this one is committed).
    keys: set[str]
    sentences: list[Sentence]
    replace_id: int | None
    replace_passages: list[int]


Annotator = Callable[[ArticleInput, list[PassageDraft]], list[PassageDraft]]


def _keys(content_hash: str, url: str | None, source_file: str | None = None) -> set[str]:
    """What makes two articles of one run the same article: their text, their URL, or their file."""
    return (
        {f"hash:{content_hash}"}
        | ({f"url:{url}"} if url else set())
        | ({f"file:{source_file}"} if source_file else set())
    )


class Ingestor:
    def __init__(
        self,
        store: Store,
        vectors: VectorBackend,
        embedder: Embedder,
        *,
        collection: str,
        load_attributor: Callable[[], Attributor] | None = None,
        annotate: Annotator | None = None,
        on_event: Callable[[IngestEvent], None] | None = None,
        write_lock: AbstractContextManager[object] | None = None,
        max_passages: int = DEFAULT_MAX_PASSAGES,
        blocked_domains: Sequence[str] = (),
        fact_check_drafts: Callable[[list[ClaimReview]], list[FactCheckDraft]] | None = None,
        overlap: bool = True,
        embed_chunk: int = DEFAULT_INGEST_BATCH,
    ) -> None:
        """`load_attributor` (e.g. `claimbot.index.corpus.attribution.shared_attributor`) gives every passage its
        speaker, cue and attribution and embeds it with them; None stores them empty. `write_lock`
        is held from an article's commit until its vectors are in the index, so that nothing syncing
        the index with the database meanwhile adds them a second time. An article whose URL is on
        a `blocked_domains` source is refused (a file or JSONL line can name one; a URL is refused
        before it is fetched, by `SourceOptions.blocked_domains`). `overlap`: embed each batch
        while the next articles are read (files); off where the next article may take long to
        arrive (URLs, feeds), so that an embedded article is committed at once, not when the next
        batch is handed over."""
        self.store = store
        self.blocked_domains = tuple(blocked_domains)
        self.vectors = vectors
        self.write_lock = write_lock or contextlib.nullcontext()
        self.embedder = embedder
        self.collection = collection
        self.max_passages = max_passages
        self.annotate = annotate
        # Embeds a page's ClaimReview claims for the fact-check store; None ignores the markup.
        self.fact_check_drafts = fact_check_drafts
        self._load_attributor = load_attributor
        self._attributor: Attributor | None = None
        self.on_event = on_event or (lambda _event: None)
        self.report = IngestReport()
        self._split: list[_Split] = []  # read and split, not attributed yet
        self._pending: list[_Pending] = []  # drafted, not embedded yet
        # The keys of every article of this run not written yet (split, pending or embedding).
        self._pending_keys: set[str] = set()
        # The batch being embedded on the embedding thread while the next articles are parsed and
        # attributed here: on 2 cores spaCy (one thread) and the embedder overlap instead of taking
        # turns. Written, in order, when the next batch is handed over or the run ends.
        self._embedding: tuple[list[_Pending], Future[np.ndarray]] | None = None
        self._embedder_thread: ThreadPoolExecutor | None = None
        self._overlap = overlap
        self._embed_chunk = embed_chunk if overlap else min(embed_chunk, EMBED_CHUNK_ONE_BY_ONE)
        self._attribute_chunk = ATTRIBUTE_CHUNK if overlap else 0
        self._last_save = time.monotonic()

    def run(self, items: Iterable[SourceItem]) -> IngestReport:
        started = time.perf_counter()
        self._record_passage_format()
        self._embedder_thread = ThreadPoolExecutor(1, thread_name_prefix="claimbot-embed")
        try:
            try:
                for item in items:
                    self._take(item)
            except StorageError:
                raise  # nothing more can be written, the articles read before it included
            except Exception:
                # A source that fails mid-way ends the run, but the articles read before it are
                # written first: nothing already read is lost to a later input's failure.
                self._finish()
                raise
            self._finish()
        finally:
            # On an error the batch in flight is dropped unwritten, like one not yet embedded.
            self._embedder_thread.shutdown(wait=True)
            self._embedding = None
            if self.vectors.dirty:
                self.vectors.save()
            self.report.seconds = time.perf_counter() - started
        return self.report

    def _finish(self) -> None:
        self._flush()
        self._write_embedded()

    def _record_passage_format(self) -> None:
        """Note in the index which `text.PASSAGE_FORMAT` its passages were embedded in.

        An index built before (no note, or another one) keeps working, but its passages lack
        speakers and were embedded without them: re-ingesting into a fresh CLAIMBOT_HOME is what
        brings them up to date (`reindex --reembed` re-embeds the stored texts as they are)."""
        stored = self.store.get_meta("passage_format")
        if stored == textmod.PASSAGE_FORMAT:
            return
        if self.store.counts()[1] == 0:
            self.store.set_meta("passage_format", textmod.PASSAGE_FORMAT)
        else:
            log.warning(
                "this index holds passages in passage format %s, new ones are in format %s: "
                "re-ingest the articles into a fresh CLAIMBOT_HOME to give all of them speakers",
                stored or "1",
                textmod.PASSAGE_FORMAT,
            )

    def _emit(self, event: IngestEvent) -> None:
        if event.outcome == "failed":
            self.report.failed += 1
            self.report.errors.append(f"{event.origin}: {event.detail}")
        elif event.outcome == "unchanged":
            self.report.unchanged += 1
        else:
            setattr(self.report, event.outcome, getattr(self.report, event.outcome) + 1)
            self.report.passages += event.passages
        self.on_event(event)

    def _take(self, item: SourceItem) -> None:
        if isinstance(item, SourceError):
            self._emit(IngestEvent("failed", item.origin, item.reason))
            return
        try:
            self._prepare(item)
        except StorageError:
            raise  # an earlier article's write (a batch written meanwhile): this one is not to blame
        except Exception as error:  # noqa: BLE001 - one odd article must not end a long ingest
            # The event line is what the user sees; the traceback is for a service's log (INFO),
            # not for the command line, which would print it under Python's last-resort handler.
            log.info("could not index %s", item.origin, exc_info=True)
            self._emit(IngestEvent("failed", item.origin, f"could not be indexed ({type(error).__name__}: {error})"))

    def _prepare(self, item: ArticleInput) -> None:
        blocked = blocking(domain_of(item.url), self.blocked_domains)
        if blocked is not None:
            self._emit(IngestEvent("failed", item.origin, f"{blocked} is a blocked source"))
            return
        article = item.model_copy(update={"text": textmod.normalise(item.text)})
        if not article.text:
            self._emit(IngestEvent("failed", article.origin, "no extractable text"))
            return
        content_hash = textmod.content_hash(article.text)
        keys = _keys(content_hash, article.url, article.source_file)
        if keys & self._pending_keys:
            # The same article twice in one run, or the text of one that an article of this run
            # replaces: let the earlier commit decide, then look again.
            self._finish()
        by_url, by_hash = self.store.find_existing(
            article.url, content_hash, self.collection, source_file=article.source_file
        )
        if by_url is not None and by_url.content_hash == content_hash:
            self._emit(IngestEvent("unchanged", article.origin, f"already indexed as article {by_url.id}"))
            return
        if by_hash is not None and (by_url is None or by_hash.id != by_url.id):
            self._emit(IngestEvent("unchanged", article.origin, f"same text as article {by_hash.id}"))
            return
        # Blank-line blocks are counted first (cheap): 200,000 one-line paragraphs would otherwise
        # hold the run for seconds in splitting and minutes in attribution and embedding.
        blocks = textmod.count_blocks(article.text)
        if blocks > self.max_passages:
            self._emit(IngestEvent("failed", article.origin, self._too_many(f"{blocks:,} paragraphs")))
            return
        # Splitting stops past the cap: a 5 MB paragraph took 10 s to split only to be refused.
        sentences = textmod.split_sentences(article.text, stop_after=self.max_passages)
        if len(sentences) > self.max_passages:
            self._emit(
                IngestEvent("failed", article.origin, self._too_many(f"more than {self.max_passages:,} sentences"))
            )
            return
        if not any(s.kind == "text" for s in sentences):
            self._emit(IngestEvent("failed", article.origin, "no extractable text (only headings or captions)"))
            return
        if by_url is not None:
            keys.add(f"hash:{by_url.content_hash}")
        self._split.append(
            _Split(
                article,
                content_hash,
                keys,
                sentences,
                replace_id=by_url.id if by_url else None,
                replace_passages=by_url.passage_ids if by_url else [],
            )
        )
        self._pending_keys |= keys
        if sum(len(x.sentences) for x in self._split) >= self._attribute_chunk:
            self._attribute_split()
            if sum(len(p.drafts) for p in self._pending) >= self._embed_chunk:
                self._flush()

    def _too_many(self, found: str) -> str:
        return (
            f"too long to index ({found}; the limit is {self.max_passages:,} passages per article, "
            "CLAIMBOT_MAX_PASSAGES_PER_ARTICLE)"
        )

    def _attribute_split(self) -> None:
        """Attribute the split articles together and draft their passages into the pending batch."""
        if not self._split:
            return
        split, self._split = self._split, []
        try:
            attributed = self._attribute(split)
        except Exception as error:  # noqa: BLE001 - e.g. the spaCy model would not load: each article says so
            log.info("could not attribute %d articles", len(split), exc_info=True)
            for item in split:
                self._pending_keys -= item.keys
                detail = f"could not be indexed ({type(error).__name__}: {error})"
                self._emit(IngestEvent("failed", item.article.origin, detail))
            return
        for item, (attributions, note) in zip(split, attributed, strict=True):
            try:
                self._draft(item, attributions, note)
            except Exception as error:  # noqa: BLE001 - as in `_take`: one odd article must not end a long ingest
                log.info("could not index %s", item.article.origin, exc_info=True)
                self._pending_keys -= item.keys
                detail = f"could not be indexed ({type(error).__name__}: {error})"
                self._emit(IngestEvent("failed", item.article.origin, detail))

    def _attribute(self, split: list[_Split]) -> list[tuple[list[SentenceAttribution] | None, str]]:
        """Who says each sentence of each article, and a note for an article's event line where
        that failed (it is then indexed without speakers: shown as unknown, never as a wrong
        speaker)."""
        if self._load_attributor is None:
            return [(None, "")] * len(split)
        if self._attributor is None:
            self._attributor = self._load_attributor()
        items = [ArticleToAttribute(x.article.text, x.sentences, x.article.outlet) for x in split]
        try:
            results = self._attributor.attribute_many(items)
        except Exception:  # noqa: BLE001 - a failed parse fails the whole batch: retry one by one
            log.info("attribution failed for a batch; attributing its articles one by one", exc_info=True)
            results = [self._attribute_one(item) for item in items]
        out: list[tuple[list[SentenceAttribution] | None, str]] = []
        for x, result in zip(split, results, strict=True):
            if isinstance(result, Exception):
                log.info("attribution failed for %s", x.article.origin, exc_info=result)
                out.append((None, f" (attribution failed: {type(result).__name__}: {result})"))
            else:
                out.append((result[0], ""))
        return out

    def _attribute_one(self, item: ArticleToAttribute) -> ArticleAttribution | Exception:
        assert self._attributor is not None
        try:
            return self._attributor.attribute(item.text, item.sentences, item.outlet)
        except Exception as error:  # noqa: BLE001 - reported on the article's event line
            return error

    def _draft(self, item: _Split, attributions: list[SentenceAttribution] | None, note: str) -> None:
        article, sentences = item.article, item.sentences
        # Attribution reads every line (a byline can name the speaker of what follows); furniture
        # ("Related Stories …", datelines, credits) goes before the passages are drafted, so it is
        # never a passage nor the context or the embedded lead-in of the sentence after it.
        kept = [i for i, s in enumerate(sentences) if not is_furniture(s.text)]
        if not any(sentences[i].kind == "text" for i in kept):
            self._pending_keys -= item.keys
            self._emit(IngestEvent("failed", article.origin, "no extractable text (only page furniture)"))
            return
        drafts = textmod.passage_drafts(
            [sentences[i] for i in kept],
            article.title,
            [attributions[i] for i in kept] if attributions is not None else None,
        )
        if self.annotate is not None:
            drafts = self.annotate(article, drafts)
        self._pending.append(
            _Pending(article, item.content_hash, drafts, item.replace_id, item.replace_passages, item.keys, note=note)
        )

    def _flush(self) -> None:
        """Hand the pending articles to the embedding thread, then write the batch it had."""
        self._attribute_split()
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        texts = [d.embed_text for p in pending for d in p.drafts]
        assert self._embedder_thread is not None, "_flush runs inside run()"
        # The new batch is in flight before the previous one is written, so that a failure while
        # writing that one cannot drop this one unreported.
        previous, self._embedding = (
            self._embedding,
            (pending, self._embedder_thread.submit(self.embedder.encode, texts)),
        )
        self._write(previous)
        if not self._overlap:
            self._write_embedded()

    def _write_embedded(self) -> None:
        """Wait for the batch on the embedding thread, and commit its articles one by one."""
        batch, self._embedding = self._embedding, None
        self._write(batch)

    def _write(self, batch: tuple[list[_Pending], Future[np.ndarray]] | None) -> None:
        if batch is None:
            return
        pending, future = batch
        try:
            vectors = future.result()
        except Exception as error:  # noqa: BLE001 - e.g. out of memory: this batch's articles fail, the run goes on
            log.info("could not embed a batch of %d articles", len(pending), exc_info=True)
            for p in pending:
                detail = f"could not be embedded ({type(error).__name__}: {error})"
                self._emit(IngestEvent("failed", p.article.origin, detail))
            return
        finally:
            self._pending_keys -= set().union(*(p.keys for p in pending))
        offset = 0
        for p in pending:
            article_vectors = vectors[offset : offset + len(p.drafts)]
            offset += len(p.drafts)
            try:
                fact_checks = (
                    self.fact_check_drafts(p.article.fact_checks)
                    if self.fact_check_drafts is not None and p.article.fact_checks
                    else []
                )
            except Exception as error:  # noqa: BLE001 - as below: one article's fact-checks must not end the run
                log.info("could not read the fact-checks of %s", p.article.origin, exc_info=True)
                detail = f"could not be indexed ({type(error).__name__}: {error})"
                self._emit(IngestEvent("failed", p.article.origin, detail))
                continue
            with self.write_lock:
                try:
                    article_id, passage_ids = self.store.write_article(
                        p.article,
                        p.content_hash,
                        p.drafts,
                        article_vectors,
                        replace_id=p.replace_id,
                        collection=self.collection,
                        fact_checks=fact_checks,
                    )
                except IntegrityError:
                    # Another process stored the same URL or text since we looked: nothing was written.
                    self._emit(IngestEvent("unchanged", p.article.origin, "stored concurrently by another ingest"))
                    continue
                except SQLAlchemyError as error:
                    if _interrupted(error):
                        raise KeyboardInterrupt from error
                    unwritable = unwritable_reason(error)
                    if unwritable is not None:
                        # A full disk or a read-only database: every article after this one would
                        # fail the same way, each after being embedded. Stop, in one line.
                        stored = self.report.added + self.report.replaced
                        raise StorageError(
                            f"the database cannot be written ({unwritable}): stopped at {p.article.origin} "
                            f"after storing {stored} article{'s' if stored != 1 else ''}; make room (or make "
                            "it writable) and run the ingest again, which skips what is stored"
                        ) from error
                    # e.g. a value longer than its PostgreSQL column: this article's transaction
                    # rolled back, nothing of it was written; the others go on.
                    log.info("could not store %s", p.article.origin, exc_info=True)
                    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
                    self._emit(IngestEvent("failed", p.article.origin, f"could not be stored ({reason})"))
                    continue
                except Exception as error:  # noqa: BLE001 - one article's odd value must not end the run
                    if _interrupted(error):
                        raise KeyboardInterrupt from error
                    # e.g. a value the driver cannot encode; the transaction rolled back as above.
                    log.info("could not store %s", p.article.origin, exc_info=True)
                    detail = f"could not be stored ({type(error).__name__}: {error})"
                    self._emit(IngestEvent("failed", p.article.origin, detail))
                    continue
                self.vectors.remove(np.asarray(p.replace_passages, dtype=np.int64))
                self.vectors.add(np.asarray(passage_ids, dtype=np.int64), article_vectors)
            outcome: Outcome = "replaced" if p.replace_id is not None else "added"
            self.report.article_ids.append(article_id)
            self.report.fact_checks += len(fact_checks)
            n = len(fact_checks)
            note = f" with {n} fact-check{'s' if n != 1 else ''}" if n else ""
            self._emit(IngestEvent(outcome, p.article.origin, f"article {article_id}{note}{p.note}", len(passage_ids)))
        if time.monotonic() - self._last_save > SAVE_EVERY_S:
            self.vectors.save()
            self._last_save = time.monotonic()


def _interrupted(error: BaseException) -> bool:
    """Whether `error` came of a Ctrl-C. In the middle of a PostgreSQL write psycopg cancels the query
    and re-raises the KeyboardInterrupt, and then the session's rollback on the way out fails on the
    cancelled connection ("can't change 'autocommit' now") with an error that replaces it: the run
    took that for one article's failure and went on, Ctrl-C lost."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ if current.__cause__ is not None else current.__context__
    return False
