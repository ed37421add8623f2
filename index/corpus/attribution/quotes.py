"""Quote regions: found on the text per paragraph, looked up by offset, and chained to the relation
of the quote before them (pass 1 and pass 4)."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

from claimbot.index.corpus.attribution.lexicon import _MIN_QUOTE_WORDS
from claimbot.index.corpus.attribution.spans import _Rel, _Spans
from claimbot.index.records import Sentence


@dataclass
class _Quote:
    start: int
    end: int
    paragraph: int
    closed: bool
    speech: bool
    relation: _Rel | None = None


def _find_quotes(text: str, sentences: list[Sentence]) -> list[_Quote]:
    """Double-quoted regions per paragraph; an unclosed quote ends at its paragraph's end."""
    paras: dict[int, list[int]] = {}
    for s in sentences:
        span = paras.setdefault(s.paragraph, [s.char_start, s.char_end])
        span[0], span[1] = min(span[0], s.char_start), max(span[1], s.char_end)
    quotes: list[_Quote] = []
    for para, (p_start, p_end) in sorted(paras.items()):
        open_at: int | None = None
        for pos in range(p_start, p_end):
            ch = text[pos]
            if ch == '"' and open_at is None and pos > p_start and text[pos - 1].isdigit():
                continue  # an inch mark (a 55" television), not an opening quote
            if ch == "“" or (ch == '"' and open_at is None):
                if open_at is not None:  # a reopened quote: close the previous one here
                    quotes.append(_make_quote(text, open_at, pos, para, False))
                open_at = pos
            elif ch in '”"' and open_at is not None:
                quotes.append(_make_quote(text, open_at, pos + 1, para, True))
                open_at = None
        if open_at is not None:
            quotes.append(_make_quote(text, open_at, p_end, para, False))
    return quotes


def _make_quote(text: str, start: int, end: int, para: int, closed: bool) -> _Quote:
    inner = text[start + 1 : end - 1 if closed else end]
    words = len(inner.split())
    speech = words >= _MIN_QUOTE_WORDS or (words >= 2 and bool(re.search(r"[.,!?…]\s*$", inner)))
    return _Quote(start=start, end=end, paragraph=para, closed=closed, speech=speech)


