"""Training pairs where a hedge and a report share one sentence (issue 3, hedge scope).

The pool teaches "It was not clear whether X." as neutral and "Officials said that X." as
supporting X, but never both in one sentence. Read whole, "It was not clear whether Y, but
officials said that X" is neutral to every model trained so far: the hedge takes the whole
sentence (the news selection set of `train/stance_news.py`, kind `hedged`). The demo's CNN sentence
has that shape. This copies a pool and adds, from training sentences only, compound evidence with
a hedged statement Y and a reported statement X, each evidence paired three ways:

* X (the report) → ``supports``;
* Y (the hedged statement) → ``neutral``;
* X perturbed (negation, antonym, number, swapped actors) → ``refutes``.

The same evidence with three claims makes the model find which clause the claim is about instead of
reacting to the hedge word. Dev pairs are copied unchanged.

`--drop-reported-neutral` also drops the training pairs that teach the opposite of the product's
reading of a report: FNC-1 "discuss" pairs (mapped to neutral) whose evidence attributes the
headline's content to a source ("According to the SITE Intel Group, ISIS has executed …" against
"Journalist Steven Sotloff reportedly executed by ISIS"). The synthetic pairs call such a sentence
supporting; about 1,100 FNC pairs call it neutral.

    python -m train.stance_hedged --pool RUN/pool-decorated.jsonl --out RUN/pool-cues.jsonl --n 6000 \
        --drop-reported-neutral --news-cues 3500      # the pool of cont4 (docs/stance-model.md)
"""

from __future__ import annotations

import argparse
import collections
import random
import re
from pathlib import Path

from train.pairs import Pair, make_pair, read_pairs, write_jsonl
from train.perturb import (
    CUES,
    SPEAKERS,
    clause,
    drop_conjunction,
    perturb,
    perturb_antonym,
    perturb_negation,
    perturb_number,
    perturb_swap,
)
from train.text import content_tokens, n_words

HEDGES = [
    "it was not clear whether {y}",
    "it remained unclear if {y}",
    "it is not known whether {y}",
    "it could not be confirmed that {y}",
    "there were unconfirmed reports that {y}",
]
# The pool's attribution templates use seven cues ("said", "reported", "announced", …). News reports
# with any other verb ("Mike Pence says …", "Trump is warning voters that …") drifted towards
# `refutes` in every continuation, the way the denial templates ("denied reports that …") read:
# a general list of reporting verbs, so that the cue word is not what decides.
NEWS_CUES = [
    "says",
    "said",
    "warned",
    "warns",
    "argued",
    "argues",
    "insisted",
    "stressed",
    "noted",
    "added",
    "claimed",
    "claims",
    "believes",
    "thinks",
    "acknowledged",
    "explained",
    "told CNN",
    "told the newspaper",
    "testified",
    "tweeted",
    "wrote in a statement",
    "maintains",
    "alleged",
    "suggested",
    "estimated",
    "found",
    "concluded",
    "recalled",
    "emphasized",
    "pointed out",
    "is warning voters",
    "made the case",
    "agreed",
    "asserted",
    "contends",
    "reiterated",
    "admitted",
    "revealed",
    "disclosed",
    "predicted",
    "observed",
    "remarked",
]
_NAME = re.compile(r"\b([A-Z][a-z]+ [A-Z][a-z]+)\b")

_REPORTING = re.compile(r"\b(?:said|says|reported|reports|according to|told|claimed|claims|announced)\b", re.I)

# {h}: a hedge clause, {r}: a report clause.
FORMS = ["{H}, but {r}.", "{R}, but {h}.", "{H}; {r}.", "While {h}, {r}.", "{R}, although {h}."]


_COMMON_START = {
    "It",
    "He",
    "She",
    "They",
    "We",
    "There",
    "This",
    "That",
    "These",
    "Those",
    "His",
    "Her",
    "Their",
    "Its",
    "Some",
    "Many",
    "Most",
    "All",
    "One",
    "No",
    "A",
    "An",
    "The",
    "In",
    "On",
    "At",
    "Officials",
    "Police",
    "Witnesses",
    "Authorities",
    "Researchers",
    "Local",
    "State",
}


def mid_sentence(s: str) -> str:
    """A statement or speaker as it reads after "but" or "that": common first words lose their capital
    ("It’s", "The ministry"), names keep it ("Reuters", "Sejong")."""
    first = re.split(r"[^\w]", s, maxsplit=1)[0]
    return s[0].lower() + s[1:] if first in _COMMON_START else s


def report(x: str, rng: random.Random, names: list[str] | None = None, cues: list[str] | None = None) -> str:
    """ "<speaker> <cue> that x" or "according to <speaker>, x"; speakers are the templates' or, given
    `names`, half the time a person or organisation named in another training sentence."""
    speaker = rng.choice(names) if names and rng.random() < 0.5 else mid_sentence(rng.choice(SPEAKERS))
    if rng.random() < 0.3:
        return f"according to {speaker}, {x}"
    return f"{speaker} {rng.choice(cues or CUES)} that {x}"


