"""The embedder's throughput when ingest hands it N sentences at a time (CLAIMBOT_INGEST_BATCH).

    python bench/bench_embed_chunks.py [--articles 200] [--chunks 256 1024 0] [--rounds 4]

The embedder sorts each call's sentences by length so that batches pad little; a larger call has
more sentences of each length. The sentences of the first `--articles` training-allowed articles
of bench_index.py (FNC-1 bodies first) are embedded in calls of each size, rounds interleaved
(0: all in one call, the raw figure bench_index.py compares ingest with). Nothing else should run.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_index import articles  # noqa: E402

from claimbot.index.config import Settings  # noqa: E402
from claimbot.index.corpus import split_sentences  # noqa: E402
from claimbot.index.search import shared_embedder  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--chunks", type=int, nargs="+", default=[256, 1024, 0])
    ap.add_argument("--rounds", type=int, default=4)
    args = ap.parse_args()
    texts = [
        s.text
        for a in itertools.islice(articles(Settings().data_dir), args.articles)
        for s in split_sentences(a["text"])
    ]
    embedder = shared_embedder()
    embedder.encode(texts[:64])
    rates: dict[int, list[float]] = {c: [] for c in args.chunks}
    for _ in range(args.rounds):
        for chunk in args.chunks:
            size = chunk or len(texts)
            started = time.perf_counter()
            for i in range(0, len(texts), size):
                embedder.encode(texts[i : i + size])
            rates[chunk].append(len(texts) / (time.perf_counter() - started))
    print(f"{len(texts):,} sentences of {args.articles} articles, {args.rounds} rounds")
    for chunk, r in rates.items():
        print(
            f"{chunk or 'all':>6} a call: median {statistics.median(r):.1f} sentences/s ({', '.join(f'{x:.0f}' for x in r)})"
        )


if __name__ == "__main__":
    main()
