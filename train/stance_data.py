"""Build the training pool for claimbot's 3-way stance model.

Every pair is a `train.pairs.Pair`: ``{"claim", "evidence", "label", "source", "group", "split"}``
with label in LABELS = ["supports", "refutes", "neutral"].  ``group`` keys the held-out dev
split (all pairs of one group go to the same side, so no claim leaks).

Data rules (see shared/data/README.md): training only on vitaminc, fnc-1,
covid-fact, nli-train/* except fever-triggers.  Every pair whose claim or
evidence (or any sentence of a multi-sentence evidence) also occurs in an
evaluation-only set is dropped; drops are counted per source.

Run:  python -m train.stance_data [--data-dir DIR] [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# Shared with the packaged product, so that training, the overlap filter and `claimbot eval
# stance` read the evaluation sets and undo PTB tokenisation the same way.
from claimbot.index.evaluation import detok, eval_pairs, read_jsonl, read_zip_jsonl
from train.pairs import Pair, make_pair, read_pairs, write_jsonl
from train.perturb import synth_pairs
from train.settings import default_data_dir, default_run_dir
from train.text import clip_words, content_tokens, n_words, norm_key, split_sentences, stable_hash

SEED = 13

csv.field_size_limit(sys.maxsize)


# ---------------------------------------------------------------- readers
def read_csv(path: Path) -> Iterator[dict[str, str]]:
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        yield from csv.DictReader(f)


def eval_texts(data: Path) -> set[str]:
    """Normalised keys of every claim / evidence text (and each evidence sentence)
    of every evaluation-only set."""
    texts: list[str] = []
    for rows in eval_pairs(data).values():
        for r in rows:
            texts.append(r["claim"])
            texts.append(r["evidence"])
            texts.extend(split_sentences(r["evidence"]))
    for split in ("dev", "train"):
        for r in read_jsonl(data / "scifact" / f"claims_{split}.jsonl"):
            texts.append(r["claim"])
    for r in json.load(open(data / "averitec" / "dev.json", encoding="utf-8")):
        texts.append(r.get("claim") or "")
        texts.extend(split_sentences(r.get("justification") or ""))
        for q in r.get("questions") or []:
            texts.append(q.get("question") or "")
            for a in q.get("answers") or []:
                texts.append(a.get("answer") or "")
                texts.extend(split_sentences(a.get("answer") or ""))
    for fn in ("test2.jsonl", "val2.jsonl"):
        for r in read_jsonl(data / "liar-plus" / fn):
            texts.append(r.get("claim") or "")
            texts.extend(split_sentences(r.get("justification") or ""))
    keys = set()
    for t in texts:
        if t and len(t.split()) >= 3:  # ignore trivially short strings ("No.", "Yes")
            k = norm_key(t)
            if len(k) >= 12:
                keys.add(k)
    return keys


# ---------------------------------------------------------------- sources
def P(claim: str, evidence: str, label: str, source: str, group: str | None = None) -> Pair:
    """A pair; its group defaults to the claim's normalised text."""
    return make_pair(claim, evidence, label, source, group or norm_key(claim)[:200])


def load_vitaminc(data: Path) -> tuple[list[dict[str, Any]], dict[str, str]]:
    m = {"SUPPORTS": "supports", "REFUTES": "refutes", "NOT ENOUGH INFO": "neutral"}
    return list(read_zip_jsonl(data / "vitaminc" / "vitaminc_real.zip")), m


def src_vitaminc(data: Path, rng: random.Random) -> tuple[list[Pair], list[Pair], list[dict[str, Any]]]:
    rows, m = load_vitaminc(data)
    pairs = [P(detok(r["claim"]), detok(r["evidence"]), m[r["label"]], "vitaminc", "vc:" + r["case_id"]) for r in rows]
    # on-topic neutral: claim vs an evidence sentence of another revision case on the same page
    by_page = collections.defaultdict(list)
    for r in rows:
        by_page[r["page"]].append(r)
    ontopic: list[Pair] = []
    for page in sorted(by_page):
        rs = by_page[page]
        cases = sorted({r["case_id"] for r in rs})
        if len(cases) < 2:
            continue
        for r in rs:
            if rng.random() > 0.28:
                continue
            others = [o for o in rs if o["case_id"] != r["case_id"]]
            o = rng.choice(others)
            ct, ot = content_tokens(r["claim"]), content_tokens(o["evidence"])
            # skip if the other sentence repeats most of the claim: it may well decide it
            if ct and len(ct & ot) / len(ct) > 0.6:
                continue
            ontopic.append(
                P(detok(r["claim"]), detok(o["evidence"]), "neutral", "vitaminc-ontopic", "vc:" + r["case_id"])
            )
    return pairs, ontopic, rows


