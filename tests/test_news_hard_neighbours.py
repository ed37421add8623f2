"""Hard neighbours (train/news_hard_neighbours.py): packets from a teacher's transfer rows that never
show the teacher's reading, and collected labels that point back at the sentences they were given
on, on a small data folder of invented FNC-1-style bodies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimbot.index.evaluation import load_pairs
from tests.conftest import fnc1_data
from train.news_annotation import build, sentences
from train.news_hard_neighbours import collect, main, packets

TOWNS = ("Alder", "Birch", "Cedar")


def _body(town: str) -> str:
    lines = [
        f"The mayor of {town} said the new bridge would open in May after years of delay.",
        f"Residents of {town} have waited for the crossing since the old ferry stopped running.",
        f"The council of {town} voted to raise the toll to four dollars in a late session.",
        f"Engineers in {town} found cracks in two of the bridge's pillars last winter.",
    ]
    return " ".join(lines * 3)  # the same sentence three times: the first is the one referenced


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return fnc1_data(tmp_path, {str(n): _body(town) for n, town in enumerate(TOWNS, 1)})


@pytest.fixture
def transfer(data: Path, tmp_path: Path) -> Path:
    rows = []
    for n, town in enumerate(TOWNS, 1):
        for i, (_, _, sentence) in enumerate(sentences(_body(town))[:4]):
            label = "refutes" if i == 2 else "neutral"
            teacher = [0.1, 0.8, 0.1] if label == "refutes" else [0.05, 0.05, 0.9]
            rows.append(
                {
                    "claim": f"The {town} bridge toll is two dollars",
                    "evidence": sentence,
                    "source": "transfer",
                    "group": f"fnc1/{n}",
                    "split": "train",
                    "label": label,
                    "teacher": teacher,
                }
            )
    path = tmp_path / "transfer.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _packet(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_packets_take_the_teachers_sided_pairs_and_some_neutral_ones_without_its_reading(
    data: Path, transfer: Path, tmp_path: Path
):
    made = packets(transfer, data, tmp_path / "p", annotators=2, sided=3, neutral=2, seed=30)
    assert made == {"pairs": 5, "teacher_sided": 3, "annotators": 2}
    items = _packet(tmp_path / "p" / "packet-1.jsonl") + _packet(tmp_path / "p" / "packet-2.jsonl")
    keymap = json.loads((tmp_path / "p" / "keymap.json").read_text(encoding="utf-8"))
    assert sorted(i["key"] for i in items) == sorted(keymap)
    assert all(set(i) == {"key", "article_start", "sentence", "claim"} for i in items)  # never the label
    assert sum("toll" in i["sentence"] for i in items) == 3  # every sided row; two of the nine neutral
    for item in items:
        ref = keymap[item["key"]]
        text = _body(TOWNS[int(ref["article"]) - 1])
        assert text[ref["start"] : ref["end"]] == item["sentence"] and ref["claim"] == item["claim"]
        assert ref["start"] < len(text) // 3  # the first of a sentence the article repeats
        assert "mayor" in item["article_start"]
    again = tmp_path / "q"
    packets(transfer, data, again, annotators=2, sided=3, neutral=2, seed=30)
    assert (again / "packet-1.jsonl").read_text() == (tmp_path / "p" / "packet-1.jsonl").read_text()


def test_collected_labels_point_back_at_their_sentences(data: Path, transfer: Path, tmp_path: Path):
    packets(transfer, data, tmp_path / "p", annotators=2, sided=3, neutral=2, seed=30)
    outputs = []
    for n in (1, 2):
        lines = [{"key": i["key"], "label": "neutral"} for i in _packet(tmp_path / "p" / f"packet-{n}.jsonl")]
        lines.append({"key": "k9999", "label": "neutral"})  # no such key: skipped
        lines.append({"key": lines[0]["key"], "label": "maybe"})  # no such label: skipped
        path = tmp_path / f"hard-{n}.jsonl"
        path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
        outputs.append(path)
    assert collect(tmp_path / "p", outputs, tmp_path / "hard.jsonl") == 5
    pairs = load_pairs(tmp_path / "hard.jsonl")
    assert {p.annotator for p in pairs} == {"hard-1", "hard-2"} and {p.kind for p in pairs} == {"neighbour"}
    assert {p.label for p in pairs} == {"neutral"} and {p.split for p in pairs} == {"train"}
    given = {i["claim"] + "|" + i["sentence"] for n in (1, 2) for i in _packet(tmp_path / "p" / f"packet-{n}.jsonl")}
    rows = build(pairs, data)
    assert {r["claim"] + "|" + r["evidence"] for r in rows} == given


def test_a_folder_without_packets_or_a_sentence_not_in_its_article_is_a_one_line_error(
    data: Path, transfer: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    with pytest.raises(SystemExit) as ended:
        main(["collect", "--packets", str(tmp_path), "--out", str(tmp_path / "o.jsonl"), str(transfer)])
    assert (
        ended.value.code == 2
        and capsys.readouterr().err == f"error: {tmp_path}: no keymap.json (not a folder `packets` wrote)\n"
    )
    moved = tmp_path / "moved.jsonl"
    rows = [json.loads(line) for line in transfer.read_text(encoding="utf-8").splitlines()]
    moved.write_text("".join(json.dumps({**r, "group": "fnc1/2"}) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(SystemExit) as ended:
        main(
            ["--data-dir", str(data), "packets", "--transfer", str(moved), "--out", str(tmp_path / "p"), "--sided", "3"]
        )
    err = capsys.readouterr().err
    assert ended.value.code == 2 and err.startswith("error: ") and "is not a sentence of fnc1/2" in err
    assert len(err.splitlines()) == 1 and not (tmp_path / "p" / "keymap.json").exists()
