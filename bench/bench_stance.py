"""Stance model throughput and the latency it adds to `claimbot check`.

    python bench/bench_stance.py                 # pairs/s at batch 16, then check latency
    python bench/bench_stance.py --pairs 800 --claims 30

Throughput: (claim, evidence) pairs from the training pool's kind of text (FEVER-style claims
against news sentences: here the evaluation sets' Climate-FEVER pairs, only timed, never
scored), scored in the model's batches as `check` does (8; one pair at a time for an int8
reader).  Latency: `check` on the demo corpus with and without the stance step
(CLAIMBOT_STANCE_CANDIDATES passages read per claim).  Run it on a quiet machine; the figures go
to docs/benchmarks.md with the machine noted.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from claimbot.index.config import Settings  # noqa: E402
from claimbot.index.corpus import SourceOptions, read_inputs  # noqa: E402
from claimbot.index.evaluation import eval_pairs  # noqa: E402
from claimbot.index.service import ClaimIndex, stance_model_for  # noqa: E402

DEMO = Path(__file__).resolve().parents[1] / "examples" / "corpus"
CLAIMS = [
    "Pérez was killed",
    "Óscar Pérez survived the assault",
    "Pérez was captured by the government",
    "Nobody was injured in the 2017 helicopter attack",
    "The government killed two officers",
    "Diosdado Cabello called Pérez a terrorist",
    "Pérez's mother asked the government to spare him",
    "The assault took place outside Caracas",
    "Pérez stole a police helicopter",
    "The Eiffel Tower is made of chocolate",
]


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=1600)
    ap.add_argument("--claims", type=int, default=40, help="check calls per variant")
    a = ap.parse_args()
    settings = Settings()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}"
    )
    model = stance_model_for(settings)  # CLAIMBOT_STANCE_MODEL or CLAIMBOT_STANCE_READER, as `check` chooses
    print(f"stance model: {model.version}")
    rows = eval_pairs(settings.data_dir, ["climate-fever"])["climate-fever"][: a.pairs]
    pairs = [(r["claim"], r["evidence"]) for r in rows]
    model.logits(pairs[:32])  # warm up
    t = time.perf_counter()
    model.logits(pairs)
    secs = time.perf_counter() - t
    print(f"stance: {len(pairs)} pairs in batches of {model.batch_size}: {len(pairs) / secs:.1f} pairs/s")
    singles = []
    for claim, evidence in pairs[:100]:
        t = time.perf_counter()
        model.logits([(claim, evidence)])
        singles.append(time.perf_counter() - t)
    print(f"stance: one pair at a time: {1 / statistics.mean(singles):.1f} pairs/s")

    with tempfile.TemporaryDirectory() as home:
        # the model chosen above: the accurate reader is built in the real CLAIMBOT_HOME, not this one
        index = ClaimIndex(Settings(CLAIMBOT_HOME=home), stance=model)
        index.ingest(read_inputs([str(DEMO)], SourceOptions()))
        claims = [CLAIMS[i % len(CLAIMS)] for i in range(a.claims)]
        index.check(claims[0])  # load models
        timings: dict[str, list[float]] = {"with stance": [], "retrieval only": []}
        for claim in claims:
            t = time.perf_counter()
            index.check(claim, top=5)
            timings["with stance"].append(time.perf_counter() - t)
            t = time.perf_counter()
            index.check(claim, top=5, stance=False)
            timings["retrieval only"].append(time.perf_counter() - t)
        index.close()
    for name, xs in timings.items():
        print(
            f"check ({name}, {settings.stance_candidates} candidates): p50 {1000 * percentile(xs, 0.5):.0f} ms, "
            f"p95 {1000 * percentile(xs, 0.95):.0f} ms over {len(xs)} claims"
        )


if __name__ == "__main__":
    main()
