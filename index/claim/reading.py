"""What a pasted post claims: "BREAKING: Pérez KILLED 😱 #Venezuela https://t.co/x" is read as
"Pérez killed", "is it true that perez was killed??" as "perez was killed".

People paste what they saw, and the stance model was trained on plain sentences: with a link, an
emoji, a hashtag, "lol" or a question mark the demo's "Pérez was killed" went from two confident
passages to none (docs/annotation-social.md, and the figures in docs/stance-model.md). The reading
removes what a post adds around its claim and never what the claim says: names, numbers, negation
and hedges ("reportedly", "may") stay, and a claim about what someone said stays one.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import emoji

from claimbot.index.corpus import import_spacy_without_torch


class Cleanup(StrEnum):
    """What the reading removed or undid, in the order the steps run."""

    MARKUP = "markup"  # Discord's: "> " quotes, **bold**, ||spoilers||, `code`, [masked](links), headings
    RETWEET = "retweet"  # "RT @x:", a quoted post's "— @x", reply handles in front
    LINK = "link"  # links, "via @x", "(source: cnn)"
    EMOJI = "emoji"
    HASHTAG = "hashtag"  # a closing run of tags dropped, the '#' of the others
    OPENER = "opener"  # "BREAKING:", "JUST IN", "wow", "omg"
    HEARSAY = "hearsay"  # "I heard that", "apparently", "people are saying"
    REACTION = "reaction"  # "lol", "smh", "!!!", "this is insane" at the end
    QUESTION = "question"  # "is it true that …?", "did X really …?", "X??"
    CASUAL = "casual"  # chat spellings written out: "w/" "with", "cant" "can't", "ppl" "people"
    CAPS = "caps"  # shouted words, or a headline's capitals, lowered (put back from the passages: `truecase`)


@dataclass(frozen=True)
class ClaimReading:
    """A post as typed and the claim read from it (the same text where nothing was removed)."""

    post: str
    claim: str
    cleanups: tuple[Cleanup, ...] = ()
    # Whether words were lowered (shouted, or a post typed all in lower case): `truecase` then
    # takes their case from the passages found, as the structure rules read names by their case.
    lowered: bool = False

    @property
    def changed(self) -> bool:
        return self.claim != self.post

    @property
    def open_question(self) -> bool:
        """A question that asks for something ("Who killed Pérez?", "Why did the dam burst?") rather
        than whether: it claims nothing to judge. Without its question mark a sentence that opens so
        may state something ("What Trump said is false"), so only a post read as asking counts."""
        return Cleanup.QUESTION in self.cleanups and self.claim.split(" ", 1)[0].lower() in _QUESTION_WORDS


_QUESTION_WORDS = frozenset("who whom whose what which why how where when".split())


_SPACE = re.compile(r"\s+")
# Discord's markdown, as a message copied from a channel or checked with "Check this claim" has it
# (the claim's whitespace is already collapsed: a quote's "> " is only ever at the start).
_QUOTE_OR_HEADING = re.compile(r"^(?:>>>\s|>\s|#{1,3}\s|-#\s|[-*]\s)+")
_CODE = re.compile(r"```(?:[a-z]+\s)?(.+?)```|`([^`]+)`", re.IGNORECASE)
_MASKED_LINK = re.compile(r"\[([^\[\]]+)\]\(\s*<?https?://[^)\s]+>?\s*\)")
_PAIRED = (
    re.compile(r"\|\|(.+?)\|\|"),  # spoiler
    re.compile(r"\*\*\*(.+?)\*\*\*"),
    re.compile(r"\*\*(.+?)\*\*"),
    re.compile(r"__(.+?)__"),
    re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"),
    re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"),
)
# Struck-through words are what the poster took back ("Pérez was ~~not~~ killed" reads "Pérez was
# killed" on screen).
_STRUCK = re.compile(r"\s*~~(.+?)~~")
# A server's own emoji, "<:pepe:123>" and animated "<a:dance:456>", and the ":skull:" shortcodes
# Discord turns into emoji: marks, as emoji are.
_CUSTOM_EMOJI = re.compile(r"<a?:\w{2,32}:\d{15,21}>")
_SHORTCODE = re.compile(r"(?<![\w:]):[a-z0-9_+\-]{2,40}:(?![\w:])")
# Where an emoji stood: a boundary the openers and reactions are cut at ("unreal 🤬 Pagliano's
# lawyer says …"), dropped at the end.
_MARK = " | "
# "RT @x:", "RT:"; never "RT" alone, which is also Russia Today ("RT pays Larry King …")
_RT = re.compile(r"^(?:RT|rt)\s*(?::\s*|@(\w+)\s*:?\s*)")
# Words of the poster's own: after "RT @x:" or before "— @x" they are @x's ("RT @realDonaldTrump: I
# won" is realDonaldTrump's claim about himself).
_FIRST_PERSON = re.compile(
    r"^(?:I|I'm|I’m|I've|I’ve|I'll|I’ll|we|we're|we’re|we've|we’ve|we'll|we’ll|my|our|us)\b", re.IGNORECASE
)
# Reply handles in front of a post ("@cnn @bbc Pérez was killed").
# "\b": a handle is taken whole or not at all ("@elonmusk" alone was cut to "@elonmus" + "k")
_REPLY_HANDLES = re.compile(r"^(?:@\w+\b[\s,:]*)+(?=\S)")
# What opens a sentence of its own after a reply handle, so that the handle is whom it is addressed
# to ("@carlos the dam burst"), not who did it ("@elonmusk bought Twitter")
_OWN_SENTENCE = re.compile(
    r"(?:the|a|an|this|that|these|those|my|your|his|her|its|our|their|i|you|he|she|we|they|it)\b", re.IGNORECASE
)
# A quoted post: '"Pérez was killed" — @news24', also with curly quotes and a hyphen.
_QUOTED_POST = re.compile(r'^["“]([^"“”]{3,})["”]\s*(?:[-–—~]+|\bvia\b)\s*@(\w+)\s*$', re.IGNORECASE)
# A link ends at a space or at the bracket around it: "(source: https://t.co/x)".
_URL = re.compile(r"(?:https?://|www\.)[^\s)\]]+|\b(?:[a-z0-9-]+\.)+[a-z]{2,}/[^\s)\]]*", re.IGNORECASE)
# Credits around a link: "via @cnn", "h/t @x", "(source: cnn)", "source: cnn.com".
_CREDIT = re.compile(
    r"\(\s*(?:source|src)\s*:?\s*[^()\d]{0,60}\)"
    r"|\(\s*(?:via|h/t|ht)\s*:?\s*(?:@\w+|[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*){0,3})\s*\)"
    r"|\b(?:via|h/t|cc|per)\s+@\w+(?:\s+@\w+)*"
    r"|\b(?:source|src)\s*:\s*@?[\w.]*(?:\s*\.\w+)?\s*$",
    re.IGNORECASE,
)
# A headline's outlet: "… | Reuters", "… | CNN Politics", "… - BBC News" (on the post as typed, before
# emoji are marked with "|").
_OUTLET_SUFFIX = re.compile(
    r"\s+\|\s+(?:The\s+)?[A-Z][\w.&'’]*(?:\s+[A-Z][\w.&'’]*){0,3}\s*$"
    r"|\s+[-–—]\s+(?:The\s+)?(?:[A-Z][\w.&'’]*\s+){0,3}(?:News|Times|Post|Guardian|Reuters|AP|AFP|BBC|CNN|Politico"
    r"|Journal|Herald|Tribune|Telegraph|Independent|Jazeera|Bloomberg|NPR|Politics)\s*$"
)
_HASHTAG = re.compile(r"(?<![\w#&])#(\w+)")
# "the #1 cause of death": a rank
_RANK_TAG = re.compile(r"(?<![\w#&])#([1-9])\b(?=\s+\w)")
_AFTER_SENTENCE_TAGS = re.compile(r"((?:^|[.!?…|])\s*)(?:#\w+[\s.,!?]*)+$")
# "#SierraClub" is "Sierra Club", "#TaxReturns" "Tax Returns"; "#SCOTUS", "#COVID19" stay one word.
_CAMEL = re.compile(r"(?<=[A-Za-z][a-z])(?=[A-Z][a-z]|[A-Z]{2,}$)")
# Name prefixes a capital follows inside one name: "#McConnell", "#DeSantis", "#LeBron".
_NAME_PREFIXES = frozenset({"Mc", "Mac", "De", "Di", "Da", "Du", "La", "Le", "Van", "Von", "O"})
# Words after which a closing hashtag is part of the sentence: "skipped the #ER" (without spaCy).
_NEEDS_OBJECT = frozenset(
    "a an the in of to for at on by with from and or into onto about against his her their its our "
    "my your this that these those".split()
)
# Penn tags after which a closing hashtag finishes the sentence: "his full #TaxReturns",
# "Monday night's #debate"; after a noun or a particle it is a topic ("… has shut down #mining").
_OBJECT_TAGS = frozenset({"DT", "IN", "JJ", "JJR", "JJS", "PRP$", "POS", "CC", "TO", "CD", "PDT", "WP$"})
# Adverbs a predicate follows ("not #safe", "still #alive", "too #old"); "again", "twice", "ever"
# end a sentence.
_DEGREE = frozenset(
    "not never very too so still really quite totally completely extremely fully almost more most less least "
    "always highly deeply hardly barely".split()
)
# Verbs that complete a sentence alone: a tag after them is the post's topic ("Pérez resigned
# #Venezuela" is not that he resigned Venezuela).
_INTRANSITIVE = frozenset(
    "die resign escape survive collapse explode crash disappear vanish quit retire arrive happen occur "
    "fail work exist live rise fall surge plunge soar grow shrink sleep cry laugh lie win lose vote".split()
)
_ACTIVE_VERB_TAGS = frozenset({"VB", "VBP", "VBZ", "VBD", "VBG"})
_MARKS = r"(?:\s*[:!,.|–—~>»→]+\s*|\s+-+\s*|-+\s+)"
_SEP = rf"(?:{_MARKS}|\s+)"
# Openers taken only with a mark after them ("Breaking: …", "unreal 🤬 …") or, for the alerts,
# written in capitals ("BREAKING Pérez …"): as words they can start a claim ("Update the law …").
_MARKED = (
    r"breaking(?:\s+news)?|just\s+in|update(?:d)?|developing(?:\s+story)?|alert|urgent|news\s*flash|flash"
    r"|exclusive|huge(?:\s+news)?|big\s+news|major|reminder|friendly\s+reminder|heads\s+up|thread|read(?:\s+this)?"
    r"|news|(?:real\s+)?question|claim|fact\s*check(?:\s+this)?|true\s+or\s+false|real\s+or\s+fake|fake"
    r"|is\s+this\s+true|thoughts|well|honestly|literally|seriously|unreal|unbelievable|insane|crazy|wild|sad"
    r"|disgusting|amazing|interesting|scary|shocking|finally|incredible|what"
    r"|watch|video|photos?|pics?|live|breaking\s+video|forwarded(?:\s+as\s+received|\s+many\s+times)?"
    r"|copied(?:\s+and\s+pasted|\s+from\s+(?:a\s+friend|facebook|fb|whatsapp))?|please\s+share|like\s+and\s+share"
    r"|nobody\s+is\s+talking\s+about\s+this|why\s+is\s+nobody\s+talking\s+about\s+this|eli5|\[serious\]"
    r"|fun\s+fact|cute\s+story|hot\s+take|good\s+news|bad\s+news|sad\s+news|wild\s+story|plot\s+twist|story\s+time"
    r"|in\s+case\s+you\s+missed\s+it|for\s+the\s+record|just\s+so\s+you\s+know|no\s+joke|not\s+a\s+joke|real\s+talk"
)
_MARKED_OPENER = re.compile(rf"^(?:{_MARKED}){_MARKS}", re.IGNORECASE)
# "This: …", "Look 👇 …": words that start claims too ("This, says Pence, was never discussed")
# are openers only before a colon, an exclamation mark, an arrow or an emoji.
_POINTING_OPENER = re.compile(r"^(?:this|look|listen|read(?:\s+this)?|see)\s*[:!|→»]+\s*", re.IGNORECASE)
_REDDIT_TAG = re.compile(r"^\[(?:serious|oc|news|discussion|question|meta|politics|breaking)\]\s*", re.IGNORECASE)
_SHOUTED_OPENER = re.compile(
    r"^(?:BREAKING(?:\s+NEWS)?|JUST\s+IN|UPDATE|DEVELOPING|ALERT|URGENT|NEWS\s*FLASH|EXCLUSIVE|BIG\s+NEWS"
    rf"|WATCH|VIDEO|PHOTOS?|LIVE|ÚLTIMA\s+HORA|URGENTE|DERNIÈRE\s+MINUTE|EILMELDUNG)(?:{_MARKS}|\s+)"
)
# A wire service's slug before a headline ("UPDATE 2-Venezuela says …", "RPT-EXCLUSIVE-…"), in
# capitals and joined by a hyphen: "UPDATE" alone took the word and left "2-Venezuela says …".
_WIRE_SLUG = re.compile(
    r"^(?:(?:UPDATE\s+\d+|RPT|REFILE|CORRECTED|CORRECTION|WRAPUP(?:\s+\d+)?|FACTBOX|ANALYSIS|INSIGHT|EXCLUSIVE"
    r"|SPECIAL\s+REPORT|EXPLAINER|FOCUS|BREAKINGVIEWS)(?:-|\s+-\s+))+(?=\S)"
)
# Chat interjections no claim starts with: taken with or without a mark.
_CHAT = (
    r"wow+|whoa+|woah|omg+|oh\s+my\s+god|omfg|lol+|lmao+|lmfao|wtf|smh|fyi|psa|icymi|ngl|tbh|bruh|sheesh|yikes|oof"
    r"|geez|jeez|welp|hmm+|umm+|phew|whew|yay|meh|holy\s+(?:shit|crap|cow|moly)"
)
_CHAT_OPENER = re.compile(rf"^(?:{_CHAT})(?:{_SEP})", re.IGNORECASE)
# Words that start names and claims too ("Wait times …", "Oh Se-hoon", "Hey Jude", "OK Boomer", "Til
# Schweiger", "So far …"): openers after a mark, or typed in lower case before a lower-case word
# ("ok so coal bundled …"); "wait" and "hold on" only before a question or a mark.
_CHATTY = r"so+|ok(?:ay)?|oh+|ah+|hey|huh|yo+|guys|folks|y'?all|damn|dang|bro|uh+|um+|aww+|til|ugh|no\s+way"
# Replies that only ask or judge ("Source?", "not true", "is it real?"): said of a post, they are no claim.
_REPLY = (
    r"(?:not\s+)?(?:true|false|real|fake)(?:\s+news)?|sources?(?:\s+(?:pls|plz|please))?|any\s+sources?"
    r"|ha(?:ha)+|really|is\s+(?:it|this|that)\s+(?:true|real|fake)"
)
_ONLY_REACTION = re.compile(rf"(?:(?:{_MARKED}|{_CHAT}|{_CHATTY}|{_REPLY})[\s!?.:…~]*)+", re.IGNORECASE)
_CHATTY_MARKED = re.compile(rf"^(?:{_CHATTY}|wait|hold\s+on|hang\s+on){_MARKS}", re.IGNORECASE)
_CHATTY_WORD = re.compile(rf"^({_CHATTY}|wait|hold\s+on|hang\s+on)\s+(\S+)", re.IGNORECASE)
_NOT_AFTER_SO = frozenset("far many much long called few little to that as too it what".split())
_ASKING_NEXT = frozenset("is are was were did does do so what who how why really".split())
# Hearsay frames: the poster's own way of saying "I saw this", not a source of the claim. A named
# source ("Trump said …") is the claim itself and is never one of these.
_HEARSAY = re.compile(
    r"^(?:"
    r"(?:so\s+)?i\s+(?:just\s+|also\s+)?heard"
    r"(?:\s+(?:somewhere|online|on\s+(?:the\s+)?\w+|in\s+(?:the\s+|a\s+)?\w+|a\s+(?:post|tweet|video)\s+(?:saying|that|claiming)))?"
    r"|(?:so\s+)?i\s+(?:just\s+|also\s+)?(?:read|saw|see|seen)"
    r"(?:\s+(?:somewhere|online|on\s+(?:twitter|x|facebook|fb|tiktok|reddit|the\s+news|tv|instagram|insta)|in\s+the\s+news)"
    r"|\s+a\s+(?:post|tweet|video|meme|story|thread)\s+(?:saying|that|claiming)|(?=\s+that\b))"
    r"|i'?m\s+hearing"
    r"|(?:i|we)\s+keep\s+(?:hearing|reading|seeing)"
    r"|from\s+what\s+i(?:'?ve|\s+have)?\s+(?:heard|read|seen)"
    r"|(?:i\s+)?saw\s+(?:somewhere|online|a\s+(?:post|tweet|video)(?:\s+saying)?|on\s+\w+)"
    r"|apparently|word\s+is|the\s+word\s+is|word\s+on\s+the\s+street\s+is|heard"
    r"|(?:people|folks|everyone|everybody|they|some\s+people|many\s+people|ppl)\s*(?:are|'re|r|is)?\s+(?:saying|claiming|posting)"
    r"|(?:people|folks|everyone|everybody|they|ppl)\s+keep\s+(?:saying|claiming|posting)"
    r"|(?:my|the)\s+(?:feed|timeline|tl|twitter|facebook|fb|tiktok|group\s+chat|gc|uncle|aunt|dad|mom|mum|friend|"
    r"brother|sister|cousin|coworker|neighbou?r)\s+(?:is\s+)?(?:says|saying|said|told\s+me|claims|posted)"
    r"|(?:someone|somebody|a\s+friend|a\s+guy|this\s+guy)(?:\s+(?:in|on|at|from)\s+(?:my\s+(?:\w+\s+){0,2}?\w+"
    r"|the\s+(?:group\s+chat|gc|chat|comments|replies|timeline|feed|thread)))?"
    r"\s+(?:just\s+)?(?:said|says|told\s+me|posted|claims|claimed)"
    r"|(?:it'?s|its)\s+(?:being\s+)?(?:reported|said|going\s+around)"
    r"|(?:all\s+over|going\s+around\s+on)\s+(?:twitter|x|facebook|tiktok|social\s+media)"
    r")(?:\s+that\b)?(?:\s*[:,\-–—]+)?\s+",
    re.IGNORECASE,
)
# Questions about the claim: the claim is what follows.
_ASKING = re.compile(
    r"^(?:"
    r"is\s+it\s+(?:really\s+|actually\s+)?true(?:\s+that\b)?"
    r"|(?:is\s+there\s+)?any\s+truth\s+(?:to|in)(?:\s+(?:the\s+)?(?:claim|story|rumou?r|report)s?)?(?:\s+that\b)?"
    r"|(?:can|could|will|would)\s+(?:someone|somebody|anyone|anybody|u|you|ya)\s+(?:pls\s+|please\s+)?"
    r"(?:confirm|verify|check|tell\s+me)(?:\s+(?:that|if|whether)\b)?"
    r"|(?:does\s+)?(?:anyone|anybody)\s+know\s+(?:if|whether)\b"
    r"|(?:do|did)\s+(?:you|u|y'?all|you\s+guys)\s+(?:hear|see|know)(?!\s+about\b)(?:\s+that\b)?"
    r"|(?:do|did)\s+(?:you|u|y'?all|you\s+guys|people)\s+(?:really\s+)?(?:think|believe|reckon)(?:\s+that\b)?"
    r"|(?:have|has)\s+(?:you|u|y'?all|anyone|anybody)\s+(?:else\s+)?(?:heard|seen|read)(?:\s+that\b)?"
    r"|am\s+i\s+the\s+only\s+one\s+who\s+(?:thinks|believes|heard|noticed)(?:\s+that\b)?"
    r"|(?:are\s+we|are\s+you|is\s+everyone|are\s+people)\s+sure(?:\s+that\b)?"
    r"|are\s+(?:you|u)\s+telling\s+me(?:\s+that\b)?"
    r"|is\s+(?:anyone|anybody)\s+else\s+(?:hearing|seeing|reading)(?:\s+that\b)?"
    r"|is\s+there\s+(?:any\s+)?(?:evidence|proof)(?:\s+that\b)?"
    r"|(?:was|has)\s+it\s+(?:been\s+)?confirmed(?:\s+that\b)?"
    r"|(?:should|shall)\s+(?:we|i)\s+(?:believe|trust)(?:\s+that\b)?"
    r"|(?:just\s+)?asking\s+questions\s*:?"
    r"|(?:someone|somebody)\s+(?:please\s+)?(?:confirm|verify)(?:\s+(?:that|if|whether)\b)?"
    r"|how\s+true\s+is\s+(?:it|this)(?:\s+that\b)?"
    r"|true\s+or\s+not(?:\s+that\b)?"
    r"|fact\s*check(?:\s+(?:this|pls|please))?"
    r")(?:\s*[:,\-–—]+)?\s+",
    re.IGNORECASE,
)
_CHAT_WORDS = (
    r"lol+|lmao+|lmfao|rofl|smh|smdh|omg+|omfg|wtf|ffs|ngl|tbh|imo|imho|idk|ikr|fr|frfr|icymi|bruh|sheesh|yikes|ugh|"
    r"oof|wow+|whoa|jeez|geez|welp|yall|y'all|pls|plz|thx|btw|fyi|hmm+|huh|dyor|nfa"
)
# Reactions closing a post, taken from the end one at a time.
_TRAILING_CHAT = re.compile(rf"(?:[\s,.;:|]+|^)(?:{_CHAT_WORDS})\W*$", re.IGNORECASE)
# Closing reactions that are ordinary words: only after a mark (an emoji, a full stop, a comma).
_TRAILING_PHRASE = re.compile(
    r"(?:^|(?<=[.!?…,;:|]))\s*(?:"
    r"this\s+is\s+(?:so\s+)?(?:insane|crazy|wild|huge|big|bad|nuts|unreal|unbelievable|scary|sad|wrong|not\s+ok(?:ay)?)"
    r"|(?:i\s+)?can'?t\s+believe\s+(?:it|this|that)|unbelievable|unreal|insane|crazy|wild|huge|wow|omg|"
    r"what\s+a\s+world|what\s+is\s+going\s+on|what\s+the\s+hell|holy\s+\w+|no\s+way|thank\s+god|thoughts|"
    r"(?:is\s+(?:this|that|it)\s+)?(?:true|real|legit|confirmed|for\s+real)|can\s+(?:someone|anyone)\s+confirm|"
    r"stay\s+safe|rip|share\s+this|spread\s+the\s+word|retweet|rt|wake\s+up(?:\s+people)?|think\s+about\s+(?:it|that)|"
    r"amazing|respect|disgusting|interesting|sad|scary|shocking|finally|great|nice|good|typical|classic|figures|"
    r"about\s+time|big\s+if\s+true|just\s+saying|love\s+(?:it|this|to\s+see\s+it)|incredible|unacceptable|"
    r"terrible|awful|shameful|ridiculous|hilarious|yikes|oh\s+no|oh\s+wow|sheesh|lol|lmao|smh|awkward|wild\s+times|"
    r"makes\s+(?:you|u)\s+think|(?:so\s+)?sad|scary\s+stuff|good\s+for\s+(?:him|her|them)|well\s+done|cool|anyways?|"
    r"damn|dang|share\s+before\s+(?:they|it\s+gets)\s+delete[sd]?(?:\s+(?:this|it))?|"
    r"(?:please\s+)?(?:forward|share)(?:\s+(?:this|it))?(?:\s+(?:to|with)\s+(?:all\s+)?(?:your|ur)\s+\w+)?|"
    r"copied\s+and\s+pasted|see\s+more|show\s+more|link\s+in\s+(?:bio|comments)|more\s+in\s+(?:the\s+)?replies|"
    r"sources?\s+below|details\s+in\s+(?:the\s+)?comments|do\s+(?:your|ur)\s+own\s+research|not\s+financial\s+advice|"
    r"wake\s+up(?:\s+sheeple)?|they\s+don'?t\s+want\s+(?:you|u)\s+to\s+know(?:\s+this)?|let\s+that\s+sink\s+in|"
    r"make\s+(?:it|this)\s+go\s+viral|source\s*:\s*trust\s+me(?:\s+bro)?|\(edited\)|true\s+or\s+false|"
    r"coincidence\?\s*i\s+think\s+not"
    r")\s*[.!?…]*\s*$",
    re.IGNORECASE,
)
# A closing question about the claim: "… ? did he actually say that", "… , right?"
_TAG_QUESTION = re.compile(
    r"(?:\s+or\s+(?:not|nah|what|no)\s*\?+\s*$)"
    r"|(?:\s*,\s*)(?:no|or\s+not|or\s+nah|or\s+is\s+it\s+(?:fake|false|not)"
    r"|(?:is|was|are|were|did|does|do|has|have|had|can|could|will|would)n[’']?t\s+(?:he|she|it|they|we|you|there|i))"
    r"\s*\?*\s*$"
    r"|(?:\s*,\s*|(?<=[?.!|])\s*)(?:right|really|or\s+not|or\s+what|true|real|legit|for\s+real"
    r"|(?:is|was)\s+(?:it|this|that)\s+(?:actually\s+|really\s+)?(?:true|real|right|accurate|legit|correct)"
    r"|(?:did|does|do)\s+(?:he|she|they|it|you|u)\s+(?:actually\s+|really\s+)?(?:say|do|mean)\s+(?:that|this|it)"
    r"|(?:can|could)\s+(?:someone|anyone|somebody|anybody)\s+(?:confirm|verify|check)(?:\s+(?:this|that|it))?"
    r"|confirmed|anyone|thoughts|source|sources|sauce|link|proof|receipts|is\s+tha\w*(?:\s+\w+)?)\s*[?!.]*\s*$",
    re.IGNORECASE,
)
_QUOTED_QUESTION = re.compile(r"[:\"“]\s*(?:what|who|whom|whose|which|why|how|where|when)\b", re.IGNORECASE)
_LAUGHTER = re.compile(
    r"(?:[\s,.;:|]+)(?:lol+|lmao+|xd+|ja(?:ja)+|je(?:je)+|ha(?:ha)+|mdr|ptdr|kk+|rs(?:rs)+)\W*$", re.IGNORECASE
)
_END_MARKS = re.compile(r"[\s?!¿¡…|]+$")
# Thread counters and sarcasm marks: "… 1/7", "(1/3)", "… /s", "… NOT!", ". Not." The claim checked
# is the proposition either way; the answer says whether it stands.
# A counter is in brackets or after a mark: "after 9/11" is a date.
_TRAILING_MARKERS = re.compile(
    r"\s*(?:\(\d{1,2}/\d{1,2}\)|(?<=[.!?…|])\s*\d{1,2}/\d{1,2}|/s|\.{0,3}\s*\bnot\s*!+|\.\s*not\.?|\bjk)\s*$",
    re.IGNORECASE,
)
_LEADING_MARKERS = re.compile(r"^(?:\d{1,2}/\s+|\(\d{1,2}/\d{1,2}\)\s+|replying\s+to\s+(?:@\w+\s*)+)", re.IGNORECASE)
_EMBEDDED_TWEET = re.compile(r"\s+[—–-]\s+[^()]{1,60}\(@\w+\)\s+\w+\s+\d{1,2},\s+\d{4}\s*$")
_TRAILING_DOTS = re.compile(r"(?<=\w)\s*(?:\.{2,}|…)\s*$")
_OPENING_MARKS = re.compile(r"^[\s:!,.|\-–—~>»→*_]+(?=[^\W\d]|[\"“])")
# What a link or an emoji leaves at the end: "… in the primary —", "… (source:", "… read:".
_DANGLING = re.compile(
    r"(?:\s*(?:(?<=\s)\((?:source|src|via)?:?|(?:(?<=\s)[—–\-→|>»]|:)\s*(?:full\s+)?(?:remarks|story|article|statement|"
    r"video|report|details|thread|link|here|more|read\s+more|watch|source|sauce)\s*:?|\b(?:read|more|source|src|via)\s*:"
    r"|(?<=\s)[—–\-→|>»(]+|:))+\s*$",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’\-.])*", re.UNICODE)
# Chat spellings the stance model never saw, written out ("w/" "with", "cant" "can't"): a
# negation without its apostrophe read as another word, and "ppl" is no word at all.
_CHAT_SPELLINGS = {
    "w/": "with",
    "w/o": "without",
    "ppl": "people",
    "bc": "because",
    "b/c": "because",
    "cuz": "because",
    "coz": "because",
    "govt": "government",
    "gov't": "government",
    "pres": "president",
    "dept": "department",
    "yrs": "years",
    "yr": "year",
    "incl": "including",
    "gonna": "going to",
    "wanna": "want to",
    "thru": "through",
    "tho": "though",
    "b4": "before",
    "abt": "about",
    "u": "you",
    "ur": "your",
    "cant": "can't",
    "wont": "won't",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "arent": "aren't",
    "werent": "weren't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "hadnt": "hadn't",
    "couldnt": "couldn't",
    "wouldnt": "wouldn't",
    "shouldnt": "shouldn't",
    "aint": "ain't",
}
# "$50m", "€1.1bn", "4.8M jobs": written out as the articles write them ("$50
# million"); the stance model read "$50m" as a weaker match. A bare lower-case "m" is metres ("a 5m
# wall") unless money is meant, "18k gold" is carats and "2B" a flat; "M" and "bn" before a word
# are counts.
_SCALE_WORDS = {"k": "thousand", "m": "million", "mn": "million", "mln": "million", "b": "billion", "bn": "billion"}
_SCALE_WORDS |= {"bln": "billion", "t": "trillion", "tn": "trillion", "trn": "trillion"}
_SCALED = re.compile(
    r"(?<![\w.,])(?:([$€£¥])\s?(\d+(?:[.,]\d+)?)\s?(?i:(k|m|mn|mln|bn|bln|b|tn|trn|t))\b"
    r"|(?<=\s)(\d+\.\d+|\d+(?=[Mbt]\w*\s+\w+s\b))(M|bn|tn)(?=\s+[^\W\d_]))"
)
_ABBREVIATIONS = frozenset({"govt", "gov't", "dept", "pres", "yrs", "incl"})
_SPELLING = re.compile(
    r"(?<![\w/'’])(?:"
    + "|".join(re.escape(k) for k in sorted(_CHAT_SPELLINGS, key=len, reverse=True))
    + r"|w)(?![\w/'’]|\.\w)",
    re.IGNORECASE,
)
# Auxiliaries a yes/no question starts with: "was Pérez killed?" is "Pérez was killed".
_AUXILIARIES = frozenset(
    "is are was were am has have had will would can could should shall may might must does do did".split()
)
_DO_TAGS = {"did": "VBD", "does": "VBZ", "do": "VBP"}
_ABOUT_THE_READER = frozenset("hear heard see seen know think believe remember mean notice noticed".split())
_SOMEONE = {"anyone": "someone", "anybody": "somebody", "anything": "something"}
_BE = frozenset({"is", "are", "was", "were", "am"})
_MODALS = frozenset({"will", "would", "can", "could", "should", "shall", "may", "might", "must"})
_ASKING_ADVERBS = frozenset({"really", "actually", "truly", "seriously", "honestly"})


def read_post(post: str, nlp: Any = None, lock: Any = None, *, english: bool = True) -> ClaimReading:
    """The claim of a post (already validated: NFC, whitespace collapsed). `nlp` (spaCy, with the
    `lock` it is parsed under) turns a yes/no question around ("was Pérez killed?" → "Pérez was
    killed") and tells a hashtag that ends the sentence from a topic; without it a question keeps
    its word order and loses its question mark only. A post not in English (`english` False) loses
    only what is written alike in every language: "RT @x:", links, emoji, hashtags' '#', a shouted
    alert, closing laughter, "!!!"."""
    text = post
    done: list[Cleanup] = []

    def step(kind: Cleanup, new: str) -> None:
        nonlocal text
        new = _SPACE.sub(" ", new).strip()
        # A step that would leave no words is not taken ("BREAKING!!!" alone is what was said).
        if new != text and _WORD.search(new.replace("|", "")):
            if kind not in done and _unmarked(new) != _unmarked(text):  # not only where emoji marks stood
                done.append(kind)
            text = new

    step(Cleanup.MARKUP, _discord_markup(text))
    step(Cleanup.RETWEET, _retweet(text))
    step(Cleanup.LINK, _CREDIT.sub(" ", _URL.sub(" ", text)))
    step(Cleanup.LINK, _OUTLET_SUFFIX.sub("", _EMBEDDED_TWEET.sub("", text)))
    step(Cleanup.RETWEET, _LEADING_MARKERS.sub("", text))
    step(Cleanup.EMOJI, _emoji(text.replace("|", " ")))
    if not english:
        # Which tag ends a sentence, and the openers and reactions below, are English: only tags
        # after an emoji or a full stop are taken for topics.
        step(Cleanup.HASHTAG, _HASHTAG.sub(r"\1", _AFTER_SENTENCE_TAGS.sub(r"\1", text)))
        # what posts write alike in every language: a shouted alert ("BREAKING:", "ÚLTIMA HORA:")
        # and laughter at the end ("lol", "jajaja", "mdr", "kkkk")
        step(Cleanup.OPENER, _WIRE_SLUG.sub("", text))
        step(Cleanup.OPENER, _SHOUTED_OPENER.sub("", text))
        step(Cleanup.REACTION, _LAUGHTER.sub("", text))
        step(Cleanup.EMOJI, text.replace("|", " "))
        step(Cleanup.REACTION, re.sub(r"\s*([!?¡¿])[!?¡¿\s]*$", r"\1", text))
        return ClaimReading(post=post, claim=text, cleanups=tuple(done))
    step(Cleanup.HASHTAG, _hashtags(text, nlp, lock))
    step(Cleanup.LINK, _DANGLING.sub("", text))
    # "Clinton mocked Trump: what genius loses a billion?" quotes a question; it does not ask one
    asked = bool(re.search(r"\?[\s!?|]*$", text)) and not _QUOTED_QUESTION.search(text)
    for _ in range(8):  # frames stack: "🚨 wow, apparently …", "BREAKING: is it true that …"
        before = text
        step(Cleanup.OPENER, _OPENING_MARKS.sub("", text))
        step(Cleanup.OPENER, _REDDIT_TAG.sub("", text))
        step(Cleanup.OPENER, _WIRE_SLUG.sub("", text))
        step(Cleanup.OPENER, _MARKED_OPENER.sub("", text))
        step(Cleanup.OPENER, _POINTING_OPENER.sub("", text))
        step(Cleanup.OPENER, _SHOUTED_OPENER.sub("", text))
        step(Cleanup.OPENER, _CHAT_OPENER.sub("", text))
        # a negation after "no way" turns the claim around ("no way Biden didn't know"): kept whole
        if not re.match(r"no\s+way\W+\S+\s+(?:\S+n[’']t|not|never)\b", text, re.IGNORECASE):
            step(Cleanup.OPENER, _CHATTY_MARKED.sub("", text))
            step(Cleanup.OPENER, _chatty(text, asked))
        step(Cleanup.HEARSAY, _HEARSAY.sub("", text))
        if _ASKING.match(text):
            asked = True
            step(Cleanup.QUESTION, _ASKING.sub("", text))
        if text == before:
            break
    for _ in range(8):
        before = text
        step(Cleanup.REACTION, _TRAILING_MARKERS.sub("", text))
        step(Cleanup.REACTION, _TRAILING_CHAT.sub("", text))
        step(Cleanup.REACTION, _TRAILING_PHRASE.sub("", text))
        if _TAG_QUESTION.search(text):
            asked = True
            step(Cleanup.QUESTION, _TAG_QUESTION.sub("", text))
        step(Cleanup.LINK, _DANGLING.sub("", text))
        if text == before:
            break
    step(Cleanup.EMOJI, text.replace("|", " "))
    # typed all in lower case ("is it true perez was killed"): names come back from the passages
    lowered = not any(c.isupper() for c in text) and len(text.split()) > 1
    # a post shouted whole is lowered before a question is turned ("WAS PÉREZ KILLED??"), and so is
    # a headline's title case ("Was Perez Killed?": the parser reads "Killed" as a name)
    shouted = _shouted(text) or _title_cased(text)
    if shouted:
        step(Cleanup.CAPS, shouted)
        lowered = lowered or Cleanup.CAPS in done
    if asked:
        step(Cleanup.QUESTION, _END_MARKS.sub("", text))
        if nlp is not None:
            step(Cleanup.QUESTION, _statement(text, nlp, lock))
    elif re.search(r"[!?][!?|\s]*[!?]\W*$|[…|]\W*$|\.\.\W*$", text):
        # "!!!", "?!" and a trailing "..." are a post's tone
        step(Cleanup.REACTION, _END_MARKS.sub("", _TRAILING_DOTS.sub("", text)))
    # A closing full stop too: the team's claims (and the stance model's calibration on them) have
    # none, and "Pérez was killed." read refuted where "Pérez was killed" read disputed on the demo.
    # Not after an abbreviation ("in the U.S.", "Nov.", "Jr.", "etc.").
    last = text.rsplit(" ", 1)[-1]
    if (
        text.endswith(".")
        and not text.endswith("..")
        and "." not in last[:-1]
        and not (len(last) <= 4 and last[:1].isupper())
        and last.lower() not in ("etc.", "al.", "inc.", "co.", "corp.", "ltd.", "vs.", "approx.")
    ):
        step(Cleanup.REACTION, text[:-1])
    step(Cleanup.CASUAL, _SCALED.sub(_scaled, _SPELLING.sub(_spelled, text)))
    step(Cleanup.REACTION, text.rstrip(",;: "))
    first = text.split(" ", 1)[0].rstrip(":")
    handle = f"@{first}".lower() in post.lower()
    if done and text[:1].islower() and not lowered and not any(c.isupper() for c in first) and not handle:
        text = text[:1].upper() + text[1:]  # not "realDonaldTrump: …", a handle as typed
    return ClaimReading(post=post, claim=text, cleanups=tuple(done), lowered=lowered)


def is_link(text: str) -> bool:
    """Whether the text is one link and nothing else (Discord's "<https://…>", which hides the
    preview, included). A link alone is refused by `check`: what its address spells is no claim to
    read ("…/0-people-died-in-crash" without its digits, "…/world-us-canada-trump-says-he-won",
    "…/list-of-people-killed-by-police"; reading it was tried and dropped, session 20)."""
    return bool(_URL.fullmatch(text.strip().removeprefix("<").removesuffix(">")))


def is_handles(text: str) -> bool:
    """Whether the text is social-media handles and nothing else ("@elonmusk"): a name to whom, not
    a claim (refused by `check`, as a link alone is)."""
    return bool(_HANDLES_ONLY.fullmatch(text.strip()))


# "RT @cnn:" is a retweet's credit with the tweet left out: a mention too
_HANDLES_ONLY = re.compile(r"(?:RT\s+)?(?:@\w+[\s,:]*)+")


def is_hashtags(text: str) -> bool:
    """Whether the post is hashtags with nothing but links, mentions and emoji beside them
    ("#Venezuela", "😱 https://t.co/x #news"): a topic, not a claim. Read, it was searched as one word
    and answered `unverified`; `check` refuses it, as a mention alone."""
    rest = _without_links(text)
    # what is left besides the tags is no word: the marks emoji leave ("|"), a dash, punctuation
    return bool(_HASHTAG.search(rest)) and not re.search(r"\w", _HASHTAG.sub(" ", rest))


_HANDLE = re.compile(r"@\w+")


def _without_links(text: str) -> str:
    """The post without its links and mentions, its emoji as marks: what may be beside a topic."""
    return _HANDLE.sub(" ", _emoji(_URL.sub(" ", text)))


def is_reaction(text: str) -> bool:
    """Whether the post is only openers or reactions ("BREAKING:", "lol", "omg!!", "Source?", "is
    this true? #Venezuela"), with links, mentions and hashtags beside them at most: what precedes or
    answers a claim, with none in it. Searched, its word matched whatever passages used it; read,
    "Is this true?" became the claim "This is true"."""
    return bool(_ONLY_REACTION.fullmatch(_unmarked(_HASHTAG.sub(" ", _without_links(text))).strip()))


def _unmarked(text: str) -> str:
    return _SPACE.sub(" ", re.sub(r"(?:^|\s)\|(?=\s|$)", " ", text)).strip()


def _emoji(text: str) -> str:
    """Emoji as marks, except those that are words of the claim: a keycap digit ("5️⃣ people
    died"), a flag between words or as the subject ("🇷🇺 invaded 🇺🇦" → "Russia invaded Ukraine"),
    "🚫" / "❌" between words ("Pérez was 🚫 killed" → "not"), "💀" after "is" / "was" ("dead"). A
    flag beside its country's name, or at the edge as decoration, is a mark."""
    out, last = [], 0
    for found in emoji.emoji_list(text):
        start, end, char = found["match_start"], found["match_end"], found["emoji"]
        before, after = text[:start].rstrip(), text[end:].lstrip()
        name = str(emoji.EMOJI_DATA.get(char, {}).get("en", "")).strip(":").replace("_", " ")
        word = _MARK
        if name.startswith("keycap ") and name[7:].isdigit():
            word = f" {name[7:]} "
        elif _is_flag(char) and name:
            inside = bool(_WORD.search(before[-1:])) and bool(re.match(r"\w", after))
            # "🇷🇺 invaded …": a flag in front of a verb is its subject ("🇺🇸 bobby scott's …" is decoration)
            following = re.match(r"[^\W\d_A-Z]\w*", after)
            subject = not before and following is not None and _verb_lemma(following.group()) != following.group()
            words = _WORD.findall(before.lower())
            inside = inside or (not after and bool(words) and words[-1] in _NEEDS_OBJECT)  # "… are in 🇹🇼"
            if (inside or subject) and name.lower() not in (before + " " + after).lower():
                word = f" {name} "
        elif char in ("🚫", "❌", "⛔") and _WORD.search(before[-1:]) and re.match(r"[^\W\d_]", after):
            word = " not "
        elif char in ("💀", "☠️", "☠") and re.search(r"\b(?:is|was|are|were|'s|’s)$", before, re.IGNORECASE):
            word = " dead "
        out.append(text[last:start] + word)
        last = end
    return "".join(out) + text[last:]


def _is_flag(char: str) -> bool:
    return len(char) == 2 and all(0x1F1E6 <= ord(c) <= 0x1F1FF for c in char)


def _chatty(text: str, asked: bool) -> str:
    """Without a chat word in front that is also a name or a claim's word ("so", "ok", "oh", "til",
    "wait"), where it was typed as chat: in lower case or in capitals ("ok so coal …", "TIL the …"),
    not "So far …", "Oh Se-hoon …", "Til Schweiger …"; "wait" before a question ("wait is it true …",
    "wait Pérez is a pilot??"), not in "wait times …"."""
    m = _CHATTY_WORD.match(text)
    if m is None:
        return text
    word, following = m.group(1), m.group(2).lower().rstrip("?!.,:;")
    typed_as_chat = word.islower() or word.isupper() or following in _ASKING_NEXT  # "So was Pérez killed?"
    if not typed_as_chat or (word.lower().startswith("so") and following in _NOT_AFTER_SO):
        return text
    if word.lower().split()[0] in ("wait", "hold", "hang") and not (asked or following in _ASKING_NEXT):
        return text
    return text[len(word) :].lstrip()


def _retweet(text: str) -> str:
    """A post without "RT @x:", the reply handles in front and a quoted post's "— @x". Whose words
    they are stays where it matters: a handle followed by a verb is the subject ("@elonmusk bought
    Twitter"), and words in the first person are the handle's ("RT @realDonaldTrump: I won …" →
    "realDonaldTrump: I won …")."""
    speaker = None
    quoted = _QUOTED_POST.match(text)
    if quoted:
        text, speaker = quoted.group(1), quoted.group(2)
    rt = _RT.match(text)
    if rt and rt.end() < len(text):
        text, speaker = text[rt.end() :], rt.group(1) or speaker
    handles = _REPLY_HANDLES.match(text)
    if handles and handles.end() < len(text):
        rest = text[handles.end() :]
        names = re.findall(r"@(\w+)", handles.group())
        if (
            rest[:1].islower()
            and not handles.group().rstrip().endswith(":")
            and len(names) == 1
            and not _OWN_SENTENCE.match(rest)
        ):
            return f"{names[0]} {rest}"  # "@elonmusk bought Twitter": the handle is who did it
        text = rest
        if handles.group().rstrip().endswith(":") and len(names) == 1:
            speaker = names[0]  # "@realDonaldTrump: I won …"
    if speaker and _FIRST_PERSON.match(text):
        return f"{speaker}: {text}"
    return text


def _discord_markup(text: str) -> str:
    """The text a Discord message shows, without its markdown, and its server emoji as marks."""
    text = _QUOTE_OR_HEADING.sub("", text)
    text = _CODE.sub(lambda m: m.group(1) or m.group(2), text)
    text = _MASKED_LINK.sub(r"\1", text)
    for pattern in _PAIRED:
        text = pattern.sub(r"\1", text)
    text = _STRUCK.sub("", text)
    text = _CUSTOM_EMOJI.sub(_MARK, text)
    return _SHORTCODE.sub(
        lambda m: _MARK if emoji.emojize(m.group(), language="alias") != m.group() else m.group(), text
    )


def _spelled(m: re.Match[str]) -> str:
    word = m.group()
    if word.lower() == "bc" and re.search(r"\d\s*$", m.string[: m.start()]):
        return word  # "2500 bc" is a year
    if word.lower() in ("w", "u") and m.string[m.end() : m.end() + 1] == ".":
        return word  # an initial: "george w. bush"
    if word == "w":
        return "with"  # only as typed, in lower case: "W" is a letter, a name or a win
    if word in ("u", "ur"):
        return _CHAT_SPELLINGS[word]  # only in lower case: "U" and "UR" are letters or names
    if word.islower():
        return _CHAT_SPELLINGS.get(word, word)
    if word.lower() in _ABBREVIATIONS and word[:1].isupper() and word[1:].islower():
        spelled = _CHAT_SPELLINGS[word.lower()]  # "Justice Dept", "Pres Obama"
        return spelled[:1].upper() + spelled[1:]
    return word  # "Gonna" in a title, "BC", "DEPT": as written


def _scaled(m: re.Match[str]) -> str:
    if m.group(1):
        return f"{m.group(1)}{m.group(2)} {_SCALE_WORDS[m.group(3).lower()]}"
    return f"{m.group(4)} {_SCALE_WORDS[m.group(5).lower()]}"


def _hashtags(text: str, nlp: Any, lock: Any) -> str:
    """A closing run of hashtags is the post's topics ("… #Venezuela #news"): dropped, unless the
    sentence needs its first tag ("Clinton skipped the #ER", "his full #TaxReturns"). Other tags are
    words: '#' dropped, "#SierraClub" read as "Sierra Club"."""
    text = _RANK_TAG.sub(r"number \1", text)
    tokens = text.split()
    end = len(tokens)
    while end > 0 and _HASHTAG.fullmatch(tokens[end - 1].rstrip(".,!?")):
        end -= 1
    run = len(tokens)
    while 0 < end < run:
        if (
            tokens[end - 1] == "|"  # an emoji stood there: the tags are after the sentence
            or re.search(r"[.!?…:;,)\]]$", tokens[end - 1])
            or not _needs_object(" ".join(tokens[:end]), nlp, lock)
        ):
            break
        end += 1  # the tag finishes the sentence ("is at #record #lows": as long as one is needed)
    tokens = tokens[:end]

    def word(m: re.Match[str]) -> str:
        tag = m.group(1)
        if tag.isupper() or tag.islower():
            return tag
        parts = _CAMEL.split(tag)
        out = parts[0]
        for part in parts[1:]:
            out += part if out.split(" ")[-1] in _NAME_PREFIXES else " " + part
        return out

    return _HASHTAG.sub(word, " ".join(tokens))


def _needs_object(text: str, nlp: Any, lock: Any) -> bool:
    """Whether a text stops where a noun must follow ("… the", "… his full", "… night's")."""
    if nlp is None:
        words = _WORD.findall(text.lower())
        return bool(words) and words[-1] in _NEEDS_OBJECT
    doc = _parse(_HASHTAG.sub(r"\1", text.replace("|", " ")), nlp, lock)
    if len(doc) == 0:
        return False
    last = doc[-1]
    if last.lower_ == "all" and len(doc) > 1 and doc[-2].lower_ == "at":
        return False  # "at all"
    if last.tag_ in _OBJECT_TAGS or last.lower_ in _DEGREE or last.lower_ in ("n't", "n’t"):
        return True
    if _verb_lemma(last.lower_) in _INTRANSITIVE:
        return False
    # A verb with nothing after it wants its object ("wants to renegotiate #NAFTA", "has supported
    # #NATO"), unless it is passive ("Pérez was killed #Venezuela": the tag is a topic).
    return last.tag_ in _ACTIVE_VERB_TAGS or (
        last.tag_ == "VBN" and any(c.dep_ == "aux" and c.lower_ in ("has", "have", "had", "'ve") for c in last.children)
    )


def _parse(text: str, nlp: Any, lock: Any) -> Any:
    if lock is None:
        return nlp(text)
    with lock:
        return nlp(text)


def _shouted(text: str) -> str | None:
    """A post shouted whole, lowered (`truecase` puts the names back), or None. Words in capitals
    in a post otherwise in lower or mixed case stay: they are names ("POLITICO", "SITE", "AIDS") as
    often as shouting ("ONE", "EVER") in the team's claims, and the search and the stance model read
    case-folded text anyway."""
    words = _WORD.findall(text)
    letters = [c for w in words for c in w if c.isalpha()]
    if len(words) < 2 or not letters:
        return None
    upper = sum(c.isupper() for c in letters)
    if upper / len(letters) >= 0.8 and sum(w.isupper() and len(w) > 1 for w in words) >= 2:
        return text.lower()
    return None


# Words a headline in title case may leave in lower case ("Pérez Killed in the Assault").
_TITLE_SMALL = frozenset("a an the and but or nor for of in on at to by as up via vs from with into per".split())


def _title_cased(text: str) -> str | None:
    """A post in a headline's title case ("Were Five Members Of The Band Captured?"), lowered, or
    None. Every word after the first but the small ones is capitalised: "Trump met Kim Jong Un" is
    not a headline, and a post of names only loses nothing (`truecase` puts them back)."""
    words = [w for w in _WORD.findall(text) if w[:1].isalpha()]
    rest = [w for w in words[1:] if w[:1].isupper() or w.lower() not in _TITLE_SMALL]
    if len(words) < 3 or len(rest) < 2 or not all(w[:1].isupper() for w in rest):
        return None
    if words[0].lower() in ("will", "can", "may", "must"):
        return None  # "Will Smith Slap Chris Rock?": only the capitals tell a name from the auxiliary
    return text.lower()


def _statement(text: str, nlp: Any, lock: Any) -> str:
    """A yes/no question turned into the statement it asks about: "was Pérez killed" → "Pérez was
    killed", "did Clinton skip the ER" → "Clinton skipped the ER". Anything else (a question word,
    a negated auxiliary: "didn't he …" asks whether he did) keeps its words."""
    if _ALTERNATIVE.search(_FIXED_OR.sub(" ", text)):
        # "Did Russia or Ukraine attack first?", "Was Pérez killed or did he escape?" ask which:
        # neither side is the claim ("Russia orred Ukraine attack first" was read)
        return text
    if m := _ASKED_IF_REAL.fullmatch(text):
        # "Is the footage real?", "Is the bank run real?", "Was the shooting a hoax?": the parser
        # takes "real" for the subject or a noun for a verb ("The bank is run real", "The moon was
        # landing real")
        return f"{m['subject']} {m['be'].lower()} {m['predicate']}"
    return _parsed_statement(text, nlp, lock)


_ALTERNATIVE = re.compile(r"\bor\b", re.IGNORECASE)
# "or" inside what is asked, not between two things asked ("did Trump pay little or no tax"); a
# closing "or not?" is gone before (`_TAG_QUESTION`)
_FIXED_OR = re.compile(
    r"\b(?:little\s+or\s+no(?:thing)?|(?:one|two|three|\d+)\s+or\s+more|more\s+or\s+less|or\s+so"
    r"|sooner\s+or\s+later|whether\s+or\s+not)",
    re.IGNORECASE,
)


# A thing asked about, then whether it is real: what the parse gets wrong most in such questions
# ("Was the moon landing real?" was read "The moon was landing real").
_ASKED_IF_REAL = re.compile(
    r"(?P<be>is|was|are|were)\s+(?P<subject>(?!there\b)[^,;:\s][^,;:]{0,60}?)\s+"
    r"(?P<predicate>(?:(?:a|an)\s+)?(?:real|fake|true|false|genuine|authentic|legit|legitimate|accurate|"
    r"staged|fabricated|doctored|hoax|lie|fraud|scam))",
    re.IGNORECASE,
)


def _parsed_statement(text: str, nlp: Any, lock: Any) -> str:
    first = text.split(" ", 1)[0].lower()
    if first not in _AUXILIARIES:
        return text
    # Parsed as a question: capitalised and with its mark, as spaCy's model learnt questions.
    doc = _parse(text[:1].upper() + text[1:] + "?", nlp, lock)
    aux = doc[0]
    if len(doc) > 1 and doc[1].lower_ in ("n't", "not", "n’t"):
        return text
    if text[:1].isupper() and first in ("will", "can", "may", "must") and doc[1].text[:1].isupper():
        # "Will Ferrell died?", "Can Dündar was sentenced?": a name, when a verb of its own follows
        if any(t.tag_ in ("VBD", "VBZ", "VBP") for t in doc[2:]):
            return text
    verb = aux.head if aux.dep_ in ("aux", "auxpass") else aux
    if verb is aux:
        # "Were five members of the band captured?", "Was the police chief fired?", "Is the mayor
        # being investigated?", "Is the suspect still being held?": the parser hangs the participle
        # on the auxiliary, with the subject its own
        verb = next(
            (
                c
                for c in aux.children
                if (
                    c.dep_ in ("ccomp", "acomp")
                    and c.tag_ in ("VBN", "VBD")
                    and any(g.dep_ in ("nsubj", "nsubjpass") for g in c.lefts)
                )
                # not "was the pilot drunk when he crashed": a clause of its own, with its subject
                or (c.dep_ == "advcl" and c.tag_ == "VBN" and any(g.dep_ == "nsubjpass" for g in c.lefts))
            ),
            aux,
        )
    # the verb form the auxiliary asks for (the tagger confuses VB / VBP and VBD / VBN, not more)
    if first in _MODALS and verb is not aux and verb.tag_ in ("VBD", "VBZ") and _verb_lemma(verb.lower_) != verb.lower_:
        return text  # "Will Ferrell died?" ("let" is its own past)
    if first in _BE and verb is not aux and verb.tag_ in ("VB", "VBP", "VBZ"):
        return text  # "was the bridge collapse a terror attack": "collapse" is a noun the parser took for a verb
    subject = next((t for t in verb.children if t.dep_ in ("nsubj", "nsubjpass", "expl")), None)
    if subject is None and verb is aux and first in _BE:
        # "Were 5 people killed in the attack?", "Are face masks required?": the subject parsed as
        # the copula's attribute, its participle as a clause of it
        subject = next(
            (
                t
                for t in aux.children
                if t.dep_ == "attr" and any(c.dep_ == "acl" and c.tag_ in ("VBN", "VBG") for c in t.children)
            ),
            None,
        )
    if subject is None:
        return _named_statement(doc, first, text)
    span = sorted(t.i for t in subject.subtree)
    start, end = span[0], span[-1] + 1
    last = doc[end - 1]
    if verb is aux and last.tag_ == "JJ" and last.dep_ == "amod" and last.head.i < last.i:
        # "Is the water safe to drink?": an adjective after its noun is the predicate ("The water
        # safe is to drink" was read)
        end -= 1
    if start != 1:
        return text
    if end >= len(doc) - 1 and verb is aux:
        # "are UN peacekeepers in Mali often targeted by …": the parser hangs the participle on the
        # subject; the statement puts the auxiliary before it.
        participle = next((t for t in subject.children if t.dep_ == "acl" and t.tag_ in ("VBN", "VBG")), None)
        if participle is None:
            return text
        end = min(t.i for t in participle.subtree)
    if end >= len(doc) - 1:
        return text
    if verb is aux and doc[end].tag_ in ("NN", "NNS", "VB", "VBP") and doc[end - 1].tag_ in ("NN", "NNP", "NNS"):
        # "Was the bridge collapse a terror attack?": the parser ended the subject inside a compound
        return text
    subj = doc[start:end].text
    if subj.lower() in ("you", "u", "we", "i", "y'all") and verb.lower_ in _ABOUT_THE_READER:
        return text  # "did you hear about Pérez?" asks the reader, it claims nothing
    # without the "?" added above, nor the question's "really" ("did X really say …": did X say)
    rest = [
        t for t in doc[end : len(doc) - 1] if not (t.i == end and (t.lower_ in _ASKING_ADVERBS or t.lower_ == "ever"))
    ]
    # "did anyone die?", "did the police shoot anyone?" ask whether someone did, or was
    subj = _SOMEONE.get(subj.lower(), subj)
    if first in _DO_TAGS and rest and rest[0].lower_ == "not":
        # "did Pérez not attend …?": the negation stays with its auxiliary
        tail = "".join(t.text + t.whitespace_ for t in rest)
        return f"{subj} {aux.text.lower()} {tail}".strip()
    if first in _DO_TAGS and verb.tag_ == "VBN":
        # "did Pérez get killed": the bare verb is the passive's "get"
        verb = next((t for t in rest if t.tag_ == "VB"), verb)
    if first in _DO_TAGS:
        # "did X (really) skip": the bare verb takes the auxiliary's tense (the parser may tag it
        # otherwise: "does the mayor back the plan" has "back" as IN)
        if verb is aux or verb.i < end or verb.tag_ in ("VBD", "VBN", "VBZ", "VBG", "MD"):
            return text
        forms = _inflected(verb.text.lower(), _DO_TAGS[first])
        if not forms:
            return text
        tail = "".join((forms[0] if t.i == verb.i else _SOMEONE.get(t.lower_, t.text)) + t.whitespace_ for t in rest)
        return f"{subj} {tail}".strip()
    tail = "".join(_SOMEONE.get(t.lower_, t.text) + t.whitespace_ for t in rest)
    return f"{subj} {aux.text.lower()} {tail}".strip()


def _verb_lemma(word: str) -> str:
    """ "resigned" → "resign"; the word itself where lemminflect knows no verb of that form."""
    import_spacy_without_torch()
    from lemminflect import getLemma

    lemmas = getLemma(word, upos="VERB")
    return str(lemmas[0]) if lemmas else word


def _inflected(verb: str, tag: str) -> tuple[str, ...]:
    """The verb's forms for a Penn tag ("skip", VBD → ("skipped",)); () for a word lemminflect does
    not know as a verb."""
    # lemminflect imports spaCy, which would import torch (250 MiB) unless spaCy is in first
    import_spacy_without_torch()
    from lemminflect import getInflection

    return tuple(getInflection(verb, tag=tag) or ())


def _named_statement(doc: Any, first: str, text: str) -> str:
    """ "Did Maduro vow to meet Pérez …", which the parser reads with "vow" as a noun: a name right
    after "did" / "does" / "do" and a word English has as a verb are subject and verb. "Is Taylor
    Swift pregnant?", which it reads as a compound noun: a name right after "is" / "was" … and what
    follows it are subject and predicate."""
    if first not in _DO_TAGS and first not in _BE:
        return text
    end = 1
    while end < len(doc) - 1 and doc[end].tag_ in ("NNP", "NNPS"):
        end += 1
    if end == 1 or end >= len(doc) - 1:
        return text
    if doc[end].tag_ in ("CC", "IN", "DT", "TO", "PRP", "RB", "CD", "POS", "HYPH", ","):
        return text  # "Did Russia or Ukraine …": no verb where the names end
    if first in _BE:
        # one word, or an adjective or participle first: "Is Apple stock a buy?" is no name's predicate
        one_word = end == len(doc) - 2
        if doc[end].text[:1].isupper() or not (one_word or doc[end].tag_ in ("JJ", "VBN", "VBG")):
            return text
        tail = "".join(t.text + t.whitespace_ for t in doc[end : len(doc) - 1])
        return f"{doc[1:end].text} {doc[0].text.lower()} {tail}".strip()
    forms = _inflected(doc[end].lower_, _DO_TAGS[first])
    if not forms or doc[end].text[:1].isupper():
        return text
    tail = "".join((forms[0] if t.i == end else t.text) + t.whitespace_ for t in doc[end : len(doc) - 1])
    return f"{doc[1:end].text} {tail}".strip()


def truecase(reading: ClaimReading, passages: Iterable[str]) -> str:
    """The claim with the case of its lowered words taken from the passages found for it: "pérez
    was killed" → "Pérez was killed", "clinton skipped the er" → "Clinton skipped the ER". A word
    takes the form the passages write it in most often away from a sentence's start; a word they
    do not have keeps its case; the first word is capitalised."""
    text = reading.claim
    if not reading.lowered:
        return text
    forms: dict[str, Counter[str]] = {}
    for passage in passages:
        for m in _WORD.finditer(passage):
            w = m.group()
            if m.start() == 0 or re.search(r"[.!?“\"]\s*$", passage[: m.start()]):
                continue  # a sentence's first word is capitalised whatever it is
            if w.endswith(".") and "." not in w[:-1]:
                w = w[:-1]  # "… in Venezuela.": the sentence's full stop, not the name's
            forms.setdefault(_folded(w), Counter())[w] += 1

    def cased(m: re.Match[str]) -> str:
        w = m.group()
        seen = forms.get(_folded(w))
        if not seen or w != w.lower():
            return w
        return seen.most_common(1)[0][0]

    text = _WORD.sub(cased, text)
    return text[:1].upper() + text[1:]


def _folded(word: str) -> str:
    """A word in lower case without its accents: a typed "perez" and a shouted "PEREZ" are the
    passages' "Pérez"."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))
