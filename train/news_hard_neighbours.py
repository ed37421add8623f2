"""Hard neighbours: team claims against other sentences of their articles that a reader takes a
side on, labelled by annotators (data/news-pairs/README.md, "Hard neighbours").

    python -m train.news_hard_neighbours packets --transfer RUN/transfer.jsonl --out RUN/hard-packets
    python -m train.news_hard_neighbours collect --packets RUN/hard-packets --out data/news-pairs/hard-neighbours.jsonl LABELS.jsonl ...

`--transfer` is `train.news_distil`'s output: every train claim against the sentences of its
article nearest to it that no pair annotates, with a teacher's probabilities. The accurate reader
(news27) gives 13 % of them a `refutes` argmax where the team's labelled neighbours are 2 % refutes,
and the demo's wrong verdicts are that: another detail about the same person read as conflicting.
The packets take a seeded sample of the pairs the teacher takes a side on and, so that a label is
not guessed from the selection, some it reads as neutral, shuffled together; the annotator sees
the claim, the sentence and the article's first sentence, never the teacher's reading. Each
annotator writes one JSON line per pair, `{"key": ..., "label": ...}`; `collect` checks them and
writes the repository's reference file (sentence offsets and hash, no text), kind `neighbour`.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from claimbot.index.evaluation import NewsPair, article_split, read_articles, read_jsonl, sentence_sha
from train.news_annotation import LABELS, default_data_dir, pair_id, sentences


class PacketError(ValueError):
    """Packets that cannot be made or collected, in one line."""


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def packets(
    transfer: Path, data: Path, out: Path, annotators: int, sided: int, neutral: int, seed: int
) -> dict[str, int]:
    """One packet per annotator (JSONL: key, article_start, sentence, claim) and `keymap.json`
    (key → the sentence's reference and the claim)."""
    rows = list(read_jsonl(transfer))
    rng = random.Random(seed)
    taking = [r for r in rows if r["label"] != "neutral"]
    leaving = [r for r in rows if r["label"] == "neutral"]
    chosen = rng.sample(taking, min(sided, len(taking))) + rng.sample(leaving, min(neutral, len(leaving)))
    rng.shuffle(chosen)
    texts: dict[str, dict[str, str]] = {}
    # per article: its first sentence, and each sentence's span (the first of repeated sentences)
    read: dict[str, tuple[str, dict[str, tuple[int, int]]]] = {}
    keymap: dict[str, dict[str, Any]] = {}
    items: list[dict[str, str]] = []
    for row in chosen:
        source, _, article = row["group"].partition("/")
        if source not in texts:  # FNC-1 is one large CSV: read each source once
            texts[source] = read_articles(data, source)
        text = texts[source].get(article, "")
        if row["group"] not in read:
            sents = sentences(text)
            first = _flat(sents[0][2]) if sents else ""
            read[row["group"]] = (first, {_flat(s): (start, end) for start, end, s in reversed(sents)})
        first, spans = read[row["group"]]
        if row["evidence"] not in spans:
            raise PacketError(f"{transfer}: {row['evidence'][:60]!r} is not a sentence of {row['group']} under {data}")
        start, end = spans[row["evidence"]]
        key = f"k{len(keymap):04d}"
        keymap[key] = {
            "source": source,
            "article": article,
            "start": start,
            "end": end,
            "sha": sentence_sha(text[start:end]),
            "claim": row["claim"],
        }
        items.append({"key": key, "article_start": first, "sentence": row["evidence"], "claim": row["claim"]})
    out.mkdir(parents=True, exist_ok=True)
    (out / "keymap.json").write_text(json.dumps(keymap, ensure_ascii=False, indent=0), encoding="utf-8")
    for n in range(annotators):
        with (out / f"packet-{n + 1}.jsonl").open("w", encoding="utf-8") as f:
            for item in items[n::annotators]:
                f.write(json.dumps(item, ensure_ascii=False) + "\n")
    return {"pairs": len(items), "teacher_sided": min(sided, len(taking)), "annotators": annotators}


def collect(packet_dir: Path, outputs: list[Path], out: Path) -> int:
    """The annotators' labels (each file's stem is its annotator's name) as pairs-file rows; a line
    that is not a known key with a known label is reported and skipped."""
    if not (packet_dir / "keymap.json").is_file():
        raise PacketError(f"{packet_dir}: no keymap.json (not a folder `packets` wrote)")
    keymap = json.loads((packet_dir / "keymap.json").read_text(encoding="utf-8"))
    rows: dict[str, NewsPair] = {}
    for path in outputs:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                ref, label = keymap[r["key"]], r["label"]
                if label not in LABELS:
                    raise ValueError(f"label {label!r}")
            except (KeyError, ValueError, TypeError) as exc:
                print(f"{path}:{lineno}: skipped ({exc})", file=sys.stderr)
                continue
            pid = pair_id(ref, ref["claim"])
            split = str(article_split(ref["source"], ref["article"]))
            rows[pid] = NewsPair(
                pid, ref["source"], ref["article"], ref["start"], ref["end"], ref["sha"], ref["claim"],
                label, "neighbour", "unlabelled", split, path.stem,
            )  # fmt: skip
    ordered = sorted(rows.values(), key=lambda p: (p.split, p.source, p.article, p.start, p.id))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for p in ordered:
            f.write(json.dumps(asdict(p), ensure_ascii=False) + "\n")
    return len(ordered)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("packets")
    p.add_argument("--transfer", type=Path, required=True, help="train.news_distil's output")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--annotators", type=int, default=6)
    p.add_argument("--sided", type=int, default=1500, help="pairs the teacher takes a side on")
    p.add_argument("--neutral", type=int, default=300, help="pairs the teacher reads as neutral")
    p.add_argument("--seed", type=int, default=30)
    c = sub.add_parser("collect")
    c.add_argument("--packets", type=Path, required=True)
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("outputs", type=Path, nargs="+")
    a = ap.parse_args(argv)
    try:
        if a.command == "packets":
            if not a.transfer.is_file():
                ap.error(f"--transfer {a.transfer}: no such file")
            made = packets(a.transfer, a.data_dir, a.out, a.annotators, a.sided, a.neutral, a.seed)
            print(f"{a.out}: {made}")
        else:
            print(f"{collect(a.packets, a.outputs, a.out)} pairs written to {a.out}")
    except (PacketError, OSError) as exc:
        ap.exit(2, f"error: {exc}\n")


if __name__ == "__main__":
    main()
