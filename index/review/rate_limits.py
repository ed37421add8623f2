"""Per-user and per-guild rate limits: sliding windows persisted in the database."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import delete, select
from sqlalchemy import text as sql_text

from claimbot.index.review.base import Context, Part, aware
from claimbot.index.review.models import RateAction, RateDecision, RateScope
from claimbot.index.storage import RateEventRow

# PostgreSQL advisory-lock class of the per-guild rate-limit windows (any constant unique to claimbot).
RATE_LOCK_CLASS = 0x7261


class RateLimiter(Part):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._lock = threading.Lock()

    def hit_rate_limit(self, guild_id: int, user_id: int, action: str = RateAction.CHECK) -> RateDecision:
        """Count one `action` for the user unless a limit is reached; persisted sliding windows."""
        lim = self.limits
        now = self.now()
        windows = [
            (RateScope.USER, lim.rate_user_checks, lim.rate_user_window_s),
            (RateScope.GUILD, lim.rate_guild_checks, lim.rate_guild_window_s),
        ]
        with self._lock, self._session() as s, s.begin():
            if self.engine.dialect.name == "postgresql":
                # The thread lock serialises this process only; bot processes sharing one PostgreSQL
                # database share the windows too, so count-then-insert is serialised per guild there.
                s.execute(
                    sql_text("SELECT pg_advisory_xact_lock(:cls, :key)"),
                    {"cls": RATE_LOCK_CLASS, "key": guild_id % 2**31},
                )
            for scope, limit, window in windows:
                if limit <= 0:
                    continue
                cutoff = now - dt.timedelta(seconds=window)
                q = select(RateEventRow.at).where(
                    RateEventRow.guild_id == guild_id, RateEventRow.action == str(action), RateEventRow.at > cutoff
                )
                if scope is RateScope.USER:
                    q = q.where(RateEventRow.user_id == user_id)
                times = sorted(aware(t) for t in s.scalars(q))
                if len(times) >= limit:
                    # The window frees a slot when the oldest event that counts falls out of it.
                    oldest = times[len(times) - limit]
                    retry = (oldest + dt.timedelta(seconds=window) - now).total_seconds()
                    return RateDecision(False, max(retry, 0.1), scope)
            s.add(RateEventRow(guild_id=guild_id, user_id=user_id, action=str(action), at=now))
            longest = max(lim.rate_user_window_s, lim.rate_guild_window_s)
            # This action's old events only: another action (the watch updates' hour) has its own window.
            s.execute(
                delete(RateEventRow).where(
                    RateEventRow.action == str(action), RateEventRow.at < now - dt.timedelta(seconds=longest)
                )
            )
        return RateDecision(True)
