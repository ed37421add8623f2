"""Typed objects that cross module boundaries.

`CheckResult` is what `claimbot check --json` prints: its JSON is a stable schema that later
stages (stance, attribution) and tools depend on.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal
from urllib.parse import urlsplit

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator

Stance = Literal["supports", "refutes", "neutral"]
Verdict = Literal["supported", "refuted", "disputed", "unverified"]
PassageKind = Literal["text", "caption"]
# How a passage stands: in the outlet's own voice, or reported from its speaker ("X said …").
Voice = Literal["own", "reported"]


_DATE_FORMS = ("%Y/%m/%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y")


# Bounds of an article's metadata, in characters (a real headline is under 200).
FIELD_MAX_CHARS = {"title": 300, "outlet": 120, "author": 200, "language": 35}
URL_MAX_CHARS = 2_048


class FactCheckRating(StrEnum):
    """A published rating on one scale: fact-checkers' own words ("Pants on Fire", "Engañoso")
    differ by outlet and language."""

    TRUE = "true"
    MOSTLY_TRUE = "mostly true"
    MIXED = "mixed"
    MOSTLY_FALSE = "mostly false"
    FALSE = "false"
    OTHER = "other"


def _without_nul(fields: object) -> object:
    """The fields with NUL characters removed from their strings: PostgreSQL refuses them in text
    (SQLite would store them), and no article or review means one."""
    if not isinstance(fields, dict):
        return fields
    return {k: v.replace("\x00", "") if isinstance(v, str) else v for k, v in fields.items()}


class ClaimReview(BaseModel):
    """One published fact-check (schema.org ClaimReview) as read from a page."""

    @model_validator(mode="before")
    @classmethod
    def _strip_nul(cls, fields: object) -> object:
        return _without_nul(fields)

    claim_reviewed: str
    claimant: str | None = None  # who made the claim (itemReviewed.author)
    rating_text: str | None = None  # the rating as published (reviewRating.alternateName)
    rating_value: float | None = None
    best_rating: float | None = None
    worst_rating: float | None = None
    rating: FactCheckRating = FactCheckRating.OTHER
    reviewer: str | None = None  # the fact-checking organisation
    reviewed_on: dt.date | None = None
    url: str | None = None
    language: str | None = None


class FactCheck(ClaimReview):
    """A stored fact-check: its id, and the article (the fact-check page) it came with."""

    id: int
    article_id: int | None = None


class FactCheckMatch(BaseModel):
    """A stored fact-check whose reviewed claim says what the checked claim says."""

    fact_check: FactCheck
    similarity: float  # cosine of the two claims in the multilingual encoder


def parse_published(value: str) -> dt.date | None:
    """A publication date as sources and `ingest --published` write it: YYYY-MM-DD, a timestamp
    (its day is kept), or one of the spellings news metadata uses; None for a blank one."""
    value = value.strip()
    if not value:
        return None
    # Sources give full timestamps ("2018-01-15T10:00:00Z"); only the day is kept.
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ].*)?", value):
        try:
            # the whole stamp is read, so that "2018-01-15 garbage" or an hour 25 is no date; a zone
            # written as a word ("10:00:00 UTC", as exports write it) is not ISO's and is left out
            return dt.datetime.fromisoformat(re.sub(r"\s+(?:UTC|GMT)$", "", value)).date()
        except ValueError:
            raise ValueError(f"not a date: {value!r} (write YYYY-MM-DD)") from None
    for form in _DATE_FORMS:  # the spellings news metadata uses besides ISO 8601
        try:
            return dt.datetime.strptime(value, form).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {value!r} (write YYYY-MM-DD)")


# "0001-01-01" or "0218-05-01" is a placeholder or a typo in the year (newspaper archives reach back
# to the 1700s), and would make the article every dispute's "older reporting".
EARLIEST_PUBLISHED = dt.date(1700, 1, 1)


def latest_published() -> dt.date:
    """The latest publication date taken: tomorrow, a day's leeway for time zones."""
    return dt.date.today() + dt.timedelta(days=1)


def implausible_published(day: dt.date) -> str | None:
    """Why a publication date cannot be one ("is in the future", "is before 1700"), or None. A typo in
    the year ("2030") would make the article the "newer reporting" of every dispute it takes part in,
    and the corpus's newest date."""
    if day > latest_published():
        return "is in the future"
    if day < EARLIEST_PUBLISHED:
        return f"is before {EARLIEST_PUBLISHED.year}"
    return None


