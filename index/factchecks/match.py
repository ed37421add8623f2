"""Checkable details that must agree before a claim counts as the claim a fact-checker rated.

Sentence embeddings place "The stadium cost 2 million" and "The stadium cost 20 million" side by
side (on the team's pairs, near misses score as high as paraphrases: docs/factchecks.md), so a
similar claim is a candidate only; it matches when its numbers, months, names and negation agree
with the claim reviewed. The rules read any language written in the Latin alphabet: digits and
names survive translation, and the negation and month words cover the languages the pairs hold.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

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


def _amounts(text: str) -> list[set[float]]:
    """Each amount in the text as the values it may stand for; ordinals ("4th") are not amounts."""
    folded = _fold(text.lower())
    found: list[set[float]] = []
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
        found.append({value * 10**e for e in scale} if scale else {value})
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


def disagreement(claim: str, reviewed: str) -> str | None:
    """What the two claims disagree on ("numbers", "months", "names", "negation"), or None."""
    # Every amount the claim states must be one the reviewed claim states (it may leave some out).
    a, b = _amounts(claim), _amounts(reviewed)
    stated = set().union(*b) if b else set()
    if a and b and any(not (alternatives & stated) for alternatives in a):
        return "numbers"
    ma, mb = _months(claim), _months(reviewed)
    if ma and mb and ma != mb:
        return "months"
    na, nb = _names(claim), _names(reviewed)
    if any(not _covered(n, nb, reviewed) for n in na):
        return "names"
    if _negations(claim) % 2 != _negations(reviewed) % 2:
        return "negation"
    return None
