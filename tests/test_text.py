from dataclasses import dataclass

from claimbot.index.corpus import text
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
    sentences = text.split_sentences(
        "Dr. Smith arrived at 5 p.m. on Jan. 5. The U.S. Army said 3.5 million people were affected. He left."
    )
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
    assert [s.text for s in sentences] == [
        "The minister said on Monday that the\nbridge would reopen in May.",
        "A second paragraph.",
    ]
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


@dataclass(frozen=True)
class _Said:
    speaker: str | None
    cue: str | None
    attribution: str | None


def test_passages_are_embedded_and_searched_with_who_says_them():
    body = (
        "Pérez announced that he was alive. Rain fell.\n\n"
        "“Here we are,” he said. “We are surrounded.”\n\nPhoto of Pérez. Fernando Llano AP"
    )
    sentences = text.split_sentences(body)
    outlet = _Said(None, None, "el Nuevo Herald")
    perez = _Said("Óscar Pérez", "said", "Óscar Pérez, in a video")
    said = [_Said("Óscar Pérez", "announced", "Óscar Pérez, in a video"), outlet, perez, perez, outlet, outlet]
    drafts = text.passage_drafts(sentences, "A title", said)
    by_text = {d.sentence.text: d for d in drafts}
    # the outlet's own sentences are embedded as before, with the attribution stored
    rain = by_text["Rain fell."]
    assert rain.embed_text == "A title\nRain fell." and (rain.speaker, rain.attribution) == (None, "el Nuevo Herald")
    # another speaker's statement in between: the quote is embedded with its attribution only
    first = by_text["“Here we are,” he said."]
    assert first.embed_text == "A title\nÓscar Pérez, in a video: “Here we are,” he said."
    assert (first.speaker, first.cue) == ("Óscar Pérez", "said")
    assert "Óscar Pérez, in a video" in first.context and "Rain fell." in first.context
    # the next sentence of the same speaker's quote carries the sentence it continues
    second = by_text["“We are surrounded.”"]
    assert second.embed_text == "A title\nÓscar Pérez, in a video: “Here we are,” he said. “We are surrounded.”"
    # captions are never statements: no speaker prefix
    assert by_text["Fernando Llano AP"].embed_text == "A title\nFernando Llano AP"


def test_the_speakers_previous_statement_introduces_the_quote():
    sentences = text.split_sentences("Pérez announced that he was alive.\n\n“Here we are,” he said.")
    perez = _Said("Óscar Pérez", "said", "Óscar Pérez, in a video")
    quote = text.passage_drafts(sentences, None, [perez, perez])[1]
    assert quote.embed_text == "Óscar Pérez, in a video: Pérez announced that he was alive. “Here we are,” he said."


def test_without_attribution_passages_have_no_speaker():
    drafts = text.passage_drafts(text.split_sentences("Rain fell. “We are here,” he said."), "T")
    assert [d.embed_text for d in drafts] == ["T\nRain fell.", "T\n“We are here,” he said."]
    assert all(d.speaker is None and d.cue is None and d.attribution is None for d in drafts)


def test_a_long_previous_statement_is_left_out_rather_than_cut_the_sentence():
    long = "Pérez announced " + "that they were alive and well " * 30 + "."
    sentences = text.split_sentences(f"{long}\n\n“Here we are,” he said.")
    perez = _Said("Óscar Pérez", "said", "Óscar Pérez, in a video")
    quote = text.passage_drafts(sentences, "A title", [perez, perez])[1]
    # the embedder reads about 175 words: the quote itself must not be what it cuts
    assert quote.embed_text == "A title\nÓscar Pérez, in a video: “Here we are,” he said."


