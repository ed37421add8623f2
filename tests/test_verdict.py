"""The verdict over stance-labelled passages and the sentence that explains it."""

from __future__ import annotations

from claimbot.index.records import ArticleRef, PassageResult, StanceProbs
from claimbot.index.stance.verdict import decide, side_first


def passage(stance: str, prob: float, *, confident: bool = True, relevance: float = 0.5, **who) -> PassageResult:
    rest = (1 - prob) / 2
    probs = {"supports": rest, "refutes": rest, "neutral": rest} | {stance: prob}
    return PassageResult(
        text=f"{stance} {prob}",
        relevance=relevance,
        stance=stance,
        probs=StanceProbs(**probs),
        confident=confident,
        article=ArticleRef(id=1, title="Assault", outlet="AP", url=None, published=None),
        char_start=0,
        char_end=1,
        **who,
    )


def test_both_sides_confident_is_disputed_and_names_who_says_what():
    verdict, reason = decide(
        [
            passage("supports", 0.9, attribution="CNN, citing a high government source"),
            passage("refutes", 0.8, attribution="Óscar Pérez, in a video"),
            passage("neutral", 0.9),
        ]
    )
    assert verdict == "disputed"
    assert reason == (
        "1 passage supports it, 1 passage conflicts: CNN, citing a high government source vs Óscar Pérez, in a video."
    )


def test_one_side_only():
    assert decide([passage("supports", 0.9), passage("supports", 0.8, speaker="Cabello")])[0] == "supported"
    verdict, reason = decide([passage("refutes", 0.9, speaker="the Ministry of Interior")])
    assert verdict == "refuted" and "the Ministry of Interior" in reason


def test_sides_that_are_not_confident_do_not_decide():
    verdict, reason = decide([passage("refutes", 0.6, confident=False), passage("neutral", 0.9)])
    assert verdict == "unverified" and "none is confident" in reason
    assert decide([passage("neutral", 0.9)])[0] == "unverified"
    assert decide([]) == ("unverified", "No indexed passage is about it.")


def test_confident_sides_come_first_then_relevance():
    a = passage("neutral", 0.9, relevance=1.0)
    b = passage("refutes", 0.6, confident=False, relevance=0.9)
    c = passage("supports", 0.9, relevance=0.4)
    d = passage("refutes", 0.9, relevance=0.7)
    assert side_first([a, b, c, d]) == [d, c, a, b]


def test_the_outlets_own_correction_outweighs_a_quote_it_corrects():
    quoted = passage("supports", 0.9, speaker="Ana Ruiz", attribution="Councillor Ana Ruiz", voice="reported")
    # the reporter's own words, same article, saying that they correct
    correction = passage("refutes", 0.9).model_copy(update={"text": "It in fact cost 20 million dollars."})
    verdict, reason = decide([quoted, correction])
    assert verdict == "refuted"
    assert reason == (
        "1 passage conflicts with it (AP); the report that supports it (Councillor Ana Ruiz) is corrected in the"
        " same article."
    )


def test_an_own_voice_passage_that_does_not_say_it_corrects_is_no_correction():
    """On the demo article "No one was injured" (the 2017 attack, paragraphs later) set aside the
    reports of officers killed in this year's assault, and in a user's trial "Emergency shelters were
    opened in three schools", read as conflicting, "corrected" the fire department's count of the
    dead in the sentence before it: near or far, own voice alone is not a correction."""
    reports = [
        passage("refutes", 0.9, speaker=name, voice="reported").model_copy(
            update={"char_start": s, "char_end": s + 150}
        )
        for name, s in (("CNN", 139), ("Óscar Pérez", 1845))
    ]
    far = passage("supports", 0.9).model_copy(update={"char_start": 3858, "char_end": 3978})
    near = far.model_copy(update={"char_start": 2000, "char_end": 2100})
    for own in (far, near):
        verdict, reason = decide([*reports, own], "Nobody was killed in the assault")
        assert verdict == "disputed" and "corrected" not in reason


def test_a_far_own_voice_passage_that_says_it_corrects_outweighs_the_report():
    quoted = passage("supports", 0.9, speaker="Ana Ruiz", attribution="Councillor Ana Ruiz", voice="reported")
    far = {"char_start": 5000, "char_end": 5100}
    said_so = passage("refutes", 0.9).model_copy(
        update={"text": "Contrary to the councillor's figure, the stadium cost 20 million dollars.", **far}
    )
    assert decide([quoted, said_so])[0] == "refuted"
    assert decide([quoted, said_so.model_copy(update={"text": "The stadium cost 20 million dollars."})])[0] == (
        "disputed"
    )