class _QuoteState(_Spans):
    """The article's speech quotes, by offset and by paragraph."""

    sentences: list[Sentence]
    is_text: list[bool]
    quotes: list[_Quote]
    speech_quotes: list[_Quote]
    _quote_starts: list[int]
    speech_by_para: dict[int, list[_Quote]]
    extra_rels: list[_Rel]

    def _in_speech_quote(self, offset: int) -> _Quote | None:
        k = bisect.bisect_right(self._quote_starts, offset) - 1
        if k >= 0 and offset < self.speech_quotes[k].end:
            return self.speech_quotes[k]
        return None

    def _speech_quotes_overlapping(self, start: int, end: int) -> list[_Quote]:
        k = max(0, bisect.bisect_right(self._quote_starts, start) - 1)
        out = []
        while k < len(self.speech_quotes) and self.speech_quotes[k].start < end:
            if self.speech_quotes[k].end > start:
                out.append(self.speech_quotes[k])
            k += 1
        return out

    def mostly_quoted(self, i: int) -> bool:
        """At least half of sentence i lies inside speech quotes."""
        sent = self.sentences[i]
        inside = sum(
            min(q.end, sent.char_end) - max(q.start, sent.char_start)
            for q in self._speech_quotes_overlapping(sent.char_start, sent.char_end)
        )
        return inside * 2 >= sent.char_end - sent.char_start > 0

    def _adjacent_quotes(self, i: int, doc: Any, tok: Any, subj: Any, used: set[int]) -> list[_Quote]:
        """Speech quotes that the cue clause introduces or closes: the clause is the run of
        words around the cue outside quotes; a quote touching it (only punctuation between)
        in the same paragraph is its content."""
        sent = self.sentences[i]
        base = sent.char_start
        cue_pos = base + tok.idx

        def outside(t: Any) -> bool:
            return not self._in_speech_quote(base + t.idx) and not (t.is_punct and t.text in '“”"')

        lo = hi = tok.i
        while lo - 1 >= 0 and outside(doc[lo - 1]):
            lo -= 1
        while hi + 1 < len(doc) and outside(doc[hi + 1]):
            hi += 1
        words = [t for t in doc[lo : hi + 1] if not t.is_space and not t.is_punct]
        if not words:
            return []
        c_lo = base + words[0].idx
        c_hi = base + words[-1].idx + len(words[-1].text)
        para = sent.paragraph
        own_content = any(c.dep_ in ("dobj", "obj", "ccomp", "xcomp", "attr", "oprd") for c in tok.children)
        said_clause = any(c.dep_ in ("ccomp", "xcomp") for c in tok.children)
        found: list[_Quote] = []
        for q in self.speech_by_para.get(para, []):
            if id(q) in used or q.relation is not None:
                continue
            if q.start <= cue_pos < q.end:
                continue
            if q.end <= c_lo:
                # “…,” X said: a quote that ends its own sentence ("…regime.”) before a clause
                # that starts the next one and has content of its own ("The army denied the
                # claim.") is not what that clause says; before a bare "Pérez said." it still is.
                ends_sentence = q.closed and self.shadow[q.start : q.end - 1].rstrip()[-1:] == "."
                if ends_sentence and q.end <= sent.char_start and own_content:
                    continue
                if not self.shadow[q.end : c_lo].strip(" ,—–-:;\n\u00a0"):
                    found.append(q)
            elif q.start >= c_hi:
                # "Three people died, police said." says what they said (a clause): a quote opening
                # the next sentence is not theirs; after "Pérez said.", "The mayor told reporters."
                # or "… said the following." (an object, no clause) it is.
                if said_clause and "." in self.shadow[c_hi : q.start]:
                    continue
                if not self.shadow[c_hi : q.start].strip(" ,—–-:;.\n\u00a0"):
                    found.append(q)
        found.sort(key=lambda q: q.start)
        return found

    def chain_quotes(self, rels: list[_Rel]) -> None:
        rels.extend(self.extra_rels)
        by_para: dict[int, list[_Quote]] = {}
        for q in self.speech_quotes:
            by_para.setdefault(q.paragraph, []).append(q)
        paras = sorted(by_para)
        para_bounds: dict[int, tuple[int, int]] = {}
        for s in self.sentences:
            lo, hi = para_bounds.get(s.paragraph, (s.char_start, s.char_end))
            para_bounds[s.paragraph] = (min(lo, s.char_start), max(hi, s.char_end))
        cue_spans = [(r.cue.start, r.cue.end) for r in rels if r.cue]
        prev_para_last: _Quote | None = None
        prev_para_index: int | None = None
        for p in paras:
            qs = by_para[p]
            for k, q in enumerate(qs):
                if q.relation is not None or self._covered(q, rels):
                    continue
                donor: _Quote | None = None
                if k > 0:
                    donor = qs[k - 1]
                elif prev_para_last is not None and prev_para_index is not None:
                    p_lo, p_hi = para_bounds[p]
                    starts_para = q.start - p_lo <= 1
                    whole_para = starts_para and q.end >= p_hi - 2
                    adjacent_para = p - prev_para_index <= 1 or self._only_captions_between(prev_para_index, p)
                    if starts_para and adjacent_para and (not prev_para_last.closed or whole_para):
                        donor = prev_para_last
                if donor is None or donor.relation is None:
                    continue
                # Another cue between the two quotes breaks the chain.
                if any(donor.end <= c0 < q.start and not self._cue_of(donor.relation, c0) for c0, _ in cue_spans):
                    continue
                d = donor.relation
                pos = next((s.position for s in self.sentences if s.char_start <= q.start < s.char_end), d.sentence)
                rel = _Rel(
                    d.source,
                    d.cue,
                    self._span(q.start, q.end),
                    d.speaker,
                    pos,
                    main=False,
                    extras=d.extras,
                    description=d.description,
                    from_quote=True,
                    medium=d.medium,
                )
                q.relation = rel
                rels.append(rel)
            if qs:
                prev_para_last = qs[-1]
                prev_para_index = p

    def _only_captions_between(self, a: int, b: int) -> bool:
        return all(not self.is_text[s.position] for s in self.sentences if a < s.paragraph < b)

    def _cue_of(self, rel: _Rel, c0: int) -> bool:
        return rel.cue is not None and rel.cue.start == c0

    def _covered(self, q: _Quote, rels: list[_Rel]) -> bool:
        return any(r.content.start <= q.start and q.end <= r.content.end + 1 for r in rels)
