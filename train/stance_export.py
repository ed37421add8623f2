"""Export a trained stance checkpoint to ONNX (+ tokenizer files), verify it, optionally quantise.

    python -m train.stance_export --checkpoint /work/claimbot-runs/stance/best \
        --out /work/claimbot-runs/stance/export [--int8] [--threads 2]

Writes into --out: model.onnx (fp32; inputs input_ids / attention_mask / token_type_ids,
int64 [batch, seq] with dynamic batch and sequence axes; output logits [batch, 3] in the
order supports, refutes, neutral), tokenizer files, config.json, calibration.json (copied
when present beside the checkpoint), export_report.json.  With --int8 also model.int8.onnx
(onnxruntime dynamic quantisation, per-channel weights; classifier kept fp32 unless
--quantize-classifier) and its agreement with fp32 on a verification sample.

Input order: [CLS] evidence [SEP] claim [SEP], max 128 tokens (same as training).
This script never writes into the repository; copy the folder to index/stance/weights/ yourself.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import time
from pathlib import Path

import numpy as np

from train.stance_data import DEFAULT_OUT, LABELS, read_jsonl

L2I = {l: i for i, l in enumerate(LABELS)}


def export_onnx(ckpt: Path, out: Path, opset: int = 17, attention: str = "sdpa"):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    # "eager" exports attention as plain MatMul/Softmax, a pattern onnxruntime's transformer
    # optimizer can fuse into its Attention op; the SDPA export it does not recognise.
    model = AutoModelForSequenceClassification.from_pretrained(
        ckpt, dtype=torch.float32, attn_implementation=attention
    ).eval()
    model.config.return_dict = False
    tok = AutoTokenizer.from_pretrained(ckpt)
    enc = tok(
        ["The building suffered minor damage and no one was injured."], ["Nobody was injured."], return_tensors="pt"
    )

    class Wrap(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.m(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids, return_dict=False
            )[0]

    out.mkdir(parents=True, exist_ok=True)
    dest = out / "model.onnx"
    args = (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
    dyn = {
        "input_ids": {0: "batch", 1: "sequence"},
        "attention_mask": {0: "batch", 1: "sequence"},
        "token_type_ids": {0: "batch", 1: "sequence"},
        "logits": {0: "batch"},
    }
    kw = dict(
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits"],
        dynamic_axes=dyn,
        opset_version=opset,
        do_constant_folding=True,
    )
    try:
        torch.onnx.export(Wrap(model), args, str(dest), dynamo=False, **kw)
    except TypeError:  # older torch without the dynamo switch
        torch.onnx.export(Wrap(model), args, str(dest), **kw)
    # a single self-contained file (no external .data) so it can ship as one resource
    ext = list(out.glob("model.onnx*.data"))
    if ext:
        import onnx  # only needed when the exporter wrote external weights

        m = onnx.load(str(dest), load_external_data=True)
        for f in ext:
            f.unlink()
        onnx.save_model(m, str(dest), save_as_external_data=False)
    tok.save_pretrained(out)
    model.config.save_pretrained(out)
    for extra in ("calibration.json", "dev_metrics.json"):
        if (ckpt / extra).exists():
            shutil.copy(ckpt / extra, out / extra)
    return dest


def quantize(src: Path, dst: Path, per_channel: bool, keep_classifier: bool):
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    exclude = []
    if keep_classifier:
        m = onnx.load(str(src))
        exclude = [
            n.name
            for n in m.graph.node
            if n.op_type in ("MatMul", "Gemm") and any("classifier" in x or "pooler" in x for x in [n.name, *n.input])
        ]
        # onnxruntime rewrites Gemm as MatMul+Add before quantising, renaming the node "<name>_MatMul"
        exclude += [e + "_MatMul" for e in exclude]
    quantize_dynamic(
        str(src), str(dst), weight_type=QuantType.QInt8, per_channel=per_channel, nodes_to_exclude=exclude or None
    )
    return exclude


def fp16_storage(src: Path, dst: Path, min_elements: int = 1024) -> int:
    """Store the large fp32 weights as fp16, each followed by a Cast back to fp32.

    Halves the file that ships in the repository.  onnxruntime folds the casts when it loads the
    model, so inference runs in fp32 at fp32 speed and stays batch-independent (dynamic int8
    does not: its activation scale is computed over the whole batch).  The only change is fp16
    rounding of the weights.  Returns how many tensors were converted."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    input_names = {i.name for i in graph.input}
    casts, converted = [], 0
    for init in list(graph.initializer):
        if init.data_type != TensorProto.FLOAT or init.name in input_names:
            continue
        if int(np.prod(init.dims)) < min_elements:
            continue
        half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), init.name + "__fp16")
        graph.initializer.remove(init)
        graph.initializer.append(half)
        casts.append(
            helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT, name=init.name + "__to_fp32")
        )
        converted += 1
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save_model(model, str(dst))
    return converted


