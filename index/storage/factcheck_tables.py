"""The published fact-checks (schema.org ClaimReview) found on ingested pages. Created by
migration 0009; each row belongs to the article (the fact-check page) it was read from and goes
with it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from claimbot.index.storage.schema import Base, _utcnow


class FactCheckRow(Base):
    __tablename__ = "fact_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    claim_reviewed: Mapped[str] = mapped_column(Text)
    claimant: Mapped[str | None] = mapped_column(String(300))
    rating_text: Mapped[str | None] = mapped_column(String(300))
    rating_value: Mapped[float | None] = mapped_column(Float)
    best_rating: Mapped[float | None] = mapped_column(Float)
    worst_rating: Mapped[float | None] = mapped_column(Float)
    rating: Mapped[str] = mapped_column(String(20))
    reviewer: Mapped[str | None] = mapped_column(String(300))
    reviewed_on: Mapped[dt.date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(String(2048))
    language: Mapped[str | None] = mapped_column(String(35))
    # The claim reviewed in the multilingual encoder (float32, unit length): claims are matched
    # across languages, so not in the passages' English embedding space.
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    embed_model: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
