"""Ingest throughput and `check` latency at 10k and 100k passages of real news sentences.

    python bench/bench_index.py                     # 10k and 100k (about 15 min on 2 cores)
    python bench/bench_index.py --sizes 10000       # quick run
    python bench/bench_index.py --sizes 10000 --no-attribution   # ingest without speakers, to compare

Articles come from training-allowed sets under CLAIMBOT_DATA_DIR: FNC-1 and ARC article
bodies, then VitaminC and COVID-Fact evidence grouped by page/claim. Claims are FNC-1
headlines. Run it on a quiet machine: a training job on the same cores halves every figure.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import sys
import time
import zipfile
from collections import defaultdict
from pathlib import Path

csv.field_size_limit(sys.maxsize)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from claimbot.index.config import Settings  # noqa: E402
from claimbot.index.corpus import SourceOptions, read_inputs, shared_attributor  # noqa: E402
from claimbot.index.service import ClaimIndex  # noqa: E402


def articles(data: Path):
    for csv_path in [
        data / "nli-train/fnc-1-train/train_bodies.csv",
        data / "fnc-1/competition_test_bodies.csv",
        data / "nli-train/arc/arc_bodies.csv",
    ]:
        with csv_path.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                yield {"text": row["articleBody"], "title": None, "outlet": csv_path.parent.name}
    pages: dict[str, list[str]] = defaultdict(list)
    with zipfile.ZipFile(data / "vitaminc/vitaminc_real.zip") as z:
        name = next(n for n in z.namelist() if n.endswith(".jsonl"))
        for line in z.open(name):
            rec = json.loads(line)
            if rec["evidence"] not in pages[rec["page"]]:
                pages[rec["page"]].append(rec["evidence"])
    for page, sentences in pages.items():
        yield {"text": "\n\n".join(sentences), "title": page, "outlet": "Wikipedia"}
    with (data / "covid-fact/COVIDFACT_dataset.jsonl").open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            yield {"text": "\n\n".join(rec["evidence"]), "title": rec["claim"], "outlet": "web"}


def write_batch(source, path: Path, sentences: int) -> None:
    """The next articles of `source`, about `sentences` sentences of them, as a JSONL file, so that
    ingestion runs its real path (read, split, attribute, embed, store)."""
    with path.open("w", encoding="utf-8") as f:
        estimated = 0
        for article in source:
            f.write(json.dumps(article) + "\n")
            estimated += max(1, article["text"].count(". ") + article["text"].count("\n\n"))
            if estimated >= sentences:
                break


def claims(data: Path, n: int) -> list[str]:
    seen: dict[str, None] = {}
    with (data / "fnc-1/competition_test_stances.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            seen.setdefault(row["Headline"], None)
            if len(seen) == n:
                break
    return list(seen)


def latency(index: ClaimIndex, queries: list[str]) -> dict[str, float]:
    for q in queries[:20]:
        index.check(q)
    times = []
    for q in queries:
        t = time.perf_counter()
        index.check(q)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {
        "p50_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "max_ms": times[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--no-attribution",
        action="store_true",
        help="ingest without speaker attribution (CLAIMBOT_ATTRIBUTION=false), to measure what it costs",
    )
    parser.add_argument(
        "--embed-chunk",
        type=int,
        default=Settings().ingest_batch,
        help="sentences embedded together when ingesting files (CLAIMBOT_INGEST_BATCH), to compare sizes",
    )
    parser.add_argument(
        "--latency-only",
        action="store_true",
        help="time `check` on the index an earlier run left in --out, without ingesting (build a large "
        "index once, then take latency figures on a quiet machine)",
    )
    args = parser.parse_args()

    settings = Settings()
    home = args.out / "home"
    if args.latency_only:
        index = ClaimIndex(Settings(CLAIMBOT_HOME=home))
        passages = index.store.counts()[1]
        if not passages:
            raise SystemExit(f"no index in {home}: run without --latency-only first")
        lat = latency(index, claims(settings.data_dir, args.queries))
        print(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}"
        )
        print(
            f"{passages:,} passages ({'hnsw' if index.vectors.is_hnsw else 'exact'}): check p50 {lat['p50_ms']:.1f} ms, "
            f"p95 {lat['p95_ms']:.1f} ms, max {lat['max_ms']:.1f} ms over {args.queries} claims"
        )
        index.close()
        return
    shutil.rmtree(home, ignore_errors=True)
    os.environ["CLAIMBOT_HOME"] = str(home)
    index = ClaimIndex(
        Settings(
            CLAIMBOT_HOME=home, CLAIMBOT_ATTRIBUTION=not args.no_attribution, CLAIMBOT_INGEST_BATCH=args.embed_chunk
        )
    )
    if not args.no_attribution:
        # Loaded before timing, as the embedding model is: the figure is the per-sentence rate.
        shared_attributor()
    queries = claims(settings.data_dir, args.queries)
    source = articles(settings.data_dir)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}"
    )
    print(f"attribution: {'off' if args.no_attribution else 'on'}; embedded {args.embed_chunk} sentences at a time")
    print(f"{'passages':>9} {'ingest s':>9} {'sent/s':>8} {'vector':>7} {'check p50':>10} {'p95':>8} {'max':>8}")
    workdir = args.out / "batches"
    workdir.mkdir(parents=True, exist_ok=True)
    total_seconds = 0.0
    total_passages = 0
    for size in sorted(args.sizes):
        batch_file = workdir / f"upto-{size}.jsonl"
        write_batch(source, batch_file, size - total_passages)
        report = index.ingest(read_inputs([str(batch_file)], SourceOptions()))
        total_seconds += report.seconds
        total_passages += report.passages
        lat = latency(index, queries)
        kind = "hnsw" if index.vectors.is_hnsw else "exact"
        print(
            f"{total_passages:>9,} {report.seconds:>9.1f} {report.passages / report.seconds:>8.1f} {kind:>7} "
            f"{lat['p50_ms']:>8.1f}ms {lat['p95_ms']:>6.1f}ms {lat['max_ms']:>6.1f}ms",
            flush=True,
        )
    print(f"overall ingest: {total_passages / total_seconds:.1f} sentences/s over {total_passages:,} passages")
    # The ceiling: the same embedding texts through the same model in the same run, nothing else.
    texts = [t for _, batch in index.store.iter_embed_texts() for t in batch]
    started = time.perf_counter()
    index.embedder.encode(texts)
    raw = len(texts) / (time.perf_counter() - started)
    print(
        f"raw embedding of the same texts: {raw:.1f} sentences/s; ingest runs at {total_passages / total_seconds / raw:.2f} of it"
    )
    index.close()


if __name__ == "__main__":
    main()