def test_a_byline_on_the_last_line_does_not_make_the_article_captions():
    """Paragraphs on single newlines ending in a byline were one paragraph whose every sentence
    was a caption, and the article was refused (issue 22)."""
    body = "The mayor said the bridge will reopen on Monday.\nRepairs cost 2 million dollars.\n– Jane Doe"
    sentences = text.split_sentences(body)
    assert [(s.text, s.kind) for s in sentences] == [
        ("The mayor said the bridge will reopen on Monday.", "text"),
        ("Repairs cost 2 million dollars.", "text"),
        ("– Jane Doe", "caption"),
    ]
    # a statement in parentheses is a statement; a credit in parentheses is not
    aside = text.split_sentences(
        "(Mr. Podesta is now the chairman of her campaign.)\n\n(Writing by Jane Doe; Editing by Joe Roe)"
    )
    assert [s.kind for s in aside] == ["text", "caption"]
    assert text.split_sentences("[He later apologised.]")[0].kind == "text"
    # a photo caption ending in its credit on one line stays a caption
    caption = text.split_sentences("Police arrive at the scene in Caracas. Fernando Llano AP")
    assert {s.kind for s in caption} == {"caption"}


def test_blocks_are_counted_without_splitting():
    assert text.count_blocks("One.\n\nTwo.\n\n\n  \n\nThree.") == 3 and text.count_blocks("") == 0


def test_normalise_drops_zero_width_characters_and_soft_hyphens():
    assert text.normalise("Smith\u200b said\u2060 it wo\u00adrks.") == "Smith said it works."
    # the joiners stay: an emoji sequence, a Persian word
    assert text.normalise("\U0001f469\u200d\U0001f52c \u0645\u06cc\u200c\u0631\u0648\u0645") == (
        "\U0001f469\u200d\U0001f52c \u0645\u06cc\u200c\u0631\u0648\u0645"
    )
    assert text.normalise("Pe\u200b\u0301rez") == "Pérez"  # composed once the space is gone


def test_sentences_end_at_the_full_stops_of_other_scripts():
    """A Chinese, Japanese, Hindi, Urdu, Khmer, Burmese, Amharic, Armenian or Tibetan article was one
    sentence per paragraph, a caption (its full stop was not closing punctuation), and refused as
    "no extractable text"."""
    cases = {
        "上海地铁十八号线周六正式开通运营。他说：“我们不会投降。”警方随后发动了袭击！": [
            "上海地铁十八号线周六正式开通运营。",
            "他说：“我们不会投降。”",
            "警方随后发动了袭击！",
        ],
        "都心で十センチの積雪を観測した。「外出は控えてください」と担当者は述べた。": [
            "都心で十センチの積雪を観測した。",
            "「外出は控えてください」と担当者は述べた。",
        ],
        "प्रधानमंत्री ने नई योजना की घोषणा की। विपक्ष ने इसकी आलोचना की।": [
            "प्रधानमंत्री ने नई योजना की घोषणा की।",
            "विपक्ष ने इसकी आलोचना की।",
        ],
        "وزیر اعظم نے اعلان کیا۔ انہوں نے کہا کہ یہ اسکیم ہے۔": [
            "وزیر اعظم نے اعلان کیا۔",
            "انہوں نے کہا کہ یہ اسکیم ہے۔",
        ],
        "هل سيفتح الجسر غدا؟ قال الوزير نعم.": ["هل سيفتح الجسر غدا؟", "قال الوزير نعم."],
        "នាយករដ្ឋមន្ត្រីបានប្រកាសគម្រោងថ្មី។ ក្រុមប្រឆាំងបានរិះគន់គម្រោងនេះ៕": [
            "នាយករដ្ឋមន្ត្រីបានប្រកាសគម្រោងថ្មី។",
            "ក្រុមប្រឆាំងបានរិះគន់គម្រោងនេះ៕",
        ],
        "ဝန်ကြီးချုပ်က စီမံကိန်းအသစ်ကို ကြေညာခဲ့သည်။ အတိုက်အခံက ဝေဖန်ခဲ့သည်။": [
            "ဝန်ကြီးချုပ်က စီမံကိန်းအသစ်ကို ကြေညာခဲ့သည်။",
            "အတိုက်အခံက ဝေဖန်ခဲ့သည်။",
        ],
        "ጠቅላይ ሚኒስትሩ አዲስ እቅድ አስታወቁ። ተቃዋሚዎች ተቹ፧": ["ጠቅላይ ሚኒስትሩ አዲስ እቅድ አስታወቁ።", "ተቃዋሚዎች ተቹ፧"],
        "Վարչապետը հայտարարեց նոր ծրագիր։ Ընդդիմությունը քննադատեց այն։": [
            "Վարչապետը հայտարարեց նոր ծրագիր։",
            "Ընդդիմությունը քննադատեց այն։",
        ],
        "སྲིད་བློན་གྱིས་འཆར་གཞི་གསར་པ་ཞིག་བསྒྲགས་སོ། །": ["སྲིད་བློན་གྱིས་འཆར་གཞི་གསར་པ་ཞིག་བསྒྲགས་སོ། །"],
    }
    for body, expected in cases.items():
        sentences = text.split_sentences(body)
        assert [s.text for s in sentences] == expected
        assert {s.kind for s in sentences} == {"text"}
        assert all(body[s.char_start : s.char_end] == s.text for s in sentences)


