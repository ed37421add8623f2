"""The seven kinds of stance failure seen on real news (issue 21), each through `claimbot check --json`
on a small invented article (tests/fixtures/stadium.txt):

1. another clause decides; 2. a word in a relative clause flips the meaning; 3. a changed number;
4. reported speech taken as fact; 5. on-topic read as support; 6. page furniture indexed;
7. right labels left unconfident.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimbot.bot.cli import app

pytestmark = pytest.mark.slow
runner = CliRunner()
# Where .ci/run builds the accurate reader (tests/test_accurate_reader.py): the failure kinds are
# then checked with both readers.
ACCURATE_HOME = os.environ.get("CLAIMBOT_TEST_ACCURATE_READER", "")
READERS = [
    "fast",
    pytest.param(
        "accurate",
        marks=pytest.mark.skipif(
            not ACCURATE_HOME,
            reason="the accurate reader is built only where CLAIMBOT_TEST_ACCURATE_READER names a folder (.ci/run)",
        ),
    ),
]


@pytest.fixture(params=READERS)
def env(request: pytest.FixtureRequest, stadium_env: dict[str, str]) -> dict[str, str]:
    if request.param == "fast":
        return stadium_env
    from claimbot.index.service import accurate

    # the reader's folder named directly: the stadium index has a home of its own
    return stadium_env | {"CLAIMBOT_STANCE_MODEL": str(accurate.install(Path(ACCURATE_HOME)))}


def check(env: dict[str, str], claim: str, top: int = 8) -> dict:
    result = runner.invoke(app, ["check", claim, "--json", "--top", str(top)], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def passage(answer: dict, fragment: str) -> dict:
    found = [p for p in answer["passages"] if fragment in p["text"]]
    assert found, [p["text"] for p in answer["passages"]]
    return found[0]


def confidently(p: dict, side: str) -> bool:
    return p["confident"] and p["stance"] == side


def test_1_another_clause_does_not_decide(env):
    answer = check(env, "The governor backed the stadium plan")
    assert not confidently(passage(answer, "the governor vowed to veto it"), "supports")
    assert answer["verdict"] != "supported"


def test_2_a_relative_clause_can_flip_the_meaning(env):
    # the model reads "struck down" as supporting "upheld" (0.87); the polarity guard knows better
    answer = check(env, "A federal judge upheld the truck ban")
    assert not confidently(passage(answer, "which a federal judge struck down"), "supports")
    assert answer["verdict"] != "supported"


def test_3_a_changed_number_never_supports(env):
    answer = check(env, "The stadium had a budget of 50 million dollars")
    assert passage(answer, "budget of about 10 million dollars")["stance"] != "supports"
    same = check(env, "The stadium had a budget of 10 million dollars")
    assert passage(same, "budget of about 10 million dollars")["stance"] != "refutes"


def test_4_reported_speech_stands_as_reported_and_the_reporters_correction_wins(env):
    answer = check(env, "The stadium cost 2 million dollars")
    quote = passage(answer, "Councillor Ana Ruiz said the stadium cost 2 million dollars")
    assert quote["voice"] == "reported" and quote["speaker"] == "Councillor Ana Ruiz"
    correction = passage(answer, "It in fact cost 20 million dollars")
    assert correction["voice"] == "own"
    assert correction["stance"] != "supports"
    assert answer["verdict"] != "supported"


def test_4_a_claim_about_one_speakers_words_is_not_decided_by_anothers(env):
    other = check(env, "Governor Reyes said the stadium cost 2 million dollars")
    assert passage(other, "Councillor Ana Ruiz said the stadium cost")["stance"] == "neutral"
    same = check(env, "Ana Ruiz said the stadium cost 2 million dollars")
    assert passage(same, "Councillor Ana Ruiz said the stadium cost")["stance"] == "supports"


def test_5_on_topic_is_not_support(env):
    answer = check(env, "Governor Reyes opposed the stadium")
    assert not confidently(passage(answer, "spoke at the opening of the stadium"), "supports")


def test_6_page_furniture_is_never_a_passage(env):
    answer = check(env, "Governor Reyes speaks at the opening of the stadium in Springfield", top=20)
    texts = [p["text"] for p in answer["passages"]]
    assert not any("Related Stories" in t or t.startswith("Springfield (AFP)") for t in texts), texts
    assert any("spoke at the opening" in t for t in texts)


def test_6_a_photo_caption_never_decides(env):
    # "… in Springfield. Jane Doe AP": a paragraph that ends in its photographer's credit
    answer = check(env, "Governor Reyes cut the ribbon at the stadium")
    caption = passage(answer, "cuts the ribbon at the new stadium")
    assert caption["kind"] == "caption"
    assert not caption["confident"]
    # no other passage decides it: without the rule the caption alone made it "supported"
    assert not any(p["confident"] for p in answer["passages"])
    assert answer["verdict"] == "unverified"
    statement = passage(check(env, "Governor Reyes spoke at the opening of the stadium"), "spoke at the opening")
    assert statement["kind"] == "text"


def test_7_a_plain_right_label_is_confident(env):
    answer = check(env, "The governor vowed to veto the stadium plan")
    assert confidently(passage(answer, "the governor vowed to veto it"), "supports")
    assert answer["verdict"] == "supported"
