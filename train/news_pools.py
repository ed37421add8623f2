"""Training pools that mix the team's real-news pairs with the shipped model's pool (news2, news3).

The news rows come from `python -m train.news_annotation build` (one JSONL per split, sentence
text included); the pool is the shipped model's last one (train.stance_news_pairs' output). A run's
pool is the news train split repeated, plus replayed pool rows (a seeded sample, or all of them),
with the news dev rows and, with ``--pool-dev``, the pool's own dev rows as its dev split: a run
chosen on news dev can then be held to the general pairs as well (train.stance --guard-min).

    python -m train.news_pools --pool RUN/pool-news.jsonl --news-train RUN/news-train.jsonl \\
        --news-dev RUN/news-dev.jsonl --repeat 4 --replay all --pool-dev --out RUN/pool-full4.jsonl

News rows get the source ``news-<kind>`` and their article as group, so `--select-prefix news-`
picks them out of the dev split.

With ``--distil`` each replayed row also carries the shipped model's probabilities (softmax of its
raw logits) as ``teacher``, and the trainer fits those instead of the row's label (learning without
forgetting): the replay then holds the model to what it did on the pool, not to the pool's labels.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Any

from claimbot.index.evaluation import read_jsonl
from claimbot.index.stance import StanceModel, softmax
from train.pairs import Pair, read_pairs, write_jsonl

SEED = 13


def news_row(row: dict[str, Any], split: str) -> Pair:
    return {
        "claim": row["claim"],
        "evidence": row["evidence"],
        "label": row["label"],
        "source": "news-" + row["kind"],
        "group": row["article"],
        "split": split,
    }


def build_pool(
    pool: list[Pair],
    news_train: list[dict[str, Any]],
    news_dev: list[dict[str, Any]],
    *,
    repeat: int,
    replay: int | None,
    pool_dev: bool,
    seed: int = SEED,
    teacher: StanceModel | None = None,
) -> list[Pair]:
    """The run's rows, shuffled with `seed`; `replay` None takes every pool training row."""
    base = [r for r in pool if r["split"] == "train"]
    replayed = base if replay is None else random.Random(seed).sample(base, replay)
    if teacher is not None:
        probs = softmax(teacher.logits([(r["claim"], r["evidence"]) for r in replayed]))
        replayed = [{**r, "teacher": [round(float(p), 6) for p in row]} for r, row in zip(replayed, probs, strict=True)]
    rows: list[Pair] = [news_row(r, "train") for r in news_train] * repeat
    rows += [{**r, "split": "train"} for r in replayed]
    rows += [news_row(r, "dev") for r in news_dev]
    if pool_dev:
        rows += [r for r in pool if r["split"] == "dev"]
    random.Random(seed).shuffle(rows)
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pool", type=Path, required=True)
    ap.add_argument("--news-train", type=Path, required=True)
    ap.add_argument("--news-dev", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=2, help="times the news train split is repeated")
    ap.add_argument("--replay", default="16000", help="pool training rows replayed: a number, or 'all'")
    ap.add_argument("--pool-dev", action="store_true", help="add the pool's dev rows to the dev split")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument(
        "--distil",
        nargs="?",
        const="shipped",
        metavar="MODEL_DIR",
        help="replayed rows learn this stance model's probabilities (without a folder: the shipped model)",
    )
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    replay = None if a.replay == "all" else int(a.replay)
    rows = build_pool(
        read_pairs(a.pool),
        list(read_jsonl(a.news_train)),
        list(read_jsonl(a.news_dev)),
        repeat=a.repeat,
        replay=replay,
        pool_dev=a.pool_dev,
        seed=a.seed,
        teacher=None if a.distil is None else StanceModel(None if a.distil == "shipped" else Path(a.distil)),
    )
    write_jsonl(a.out, rows)
    train = sum(r["split"] == "train" for r in rows)
    print(f"{a.out}: {train} training rows, {len(rows) - train} dev rows")


if __name__ == "__main__":
    main()
