"""Stored fact-checks: written with the page they came from, listed, removed, and matched to a
claim: candidates by the similarity of the claim to each claim reviewed in the multilingual
encoder, then the detail rules, and for two English claims the fact-check reader."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

import numpy as np
from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session

from claimbot.index.factchecks.encoder import DIM, MODEL_NAME, MultilingualEncoder
from claimbot.index.factchecks.language import declared_code, detect_language, same_language, stance_reads
from claimbot.index.factchecks.match import disagreement
from claimbot.index.records import ClaimReview, FactCheck, FactCheckDraft, FactCheckMatch, FactCheckRating
from claimbot.index.storage import MAX_ROW_ID, ArticleRow, FactCheckRow, blocking, domain_of, from_blobs

# (claim, claims reviewed) -> whether each claim reviewed states the claim's checkable fact (the
# fact-check reader, `FactCheckReader.same_claim`); English pairs only.
Confirm = Callable[[str, list[str]], list[bool]]
# The reader reads the most similar English candidates only: a check stays fast however many
# fact-checks are stored (the reader costs what the stance model costs per pair).
READ_AT_MOST = 8


class FactCheckService:
    def __init__(
        self,
        sessions: Callable[[], Session],
        encoder: MultilingualEncoder,
        threshold: float,
        confirm: Confirm | None = None,
        cross_threshold: float | None = None,
        read_from: float | None = None,
    ) -> None:
        self._sessions = sessions
        self.encoder = encoder
        # One language the reader cannot read (similarity alone decides there).
        self.threshold = threshold
        # A claim and a claim reviewed in two languages: a translation scores lower in the
        # encoder than a paraphrase in one language (docs/factchecks.md), so it has its own threshold.
        self.cross_threshold = threshold if cross_threshold is None else cross_threshold
        # Two English claims: a candidate from this similarity on, and `confirm` (the reader) decides.
        self.confirm = confirm
        self.read_from = threshold if read_from is None or confirm is None else read_from
        self._lock = threading.Lock()
        # (row count, highest id) -> ids and vectors: any write changes one of the two
        self._cache: tuple[tuple[int, int, str], list[int], np.ndarray] | None = None

    def drafts(self, reviews: list[ClaimReview]) -> list[FactCheckDraft]:
        """The reviews with their claims' vectors, to be stored with their page."""
        vectors = self.encoder.encode([r.claim_reviewed for r in reviews])
        return [FactCheckDraft(r, v, MODEL_NAME) for r, v in zip(reviews, vectors, strict=True)]

    def count(self) -> int:
        with self._sessions() as s:
            return int(s.scalar(select(func.count()).select_from(FactCheckRow)) or 0)

    def recent(self, limit: int = 1000) -> list[FactCheck]:
        """Newest review first."""
        with self._sessions() as s:
            rows = s.scalars(
                select(FactCheckRow)
                .order_by(FactCheckRow.reviewed_on.desc().nulls_last(), FactCheckRow.id.desc())
                .limit(limit)
            )
            return [_fact_check(r) for r in rows]

    def get(self, ids: list[int]) -> dict[int, FactCheck]:
        with self._sessions() as s:
            return {r.id: _fact_check(r) for r in s.scalars(select(FactCheckRow).where(FactCheckRow.id.in_(ids)))}

    def remove(self, fact_check_id: int) -> FactCheck | None:
        """The fact-check removed (for the audit log), or None where there was none by that id."""
        if not 0 < fact_check_id <= MAX_ROW_ID:
            return None
        with self._sessions() as s, s.begin():
            row = s.get(FactCheckRow, fact_check_id)
            if row is None:
                return None
            removed = _fact_check(row)
            result = s.execute(delete(FactCheckRow).where(FactCheckRow.id == fact_check_id))
            return removed if isinstance(result, CursorResult) and result.rowcount == 1 else None

    def blocked_entries(self, fact_checks: list[FactCheck], blocked: list[str]) -> dict[int, str]:
        """The blocked domain that hides each of these fact-checks from answers (`in_scope`), by id;
        those not hidden are not in it."""
        ids = [f.id for f in fact_checks if f.article_id is not None]
        with self._sessions() as s:
            pages = dict(
                s.execute(
                    select(FactCheckRow.id, ArticleRow.domain)
                    .join(ArticleRow, ArticleRow.id == FactCheckRow.article_id)
                    .where(FactCheckRow.id.in_(ids))
                ).all()
            )
        entries: dict[int, str] = {}
        for f in fact_checks:
            entry = blocking(pages.get(f.id), blocked) or blocking(domain_of(f.url), blocked)
            if entry is not None:
                entries[f.id] = entry
        return entries

    def in_scope(self, collections: list[str] | None, blocked: list[str]) -> set[int]:
        """The fact-checks a check may show: from pages in the collections searched (None: all),
        none from a blocked source: neither the page's nor the one the review links to and is
        credited to (a page saved to a file has no domain; its review still names one)."""
        query = select(FactCheckRow.id, FactCheckRow.url, ArticleRow.collection, ArticleRow.domain).join(
            ArticleRow, ArticleRow.id == FactCheckRow.article_id
        )
        if collections is not None:
            query = query.where(ArticleRow.collection.in_(collections))
        with self._sessions() as s:
            rows = s.execute(query).all()
        return {
            r.id for r in rows if blocking(r.domain, blocked) is None and blocking(domain_of(r.url), blocked) is None
        }

    def of_articles(self, article_ids: list[int]) -> list[int]:
        """The ids of the fact-checks that came with these articles (what an ingest just wrote)."""
        if not article_ids:
            return []
        with self._sessions() as s:
            return list(s.scalars(select(FactCheckRow.id).where(FactCheckRow.article_id.in_(article_ids))))

    def match(
        self,
        claim: str,
        limit: int = 3,
        *,
        among: set[int] | None = None,
        scope: tuple[list[str] | None, list[str]] | None = None,
    ) -> list[FactCheckMatch]:
        """Stored fact-checks of the same claim (module docstring), newest first; nothing, and no
        model loaded, where none are stored. `among`: only these ids;
        `scope`: (collections searched, blocked domains), as `in_scope` reads them."""
        ids, matrix = self._vectors()
        if scope is not None and ids:
            # read only where fact-checks exist: most checks run on an index without any
            among = self.in_scope(*scope) if among is None else among & self.in_scope(*scope)
        if among is not None:
            keep = [n for n, i in enumerate(ids) if i in among]
            ids, matrix = [ids[n] for n in keep], matrix[keep]
        if not ids:
            return []
        similarity = matrix @ self.encoder.encode([claim])[0]
        floor = min(self.threshold, self.cross_threshold, self.read_from)
        hits = [(ids[i], float(similarity[i])) for i in np.argsort(-similarity) if similarity[i] >= floor]
        found = self.get([i for i, _ in hits])
        language = detect_language(claim)
        english_claim = stance_reads(language)
        matches: list[FactCheckMatch] = []
        to_read: list[FactCheckMatch] = []
        for i, s in hits:
            if i not in found:
                continue
            if _words(claim) == _words(found[i].claim_reviewed):
                # The claim reviewed, typed again (as users copy it from the fact-check): the same
                # claim whatever the reader says, which scored some identical pairs under its cut.
                matches.append(FactCheckMatch(fact_check=found[i], similarity=round(s, 4)))
                continue
            reviewed_language = _language_of(found[i])
            read = self.confirm is not None and english_claim and stance_reads(reviewed_language)
            if read and len(to_read) == READ_AT_MOST:
                continue
            if read:
                needed = self.read_from
            elif same_language(reviewed_language, language):
                needed = self.threshold
            else:
                needed = self.cross_threshold
            # Similar is not the same claim: another number, month, name or a negation rules a match out.
            if s < needed or disagreement(claim, found[i].claim_reviewed) is not None:
                continue
            match = FactCheckMatch(fact_check=found[i], similarity=round(s, 4))
            matches.append(match)
            if read:
                to_read.append(match)
        # Two English claims as similar as these may still state different facts ("in tonga" for
        # "in Samoa"); the reader decides which are the same claim.
        if to_read and self.confirm is not None:
            same = self.confirm(claim, [m.fact_check.claim_reviewed for m in to_read])
            rejected = {id(m) for m, ok in zip(to_read, same, strict=True) if not ok}
            matches = [m for m in matches if id(m) not in rejected]
        matches = matches[:limit]
        matches.sort(key=lambda m: (m.fact_check.reviewed_on is not None, m.fact_check.reviewed_on), reverse=True)
        return matches

    def _vectors(self) -> tuple[list[int], np.ndarray]:
        with self._sessions() as s:
            # The newest row's time too: SQLite gives a replaced page's fact-check its freed id again,
            # so count and top id alone would not see the change.
            count, top, newest = s.execute(
                select(func.count(), func.max(FactCheckRow.id), func.max(FactCheckRow.created_at))
            ).one()
            key = (int(count or 0), int(top or 0), str(newest))
            with self._lock:
                if self._cache is not None and self._cache[0] == key:
                    return self._cache[1], self._cache[2]
            rows = s.execute(select(FactCheckRow.id, FactCheckRow.vector).order_by(FactCheckRow.id)).all()
        ids = [r.id for r in rows]
        matrix = from_blobs([r.vector for r in rows], DIM) if rows else np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            self._cache = (key, ids, matrix)
        return ids, matrix


