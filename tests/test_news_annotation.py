"""A wave of team pairs (train/news_annotation.py): packets on new articles, collection, a blind sample
and the agreement figure, on a small data folder of invented FNC-1-style bodies."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from claimbot.index.evaluation import load_pairs
from tests.conftest import fnc1_data
from train.news_annotation import agreement, blind_sample, collect, packets, used_articles


def _body(n: int) -> str:
    sentence = f"The mayor of Town {n} said the new bridge would open in May after years of delay."
    return " ".join([sentence] * 16)  # about 1,300 characters: a medium-length body


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return fnc1_data(tmp_path, {str(n): _body(n) for n in range(1, 7)} | {"99": "Too short to be an article."})


def _keys(packet: Path) -> list[str]:
    return re.findall(r"^\[(\w+)\]", packet.read_text(encoding="utf-8"), flags=re.MULTILINE)


def test_a_later_wave_writes_on_new_articles_with_its_own_keys(data: Path, tmp_path: Path):
    earlier = tmp_path / "earlier.jsonl"
    earlier.write_text(
        json.dumps({"source": "fnc1", "article": "2"}) + "\n" + json.dumps({"source": "fnc1", "article": "5"}) + "\n"
    )
    assert used_articles([earlier]) == {("fnc1", "2"), ("fnc1", "5")}
    packets(
        data,
        tmp_path / "p",
        2,
        fnc_bodies=10,
        arc_bodies=0,
        polnear=False,
        exclude=used_articles([earlier]),
        prefix="m",
    )
    keymap = json.loads((tmp_path / "p" / "keymap.json").read_text())
    # bodies 1, 3, 4, 6: not the ones written on before, not the fragment; two packets of two
    assert {ref["article"] for ref in keymap.values()} == {"1", "3", "4", "6"}
    keys = _keys(tmp_path / "p" / "packet-1.txt") + _keys(tmp_path / "p" / "packet-2.txt")
    assert keys and all(k.startswith("m") for k in keys) and set(keys) == set(keymap)


def test_collected_pairs_are_sampled_blind_and_their_agreement_measured(data: Path, tmp_path: Path):
    packets(data, tmp_path / "p", 2, fnc_bodies=10, arc_bodies=0, polnear=False, prefix="m")
    outputs = []
    for n in (1, 2):
        keys = _keys(tmp_path / "p" / f"packet-{n}.txt")
        lines = [
            {"key": k, "claim": f"Claim {i} by annotator {n}", "label": ("supports", "refutes", "neutral")[i % 3]}
            for i, k in enumerate(keys[:6])
        ]
        lines.append({"key": "nope", "claim": "a key from no packet", "label": "supports"})  # skipped
        path = tmp_path / f"more-{n}.jsonl"
        path.write_text("".join(json.dumps(line) + "\n" for line in lines))
        outputs.append(path)
    collect(tmp_path / "p", outputs, tmp_path / "more.jsonl")
    pairs = load_pairs(tmp_path / "more.jsonl")
    assert len(pairs) == 12 and {p.annotator for p in pairs} == {"more-1", "more-2"}
    assert {p.split for p in pairs} == {"train"}

    sample = blind_sample(pairs, data, per_annotator=3, seed=7)
    assert len(sample) == 6 and sample == blind_sample(pairs, data, per_annotator=3, seed=7)
    by_id = {p.id: p for p in pairs}
    assert {by_id[row["id"]].annotator for row in sample} == {"more-1", "more-2"}
    for row in sample:
        assert set(row) == {"id", "article_start", "sentence", "claim"}  # never the first label
        assert row["sentence"] in _body(int(by_id[row["id"]].article)) and "bridge" in row["article_start"]

    first = {p.id: p.label for p in pairs}
    assert agreement(first, dict(first))["kappa"] == 1.0
    second = dict(first)
    flipped = next(i for i, label in first.items() if label == "supports")
    second[flipped] = "neutral"
    measured = agreement(first, second)
    assert measured["n"] == 12 and measured["agreement"] == round(11 / 12, 4)
    assert 0.8 < measured["kappa"] < 1.0 and measured["disagreements"] == {"supports / neutral": 1}
