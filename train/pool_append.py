"""A training pool with rows files appended, each a given number of times (the news chain's pools).

news11-news21 each trained on the one before's pool plus new rows: the guard pairs eight times,
the entity rows once, the train neighbours twice, the profile rows three times, and so on
(docs/news22-recipe.toml). Appended rows keep their order, each file's copies one after another,
and the trainer shuffles by its seed; so the same parts in the same order give the same pool, byte
for byte. Rows written by `train.news_annotation build` (a team pair with its sentence: ``kind``,
``article``) are read as `train.news_pools` reads them (source ``news-<kind>``, group the article);
rows already in the pool's format are taken as they are.

    python -m train.pool_append --base RUN/pool-news5.jsonl --add RUN/guard-train.jsonl:8 --out RUN/pool-news11.jsonl
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, cast

from claimbot.index.evaluation import read_jsonl
from train.news_pools import news_row
from train.pairs import Pair, read_pairs, write_jsonl


def parse_part(text: str) -> tuple[Path, int]:
    """``FILE`` or ``FILE:N`` (N ≥ 1 copies)."""
    head, sep, tail = text.rpartition(":")
    path, times = (head, int(tail)) if sep and tail.isdigit() else (text, 1)
    if times < 1:
        raise argparse.ArgumentTypeError(f"{text}: the number of copies must be at least 1")
    return Path(path), times


def as_pool_rows(rows: list[dict[str, Any]], origin: Path) -> list[Pair]:
    """Training rows in the pool's format. Appended rows are trained on: a dev or test row here would
    be trained on in silence, so a file that holds one is refused."""
    for n, r in enumerate(rows, 1):
        if r.get("split", "train") != "train":
            sys.exit(f"{origin}:{n}: a {r['split']} row; only training rows are appended")
    return [news_row(r, "train") if "kind" in r and "source" not in r else cast(Pair, r) for r in rows]


def append(base: list[Pair], parts: list[tuple[list[Pair], int]]) -> list[Pair]:
    out = list(base)
    for rows, times in parts:
        out += rows * times
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", type=Path, required=True, help="the pool the rows are appended to")
    ap.add_argument(
        "--add", type=parse_part, action="append", required=True, metavar="FILE[:N]", help="rows file, N copies (1)"
    )
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    for path in [a.base, *(p for p, _ in a.add)]:
        if not path.is_file():
            sys.exit(f"no rows file at {path}")
    parts = [(as_pool_rows(list(read_jsonl(path)), path), times) for path, times in a.add]
    rows = append(read_pairs(a.base), parts)
    write_jsonl(a.out, rows)
    added = sum(len(r) * t for r, t in parts)
    print(f"{a.out}: {len(rows)} rows ({added} appended)")


if __name__ == "__main__":
    main()
