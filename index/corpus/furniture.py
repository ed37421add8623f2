"""Page furniture: lines a news page carries that are not statements of the article.

"Related Stories …" link lists, "MORE: …" teasers, "Click for more", "Follow her at …", bylines,
credits, copyright lines, section labels ("ABSTRACT.", "FULL TEXT."), datelines standing alone
("Washington (AFP)") and rules of punctuation. Indexed as passages they are retrieved for claims that
share their words (a link list shares many), and the stance model reads them as statements; they are
never indexed (docs/stance-model.md, "Page furniture", has the counts on FNC-1 and PolNeAR dev bodies).

Conservative by design: each pattern matches the whole line's shape, not a word inside a statement
("By the time the debates began, …" and "Photos of the meals appear on …" are statements).
"""

from __future__ import annotations

import re

# A teaser or link list: the marker, then a headline (often glued on: "RelatedIsis Offers Cash …").
_LINK_LIST = re.compile(
    r"^(?:related(?: stories| articles| coverage| content| links| news| posts)?|read more|see also|also read|"
    r"recommended(?: for you)?|trending(?: now)?|most (?:read|popular)|you may also like)"
    r"(?:\s*[:|>»-]|\s*$|(?-i:(?=[A-Z])))",
    re.IGNORECASE,
)
_SHOUTED_MORE = re.compile(
    r"^(?:MORE|READ MORE|SEE ALSO|RELATED|WATCH|LISTEN|PHOTOS|VIDEO|[Mm]ore from [^:]{1,40})\s*:"
)
_CALLS_TO_ACTION = re.compile(
    r"^(?:click (?:here|for more)|follow (?:him|her|them|us|me|the author)\b|subscribe\b|sign up\b|share this\b|"
    r"like us on\b|email (?:him|her|the author)\b|video loading|poll loading|watch next|advertisement\.?$|"
    r"this (?:story|article) (?:is developing|has been updated|was updated)|developing(?:\s*(?:\.\.\.|…))?$|"
    r"sources?:\s|copyright\s*(?:©|\(c\)|\d{4})|\(?tm and ©|©|all rights reserved|getty(?: images)?\s*(?:$|[/.])|ap photo\b|"
    r"(?:photo|image|picture|video) (?:credit|courtesy)\b|(?:photo|image|credit)s?\s*:)",
    re.IGNORECASE,
)
# Section labels of scholarly or wire copy, alone on their line.
_SECTION_LABEL = re.compile(
    r"^(?:abstract|full text|summary|background|methods?|results|conclusions?|editor'?s note|"
    r"correction|clarification|update)\s*[.:]?$",
    re.IGNORECASE,
)
_AGENCY = r"(?:AFP|AP|Reuters|CNN|UPI|dpa|Xinhua|ANI|PTI|IANS|EFE|ANSA|Bloomberg|TASS|RIA Novosti)"
# "Washington (AFP)" or "WASHINGTON (Reuters) -" alone; "Tampa, Fla." alone.
_DATELINE = re.compile(
    rf"^[A-Z][A-Za-z.'\- ]{{1,30}}(?:,\s*[A-Z][A-Za-z.]{{1,15}})?\s*(?:\({_AGENCY}\))?\s*[-—–:]?\s*$"
)
_AGENCY_DATELINE = re.compile(rf"\({_AGENCY}\)\s*[-—–:]?\s*$")
# Each word possessive (`++`, `*+`): one word read as two ("Xaand" as "Xa" + "and") made the pattern
# exponential in the line's length (a 116-character line took seconds); no byline needs a word split.
_NAME = r"[A-Z][a-zA-Z'’\-]++(?:\s+(?:[A-Z]\.|[A-Z][a-zA-Z'’\-]++|de|van|von|al|bin|da|del|la)){0,4}"
# "By Jane Doe", "By Jane Doe and John Roe, CNN", "– Jane Doe", "Jane Doe, Reuters" alone.
_BYLINE = re.compile(
    rf"^(?:[Bb][Yy]\s+{_NAME}(?:\s*(?:,|and|&)\s*{_NAME})*(?:\s*,\s*(?:[A-Z][\w.&'-]*+\s?){{1,4}})?|[–—]\s*{_NAME})\.?$"
)
_HANDLE = re.compile(r"^@\w{2,30}\.?$")
_ONLY_MARKS = re.compile(r"^[\W_]+$")
_MARKUP = re.compile(r"^(?://\s*-->|<!--|<\w+[^>]*>)")


def is_furniture(line: str) -> bool:
    """Whether one sentence or line is page furniture rather than a statement of the article."""
    s = line.strip()
    if not s:
        return True
    if _ONLY_MARKS.match(s) or _MARKUP.match(s) or _HANDLE.match(s):
        return True
    if _LINK_LIST.match(s) or _SHOUTED_MORE.match(s) or _CALLS_TO_ACTION.match(s) or _SECTION_LABEL.match(s):
        return True
    words = s.split()
    if (
        len(words) <= 6
        and _AGENCY_DATELINE.search(s)
        or len(words) <= 3
        and _DATELINE.match(s)
        and _looks_like_place(s)
    ):
        return True
    return len(words) <= 10 and bool(_BYLINE.match(s))


def _looks_like_place(s: str) -> bool:
    """A dateline alone is a place name, mostly capitalised, with no verb-like lower-case word."""
    body = re.sub(r"\(.*?\)|[-—–:.,]", " ", s).split()
    return bool(body) and all(w[:1].isupper() or w.isupper() for w in body)
