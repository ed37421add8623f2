"""train.news_life_rows: life-state rows over the people of the profile rows (docs/prereg/news19.md)."""

from __future__ import annotations

from train.news_life_rows import TEMPLATES, build
from train.pairs import make_pair


def _profile(claim: str, group: str):
    return {**make_pair(claim, "…", "supports", "profile-same", group), "split": "train"}


def test_three_rows_a_person_with_labels_by_meaning_and_the_same_rows_for_the_same_seed() -> None:
    profiles = [
        _profile("Ana Ruiz is a councillor", "fnc1/1"),
        _profile("Tom Reyes was a governor", "fnc1/2"),
        _profile("Lee Park is not a pilot", "fnc1/3"),
        _profile("Madonna is a singer", "fnc1/4"),  # one word: not a person the rows can name apart
    ]
    rows = build(profiles, seed=19)
    assert len(rows) == 9 and rows == build(profiles, seed=19)
    people = ("Ana Ruiz", "Tom Reyes", "Lee Park")
    for row in rows:
        name = next(n for n in people if row["claim"].startswith(n))
        assert row["source"] == "life-state" and row["split"] == "train" and "Madonna" not in row["claim"]
        # exactly one template, with another person for {M}, gives the row, and its label
        made = {
            label
            for claim, evidence, label in TEMPLATES
            for other in people
            if other != name
            and claim.format(N=name) == row["claim"]
            and evidence.format(N=name, S=name.split()[-1], M=other, SM=other.split()[-1]) == row["evidence"]
        }
        assert made == {row["label"]}
        if name not in row["evidence"]:  # another person's news says nothing of this one
            assert row["label"] == "neutral"
