"""Checkable details that must agree before a claim counts as the claim a fact-checker rated.

Sentence embeddings place "The stadium cost 2 million" and "The stadium cost 20 million" side by
side (on the team's pairs, near misses score as high as paraphrases: docs/factchecks.md), so a
similar claim is a candidate only; it matches when its checkable details agree with the claim
reviewed: amounts and their bounds ("more than" / "fewer than"), months, names, negation, durations,
countries, cities (index/factchecks/places.py), acronyms, and the two ways to state the opposite
without a negation word (an antonym, "raises" for "lowers"; or the two sides swapped, "Australia beat
India" for "India beat Australia"). The rules read any language
written in the Latin alphabet: digits and names survive translation, and the word lists
(index/factchecks/lexicon.py) cover the languages the pairs hold.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata

from babel import Locale

from claimbot.index.factchecks import lexicon, places

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
_NEGATIONS = {
    # en
    "not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot",
    "isn't", "wasn't", "aren't", "weren't", "didn't", "doesn't", "don't", "won't", "hasn't", "haven't",
    "hadn't", "can't", "couldn't", "shouldn't", "wouldn't",
    # es, pt, fr, de
    "nunca", "jamas", "nadie", "nada", "ningun", "ninguna", "ninguno", "sin",
    "nao", "nenhum", "nenhuma", "ninguem",
    "ne", "pas", "jamais", "aucun", "aucune", "personne", "rien",
    "nicht", "nie", "kein", "keine", "keinen", "niemand", "nichts", "ohne",
}  # fmt: skip
_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
    "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "juin": 6, "juillet": 7, "aout": 8,
    "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
    "janeiro": 1, "fevereiro": 2, "marco": 3, "maio": 5, "junho": 6, "julho": 7, "setembro": 9,
    "outubro": 10, "dezembro": 12,
    "januar": 1, "februar": 2, "marz": 3, "juni": 6, "juli": 7, "oktober": 10, "dezember": 12,
}  # fmt: skip
# Scale words and suffixes: "2 million", "2M" and "2,000,000" are one amount; "mil" is a thousand in
# Spanish and a million in English slang ("5 mil"), so it stands for either.
_SCALES: dict[str, tuple[int, ...]] = {
    "k": (3,), "thousand": (3,), "m": (6,), "mn": (6,), "million": (6,), "millions": (6,), "millon": (6,),
    "millones": (6,), "millions.": (6,), "b": (9,), "bn": (9,), "billion": (9,), "billions": (9,),
    "trillion": (12,), "mil": (3, 6),
}  # fmt: skip
_ORDINAL = re.compile(r"(?:st|nd|rd|th|º|ª|e|er|eme)\b")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _amounts(text: str) -> list[frozenset[float]]:
    """Each amount in the text as the values it may stand for; ordinals ("4th") are not amounts."""
    return [values for _, values in _amounts_at(text)]


def _bounds(text: str) -> dict[float, int]:
    """Amounts stated as bounds: value -> 1 ("more than 25,000", "más de 25.000") or -1 ("fewer
    than"); a value stated both ways, or after a negation ("no more than"), is left out."""
    folded = _fold(text.lower())
    sides: dict[float, set[int]] = {}
    previous = 0
    for start, values in _amounts_at(text):
        # the words right before the amount, back to the previous amount at most
        words = re.findall(r"[^\W\d_]+", folded[previous:start])[-3:]
        previous = start
        side = 0
        for marker_side, markers in ((1, lexicon.AT_LEAST), (-1, lexicon.AT_MOST)):
            for marker in markers:
                n = len(marker.split())
                if words[-n:] == marker.split() and not (set(words[:-n]) & _NEGATIONS):
                    side = marker_side
        for value in values:
            sides.setdefault(value, set()).add(side)
    return {value: next(iter(s)) for value, s in sides.items() if len(s) == 1 and 0 not in s}


@functools.lru_cache(maxsize=4096)
def _amounts_at(text: str) -> list[tuple[int, frozenset[float]]]:
    """Each amount with where it starts in the text."""
    folded = _fold(text.lower())
    found: list[tuple[int, frozenset[float]]] = []
    for m in _NUMBER.finditer(folded):
        raw = m.group()
        if _ORDINAL.match(folded, m.end()):
            continue
        # "2,000,000" and "2.000.000" group thousands; "1,5" and "1.5" are decimals
        if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
            value = float(re.sub(r"[.,]", "", raw))
        elif re.fullmatch(r"\d+(?:[.,]\d+)?", raw):
            value = float(raw.replace(",", "."))
        else:
            # "1,234.56", "12.03.2020": mixed or repeated separators; compared as written
            value = float(re.sub(r"\D", "", raw))
        following = folded[m.end() : m.end() + 12].split() or [""]
        suffix = re.match(r"[a-z]+", folded[m.end() :])
        scale = _SCALES.get(suffix.group()) if suffix else None
        scale = scale or _SCALES.get(following[0].strip(".,;:!?"))
        found.append((m.start(), frozenset({value * 10**e for e in scale} if scale else {value})))
    return found


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _names(text: str) -> set[str]:
    """Capitalised words not opening the text or a sentence: people, places, organisations."""
    names: set[str] = set()
    words = list(_WORD.finditer(text))
    for i, m in enumerate(words):
        word = m.group()
        before = text[: m.start()].rstrip()
        opens = i == 0 or before.endswith((".", "!", "?", ":", "¿", "¡", "\n", '"', "“"))
        if word[0].isupper() and not opens and len(word) > 2 and not word.isupper():
            names.add(_fold(word.lower()))
    return names


def _negations(text: str) -> int:
    return sum(_fold(w.lower()) in _NEGATIONS for w in _words(text))


def _months(text: str) -> set[int]:
    return {_MONTHS[w] for w in (_fold(w.lower()) for w in _words(text)) if w in _MONTHS}


def _covered(name: str, other: set[str], other_text: str) -> bool:
    """The name occurs in the other claim, spelt alike ("Kenya" / "Kenia") or as a plain word."""
    if name in _fold(other_text.lower()):
        return True
    return any(difflib.SequenceMatcher(None, name, o).ratio() >= 0.75 for o in other)


@functools.lru_cache(maxsize=4096)
def _plain(text: str) -> tuple[str, ...]:
    """The words, lower case, without accents or a possessive "'s"."""
    return tuple(re.sub(r"['’]s$", "", _fold(w.lower())) for w in _words(text))


def _shouted(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) > 0.6 * len(letters)


@functools.lru_cache(maxsize=4096)
def _durations(text: str) -> frozenset[float]:
    """The durations stated with a number, in days: "six WEEK ceasefire" -> {42}; not ages."""
    words = re.findall(r"\d+(?:[.,]\d+)?|[^\W\d_]+", _fold(text.lower()))
    found = set()
    for i, (number, unit) in enumerate(zip(words, words[1:], strict=False)):
        if unit not in lexicon.DURATIONS or words[i + 2 : i + 3] == ["old"]:  # "a 3-year-old"
            continue
        if number[0].isdigit():
            found.add(float(number.replace(",", ".")) * lexicon.DURATIONS[unit])
        elif number in lexicon.NUMBER_WORDS:
            found.add(lexicon.NUMBER_WORDS[number] * lexicon.DURATIONS[unit])
    return frozenset(found)


def _same_span(a: frozenset[float], b: frozenset[float]) -> bool:
    """ "12 months" is "one year" and "48 hours" is "two days" (within a tenth)."""
    return any(abs(x - y) <= 0.1 * max(x, y) for x in a for y in b)


@functools.cache
def _country_names() -> tuple[dict[tuple[str, ...], tuple[str | None, bool]], int]:
    """Country names (CLDR, in the five languages) as word tuples -> (ISO code, an English name);
    regions and ambiguous names -> (None, True): read, so that "Latin America" is not "America"."""
    names: dict[tuple[str, ...], tuple[str | None, bool]] = {}
    for locale in ("en", "es", "pt", "fr", "de"):
        for code, name in Locale(locale).territories.items():
            country = code if len(code) == 2 and code.isalpha() and code not in {"EU", "EZ", "UN", "QO", "ZZ"} else None
            names.setdefault(_plain(name), (country, locale == "en"))
    names.update({tuple(alias.split()): (code, True) for alias, code in lexicon.COUNTRY_ALIASES.items()})
    names.update({tuple(region.split()): (None, True) for region in lexicon.REGIONS})
    names.update({(word,): (None, True) for word in lexicon.NOT_COUNTRIES})
    names.pop((), None)
    return names, max(len(key) for key in names)


@functools.lru_cache(maxsize=4096)
def _countries(text: str) -> frozenset[str]:
    names, longest = _country_names()
    tokens = _words(text)
    plain = _plain(text)
    found: set[str] = set()
    i = 0
    while i < len(plain):
        for n in range(min(longest, len(plain) - i), 0, -1):
            key = plain[i : i + n]
            if key not in names:
                continue
            code, english = names[key]
            if n == 1 and not _country_word(tokens, i, english and key[0] not in lexicon.COUNTRY_WORDS):
                continue
            if code is not None:
                found.add(code)
            i += n
            break
        else:
            i += 1
    # "us" is a pronoun; "US" and "U.S." are the country, unless the whole post is in capitals.
    if re.search(r"\bU\.?S\.?A?\b", text) and not _shouted(text):
        found.add("US")
    return frozenset(found)


def _country_word(tokens: list[str], i: int, english: bool) -> bool:
    """Whether one word that names a country stands for it here. English names do in any case
    (posts write "canada"); another language's, and words like "turkey", only capitalised and not
    before another capitalised word ("gana" is "wins", "Mauricio Macri" a man)."""
    if english:
        return True
    capitalised = tokens[i][0].isupper()
    before_a_name = i + 1 < len(tokens) and tokens[i + 1][0].isupper() and not tokens[i + 1].isupper()
    return capitalised and not before_a_name


@functools.lru_cache(maxsize=4096)
def _acronyms(text: str) -> frozenset[str]:
    """Words of two to five capitals, as one language writes them ("OMS" -> "who"); none in a post
    written in capitals, where they are shouting."""
    if _shouted(text):
        return frozenset()
    found = {a.lower() for a in re.findall(r"\b[A-Z][A-Z&]{1,4}\b", text)}
    return frozenset(lexicon.ACRONYMS.get(a, a) for a in found)


@functools.lru_cache(maxsize=4096)
def _initials(text: str) -> frozenset[str]:
    """What runs of capitalised words abbreviate to: "National Health Service" -> "nhs"."""
    found: set[str] = set()
    run: list[str] = []
    for word in [*_words(text), "."]:
        if word[0].isupper():
            run.append(word[0].lower())
        elif word.lower() in {"of", "and", "for", "the", "de", "la", "del"}:
            continue
        else:
            # acronyms have at most five letters
            found.update("".join(run[i:j]) for i in range(len(run)) for j in range(i + 2, min(len(run), i + 5) + 1))
            run = []
    return frozenset(found)


def _unstated_acronyms(text: str, other: str) -> set[str]:
    plain_other = _plain(other)
    spelled = _initials(other)
    other_acronyms = {"".join(sorted(a)) for a in _acronyms(other)}
    return {
        a
        for a in _acronyms(text) - lexicon.SHOUTED
        # stated in the other claim, also as the start of a word ("KILL" / "killed")
        if not any(w == a or (len(a) >= 4 and w.startswith(a)) for w in plain_other)
        and a not in spelled
        # "ADN" is "DNA" and "VPH" is "HPV" where adjectives follow the noun
        and "".join(sorted(a)) not in other_acronyms
    }


@functools.lru_cache(maxsize=4096)
def _sides(words: tuple[str, ...]) -> tuple[int, ...]:
    """Which side of each pair of opposites the words take: 0, 1, or -1 for neither or both."""
    taken = set(words)
    for i, word in enumerate(words):
        # "lifted the ban", "repealed its smoking ban": the ban is undone
        if word in lexicon.UNDOING and any(w in lexicon.BANNING for w in words[i + 1 : i + 8]):
            taken = (taken - lexicon.BANNING) | lexicon.LIFTING
    sides = []
    for first, second in lexicon.OPPOSITES:
        a, b = bool(taken & first), bool(taken & second)
        sides.append(0 if a and not b else 1 if b and not a else -1)
    return tuple(sides)


def _antonym(claim: str, reviewed: str) -> bool:
    return any(
        a >= 0 and b >= 0 and a != b for a, b in zip(_sides(_plain(claim)), _sides(_plain(reviewed)), strict=True)
    )


_COMPARATIVES = frozenset("more less fewer greater higher lower bigger smaller larger better worse".split())


def _than(words: tuple[str, ...]) -> tuple[set[str], str] | None:
    """What comes before "than" (its comparative included), and the first content word after it."""
    if "than" not in words:
        return None
    i = words.index("than")
    skip = {"the", "a", "an", "do", "does", "did", "in", "of", "it", "they", "he", "she", "we", "its", "their"}
    after = [w for w in words[i + 1 : i + 4] if w not in skip]
    return (set(words[:i]), after[0]) if after else None


def _swapped(claim: str, reviewed: str) -> bool:
    """The two sides of a relation in the other order: "B beat A" for "A beat B"."""
    c, r = _plain(claim), _plain(reviewed)
    tc, tr = _than(c), _than(r)
    # "pays more than they receive" / "receives less than they pay" swap the sides and the comparative
    same_comparison = tc and tr and tc[0] & _COMPARATIVES == tr[0] & _COMPARATIVES
    if tc and tr and same_comparison and tc[1] != tr[1] and tc[1] in tr[0] and tr[1] in tc[0]:
        return True
    # the claim reviewed's names, the first word too, found again in the claim
    names = list(dict.fromkeys(w for w, t in zip(r, _words(reviewed), strict=True) if t[0].isupper() and len(w) > 2))
    where_r = {n: r.index(n) for n in names}
    where_c = {n: next((i for i, w in enumerate(c) if _alike(w, n)), -1) for n in names}
    shared = [n for n in names if where_c[n] >= 0]
    for i, a in enumerate(shared):
        for b in shared[i + 1 :]:
            if (where_r[a] < where_r[b]) == (where_c[a] < where_c[b]):
                continue
            between_r = set(r[min(where_r[a], where_r[b]) + 1 : max(where_r[a], where_r[b])])
            between_c = set(c[min(where_c[a], where_c[b]) + 1 : max(where_c[a], where_c[b])])
            # "Google got fined in India" is passive: its order is not the relation's
            if all(
                w & lexicon.RELATIONS and not w & (lexicon.SPEECH | lexicon.PASSIVE) for w in (between_r, between_c)
            ):
                return True
    return False


def _alike(word: str, name: str) -> bool:
    return word == name or (len(name) > 3 and difflib.SequenceMatcher(None, word, name).ratio() >= 0.8)


def disagreement(claim: str, reviewed: str) -> str | None:
    """What the two claims disagree on ("numbers", "months", "names", "negation", "durations",
    "countries", "places", "opposite", "sides"), or None."""
    # Every amount the claim states must be one the reviewed claim states (it may leave some out).
    a, b = _amounts(claim), _amounts(reviewed)
    stated = set().union(*b) if b else set()
    if a and b and any(not (alternatives & stated) for alternatives in a):
        return "numbers"
    ba, bb = _bounds(claim), _bounds(reviewed)
    if any(bb.get(value, side) != side for value, side in ba.items()):
        return "numbers"
    ma, mb = _months(claim), _months(reviewed)
    if ma and mb and ma != mb:
        return "months"
    na, nb = _names(claim), _names(reviewed)
    if any(not _covered(n, nb, reviewed) for n in na):
        return "names"
    if _negations(claim) % 2 != _negations(reviewed) % 2:
        return "negation"
    da, db = _durations(claim), _durations(reviewed)
    if da and db and not _same_span(da, db):
        return "durations"
    ca, cb = _countries(claim), _countries(reviewed)
    if ca and cb and not ca & cb:
        return "countries"
    pa, pb = places.cities(claim), places.cities(reviewed)
    if pa and pb and places.apart(pa, pb):
        return "places"
    # An organisation swapped for another ("ESA says ..." for "NASA announced ..."): acronyms are
    # left out of the names above, since posts shout in capitals.
    if _unstated_acronyms(claim, reviewed) and _unstated_acronyms(reviewed, claim):
        return "names"
    # An antonym and swapped sides undo each other: "France lost to Argentina" is "Argentina beat France".
    opposite, swapped = _antonym(claim, reviewed), _swapped(claim, reviewed)
    if opposite != swapped:
        return "opposite" if opposite else "sides"
    return None
