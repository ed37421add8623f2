"""The speaker guard (index/stance/speakers.py): a claim that names its speaker is not decided by
words a passage attributes to someone else by name."""

from __future__ import annotations

import pytest

from claimbot.index.stance import StanceScore, guard_speaker, other_speaker

QUOTE = "“This museum tells the truth about our history,” Mr. Bush declared."


@pytest.mark.parametrize(
    ("claimed", "passage", "speaker", "other"),
    [
        ("Obama", QUOTE, "Bush", True),  # two names, and the claim's is not in the passage
        ("President Obama", QUOTE, "George W. Bush", True),  # titles do not tell people apart
        ("Bush", QUOTE, "Bush", False),
        ("George Bush", QUOTE, "Mr. Bush", False),  # one shared name word is the same person
        ("Obama", "Obama agreed, and Mr. Bush declared the museum open.", "Bush", False),  # named in the passage
        ("Obama", QUOTE, "the president", False),  # a description may be the claim's speaker
        ("Stein's spokeswoman", QUOTE, "Melezia Figueroa", False),
        ("Peña Nieto", "“We must not overreact,” Pena Nieto told me.", "Mexico", False),  # accents folded
        # a straight apostrophe, as typed, is the article's curly one
        ("O'Brien", "The plan would double the port's traffic, Liam O’Brien said.", "Liam O’Brien", False),
        ("Conan O'Brien", "The plan failed, Mr. O’Brien said.", "Mr. O’Brien", False),
        ("Obama", QUOTE, None, False),  # the outlet's own voice
        (None, QUOTE, "Bush", False),  # the claim names no speaker
    ],
)
def test_other_speaker(claimed, passage, speaker, other):
    assert other_speaker(claimed, passage, speaker) is other


def test_guard_keeps_probabilities_and_only_turns_sides_neutral():
    probs = {"supports": 0.93, "refutes": 0.02, "neutral": 0.05}
    side = StanceScore(label="supports", probs=probs, confident=True)
    guarded = guard_speaker("Obama", QUOTE, "Bush", side)
    assert (guarded.label, guarded.confident, guarded.probs) == ("neutral", False, probs)
    assert guard_speaker("Bush", QUOTE, "Bush", side) is side
    neutral = StanceScore(label="neutral", probs=probs, confident=False)
    assert guard_speaker("Obama", QUOTE, "Bush", neutral) is neutral
