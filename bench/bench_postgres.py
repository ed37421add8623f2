"""Ingest throughput and `check` latency on PostgreSQL + pgvector, beside the embedded default.

    scripts/pg.sh start                      # a local server (prints its URL)
    python bench/bench_postgres.py --database-url postgresql+psycopg://postgres@127.0.0.1:54329/bench \
        --reset --sizes 10000 100000         # about 15 min of embedding on 2 cores, plus the HNSW upkeep
    python bench/bench_postgres.py --sizes 10000          # the same on the embedded SQLite + faiss setup
    python bench/bench_postgres.py --database-url ... --reset \
        --migrate-from sqlite:///bench/out/home/claimbot.db   # copy a benchmarked SQLite corpus instead
                                                              # of re-embedding it (1M passages)
    python bench/bench_postgres.py --database-url ... --measure-only --no-stance [--no-dense]
                                             # time a database as it stands (full text alone with --no-dense)

Same articles and claims as bench/bench_index.py (training-allowed sets under CLAIMBOT_DATA_DIR). For
each size it prints ingest sentences/s and three latencies over the claims: `check` as the bot runs
it (embedding, retrieval, stance), and the two database-side retrievals alone (dense top-k, full-text
top-k), which is where the backends differ. `--json FILE` appends one JSON line per size.
Run it on a quiet machine: another job on the same cores halves every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_index import articles, claims, write_batch  # noqa: E402
from sqlalchemy import create_engine, make_url, text  # noqa: E402

from claimbot.index.config import PgFullText, Settings  # noqa: E402
from claimbot.index.corpus import SourceOptions, read_inputs  # noqa: E402
from claimbot.index.service import ClaimIndex  # noqa: E402


def timings(fn: Callable[[str], object], queries: list[str], warmup: int = 10) -> dict[str, float]:
    for q in queries[:warmup]:
        fn(q)
    times = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"p50_ms": statistics.median(times), "p95_ms": times[int(0.95 * (len(times) - 1))], "max_ms": times[-1]}


def reset_database(url: str) -> None:
    """Drop everything claimbot made in --database-url (only with --reset): its public schema, with
    the tables, triggers, functions and extensions the migrations create; each run starts empty."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def every_posting_baseline(index: ClaimIndex, queries: list[str], k: int) -> dict[str, float]:
    """PostgreSQL's full text with MaxScore off (every posting of every term read), timed per claim
    beside the default, and how many claims get the very same top k from both."""
    times, same = [], 0
    for n, q in enumerate(queries):
        started = time.perf_counter()
        every = index.store.lexical_search(q, k, rare_postings=10**12)
        if n >= 10:  # the same warm-up as timings()
            times.append((time.perf_counter() - started) * 1000)
        same += every == index.store.lexical_search(q, k)
    times.sort()
    return {"p50_ms": statistics.median(times), "p95_ms": times[int(0.95 * (len(times) - 1))], "same": same}


