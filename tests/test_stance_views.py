"""The views of a passage the stance model reads (index/stance_views.py); no model needed."""

from __future__ import annotations

import pytest

from claimbot.index.stance.model import StanceScore
from claimbot.index.stance.views import as_sentence, clauses, core, pick_view, said_by, stance_views

STILL_ALIVE = (
    "In the first of several videos released via social media Monday morning, Pérez announced that he "
    "and a small group of men were still alive, despite the early-morning assault."
)


def test_core_drops_the_fronted_scene_and_the_trailing_adjunct():
    assert core(STILL_ALIVE) == "Pérez announced that he and a small group of men were still alive."


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Speaking to reporters on Tuesday, the minister said the border would stay closed.",
            "The minister said the border would stay closed.",
        ),
        ("The army withdrew from the town, amid growing international pressure!", "The army withdrew from the town!"),
        ("After the meeting, he resigned from the board of directors.", "He resigned from the board of directors."),
    ],
)
def test_core_of_other_news_sentences(sentence: str, expected: str):
    assert core(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        # a date can be what the claim is about: keep it
        "In 2017, Pérez stole a police helicopter and attacked the court.",
        "On 5 May, the army attacked the northern districts of the city.",
        "The army attacked the city, after 3 days of shelling.",
        "Police said he was dead, after the raid in January.",
        # what happened next may undo the statement: without it, this refutes "The mayor resigned"
        "The mayor vowed to stay in office, before resigning a week later.",
        # the comma belongs to a place name, not to a fronted phrase
        "In Caracas, Venezuela, police said the man was dead.",
        # an additive phrase states something too: without it the rest can read as a denial
        "In addition to being a trained officer, Pérez is an actor, pilot and dog trainer.",
        "On top of his job at the bank, the mayor runs a small farm outside the town.",
        # nothing to drop, or too little left
        "Police said the man had been shot dead by soldiers.",
        "In the end, he left.",
    ],
)
def test_core_keeps_what_may_matter(sentence: str):
    assert core(sentence) is None


def test_views_end_like_sentences_and_start_capitalised():
    assert as_sentence("no one was injured") == "No one was injured."
    assert as_sentence("“We are alive,” he said”") == "“We are alive,” he said”"
    sentence = (
        "No one was injured and the building suffered minor damage, but his name became known to the "
        "people — and to authorities."
    )
    assert clauses(sentence) == [
        "No one was injured and the building suffered minor damage.",
        "His name became known to the people — and to authorities.",
    ]
    assert clauses("Police said the man had been shot dead by soldiers.") == []


def test_stance_views_order_prefix_and_no_duplicates():
    assert stance_views(STILL_ALIVE, "Óscar Pérez") == [
        STILL_ALIVE,
        "Pérez announced that he and a small group of men were still alive.",
    ]
    views = stance_views("“Spare his life.”", "his mother")
    assert views == ["his mother said: “Spare his life.”"]
    hedge = (
        "It was not clear if Pérez survived the assault, but CNN reported — citing a high government "
        "source — that he had been killed."
    )
    views = stance_views(hedge)
    assert views[0] == hedge
    assert views[1:] == [
        "It was not clear if Pérez survived the assault.",
        "CNN reported — citing a high government source — that he had been killed.",
    ]
    assert len(set(views)) == len(views)


def _score(label: str, supports: float, refutes: float) -> StanceScore:
    neutral = 1 - supports - refutes
    return StanceScore(
        label, {"supports": supports, "refutes": refutes, "neutral": neutral}, max(supports, refutes) >= 0.76
    )


def test_pick_view_prefers_the_most_decided_side_and_falls_back_to_the_whole_sentence():
    whole = _score("neutral", 0.1, 0.3)
    assert pick_view([whole, _score("neutral", 0.05, 0.4)]) is whole
    side = _score("refutes", 0.1, 0.83)
    assert pick_view([whole, _score("supports", 0.5, 0.1), side]) is side
    decided_whole = _score("supports", 0.9, 0.05)
    assert pick_view([decided_whole, _score("refutes", 0.1, 0.6)]) is decided_whole


@pytest.mark.parametrize(
    ("text", "speaker", "prefix"),
    [
        ("The police would not comment.", "Wei Li", "Wei Li said: "),  # "Li" inside "police" is not Li
        ("Many were hurt.", "Jack Ma", "Jack Ma said: "),
        ("Li said the police would not comment.", "Wei Li", ""),  # the sentence names its speaker
        ("Pérez announced that he was alive.", "Óscar Pérez", ""),
        ("“Spare his life.”", None, ""),
    ],
)
def test_the_speaker_prefix_is_left_out_only_when_the_sentence_names_the_speaker(text, speaker, prefix):
    assert said_by(text, speaker) == prefix


@pytest.mark.parametrize(
    ("sentence", "joined"),
    [
        ("Critics predicted the minister would resign, but she did not.", []),
        (
            "Critics predicted the minister would resign and she did not.",
            ["Critics predicted the minister would resign", "she did not"],
        ),
    ],
)
def test_a_clause_is_not_read_alone_when_the_other_is_too_short_to_stand(sentence: str, joined: list[str]):
    # "Critics predicted the minister would resign." alone supports "The minister resigned" (0.90),
    # which the whole sentence refutes (0.90): the elliptical "she did not" carries the meaning.
    assert stance_views(sentence, joined=joined) == [sentence]
