"""ClaimReview markup (schema.org) on a fact-check page: JSON-LD, microdata or RDFa, read with
`extruct`, into `ClaimReview` records with a rating on claimbot's one scale."""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import courlan

from claimbot.index.factchecks.language import PASSAGE_MIN_SCORE, declared_code, detect_language
from claimbot.index.records import ClaimReview, FactCheckRating, parse_published
from claimbot.index.storage import domain_of

log = logging.getLogger(__name__)

# Published ratings by their words, longest phrases first so that "mostly false" is not read as
# "false". Fact-checkers' scales differ (PolitiFact's "Pants on Fire", the Washington Post's
# Pinocchios, Spanish "Engañoso"); what is not here falls back to the numeric value, else `other`.
_WORDS: list[tuple[FactCheckRating, tuple[str, ...]]] = [
    (
        FactCheckRating.MOSTLY_FALSE,
        (
            "mostly false",
            "mainly false",
            "mostly untrue",
            "barely true",
            "misleading",
            "enganoso",
            "enganosa",
            "mayormente falso",
            "casi falso",
            "trompeur",
            "plutot faux",
            "irrefuhrend",
            "irrefuehrend",
            "three pinocchios",
        ),
    ),
    (
        FactCheckRating.MIXED,
        (
            "half true",
            "half-true",
            "mixture",
            "mixed",
            "partly true",
            "partly false",
            "partially true",
            "partially false",
            "missing context",
            "needs context",
            "media verdad",
            "verdad a medias",
            "parcialmente",
            "en parte",
            "a medias",
            "two pinocchios",
            "teilweise",
            "en partie",
        ),
    ),
    (
        FactCheckRating.MOSTLY_TRUE,
        (
            "mostly true",
            "mostly correct",
            "mainly true",
            "mayormente verdadero",
            "casi verdadero",
            "plutot vrai",
            "one pinocchio",
        ),
    ),
    (
        FactCheckRating.FALSE,
        (
            "pants on fire",
            "false",
            "fake",
            "incorrect",
            "not true",
            "untrue",
            "wrong",
            "four pinocchios",
            "falso",
            "falsa",
            "bulo",
            "mentira",
            "faux",
            "falsch",
        ),
    ),
    (
        FactCheckRating.TRUE,
        ("true", "correct", "accurate", "verdadero", "verdadera", "cierto", "verdade", "vrai", "wahr", "richtig"),
    ),
]
_SCHEMA_ORG = ("https://schema.org/", "http://schema.org/")
_REVIEW_TYPES = {"ClaimReview", *(f"{p}ClaimReview" for p in _SCHEMA_ORG)}
# The most reviews kept from one page. A fact-check page reviews a claim, a round-up a few dozen;
# markup of thousands is a dump or spam, and each review is encoded at ingest (about 59 a second):
# a page of 20,000 held its ingest for over five minutes and filled the store with its reviews.
MAX_REVIEWS_PER_PAGE = 100