class ArticleInput(BaseModel):
    """One article as read from a source, before it is split and indexed."""

    model_config = ConfigDict(extra="forbid")

    text: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: dt.date | None = None
    language: str | None = None
    origin: str = ""  # the file path, file:line or URL it came from, for messages
    # The absolute path of the file that holds this article alone (.txt, .md, .html; not a JSONL
    # line): re-ingested after an edit, the file replaces its article as a page at its URL does.
    source_file: str | None = None
    fact_checks: list[ClaimReview] = []  # ClaimReview markup found on the page

    @model_validator(mode="before")
    @classmethod
    def _strip_nul(cls, fields: object) -> object:
        return _without_nul(fields)

    @field_validator("published", mode="before")
    @classmethod
    def _parse_date(cls, value: object) -> object:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, int | float):
            # pydantic would read a number as a Unix timestamp: 0 became 1970-01-01 unnoticed
            raise ValueError("a date is written YYYY-MM-DD")
        if not isinstance(value, str):
            return value
        return parse_published(value)

    @field_validator("published")
    @classmethod
    def _not_in_the_future(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and (problem := implausible_published(value)):
            raise ValueError(f"{value.isoformat()} {problem}; write the day it was published (YYYY-MM-DD)")
        return value

    @field_validator("title", "url", "outlet", "author", "language", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("a text, not a number")  # JSON's NaN would become the title "nan"
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # a title such as 1984 given as a JSON number
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("title", "outlet", "author", "language")
    @classmethod
    def _bounded(cls, value: str | None, info: ValidationInfo) -> str | None:
        # The title is copied into every passage's context and embedded text: a megabyte <title>
        # would be stored once per passage. Cut, not refused: the article itself may be fine.
        limit = FIELD_MAX_CHARS[info.field_name or ""]
        if value is None or len(value) <= limit:
            return value
        cut = " ".join(value[: limit + 1].split()[:-1]) or value[:limit]
        return cut[: limit - 1].rstrip() + "…"

    @field_validator("url")
    @classmethod
    def _url_bounded(cls, value: str | None) -> str | None:
        return None if value is None else checked_url(value)


def checked_url(value: str) -> str:
    """An article's URL as given, or ValueError saying why it cannot be one (also `ingest --url`,
    checked before anything is read)."""
    if len(value) > URL_MAX_CHARS:
        raise ValueError(f"a URL longer than {URL_MAX_CHARS:,} characters ({len(value):,})")
    # The URL names the article's source (domain): one without a scheme ("www.cnn.com/x") has no
    # host, so blocking its domain would never hide it, and it links nowhere.
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {value!r} (write it whole, e.g. https://www.example.com/news/a)")
    # Shown in every answer that cites the article: a user name and password would be published.
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"a URL with a user name or password: {value!r} (give it without them)")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
    except ValueError:
        raise ValueError(f"not a valid port in {value!r}") from None
    return value


@dataclass(frozen=True)
class Sentence:
    """A sentence of an article's text with its character offsets into that text."""

    text: str
    char_start: int
    char_end: int
    paragraph: int
    position: int  # index of the sentence in the article
    kind: PassageKind = "text"


@dataclass(frozen=True)
class PassageDraft:
    """A sentence ready to store: what to show, what to search and what to embed."""

    sentence: Sentence
    embed_text: str  # what is embedded: the sentence with what a reader needs to place it
    context: str  # searched beside the sentence with a lower weight: title, previous statement
    speaker: str | None = None
    cue: str | None = None
    attribution: str | None = None


@dataclass(frozen=True)
class FactCheckDraft:
    """A fact-check ready to store with its page: the review and its claim's vector."""

    review: ClaimReview
    vector: np.ndarray = field(repr=False)
    model: str  # the encoder that made the vector


@dataclass(frozen=True)
class Hit:
    """A passage found for a claim, before stance."""

    passage_id: int
    relevance: float
    dense_rank: int | None = None
    lexical_rank: int | None = None


@dataclass
class IngestReport:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    failed: int = 0
    passages: int = 0
    fact_checks: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    # The articles this run wrote (added or replaced): what is new, for the watched claims.
    article_ids: list[int] = field(default_factory=list)


class ArticleRef(BaseModel):
    id: int
    title: str | None
    outlet: str | None
    url: str | None
    published: str | None  # YYYY-MM-DD


class StanceProbs(BaseModel):
    supports: float
    refutes: float
    neutral: float


class PassageResult(BaseModel):
    text: str
    relevance: float  # fused rank score, 1.0 for a passage ranked first by both searches
    similarity: float | None = None  # cosine of the claim's and the passage's embeddings
    stance: Stance | None = None
    probs: StanceProbs | None = None
    # the side is sure enough to count towards the verdict (calibrated probability threshold)
    confident: bool = False
    speaker: str | None = None
    cue: str | None = None
    attribution: str | None = None
    voice: Voice = "own"
    # a paragraph that does not end as a statement does: a photo caption ("… in Caracas, Venezuela.
    # Fernando Llano AP") describes a picture, not what the article reports; so do an embedded post's
    # date line and a heading. Shown, never confident, so it never decides a verdict
    kind: PassageKind = "text"
    article: ArticleRef
    char_start: int
    char_end: int


class CorpusSummary(BaseModel):
    """What a check searched: on every answer, so a reader knows how current it is."""

    articles: int
    passages: int
    # distinct sources: an article's domain, or its outlet when it has no URL; an article with neither
    # (a plain-text file) counts as a source of its own
    sources: int = 0
    outlet_count: int = 0  # distinct outlets
    outlets: list[str] = []  # the most frequent, most first
    oldest: str | None = None  # YYYY-MM-DD of the oldest and newest dated articles
    newest: str | None = None
    # Where nothing could be searched (articles 0): the articles held outside the collections
    # searched or from blocked sources, so that "nothing searchable" does not read as "empty".
    unsearched: int = 0


class Coverage(StrEnum):
    """How far the corpus answers a claim; `no_coverage` and `unclear` both have the verdict "unverified"
    and must not read alike: the first says nothing indexed is about the claim, the second that
    passages are about it but none decides it."""

    NO_COVERAGE = "no_coverage"  # no passage relevant enough to show
    UNCLEAR = "unclear"  # relevant passages, none confidently on a side
    DECIDED = "decided"  # confident passages on one side or both (supported, refuted, disputed)
    UNJUDGED = "unjudged"  # passages found, stance not run (`check(stance=False)`)


class CheckResult(BaseModel):
    claim: str
    # The claim as read from the post where the reading changed it ("BREAKING: Pérez KILLED 😱
    # https://…" is read as "Pérez killed"): what was searched and judged. None: read as typed.
    read_as: str | None = None
    verdict: Verdict | None = None
    reason: str | None = None  # the verdict in one sentence: how many passages on each side, and who says so
    passages: list[PassageResult]
    # None only in answers stored before it existed.
    coverage: Coverage | None = None
    # What was searched (articles, sources, the newest article's date): set on every answer.
    corpus: CorpusSummary | None = None
    # Published fact-checks of the same claim, newest first; shown before the passages, never
    # instead of them.
    fact_checks: list[FactCheckMatch] = []
    language: str | None = None  # the claim's language (ISO 639-1) where it could be told
    # False when the stance model cannot read the claim's language: passages are shown as related,
    # without a side, and there is no verdict.
    judged: bool = True
    # The version of the stance model that judged the passages (two readers ship: the fast default
    # and the accurate one, CLAIMBOT_STANCE_READER); None when none did, and in older stored answers.
    stance_model: str | None = None


class RemovedArticle(BaseModel):
    """An article named for removal, as it was."""

    id: int
    url: str | None
    title: str | None
    collection: str
    passages: int


# The line of `sources list` for the articles with neither a URL nor an outlet (plain-text files):
# an answer counts each of them as a source of its own, since nothing says two are from one place.
NO_SOURCE = "(no URL or outlet)"


class SourceStat(BaseModel):
    """One line of `claimbot sources list`."""

    source: str  # the domain, or the outlet of articles without a URL, or NO_SOURCE
    domain: str | None  # None for an outlet: only domains can be blocked
    articles: int
    newest: str | None  # YYYY-MM-DD of its newest dated article
    blocked: bool
