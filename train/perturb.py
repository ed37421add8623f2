"""Synthetic news-domain pairs: perturbations of real sentences (negation, antonyms, numbers and
dates, swapped actors) and the attribution, hedge and denial templates around them.

`synth_pairs` makes the pool's synthetic pairs (`train/stance_data.py`); the addition scripts
(`train/stance_hedged.py`, `train/stance_news.py`) reuse the perturbations and templates.
"""

from __future__ import annotations

import collections
import random
import re
from collections.abc import Callable, Sequence

from train.pairs import Pair, make_pair
from train.text import STOPWORDS, n_words, norm_key

# A perturbation: (changed text, its kind), or (None, None) when it does not apply.
Perturbed = tuple[str | None, str | None]
Perturbation = Callable[[str, random.Random], Perturbed]

ANTONYMS = [
    ("killed", "survived"),
    ("captured", "escaped"),
    ("won", "lost"),
    ("rose", "fell"),
    ("increased", "decreased"),
    ("confirmed", "denied"),
    ("arrested", "released"),
    ("alive", "dead"),
    ("increase", "decrease"),
    ("higher", "lower"),
    ("more", "fewer"),
    ("approved", "rejected"),
    ("accepted", "rejected"),
    ("opened", "closed"),
    ("allowed", "banned"),
    ("resigned", "was reappointed"),
    ("guilty", "innocent"),
    ("acquitted", "convicted"),
    ("success", "failure"),
    ("successful", "unsuccessful"),
    ("rising", "falling"),
    ("increasing", "decreasing"),
    ("gained", "lost"),
    ("raised", "lowered"),
    ("supported", "opposed"),
    ("supports", "opposes"),
    ("first", "last"),
    ("before", "after"),
    ("largest", "smallest"),
    ("highest", "lowest"),
    ("positive", "negative"),
    ("effective", "ineffective"),
    ("safe", "unsafe"),
    ("legal", "illegal"),
    ("true", "false"),
    ("agreed", "refused"),
    ("began", "ended"),
    ("started", "stopped"),
    ("married", "divorced"),
    ("hired", "fired"),
    ("born", "died"),
    ("male", "female"),
    ("men", "women"),
    ("north", "south"),
    ("east", "west"),
    ("reduced", "increased"),
    ("reduces", "increases"),
    ("lower", "higher"),
    ("present", "absent"),
    ("included", "excluded"),
    ("accepted", "declined"),
    ("injured", "unharmed"),
    ("expanded", "shrank"),
    ("boosted", "cut"),
    ("defeated", "lost to"),
    ("entered", "left"),
    ("joined", "left"),
    ("launched", "cancelled"),
    ("passed", "failed"),
    ("victory", "defeat"),
]
ANT: dict[str, str] = {}
for a, b in ANTONYMS:
    ANT.setdefault(a, b)
    ANT.setdefault(b, a)

AUX = [
    "is",
    "was",
    "are",
    "were",
    "has",
    "have",
    "had",
    "will",
    "can",
    "could",
    "would",
    "should",
    "may",
    "might",
    "must",
    "does",
    "did",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
SPEAKERS = [
    "Officials",
    "Police",
    "The ministry",
    "A spokesman",
    "The government",
    "Witnesses",
    "The company",
    "Local media",
    "The agency",
    "Researchers",
    "A senior official",
    "Reuters",
    "The Associated Press",
    "State television",
    "Authorities",
    "The report",
]
CUES = ["said", "reported", "announced", "told reporters", "confirmed", "stated", "wrote"]
HEDGE_NEUTRAL = [
    "It was not clear whether {x}.",
    "It is unconfirmed that {x}.",
    "It remained unclear if {x}.",
    "There were unconfirmed reports that {x}.",
    "{S} could not confirm whether {x}.",
    "It is not known whether {x}.",
    "Some reports suggested that {x}, but this could not be independently verified.",
    "{S} said it was investigating whether {x}.",
    "It is unclear whether {x}.",
    "Rumours that {x} could not be verified.",
]
HEDGE_REFUTE = [
    "{S} denied reports that {x}.",
    "{S} rejected claims that {x}.",
    "Reports that {x} turned out to be false.",
    "{S} dismissed rumours that {x}.",
    "Claims that {x} are false, {s} said.",
]
ATTRIB_SUPPORT = [
    "{S} {c} that {x}.",
    "According to {s}, {x}.",
    "{x}, {s} {c}.",
    '"{X}," {s} said.',
    '{S} said: "{X}."',
    "{S} confirmed that {x}.",
    "{S} {c}, citing a source, that {x}.",
]

_NEG = re.compile(r"\b(is|was|are|were|has|have|had|will|can|could|would|should|does|did|do)\s+(not|never)\s+", re.I)
_NT = re.compile(
    r"\b(isn't|wasn't|aren't|weren't|hasn't|haven't|hadn't|won't|can't|couldn't|wouldn't|"
    r"shouldn't|doesn't|didn't|don't)\b",
    re.I,
)
_NT_MAP = {
    "isn't": "is",
    "wasn't": "was",
    "aren't": "are",
    "weren't": "were",
    "hasn't": "has",
    "haven't": "have",
    "hadn't": "had",
    "won't": "will",
    "can't": "can",
    "couldn't": "could",
    "wouldn't": "would",
    "shouldn't": "should",
    "doesn't": "does",
    "didn't": "did",
    "don't": "do",
}
_NUM = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w])")
_CAP = re.compile(r"\b([A-Z][a-z]+(?:\s+[A-Z][a-z]+)*)\b")


