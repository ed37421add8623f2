"""train/news_verdicts.py: how a check's verdict on a news claim is graded (no data needed)."""

from __future__ import annotations

import pytest

from claimbot.index.evaluation import NewsPair, same_sentence
from claimbot.index.records import ArticleRef, CheckResult, PassageResult
from train.news_verdicts import Grade, grade, outcome, summary

SENTENCE = "The mayor said on Tuesday that the stadium would cost 20 million dollars."


def _pair(label: str, claim: str = "The stadium cost 20 million dollars") -> NewsPair:
    return NewsPair("p1", "polnear-dev", "art", 0, len(SENTENCE), "sha", claim, label, "number", "own", "dev", "a1")


def _passage(text: str, stance: str, confident: bool) -> PassageResult:
    article = ArticleRef(id=1, title=None, outlet=None, url=None, published=None)
    return PassageResult(
        text=text, relevance=1.0, stance=stance, confident=confident, article=article, char_start=0, char_end=len(text)
    )


@pytest.mark.parametrize(
    ("label", "verdict", "expected"),
    [
        ("supports", "supported", Grade.RIGHT),
        ("supports", "refuted", Grade.WRONG),
        ("supports", "disputed", Grade.DISPUTED),
        ("supports", "unverified", Grade.MISSED),
        ("supports", None, Grade.MISSED),
        ("refutes", "refuted", Grade.RIGHT),
        ("refutes", "supported", Grade.WRONG),
        ("neutral", "unverified", Grade.QUIET),
        ("neutral", "supported", Grade.SIDE),
        ("neutral", "disputed", Grade.SIDE),
    ],
)
def test_a_verdict_is_graded_against_the_side_its_claim_was_written_for(label, verdict, expected):
    assert grade(label, verdict) is expected


def test_the_gold_sentence_is_found_among_the_shown_passages_even_if_cut_differently():
    assert same_sentence("  the mayor said on Tuesday that the stadium would cost 20 million", SENTENCE)
    assert not same_sentence("The governor vowed to veto the stadium plan.", SENTENCE)
    assert not same_sentence("", SENTENCE)


def test_the_gold_sentence_counts_only_when_shown_with_its_side_confidently():
    other = _passage("The governor vowed to veto the stadium plan.", "neutral", False)
    sure = CheckResult(claim="c", verdict="supported", passages=[other, _passage(SENTENCE, "supports", True)])
    unsure = CheckResult(claim="c", verdict="unverified", passages=[other, _passage(SENTENCE, "supports", False)])
    wrong_side = CheckResult(claim="c", verdict="refuted", passages=[_passage(SENTENCE, "refutes", True)])
    below = CheckResult(claim="c", verdict="supported", passages=[other] * 5 + [_passage(SENTENCE, "supports", True)])
    pair = _pair("supports")
    assert (outcome(pair, SENTENCE, sure).gold_shown, outcome(pair, SENTENCE, sure).gold_right) == (True, True)
    assert (outcome(pair, SENTENCE, unsure).gold_shown, outcome(pair, SENTENCE, unsure).gold_right) == (True, False)
    assert (
        outcome(pair, SENTENCE, wrong_side).grade is Grade.WRONG and not outcome(pair, SENTENCE, wrong_side).gold_right
    )
    assert not outcome(pair, SENTENCE, below).gold_shown  # 6th: not among the 5 a user reads


def test_the_summary_counts_one_sided_verdicts_given_to_undecided_claims_against_precision():
    sup = CheckResult(claim="c", verdict="supported", passages=[_passage(SENTENCE, "supports", True)])
    none = CheckResult(claim="c", verdict="unverified", passages=[])
    outcomes = [
        outcome(_pair("supports"), SENTENCE, sup),  # right, gold right
        outcome(_pair("refutes"), SENTENCE, sup),  # wrong
        outcome(_pair("refutes"), SENTENCE, none),  # missed
        outcome(_pair("neutral"), SENTENCE, sup),  # side
        outcome(_pair("neutral"), SENTENCE, none),  # quiet
    ]
    s = summary(outcomes)
    assert (s["sided"], s["right"], s["wrong"], s["missed"], s["neutral"], s["side"], s["quiet"]) == (
        3,
        1,
        1,
        1,
        2,
        1,
        1,
    )
    assert s["right_share"] == round(1 / 3, 4)
    assert s["one_side_precision"] == round(1 / 3, 4)  # 3 claims answered "supported", 1 of them rightly
    assert s["gold_right_confident"] == round(1 / 3, 4)
