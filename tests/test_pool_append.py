"""train.pool_append: the news chain's pools, a base pool with rows files appended a given number of
times (docs/news22-recipe.toml checks the real ones by hash). Invented rows only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ON_POSTGRES
from train.pool_append import main, parse_part

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="uses no database: runs once, on the SQLite leg")

POOL_ROW = {"claim": "A", "evidence": "B", "label": "supports", "source": "snli", "group": "g1", "split": "train"}
TEAM_ROW = {
    "id": "x1",
    "claim": "The mayor resigned",
    "evidence": "The mayor said he would stay.",
    "label": "refutes",
    "kind": "antonym",
    "voice": "own",
    "split": "train",
    "article": "fnc1/7",
}


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_rows_are_appended_in_order_each_file_its_copies_and_team_rows_in_the_pool_format(tmp_path: Path, capsys):
    base = _write(tmp_path / "base.jsonl", [POOL_ROW])
    team = _write(tmp_path / "team.jsonl", [TEAM_ROW])
    other = {**POOL_ROW, "claim": "C", "source": "profile-same"}
    extra = _write(tmp_path / "extra.jsonl", [other])
    out = tmp_path / "out.jsonl"
    main(["--base", str(base), "--add", f"{team}:2", "--add", str(extra), "--out", str(out)])
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    as_pool = {
        "claim": "The mayor resigned",
        "evidence": "The mayor said he would stay.",
        "label": "refutes",
        "source": "news-antonym",
        "group": "fnc1/7",
        "split": "train",
    }
    assert rows == [POOL_ROW, as_pool, as_pool, other]
    assert "4 rows (3 appended)" in capsys.readouterr().out


def test_a_part_names_its_copies_after_the_last_colon_and_at_least_one():
    assert parse_part("runs/a.jsonl") == (Path("runs/a.jsonl"), 1)
    assert parse_part("runs/a.jsonl:8") == (Path("runs/a.jsonl"), 8)
    assert parse_part("C:/runs/a.jsonl") == (Path("C:/runs/a.jsonl"), 1)
    with pytest.raises(Exception, match="at least 1"):
        parse_part("a.jsonl:0")


def test_a_missing_rows_file_is_a_one_line_error(tmp_path: Path):
    base = _write(tmp_path / "base.jsonl", [POOL_ROW])
    with pytest.raises(SystemExit, match="no rows file at .*missing.jsonl"):
        main(["--base", str(base), "--add", f"{tmp_path / 'missing.jsonl'}:2", "--out", str(tmp_path / "o.jsonl")])


def test_a_dev_or_test_row_is_never_appended_to_training(tmp_path: Path):
    """news_row marks every row it reads as a training row: a dev file appended here would be trained on."""
    base = _write(tmp_path / "base.jsonl", [POOL_ROW])
    dev = _write(tmp_path / "dev.jsonl", [TEAM_ROW, {**TEAM_ROW, "id": "x2", "split": "dev"}])
    with pytest.raises(SystemExit, match=r"dev.jsonl:2: a dev row; only training rows are appended"):
        main(["--base", str(base), "--add", str(dev), "--out", str(tmp_path / "o.jsonl")])
    assert not (tmp_path / "o.jsonl").exists()