_LOWER_VOCAB: set[str] = set()


def lower_first(s: str) -> str:
    """Lower-case the first word when it is a common word (seen lower-case mid-sentence)."""
    if len(s) > 1 and s[0].isupper() and not s[1].isupper() and s.split()[0] != "I":
        first = re.sub(r"\W+$", "", s.split()[0])
        if first.lower() in STOPWORDS or first.lower() in _LOWER_VOCAB:
            return s[0].lower() + s[1:]
    return s


def clause(sent: str) -> str:
    return sent.strip().rstrip(".!?;:").strip()


def drop_conjunction(s: str) -> str:
    """A sentence cut out to stand alone, or put after "but"/"that", loses its leading "But"/"And"."""
    return re.sub(r"^(?:But|And|Yet|So)\s+", "", s)


def perturb_negation(s: str, rng: random.Random) -> Perturbed:
    m = _NEG.search(s)
    if m:
        return s[: m.start()] + m.group(1) + " " + s[m.end() :], "neg-remove"
    m = _NT.search(s)
    if m:
        w = m.group(1)
        rep = _NT_MAP[w.lower()]
        if w[0].isupper():
            rep = rep.capitalize()
        return s[: m.start()] + rep + s[m.end() :], "neg-remove"
    cands = [m for m in re.finditer(r"\b(" + "|".join(AUX) + r")\b\s+(?!not\b|never\b)", s)]
    if cands:
        m = rng.choice(cands)
        return s[: m.end(1)] + " not" + s[m.end(1) :], "neg-insert"
    return None, None


def perturb_antonym(s: str, rng: random.Random) -> Perturbed:
    toks = list(re.finditer(r"\b[A-Za-z]+\b", s))
    cands = [t for t in toks if t.group(0).lower() in ANT]
    if not cands:
        return None, None
    t = rng.choice(cands)
    rep = ANT[t.group(0).lower()]
    if t.group(0)[0].isupper():
        rep = rep.capitalize()
    return s[: t.start()] + rep + s[t.end() :], "antonym"


def perturb_number(s: str, rng: random.Random) -> Perturbed:
    months = [m for m in re.finditer(r"\b(" + "|".join(MONTHS) + r")\b", s)]
    nums = list(_NUM.finditer(s))
    if not nums and not months:
        return None, None
    if months and (not nums or rng.random() < 0.25):
        m = rng.choice(months)
        new = rng.choice([x for x in MONTHS if x != m.group(0)])
        return s[: m.start()] + new + s[m.end() :], "date"
    m = rng.choice(nums)
    raw = m.group(0)
    v = float(raw.replace(",", ""))
    if raw.isdigit() and 1900 <= v <= 2030 and len(raw) == 4:
        new = str(int(v) + rng.choice([-7, -4, -3, -2, 2, 3, 5, 9]))
        kind = "year"
    else:
        newv: float
        if v == 0:
            newv = rng.choice([3, 7, 12])
        else:
            newv = v * rng.choice([0.2, 0.3, 0.5, 2, 3, 4, 10])
            if abs(newv - v) < 1:
                newv = v + rng.choice([2, 5, 10])
        if "." in raw and "," not in raw:
            new = f"{newv:.{len(raw.split('.')[1])}f}"
        else:
            new = f"{int(round(newv)):,}" if "," in raw else str(int(round(newv)))
        if new == raw:
            return None, None
        kind = "number"
    return s[: m.start()] + new + s[m.end() :], kind


