"""Text helpers the pool builder and the pair scripts share: normalised keys (for overlap and
duplicate checks), sentence splitting, content words, stable hashes."""

from __future__ import annotations

import hashlib
import re

from claimbot.index.evaluation import PTB

_NONALNUM = re.compile(r"[\W_]+", re.UNICODE)


def norm_key(s: str) -> str:
    """Normalised key: lowercase, PTB brackets undone, punctuation and all
    whitespace removed (so tokenised 'Minogue 's' == "Minogue's")."""
    for a, b in PTB.items():
        s = s.replace(a, b)
    return _NONALNUM.sub("", s.lower())


_SENT_SPLIT = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"'“‘(]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    out: list[str] = []
    for para in re.split(r"\n\s*\n|\n", text):
        para = para.strip()
        if not para:
            continue
        for s in _SENT_SPLIT.split(para):
            s = s.strip()
            if s:
                out.append(s)
    return out


STOPWORDS = set(
    """a an the of to in on for and or but is are was were be been being by with at from as that this
these those it its he she they them his her their we our you your i me my not no yes do does did has have had
will would can could should may might must than then there here what which who whom whose when where why how
all any some more most such only own same so too very s t just also into over after before about up down out
said says say according new one two""".split()
)
_WORD = re.compile(r"[A-Za-z0-9]+")


def content_tokens(s: str) -> set[str]:
    return {w for w in (t.lower() for t in _WORD.findall(s)) if w not in STOPWORDS and len(w) > 1}


def n_words(s: str) -> int:
    return len(s.split())


def clip_words(s: str, n: int) -> str:
    w = s.split()
    return s if len(w) <= n else " ".join(w[:n])


def stable_hash(s: str) -> int:
    return int(hashlib.md5(s.encode("utf-8")).hexdigest()[:12], 16)
