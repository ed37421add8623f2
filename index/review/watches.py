"""Watched claims: what moderators follow, and the once-only, rate-limited record of each update sent.

Which new passages or fact-checks bear on a watched claim is the index's work
(`ClaimIndex.watch_updates`); this part only stores the watches and decides, per update, whether it
may be sent: never twice for one passage or fact-check on one watch (a unique key, so repeated and
concurrent ingests agree), and at most `limits.watch_updates_per_hour` a server."""

from __future__ import annotations

import datetime as dt
import threading

from pydantic import BaseModel
from sqlalchemy import delete, func, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from claimbot.index.records import FactCheck, PassageResult
from claimbot.index.review.base import Context, Part, aware, rowcount
from claimbot.index.review.claims import claim_key
from claimbot.index.review.errors import NotFound
from claimbot.index.review.models import (
    DEFAULT_WATCH_DAYS,
    WATCH_UPDATE_WINDOW_S,
    NoticeOutcome,
    RateAction,
    WatchSide,
    WatchSource,
    WatchUpdate,
    WatchView,
)
from claimbot.index.review.rate_limits import RATE_LOCK_CLASS
from claimbot.index.storage import AnswerRow, RateEventRow, WatchNoticeRow, WatchRow


class Watches(Part):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._lock = threading.Lock()

    def default_days(self) -> int:
        return self.limits.watch_days or DEFAULT_WATCH_DAYS

    def add(
        self,
        guild_id: int,
        claim: str,
        actor_id: int,
        *,
        answer_id: int | None = None,
        days: int | None = None,
        source: WatchSource = WatchSource.MANUAL,
    ) -> WatchView:
        """Watch `claim` for `days` (the default: `default_days()`); watching it again keeps one
        watch and moves its expiry (never earlier) and its answer to the newest one given."""
        with self._session() as s, s.begin():
            return self.add_in(s, guild_id, claim, actor_id, answer_id=answer_id, days=days, source=source)

    def add_in(
        self,
        s: Session,
        guild_id: int,
        claim: str,
        actor_id: int,
        *,
        answer_id: int | None,
        days: int | None,
        source: WatchSource,
    ) -> WatchView:
        """`add` inside the caller's transaction (a decision's, so the watch commits with it)."""
        now = self.now()
        expires = now + dt.timedelta(days=days or self.default_days())
        key = claim_key(claim)
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        # Insert first, then read: two moderators watching the claim at once (a /watch beside a
        # decision's automatic watch) would both read no row, and the second insert would break
        # uq_watches_guild_claim, rolling back a decision with it.
        created = s.scalar(
            insert(WatchRow)
            .values(
                guild_id=guild_id,
                claim=claim,
                claim_key=key,
                answer_id=answer_id,
                source=str(source),
                created_by=actor_id,
                created_at=now,
                expires_at=expires,
            )
            .on_conflict_do_nothing(index_elements=["guild_id", "claim_key"])
            .returning(WatchRow.id)
        )
        # Locked (on PostgreSQL; SQLite's insert already holds the write lock) so that two moves
        # of one expiry are not computed from the same stale value.
        row = s.scalars(
            select(WatchRow)
            .where(WatchRow.guild_id == guild_id, WatchRow.claim_key == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        if created is None:
            if aware(row.expires_at) < now:  # an expired watch begins again, as if new
                row.created_at, row.created_by, row.source = now, actor_id, str(source)
            row.expires_at = max(aware(row.expires_at), expires)
            if answer_id is not None:
                row.answer_id = answer_id
        s.flush()
        return _view(row)

    def get(self, guild_id: int, watch_id: int) -> WatchView:
        with self._session() as s:
            row = s.scalar(select(WatchRow).where(WatchRow.id == watch_id, WatchRow.guild_id == guild_id))
            if row is None:
                raise NotFound("That watch does not exist.")
            return _view(row)

    def remove(self, guild_id: int, watch_id: int) -> WatchView:
        """Stop watching (the updates already sent go with it: watching the claim again starts anew,
        and only articles ingested after that are read against it)."""
        with self._session() as s, s.begin():
            row = s.scalar(select(WatchRow).where(WatchRow.id == watch_id, WatchRow.guild_id == guild_id))
            if row is None:
                raise NotFound(f"There is no watch #{watch_id} on this server (see /watches).")
            view = _view(row)
            s.delete(row)
        return view

    def active(self, guild_id: int | None = None) -> list[WatchView]:
        """The watches not yet expired (of one server, or of all), oldest first."""
        q = select(WatchRow).where(WatchRow.expires_at > self.now())
        if guild_id is not None:
            q = q.where(WatchRow.guild_id == guild_id)
        with self._session() as s:
            return [_view(r) for r in s.scalars(q.order_by(WatchRow.id))]

    def answer_message(self, guild_id: int, answer_id: int | None) -> tuple[int | None, int | None]:
        """Where the answer was posted (channel, message), for a jump link; (None, None) for a
        private or pruned answer."""
        if answer_id is None:
            return None, None
        with self._session() as s:
            row = s.scalar(select(AnswerRow).where(AnswerRow.id == answer_id, AnswerRow.guild_id == guild_id))
            if row is None or row.private:
                return None, None
            return row.channel_id, row.message_id

    def claim_notice(self, watch: WatchView, target: str) -> NoticeOutcome:
        """Reserve the one update about `target` on this watch, counting it against the server's hourly
        limit; `SEND` means the caller posts it (reserved first, so that a crash loses an update
        rather than sending it twice)."""
        limit = self.limits.watch_updates_per_hour
        now = self.now()
        cutoff = now - dt.timedelta(seconds=WATCH_UPDATE_WINDOW_S)
        action = str(RateAction.WATCH_UPDATE)
        with self._lock, self._session() as s, s.begin():
            if self.engine.dialect.name == "postgresql":
                # As the check limits do: processes sharing the database count one window per server.
                s.execute(
                    sql_text("SELECT pg_advisory_xact_lock(:cls, :key)"),
                    {"cls": RATE_LOCK_CLASS, "key": watch.guild_id % 2**31},
                )
            seen = s.scalar(
                select(WatchNoticeRow.id).where(WatchNoticeRow.watch_id == watch.id, WatchNoticeRow.target == target)
            )
            if seen is not None:
                return NoticeOutcome.ALREADY_SENT
            if limit > 0:
                sent = s.scalar(
                    select(func.count())
                    .select_from(RateEventRow)
                    .where(
                        RateEventRow.guild_id == watch.guild_id, RateEventRow.action == action, RateEventRow.at > cutoff
                    )
                )
                if (sent or 0) >= limit:
                    return NoticeOutcome.RATE_LIMITED
            try:
                with s.begin_nested():
                    s.add(WatchNoticeRow(watch_id=watch.id, guild_id=watch.guild_id, target=target, created_at=now))
            except IntegrityError:  # another process sent it meanwhile
                return NoticeOutcome.ALREADY_SENT
            s.add(RateEventRow(guild_id=watch.guild_id, user_id=0, action=action, at=now))
            s.execute(delete(RateEventRow).where(RateEventRow.action == action, RateEventRow.at < cutoff))
        return NoticeOutcome.SEND

    def defer(self, updates: list[WatchUpdate]) -> None:
        """Keep updates not posted yet on their reservation rows (a sweep's, until the bot posts
        them; those whose posting failed for a passing reason), for whichever process posts next
        (`take_deferred`): in a bot's memory only, a restart lost them, and no sweep finds them
        again (each is reserved once). An update whose watch was removed meanwhile has no row
        left, and goes with its watch."""
        with self._session() as s, s.begin():
            for u in updates:
                s.execute(
                    update(WatchNoticeRow)
                    .where(WatchNoticeRow.watch_id == u.watch.id, WatchNoticeRow.target == u.target)
                    .values(deferred=_Deferred.of(u).model_dump_json())
                )

    def take_deferred(self) -> list[WatchUpdate]:
        """The updates `defer` kept, oldest first, each taken once: a row another process took
        meanwhile is skipped, so two bots sharing the database never both post it. Taken before it
        is posted, as a reservation is made: a crash then loses it rather than posting it twice."""
        taken: list[WatchUpdate] = []
        with self._session() as s, s.begin():
            rows = s.execute(
                select(WatchNoticeRow.id, WatchNoticeRow.target, WatchNoticeRow.deferred, WatchRow)
                .join(WatchRow, WatchRow.id == WatchNoticeRow.watch_id)
                .where(WatchNoticeRow.deferred.is_not(None))
                .order_by(WatchNoticeRow.id)
            ).all()
            for notice_id, target, deferred, watch in rows:
                took = s.execute(
                    update(WatchNoticeRow)
                    .where(WatchNoticeRow.id == notice_id, WatchNoticeRow.deferred.is_not(None))
                    .values(deferred=None)
                    .execution_options(synchronize_session=False)
                )
                if rowcount(took) == 1 and deferred is not None:
                    taken.append(_Deferred.model_validate_json(deferred).update(_view(watch), target))
        return taken


class _Deferred(BaseModel):
    """A deferred update as stored (`WatchNoticeRow.deferred`): all but its watch and target, which
    are the row's."""

    side: WatchSide
    passage: PassageResult | None = None
    fact_check: FactCheck | None = None
    answer_channel_id: int | None = None
    answer_message_id: int | None = None

    @classmethod
    def of(cls, u: WatchUpdate) -> _Deferred:
        return cls(
            side=u.side,
            passage=u.passage,
            fact_check=u.fact_check,
            answer_channel_id=u.answer_channel_id,
            answer_message_id=u.answer_message_id,
        )

    def update(self, watch: WatchView, target: str) -> WatchUpdate:
        return WatchUpdate(
            watch,
            self.side,
            target,
            self.passage,
            self.fact_check,
            self.answer_channel_id,
            self.answer_message_id,
        )


def _view(row: WatchRow) -> WatchView:
    return WatchView(
        id=row.id,
        guild_id=row.guild_id,
        claim=row.claim,
        answer_id=row.answer_id,
        source=WatchSource(row.source),
        created_by=row.created_by,
        created_at=aware(row.created_at),
        expires_at=aware(row.expires_at),
    )
