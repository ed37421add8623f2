"""Claims pasted the way people post them, through `claimbot check` on a small invented article
(tests/fixtures/stadium.txt): a post gets the answer its plain claim gets, and says what was read.
The measured effect on the team's real-news posts is in docs/stance-model.md (Posts, not claims)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from claimbot.bot.cli import app

pytestmark = pytest.mark.slow
runner = CliRunner()

# plain claim -> posts of it, one per kind of cleanup
POSTS = {
    "The governor vowed to veto the stadium plan": [
        "BREAKING: The governor vowed to VETO the stadium plan 😱",
        "RT @springfieldnews: The governor vowed to veto the stadium plan https://t.co/Ab12Cd",
        "The governor vowed to veto the stadium plan!!! #Springfield #stadium",
        "did the governor really vow to veto the stadium plan??",
        "I heard the governor vowed to veto the stadium plan lol",
    ],
    "Governor Tom Reyes grew up in Springfield": [
        "GOVERNOR TOM REYES GREW UP IN SPRINGFIELD",
        "is it true that governor tom reyes grew up in springfield?",
        "wow, Governor Tom Reyes grew up in #Springfield 🤯 (source: https://example.com/reyes)",
    ],
    "The stadium was built on a budget of 50 million dollars": [
        "JUST IN: the stadium was built on a budget of $50m 💸 https://t.co/x",
        "was the stadium built on a budget of 50 million dollars?",
    ],
}


@pytest.fixture
def env(stadium_env: dict[str, str]) -> dict[str, str]:
    return stadium_env


def check(env: dict[str, str], claim: str) -> dict:
    result = runner.invoke(app, ["check", claim, "--json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def sides(answer: dict) -> set[tuple[str, str]]:
    """The confident sides shown: what the verdict is made of."""
    return {(p["text"], p["stance"]) for p in answer["passages"] if p["confident"] and p["stance"] != "neutral"}


@pytest.mark.parametrize(("claim", "post"), [(c, p) for c, posts in POSTS.items() for p in posts])
def test_a_post_gets_the_answer_its_claim_gets(env, claim, post):
    plain = check(env, claim)
    assert plain["verdict"] in ("supported", "refuted") and plain["read_as"] is None
    answer = check(env, post)
    assert answer["claim"] == post  # shown as typed
    assert answer["read_as"] is not None
    assert answer["verdict"] == plain["verdict"]
    assert sides(answer) == sides(plain) != set()


def test_the_text_answer_says_what_was_read(env):
    result = runner.invoke(app, ["check", "BREAKING: The governor vowed to veto the stadium plan 😱"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Claim: BREAKING: The governor vowed to veto the stadium plan 😱"
    assert lines[1] == "Read as: The governor vowed to veto the stadium plan"
    plain = runner.invoke(app, ["check", "The governor vowed to veto the stadium plan"], env=env)
    assert "Read as" not in plain.stdout
    # a first letter put in capitals is no other reading
    lower = runner.invoke(app, ["check", "the governor vowed to veto the stadium plan"], env=env)
    assert lower.exit_code == 0 and "Read as" not in lower.stdout
