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
        # a year's dollars, another currency's sign, a possessive
        ("It cost 4 billion in 2015 dollars", "It cost 4 billion in 2015 dollars"),
        ("£20 million dollars", "£20 million dollars"),
        ("US$ 20 million dollars", "US$ 20 million dollars"),
        ("20 million dollars' worth of aid", "20 million dollars' worth of aid"),
        ("2,015 dollars", "$2,015"),
    ],
)
def test_amounts_of_dollars_are_read_with_the_sign(text, read):
    assert amounts_in_one_form(text) == read
    assert amounts_in_one_form(read) == read


@pytest.mark.slow
def test_the_model_is_given_both_forms_as_one():
    model = shared_stance_model()
    typed = model.logits([("The stadium cost 50 million dollars", "It in fact cost 20 million dollars.")])
    signed = model.logits([("The stadium cost $50 million", "It in fact cost $20 million.")])
    assert typed.tolist() == signed.tolist()
