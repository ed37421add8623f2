"""Real-news claim / sentence pairs written by annotators (docs/annotation.md).

The repository keeps what the team wrote (claims, labels, kinds) and a reference to each sentence
(source, article id, character offsets, a short hash of the sentence); the sentence text itself is
read from ``../shared/data`` when the pairs are built, since several sources may not be copied.

Articles come from training-allowed sources only: PolNeAR ``dev/`` (never ``test/``), FNC-1
competition bodies and ARC bodies. The split is by article and fixed by the article's id:

* PolNeAR dev articles of the half that earlier models were trained on (``train/stance_news.py``'s
  ``train`` half), FNC-1 and ARC bodies → ``train``;
* PolNeAR dev articles of the ``selection`` half (never trained on; earlier used only to pick
  checkpoints) → ``dev`` or ``test`` by a second hash of the name.

    python -m train.news_annotation packets --out DIR --annotators 6     # numbered sentences per annotator
    python -m train.news_annotation packets --out DIR --no-polnear --fnc-bodies 84 --prefix m \
        --exclude data/news-pairs/*.jsonl                                 # a later wave, on new bodies
    python -m train.news_annotation collect --packets DIR --out data/news-pairs/pairs.jsonl OUT1.jsonl ...
    python -m train.news_annotation build --pairs data/news-pairs/pairs.jsonl --split test --out test.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from syntok import segmenter

from claimbot.index.evaluation import (
    NewsPair,
    article_split,
    build_examples,
    load_pairs,
    read_articles,
    read_jsonl,
    sentence_sha,
)

LABELS = ("supports", "refutes", "neutral")
KINDS = (
    "paraphrase",  # the sentence states the claim in other words
    "report",  # the sentence reports someone saying the claim
    "said",  # the claim is "X said / claimed / denied Y"
    "denial",  # the sentence reports the claim denied or rejected
    "number",
    "date",
    "place",
    "antonym",
    "negation",
    "subject",  # another actor in the claim's slot
    "clause",  # another clause of the sentence is about the claim's topic
    "relative",  # the deciding word sits in a relative clause or an apposition
    "ontopic",  # same people or topic, says nothing about the claim
    "hedge",  # the sentence only speculates or reports uncertainty
    "correction",  # the sentence corrects a misstatement
    "compatible",  # another role, event, time or group member: both can be true (guard pairs)
    "member",  # the claim states one item of a list, apposition or profile (guard pairs)
    "event",  # the claim names one event of the article, the sentence tells of another (event pairs)
    "same-event",  # the claim and the sentence are about the same one of the article's events (event pairs)
    "other",
)
VOICES = ("own", "reported")
SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class SentenceRef:
    source: str  # polnear-dev | fnc1 | arc
    article: str
    start: int
    end: int
    sha: str  # first 12 hex digits of sha1 of the sentence text as read

    @property
    def key(self) -> str:
        return f"{self.source}/{self.article}#{self.start}-{self.end}"


def default_data_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "shared" / "data"


def sentences(text: str) -> list[tuple[int, int, str]]:
    """(start, end, sentence) for sentences an annotator may use: 5 to 70 words."""
    out = []
    for paragraph in segmenter.analyze(text):
        for sent in paragraph:
            start = sent[0].offset
            end = sent[-1].offset + len(sent[-1].value)
            s = text[start:end]
            if 5 <= len(s.split()) <= 70:
                out.append((start, end, s))
    return out


def used_articles(paths: list[Path]) -> set[tuple[str, str]]:
    """(source, article) of every pair in these files: articles an earlier wave already wrote on."""
    return {(row["source"], row["article"]) for path in paths for row in read_jsonl(path)}


def packets(
    data: Path,
    out: Path,
    annotators: int,
    fnc_bodies: int,
    arc_bodies: int,
    *,
    polnear: bool = True,
    exclude: set[tuple[str, str]] | None = None,
    prefix: str = "h",
) -> None:
    """Write one packet per annotator: articles with numbered sentences, and a key map. `exclude`:
    articles left out (a later wave writes on new ones); `prefix` starts every key, so that two
    waves' keys never meet."""
    out.mkdir(parents=True, exist_ok=True)
    jobs: list[tuple[str, str, str]] = []
    exclude = exclude or set()
    for source, limit in (("polnear-dev", None if polnear else 0), ("fnc1", fnc_bodies), ("arc", arc_bodies)):
        if limit == 0:
            continue
        arts = read_articles(data, source)
        ids = sorted(arts, key=lambda a: zlib.crc32(f"{source}/{a}".encode()))
        ids = [a for a in ids if (source, a) not in exclude]
        if limit is not None:
            # medium-length bodies read like news articles; very short ones are often fragments
            ids = [a for a in ids if 1200 <= len(arts[a]) <= 6000][:limit]
        jobs += [(source, a, arts[a]) for a in ids]
    keymap: dict[str, dict] = {}
    for n in range(annotators):
        lines = []
        mine = jobs[n::annotators]
        for ai, (source, article, text) in enumerate(mine, 1):
            lines.append(f"=== ARTICLE A{ai:02d} ({source}, split {article_split(source, article)}) ===")
            for si, (s, e, sent) in enumerate(sentences(text), 1):
                key = f"{prefix}{n + 1}a{ai:02d}s{si:03d}"
                keymap[key] = asdict(SentenceRef(source, article, s, e, sentence_sha(sent)))
                lines.append(f"[{key}] " + re.sub(r"\s+", " ", sent))
            lines.append("")
        (out / f"packet-{n + 1}.txt").write_text("\n".join(lines), encoding="utf-8")
        print(f"packet-{n + 1}: {len(mine)} articles")
    (out / "keymap.json").write_text(json.dumps(keymap), encoding="utf-8")


