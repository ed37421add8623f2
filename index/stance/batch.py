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

from claimbot.index.stance.model import StanceModel

CHUNK = 256  # pairs scored per call: bounds memory and paces the progress bar


@dataclass
class StanceFileReport:
    read: int = 0
    written: int = 0
    errors: list[str] = field(default_factory=list)


def _parse(raw: bytes, number: int, seen: set[object]) -> tuple[object, str, str]:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"line {number}: not UTF-8") from None
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {number}: not JSON ({exc.msg})") from None
    except RecursionError:
        raise ValueError(f"line {number}: not JSON (nested too deeply)") from None
    if not isinstance(row, dict):
        raise ValueError(f"line {number}: expected an object with id, claim, evidence")
    missing = [k for k in ("id", "claim", "evidence") if k not in row]
    if missing:
        raise ValueError(f"line {number}: missing {', '.join(missing)}")
    row_id, claim, evidence = row["id"], row["claim"], row["evidence"]
    # The id is how a caller joins the labels back to its pairs: it must be a key, and one only once.
    if isinstance(row_id, bool) or not isinstance(row_id, str | int):
        raise ValueError(f"line {number}: id must be a string or an integer")
    if row_id in seen:
        raise ValueError(f"line {number}: id {row_id!r} repeats an earlier line")
    if not isinstance(claim, str) or not claim.strip() or not isinstance(evidence, str) or not evidence.strip():
        raise ValueError(f"line {number}: claim and evidence must be non-empty strings")
    seen.add(row_id)
    return row_id, claim, evidence


def check_paths(source: Path, target: Path) -> None:
    """Refuse, before the model loads, what would fail only after every pair was scored, or
    would overwrite the input with its own labels."""
    if not source.is_file():
        raise ValueError(f"{source}: no such file" if not source.exists() else f"{source}: not a file")
    if target.is_dir():
        raise ValueError(f"{target}: is a directory; give a file name for the labels")
    if not target.parent.is_dir():
        raise ValueError(f"{target.parent}: no such directory for the output")
    if target.exists() and target.samefile(source):
        raise ValueError(f"{target}: the output would overwrite the input; choose another file")


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
        with open(source, "rb") as inp, open(tmp, "w", encoding="utf-8") as out:
            batch: list[tuple[object, str, str]] = []
            seen: set[object] = set()

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
                    batch.append(_parse(line, number, seen))
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
