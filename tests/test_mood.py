"""The command guard: a quoted plea or order states nothing as fact (docs/prereg/command-guard.md)."""

from __future__ import annotations

from typing import cast

import numpy as np
import pytest

from claimbot.index.evaluation.news import Calibration, ViewLogits, picked
from claimbot.index.stance import (
    CommandReader,
    StanceModel,
    StanceScore,
    about_words,
    guard_command,
    shared_command_reader,
)
from tests.scripted_reader import ScriptedReader

COMMANDS = [
    "“Let him surrender,” his mother said in a third video.",
    # a passage that begins inside a quotation opened by the sentence before
    "Let him surrender,” his mother said in a third video.",
    "“Spare his life.”",
    "“Don't shoot him,” a neighbour shouted.",
    "“Please release my son,” she said on Tuesday.",
    "“Stop the violence and release the prisoners,” the bishop said.",
    "“Help us,” pleaded the mother of one of the victims.",
]
STATEMENTS = [
    "“They don’t want to let us surrender,” Pérez said.",
    "“We are still alive,” Pérez said.",
    # the frame reports an event besides the order
    "“Come out,” police told him, before shooting him twice.",
    # an imperative that presents its complement as fact
    "“Don’t forget that we won,” he has said repeatedly.",
    "“Let us be clear: the economy grew by 3 percent,” the minister said.",
    # an acronym the tagger takes for a verb
    'ISIS in now "less than 10 miles" from Baghdad.',
    # no quotation mark: never parsed
    "Police told residents to stay indoors.",
    "Stay indoors.",
]


@pytest.mark.parametrize("sentence", COMMANDS)
def test_a_quoted_plea_or_order_is_a_command(sentence):
    assert shared_command_reader().commands([sentence]) == [True]


@pytest.mark.parametrize("sentence", STATEMENTS)
def test_a_sentence_that_asserts_something_is_not_a_command(sentence):
    assert shared_command_reader().commands([sentence]) == [False]


def test_only_sentences_with_a_quotation_mark_are_parsed():
    class Counting:
        def __init__(self) -> None:
            self.seen: list[str] = []

        def pipe(self, texts):
            from claimbot.index.corpus import shared_nlp

            self.seen += list(texts)
            return shared_nlp()[0].pipe(self.seen)

    nlp = Counting()
    flags = CommandReader(nlp).commands(["Stay indoors.", "“Stay indoors,” police said.", "It rained."])
    assert flags == [False, True, False]
    assert nlp.seen == ["“Stay indoors,” police said."]


SIDE = StanceScore("supports", {"supports": 0.9, "refutes": 0.02, "neutral": 0.08}, True)


def test_a_side_on_a_command_turns_neutral_and_keeps_its_probabilities():
    guarded = guard_command(True, False, SIDE)
    assert guarded.label == "neutral" and not guarded.confident
    assert guarded.probs == SIDE.probs
    assert guard_command(False, False, SIDE) == SIDE
    # a claim about someone's words may be supported by the words themselves
    assert guard_command(True, True, SIDE) == SIDE


def test_a_claim_about_what_someone_asked_is_about_words():
    assert about_words("Pérez surrendered", None) is False
    assert about_words("His mother begged for his life", None) is True
    assert about_words("The bishop called for the prisoners' release", None) is True
    assert about_words("The government let him surrender", "anyone") is True


def test_check_drops_a_side_taken_on_a_plea_unless_the_claim_is_about_it(demo_index, monkeypatch):
    # a reader that takes the plea for support of anything, as news31-news34 did for "Pérez surrendered"
    plea = "Let him surrender"
    reader = ScriptedReader("reads-the-plea-as-support", SIDE, lambda evidence: plea in evidence)
    monkeypatch.setattr(demo_index, "_stance", cast(StanceModel, reader))
    result = demo_index.check("Pérez surrendered", top=5)
    guarded = next(p for p in result.passages if plea in p.text)
    assert guarded.stance == "neutral" and not guarded.confident
    assert result.verdict == "unverified"
    asked = demo_index.check("Pérez's mother asked the government to let him surrender", top=5)
    kept = next(p for p in asked.passages if plea in p.text)
    assert kept.stance == "supports" and kept.confident


def test_eval_news_guards_commands_as_check_does():
    support = np.array([[4.0, -2.0, 0.0]])  # LABELS order: supports, refutes, neutral
    plea = "“Let him surrender,” his mother said."
    vl = ViewLogits(
        logits=[support, support],
        claims=["Pérez surrendered", "His mother asked the army to let him surrender"],
        evidence=[plea, plea],
        commands=[True, True],
    )
    scores = picked(vl, Calibration(1.0, 0.0, 0.5))
    assert [s.label for s in scores] == ["neutral", "supports"]
