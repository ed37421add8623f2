"""A verdict over the passages that take a side, and the one-sentence reason for it."""

from __future__ import annotations

import re

from claimbot.index.records import PassageResult, Verdict

SUPPORTED: Verdict = "supported"
REFUTED: Verdict = "refuted"
DISPUTED: Verdict = "disputed"
UNVERIFIED: Verdict = "unverified"


def who(p: PassageResult) -> str:
    """Who says a passage, as a reader would name it."""
    if p.attribution:
        return p.attribution
    if p.speaker:
        return p.speaker
    return p.article.outlet or p.article.title or "an indexed article"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} passage {one}" if n == 1 else f"{n} passages {many}"


def _reports(passages: list[PassageResult]) -> str:
    return "the report" if len(passages) == 1 else f"the {len(passages)} reports"


def _verb(passages: list[PassageResult], one: str, many: str) -> str:
    return one if len(passages) == 1 else many


def _voices(passages: list[PassageResult], limit: int = 2) -> str:
    names: list[str] = []
    for p in passages:
        name = who(p)
        if name not in names:
            names.append(name)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _outweighed(side: list[PassageResult], other: list[PassageResult]) -> list[PassageResult]:
    """The passages of `side` that an article contradicts in its own voice: a quoted claim ("Ruiz
    said the stadium cost 2 million") that the same article corrects in the reporter's words ("It
    in fact cost 20 million") counts as what that source said, not as the article's evidence.
    Articles that disagree with each other stay a dispute: showing who says what is the point."""
    own_voice_articles = {p.article.id for p in other if p.voice == "own"}
    return [p for p in side if p.voice == "reported" and p.article.id in own_voice_articles]


# A claim about what someone said ("Ruiz said the stadium cost 2 million") is true of the quote even
# where the article corrects its content: the own-voice rule is not for such claims.
_REPORTING_CLAIM = re.compile(
    r"\b(?:said|says|say|claimed|claims|told|tells|stated|states|announced|denied|denies|tweeted|wrote|"
    r"writes|insisted|insists|argued|argues|according to)\b",
    re.IGNORECASE,
)


def decide(passages: list[PassageResult], claim: str = "") -> tuple[Verdict, str]:
    """(verdict, reason) from stance-labelled passages; only confident sides count."""
    support = [p for p in passages if p.stance == "supports" and p.confident]
    refute = [p for p in passages if p.stance == "refutes" and p.confident]
    if support and refute and not _REPORTING_CLAIM.search(claim):
        quoted_support, quoted_refute = _outweighed(support, refute), _outweighed(refute, support)
        if len(quoted_support) == len(support) and not quoted_refute:
            return REFUTED, (
                f"{_count(len(refute), 'conflicts', 'conflict')} with it ({_voices(refute)}); "
                f"{_reports(support)} that {_verb(support, 'supports', 'support')} it ({_voices(support)}) "
                f"{_verb(support, 'is', 'are')} corrected in the same article."
            )
        if len(quoted_refute) == len(refute) and not quoted_support:
            return SUPPORTED, (
                f"{_count(len(support), 'supports', 'support')} it ({_voices(support)}); "
                f"{_reports(refute)} that {_verb(refute, 'conflicts', 'conflict')} ({_voices(refute)}) "
                f"{_verb(refute, 'is', 'are')} corrected in the same article."
            )
    if support and refute:
        return DISPUTED, (
            f"{_count(len(support), 'supports', 'support')} it, {_count(len(refute), 'conflicts', 'conflict')}: "
            f"{_voices(support)} vs {_voices(refute)}."
        )
    if support:
        return SUPPORTED, f"{_count(len(support), 'supports', 'support')} it ({_voices(support)}) and none conflicts."
    if refute:
        return (
            REFUTED,
            f"{_count(len(refute), 'conflicts', 'conflict')} with it ({_voices(refute)}) and none supports it.",
        )
    if any(p.stance in ("supports", "refutes") for p in passages):
        return UNVERIFIED, "Some passages lean one way, but none is confident enough to decide."
    if passages:
        return UNVERIFIED, "No indexed passage supports or conflicts with it; the closest ones are shown."
    return UNVERIFIED, "No indexed passage is about it."


def takes_side(p: PassageResult) -> bool:
    return p.confident and p.stance in ("supports", "refutes")


def side_first(passages: list[PassageResult]) -> list[PassageResult]:
    """Passages that confidently take a side first (most relevant first), then the merely
    relevant ones, leaning or not, in relevance order."""
    return sorted(passages, key=lambda p: (not takes_side(p), -p.relevance))
