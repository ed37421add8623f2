"""A claim that names its event by a year is about that event only: the event-time guard.

"Nobody was injured in the 2017 helicopter attack" is about the attack of July 2017. The demo
article reports injuries in Monday's assault on a village in 2018 ("… at least two officers killed
and five injured"), and readers take those sentences for confident refutations
(docs/prereg/event-time.md). A passage that names none of the dated event's words (its year, its
noun, the noun's modifiers) and is set in another year tells of another event, whichever side the
model reads in it, so its side becomes neutral.

When a passage is set: the years it writes; a day of the week or "today", "this week" … dated by
its article's publication year; a passage with neither is set when the sentence before it is (the
sentence after "… rose to notoriety in July 2017 when …" is "No one was injured …", about 2017).
Where none of that says, the passage's time is unknown and the guard leaves it alone.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

from claimbot.index.corpus import shared_nlp
from claimbot.index.stance.model import StanceScore
from claimbot.index.stance.slots import _MONTHS as MONTH_NAMES
from claimbot.index.stance.slots import SlotKind, slots

YEAR = re.compile(r"(?<!\d)(?:1[89]\d\d|20\d\d)(?!\d)")
# The quantity guard's month names, and their abbreviations ("the Sept. 2001 attacks")
_MONTHS = set(MONTH_NAMES) | {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
# A year that modifies a time word ("the 2017 summer", "in May 2017") dates a time, not an event.
_DATE_WORDS = _MONTHS | {"year", "years", "day", "days", "week", "weeks", "month", "months", "summer", "winter",
                         "spring", "autumn", "fall", "decade", "century"}  # fmt: skip
# How a year hangs on the noun it names ("the 2017 attack", "2017's attack") and how the noun's
# own modifiers do ("helicopter", "US-Mexico trucking").
_YEAR_DEPS = {"nummod", "compound", "amod", "npadvmod", "nmod", "poss"}
_MODIFIER_DEPS = {"compound", "amod", "nmod"}
# Times a news sentence sets by its article's date; the years they may fall in, from the article's.
_RELATIVE = re.compile(
    r"\b(?:today|yesterday|tonight|this\s+(?:morning|afternoon|evening|week|weekend|month|year)|"
    r"earlier\s+this\s+(?:week|month|year)|last\s+(?P<recent>night|week|weekend|month)|"
    r"(?P<last>last)\s+year|(?P<next>next)\s+year)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DatedEvent:
    """An event the claim names by its year: "the 2017 helicopter attack" is (2017, {"helicopter", "attack"})."""

    year: int
    words: frozenset[str]


def _event_of(year: Any) -> Any | None:
    """The noun a year token names an event by, or None ("in July 2017" names a time)."""
    head = year.head
    if year.dep_ not in _YEAR_DEPS:
        return None
    # "the July 2017 attack": the year hangs on the month, the month on the event
    if head.lower_ in _MONTHS and head.dep_ in _YEAR_DEPS and head.head.i != head.i:
        head = head.head
    if head.pos_ != "NOUN" or head.lower_ in _DATE_WORDS:
        return None
    return head


def _words(noun: Any) -> frozenset[str]:
    words = {noun.lower_}
    for child in noun.lefts:
        if child.dep_ in _MODIFIER_DEPS:
            for t in child.subtree:
                for part in re.split(r"[-‐–]", t.lower_):
                    if part.isalpha() and part not in _MONTHS and not t.is_stop:
                        words.add(part)
    return frozenset(words)


def read_events(doc: Any) -> list[DatedEvent]:
    out = []
    for token in doc:
        if YEAR.fullmatch(token.text) and (noun := _event_of(token)) is not None:
            out.append(DatedEvent(int(token.text), _words(noun)))
    return out


class EventReader:
    """Reads a claim's dated events on the shared spaCy pipeline, as `CommandReader` parses; a claim
    with no year is not parsed."""

    def __init__(self, nlp: Any = None, lock: threading.Lock | None = None) -> None:
        self._nlp = nlp
        self._lock = lock or threading.Lock()

    def dated_events(self, claim: str) -> list[DatedEvent]:
        if not YEAR.search(claim):
            return []
        nlp, lock = shared_nlp() if self._nlp is None else (self._nlp, self._lock)
        with lock:
            doc = nlp(claim)
        return read_events(doc)


def _stem(word: str) -> str:
    """Enough of a word that its forms share it: "attack" names "attacks" and "attacked"."""
    return word[: max(len(word) - 2, min(len(word), 5))]


_WORD = re.compile(r"[^\W_]+")


def names(events: list[DatedEvent], passage: str) -> bool:
    """Whether the passage names any of the events: its year or one of its words."""
    tokens = [w.lower() for w in _WORD.findall(passage)]
    for event in events:
        if str(event.year) in tokens:
            return True
        if any(t.startswith(_stem(w)) for w in event.words for t in tokens):
            return True
    return False


def _own_years(text: str, published: date | None) -> set[int]:
    found = slots(text)
    years = {int(s.value) for s in found if s.kind == SlotKind.YEAR}
    if published is None:
        return years
    if any(s.kind == SlotKind.WEEKDAY for s in found):
        years.add(published.year)
    for m in _RELATIVE.finditer(text):
        if m.group("last"):
            years.add(published.year - 1)
        elif m.group("next"):
            years.add(published.year + 1)
        else:
            years.add(published.year)
            if m.group("recent"):  # last week, read in early January
                years.add(published.year - 1)
    return years


def passage_years(text: str, previous: str | None, published: date | None) -> frozenset[int]:
    """The years a passage is set in; empty when neither it nor the sentence before it says."""
    years = _own_years(text, published)
    if not years and previous:
        years = _own_years(previous, published)
    return frozenset(years)


def other_event(events: list[DatedEvent], passage: str, previous: str | None, published: date | None) -> bool:
    """The passage tells of another event than the claim's dated ones: it names none of them and is
    set in years that hold none of theirs."""
    if not events or names(events, passage):
        return False
    years = passage_years(passage, previous, published)
    return bool(years) and not years & {e.year for e in events}


def guard_event_time(another: bool, score: StanceScore) -> StanceScore:
    """The score, unless it takes a side on a passage about another event: then neutral (its
    probabilities kept, for the record)."""
    if another and score.label != "neutral":
        return score.without_side()
    return score


def published_date(value: str | None) -> date | None:
    """An article's YYYY-MM-DD publication date, or None when it has none or another form."""
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


# Holds nothing until its first claim with a year: the pipeline is the shared one, loaded under its lock.
_SHARED = EventReader()


def shared_event_reader() -> EventReader:
    return _SHARED
