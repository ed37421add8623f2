"""The records the passes build (spans, relations while they are built, name mentions) and the
offset helpers every pass uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from claimbot.index.corpus.attribution.lexicon import PRONOUNS, RELATIVE_PRONOUNS


@dataclass(frozen=True)
class Span:
    text: str
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass
class _Rel:
    """A relation while it is built: token-level facts kept for the sentence decision."""

    source: Span | None
    cue: Span | None
    content: Span
    speaker: str | None
    sentence: int  # position of the sentence holding the cue
    main: bool  # the cue is the sentence's main verb (or a conjunct of it)
    extras: list[str] = field(default_factory=list)  # "citing X", "on Twitter", "to CNN"
    description: str | None = None  # "(Pérez's mother)"
    from_quote: bool = False
    medium: str | None = None
    propositional: bool = True  # False for a noun-phrase content ("condemned the attack")

    def attribution(self, writer: str = "the author") -> str:
        text = self.speaker or (self.source.text if self.source else "an unnamed source")
        if self.speaker is None and (text.casefold() in PRONOUNS or text.casefold() in RELATIVE_PRONOUNS):
            # "It said …" with nobody to resolve "it" to: a bare "It" would read as a name.
            # "I"/"we" left unresolved is the writer ("as we reported"): the outlet.
            text = writer if text.casefold() in ("i", "we") else f"an unidentified speaker (“{text.casefold()}”)"
        if self.description:
            text = f"{text} ({self.description})"
        extras = [e for e in ([self.medium] if self.medium else []) + self.extras if e]
        return ", ".join([text, *extras])


@dataclass
class _Mention:
    name: str
    position: int  # sentence position
    offset: int
    kind: str  # "person" | "org" | "group"
    gender: str | None
    speaker: bool
    subject: bool


class _Spans:
    """Spans of the article text, trimmed on the shadow text (same offsets)."""

    text: str
    shadow: str

    def _span(self, start: int, end: int) -> Span:
        return Span(self.text[start:end], start, end)

    def _trim_content(self, span: Span) -> Span:
        start, end = span.start, span.end
        while start < end and self.shadow[start] in " ,—–-:;\n":
            start += 1
        while end > start and self.shadow[end - 1] in " ,—–-:;\n":
            end -= 1
        return self._span(start, end)

    def _trim_source(self, span: Span) -> Span:
        start, end = span.start, span.end
        while start < end and self.shadow[start] in " ,—–-\n":
            start += 1
        while end > start and self.shadow[end - 1] in " —–-\n":
            end -= 1
        return self._span(start, end)
