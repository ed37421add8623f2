"""The pair record every data script reads and writes, and its JSON-lines files.

A pair is one line of a pool (``pool.jsonl`` and the pools derived from it) or of the news
selection set. Key order is the order the scripts have always written, so rebuilt files are
byte-identical.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NotRequired, TypedDict, cast

from claimbot.index.evaluation import read_jsonl


class Pair(TypedDict):
    """``claim`` against ``evidence`` (input order ``[CLS] evidence [SEP] claim [SEP]``).

    ``group`` keys the dev split: all pairs of one group fall on the same side.
    """

    claim: str
    evidence: str
    label: str  # supports | refutes | neutral
    group: str
    source: NotRequired[str]  # the data set or generator ("vitaminc", "synthetic", "polnear-entity", ...)
    split: NotRequired[str]  # train | dev (pools only)
    augment: NotRequired[str]  # decorated | no-period (train/stance_augment.py)
    kind: NotRequired[str]  # report | negated | other | hedged | entity (the news set)
    id: NotRequired[str]  # the news set's row id
    teacher: NotRequired[list[float]]  # a teacher's probabilities in LABELS order, learnt instead of the label


def make_pair(claim: str, evidence: str, label: str, source: str, group: str, split: str | None = None) -> Pair:
    pair: Pair = {"claim": claim, "evidence": evidence, "label": label, "source": source, "group": group}
    if split is not None:
        pair["split"] = split
    return pair


def read_pairs(path: Path) -> list[Pair]:
    return cast(list[Pair], list(read_jsonl(path)))


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """Write rows as JSON lines through a temporary file, so that a run stopped halfway leaves no
    truncated file that a later run would take for a complete one."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_counted(path: Path, rows: list[Pair]) -> str:
    """Write rows (`write_jsonl`) and say how many, in all and by source, as one JSON line."""
    write_jsonl(path, rows)
    return json.dumps({"rows": len(rows), **Counter(r.get("source", "") for r in rows)})
