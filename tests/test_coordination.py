"""Independent clauses a sentence joins (index/coordination.py), from the real spaCy parse."""

from __future__ import annotations

import pytest

from claimbot.index.stance.clauses import ClauseSplitter
from claimbot.index.stance.views import stance_views

pytestmark = pytest.mark.slow  # loads the spaCy model

INJURED = (
    "No one was injured and the building suffered minor damage, but his name became known to the "
    "people — and to authorities."
)


@pytest.fixture(scope="module")
def splitter() -> ClauseSplitter:
    return ClauseSplitter()


def test_statements_joined_under_the_root_are_read_apart(splitter: ClauseSplitter):
    assert splitter.split([INJURED, "A man is playing guitar and a woman is singing."]) == [
        [
            "No one was injured",
            "the building suffered minor damage",
            "his name became known to the people — and to authorities",
        ],
        ["A man is playing guitar", "a woman is singing"],
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        # a noun phrase's "and", not two statements
        "Pérez announced that he and a small group of men were still alive.",
        # one subject for both verbs: "Charged with murder." is not a sentence
        "He was arrested and charged with murder.",
        # inside reported speech: each part alone would lose who says it
        "Police said the suspect fled and officers were searching the area.",
        # an alternative or a condition asserts neither part
        "He was killed or he escaped to Colombia.",
        "If the dam breaks, the village floods and the road is cut.",
        "The strike continues and the ports stay closed unless the talks succeed.",  # on the second part
        "Unless the talks succeed, the strike continues and the ports stay closed.",
        "As long as the ceasefire holds, the aid arrives and the refugees return.",
        "Provided the ceasefire holds, the aid arrives and the refugees return.",
        "When the army arrives, the rebels flee and the town falls.",
        # a source or hedge over both parts would stay with one of them
        "The rebels captured the town, officials said, and the army retreated.",
        "Pérez was killed, according to CNN, and his men were captured.",
        "Allegedly, Pérez was killed and his men were captured.",
        '"Pérez was killed and his men were captured," the minister said.',
        # no joining word: not parsed at all
        "The minister resigned on Tuesday.",
    ],
)
def test_sentences_whose_parts_are_not_statements_stay_whole(splitter: ClauseSplitter, sentence: str):
    assert splitter.split([sentence]) == [[]]


def test_a_clause_ends_at_its_last_word_not_at_a_comma_it_owns():
    """A parse that hangs the comma closing an apposition on the apposition, not on the root: the
    clause must not become "The rebels captured Porto, the capital,." (a view the model misreads)."""
    import spacy
    from spacy.tokens import Doc

    from claimbot.index.stance.clauses import coordinated_clauses

    words = ["The", "rebels", "captured", "Porto", ",", "the", "capital", ",", "and", "the", "army", "retreated", "."]
    heads = [1, 2, 2, 2, 3, 6, 3, 6, 2, 10, 11, 2, 11]
    deps = ["det", "nsubj", "ROOT", "dobj", "punct", "det", "appos", "punct", "cc", "det", "nsubj", "conj", "punct"]
    doc = Doc(
        spacy.blank("en").vocab,
        words=words,
        heads=heads,
        deps=deps,
        spaces=[n + 1 < len(words) and words[n + 1] not in (",", ".") for n in range(len(words))],
    )
    assert coordinated_clauses(doc) == ["The rebels captured Porto, the capital", "the army retreated"]


def test_joined_clauses_become_views_after_the_pattern_clauses(splitter: ClauseSplitter):
    [joined] = splitter.split([INJURED])
    views = stance_views(INJURED, None, joined)
    assert views == [
        INJURED,
        "No one was injured and the building suffered minor damage.",
        "His name became known to the people — and to authorities.",
        "No one was injured.",
        "The building suffered minor damage.",
    ]
    # a clause too short to read alone is left out, as with the pattern clauses
    assert stance_views("They ran and he hid.", None, ["They ran", "he hid"]) == ["They ran and he hid."]
