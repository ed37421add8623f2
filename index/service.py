"""The façade the CLI and the Discord bot call: `ClaimIndex` (ingest, check, reindex, stats), the one
claim validator, the fetch options from the settings (`source_options`), and the other jobs the CLI
runs (attribution, stance labelling, the evaluations, the PostgreSQL migration), named in `__all__`.
The bot imports `claimbot.index` only through here, `claimbot.index.review`, records and config."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import numpy as np
from sqlalchemy.exc import OperationalError

from claimbot.index.claim import ClaimReading, is_handles, is_hashtags, is_link, is_reaction, read_claim, truecase
from claimbot.index.config import PgFullText, Settings, StanceReader, format_duration, parse_duration
from claimbot.index.corpus import (
    DEFAULT_USER_AGENT,
    JSONL_SUFFIXES,
    SUPPORTED_SUFFIXES,
    Attributor,
    IngestEvent,
    Ingestor,
    SourceError,
    SourceItem,
    SourceOptions,
    address_refusal_ahead,
    attribute_text,
    claim_speaker,
    count_nonblank_lines,
    http_url,
    is_hidden,
    normalise,
    read_inputs,
    shared_attributor,
    voice_of,
)
from claimbot.index.evaluation import (
    DEFAULT_PAIRS,
    evaluate_attribution,
    evaluate_news,
    evaluate_stance,
    format_attribution_report,
    format_news_report,
    format_stance_report,
)
from claimbot.index.factchecks import (
    PASSAGE_MIN_SCORE,
    FactCheckReader,
    FactCheckService,
    MultilingualEncoder,
    detect_language,
    language_name,
    stance_reads,
    with_fact_checks,
)
from claimbot.index.feeds import (
    MAX_FEED_INTERVAL_S,
    MIN_FEED_INTERVAL_S,
    Clock,
    Feed,
    FeedExists,
    FeedPoll,
    FeedState,
    FeedStore,
    FeedWatcher,
    Poller,
    PollerLimits,
    PollReport,
    canonical_url,
)
from claimbot.index.records import (
    ArticleRef,
    CheckResult,
    CorpusSummary,
    Coverage,
    FactCheck,
    FactCheckRating,
    Hit,
    IngestReport,
    PassageResult,
    RemovedArticle,
    SourceStat,
    Stance,
    StanceProbs,
)
from claimbot.index.review import (
    ClaimError,
    NoticeOutcome,
    ReviewService,
    WatchSide,
    WatchUpdate,
    WatchView,
    validate_claim,
)
from claimbot.index.search import (
    FULLTEXT_DIRECTORY,
    Embedder,
    EmbedModelError,
    FullTextBackend,
    VectorBackend,
    open_fulltext,
    open_vector_index,
    reciprocal_rank_fusion,
    shared_embedder,
)
from claimbot.index.stance import (
    StanceModel,
    StanceModelError,
    about_words,
    accurate,
    check_paths,
    decide,
    guard_command,
    guard_event_time,
    guard_sides,
    guard_speaker,
    label_file,
    other_event,
    pick_view,
    published_date,
    score_views,
    settle,
    shared_clause_splitter,
    shared_command_reader,
    shared_event_reader,
    shared_stance_model,
    side_first,
    takes_side,
)
from claimbot.index.storage import (
    COLLECTION_NAME,
    DEFAULT_COLLECTION,
    PASSAGE_ID_MARK,
    Collections,
    MigrationError,
    StorageError,
    Store,
    StoredPassage,
    WrittenArticle,
    blocking,
    domain_of,
    format_migration_report,
    make_engine,
    normalise_domain,
    query_words,
    run_migration,
    scope_list,
)

# The jobs the CLI and the bot run, besides `ClaimIndex`: they import these from here, not from the
# subpackages (tests/test_layering.py).
__all__ = [
    "accurate",
    "COLLECTION_NAME",
    "DEFAULT_COLLECTION",
    "JSONL_SUFFIXES",
    "MAX_TOP",
    "SUPPORTED_SUFFIXES",
    "Attributor",
    "CheckResult",
    "Feed",
    "FeedError",
    "FeedNotFound",
    "FeedPoll",
    "FeedState",
    "FeedWatcher",
    "PollReport",
    "ClaimError",
    "ClaimIndex",
    "CorpusError",
    "EmbedModelError",
    "IndexMismatch",
    "IndexUnavailable",
    "IndexStats",
    "IngestEvent",
    "BlockOutcome",
    "IngestReport",
    "MigrationError",
    "RemovedArticle",
    "SourceError",
    "SourceItem",
    "SourceStat",
    "SourceOptions",
    "StorageError",
    "StanceModelError",
    "attribute_inputs",
    "attribute_text",
    "check_paths",
    "count_nonblank_lines",
    "DEFAULT_PAIRS",
    "http_url",
    "is_hidden",
    "evaluate_attribution",
    "evaluate_news",
    "evaluate_stance",
    "format_attribution_report",
    "format_migration_report",
    "format_news_report",
    "format_stance_report",
    "label_file",
    "open_index",
    "read_inputs",
    "run_migration",
    "shared_clause_splitter",
    "shared_stance_model",
    "source_options",
    "stance_model_for",
    "stance_reads",
    "validate_claim",
]

log = logging.getLogger(__name__)


def stance_model_for(settings: Settings) -> StanceModel:
    """The stance model the settings choose: the folder CLAIMBOT_STANCE_MODEL names, else the
    reader CLAIMBOT_STANCE_READER names (the accurate one must have been built: `claimbot reader
    install`), loaded once per process."""
    folder = settings.stance_model
    if folder is None and settings.stance_reader is StanceReader.ACCURATE:
        folder = accurate.model_dir(settings.home)
    return shared_stance_model(folder, settings.stance_threads)


_RESYNC = "resync"  # a synced-at mark no database holds (marks are ids), so the next call syncs
# Every passage shown is read by the stance model (about 10 ms each on 2 cores).
MAX_TOP = 100
# New passages the stance model reads per watched claim, the nearest first: an ingest of a long
# report must not cost a stance reading of every sentence for every watch.
WATCH_CANDIDATES = 8
# Articles read against the watched claims per round of a sweep: bounds the passages held at once.
WATCH_SWEEP_ARTICLES = 200
# A published rating that takes a side on the claim it reviews; mixed and other ratings take none.
_FACT_CHECK_SIDE = {
    FactCheckRating.TRUE: WatchSide.SUPPORTS,
    FactCheckRating.MOSTLY_TRUE: WatchSide.SUPPORTS,
    FactCheckRating.MOSTLY_FALSE: WatchSide.CONFLICTS,
    FactCheckRating.FALSE: WatchSide.CONFLICTS,
}
# The stance model's labels, as the records type them.
_STANCES: dict[str, Stance] = {"supports": "supports", "refutes": "refutes", "neutral": "neutral"}


def source_options(
    settings: Settings, overrides: dict[str, Any] | None = None, *, blocked: Iterable[str] = ()
) -> SourceOptions:
    """How articles are fetched and read, from the settings (the CLI's ingest and the bot's /ingest);
    `overrides`: metadata given on the command line; `blocked`: the domains never fetched
    (`ClaimIndex.blocked_domains()`)."""
    return SourceOptions(
        max_bytes=settings.max_article_bytes,
        timeout_s=settings.fetch_timeout_s,
        max_redirects=settings.fetch_max_redirects,
        allow_private=settings.fetch_allow_private,
        private_hosts=frozenset(settings.fetch_private_hosts or ()),
        overrides=overrides,
        user_agent=user_agent(settings),
        blocked_domains=tuple(blocked),
    )


def attribute_inputs(
    inputs: list[str], settings: Settings, *, outlet: str | None = None, attributor: Attributor | None = None
) -> Iterator[tuple[str, dict[str, Any] | SourceError]]:
    """`claimbot attribute`: each input read as `ingest` reads it (an HTML page's main text, a JSONL
    line an article, a text file's first line its title, its sidecar's metadata) and attributed in
    the form ingest stores its text, so offsets are into that text. (origin, `attribute_text`'s
    object, or why the input could not be read). `outlet`: the outlet whose own voice unattributed
    sentences are in, else the article's own."""
    for item in read_inputs(inputs, source_options(settings)):
        if isinstance(item, SourceError):
            yield item.origin, item
            continue
        text = normalise(item.text)
        yield item.origin, attribute_text(text, outlet=outlet or item.outlet, attributor=attributor)


