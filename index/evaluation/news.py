"""Stance on real news: the team's claim / sentence pairs (docs/annotation.md), scored as `check` scores.

The repository keeps the pairs as references (`data/news-pairs/pairs.jsonl`: the written claim, its
label, kind and voice, and the sentence's source, article id, character offsets and a short hash);
the sentence text is read here from the data directory, since several sources may not be copied.
Articles come from training-allowed sources only (PolNeAR ``dev/``, FNC-1 competition bodies, ARC
bodies) and the split is by article, fixed by its id (`article_split`).

Each sentence is read as `check` reads a passage: its speaker from the attribution of the whole
article, its views (`claimbot.index.stance.views`), the view `pick_view` chooses, and the model's
calibrated decision rule. Logits are computed once per view, so the temperature and thresholds can be
refitted on the dev split without scoring the pairs again (`fit_calibration`).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import re
import sys
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

import numpy as np

from claimbot.index.claim import read_post, truecase
from claimbot.index.corpus import attribute_text, claim_speaker, shared_nlp, split_sentences
from claimbot.index.evaluation.metrics import macro_f1
from claimbot.index.records import Sentence
from claimbot.index.stance import (
    LABELS,
    YEAR_PATTERN,
    ClauseSplitter,
    Selector,
    StanceModel,
    StanceScore,
    about_words,
    guard_command,
    guard_event_time,
    guard_sides,
    guard_speaker,
    other_event,
    pick_view,
    scores_from_logits,
    settle,
    shared_command_reader,
    shared_event_reader,
    stance_views,
)

DEFAULT_PAIRS = Path(__file__).resolve().parents[2] / "data" / "news-pairs" / "pairs.jsonl"
# The same claims as people post them (docs/annotation-social.md), one post per claim of a sample.
POSTS_FILE = "social.jsonl"
# The same claims against another sentence of their article that a search shows beside theirs
# (data/news-pairs/README.md, "Neighbours"): nearly all neutral, where a side is the demo's failure.
NEIGHBOURS_FILE = "neighbours.jsonl"
EVENTS_FILE = "events.jsonl"


class Split(StrEnum):
    TRAIN = "train"
    DEV = "dev"
    TEST = "test"


class NewsSource(StrEnum):
    POLNEAR_DEV = "polnear-dev"
    FNC1 = "fnc1"
    ARC = "arc"


@dataclass(frozen=True)
class NewsPair:
    """One written claim against one article sentence, by reference (no sentence text)."""

    id: str
    source: str
    article: str
    start: int
    end: int
    sha: str
    claim: str
    label: str
    kind: str
    voice: str
    split: str
    annotator: str


@dataclass(frozen=True)
class NewsExample:
    """A pair with its sentence read from the data directory and the sentence's attributed speaker."""

    pair: NewsPair
    evidence: str
    speaker: str | None
    # The article's sentence before it (the event-time guard's context), read only for a claim
    # with a year in it; None for the first sentence or where not read.
    previous: str | None = None


def same_sentence(passage: str, sentence: str) -> bool:
    """A retrieved passage is a pair's sentence (the splitter may cut a sentence a little differently)."""
    a, b = _folded(passage), _folded(sentence)
    return bool(a and b) and (a[:60] in b or b[:60] in a)


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def sentence_sha(sentence: str) -> str:
    return hashlib.sha1(sentence.encode("utf-8")).hexdigest()[:12]


def article_split(source: str, article: str) -> Split:
    """PolNeAR dev articles of the half earlier models were trained on (train/stance_news.py's
    `train` half) and every FNC-1 / ARC body are training articles; the other PolNeAR half, never
    trained on, is split into dev and test by a second hash of the name."""
    if source != NewsSource.POLNEAR_DEV:
        return Split.TRAIN
    if zlib.crc32(article.encode("utf-8")) % 2 == 0:
        return Split.TRAIN
    return (Split.DEV, Split.TEST)[zlib.crc32((article + "/devtest").encode("utf-8")) % 2]


