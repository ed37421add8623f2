"""Train the fact-check reader: does a claim reviewed by a fact-checker say what a user's claim says?

Within one language, similarity cannot tell "measles killed 83 in Samoa" from "... in tonga"
(docs/factchecks.md); a cross-encoder reading both claims can. The reader is the shipped stance
model, rebuilt from its ONNX file (`train.stance_from_onnx`) and fine-tuned on the team's English /
English claim pairs (`data/factcheck-pairs`, as `detect_language` reads both claims): a pair that
should match is `supports`, another assertion about the same topic (`topic`, `unrelated`) is
`neutral`, every other near miss (number, date, place, person, opposite) is `refutes`. The claim
reviewed is the evidence, as the stance model reads a passage.

    python -m train.factcheck_reader --out RUN/reader      # about 9 min on 2 cores; needs ".[train]"
    cp RUN/reader/export/{model.onnx,tokenizer.json,stance.json} index/factchecks/weights/

The recipe and the threshold were fixed before each test set was scored
(docs/prereg/factcheck-reader.md): 3 epochs, AdamW lr 2e-5, weight decay 0.01, batches of 16,
shuffled with seed 0; a match needs P(supports) >= 0.90 (`confident_threshold` in stance.json)
and a similarity of at least `candidate_similarity` in the multilingual encoder.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
from pathlib import Path
from typing import Any

from claimbot.index.factchecks import detect_language, stance_reads
from claimbot.index.stance import packaged_model_dir
from train.export import export_onnx, fp16_storage
from train.perturb import MONTHS, perturb_antonym
from train.settings import L2I, LABELS

REPO = Path(__file__).resolve().parents[1]
# What the shipped reader was trained on (docs/factchecks.md, "The reader's second round"); fresh4,
# fresh5 and fresh6 were test sets of it.
FITTING = [REPO / "data" / "factcheck-pairs" / f"{name}.jsonl" for name in ("pairs", "fresh", "fresh2", "fresh3")]
# Another assertion about the same people says nothing about the claim; a changed slot contradicts it.
NEUTRAL_KINDS = {"topic", "unrelated"}
EPOCHS, LR, WEIGHT_DECAY, BATCH, MAX_TOKENS, SEED = 3, 2e-5, 0.01, 16, 128, 0
MATCH_THRESHOLD, CANDIDATE_SIMILARITY = 0.90, 0.50


def english_pairs(files: list[Path]) -> list[tuple[str, str, str]]:
    """(claim reviewed, claim, label) for the pairs whose two claims both read as English."""
    out = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            if not (stance_reads(detect_language(r["claim"])) and stance_reads(detect_language(r["reviewed"]))):
                continue
            label = "supports" if r["match"] else "neutral" if r["kind"] in NEUTRAL_KINDS else "refutes"
            out.append((r["reviewed"], r["claim"], label))
    return out


_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*\b")


def names(text: str) -> list[str]:
    """Runs of capitalised words past the first word: people, places, organisations."""
    return [m.group() for m in _NAME.finditer(text) if m.start() > 0 and m.group() not in MONTHS]


def swap_sides(reviewed: str, claim: str) -> str | None:
    """The claim reviewed with the first two names the user's claim also states exchanged, where a
    short verb phrase joins them ("India beat Australia"), not a list ("India and Australia")."""
    both = [name for name in dict.fromkeys(names(reviewed)) if name.lower() in claim.lower()][:2]
    if len(both) < 2 or any(reviewed.count(name) != 1 for name in both):
        return None
    first, second = sorted(both, key=reviewed.index)
    start, end = reviewed.index(first) + len(first), reviewed.index(second)
    between = reviewed[start:end]
    if not 1 <= len(between.split()) <= 6 or re.fullmatch(r"\s*(?:and|or|,|&|with|-)\s*", between):
        return None
    return reviewed[: reviewed.index(first)] + second + between + first + reviewed[end + len(second) :]


def augmented(pairs: list[tuple[str, str, str]], seed: int = SEED) -> list[tuple[str, str, str]]:
    """Near misses made from the pairs that match, by changing the claim reviewed: its two named
    sides swapped ("India beat Australia" -> "Australia beat India"), a word turned into its
    antonym, one name the user's claim states replaced by a name from another claim. The user's claim stays as written, so
    the reader learns that the same informal words no longer match once the claim reviewed says
    something else. Each is `refutes`."""
    rng = random.Random(seed)
    pool = sorted({name for reviewed, _, _ in pairs for name in names(reviewed)})
    out: list[tuple[str, str, str]] = []
    for reviewed, claim, label in pairs:
        if label != "supports":
            continue
        swapped = swap_sides(reviewed, claim)
        if swapped:
            out.append((swapped, claim, "refutes"))
        changed, _ = perturb_antonym(reviewed, rng)
        if changed and changed != reviewed:
            out.append((changed, claim, "refutes"))
        present = [name for name in names(reviewed) if name.lower() in claim.lower()]
        if present and pool:
            old = rng.choice(present)
            new = rng.choice(pool)
            if new != old and new not in reviewed:
                out.append((reviewed.replace(old, new, 1), claim, "refutes"))
    return out


def fine_tune(base: Path, pairs: list[tuple[str, str, str]], out: Path, threads: int) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.set_num_threads(threads)
    torch.manual_seed(SEED)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model: Any = AutoModelForSequenceClassification.from_pretrained(base)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    order = list(pairs)
    for epoch in range(EPOCHS):
        model.train()
        random.Random(SEED + epoch).shuffle(order)
        total = 0.0
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            encoded = tokenizer(
                [p[0] for p in batch],
                [p[1] for p in batch],
                truncation=True,
                max_length=MAX_TOKENS,
                padding=True,
                return_tensors="pt",
            )
            labels = torch.tensor([L2I[p[2]] for p in batch])
            loss = torch.nn.functional.cross_entropy(model(**encoded).logits, labels)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            total += float(loss.detach()) * len(batch)
        print(f"epoch {epoch + 1}/{EPOCHS}: mean loss {total / len(order):.4f}", flush=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="a run folder: base/, checkpoint/, export/")
    ap.add_argument(
        "--pairs", type=Path, nargs="+", default=FITTING, help="the fitting pairs (never a set it will be tested on)"
    )
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="add near misses made from the matching pairs (`augmented`)",
    )
    a = ap.parse_args(argv)
    from train import stance_from_onnx

    base = a.out / "base"
    if not (base / "config.json").exists():
        stance_from_onnx.main(["--out", str(base)])
    pairs = english_pairs(a.pairs)
    counts = {label: sum(p[2] == label for p in pairs) for label in LABELS}
    print(f"{len(pairs)} English / English pairs: {counts}")
    written = len(pairs)
    if a.augment:
        extra = augmented(pairs)
        print(f"{len(extra)} near misses made from the matching pairs")
        pairs = pairs + extra
    checkpoint = a.out / "checkpoint"
    fine_tune(base, pairs, checkpoint, a.threads)
    export = a.out / "export"
    fp32 = export_onnx(checkpoint, export, attention="eager")
    fp16_storage(fp32, export / "model.fp16w.onnx")
    shutil.move(export / "model.fp16w.onnx", fp32)
    shipped = json.loads((packaged_model_dir() / "stance.json").read_text(encoding="utf-8"))
    config = {
        "labels": list(LABELS),
        "version": f"minilm-l6-factcheck-reader-{written}p{'a' if a.augment else ''}-{shipped['version'].rsplit('-', 1)[-1]}",
        "input": "[CLS] claim reviewed [SEP] claim [SEP], max 128 tokens, longest side truncated first",
        "temperature": 1.0,
        "side_threshold": 0.0,
        "confident_threshold": MATCH_THRESHOLD,
        "candidate_similarity": CANDIDATE_SIMILARITY,
        "fitted_on": f"{written} English / English pairs of {', '.join(p.name for p in a.pairs)}"
        f"{f' and {len(pairs) - written} near misses made from them' if a.augment else ''}; "
        "recipe and thresholds fixed before testing (docs/prereg/factcheck-reader.md)",
    }
    (export / "stance.json").write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")
    print(f"exported the reader to {export}")


if __name__ == "__main__":
    main()
