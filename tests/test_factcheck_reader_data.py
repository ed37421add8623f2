"""The fact-check reader's training data (train/factcheck_reader.py): which pairs it reads, and the
near misses it makes from the pairs that match."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ON_POSTGRES
from train.factcheck_reader import augmented, english_pairs, names, swap_sides

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="uses no database: runs once, on the SQLite leg")


def test_names_skip_the_first_word_and_months():
    assert names("Turkey closed the Bosphorus to Russian ships in March 2022.") == ["Bosphorus", "Russian"]


def test_two_sides_the_claim_states_are_swapped_but_a_list_is_not():
    reviewed = "In 2023, India beat Australia in the World Cup final."
    assert swap_sides(reviewed, "india beat australia in the final lol") == (
        "In 2023, Australia beat India in the World Cup final."
    )
    # A name opening the sentence is not read as a name (it may be any capitalised word).
    assert swap_sides("India beat Australia in the final.", "india beat australia") is None
    # The user's claim must state both sides, and "A and B" is a list, not two sides.
    assert swap_sides(reviewed, "india won the final") is None
    assert swap_sides("Leaders of France and Germany met in Berlin.", "france and germany met") is None


def test_made_near_misses_refute_the_unchanged_user_claim():
    pairs = [
        ("In 2023, India beat Australia in the World Cup final.", "india beat australia in the final 🏏", "supports"),
        ("The Taliban banned women from universities in Afghanistan.", "taliban banned women from uni", "supports"),
        ("Drake sued Universal Music Group in New York.", "drake sued UMG", "refutes"),
    ]
    made = augmented(pairs)
    assert made and all(label == "refutes" for _, _, label in made)
    assert {claim for _, claim, _ in made} <= {pairs[0][1], pairs[1][1]}  # never from a near miss
    assert ("In 2023, Australia beat India in the World Cup final.", pairs[0][1], "refutes") in made
    assert all(reviewed not in {p[0] for p in pairs} for reviewed, _, _ in made)
    assert augmented(pairs) == made  # seeded


def test_only_pairs_whose_two_claims_read_as_english_are_read(tmp_path: Path):
    rows = [
        {"reviewed": "The mayor closed every public library in Springfield.", "claim": "mayor shut ALL the libraries",
         "match": True, "kind": "paraphrase"},
        {"reviewed": "The mayor closed every public library in Springfield.", "claim": "El alcalde cerró todas las bibliotecas públicas de Springfield",
         "match": True, "kind": "translation"},
        {"reviewed": "The mayor closed every public library in Springfield.", "claim": "the mayor opened new libraries in springfield",
         "match": False, "kind": "opposite"},
        {"reviewed": "The mayor closed every public library in Springfield.", "claim": "the mayor raised parking fees in springfield",
         "match": False, "kind": "topic"},
    ]  # fmt: skip
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert [label for _, _, label in english_pairs([path])] == ["supports", "refutes", "neutral"]
