"""Answers as shown: every answer is stored as the user saw it, so a flag refers to exactly that."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from claimbot.index.records import CheckResult
from claimbot.index.review.base import Part, aware, rowcount
from claimbot.index.review.corrections import stored_correction
from claimbot.index.review.errors import ANSWER_GONE, NotFound
from claimbot.index.review.models import AnswerView, CorrectionView
from claimbot.index.storage import AnswerRow, FlagRow


def answer_view(s: Session, row: AnswerRow) -> AnswerView:
    correction = stored_correction(s, row.guild_id, row.correction_id) if row.correction_id is not None else None
    return AnswerView(
        id=row.id,
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        message_id=row.message_id,
        asker_id=row.asker_id,
        claim=row.claim,
        verdict=row.verdict,
        result=CheckResult.model_validate_json(row.result_json),
        shown=row.shown,
        correction=correction,
        private=bool(row.private),
        model=row.model,
        corpus_version=row.corpus_version,
        created_at=aware(row.created_at),
    )


def answer_row(s: Session, guild_id: int, answer_id: int) -> AnswerRow:
    """The guild's answer, or `NotFound` (pruned, or another guild's id)."""
    row = s.scalar(select(AnswerRow).where(AnswerRow.id == answer_id, AnswerRow.guild_id == guild_id))
    if row is None:
        raise NotFound(ANSWER_GONE)
    return row


class Answers(Part):
    def record_answer(
        self,
        guild_id: int,
        *,
        channel_id: int | None,
        asker_id: int,
        result: CheckResult,
        shown: int,
        correction: CorrectionView | None = None,
        private: bool = False,
        model: str | None = None,
        corpus_version: str | None = None,
    ) -> AnswerView:
        with self._session() as s, s.begin():
            row = AnswerRow(
                guild_id=guild_id,
                channel_id=channel_id,
                asker_id=asker_id,
                claim=result.claim,
                verdict=result.verdict,
                result_json=result.model_dump_json(),
                shown=shown,
                correction_id=correction.id if correction else None,
                private=int(private),
                model=model,
                corpus_version=corpus_version,
                created_at=self.now(),
            )
            s.add(row)
            s.flush()
            return answer_view(s, row)

    def prune_answers(self) -> int:
        """Delete answers older than the retention that nobody flagged; returns how many.

        The newest answer always stays: SQLite gives a new row the highest id plus one, so an
        emptied table would hand out old ids again, and a button on an old message would open
        another answer."""
        days = self.limits.answer_retention_days
        if days <= 0:
            return 0
        cutoff = self.now() - dt.timedelta(days=days)
        with self._session() as s, s.begin():
            newest = s.scalar(select(func.max(AnswerRow.id)))
            if newest is None:
                return 0
            result = s.execute(
                delete(AnswerRow)
                .where(
                    AnswerRow.created_at < cutoff,
                    AnswerRow.id != newest,
                    AnswerRow.id.not_in(select(FlagRow.answer_id)),
                )
                .execution_options(synchronize_session=False)
            )
            return rowcount(result)

    def set_answer_message(
        self, guild_id: int, answer_id: int, *, channel_id: int | None, message_id: int, private: bool | None = None
    ) -> None:
        values: dict[str, Any] = {"channel_id": channel_id, "message_id": message_id}
        if private is not None:
            values["private"] = int(private)
        with self._session() as s, s.begin():
            s.execute(
                update(AnswerRow).where(AnswerRow.id == answer_id, AnswerRow.guild_id == guild_id).values(**values)
            )

    def get_answer(self, guild_id: int, answer_id: int) -> AnswerView:
        with self._session() as s:
            return answer_view(s, answer_row(s, guild_id, answer_id))