def compound(x: str, y: str, rng: random.Random, names: list[str] | None = None, cues: list[str] | None = None) -> str:
    h = rng.choice(HEDGES).format(y=mid_sentence(y))
    r = report(mid_sentence(x), rng, names, cues)
    return rng.choice(FORMS).format(H=h[0].upper() + h[1:], h=h, R=r[0].upper() + r[1:], r=r)


def report_pairs(
    claims: list[tuple[str, str]], n: int, rng: random.Random, names: list[str], cues: list[str]
) -> list[Pair]:
    """One-clause reports with varied cues and speakers: the report supports its statement, and
    refutes the statement perturbed."""
    out: list[Pair] = []
    for x, gx in rng.sample(claims, min(n, len(claims))):
        r = report(mid_sentence(x), rng, names, cues)
        evidence = r[0].upper() + r[1:] + "."
        group = "report:" + gx
        out.append(make_pair(x + ".", evidence, "supports", "news-report", group))
        pert, _ = perturb(x, [perturb_antonym, perturb_number, perturb_negation, perturb_swap], rng)
        if pert:
            out.append(make_pair(pert + ".", evidence, "refutes", "news-report", group))
    return out


def hedged_pairs(
    claims: list[tuple[str, str]],
    n: int,
    rng: random.Random,
    names: list[str] | None = None,
    cues: list[str] | None = None,
) -> list[Pair]:
    """`claims`: (statement without final period, group) from training pairs."""
    out: list[Pair] = []
    for _ in range(n):
        (x, gx), (y, gy) = rng.sample(claims, 2)
        if gx == gy:
            continue
        evidence = compound(x, y, rng, names, cues)
        group = "hedged:" + gx
        out.append(make_pair(x + ".", evidence, "supports", "hedged-report", group))
        out.append(make_pair(y + ".", evidence, "neutral", "hedged-report", group))
        pert, _ = perturb(x, [perturb_antonym, perturb_number, perturb_negation, perturb_swap], rng)
        if pert:
            out.append(make_pair(pert + ".", evidence, "refutes", "hedged-report", group))
    return out


def reports_its_claim(row: Pair) -> bool:
    """An FNC-1 neutral ("discuss") pair whose evidence attributes nearly all of the claim's content."""
    if not (row["source"].startswith("fnc") and row["label"] == "neutral" and _REPORTING.search(row["evidence"])):
        return False
    claim = content_tokens(row["claim"])
    return bool(claim) and len(claim & content_tokens(row["evidence"])) >= 0.8 * len(claim)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pool", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--n", type=int, default=6000, help="compound sentences to add (up to three pairs each)")
    ap.add_argument(
        "--drop-reported-neutral",
        action="store_true",
        help="drop FNC-1 discuss (neutral) training pairs whose evidence reports the claim",
    )
    ap.add_argument(
        "--news-cues",
        type=int,
        default=0,
        metavar="N",
        help="also add N one-clause reports, and give every report a cue from a general list of "
        "reporting verbs and half of them a speaker named in the training sentences",
    )
    ap.add_argument("--seed", type=int, default=37)
    a = ap.parse_args(argv)
    if not a.pool.is_file():
        ap.error(f"no pool at {a.pool} (python -m train.stance_data writes one)")
    rows = read_pairs(a.pool)
    dropped = 0
    if a.drop_reported_neutral:
        kept = [r for r in rows if r["split"] != "train" or not reports_its_claim(r)]
        dropped, rows = len(rows) - len(kept), kept
    # Statements of the synthetic news pairs: real news sentences, training split only.
    claims = sorted(
        {
            (drop_conjunction(clause(r["claim"])), r["group"])
            for r in rows
            if r["split"] == "train"
            and r["source"] == "synthetic"
            and r["label"] == "supports"
            and 6 <= n_words(r["claim"]) <= 25
            and '"' not in r["claim"]
        }
    )
    rng = random.Random(a.seed)
    names: list[str] | None = None
    cues: list[str] | None = None
    if a.news_cues:
        names = sorted({m for c, _ in claims for m in _NAME.findall(c)})
        cues = NEWS_CUES
    added = hedged_pairs(claims, a.n, rng, names, cues)
    if names is not None and cues is not None:
        added += report_pairs(claims, a.news_cues, rng, names, cues)
    counts = collections.Counter(r["label"] for r in added)
    write_jsonl(a.out, rows + [{**r, "split": "train"} for r in added])
    print(f"{len(claims)} statements; added {len(added)} pairs {dict(counts)}; dropped {dropped} -> {a.out}")


if __name__ == "__main__":
    main()
