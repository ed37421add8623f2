"""Watched claims (issue 25): updates when new reporting arrives, once each, never from old passages,
never after the watch expires, within the server's hourly limit; approved answers watched."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import event

from claimbot.index.records import ArticleInput, CheckResult
from claimbot.index.review import FlagStatus, NoticeOutcome, ReviewLimits, ReviewService, WatchSide, WatchSource
from claimbot.index.service import ClaimIndex
from tests.hash_embedder import HashEmbedder

JSONLD = Path(__file__).parent / "fixtures" / "factchecks" / "rated-jsonld.html"
G, MOD = 5005, 77
CLAIM = "The town council approved the new bridge"
CONFLICTING = ArticleInput(
    title="Bridge plan voted down",
    url="https://herald.example.org/bridge-vote",
    outlet="Herald",
    published=dt.date(2026, 12, 1),
    text="Bridge plan voted down\n\nThe council did not approve the new bridge. The vote was seven to two.",
    origin="bridge-vote",
)
UNRELATED = ArticleInput(
    title="Harbour floods",
    url="https://herald.example.org/harbour",
    text="Harbour floods\n\nThe harbour of Porto flooded on Tuesday after heavy rain.",
    origin="harbour",
)


class Clock:
    """The review's clock, from the real time: an article's `ingested_at` is the real time of its
    ingest, and a watch reads only the articles ingested after it was made."""

    def __init__(self) -> None:
        self.t = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.t


@pytest.fixture
def index(claim_index: ClaimIndex) -> ClaimIndex:
    claim_index._embedder = HashEmbedder()
    claim_index.settings.relevance_floor = 0.0  # the hash embedder's cosines are word overlaps
    return claim_index


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def review(index: ClaimIndex, clock: Clock) -> ReviewService:
    return ReviewService(index.store.engine, limits=ReviewLimits(watch_days=14, watch_updates_per_hour=10), now=clock)


def ingest(index: ClaimIndex, *articles: ArticleInput) -> list[int]:
    return index.ingest(list(articles)).article_ids


@pytest.mark.slow
def test_a_conflicting_passage_is_reported_once_and_old_passages_never(index, review):
    watch = review.watches.add(G, CLAIM, MOD)
    new = ingest(index, CONFLICTING, UNRELATED)
    assert len(new) == 2
    [update] = index.watch_updates(review, new)
    assert update.watch.id == watch.id and update.side is WatchSide.CONFLICTS
    assert update.passage is not None and update.passage.text == "The council did not approve the new bridge."
    assert update.passage.article.outlet == "Herald" and update.passage.article.url == CONFLICTING.url
    assert update.passage.confident
    # The same articles again: the notice is kept, nothing is reported twice.
    assert index.watch_updates(review, new) == []
    # Re-ingesting the article with one sentence changed gives its sentences new row ids; the
    # unchanged conflicting sentence is still the one already reported.
    edited = CONFLICTING.model_copy(update={"text": CONFLICTING.text + " The mayor was away."})
    report = index.ingest([edited])
    assert report.replaced == 1
    assert index.watch_updates(review, report.article_ids) == []
    # An ingest that writes nothing new reads nothing.
    assert index.ingest([edited]).article_ids == []


@pytest.mark.slow
def test_a_watched_claim_is_read_and_embedded_once_while_it_is_watched(index, review, monkeypatch):
    """A sweep runs each minute that articles arrive: the watched claims are not read and embedded
    again each time, and a claim no longer watched is not kept."""
    encoded: list[str] = []
    embedder = index.embedder
    real = embedder.encode
    monkeypatch.setattr(embedder, "encode", lambda texts: encoded.extend(texts) or real(texts))
    watch = review.watches.add(G, CLAIM, MOD)
    [update] = index.watch_updates(review, ingest(index, CONFLICTING))
    assert update.side is WatchSide.CONFLICTS
    other = "The harbour of Porto flooded"
    review.watches.add(G, other, MOD)
    again = CONFLICTING.model_copy(
        update={"url": "https://herald.example.org/bridge-vote-2", "text": CONFLICTING.text + " It meets again."}
    )
    index.watch_updates(review, ingest(index, again, UNRELATED))
    assert encoded.count(CLAIM) == 1 and encoded.count(other) == 1
    # Unwatched, the claim is dropped at the next sweep; watched again, it is read again.
    review.watches.remove(G, watch.id)
    third = UNRELATED.model_copy(
        update={"url": "https://herald.example.org/harbour-2", "text": UNRELATED.text + " Again."}
    )
    index.watch_updates(review, ingest(index, third))
    review.watches.add(G, CLAIM, MOD)
    fourth = third.model_copy(update={"url": "https://herald.example.org/harbour-3", "text": third.text + " More."})
    index.watch_updates(review, ingest(index, fourth))
    assert encoded.count(CLAIM) == 2 and encoded.count(other) == 1


def test_a_watch_reads_only_articles_ingested_after_it_even_before_the_first_sweep(index, review, clock):
    """What was stored before the watch was in the answer that prompted it: a sweep that had not read
    it yet (`claimbot ingest` just before the /watch) must not post it as new reporting."""
    from claimbot.index.service import SourceOptions, read_inputs

    earlier = ingest(index, CONFLICTING) + index.ingest(read_inputs([str(JSONLD)], SourceOptions())).article_ids
    clock.t = dt.datetime.now(dt.UTC)
    review.watches.add(G, CLAIM, MOD)
    review.watches.add(G, "The new Springfield stadium cost only 2 million dollars to build", MOD)
    assert index.store.watch_pending_articles(100) == earlier  # not read yet
    assert index.sweep_watches(review) == []
    assert index.store.watch_pending_articles(100) == []
    # An article ingested after the watch is reported.
    later = CONFLICTING.model_copy(
        update={"url": "https://herald.example.org/bridge-vote-2", "text": CONFLICTING.text + " It meets again."}
    )
    ingest(index, later)
    [update] = index.sweep_watches(review)
    assert update.passage is not None and update.passage.article.url == later.url


def test_an_edited_file_without_a_url_ingested_again_repeats_no_update(index, review, tmp_path):
    """A file's article has no URL, and its edit is a new row: its unchanged sentence is known by the
    file it came from, as a page's is by its URL."""
    from claimbot.index.service import SourceOptions, read_inputs

    review.watches.add(G, CLAIM, MOD)
    path = tmp_path / "notes.txt"
    path.write_text(CONFLICTING.text, encoding="utf-8")
    assert index.ingest(read_inputs([str(path)], SourceOptions())).added == 1
    [update] = index.sweep_watches(review)
    assert update.passage is not None and update.passage.text == "The council did not approve the new bridge."
    path.write_text(CONFLICTING.text + " The mayor was away.", encoding="utf-8")
    assert index.ingest(read_inputs([str(path)], SourceOptions())).replaced == 1
    assert index.sweep_watches(review) == []


