"""Amounts of money reach the stance model in one form (docs/prereg/news21.md): "20 million dollars"
and "$20 million" are the same claim, and a pasted "$50m" post must not get another confident side
than the same claim typed out."""

from __future__ import annotations

import pytest

from claimbot.index.stance.model import amounts_in_one_form, shared_stance_model


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("It in fact cost 20 million dollars, more.", "It in fact cost $20 million, more."),
        ("a budget of about 10 million dollars.", "a budget of about $10 million."),
        ("It cost 2.5 billion US dollars", "It cost $2.5 billion"),
        ("He paid 1,200 dollars", "He paid $1,200"),
        # already in the sign's form, or no amount of US dollars: unchanged
        ("a budget of $50 million", "a budget of $50 million"),
        ("the dollars flowed", "the dollars flowed"),
        ("20 million Canadian dollars", "20 million Canadian dollars"),
    ],
)
def test_amounts_of_dollars_are_read_with_the_sign(text, read):
    assert amounts_in_one_form(text) == read
    assert amounts_in_one_form(read) == read


@pytest.mark.slow
def test_the_model_reads_both_forms_alike():
    model = shared_stance_model()
    typed = model.logits([("The stadium cost 50 million dollars", "It in fact cost 20 million dollars.")])
    signed = model.logits([("The stadium cost $50 million", "It in fact cost $20 million.")])
    assert typed.tolist() == signed.tolist()
