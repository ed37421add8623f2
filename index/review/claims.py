"""The claim a user asks about: the one validator every entry point uses (CLI, bot, service), and
the keys that compare claims (normalised text, mentioned subjects, negation)."""

from __future__ import annotations

import re
import unicodedata

from claimbot.index.config import Settings
from claimbot.index.review.errors import ReviewError

# The one claim-length limit: CLAIMBOT_MAX_CLAIM_CHARS, whose default this is.
DEFAULT_MAX_CLAIM_CHARS: int = Settings.model_fields["max_claim_chars"].default

_MENTION = re.compile(r"<@[!&]?\d+>|<#\d+>|@everyone|@here")
# Whom a claim is about, when it names people by mention: "<@111> is a scammer" is not "<@222> is a scammer".
_SUBJECT_MENTION = re.compile(r"<@[!&]?\d+>|<#\d+>")
_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)
_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nobody|nothing|neither|nor|without|false|untrue|fake|denie[sd]|deny|cannot)\b|n't\b|n’t\b"
    # contractions typed without the apostrophe, as chat often has them
    r"|\b(?:is|was|are|were|do|does|did|ca|could|wo|would|should|has|have|had|ai)nt\b",
    re.IGNORECASE,
)


class ClaimError(ReviewError):
    """A claim that cannot be checked (empty, mentions only, too long, not text, nothing to search
    for); the message is for the user."""


def validate_claim(text: str | None, max_chars: int = DEFAULT_MAX_CLAIM_CHARS) -> str:
    """The claim as it is checked and stored (NFC, whitespace collapsed), or `ClaimError` with a
    message for the user. `max_chars` is the setting CLAIMBOT_MAX_CLAIM_CHARS."""
    # NFC as articles are stored: a claim typed with combining accents ("Pe\u0301rez") must find
    # the same words.
    claim = " ".join(unicodedata.normalize("NFC", text or "").split())
    if not claim:
        raise ClaimError('the claim is empty; write the claim you want checked, e.g. "Pérez was killed"')
    if not normalise_claim(claim):
        raise ClaimError("the claim only contains mentions; write the claim itself in words")
    if len(claim) > max_chars:
        raise ClaimError(
            f"the claim is {len(claim)} characters long; the limit is {max_chars}; quote the key sentence only"
        )
    try:
        claim.encode("utf-8")
    except UnicodeEncodeError:  # bytes a terminal could not decode arrive as lone surrogates
        raise ClaimError("the claim is not valid text (it holds bytes that are not UTF-8)") from None
    return claim


def normalise_claim(text: str) -> str:
    """The claim text to compare and embed: mentions dropped, whitespace collapsed."""
    return " ".join(_MENTION.sub(" ", text).split())


def mentioned(text: str) -> frozenset[str]:
    """The users, roles and channels a claim mentions (`<@!1>` and `<@1>` are the same user)."""
    return frozenset(m.group().replace("<@!", "<@") for m in _SUBJECT_MENTION.finditer(text))


def claim_key(text: str) -> str:
    """Exact-match key: normalised, case-folded, surrounding punctuation removed."""
    return _EDGE_PUNCT.sub("", normalise_claim(text).casefold())


def negation_mismatch(a: str, b: str) -> bool:
    """True when one claim is negated and the other is not ("X was killed" / "X was not killed").
    Sentence embeddings put such pairs close together (0.93 measured), so a correction never
    carries across them."""
    return bool(_NEGATION.search(a)) != bool(_NEGATION.search(b))
