"""Named entities for attribution: NER on the words around proper nouns only."""

from __future__ import annotations

from typing import Any

# Tokens of context either side of a run of proper nouns that NER reads (see `_name_entities`).
_NAME_CONTEXT = 4


def _name_windows(doc: Any) -> list[tuple[int, int]]:
    """Token ranges of a parsed sentence worth NER: each run of proper nouns with
    `_NAME_CONTEXT` tokens either side, overlapping ranges merged."""
    windows: list[tuple[int, int]] = []
    for t in doc:
        if t.tag_ not in ("NNP", "NNPS"):
            continue
        a, b = max(0, t.i - _NAME_CONTEXT), min(len(doc), t.i + 1 + _NAME_CONTEXT)
        if windows and a <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], b))
        else:
            windows.append((a, b))
    return windows


def _name_entities(ner: Any, docs: list[Any]) -> None:
    """Run NER on the proper-noun windows of each parsed sentence only and set the entities on
    the sentence. Attribution wants names (people, organisations, places) and NER reads each token
    with a few words of context, so the rest of a sentence costs time for nothing: NER on whole
    sentences was a third of attribution's CPU (docs/prereg/attribution-cost.md)."""
    from spacy.tokens import Span

    pieces = [(doc, a, doc[a:b].as_doc()) for doc in docs for a, b in _name_windows(doc)]
    found: dict[int, list[Any]] = {id(doc): [] for doc in docs}
    for (doc, a, _), piece in zip(pieces, ner.pipe([p for _, _, p in pieces], batch_size=256), strict=True):
        found[id(doc)].extend(Span(doc, a + e.start, a + e.end, label=e.label) for e in piece.ents)
    for doc in docs:
        doc.set_ents(found[id(doc)], default="outside")