def src_vitaminc_synth(data: Path) -> list[Pair]:
    m = {"SUPPORTS": "supports", "REFUTES": "refutes", "NOT ENOUGH INFO": "neutral"}
    return [
        P(detok(r["claim"]), detok(r["evidence"]), m[r["label"]], "vitaminc-synthetic", "vcs:" + r["case_id"])
        for r in read_zip_jsonl(data / "nli-train" / "vitaminc-synthetic" / "vitaminc_synthetic.zip")
    ]


def src_snli(data: Path) -> list[Pair]:
    d = data / "nli-train" / "snli-dev-test"
    m = {"entailment": "supports", "contradiction": "refutes", "neutral": "neutral"}
    out: list[Pair] = []
    for split in ("dev", "test"):
        s1 = open(d / f"s1.{split}", encoding="utf-8").read().splitlines()
        s2 = open(d / f"s2.{split}", encoding="utf-8").read().splitlines()
        lb = open(d / f"labels.{split}", encoding="utf-8").read().splitlines()
        for a, b, raw_label in zip(s1, s2, lb, strict=False):
            label = raw_label.strip()
            if label in m:
                # group by premise: SNLI hypotheses of one premise stay together
                out.append(P(detok(b), detok(a), m[label], "snli", "snli:" + norm_key(a)[:200]))
    return out


