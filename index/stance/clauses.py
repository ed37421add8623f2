"""The independent statements a sentence joins with "and", "but" or "yet", from the spaCy parse.

"No one was injured and the building suffered minor damage" asserts two facts; the stance model
reads the pair as neutral to "The attack injured dozens of people" (0.53 refutes, not confident),
while "No one was injured." alone refutes it with 0.93. `index/stance_views.py` splits at ", but"
and ";" with a pattern, but a clause-joining "and" cannot be told from a noun phrase's ("he and a
small group of men") without a parser, and a pattern that guessed measured worse on the dev slice.

Only conjuncts of the sentence's root that have their own subject are split: a statement inside a
reported clause ("Police said the suspect fled and officers searched the area") keeps its
reporting frame, a shared subject ("He was arrested and charged") is not a sentence on its own,
and an alternative ("killed or captured") or a condition ("If …, X and Y", "X and Y unless …")
asserts neither part, so those sentences are left whole. So are sentences whose source or hedge
may cover both parts and would stay with one of them: a quotation, "according to …", a
parenthetical "officials said", "allegedly".
"""

from __future__ import annotations

import re
import threading
from typing import Any

from claimbot.index.corpus import load_spacy_model, shared_nlp

_SUBJECTS = {"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"}
_ASSERTING = {"and", "but", "yet"}
# A clause cannot end in these ("It remained unclear if", "you will need to"): a broken parse.
_DANGLING = {"mark", "cc", "prep", "aux", "auxpass", "det", "poss"}
_COMPLEMENTIZERS = {"that", "if", "whether"}
_TRAILING_MARKS = {",", ";", ":", "—", "–", "-"}
# Words that make a clause a condition wherever they stand ("provided the ceasefire holds").
_CONDITIONAL_WORDS = {"if", "unless", "whether", "whenever", "provided", "providing"}
# Words that do so only when they introduce a clause ("once the ceasefire holds", not "he once said").
_CONDITION_MARKS = {"when", "once", "until"}
_CONDITIONAL_PHRASE = re.compile(r"\b(?:as long as|so long as|in case|on condition)\b", re.IGNORECASE)
# A source or hedge that may cover every part of the sentence but would stay with one clause.
_FRAMED = re.compile(
    r"[\"“”]|\baccording to\b|\b(?:allegedly|reportedly|supposedly|apparently|purportedly|reputedly)\b",
    re.IGNORECASE,
)
_STAYS_WHOLE = re.compile(
    "|".join([_FRAMED.pattern, _CONDITIONAL_PHRASE.pattern, rf"\b(?:{'|'.join(sorted(_CONDITIONAL_WORDS))})\b"]),
    re.IGNORECASE,
)
# Cheap tests before parsing: only a sentence with one of these words can be split, and one with
# a source, hedge or condition that the parse would find (`_clause_heads`) is not worth parsing.
_MAY_JOIN = re.compile(r"\b(?:and|but|yet)\b", re.IGNORECASE)
# The parser alone is needed (no tagger, lemmas or entities): a third of the pipeline's time.
_PIPES_NOT_NEEDED = ("tagger", "attribute_ruler", "lemmatizer", "ner")


def _has_subject(verb: Any) -> bool:
    for child in verb.lefts:
        if child.dep_ in _SUBJECTS:
            return True
        # "his name became known": spaCy hangs the subject on the auxiliary.
        if child.dep_ in ("aux", "auxpass") and any(g.dep_ in _SUBJECTS for g in child.lefts):
            return True
    return False


def _joining_word(head: Any, conjunct: Any) -> Any | None:
    """The coordinating word before `conjunct` among `head`'s children ("and" in "A and B")."""
    words = [c for c in head.children if c.dep_ == "cc" and c.i < conjunct.i]
    return words[-1] if words else None


def _clause_heads(sent: Any) -> list[Any] | None:
    """The root and its conjuncts with their own subject, or None if splitting would change
    what the sentence asserts."""
    if _STAYS_WHOLE.search(sent.text):
        return None
    for token in sent:
        if token.lower_ in _CONDITION_MARKS and (token.dep_ == "mark" or token.head.dep_ == "advcl"):
            return None
        if token.dep_ == "parataxis":  # "…, officials said, and …"
            return None
    root = sent.root
    heads, todo = [root], [root]
    while todo:
        head = todo.pop()
        for child in head.children:
            if child.dep_ != "conj" or not _has_subject(child):
                continue
            word = _joining_word(head, child)
            if word is not None and word.lower_ not in _ASSERTING:
                return None
            heads.append(child)
            todo.append(child)
    return sorted(heads, key=lambda t: t.i) if len(heads) > 1 else None


def coordinated_clauses(doc: Any) -> list[str]:
    """The text of each independent clause a one-sentence `doc` joins under its root, or nothing.

    A passage is one sentence; a clause taken out of a text of several would be read without the
    sentences around it. A clause that is not one unbroken stretch of text is left out, and a
    clause that ends in "that", "if" or a preposition means the parse went wrong: no split.
    """
    sents = list(doc.sents)
    if len(sents) != 1:
        return []
    sent = sents[0]
    heads = _clause_heads(sent)
    if heads is None:
        return []
    head_ids = {h.i for h in heads}
    owner: dict[int, int] = {}
    for token in sent:
        up = token
        while up.i not in head_ids:
            up = up.head
        owner[token.i] = up.i
    out: list[str] = []
    for head in heads:
        # The joining words and commas between clauses belong to none of them.
        own = [t.i for t in sent if owner[t.i] == head.i and not (t.dep_ in ("cc", "punct") and t.head.i in head_ids)]
        # A dash or comma that set off a phrase inside the clause is no part of its end.
        while own and doc[own[-1]].is_punct and doc[own[-1]].text in _TRAILING_MARKS:
            own.pop()
        lo, hi = min(own), max(own)
        if doc[hi].dep_ in _DANGLING or doc[hi].lower_ in _COMPLEMENTIZERS:
            return []
        if all(owner[i] == head.i for i in range(lo, hi + 1)):
            out.append(doc[lo : hi + 1].text)
    return out


class ClauseSplitter:
    """Loads the parser once, on first use; one parse at a time (spaCy pipelines are not
    documented as thread-safe, and checks run on worker threads)."""

    def __init__(self, nlp: Any = None, lock: threading.Lock | None = None) -> None:
        self._nlp = nlp
        self._lock = lock or threading.Lock()
        self._loading = threading.Lock()

    def load(self) -> None:
        with self._loading:
            if self._nlp is None:
                self._nlp = load_spacy_model(list(_PIPES_NOT_NEEDED))

    def split(self, texts: list[str]) -> list[list[str]]:
        """Per text, its independent clauses (empty when it is one statement)."""
        todo = [i for i, t in enumerate(texts) if _MAY_JOIN.search(t) and not _STAYS_WHOLE.search(t)]
        out: list[list[str]] = [[] for _ in texts]
        if not todo:
            return out
        self.load()
        with self._lock:
            for i, doc in zip(todo, self._nlp.pipe([texts[i] for i in todo]), strict=True):
                out[i] = coordinated_clauses(doc)
        return out


_shared: ClauseSplitter | None = None
_shared_lock = threading.Lock()


def shared_clause_splitter() -> ClauseSplitter:
    """The process-wide splitter, on attribution's spaCy pipeline and its lock (`shared_nlp`): the
    parser is the same model, and the tagger it also runs does not change the parse."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ClauseSplitter(*shared_nlp())
        return _shared