def sentence_ref(ref: dict[str, Any]) -> str:
    """A sentence's reference: "source/article#start-end"."""
    return f"{ref['source']}/{ref['article']}#{ref['start']}-{ref['end']}"


def pair_id(ref: dict[str, Any], claim: str) -> str:
    """A pair's id in every pairs file: the first 12 hex digits of sha1 of "sentence reference | claim"."""
    return hashlib.sha1(f"{sentence_ref(ref)}|{claim}".encode()).hexdigest()[:12]


def collect(packet_dir: Path, outputs: list[Path], out: Path) -> None:
    """Check annotators' JSONL lines against the key map and write the repository's reference file."""
    keymap = json.loads((packet_dir / "keymap.json").read_text(encoding="utf-8"))
    rows: list[NewsPair] = []
    seen: set[tuple[str, str]] = set()
    bad = 0
    for path in outputs:
        annotator = path.stem
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                ref = keymap[r["key"]]
                claim = re.sub(r"\s+", " ", r["claim"]).strip()
                label, kind, voice = r["label"], r.get("kind", "other"), r.get("voice", "own")
                if label not in LABELS or kind not in KINDS or voice not in VOICES or not claim:
                    raise ValueError(f"label/kind/voice {label!r}/{kind!r}/{voice!r}")
            except (KeyError, ValueError, TypeError) as exc:
                bad += 1
                print(f"{path}:{lineno}: skipped ({exc})", file=sys.stderr)
                continue
            pair_key = (sentence_ref(ref), claim.lower())
            if pair_key in seen:
                continue
            seen.add(pair_key)
            pid = pair_id(ref, claim)
            rows.append(
                NewsPair(
                    pid,
                    ref["source"],
                    ref["article"],
                    ref["start"],
                    ref["end"],
                    ref["sha"],
                    claim,
                    label,
                    kind,
                    voice,
                    str(article_split(ref["source"], ref["article"])),
                    annotator,
                )
            )
    rows.sort(key=lambda p: (p.split, p.source, p.article, p.start, p.id))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for p in rows:
            f.write(json.dumps(asdict(p), ensure_ascii=False) + "\n")
    print(f"{len(rows)} pairs written to {out} ({bad} lines skipped)")


def build(pairs: list[NewsPair], data: Path) -> list[dict[str, str]]:
    """Training / scoring rows: the pairs with their sentence text read from the data directory."""
    return [
        {
            "id": e.pair.id,
            "claim": e.pair.claim,
            "evidence": e.evidence,
            "label": e.pair.label,
            "kind": e.pair.kind,
            "voice": e.pair.voice,
            "split": e.pair.split,
            "article": f"{e.pair.source}/{e.pair.article}",
        }
        for e in build_examples(pairs, data, speakers=False)
    ]


