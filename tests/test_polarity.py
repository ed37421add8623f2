import pytest

from claimbot.index.stance.model import StanceScore
from claimbot.index.stance.polarity import agreed, opposed
from claimbot.index.stance.slots import guard_sides


@pytest.mark.parametrize(
    ("claim", "passage", "expected"),
    [
        (
            "A federal judge upheld the truck ban",
            "The truck ban, which a federal judge struck down in May, had kept heavy trucks off the bridge.",
            True,
        ),
        ("Bobby Scott voted in favor of the act", "Scott was one of three members who voted against the act.", True),
        ("The council approved the plan", "The council rejected the plan on Tuesday.", True),
        ("Lawyers filed papers supporting the unsealing", "Lawyers filed legal papers opposing the unsealing.", True),
        ("Sales fell in May", "Sales rose in May.", True),
        # nouns and near synonyms of the same opposites
        ("Matt Lauer won wide praise for the forum", "He cited criticism of Matt Lauer after the forum.", True),
        ("Europe's borders are guarded by its strongest countries", "Its borders are defended by its weakest.", True),
        ("Hillary wants to shrink the Peace Corps", "She wants to grow the Peace Corps.", True),
        ("Selenium is a harmless byproduct", "The company cleaned up selenium, a harmful byproduct.", True),
        ("Chaffetz accepted the offer", "His attorney made an offer, but Chaffetz declined.", True),
        # life and death (docs/prereg/structure-confirms.md, part C)
        ("Pérez was killed", "Pérez announced that he and his men were still alive.", True),
        ("The pilot survived the crash", "The pilot died in the crash.", True),
        ("The senator died in May", "The senator, who survived the attack, spoke in May.", True),
        ("The founder died in May", "The founder, who is survived by his wife, lived in Chicago.", False),
        # the passage says the claim's side too, in another form
        ("Smith was killed", "Smith, who survived an attempt in 2015, was shot and killed on Monday.", False),
        ("Smith was killed", "A car bomb killed Smith, who had survived two earlier attempts.", False),
        ("The police are alive to the risk", "The police killed the gunman.", False),
        # the same predicate, or both sides in the passage: nothing to say
        ("A federal judge upheld the ban", "A federal judge upheld the ban in May.", False),
        ("The mayor won the race", "The mayor won, and her rival lost.", False),
        # a negation on either side may make the two agree
        ("The judge did not uphold the ban", "The judge struck down the ban.", False),
        ("The council approved the plan", "The council never rejected the plan.", False),
        # words that only look alike: "supporters", "disagree" inside "agree"'s pair, "vote for" only after "vote"
        ("Supporters cheered the mayor", "Many opposed the mayor.", False),
        ("The senators agreed on the bill", "The senators agreed, though two disagreed.", False),
        ("The senators agreed on the bill", "Two senators disagreed on the bill.", True),
        # negations typed with a curly apostrophe, "cannot", "declined to"
        ("The judge didn’t uphold the ban", "The judge struck down the ban.", False),
        ("The Supreme Court upheld the ban", "The Supreme Court declined to overturn the ban.", False),
        ("Shares rose 5%", "Shares rallied 5%; the company declined to comment.", False),
        # one's win is the other's loss: the opposite word must be said of the claim's subject
        ("Trump won the election", "Clinton lost the election.", False),
        ("The euro rose against the dollar", "The dollar fell against the euro.", False),
        # words in another sense: an explosion, a name, a season, a childhood, a tax measure
        ("Officials praised the firefighters", "Officials said the firefighters arrived after the blast.", False),
        ("Unemployment fell in May", "Unemployment was discussed in the Rose Garden in May.", False),
        ("Enrollment increased this year", "Enrollment figures for the fall semester were published this year.", False),
        ("The mayor left the city", "The mayor, who grew up in the city, left it.", False),
        ("The UN allowed the shipments", "UN chief Ban Ki-moon spoke about the shipments.", False),
        ("He argued for the bill", "He voted against the bill.", False),
    ],
)
def test_opposite_predicates(claim, passage, expected):
    assert opposed(claim, passage) is expected


def test_a_passage_with_the_opposite_predicate_never_supports_but_may_refute():
    claim, passage = "A federal judge upheld the ban", "A federal judge struck down the ban in May."
    supports = StanceScore(label="supports", probs={"supports": 0.9, "refutes": 0.05, "neutral": 0.05}, confident=True)
    guarded = guard_sides(claim, passage, supports)
    assert guarded.label == "neutral" and not guarded.confident and guarded.probs == supports.probs
    refutes = StanceScore(label="refutes", probs={"supports": 0.05, "refutes": 0.9, "neutral": 0.05}, confident=True)
    assert guard_sides(claim, passage, refutes) == refutes


@pytest.mark.parametrize(
    ("claim", "passage", "expected"),
    [
        # the claim's predicate of its subject, and every other word of it (docs/prereg/agreement-guard.md)
        (
            "Pérez survived the assault",
            "In the first of several videos released Monday, Pérez announced that he and a small group of men"
            " were still alive, despite the early-morning assault.",
            True,
        ),
        (
            "Lawyers for both Donald and Ivana Trump filed papers opposing the unsealing",
            "Earlier this month, lawyers for both Donald and Ivana Trump filed legal papers opposing the unsealing.",
            True,
        ),
        ("Sales rose in May", "Sales rose sharply in May, the company said.", True),
        # another detail of the claim is not in the passage: that detail may be what refutes
        ("Crutcher was killed on Tulsa's south side", "Crutcher was killed Friday in Tulsa's north side.", False),
        ("Pérez survived the assault in Bogotá", "Pérez said he was still alive after the assault.", False),
        ("Sales rose in June", "Sales rose in May.", False),
        # the other side said too, a negation, the predicate said of someone else
        ("Pérez survived the assault", "Pérez survived the assault but died in hospital a day later.", False),
        ("Pérez survived the assault", "Pérez did not survive the assault.", False),
        (
            "Pérez survived the assault",
            "Pérez's brother survived the assault, police said of the raid on Pérez.",
            False,
        ),
    ],
)
def test_a_passage_that_says_what_the_claim_says(claim, passage, expected):
    assert agreed(claim, passage) is expected


def test_a_passage_that_says_what_the_claim_says_never_refutes_but_may_support():
    claim = "Pérez survived the assault"
    passage = "Pérez announced that he and his men were still alive, despite the early-morning assault."
    refutes = StanceScore(label="refutes", probs={"supports": 0.06, "refutes": 0.9, "neutral": 0.04}, confident=True)
    guarded = guard_sides(claim, passage, refutes)
    assert guarded.label == "neutral" and not guarded.confident and guarded.probs == refutes.probs
    supports = StanceScore(label="supports", probs={"supports": 0.9, "refutes": 0.05, "neutral": 0.05}, confident=True)
    assert guard_sides(claim, passage, supports) == supports
    # a quantity the passage states otherwise still lets it refute
    dated = StanceScore(label="refutes", probs=refutes.probs, confident=True)
    assert guard_sides("Sales rose 5% in May", "Sales rose 9% in May.", dated) == dated