def user_agent(settings: Settings) -> str:
    """claimbot and the operator's contact (CLAIMBOT_FEEDS_CONTACT), for every fetch."""
    contact = settings.feeds_contact.strip()
    return f"claimbot/0.1 (+claim verification bot; {contact})" if contact else DEFAULT_USER_AGENT


class FeedError(ValueError):
    """A feed command that cannot be done; the message is one line for the user."""


class FeedNotFound(FeedError):
    """No feed by that id or URL (exit status 1 in the CLI, as for articles and fact-checks: the
    command was well formed, the thing is not there)."""


# A claim in another language: how many fused candidates the multilingual encoder re-reads (about
# 59 sentences/s on 2 cores, so at most about a second and a half), and its relevance floor
# (unrelated Spanish-English pairs score under 0.2 in it).
MULTILINGUAL_CANDIDATES = 80
MULTILINGUAL_FLOOR = 0.20
FACTS_TTL_S = 60.0
# Entries of `_cached` kept (a collection's ids can be 8 MB at a million passages; a server
# searches one or two scopes).
FACTS_KEPT = 64

_T = TypeVar("_T")


class IndexMismatch(RuntimeError):
    """The stored vectors were made by another embedding model than the configured one."""


class IndexUnavailable(RuntimeError):
    """The claim index could not be opened; the message is one line. `transient`: the database did
    not answer (down, refused, starting), which a supervisor's restart may find mended; otherwise a
    setting or the database itself must change first (a malformed DATABASE_URL, no pgvector)."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


def open_index(settings: Settings) -> ClaimIndex:
    """`ClaimIndex(settings)`, what stops it as `IndexUnavailable` (for `serve`, whose exit status
    tells systemd whether a restart can help)."""
    try:
        return ClaimIndex(settings)
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise IndexUnavailable(f"cannot reach the database: {reason}", transient=True) from exc
    except Exception as exc:  # noqa: BLE001 - every other failure to open is a setup problem, said in one line
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise IndexUnavailable(f"cannot open the claim index: {reason}", transient=False) from exc


class CorpusError(ValueError):
    """A corpus-management request that cannot be done; the message is one line for the user."""


@dataclass(frozen=True)
class BlockOutcome:
    domain: str
    changed: bool  # False: it was blocked (or unblocked) already
    articles: int  # articles of the domain (and its subdomains) now hidden, or shown again


@dataclass(frozen=True)
class IndexStats:
    articles: int
    passages: int
    vectors: int
    vector_kind: str
    embed_model: str | None


class ClaimIndex:
    def __init__(self, settings: Settings, embedder: Embedder | None = None, stance: StanceModel | None = None) -> None:
        settings.ensure_home()
        self.settings = settings
        self.store = Store(make_engine(settings.resolved_database_url))
        self._embedder = embedder
        self._stance = stance
        self._vectors: VectorBackend | None = None
        self._lock = threading.Lock()
        # Held by a sync with the database and by an ingest from commit until its vectors are added.
        self._vector_write_lock = threading.Lock()
        self._synced_at: str | None = None  # the passages' id high-water mark the faiss index was last synced at
        self._fulltext: FullTextBackend | None = None
        self._fulltext_synced_at: str | None = None  # the same for the full-text index
        # Facts about the passages (`_cached`): the corpus summary, the collections, their ids.
        self._facts: dict[tuple[object, ...], tuple[float, object]] = {}
        self._facts_lock = threading.Lock()
        self._sweep_lock = threading.Lock()
        # Each watched claim as read and embedded (`_watch_queries`), kept between sweeps.
        self._watch_queries_kept: dict[str, tuple[ClaimReading, np.ndarray]] = {}
        self._reader = FactCheckReader(lambda weights: StanceModel(weights, settings.stance_threads))
        self.fact_checks = FactCheckService(
            self.store.session,
            MultilingualEncoder(),
            settings.factcheck_threshold,
            confirm=self._reader.same_claim,
            cross_threshold=settings.factcheck_threshold_cross,
            read_from=self._reader.config.candidate_similarity,
        )

    # -- lazily loaded parts ----------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = shared_embedder(
                    self.settings.embed_model,
                    self.settings.embed_batch_size,
                    self.settings.torch_threads,
                    cache_dir=self.settings.home / "models",
                )
            return self._embedder

    @property
    def embedder_name(self) -> str:
        """The embedding model's name, without loading it."""
        return self._embedder.name if self._embedder is not None else self.settings.embed_model

    def same_claim(self, claim: str, reviewed: list[str]) -> list[bool]:
        """Whether each claim reviewed states the claim's checkable fact: the fact-check reader
        (English pairs; loaded on the first call), which `ReviewService` also decides corrections with."""
        return self._reader.same_claim(claim, reviewed)

    @property
    def stance(self) -> StanceModel:
        with self._lock:
            if self._stance is None:
                self._stance = stance_model_for(self.settings)
            return self._stance

    def warm_up(self) -> None:
        """Load the models and the vector index now, so the first check does not wait for them."""
        # Properties that load on first use (the vectors load the embedder).
        _ = self.vectors, self.fulltext, self.stance
        shared_clause_splitter().load()

    @property
    def vectors(self) -> VectorBackend:
        if self._vectors is None:
            embedder = self.embedder
            self._check_model(embedder)
            with self._lock:
                if self._vectors is None:
                    vectors = self._open_vectors(embedder.dim)
                    mark = self._passages_mark()
                    changed = self._sync(vectors, embedder.dim)
                    if changed is None:
                        mark = _RESYNC  # not the mark's state yet: the next call syncs again
                    elif any(changed):
                        vectors.save()
                    self._synced_at = mark
                    self._vectors = vectors
        else:
            self._catch_up(self._vectors)
        return self._vectors

    @property
    def fulltext(self) -> FullTextBackend:
        """The full-text index, brought in step with the database on first use and whenever the
        passages' mark moved (an ingest here or in another process)."""
        fulltext = self._fulltext
        if fulltext is None:
            with self._lock:
                if self._fulltext is None:
                    opened = open_fulltext(
                        self.store,
                        self.settings.vector_dir / FULLTEXT_DIRECTORY,
                        in_database=self.settings.pg_fulltext is PgFullText.DATABASE,
                    )
                    self._follow(opened)
                    self._fulltext = opened
                return self._fulltext
        if self._fulltext_mark() != self._fulltext_synced_at:
            self._follow(fulltext)
        return fulltext

    def lexical_search(self, query: str, k: int, collection: Collections = None) -> list[int]:
        """Passage ids by BM25 (the full-text half of `check`), best first."""
        return self.fulltext.search(query, k, collection)

    def _follow(self, fulltext: FullTextBackend) -> None:
        mark = self._fulltext_mark()  # before: a write during the catch-up moves it again
        if fulltext.catch_up():
            self._fulltext_synced_at = mark

    def _passages_mark(self) -> str | None:
        return None if self.store.is_postgres else self.store.get_meta(PASSAGE_ID_MARK)

    def _fulltext_mark(self) -> str | None:
        """What tells the full-text index that the passages changed: on SQLite the passages' mark;
        on PostgreSQL, where other processes and hosts write, the change log's newest entries (two
        key lookups a check); nothing where the database searches itself."""
        if not self.store.is_postgres:
            return self._passages_mark()
        if self.settings.pg_fulltext is PgFullText.DATABASE:
            return None
        return str(self.store.change_mark())

    def _catch_up(self, vectors: VectorBackend) -> None:
        """Take in passages another process wrote since the last sync (`claimbot ingest` beside `serve`).

        Every article written on SQLite moves the passages' id high-water mark, so one key lookup
        per call tells whether anything changed. The mark is read before the sync: a write that
        lands during it moves the mark again and is taken in on the next call. pgvector needs none
        of this: the vectors live in the database.
        """
        if self._passages_mark() == self._synced_at:
            return
        dim = self.embedder.dim
        with self._vector_write_lock:
            mark = self._passages_mark()
            if mark == self._synced_at:  # another thread caught up meanwhile
                return
            if self._sync(vectors, dim) is not None:
                self._synced_at = mark

    def _sync(self, vectors: VectorBackend, dim: int) -> tuple[int, int] | None:
        """Make the vector index hold the database's passages: (added, removed), None on a race."""
        try:
            return vectors.sync(self.store)
        except KeyError:
            # A passage went between reading the ids and its vector (another process replaced its
            # article again): search what is there now; the caller leaves the mark, so the next call retries.
            log.info("vector index sync raced another writer; retrying on the next call")
            return None

    def _open_vectors(self, dim: int) -> VectorBackend:
        # A faiss file in CLAIMBOT_HOME, or pgvector inside the database when DATABASE_URL is PostgreSQL.
        return open_vector_index(
            self.store.engine,
            self.settings.vector_dir / "passages.faiss",
            dim,
            self.settings.hnsw_threshold,
            collection_ids=self._collection_ids,
            blocked_ids=self.store.blocked_passage_ids,
            exact_vectors=lambda ids: self.store.exact_vectors(ids, dim),
            index_memory=self.settings.pg_index_memory,
        )

    def check_setup(self) -> None:
        """The checks that need no model, before any is loaded (`serve` runs them first): the index
        was embedded with the configured model. Raises IndexMismatch."""
        stored = self.store.get_meta("embed_model")
        if stored is not None and stored != self.embedder_name and self.store.has_passages():
            raise _mismatch(stored, self.embedder_name)

    def _check_model(self, embedder: Embedder) -> None:
        stored = self.store.get_meta("embed_model")
        if stored is None or not self.store.has_passages():
            self.store.set_meta("embed_model", embedder.name)
            self.store.set_meta("embed_dim", str(embedder.dim))
        elif stored != embedder.name:
            raise _mismatch(stored, embedder.name)

    # -- jobs -------------------------------------------------------------------------------
    def ingest(
        self,
        items: Iterable[SourceItem],
        *,
        collection: str = DEFAULT_COLLECTION,
        on_event: Callable[[IngestEvent], None] | None = None,
        overlap: bool = True,
    ) -> IngestReport:
        """`overlap`: embed while reading the next articles (`Ingestor`); False where they come
        from the network one by one."""
        # Both caches are opened (and synced) before the first passage is written, as `vectors` is
        # below: a cache ahead of the database (an older backup restored under vectors/) is only
        # told apart while the ids it holds are past the database's counter, which the write moves.
        if not self.store.is_postgres or self._fulltext is not None:
            _ = self.fulltext
        ingestor = Ingestor(
            self.store,
            self.vectors,
            self.embedder,
            collection=collection,
            on_event=on_event,
            load_attributor=shared_attributor if self.settings.attribution else None,
            write_lock=self._vector_write_lock,
            max_passages=self.settings.max_passages_per_article,
            blocked_domains=self.store.blocked_domains(),
            fact_check_drafts=self.fact_checks.drafts if self.settings.factchecks else None,
            overlap=overlap,
            embed_chunk=self.settings.ingest_batch,
        )
        report = ingestor.run(items)
        self._corpus_changed()
        # The full-text index takes the new passages now, not in the next user's check (nor, after
        # a `claimbot ingest`, in the first check of the `serve` beside it). An ingest worker on
        # PostgreSQL that never searched keeps no index of its own.
        if not self.store.is_postgres or self._fulltext is not None:
            _ = self.fulltext
        return report

    # -- watched claims (docs/moderators.md) ----------------------------------------------------
    def sweep_watches(self, review: ReviewService) -> list[WatchUpdate]:
        """Read every article not yet read against the watched claims, whichever process ingested it
        (`/ingest`, the feeds, a `claimbot ingest` beside the bot), and clear its mark: the updates to
        post. A crash between the two posts nothing twice (each update is reserved once per watch);
        two sweeps in one process take turns, so the second reads only what the first left."""
        updates: list[WatchUpdate] = []
        with self._sweep_lock:
            while article_ids := self.store.watch_pending_articles(WATCH_SWEEP_ARTICLES):
                updates += self.watch_updates(review, article_ids)
                self.store.clear_watch_pending(article_ids)
        return updates

    def watch_updates(self, review: ReviewService, article_ids: list[int]) -> list[WatchUpdate]:
        """The updates to post about watched claims after an ingest that wrote `article_ids`
        (`IngestReport.article_ids`): only those articles' passages and fact-checks are read, a
        passage counts when it is about the claim (the relevance floor) and the stance model gives
        it a confident side, a fact-check when it matches the claim and its rating takes a side.
        Each update is reserved once per watch (`review.watches.claim_notice`) and within the
        server's hourly limit; the ones returned are to be posted. Model work: off the event loop."""
        watches = review.watches.active()
        if not watches or not article_ids:
            return []
        # A watch reads only the articles written after it was made (docs/moderators.md): what was
        # already stored was in the answer that prompted it, though a sweep may not have read it yet.
        written = self.store.written(article_ids)
        found: list[tuple[WatchView, WatchSide, str, PassageResult | None, FactCheck | None]] = []
        passage_ids = self.store.article_passage_ids(article_ids)
        if passage_ids:
            found += self._watched_passages(review, watches, passage_ids, written)
        fact_check_ids = set(self.fact_checks.of_articles(article_ids)) if self.settings.factchecks else set()
        if fact_check_ids:
            scope = (None, self.store.blocked_domains())
            for watch in watches:
                for m in self.fact_checks.match(watch.claim, limit=5, among=fact_check_ids, scope=scope):
                    if not _after(written, m.fact_check.article_id, watch):
                        continue
                    side = _FACT_CHECK_SIDE.get(m.fact_check.rating)
                    if side is not None:
                        found.append((watch, side, _fact_check_key(m.fact_check, written), None, m.fact_check))
        updates: list[WatchUpdate] = []
        held: dict[int, int] = defaultdict(int)
        for watch, side, target, passage, fact_check in found:
            outcome = review.watches.claim_notice(watch, target)
            if outcome is NoticeOutcome.RATE_LIMITED:
                held[watch.guild_id] += 1
            if outcome is not NoticeOutcome.SEND:
                continue
            channel_id, message_id = review.watches.answer_message(watch.guild_id, watch.answer_id)
            updates.append(WatchUpdate(watch, side, target, passage, fact_check, channel_id, message_id))
        for guild_id, n in held.items():
            log.info("guild %s: %d watch updates over CLAIMBOT_WATCH_UPDATES_PER_HOUR were not sent", guild_id, n)
        return updates

    def _watched_passages(
        self,
        review: ReviewService,
        watches: list[WatchView],
        passage_ids: list[int],
        written: dict[int, WrittenArticle],
    ) -> list[tuple[WatchView, WatchSide, str, PassageResult | None, FactCheck | None]]:
        blocked = self.store.blocked_domains()
        stored = [p for p in self.store.passages(passage_ids).values() if blocking(p.article_domain, blocked) is None]
        if not stored:
            return []
        present, matrix = self.store.exact_vectors(
            np.asarray([p.id for p in stored], dtype=np.int64), self.embedder.dim
        )
        # As in `check`: a passage whose article went since its row was read is left out.
        still = set(present.tolist())
        stored = [p for p in stored if p.id in still]
        scopes: dict[int, set[str]] = {}
        found: list[tuple[WatchView, WatchSide, str, PassageResult | None, FactCheck | None]] = []
        for watch, (reading, query) in zip(watches, self._watch_queries(watches), strict=True):
            if not stance_reads(detect_language(reading.claim)):
                continue  # the stance model reads English only: a side it gave would be noise
            if watch.guild_id not in scopes:
                own = review.guild_config(watch.guild_id).collection
                scopes[watch.guild_id] = {DEFAULT_COLLECTION} | ({own} if own else set())
            similarity = matrix @ query
            order = [
                int(i)
                for i in np.argsort(-similarity)
                if similarity[i] >= self.settings.relevance_floor
                and stored[i].collection in scopes[watch.guild_id]
                and _after(written, stored[i].article_id, watch)
            ][:WATCH_CANDIDATES]
            if not order:
                continue
            results = []
            for i in order:
                result = _passage_result(stored[i], 0.0)
                result.similarity = round(float(similarity[i]), 4)
                results.append(result)
            self._label_stances(truecase(reading, [r.text for r in results]), results)
            for i, result in zip(order, results, strict=True):
                if not result.confident or result.stance == "neutral":
                    continue
                side = WatchSide.SUPPORTS if result.stance == "supports" else WatchSide.CONFLICTS
                found.append((watch, side, _passage_key(stored[i], written), result, None))
        return found

    def _watch_queries(self, watches: list[WatchView]) -> list[tuple[ClaimReading, np.ndarray]]:
        """Each watch's claim as read and embedded. Kept for the claims still watched: a sweep runs
        every minute that articles arrive, and reading and embedding every watched claim again each
        time cost about 3 ms a claim on two cores (a second or more with a few hundred watches)."""
        watched = {w.claim for w in watches}
        kept = {c: q for c, q in self._watch_queries_kept.items() if c in watched}
        new = list(dict.fromkeys(w.claim for w in watches if w.claim not in kept))
        if new:
            readings = [self.read_claim(c) for c in new]
            vectors = self.embedder.encode([r.claim for r in readings])
            kept.update(zip(new, zip(readings, vectors, strict=True), strict=True))
        self._watch_queries_kept = kept
        return [kept[w.claim] for w in watches]

    # -- feeds (docs/feeds.md) ------------------------------------------------------------------
    @property
    def feed_store(self) -> FeedStore:
        return FeedStore(self.store.engine)

    def add_feed(self, url: str, *, collection: str = DEFAULT_COLLECTION, every: str | float | None = None) -> Feed:
        """A feed to poll every `every` ("30m"; CLAIMBOT_FEEDS_INTERVAL when None), due at once."""
        canonical = canonical_url(url)
        # courlan keeps "https://" and "https:///x": a feed without a host would only fail every poll.
        if canonical is None or not urlsplit(canonical).hostname:
            raise FeedError(f"not an http(s) URL: {url}")
        parts = urlsplit(url.strip())
        try:
            parts.port  # noqa: B018 - reading it checks it: "http://host:99999/x" could never be polled
        except ValueError:
            raise FeedError(f"not an http(s) URL: {url} (the port must be 1-65535)") from None
        if parts.username or parts.password:
            # A feed's URL is listed (`feeds list`, /feeds) and written to the audit log.
            raise FeedError(
                "a feed URL with a user name or password is not stored: it would be shown in lists and logs"
            )
        try:
            interval = parse_duration(every) if every is not None else self.settings.feeds_interval_s
        except ValueError as exc:
            raise FeedError(str(exc)) from None
        # The interval used: with no `every`, the setting's.
        shown = f"every {every}" if every is not None else f"CLAIMBOT_FEEDS_INTERVAL={format_duration(interval)}"
        if interval < MIN_FEED_INTERVAL_S:
            raise FeedError(f"a feed is polled at most once a minute ({shown} is less)")
        if interval > MAX_FEED_INTERVAL_S:
            raise FeedError(f"a feed is polled at least once a year ({shown} is more)")
        refusal = address_refusal_ahead(canonical, source_options(self.settings))
        if refusal:
            raise FeedError(refusal)
        # A feed that moved (a 301) is polled at its new address: adding that address again would
        # poll the same URL twice into the same collection.
        moved = next(
            (
                f
                for f in self.feeds(collection)
                if f.collection == collection
                and f.feed_url
                and canonical_url(f.feed_url) == canonical != canonical_url(f.url)
            ),
            None,
        )
        if moved is not None:
            raise FeedError(
                f"the collection {collection!r} already polls this URL (feed {moved.id}, {moved.url}, moved here)"
            )
        try:
            # as fetched: "Https://" with its scheme lowercased
            fetched = http_url(url.strip()) or url.strip()
            return self.feed_store.add(fetched, canonical, collection, round(interval), Clock().utcnow())
        except FeedExists as exc:
            raise FeedError(str(exc)) from None

    def feeds(self, collection: Collections = None) -> list[Feed]:
        return self.feed_store.feeds(collection)

    def find_feed(self, ref: str, collection: Collections = None) -> Feed:
        """A feed by its id or its URL (as given, or the same URL once cleaned), among the feeds of
        `collection` (a server names only its own and the shared ones; None: every feed). The
        errors say nothing of where the feeds are listed: the CLI and the bot list them differently."""
        feeds = self.feeds(collection)
        # isdecimal: "²" is a digit to isdigit, and int() refuses it.
        if ref.strip().isdecimal():
            matches = [f for f in feeds if f.id == int(ref)]
        else:
            canonical = canonical_url(ref)
            matches = [f for f in feeds if ref.strip() in (f.url, f.feed_url) or canonical_url(f.url) == canonical]
        if not matches:
            raise FeedNotFound(f"no feed {ref}")
        if len(matches) > 1:
            raise FeedError(f"{len(matches)} feeds have that URL (one per collection): name it by its id")
        return matches[0]

    def remove_feed(self, feed_id: int) -> bool:
        """Stop polling it and forget its items; the articles it brought stay indexed."""
        return self.feed_store.remove(feed_id)

    def pause_feed(self, feed_id: int) -> Feed | None:
        return self.feed_store.set_state(feed_id, FeedState.PAUSED, Clock().utcnow())

    def resume_feed(self, feed_id: int) -> Feed | None:
        """Active again and due at once (a feed the poller paused after failures too)."""
        return self.feed_store.set_state(feed_id, FeedState.ACTIVE, Clock().utcnow())

    def feed_poller(
        self, *, clock: Clock | None = None, on_ingest: Callable[[IngestReport], None] | None = None
    ) -> Poller:
        """A poller of this index's feeds, with the settings' politeness and limits; one per thread.
        `on_ingest` is called with each ingest's report, in the poller's thread (`serve` reads the
        new articles against the watched claims there)."""
        s = self.settings
        if not s.feeds_contact.strip():
            log.warning("CLAIMBOT_FEEDS_CONTACT is not set: sites polled cannot tell who to contact")

        def ingest(
            items: Iterable[SourceItem], collection: str, on_event: Callable[[IngestEvent], None]
        ) -> IngestReport:
            report = self.ingest(items, collection=collection, on_event=on_event, overlap=False)
            if on_ingest is not None and report.article_ids:
                try:
                    on_ingest(report)
                except Exception:  # noqa: BLE001 - the feed's articles are in; its poll must go on
                    log.exception("the after-ingest callback failed")
            return report

        limits = PollerLimits(
            max_items=s.feeds_max_items_per_poll,
            max_feed_bytes=s.feeds_max_feed_bytes,
            max_failures=s.feeds_max_failures,
            max_backoff_s=s.feeds_max_backoff_s,
        )
        return Poller(
            self.feed_store,
            ingest,
            source_options(s),
            host_delay_s=s.feeds_host_delay_s,
            limits=limits,
            clock=clock,
            blocked=self.store.blocked_domains,
        )

    def poll_feeds(self, on_poll: Callable[[FeedPoll], None] | None = None) -> PollReport:
        """Poll every feed due now, once (`claimbot feeds poll --once`)."""
        poller = self.feed_poller()
        try:
            return poller.poll_due(on_poll)
        finally:
            poller.close()

    def watch_feeds(self, stop: threading.Event, on_poll: Callable[[FeedPoll], None] | None = None) -> None:
        """Poll due feeds until `stop` is set (`claimbot watch`, `claimbot feeds poll`)."""
        poller = self.feed_poller()
        try:
            poller.watch(stop, on_poll)
        finally:
            poller.close()

    def start_feed_watcher(self, on_ingest: Callable[[IngestReport], None] | None = None) -> FeedWatcher:
        """Poll in a thread of its own until `.stop()` (`claimbot serve`); `on_ingest`: see `feed_poller`."""
        return FeedWatcher(self.feed_poller(on_ingest=on_ingest)).start()

    def validate_claim(self, text: str | None) -> str:
        """The claim as it is checked and stored, or `ClaimError` with a message for the user: the one
        validator (`claimbot check`, the bot's /check and `check` here) with the one limit,
        CLAIMBOT_MAX_CLAIM_CHARS."""
        return validate_claim(text, self.settings.max_claim_chars)

    def read_claim(self, post: str) -> ClaimReading:
        """What a (validated) post claims (`claimbot.index.claim.read_claim`): search, stance,
        fact-checks and corrections read this; the answer shows the post as typed and "read as"."""
        return read_claim(post)

    def unread_language(self, claim: str) -> str | None:
        """The name of the claim's language ("Spanish") where the stance model cannot read it, else
        None: such a claim gets no verdict, and a watch on it reports matching fact-checks only."""
        language = detect_language(claim)
        return None if stance_reads(language) else language_name(language)

    def check(self, claim: str, *, top: int = 5, collection: Collections = None, stance: bool = True) -> CheckResult:
        """The passages that bear on a claim, with their stance and a verdict, and what was
        searched (`corpus`). `collection`: one collection or several (a server's own and the
        shared one); None searches all. A blocked source's passages are never among them.

        `stance=False` skips the stance model: passages in relevance order, no verdict.
        """
        post = self.validate_claim(claim)
        reading = self.read_claim(post)
        claim = reading.claim
        if is_link(claim):
            # A link alone: the answer would be the stance model's reading of an address against the
            # passages, and what an address spells is no claim to read (`is_link`).
            raise ClaimError(
                'it is only a link; paste what the page says, e.g. "Pérez was killed" '
                "(a moderator adds articles to the corpus with /ingest)"
            )
        if is_handles(claim):
            raise ClaimError(f'it is only a mention of {claim}; paste what the post says, e.g. "Pérez was killed"')
        if is_hashtags(claim):
            raise ClaimError('it is only hashtags, a topic; paste what the post claims, e.g. "Pérez was killed"')
        if is_reaction(claim) or is_reaction(post):
            # quoted as typed: the reader may have taken an opener off, or capitalised the word
            raise ClaimError(
                f'"{post.strip()}" is only an opener or a reaction; paste what the post claims, e.g. "Pérez was killed"'
            )
        words = query_words(claim)
        if not words:
            # Nothing to search for ("it was the", "🔥🔥"): the nearest vectors would be noise,
            # and the stance model would judge passages that have nothing to do with it.
            raise ClaimError('the claim has no words to search for; say what happened, e.g. "Pérez was killed"')
        if stance and len(words) == 1:
            # A name or a topic alone ("Caracas", "Maduro", "the government") says nothing that could
            # be true or false; judged, "Caracas" was answered `refuted` by a sentence about damage
            # to a building. Searched without a verdict (stance=False) it is a fair query.
            raise ClaimError(f'"{claim}" names a topic, not a claim; say what happened, e.g. "Pérez was killed"')
        if not 1 <= top <= MAX_TOP:
            raise ClaimError(f"--top must be between 1 and {MAX_TOP}")
        # The stance model reads more passages than are shown, so that a passage taking a side
        # is found even when a merely on-topic one outranks it.
        depth = max(top, self.settings.stance_candidates)
        k = max(self.settings.candidates, depth)
        query = self.embedder.encode([claim])[0]
        # Both searches are scoped to the collection inside them, so a small collection gets its
        # own k nearest passages rather than what is left of the whole corpus's.
        searched = None if self._covers_everything(collection) else collection
        dense = [pid for pid, _ in self.vectors.search(query, k, searched)]
        lexical = self.lexical_search(claim, k, searched)
        hits = reciprocal_rank_fusion(dense, lexical)
        stored = self.store.passages([h.passage_id for h in hits])
        scope = scope_list(collection)
        # Both searches already leave these out; checked again on the rows read, in case a domain
        # was blocked (or a collection's article moved) between a search and this read.
        blocked = self.store.blocked_domains()
        kept = [
            (hit, passage)
            for hit in hits
            if (passage := stored.get(hit.passage_id)) is not None
            and (scope is None or passage.collection in scope)
            and blocking(passage.article_domain, blocked) is None
        ]
        # An article ingested into two collections searched together is one source, not two that
        # agree: its copies of a sentence count once, as the best-ranked copy (hits are in rank order).
        copies: dict[tuple[str, int, int, str], tuple[Hit, StoredPassage]] = {}
        for hit, passage in kept:
            copies.setdefault(passage.copy_key(), (hit, passage))
        kept = list(copies.values())
        language = detect_language(claim)
        readable = stance_reads(language)
        if readable:
            present, similarities = self._similarities(query, [hit.passage_id for hit, _ in kept])
            # An article removed or re-ingested (new passage ids) since its rows were read takes its
            # vectors with it: those candidates are no longer in the corpus, so they drop out.
            still = set(present.tolist())
            kept = [(hit, passage) for hit, passage in kept if hit.passage_id in still]
            floor = self.settings.relevance_floor
        else:
            # MiniLM reads English: for a claim in another language the fused candidates are put in
            # order by the multilingual encoder instead ("Pérez fue asesinado" and "he had been
            # killed" are near there), with its own floor. Passages get no multilingual vector at
            # ingest (it would halve ingest speed), so the candidates are encoded here.
            kept = kept[:MULTILINGUAL_CANDIDATES]
            vectors = self.fact_checks.encoder.encode([claim] + [p.text for _, p in kept])
            similarities = vectors[1:] @ vectors[0]
            order = np.argsort(-similarities, kind="stable")
            kept, similarities = [kept[i] for i in order], similarities[order]
            floor = MULTILINGUAL_FLOOR
        results: list[PassageResult] = []
        for (hit, passage), similarity in zip(kept, similarities, strict=True):
            if similarity < floor:
                continue  # shares a word or a neighbourhood with the claim, says nothing about it
            result = _passage_result(passage, hit.relevance)
            result.similarity = round(float(similarity), 4)
            results.append(result)
            if len(results) == depth:
                break
        corpus = self.summary(collection)
        # Names typed in lower case or shouted get their case back from the passages found: the
        # structure rules (who says it, which clause) read names by their case.
        claim = truecase(reading, [p.text for p in results])
        # a first letter put in capitals is no other reading ("a ferry sank" → "A ferry sank")
        read_as = claim if claim not in (post, post[:1].upper() + post[1:]) else None
        fact_checks = self.fact_checks.match(claim, scope=(scope, blocked)) if self.settings.factchecks else []
        if not readable or reading.open_question:
            # The stance model reads English only: a side it gave a Spanish claim would be noise. Said
            # on every answer to such a claim (no verdict, `judged` false), passages or none. An open
            # question ("Who killed Pérez?") claims nothing: a side would answer a claim not made.
            reason = (
                f"claims in {language_name(language)} are matched with passages and fact-checks but not judged: "
                "claimbot's stance model reads English only"
                if not readable
                else f'"{claim}" asks a question and makes no claim to judge: the passages about it are shown. '
                'To check a claim, say what happened, e.g. "Pérez was killed"'
            )
            return CheckResult(
                claim=post,
                read_as=read_as,
                reason=with_fact_checks(reason, fact_checks),
                passages=results[:top],
                coverage=Coverage.UNJUDGED if results else Coverage.NO_COVERAGE,
                corpus=corpus,
                fact_checks=fact_checks,
                language=language,
                judged=False,
            )
        if not results:
            # Not "the evidence is unclear": nothing indexed is about the claim at all.
            reason = "The corpus has no coverage of this claim: no indexed passage is about it."
            return CheckResult(
                claim=post,
                read_as=read_as,
                verdict="unverified" if stance else None,
                reason=with_fact_checks(reason if stance else None, fact_checks),
                passages=[],
                coverage=Coverage.NO_COVERAGE,
                corpus=corpus,
                fact_checks=fact_checks,
                language=language,
            )
        if not stance:
            return CheckResult(
                claim=post,
                read_as=read_as,
                passages=results[:top],
                coverage=Coverage.UNJUDGED,
                corpus=corpus,
                fact_checks=fact_checks,
                language=language,
            )
        unread = self._label_stances(claim, results)
        # A fact-check page restates the claim it rates ("Fact check: The new flu vaccine contains
        # microchips"): what it says about the claim is its rating, given above the passages, not a
        # side of its own (its headline, read as supporting, had turned "refuted" into "disputed").
        rated = {m.fact_check.article_id for m in fact_checks}
        for p in results:
            if p.article.id in rated:
                p.confident = False
        shown = side_first(results)[:top]
        # A reason names what leans the other way among the statements read (a caption or a rated
        # page's headline is not counted, so it is not named either), and says how many are shown.
        statements = [p for p in results if p.kind == "text" and p.article.id not in rated]
        verdict, reason = decide(results, claim, leaning_from=statements, shown=shown)
        sided, sided_shown = sum(map(takes_side, results)), sum(map(takes_side, shown))
        if sided_shown < sided:
            # The reason counts every passage read; a reader shown fewer must not look for the rest.
            reason += (
                f" {sided_shown} of the {sided} passages that take a side {'is' if sided_shown == 1 else 'are'} shown."
            )
        # dict.fromkeys: each language once, in the order the passages are shown
        languages = list(dict.fromkeys(unread[id(p)] for p in shown if id(p) in unread))
        if languages:
            reason += f" Passages in {_names(languages)} are shown but not judged: claimbot's stance model reads English only."
        return CheckResult(
            claim=post,
            read_as=read_as,
            verdict=verdict,
            reason=with_fact_checks(reason, fact_checks),
            passages=shown,
            coverage=Coverage.UNCLEAR if verdict == "unverified" else Coverage.DECIDED,
            corpus=corpus,
            fact_checks=fact_checks,
            language=language,
            stance_model=self.stance.version,
        )

    def summary(self, collection: Collections = None) -> CorpusSummary:
        """What a search covers: counts, sources, the most frequent outlets, the date range.

        Counting takes a pass over the passages (about 0.5 s at a million), so every check reuses
        the last count until the corpus or the blocklist changes (`_cached`)."""
        scope = scope_list(collection)
        key = ("summary", None if scope is None else tuple(scope), tuple(self.store.blocked_domains()))
        return self._cached(key, lambda: self.store.summary(collection))

    def _covers_everything(self, collection: Collections) -> bool:
        """Whether a scope holds every collection there is (one server, or the default one): the
        searches then filter nothing, instead of matching a million ids against a list of them."""
        scope = scope_list(collection)
        if scope is None:
            return True
        if self.store.is_postgres:  # filtering there is a WHERE clause, and another process may add a collection
            return False
        return set(scope) >= set(self._cached("collections", self.store.collections))

    def _collection_ids(self, collection: str | Sequence[str]) -> np.ndarray:
        """The passage ids of a collection (or several), for the faiss search's filter; read once
        per state of the corpus rather than on every check."""
        scope = scope_list(collection) or []
        return self._cached(("ids", *sorted(scope)), lambda: self.store.passage_ids(scope))

    def _cached(self, key: object, compute: Callable[[], _T]) -> _T:
        """A fact about the passages, kept while the corpus does not change: on SQLite the
        passages' mark tells; PostgreSQL has none, so another process's ingest shows within
        `FACTS_TTL_S` there (this process's own writes clear them at once)."""
        full = (key, self._passages_mark())
        now = time.monotonic()
        with self._facts_lock:
            cached = self._facts.get(full)
            if cached is not None and (not self.store.is_postgres or now - cached[0] < FACTS_TTL_S):
                return cast(_T, cached[1])
        value = compute()
        with self._facts_lock:
            if len(self._facts) >= FACTS_KEPT:
                self._facts.clear()
            self._facts[full] = (now, value)
        return value

    def _corpus_changed(self) -> None:
        with self._facts_lock:
            self._facts.clear()

    # -- corpus management ----------------------------------------------------------------------
    def find_articles(self, ref: str, collection: Collections = None) -> list[RemovedArticle]:
        """The articles `ref` names: an article id ("12") or a URL, as given (stored so before
        URLs were stored cleaned) or as ingest stores it (`canonical_url`: the link a reader
        shared, `?utm_source=…` and all, names the article stored without it)."""
        target = _article_ref(ref)
        found = self.store.find_articles(target, collection)
        if not found and isinstance(target, str) and (canonical := canonical_url(target)) not in (None, target):
            found = self.store.find_articles(canonical, collection)
        return found

    def remove_articles(self, articles: list[RemovedArticle]) -> int:
        """Remove articles (from `find_articles`) and their passages from the database, the
        full-text index and the vector index; the number of passages removed.

        The database commits first, then the faiss copy drops the vectors and is saved: a crash in
        between leaves vectors of passages that no longer exist, which `check` never shows (it
        reads passages from the database) and which the next open's sync drops, as after an ingest.
        """
        vectors = self.vectors  # loaded (and synced) first: the removal is then one step ahead of it
        _ = self.fulltext  # so is the full-text index, a restored database's removals told apart as at ingest
        with self._vector_write_lock:
            removed = self.store.remove_articles([a.id for a in articles])
            vectors.remove(np.asarray(removed, dtype=np.int64))
            if vectors.dirty:
                vectors.save()
        _ = self.fulltext  # the mark moved: the full-text index drops them now
        self._corpus_changed()
        # The mark moved: the next call syncs once more (finding nothing left to drop here, but
        # taking in whatever another process wrote meanwhile, which the mark alone cannot tell).
        return len(removed)

    def withdrawn(self, result: CheckResult) -> bool:
        """True when a stored answer quotes what `check` no longer shows: an article removed since
        (neither its id nor its URL is indexed: a changed page re-ingested keeps its URL, not its
        id) or one from a source blocked since. Such an answer is not to be shown again."""
        return self._quotes_withdrawn([p.article for p in result.passages], [m.fact_check for m in result.fact_checks])

    def update_withdrawn(self, update: WatchUpdate) -> bool:
        """True when a watch update kept for a later sweep (Discord refused it) quotes what `check`
        no longer shows, as `withdrawn` tells: not to be posted."""
        return self._quotes_withdrawn(
            [update.passage.article] if update.passage else [], [update.fact_check] if update.fact_check else []
        )

    def _quotes_withdrawn(self, articles: list[ArticleRef], fact_checks: list[FactCheck]) -> bool:
        sources = [(a.id, a.url) for a in articles] + [
            (f.article_id, None)
            for f in fact_checks  # its url is the review's, not the page's
        ]
        ids = [i for i, _ in sources if i is not None]
        domains, urls = self.store.indexed_articles(ids, [u for _, u in sources if u])
        blocked = self.store.blocked_domains()
        # A fact-check's link names a source of its own, which `check` no longer shows once blocked.
        if any(blocking(domain_of(f.url), blocked) is not None for f in fact_checks):
            return True
        for article_id, url in sources:
            if article_id is None:
                continue
            if article_id in domains:
                domain = domains[article_id]
            elif url and url in urls:
                domain = domain_of(url)
            else:
                return True  # removed
            if blocking(domain, blocked) is not None:
                return True
        return False

    def blocked_domains(self) -> list[str]:
        return self.store.blocked_domains()

    def block_domain(self, text: str, *, reason: str | None = None, actor_id: int | None = None) -> BlockOutcome:
        """Block a source: never fetched again, its passages never shown. Kept in the database, so
        unblocking shows them again. Raises CorpusError for something that is not a domain."""
        domain = self._domain(text)
        changed = self.store.block_domain(domain, reason=reason, actor_id=actor_id)
        return BlockOutcome(domain, changed, self._articles_of(domain))

    def unblock_domain(self, text: str) -> BlockOutcome:
        domain = self._domain(text)
        return BlockOutcome(domain, self.store.unblock_domain(domain), self._articles_of(domain))

    def collections(self) -> list[str]:
        """The collections that hold passages, in name order."""
        return sorted(self.store.collections())

    def sources(self, collection: Collections = None) -> list[SourceStat]:
        """Per source: articles, the newest article's date, blocked or not."""
        return self.store.source_stats(collection)

    def _domain(self, text: str) -> str:
        domain = normalise_domain(text)
        if domain is not None:
            return domain
        # the sources are read only for what is not a dotted domain: a one-label host, an outlet
        sources = self.store.source_stats()
        domain = normalise_domain(text, [s.domain for s in sources])
        if domain is not None:
            return domain
        if any(s.domain is None and s.source.casefold() == text.strip().casefold() for s in sources):
            # blocks are by domain; an outlet's articles without a URL can only be removed
            raise CorpusError(
                f"{text.strip()[:100]!r} is an outlet without a web address: only a domain can be blocked "
                "(remove its articles instead)"
            )
        raise CorpusError(f"not a domain: {text.strip()[:100]!r} (write it as example.com)")

    def _articles_of(self, domain: str) -> int:
        return sum(s.articles for s in self.store.source_stats() if blocking(s.domain, [domain]))

    def ingest_refusal(self, url: str) -> str | None:
        """Why an article URL may not be ingested (a blocked source), or None."""
        entry = blocking(domain_of(url), self.store.blocked_domains())
        return None if entry is None else f"{entry} is a blocked source"

    def _similarities(self, query: np.ndarray, passage_ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(ids, cosines): those of `passage_ids` still stored, in the order given, and the cosine of
        the claim's vector with each one's stored vector (both unit length)."""
        if not passage_ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        present, vectors = self.store.exact_vectors(np.asarray(passage_ids, dtype=np.int64), self.embedder.dim)
        return present, np.asarray(vectors @ query, dtype=np.float32)

    def _label_stances(self, claim: str, passages: list[PassageResult]) -> dict[int, str]:
        """Label the passages the stance model can read; the language of each it cannot, by `id()`.

        The model reads English only: against "Pérez was killed" it gave "“Pérez fue abatido…”, dijo
        Reverol" a confident `refutes`, and the claim a verdict of refuted. A passage in another
        language stays without a stance, shown as related, as every passage of a Spanish claim is."""
        unread: dict[int, str] = {}
        read: list[PassageResult] = []
        for p in passages:
            language = detect_language(p.text, PASSAGE_MIN_SCORE)
            if language is not None and not stance_reads(language):
                unread[id(p)] = language
            else:
                read.append(p)
        passages = read
        options = score_views(self.stance, [(claim, p.text, p.speaker) for p in passages], shared_clause_splitter())
        # Only a passage attributed to someone can be someone else's words (the speaker guard).
        named = self.settings.attribution and any(p.speaker for p in passages)
        speaker = claim_speaker(claim, shared_attributor()) if named else None
        picks = [
            pick_view(
                [
                    guard_speaker(speaker, passage.text, passage.speaker, guard_sides(claim, passage.text, view))
                    for view in views
                ]
            )
            for passage, views in zip(passages, options, strict=True)
        ]
        # Only a passage that took a side can lose it to the command guard: the rest are not parsed.
        sided = [i for i, pick in enumerate(picks) if pick.label != "neutral"]
        commands = [False] * len(passages)
        for i, command in zip(sided, shared_command_reader().commands([passages[i].text for i in sided]), strict=True):
            commands[i] = command
        words = False
        if any(commands):
            if not named and self.settings.attribution:
                speaker = claim_speaker(claim, shared_attributor())
            words = about_words(claim, speaker)
        others = self._other_events(claim, passages, sided)
        for passage, pick, command, other in zip(passages, picks, commands, others, strict=True):
            chosen = settle(
                self.stance.selector,
                claim,
                passage.text,
                passage.speaker,
                guard_event_time(other, guard_command(command, words, pick)),
            )
            passage.stance = _STANCES[chosen.label]
            passage.probs = StanceProbs(**chosen.probs)
            # A caption says what a photo shows ("… arrive during an operation to capture Oscar
            # Perez"); read as a statement it confidently refuted "Five members of the band were
            # captured" on the demo article. Its lean is shown, as for any unsure side.
            passage.confident = chosen.confident and passage.kind == "text"
        return unread

    def _other_events(self, claim: str, passages: list[PassageResult], sided: list[int]) -> list[bool]:
        """Per passage, whether it tells of another event than the one the claim names by its year
        (the event-time guard). Only a claim with a year is parsed, and only the passages that took
        a side are read, each with the sentence before it in its article."""
        out = [False] * len(passages)
        events = shared_event_reader().dated_events(claim) if sided else []
        if not events:
            return out
        previous = self.store.previous_sentences([(passages[i].article.id, passages[i].char_start) for i in sided])
        for i in sided:
            p = passages[i]
            before = previous.get((p.article.id, p.char_start))
            out[i] = other_event(events, p.text, before, published_date(p.article.published))
        return out

    def reindex(self, *, reembed: bool = False, on_progress: Callable[[int, int], None] | None = None) -> IndexStats:
        """Rebuild the vector index from the database (re-embedding every passage if asked)."""
        embedder = self.embedder
        _, total = self.store.counts()
        if reembed:
            done = 0
            for ids, texts in self.store.iter_embed_texts():
                self.store.update_embeddings(ids, embedder.encode(texts))
                done += len(ids)
                if on_progress:
                    on_progress(done, total)
            self.store.set_meta("embed_model", embedder.name)
            self.store.set_meta("embed_dim", str(embedder.dim))
        self._check_model(embedder)
        passage_ids = self.store.passage_ids()
        vectors = self._open_vectors(embedder.dim)
        vectors.rebuild(passage_ids, self.store.embeddings(passage_ids, embedder.dim))
        vectors.save()
        self._vectors = vectors
        self.fulltext.rebuild()
        return self.stats()

    def stats(self) -> IndexStats:
        articles, passages = self.store.counts()
        vectors = self._vectors
        return IndexStats(
            articles=articles,
            passages=passages,
            vectors=len(vectors) if vectors is not None else -1,
            vector_kind=("hnsw" if vectors.is_hnsw else "exact") if vectors is not None else "not loaded",
            embed_model=self.store.get_meta("embed_model"),
        )

    def close(self) -> None:
        if self._vectors is not None and self._vectors.dirty:
            self._vectors.save()
        self.store.engine.dispose()


def _mismatch(stored: str, name: str) -> IndexMismatch:
    return IndexMismatch(
        f"the index was embedded with {stored!r} but CLAIMBOT_EMBED_MODEL is {name!r}; "
        "run `claimbot reindex --reembed` to re-embed every passage with the new model"
    )


def _article_ref(ref: str) -> int | str:
    """An article id ("12", "#12") or a URL, as `claimbot articles remove` and /article remove take it."""
    ref = ref.strip()
    # isdecimal: "²" is a digit to isdigit, and int() refuses it.
    if ref.lstrip("#").isdecimal():
        return int(ref.lstrip("#"))
    url = http_url(ref)  # "Https://" too
    if url is not None:
        return url
    raise CorpusError(
        f"not an article id or URL: {ref[:100]!r} (give its number, as /sources and `claimbot articles list` show it, or its http(s) URL)"
    )


def _after(written: dict[int, WrittenArticle], article_id: int | None, watch: WatchView) -> bool:
    """Whether the article was written once `watch` was made (an article gone since is not)."""
    article = written.get(article_id) if article_id is not None else None
    return article is not None and article.ingested_at >= watch.created_at


def _where(url: str | None, article_id: int | None, written: dict[int, WrittenArticle]) -> str:
    """Which article a watch notice is about, the same across its versions: its URL, else the file
    it was read from (an edited file re-ingested is a new row), else its id."""
    article = written.get(article_id) if article_id is not None else None
    return url or (article.origin if article is not None and article.origin else f"article {article_id}")


def _passage_key(p: StoredPassage, written: dict[int, WrittenArticle]) -> str:
    """A passage's watch-notice key: its article (`_where`) and its text, so the same sentence of a
    re-ingested article (new row ids) is not reported again."""
    where = _where(p.article_url, p.article_id, written)
    return "passage:" + hashlib.sha256(f"{where}\n{p.text}".encode()).hexdigest()[:40]


def _fact_check_key(f: FactCheck, written: dict[int, WrittenArticle]) -> str:
    where = _where(f.url, f.article_id, written)
    return "fact_check:" + hashlib.sha256(f"{where}\n{f.claim_reviewed}\n{f.rating}".encode()).hexdigest()[:40]


def _names(languages: list[str]) -> str:
    """ "Spanish", "Spanish and French", "Spanish, French and Italian"."""
    names = [language_name(code) for code in languages]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _passage_result(p: StoredPassage, relevance: float) -> PassageResult:
    return PassageResult(
        text=p.text,
        relevance=relevance,
        speaker=p.speaker,
        cue=p.cue,
        attribution=p.attribution,
        voice=voice_of(p.speaker, p.attribution, p.article_outlet),
        kind="caption" if p.kind == "caption" else "text",
        article=ArticleRef(
            id=p.article_id,
            title=p.article_title,
            outlet=p.article_outlet,
            url=p.article_url,
            published=p.article_published,
        ),
        char_start=p.char_start,
        char_end=p.char_end,
    )
