"""Attribution measured against PolNeAR (brat standoff, gold Source / Cue / Content spans).

Layout (see `polnear/SOURCE.md`): `<split>/text/<name>.txt` and
`<split>/attributions/<name>_<annotator>.ann`. Articles annotated more than once are scored
against the first annotation file in name order.

Spans are compared as sets per article, duplicates (one source shared by two relations) merged:
- exact: same offsets after trimming whitespace and surrounding punctuation;
- overlap: one-to-one matching, a predicted span matches an unmatched gold span it shares at
  least one character with (discontinuous gold spans: any fragment).
Predicted spans come from `Attributor.attribute` on the text as read, sentences from
`claimbot.index.corpus.text.split_sentences`, so the offsets are those of the file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimbot.index.corpus import Attributor, split_sentences
from claimbot.index.evaluation.metrics import precision_recall_f1

KINDS = ("source", "cue", "content")
_TRIM = " \t\n,.;:—–-“”\"'‘’()"


@dataclass(frozen=True)
class GoldSpan:
    fragments: tuple[tuple[int, int], ...]
    text: str


@dataclass
class GoldRelation:
    source: GoldSpan | None
    cue: GoldSpan | None
    content: GoldSpan | None


@dataclass
class Document:
    name: str
    text: str
    relations: list[GoldRelation] = field(default_factory=list)


def parse_ann(ann: str) -> list[GoldRelation]:
    """Relations of one brat file: `T` span lines tied together by `E` event lines."""
    spans: dict[str, tuple[str, GoldSpan]] = {}
    events: list[dict[str, str]] = []
    for line in ann.splitlines():
        if not line.strip():
            continue
        parts = line.split("\t")
        if line.startswith("T") and len(parts) >= 2:
            label, _, offsets = parts[1].partition(" ")
            frags = []
            for frag in offsets.split(";"):
                a, b = frag.split()
                frags.append((int(a), int(b)))
            spans[parts[0]] = (label, GoldSpan(tuple(frags), parts[2] if len(parts) > 2 else ""))
        elif line.startswith("E") and len(parts) >= 2:
            roles: dict[str, str] = {}
            for arg in parts[1].split():
                role, _, ref = arg.partition(":")
                roles.setdefault(role, ref)
            events.append(roles)
    relations = []
    for roles in events:
        if not any(r.startswith("Attribution") for r in roles):
            continue
        relations.append(
            GoldRelation(
                source=_role_span(roles, spans, "Source"),
                cue=_role_span(roles, spans, "Cue"),
                content=_role_span(roles, spans, "Content"),
            )
        )
    return relations


def _role_span(roles: dict[str, str], spans: dict[str, tuple[str, GoldSpan]], role: str) -> GoldSpan | None:
    ref = roles.get(role)
    return spans[ref][1] if ref in spans else None


def load_split(split: str, data_dir: Path, limit: int | None = None) -> list[Document]:
    root = Path(data_dir) / "polnear" / split
    if not (root / "text").is_dir():
        root = Path(data_dir) / split  # data_dir may point at the polnear folder itself
    text_dir, ann_dir = root / "text", root / "attributions"
    docs: list[Document] = []
    for path in sorted(text_dir.glob("*.txt")):
        anns = sorted(ann_dir.glob(path.stem + "_*.ann"))
        if not anns:
            continue
        text = path.read_text(encoding="utf-8")
        docs.append(Document(path.stem, text, parse_ann(anns[0].read_text(encoding="utf-8"))))
        if limit is not None and len(docs) >= limit:
            break
    return docs


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in _TRIM:
        a += 1
    while b > a and text[b - 1] in _TRIM:
        b -= 1
    return a, b


def _overlaps(p: tuple[tuple[int, int], ...], g: tuple[tuple[int, int], ...]) -> int:
    return sum(max(0, min(b1, b2) - max(a1, a2)) for a1, b1 in p for a2, b2 in g)


@dataclass
class _Counts:
    pred: int = 0
    gold: int = 0
    exact: int = 0
    overlap: int = 0


def _score(
    text: str, pred: list[tuple[tuple[int, int], ...]], gold: list[tuple[tuple[int, int], ...]], c: _Counts
) -> tuple[list[tuple[tuple[int, int], ...]], list[tuple[tuple[int, int], ...]]]:
    pred = sorted(set(pred))
    gold = sorted(set(gold))
    c.pred += len(pred)
    c.gold += len(gold)
    gold_exact = {tuple(_trim(text, a, b) for a, b in g) for g in gold}
    c.exact += sum(1 for p in pred if tuple(_trim(text, a, b) for a, b in p) in gold_exact)
    # one-to-one overlap matching, largest overlaps first
    pairs = sorted(((_overlaps(p, g), pi, gi) for pi, p in enumerate(pred) for gi, g in enumerate(gold)), reverse=True)
    used_p: set[int] = set()
    used_g: set[int] = set()
    for ov, pi, gi in pairs:
        if ov <= 0:
            break
        if pi in used_p or gi in used_g:
            continue
        used_p.add(pi)
        used_g.add(gi)
    c.overlap += len(used_p)
    return [gold[gi] for gi in range(len(gold)) if gi not in used_g], [
        pred[pi] for pi in range(len(pred)) if pi not in used_p
    ]


def evaluate(
    split: str,
    data_dir: Path,
    limit: int | None = None,
    attributor: Attributor | None = None,
    keep_errors: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Precision/recall/F1 of source (exact, overlap), cue (overlap) and content (overlap) spans.

    `on_progress(documents done, documents)` after each document."""
    docs = load_split(split, data_dir, limit)
    attributor = attributor or Attributor()
    counts = {k: _Counts() for k in KINDS}
    errors: list[dict[str, Any]] = []
    n_sent = 0
    seconds = 0.0
    n_rel = 0
    for number, doc in enumerate(docs, start=1):
        t0 = time.perf_counter()
        sentences = split_sentences(doc.text)
        _, relations = attributor.attribute(doc.text, sentences, None)
        seconds += time.perf_counter() - t0
        n_sent += len(sentences)
        n_rel += len(doc.relations)
        if on_progress:
            on_progress(number, len(docs))
        pred: dict[str, list[tuple[tuple[int, int], ...]]] = {
            "source": [((r.source.start, r.source.end),) for r in relations if r.source],
            "cue": [((r.cue.start, r.cue.end),) for r in relations if r.cue],
            "content": [((r.content.start, r.content.end),) for r in relations],
        }
        gold = {
            "source": [g.source.fragments for g in doc.relations if g.source],
            "cue": [g.cue.fragments for g in doc.relations if g.cue],
            "content": [g.content.fragments for g in doc.relations if g.content],
        }
        for kind in KINDS:
            missed, spurious = _score(doc.text, pred[kind], gold[kind], counts[kind])
            if keep_errors:
                for error_type, wrong in (("missed", missed), ("spurious", spurious)):
                    errors.extend(
                        {
                            "doc": doc.name,
                            "kind": kind,
                            "type": error_type,
                            "text": " … ".join(doc.text[a:b] for a, b in fragments),
                        }
                        for fragments in wrong
                    )
    result: dict[str, Any] = {
        "split": split,
        "documents": len(docs),
        "sentences": n_sent,
        "gold_relations": n_rel,
        "seconds": round(seconds, 2),
        "sentences_per_s": round(n_sent / seconds, 1) if seconds else None,
    }
    for kind in KINDS:
        c = counts[kind]
        result[kind] = {
            "pred": c.pred,
            "gold": c.gold,
            "overlap": precision_recall_f1(c.overlap, c.pred, c.gold),
        }
        if kind == "source":
            result[kind]["exact"] = precision_recall_f1(c.exact, c.pred, c.gold)
    if keep_errors:
        result["errors"] = errors
    return result


def format_report(result: dict[str, Any]) -> str:
    lines = [
        f"PolNeAR {result['split']}: {result['documents']} documents, {result['sentences']} sentences, "
        f"{result['gold_relations']} gold relations, {result['seconds']} s "
        f"({result['sentences_per_s']} sentences/s)",
        f"{'span':<18}{'pred':>6}{'gold':>6}{'P':>8}{'R':>8}{'F1':>8}",
    ]
    rows = [
        ("source exact", "source", "exact"),
        ("source overlap", "source", "overlap"),
        ("cue overlap", "cue", "overlap"),
        ("content overlap", "content", "overlap"),
    ]
    for label, kind, metric in rows:
        m = result[kind][metric]
        lines.append(
            f"{label:<18}{result[kind]['pred']:>6}{result[kind]['gold']:>6}"
            f"{m['precision']:>8.3f}{m['recall']:>8.3f}{m['f1']:>8.3f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":  # python -m claimbot.index.evaluation.attribution [dev|test] [limit]
    import sys

    from claimbot.index.config import Settings

    split = sys.argv[1] if len(sys.argv) > 1 else "dev"
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else None
    print(format_report(evaluate(split, Settings().data_dir, limit)))