def pool_pairs(pool: Path, split: str, n: int, seed: int = 0) -> list[tuple[str, str, int]]:
    """`n` shuffled (claim, evidence, label index) pairs of one split of the training pool."""
    rows = [p for p in read_jsonl(pool) if p["split"] == split]
    random.Random(seed).shuffle(rows)
    return [(p["claim"], p["evidence"], L2I[p["label"]]) for p in rows[:n]]


def sample_pairs(pool: Path, n: int, seed: int = 0):
    """Verification pairs: the pool's dev slice (never trained on), or fixed examples."""
    if pool.exists():
        return pool_pairs(pool, "dev", n, seed)
    return [
        ("Pérez was killed.", "CNN reported, citing a high government source, that he had been killed.", 0),
        ("Pérez was killed.", "Here we are, alive and well, the whole team, Pérez said.", 1),
        (
            "Nobody was injured in the 2017 helicopter attack.",
            "No one was injured and the building suffered minor damage.",
            0,
        ),
    ]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", type=Path, default=Path(DEFAULT_OUT) / "best")
    ap.add_argument("--out", type=Path, default=Path(DEFAULT_OUT) / "export")
    ap.add_argument("--pool", type=Path, default=Path(DEFAULT_OUT) / "pool.jsonl")
    ap.add_argument("--verify-n", type=int, default=1000, help="dev pairs used to compare outputs")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--attention", choices=("sdpa", "eager"), default="sdpa")
    ap.add_argument("--int8", action="store_true", help="also write model.int8.onnx and compare")
    ap.add_argument("--no-per-channel", action="store_true")
    ap.add_argument("--quantize-classifier", action="store_true")
    ap.add_argument(
        "--fp16-storage",
        action="store_true",
        help="also write model.fp16w.onnx: fp16-stored weights cast to fp32 at load (half the size)",
    )
    a = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch

    torch.set_num_threads(a.threads)
    from train.stance_eval import StancePredictor, softmax

    t0 = time.time()
    dest = export_onnx(a.checkpoint, a.out, a.opset, a.attention)
    report = {
        "checkpoint": str(a.checkpoint.resolve()),
        "labels": LABELS,
        "input_order": "evidence first, claim second",
        "max_len": 128,
        "fp32_onnx": dest.name,
        "fp32_bytes": dest.stat().st_size,
        "export_seconds": round(time.time() - t0, 1),
    }
    print(f"exported {dest} ({dest.stat().st_size / 1e6:.1f} MB)")

    pairs = sample_pairs(a.pool, a.verify_n)
    claims, evs, y = [p[0] for p in pairs], [p[1] for p in pairs], np.array([p[2] for p in pairs])
    pt = StancePredictor(a.checkpoint, threads=a.threads)
    ox = StancePredictor(dest, threads=a.threads)
    t = time.time()
    lg_t = pt.logits(claims, evs)
    s_t = time.time() - t
    t = time.time()
    lg_o = ox.logits(claims, evs)
    s_o = time.time() - t
    # batch independence: the first 16 pairs scored one at a time vs in a batch
    single = np.concatenate([ox.logits([c], [e]) for c, e in zip(claims[:16], evs[:16])])
    report["verify"] = {
        "pairs": len(pairs),
        "max_abs_logit_diff_onnx_vs_torch": float(np.abs(lg_t - lg_o).max()),
        "max_abs_prob_diff": float(np.abs(softmax(lg_t) - softmax(lg_o)).max()),
        "decision_agreement": float((lg_t.argmax(1) == lg_o.argmax(1)).mean()),
        "max_abs_logit_diff_single_vs_batch": float(np.abs(single - lg_o[:16]).max()),
        "acc_torch": float((lg_t.argmax(1) == y).mean()),
        "acc_onnx_fp32": float((lg_o.argmax(1) == y).mean()),
        "pairs_per_s_torch_b32": round(len(pairs) / s_t, 1),
        "pairs_per_s_onnx_fp32_b32": round(len(pairs) / s_o, 1),
    }
    print(json.dumps(report["verify"], indent=1))
    if report["verify"]["max_abs_logit_diff_onnx_vs_torch"] > 1e-3:
        print("WARNING: ONNX and torch logits differ by more than 1e-3")

    if a.fp16_storage:
        h = a.out / "model.fp16w.onnx"
        n_conv = fp16_storage(dest, h)
        hx = StancePredictor(h, threads=a.threads)
        t = time.time()
        lg_h = hx.logits(claims, evs)
        s_h = time.time() - t
        single_h = np.concatenate([hx.logits([c], [e]) for c, e in zip(claims[:16], evs[:16])])
        report["fp16_storage"] = {
            "file": h.name,
            "bytes": h.stat().st_size,
            "tensors_converted": n_conv,
            "decision_agreement_with_fp32": float((lg_h.argmax(1) == lg_o.argmax(1)).mean()),
            "max_abs_logit_diff_vs_fp32": float(np.abs(lg_h - lg_o).max()),
            "max_abs_logit_diff_single_vs_batch": float(np.abs(single_h - lg_h[:16]).max()),
            "pairs_per_s_b32": round(len(pairs) / s_h, 1),
        }
        print(json.dumps(report["fp16_storage"], indent=1))

    if a.int8:
        q = a.out / "model.int8.onnx"
        excl = quantize(dest, q, per_channel=not a.no_per_channel, keep_classifier=not a.quantize_classifier)
        qx = StancePredictor(q, threads=a.threads)
        t = time.time()
        lg_q = qx.logits(claims, evs)
        s_q = time.time() - t
        single_q = np.concatenate([qx.logits([c], [e]) for c, e in zip(claims[:16], evs[:16])])
        report["int8"] = {
            "file": q.name,
            "bytes": q.stat().st_size,
            "per_channel": not a.no_per_channel,
            "nodes_kept_fp32": excl,
            "decision_agreement_with_fp32": float((lg_q.argmax(1) == lg_o.argmax(1)).mean()),
            "changed_decisions_pct": float(100 * (lg_q.argmax(1) != lg_o.argmax(1)).mean()),
            "acc_int8": float((lg_q.argmax(1) == y).mean()),
            "acc_delta_points_vs_fp32": float(100 * ((lg_q.argmax(1) == y).mean() - (lg_o.argmax(1) == y).mean())),
            "max_abs_prob_diff": float(np.abs(softmax(lg_q) - softmax(lg_o)).max()),
            "max_abs_logit_diff_single_vs_batch": float(np.abs(single_q - lg_q[:16]).max()),
            "pairs_per_s_int8_b32": round(len(pairs) / s_q, 1),
        }
        print(json.dumps(report["int8"], indent=1))
    (a.out / "export_report.json").write_text(json.dumps(report, indent=1))
    print(f"wrote {a.out / 'export_report.json'}")


if __name__ == "__main__":
    main()