def database_size(index: ClaimIndex) -> str:
    if not index.store.is_postgres:
        return "-"
    with index.store.engine.connect() as c:
        size = c.execute(text("SELECT pg_size_pretty(pg_total_relation_size('passages'))")).scalar()
    return str(size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="postgresql+psycopg://...; default: the embedded SQLite setup")
    parser.add_argument("--reset", action="store_true", help="drop claimbot's tables in --database-url first")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--migrate-from", help="copy this database with `claimbot migrate` instead of ingesting")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--no-stance", action="store_true", help="time retrieval only, not the full check")
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="time the database as it stands (e.g. after a --migrate-from run), ingesting nothing",
    )
    parser.add_argument("--no-dense", action="store_true", help="skip the vector search (no HNSW index yet)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out" / "pg")
    parser.add_argument("--json", type=Path, help="append one JSON line per size to this file")
    args = parser.parse_args()

    if args.reset and not args.database_url:
        parser.error("--reset needs --database-url")
    if args.reset and args.measure_only:
        parser.error("--measure-only measures what is there: no --reset")
    if args.reset:
        reset_database(args.database_url)
    home = args.out / "home"
    shutil.rmtree(home, ignore_errors=True)
    os.environ["CLAIMBOT_HOME"] = str(home)
    settings = Settings(CLAIMBOT_HOME=home, DATABASE_URL=args.database_url)
    queries = claims(settings.data_dir, args.queries)
    backend = f"postgresql ({make_url(args.database_url).database})" if args.database_url else "sqlite + faiss"
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}, backend: {backend}"
    )

    rows: list[dict] = []
    if args.migrate_from:
        from claimbot.index.storage import format_migration_report as format_report
        from claimbot.index.storage import run_migration as migrate

        if not args.database_url:
            parser.error("--migrate-from needs --database-url")
        started = time.perf_counter()
        # CLAIMBOT_PG_INDEX_MEMORY decides whether the HNSW graph is built in memory (docs/deploy.md, "Tuning notes").
        report = migrate(args.migrate_from, args.database_url, index_memory=settings.pg_index_memory)
        seconds = time.perf_counter() - started
        print(format_report(report))
        passages = next(t.target_rows for t in report.tables if t.table == "passages")
        print(
            f"migrated {passages:,} passages in {seconds:.1f} s ({passages / seconds:.0f} passages/s, HNSW build included)"
        )
        rows.append({"phase": "migrate", "passages": passages, "seconds": seconds})
        sizes: list[int] = []
        index = ClaimIndex(settings)
    else:
        sizes = sorted(args.sizes)
        index = ClaimIndex(settings)
    source = articles(settings.data_dir)
    workdir = args.out / "batches"
    workdir.mkdir(parents=True, exist_ok=True)
    total_passages = index.store.counts()[1]
    print(
        f"{'passages':>9} {'ingest s':>9} {'sent/s':>8} {'check p50':>10} {'p95':>8} "
        f"{'dense p50':>10} {'p95':>7} {'text p50':>9} {'p95':>7} {'table+idx':>10}"
    )

    def measure(ingest_s: float, ingested: int) -> None:
        k = settings.candidates
        # Query vectors computed up front: the dense figure is the vector search alone.
        vectors = dict(zip(queries, index.embedder.encode(queries), strict=True))
        none = {"p50_ms": float("nan"), "p95_ms": float("nan"), "max_ms": float("nan")}
        dense_search = none if args.no_dense else timings(lambda q: index.vectors.search(vectors[q], k), queries)
        lexical = timings(lambda q: index.store.lexical_search(q, k), queries)
        every = every_posting_baseline(index, queries, k) if index.store.is_postgres else None
        beside = None
        if index.store.is_postgres and settings.pg_fulltext is PgFullText.TANTIVY:
            # The Tantivy index a `serve` keeps on PostgreSQL: built from the database on first use,
            # then each search reads the change log's two marks first, as a check does.
            started = time.perf_counter()
            _ = index.fulltext
            built = time.perf_counter() - started
            beside = {"build_s": built, **timings(lambda q: index.lexical_search(q, k), queries)}
        check = None if args.no_stance else timings(lambda q: index.check(q), queries)
        row = {
            "backend": backend,
            "passages": total_passages,
            "ingest_s": ingest_s,
            "sentences_per_s": (ingested / ingest_s) if ingest_s else None,
            "check": check,
            "dense_search": dense_search,
            "lexical_search": lexical,
            "lexical_every_posting": every,
            "lexical_tantivy_beside": beside,
            "passages_table_size": database_size(index),
        }
        rows.append(row)
        rate = f"{ingested / ingest_s:>8.1f}" if ingest_s else f"{'-':>8}"
        check_p50 = f"{check['p50_ms']:>8.1f}ms {check['p95_ms']:>6.1f}ms" if check else f"{'-':>10} {'-':>8}"
        print(
            f"{total_passages:>9,} {ingest_s:>9.1f} {rate} {check_p50} "
            f"{dense_search['p50_ms']:>8.2f}ms {dense_search['p95_ms']:>5.2f}ms "
            f"{lexical['p50_ms']:>7.2f}ms {lexical['p95_ms']:>5.2f}ms {row['passages_table_size']:>10}",
            flush=True,
        )
        if beside:
            print(
                f"{'':>9} full text in the Tantivy index beside the process (CLAIMBOT_PG_FULLTEXT=tantivy): "
                f"{beside['p50_ms']:.2f} / {beside['p95_ms']:.2f} ms p50 / p95 (first build from the "
                f"database {beside['build_s']:.1f} s)",
                flush=True,
            )
        if every:
            print(
                f"{'':>9} full text reading every posting (MaxScore off): {every['p50_ms']:.2f} / "
                f"{every['p95_ms']:.2f} ms p50 / p95, same top {k} for {every['same']} of {len(queries)} claims",
                flush=True,
            )

    if args.migrate_from or args.measure_only:
        measure(0.0, 0)
        sizes = []
    for size in sizes:
        if size <= total_passages:
            continue
        batch_file = workdir / f"upto-{size}.jsonl"
        write_batch(source, batch_file, size - total_passages)
        report = index.ingest(read_inputs([str(batch_file)], SourceOptions()))
        total_passages += report.passages
        measure(report.seconds, report.passages)
    index.close()
    if args.json:
        with args.json.open("a", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
