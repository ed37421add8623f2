"""Predicates that exclude each other: a passage that says one cannot support a claim that says the other.

A 6-layer cross-encoder reads "The truck ban, which a federal judge struck down in May, …" as
supporting "A federal judge upheld the truck ban" (0.87): the sentences share every other word, and
the model has not learnt that "struck down" and "upheld" are opposites. No antonym resource installs
here (WordNet's data is a download for `nltk` and `wn`), so the pairs news copy uses most are listed
by hand (docs/prereg/polar-predicates.md has what they fire on). Like the quantity guard, this only
takes a side away: such a passage is shown as neutral at most, and the model may still find it
refutes.
"""

from __future__ import annotations

import re
from functools import lru_cache


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b", re.IGNORECASE)


# Each pair: (one side, the other side). "against" and "for" only after a form of "vote".
_VOTE = r"vot(?:e|es|ed|ing)"
_PRAISE = r"prais(?:e|es|ed|ing)"
_CRITICISE = r"critici[sz](?:e|es|ed|ing)|criticism|condemn(?:s|ed|ing|ation)?|slam(?:s|med|ming)?|blast(?:s|ed|ing)?"
_ATTACK = r"attack(?:s|ed|ing)?"
_REJECT = r"reject(?:s|ed|ing|ion)?"
_RISE = (
    r"increas(?:e|es|ed|ing)|r(?:ise|ises|ose|isen|ising)|gr(?:ow|ows|ew|own|owing)|gain(?:s|ed|ing)?|"
    r"climb(?:s|ed|ing)?|jump(?:s|ed|ing)?|surg(?:e|es|ed|ing)|soar(?:s|ed|ing)?|boost(?:s|ed|ing)?"
)
_FALL = (
    r"decreas(?:e|es|ed|ing)|f(?:all|alls|ell|allen|alling)|drop(?:s|ped|ping)?|declin(?:e|es|ed|ing)|"
    r"plung(?:e|es|ed|ing)|plummet(?:s|ed|ing)?|shr(?:ink|inks|ank|unk|inking)|slump(?:s|ed|ing)?"
)
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
    (_words(r"allow(?:s|ed|ing)?", r"permit(?:s|ted|ting)?"), _words(r"ban(?:s|ned|ning)?", r"prohibit(?:s|ed|ing)?")),
    (_words(r"lift(?:s|ed|ing)?"), _words(r"impos(?:e|es|ed|ing)")),
    (_words(_PRAISE), _words(_CRITICISE, _ATTACK)),
    (_words(r"defend(?:s|ed|ing)?"), _words(_ATTACK, _CRITICISE)),
    (_words(r"welcom(?:e|es|ed|ing)"), _words(_REJECT, _CRITICISE)),
    (_words(r"accept(?:s|ed|ing)?"), _words(_REJECT, r"refus(?:e|es|ed|ing)", r"declin(?:e|es|ed|ing)")),
    (_words(r"agree(?:s|d|ing)?"), _words(r"disagree(?:s|d|ing)?")),
    (_words(_RISE), _words(_FALL, r"cut(?:s|ting)?")),
    (_words(r"support(?:s|ed|ing)?"), _words(r"oppos(?:e|es|ed|ing)", r"opposition")),
    (_words(r"strong(?:er|est)?"), _words(r"weak(?:er|est)?")),
    (_words(r"harmless"), _words(r"harmful")),
    (_words(r"legal"), _words(r"illegal")),
    (_words(r"guilty"), _words(r"innocent")),
    (_words(r"alive"), _words(r"dead")),
    (_words(r"success(?:ful|fully)?", r"succeed(?:s|ed|ing)?"), _words(r"failure")),
    (_words(r"majority"), _words(r"minority")),
    (_words(r"includ(?:e|es|ed|ing)"), _words(r"exclud(?:e|es|ed|ing)")),
]
# "did not uphold" agrees with "struck down": with a negation on either side the pair says nothing.
_NEGATION = re.compile(
    r"\b(?:not|never|no|nor|neither|without)\b|n't\b|\b(?:fail|fails|failed|failing|refuse|refuses|refused|refusing)\s+to\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def opposed(claim: str, passage: str) -> bool:
    """Whether the passage states one predicate of a pair, and not the other, that the claim states
    the other of (and neither is negated)."""
    if _NEGATION.search(claim) or _NEGATION.search(passage):
        return False
    for a, b in _PAIRS:
        for mine, other in ((a, b), (b, a)):
            if mine.search(claim) and not other.search(claim) and other.search(passage) and not mine.search(passage):
                return True
    return False
