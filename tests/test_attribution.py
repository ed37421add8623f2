"""In-text attribution (issue 4): the demo article's speakers, offsets, captions, PolNeAR smoke test."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimbot.index.config import Settings
from claimbot.index.corpus import attribution
from claimbot.index.corpus.attribution import ArticleToAttribute, Attributor, attribute_text, voice_of
from claimbot.index.corpus.attribution.lexicon import UNNAMED_QUOTE
from claimbot.index.corpus.text import normalise, split_sentences

DEMO = Path(__file__).resolve().parents[1] / "examples" / "corpus" / "venezuela-perez-2018-01-15.txt"
OUTLET = "el Nuevo Herald"

pytestmark = pytest.mark.slow  # loads the spaCy model


@pytest.fixture(scope="module")
def attributor() -> Attributor:
    return Attributor()


@pytest.fixture(scope="module")
def body() -> str:
    raw = DEMO.read_text(encoding="utf-8")
    return normalise(raw.split("\n", 1)[1])  # first line is the title; ingestion stores normalise(body)


@pytest.fixture(scope="module")
def demo(body: str, attributor: Attributor) -> dict:
    return attribute_text(body, outlet=OUTLET, attributor=attributor)


def sentence(result: dict, prefix: str) -> dict:
    found = [s for s in result["sentences"] if s["text"].startswith(prefix)]
    assert len(found) == 1, f"{prefix!r}: {len(found)} sentences"
    return found[0]


# (start of the sentence, speaker, cue, text the attribution must contain)
EXPECTED = [
    # reported speech, cue after the clause
    ("The capture followed a deadly", "the government", "reported", "the government"),
    # nested chain: CNN citing a government source
    ("It was not clear if the rebel group", "CNN", "reported", "CNN, citing a high government source"),
    # anonymous source, cue after the quote
    ("“The former policeman died", "an anonymous source", "told", "an anonymous source"),
    # institution, quote inside a that-clause
    ("Previously, the Ministry of Interior", "the Ministry of Interior", "reported", "the Ministry of Interior"),
    # "Pérez says in one video": surname expanded to the article's full name; a four-sentence quote
    ("“They are firing at us", "Óscar Pérez", "says", "Pérez, in a video"),
    ("“There are civilians in here.", "Óscar Pérez", "says", "Pérez, in a video"),
    ("We told them that we’re going", "Óscar Pérez", "says", "Pérez, in a video"),
    ("They want to kill us.”", "Óscar Pérez", "says", "Pérez, in a video"),
    # reported speech without quote marks
    ("By midday Monday, the government announced", "the government", "announced", "the government"),
    # Cabello's two-sentence tweet, title stripped from the name
    ("“The terrorist Oscar Pérez attacked", "Diosdado Cabello", "posted", "Diosdado Cabello, on Twitter"),
    ("“Security forces returned fire.”", "Diosdado Cabello", "posted", "Diosdado Cabello, on Twitter"),
    ("In the first of several videos", "Óscar Pérez", "announced", "Pérez, in a video"),
    # "he said" resolved to Pérez; the quote runs over four sentences and past the paragraph end
    ("“Here we are, here we are", "Óscar Pérez", "said", "Óscar Pérez"),
    ("“Here come the government people.", "Óscar Pérez", "said", "Óscar Pérez"),
    ("We are surrounded.", "Óscar Pérez", "said", "Óscar Pérez"),
    ("Information on our whereabouts was leaked", "Óscar Pérez", "said", "Óscar Pérez"),
    # the next paragraph, its own cue
    ("“For those who had doubts", "Óscar Pérez", "continued", "Pérez, in a video"),
    # the mother's two-sentence plea (the quote starts in the sentence before the cue)
    ("“He is trying to give himself up", "Aminta Pérez", "said", "Aminta Pérez (Pérez's mother), in a video"),
    ("Let him surrender,” Aminta Pérez said", "Aminta Pérez", "said", "Aminta Pérez (Pérez's mother), in a video"),
    ("“Spare his life.", "Aminta Pérez", "said", "Aminta Pérez (Pérez's mother), in a video"),
    ("If anything happens to him", "Aminta Pérez", "said", "Aminta Pérez (Pérez's mother), in a video"),
    # colon-introduced quote running over four sentences
    (
        "Penitentiary Service Minister María Iris Varela",
        "María Iris Varela",
        "took to Twitter",
        "María Iris Varela, on Twitter",
    ),
    ("How cowardly he looks", "María Iris Varela", "took to Twitter", "on Twitter"),
    ("Where was his courage", "María Iris Varela", "took to Twitter", "on Twitter"),
    ("… Those bandits must contend", "María Iris Varela", "took to Twitter", "on Twitter"),
]


@pytest.mark.parametrize(("prefix", "speaker", "cue", "attribution"), EXPECTED, ids=[e[0][:30] for e in EXPECTED])
def test_demo_speakers(demo: dict, prefix: str, speaker: str, cue: str, attribution: str) -> None:
    s = sentence(demo, prefix)
    assert s["speaker"] == speaker
    assert s["cue"] == cue
    assert attribution in s["attribution"]


@pytest.mark.parametrize(
    "prefix",
    [
        "Venezuelan special forces on Monday captured",
        "The assault was made public early Monday",
        "Pérez — a former police officer who says",  # "who says" is a side remark, the sentence is the outlet's
        "At least one other man appears",
        "The 36-year-old Óscar Pérez rose",
        "This article was supplemented",
    ],
)
def test_outlet_voice(demo: dict, prefix: str) -> None:
    s = sentence(demo, prefix)
    assert s["speaker"] is None and s["cue"] is None
    assert s["attribution"] == OUTLET


@pytest.mark.parametrize(
    "prefix", ["Venezuela Political Crisis (5)", "Members of the Venezuelan Bolivarian", "Fernando Llano AP"]
)
def test_captions_are_not_statements(demo: dict, prefix: str) -> None:
    s = sentence(demo, prefix)
    assert s["speaker"] is None and s["cue"] is None
    assert s["attribution"] == OUTLET
    for rel in demo["attributions"]:
        if rel["source"]:
            assert "Llano" not in rel["source"]["text"]


def test_relations(demo: dict) -> None:
    def rel_with(cue: str, content_part: str) -> dict:
        found = [
            r
            for r in demo["attributions"]
            if r["cue"] and r["cue"]["text"] == cue and content_part in r["content"]["text"]
        ]
        assert found, (cue, content_part)
        return found[0]

    cnn = rel_with("reported", "he had been killed")
    assert cnn["source"]["text"] == "CNN"
    cabello = rel_with("posted", "Security forces returned fire")
    assert cabello["source"]["text"] == "socialist party leader Diosdado Cabello"  # the full span stays the source
    anon = rel_with("told", "The former policeman died")
    assert anon["source"]["text"].startswith("the source, who spoke under condition of anonymity")
    he = rel_with("said", "Here come the government people")
    assert he["source"]["text"] == "he"
    plea = rel_with("said", "He is trying to give himself up")
    assert plea["content"]["text"].startswith("“He is trying") and plea["content"]["text"].endswith(
        "Let him surrender,”"
    )
    rel_with("announced", "had been captured")


def test_offsets_consistent(demo: dict, body: str) -> None:
    assert set(demo) == {"sentences", "attributions"}
    for s in demo["sentences"]:
        assert set(s) == {"text", "start", "end", "speaker", "cue", "attribution"}
        assert body[s["start"] : s["end"]] == s["text"]
    assert demo["attributions"]
    for rel in demo["attributions"]:
        assert set(rel) == {"source", "cue", "content"}
        for key in ("source", "cue", "content"):
            span = rel[key]
            if span is not None:
                assert body[span["start"] : span["end"]] == span["text"]
                assert span["text"].strip()


def test_attribute_interface(body: str, attributor: Attributor) -> None:
    sentences = split_sentences(body)
    per_sentence, relations = attributor.attribute(body, sentences, None)
    assert len(per_sentence) == len(sentences)
    assert per_sentence[0].attribution == "the article"  # no outlet given
    assert all(r.content.text == body[r.content.start : r.content.end] for r in relations)


SHORT_ARTICLES = [
    "Acme said on Monday that profits fell. The board met later.",
    "Senator Maria Holt told reporters on Monday that the vote was fair. Holt later said she would stay. “We will not resign,” she said.",
    "Nothing here is said by anyone in particular; the river rose.",
]


def test_articles_attributed_together_get_what_each_gets_alone(body: str, attributor: Attributor) -> None:
    """`attribute_many` parses the candidate sentences of several articles in one spaCy batch and
    must hand each article its own parses back: the same speakers and relations as one by one."""
    texts = [body, *SHORT_ARTICLES, ""]
    items = [ArticleToAttribute(t, split_sentences(t), OUTLET) for t in texts]
    together = attributor.attribute_many(items)
    alone = [attributor.attribute(t, split_sentences(t), OUTLET) for t in texts]
    assert together == alone
    # "Holt later said": the full name NER found in the sentence before (`entities._name_entities`)
    assert [s.speaker for s in together[2][0]] == ["Maria Holt"] * 3


@pytest.mark.usefixtures("rules_fail_on_boom")
def test_an_article_whose_rules_fail_gets_its_error_and_the_others_their_speakers(attributor: Attributor) -> None:
    texts = [SHORT_ARTICLES[1], "BOOM, Acme said.", SHORT_ARTICLES[0]]
    results = attributor.attribute_many([ArticleToAttribute(t, split_sentences(t), None) for t in texts])
    assert isinstance(results[1], RuntimeError)
    assert [s.speaker for s in results[0][0]] == ["Maria Holt"] * 3
    assert results[2][0][0].speaker == "Acme"
    with pytest.raises(RuntimeError, match="rule bug"):
        attributor.attribute(texts[1], split_sentences(texts[1]), None)


def test_empty_text(attributor: Attributor) -> None:
    assert attribute_text("", attributor=attributor) == {"sentences": [], "attributions": []}


def test_pronoun_gender_and_typewriter_quotes(attributor: Attributor) -> None:
    text = (
        "Mr. John Brown met Mary Jones in Dover on Monday, and Jones said the talks had gone well.\n\n"
        "“We will sign the deal next week,” she said.\n\n"
        "''It is a good day for the town,'' Mr. Brown said. ''Nobody lost.''"
    )
    out = attribute_text(text, attributor=attributor)
    assert sentence(out, "“We will sign")["speaker"] == "Mary Jones"
    assert sentence(out, "''It is a good day")["speaker"] == "John Brown"
    assert sentence(out, "''Nobody lost.''")["speaker"] == "John Brown"


@pytest.mark.parametrize(
    ("text", "speaker", "attribution"),
    [
        # the subject is the relative, not the possessive name the sentence holds (was "Sotloff")
        (
            "Last week, Sotloff's mother, Shirley, pleaded with the group's leader to spare her son.\n\n"
            "“We have not seen Steven for a year,” she said in a video message.",
            "Shirley",
            "Shirley (Sotloff's mother), in a video",
        ),
        # unnamed, the relative is named by the description (was unresolved)
        (
            "Conner's father spoke to reporters on Monday.\n\n“There was no reason to fire,” he told KMOV.",
            "Conner's father",
            "Conner's father, to KMOV",
        ),
        # a "he" is not the mother: the possessor is still there for it
        (
            "Óscar Pérez's mother pleaded with the government on Tuesday.\n\n“We will not surrender,” he said.",
            "Óscar Pérez",
            "Óscar Pérez",
        ),
    ],
)
def test_a_pronoun_may_mean_the_relative_a_possessive_subject_names(
    attributor: Attributor, text: str, speaker: str, attribution: str
) -> None:
    said = attribute_text(text, attributor=attributor)["sentences"][-1]
    assert (said["speaker"], said["attribution"]) == (speaker, attribution)


def test_a_surname_that_is_also_a_title_is_a_name_after_an_honorific(attributor: Attributor) -> None:
    # "Mr. King" was a bare title (speaker "") and Jim Justice no candidate for the "he" he is.
    text = (
        "Mr. King said that he was not familiar with the rest of the channel's shows. "
        "A Democrat, Mr. Justice is running to become governor. Through a spokesman, he declined to comment. "
        "The Governor said the bridge would reopen in June."
    )
    out = attribute_text(text, attributor=attributor)
    assert sentence(out, "Mr. King said")["speaker"] == "King"
    assert sentence(out, "Through a spokesman")["speaker"] == "Justice"
    assert sentence(out, "The Governor said")["speaker"] == ""  # a title alone is no name


def test_a_cue_whose_clause_hangs_on_the_report_it_denies(attributor: Attributor) -> None:
    # "denied reports that …" was read in the outlet's own voice, its denial as the outlet's fact
    out = attribute_text(
        "Officials denied reports that the central bank had raised interest rates. "
        "American officials confirmed reports that two air strikes hit the port. "
        "Officials denied the reports on Monday.",
        attributor=attributor,
    )
    denied = sentence(out, "Officials denied reports")
    assert denied["speaker"] == "Officials"
    assert [a["content"]["text"] for a in out["attributions"] if a["cue"]["text"] == "denied"][0] == (
        "that the central bank had raised interest rates"
    )
    assert sentence(out, "American officials confirmed")["speaker"] == "American officials"
    assert sentence(out, "Officials denied the reports on Monday")["speaker"] is None  # no clause: no content


def test_according_to(attributor: Attributor) -> None:
    out = attribute_text(
        "According to the Venezuelan intelligence service, five members of the band were captured.",
        attributor=attributor,
    )
    s = out["sentences"][0]
    assert s["cue"] == "According to"
    assert s["speaker"] == "the Venezuelan intelligence service"


def test_a_quote_that_ends_its_sentence_is_not_the_next_clause_s_content(attributor: Attributor) -> None:
    out = attribute_text(
        "Pérez hid in a house near Caracas on Monday. “We will never surrender to the regime.” "
        "The army denied the claim.",
        outlet=OUTLET,
        attributor=attributor,
    )
    assert sentence(out, "“We will never")["speaker"] != "the army"
    # a bare "X said." after it still credits X
    out = attribute_text("“We will never surrender to the regime.” Pérez said in a video.", attributor=attributor)
    assert sentence(out, "“We will never")["speaker"] == "Pérez"


def test_unattributed_quotes_and_unresolved_pronouns_are_not_shown_as_names_or_the_outlet(
    attributor: Attributor,
) -> None:
    out = attribute_text(
        "The ministry spoke on Monday.\n\n“We will never surrender to the regime, never, ever.”\n\n"
        "It said the economy was growing fast.",
        outlet=OUTLET,
        attributor=attributor,
    )
    assert sentence(out, "The ministry spoke")["attribution"] == OUTLET
    quote = sentence(out, "“We will never")
    assert quote["attribution"] == "an unnamed speaker (quoted)" and quote["speaker"] is None
    assert sentence(out, "It said")["attribution"] != "It"
    out = attribute_text(
        "The Ministry of Interior opened an inquiry on Monday. As we reported last week, the rebels fled to the hills.",
        outlet=OUTLET,
        attributor=attributor,
    )
    assert sentence(out, "As we reported")["attribution"] == OUTLET  # the outlet's "we", not the ministry


def test_a_scene_or_label_before_a_colon_is_not_a_speaker(attributor: Attributor) -> None:
    out = attribute_text(
        "In Caracas: protesters blocked the main roads. The police used tear gas.\n\n"
        "Context: Maduro won the election in 2018.\n\nPENCE: We will win this election.",
        outlet=OUTLET,
        attributor=attributor,
    )
    assert sentence(out, "In Caracas")["attribution"] == OUTLET
    assert sentence(out, "The police used")["attribution"] == OUTLET
    assert sentence(out, "Context:")["attribution"] == OUTLET
    assert sentence(out, "PENCE:")["speaker"] == "Pence"  # a transcript turn still is


# -- PolNeAR smoke test -----------------------------------------------------------------------

POLNEAR = Settings().data_dir / "polnear"


@pytest.mark.skipif(not (POLNEAR / "dev" / "attributions").is_dir(), reason="PolNeAR data not present")
def test_polnear_dev_smoke(attributor: Attributor) -> None:
    from claimbot.index.evaluation.attribution import evaluate, format_report, load_split, parse_ann

    ann = next(iter(sorted((POLNEAR / "dev" / "attributions").glob("*.ann"))))
    relations = parse_ann(ann.read_text(encoding="utf-8"))
    assert relations and all(r.content is not None for r in relations)
    docs = load_split("dev", Settings().data_dir, limit=3)
    assert len(docs) == 3
    for doc in docs:  # gold offsets point into the text as read
        for r in doc.relations:
            if r.source and len(r.source.fragments) == 1:
                ((a, b),) = r.source.fragments
                assert doc.text[a:b] == r.source.text

    seen: list[tuple[int, int]] = []
    result = evaluate(
        "dev",
        Settings().data_dir,
        limit=3,
        attributor=attributor,
        on_progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(1, 3), (2, 3), (3, 3)]  # the progress bar of `claimbot eval attribution`
    assert result["documents"] == 3 and result["gold_relations"] > 0
    for kind in ("source", "cue", "content"):
        assert result[kind]["gold"] > 0
        assert 0.0 <= result[kind]["overlap"]["f1"] <= 1.0
    assert result["source"]["overlap"]["f1"] > 0.3  # the rules find most sources on any article set
    assert 0.0 <= result["source"]["exact"]["f1"] <= result["source"]["overlap"]["f1"]
    assert "source overlap" in format_report(result)


def test_eval_attribution_limit_must_be_positive() -> None:
    from typer.testing import CliRunner

    from claimbot.bot.cli import app

    result = CliRunner().invoke(app, ["eval", "attribution", "--limit", "0"])
    assert result.exit_code == 2 and "--limit" in result.output


def test_an_inch_mark_does_not_open_a_quote(attributor: Attributor) -> None:
    out = attribute_text(
        '“We are fine and we will stay,” Pérez said. A 55" television was stolen from the house, police said.',
        outlet=OUTLET,
        attributor=attributor,
    )
    assert sentence(out, "A 55")["speaker"] == "police"


def test_a_report_with_its_own_content_does_not_take_the_next_quote(attributor: Attributor) -> None:
    """ "…, police said." says what the police said; the quote that opens the next sentence belongs
    to its own speaker, or (without one) to no one. "The mayor said." or "The governor told
    reporters." (no clause said) still introduces it."""
    out = attribute_text(
        "Three people died when the bridge collapsed, police said.\n"
        '"The structure was unsafe," said engineer Maria Gomez.\n\n'
        "Two roads were closed, officials said.\n"
        '"Stay away from the river."\n\n'
        "The mayor said.\n"
        '"We will rebuild."\n\n'
        "The governor told reporters.\n"
        '"Help is on its way."',
        outlet=OUTLET,
        attributor=attributor,
    )
    died = sentence(out, "Three people died")
    assert died["speaker"] == "police"
    assert sentence(out, '"The structure')["speaker"] == "Maria Gomez"
    assert sentence(out, '"Stay away')["speaker"] is None
    assert sentence(out, '"We will rebuild')["speaker"] == "the mayor"
    assert sentence(out, '"Help is on')["speaker"] == "the governor"


