"""Speaker names and pronouns: the names an article uses (full names, genders, mentions), the
speaker a cue's subject names, and `_PronounResolver` for "he said" (pass 5)."""

from __future__ import annotations

import re
from typing import Any

from claimbot.index.corpus.attribution.entities import _name_entities
from claimbot.index.corpus.attribution.lexicon import (
    _ANONYMOUS,
    _ANONYMOUS_PHRASES,
    _FEMALE_NAMES,
    _FEMALE_WORDS,
    _GROUP_NOUNS,
    _MALE_NAMES,
    _MALE_WORDS,
    _ORG_WORDS,
    _POSSESSIVE,
    HONORIFICS,
    PRONOUNS,
    RELATIVE_PRONOUNS,
    TITLES,
)
from claimbot.index.corpus.attribution.quotes import _QuoteState
from claimbot.index.corpus.attribution.spans import Span, _Mention

# A run of marks ("=====", a wall of quotes or emoji) is split off one mark at a time by spaCy's
# tokenizer, in time quadratic in the run: "He said " + "=" * 8000 held the shared pipeline's lock
# for 20 s. The parser reads such a run as spaces (same length: offsets into the sentence hold).
_MARK_RUN = re.compile(r"[^\w\s]{9,}")


def _for_parser(sentence: str) -> str:
    """The sentence as spaCy parses it: runs of more than eight marks as spaces."""
    return _MARK_RUN.sub(lambda m: " " * len(m.group()), sentence)


class _NameState(_QuoteState):
    """The names of one article and the speakers its cues name."""

    nlp: Any
    docs: dict[int, Any]
    mentions: list[_Mention]
    mention_sentences: set[int]
    full_names: dict[str, str]
    genders: dict[str, str]
    relations_of: dict[str, str]
    first_pass: list[int]
    ner: Any  # the NER pipe `Attributor` sets, or None

    def _learn_names(self, i: int, doc: Any) -> None:
        for ent in doc.ents:
            if ent.label_ != "PERSON":
                continue
            tokens = [t for t in ent if t.pos_ == "PROPN" and (t.lower_ not in TITLES or _after_honorific(t))]
            if len(tokens) >= 2:
                full = " ".join(t.text for t in tokens)
                self.full_names.setdefault(_fold(tokens[-1].text), full)
            for t in ent:
                if t.lower_ in TITLES:
                    g = _word_gender(t.lower_)
                    if g and tokens:
                        self.genders.setdefault(_fold(tokens[-1].text), g)

    def doc(self, i: int) -> Any:
        """The parse of sentence i, parsing it now if the first pass skipped it."""
        if i not in self.docs:
            s = self.sentences[i]
            doc = self.nlp(_for_parser(self.shadow[s.char_start : s.char_end]))
            ner = getattr(self, "ner", None)
            if ner is not None:
                _name_entities(ner, [doc])
            self.docs[i] = doc
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
        if len(parts) >= 2 and parts[-2].endswith(("'s", "’s")):  # a relative: "Pérez's father"
            g = _word_gender(parts[-1].lower())
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
                g = _word_gender(title)
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
        for tok in doc:
            relative = self._relative_subject(tok)
            if relative is None or self._in_speech_quote(base + tok.idx):
                continue
            name, gender, relation = relative
            if name != relation:
                self.relations_of.setdefault(name, relation)  # shown as "Shirley (Sotloff's mother)"
            self.mentions.append(_Mention(name, i, base + tok.idx, "person", gender, False, True))

    def _relative_subject(self, tok: Any) -> tuple[str, str, str] | None:
        """A subject that is someone's relation ("Sotloff's mother, Shirley, pleaded …") as a person a
        later "she" may mean: (its appositive name, else the phrase; the relation word's gender; the
        phrase). Without it the sentence's only names are the possessor's, and "she said" went to
        Sotloff."""
        if tok.dep_ not in ("nsubj", "nsubjpass") or tok.pos_ != "NOUN":
            return None
        gender = _word_gender(tok.lower_)
        if gender is None or not any(c.dep_ == "poss" and c.pos_ == "PROPN" for c in tok.children):
            return None
        relation = _possessive_phrase(tok)
        named = next((c for c in tok.children if c.dep_ == "appos" and c.pos_ == "PROPN"), None)
        name = self.person_name(named) if named is not None else ""
        return name or relation, gender, relation

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
            if tokens[0].pos_ == "PROPN" and _after_honorific(tokens[0]):
                break
            tokens = tokens[1:]
        if not tokens:
            return "" if head.lower_ in TITLES else head.text
        return " ".join(t.text for t in tokens)

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
                return _possessive_phrase(t)
        return None

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

    def __init__(self, state: _NameState):
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


def _possessive_phrase(noun: Any) -> str:
    """ "Pérez's mother" out of "Pérez’s 54-year-old mother": the possessor, its "'s" and the noun."""
    words = [w for w in noun.subtree if w.dep_ in ("poss", "case") or w is noun]
    return _clean("".join(w.text_with_ws for w in words)).replace("’", "'").strip()


def _word_gender(word: str) -> str | None:
    """The gender a title, kinship or role word gives ("mrs." f, "father" m), else None."""
    return "f" if word in _FEMALE_WORDS else "m" if word in _MALE_WORDS else None


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
    words: list[Any] = []
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


def _after_honorific(token: Any) -> bool:
    """ "Mr. King" is Larry King, "Dr. Judge" a Dr. Judge: after an honorific comes a surname, also
    one that is a title elsewhere (their speaker was "", a bare title, and his name never learnt)."""
    return bool(token.i > 0 and token.doc[token.i - 1].lower_ in HONORIFICS)
