"""SQLAlchemy 2 tables. Alembic migrations in `index/storage/migrations` create and evolve them."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

DEFAULT_COLLECTION = "default"
# A collection's name as a server chooses it (`/claimbot setup collection:`) and the operator files
# articles under it (`claimbot ingest --collection`): lowercase, so both spell it alike.
COLLECTION_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")
# The largest id of a row with an `Integer` key (articles, fact-checks): PostgreSQL's INTEGER. A
# larger number (typed by a user) names no row; given to the database it is an overflow error.
MAX_ROW_ID = 2**31 - 1
# A reversed domain (storage/domains.py), compared byte by byte on both databases: PostgreSQL's
# default collation may order "." and "/" otherwise, and the blocklist's index range relies on bytes.
DOMAIN_KEY = String(255).with_variant(String(255, collation="C"), "postgresql")


class Base(DeclarativeBase):
    pass


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ArticleRow(Base):
    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("collection", "url", name="uq_articles_collection_url"),
        UniqueConstraint("collection", "content_hash", name="uq_articles_collection_hash"),
        Index(
            "ix_articles_watch_pending",
            "id",
            sqlite_where=sql_text("watch_pending"),
            postgresql_where=sql_text("watch_pending"),
        ),
        # An edited file ingested again finds its article by path (migration 0017).
        Index("ix_articles_origin", "origin", postgresql_using="hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection: Mapped[str] = mapped_column(String(100), default=DEFAULT_COLLECTION)
    url: Mapped[str | None] = mapped_column(String(2048))
    title: Mapped[str | None] = mapped_column(Text)
    outlet: Mapped[str | None] = mapped_column(String(300))
    author: Mapped[str | None] = mapped_column(String(300))
    published: Mapped[dt.date | None] = mapped_column(Date)
    language: Mapped[str | None] = mapped_column(String(35))  # records.FIELD_MAX_CHARS (migration 0015)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(Text, default="")
    # The URL's host without "www." (storage/domains.py): what `claimbot sources` groups and blocks by.
    domain: Mapped[str | None] = mapped_column(String(255), index=True)
    # Its labels reversed (migration 0014): blocking matches a domain and its subdomains on an index range.
    domain_rev: Mapped[str | None] = mapped_column(DOMAIN_KEY, index=True)
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    # Not yet read against the watched claims (migration 0012): cleared by the serve that reads it.
    watch_pending: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    passages: Mapped[list[PassageRow]] = relationship(
        back_populates="article",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PassageRow.position",
    )


class PassageRow(Base):
    __tablename__ = "passages"
    __table_args__ = (Index("ix_passages_article_position", "article_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    collection: Mapped[str] = mapped_column(String(100), default=DEFAULT_COLLECTION, index=True)
    paragraph: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), default="text")
    text: Mapped[str] = mapped_column(Text)
    context: Mapped[str] = mapped_column(Text)
    embed_text: Mapped[str] = mapped_column(Text)
    char_start: Mapped[int] = mapped_column(Integer)
    char_end: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str | None] = mapped_column(String(300))
    cue: Mapped[str | None] = mapped_column(String(200))
    attribution: Mapped[str | None] = mapped_column(Text)
    # float32 little-endian, unit length: the vector index is rebuilt from these without re-embedding.
    embedding: Mapped[bytes] = mapped_column(LargeBinary)

    article: Mapped[ArticleRow] = relationship(back_populates="passages")


class BlockedDomainRow(Base):
    """A source moderators blocked: never fetched again, its passages never shown (kept, so that
    unblocking brings them back without a re-ingest)."""

    __tablename__ = "blocked_domains"

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    domain_rev: Mapped[str | None] = mapped_column(DOMAIN_KEY)  # as ArticleRow's
    reason: Mapped[str | None] = mapped_column(Text)
    blocked_by: Mapped[int | None] = mapped_column(BigInteger)  # a Discord user; None from the CLI
    blocked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class MetaRow(Base):
    """Key/value facts about the installation, e.g. which embedding model made the vectors."""

    __tablename__ = "index_meta"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
