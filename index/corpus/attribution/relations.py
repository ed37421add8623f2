"""Relations: the cue verbs of the parsed sentences with their source and content (pass 2), the
patterns that need no parse (pass 3), and the relation that decides each sentence."""

from __future__ import annotations

import bisect
from typing import Any

from claimbot.index.corpus.attribution.lexicon import (
    _COLON_SPEAKER,
    _DASH_CREDIT,
    _MEDIA,
    _NOT_SPEAKER_FIRST,
    _NOT_SPEAKER_WORDS,
    _NOT_SPEAKERS,
    _NP_PREPS,
    _PLATFORMS,
    CUE_LEMMAS,
    NP_CUES,
    PRONOUNS,
    QUOTE_ONLY_CUES,
    STRONG_CUES,
    WEAK_CUES,
    _lemma,
)
from claimbot.index.corpus.attribution.names import _anonymous_name, _clean, _is_anonymous, _NameState
from claimbot.index.corpus.attribution.quotes import _Quote
from claimbot.index.corpus.attribution.spans import Span, _Mention, _Rel
from claimbot.index.records import Sentence


class _ArticleState(_NameState):
    """One article while it is attributed: its quotes (`_QuoteState`), its names and speakers
    (`_NameState`) and, here, the relations its cues make."""

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
        self.relations_of: dict[str, str] = {}  # a relative's name -> "Sotloff's mother"
        self.extra_rels: list[_Rel] = []  # second quotes of one cue ("“A,” he said, “B.”")
        self.history: list[_Rel] = []  # verb relations in text order, for the medium of "he said"
        self.first_pass = sorted(docs)
        for i in self.first_pass:
            self._learn_names(i, docs[i])
        self._collect_mentions()

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
        if ccomp is None and lemma in STRONG_CUES:
            # "Officials denied reports that the bank had raised rates": the clause hangs on the
            # noun it reports, not on the cue (the sentence was read in the outlet's own voice)
            noun = next((c for c in tok.children if c.dep_ == "dobj" and c.lower_ in _REPORTED_NOUNS), None)
            if noun is not None:
                ccomp = next(
                    (
                        c
                        for c in noun.children
                        if c.dep_ in ("acl", "ccomp")
                        and any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children)
                    ),
                    None,
                )
        subj_span = _contiguous_subtree(subj, tok)
        s_lo, s_hi = base + subj_span[0].idx, base + subj_span[-1].idx + len(subj_span[-1].text)
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
        elif rel.speaker and subj.lower_ in PRONOUNS and rel.speaker in self.relations_of:
            rel.description = self.relations_of[rel.speaker]
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


# What a cue can deny, confirm or repeat that carries its own "that" clause ("denied reports that …").
_REPORTED_NOUNS = frozenset(
    "report reports claim claims allegation allegations rumor rumors rumour rumours suggestion suggestions "
    "accusation accusations speculation assertion assertions charge charges".split()
)


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


def _phrase(tok: Any) -> str:
    words = list(tok.subtree)
    return _clean("".join(t.text_with_ws for t in words)).strip(" ,—–")


def _medium(tok: Any) -> str | None:
    for c in tok.children:
        if c.dep_ != "prep" or c.lower_ not in ("in", "on", "at", "via", "during", "through"):
            continue
        for g in c.subtree:
            m = _MEDIA.get(g.lower_)
            if m and g.pos_ in ("NOUN", "PROPN"):
                return m
    return None