def test_a_quote_in_another_article_is_still_a_dispute():
    quoted = passage("supports", 0.9, speaker="Ana Ruiz", voice="reported")
    other = passage("refutes", 0.9).model_copy(
        update={"article": ArticleRef(id=2, title="Audit", outlet="Ledger", url=None, published=None)}
    )
    assert decide([quoted, other])[0] == "disputed"


def test_a_quote_corrected_in_its_article_is_set_aside_when_the_correction_comes_from_another_collections_copy():
    # one article ingested into two collections searched together: the quote from one copy, the
    # correction from the other (ids differ, the URL is the same)
    url = "https://ledger.example/stadium"
    quoted = passage("supports", 0.9, speaker="Ana Ruiz", voice="reported").model_copy(
        update={"article": ArticleRef(id=6, title="Stadium", outlet="Ledger", url=url, published=None)}
    )
    correction = passage("refutes", 0.9).model_copy(
        update={
            "article": ArticleRef(id=8, title="Stadium", outlet="Ledger", url=url, published=None),
            "text": "The stadium in fact cost 20 million dollars.",
        }
    )
    assert decide([quoted, correction])[0] == "refuted"
    elsewhere = correction.model_copy(
        update={"article": ArticleRef(id=8, title="Audit", outlet="Ledger", url=url + "-audit", published=None)}
    )
    assert decide([quoted, elsewhere])[0] == "disputed"


def test_two_reported_sources_in_one_article_stay_a_dispute():
    assert (
        decide(
            [
                passage("supports", 0.9, speaker="CNN", voice="reported"),
                passage("refutes", 0.9, speaker="Óscar Pérez", voice="reported"),
            ]
        )[0]
        == "disputed"
    )


def test_a_claim_about_what_someone_said_is_not_overruled_by_the_correction():
    quoted = passage("supports", 0.9, speaker="Ana Ruiz", voice="reported")
    correction = passage("refutes", 0.9).model_copy(update={"text": "It in fact cost 20 million dollars."})
    assert decide([quoted, correction], "Ruiz said the stadium cost 2 million dollars")[0] == "disputed"
    assert decide([quoted, correction], "The stadium cost 2 million dollars")[0] == "refuted"


def reported(
    stance: str, text: str, *, article: int, published: str | None, outlet: str, relevance: float = 0.5
) -> PassageResult:
    p = passage(stance, 0.9, relevance=relevance)
    return p.model_copy(
        update={
            "text": text,
            "article": ArticleRef(id=article, title=None, outlet=outlet, url=None, published=published),
        }
    )


def test_a_dispute_says_which_side_is_newer():
    early = reported("supports", "Eight people died in the fire.", article=1, published="2018-01-15", outlet="AP")
    late = reported("refutes", "Nobody died in the fire.", article=2, published="2018-01-17", outlet="Reuters")
    verdict, reason = decide([early, late])
    assert verdict == "disputed"
    assert reason.endswith(
        "The newer reporting conflicts with it: Reuters, 2018-01-17; the other side's newest is from 2018-01-15."
    )
    same_day = late.model_copy(update={"article": late.article.model_copy(update={"published": "2018-01-15"})})
    assert decide([early, same_day])[1].endswith("The newest reports on both sides are from 2018-01-15.")
    undated = late.model_copy(update={"article": late.article.model_copy(update={"published": None})})
    assert decide([early, undated])[1].endswith("Only the supporting reports are dated (newest 2018-01-15, AP).")


