"""Training-pair perturbations (train/perturb.py)."""

from __future__ import annotations

import random

from train.perturb import perturb, perturb_antonym, perturb_negation, perturb_number


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
