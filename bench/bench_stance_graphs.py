"""Stance graphs at check size: one check's pairs (23, sorted by length, batches of 8) per call.

    python bench/bench_stance_graphs.py                          # the packaged model
    python bench/bench_stance_graphs.py --model name=DIR ...     # others beside it (a model.onnx and its tokenizer.json)

Pairs: the team's news dev pairs (claim, and the sentence it was written on, read from
CLAIMBOT_DATA_DIR), in the order of the pairs file, 12 calls of 23 by default. Each graph runs as
`index/stance/model.py` runs it (onnxruntime, one inter-op thread, spinning off, in batches of its
stance.json's batch_size: one pair at a time for an int8 graph), is warmed up on
one call, then timed per call. Prints p50 per call and pairs/s for each graph, and how often each
one's argmax agrees with the first's. Run it on a quiet machine; docs/stance-model.md, "Its cost
at claim time", has the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from claimbot.index.config import Settings  # noqa: E402
from claimbot.index.evaluation import Split, load_pairs, read_articles  # noqa: E402
from claimbot.index.stance import packaged_model_dir  # noqa: E402

PER_CALL = 23  # the pairs a check sends (20 passages and their extra views)
BATCH = 8


def session(path: Path):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def logits(sess, tokenizer, pairs: list[tuple[str, str]], batch: int = BATCH) -> np.ndarray:
    names = {i.name for i in sess.get_inputs()}
    encoded = tokenizer.encode_batch(pairs)
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].ids))
    out: list[np.ndarray] = [np.zeros(0)] * len(encoded)
    for start in range(0, len(order), batch):
        idx = order[start : start + batch]
        width = max(len(encoded[i].ids) for i in idx)
        ids = np.zeros((len(idx), width), np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, i in enumerate(idx):
            e = encoded[i]
            ids[row, : len(e.ids)], mask[row, : len(e.ids)], types[row, : len(e.ids)] = e.ids, 1, e.type_ids
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in names:  # MPNet has none
            feed["token_type_ids"] = types
        for row, value in zip(idx, sess.run(None, feed)[0], strict=True):
            out[row] = value
    return np.stack(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", default=[], help="NAME=DIR, a stance model directory")
    parser.add_argument("--calls", type=int, default=12)
    args = parser.parse_args()
    from tokenizers import Tokenizer

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
    pairs = [(texts[p.article][p.start : p.end], p.claim) for p in dev]
    calls = [pairs[i : i + PER_CALL] for i in range(0, len(pairs), PER_CALL)]
    first: np.ndarray | None = None
    for name, folder in models.items():
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=128, strategy="longest_first")
        tokenizer.no_padding()
        sess = session(folder / "model.onnx")
        # as the model runs it: an int8 graph one pair at a time (index/stance/model.py)
        batch = int(json.loads((folder / "stance.json").read_text(encoding="utf-8")).get("batch_size", BATCH))
        logits(sess, tokenizer, calls[0], batch)
        seconds = []
        for call in calls:
            started = time.perf_counter()
            logits(sess, tokenizer, call, batch)
            seconds.append(time.perf_counter() - started)
        labels = logits(sess, tokenizer, pairs, batch).argmax(axis=1)
        p50 = statistics.median(seconds)
        agree = "" if first is None else f", argmax agrees with the first {np.mean(labels == first):.3f}"
        first = labels if first is None else first
        print(f"{name}: one call of {PER_CALL} pairs p50 {1000 * p50:.0f} ms, {PER_CALL / p50:.1f} pairs/s{agree}")


if __name__ == "__main__":
    main()