def read_articles(data: Path, source: str) -> dict[str, str]:
    """Article id -> full text, for one training-allowed source (never PolNeAR `test/`)."""
    if source == NewsSource.POLNEAR_DEV:
        folder = data / "polnear" / "dev" / "text"
        return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))}
    paths = {
        NewsSource.FNC1: data / "fnc-1" / "competition_test_bodies.csv",
        NewsSource.ARC: data / "nli-train" / "arc" / "arc_bodies.csv",
    }
    if source not in paths:
        raise ValueError(f"unknown news source {source!r}")
    csv.field_size_limit(sys.maxsize)
    with paths[NewsSource(source)].open(encoding="utf-8", newline="") as f:
        return {row["Body ID"]: row["articleBody"] for row in csv.DictReader(f)}


def load_pairs(path: Path = DEFAULT_PAIRS, splits: Iterable[str] | None = None) -> list[NewsPair]:
    wanted = set(splits) if splits is not None else None
    pairs = []
    names = [x.name for x in dataclasses.fields(NewsPair)]
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if line.strip():
                try:
                    row = json.loads(line)
                    if not isinstance(row, dict) or set(row) != set(names):
                        raise ValueError(f"expected the fields {', '.join(names)}")
                    pair = NewsPair(**row)
                except (TypeError, ValueError) as exc:
                    # data/news-pairs/README.md describes the fields; a file of (claim, evidence) pairs is
                    # what `claimbot stance` labels, not this
                    raise ValueError(f"{path}:{number}: not a news pair ({exc}; data/news-pairs/README.md)") from exc
                if wanted is None or pair.split in wanted:
                    pairs.append(pair)
    return pairs


def build_examples(pairs: list[NewsPair], data: Path, speakers: bool = True) -> list[NewsExample]:
    """Read each pair's sentence (checked against its hash) and, with `speakers`, who says it
    according to the attribution of its whole article, as ingest attributes passages."""
    texts: dict[str, dict[str, str]] = {}

    def articles_of(source: str) -> dict[str, str]:
        # each source is read once: a source is a folder of articles or one large CSV
        if source not in texts:
            texts[source] = read_articles(data, source)
        return texts[source]

    by_article: dict[tuple[str, str], dict[tuple[int, int], str | None]] = {}
    if speakers:
        for source, article in sorted({(p.source, p.article) for p in pairs}):
            text = articles_of(source).get(article)
            if text is None:
                continue  # reported below, with the pair that names it
            spans: dict[tuple[int, int], str | None] = {}
            for s in attribute_text(text)["sentences"]:
                spans[(s["start"], s["end"])] = s.get("speaker")
            by_article[(source, article)] = spans
    sentences: dict[tuple[str, str], list[Sentence]] = {}
    out = []
    for p in pairs:
        articles = articles_of(p.source)
        if p.article not in articles:
            raise ValueError(f"pair {p.id}: article {p.source}/{p.article} is not in {data}")
        sentence = articles[p.article][p.start : p.end]
        if sentence_sha(sentence) != p.sha:
            raise ValueError(f"pair {p.id}: the sentence at {p.source}/{p.article}#{p.start}-{p.end} changed")
        speaker = _speaker_at(by_article.get((p.source, p.article), {}), p.start, p.end)
        previous = None
        if YEAR_PATTERN.search(p.claim):
            key = (p.source, p.article)
            if key not in sentences:
                sentences[key] = [s for s in split_sentences(articles[p.article]) if s.kind == "text"]
            before = [s.text for s in sentences[key] if s.char_end <= p.start]
            previous = re.sub(r"\s+", " ", before[-1]).strip() if before else None
        out.append(NewsExample(p, re.sub(r"\s+", " ", sentence).strip(), speaker, previous))
    return out


def _speaker_at(spans: dict[tuple[int, int], str | None], start: int, end: int) -> str | None:
    """The speaker of the attributed sentence that holds most of [start, end): the annotation
    packets and ingest split sentences the same way (syntok) but not always at the same places."""
    best, overlap = None, 0
    for (s, e), speaker in spans.items():
        o = min(e, end) - max(s, start)
        if o > overlap:
            best, overlap = speaker, o
    return best


