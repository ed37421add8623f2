"""Measure the relevance floor: how similar (cosine of the packaged MiniLM embeddings) a passage must
be to the claim to be shown and judged at all (CLAIMBOT_RELEVANCE_FLOOR).

    python bench/bench_relevance_floor.py [--off-corpus 400] [--seed 13]

Training-allowed data only (CLAIMBOT_DATA_DIR): the team's real-news pairs of the `dev` split and
FNC-1 bodies' `train` claims; never the test split or an evaluation-only set.
- An index of the PolNeAR `dev/` articles that the dev pairs were written on (real ingest: sentences,
  attribution, embeddings), searched with the floor off.
- On corpus: every dev claim whose gold sentence takes a side (supports / refutes). Where the gold
  sentence is among the passages the stance model would read (CLAIMBOT_STANCE_CANDIDATES), its
  similarity is recorded: a floor above it would hide the evidence.
- Off corpus: claims written on FNC-1 articles (2014-15 rumours; the index is 2016 US politics), so
  nothing in the index bears on them; every passage they retrieve is filler. A few share people or
  topics with the index, so the filler share is an upper bound.
- Demo: claims about nothing in the demo corpus, against the demo article.

Rule, written before the first run: the floor is the highest multiple of 0.05 that keeps at least
97 % of the retrieved gold supports / refutes sentences. The script prints, for each candidate
floor, that share, the share of off-corpus claims still shown at least one passage, and the mean
number of passages they are shown.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from claimbot.index.config import Settings  # noqa: E402
from claimbot.index.corpus import SourceOptions, read_inputs  # noqa: E402
from claimbot.index.evaluation import NewsSource, load_pairs, read_articles, same_sentence  # noqa: E402
from claimbot.index.records import ArticleInput  # noqa: E402
from claimbot.index.service import ClaimIndex  # noqa: E402

DEMO = Path(__file__).resolve().parents[1] / "examples" / "corpus"
FLOORS = [round(0.05 * i, 2) for i in range(0, 13)]
KEEP_GOLD = 0.97
DEMO_OFF = [
    "The moon landing was faked",
    "The Eiffel Tower is made of chocolate",
    "Bitcoin rose above 100,000 dollars in March",
    "Vaccines cause autism",
    "The Lakers won the NBA title",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--off-corpus", type=int, default=400, help="FNC-1 train claims to sample")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    base = Settings()
    data = base.data_dir
    if not (data / "polnear" / "dev").is_dir():
        sys.exit(f"error: the training-allowed data is not under CLAIMBOT_DATA_DIR={data}")
    dev = [p for p in load_pairs(splits=["dev"]) if p.source == NewsSource.POLNEAR_DEV]
    sided = [p for p in dev if p.label in ("supports", "refutes")]
    off_pool = sorted({p.claim for p in load_pairs(splits=["train"]) if p.source == NewsSource.FNC1})
    off = random.Random(args.seed).sample(off_pool, min(args.off_corpus, len(off_pool)))
    texts = read_articles(data, NewsSource.POLNEAR_DEV)
    wanted = sorted({p.article for p in dev})

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(CLAIMBOT_HOME=Path(tmp) / "news", CLAIMBOT_RELEVANCE_FLOOR=0.0, _env_file=None)
        index = ClaimIndex(settings)
        t0 = time.perf_counter()
        report = index.ingest(ArticleInput(text=texts[a], title=None, origin=f"polnear-dev/{a}") for a in wanted)
        print(f"indexed {report.added} of {len(wanted)} PolNeAR dev articles in {time.perf_counter() - t0:.0f} s")
        depth = settings.stance_candidates

        gold_sims: list[float] = []
        missing = 0
        for p in sided:
            sentence = texts[p.article][p.start : p.end]
            result = index.check(p.claim, top=depth, stance=False)
            sims = [r.similarity for r in result.passages if same_sentence(r.text, sentence)]
            if sims and sims[0] is not None:
                gold_sims.append(sims[0])
            else:
                missing += 1
        off_sims = [[r.similarity or 0.0 for r in index.check(c, top=depth, stance=False).passages] for c in off]
        index.close()

        demo_settings = Settings(CLAIMBOT_HOME=Path(tmp) / "demo", CLAIMBOT_RELEVANCE_FLOOR=0.0, _env_file=None)
        demo = ClaimIndex(demo_settings)
        demo.ingest(read_inputs([str(DEMO)], SourceOptions()))
        demo_sims = {c: [r.similarity or 0.0 for r in demo.check(c, top=4, stance=False).passages] for c in DEMO_OFF}
        demo_on = {
            c: [r.similarity or 0.0 for r in demo.check(c, top=4, stance=False).passages]
            for c in ("Pérez was killed", "Óscar Pérez survived the assault", "Pérez stole a police helicopter")
        }
        demo.close()

    print(
        f"on corpus: {len(sided)} dev claims with a side; gold sentence among the {depth} passages read: "
        f"{len(gold_sims)} ({missing} not retrieved)"
    )
    print(f"off corpus: {len(off)} FNC-1 train claims against the PolNeAR dev index, top {depth} each\n")
    print("floor  gold kept  off-corpus claims shown >=1  mean shown (of top 4)  demo off-topic shown (of top 4)")
    rows = []
    for floor in FLOORS:
        kept = sum(s >= floor for s in gold_sims) / max(1, len(gold_sims))
        any_shown = sum(any(s >= floor for s in sims) for sims in off_sims) / max(1, len(off_sims))
        mean_shown = sum(sum(s >= floor for s in sims[:4]) for sims in off_sims) / max(1, len(off_sims))
        demo_shown = sum(sum(s >= floor for s in sims) for sims in demo_sims.values())
        rows.append({"floor": floor, "gold_kept": kept, "off_any": any_shown, "off_mean": mean_shown})
        print(
            f"{floor:5.2f}  {kept:9.3f}  {any_shown:28.3f}  {mean_shown:21.2f}  {demo_shown:3d} of {4 * len(DEMO_OFF)}"
        )
    chosen = max((r for r in rows if r["gold_kept"] >= KEEP_GOLD), key=lambda r: r["floor"])
    print(f"\nchosen (highest floor keeping >= {KEEP_GOLD:.0%} of gold sides): {chosen['floor']:.2f}")
    print("demo, on-topic claims (similarities of the top 4):")
    for c, sims in demo_on.items():
        print(f"  {c}: {', '.join(f'{s:.2f}' for s in sims)}")
    print("demo, off-topic claims:")
    for c, sims in demo_sims.items():
        print(f"  {c}: {', '.join(f'{s:.2f}' for s in sims)}")
    print(json.dumps({"chosen": chosen, "gold_n": len(gold_sims), "off_n": len(off_sims)}))


if __name__ == "__main__":
    main()
