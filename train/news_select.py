"""Turn a training checkpoint into a model folder `claimbot check` can load, with its calibration
fitted on the real-news dev split, and print its real-news figures.

    python -m train.news_select --checkpoint RUN/news2A/ckpt-368 --out RUN/news2A-368 \
        --pool RUN/pool-news2A.jsonl [--target-precision 0.90] [--test] [--date YYYY-MM-DD]

Steps: export to ONNX with fp16-stored weights (train.stance_export), copy the form that ships to
OUT/model.onnx with its tokenizer, score the news dev pairs as `check` scores them (views, speakers,
quantity guard), fit temperature and side threshold by macro-F1 and the confident threshold as the
lowest with dev precision >= --target-precision (index.evaluation.fit_calibration), and write
OUT/stance.json. The test split is read only with --test: the model card's rule is that only the
one candidate chosen on dev is scored on it. A last JSON line sums up the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from train.settings import LABELS, default_data_dir

INPUT = "[CLS] evidence [SEP] claim [SEP], max 128 tokens, longest side truncated first"


def news_stance_config(
    cal: Any, model_file: Path, date: str, target: float, dev: dict[str, Any], name: str = "minilm-l6-stance"
) -> dict[str, Any]:
    digest = hashlib.sha256(model_file.read_bytes()).hexdigest()[:12]
    return {
        "labels": list(LABELS),
        "version": f"{name}-{date}-{digest}",
        "input": INPUT,
        "temperature": cal.temperature,
        "side_threshold": cal.side_threshold,
        "confident_threshold": cal.confident_threshold,
        "fitted_on": (
            f"the team's real-news dev split ({dev['n']} pairs, data/news-pairs), scored as claimbot check "
            "scores (views, speakers, quantity guard): temperature and side threshold by 3-way macro-F1, "
            f"confident threshold = lowest with precision of confident sides >= {target:.2f} "
            "(train/news_select.py)"
        ),
        "dev": {
            "macro_f1": dev["macro_f1"],
            "confident_precision": dev["confident_precision"],
            "gold_sided_right_confident": dev["gold_sided_right_confident"],
        },
    }


def build_reader(checkpoint: Path, base: Path, out: Path, int8: bool) -> dict[str, Any]:
    """The accurate reader's graph at OUT/model.onnx, built by `accurate.build` from the run's
    adapters stored in fp16 at OUT/adapter (the files that ship); returns the stance.json keys
    the build and the reader read back (layers, graph)."""
    from safetensors.torch import load_file

    from claimbot.index.service import accurate
    from claimbot.index.stance import Graph
    from train.join_adapters import CONFIG, WEIGHTS, save_adapter

    adapter = out / "adapter"
    adapter_config = json.loads((checkpoint / "adapter" / CONFIG).read_text(encoding="utf-8"))
    adapter_config["base_model_name_or_path"] = accurate.BASE_FOLDER
    save_adapter(adapter, load_file(checkpoint / "adapter" / WEIGHTS), adapter_config)
    depth = json.loads((checkpoint / "config.json").read_text(encoding="utf-8"))["num_hidden_layers"]
    full = json.loads((base / "config.json").read_text(encoding="utf-8"))["num_hidden_layers"]
    config = accurate.ReaderConfig(layers=0 if depth == full else depth, graph=Graph.INT8 if int8 else Graph.FP32)
    accurate.build(base, adapter, out / "model.onnx", config)
    shutil.copyfile(base / "tokenizer.json", out / "tokenizer.json")
    reader: dict[str, Any] = {"graph": str(config.graph)}
    if config.layers:
        reader["layers"] = config.layers
    return reader


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", type=Path, required=True, help="a train.stance checkpoint folder")
    ap.add_argument("--out", type=Path, required=True, help="the model folder to write")
    ap.add_argument("--pool", type=Path, required=True, help="pairs for the export's ONNX-vs-torch check")
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--target-precision", type=float, default=0.90)
    ap.add_argument("--test", action="store_true", help="also score the news test split (the candidate only)")
    ap.add_argument("--date", default=date.today().isoformat(), help="the version's date, YYYY-MM-DD (today)")
    ap.add_argument("--name", default="minilm-l6-stance", help="the version's name, before its date")
    ap.add_argument(
        "--adapter-base",
        type=Path,
        default=None,
        metavar="BASE",
        help="the checkpoint is an adapter run (--lora-rank) on this base: build the graph as `claimbot reader "
        "install` builds it, from the adapters stored in fp16 (what ships in index/stance/accurate_weights)",
    )
    ap.add_argument("--int8", action="store_true", help="with --adapter-base: the graph in dynamic int8")
    a = ap.parse_args(argv)
    if a.int8 and not a.adapter_base:
        ap.error("--int8 needs --adapter-base: only the accurate reader's build quantises")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    from claimbot.index.evaluation import build_examples, fit_calibration, load_pairs, news_report, picked, view_logits
    from claimbot.index.stance import StanceModel, packaged_model_dir, shared_clause_splitter
    from train import stance_export

    reader: dict[str, Any] = {}
    if a.adapter_base:
        reader = build_reader(a.checkpoint, a.adapter_base, a.out, a.int8)
    else:
        export_dir = a.out / "export"
        if not (export_dir / "model.fp16w.onnx").is_file():
            stance_export.main(
                ["--checkpoint", str(a.checkpoint), "--out", str(export_dir), "--pool", str(a.pool), "--fp16-storage"]
            )
        shutil.copyfile(export_dir / "model.fp16w.onnx", a.out / "model.onnx")
        # the checkpoint's own tokenizer: the packaged one in every field for MiniLM, another vocabulary
        # for a larger reader (news9's MPNet), which the packaged one would feed BERT's token ids
        shutil.copyfile(export_dir / "tokenizer.json", a.out / "tokenizer.json")
    # a loadable placeholder; its thresholds do not change the logits that the fit reads
    placeholder = json.loads((packaged_model_dir() / "stance.json").read_text(encoding="utf-8"))
    (a.out / "stance.json").write_text(json.dumps(placeholder | reader), encoding="utf-8")

    model = StanceModel(a.out)
    splitter = shared_clause_splitter()
    summary: dict[str, Any] = {"checkpoint": str(a.checkpoint), "out": str(a.out)}
    dev = build_examples(load_pairs(splits=["dev"]), a.data_dir)
    dev_logits = view_logits(model, dev, splitter)
    cal = fit_calibration(dev, dev_logits, target_precision=a.target_precision)
    dev_report = asdict(news_report(dev, picked(dev_logits, cal)))
    summary["calibration"] = asdict(cal)
    summary["dev"] = {k: dev_report[k] for k in ("n", "macro_f1", "confident", "confident_precision")} | {
        "gold_sided_right_confident": dev_report["gold_sided_right_confident"]
    }
    config = news_stance_config(cal, a.out / "model.onnx", a.date, a.target_precision, dev_report, a.name) | reader
    (a.out / "stance.json").write_text(json.dumps(config, indent=1, ensure_ascii=False) + "\n")
    if a.test:
        test = build_examples(load_pairs(splits=["test"]), a.data_dir)
        test_report = asdict(news_report(test, picked(view_logits(model, test, splitter), cal)))
        summary["test"] = test_report
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