def perturb_swap(s: str, rng: random.Random) -> Perturbed:
    ents = []
    for m in _CAP.finditer(s):
        if m.start() == 0 and m.group(0).split()[0].lower() in STOPWORDS:
            continue
        if m.group(0) in MONTHS or m.group(0).lower() in STOPWORDS:
            continue
        ents.append(m)
    names: dict[str, re.Match[str]] = {}
    for m in ents:
        names.setdefault(m.group(0), m)
    if len(names) < 2:
        return None, None
    a, b = rng.sample(sorted(names), 2)
    ma, mb = names[a], names[b]
    if ma.start() > mb.start():
        ma, mb = mb, ma
    between = s[ma.end() : mb.start()]
    # need a verb-ish gap, not "A and B" / "A, B" (symmetric lists)
    if len(between.split()) < 1 or re.fullmatch(r"\s*(and|or|,|&|with|-)\s*", between) or len(between.split()) > 6:
        return None, None
    return s[: ma.start()] + mb.group(0) + between + ma.group(0) + s[mb.end() :], "swap"


def perturb(x: str, ops: Sequence[Perturbation], rng: random.Random) -> Perturbed:
    """The first of the perturbations, in a random order, that changes `x`: (text, kind)."""
    order = list(ops)
    rng.shuffle(order)
    for op in order:
        pert, kind = op(x, rng)
        if pert and norm_key(pert) != norm_key(x):
            return pert, kind
    return None, None


def fill(tpl: str, x: str, rng: random.Random) -> str:
    S = rng.choice(SPEAKERS)
    s_low = (
        S
        if S[0].isupper()
        and S.split()[0]
        not in ("The", "A", "Officials", "Police", "Witnesses", "Authorities", "Researchers", "Local", "State")
        else S[0].lower() + S[1:]
    )
    X = x[0].upper() + x[1:] if x else x
    return tpl.format(S=S, s=s_low, c=rng.choice(CUES), x=lower_first(x), X=X)


def synth_pairs(sentences: list[str], n_target: int, rng: random.Random) -> tuple[list[Pair], collections.Counter[str]]:
    """News-domain supports / refutes / neutral pairs from perturbed real sentences."""
    pool: list[str] = []
    seen = set()
    for s in sentences:
        s = re.sub(r"\s+", " ", s).strip()
        if not (6 <= n_words(s) <= 35) or '"' in s or "“" in s or s.endswith("?"):
            continue
        k = norm_key(s)
        if k in seen:
            continue
        seen.add(k)
        pool.append(s)
    for s in pool:
        for w in s.split()[1:]:
            if w.isalpha() and w.islower():
                _LOWER_VOCAB.add(w)
    rng.shuffle(pool)
    out: list[Pair] = []
    kinds: collections.Counter[str] = collections.Counter()
    for s in pool:
        if len(out) >= n_target:
            break
        x = clause(s)
        grp = "syn:" + norm_key(s)[:200]
        # one perturbation family per source sentence (rotate), plus attribution / hedge variants
        pert, kind = perturb(x, [perturb_antonym, perturb_number, perturb_negation, perturb_swap], rng)
        r = rng.random()
        if pert:
            # refutes: perturbed claim vs original sentence (plain or attributed evidence)
            ev = s if rng.random() < 0.6 else fill(rng.choice(ATTRIB_SUPPORT), x, rng)
            out.append(make_pair(pert + ".", ev, "refutes", "synthetic", grp))
            kinds[f"refutes:{kind}"] += 1
        if r < 0.45:
            # supports: original claim vs attributed / quoted version of itself
            out.append(make_pair(x + ".", fill(rng.choice(ATTRIB_SUPPORT), x, rng), "supports", "synthetic", grp))
            kinds["supports:attrib"] += 1
        elif r < 0.60:
            # supports: first clause of the sentence vs full sentence
            parts = re.split(r",\s+(?:and|but|while|which|who|after|as)\s+|;\s+", x)
            if len(parts) > 1 and n_words(parts[0]) >= 5:
                out.append(make_pair(parts[0] + ".", s, "supports", "synthetic", grp))
                kinds["supports:clause"] += 1
        if rng.random() < 0.45:
            # hedge: the evidence does not commit -> neutral (for the claim and its perturbation)
            ev = fill(rng.choice(HEDGE_NEUTRAL), x, rng)
            claim = x + "." if (not pert or rng.random() < 0.6) else pert + "."
            out.append(make_pair(claim, ev, "neutral", "synthetic", grp))
            kinds["neutral:hedge"] += 1
        elif rng.random() < 0.35:
            ev = fill(rng.choice(HEDGE_REFUTE), x, rng)
            out.append(make_pair(x + ".", ev, "refutes", "synthetic", grp))
            kinds["refutes:denial"] += 1
    return out, kinds
