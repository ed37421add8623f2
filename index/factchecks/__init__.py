"""Published fact-checks: ClaimReview markup read from ingested pages, stored, and matched to a
claim across languages; and the language a claim is written in.

The public door of the subpackage: other parts of claimbot import these names from
`claimbot.index.factchecks`, not from its modules.
"""

from claimbot.index.factchecks.encoder import MultilingualEncoder
from claimbot.index.factchecks.language import (
    PASSAGE_MIN_SCORE,
    detect_language,
    language_name,
    same_language,
    stance_reads,
)
from claimbot.index.factchecks.markup import claim_reviews, normalise_rating
from claimbot.index.factchecks.match import disagreement
from claimbot.index.factchecks.reader import FactCheckReader, packaged_reader_dir, reader_config
from claimbot.index.factchecks.service import READ_AT_MOST, FactCheckService, with_fact_checks

__all__ = [
    "PASSAGE_MIN_SCORE",
    "READ_AT_MOST",
    "FactCheckReader",
    "FactCheckService",
    "MultilingualEncoder",
    "claim_reviews",
    "detect_language",
    "disagreement",
    "language_name",
    "same_language",
    "normalise_rating",
    "packaged_reader_dir",
    "reader_config",
    "stance_reads",
    "with_fact_checks",
]