def test_the_attribute_command_reads_files_as_ingest_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """HTML is extracted, a JSONL line is an article, a text file's first line is its title, and the
    text is in the form ingest stores (a byte-order mark and CRLF gone): offsets point into it."""
    import json

    from typer.testing import CliRunner

    from claimbot.bot.cli import app

    monkeypatch.setenv("CLAIMBOT_HOME", str(tmp_path / "home"))
    (tmp_path / "a.txt").write_bytes(
        "\ufeffBridge story\r\nSmith said the bridge was safe.\r\nJones said it fails.\r\n".encode()
    )
    page = "<html><head><title>Dam</title></head><body><article><p>{}</p></article></body></html>"
    (tmp_path / "b.html").write_text(page.format("The mayor said the dam held on Sunday. " * 3), encoding="utf-8")
    (tmp_path / "c.jsonl").write_text(json.dumps({"text": "Lopez said it rained.", "outlet": "Gazette"}) + "\n")
    (tmp_path / "d.txt").write_bytes(b"\xff\xfe not text")
    result = CliRunner().invoke(
        app, ["attribute", "--json", *(str(tmp_path / n) for n in ("a.txt", "b.html", "c.jsonl", "d.txt"))]
    )
    assert result.exit_code == 1  # d.txt cannot be read: one line, the others still attributed
    lines = result.stdout.strip().splitlines()
    objects = [json.loads(line) for line in lines if line.startswith("{")]
    assert [o["file"].rsplit("/", 1)[-1] for o in objects] == ["a.txt", "b.html", "c.jsonl:1"]
    a, b, c = objects
    assert [(s["text"], s["speaker"]) for s in a["sentences"]] == [
        ("Smith said the bridge was safe.", "Smith"),
        ("Jones said it fails.", "Jones"),
    ]
    assert all("<" not in s["text"] for s in b["sentences"]) and b["sentences"][0]["speaker"] == "the mayor"
    assert c["sentences"][0]["attribution"] == "Lopez"
    assert any("d.txt" in line and "not UTF-8" in line for line in result.output.splitlines())