def test_thai_and_lao_sentences_end_at_a_space_between_words_of_theirs():
    """Thai and Lao have no full stop: every Thai paragraph was one caption and a Thai article
    "no extractable text". A space ends a sentence, but a piece too short to be one (a first name,
    "ออสการ์", or a last clause) is taken with its neighbour; a space beside digits ends none."""
    body = (
        "ออสการ์ เปเรซ อดีตตำรวจที่ก่อกบฏถูกสังหารในการปะทะกับกองกำลังความมั่นคงใกล้กรุงการากัส "
        "รัฐบาลกล่าวว่าเขาเป็นผู้ก่อการร้าย เปเรซได้โพสต์วิดีโอบนอินสตาแกรมระหว่างการปะทะ "
        "เขาบอกว่าเขาและพวกของเขาต้องการยอมจำนน แต่เจ้าหน้าที่ยังคงยิงต่อไป\n\n"
        "เขาถูกกักตัว 14 วัน ที่สนามบิน\n\n"
        "ພະແນກສາທາລະນະສຸກ ແຂວງວຽງຈັນ ໄດ້ປະກາດມາດຕະການໃໝ່ ເພື່ອປ້ອງກັນການແຜ່ລະບາດຂອງພະຍາດ ໃນເຂດຊົນນະບົດ"
    )
    sentences = text.split_sentences(body)
    assert [s.text for s in sentences] == [
        "ออสการ์ เปเรซ อดีตตำรวจที่ก่อกบฏถูกสังหารในการปะทะกับกองกำลังความมั่นคงใกล้กรุงการากัส",
        "รัฐบาลกล่าวว่าเขาเป็นผู้ก่อการร้าย เปเรซได้โพสต์วิดีโอบนอินสตาแกรมระหว่างการปะทะ",
        "เขาบอกว่าเขาและพวกของเขาต้องการยอมจำนน แต่เจ้าหน้าที่ยังคงยิงต่อไป",
        "เขาถูกกักตัว 14 วัน ที่สนามบิน",
        "ພະແນກສາທາລະນະສຸກ ແຂວງວຽງຈັນ ໄດ້ປະກາດມາດຕະການໃໝ່ ເພື່ອປ້ອງກັນການແຜ່ລະບາດຂອງພະຍາດ ໃນເຂດຊົນນະບົດ",
    ]
    assert {s.kind for s in sentences} == {"text"}
    assert all(body[s.char_start : s.char_end] == s.text for s in sentences)


def test_directional_marks_are_dropped_and_do_not_hold_a_sentence_open():
    """Text copied from right-to-left pages carries RLM, LRM and embeddings: one after a full stop
    kept the next sentence in the same passage."""
    marked = "\u202bقال الوزير\u202c said the minister.\u200f The bridge cost 5\u200e million.\u2067 نعم\u2069"
    body = text.normalise(marked)
    assert body == "قال الوزير said the minister. The bridge cost 5 million. نعم"
    assert [s.text for s in text.split_sentences(body)] == [
        "قال الوزير said the minister.",
        "The bridge cost 5 million.",
        "نعم",
    ]
