"""The packaged embedding model on onnxruntime gives sentence-transformers' vectors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from claimbot.index.config import PACKAGED_EMBED_MODEL
from claimbot.index.search.embed import OnnxEmbedder, SentenceTransformerEmbedder, exported_model, resolve_model_path
from claimbot.index.service import StorageError
from tests.conftest import file_size_limit

pytestmark = pytest.mark.slow  # exports the model with torch and loads it twice

TEXTS = [
    "Pérez was killed",
    "Venezuelan security forces launched an assault on the rebel pilot's hideout on Monday.",
    "¿Murió Óscar Pérez?",
    "",  # nothing but the special tokens
    "word " * 400,  # past the 256 tokens the model reads: truncated, as sentence-transformers does
    "CNN, citing a high government source, reported that he had been killed.",
]


def test_onnx_vectors_are_sentence_transformers_vectors(tmp_path: Path):
    onnx = OnnxEmbedder(tmp_path, batch_size=4)  # batches of mixed lengths, sorted and put back
    torch = SentenceTransformerEmbedder(PACKAGED_EMBED_MODEL)
    assert (onnx.name, onnx.dim) == (torch.name, torch.dim) == (PACKAGED_EMBED_MODEL, 384)
    ours, theirs = onnx.encode(TEXTS), torch.encode(TEXTS)
    assert ours.shape == theirs.shape == (len(TEXTS), 384)
    assert np.all(np.sum(ours * theirs, axis=1) > 0.99999)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert np.allclose(onnx.encode(TEXTS[1:2])[0], ours[1], atol=1e-5)  # alone or in a batch alike
    assert onnx.encode([]).shape == (0, 384)


def test_the_export_is_made_once_and_reused(tmp_path: Path):
    model_dir = Path(resolve_model_path(PACKAGED_EMBED_MODEL))
    first = exported_model(model_dir, tmp_path)
    stamp = first.stat().st_mtime_ns
    assert exported_model(model_dir, tmp_path) == first and first.stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no temporary file left


def test_a_full_disk_at_the_first_export_is_one_line_and_leaves_nothing_behind(tmp_path: Path):
    """The first use on a full disk ended in torch's traceback ("OSError: [Errno 27] File too large")."""
    model_dir = Path(resolve_model_path(PACKAGED_EMBED_MODEL))
    cache = tmp_path / "models"
    with file_size_limit(1_000_000), pytest.raises(StorageError) as raised:  # the graph is about 90 MB
        exported_model(model_dir, cache)
    assert str(raised.value).startswith(f"cannot prepare the packaged embedding model in {cache} (")
    assert "make room there" in str(raised.value)
    assert list(cache.iterdir()) == []  # no partial graph that the next start would load


def test_answering_a_claim_loads_no_torch(demo_index):
    """`serve`'s models (the embedder on onnxruntime, the stance model, spaCy's clauses) keep torch
    out of the process: 250 MiB of the memory a million passages may use (docs/benchmarks.md)."""
    home = demo_index.settings.home  # its models/ holds the exported graph already
    script = (
        "import sys\n"
        "from claimbot.index.config import Settings\n"
        "from claimbot.index.service import ClaimIndex\n"
        "index = ClaimIndex(Settings())\n"
        "index.warm_up()\n"
        "result = index.check('Pérez was killed')\n"
        "print(len(result.passages), result.verdict, 'torch' in sys.modules)\n"
    )
    env = {**os.environ, "CLAIMBOT_HOME": str(home)}
    if demo_index.store.is_postgres:
        env["DATABASE_URL"] = str(demo_index.store.engine.url.render_as_string(hide_password=False))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    passages, verdict, torch_loaded = done.stdout.split()
    assert int(passages) > 0 and verdict != "None"
    assert torch_loaded == "False"


def test_batches_hold_every_row_once_within_the_row_and_token_limits():
    from claimbot.index.search import embed

    rng = np.random.default_rng(3)
    lengths = np.concatenate([rng.integers(3, 60, 900), rng.integers(60, 257, 124), [2_000]])
    order = np.argsort(lengths, kind="stable")
    batches = embed._batches(order, lengths, 64)
    assert np.array_equal(np.concatenate(batches), order)  # each row once, ascending length kept
    for rows in batches:
        assert 1 <= len(rows) <= 64
        assert len(rows) == 1 or len(rows) * lengths[rows].max() <= embed._BATCH_TOKENS
    assert any(len(rows) == 64 for rows in batches)  # short texts still fill whole batches
    assert [len(rows) for rows in batches][-1] == 1  # a text over the budget alone
    assert embed._batches(order[:0], lengths, 64) == []
