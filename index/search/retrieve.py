"""Hybrid retrieval: BM25 and dense rankings fused by reciprocal rank fusion.

Claims hinge on names and numbers, where BM25 beats small embedders (FEVER nDCG@10 0.753 vs
0.519); paraphrases and unnamed quotes need the dense side. RRF needs no score calibration
between the two.
"""

from __future__ import annotations

from collections.abc import Sequence

from claimbot.index.records import Hit

RRF_K = 60


def reciprocal_rank_fusion(dense: Sequence[int], lexical: Sequence[int], k: int = RRF_K) -> list[Hit]:
    """Fused hits, best first; `relevance` is scaled to 1.0 for a passage ranked first by both."""
    scores: dict[int, float] = {}
    dense_rank: dict[int, int] = {}
    lexical_rank: dict[int, int] = {}
    for rank, passage_id in enumerate(dense, start=1):
        dense_rank.setdefault(passage_id, rank)
    for rank, passage_id in enumerate(lexical, start=1):
        lexical_rank.setdefault(passage_id, rank)
    for passage_id, rank in dense_rank.items():
        scores[passage_id] = scores.get(passage_id, 0.0) + 1.0 / (k + rank)
    for passage_id, rank in lexical_rank.items():
        scores[passage_id] = scores.get(passage_id, 0.0) + 1.0 / (k + rank)
    best = 2.0 / (k + 1)
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [
        Hit(
            passage_id=pid,
            relevance=round(score / best, 4),
            dense_rank=dense_rank.get(pid),
            lexical_rank=lexical_rank.get(pid),
        )
        for pid, score in ordered
    ]