@pytest.mark.slow
def test_an_expired_watch_is_silent_and_watching_again_extends_it(index, review, clock):
    first = review.watches.add(G, CLAIM, MOD, days=1)
    clock.t += dt.timedelta(days=2)
    assert review.watches.active(G) == []
    assert index.watch_updates(review, ingest(index, CONFLICTING)) == []
    again = review.watches.add(G, "the town council approved the new bridge", MOD, answer_id=9)
    assert again.id == first.id and again.answer_id == 9  # one watch per claim and server
    assert again.expires_at == clock.t + dt.timedelta(days=14)


def test_notices_are_once_per_target_and_rate_limited_per_server(review, clock):
    review.limits = ReviewLimits(watch_updates_per_hour=2)
    a = review.watches.add(G, CLAIM, MOD)
    b = review.watches.add(G, "The harbour of Porto flooded", MOD)
    other = review.watches.add(G + 1, CLAIM, MOD)
    assert review.watches.claim_notice(a, "passage:1") is NoticeOutcome.SEND
    assert review.watches.claim_notice(a, "passage:1") is NoticeOutcome.ALREADY_SENT
    assert review.watches.claim_notice(b, "passage:1") is NoticeOutcome.SEND  # another watch
    assert review.watches.claim_notice(a, "passage:2") is NoticeOutcome.RATE_LIMITED
    assert review.watches.claim_notice(other, "passage:2") is NoticeOutcome.SEND  # another server
    # A check's rate limit prunes only its own events: the hour's count stands.
    assert review.hit_rate_limit(G, MOD).allowed
    clock.t += dt.timedelta(minutes=59)
    assert review.watches.claim_notice(a, "passage:2") is NoticeOutcome.RATE_LIMITED
    clock.t += dt.timedelta(minutes=2)
    assert review.watches.claim_notice(a, "passage:2") is NoticeOutcome.SEND


def _answer(review: ReviewService, claim: str) -> int:
    result = CheckResult(claim=claim, verdict="supported", reason="r", passages=[])
    return review.record_answer(G, channel_id=1, asker_id=2, result=result, shown=0).id


def test_approved_and_corrected_answers_are_watched_dismissed_ones_not(review, clock):
    for n, action in enumerate(("approve", "dismiss")):
        claim = f"Claim number {n} was said"
        flag = review.flag(G, _answer(review, claim), 3, "wrong").flag
        review.review(G, flag.id, MOD, action, reason="not about accuracy")
    [watch] = review.watches.active(G)
    assert watch.claim == "Claim number 0 was said" and watch.source is WatchSource.APPROVED
    assert watch.expires_at == clock.t + dt.timedelta(days=14) and watch.answer_id is not None
    review.limits = ReviewLimits(watch_days=0)
    flag = review.flag(G, _answer(review, "Another claim was said"), 3, "wrong").flag
    review.review(G, flag.id, MOD, "approve")
    assert len(review.watches.active(G)) == 1  # CLAIMBOT_WATCH_DAYS=0: none watched automatically


