"""Two `claimbot ingest` workers against one, on the same PostgreSQL database (issue 26).

    scripts/pg.sh start
    python bench/bench_pg_workers.py --database-url postgresql+psycopg://postgres@127.0.0.1:54329/workers \
        [--sentences 6000] [--rounds 2]

The articles are the next ones of bench/bench_index.py's source (training-allowed FNC-1 and ARC
bodies under CLAIMBOT_DATA_DIR), written once as JSONL and split in two halves by alternate
articles. Each run starts from an empty database (its public schema dropped) and times, from the
first process start to the last exit, either one `claimbot ingest` of both halves or two
processes at once, one half each; the processes' start (imports, model loads, about 2 s each) is
inside the time. Runs alternate (one, two, one, two ...) so that a slower minute of the machine
hits both. Embedding threads per process: CLAIMBOT_TORCH_THREADS as given (default: both cores
for one worker, one core each for two; `--threads` overrides). Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_index import articles, write_batch  # noqa: E402
from bench_postgres import reset_database  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from claimbot.index.config import Settings  # noqa: E402


def passages(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as c:
        count = int(c.execute(text("SELECT count(*) FROM passages")).scalar() or 0)
    engine.dispose()
    return count


def run(url: str, home: Path, files: list[Path], threads: int) -> float:
    """Seconds from starting one `claimbot ingest` per file to the last one's exit."""
    env = os.environ | {"DATABASE_URL": url, "CLAIMBOT_HOME": str(home), "CLAIMBOT_TORCH_THREADS": str(threads)}
    cli = [sys.executable, "-m", "claimbot.bot.cli", "ingest"]
    started = time.perf_counter()
    procs = [
        subprocess.Popen([*cli, str(f)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for f in files
    ]
    codes = [p.wait() for p in procs]
    seconds = time.perf_counter() - started
    # 1: some articles had no text to index (a few FNC-1 bodies), the rest went in.
    if any(code not in (0, 1) for code in codes):
        sys.exit(f"claimbot ingest failed: exit codes {codes}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="postgresql+psycopg://... (its public schema is dropped)")
    parser.add_argument("--sentences", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, nargs=2, metavar=("ONE", "TWO"), help="embedding threads per process")
    args = parser.parse_args()
    settings = Settings()
    one_threads, two_threads = args.threads or (0, 1)
    with tempfile.TemporaryDirectory(prefix="claimbot-workers-") as tmp:
        work = Path(tmp)
        batch = work / "all.jsonl"
        write_batch(articles(settings.data_dir), batch, args.sentences)
        lines = batch.read_text(encoding="utf-8").splitlines(keepends=True)
        halves = [work / "a.jsonl", work / "b.jsonl"]
        for n, half in enumerate(halves):
            half.write_text("".join(lines[n::2]), encoding="utf-8")
        home = work / "home"
        # One small ingest first: the embedder's ONNX file is exported into the shared home once.
        warm = work / "warm.jsonl"
        warm.write_text(lines[0], encoding="utf-8")
        reset_database(args.database_url)
        run(args.database_url, home, [warm], one_threads)
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores; {len(lines)} articles; "
            f"threads per process: one worker {one_threads or 'all'}, two workers {two_threads or 'all'}",
            flush=True,
        )
        rates: dict[str, list[float]] = {"one worker": [], "two workers": []}
        for r in range(args.rounds):
            for label, files, threads in (
                ("one worker", [batch], one_threads),
                ("two workers", halves, two_threads),
            ):
                reset_database(args.database_url)
                seconds = run(args.database_url, home, files, threads)
                count = passages(args.database_url)
                rates[label].append(count / seconds)
                print(f"round {r + 1}  {label:<11}  {count:,} passages in {seconds:.1f} s = {count / seconds:.1f}/s")
        one, two = statistics.median(rates["one worker"]), statistics.median(rates["two workers"])
        print(f"median: one worker {one:.1f} passages/s, two workers {two:.1f} passages/s ({two / one:.2f}x)")


if __name__ == "__main__":
    main()
