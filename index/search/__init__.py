"""Search: embedding passages, the vector indexes (faiss, pgvector) and rank fusion.

The public door of the subpackage: other parts of claimbot import these names from
`claimbot.index.search`, not from its modules.
"""

from claimbot.index.search.embed import Embedder, shared_embedder
from claimbot.index.search.retrieve import reciprocal_rank_fusion
from claimbot.index.search.vectors import VectorBackend, VectorIndex, open_vector_index

__all__ = [
    "Embedder",
    "VectorBackend",
    "VectorIndex",
    "open_vector_index",
    "reciprocal_rank_fusion",
    "shared_embedder",
]
