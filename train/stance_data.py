"""Build the training pool for claimbot's 3-way stance model.

Every pair is ``{"claim", "evidence", "label", "source", "group"}`` with label in
# Shared with the packaged product, so that training, the overlap filter and `claimbot eval
# stance` read the evaluation sets and undo PTB tokenisation the same way.
from claimbot.index.evaluation.stance import PTB, detok, eval_pairs, read_jsonl, read_zip_jsonl  # noqa: E402,F401

LABELS = ["supports", "refutes", "neutral"].  ``group`` keys the held-out dev
split (all pairs of one group go to the same side, so no claim leaks).

Data rules (see shared/data/README.md): training only on vitaminc, fnc-1,
covid-fact, nli-train/* except fever-triggers.  Every pair whose claim or
evidence (or any sentence of a multi-sentence evidence) also occurs in an
evaluation-only set is dropped; drops are counted per source.

Run:  python -m train.stance_data [--data-dir DIR] [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import collections
import csv
import hashlib
import json
import os
import random
import re
import sys
from pathlib import Path

# Shared with the packaged product, so that training, the overlap filter and `claimbot eval
# stance` read the evaluation sets and undo PTB tokenisation the same way.
from claimbot.index.evaluation.stance import PTB, detok, eval_pairs, read_jsonl, read_zip_jsonl  # noqa: E402,F401

LABELS = ["supports", "refutes", "neutral"]
DEFAULT_OUT = "/work/claimbot-runs/stance"
SEED = 13

csv.field_size_limit(sys.maxsize)


def default_data_dir() -> Path:
    env = os.environ.get("CLAIMBOT_DATA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "data"


# ---------------------------------------------------------------- text utils
_NONALNUM = re.compile(r"[\W_]+", re.UNICODE)


def norm_key(s: str) -> str:
    """Normalised key: lowercase, PTB brackets undone, punctuation and all
    whitespace removed (so tokenised 'Minogue 's' == "Minogue's")."""
    for a, b in PTB.items():
        s = s.replace(a, b)
    return _NONALNUM.sub("", s.lower())


_SENT_SPLIT = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"'“‘(]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    out = []
    for para in re.split(r"\n\s*\n|\n", text):
        para = para.strip()
        if not para:
            continue
        for s in _SENT_SPLIT.split(para):
            s = s.strip()
            if s:
                out.append(s)
    return out


_STOP = set(
    """a an the of to in on for and or but is are was were be been being by with at from as that this
these those it its he she they them his her their we our you your i me my not no yes do does did has have had
will would can could should may might must than then there here what which who whom whose when where why how
all any some more most such only own same so too very s t just also into over after before about up down out
said says say according new one two""".split()
)
_WORD = re.compile(r"[A-Za-z0-9]+")


def content_tokens(s: str) -> set[str]:
    return {w for w in (t.lower() for t in _WORD.findall(s)) if w not in _STOP and len(w) > 1}


def n_words(s: str) -> int:
    return len(s.split())


def clip_words(s: str, n: int) -> str:
    w = s.split()
    return s if len(w) <= n else " ".join(w[:n])


def stable_hash(s: str) -> int:
    return int(hashlib.md5(s.encode("utf-8")).hexdigest()[:12], 16)


# ---------------------------------------------------------------- readers
def read_csv(path: Path):
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        yield from csv.DictReader(f)


def eval_texts(data: Path) -> set[str]:
    """Normalised keys of every claim / evidence text (and each evidence sentence)
    of every evaluation-only set."""
    texts: list[str] = []
    for rows in eval_pairs(data).values():
        for r in rows:
            texts.append(r["claim"])
            texts.append(r["evidence"])
            texts.extend(split_sentences(r["evidence"]))
    for split in ("dev", "train"):
        for r in read_jsonl(data / "scifact" / f"claims_{split}.jsonl"):
            texts.append(r["claim"])
    for r in json.load(open(data / "averitec" / "dev.json", encoding="utf-8")):
        texts.append(r.get("claim") or "")
        texts.extend(split_sentences(r.get("justification") or ""))
        for q in r.get("questions") or []:
            texts.append(q.get("question") or "")
            for a in q.get("answers") or []:
                texts.append(a.get("answer") or "")
                texts.extend(split_sentences(a.get("answer") or ""))
    for fn in ("test2.jsonl", "val2.jsonl"):
        for r in read_jsonl(data / "liar-plus" / fn):
            texts.append(r.get("claim") or "")
            texts.extend(split_sentences(r.get("justification") or ""))
    keys = set()
    for t in texts:
        if t and len(t.split()) >= 3:  # ignore trivially short strings ("No.", "Yes")
            k = norm_key(t)
            if len(k) >= 12:
                keys.add(k)
    return keys


# ---------------------------------------------------------------- sources
def P(claim, evidence, label, source, group=None):
    return {
        "claim": claim,
        "evidence": evidence,
        "label": label,
        "source": source,
        "group": group or norm_key(claim)[:200],
    }


def load_vitaminc(data: Path):
    m = {"SUPPORTS": "supports", "REFUTES": "refutes", "NOT ENOUGH INFO": "neutral"}
    return list(read_zip_jsonl(data / "vitaminc" / "vitaminc_real.zip")), m


def src_vitaminc(data: Path, rng: random.Random):
    rows, m = load_vitaminc(data)
    pairs = [P(detok(r["claim"]), detok(r["evidence"]), m[r["label"]], "vitaminc", "vc:" + r["case_id"]) for r in rows]
    # on-topic neutral: claim vs an evidence sentence of another revision case on the same page
    by_page = collections.defaultdict(list)
    for r in rows:
        by_page[r["page"]].append(r)
    ontopic = []
    for page in sorted(by_page):
        rs = by_page[page]
        cases = sorted({r["case_id"] for r in rs})
        if len(cases) < 2:
            continue
        for r in rs:
            if rng.random() > 0.28:
                continue
            others = [o for o in rs if o["case_id"] != r["case_id"]]
            o = rng.choice(others)
            ct, ot = content_tokens(r["claim"]), content_tokens(o["evidence"])
            # skip if the other sentence repeats most of the claim: it may well decide it
            if ct and len(ct & ot) / len(ct) > 0.6:
                continue
            ontopic.append(
                P(detok(r["claim"]), detok(o["evidence"]), "neutral", "vitaminc-ontopic", "vc:" + r["case_id"])
            )
    return pairs, ontopic, rows


def src_vitaminc_synth(data: Path):
    m = {"SUPPORTS": "supports", "REFUTES": "refutes", "NOT ENOUGH INFO": "neutral"}
    return [
        P(detok(r["claim"]), detok(r["evidence"]), m[r["label"]], "vitaminc-synthetic", "vcs:" + r["case_id"])
        for r in read_zip_jsonl(data / "nli-train" / "vitaminc-synthetic" / "vitaminc_synthetic.zip")
    ]


def src_snli(data: Path):
    d = data / "nli-train" / "snli-dev-test"
    m = {"entailment": "supports", "contradiction": "refutes", "neutral": "neutral"}
    out = []
    for split in ("dev", "test"):
        s1 = open(d / f"s1.{split}", encoding="utf-8").read().splitlines()
        s2 = open(d / f"s2.{split}", encoding="utf-8").read().splitlines()
        lb = open(d / f"labels.{split}", encoding="utf-8").read().splitlines()
        for a, b, l in zip(s1, s2, lb):
            l = l.strip()
            if l in m:
                # group by premise: SNLI hypotheses of one premise stay together
                out.append(P(detok(b), detok(a), m[l], "snli", "snli:" + norm_key(a)[:200]))
    return out


def src_sick(data: Path):
    m = {"ENTAILMENT": "supports", "CONTRADICTION": "refutes", "NEUTRAL": "neutral"}
    out = []
    with open(data / "nli-train" / "sick" / "SICK.txt", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            out.append(
                P(
                    r["sentence_B"],
                    r["sentence_A"],
                    m[r["entailment_label"]],
                    "sick",
                    "sick:" + norm_key(r["sentence_A_original"] or r["sentence_A"])[:200],
                )
            )
    return out


def src_anli(data: Path):
    m = {"SUPPORTS": "supports", "REFUTES": "refutes", "NOT ENOUGH INFO": "neutral"}
    return [
        P(r["claim"], r["evidence"], m[r["label"]], "anli", "anli:" + norm_key(r["evidence"])[:200])
        for r in read_zip_jsonl(data / "nli-train" / "anli-test" / "anli.zip")
    ]


def src_healthver(data: Path):
    m = {"Supports": "supports", "Refutes": "refutes", "Neutral": "neutral"}
    out = []
    for fn in ("healthver_dev.csv", "healthver_test.csv"):
        for r in read_csv(data / "nli-train" / "healthver" / fn):
            l = (r.get("label") or "").strip()
            if l in m:
                out.append(P(r["claim"].strip(), r["evidence"].strip(), m[l], "healthver"))
    return out


def src_breaking(data: Path, rng: random.Random):
    m = {"entailment": "supports", "contradiction": "refutes", "neutral": "neutral"}
    rows = [
        r for r in read_zip_jsonl(data / "nli-train" / "breaking-nli" / "breaking_nli_dataset.zip", "dataset.jsonl")
    ]
    out = []
    for r in rows:
        l = m.get(r["gold_label"])
        if l is None:
            continue
        if l == "refutes" and rng.random() > 0.35:  # 7,164 contradictions: keep ~2,500
            continue
        out.append(P(r["sentence2"], r["sentence1"], l, "breaking-nli", "bnli:" + norm_key(r["sentence1"])[:200]))
    return out


def best_sentences(headline: str, sents: list[str], k: int) -> list[int]:
    ht = content_tokens(headline)
    scored = []
    for i, s in enumerate(sents):
        st = content_tokens(s)
        if not st or n_words(s) < 4:
            continue
        ov = len(ht & st)
        scored.append((ov / (len(ht) ** 0.5 + 1e-9) + ov / (len(st) ** 0.5 + 1e-9) * 0.2, -i, i))
    scored.sort(reverse=True)
    return [i for *_, i in scored[:k]]


def stance_pairs(stances, bodies, source, rng, unrelated_keep, ontopic_rate):
    """FNC-format stance pairs: headline vs the 1-3 most relevant body sentences."""
    m = {"agree": "supports", "disagree": "refutes", "discuss": "neutral", "unrelated": "neutral"}
    split_cache: dict[str, list[str]] = {}
    out, ontopic = [], []
    for r in stances:
        st = r["Stance"].strip()
        if st not in m:
            continue
        if st == "unrelated" and rng.random() > unrelated_keep:
            continue
        bid = r["Body ID"].strip()
        if bid not in bodies:
            continue
        if bid not in split_cache:
            split_cache[bid] = [s for s in split_sentences(bodies[bid]) if 4 <= n_words(s) <= 80]
        sents = split_cache[bid]
        if not sents:
            continue
        head = r["Headline"].strip().strip('"').strip()
        if not head:
            continue
        k = 1 + (stable_hash(head + bid) % 3)  # 1, 2 or 3 sentences
        idx = best_sentences(head, sents, k) if st != "unrelated" else [rng.randrange(len(sents))]
        if not idx:
            continue
        idx = sorted(idx)
        ev = " ".join(sents[i] for i in idx)
        ev = clip_words(ev, 90)
        src = source + ("-unrelated" if st == "unrelated" else "")
        out.append(P(head, ev, m[st], src, f"{source}:" + norm_key(head)[:200]))
        # on-topic neutral: a low-ranked sentence of the same article that shares a
        # topic word with the headline but is not among the most relevant ones
        if st in ("agree", "disagree", "discuss") and rng.random() < ontopic_rate and len(sents) >= 6:
            top = set(best_sentences(head, sents, 4))
            ht = content_tokens(head)
            cand = [
                i
                for i, s in enumerate(sents)
                if i not in top and 1 <= len(ht & content_tokens(s)) <= max(1, len(ht) // 4)
            ]
            if cand:
                i = rng.choice(cand)
                ontopic.append(P(head, sents[i], "neutral", source + "-ontopic", f"{source}:" + norm_key(head)[:200]))
    return out, ontopic, split_cache


def read_bodies(path: Path) -> dict[str, str]:
    """An FNC-1-style bodies file (FNC-1, ARC): body id -> article text."""
    return {r["Body ID"].strip(): r["articleBody"] for r in read_csv(path)}


def src_fnc(data: Path, rng: random.Random):
    d = data / "nli-train" / "fnc-1-train"
    bodies = read_bodies(d / "train_bodies.csv")
    stances = list(read_csv(d / "train_train_stances.csv")) + list(read_csv(d / "train_test_stances.csv"))
    a, a_on, a_cache = stance_pairs(stances, bodies, "fnc1-train", rng, 0.11, 0.3)
    d2 = data / "fnc-1"
    bodies2 = read_bodies(d2 / "competition_test_bodies.csv")
    b, b_on, b_cache = stance_pairs(
        list(read_csv(d2 / "competition_test_stances.csv")), bodies2, "fnc1-test", rng, 0.11, 0.3
    )
    news_sents = [s for c in (a_cache, b_cache) for ss in c.values() for s in ss]
    return a + b, a_on + b_on, news_sents


def src_arc(data: Path, rng: random.Random):
    d = data / "nli-train" / "arc"
    bodies = read_bodies(d / "arc_bodies.csv")
    stances = list(read_csv(d / "arc_stances_train.csv")) + list(read_csv(d / "arc_stances_test.csv"))
    a, _, _ = stance_pairs(stances, bodies, "arc", rng, 0.11, 0.0)
    return a


def src_covidfact(data: Path, rng: random.Random):
    m = {"SUPPORTED": "supports", "REFUTED": "refutes"}
    rows = list(read_jsonl(data / "covid-fact" / "COVIDFACT_dataset.jsonl"))
    out = []
    for r in rows:
        ev = " ".join(s.strip() for s in r["evidence"] if s.strip())
        ev = clip_words(ev, 90)
        if not ev or r["label"] not in m:
            continue
        out.append(P(r["claim"], ev, m[r["label"]], "covid-fact", "cf:" + (r.get("gold_source") or r["claim"])))
    # on-topic neutral: claim vs an evidence sentence retrieved for a *different*
    # original claim (different gold_source) that shares topic words with it
    by_src = collections.defaultdict(list)
    for r in rows:
        by_src[r.get("gold_source") or r["claim"]].append(r)
    inv = collections.defaultdict(set)
    srcs = sorted(by_src)
    sent_of = {}
    for si, s in enumerate(srcs):
        sents = sorted({e.strip() for r in by_src[s] for e in r["evidence"] if n_words(e) >= 6})
        sent_of[s] = sents
        for t in {t for e in sents for t in content_tokens(e)}:
            inv[t].add(si)
    ontopic = []
    for si, s in enumerate(srcs):
        if rng.random() > 0.45:
            continue
        r = by_src[s][0]
        ct = content_tokens(r["claim"]) - {"covid", "19", "sars", "cov", "coronavirus", "virus"}
        cnt = collections.Counter(j for t in sorted(ct) for j in inv.get(t, ()) if j != si)
        # sort explicitly: Counter tie order would follow str-hash-dependent set iteration
        cands = [j for j, c in sorted(cnt.items(), key=lambda jc: (-jc[1], jc[0]))[:8] if c >= 2]
        if not cands:
            continue
        j = rng.choice(cands)
        sents = sent_of[srcs[j]]
        if not sents:
            continue
        best = max(sents, key=lambda e: (len(ct & content_tokens(e)), e))
        if ct and len(ct & content_tokens(best)) / len(ct) > 0.6:
            continue
        ontopic.append(P(r["claim"], best, "neutral", "covid-fact-ontopic", "cf:" + s))
    sents = [e.strip() for r in rows if r["label"] == "SUPPORTED" for e in r["evidence"]]
    return out, ontopic, sents


# ---------------------------------------------------------------- synthetic perturbations
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
ANT = {}
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
        if first.lower() in _STOP or first.lower() in _LOWER_VOCAB:
            return s[0].lower() + s[1:]
    return s


def clause(sent: str) -> str:
    return sent.strip().rstrip(".!?;:").strip()


def drop_conjunction(s: str) -> str:
    """A sentence cut out to stand alone, or put after "but"/"that", loses its leading "But"/"And"."""
    return re.sub(r"^(?:But|And|Yet|So)\s+", "", s)


def perturb_negation(s: str, rng):
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


def perturb_antonym(s: str, rng):
    toks = list(re.finditer(r"\b[A-Za-z]+\b", s))
    cands = [t for t in toks if t.group(0).lower() in ANT]
    if not cands:
        return None, None
    t = rng.choice(cands)
    rep = ANT[t.group(0).lower()]
    if t.group(0)[0].isupper():
        rep = rep.capitalize()
    return s[: t.start()] + rep + s[t.end() :], "antonym"


def perturb_number(s: str, rng):
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


def perturb_swap(s: str, rng):
    ents = []
    for m in _CAP.finditer(s):
        if m.start() == 0 and m.group(0).split()[0].lower() in _STOP:
            continue
        if m.group(0) in MONTHS or m.group(0).lower() in _STOP:
            continue
        ents.append(m)
    names = {}
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


def perturb(x: str, ops: list, rng) -> tuple[str | None, str | None]:
    """The first of the perturbations, in a random order, that changes `x`: (text, kind)."""
    ops = ops[:]
    rng.shuffle(ops)
    for op in ops:
        pert, kind = op(x, rng)
        if pert and norm_key(pert) != norm_key(x):
            return pert, kind
    return None, None


def fill(tpl: str, x: str, rng) -> str:
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


def synth_pairs(sentences: list[str], n_target: int, rng: random.Random) -> list[dict]:
    """News-domain supports / refutes / neutral pairs from perturbed real sentences."""
    pool = []
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
    out = []
    kinds = collections.Counter()
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
            out.append(P(pert + ".", ev, "refutes", "synthetic", grp))
            kinds["refutes:" + kind] += 1
        if r < 0.45:
            # supports: original claim vs attributed / quoted version of itself
            out.append(P(x + ".", fill(rng.choice(ATTRIB_SUPPORT), x, rng), "supports", "synthetic", grp))
            kinds["supports:attrib"] += 1
        elif r < 0.60:
            # supports: first clause of the sentence vs full sentence
            parts = re.split(r",\s+(?:and|but|while|which|who|after|as)\s+|;\s+", x)
            if len(parts) > 1 and n_words(parts[0]) >= 5:
                out.append(P(parts[0] + ".", s, "supports", "synthetic", grp))
                kinds["supports:clause"] += 1
        if rng.random() < 0.45:
            # hedge: the evidence does not commit -> neutral (for the claim and its perturbation)
            ev = fill(rng.choice(HEDGE_NEUTRAL), x, rng)
            claim = x + "." if (not pert or rng.random() < 0.6) else pert + "."
            out.append(P(claim, ev, "neutral", "synthetic", grp))
            kinds["neutral:hedge"] += 1
        elif rng.random() < 0.35:
            ev = fill(rng.choice(HEDGE_REFUTE), x, rng)
            out.append(P(x + ".", ev, "refutes", "synthetic", grp))
            kinds["refutes:denial"] += 1
    return out, kinds


# ---------------------------------------------------------------- build
def build_pool(data: Path, log=print) -> tuple[list[dict], dict]:
    rng = random.Random(SEED)
    log(f"data dir: {data}")
    ev_keys = eval_texts(data)
    log(f"eval-only texts (normalised keys): {len(ev_keys)}")

    parts: dict[str, list[dict]] = {}
    vc, vc_on, _vc_rows = src_vitaminc(data, random.Random(SEED + 1))
    parts["vitaminc"] = vc
    parts["vitaminc-ontopic"] = vc_on
    parts["vitaminc-synthetic"] = src_vitaminc_synth(data)
    parts["snli"] = src_snli(data)
    parts["sick"] = src_sick(data)
    parts["anli"] = src_anli(data)
    parts["healthver"] = src_healthver(data)
    parts["breaking-nli"] = src_breaking(data, random.Random(SEED + 2))
    fnc, fnc_on, news_sents = src_fnc(data, random.Random(SEED + 3))
    for p in fnc + fnc_on:
        parts.setdefault(p["source"], []).append(p)
    for p in src_arc(data, random.Random(SEED + 4)):
        parts.setdefault(p["source"], []).append(p)
    cf, cf_on, cf_sents = src_covidfact(data, random.Random(SEED + 5))
    parts["covid-fact"] = cf
    parts["covid-fact-ontopic"] = cf_on

    stats = {"raw": {}, "dropped_eval_overlap": {}, "dropped_dupes": {}}

    def overlaps(p):
        if norm_key(p["claim"]) in ev_keys or norm_key(p["evidence"]) in ev_keys:
            return True
        sents = split_sentences(p["evidence"])
        return len(sents) > 1 and any(norm_key(s) in ev_keys for s in sents)

    pool = []
    seen = set()
    for name in sorted(parts):
        kept = []
        drop = dup = 0
        for p in parts[name]:
            p["claim"] = clip_words(p["claim"].strip(), 60)
            p["evidence"] = p["evidence"].strip()
            if not p["claim"] or not p["evidence"]:
                continue
            if overlaps(p):
                drop += 1
                continue
            k = (norm_key(p["claim"]), norm_key(p["evidence"]))
            if k in seen:
                dup += 1
                continue
            seen.add(k)
            kept.append(p)
        stats["raw"][name] = len(parts[name])
        stats["dropped_eval_overlap"][name] = drop
        stats["dropped_dupes"][name] = dup
        pool.extend(kept)

    # synthetic news-domain perturbations: sentences from clean FNC bodies, covid-fact and
    # vitaminc evidence (only from pairs that survived the eval-overlap filter)
    vc_sents = [p["evidence"] for p in pool if p["source"] == "vitaminc" and p["label"] == "supports"]
    clean = lambda ss: [s for s in ss if norm_key(s) not in ev_keys]
    srng = random.Random(SEED + 6)
    news = clean(news_sents)
    srng.shuffle(news)
    cfs = clean(cf_sents)
    srng.shuffle(cfs)
    vcs = clean(vc_sents)
    srng.shuffle(vcs)
    n_total = len(pool)
    n_syn = int(n_total * 0.13 / 0.87)
    syn_all, kinds = [], collections.Counter()
    for ss, share in ((news, 0.6), (cfs, 0.15), (vcs, 0.25)):
        s_pairs, k = synth_pairs(ss, int(n_syn * share), srng)
        syn_all += s_pairs
        kinds.update(k)
    drop = dup = 0
    for p in syn_all:
        if overlaps(p):
            drop += 1
            continue
        k = (norm_key(p["claim"]), norm_key(p["evidence"]))
        if k in seen:
            dup += 1
            continue
        seen.add(k)
        pool.append(p)
    stats["raw"]["synthetic"] = len(syn_all)
    stats["dropped_eval_overlap"]["synthetic"] = drop
    stats["dropped_dupes"]["synthetic"] = dup
    stats["synthetic_kinds"] = dict(sorted(kinds.items()))

    # held-out dev slice, by group (no claim leaks), ~4% of groups, stratified by source
    for p in pool:
        p["split"] = "dev" if stable_hash("dev|" + p["source"] + "|" + p["group"]) % 1000 < 40 else "train"
    # guarantee no claim text on both sides: dev pairs whose claim also occurs in train go to train
    train_claims = {norm_key(p["claim"]) for p in pool if p["split"] == "train"}
    moved = 0
    for p in pool:
        if p["split"] == "dev" and norm_key(p["claim"]) in train_claims:
            p["split"] = "train"
            moved += 1
    stats["moved_to_train_for_claim_leak"] = moved

    counts = collections.defaultdict(lambda: collections.Counter())
    for p in pool:
        counts[p["source"]][p["label"]] += 1
        counts["TOTAL-" + p["split"]][p["label"]] += 1
    stats["counts"] = {k: dict(v) for k, v in sorted(counts.items())}
    return pool, stats


def format_stats(stats: dict) -> str:
    lines = [
        f"{'source':28s} {'raw':>7s} {'evdrop':>7s} {'dupes':>6s} {'supports':>9s} {'refutes':>8s} "
        f"{'neutral':>8s} {'total':>7s}"
    ]
    for name, c in stats["counts"].items():
        raw = stats["raw"].get(name, "")
        dr = stats["dropped_eval_overlap"].get(name, "")
        du = stats["dropped_dupes"].get(name, "")
        tot = sum(c.values())
        lines.append(
            f"{name:28s} {raw!s:>7s} {dr!s:>7s} {du!s:>6s} {c.get('supports', 0):9d} "
            f"{c.get('refutes', 0):8d} {c.get('neutral', 0):8d} {tot:7d}"
        )
    lines.append("synthetic kinds: " + json.dumps(stats.get("synthetic_kinds", {})))
    lines.append(f"dev pairs moved to train (claim also in train): {stats.get('moved_to_train_for_claim_leak')}")
    return "\n".join(lines)


def pool_path(out_dir: Path) -> Path:
    return out_dir / "pool.jsonl"


def write_jsonl(path: Path, rows) -> None:
    """Write rows as JSON lines through a temporary file, so that a run stopped halfway leaves no
    truncated file that a later run would take for a complete one."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_or_build(data: Path, out_dir: Path, rebuild: bool = False, log=print) -> list[dict]:
    out_dir.mkdir(parents=True, exist_ok=True)
    pp = pool_path(out_dir)
    if pp.exists() and not rebuild:
        log(f"loading cached pool {pp}")
        return list(read_jsonl(pp))
    pool, stats = build_pool(data, log)
    write_jsonl(pp, pool)
    with open(out_dir / "pool_stats.json", "w") as f:
        json.dump(stats, f, indent=1)
    txt = format_stats(stats)
    (out_dir / "pool_stats.txt").write_text(txt + "\n")
    log(txt)
    return pool


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--out-dir", type=Path, default=Path(DEFAULT_OUT))
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--show", type=int, default=0, help="print N random synthetic pairs")
    a = ap.parse_args(argv)
    pool = load_or_build(a.data_dir, a.out_dir, a.rebuild)
    print(f"pool: {len(pool)} pairs -> {pool_path(a.out_dir)}")
    if a.show:
        rng = random.Random(0)
        for p in rng.sample([p for p in pool if p["source"].endswith(("synthetic", "ontopic"))], a.show):
            print(json.dumps(p, ensure_ascii=False))


if __name__ == "__main__":
    main()
