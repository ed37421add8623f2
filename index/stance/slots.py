"""The claim's numbers and dates compared with the passage's, before the model's side is shown.

A 6-layer cross-encoder reads "a budget of about 10 million dollars" as supporting "a 50 million
dollar budget": the sentences share every other word. When the claim states a quantity of some kind
(an amount of money, a percentage, a count, a year, a month, a day of the week) and the passage
states quantities of that kind but none equal to the claim's, the passage cannot support the claim:
`check` shows it as neutral at most (the model may still find it refutes). Equal means the same value up to rounding
("2.5 million" and "2,500,000"; "about 10 million" and "10 million").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from claimbot.index.stance.model import StanceScore
from claimbot.index.stance.polarity import agreed, opposed


class SlotKind(StrEnum):
    MONEY = "money"
    PERCENT = "percent"
    POINTS = "points"  # percentage points, a lead or a poll margin: not a share
    COUNT = "count"
    YEAR = "year"
    MONTH = "month"
    WEEKDAY = "weekday"  # "on Monday": news dates events by the day of the week more often than by date


@dataclass(frozen=True)
class Slot:
    kind: SlotKind
    value: float
    approximate: bool = False  # "about 10 million": equal to anything within 15 %


_SCALE = {
    "hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "k": 1e3, "m": 1e6, "bn": 1e9,
    "mln": 1e6, "mn": 1e6, "bln": 1e9,
}  # fmt: skip
_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_MONTHS = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
]  # fmt: skip
# A number: no figure just before it, none within reach after it ("1234x5" states no amount), a word
# number not inside a word. The number is atomic, its thousands groups and the look-ahead bounded:
# each start and each length of a run of figures was tried against the rest of the line, cubic time
# ("1" * 2000 + "x1" took 21 s).
_TENS = [w for w, n in _WORDS.items() if n >= 20]
_UNITS = [w for w, n in _WORDS.items() if n < 10]
# ".5%" is half a percent, not 5 %. A decimal comma ("2,9%", `dec`) is read only after a currency sign or
# before a unit or a scale: alone, "at 13,14 or 15" is a list. Thousands are grouped by commas or by a
# no-break or thin space ("2 000"), never by an ordinary one: "50 155mm shells" is two numbers.
_NUMBER = re.compile(
    r"(?P<cur>(?:[$£€¥₹]|\b(?:USD|EUR|GBP|JPY|INR|Rs\.?)(?=\s?\d))\s?)?"
    r"(?P<num>(?>(?<!\d)(?:\d{1,3}(?:,\d{3}){1,10}(?:\.\d+)?|\d{1,3}(?:[\u00a0\u202f\u2009]\d{3}){1,10}(?:\.\d+)?"
    r"|(?P<dec>(?:(?<=[$£€¥₹])|(?<=[$£€¥₹]\s))\d{1,3},\d{1,2}|\d{1,3},\d{1,2}(?=\s*-?\s*(?:%|per\s?cent\b|percentage\b"
    r"|points?\b|(?:[mb]illion|trillion|thousand|bln|mln|bn|mn|m)\b|dollars?\b|euros?\b|pounds\b|yen\b|yuan\b)))"
    r"|\d+(?:\.\d+)?|\.\d+)|(?<![^\W\d_])(?:"
    # "twenty-five" is one number, tried before "twenty"
    + f"(?:{'|'.join(_TENS)})-(?:{'|'.join(_UNITS)})|"
    + "|".join(sorted(_WORDS, key=len, reverse=True))
    + r")))(?![\w.,]{0,100}?\d)"
    r"(?:\s*-?\s*(?P<scale>hundred|thousand|million|billion|trillion|bln|mln|bn|mn|k|m)\b"
    r"(?:\s+(?P<scale2>thousand|million|billion|trillion)\b)?)?"  # "five hundred thousand"
    r"(?:\s*-?\s*(?P<unit>%|percentage points?\b|percent\b|per cent\b|points?\b|dollars?\b|euros?\b|pounds\b|usd\b|yen\b|yuan\b|rupees?\b))?",
    re.IGNORECASE,
)
# "May" is a month only next to a day or a year, or after in/since/until/by ("may" is mostly a verb).
# After a day ("on 5 May", "the 12th of February") it is capitalised: "up to 5 may attend" is a verb.
_MONTH = re.compile(
    r"\b(?:(?:in|since|until|by|early|late|mid|last|next|this)\s+(?P<a>" + "|".join(_MONTHS) + r")\b|"
    r"(?P<b>" + "|".join(_MONTHS) + r")\s+(?:\d{1,2}\b|\d{4}\b)|"
    r"(?<!\d)\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?-i:(?P<c>" + "|".join(m.title() for m in _MONTHS) + r"))\b)",
    re.IGNORECASE,
)


_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# Capitalised, as English writes a day ("may" and "march" are what `_MONTH` must guard against; a
# day name in lower case is rare and no verb), singular or plural, with the capitalised words beside
# it (`_weekdays`). The word before is possessive: re-scanned from every word start, a long run of
# hyphenated capitals took seconds.
_WEEKDAY = re.compile(
    r"(?:\b(?P<before>[A-Z][\w'’-]*+)\s+)?\b(?P<day>"
    + "|".join(d.title() for d in _WEEKDAYS)
    + r")s?\b(?P<next>\s+[A-Z])?"
)
# Capitalised words that may stand before a day at the start of a sentence ("On Monday, …", "Late
# Friday …"); any other capitalised word before it makes it part of a name ("Super Tuesday").
_BEFORE_DAY = {
    "on", "by", "late", "early", "last", "next", "this", "since", "until", "till", "from", "before", "after",
    "every", "each", "through", "starting", "beginning", "as", "of", "that", "and", "but", "or",
}  # fmt: skip


def slots(text: str) -> set[Slot]:
    """The quantities a sentence states, by kind."""
    return set(_slots(text))


@lru_cache(maxsize=4096)
def _slots(text: str) -> frozenset[Slot]:
    """Read once per text: `guard_sides` asks for the claim's and the passage's for every view."""
    found: set[Slot] = set()
    for m in _NUMBER.finditer(text):
        raw = m.group("num").lower()
        grouped = not m.group("dec") and any(sep in raw for sep in ",\u00a0\u202f\u2009")
        raw = raw.replace(",", ".") if m.group("dec") else re.sub(r"[,\u00a0\u202f\u2009]", "", raw)
        start, end = m.start("num"), m.end("num")
        worded = raw[0].isalpha()
        # a word number must stand alone: "one" in "someone" or "no one" is not a count, and
        # "forty-five-year-old" is no count either
        if worded and (_is_inside_word(text, start, end) or _after_no(text, start) or _hyphenated(text, start, end)):
            continue
        # a label ("COVID-19", "G7"), a day, a time or a date in figures states no amount
        if not worded and (
            _labelled(text, start) or (not (m.group("scale") or m.group("unit")) and _not_a_quantity(text, start, end))
        ):
            continue
        # a bound ("more than 100", "at least 150") is not the value itself; "about" is kept, approximate
        if _bounded(text, m.start()):
            continue
        approx = bool(_APPROX.search(text[max(0, m.start() - 24) : m.start()]))
        value = float(sum(_WORDS[w] for w in raw.split("-"))) if worded else float(raw)
        scale = m.group("scale")
        if scale and scale.lower() == "m" and not m.group("cur"):
            # "a 9 m wall" is metres, "1.5m people" a million-and-a-half: either, so both are
            # read (the passage is then equal to the claim's value if either is)
            found.add(Slot(SlotKind.COUNT, value * _SCALE["m"], approx))
            scale = None
        if scale:
            value *= _SCALE[scale.lower()] * (_SCALE[m.group("scale2").lower()] if m.group("scale2") else 1)
        unit = (m.group("unit") or "").lower()
        if unit in ("%", "percent", "per cent"):
            found.add(Slot(SlotKind.PERCENT, value, approx))
        elif unit.startswith(("percentage", "point")):
            found.add(Slot(SlotKind.POINTS, value, approx))
        elif m.group("cur") or unit.startswith(("dollar", "euro", "pound", "usd", "yen", "yuan", "rupee")):
            found.add(Slot(SlotKind.MONEY, value, approx))
        elif not scale and not grouped and raw.isdigit() and len(raw) == 4 and 1800 <= value <= 2100:
            found.add(Slot(SlotKind.YEAR, value, approx))
        else:
            found.add(Slot(SlotKind.COUNT, value, approx))
    for m in _MONTH.finditer(text):
        name = (m.group("a") or m.group("b") or m.group("c")).lower()
        found.add(Slot(SlotKind.MONTH, float(_MONTHS.index(name) + 1)))
    for day in _weekdays(text):
        found.add(Slot(SlotKind.WEEKDAY, float(_WEEKDAYS.index(day.lower()) + 1)))
    return frozenset(found)


def _weekdays(text: str) -> list[str]:
    """The days of the week a text dates something by, not those inside a name: before a capitalised
    word ("Sunday Times", "Monday Night Football") or after one that is no time word ("Super Tuesday",
    "Good Friday"; "On Monday" and "Late Friday" are read)."""
    out = []
    for m in _WEEKDAY.finditer(text):
        before = m.group("before")
        if m.group("next") or (before and before.lower() not in _BEFORE_DAY):
            continue
        out.append(m.group("day"))
    return out


_MONTH_BEFORE = re.compile(
    r"\b(?:" + "|".join(_MONTHS) + r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?\s*$", re.IGNORECASE
)


def _not_a_quantity(text: str, start: int, end: int) -> bool:
    """A day of the month ("January 15"), an ordinal ("15th"), a time ("11:05"), a fraction or a
    date in figures ("9/11"): digits that state no amount."""
    before, after = text[max(0, start - 12) : start], text[end : end + 1]
    day = _MONTH_BEFORE.search(before) or _MONTH_AFTER.match(text[end : end + 12])
    return (end - start <= 2 and bool(day)) or after.isalpha() or after in ("/", ":") or before.endswith(("/", ":"))


_BOUND = re.compile(
    r"\b(?:(?:more|fewer|less|greater|higher|lower) than|over|under|above|below|up to|at least|at most|as many as|"
    r"as much as|upwards of)\s*$",
    re.IGNORECASE,
)
_APPROX = re.compile(r"\b(?:about|around|almost|nearly|roughly|approximately|some|an estimated|close to)\s*$", re.I)
_MONTH_AFTER = re.compile(r"^\s*(?:" + "|".join(_MONTHS) + r")\b", re.IGNORECASE)


def _bounded(text: str, start: int) -> bool:
    return bool(_BOUND.search(text[max(0, start - 24) : start]))


def _labelled(text: str, start: int) -> bool:
    """Digits glued to a name: "COVID-19", "G7", "F-35"."""
    before = text[max(0, start - 2) : start]
    return bool(before) and (before[-1].isalpha() or (before[-1] == "-" and before[:1].isalpha()))


def _hyphenated(text: str, start: int, end: int) -> bool:
    return (start > 0 and text[start - 1] == "-") or (end < len(text) and text[end] == "-")


def _is_inside_word(text: str, start: int, end: int) -> bool:
    return (start > 0 and text[start - 1].isalpha()) or (end < len(text) and text[end].isalpha())


_NO_BEFORE = re.compile(r"\b(?:no|any|every|some)$", re.IGNORECASE)


def _after_no(text: str, start: int) -> bool:
    """After "no", "any", "every" or "some" ("no one"): back over the spaces, then one word (the whole
    text before each word number was searched: quadratic in a run of them)."""
    end = start
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return bool(_NO_BEFORE.search(text, max(0, end - 6), end))


def _equal(kind: SlotKind, a: Slot, b: Slot) -> bool:
    """Years and months exactly; amounts up to rounding of large figures, or within 15 % when
    either is approximate ("about 10 million")."""
    big = max(abs(a.value), abs(b.value))
    if a.approximate or b.approximate:
        return abs(a.value - b.value) <= 0.15 * big
    if kind in (SlotKind.YEAR, SlotKind.MONTH) or big < 1000:
        return a.value == b.value
    return abs(a.value - b.value) <= 0.005 * big


def mismatched(claim: str, passage: str) -> list[SlotKind]:
    """The kinds of quantity the claim states and the passage states too, but never with the
    claim's value: a passage with such a mismatch cannot support the claim."""
    claim_slots, passage_slots = _slots(claim), _slots(passage)
    out = []
    for kind in SlotKind:
        wanted = [s for s in claim_slots if s.kind == kind]
        stated = [s for s in passage_slots if s.kind == kind]
        if wanted and stated and not any(_equal(kind, w, s) for w in wanted for s in stated):
            out.append(kind)
    return out


def guard_sides(claim: str, passage: str, score: StanceScore) -> StanceScore:
    """The model's score for one view, unless it supports the claim across a quantity mismatch or an
    opposite predicate (`polarity.opposed`), or refutes a claim whose predicate and every other word
    the passage states with no quantity mismatch (`polarity.agreed`): then neutral (its probabilities
    kept, for the record). `passage` is the whole passage: applied to each of its views before the
    view is picked, so that another view's side still can be."""
    if score.label == "supports" and (mismatched(claim, passage) or opposed(claim, passage)):
        return score.without_side()
    if score.label == "refutes" and agreed(claim, passage) and not mismatched(claim, passage):
        return score.without_side()
    return score
