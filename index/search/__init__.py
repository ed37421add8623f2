"""Search: embedding passages, the vector indexes (faiss, pgvector) and rank fusion.

The public door of the subpackage: other parts of claimbot import these names from
`claimbot.index.search`, not from its modules.
"""

from claimbot.index.search.embed import Embedder, EmbedModelError, shared_embedder
from claimbot.index.search.fulltext import DIRECTORY as FULLTEXT_DIRECTORY
from claimbot.index.search.fulltext import FullTextBackend, TantivyFullText, open_fulltext
from claimbot.index.search.retrieve import reciprocal_rank_fusion
from claimbot.index.search.vectors import VectorBackend, VectorIndex, open_vector_index

__all__ = [
    "FULLTEXT_DIRECTORY",
    "EmbedModelError",
    "Embedder",
    "FullTextBackend",
    "TantivyFullText",
    "VectorBackend",
    "VectorIndex",
    "open_fulltext",
    "open_vector_index",
    "reciprocal_rank_fusion",
    "shared_embedder",
]
