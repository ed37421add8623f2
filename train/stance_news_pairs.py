"""Add real-news pairs from the training half of PolNeAR dev to a training pool (issue 3).

Every recent model's wrong demo verdicts come from sentences about the same person that state
another fact (a profile sentence, another event) read as taking a side, and the news selection
set's on-topic neutrals fell as dev rose (docs/stance-model.md). The pool had no real news sentence
labelled neutral against a claim about its own subject. This builds `train/stance_news.py`'s pairs
(report, negated, other, hedged, and more same-entity neutrals per claim) from the articles of the
``train`` half only, and appends them, repeated, as training pairs. The ``selection`` half stays
for choosing checkpoints. Dev pairs are copied unchanged.

    python -m train.stance_news_pairs --pool RUN/pool-cues.jsonl --out RUN/pool-news.jsonl --repeat 3
"""

from __future__ import annotations

import argparse
import collections
from pathlib import Path

from train.pairs import Pair, make_pair, read_pairs, write_jsonl
from train.stance_news import build, polnear_dev_or_exit


def training_rows(data: Path, repeat: int, entity_per_claim: int) -> list[Pair]:
    pairs = build(data, articles="train", entity_per_claim=entity_per_claim)
    rows: list[Pair] = [
        {
            **make_pair(p["claim"], p["evidence"], p["label"], f"polnear-{p['kind']}", f"polnear:{p['group']}"),
            "split": "train",
        }
        for p in pairs
    ]
    return rows * repeat


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pool", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--data-dir", type=Path, default=None, help="default: CLAIMBOT_DATA_DIR or ../shared/data")
    ap.add_argument("--repeat", type=int, default=3, help="copies of each news pair (they are few)")
    ap.add_argument("--entity-per-claim", type=int, default=5, help="same-entity neutral sentences per claim")
    a = ap.parse_args(argv)
    if not a.pool.is_file():
        ap.error(f"no pool at {a.pool} (python -m train.stance_data writes one)")
    if a.repeat < 1:
        ap.error("--repeat must be at least 1")
    if a.entity_per_claim < 0:
        ap.error("--entity-per-claim must be 0 or more")
    added = training_rows(polnear_dev_or_exit(a.data_dir), a.repeat, a.entity_per_claim)
    write_jsonl(a.out, [*read_pairs(a.pool), *added])
    counts = collections.Counter(f"{r['source']}:{r['label']}" for r in added)
    print(f"added {len(added)} pairs ({len(added) // a.repeat} distinct) {dict(sorted(counts.items()))} -> {a.out}")


if __name__ == "__main__":
    main()