def test_a_run_of_marks_is_parsed_in_linear_time(attributor: Attributor, monkeypatch: pytest.MonkeyPatch) -> None:
    # spaCy's tokenizer splits a run of marks one at a time, quadratic in the run: this sentence held
    # the shared pipeline's lock for 13.7 s. The parser reads the run as spaces, offsets unchanged.
    monkeypatch.setattr(attribution, "PARSE_MAX_CHARS", 10_000)  # the sentence is parsed
    text = "He said " + "=" * 6000 + " today. Smith said the vote ========== is won."
    result = attribute_text(text, attributor=attributor)
    assert [(s["text"][:8], s["speaker"]) for s in result["sentences"]] == [("He said ", None), ("Smith sa", "Smith")]
    for s in result["sentences"]:
        assert text[s["start"] : s["end"]] == s["text"]


def test_a_zero_width_character_is_no_part_of_a_speaker_or_a_cue(attributor: Attributor) -> None:
    for raw in ("Smith\u200b said it works.", "Smith said\u200b it works.", "Smith sa\u00adid it works."):
        assert [s["speaker"] for s in attribute_text(normalise(raw), attributor=attributor)["sentences"]] == ["Smith"]


def test_a_directional_mark_is_no_part_of_a_speaker(attributor: Attributor) -> None:
    # Copied from a right-to-left page: "\u200fAhmed Ali said" gave "Ali", an embedded name none.
    raw = "The bridge is open, \u200fAhmed Ali said on Monday. It cost 5 million, \u202bAhmed Ali\u202c told reporters."
    sentences = attribute_text(normalise(raw), attributor=attributor)["sentences"]
    assert [s["speaker"] for s in sentences] == ["Ahmed Ali", "Ahmed Ali"]


