import pytest

from claimbot.index.stance.slots import Slot, SlotKind, mismatched, slots


@pytest.mark.parametrize(
    ("claim", "passage", "kinds"),
    [
        (
            "The stadium had a 50 million dollar budget",
            "The stadium was built on a budget of about 10 million dollars.",
            [SlotKind.MONEY],
        ),
        ("The stadium had a 10 million dollar budget", "The stadium was built on a budget of about $10 million.", []),
        ("It cost 2.5 million dollars", "The bill came to $2,500,000.", []),
        ("Pérez was arrested in December", "Pérez was killed on January 15, 2018.", [SlotKind.MONTH]),
        ("The attack happened in 2017", "In June 2017 Pérez stole a police helicopter.", []),
        ("The attack happened in 2016", "In June 2017 Pérez stole a police helicopter.", [SlotKind.YEAR]),
        ("Clinton leads by 3 percent", "Clinton leads Trump by 7 percentage points, 46% to 39%.", [SlotKind.PERCENT]),
        ("Five members of the band were captured", "The government said five members of his group were captured.", []),
        ("Two officers were killed", "On January 15, officers were killed at 11:05 a.m.", []),
        ("Twelve officers were killed", "Two officers were killed and five were wounded.", [SlotKind.COUNT]),
        ("Nobody was hurt", "No one was injured in 2017.", []),
        ("It may rain on the parade", "In May 2016 the parade was cancelled.", []),
        ("Two hundred people were arrested", "200 people were arrested.", []),
        ("500,000 people marched", "Five hundred thousand people marched on 2 days.", []),
        ("It cost 200 million dollars", "It cost two hundred million dollars.", []),
        ("He is forty-five", "He is 45.", []),
        # a hyphenated word number is one number: another count in the passage does not block it
        ("25 people died in the fire", "Twenty-five people died in the fire, officials said on Route 9.", []),
        ("24 people died in the fire", "Twenty-five people died in the fire.", [SlotKind.COUNT]),
        ("A twenty-five-year-old man was hurt", "A man was hurt in 2019.", []),
        ("The tower is 9 metres tall", "The tower is 9 m tall.", []),
        ("The tower is 12 metres tall", "The tower is 9 m tall.", [SlotKind.COUNT]),
        # "1.5m people" is 1.5 million, "9 m" 9 metres: either value is the passage's
        ("1.5 million people live in the region", "Some 1.5m people live in the region, 2 surveys found.", []),
        ("More than 100 people died", "At least 150 people died.", []),
        ("2,000 people marched", "About two thousand people marched in 2019.", []),
        ("COVID-19 vaccines are safe for children", "They are safe for children aged 5 to 11, two studies found.", []),
        ("He resigned in March after two years in office", "He resigned on 15 March.", []),
        # a day-first date states its month: another month in the passage does not block it
        ("The minister resigned in May", "The minister resigned on 5 May and left the party in June.", []),
        ("The minister resigned in June", "The minister resigned on the 5th of May.", [SlotKind.MONTH]),
        ("The fair opens in June", "Up to 5 may attend the fair, which opens in June.", []),
        ("The stadium cost 11 million dollars", "It cost about 10 million dollars.", []),
        ("Clinton won by 3 points", "Clinton won 51% to 48%.", []),
        # ".5%" is half a percent, not 5 %
        ("Rates rose 0.5% in March", "Rates rose .5% in March, after 3 cuts.", []),
        ("Rates rose 5% in March", "Rates rose .5% in March.", [SlotKind.PERCENT]),
        # a decimal comma with a unit is a decimal: "2,9%" is 2.9 %, not 9 %
        ("Inflation reached 2,9% in May", "Inflation reached 2.9% in May.", []),
        ("Inflation reached 9% in May", "Inflation reached 2,9% in May.", [SlotKind.PERCENT]),
        ("The deal is worth €1,5 billion", "The deal is worth 1.5 billion euros.", []),
        ("The deal is worth €2 billion", "The deal is worth €1,5 billion.", [SlotKind.MONEY]),
        ("A coffee costs €2,50", "A coffee costs 2.50 euros.", []),
        ("A coffee costs €3", "A coffee costs €2,50.", [SlotKind.MONEY]),
        ("14 children were surveyed", "Some cannot say at 13,14 or 15 how they feel.", []),
        # thousands grouped by a no-break or thin space; an ordinary space joins no two numbers
        ("2,000 people marched", "Some 2\u00a0000 people marched.", []),
        ("3,000 people marched", "2\u202f000 people marched.", [SlotKind.COUNT]),
        ("Russia fired 50 shells", "It fired 50 155mm shells.", []),
        # money in wire and non-US styles: the scale is kept, and the amount is money
        ("The company earned 3 billion dollars", "The company earned $3 bln last year.", []),
        ("The company earned 3 million dollars", "The company earned $3 bln last year.", [SlotKind.MONEY]),
        ("The fund holds $40 million", "The fund holds $40 mln.", []),
        ("Tickets cost 500 yen", "Tickets cost ¥500.", []),
        ("Tickets cost ¥800", "Tickets cost 500 yen, and 3 people came.", [SlotKind.MONEY]),
        ("The fine was Rs 500", "The fine was ₹500.", []),
        ("The fine was Rs. 700", "The fine was ₹500.", [SlotKind.MONEY]),
        ("The grant was 5 million dollars", "The grant was USD 5 million.", []),
        (
            "The grant was 5 million dollars",
            "The grant was USD 6 million, and 5 million people got it.",
            [SlotKind.MONEY],
        ),
        # a day of the week dates an event as a year does
        ("The keynote starts Tuesday at 10 AM", "The keynote begins on Monday at 10 AM Pacific.", [SlotKind.WEEKDAY]),
        ("The keynote starts Monday", "On Monday, the keynote begins at 10 AM.", []),
        ("Pérez was killed on Monday", "Pérez died in Monday's raid, officials said Tuesday.", []),
        ("The Fort Carson lockdown began on a Saturday", "The lockdown was triggered Thursday.", [SlotKind.WEEKDAY]),
        ("Late Friday the mayor resigned", "Late Monday the mayor resigned.", [SlotKind.WEEKDAY]),
        # inside a name it dates nothing
        ("Voters turned out on Monday", "Voters turned out for Super Tuesday.", []),
        ("The story broke on Monday", "The story ran in The Sunday Times.", []),
        ("The game aired on Sunday", "Monday Night Football aired the game.", []),
    ],
)
def test_quantities_the_claim_states_are_compared_by_kind(claim, passage, kinds):
    assert mismatched(claim, passage) == kinds


def test_runs_of_figures_and_of_number_words_are_read_in_linear_time():
    # Each start and each length of a run of figures was tried against the rest of the line (cubic:
    # 4.9 s for this line), and the whole text before each number word was searched for "no" (6.5 s).
    assert slots("1" * 1500 + "x1") == set()
    assert slots("one " * 8000) == {Slot(SlotKind.COUNT, 1.0)}
    assert slots("no one " * 10) == set()
    assert slots("$1,000,000 and 2.5 percent in 2019") == {
        Slot(SlotKind.MONEY, 1e6),
        Slot(SlotKind.PERCENT, 2.5),
        Slot(SlotKind.YEAR, 2019),
    }
