"""Which moderators' corrections `find_correction` shows, on the team's claim / reviewed-claim pairs.

Each English pair of data/factcheck-pairs/*.jsonl is read as a stored correction (`reviewed`) and a
later claim (`claim`); its `match` field says whether the correction should be shown. Every distinct
reviewed claim is answered, flagged and corrected in a guild of its own (a fresh SQLite database,
through `ReviewService`, with the packaged embedder), then `find_correction` is asked about each of
its claims. Pre-registered in docs/prereg/correction-match.md.

    python bench/bench_correction_match.py [--threshold 0.80] [--show 20] [--no-reader] [--timing]

Prints the true and false matches (gold true / false pairs for which a correction is shown), by kind
of pair, and the false matches themselves. CPU, a few minutes (one embedding of each text, the
fact-check reader on each candidate pair). `--no-reader`: the service without the reader (similarity
at the threshold alone, as before candidate 2). `--timing`: instead, `find_correction`'s time in a
guild with 100 corrections, with and without the reader (the median of the calls).
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from claimbot.index.config import Settings  # noqa: E402
from claimbot.index.factchecks import FactCheckReader  # noqa: E402
from claimbot.index.records import ArticleRef, CheckResult, PassageResult  # noqa: E402
from claimbot.index.review import Confirm, ReviewLimits, ReviewService, claim_key, normalise_claim  # noqa: E402
from claimbot.index.search import shared_embedder  # noqa: E402
from claimbot.index.stance import StanceModel  # noqa: E402
from claimbot.index.storage import make_engine, upgrade  # noqa: E402

PAIRS = ROOT / "data" / "factcheck-pairs"
ASKER, FLAGGER, MOD = 11, 12, 21


def english_pairs() -> list[dict[str, object]]:
    pairs = []
    for path in sorted(PAIRS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                pair = json.loads(line)
                if pair["reviewed_lang"] == "en" and pair["claim_lang"] == "en":
                    pairs.append({**pair, "file": path.name})
    return pairs


def answered(claim: str) -> CheckResult:
    article = ArticleRef(id=1, title="t", outlet="o", url="https://example.org/a", published="2026-01-01")
    passage = PassageResult(text="p", relevance=1.0, article=article, char_start=0, char_end=1)
    return CheckResult(claim=claim, verdict=None, passages=[passage])


def correct(svc: ReviewService, guild: int, reviewed: str) -> None:
    """`reviewed` answered, flagged and corrected in `guild`, as a moderator does it."""
    answer = svc.record_answer(guild, channel_id=5, asker_id=ASKER, result=answered(reviewed), shown=1)
    flag = svc.flag(guild, answer.id, FLAGGER, "wrong").flag
    svc.review(guild, flag.id, MOD, "correct", verdict="false", note="bench")


def timing(make: Callable[[Confirm | None], ReviewService], pairs: list[dict[str, object]], calls: int) -> None:
    """`find_correction`'s time in one guild with 100 corrections, without and with the reader."""
    reviewed = list(dict.fromkeys(str(p["reviewed"]) for p in pairs))[:100]
    claims = [str(p["claim"]) for p in pairs if str(p["reviewed"]) in set(reviewed)][:calls]
    reader = FactCheckReader(lambda weights: StanceModel(weights, Settings().stance_threads))
    start = time.perf_counter()
    reader.same_claim("warm", ["up"])
    print(f"reader loaded in {time.perf_counter() - start:.2f} s (once, on a guild's first candidate)")
    read: list[int] = []

    def confirm(claim: str, reviewed: list[str]) -> list[bool]:
        read.append(len(reviewed))
        return reader.same_claim(claim, reviewed)

    # A guild of its own for each run, each with the same 100 corrections.
    for guild, (name, svc) in enumerate((("without the reader", make(None)), ("with the reader", make(confirm))), 1):
        for text in reviewed:
            correct(svc, guild, text)
        took = []
        for claim in claims:
            start = time.perf_counter()
            svc.find_correction(guild, claim)
            took.append(time.perf_counter() - start)
        print(
            f"{name}: median {1000 * statistics.median(took):.1f} ms, max {1000 * max(took):.1f} ms, {len(took)} calls"
        )
    print(
        f"the reader read {sum(read)} pairs in {len(read)} of the {len(claims)} calls (at most {max(read, default=0)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=Settings().correction_threshold)
    parser.add_argument("--show", type=int, default=20, help="false matches to print")
    parser.add_argument("--no-reader", action="store_true", help="similarity at the threshold alone")
    parser.add_argument("--timing", type=int, default=0, metavar="CALLS", help="time this many calls instead")
    args = parser.parse_args()

    settings = Settings()
    model = shared_embedder(settings.embed_model, settings.embed_batch_size, settings.torch_threads)
    pairs = english_pairs()
    # Every text is embedded once, in batches; the service's calls read the vectors back.
    texts = sorted({normalise_claim(str(p[k])) or str(p[k]) for p in pairs for k in ("reviewed", "claim")})
    vectors = dict(zip(texts, model.encode(texts), strict=True))

    def embed(batch: list[str]) -> np.ndarray:
        return np.stack([vectors[t] if t in vectors else model.encode([t])[0] for t in batch])

    limits = ReviewLimits(correction_threshold=args.threshold)
    guilds: dict[tuple[object, object, object], int] = {}
    shown: list[bool] = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)

        def make(confirm: Confirm | None) -> ReviewService:
            return ReviewService(engine, limits=limits, embed=embed, embed_model=model.name, confirm=confirm)

        if args.timing:
            timing(make, pairs, args.timing)
            engine.dispose()
            return
        reader = None if args.no_reader else FactCheckReader(lambda w: StanceModel(w, settings.stance_threads))
        svc = make(reader.same_claim if reader else None)
        for pair in pairs:
            key = (pair["file"], pair["group"], pair["reviewed"])
            if key not in guilds:
                guilds[key] = guild = len(guilds) + 1
                correct(svc, guild, str(pair["reviewed"]))
            shown.append(svc.find_correction(guilds[key], str(pair["claim"])) is not None)
        engine.dispose()

    by_kind: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for pair, found in zip(pairs, shown, strict=True):
        by_kind[str(pair["kind"])]["n"] += 1
        by_kind[str(pair["kind"])]["shown"] += found
    true_n = sum(1 for p in pairs if p["match"])
    true_shown = sum(1 for p, f in zip(pairs, shown, strict=True) if p["match"] and f)
    false_shown = [p for p, f in zip(pairs, shown, strict=True) if not p["match"] and f]
    exact = sum(1 for p in false_shown if claim_key(str(p["claim"])) == claim_key(str(p["reviewed"])))
    reading = "similarity alone" if args.no_reader else "the detail rules and the fact-check reader"
    print(f"{len(pairs)} English pairs, {len(guilds)} corrections, threshold {args.threshold:.2f}, {reading}")
    print(f"true matches:  {true_shown} of {true_n}")
    print(f"false matches: {len(false_shown)} of {len(pairs) - true_n} (of them, same text: {exact})")
    print(f"shown that are right: {true_shown / max(1, true_shown + len(false_shown)):.3f}")
    print("\nkind              shown / pairs")
    for kind, counts in sorted(by_kind.items()):
        print(f"  {kind:16s} {counts['shown']:5d} / {counts['n']}")
    print("\nfalse matches:")
    for p in false_shown[: args.show]:
        print(f"  [{p['kind']}] {p['reviewed']!r}\n      -> {p['claim']!r}")


if __name__ == "__main__":
    main()
