from index import text
from tests.conftest import DEMO_ARTICLE


def _body() -> str:
    return text.normalise(DEMO_ARTICLE.read_text(encoding="utf-8").partition("\n")[2])


def test_offsets_point_at_the_sentence_text():
    body = _body()
    sentences = text.split_sentences(body)
    assert len(sentences) > 30
    for s in sentences:
        assert body[s.char_start : s.char_end] == s.text
    assert [s.position for s in sentences] == list(range(len(sentences)))


def test_news_typography_is_split_where_a_reader_would():
    sentences = [s.text for s in text.split_sentences(_body())]
    # curly quotes stay with their sentence, and a quote's second sentence is its own passage
    assert "“Security forces returned fire.”" in sentences
    assert any(s.startswith("“The terrorist Oscar Pérez attacked those around him,”") for s in sentences)
    # an em-dash parenthetical does not split a sentence
    assert any(s.startswith("It was not clear if") and s.endswith("that he had been killed.") for s in sentences)


def test_abbreviations_do_not_end_sentences():
    sentences = text.split_sentences("Dr. Smith arrived at 5 p.m. on Jan. 5. The U.S. Army said 3.5 million people were affected. He left.")
    assert [s.text for s in sentences] == [
        "Dr. Smith arrived at 5 p.m. on Jan. 5.",
        "The U.S. Army said 3.5 million people were affected.",
        "He left.",
    ]


def test_photo_captions_and_credits_are_marked():
    sentences = text.split_sentences(_body())
    by_text = {s.text: s for s in sentences}
    assert by_text["Fernando Llano AP"].kind == "caption"
    assert by_text["Venezuela Political Crisis (5)"].kind == "caption"
    assert by_text["At least one other man appears with Pérez carrying assault rifles."].kind == "text"


def test_wrapped_lines_stay_one_paragraph():
    body = "The minister said on Monday that the\nbridge would reopen in May.\n\nA second paragraph."
    sentences = text.split_sentences(body)
    assert [s.text for s in sentences] == ["The minister said on Monday that the\nbridge would reopen in May.", "A second paragraph."]
    assert [s.paragraph for s in sentences] == [0, 1]


def test_quotes_are_searchable_with_the_statement_before_them():
    drafts = text.passage_drafts(text.split_sentences(_body()), "A title")
    quote = next(d for d in drafts if d.sentence.text.startswith("“Here we are"))
    # the caption between them is skipped: the context is the previous statement
    assert "were still alive" in quote.context
    assert quote.embed_text.startswith("A title\n")


def test_content_hash_ignores_case_and_whitespace_only():
    assert text.content_hash("Hello  world.\r\n") == text.content_hash("hello world.")
    assert text.content_hash("Hello world.") != text.content_hash("Hello world!")


def test_name_titles_do_not_end_sentences():
    body = "“We will look into it,” Rep. Jason Chaffetz said. Sen. Warren and Lt. Gen. Michael Flynn disagreed. They met on Main St. The talks failed."
    assert [s.text for s in text.split_sentences(body)] == [
        "“We will look into it,” Rep. Jason Chaffetz said.",
        "Sen. Warren and Lt. Gen. Michael Flynn disagreed.",
        "They met on Main St.",  # "St." is also "Street": it may end a sentence
        "The talks failed.",
    ]


def test_typewriter_quotes_are_split_and_are_not_captions():
    body = "``We will rebuild,'' the mayor said. ``It will take years.''\n\nHe said: ``We are here.'' Then he left.\n\nThe mayor in Rome. John Smith AP"
    sentences = text.split_sentences(body)
    assert [(s.text, s.kind) for s in sentences] == [
        ("``We will rebuild,'' the mayor said.", "text"),
        ("``It will take years.''", "text"),
        ("He said: ``We are here.''", "text"),
        ("Then he left.", "text"),
        ("The mayor in Rome.", "caption"),
        ("John Smith AP", "caption"),
    ]
    for s in sentences:
        assert body[s.char_start : s.char_end] == s.text