def blind_sample(pairs: list[NewsPair], data: Path, per_annotator: int, seed: int) -> list[dict[str, str]]:
    """A seeded sample of pairs, `per_annotator` of each annotator's, for a second, blind labelling:
    the claim, the sentence and the article's first sentence (its topic), never the first label."""
    import random

    rng = random.Random(seed)
    by_annotator: dict[str, list[NewsPair]] = {}
    for pair in pairs:
        by_annotator.setdefault(pair.annotator, []).append(pair)
    chosen = [
        p
        for name in sorted(by_annotator)
        for p in rng.sample(by_annotator[name], min(per_annotator, len(by_annotator[name])))
    ]
    rng.shuffle(chosen)
    # each source read once (FNC-1's is one large CSV), each article's first sentence found once
    texts = {source: read_articles(data, source) for source in {p.source for p in chosen}}
    firsts = {
        (source, article): re.sub(r"\s+", " ", next(iter(sentences(texts[source][article])), (0, 0, ""))[2])
        for source, article in {(p.source, p.article) for p in chosen}
    }
    out = []
    for example in build_examples(chosen, data, speakers=False):
        out.append(
            {
                "id": example.pair.id,
                "article_start": firsts[(example.pair.source, example.pair.article)],
                "sentence": example.evidence,
                "claim": example.pair.claim,
            }
        )
    return out


def agreement(first: dict[str, str], second: dict[str, str]) -> dict[str, object]:
    """Raw agreement, Cohen's kappa and the disagreements (first label, second label: count) over
    the pairs labelled twice."""
    from collections import Counter

    from sklearn.metrics import cohen_kappa_score

    ids = sorted(set(first) & set(second))
    a, b = [first[i] for i in ids], [second[i] for i in ids]
    return {
        "n": len(ids),
        "agreement": round(sum(x == y for x, y in zip(a, b, strict=True)) / max(1, len(ids)), 4),
        "kappa": round(float(cohen_kappa_score(a, b, labels=list(LABELS))), 4),
        "disagreements": {f"{x} / {y}": n for (x, y), n in Counter(zip(a, b, strict=True)).most_common() if x != y},
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=None)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("packets")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--annotators", type=int, default=6)
    p.add_argument("--fnc-bodies", type=int, default=60)
    p.add_argument("--arc-bodies", type=int, default=0)
    p.add_argument(
        "--no-polnear", action="store_true", help="FNC-1 / ARC bodies only (every PolNeAR dev article is used)"
    )
    p.add_argument("--exclude", type=Path, nargs="*", default=[], help="pairs files whose articles are left out")
    p.add_argument("--prefix", default="h", help="the keys' first letter (another for each wave)")
    c = sub.add_parser("collect")
    c.add_argument("--packets", type=Path, required=True)
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("outputs", type=Path, nargs="+")
    b = sub.add_parser("build")
    b.add_argument("--pairs", type=Path, required=True)
    b.add_argument("--split", choices=SPLITS)
    b.add_argument("--out", type=Path, required=True)
    bl = sub.add_parser("blind", help="a seeded sample for a second, blind labelling")
    bl.add_argument("--pairs", type=Path, required=True)
    bl.add_argument("--per-annotator", type=int, default=50)
    bl.add_argument("--seed", type=int, default=7)
    bl.add_argument("--out", type=Path, required=True)
    ag = sub.add_parser("agreement", help="Cohen's kappa of the second labels against the pairs'")
    ag.add_argument("--pairs", type=Path, required=True)
    ag.add_argument("--second", type=Path, required=True, help='JSONL lines {"id", "label"}')
    args = ap.parse_args(argv)
    data = args.data_dir or default_data_dir()
    if args.cmd == "blind":
        rows = blind_sample(load_pairs(args.pairs, None), data, args.per_annotator, args.seed)
        args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(f"{len(rows)} pairs to label again written to {args.out}")
        return
    if args.cmd == "agreement":
        first = {p.id: p.label for p in load_pairs(args.pairs, None)}
        second = {r["id"]: r["label"] for r in read_jsonl(args.second)}
        print(json.dumps(agreement(first, second)))
        return
    if args.cmd == "packets":
        packets(
            data,
            args.out,
            args.annotators,
            args.fnc_bodies,
            args.arc_bodies,
            polnear=not args.no_polnear,
            exclude=used_articles(args.exclude),
            prefix=args.prefix,
        )
    elif args.cmd == "collect":
        collect(args.packets, args.outputs, args.out)
    else:
        pairs = load_pairs(args.pairs, None if args.split is None else [args.split])
        rows = build(pairs, data)
        with args.out.open("w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"{len(rows)} pairs written to {args.out}")


if __name__ == "__main__":
    main()
