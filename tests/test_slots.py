import pytest

from claimbot.index.stance.slots import SlotKind, mismatched


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
    ],
)
def test_quantities_the_claim_states_are_compared_by_kind(claim, passage, kinds):
    assert mismatched(claim, passage) == kinds
