"""What every part of the review workflow shares: the engine, its sessions, the limits, the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import overload

from sqlalchemy import CursorResult, Engine, Result
from sqlalchemy.orm import Session, sessionmaker

from claimbot.index.review.models import ReviewLimits

Clock = Callable[[], dt.datetime]


@dataclass
class Context:
    """Shared by the parts of one `ReviewService`; `limits` may be replaced while it runs."""

    engine: Engine
    sessions: sessionmaker[Session]
    limits: ReviewLimits
    now: Clock


class Part:
    """One concern of the review workflow over the shared database. Thread-safe (one short
    transaction per call); call it off the event loop."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @property
    def engine(self) -> Engine:
        return self.ctx.engine

    @property
    def limits(self) -> ReviewLimits:
        return self.ctx.limits

    def now(self) -> dt.datetime:
        return self.ctx.now()

    def _session(self) -> Session:
        return self.ctx.sessions()


@overload
def aware(value: dt.datetime) -> dt.datetime: ...
@overload
def aware(value: dt.datetime | None) -> dt.datetime | None: ...
def aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives naive datetimes back; everything stored is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def rowcount(result: Result[object]) -> int:
    """Rows an UPDATE or DELETE matched (`Session.execute` is typed as returning a plain `Result`)."""
    assert isinstance(result, CursorResult)
    return result.rowcount or 0
