"""Life-state rows (docs/prereg/news19.md): being alive excludes having been killed.

The news models read "Pérez announced that he … was still alive" as neutral to "Pérez was killed";
no team pair teaches it. For each person named (two words or more) in the profile rows
(`train.news_profiles`: training-allowed articles only), three rows drawn from templates that pair
"was killed", "died", "is dead", "survived", "is alive" claims with sentences saying the person was
killed, died, survived or is still alive (refutes and supports by meaning), and neutrals: the same
claim against another person alive or killed, or against the person being injured.

    python -m train.news_life_rows --profiles RUN/profile-rows.jsonl --out RUN/life-rows.jsonl [--seed 19]
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
from pathlib import Path

from train.pairs import Pair, make_pair, read_pairs, write_jsonl

TEMPLATES = [
    ("{N} was killed", "{N} announced in a video that {S} was still alive.", "refutes"),
    ("{N} was killed", "{N} survived the attack, officials said.", "refutes"),
    ("{N} died in the attack", "{N} is alive and recovering in hospital, officials said.", "refutes"),
    ("{N} is dead", "In a video released on Monday, {N} said {S} was still alive.", "refutes"),
    ("{N} survived the attack", "{N} was killed in the attack.", "refutes"),
    ("{N} is alive", "{N} died in the attack, officials said.", "refutes"),
    ("{N} was killed", "{N} was killed in the attack, officials said.", "supports"),
    ("{N} is alive", "{N} announced in a video that {S} was still alive.", "supports"),
    ("{N} survived the attack", "{N} is alive and recovering in hospital, officials said.", "supports"),
    ("{N} died", "{N} was killed in the attack.", "supports"),
    ("{N} was killed", "{M} announced in a video that {SM} was still alive.", "neutral"),
    ("{N} is alive", "{M} was killed in the attack, officials said.", "neutral"),
    ("{N} was killed", "{N} was injured in the attack.", "neutral"),
]


def _surname(name: str) -> str:
    return name.split()[-1]


def build(profiles: list[Pair], seed: int) -> list[Pair]:
    names: dict[str, str] = {}
    for r in profiles:
        named = re.match(r"^(.+?) (?:is|was never|is not|was) ", r["claim"])
        if named and len(named.group(1).split()) >= 2:
            names.setdefault(named.group(1), r["group"])
    people = sorted(names)
    rng = random.Random(seed)
    out: list[Pair] = []
    for n in people:
        others = [p for p in people if _surname(p) != _surname(n)]
        if not others:  # a neutral row needs someone else
            continue
        other = rng.choice(others)
        for claim, evidence, label in rng.sample(TEMPLATES, 3):
            f = {"N": n, "S": _surname(n), "M": other, "SM": _surname(other)}
            out.append(make_pair(claim.format(**f), evidence.format(**f), label, "life-state", names[n], "train"))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profiles", type=Path, required=True, help="train.news_profiles' output")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=19)
    a = ap.parse_args(argv)
    rows = build(read_pairs(a.profiles), a.seed)
    write_jsonl(a.out, rows)
    print(json.dumps({"rows": len(rows), **collections.Counter(r["label"] for r in rows)}))


if __name__ == "__main__":
    main()
