"""A claim that names who spoke is about that speaker's words, not about anyone else's.

"Obama declared that the museum tells the truth …" is not supported by "“This museum tells the
truth …,” Mr. Bush declared", nor refuted by another senator who says otherwise: the model reads
the two sentences as nearly the same and gives a side, with confidence. When the claim names its
speaker, the passage is attributed to someone else by name, and the claim's speaker is not named in
the passage either, the passage takes no side on the claim (`check` shows it as neutral).

Only names are compared: a description ("the president", "one Democratic source", "Stein's
spokeswoman") may well be the person the claim names, so it is left to the model. On the team's
real-news dev pairs this turned 32 of 1,222 labels neutral, 26 of them rightly (docs/stance-model.md).
"""

from __future__ import annotations

import re
import unicodedata

from claimbot.index.stance.model import StanceScore

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# Words of a name that do not tell two people apart.
_TITLES = {
    "mr", "mrs", "ms", "dr", "sir", "president", "senator", "sen", "rep", "gov", "governor", "minister",
    "prime", "secretary", "general", "the", "jr", "sr",
}  # fmt: skip


# A claim typed on a keyboard says "O'Brien" where the article prints "O’Brien": the same name.
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_APOSTROPHES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _is_name(speaker: str) -> bool:
    """Every word capitalised: "Jason Chaffetz", "Democrats", "Mr. Burman"; not "the president"."""
    words = _WORD.findall(speaker)
    return bool(words) and all(w[0].isupper() for w in words)


def _name_words(text: str) -> set[str]:
    return {w for w in (_fold(w) for w in _WORD.findall(text)) if len(w) > 2 and w not in _TITLES}


def other_speaker(claim_speaker: str | None, passage: str, passage_speaker: str | None) -> bool:
    """The passage is someone else's words: both speakers are names, they share no word, and the
    claim's speaker is not named in the passage."""
    if not claim_speaker or not passage_speaker:
        return False
    if not (_is_name(claim_speaker) and _is_name(passage_speaker)):
        return False
    claimed = _name_words(claim_speaker)
    if not claimed or claimed & _name_words(passage_speaker):
        return False
    return not claimed & {_fold(w) for w in _WORD.findall(passage)}


def guard_speaker(
    claim_speaker: str | None, passage: str, passage_speaker: str | None, score: StanceScore
) -> StanceScore:
    """The model's score for one view, unless the view takes a side on words another speaker said:
    then neutral (its probabilities kept, for the record)."""
    if score.label != "neutral" and other_speaker(claim_speaker, passage, passage_speaker):
        return score.without_side()
    return score
