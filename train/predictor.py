"""Scores (claim, evidence) pairs with a torch checkpoint or an ONNX file, as training sees them.

Used by evaluation (`train/stance_eval.py`), export verification and quantisation (`train/export.py`).
Input order, as in training: ``[CLS] evidence [SEP] claim [SEP]``, max 128 tokens.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from claimbot.index.stance import softmax as stance_softmax
from train.settings import LABELS


class StancePredictor:
    """Scores (claim, evidence) pairs with a torch checkpoint or an ONNX file; returns logits
    in LABELS order.  Each pair's score does not depend on the rest of the batch beyond float
    rounding (fp32, attention-masked padding)."""

    kind: str
    inputs: set[str]

    def __init__(self, path: str | Path, threads: int = 2, max_len: int = 128, batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from transformers import AutoTokenizer

        path = Path(path)
        self.max_len, self.batch_size = max_len, batch_size
        onnx_file = (
            path if path.suffix == ".onnx" else (path / "model.onnx" if (path / "model.onnx").exists() else None)
        )
        tok_dir = onnx_file.parent if onnx_file else path
        self.tok = AutoTokenizer.from_pretrained(tok_dir)
        self.kind = "onnx" if onnx_file else "torch"
        if onnx_file:
            import onnxruntime as ort

            so = ort.SessionOptions()
            so.intra_op_num_threads = threads
            so.inter_op_num_threads = 1
            self.sess = ort.InferenceSession(str(onnx_file), so, providers=["CPUExecutionProvider"])
            self.inputs = {i.name for i in self.sess.get_inputs()}
            cfg = tok_dir / "config.json"
            labels: dict[Any, str] | None = json.loads(cfg.read_text()).get("id2label") if cfg.exists() else None
        else:
            import torch
            from transformers import AutoModelForSequenceClassification

            torch.set_num_threads(threads)
            self.torch = torch
            self.model = AutoModelForSequenceClassification.from_pretrained(path, dtype=torch.float32).eval()
            labels = self.model.config.id2label
        if labels:
            got = [labels[k] for k in sorted(labels, key=int)]
            if got != LABELS:
                raise ValueError(f"model labels {got} != {LABELS}")

    def encode(self, claims: Sequence[str], evidences: Sequence[str]) -> Any:
        return self.tok(
            list(evidences),
            list(claims),
            truncation="longest_first",
            max_length=self.max_len,
            padding=True,
            return_tensors="np",
        )

    def logits(self, claims: Sequence[str], evidences: Sequence[str], progress: bool = False) -> np.ndarray:
        claims, evidences = list(claims), list(evidences)
        n = len(claims)
        out = np.zeros((n, len(LABELS)), dtype=np.float32)
        lens = [len(c) + len(e) for c, e in zip(claims, evidences, strict=True)]
        order = np.argsort(lens, kind="stable")
        t0 = time.time()
        for s in range(0, n, self.batch_size):
            idx = order[s : s + self.batch_size]
            enc = self.encode([claims[i] for i in idx], [evidences[i] for i in idx])
            if self.kind == "onnx":
                feed = {
                    k: enc[k].astype(np.int64)
                    for k in ("input_ids", "attention_mask", "token_type_ids")
                    if k in self.inputs
                }
                lg = self.sess.run(None, feed)[0]
            else:
                with self.torch.no_grad():
                    lg = self.model(
                        **{
                            k: self.torch.from_numpy(enc[k].astype(np.int64))
                            for k in ("input_ids", "attention_mask", "token_type_ids")
                            if k in enc
                        }
                    ).logits.numpy()
            out[idx] = lg
            if progress and (s // self.batch_size) % 20 == 0:
                print(
                    f"  {s + len(idx)}/{n} ({(s + len(idx)) / (time.time() - t0):.0f} pairs/s)",
                    file=sys.stderr,
                    flush=True,
                )
        return out


def softmax(lg: np.ndarray, T: float = 1.0) -> np.ndarray:
    """Probabilities at temperature `T`: the product's softmax of ``lg / T``."""
    return stance_softmax(lg / T)
