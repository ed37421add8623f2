"""onnxruntime thread settings for the stance model on a small host: threads x spin-waiting, on a
quiet machine and with one core kept busy (what the bot's pool or an ingest does beside a check).

    python bench/bench_threads.py [--rounds 30]

Each round scores one check's worth of pairs (CLAIMBOT_STANCE_CANDIDATES = 20 passages, in the
batches `check` uses) with a session built as index/stance/model.py builds it, and prints p50 / p95
per setting. The busy core is a separate process spinning in Python. Run it with nothing else on
the machine; the figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from claimbot.index.stance import BATCH, StanceModel, packaged_model_dir  # noqa: E402

CLAIM = "Pérez was killed in the assault"
EVIDENCE = [
    "CNN reported, citing a high government source, that he had been killed.",
    "Pérez announced that he and a small group of men were still alive.",
    "The government said the operation ended with several members of the band dead.",
    "No one was injured and the building suffered minor damage.",
    "Venezuelan special forces on Monday captured five members of a band led by a rebel police officer.",
] * 4


def burn(stop: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    while not stop.is_set():
        pass


def measure(threads: int, spinning: bool, rounds: int) -> tuple[float, float]:
    model = StanceModel(packaged_model_dir(), threads=threads, spinning=spinning)
    pairs = [(CLAIM, e) for e in EVIDENCE]
    model.logits(pairs[:BATCH])  # warm up
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        model.logits(pairs)
        times.append(time.perf_counter() - t0)
    times.sort()
    return statistics.median(times) * 1000, times[int(0.95 * (len(times) - 1))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=30)
    a = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print(f"one round: {len(EVIDENCE)} pairs (a check's stance step)")
    settings = [(threads, spinning) for threads in (1, 2) for spinning in (True, False)]
    for load in ("quiet", "one core busy"):
        stop = multiprocessing.Event()
        burner = multiprocessing.Process(target=burn, args=(stop,)) if load != "quiet" else None
        if burner:
            burner.start()
        try:
            for threads, spinning in settings:
                p50, p95 = measure(threads, spinning, a.rounds)
                print(
                    f"{load:<14} threads {threads}  spinning {'on ' if spinning else 'off'}  "
                    f"p50 {p50:7.1f} ms  p95 {p95:7.1f} ms"
                )
        finally:
            stop.set()
            if burner:
                burner.join()


if __name__ == "__main__":
    main()
