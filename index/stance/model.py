"""claimbot's own stance model: does a passage support, refute or not decide a claim?

A 6-layer MiniLM cross-encoder trained by `train/stance.py`, shipped as ONNX with its
tokenizer in `index/stance/weights/` and run with onnxruntime. Input order, as in training:
``[CLS] evidence [SEP] claim [SEP]``, at most 128 tokens.  `stance.json` beside the model holds
what was fitted on the team's real-news dev pairs (never on the evaluation sets nor the news test
split): the temperature that calibrates the probabilities, the side threshold below which a
supports/refutes answer becomes neutral (best macro-F1), and the confidence from which a side
counts towards a verdict (the lowest from which news-dev precision of confident sides reaches 85 %
for the view `claimbot check` picks: train/news_select.py; docs/stance-model.md). A folder may also
carry a confidence selector (`selector`, index/stance/confidence.py) that decides instead of that
threshold; the shipped one does not.
"""

from __future__ import annotations

import json
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from claimbot.index.stance.confidence import Selector

LABELS = ("supports", "refutes", "neutral")
MAX_TOKENS = 128
# Pairs per onnxruntime run. A check reads about 23 pairs sorted by length; smaller batches pad less,
# and on 2 cores 8 beat 16 (docs/benchmarks.md, "Stance graph and batch").
BATCH = 8


class Graph(StrEnum):
    """How a stance graph holds its weights (stance.json's `graph`)."""

    FP32 = "fp32"
    # onnxruntime's dynamic int8 (per-channel weights, the head kept fp32): about a third of fp32's
    # time on CPUs with int8 dot products (docs/prereg/news27-int8.md). Its activation scales are taken
    # over the whole batch, so a pair's scores would depend on the pairs batched with it: such a graph
    # is run one pair at a time, pairs side by side.
    INT8 = "int8"


# "20 million dollars" is given to the model as "$20 million", the form news copy uses (of the amounts
# of money in the team's claims, data/news-pairs/pairs.jsonl, 194 are written with a currency sign
# and 2 with a word): read each way, one passage got two confident sides (docs/prereg/news21.md).
# What is shown is not changed. Not "in 2015 dollars" (a year's dollars), not after another currency
# sign ("£20 million dollars" is a typo this does not guess at), not "dollars' worth". Training reads
# text as written (train/predictor.py): the news rows hold almost only the sign's form.
_DOLLARS = re.compile(
    r"(?<![\w$£€¥.,])(?<![$£€¥]\s)(?!(?:1[89]|20)\d\d\s+(?:US\s+|U\.S\.\s+)?dollars)"
    r"(\d[\d,]*(?:\.\d+)?)(\s+(?:hundred|thousand|million|billion|trillion))?\s+(?:US\s+|U\.S\.\s+)?dollars\b(?!['’])",
    re.IGNORECASE,
)


def amounts_in_one_form(text: str) -> str:
    """ "20 million dollars" → "$20 million", "5 dollars" → "$5"."""
    return _DOLLARS.sub(lambda m: f"${m.group(1)}{m.group(2) or ''}", text)


class StanceModelError(RuntimeError):
    """The stance model directory cannot be loaded (CLAIMBOT_STANCE_MODEL): a setup problem."""


@dataclass(frozen=True)
class StanceScore:
    label: str  # "supports" | "refutes" | "neutral"
    probs: dict[str, float]
    confident: bool  # a side (supports/refutes) whose calibrated probability reaches the verdict threshold

    def without_side(self) -> StanceScore:
        """Neutral, as a guard leaves a side it overrules: the model's probabilities kept, for the record."""
        return StanceScore(label="neutral", probs=self.probs, confident=False)


def packaged_model_dir() -> Path:
    return Path(str(resources.files("claimbot.index.stance") / "weights"))


def _graph(value: str) -> Graph:
    """stance.json's `graph`. Files written before int8 graphs (2026-12-07) described their export in
    a sentence under this key (cont6's, which news22's recipe starts from): every one of those is fp32.
    A word that is no graph is an error, not fp32."""
    try:
        return Graph(value)
    except ValueError:
        if " " in value.strip():
            return Graph.FP32
        raise StanceModelError(f"stance.json's graph {value!r} is none of {', '.join(Graph)}") from None