def _fold(text: str) -> str:
    """Lower case without accents: "Engañoso" and "enganoso" are one word here."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_rating(text: str | None, value: float | None, best: float | None, worst: float | None) -> FactCheckRating:
    """The rating on claimbot's scale: by its published words first (the numbers mean different
    things on different scales), else by where the value sits between worst and best."""
    if text:
        folded = _fold(text)
        for rating, phrases in _WORDS:
            if any(re.search(rf"\b{re.escape(p)}\b", folded) for p in phrases):
                return rating
    # A number outside its scale, or not a number at all ("NaN", "Infinity"), says nothing.
    if (
        value is not None
        and best is not None
        and worst is not None
        and all(math.isfinite(n) for n in (value, best, worst))
        and worst <= value <= best
        and worst < best
    ):
        share = (value - worst) / (best - worst)
        for bound, rating in (
            (0.9, FactCheckRating.TRUE),
            (0.65, FactCheckRating.MOSTLY_TRUE),
            (0.4, FactCheckRating.MIXED),
            (0.15, FactCheckRating.MOSTLY_FALSE),
        ):
            if share >= bound:
                return rating
        return FactCheckRating.FALSE
    return FactCheckRating.OTHER


def claim_reviews(html: str, page_url: str | None = None, language: str | None = None) -> list[ClaimReview]:
    """Every ClaimReview on the page with a claim in it; markup that cannot be read is skipped."""
    import extruct

    try:
        data = extruct.extract(html, base_url=page_url, syntaxes=["json-ld", "microdata", "rdfa"], uniform=True)
    except Exception:  # noqa: BLE001 - broken markup must not stop the page's text from being indexed
        log.info("could not read the structured data of %s", page_url, exc_info=True)
        return []
    reviews: list[ClaimReview] = []
    # Each claim's reviews so far by the URL they name (None: none, the page's stands in). A page
    # often writes one review twice, in JSON-LD and in microdata that names no URL: the same review.
    seen: dict[str, set[str | None]] = {}
    items = [*data.get("json-ld", []), *data.get("microdata", []), *map(_compacted, data.get("rdfa", []))]
    nodes = _identified(items)
    for item in items:
        for node in _review_nodes(item):
            review = _review(node, page_url, language, nodes)
            if review is None:
                continue
            own_url = review.url if review.url != page_url else None
            urls = seen.get(review.claim_reviewed)
            if urls is None or (own_url is not None and None not in urls and own_url not in urls):
                if len(reviews) == MAX_REVIEWS_PER_PAGE:
                    log.warning(
                        "%s: more than %d ClaimReviews on the page; the first %d are kept",
                        page_url or "a page",
                        MAX_REVIEWS_PER_PAGE,
                        MAX_REVIEWS_PER_PAGE,
                    )
                    return reviews
                seen.setdefault(review.claim_reviewed, set()).add(own_url)
                reviews.append(review)
    return reviews


def _review_nodes(node: Any) -> Iterator[dict[str, Any]]:
    """ClaimReview objects wherever they sit: top level, in an @graph, in a list."""
    if isinstance(node, list):
        for n in node:
            yield from _review_nodes(n)
    elif isinstance(node, dict):
        types = node.get("@type")
        types = types if isinstance(types, list) else [types]
        if any(t in _REVIEW_TYPES for t in types):
            yield node
        for key in ("@graph", "mainEntity", "review"):
            if key in node:
                yield from _review_nodes(node[key])


def _compacted(node: Any) -> Any:
    """An RDFa node as extruct gives it, expanded ("https://schema.org/claimReviewed": [{"@value":
    ...}]), in the compact form JSON-LD and microdata come in; what it points to stays an @id."""
    if not isinstance(node, dict):
        return node
    compact: dict[str, Any] = {}
    for key, value in node.items():
        name = next((key[len(p) :] for p in _SCHEMA_ORG if key.startswith(p)), key)
        if isinstance(value, list) and key != "@type":
            values = [v["@value"] if isinstance(v, dict) and "@value" in v else v for v in value]
            value = values[0] if len(values) == 1 else values
        compact[name] = value
    return compact


def _identified(items: list[Any]) -> dict[str, dict[str, Any]]:
    """Every node of the page's markup that has an @id and says more than it, by its @id."""
    nodes: dict[str, dict[str, Any]] = {}
    stack: list[Any] = list(items)
    while stack:  # not recursive: nesting as deep as the JSON parser allows must not overflow here
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            if isinstance(value.get("@id"), str) and not _is_reference(value):
                nodes.setdefault(value["@id"], value)
            stack.extend(value.values())
    return nodes


def _is_reference(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("@id"), str) and set(value) <= {"@id", "@type"}


def _resolved(value: Any, nodes: dict[str, dict[str, Any]]) -> Any:
    """A value given by reference ({"@id": ...}, as site plugins point to the publisher written
    once in the @graph) as the node it names; a list's references too."""
    if isinstance(value, list):
        return [_resolved(v, nodes) for v in value]
    return nodes.get(value["@id"], value) if _is_reference(value) else value


