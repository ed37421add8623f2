"""What reading a pasted post costs a check (`claimbot.index.claim.read_claim`: the cleanups, the
language told twice, a parse for a question or a closing hashtag).

    python bench/bench_claim_reading.py [--rounds 3]

Reads every post of data/news-pairs/social.jsonl and every claim of data/news-pairs/pairs.jsonl
(no data directory needed) and prints, for each, median and 95th-percentile milliseconds per text
after a warm-up (spaCy and the language detector loaded), and the share the reading changed. Run it
on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from claimbot.index.claim import read_claim

PAIRS = Path(__file__).resolve().parents[1] / "data" / "news-pairs"


def timed(texts: list[str], rounds: int) -> tuple[float, float, float]:
    """(p50 ms, p95 ms, share changed) over `rounds` passes, each text timed alone."""
    times: list[float] = []
    changed = 0
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            read_claim(text)
            times.append((time.perf_counter() - start) * 1000)
        changed = sum(read_claim(t).changed for t in texts)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], changed / len(texts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    posts = [json.loads(line)["post"] for line in (PAIRS / "social.jsonl").open(encoding="utf-8") if line.strip()]
    claims = [json.loads(line)["claim"] for line in (PAIRS / "pairs.jsonl").open(encoding="utf-8") if line.strip()]
    read_claim("was Pérez killed? 😱 #Venezuela https://t.co/x")  # loads spaCy and the detector
    for name, texts in (("posts", posts), ("team claims", claims)):
        p50, p95, share = timed(texts, a.rounds)
        print(f"{name:<12} {len(texts):>5} texts  p50 {p50:.2f} ms  p95 {p95:.2f} ms  changed {share:.1%}")


if __name__ == "__main__":
    main()
