"""What the stance model reads for one passage: the sentence, and simpler views of it.

A 6-layer cross-encoder is brittle to the shape of a news sentence: "Pérez announced that he and
a small group of men were still alive." conflicts with "Pérez was killed" (refutes 0.83), but the
same statement inside "In the first of several videos released …, Pérez announced that … still
alive, despite the early-morning assault." reads as neutral (0.77), and the bare clause without
its final period as neutral too (0.78). So besides the whole sentence the model also reads:

* each clause of a sentence that joins two statements ("It was not clear if Pérez survived, but
  CNN reported that he had been killed"), so a hedge does not hide a report;
* the core statement: the sentence without a fronted scene-setting phrase ("In a video released
  Monday, …") and without a trailing concessive or temporal adjunct (", despite the assault").

Every view is a sentence, ending with its terminal punctuation as the training pairs do. Which
view decides is `pick_view`'s job. The gain was measured on the training pool's held-out dev
slice, plain and with fronted phrases added (`train/stance_views_eval.py`, docs/stance-model.md).
"""

from __future__ import annotations

import re

from claimbot.index.stance.clauses import ClauseSplitter
from claimbot.index.stance.model import StanceModel, StanceScore

# Clause boundaries where a news sentence often joins two statements with different stances.
_CLAUSE_BREAK = re.compile(r",\s+(?:but|while|whereas|although|though)\s+|;\s+|\s+but\s+(?=[A-Z])")
_MIN_CLAUSE_WORDS = 4
_MIN_CORE_WORDS = 5

# A fronted phrase that sets the scene ("In the first of several videos released Monday, …",
# "Speaking to reporters on Tuesday, …"): a preposition or time adverb, up to the first comma.
# Phrases with numbers or month names are kept: a date can be what a claim is about. An additive
# phrase is a statement, not a scene: "In addition to being a trained officer, Pérez is an actor"
# says he is an officer, and without it the rest reads as denying that he is one.
_FRONTED = re.compile(
    r"^(?!In addition\b|On top of\b)"
    r"(?:In|On|At|During|After|Before|Following|Amid|Since|Later|Earlier|Speaking|Writing|"
    r"Asked|Shortly|Meanwhile|Overnight|Throughout|Within|Upon|Through|Despite|Hours|Days|Moments)"
    r"\b[^,;:\"“”]{0,160}?,\s+"
)
# A trailing adjunct that adds circumstances to the statement (", despite the early-morning assault.").
# Not ", before …": it tells what happened next, which may undo the statement ("The mayor vowed to
# stay in office, before resigning a week later" without it refutes "The mayor resigned").
_TRAILING = re.compile(r",\s+(?:despite|amid|after|following|during)\b[^,;:\"“”]*?(?P<end>[.!?]?)\s*$")
_DATE = re.compile(r"\d|\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b")


def as_sentence(text: str) -> str:
    """A view ends like a sentence: the model reads a clause without its period differently."""
    text = text.strip()
    if text:
        text = text[0].upper() + text[1:]
    if text and text[-1] not in ".!?\"'”’":
        text += "."
    return text


def _whole_clauses(parts: list[str]) -> list[str]:
    """The parts as sentences, or none when one is too short to stand alone: an elliptical clause
    ("Critics predicted she would resign, but she did not") leans on the other for its meaning, and
    the other alone ("Critics predicted she would resign.") reads as the opposite of the sentence."""
    if any(len(p.split()) < _MIN_CLAUSE_WORDS for p in parts):
        return []
    return [as_sentence(p) for p in parts]


def clauses(text: str) -> list[str]:
    """The statements a sentence joins, if it joins more than one."""
    parts = [c.strip() for c in _CLAUSE_BREAK.split(text)]
    if len(parts) < 2:
        return []
    return _whole_clauses(parts)


def core(text: str) -> str | None:
    """The sentence without its fronted scene-setting phrase and trailing adjunct, if it has one."""
    out = text.strip()
    m = _FRONTED.match(out)
    if m and not _DATE.search(m.group(0)):
        rest = out[m.end() :]
        # "In Caracas, Venezuela, police …": the comma was inside a place name, not after the phrase.
        if rest and not re.match(r"[A-Z][\w.-]*\s*,", rest):
            out = rest[0].upper() + rest[1:]
    m = _TRAILING.search(out)
    if m and not _DATE.search(m.group(0)):
        out = out[: m.start()] + (m.group("end") or ".")
    if out == text.strip() or len(out.split()) < _MIN_CORE_WORDS:
        return None
    return as_sentence(out)


def said_by(text: str, speaker: str | None) -> str:
    """The prefix that tells the stance model who speaks, when the sentence does not say it.

    "“Spare his life.”" reads differently once the reader knows Pérez's mother says it, while
    "CNN reported … that he had been killed" already names its source (repeating it measurably
    confuses the model). The form is one the training pool's attributed pairs use.
    """
    if not speaker:
        return ""
    surname = speaker.split()[-1]
    # A whole word: "Li" is not named by "police", nor "Ma" by "many".
    if re.search(rf"(?<!\w){re.escape(surname)}(?!\w)", text, flags=re.IGNORECASE):
        return ""
    return f"{speaker} said: "


def stance_views(text: str, speaker: str | None = None, joined: list[str] | None = None) -> list[str]:
    """The whole sentence first, then its clauses and its core, each carrying the speaker when
    the sentence leaves it implicit (sentences in the outlet's own voice have none).

    `joined`: the independent clauses the parser found (`claimbot.index.stance.clauses`), read like the
    clauses split at ", but"."""
    prefix = said_by(text, speaker)
    views = [text]
    for part in clauses(text) + _whole_clauses(joined or []):
        views.append(part)
        simpler = core(part)
        if simpler:
            views.append(simpler)
    simpler = core(text)
    if simpler:
        views.append(simpler)
    unique = list(dict.fromkeys(views))  # first occurrence of each, in order
    return [prefix + v for v in unique]


def score_views(
    model: StanceModel, items: list[tuple[str, str, str | None]], splitter: ClauseSplitter | None = None
) -> list[list[StanceScore]]:
    """For each (claim, passage text, speaker): the scores of its views, whole sentence first.

    All views of all passages go to the model in one call, so they share its length-sorted batches.
    Without a `splitter`, clauses joined by "and" are not read apart.
    """
    joined = splitter.split([text for _, text, _ in items]) if splitter else [[] for _ in items]
    views = [stance_views(text, speaker, j) for (_, text, speaker), j in zip(items, joined, strict=True)]
    scores = iter(model.score([(claim, v) for (claim, _, _), vs in zip(items, views, strict=True) for v in vs]))
    return [[next(scores) for _ in vs] for vs in views]


def pick_view(options: list[StanceScore]) -> StanceScore:
    """The whole sentence's score (options[0]) unless another view takes a side more surely."""
    best = max(options, key=lambda sc: (sc.label != "neutral", max(sc.probs["supports"], sc.probs["refutes"])))
    return best if best.label != "neutral" else options[0]
