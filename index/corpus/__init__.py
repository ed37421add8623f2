"""Corpus: reading sources, splitting text into sentences and passages, attributing who says what, ingesting.

The public door of the subpackage: other parts of claimbot import these names from
`claimbot.index.corpus`, not from its modules.
"""

from claimbot.index.corpus.attribution import (
    SPACY_MODEL,
    Attributor,
    SentenceAttribution,
    attribute_text,
    claim_speaker,
    import_spacy_without_torch,
    load_spacy_model,
    shared_attributor,
    shared_nlp,
    voice_of,
)
from claimbot.index.corpus.ingest import IngestEvent, Ingestor
from claimbot.index.corpus.sources import (
    DEFAULT_USER_AGENT,
    JSONL_SUFFIXES,
    SUPPORTED_SUFFIXES,
    XML_DECLARATION_ENCODING,
    FetchedDocument,
    SourceError,
    SourceItem,
    SourceOptions,
    address_refusal_ahead,
    article_from_document,
    canonical_url,
    count_nonblank_lines,
    document_text,
    fetch_client,
    fetch_document,
    http_url,
    is_hidden,
    read_inputs,
)
from claimbot.index.corpus.text import normalise, split_sentences

__all__ = [
    "DEFAULT_USER_AGENT",
    "JSONL_SUFFIXES",
    "SPACY_MODEL",
    "SUPPORTED_SUFFIXES",
    "XML_DECLARATION_ENCODING",
    "Attributor",
    "FetchedDocument",
    "IngestEvent",
    "Ingestor",
    "import_spacy_without_torch",
    "load_spacy_model",
    "SentenceAttribution",
    "SourceError",
    "SourceItem",
    "SourceOptions",
    "address_refusal_ahead",
    "article_from_document",
    "attribute_text",
    "canonical_url",
    "claim_speaker",
    "count_nonblank_lines",
    "document_text",
    "fetch_client",
    "fetch_document",
    "http_url",
    "is_hidden",
    "normalise",
    "read_inputs",
    "shared_attributor",
    "shared_nlp",
    "voice_of",
    "split_sentences",
]
