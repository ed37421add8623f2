"""`claimbot stance`: label a JSONL file of (claim, evidence) pairs with the stance model.

Input lines ``{"id", "claim", "evidence"}``; output lines ``{"id", "label", "probs"}`` in the
input's order.  Bad lines are reported by line number and skipped; the output is written to a
temporary file and renamed at the end, so a crash never leaves a half-written file behind.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from index.stance import StanceModel

CHUNK = 256  # pairs scored per call: bounds memory and paces the progress bar


@dataclass
class StanceFileReport:
    read: int = 0
    written: int = 0
    errors: list[str] = field(default_factory=list)


def _parse(line: str, number: int) -> tuple[object, str, str]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {number}: not JSON ({exc.msg})") from None
    if not isinstance(row, dict):
        raise ValueError(f"line {number}: expected an object with id, claim, evidence")
    missing = [k for k in ("id", "claim", "evidence") if k not in row]
    if missing:
        raise ValueError(f"line {number}: missing {', '.join(missing)}")
    claim, evidence = row["claim"], row["evidence"]
    if not isinstance(claim, str) or not claim.strip() or not isinstance(evidence, str) or not evidence.strip():
        raise ValueError(f"line {number}: claim and evidence must be non-empty strings")
    return row["id"], claim, evidence


def count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


def label_file(
    model: StanceModel,
    source: Path,
    target: Path,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> StanceFileReport:
    report = StanceFileReport()
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(source, encoding="utf-8") as inp, open(tmp, "w", encoding="utf-8") as out:
            batch: list[tuple[object, str, str]] = []

            def flush() -> None:
                scores = model.score([(claim, evidence) for _, claim, evidence in batch])
                for (row_id, _, _), score in zip(batch, scores, strict=True):
                    out.write(json.dumps({"id": row_id, "label": score.label, "probs": score.probs}) + "\n")
                report.written += len(batch)
                if on_progress:
                    on_progress(len(batch))
                batch.clear()

            for number, line in enumerate(inp, start=1):
                if not line.strip():
                    continue
                report.read += 1
                try:
                    batch.append(_parse(line, number))
                except ValueError as exc:
                    report.errors.append(str(exc))
                    if on_progress:
                        on_progress(1)
                    continue
                if len(batch) == CHUNK:
                    flush()
            if batch:
                flush()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return report
