"""The event-time guard: a claim that names its event by a year is about that event only
(docs/prereg/event-time.md)."""

from __future__ import annotations

from datetime import date
from typing import cast

import numpy as np
import pytest

from claimbot.index.evaluation.news import Calibration, ViewLogits, picked
from claimbot.index.stance import (
    DatedEvent,
    StanceModel,
    StanceScore,
    guard_event_time,
    other_event,
    published_date,
    shared_event_reader,
)
from claimbot.index.stance.events import passage_years
from tests.scripted_reader import ScriptedReader

ATTACK = [DatedEvent(2017, frozenset({"helicopter", "attack"}))]
MONDAY = date(2018, 1, 15)


@pytest.mark.parametrize(
    ("claim", "year", "words"),
    [
        ("Nobody was injured in the 2017 helicopter attack", 2017, {"helicopter", "attack"}),
        ("2017's attack injured nobody", 2017, {"attack"}),
        ("The July 2017 attack injured nobody", 2017, {"attack"}),
        ("The 2011 US-Mexico trucking agreement was signed in October", 2011, {"mexico", "trucking", "agreement"}),
    ],
)
def test_a_year_that_modifies_a_noun_names_an_event(claim, year, words):
    assert shared_event_reader().dated_events(claim) == [DatedEvent(year, frozenset(words))]


@pytest.mark.parametrize(
    "claim",
    [
        "Pérez was arrested in July 2017",  # a date, not an event: the quantity guard compares it
        "The attack happened in 2017",
        "The 2017 Ford Fusion is built in Monterrey",  # a model year of a name, no event
        "Nobody was injured in the helicopter attack",
    ],
)
def test_a_year_that_dates_the_statement_names_no_event(claim):
    assert shared_event_reader().dated_events(claim) == []


def test_a_claim_without_a_year_is_not_parsed():
    class Refuses:
        def __call__(self, text: str) -> None:
            raise AssertionError(f"parsed {text!r}")

    from claimbot.index.stance import EventReader

    assert EventReader(Refuses()).dated_events("Nobody was injured in the attack") == []


def test_a_passage_is_set_in_the_years_it_writes_or_its_article_dates():
    assert passage_years("The attack of July 2017 injured no one.", None, MONDAY) == {2017}
    # a day of the week or "today" is the week the article was published
    assert passage_years("By midday Monday, ten were injured.", None, MONDAY) == {2018}
    assert passage_years("Ten were injured, police said today.", None, MONDAY) == {2018}
    assert passage_years("He was first arrested last year.", None, MONDAY) == {2017}
    # without a publication date a weekday dates nothing
    assert passage_years("By midday Monday, ten were injured.", None, None) == frozenset()


def test_an_undated_passage_is_set_when_the_sentence_before_it_is():
    before = "He rose to notoriety in July 2017, when he attacked two buildings."
    assert passage_years("No one was injured.", before, MONDAY) == {2017}
    assert passage_years("No one was injured.", "Special forces on Monday captured five.", MONDAY) == {2018}
    assert passage_years("No one was injured.", "He has been a fugitive.", MONDAY) == frozenset()
    # its own time first: the sentence before is read only for one that has none
    assert passage_years("In 2016 no one was injured.", before, MONDAY) == {2016}


def test_a_passage_about_another_year_that_does_not_name_the_event_is_another_event():
    village = "The assault in a village ended with two officers killed and five injured."
    assert other_event(ATTACK, village, "Special forces on Monday captured five.", MONDAY)
    # set in the claim's year: it may be the claim's event
    assert not other_event(ATTACK, "No one was injured.", "He attacked in July 2017.", MONDAY)
    # naming the event (a form of one of its words, or its year) keeps it the claim's event
    assert not other_event(ATTACK, "Both attacks on Monday injured five.", None, MONDAY)
    assert not other_event(ATTACK, "By Monday the 2017 toll had risen to five injured.", None, MONDAY)
    # time unknown: left alone
    assert not other_event(ATTACK, village, "He has been a fugitive.", MONDAY)
    assert not other_event([], village, "Special forces on Monday captured five.", MONDAY)


SIDE = StanceScore("refutes", {"supports": 0.02, "refutes": 0.9, "neutral": 0.08}, True)


def test_a_side_on_another_event_turns_neutral_and_keeps_its_probabilities():
    guarded = guard_event_time(True, SIDE)
    assert guarded.label == "neutral" and not guarded.confident and guarded.probs == SIDE.probs
    assert guard_event_time(False, SIDE) == SIDE


def test_a_publication_date_is_read_from_its_iso_form():
    assert published_date("2018-01-15") == MONDAY
    assert published_date("2018-01-15T08:00:00Z") == MONDAY
    assert published_date(None) is None
    assert published_date("January 2018") is None


def test_check_drops_sides_taken_on_another_years_event(demo_index, monkeypatch):
    # a reader that reads any sentence about injuries as a confident refutation
    reader = ScriptedReader("refutes-on-injuries", SIDE, lambda evidence: "injured" in evidence)
    monkeypatch.setattr(demo_index, "_stance", cast(StanceModel, reader))
    result = demo_index.check("Nobody was injured in the 2017 helicopter attack", top=10)
    stances = {p.text: p.stance for p in result.passages if "injured" in p.text}
    # Monday's assault on a village (2018): one dated by its weekday, one by the sentence before it
    village = [t for t in stances if "village" in t]
    assert len(village) == 2 and all(stances[t] == "neutral" for t in village), stances
    # the 2017 attack's own sentence, dated by the one before it, keeps its side
    assert stances[next(t for t in stances if t.startswith("No one was injured"))] == "refutes"
    # a claim that names no dated event is not touched
    plain = demo_index.check("Nobody was injured in the assault", top=10)
    assert all(p.stance == "refutes" for p in plain.passages if "injured" in p.text)


def test_the_store_gives_the_statement_before_a_passage(demo_index):
    result = demo_index.check("Nobody was injured in the 2017 helicopter attack", top=10)
    after = next(p for p in result.passages if p.text.startswith("No one was injured"))
    first = next(p for p in result.passages if p.char_start == min(q.char_start for q in result.passages))
    before = demo_index.store.previous_sentences([(after.article.id, after.char_start), (first.article.id, 0)])
    assert before[(after.article.id, after.char_start)].startswith("The 36-year-old Óscar Pérez rose to notoriety")
    assert (first.article.id, 0) not in before


def test_eval_news_guards_other_events_as_check_does():
    refute = np.array([[-2.0, 4.0, 0.0]])  # LABELS order: supports, refutes, neutral
    vl = ViewLogits(
        logits=[refute, refute],
        claims=["Nobody was injured in the 2017 helicopter attack"] * 2,
        evidence=["Five were injured.", "Five were injured."],
        other_events=[True, False],
    )
    assert [s.label for s in picked(vl, Calibration(1.0, 0.0, 0.5))] == ["neutral", "refutes"]