@dataclass
class ViewLogits:
    """Raw logits of every view of every example (whole sentence first), so that calibration can be
    refitted without scoring again."""

    logits: list[np.ndarray] = field(default_factory=list)
    claims: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    # Who each claim says spoke, and who the passage's article attributes the sentence to (check's
    # speaker guard); empty lists where not known (guard off).
    claim_speakers: list[str | None] = field(default_factory=list)
    speakers: list[str | None] = field(default_factory=list)
    # Whether each passage is a command (check's command guard); empty where not read (guard off).
    commands: list[bool] = field(default_factory=list)
    # Whether each passage tells of another event than the claim's dated one (check's event-time
    # guard; the team's articles have no publication date, so only written years and the previous
    # sentence's set a passage's time); empty where not read (guard off).
    other_events: list[bool] = field(default_factory=list)


def view_logits(
    model: StanceModel, examples: list[NewsExample], splitter: ClauseSplitter | None, speakers: bool = True
) -> ViewLogits:
    joined = splitter.split([e.evidence for e in examples]) if splitter else [[] for _ in examples]
    views = [stance_views(e.evidence, e.speaker, j) for e, j in zip(examples, joined, strict=True)]
    flat = model.logits([(e.pair.claim, v) for e, vs in zip(examples, views, strict=True) for v in vs])
    out, i = ViewLogits(claims=[e.pair.claim for e in examples], evidence=[e.evidence for e in examples]), 0
    if speakers:
        out.claim_speakers = [claim_speaker(e.pair.claim) for e in examples]
        out.speakers = [e.speaker for e in examples]
    out.commands = shared_command_reader().commands(out.evidence)
    events = shared_event_reader()
    out.other_events = [other_event(events.dated_events(e.pair.claim), e.evidence, e.previous, None) for e in examples]
    for vs in views:
        out.logits.append(flat[i : i + len(vs)])
        i += len(vs)
    return out


@dataclass(frozen=True)
class Calibration:
    temperature: float
    side_threshold: float
    confident_threshold: float
    # Where the model folder has one, the selector decides which sides are confident, not the threshold.
    selector: Selector | None = field(default=None, repr=False)

    def __str__(self) -> str:
        confident = (
            f"confident: selector >= {self.selector.threshold}"
            if self.selector
            else f"confident threshold {self.confident_threshold}"
        )
        return f"temperature {self.temperature}, side threshold {self.side_threshold}, {confident}"


def picked(vl: ViewLogits, cal: Calibration, selector_threshold: float | None = None) -> list[StanceScore]:
    """The view `check` shows for each example under a calibration, with check's quantity, speaker,
    command and event-time guards and its confidence rule (the selector, at `selector_threshold` if
    given)."""
    n = len(vl.claims)
    claim_speakers = vl.claim_speakers or [None] * n
    speakers = vl.speakers or [None] * n
    commands = vl.commands or [False] * n
    others = vl.other_events or [False] * n
    return [
        settle(
            cal.selector,
            claim,
            evidence,
            speaker,
            guard_event_time(
                other,
                guard_command(
                    command,
                    command and about_words(claim, said_by),
                    pick_view(
                        [
                            guard_speaker(said_by, evidence, speaker, guard_sides(claim, evidence, view))
                            for view in scores_from_logits(
                                lg, cal.temperature, cal.side_threshold, cal.confident_threshold
                            )
                        ]
                    ),
                ),
            ),
            selector_threshold,
        )
        for lg, claim, evidence, said_by, speaker, command, other in zip(
            vl.logits, vl.claims, vl.evidence, claim_speakers, speakers, commands, others, strict=True
        )
    ]


def _macro_f1(gold: list[str], pred: list[str]) -> float:
    return macro_f1(np.array([LABELS.index(g) for g in gold]), np.array([LABELS.index(p) for p in pred]))


@dataclass(frozen=True)
class SideCount:
    confident: int
    precision: float


@dataclass(frozen=True)
class NewsReport:
    """The issue's figures for one split: precision of confident supports / refutes, the share of
    gold supports / refutes pairs with the right confident label, 3-way macro-F1; per kind and voice."""

    n: int
    gold: dict[str, int]
    macro_f1: float
    accuracy: float
    confident: int
    confident_precision: float
    confident_by_side: dict[str, SideCount]
    gold_sided_right_confident: float
    by_kind: dict[str, dict[str, float]]
    by_voice: dict[str, dict[str, float]]