def _text(value: Any) -> str | None:
    """A name or text whichever shape it comes in (string, {"name": ...}, a list of either)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("alternateName")
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _link(value: Any) -> str | None:
    """A URL written as text, or as RDFa writes a link: {"@id": URL}."""
    value = value[0] if isinstance(value, list) and value else value
    return _text(value["@id"] if _is_reference(value) else value)


def _number(value: Any) -> float | None:
    """A finite number, else None: "NaN" and "Infinity" are no rating (nor storable as one)."""
    try:
        number = float(str(value).strip()) if value is not None and str(value).strip() else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _date(value: Any) -> dt.date | None:
    """The day of an ISO 8601 date or timestamp, or of a spelling news metadata uses ("March 2,
    2026"), as an article's date is read; None for what is none of them."""
    text = _text(value)
    if not text:
        return None
    for read in (lambda t: dt.date.fromisoformat(t[:10]), parse_published):
        try:
            return read(text)
        except ValueError:
            continue
    return None


def _review(
    node: dict[str, Any], page_url: str | None, page_language: str | None, nodes: dict[str, dict[str, Any]]
) -> ClaimReview | None:
    claim = _text(node.get("claimReviewed"))
    if not claim:
        return None
    rating = _resolved(node.get("reviewRating"), nodes)
    rating = rating[0] if isinstance(rating, list) and rating else rating
    # A bare string ("reviewRating": "Mostly true") is the rating's words.
    rating = {"alternateName": rating} if isinstance(rating, str) else rating
    rating = rating if isinstance(rating, dict) else {}
    item = _resolved(node.get("itemReviewed"), nodes)
    item = item[0] if isinstance(item, list) and item else item
    item = item if isinstance(item, dict) else {}
    text = _text(rating.get("alternateName")) or _text(rating.get("ratingExplanation"))
    value, best, worst = (_number(rating.get(k)) for k in ("ratingValue", "bestRating", "worstRating"))
    url = _link(node.get("url")) or page_url
    url = url if url and url.startswith(("http://", "https://")) and len(url) <= 2048 else page_url
    claimant = _text(_resolved(item.get("author"), nodes))
    reviewer = _reviewer(node, nodes)
    site = _site(page_url)
    if url != page_url and site is not None and _site(url) != site:
        # Any page can write markup naming a review on another site ("url": reuters.com, "author":
        # Reuters): the answer linked there and credited that site with a rating read elsewhere.
        # The review is linked where it was read, and credited as published there.
        url = page_url
        reviewer = f"{reviewer[:200]} (as published on {site})" if reviewer else site
    language = _text(node.get("inLanguage"))
    # Cut to the columns' widths: PostgreSQL refuses a longer value and would fail the page's ingest.
    return ClaimReview(
        claim_reviewed=claim[:1000],
        claimant=claimant[:300] if claimant else None,
        rating_text=text[:200] if text else None,
        rating_value=value,
        best_rating=best,
        worst_rating=worst,
        rating=normalise_rating(text, value, best, worst),
        reviewer=reviewer[:300] if reviewer else None,
        reviewed_on=_date(node.get("datePublished")),
        url=url,
        language=(language or _page_language(page_language, claim) or "")[:35] or None,
    )


def _site(url: str | None) -> str | None:
    """What one publisher controls of a URL: its registered domain (news.bbc.co.uk -> bbc.co.uk, by
    courlan's reading of the public suffix list), else its host (an address, a suffix the list lacks)."""
    if not url:
        return None
    return courlan.extract_domain(url) or domain_of(url)


def _reviewer(node: dict[str, Any], nodes: dict[str, dict[str, Any]]) -> str | None:
    """The fact-checking organisation: the review's author (as Google asks it to be written), else
    its publisher where the author is missing or a person, whose name alone does not tell a reader
    which outlet checked the claim; a person's name where that is all there is."""
    author = _resolved(node.get("author"), nodes)
    first = author[0] if isinstance(author, list) and author else author
    types = first.get("@type") if isinstance(first, dict) else None
    # "Person", or as RDFa names it, "https://schema.org/Person"
    person = any(str(t).rsplit("/", 1)[-1] == "Person" for t in (types if isinstance(types, list) else [types]))
    if author is None or person:
        return _text(_resolved(node.get("publisher"), nodes)) or _text(author)
    return _text(author)


def _page_language(declared: str | None, claim: str) -> str | None:
    """The page's declared language for a review that names none, unless the claim clearly reads as
    another: a site template's `lang="en"` around a Spanish claim would otherwise outrank what the
    claim's own words tell (`_language_of` trusts a stored code over detection)."""
    if not declared:
        return None
    detected = detect_language(claim, PASSAGE_MIN_SCORE)
    return declared if detected is None or detected == declared_code(declared) else None
