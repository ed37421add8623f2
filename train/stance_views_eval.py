"""Does reading simpler views of a sentence (index/stance_views.py) help the stance model?

Measured on the training pool's held-out dev slice (never on an evaluation set), on two sets of
pairs, each scored as the whole sentence alone and as ``views`` (whole, clauses, core; the most
decided view wins, as `claimbot check` does):

* ``plain``: the dev pairs as they are;
* ``fronted`` (the "decorated" rows of docs/stance-model.md): each single-sentence dev evidence
  given a fronted scene-setting phrase ("In a statement released on Monday, …") or a trailing
  adjunct (", despite the protests.") taken from the training split's own sentences: the
  sentence says the same, so the gold label stands.

    python -m train.stance_views_eval --pool RUN/pool.jsonl [--news NEWS.jsonl]   # RUN: default $CLAIMBOT_RUNS_DIR/stance

With ``--news`` (the PolNeAR selection set of `train/stance_news.py`, training-allowed) it also
scores the news pairs and prints the confident threshold fitted on dev and news together. That
threshold is reported, not used: the news set's templated shapes are easier than the dev slice, and
the lower threshold they give turned safe `unverified` answers on the demo corpus into confident
nonsense (`train/demo_verdicts.py`, docs/stance-model.md).
"""

from __future__ import annotations

import argparse
import collections
import random
import re
import time
from pathlib import Path

import numpy as np

from claimbot.index.evaluation import L2I
from claimbot.index.evaluation import macro_f1 as shared_macro_f1
from claimbot.index.stance import DATE_PATTERN as _DATE
from claimbot.index.stance import FRONTED_PATTERN as _FRONTED
from claimbot.index.stance import TRAILING_PATTERN as _TRAILING
from claimbot.index.stance import (
    ClauseSplitter,
    StanceModel,
    StanceScore,
    pick_view,
    score_views,
    shared_clause_splitter,
    shared_stance_model,
)
from train.pairs import read_pairs
from train.settings import default_run_dir
from train.text import stable_hash

_LOWERABLE = {
    "the",
    "a",
    "an",
    "it",
    "he",
    "she",
    "they",
    "we",
    "there",
    "this",
    "that",
    "these",
    "those",
    "some",
    "many",
    "most",
    "all",
    "his",
    "her",
    "their",
    "its",
    "one",
    "no",
}


def harvest(train_evidence: list[str], half: int = 0, limit: int = 400) -> tuple[list[str], list[str]]:
    """Fronted phrases and trailing adjuncts without dates, from training sentences.

    Half 0 decorates the dev slice here; half 1 is what `train/stance_augment.py` may train on,
    so that a model trained on decorated pairs is still measured on phrases it has not seen.
    """
    fronted_seen: set[str] = set()
    trailing_seen: set[str] = set()
    for text in train_evidence:
        m = _FRONTED.match(text)
        if m and not _DATE.search(m.group(0)) and 3 <= len(m.group(0).split()) <= 14:
            fronted_seen.add(m.group(0).strip().rstrip(",").strip())
        m = _TRAILING.search(text)
        if m and not _DATE.search(m.group(0)) and 3 <= len(m.group(0).split()) <= 10:
            trailing_seen.add(m.group(0)[: len(m.group(0)) - len(m.group("end"))].strip().lstrip(",").strip())
    fronted = sorted(f for f in fronted_seen if stable_hash(f) % 2 == half)
    trailing = sorted(t for t in trailing_seen if stable_hash(t) % 2 == half)
    rng = random.Random(13)
    return rng.sample(fronted, min(limit, len(fronted))), rng.sample(trailing, min(limit, len(trailing)))


def decorate(evidence: str, fronted: list[str], trailing: list[str], rng: random.Random) -> str | None:
    """The evidence with a fronted phrase or a trailing adjunct, or None if it is not one plain sentence."""
    ev = evidence.strip()
    if len(re.findall(r"[.!?](?:\s|$)", ev)) != 1 or not ev.endswith(".") or '"' in ev or _FRONTED.match(ev):
        return None
    if rng.random() < 0.5:
        first = ev.split()[0]
        if first.lower() in _LOWERABLE:
            ev = ev[0].lower() + ev[1:]
        return f"{rng.choice(fronted)}, {ev}"
    return f"{ev[:-1]}, {rng.choice(trailing)}."


def macro_f1(gold: list[str], pred: list[str]) -> float:
    """The shared macro-F1 over label names."""
    return shared_macro_f1(np.array([L2I[g] for g in gold]), np.array([L2I[p] for p in pred]))


def whole_and_picked(
    model: StanceModel, claims: list[str], evidences: list[str], splitter: ClauseSplitter | None = None
) -> tuple[list[StanceScore], list[StanceScore]]:
    """(whole sentence alone, most decided view) per pair."""
    options = score_views(model, [(c, e, None) for c, e in zip(claims, evidences, strict=True)], splitter)
    return [o[0] for o in options], [pick_view(o) for o in options]


