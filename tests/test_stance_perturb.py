"""Training-pair perturbations (train/stance_data.py, train/stance_compress.py)."""

from __future__ import annotations

import random

import pytest

from train.stance_compress import mirror_edit
from train.stance_data import perturb, perturb_antonym, perturb_negation, perturb_number

SENTENCE = "CNN reported that Pérez had been killed in the raid, and 3 officers were injured."


@pytest.mark.parametrize(
    "fact, perturbed, edited",
    [
        (
            "Pérez had been killed.",
            "Pérez had been survived.",
            "CNN reported that Pérez had been survived in the raid, and 3 officers were injured.",
        ),
        (
            "Pérez had been killed.",
            "Pérez had not been killed.",
            "CNN reported that Pérez had not been killed in the raid, and 3 officers were injured.",
        ),
        (
            "3 officers were injured.",
            "9 officers were injured.",
            "CNN reported that Pérez had been killed in the raid, and 9 officers were injured.",
        ),
    ],
)
def test_the_sentence_gets_the_facts_edit_in_the_same_place(fact: str, perturbed: str, edited: str):
    assert mirror_edit(fact, perturbed, SENTENCE) == edited


def test_a_fact_not_written_out_in_the_sentence_gets_no_edit():
    # swapped actors: the sentence has the two names apart, so there is no one span to swap
    assert (
        mirror_edit("Pérez attacked Cabello.", "Cabello attacked Pérez.", "Pérez, a former officer, attacked Cabello.")
        is None
    )


def test_an_edit_that_could_go_in_two_places_is_not_guessed():
    assert (
        mirror_edit(
            "Officers were injured.",
            "Officers were not injured.",
            "Officers were injured on Monday and officers were injured on Friday.",
        )
        is None
    )


def test_perturb_skips_operations_that_do_not_apply():
    rng = random.Random(1)
    # no number in the text: whatever the order, the antonym swap is the one that applies
    assert perturb("The rebels won the vote", [perturb_number, perturb_antonym], rng) == (
        "The rebels lost the vote",
        "antonym",
    )
    assert perturb("Nothing to change here", [perturb_antonym, perturb_number], rng) == (None, None)


def test_negation_is_removed_where_there_is_one_and_inserted_where_there_is_none():
    rng = random.Random(0)
    assert perturb_negation("He was not killed", rng) == ("He was killed", "neg-remove")
    assert perturb_negation("He was killed", rng) == ("He was not killed", "neg-insert")
