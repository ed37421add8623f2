"""Stance graphs at check size: one check's pairs (23) per call.

    python bench/bench_stance_graphs.py                          # the packaged model
    python bench/bench_stance_graphs.py --model name=DIR ...     # others beside it (a model folder: model.onnx, tokenizer.json, stance.json)

Pairs: the team's news dev pairs (claim, and the sentence it was written on, read from
CLAIMBOT_DATA_DIR), in the order of the pairs file, 12 calls of 23 by default. Each graph runs
through `StanceModel`, as a check runs it (sorted by length, batches of 8; an int8 graph one pair
at a time, pairs side by side, one core each), is warmed up on one call, then timed per call. Prints p50 per call and pairs/s for each graph, and how often each
one's argmax agrees with the first's. Run it on a quiet machine; docs/stance-model.md, "Its cost
at claim time", has the figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from claimbot.index.config import Settings  # noqa: E402
from claimbot.index.evaluation import Split, load_pairs, read_articles  # noqa: E402
from claimbot.index.stance import StanceModel, packaged_model_dir  # noqa: E402

PER_CALL = 23  # the pairs a check sends (20 passages and their extra views)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", default=[], help="NAME=DIR, a stance model directory")
    parser.add_argument("--calls", type=int, default=12)
    args = parser.parse_args()
    models = {"packaged": packaged_model_dir()}
    for spec in args.model:
        name, _, folder = spec.partition("=")
        if not (Path(folder) / "model.onnx").is_file():
            parser.error(f"--model {spec}: no model.onnx in {folder}")
        models[name] = Path(folder)
    data = Settings().data_dir
    dev = load_pairs(splits=[Split.DEV])[: PER_CALL * args.calls]
    texts = read_articles(data, dev[0].source)
    if not texts:
        sys.exit(f"error: the {dev[0].source} articles are not under CLAIMBOT_DATA_DIR={data}")
    pairs = [(p.claim, texts[p.article][p.start : p.end]) for p in dev]
    calls = [pairs[i : i + PER_CALL] for i in range(0, len(pairs), PER_CALL)]
    first: np.ndarray | None = None
    for name, folder in models.items():
        # as a check runs it (index/stance/model.py): an int8 graph one pair at a time, pairs side by side
        model = StanceModel(folder)
        model.logits(calls[0])
        seconds = []
        for call in calls:
            started = time.perf_counter()
            model.logits(call)
            seconds.append(time.perf_counter() - started)
        labels = model.logits(pairs).argmax(axis=1)
        p50 = statistics.median(seconds)
        agree = "" if first is None else f", argmax agrees with the first {np.mean(labels == first):.3f}"
        first = labels if first is None else first
        print(f"{name}: one call of {PER_CALL} pairs p50 {1000 * p50:.0f} ms, {PER_CALL / p50:.1f} pairs/s{agree}")


if __name__ == "__main__":
    main()
