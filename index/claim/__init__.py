"""The claim: what a pasted post claims, read before the search and the stance model see it.

The public door of the subpackage: other parts of claimbot import these names from
`claimbot.index.claim`, not from its modules.
"""

from claimbot.index.claim.reading import (
    ClaimReading,
    Cleanup,
    is_handles,
    is_hashtags,
    is_link,
    is_reaction,
    read_post,
    truecase,
)
from claimbot.index.corpus import shared_nlp
from claimbot.index.factchecks.language import detect_language, stance_reads


def read_claim(post: str) -> ClaimReading:
    """What a (validated) post claims: links, emoji, hashtags, "BREAKING:", "I heard that", "lol"
    removed, a yes/no question turned into its statement, with the process's spaCy pipeline."""
    nlp, lock = shared_nlp()
    reading = read_post(post, nlp, lock)
    # The language is told from what is read: "Pérez escaped 😱😱 wow" as typed was Spanish to the
    # detector. Where the English reading is not English, the post is read in its own language
    # (only links, emoji, tags and "!!!" go: "u" is Spanish for "or", not "you").
    if not stance_reads(detect_language(reading.claim)):
        reading = read_post(post, nlp, lock, english=False)
    return reading


__all__ = [
    "ClaimReading",
    "Cleanup",
    "is_handles",
    "is_hashtags",
    "is_link",
    "is_reaction",
    "read_claim",
    "read_post",
    "truecase",
]
