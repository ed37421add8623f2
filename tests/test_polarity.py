import pytest

from claimbot.index.stance.model import StanceScore
from claimbot.index.stance.polarity import opposed
from claimbot.index.stance.slots import guard_supports


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
    guarded = guard_supports(claim, passage, supports)
    assert guarded.label == "neutral" and not guarded.confident and guarded.probs == supports.probs
    refutes = StanceScore(label="refutes", probs={"supports": 0.05, "refutes": 0.9, "neutral": 0.05}, confident=True)
    assert guard_supports(claim, passage, refutes) == refutes