class StanceModel:
    def __init__(self, model_dir: Path | None = None, threads: int = 0, spinning: bool = False) -> None:
        model_dir = model_dir or packaged_model_dir()
        try:
            self._load(model_dir, threads, spinning)
        except StanceModelError:
            raise
        except Exception as exc:  # a broken file can fail in json, tokenizers or onnxruntime alike
            raise StanceModelError(f"cannot load the stance model in {model_dir}: {exc}") from exc

    def _load(self, model_dir: Path, threads: int, spinning: bool) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        # Here, not at the top: the selector's features read the slot and polarity rules, which
        # import StanceScore from this module.
        from claimbot.index.stance.confidence import Selector

        onnx_file = model_dir / "model.onnx"
        if not onnx_file.is_file():
            raise StanceModelError(f"no stance model at {onnx_file} (CLAIMBOT_STANCE_MODEL)")
        config = json.loads((model_dir / "stance.json").read_text(encoding="utf-8"))
        if tuple(config["labels"]) != LABELS:
            raise StanceModelError(f"stance model labels {config['labels']} are not {LABELS}")
        self.temperature = float(config["temperature"])
        self.side_threshold = float(config["side_threshold"])
        self.confident_threshold = float(config["confident_threshold"])
        # Whether a side counts: the fitted selector where the folder has one, else the threshold.
        self.selector: Selector | None = Selector.from_config(config["selector"]) if "selector" in config else None
        self.version = str(config.get("version", onnx_file.stat().st_mtime_ns))
        self.graph = _graph(str(config.get("graph", Graph.FP32)))
        self.batch_size = 1 if self.graph is Graph.INT8 else BATCH
        # One pair per run is too little work for onnxruntime to share across cores: such pairs run
        # side by side instead, one core each (int8 accurate reader, 2 cores: a check's 23 pairs in
        # 219-241 ms against 417 ms, docs/benchmarks.md).
        workers = (threads or _usable_cores()) if self.batch_size == 1 else 1
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="stance") if workers > 1 else None
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS, strategy="longest_first")
        self.tokenizer.no_padding()
        options = ort.SessionOptions()
        if self._pool is not None:
            options.intra_op_num_threads = 1
        elif threads:
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        if not spinning:
            # Idle worker threads otherwise spin for a while after each run, holding cores that
            # another job on a small host (the bot's pool, an ingest) is waiting for: with one of 2
            # cores busy, 20 pairs took p50 157 ms spinning and 103 ms not (bench/bench_threads.py).
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._lock = threading.Lock()

    def logits(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """Raw logits for (claim, evidence) pairs, in LABELS order.

        Pairs are grouped by length into batches and padded with a zero attention mask, in fp32,
        so a pair's scores do not depend on its batch beyond float rounding (a graph whose scores
        would, int8, is run with batches of one).
        """
        pairs = [(amounts_in_one_form(claim), amounts_in_one_form(evidence)) for claim, evidence in pairs]
        # A pair read twice is scored once: syndicated copies of one report are common in news,
        # and the views of a short sentence can repeat it.
        unique = list(dict.fromkeys(pairs))
        if len(unique) < len(pairs):
            position = {pair: i for i, pair in enumerate(unique)}
            return self.logits(unique)[[position[pair] for pair in pairs]]
        out = np.zeros((len(pairs), len(LABELS)), dtype=np.float32)
        if not pairs:
            return out
        encodings = self.tokenizer.encode_batch([(evidence, claim) for claim, evidence in pairs])
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        batches = [order[start : start + self.batch_size] for start in range(0, len(order), self.batch_size)]

        def run(idx: np.ndarray) -> None:
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            types = np.zeros_like(ids)
            mask = np.zeros_like(ids)
            for row, i in enumerate(idx):
                e = encodings[i]
                n = len(e.ids)
                ids[row, :n], types[row, :n], mask[row, :n] = e.ids, e.type_ids, 1
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            out[idx] = self._session.run(["logits"], {k: v for k, v in feed.items() if k in self._inputs})[0]

        # one caller at a time: the runs of one call already take every core
        with self._lock:
            if self._pool is None:
                for idx in batches:
                    run(idx)
            else:
                list(self._pool.map(run, batches))  # list(): a run's exception is raised here
        return out

    def score(self, pairs: list[tuple[str, str]]) -> list[StanceScore]:
        """Calibrated stance of each (claim, evidence) pair."""
        return scores_from_logits(self.logits(pairs), self.temperature, self.side_threshold, self.confident_threshold)


def scores_from_logits(
    logits: np.ndarray, temperature: float, side_threshold: float, confident_threshold: float
) -> list[StanceScore]:
    """Labels and calibrated probabilities from raw logits: the model's decision rule, kept apart so
    that evaluation can refit the temperature and thresholds without scoring the pairs again."""
    probs = softmax(logits / temperature)
    scores = []
    for row in probs:
        best = int(np.argmax(row))
        side = LABELS[best] != "neutral" and row[best] >= side_threshold
        scores.append(
            StanceScore(
                label=LABELS[best] if side else "neutral",
                probs={label: round(float(p), 4) for label, p in zip(LABELS, row, strict=True)},
                confident=bool(side and row[best] >= confident_threshold),
            )
        )
    return scores


_shared: dict[tuple[str, int], StanceModel] = {}
_shared_lock = threading.Lock()


def shared_stance_model(model_dir: Path | None = None, threads: int = 0) -> StanceModel:
    """One loaded model per process: the bot, the CLI and the tests share it."""
    key = (str(model_dir or packaged_model_dir()), threads)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = StanceModel(model_dir, threads)
        return _shared[key]


def _usable_cores() -> int:
    """The cores this process may run on (a container's or taskset's share, where the OS says)."""
    if hasattr(os, "sched_getaffinity"):  # not on macOS
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    probs: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return probs