def _fact_check(row: FactCheckRow) -> FactCheck:
    return FactCheck(
        id=row.id,
        article_id=row.article_id,
        claim_reviewed=row.claim_reviewed,
        claimant=row.claimant,
        rating_text=row.rating_text,
        rating_value=row.rating_value,
        best_rating=row.best_rating,
        worst_rating=row.worst_rating,
        rating=FactCheckRating(row.rating),
        reviewer=row.reviewer,
        reviewed_on=row.reviewed_on,
        url=row.url,
        language=row.language,
    )


def with_fact_checks(reason: str | None, matches: list[FactCheckMatch]) -> str | None:
    """The verdict's reason led by what fact-checkers said: a match is told, never hidden in the
    passages' count, and never replaces it."""
    if not matches:
        return reason
    said = "; ".join(_rated(m.fact_check) for m in matches)
    return f"{said}. {reason[:1].upper()}{reason[1:]}" if reason else said


def _rated(f: FactCheck) -> str:
    who = f.reviewer or "a fact-checker"
    rating = f.rating_text or str(f.rating)
    when = f" ({f.reviewed_on.isoformat()})" if f.reviewed_on else ""
    return f"{who} rated a matching claim {rating}{when}"


def _language_of(fact_check: FactCheck) -> str | None:
    """The claim reviewed's language as `detect_language` names it: the page's `inLanguage` code
    ("es", "en-US" -> "en") where it gives one, else detected."""
    return declared_code(fact_check.language) or detect_language(fact_check.claim_reviewed)


def _words(text: str) -> list[str]:
    """A claim's words, case and punctuation aside ("Springfield Mayor Tom Reed resigned!")."""
    return re.findall(r"\w+", text.casefold())