def test_newer_reporting_of_the_same_fact_comes_first_among_equals():
    old = reported(
        "supports",
        "Eight people died in the fire on Monday.",
        article=1,
        published="2018-01-15",
        outlet="AP",
        relevance=0.9,
    )
    new = reported(
        "supports",
        "Eight people died in the fire on Monday, police said.",
        article=2,
        published="2018-01-16",
        outlet="Reuters",
        relevance=0.5,
    )
    other = reported(
        "supports", "The mayor visited the site.", article=3, published="2018-01-20", outlet="BBC", relevance=0.7
    )
    # the same fact: the newer article takes the older one's place; a different fact keeps its place
    assert [p.article.id for p in side_first([old, other, new])] == [2, 3, 1]
    # not of equal standing: a confident side stays ahead of a merely related newer report
    related = new.model_copy(update={"confident": False})
    assert [p.article.id for p in side_first([old, related])] == [1, 2]
    # equal relevance, different facts: the newer first
    a = reported("supports", "Alpha beta gamma.", article=4, published="2018-01-01", outlet="X", relevance=0.5)
    b = reported("supports", "Delta epsilon zeta.", article=5, published="2018-02-01", outlet="Y", relevance=0.5)
    assert [p.article.id for p in side_first([a, b])] == [5, 4]


def test_a_corrected_quote_is_taken_off_its_side_even_where_the_side_has_other_passages():
    """c3 + c5 of the review: the town paper quotes the mayor's "2 million" and corrects it in its own
    words; the city's press release still says 2 million. That used to be "2 passages support it,
    1 conflicts", dated by the corrected quote (2023-07-12, as new as the correction)."""
    quoted = reported(
        "supports",
        "Mayor Ana Ruiz said the new stadium cost 2 million dollars to build.",
        article=1,
        published="2023-07-12",
        outlet="Town Paper",
    )
    quoted = quoted.model_copy(update={"speaker": "Ana Ruiz", "attribution": "Mayor Ana Ruiz", "voice": "reported"})
    correction = reported(
        "refutes",
        "The stadium in fact cost 20 million dollars.",
        article=1,
        published="2023-07-12",
        outlet="Town Paper",
    )
    release = reported(
        "supports",
        "The new stadium cost 2 million dollars to build.",
        article=2,
        published="2023-06-01",
        outlet="City Hall",
    )
    verdict, reason = decide([quoted, correction, release], "The stadium cost 2 million dollars")
    assert verdict == "disputed"
    assert reason == (
        "1 passage supports it, 1 passage conflicts: City Hall vs Town Paper. The newer reporting conflicts with it:"
        " Town Paper, 2023-07-12; the other side's newest is from 2023-06-01. The report that supports it"
        " (Mayor Ana Ruiz) is corrected in the same article."
    )
    # a claim about what the mayor said is still true of her words: nothing is set aside
    said = decide([quoted, correction, release], "Ruiz said the stadium cost 2 million dollars")[1]
    assert said.startswith("2 passages support it, 1 passage conflicts") and "corrected" not in said


def test_a_one_sided_verdict_names_passages_that_lean_the_other_way():
    killed = passage("supports", 0.9, attribution="CNN, citing a high government source")
    alive = passage("refutes", 0.78, confident=False, speaker="Óscar Pérez")
    verdict, reason = decide([killed, alive, passage("neutral", 0.9)])
    assert verdict == "supported"
    assert reason == (
        "1 passage supports it (CNN, citing a high government source) and none conflicts confidently; "
        "1 passage leans the other way (Óscar Pérez)."
    )
    assert decide([killed, passage("neutral", 0.9)])[1] == (
        "1 passage supports it (CNN, citing a high government source) and none conflicts."
    )
    # only the passages the caller says may be named (check: the statements it read)
    assert decide([killed, alive], leaning_from=[killed])[1].endswith("and none conflicts.")
    # asking for fewer passages does not turn it into "none conflicts": it says how many are shown
    assert decide([killed, alive], shown=[killed])[1].endswith(
        "none conflicts confidently; 1 passage leans the other way (Óscar Pérez); it is not shown."
    )
    mother = passage("refutes", 0.7, confident=False, speaker="Aminta Pérez")
    assert decide([killed, alive, mother], shown=[killed, mother])[1].endswith(
        "2 passages lean the other way (Óscar Pérez, Aminta Pérez), 1 of them shown."
    )
    assert decide([killed, alive, mother], shown=[killed])[1].endswith("none of them shown.")
    assert decide([killed, alive], shown=[killed, alive])[1].endswith("the other way (Óscar Pérez).")
    verdict, reason = decide(
        [alive.model_copy(update={"confident": True}), killed.model_copy(update={"confident": False})]
    )
    assert verdict == "refuted" and reason.endswith(
        "none supports it confidently; 1 passage leans the other way (CNN, citing a high government source)."
    )
