"""Article text: normalisation, paragraphs and sentences with character offsets.

Sentences come from syntok, which handles news typography (curly quotes, em-dashes,
abbreviations such as "U.S." and "p.m.") and keeps every token's offset into the text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

import syntok.segmenter as syntok

from claimbot.index.records import PassageDraft, PassageKind, Sentence

# Full stops of other scripts too: the ideographic (and half-width) one and the full-width "！？"
# of Chinese and Japanese, the corner quotes that close a Japanese quotation, the Devanagari danda,
# the Urdu full stop and the Arabic question mark. Without them every sentence of a Chinese, Japanese,
# Hindi or Urdu article was a caption, and the article "no extractable text". So too the Khmer
# khan (and its end-of-text mark), the Myanmar section mark, the Ethiopic full stop and question
# mark, the Armenian full stop and the Tibetan shad (which also closes a clause).
_SCRIPT_STOPS = "。｡！？।॥۔؟។៕။።፧։།༎"
_TERMINAL = tuple('.!?…:;"”’»」』' + _SCRIPT_STOPS)
_BLOCK_BREAK = re.compile(r"\n[ \t]*\n+")
_HEADING_MAX_CHARS = 60


# Invisible characters: zero-width space, word joiner, soft hyphen. Left in, they end up in a
# speaker's name ("Smith\u200b") or hide a cue ("said\u200b"). Not the zero-width (non-)joiners:
# they make emoji sequences and spell Persian and Indic words.
# Also the directional marks and embeddings of right-to-left text (Arabic letter mark, LRM, RLM,
# LRE-RLO, LRI-PDI), which pages copied from Arabic or Hebrew sites carry: one after a full stop
# ("minister.\u200f The bridge…") kept syntok from ending the sentence there, and one around a
# name cut it from the speaker ("\u200fAhmed Ali said" gave "Ali"). They order the display only.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u2060\u00ad\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)


def normalise(text: str) -> str:
    """The form an article's text is stored in: NFC, Unix newlines, no trailing spaces, no
    zero-width spaces, word joiners, soft hyphens or directional marks."""
    text = unicodedata.normalize("NFC", text.translate(_INVISIBLE)).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\ufeff", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def content_hash(text: str) -> str:
    """Hash of the text with case and whitespace folded, so re-encoded copies of an article match."""
    folded = " ".join(normalise(text).casefold().split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) offsets of the paragraphs of `text`.

    Blank lines separate paragraphs. Inside a block, a short line without closing punctuation
    followed by a line that does not start in lower case (a heading, a caption title such as
    "Venezuela Political Crisis (5)") is a paragraph of its own; other single newlines are
    wrapped lines of one paragraph.
    """
    pos = 0
    for match in [*_BLOCK_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        yield from _split_block(text, pos, end)
        if match:
            pos = match.end()


def count_blocks(text: str) -> int:
    """The number of blank-line-separated blocks with text in them: a lower bound on the paragraphs
    (and sentences) of `text`, found without splitting it."""
    return sum(1 for block in _BLOCK_BREAK.split(text) if block.strip())


_NON_SPACE = re.compile(r"\S")


def _split_block(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    para_start = start
    line_start = start
    previous = ""  # the line before, stripped
    while line_start < end:
        nl = text.find("\n", line_start, end)
        line_end = end if nl == -1 else nl
        line = text[line_start:line_end].strip()
        if (
            nl == -1
            and line
            and line_start > para_start
            and len(line) <= _HEADING_MAX_CHARS
            and not line.endswith(_TERMINAL)
            and previous.endswith(_TERMINAL)
        ):
            # A short unfinished last line after finished ones is a byline or credit ("– Jane Doe"),
            # a paragraph of its own: else it would make every sentence above it a caption.
            if text[para_start:line_start].strip():
                yield _trim(text, para_start, line_start)
            para_start = line_start
        # the next non-space character, found without copying the rest of the block for every line
        following = _NON_SPACE.search(text, nl + 1, end) if nl != -1 else None
        next_line = following.group() if following else ""
        if (
            next_line
            and not next_line.islower()  # a wrapped line continues in lower case
            and line
            and len(line) <= _HEADING_MAX_CHARS
            and not line.endswith(_TERMINAL)
        ):
            if text[para_start:line_end].strip():
                yield _trim(text, para_start, line_end)
            para_start = nl + 1
        if line:
            previous = line
        line_start = line_end + 1
    if text[para_start:end].strip():
        yield _trim(text, para_start, end)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(text: str, stop_after: int | None = None) -> list[Sentence]:
    """All sentences of `text`, in order, with offsets such that text[start:end] is the sentence.

    A paragraph whose last sentence has no closing punctuation (a photo caption ending with its
    credit, e.g. "... Caracas, Venezuela. Fernando Llano AP") is marked `caption`: it stays
    searchable but is not a statement and does not serve as context for its neighbours.

    `stop_after`: splitting stops once more sentences than that are found, and the first
    `stop_after + 1` are returned (the last paragraph's `kind` then unsettled): an article over the
    passage cap is refused without splitting all of it (a 5 MB paragraph took 10 s).
    """
    # syntok does not know typewriter quotes (``…'' in NYT copy): it neither splits after a
    # closing '' nor sees one as closing punctuation. It reads a same-length copy with curly quotes.
    shadow = typewriter_quotes_as_curly(text)
    sentences: list[Sentence] = []
    for para_index, (p_start, p_end) in enumerate(paragraphs(text)):
        paragraph = shadow[p_start:p_end]
        spans: list[tuple[int, int]] = []
        for span in _merge_after_titles(paragraph, _syntok_spans(paragraph)):
            spans.append(span)
            if stop_after is not None and len(sentences) + len(spans) > stop_after:
                break
        spans = [_widen_to_typewriter_quotes(text, p_start + s, p_start + e) for s, e in spans]
        if not spans:
            continue
        kind: PassageKind = "text" if _closes(shadow[spans[-1][0] : spans[-1][1]]) else "caption"
        for s, e in spans:
            sentences.append(
                Sentence(
                    text=text[s:e],
                    char_start=s,
                    char_end=e,
                    paragraph=para_index,
                    position=len(sentences),
                    kind=kind,
                )
            )
        if stop_after is not None and len(sentences) > stop_after:
            break
    return sentences


def _closes(sentence: str) -> bool:
    """Whether a sentence ends as a statement does (a caption credit such as "Fernando Llano AP" does not)."""
    sentence = sentence.rstrip()
    if _UNPUNCTUATED_LETTER.fullmatch(sentence[-1:]):
        return True  # Thai and Lao end a sentence with none: its last letter ends it
    if sentence.endswith(_TERMINAL):
        return True
    # a single straight quote closes a quotation only after the sentence's own punctuation ("… 'no.'"),
    # and so does a closing bracket: "(Mr. Podesta is now the chairman of her campaign.)" is a
    # statement in parentheses; "(Writing by Doina Chiaacu; Editing by Susan Heavey)" a credit
    return sentence[-1:] in _CLOSERS and _BEFORE_CLOSERS.sub("", sentence)[-1:] in (".", "!", "?", "…")


_CLOSERS = ("'", ")", "]")
# The quotes and brackets that may follow a sentence's own punctuation ("…campaign.)", "…form.”)").
_BEFORE_CLOSERS = re.compile(r"['\")\]”’]+$")


_TYPEWRITER_QUOTE = re.compile(r"''|``")


def typewriter_quotes_as_curly(text: str) -> str:
    """`text` with typewriter quotes ('' and ``) turned into curly quotes, keeping every offset:
    an opening pair becomes " “", a closing pair "” ", so offsets found in the copy hold for `text`."""
    if "''" not in text and "``" not in text:
        return text
    out = list(text)
    for m in _TYPEWRITER_QUOTE.finditer(text):
        a = m.start()
        before = text[a - 1] if a > 0 else " "
        after = text[a + 2] if a + 2 < len(text) else " "
        opening = m.group() == "``" or (before.isspace() or before in "([{—–-/") and not after.isspace()
        out[a], out[a + 1] = (" ", "“") if opening else ("”", " ")
    return "".join(out)


def _widen_to_typewriter_quotes(text: str, start: int, end: int) -> tuple[int, int]:
    # In the curly copy a typewriter pair became a quote and a space: take the whole pair back.
    if start > 0 and text[start - 1 : start + 1] in ("``", "''"):
        start -= 1
    if end < len(text) and text[end - 1 : end + 1] == "''":
        end += 1
    return start, end


# Titles written before a name ("Rep. Jason Chaffetz", "Sen. Warren", "Lt. Gen. Flynn"): syntok
# knows "Dr." and "Mr." but ends a sentence after these, which cuts "“…,” Rep. | Chaffetz said".
# "St." is left out: it is also "Street", which does end sentences.
_NAME_TITLES = frozenset(
    "Rep Reps Sen Sens Gov Govs Lt Gen Col Maj Sgt Capt Cmdr Adm Cpl Pvt Rev Atty Supt Pres Amb "
    "Del Hon Insp Det Prof Dr Mr Mrs Ms Messrs Sr Jr Fr Gens".split()
)
_ENDS_WITH_TITLE = re.compile(r"(?:^|[\s(“\"'‘—–-])([A-Z][a-z]{0,5})\.$")


def _merge_after_titles(paragraph: str, spans: Iterable[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Join a sentence that ends in a name title to the next one when that starts with a capital.
    Lazy: a sentence is given once the next one is known not to join it."""
    pending: tuple[int, int] | None = None
    for start, end in spans:
        if pending is not None:
            prev_start, prev_end = pending
            title = _ENDS_WITH_TITLE.search(paragraph[prev_start:prev_end])
            if title and title.group(1) in _NAME_TITLES and paragraph[start : start + 1].isupper():
                pending = (prev_start, end)
                continue
            yield pending
        pending = (start, end)
    if pending is not None:
        yield pending


# syntok splits at Latin punctuation only: a sentence ends after one of `_SCRIPT_STOPS` too, with
# the quotes and brackets that close around it ("“我们不会投降。”警方…" ends after the ”), and the
# stops after it across a space (Tibetan closes a sentence with "། །").
_SCRIPT_SENTENCE_END = re.compile(f"[{_SCRIPT_STOPS}]+(?:[ \t]+[{_SCRIPT_STOPS}]+)*[」』”’\"')）]*")


# Thai and Lao have no full stop: a space between two words of theirs ends a sentence. It also
# stands between a first name and a surname ("ออสการ์ เปเรซ"), around a list's items and between
# clauses, so a piece shorter than this many characters is one sentence with the next (the last of
# a paragraph with the one before): about half an English news sentence, which a Thai one is
# as long as in characters, so a passage is a sentence or two of clauses, never a lone name.
_UNPUNCTUATED_LETTER = re.compile("[\u0e01-\u0e4f\u0e81-\u0ecf]")  # Thai and Lao, not their digits
_UNPUNCTUATED_BREAK = re.compile(f"(?<={_UNPUNCTUATED_LETTER.pattern})\\s+(?={_UNPUNCTUATED_LETTER.pattern})")
_UNPUNCTUATED_MIN_CHARS = 60


def _syntok_spans(paragraph: str) -> Iterator[tuple[int, int]]:
    for para in syntok.analyze(paragraph):
        for sentence in para:
            if not sentence:
                continue
            first, last = sentence[0], sentence[-1]
            for start, end in _split_at_script_stops(paragraph, first.offset, last.offset + len(last.value)):
                yield from _split_at_unpunctuated_breaks(paragraph, start, end)


def _split_at_script_stops(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    for match in _SCRIPT_SENTENCE_END.finditer(text, start, end):
        following = _NON_SPACE.search(text, match.end(), end)
        if following is None:
            break  # the sentence's own last mark
        yield start, match.end()
        start = following.start()
    yield start, end


def _split_at_unpunctuated_breaks(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    pending: tuple[int, int] | None = None  # a sentence given once the next one is known
    for match in _UNPUNCTUATED_BREAK.finditer(text, start, end):
        if match.start() - start >= _UNPUNCTUATED_MIN_CHARS:
            if pending is not None:
                yield pending
            pending = (start, match.start())
            start = match.end()
    if pending is not None and end - start < _UNPUNCTUATED_MIN_CHARS:
        start = pending[0]  # a short last piece: one sentence with the one before
    elif pending is not None:
        yield pending
    yield start, end


class SpeakerFacts(Protocol):
    """Who says a sentence (`claimbot.index.corpus.attribution.SentenceAttribution` has this shape)."""

    @property
    def speaker(self) -> str | None: ...
    @property
    def cue(self) -> str | None: ...
    @property
    def attribution(self) -> str | None: ...


# What `passage_drafts` puts into `embed_text` and `context`. Stored passages of another format were
# embedded differently: re-ingest them (the index records the format it was built with).
PASSAGE_FORMAT = "2"  # 1: title + sentence; 2: + who says it, and the speaker's previous statement


# The packaged MiniLM reads 256 word pieces, about 175 words of news English (1.45 pieces a
# word on the demo article); past that it cuts the end of the text, which is the sentence itself.
_EMBED_MAX_WORDS = 150


def _fits(*parts: str | None) -> bool:
    return sum(len(p.split()) for p in parts if p) <= _EMBED_MAX_WORDS


def passage_drafts(
    sentences: list[Sentence], title: str | None, attributions: Sequence[SpeakerFacts] | None = None
) -> list[PassageDraft]:
    """Each sentence with the text it is embedded with and the context it is searched with.

    The embedded text is the title and the sentence: measured on the demo article, adding the
    previous sentence to the embedded text pulled direct matches down (the CNN sentence fell from
    1st to 12th for "Pérez was killed"), so the previous statement goes only into the full-text
    context, where it lets an unnamed quote match the names of the sentence that introduces it.

    A sentence someone else says (`attributions`, one per sentence) is embedded as
    "<attribution>: <sentence>", e.g. "Óscar Pérez, in a video: “Here we are, …”": the form a
    reader meets in print, so the embedder reads the name as the subject of what follows and a
    claim about Pérez finds his unnamed quotes. The attribution rather than the bare name because
    it also says "Aminta Pérez (Pérez's mother)" or "CNN, citing a high government source", which
    claims repeat. When the speaker's previous statement is also theirs (the paraphrase that
    introduces a quote, "Pérez announced that he and his men were still alive", or the previous
    sentence of a multi-sentence quote), it is embedded before the sentence: a quote's sentence
    alone ("We are surrounded.") says little, and this pairs it with what it continues without
    pulling other speakers' words in. Measured on the demo article for "Óscar Pérez survived the
    assault": the quote "“Here we are, … alive and well…”" is 26th of 45 on the dense side with the
    speaker prefix alone and 2nd with the previous statement (docs/attribution.md). The attribution
    also goes into the full-text context, so the speaker's name matches lexically.
    """
    drafts: list[PassageDraft] = []
    previous: Sentence | None = None
    previous_speaker: str | None = None
    for index, sentence in enumerate(sentences):
        facts = attributions[index] if attributions is not None else None
        speaker = facts.speaker if facts is not None and sentence.kind == "text" else None
        body = sentence.text
        context_parts = [title] if title else []
        if speaker is not None and facts is not None:
            if (
                previous is not None
                and previous_speaker == speaker
                and _fits(title, facts.attribution, previous.text, body)
            ):
                body = f"{previous.text} {body}"
            body = f"{facts.attribution or speaker}: {body}"
            context_parts.append(facts.attribution or speaker)
        embed_parts = [title, body] if title else [body]
        if sentence.kind == "text" and previous is not None:
            context_parts.append(previous.text)
        drafts.append(
            PassageDraft(
                sentence=sentence,
                embed_text="\n".join(embed_parts),
                context="\n".join(context_parts),
                speaker=facts.speaker if facts is not None else None,
                cue=facts.cue if facts is not None else None,
                attribution=facts.attribution if facts is not None else None,
            )
        )
        if sentence.kind == "text":
            previous, previous_speaker = sentence, speaker
    return drafts