def report(examples: list[NewsExample], scores: list[StanceScore]) -> NewsReport:
    gold = [e.pair.label for e in examples]
    pred = [s.label for s in scores]
    confident = [(g, s.label) for g, s in zip(gold, scores, strict=True) if s.confident]
    n_sided = sum(g != "neutral" for g in gold)
    right_confident = sum(
        1 for g, s in zip(gold, scores, strict=True) if g != "neutral" and s.confident and s.label == g
    )
    by: dict[str, dict[str, list[bool]]] = {"kind": defaultdict(list), "voice": defaultdict(list)}
    for e, p in zip(examples, pred, strict=True):
        by["kind"][f"{e.pair.kind}:{e.pair.label}"].append(p == e.pair.label)
        by["voice"][f"{e.pair.voice}:{e.pair.label}"].append(p == e.pair.label)
    per_side = {}
    for side in ("supports", "refutes"):
        marked = [g for g, label in confident if label == side]
        per_side[side] = SideCount(len(marked), round(_ratio(sum(g == side for g in marked), len(marked)), 4))

    def table(groups: dict[str, list[bool]]) -> dict[str, dict[str, float]]:
        return {k: {"n": len(v), "acc": round(_ratio(sum(v), len(v)), 3)} for k, v in sorted(groups.items())}

    return NewsReport(
        n=len(examples),
        gold={label: gold.count(label) for label in LABELS},
        macro_f1=round(_macro_f1(gold, pred), 4),
        accuracy=round(_ratio(sum(g == p for g, p in zip(gold, pred, strict=True)), len(gold)), 4),
        confident=len(confident),
        confident_precision=round(_ratio(sum(g == p for g, p in confident), len(confident)), 4),
        confident_by_side=per_side,
        gold_sided_right_confident=round(_ratio(right_confident, n_sided), 4),
        by_kind=table(by["kind"]),
        by_voice=table(by["voice"]),
    )


def curve(examples: list[NewsExample], vl: ViewLogits, cal: Calibration) -> list[dict[str, float]]:
    """Coverage / precision of confident sides as the confident threshold moves, or the selector's
    threshold where the calibration has a selector (the model card's curve)."""
    rows = []
    for t in np.arange(0.40, 1.0, 0.05):
        if cal.selector:
            r = report(examples, picked(vl, cal, float(t)))
        else:
            r = report(examples, picked(vl, Calibration(cal.temperature, cal.side_threshold, float(t))))
        rows.append(
            {
                "threshold": round(float(t), 2),
                "confident_share": round(_ratio(r.confident, len(examples)), 4),
                "precision": r.confident_precision,
                "gold_sided_right_confident": r.gold_sided_right_confident,
            }
        )
    return rows


