"""Transfer rows for distilling a larger reader into MiniLM (docs/prereg/news10.md): the other
sentences of each training article that a claim would retrieve, read by the teacher.

    python -m train.news_distil --teacher RUN/news9/run/ckpt-N --out RUN/transfer.jsonl [--per-claim 3]
    python -m train.news_distil --teacher-onnx DIR --fnc-headlines --out RUN/headlines.jsonl [--per-claim 2]

The team's pairs give each claim the one sentence it was written about. At claim time the search
shows the claim the other sentences of the same article as well, most of them about the same people
with another detail: where the shipped reader and the news-trained ones still take sides wrongly. For
every claim of the pairs' train split, the `--per-claim` sentences of its article nearest the claim
(MiniLM cosine, the dense search's measure), other than the ones annotated for it, are read by the
teacher (torch; `--bf16` where the CPU has bf16 instructions). Each row carries the teacher's probabilities as
`teacher` (train.trainer fits them instead of a label), their argmax as `label`, source
`transfer`, the article as group. Only train-split articles are read.

`--fnc-headlines` (docs/prereg/news39.md) reads FNC-1's headlines as the claims instead: each headline
against the `--per-claim` sentences nearest it of every body FNC-1 pairs it with as agree, disagree or
discuss (train and competition bodies; every FNC-1 body is a training article of the team's splits).
Headlines are written the way posts are ("Zombie Cat: Buried Kitty Believed Dead, Meows Back to
Life"), and there are some 20,000 related pairs, where the team wrote 1,700 claims on FNC-1 bodies.
`--teacher-onnx` reads them with built graphs (the accurate reader's, `claimbot reader install`; with
the shipped one as well, news40) through the product's own `StanceModel`: each graph's probabilities
at temperature 1, averaged.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from tqdm import tqdm

from claimbot.index.evaluation import DEFAULT_PAIRS, load_pairs, read_articles
from claimbot.index.search import shared_embedder
from claimbot.index.stance import StanceModel, softmax
from train.news_annotation import default_data_dir, sentences
from train.pairs import Pair, write_jsonl
from train.settings import LABELS
from train.trainer import encode, predict_logits


def candidates(pair_files: list[Path], data: Path, per_claim: int) -> list[dict[str, Any]]:
    """(claim, other sentence) rows without a label yet (the teacher gives it), in a stable order."""
    pairs = [p for f in pair_files for p in load_pairs(f, splits=["train"])]
    annotated: dict[tuple[str, str, str], set[tuple[int, int]]] = defaultdict(set)
    for p in pairs:
        annotated[(p.source, p.article, p.claim)].add((p.start, p.end))
    by_article: dict[tuple[str, str], list[str]] = defaultdict(list)
    for source, article, claim in sorted(annotated):
        by_article[(source, article)].append(claim)
    texts: dict[str, dict[str, str]] = {}
    embedder = shared_embedder()
    rows: list[dict[str, Any]] = []
    for (source, article), claims in sorted(by_article.items()):
        if source not in texts:  # a source is a folder of articles or one large CSV: read once
            texts[source] = read_articles(data, source)
        sents = sentences(texts[source][article])
        if not sents:
            continue
        vectors = embedder.encode([re.sub(r"\s+", " ", s).strip() for _, _, s in sents])
        claim_vectors = embedder.encode(claims)
        for claim, cv in zip(claims, claim_vectors, strict=True):
            taken = annotated[(source, article, claim)]
            order = np.argsort(-(vectors @ cv), kind="stable")
            picked = [i for i in order if not _overlaps(sents[i][:2], taken)][:per_claim]
            rows += [
                {
                    "claim": claim,
                    "evidence": re.sub(r"\s+", " ", sents[i][2]).strip(),
                    "source": "transfer",
                    "group": f"{source}/{article}",
                    "split": "train",
                }
                for i in picked
            ]
    return rows


# FNC-1's bodies and stances, train and competition: (folder, bodies file, stances files)
FNC_SETS = (
    ("nli-train/fnc-1-train", "train_bodies.csv", ("train_train_stances.csv", "train_test_stances.csv")),
    ("fnc-1", "competition_test_bodies.csv", ("competition_test_stances.csv",)),
)
FNC_FILES = tuple(f"{folder}/{name}" for folder, bodies, stances in FNC_SETS for name in (bodies, *stances))


def headline_candidates(data: Path, per_pair: int) -> list[dict[str, Any]]:
    """(headline, body sentence) rows for FNC-1's related pairs, nearest sentences first, each
    (headline, sentence) once."""
    csv.field_size_limit(sys.maxsize)
    embedder = shared_embedder()
    seen: set[tuple[str, str]] = set()
    rows: list[dict[str, Any]] = []
    for folder, bodies_name, stance_files in FNC_SETS:
        bodies_path = data / folder / bodies_name
        with bodies_path.open(encoding="utf-8", newline="") as f:
            bodies = {r["Body ID"]: r["articleBody"] for r in csv.DictReader(f)}
        related: dict[str, list[str]] = defaultdict(list)
        for name in stance_files:
            with (data / folder / name).open(encoding="utf-8", newline="") as f:
                for r in csv.DictReader(f):
                    if r["Stance"] != "unrelated":
                        related[r["Body ID"]].append(" ".join(r["Headline"].split()))
        for body_id in tqdm(sorted(related, key=int), desc=folder, unit="body"):
            sents = [" ".join(s.split()) for _, _, s in sentences(bodies[body_id])]
            if not sents:
                continue
            vectors = embedder.encode(sents)
            headlines = list(dict.fromkeys(related[body_id]))
            for headline, hv in zip(headlines, embedder.encode(headlines), strict=True):
                order = np.argsort(-(vectors @ hv), kind="stable")
                for i in order[:per_pair]:
                    if (headline, sents[i]) in seen:
                        continue
                    seen.add((headline, sents[i]))
                    rows.append(
                        {
                            "claim": headline,
                            "evidence": sents[i],
                            "source": "transfer",
                            "group": f"fnc1/{body_id}",
                            "split": "train",
                        }
                    )
    return rows


def _overlaps(span: tuple[int, int], taken: set[tuple[int, int]]) -> bool:
    """The packets and this split cut sentences the same way (syntok), but a pair may name a span
    that covers two of them: any overlap counts as annotated."""
    return any(min(span[1], e) > max(span[0], s) for s, e in taken)


def _with_teacher(rows: list[dict[str, Any]], probs: np.ndarray) -> list[Pair]:
    """Each row learning its teacher's probabilities (train.trainer fits `teacher`), their argmax as `label`."""
    return [
        cast(Pair, {**r, "label": LABELS[int(p.argmax())], "teacher": [round(float(x), 6) for x in p]})
        for r, p in zip(rows, probs, strict=True)
    ]


