"""The `ChangeMark` a cache file was saved at, in a small JSON file beside it.

Written after the cache itself, atomically: a crash leaves the old mark beside a newer cache,
and following the changes again from an older mark is harmless (both caches apply them
idempotently). A missing or unreadable mark means "unknown": the cache is rebuilt or fully synced.
The mark names the database it was taken from (`Store.database_id`): a cache copied from another
installation is rebuilt, not followed on from a mark that counts another database's passages.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from claimbot.index.storage import ChangeMark


class SavedMark(NamedTuple):
    mark: ChangeMark
    # Ids the cache holds but hides (removed passages an HNSW graph cannot delete).
    masked: list[int]
    # `Store.database_id` of the database the cache follows; None in a mark saved before it was kept.
    database: str | None = None


def read_mark(path: Path) -> SavedMark | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        mark = ChangeMark(passage_id=int(data["passage_id"]), removal_seq=int(data["removal_seq"]))
        database = data.get("database")
        return SavedMark(
            mark, [int(i) for i in data.get("masked", [])], str(database) if database is not None else None
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_mark(path: Path, mark: ChangeMark, masked: Sequence[int] = (), database: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(
                {
                    "passage_id": mark.passage_id,
                    "removal_seq": mark.removal_seq,
                    "masked": sorted(masked),
                    "database": database,
                },
                handle,
            )
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def remove_mark(path: Path) -> None:
    path.unlink(missing_ok=True)
