"""Transfer rows for distilling a larger reader into MiniLM (docs/prereg/news10.md): the other
sentences of each training article that a claim would retrieve, read by the teacher.

    python -m train.news_distil --teacher RUN/news9/run/ckpt-N --out RUN/transfer.jsonl [--per-claim 3]

The team's pairs give each claim the one sentence it was written about. At claim time the search
shows the claim the other sentences of the same article as well, most of them about the same people
with another detail: where the shipped reader and the news-trained ones still take sides wrongly. For
every claim of the pairs' train split, the `--per-claim` sentences of its article nearest the claim
(MiniLM cosine, the dense search's measure), other than the ones annotated for it, are read by the
teacher (torch; `--bf16` where the CPU has bf16 instructions). Each row carries the teacher's probabilities as
`teacher` (train.trainer fits them instead of a label), their argmax as `label`, source
`transfer`, the article as group. Only train-split articles are read.
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch

from claimbot.index.evaluation import DEFAULT_PAIRS, load_pairs, read_articles
from claimbot.index.search import shared_embedder
from claimbot.index.stance import softmax
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


def _overlaps(span: tuple[int, int], taken: set[tuple[int, int]]) -> bool:
    """The packets and this split cut sentences the same way (syntok), but a pair may name a span
    that covers two of them: any overlap counts as annotated."""
    return any(min(span[1], e) > max(span[0], s) for s, e in taken)


def label(rows: list[dict[str, Any]], teacher: Path, batch_size: int, bf16: bool) -> list[Pair]:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(teacher)
    model = AutoModelForSequenceClassification.from_pretrained(teacher, dtype=torch.float32).eval()
    ids, tts = encode(tok, cast(list[Pair], rows), 128)
    logits = predict_logits(model, ids, tts, tok.pad_token_id, batch_size=batch_size, bf16=bf16)
    probs = softmax(logits)
    return [
        cast(Pair, {**r, "label": LABELS[int(p.argmax())], "teacher": [round(float(x), 6) for x in p]})
        for r, p in zip(rows, probs, strict=True)
    ]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--teacher", type=Path, required=True, help="a train.stance checkpoint folder")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--pairs", type=Path, nargs="+", default=[DEFAULT_PAIRS], help="news pair files (train split read)")
    ap.add_argument("--per-claim", type=int, default=3)
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--bf16", action="store_true", help="bf16 autocast: only where the CPU has bf16 instructions")
    a = ap.parse_args(argv)
    found = candidates(a.pairs, a.data_dir, a.per_claim)
    print(f"{len(found)} transfer pairs from {len({r['group'] for r in found})} articles; the teacher reads them")
    rows = label(found, a.teacher, a.batch_size, a.bf16)
    write_jsonl(a.out, rows)
    counts = {name: sum(r["label"] == name for r in rows) for name in LABELS}
    print(f"{a.out}: {len(rows)} rows, teacher's argmax {counts}")


if __name__ == "__main__":
    main()