def src_sick(data: Path) -> list[Pair]:
    m = {"ENTAILMENT": "supports", "CONTRADICTION": "refutes", "NEUTRAL": "neutral"}
    out: list[Pair] = []
    with open(data / "nli-train" / "sick" / "SICK.txt", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            out.append(
                P(
                    r["sentence_B"],
                    r["sentence_A"],
                    m[r["entailment_label"]],
                    "sick",
                    "sick:" + norm_key(r["sentence_A_original"] or r["sentence_A"])[:200],
                )
            )
    return out


def src_anli(data: Path) -> list[Pair]:
    m = {"SUPPORTS": "supports", "REFUTES": "refutes", "NOT ENOUGH INFO": "neutral"}
    return [
        P(r["claim"], r["evidence"], m[r["label"]], "anli", "anli:" + norm_key(r["evidence"])[:200])
        for r in read_zip_jsonl(data / "nli-train" / "anli-test" / "anli.zip")
    ]


def src_healthver(data: Path) -> list[Pair]:
    m = {"Supports": "supports", "Refutes": "refutes", "Neutral": "neutral"}
    out: list[Pair] = []
    for fn in ("healthver_dev.csv", "healthver_test.csv"):
        for r in read_csv(data / "nli-train" / "healthver" / fn):
            label = (r.get("label") or "").strip()
            if label in m:
                out.append(P(r["claim"].strip(), r["evidence"].strip(), m[label], "healthver"))
    return out


def src_breaking(data: Path, rng: random.Random) -> list[Pair]:
    m = {"entailment": "supports", "contradiction": "refutes", "neutral": "neutral"}
    rows = [
        r for r in read_zip_jsonl(data / "nli-train" / "breaking-nli" / "breaking_nli_dataset.zip", "dataset.jsonl")
    ]
    out: list[Pair] = []
    for r in rows:
        label = m.get(r["gold_label"])
        if label is None:
            continue
        if label == "refutes" and rng.random() > 0.35:  # 7,164 contradictions: keep ~2,500
            continue
        out.append(P(r["sentence2"], r["sentence1"], label, "breaking-nli", "bnli:" + norm_key(r["sentence1"])[:200]))
    return out


def best_sentences(headline: str, sents: list[str], k: int) -> list[int]:
    ht = content_tokens(headline)
    scored = []
    for i, s in enumerate(sents):
        st = content_tokens(s)
        if not st or n_words(s) < 4:
            continue
        ov = len(ht & st)
        scored.append((ov / (len(ht) ** 0.5 + 1e-9) + ov / (len(st) ** 0.5 + 1e-9) * 0.2, -i, i))
    scored.sort(reverse=True)
    return [i for *_, i in scored[:k]]


def stance_pairs(
    stances: list[dict[str, str]],
    bodies: dict[str, str],
    source: str,
    rng: random.Random,
    unrelated_keep: float,
    ontopic_rate: float,
) -> tuple[list[Pair], list[Pair], dict[str, list[str]]]:
    """FNC-format stance pairs: headline vs the 1-3 most relevant body sentences."""
    m = {"agree": "supports", "disagree": "refutes", "discuss": "neutral", "unrelated": "neutral"}
    split_cache: dict[str, list[str]] = {}
    out: list[Pair] = []
    ontopic: list[Pair] = []
    for r in stances:
        st = r["Stance"].strip()
        if st not in m:
            continue
        if st == "unrelated" and rng.random() > unrelated_keep:
            continue
        bid = r["Body ID"].strip()
        if bid not in bodies:
            continue
        if bid not in split_cache:
            split_cache[bid] = [s for s in split_sentences(bodies[bid]) if 4 <= n_words(s) <= 80]
        sents = split_cache[bid]
        if not sents:
            continue
        head = r["Headline"].strip().strip('"').strip()
        if not head:
            continue
        k = 1 + (stable_hash(head + bid) % 3)  # 1, 2 or 3 sentences
        idx = best_sentences(head, sents, k) if st != "unrelated" else [rng.randrange(len(sents))]
        if not idx:
            continue
        idx = sorted(idx)
        ev = " ".join(sents[i] for i in idx)
        ev = clip_words(ev, 90)
        src = source + ("-unrelated" if st == "unrelated" else "")
        out.append(P(head, ev, m[st], src, f"{source}:" + norm_key(head)[:200]))
        # on-topic neutral: a low-ranked sentence of the same article that shares a
        # topic word with the headline but is not among the most relevant ones
        if st in ("agree", "disagree", "discuss") and rng.random() < ontopic_rate and len(sents) >= 6:
            top = set(best_sentences(head, sents, 4))
            ht = content_tokens(head)
            cand = [
                i
                for i, s in enumerate(sents)
                if i not in top and 1 <= len(ht & content_tokens(s)) <= max(1, len(ht) // 4)
            ]
            if cand:
                i = rng.choice(cand)
                ontopic.append(P(head, sents[i], "neutral", source + "-ontopic", f"{source}:" + norm_key(head)[:200]))
    return out, ontopic, split_cache


def read_bodies(path: Path) -> dict[str, str]:
    """An FNC-1-style bodies file (FNC-1, ARC): body id -> article text."""
    return {r["Body ID"].strip(): r["articleBody"] for r in read_csv(path)}


def src_fnc(data: Path, rng: random.Random) -> tuple[list[Pair], list[Pair], list[str]]:
    d = data / "nli-train" / "fnc-1-train"
    bodies = read_bodies(d / "train_bodies.csv")
    stances = list(read_csv(d / "train_train_stances.csv")) + list(read_csv(d / "train_test_stances.csv"))
    a, a_on, a_cache = stance_pairs(stances, bodies, "fnc1-train", rng, 0.11, 0.3)
    d2 = data / "fnc-1"
    bodies2 = read_bodies(d2 / "competition_test_bodies.csv")
    b, b_on, b_cache = stance_pairs(
        list(read_csv(d2 / "competition_test_stances.csv")), bodies2, "fnc1-test", rng, 0.11, 0.3
    )
    news_sents = [s for c in (a_cache, b_cache) for ss in c.values() for s in ss]
    return a + b, a_on + b_on, news_sents


def src_arc(data: Path, rng: random.Random) -> list[Pair]:
    d = data / "nli-train" / "arc"
    bodies = read_bodies(d / "arc_bodies.csv")
    stances = list(read_csv(d / "arc_stances_train.csv")) + list(read_csv(d / "arc_stances_test.csv"))
    a, _, _ = stance_pairs(stances, bodies, "arc", rng, 0.11, 0.0)
    return a


def src_covidfact(data: Path, rng: random.Random) -> tuple[list[Pair], list[Pair], list[str]]:
    m = {"SUPPORTED": "supports", "REFUTED": "refutes"}
    rows = list(read_jsonl(data / "covid-fact" / "COVIDFACT_dataset.jsonl"))
    out: list[Pair] = []
    for r in rows:
        ev = " ".join(s.strip() for s in r["evidence"] if s.strip())
        ev = clip_words(ev, 90)
        if not ev or r["label"] not in m:
            continue
        out.append(P(r["claim"], ev, m[r["label"]], "covid-fact", "cf:" + (r.get("gold_source") or r["claim"])))
    # on-topic neutral: claim vs an evidence sentence retrieved for a *different*
    # original claim (different gold_source) that shares topic words with it
    by_src = collections.defaultdict(list)
    for r in rows:
        by_src[r.get("gold_source") or r["claim"]].append(r)
    inv = collections.defaultdict(set)
    srcs = sorted(by_src)
    sent_of = {}
    for si, s in enumerate(srcs):
        sents = sorted({e.strip() for r in by_src[s] for e in r["evidence"] if n_words(e) >= 6})
        sent_of[s] = sents
        for t in {t for e in sents for t in content_tokens(e)}:
            inv[t].add(si)
    ontopic: list[Pair] = []
    for si, s in enumerate(srcs):
        if rng.random() > 0.45:
            continue
        r = by_src[s][0]
        ct = content_tokens(r["claim"]) - {"covid", "19", "sars", "cov", "coronavirus", "virus"}
        cnt = collections.Counter(j for t in sorted(ct) for j in inv.get(t, ()) if j != si)
        # sort explicitly: Counter tie order would follow str-hash-dependent set iteration
        cands = [j for j, c in sorted(cnt.items(), key=lambda jc: (-jc[1], jc[0]))[:8] if c >= 2]
        if not cands:
            continue
        j = rng.choice(cands)
        sents = sent_of[srcs[j]]
        if not sents:
            continue
        best = max(sents, key=lambda e: (len(ct & content_tokens(e)), e))
        if ct and len(ct & content_tokens(best)) / len(ct) > 0.6:
            continue
        ontopic.append(P(r["claim"], best, "neutral", "covid-fact-ontopic", "cf:" + s))
    sents = [e.strip() for r in rows if r["label"] == "SUPPORTED" for e in r["evidence"]]
    return out, ontopic, sents


# ---------------------------------------------------------------- build
def build_pool(data: Path, log: Callable[[str], object] = print) -> tuple[list[Pair], dict[str, Any]]:
    log(f"data dir: {data}")
    ev_keys = eval_texts(data)
    log(f"eval-only texts (normalised keys): {len(ev_keys)}")

    parts: dict[str, list[Pair]] = {}
    vc, vc_on, _vc_rows = src_vitaminc(data, random.Random(SEED + 1))
    parts["vitaminc"] = vc
    parts["vitaminc-ontopic"] = vc_on
    parts["vitaminc-synthetic"] = src_vitaminc_synth(data)
    parts["snli"] = src_snli(data)
    parts["sick"] = src_sick(data)
    parts["anli"] = src_anli(data)
    parts["healthver"] = src_healthver(data)
    parts["breaking-nli"] = src_breaking(data, random.Random(SEED + 2))
    fnc, fnc_on, news_sents = src_fnc(data, random.Random(SEED + 3))
    for p in fnc + fnc_on:
        parts.setdefault(p["source"], []).append(p)
    for p in src_arc(data, random.Random(SEED + 4)):
        parts.setdefault(p["source"], []).append(p)
    cf, cf_on, cf_sents = src_covidfact(data, random.Random(SEED + 5))
    parts["covid-fact"] = cf
    parts["covid-fact-ontopic"] = cf_on

    stats: dict[str, Any] = {"raw": {}, "dropped_eval_overlap": {}, "dropped_dupes": {}}

    def overlaps(p: Pair) -> bool:
        if norm_key(p["claim"]) in ev_keys or norm_key(p["evidence"]) in ev_keys:
            return True
        sents = split_sentences(p["evidence"])
        return len(sents) > 1 and any(norm_key(s) in ev_keys for s in sents)

    pool: list[Pair] = []
    seen: set[tuple[str, str]] = set()
    for name in sorted(parts):
        kept: list[Pair] = []
        drop = dup = 0
        for p in parts[name]:
            p["claim"] = clip_words(p["claim"].strip(), 60)
            p["evidence"] = p["evidence"].strip()
            if not p["claim"] or not p["evidence"]:
                continue
            if overlaps(p):
                drop += 1
                continue
            k = (norm_key(p["claim"]), norm_key(p["evidence"]))
            if k in seen:
                dup += 1
                continue
            seen.add(k)
            kept.append(p)
        stats["raw"][name] = len(parts[name])
        stats["dropped_eval_overlap"][name] = drop
        stats["dropped_dupes"][name] = dup
        pool.extend(kept)

    # synthetic news-domain perturbations: sentences from clean FNC bodies, covid-fact and
    # vitaminc evidence (only from pairs that survived the eval-overlap filter)
    vc_sents = [p["evidence"] for p in pool if p["source"] == "vitaminc" and p["label"] == "supports"]

    def clean(ss: list[str]) -> list[str]:
        return [s for s in ss if norm_key(s) not in ev_keys]

    srng = random.Random(SEED + 6)
    news = clean(news_sents)
    srng.shuffle(news)
    cfs = clean(cf_sents)
    srng.shuffle(cfs)
    vcs = clean(vc_sents)
    srng.shuffle(vcs)
    n_total = len(pool)
    n_syn = int(n_total * 0.13 / 0.87)
    syn_all: list[Pair] = []
    kinds: collections.Counter[str] = collections.Counter()
    for ss, share in ((news, 0.6), (cfs, 0.15), (vcs, 0.25)):
        s_pairs, s_kinds = synth_pairs(ss, int(n_syn * share), srng)
        syn_all += s_pairs
        kinds.update(s_kinds)
    drop = dup = 0
    for p in syn_all:
        if overlaps(p):
            drop += 1
            continue
        k = (norm_key(p["claim"]), norm_key(p["evidence"]))
        if k in seen:
            dup += 1
            continue
        seen.add(k)
        pool.append(p)
    stats["raw"]["synthetic"] = len(syn_all)
    stats["dropped_eval_overlap"]["synthetic"] = drop
    stats["dropped_dupes"]["synthetic"] = dup
    stats["synthetic_kinds"] = dict(sorted(kinds.items()))

    # held-out dev slice, by group (no claim leaks), ~4% of groups, stratified by source
    for p in pool:
        p["split"] = "dev" if stable_hash("dev|" + p["source"] + "|" + p["group"]) % 1000 < 40 else "train"
    # guarantee no claim text on both sides: dev pairs whose claim also occurs in train go to train
    train_claims = {norm_key(p["claim"]) for p in pool if p["split"] == "train"}
    moved = 0
    for p in pool:
        if p["split"] == "dev" and norm_key(p["claim"]) in train_claims:
            p["split"] = "train"
            moved += 1
    stats["moved_to_train_for_claim_leak"] = moved

    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for p in pool:
        counts[p["source"]][p["label"]] += 1
        counts["TOTAL-" + p["split"]][p["label"]] += 1
    stats["counts"] = {k: dict(v) for k, v in sorted(counts.items())}
    return pool, stats


def format_stats(stats: dict[str, Any]) -> str:
    lines = [
        f"{'source':28s} {'raw':>7s} {'evdrop':>7s} {'dupes':>6s} {'supports':>9s} {'refutes':>8s} "
        f"{'neutral':>8s} {'total':>7s}"
    ]
    for name, c in stats["counts"].items():
        raw = stats["raw"].get(name, "")
        dr = stats["dropped_eval_overlap"].get(name, "")
        du = stats["dropped_dupes"].get(name, "")
        tot = sum(c.values())
        lines.append(
            f"{name:28s} {raw!s:>7s} {dr!s:>7s} {du!s:>6s} {c.get('supports', 0):9d} "
            f"{c.get('refutes', 0):8d} {c.get('neutral', 0):8d} {tot:7d}"
        )
    lines.append("synthetic kinds: " + json.dumps(stats.get("synthetic_kinds", {})))
    lines.append(f"dev pairs moved to train (claim also in train): {stats.get('moved_to_train_for_claim_leak')}")
    return "\n".join(lines)


def pool_path(out_dir: Path) -> Path:
    return out_dir / "pool.jsonl"


def load_or_build(data: Path, out_dir: Path, rebuild: bool = False, log: Callable[[str], object] = print) -> list[Pair]:
    out_dir.mkdir(parents=True, exist_ok=True)
    pp = pool_path(out_dir)
    if pp.exists() and not rebuild:
        log(f"loading cached pool {pp}")
        return read_pairs(pp)
    pool, stats = build_pool(data, log)
    write_jsonl(pp, pool)
    with open(out_dir / "pool_stats.json", "w") as f:
        json.dump(stats, f, indent=1)
    txt = format_stats(stats)
    (out_dir / "pool_stats.txt").write_text(txt + "\n")
    log(txt)
    return pool


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--out-dir", type=Path, default=default_run_dir())
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--show", type=int, default=0, help="print N random synthetic pairs")
    a = ap.parse_args(argv)
    pool = load_or_build(a.data_dir, a.out_dir, a.rebuild)
    print(f"pool: {len(pool)} pairs -> {pool_path(a.out_dir)}")
    if a.show:
        rng = random.Random(0)
        for p in rng.sample([p for p in pool if p["source"].endswith(("synthetic", "ontopic"))], a.show):
            print(json.dumps(p, ensure_ascii=False))


if __name__ == "__main__":
    main()
