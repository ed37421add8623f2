"""A command states nothing as fact: a side taken on a quoted plea or order does not count.

"“Let him surrender,” Aminta Pérez said in a third video." tells what Pérez's mother asks for, not
that he surrendered, yet readers trained on news read it as confident support for "Pérez
surrendered" (docs/prereg/command-guard.md). The same sentence does support a claim about her words
("Pérez's mother asked the government to let him surrender"), so a claim about what someone said or
asked keeps the model's side.

A sentence is a command when its root is a quoted imperative, or reports one and nothing else ("“Come
out,” police told him, before shooting him twice" reports a shooting), and the command holds no
finite verb ("Don't forget that we won" presents "we won" as a fact). An imperative is a verb in the
base form, not written in capitals, with no subject and no auxiliary but "do" ("Don't shoot"), the
first word of its clause after quotation marks, "please" or an interjection. Only
sentences with a quotation mark are parsed: unquoted imperatives in news bodies are page furniture,
which ingestion drops, and a check parses only the few quoted passages that took a side.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from claimbot.index.corpus import shared_nlp
from claimbot.index.stance.clauses import _SUBJECTS
from claimbot.index.stance.model import StanceScore

QUOTE = re.compile(r"[\"“”]")
# A claim about a plea is about the plea: "Aminta Pérez begged for her son's life" (claim_speaker
# reads "asked"/"urged" claims, not these).
_ASKS = re.compile(
    r"\b(?:ask(?:s|ed)?|beg(?:s|ged)?|plead(?:s|ed)?|pled|implor\w+|appeal(?:s|ed)?|urg\w+|"
    r"call(?:s|ed)?\s+(?:for|on|upon))\b",
    re.IGNORECASE,
)
# Children that make a clause of their own: besides the command, each would assert something.
_CLAUSES = {"advcl", "conj", "ccomp", "xcomp", "parataxis", "csubj"}
_FINITE = {"VBD", "VBZ", "VBP", "MD"}
# How the parser hangs a quotation on the verb that reports it.
_FRAMED = {"ccomp", "parataxis", "advcl"}
_QUOTE_MARKS = {'"', "“", "”", "``", "''"}
# Words an imperative may follow at the start of its clause ("Please release my son").
_LEADING = {"please", "now", "just", "so", "oh", "and"}


def _imperative(verb: Any) -> bool:
    # An acronym the tagger took for a verb: "ISIS in now “less than 10 miles” from Baghdad."
    if verb.tag_ != "VB" or verb.text.isupper():
        return False
    for child in verb.children:
        if child.dep_ in _SUBJECTS:
            return False
        if child.dep_ in ("aux", "auxpass") and child.lower_ not in ("do", "don't"):
            return False
    # The first word of its clause: nothing but quotation marks, "please", an interjection, "do"
    # and "not" before it.
    first = min(t.i for t in verb.subtree)
    for token in verb.doc[first : verb.i]:
        if token.text in _QUOTE_MARKS or token.is_punct:
            continue
        if token.lower_ in _LEADING or token.dep_ == "intj":
            continue
        if token.head.i == verb.i and token.dep_ in ("aux", "neg"):
            continue
        return False
    return True


def _asserts_nothing(verb: Any) -> bool:
    """No finite verb inside the command: "Don't forget that we won" presents "we won" as a fact."""
    return not any(t.tag_ in _FINITE for t in verb.subtree)


def _quoted(token: Any) -> bool:
    """A quotation mark opens the token's clause or closes it (a passage may begin after the opening
    mark: "Let him surrender,” Aminta Pérez said")."""
    doc = token.doc
    first = min(t.i for t in token.subtree)
    last = max(t.i for t in token.subtree)
    near = list(range(max(0, first - 1), first + 1)) + list(range(last, min(len(doc), last + 3)))
    return any(doc[i].text in _QUOTE_MARKS for i in near)


def is_command(doc: Any) -> bool:
    """Whether a one-sentence parse asserts a command: an imperative root ("“Spare his life.”"), or
    a root that reports a quoted imperative ("“Let him surrender,” she said")."""
    sents = list(doc.sents)
    if len(sents) != 1:
        return False
    root = sents[0].root
    if _imperative(root):
        return (
            _quoted(root)
            and _asserts_nothing(root)
            and not any(c.dep_ in _CLAUSES and not _imperative(c) for c in root.children)
        )
    quoted = [c for c in root.children if c.dep_ in _FRAMED and _quoted(c) and _imperative(c)]
    if len(quoted) != 1 or not _asserts_nothing(quoted[0]):
        return False
    # Nothing else in the frame asserts: "“Come out,” police told him, before shooting him twice"
    # reports a shooting.
    command = {t.i for t in quoted[0].subtree}
    return not any(t.pos_ == "VERB" and t.i != root.i and t.i not in command for t in sents[0])


def about_words(claim: str, claim_speaker: str | None) -> bool:
    """The claim is about what someone said or asked for, which a quoted plea can support."""
    return bool(claim_speaker) or bool(_ASKS.search(claim))


class CommandReader:
    """Parses on the shared spaCy pipeline (tagger and parser), one parse at a time under its lock;
    a pipeline given here (a test's) under a lock of its own. The shared one is looked up per call,
    not kept: a reader set in two steps could be seen with the pipeline and without its lock."""

    def __init__(self, nlp: Any = None, lock: threading.Lock | None = None) -> None:
        self._nlp = nlp
        self._lock = lock or threading.Lock()

    def commands(self, texts: list[str]) -> list[bool]:
        """Per sentence, whether it is a command; only those with a quotation mark are parsed."""
        todo = [i for i, t in enumerate(texts) if QUOTE.search(t)]
        out = [False] * len(texts)
        if not todo:
            return out
        nlp, lock = shared_nlp() if self._nlp is None else (self._nlp, self._lock)
        with lock:
            for i, doc in zip(todo, nlp.pipe([texts[i] for i in todo]), strict=True):
                out[i] = is_command(doc)
        return out


def guard_command(command: bool, claim_is_about_words: bool, score: StanceScore) -> StanceScore:
    """The score, unless it takes a side on a command and the claim is not about someone's words:
    then neutral (its probabilities kept, for the record)."""
    if command and not claim_is_about_words and score.label != "neutral":
        return score.without_side()
    return score


_shared: CommandReader | None = None
_shared_lock = threading.Lock()


def shared_command_reader() -> CommandReader:
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = CommandReader()
        return _shared
