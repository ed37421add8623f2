"""How well a claim is matched to the claim a fact-checker reviewed: precision and recall of "this
claim is the claim that was fact-checked" on the team's claim / fact-check pairs (data/factcheck-pairs).

    python bench/bench_factcheck_match.py                       # the fitting pairs, split in halves
    python bench/bench_factcheck_match.py --test-pairs NEW.jsonl --at fitted   # fit on all, score a new set once

(The figures in docs/factchecks.md name, for each test set, the sets written before it: `--pairs`.)

The match `check` applies (index/factchecks/service.py), by kind of pair:
- both claims English (as `detect_language` reads them; unsure counts as English): similarity in
  the multilingual encoder at least the reader's `candidate_similarity`, no detail disagreement
  (index/factchecks/match.py), and the fact-check reader's `supports` at its threshold (both
  shipped in index/factchecks/weights/stance.json, fixed when the reader was trained);
- one language the reader cannot read: similarity at least CLAIMBOT_FACTCHECK_THRESHOLD, no
  detail disagreement;
- two languages: similarity at least CLAIMBOT_FACTCHECK_THRESHOLD_CROSS, no detail disagreement.

The two similarity thresholds are refitted on the fitting pairs by the rule used since the first
measurement (the lowest threshold with precision >= the target) and printed beside the settings'
defaults; the test pairs are scored at the defaults, or with `--at fitted` at the refitted ones. In the same run the rule shipped before the
reader (one language 0.87 with the stance model's `supports` for English pairs, two languages
0.65) is scored on the same pairs, for the comparison docs/prereg/factcheck-reader.md asks for.
Without --test-pairs the fitting pairs' groups are split in seeded halves (dev / test), as before.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

import numpy as np

from claimbot.index.config import Settings
from claimbot.index.factchecks import (
    FactCheckReader,
    MultilingualEncoder,
    detect_language,
    disagreement,
    same_language,
    stance_reads,
)
from claimbot.index.stance import StanceModel, packaged_model_dir

REPO = Path(__file__).resolve().parents[1]
# Every set written so far; each fresh set was a test set once, before it joined these.
FITTING = [
    REPO / "data" / "factcheck-pairs" / f"{name}.jsonl"
    for name in ("pairs", "fresh", "fresh2", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7", "fresh8")
]
MATCHING = {"paraphrase", "translation", "partial"}
# The rule shipped before the reader (docs/factchecks.md, 2026-12-05, session 7).
PREVIOUS_ONE_LANGUAGE, PREVIOUS_CROSS = 0.87, 0.65


def precision_recall(predicted: np.ndarray, gold: np.ndarray) -> tuple[float, float, int]:
    tp = int((predicted & gold).sum())
    precision = tp / int(predicted.sum()) if predicted.any() else 1.0
    recall = tp / int(gold.sum()) if gold.any() else 0.0
    return precision, recall, int(predicted.sum())


def fitted_threshold(similarity: np.ndarray, gold: np.ndarray, target: float) -> float | None:
    for t in np.round(np.arange(0.30, 0.99, 0.01), 2):
        p, _, n = precision_recall(similarity >= t, gold)
        if n and p >= target:
            return float(t)
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=Path, nargs="+", default=FITTING, help="the fitting pairs")
    ap.add_argument("--target-precision", type=float, default=0.95)
    ap.add_argument("--test-pairs", type=Path, help="fit on every pair of --pairs, score these once")
    ap.add_argument("--reader", type=Path, default=None, help="a fact-check reader folder (default: the packaged one)")
    ap.add_argument(
        "--at",
        choices=("defaults", "fitted"),
        default="defaults",
        help="score at the settings' similarity thresholds, or at those refitted on the fitting pairs",
    )
    a = ap.parse_args()
    rows = [r for path in a.pairs for r in _read(path)]
    groups = sorted({r["group"] for r in rows})
    if a.test_pairs:
        test_rows = _read(a.test_pairs)
        if {r["group"] for r in test_rows} & set(groups):
            ap.error("--test-pairs shares group ids with --pairs")
        fit = np.array([True] * len(rows) + [False] * len(test_rows))
        rows += test_rows
    else:
        dev_groups = set(random.Random(13).sample(groups, len(groups) // 2))
        fit = np.array([r["group"] in dev_groups for r in rows])
    print(f"{len(rows)} pairs: fitting {int(fit.sum())}, test {int((~fit).sum())}")

    encoder = MultilingualEncoder()
    texts = sorted({r["claim"] for r in rows} | {r["reviewed"] for r in rows})
    vectors = dict(zip(texts, encoder.encode(texts), strict=True))
    languages = {t: detect_language(t) for t in texts}
    similarity = np.array([float(vectors[r["claim"]] @ vectors[r["reviewed"]]) for r in rows])
    agree = np.array([disagreement(r["claim"], r["reviewed"]) is None for r in rows])
    gold = np.array([bool(r["match"]) for r in rows])
    english = np.array([stance_reads(languages[r["claim"]]) and stance_reads(languages[r["reviewed"]]) for r in rows])
    cross = np.array([not same_language(languages[r["claim"]], languages[r["reviewed"]]) for r in rows])
    other = ~english & ~cross
    pairs = [(r["claim"], r["reviewed"]) for r in rows]

    reader = FactCheckReader(StanceModel, a.reader)
    read = np.zeros(len(rows), dtype=bool)
    english_rows = np.flatnonzero(english)
    read[english_rows] = reader.same_claim_pairs([pairs[i] for i in english_rows])
    stance = StanceModel(packaged_model_dir())
    supports = np.array([s.label == "supports" for s in stance.score(pairs)])

    defaults = Settings(_env_file=None)
    thresholds = {"one": defaults.factcheck_threshold, "cross": defaults.factcheck_threshold_cross}
    for key, label, kind in (("one", "one language, not English", other), ("cross", "two languages", cross)):
        mask = fit & kind
        chosen = fitted_threshold(np.where(agree[mask], similarity[mask], -1.0), gold[mask], a.target_precision)
        shown = "none reaches it" if chosen is None else f"{chosen:.2f}"
        print(
            f"{label}: fitted threshold (precision >= {a.target_precision}) {shown}; the default is {thresholds[key]:.2f}"
        )
        if a.at == "fitted" and chosen is not None:
            thresholds[key] = chosen

    now = agree & np.where(
        english,
        (similarity >= reader.config.candidate_similarity) & read,
        similarity >= np.where(cross, thresholds["cross"], thresholds["one"]),
    )
    before = (
        agree
        & (similarity >= np.where(cross, PREVIOUS_CROSS, PREVIOUS_ONE_LANGUAGE))
        & np.where(english, supports, True)
    )
    print(
        f"\nthe match now: reader {reader.config.version} (similarity >= {reader.config.candidate_similarity:.2f}), "
        f"one language {thresholds['one']:.2f}, two {thresholds['cross']:.2f}; "
        f"before: {PREVIOUS_ONE_LANGUAGE} with the stance model's supports, two {PREVIOUS_CROSS}"
    )
    for part_name, part in (("fitting", fit), ("test", ~fit)):
        print(f"\n{part_name} pairs        | now: precision  recall  matched | before: precision  recall  matched")
        for label, kind in (
            ("English / English", english),
            ("one language, other", other),
            ("two languages", cross),
            ("all", np.ones(len(rows), dtype=bool)),
        ):
            mask = part & kind
            p, r, n = precision_recall(now[mask], gold[mask])
            bp, br, bn = precision_recall(before[mask], gold[mask])
            print(f"  {label:<21} ({int(mask.sum()):>4}) | {p:.3f}  {r:.3f}  {n:>4} | {bp:.3f}  {br:.3f}  {bn:>4}")

    test = ~fit
    kinds = Counter(r["kind"] for r, t in zip(rows, test, strict=True) if t)
    hit = Counter(r["kind"] for r, m, t in zip(rows, now, test, strict=True) if m and t)
    print("\nmatched now, by kind (test pairs):")
    for kind, n in kinds.most_common():
        print(f"  {kind:<17} {hit[kind]:>3} of {n:<3}  ({'should match' if kind in MATCHING else 'near miss'})")


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


if __name__ == "__main__":
    main()
