"""`check` at 10k, 100k and 1M passages: full text, dense, stance, memory and start-up (issue 26).

    python bench/bench_scale.py                          # 10k, 100k and 1M (about 25 min on 2 cores)
    python bench/bench_scale.py --sizes 10000,100000     # quicker
    python bench/bench_scale.py --keep --out /tmp/scale  # keep the built indexes for a rerun
    python bench/bench_scale.py --sizes 1000000 --keep --claims 240   # a p95 that moves less between runs

Where the data comes from. Text: sentences of the FNC-1 and ARC article bodies under
CLAIMBOT_DATA_DIR (training-allowed), each passage one sentence with the one before it as its
context; past the number of real sentences, copies with a fifth of their words swapped for words
of other sentences, so that term statistics stay those of news text. Vectors: MiniLM embeddings
of the FNC-1 test sentences (computed once, cached in --out), each passage's vector a random mix
of two of them plus Gaussian noise, normalised. Claims: FNC-1 test headlines. Every passage goes
through the product's write path (`Store.write_article`: triggers, id marks, change log), 20
passages an article; the faiss and Tantivy caches are then built by `ClaimIndex` as a first
start builds them.

Per size, in one process per measurement so that memory and start-up are the product's own:
start-to-first-answer (`claimbot serve`'s warm-up plus one check), RSS after warm-up, check p50/p95
with and without stance, and interleaved per claim: the Tantivy search, the FTS5 BM25 query it
replaced (an FTS5 table built on the same passages, the baseline), the dense search, and recall
of the quantised vectors' top 20 and of the fused top 20 against exact search with FTS5 (the
previous engine). Run it on a quiet machine; the figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

csv.field_size_limit(sys.maxsize)
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PER_ARTICLE = 20
CLAIMS = 60
WORD = re.compile(r"\w+")


def _data_dir() -> Path:
    from claimbot.index.config import Settings

    return Settings().data_dir


def sentences(data: Path) -> list[str]:
    from claimbot.index.corpus import split_sentences

    out: list[str] = []
    seen: set[str] = set()
    for path in [
        data / "fnc-1/competition_test_bodies.csv",
        data / "nli-train/fnc-1-train/train_bodies.csv",
        data / "nli-train/arc/arc_bodies.csv",
    ]:
        if not path.exists():
            continue
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                for s in split_sentences(row["articleBody"]):
                    text = s.text.strip()
                    if 20 <= len(text) <= 400 and text not in seen:
                        seen.add(text)
                        out.append(text)
    if not out:
        sys.exit(f"no FNC-1 bodies under {data} (set CLAIMBOT_DATA_DIR)")
    return out


def claims(data: Path, n: int = CLAIMS) -> list[str]:
    with (data / "fnc-1/competition_test_stances.csv").open(newline="", encoding="utf-8") as handle:
        heads = list(dict.fromkeys(row["Headline"] for row in csv.DictReader(handle)))
    return heads[:: max(1, len(heads) // n)][:n]


def base_vectors(out: Path, texts: list[str]) -> np.ndarray:
    cache = out / "base_vectors.npy"
    if cache.exists():
        return np.load(cache)
    from claimbot.index.search import shared_embedder

    print(f"embedding {len(texts):,} base sentences once (cached in {cache})", flush=True)
    vectors = shared_embedder().encode(texts)
    np.save(cache, vectors)
    return vectors


def build(home: Path, size: int, texts: list[str], base: np.ndarray) -> None:
    """Write `size` passages through the product's write path, then let ClaimIndex build its caches."""
    from claimbot.index.config import Settings
    from claimbot.index.records import ArticleInput, PassageDraft, Sentence
    from claimbot.index.storage import Store, make_engine

    home.mkdir(parents=True, exist_ok=True)
    store = Store(make_engine(f"sqlite:///{home / 'claimbot.db'}"))
    store.set_meta("embed_model", Settings().embed_model)  # the vectors are MiniLM's, mixed
    rng = np.random.default_rng(size)
    vocab = [w for t in texts[:20000] for w in WORD.findall(t)]
    written = 0
    started = time.perf_counter()
    article = 0
    while written < size:
        n = min(PER_ARTICLE, size - written)
        picked = [(written + i) % len(texts) for i in range(n)]
        body = []
        for i, index in enumerate(picked):
            text = texts[index]
            if written + i >= len(texts):  # a copy: a fifth of its words swapped
                words = text.split()
                for w in rng.choice(len(words), size=max(1, len(words) // 5), replace=False):
                    words[w] = vocab[int(rng.integers(len(vocab)))]
                text = " ".join(words)
            body.append(text)
        full = " ".join(body)
        drafts, offset = [], 0
        for i, text in enumerate(body):
            sentence = Sentence(text=text, char_start=offset, char_end=offset + len(text), paragraph=0, position=i)
            offset += len(text) + 1
            context = f"Article {article}. " + (body[i - 1] if i else "")
            drafts.append(PassageDraft(sentence=sentence, embed_text=text, context=context))
        a = rng.integers(0, len(base), n)
        b = rng.integers(0, len(base), n)
        mix = base[a] + rng.uniform(0.2, 0.8, (n, 1)).astype(np.float32) * base[b]
        mix += rng.normal(0, 0.03, mix.shape).astype(np.float32)
        mix /= np.linalg.norm(mix, axis=1, keepdims=True)
        store.write_article(
            ArticleInput(text=full, title=f"Article {article}", url=f"https://bench.example/{size}/{article}"),
            f"{size}-{article}",
            drafts,
            mix.astype(np.float32),
        )
        written += n
        article += 1
        if article % 2000 == 0:
            print(f"  {written:,} passages written ({written / (time.perf_counter() - started):,.0f}/s)", flush=True)
    print(f"  wrote {written:,} passages in {time.perf_counter() - started:,.0f} s", flush=True)
    # The baseline: the FTS5 table the product used before issue 26, on the same passages.
    with store.engine.begin() as c:
        c.exec_driver_sql(
            "CREATE VIRTUAL TABLE bench_fts USING fts5(text, context, content='passages', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        c.exec_driver_sql("INSERT INTO bench_fts(bench_fts) VALUES ('rebuild')")
    store.engine.dispose()


def probe(home: Path, claim_file: Path, result_file: Path) -> None:
    """Run in its own process with CLAIMBOT_HOME=home: what `serve` does, then the measurements."""
    t0 = float(os.environ["BENCH_T0"])
    import resource

    from claimbot.index.config import Settings
    from claimbot.index.service import ClaimIndex
    from claimbot.index.storage import query_words

    settings = Settings()
    index = ClaimIndex(settings)
    opened = time.time()
    index.check_setup()
    index.warm_up()
    warmed = time.time()
    texts = json.loads(claim_file.read_text())
    index.check(texts[0])
    first = time.time()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open("/proc/self/status") as handle:
        current_kib = int(next(line for line in handle if line.startswith("VmRSS")).split()[1])

    def timed(fn):
        start = time.perf_counter()
        value = fn()
        return value, (time.perf_counter() - start) * 1000

    rows = []
    engine = index.store.engine
    k = settings.candidates
    for claim in texts:
        query = index.embedder.encode([claim])[0]
        words = list(dict.fromkeys(query_words(claim)))
        match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
        lex, t_lex = timed(lambda: index.lexical_search(claim, k))  # noqa: B023
        with engine.connect() as c:
            fts, t_fts = timed(
                lambda: [  # noqa: B023
                    r[0]
                    for r in c.exec_driver_sql(
                        "SELECT rowid FROM bench_fts WHERE bench_fts MATCH ? ORDER BY bm25(bench_fts, 1.0, 0.3) LIMIT ?",
                        (match, k),  # noqa: B023
                    )
                ]
            )
        dense, t_dense = timed(lambda: [i for i, _ in index.vectors.search(query, k)])  # noqa: B023
        _, t_embed = timed(lambda: index.embedder.encode([claim]))  # noqa: B023
        _, t_plain = timed(lambda: index.check(claim, stance=False))  # noqa: B023
        _, t_full = timed(lambda: index.check(claim))  # noqa: B023
        rows.append(
            {
                "lexical": lex,
                "fts5": fts,
                "dense": dense,
                "t_lexical": t_lex,
                "t_fts5": t_fts,
                "t_dense": t_dense,
                "t_embed": t_embed,
                "t_check_plain": t_plain,
                "t_check": t_full,
                "query": query.tolist(),
            }
        )
    result_file.write_text(
        json.dumps(
            {
                "open_s": opened - t0,
                "warm_s": warmed - t0,
                "first_answer_s": first - t0,
                "rss_peak_mib": rss_kib / 1024,
                "rss_mib": current_kib / 1024,
                "passages": index.store.counts()[1],
                "quantised": bool(getattr(index.vectors, "is_quantised", False)),
                "rows": rows,
            }
        )
    )
    index.close()


def exact_top(home: Path, queries: np.ndarray, k: int) -> np.ndarray:
    """Exact inner-product top k over every stored vector, read in chunks."""
    from claimbot.index.storage import Store, from_blobs, make_engine

    store = Store(make_engine(f"sqlite:///{home / 'claimbot.db'}"))
    best_ids = np.full((len(queries), 0), -1, dtype=np.int64)
    best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    last = 0
    with store.engine.connect() as c:
        while True:
            rows = c.exec_driver_sql(
                "SELECT id, embedding FROM passages WHERE id > ? ORDER BY id LIMIT 50000", (last,)
            ).all()
            if not rows:
                break
            ids = np.asarray([r[0] for r in rows], dtype=np.int64)
            scores = queries @ from_blobs([r[1] for r in rows], queries.shape[1]).T
            all_ids = np.concatenate([best_ids, np.broadcast_to(ids, scores.shape)], axis=1)
            all_scores = np.concatenate([best_scores, scores], axis=1)
            order = np.argsort(-all_scores, axis=1)[:, :k]
            best_ids = np.take_along_axis(all_ids, order, axis=1)
            best_scores = np.take_along_axis(all_scores, order, axis=1)
            last = int(ids[-1])
    store.engine.dispose()
    return best_ids


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def report(size: int, result: dict, exact: np.ndarray) -> dict:
    from claimbot.index.search import reciprocal_rank_fusion

    rows = result["rows"]
    dense_recall, fused_recall, lexical_recall = [], [], []
    for row, truth in zip(rows, exact, strict=True):
        dense_recall.append(len(set(row["dense"][:20]) & set(truth[:20].tolist())) / 20)
        before = [h.passage_id for h in reciprocal_rank_fusion(truth.tolist(), row["fts5"])][:20]
        after = [h.passage_id for h in reciprocal_rank_fusion(row["dense"], row["lexical"])][:20]
        fused_recall.append(len(set(before) & set(after)) / max(1, len(before)))
        if row["fts5"]:
            lexical_recall.append(len(set(row["fts5"][:20]) & set(row["lexical"][:20])) / len(row["fts5"][:20]))
    line = {
        "size": size,
        "passages": result["passages"],
        "first_answer_s": round(result["first_answer_s"], 2),
        "open_s": round(result["open_s"], 2),
        "rss_mib": round(result["rss_mib"]),
        "rss_peak_mib": round(result["rss_peak_mib"]),
        "rss_kb_per_passage": round(result["rss_mib"] * 1024 * 1.024 / result["passages"], 3),
        "quantised": result["quantised"],
    }
    for name in ["t_check", "t_check_plain", "t_lexical", "t_fts5", "t_dense", "t_embed"]:
        values = [r[name] for r in rows]
        line[name + "_p50"] = round(pct(values, 50), 1)
        line[name + "_p95"] = round(pct(values, 95), 1)
    other = [r["t_check_plain"] - r["t_lexical"] - r["t_dense"] - r["t_embed"] for r in rows]
    stance = [r["t_check"] - r["t_check_plain"] for r in rows]
    line["t_other_p50"] = round(pct(other, 50), 1)
    line["t_stance_p50"] = round(pct(stance, 50), 1)
    line["dense_recall20"] = round(float(np.mean(dense_recall)), 4)
    line["lexical_same_top20"] = round(float(np.mean(lexical_recall)), 4)
    line["fused_recall20_vs_before"] = round(float(np.mean(fused_recall)), 4)
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--out", type=Path, default=Path("/tmp/claimbot-bench-scale"))
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the built indexes")
    parser.add_argument(
        "--claims", type=int, default=CLAIMS, help="FNC-1 headlines asked (more: a steadier p95, a longer run)"
    )
    parser.add_argument("--probe", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(*args.probe)
        return
    data = _data_dir()
    args.out.mkdir(parents=True, exist_ok=True)
    texts = sentences(data)
    base = base_vectors(args.out, sentences_for_vectors(data))
    claim_file = args.out / "claims.json"
    claim_file.write_text(json.dumps(claims(data, args.claims)))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{len(texts):,} real sentences, {len(base):,} base vectors",
        flush=True,
    )
    for size in [int(s) for s in args.sizes.split(",")]:
        home = args.out / f"home-{size}"
        built = not (args.keep and (home / "claimbot.db").exists())
        if built:
            shutil.rmtree(home, ignore_errors=True)
            print(f"building {size:,} passages", flush=True)
            build(home, size, texts, base)
        # Whether the first start finds the caches, or builds them (a kept database without them).
        cached = (home / "vectors").is_dir() and any((home / "vectors").iterdir())
        for attempt in ("cold", "warm"):
            # cold: the first start builds the caches from the database; warm: a restart.
            result_file = args.out / f"result-{size}-{attempt}.json"
            env = dict(os.environ, CLAIMBOT_HOME=str(home), BENCH_T0=str(time.time()))
            subprocess.run(
                [sys.executable, __file__, "--probe", str(home), str(claim_file), str(result_file)], env=env, check=True
            )
            result = json.loads(result_file.read_text())
            if attempt == "cold":
                what = "caches kept from an earlier run" if cached else "caches built from the database"
                print(f"  first start ({what}): {result['first_answer_s']:.1f} s to the first answer", flush=True)
        queries = np.asarray([r["query"] for r in result["rows"]], dtype=np.float32)
        print(json.dumps(report(size, result, exact_top(home, queries, 50))), flush=True)
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


def sentences_for_vectors(data: Path) -> list[str]:
    from claimbot.index.corpus import split_sentences

    out: list[str] = []
    with (data / "fnc-1/competition_test_bodies.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            out += [s.text.strip() for s in split_sentences(row["articleBody"]) if 20 <= len(s.text.strip()) <= 400]
    return list(dict.fromkeys(out))


if __name__ == "__main__":
    main()