def fit_calibration(
    examples: list[NewsExample], vl: ViewLogits, target_precision: float = 0.9, min_confident: int = 20
) -> Calibration:
    """Temperature, side threshold and confident threshold fitted on one split (dev): the side
    threshold and temperature by 3-way macro-F1, then the lowest confident threshold whose confident
    sides reach `target_precision` with at least `min_confident` of them (1.0, nothing confident,
    if none does)."""
    gold = [e.pair.label for e in examples]
    best: tuple[float, float, float] | None = None
    for temperature in (1.0, 1.3, 1.6, 2.0, 2.5):
        for side in (0.34, 0.375, 0.4, 0.45, 0.5, 0.55, 0.6):
            f1 = _macro_f1(gold, [s.label for s in picked(vl, Calibration(temperature, side, 1.0))])
            if best is None or f1 > best[0] + 1e-9:
                best = (f1, temperature, side)
    assert best is not None
    _, temperature, side = best
    for t in np.arange(0.40, 1.0, 0.01):
        r = report(examples, picked(vl, Calibration(temperature, side, float(t))))
        if r.confident >= min_confident and r.confident_precision >= target_precision:
            return Calibration(temperature, side, round(float(t), 2))
    return Calibration(temperature, side, 1.0)


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def format_report(reports: dict[str, NewsReport]) -> str:
    lines = []
    for name, r in reports.items():
        sup, ref = r.confident_by_side["supports"], r.confident_by_side["refutes"]
        lines.append(
            f"{name:<6} n={r.n:<5} macro-F1 {r.macro_f1:.3f}  confident {r.confident:>4} "
            f"precision {r.confident_precision:.3f} (supports {sup.precision:.2f} of {sup.confident}, "
            f"refutes {ref.precision:.2f} of {ref.confident})  "
            f"gold sides right and confident {r.gold_sided_right_confident:.3f}"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class NewsEvaluation:
    """`claimbot eval stance --news`: per split, the figures under the model's own calibration, and
    the coverage / precision curve of its confident threshold; `posts`: per split, the pairs that
    have a post (data/news-pairs/social.jsonl) scored with the claim as written (`claims`), the post
    as typed (`posts`) and the post as `check` reads it (`read`)."""

    model: str
    calibration: Calibration
    reports: dict[str, NewsReport]
    curves: dict[str, list[dict[str, float]]]
    posts: dict[str, dict[str, NewsReport]] = field(default_factory=dict)
    # per split, the neighbour pairs (NEIGHBOURS_FILE) under the same calibration
    neighbours: dict[str, NewsReport] = field(default_factory=dict)
    # per split, the event pairs (EVENTS_FILE): claims about one event of an article against a
    # sentence about it or about another of its events
    events: dict[str, NewsReport] = field(default_factory=dict)


def load_posts(path: Path) -> dict[str, str]:
    """Pair id → post, from a posts file ({"id", "split", "style", "post", "annotator"} lines)."""
    posts = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                posts[str(row["id"])] = str(row["post"])
    return posts


def read_as_check_reads(post: str, evidence: str) -> str:
    """A post as `check` reads it (`ClaimIndex.read_claim`), with the pair's sentence as the passage
    names take their case from. English only: the pairs are English."""
    nlp, lock = shared_nlp()
    return truecase(read_post(post, nlp, lock), [evidence])


def _posts_reports(
    model: StanceModel,
    examples: list[NewsExample],
    splitter: ClauseSplitter | None,
    cal: Calibration,
    posts: dict[str, str],
) -> dict[str, NewsReport]:
    chosen = [e for e in examples if e.pair.id in posts]
    if not chosen:
        return {}
    out = {}
    for name, claim_of in (
        ("claims", lambda e: e.pair.claim),
        ("posts", lambda e: posts[e.pair.id]),
        ("read", lambda e: read_as_check_reads(posts[e.pair.id], e.evidence)),
    ):
        ex = [NewsExample(replace(e.pair, claim=claim_of(e)), e.evidence, e.speaker) for e in chosen]
        out[name] = report(ex, picked(view_logits(model, ex, splitter), cal))
    return out


def evaluate_news(
    model: StanceModel,
    data: Path,
    splitter: ClauseSplitter | None,
    pairs_path: Path = DEFAULT_PAIRS,
    splits: Iterable[str] = (Split.DEV, Split.TEST),
) -> NewsEvaluation:
    cal = Calibration(model.temperature, model.side_threshold, model.confident_threshold, model.selector)
    reports, curves, by_post = {}, {}, {}
    extra: dict[str, dict[str, NewsReport]] = {NEIGHBOURS_FILE: {}, EVENTS_FILE: {}}
    posts_path = pairs_path.with_name(POSTS_FILE)
    posts = load_posts(posts_path) if posts_path.is_file() else {}
    for split in splits:
        examples = build_examples(load_pairs(pairs_path, [split]), data)
        vl = view_logits(model, examples, splitter)
        reports[str(split)] = report(examples, picked(vl, cal))
        curves[str(split)] = curve(examples, vl, cal)
        if found := _posts_reports(model, examples, splitter, cal, posts):
            by_post[str(split)] = found
        for name, found in extra.items():
            path = pairs_path.with_name(name)
            if path.is_file() and (more := build_examples(load_pairs(path, [split]), data)):
                found[str(split)] = report(more, picked(view_logits(model, more, splitter), cal))
    return NewsEvaluation(model.version, cal, reports, curves, by_post, extra[NEIGHBOURS_FILE], extra[EVENTS_FILE])