def confidence_for(gold: list[str], scores: list[StanceScore], target: float = 0.9) -> float | None:
    """The lowest calibrated confidence from which accuracy reaches `target` (as stance.json's
    confident threshold was fitted, for the whole sentence alone), here for the chosen view."""
    for step in range(34, 100):
        c = step / 100
        hits = [g == s.label for g, s in zip(gold, scores, strict=True) if max(s.probs.values()) >= c]
        if len(hits) >= 30 and sum(hits) / len(hits) >= target:
            return c
    return None


def report(name: str, gold: list[str], whole: list[StanceScore], picked: list[StanceScore]) -> None:
    pw, pv = [s.label for s in whole], [s.label for s in picked]
    acc = lambda p: sum(g == x for g, x in zip(gold, p, strict=True)) / len(gold)  # noqa: E731
    conf_acc = lambda ss: (  # noqa: E731
        sum(g == s.label for g, s in zip(gold, ss, strict=True) if s.confident),
        sum(s.confident for s in ss),
    )
    changed = sum(a != b for a, b in zip(pw, pv, strict=True))
    cw, cv = conf_acc(whole), conf_acc(picked)
    print(
        f"{name:>8}  90 % accuracy from confidence: whole {confidence_for(gold, whole)}, "
        f"views {confidence_for(gold, picked)}"
    )
    print(
        f"{name:>8}  pairs {len(gold):5d}  whole: macro-F1 {macro_f1(gold, pw):.4f} acc {acc(pw):.4f} "
        f"confident {cw[1]} right {cw[0] / max(cw[1], 1):.3f}  |  views: macro-F1 {macro_f1(gold, pv):.4f} "
        f"acc {acc(pv):.4f} confident {cv[1]} right {cv[0] / max(cv[1], 1):.3f}  |  changed {changed}"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pool", type=Path, default=default_run_dir() / "pool.jsonl")
    ap.add_argument("--limit", type=int, default=0, help="score only the first N dev pairs")
    ap.add_argument(
        "--no-coordination",
        action="store_true",
        help='views without the parser\'s clauses joined by "and" (as check read them before)',
    )
    ap.add_argument("--model-dir", type=Path, default=None, help="a stance model directory (default: the packaged one)")
    ap.add_argument("--no-decorated", action="store_true", help="skip the decorated (fronted) dev pairs")
    ap.add_argument(
        "--news",
        type=Path,
        default=None,
        help="also fit the confident threshold on dev + this news set (train/stance_news.py --out)",
    )
    a = ap.parse_args(argv)
    if a.news and not a.news.is_file():
        ap.error(f"no news set at {a.news} (build it with: python -m train.stance_news --out {a.news})")
    rows = read_pairs(a.pool)
    dev = [r for r in rows if r["split"] == "dev"]
    if a.limit:
        dev = dev[: a.limit]
    fronted, trailing = harvest([r["evidence"] for r in rows if r["split"] == "train"])
    print(f"dev pairs {len(dev)}; harvested {len(fronted)} fronted phrases, {len(trailing)} trailing adjuncts")
    model = shared_stance_model(a.model_dir)
    splitter = None if a.no_coordination else shared_clause_splitter()
    t = time.perf_counter()
    gold = [r["label"] for r in dev]
    whole, picked = whole_and_picked(model, [r["claim"] for r in dev], [r["evidence"] for r in dev], splitter)
    report("plain", gold, whole, picked)
    if a.news:
        news = read_pairs(a.news)
        news_gold = [r["label"] for r in news]
        news_whole, news_picked = whole_and_picked(
            model, [r["claim"] for r in news], [r["evidence"] for r in news], splitter
        )
        report("news", news_gold, news_whole, news_picked)
        print(
            f"{'dev+news':>8}  90 % accuracy from confidence: "
            f"whole {confidence_for(gold + news_gold, whole + news_whole)}, "
            f"views {confidence_for(gold + news_gold, picked + news_picked)}"
        )
    if a.no_decorated:
        print(f"({time.perf_counter() - t:.0f} s)")
        return
    rng = random.Random(13)
    maybe = [(r, decorate(r["evidence"], fronted, trailing, rng)) for r in dev]
    decorated = [(r, e) for r, e in maybe if e]
    g2 = [r["label"] for r, _ in decorated]
    w2, p2 = whole_and_picked(model, [r["claim"] for r, _ in decorated], [e for _, e in decorated], splitter)
    report("fronted", g2, w2, p2)
    by_source = collections.Counter(r["source"] for r, _ in decorated)
    print("decorated pairs by source:", dict(by_source.most_common()))
    print(f"({time.perf_counter() - t:.0f} s)")


if __name__ == "__main__":
    main()
