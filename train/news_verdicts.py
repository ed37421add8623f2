"""Verdicts on real news: every claim of one split of the team's news pairs, checked as a user checks it.

`claimbot eval stance --news` scores one claim against the one sentence it was written on. This
scores what a user sees instead: the split's articles are ingested as `claimbot ingest` ingests them
(attribution, furniture filter, embeddings), every claim of the split is checked against that index
with `check`'s defaults, and its verdict is graded against the label of the pair it was written on
(docs/annotation.md). A claim written to be supported or refuted by its sentence is graded

* ``right``: the verdict is that side;
* ``disputed``: the check found both sides (the other may be another sentence of the article);
* ``missed``: `unverified` (safe, but unhelpful);
* ``wrong``: the other side.

A claim written as on-topic but undecided (``neutral``) is ``quiet`` when `unverified` and ``side``
otherwise: an upper bound on false alarms, since another sentence of its article may decide it.
For every sided claim it also records whether its own sentence is among the 5 passages shown with
the gold side, confidently (the issue's "found, and with the right stance").

It is 24 claims on one article no more (train/demo_verdicts.py) but 1,222 (dev) or 1,332 (test)
claims on 19 / 23 articles. Use dev to compare and tune; read test only to score a candidate once, as
its pre-registration says.

    python -m train.news_verdicts [--model-dir D] [--split dev] [--limit N] [--json FILE]
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from tqdm import tqdm

from claimbot.index.evaluation import NewsPair, Split, load_pairs, read_articles, same_sentence
from claimbot.index.records import CheckResult

SHOWN = 5  # `check`'s default: what a user reads


class Grade(StrEnum):
    RIGHT = "right"
    DISPUTED = "disputed"
    MISSED = "missed"
    WRONG = "wrong"
    QUIET = "quiet"
    SIDE = "side"


_EXPECTED = {"supports": "supported", "refutes": "refuted"}
_OPPOSITE = {"supports": "refuted", "refutes": "supported"}


def grade(label: str, verdict: str | None) -> Grade:
    """The grade of a verdict for a claim whose pair has this gold label."""
    if label not in _EXPECTED:
        return Grade.QUIET if verdict in (None, "unverified") else Grade.SIDE
    if verdict == _EXPECTED[label]:
        return Grade.RIGHT
    if verdict == _OPPOSITE[label]:
        return Grade.WRONG
    return Grade.DISPUTED if verdict == "disputed" else Grade.MISSED


@dataclass(frozen=True)
class Outcome:
    pair: str
    claim: str
    label: str
    kind: str
    verdict: str | None
    grade: Grade
    gold_shown: bool  # the pair's sentence is among the passages shown
    gold_right: bool  # ... with the gold side, confidently


def outcome(pair: NewsPair, sentence: str, result: CheckResult) -> Outcome:
    shown = [p for p in result.passages[:SHOWN] if same_sentence(p.text, sentence)]
    right = any(p.confident and p.stance == pair.label for p in shown) and pair.label in _EXPECTED
    return Outcome(
        pair=pair.id,
        claim=pair.claim,
        label=pair.label,
        kind=pair.kind,
        verdict=result.verdict,
        grade=grade(pair.label, result.verdict),
        gold_shown=bool(shown),
        gold_right=right,
    )


def summary(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    sided = [o for o in outcomes if o.label in _EXPECTED]
    neutral = [o for o in outcomes if o.label not in _EXPECTED]
    grades = collections.Counter(o.grade for o in outcomes)
    # Of the verdicts that take one side (supported / refuted), how many are the claim's gold side;
    # a side given to a claim written as undecided counts against it.
    one_side = [o for o in outcomes if o.verdict in ("supported", "refuted")]
    return {
        "claims": len(outcomes),
        "sided": len(sided),
        **{g.value: grades[g] for g in (Grade.RIGHT, Grade.DISPUTED, Grade.MISSED, Grade.WRONG)},
        "neutral": len(neutral),
        **{g.value: grades[g] for g in (Grade.QUIET, Grade.SIDE)},
        "right_share": _ratio(grades[Grade.RIGHT], len(sided)),
        "one_side_precision": _ratio(sum(o.grade is Grade.RIGHT for o in one_side), len(one_side)),
        "gold_shown": _ratio(sum(o.gold_shown for o in sided), len(sided)),
        "gold_right_confident": _ratio(sum(o.gold_right for o in sided), len(sided)),
    }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def run(
    pairs: Sequence[NewsPair], texts: dict[str, str], model_dir: Path | None, articles: Sequence[str]
) -> list[Outcome]:
    """Ingest `articles` (the whole split's, also when only a sample of its claims is checked) into
    a fresh embedded index and check every claim of `pairs`."""
    from claimbot.index.config import Settings
    from claimbot.index.records import ArticleInput
    from claimbot.index.service import ClaimIndex

    with tempfile.TemporaryDirectory() as tmp:
        settings: dict[str, Any] = {"CLAIMBOT_HOME": Path(tmp) / "home", "DATABASE_URL": None}
        if model_dir is not None:
            settings["CLAIMBOT_STANCE_MODEL"] = model_dir
        index = ClaimIndex(Settings(**settings))
        try:
            report = index.ingest(
                ArticleInput(text=texts[a], title=None, origin=f"{pairs[0].source}/{a}") for a in articles
            )
            if report.added != len(articles):
                sys.exit(f"error: {report.added} of {len(articles)} articles were indexed")
            return [
                outcome(p, texts[p.article][p.start : p.end], index.check(p.claim, top=SHOWN))
                for p in tqdm(pairs, desc="claims", unit="claim", disable=None)  # no bar when not a terminal
            ]
        finally:
            index.close()


def sample(pairs: Iterable[NewsPair], limit: int | None, seed: int) -> list[NewsPair]:
    pool = sorted(pairs, key=lambda p: p.id)
    if limit is not None and limit < len(pool):
        pool = sorted(random.Random(seed).sample(pool, limit), key=lambda p: p.id)
    return pool


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", type=Path, help="a stance model directory (default: the packaged one)")
    ap.add_argument("--split", choices=[Split.DEV.value, Split.TEST.value], default=Split.DEV.value)
    ap.add_argument("--limit", type=int, help="check this many claims (a seeded sample) instead of all")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--json", type=Path, help="write every outcome and the summary here")
    a = ap.parse_args(argv)
    if a.model_dir and not (a.model_dir / "model.onnx").is_file():
        ap.error(f"no stance model at {a.model_dir / 'model.onnx'}")
    if a.limit is not None and a.limit < 1:
        ap.error("--limit must be at least 1")
    from claimbot.index.config import Settings

    data = Settings().data_dir
    pairs = load_pairs(splits=[a.split])
    sources = {p.source for p in pairs}
    if len(sources) != 1:
        ap.error(f"the {a.split} split mixes sources {sorted(sources)}; this script reads one")
    source = sources.pop()
    try:
        texts = read_articles(data, source)
    except OSError as exc:
        sys.exit(f"error: cannot read the {source} articles under CLAIMBOT_DATA_DIR={data}: {exc}")
    chosen = sample(pairs, a.limit, a.seed)
    missing = sorted({p.article for p in pairs} - texts.keys())
    if missing:
        sys.exit(
            f"error: {len(missing)} {source} articles are not under CLAIMBOT_DATA_DIR={data} (first: {missing[0]})"
        )
    outcomes = run(chosen, texts, a.model_dir, sorted({p.article for p in pairs}))
    result = summary(outcomes)
    for o in outcomes:
        if o.grade in (Grade.WRONG, Grade.SIDE):
            print(f"✗ {o.grade:<5} {o.verdict:<10} [{o.label}/{o.kind}] {o.claim}")
    print(json.dumps(result))
    if a.json:
        a.json.write_text(
            json.dumps({"summary": result, "outcomes": [asdict(o) for o in outcomes]}, ensure_ascii=False, indent=1)
        )


if __name__ == "__main__":
    main()
