"""Verdicts on the demo corpus for 24 hand-written claims, against the verdicts a careful reader accepts.

The selection sets (dev slice, news set) score single pairs; this scores what a user sees: the
verdict `claimbot check` gives over the passages it retrieves (its default of 5). Each answer is one of

* ``right``: a verdict the reader accepts;
* ``missed``: `unverified` where the article does take a side (safe, but unhelpful);
* ``wrong``: a side the article does not take (confident nonsense, the failure that matters most).

The claims were written on 2026-11-27 to name facts the article states, denies, disputes or never
mentions; their accepted verdicts were written from the article just after the shipped model's
verdicts on them had been seen (so the list is not blind to that model). It is a small check for
comparing models and thresholds, not an evaluation set: it shares its one article with the demo
tests.

    python -m train.demo_verdicts [--model-dir D] [--confident 0.76]
"""

from __future__ import annotations

import argparse
import collections
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimbot.index.stance import packaged_model_dir

DEMO_CORPUS = Path(__file__).resolve().parents[1] / "examples" / "corpus"

S, R, D, U = "supported", "refuted", "disputed", "unverified"

# claim -> verdicts a careful reader of the demo article accepts
ACCEPTED: dict[str, frozenset[str]] = {
    k: frozenset(v)
    for k, v in {
        "Pérez was killed": {D},  # CNN's source vs his own videos
        "Pérez survived the assault": {S, D},  # "still alive, despite the early-morning assault"
        "Pérez is alive": {S, D},
        "Pérez was captured": {S, D},  # "the government announced ... captured"
        "Pérez escaped": {U, R},
        "Pérez surrendered": {R, D},  # "they don't want to let us surrender"
        "Five members of the band were captured": {S},
        "At least two officers were killed in the assault": {S},
        "Nobody was killed in the assault": {R},
        "Pérez is a former police officer": {S},
        "Pérez stole a police helicopter": {S},
        # "No one was injured and the building suffered minor damage"
        "The helicopter attack on the Supreme Court injured dozens of people": {R},
        "Nobody was injured in the 2017 helicopter attack": {S},
        "Pérez's mother asked the government to let him surrender": {S},
        "Maduro vowed to meet Pérez with bullets": {S},
        "Pérez is a pilot": {S},
        "Pérez was arrested in December": {U},
        "Pérez supports Maduro": {R, U},  # "a fighter against the Nicolás Maduro regime"
        "The assault took place in Bogotá": {R, U},  # "a village outside Caracas"
        "Pérez appeared with a bloodied face in a video": {S},
        "The government said Pérez had been captured": {S},
        "Pérez was never a police officer": {R},
        "The Eiffel Tower is made of chocolate": {U},
        "Bitcoin rose above 100,000 dollars in March": {U},
    }.items()
}


@dataclass(frozen=True)
class Outcome:
    claim: str
    verdict: str | None
    grade: str  # right | missed | wrong


def grade(claim: str, verdict: str | None) -> str:
    if verdict in ACCEPTED[claim]:
        return "right"
    return "missed" if verdict == U else "wrong"


def with_threshold(model_dir: Path, confident: float, into: Path) -> Path:
    """A copy of a stance model directory whose stance.json has another confident threshold."""
    into.mkdir(parents=True, exist_ok=True)
    for f in model_dir.iterdir():
        if f.name != "stance.json":
            (into / f.name).symlink_to(f.resolve())
    config = json.loads((model_dir / "stance.json").read_text())
    config["confident_threshold"] = confident
    (into / "stance.json").write_text(json.dumps(config, indent=1))
    return into


def run(model_dir: Path | None, confident: float | None) -> list[Outcome]:
    from claimbot.index.config import Settings
    from claimbot.index.corpus import SourceOptions, read_inputs
    from claimbot.index.service import ClaimIndex

    with tempfile.TemporaryDirectory() as tmp:
        model = model_dir or packaged_model_dir()
        if confident is not None:
            model = with_threshold(model, confident, Path(tmp) / "model")
        # by the settings' names (their environment variables), as pydantic-settings takes them
        settings: dict[str, Any] = {
            "CLAIMBOT_HOME": Path(tmp) / "home",
            "DATABASE_URL": None,
            "CLAIMBOT_STANCE_MODEL": model,
        }
        index = ClaimIndex(Settings(**settings))
        try:
            index.ingest(read_inputs([str(DEMO_CORPUS)], SourceOptions()))
            verdicts = {claim: index.check(claim, top=5).verdict for claim in ACCEPTED}
        finally:
            index.close()
    return [Outcome(c, v, grade(c, v)) for c, v in verdicts.items()]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", type=Path, default=None, help="a stance model directory (default: the packaged one)")
    ap.add_argument("--confident", type=float, default=None, help="override stance.json's confident threshold")
    a = ap.parse_args(argv)
    if a.model_dir and not (a.model_dir / "model.onnx").is_file():
        ap.error(f"no stance model at {a.model_dir / 'model.onnx'}")
    if a.confident is not None and not 0.0 < a.confident < 1.0:
        ap.error("--confident must be between 0 and 1")
    outcomes = run(a.model_dir, a.confident)
    for o in outcomes:
        mark = {"right": " ", "missed": "?", "wrong": "✗"}[o.grade]
        print(f"{mark} {o.verdict:<10}  {o.claim}   (accepted: {', '.join(sorted(ACCEPTED[o.claim]))})")
    counts = collections.Counter(o.grade for o in outcomes)
    print(json.dumps({g: counts[g] for g in ("right", "missed", "wrong")}))


if __name__ == "__main__":
    main()
