"""Training pairs whose evidence is wrapped the way news sentences are (issue 3, robustness).

The model reads "Pérez announced that he … were still alive." as refuting "Pérez was killed" but
the same statement after "In the first of several videos released …," and before ", despite the
early-morning assault" as neutral (docs/stance-model.md). This copies a pool and, in a share of
the training pairs whose evidence is one plain sentence, gives the evidence a fronted
scene-setting phrase or a trailing adjunct taken from other training sentences (no numbers, no
month names), or drops its final period. The label stands: the sentence says the same thing.
Dev pairs are copied unchanged. Only the half of the phrases that `train/stance_views_eval.py` does
not use to decorate the dev slice is used here, so that measurement stays out of training.

    python -m train.stance_augment --pool RUN/pool.jsonl --out RUN/pool-decorated.jsonl --rate 0.2
"""

from __future__ import annotations

import argparse
import collections
import json
import random
from pathlib import Path

from train.pairs import read_pairs
from train.stance_views_eval import decorate, harvest


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pool", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--rate", type=float, default=0.2, help="share of eligible training pairs decorated")
    ap.add_argument("--drop-period", type=float, default=0.05, help="share of training evidence losing its period")
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args(argv)
    rows = read_pairs(a.pool)
    train_evidence = [r["evidence"] for r in rows if r["split"] == "train"]
    fronted, trailing = harvest(train_evidence, half=1, limit=10**9)
    rng = random.Random(a.seed)
    counts: collections.Counter[str] = collections.Counter()
    with a.out.open("w", encoding="utf-8") as out:
        for r in rows:
            if r["split"] == "train":
                if rng.random() < a.rate:
                    ev = decorate(r["evidence"], fronted, trailing, rng)
                    if ev:
                        r = {**r, "evidence": ev, "augment": "decorated"}
                        counts["decorated"] += 1
                elif rng.random() < a.drop_period and r["evidence"].rstrip().endswith("."):
                    r = {**r, "evidence": r["evidence"].rstrip()[:-1], "augment": "no-period"}
                    counts["no-period"] += 1
            counts[r["split"]] += 1
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(fronted)} fronted phrases, {len(trailing)} trailing adjuncts; {dict(counts)}")


if __name__ == "__main__":
    main()
