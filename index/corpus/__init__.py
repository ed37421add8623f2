"""Corpus: reading sources, splitting text into sentences and passages, attributing who says what, ingesting.

The public door of the subpackage: other parts of claimbot import these names from
`claimbot.index.corpus`, not from its modules.
"""

from claimbot.index.corpus.attribution import (
    SPACY_MODEL,
    Attributor,
    SentenceAttribution,
    attribute_text,
    shared_attributor,
)
from claimbot.index.corpus.ingest import IngestEvent, Ingestor
from claimbot.index.corpus.sources import (
    JSONL_SUFFIXES,
    SUPPORTED_SUFFIXES,
    SourceError,
    SourceItem,
    SourceOptions,
    count_nonblank_lines,
    read_inputs,
)
from claimbot.index.corpus.text import normalise, split_sentences

__all__ = [
    "JSONL_SUFFIXES",
    "SPACY_MODEL",
    "SUPPORTED_SUFFIXES",
    "Attributor",
    "IngestEvent",
    "Ingestor",
    "SentenceAttribution",
    "SourceError",
    "SourceItem",
    "SourceOptions",
    "attribute_text",
    "count_nonblank_lines",
    "normalise",
    "read_inputs",
    "shared_attributor",
    "split_sentences",
]