def label(rows: list[dict[str, Any]], teacher: Path, batch_size: int, bf16: bool) -> list[Pair]:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(teacher)
    model = AutoModelForSequenceClassification.from_pretrained(teacher, dtype=torch.float32).eval()
    ids, tts = encode(tok, cast(list[Pair], rows), 128)
    logits = predict_logits(model, ids, tts, tok.pad_token_id, batch_size=batch_size, bf16=bf16)
    probs = softmax(logits)
    return _with_teacher(rows, probs)


def label_onnx(rows: list[dict[str, Any]], model_dirs: list[Path]) -> list[Pair]:
    """The teachers' probabilities at temperature 1 from built graphs, averaged (docs/prereg/news40.md:
    the accurate reader with the shipped one, so that the student keeps its own reading where the
    larger reader is the one that errs), in chunks (a progress bar)."""
    probs = np.zeros((len(rows), len(LABELS)), dtype=np.float64)
    for model_dir in model_dirs:
        model = StanceModel(model_dir)
        for start in tqdm(range(0, len(rows), 512), desc=f"teacher {model_dir.name}", unit="chunk"):
            chunk = rows[start : start + 512]
            probs[start : start + len(chunk)] += softmax(model.logits([(r["claim"], r["evidence"]) for r in chunk]))
    probs /= len(model_dirs)
    return _with_teacher(rows, probs)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    teacher = ap.add_mutually_exclusive_group(required=True)
    teacher.add_argument("--teacher", type=Path, help="a train.stance checkpoint folder")
    teacher.add_argument(
        "--teacher-onnx",
        type=Path,
        nargs="+",
        help="built stance graph folders (model.onnx, stance.json); several: averaged",
    )
    ap.add_argument("--fnc-headlines", action="store_true", help="FNC-1 headlines against their related bodies")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--pairs", type=Path, nargs="+", default=[DEFAULT_PAIRS], help="news pair files (train split read)")
    ap.add_argument("--per-claim", type=int, default=3)
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--bf16", action="store_true", help="bf16 autocast: only where the CPU has bf16 instructions")
    a = ap.parse_args(argv)
    if a.fnc_headlines:
        missing = [f for f in FNC_FILES if not (a.data_dir / f).is_file()]
        if missing:
            ap.error(f"FNC-1 not found under {a.data_dir} (missing {', '.join(missing)}); --data-dir names the data")
        found = headline_candidates(a.data_dir, a.per_claim)
    else:
        found = candidates(a.pairs, a.data_dir, a.per_claim)
    print(f"{len(found)} transfer pairs from {len({r['group'] for r in found})} articles; the teacher reads them")
    rows = label_onnx(found, a.teacher_onnx) if a.teacher_onnx else label(found, a.teacher, a.batch_size, a.bf16)
    write_jsonl(a.out, rows)
    counts = {name: sum(r["label"] == name for r in rows) for name in LABELS}
    print(f"{a.out}: {len(rows)} rows, teacher's argmax {counts}")


if __name__ == "__main__":
    main()
