"""A verdict over the passages that take a side, and the one-sentence reason for it."""

from __future__ import annotations

import datetime as dt
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
    """The passages of `side` that an article corrects in its own voice: a quoted claim ("Ruiz
    said the stadium cost 2 million") that the same article corrects in the reporter's words ("It
    in fact cost 20 million") counts as what that source said, not as the article's evidence.
    Articles that disagree with each other stay a dispute: showing who says what is the point."""
    own = [p for p in other if p.voice == "own"]
    return [p for p in side if p.voice == "reported" and any(corrects(o, p) for o in own)]


# Words by which a reporter says that what follows corrects something.
_CORRECTING = re.compile(
    r"\b(?:in fact|actually|in reality|contrary to|falsely|wrongly|incorrectly|erroneously|mistakenly|"
    r"not true|untrue|inaccurate(?:ly)?)\b",
    re.IGNORECASE,
)


def corrects(own: PassageResult, report: PassageResult) -> bool:
    """An own-voice passage corrects a report of the same article when it says it corrects ("It in
    fact cost 20 million"). Any own-voice passage of the article was too wide (on news dev every
    report set aside that way was outweighed by the model's misreading of a far sentence: a headline,
    a paragraph about another event), and so was one beside the report: "Emergency shelters were
    opened in three schools", read as conflicting, "corrected" the fire department's count of the
    dead. Without the article saying so, the two stand as a dispute, each with who says it."""
    return _article_key(own) == _article_key(report) and bool(_CORRECTING.search(own.text))


def _article_key(p: PassageResult) -> str | int:
    """The article, whichever collection's copy of it the passage came from: its URL (copies of an
    article in two collections searched together share it, not their ids), else its id."""
    return p.article.url or p.article.id


# A claim about what someone said ("Ruiz said the stadium cost 2 million") is true of the quote even
# where the article corrects its content: the own-voice rule is not for such claims.
_REPORTING_CLAIM = re.compile(
    r"\b(?:said|says|say|claimed|claims|told|tells|stated|states|announced|denied|denies|tweeted|wrote|"
    r"writes|insisted|insists|argued|argues|according to)\b",
    re.IGNORECASE,
)


def decide(
    passages: list[PassageResult],
    claim: str = "",
    leaning_from: list[PassageResult] | None = None,
    shown: list[PassageResult] | None = None,
) -> tuple[Verdict, str]:
    """(verdict, reason) from stance-labelled passages; only confident sides count.

    `leaning_from`: the passages a one-sided reason may name as leaning the other way (default: all);
    `check` gives the statements it read, not a caption or a rated fact-check page. `shown`: the
    passages the reader sees, where they are fewer than those read: the reason ends by saying how
    many of the leaning ones are among them (what comes before is the same whatever their number)."""
    support = [p for p in passages if p.stance == "supports" and p.confident]
    refute = [p for p in passages if p.stance == "refutes" and p.confident]
    nameable = passages if leaning_from is None else leaning_from
    corrected = ""
    if support and refute and not _REPORTING_CLAIM.search(claim):
        # A corrected quote is what its source said, not evidence: it is taken off its side before
        # the sides are counted and dated, even where other passages on that side still stand (an
        # uncorrected press release beside it), and named as corrected.
        quoted_support, quoted_refute = _outweighed(support, refute), _outweighed(refute, support)
        set_aside = {id(p) for p in quoted_support + quoted_refute}
        support = [p for p in support if id(p) not in set_aside]
        refute = [p for p in refute if id(p) not in set_aside]
        # Only a reported passage is set aside, and only for an own-voice passage on the other side,
        # which stays: a side emptied here leaves the other standing.
        if not support:
            return REFUTED, (
                f"{_count(len(refute), 'conflicts', 'conflict')} with it ({_voices(refute)}); "
                f"{_corrected(quoted_support, 'supports it', 'support it')}."
            )
        if not refute:
            return SUPPORTED, (
                f"{_count(len(support), 'supports', 'support')} it ({_voices(support)}); "
                f"{_corrected(quoted_refute, 'conflicts', 'conflict')}."
            )
        if quoted_support:
            corrected += f" {_upper_first(_corrected(quoted_support, 'supports it', 'support it'))}."
        if quoted_refute:
            corrected += f" {_upper_first(_corrected(quoted_refute, 'conflicts', 'conflict'))}."
    if support and refute:
        return DISPUTED, (
            f"{_count(len(support), 'supports', 'support')} it, {_count(len(refute), 'conflicts', 'conflict')}: "
            f"{_voices(support)} vs {_voices(refute)}.{_which_is_newer(support, refute)}{corrected}"
        )
    if support:
        leaning = [p for p in nameable if p.stance == "refutes" and not p.confident]
        return SUPPORTED, (
            f"{_count(len(support), 'supports', 'support')} it ({_voices(support)}) and none conflicts"
            + _leaning_the_other_way(leaning, shown)
        )
    if refute:
        leaning = [p for p in nameable if p.stance == "supports" and not p.confident]
        return REFUTED, (
            f"{_count(len(refute), 'conflicts', 'conflict')} with it ({_voices(refute)}) and none supports it"
            + _leaning_the_other_way(leaning, shown)
        )
    if any(p.stance in ("supports", "refutes") for p in passages):
        return UNVERIFIED, "Some passages lean one way, but none is confident enough to decide."
    if passages:
        return UNVERIFIED, "No indexed passage supports or conflicts with it; the closest ones are shown."
    return UNVERIFIED, "No indexed passage is about it."