def test_a_watch_added_while_a_decision_watches_the_claim_keeps_both(review, clock):
    """A moderator's /watch and another's approval on the same claim at the same moment: both
    looked for the watch before either wrote it, and the loser broke the unique key (on PostgreSQL
    rolling back the whole decision)."""
    flag = review.flag(G, _answer(review, CLAIM), 3, "wrong").flag
    barrier = threading.Barrier(2, timeout=10)
    paused: set[int] = set()

    @event.listens_for(review.engine, "before_cursor_execute")
    def both_reach_the_watch_first(conn, cursor, statement, params, context, executemany):
        if "watches" in statement and threading.get_ident() not in paused:
            paused.add(threading.get_ident())
            barrier.wait()

    outcomes: dict[str, object] = {}

    def run(name: str, work: Callable[[], object]) -> None:
        try:
            outcomes[name] = work()
        except Exception as exc:  # the assertion below names it
            outcomes[name] = exc

    threads = [
        threading.Thread(target=run, args=("watch", lambda: review.watches.add(G, CLAIM.upper(), MOD + 1, days=30))),
        threading.Thread(target=run, args=("approve", lambda: review.review(G, flag.id, MOD, "approve"))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    event.remove(review.engine, "before_cursor_execute", both_reach_the_watch_first)
    assert not any(isinstance(o, Exception) for o in outcomes.values()), outcomes
    assert review.get_flag(G, flag.id).status is FlagStatus.APPROVED
    [watch] = review.watches.active(G)
    assert watch.expires_at == clock.t + dt.timedelta(days=30)  # the later of the two expiries
    assert watch.answer_id == flag.answer.id


@pytest.mark.slow
def test_a_new_fact_check_that_rates_the_claim_false_is_reported(index, review):
    from claimbot.index.service import SourceOptions, read_inputs

    review.watches.add(G, "The new Springfield stadium cost only 2 million dollars to build", MOD)
    report = index.ingest(read_inputs([str(JSONLD)], SourceOptions()))
    assert report.fact_checks == 1
    updates = [u for u in index.watch_updates(review, report.article_ids) if u.fact_check is not None]
    [update] = updates
    assert update.side is WatchSide.CONFLICTS and update.fact_check.reviewer == "Springfield Fact Desk"
    assert index.watch_updates(review, report.article_ids) == []


def test_migration_0010_matches_the_orm_tables(review):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from claimbot.index.storage.schema import Base

    with review.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in diffs if "watch" in repr(d)] == []


def test_migration_0012_leaves_stored_articles_read_and_new_ones_pending(index, review):
    """An upgrade must not post updates about the whole corpus; every article written after it is read once."""
    from alembic import command

    from claimbot.index.storage import db

    before = ingest(index, UNRELATED)
    assert index.store.watch_pending_articles(100)[-1] == before[-1]
    counts = index.store.counts()
    engine = index.store.engine
    cfg = db.alembic_config(engine.url.render_as_string(hide_password=False))
    # Down to 0007 and back too: 0008's downgrade drops a column of `articles` as well.
    steps = [("0007", command.downgrade), ("head", command.upgrade), ("0011", command.downgrade)]
    for revision, step in [*steps, ("head", command.upgrade)]:
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            step(cfg, revision)
        # Every article and passage survives each step (a copied-and-dropped `articles` table
        # would take the passages with it through the foreign key).
        assert index.store.counts() == counts, revision
    assert index.store.watch_pending_articles(100) == []
    review.watches.add(G, CLAIM, MOD)
    after = ingest(index, CONFLICTING)
    assert index.store.watch_pending_articles(100) == after

    [update] = index.sweep_watches(review)
    assert update.passage is not None and update.passage.text == "The council did not approve the new bridge."
    assert index.store.watch_pending_articles(100) == []
    assert index.sweep_watches(review) == []


@pytest.mark.slow
def test_a_deferred_update_is_taken_once_whole_and_goes_with_its_watch(index, review):
    """What a bot could not post waits in the database (migration 0016, kept through a downgrade and
    upgrade of it): the next process takes it once, as it was; removing the watch drops it."""
    from alembic import command

    from claimbot.index.storage import db

    review.watches.add(G, CLAIM, MOD)
    [update] = index.watch_updates(review, ingest(index, CONFLICTING))
    review.watches.defer([update])
    engine = index.store.engine
    cfg = db.alembic_config(engine.url.render_as_string(hide_password=False))
    for revision, step in [("0015", command.downgrade), ("head", command.upgrade)]:
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            step(cfg, revision)
    assert review.watches.take_deferred() == []  # the downgrade dropped what waited
    review.watches.defer([update])
    other = ReviewService(engine, limits=review.limits)  # another process
    assert other.watches.take_deferred() == [update]
    assert review.watches.take_deferred() == [] and other.watches.take_deferred() == []

    review.watches.defer([update])
    review.watches.remove(G, update.watch.id)
    assert review.watches.take_deferred() == []
