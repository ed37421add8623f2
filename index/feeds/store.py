"""The feeds and feed_items tables: adding and listing feeds, taking a due one, recording items.

Several pollers share one schedule through the database. On PostgreSQL a poller takes a due feed
with `SELECT … FOR NO KEY UPDATE SKIP LOCKED` and holds that row lock until the poll is recorded, so each
due feed is polled by exactly one of them, and a poller that dies mid-poll (its connection gone)
leaves the feed due for the next. SQLite has no row locks: a poll round holds an exclusive lock on
a file beside the database instead (`sqlite_poll_lock`), so one poller at a time polls.
"""

from __future__ import annotations

import datetime as dt
import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from claimbot.index.feeds.models import MAX_SCHEDULE_AHEAD, Feed, FeedKind, FeedState, ItemState, bounded_interval
from claimbot.index.storage import Collections, FeedItemRow, FeedRow, scope_list


class FeedExists(ValueError):
    """The collection already has a feed at this (canonical) URL."""


@dataclass(frozen=True)
class KnownItem:
    state: ItemState
    marker: str | None
    attempts: int


@dataclass
class PollOutcome:
    """What the poller records on the feed row when a poll ends."""

    error: str | None = None  # None: the poll worked
    etag: str | None = None
    last_modified: str | None = None
    keep_validators: bool = False  # a 304: the stored ETag / Last-Modified still hold
    feed_url: str | None = None
    kind: FeedKind | None = None
    pause: bool = False  # the error says the feed is gone: paused now, not after max_failures


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands back the stored UTC times without their zone.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _feed(row: FeedRow, items: int = 0) -> Feed:
    return Feed(
        id=row.id,
        url=row.url,
        feed_url=row.feed_url,
        kind=FeedKind(row.kind) if row.kind else None,
        collection=row.collection,
        interval_s=bounded_interval(row.interval_s),
        state=FeedState(row.state),
        failures=row.failures,
        last_error=row.last_error,
        next_poll_at=_aware(row.next_poll_at),
        last_polled_at=_aware(row.last_polled_at) if row.last_polled_at else None,
        created_at=_aware(row.created_at),
        items=items,
    )


class FeedStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_postgres = engine.dialect.name == "postgresql"
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._sessions()

    # -- the operator's commands ------------------------------------------------------------
    def add(self, url: str, canonical: str, collection: str, interval_s: int, now: dt.datetime) -> Feed:
        row = FeedRow(
            url=url,
            canonical_url=canonical,
            collection=collection,
            interval_s=interval_s,
            state=FeedState.ACTIVE,
            failures=0,
            next_poll_at=now,
            created_at=now,
        )
        with self.session() as s:
            s.add(row)
            try:
                s.commit()
            except IntegrityError:
                raise FeedExists(f"the collection {collection!r} already has this feed ({canonical})") from None
            return _feed(row)

    def feeds(self, collection: Collections = None) -> list[Feed]:
        counts = select(FeedItemRow.feed_id, func.count().label("n")).group_by(FeedItemRow.feed_id).subquery("counts")
        query = select(FeedRow, counts.c.n).outerjoin(counts, counts.c.feed_id == FeedRow.id).order_by(FeedRow.id)
        scope = scope_list(collection)
        if scope is not None:
            query = query.where(FeedRow.collection.in_(scope))
        with self.session() as s:
            return [_feed(row, n or 0) for row, n in s.execute(query).all()]

    def get(self, feed_id: int) -> Feed | None:
        with self.session() as s:
            row = s.get(FeedRow, feed_id)
            return _feed(row) if row is not None else None

    def remove(self, feed_id: int) -> bool:
        """The feed and its item records; the articles it brought stay indexed."""
        with self.session() as s:
            row = s.get(FeedRow, feed_id)
            if row is None:
                return False
            s.delete(row)
            s.commit()
            return True

    def set_state(self, feed_id: int, state: FeedState, now: dt.datetime) -> Feed | None:
        """Pause, or resume (due at once, its failures forgotten)."""
        with self.session() as s:
            row = s.get(FeedRow, feed_id, with_for_update=self.is_postgres)
            if row is None:
                return None
            row.state = state
            if state is FeedState.ACTIVE:
                row.failures = 0
                row.next_poll_at = now
            s.commit()
            return _feed(row)

    # -- the poller ---------------------------------------------------------------------------
    @contextmanager
    def claim(self, now: dt.datetime) -> Iterator[FeedClaim | None]:
        """The most overdue active feed, held for this poller until the block ends (None: none due)."""
        query = (
            select(FeedRow)
            .where(
                FeedRow.state == FeedState.ACTIVE,
                # or scheduled past any schedule the bounds allow, by a release that bounded no
                # interval (a poll in the year 5195): due now, and then scheduled within them
                or_(FeedRow.next_poll_at <= now, FeedRow.next_poll_at > now + MAX_SCHEDULE_AHEAD),
            )
            .order_by(FeedRow.next_poll_at, FeedRow.id)
            .limit(1)
        )
        if self.is_postgres:
            with self.session() as s, s.begin():
                # NO KEY UPDATE: the item rows written meanwhile (other connections) take KEY SHARE
                # on this row for their foreign key, which plain FOR UPDATE would make them wait for.
                row = s.execute(query.with_for_update(skip_locked=True, key_share=True)).scalar_one_or_none()
                yield FeedClaim(self, row, s) if row is not None else None
            return
        # SQLite: read and let go at once; a read transaction held through the poll would keep
        # this connection from writing the outcome after the ingest's own commits.
        with self.session() as s:
            row = s.execute(query).scalar_one_or_none()
            s.expunge_all()
        yield FeedClaim(self, row, None) if row is not None else None

    def next_due(self) -> dt.datetime | None:
        """When the next active feed is due (None: no active feed)."""
        with self.session() as s:
            when = s.execute(select(func.min(FeedRow.next_poll_at)).where(FeedRow.state == FeedState.ACTIVE)).scalar()
        return _aware(when) if when is not None else None

    def known_items(self, feed_id: int, urls: list[str]) -> dict[str, KnownItem]:
        found: dict[str, KnownItem] = {}
        with self.session() as s:
            for start in range(0, len(urls), 500):
                chunk = urls[start : start + 500]
                rows = s.execute(
                    select(FeedItemRow.url, FeedItemRow.state, FeedItemRow.marker, FeedItemRow.attempts).where(
                        FeedItemRow.feed_id == feed_id, FeedItemRow.url.in_(chunk)
                    )
                )
                for url, state, marker, attempts in rows:
                    found[url] = KnownItem(ItemState(state), marker, attempts)
        return found

    def record_item(
        self,
        feed_id: int,
        url: str,
        marker: str | None,
        state: ItemState,
        now: dt.datetime,
        *,
        error: str | None = None,
    ) -> None:
        insert = pg_insert if self.is_postgres else sqlite_insert
        values = {
            "feed_id": feed_id,
            "url": url,
            "marker": marker,
            "state": state.value,
            "attempts": 1 if state is ItemState.FAILED else 0,
            "last_error": error,
            "updated_at": now,
        }
        statement = insert(FeedItemRow).values(**values)
        update: dict[str, Any] = {k: statement.excluded[k] for k in ("marker", "state", "last_error", "updated_at")}
        update["attempts"] = (FeedItemRow.attempts + 1) if state is ItemState.FAILED else statement.excluded.attempts
        with self.session() as s:
            s.execute(statement.on_conflict_do_update(index_elements=["feed_id", "url"], set_=update))
            s.commit()