def _leaning_the_other_way(leaning: list[PassageResult], shown: list[PassageResult] | None = None) -> str:
    """The end of a one-sided reason. "None conflicts" alone hid a passage that leans the other way
    under the confident threshold ("Pérez announced that he … were still alive", 0.78 against
    "Pérez was killed"): the reader is told it is there, and whose it is, though it does not count.
    Counted over every passage read, so that asking for fewer passages does not turn it into "none
    conflicts"; how many of them are shown is said where not all are."""
    if not leaning:
        return "."
    end = f" confidently; {_count(len(leaning), 'leans', 'lean')} the other way ({_voices(leaning)})"
    if shown is not None:
        seen = {id(p) for p in shown}
        visible = sum(id(p) in seen for p in leaning)
        if visible < len(leaning):
            end += "; it is not shown" if len(leaning) == 1 else f", {visible or 'none'} of them shown"
    return end + "."


def _corrected(quoted: list[PassageResult], one: str, many: str) -> str:
    is_are = _verb(quoted, "is", "are")
    return (
        f"{_reports(quoted)} that {_verb(quoted, one, many)} ({_voices(quoted)}) {is_are} corrected in the same article"
    )


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]  # not str.capitalize, which lowers the names after it


def _newest(passages: list[PassageResult]) -> PassageResult | None:
    dated = [p for p in passages if p.article.published]
    return max(dated, key=lambda p: p.article.published or "") if dated else None


def _which_is_newer(support: list[PassageResult], refute: list[PassageResult]) -> str:
    """Which side's reporting is newer, for a dispute: a later report may correct an earlier one,
    and the reader should not have to compare the dates passage by passage."""
    s, r = _newest(support), _newest(refute)
    if s is None and r is None:
        return ""  # nothing to compare
    if s is None or r is None:
        dated, side = (r, "conflicting") if s is None else (s, "supporting")
        assert dated is not None
        return f" Only the {side} reports are dated (newest {dated.article.published}, {who(dated)})."
    s_date, r_date = s.article.published or "", r.article.published or ""
    if s_date == r_date:
        return f" The newest reports on both sides are from {s_date}."
    newer, older, word = (s, r, "supports") if s_date > r_date else (r, s, "conflicts with")
    return (
        f" The newer reporting {word} it: {who(newer)}, {newer.article.published}; "
        f"the other side's newest is from {older.article.published}."
    )


# Two passages whose content words overlap this much (Jaccard) report the same fact.
SAME_FACT_OVERLAP = 0.6
_WORD = re.compile(r"\w+")


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if len(w) > 2}


def same_fact(a: PassageResult, b: PassageResult, words_a: set[str], words_b: set[str]) -> bool:
    """Different articles' passages that say the same thing (near-identical content words;
    `words_a` and `words_b` are their `_words`, found once per list by the caller)."""
    if _article_key(a) == _article_key(b):
        return False
    return bool(words_a and words_b) and len(words_a & words_b) / len(words_a | words_b) >= SAME_FACT_OVERLAP


def _standing(p: PassageResult) -> tuple[bool, str | None]:
    return (takes_side(p), p.stance if takes_side(p) else None)


def newest_first_within_facts(passages: list[PassageResult]) -> list[PassageResult]:
    """Among passages of equal standing (the same confident side, or all merely related) that report
    the same fact, the newer article's comes first, in the places the group already holds: an update
    ("the death toll rose to 12") is read before the early report it supersedes ("8 died")."""
    out = list(passages)
    done: set[int] = set()
    # A check compares its ~20 passages pairwise: each one's words are found once, not 19 times.
    # Only places not yet in a group are compared, and only grouped places are rewritten, so each
    # place's words stay those of the passage found there.
    words = [_words(p.text) for p in out]
    for i, p in enumerate(out):
        if i in done:
            continue
        group = [i] + [
            j
            for j in range(i + 1, len(out))
            if j not in done and _standing(out[j]) == _standing(p) and same_fact(p, out[j], words[i], words[j])
        ]
        done.update(group)
        if len(group) > 1:
            members = sorted((out[j] for j in group), key=lambda q: q.article.published or "", reverse=True)
            for j, q in zip(group, members, strict=True):
                out[j] = q
    return out


def takes_side(p: PassageResult) -> bool:
    return p.confident and p.stance in ("supports", "refutes")


def side_first(passages: list[PassageResult]) -> list[PassageResult]:
    """Passages that confidently take a side first (most relevant first), then the merely
    relevant ones, leaning or not, in relevance order; at equal standing and relevance, and for
    the same fact reported twice, the newer article first."""
    ranked = sorted(passages, key=lambda p: (not takes_side(p), -p.relevance, _newer_first(p)))
    return newest_first_within_facts(ranked)


def _newer_first(p: PassageResult) -> int:
    """A sort key: the later date first, undated last."""
    date = p.article.published
    return -dt.date.fromisoformat(date).toordinal() if date else 0