@pytest.mark.parametrize(
    ("speaker", "attribution", "outlet", "voice"),
    [
        ("Ana Ruiz", "Councillor Ana Ruiz", "Herald", "reported"),
        (None, "Herald", "Herald", "own"),
        (None, "the article", None, "own"),
        (None, "Herald, on Twitter", "Herald", "own"),  # "we said on Twitter": the writer
        ("", "The Governor", "Herald", "reported"),  # a bare title: no name, still someone else
        (None, "an unidentified speaker (“she”)", "Herald", "reported"),
        (None, UNNAMED_QUOTE, "Herald", "reported"),
        (None, None, "Herald", "own"),  # attribution off
    ],
)
def test_voice_is_the_writers_only_where_the_writer_speaks(speaker, attribution, outlet, voice):
    assert voice_of(speaker, attribution, outlet) == voice


def test_a_sentence_over_the_parse_limit_has_no_speaker(
    attributor: Attributor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An unpunctuated transcript is one "sentence", and the rules walk a sentence once per cue verb
    # in it: one of 100,000 characters held an ingest for minutes. Past the limit it is not parsed.
    monkeypatch.setattr(attribution, "PARSE_MAX_CHARS", 60)
    text = "Smith said the bridge was safe. Jones said " + "the bridge was safe and " * 3 + "sound."
    result = attribute_text(text, attributor=attributor)
    assert [s["speaker"] for s in result["sentences"]] == ["Smith", None]


def test_spacy_runs_on_numpy_s_blas_on_one_thread_with_the_labels_blis_gives(body: str) -> None:
    # Attribution's parse and NER run their matrix products on numpy's BLAS, held to one thread,
    # for a third less CPU than thinc's BLIS (docs/benchmarks.md): the same annotations either way.
    import numpy
    from thinc.api import NumpyOps
    from threadpoolctl import threadpool_info

    nlp = attribution.load_spacy_model([])
    layers = [node for _, c in nlp.components if getattr(c, "model", None) is not None for node in c.model.walk()]
    assert layers and all(isinstance(n.ops, NumpyOps) and not n.ops.use_blis for n in layers)
    numpy_libs = str(Path(numpy.__file__).resolve().parent.parent / "numpy.libs")
    numpy_blas = [i for i in threadpool_info() if i["user_api"] == "blas" and i["filepath"].startswith(numpy_libs)]
    assert numpy_blas and all(i["num_threads"] == 1 for i in numpy_blas)

    def annotations(pipeline: object) -> list[tuple]:
        return [
            (t.i, t.tag_, t.dep_, t.head.i, t.ent_iob_, t.ent_type_)
            for s in split_sentences(body)
            for t in pipeline(s.text)  # type: ignore[operator]
        ]

    on_numpy = annotations(nlp)
    blis = NumpyOps(use_blis=True)
    for node in layers:
        node.ops = blis
    assert annotations(nlp) == on_numpy