class FeedClaim:
    """A due feed taken by this poller; `finish` records the poll on its row."""

    def __init__(self, store: FeedStore, row: FeedRow, session: Session | None) -> None:
        self.store, self.row, self._session = store, row, session
        self.feed = _feed(row)
        self.etag, self.last_modified = row.etag, row.last_modified

    def finish(
        self, outcome: PollOutcome, now: dt.datetime, *, max_failures: int, max_backoff_s: float
    ) -> tuple[FeedState, dt.datetime]:
        if self._session is not None:
            self._apply(self.row, outcome, now, max_failures, max_backoff_s)
            self._session.flush()  # committed when the claim's block ends, with the lock let go
            return FeedState(self.row.state), self.row.next_poll_at
        with self.store.session() as s:
            row = s.get(FeedRow, self.row.id)
            if row is None:  # removed while it was polled
                return FeedState.PAUSED, now
            self._apply(row, outcome, now, max_failures, max_backoff_s)
            s.commit()
            return FeedState(row.state), row.next_poll_at

    @staticmethod
    def _apply(row: FeedRow, outcome: PollOutcome, now: dt.datetime, max_failures: int, max_backoff_s: float) -> None:
        row.last_polled_at = now
        if outcome.feed_url:
            row.feed_url = outcome.feed_url
        if outcome.kind:
            row.kind = outcome.kind
        if outcome.error is None:
            row.failures = 0
            row.last_error = None
            if not outcome.keep_validators:
                row.etag, row.last_modified = outcome.etag, outcome.last_modified
            row.next_poll_at = now + dt.timedelta(seconds=bounded_interval(row.interval_s))
            return
        row.failures += 1
        row.last_error = outcome.error
        # Exponential back-off: twice the interval, then four times, eight times… up to the cap.
        wait = min(bounded_interval(row.interval_s) * 2**row.failures, max_backoff_s)
        row.next_poll_at = now + dt.timedelta(seconds=wait)
        if (row.failures >= max_failures or outcome.pause) and row.state == FeedState.ACTIVE:
            row.state = FeedState.FAILED


@contextmanager
def sqlite_poll_lock(engine: Engine) -> Iterator[bool]:
    """True while this process holds the SQLite poll lock, False if another poller has it."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        yield True
        return
    with open(f"{path}.feeds.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # let go when the file closes, also on a crash
        except BlockingIOError:
            yield False
            return
        yield True
