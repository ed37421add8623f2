"""Moderators' corrections and how they feed back: `find_correction` returns the guild's correction
of the same or a near-duplicate claim: exact normalised text, else decided as a fact-check's match
is (similar candidates, the detail rules, then the fact-check reader) where the service has the
reader and both claims are English, else embedding similarity at or above the measured threshold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from claimbot.index.factchecks import READ_AT_MOST, detect_language, disagreement, stance_reads
from claimbot.index.review.audit import AuditLog
from claimbot.index.review.base import Context, Part, aware, rowcount
from claimbot.index.review.claims import claim_key, mentioned, negation_mismatch, normalise_claim
from claimbot.index.review.errors import NotFound, ReviewError
from claimbot.index.review.models import AuditAction, CorrectionView
from claimbot.index.storage import CorrectionRow, from_blobs, to_blob

Embed = Callable[[list[str]], np.ndarray]
# (claim, corrected claims) -> whether each corrected claim states the claim's checkable fact: the
# fact-check reader (`FactCheckReader.same_claim`), for English pairs.
Confirm = Callable[[str, list[str]], list[bool]]
# Two English claims from this all-MiniLM-L6-v2 similarity on are candidates, and the detail rules
# and the reader decide (docs/prereg/correction-match.md, candidate 2): similarity alone showed a
# correction of "killed in 2018" for "killed in 2017" (0.945). Fixed before it was measured, not tuned.
READ_FROM = 0.70
MAX_REVOKE_REASON = 500


def correction_view(row: CorrectionRow, similarity: float) -> CorrectionView:
    return CorrectionView(
        id=row.id,
        claim=row.claim,
        verdict=row.verdict,
        note=row.note,
        moderator_id=row.moderator_id,
        created_at=aware(row.created_at),
        similarity=similarity,
        revoked_at=aware(row.revoked_at) if row.revoked_at else None,
        revoked_by=row.revoked_by,
    )


def stored_correction(s: Session, guild_id: int, correction_id: int) -> CorrectionView | None:
    """A correction shown above an answer, as stored."""
    row = s.scalar(select(CorrectionRow).where(CorrectionRow.id == correction_id, CorrectionRow.guild_id == guild_id))
    return correction_view(row, 1.0) if row else None


class Corrections(Part):
    def __init__(
        self, ctx: Context, embed: Embed | None, embed_model: str | None, confirm: Confirm | None = None
    ) -> None:
        """`embed_model` names the model behind `embed`: a correction's vector is compared only with
        vectors of the model that made it. `confirm`: the fact-check reader; without it, similarity
        at the threshold decides every pair."""
        super().__init__(ctx)
        self._embed = embed
        self._embed_model = embed_model
        self._confirm = confirm

    def add(
        self,
        s: Session,
        guild_id: int,
        flag_id: int,
        claim: str,
        *,
        vector: bytes | None,
        verdict: str,
        note: str,
        moderator_id: int,
        at: dt.datetime,
    ) -> CorrectionRow:
        """Store a correction of `claim` in `s` (with `vector`, from `vector_of`, made before the transaction)."""
        row = CorrectionRow(
            guild_id=guild_id,
            flag_id=flag_id,
            claim=claim,
            claim_key=claim_key(claim),
            embedding=vector,
            embed_model=self._embed_model if vector is not None else None,
            verdict=verdict,
            note=note,
            moderator_id=moderator_id,
            created_at=at,
        )
        s.add(row)
        s.flush()
        return row

    def vector_of(self, claim: str) -> bytes | None:
        """The stored vector of a claim to correct; None without an embedder. Model work."""
        if self._embed is None:
            return None
        return to_blob(self._embed([normalise_claim(claim) or claim])[0])

    def find_correction(self, guild_id: int, claim: str) -> CorrectionView | None:
        """The guild's latest correction of this claim or the most similar one above the threshold."""
        key = claim_key(claim)
        # The key and the embedded text leave mentions out, so a correction about one mentioned
        # person must not be shown for the same words about another.
        subjects = mentioned(claim)
        with self._session() as s:
            exact = next(
                (
                    row
                    for row in s.scalars(
                        select(CorrectionRow)
                        .where(
                            CorrectionRow.guild_id == guild_id,
                            CorrectionRow.claim_key == key,
                            CorrectionRow.revoked_at.is_(None),
                        )
                        .order_by(CorrectionRow.created_at.desc(), CorrectionRow.id.desc())
                    )
                    if mentioned(row.claim) == subjects
                ),
                None,
            )
            if exact is not None:
                return correction_view(exact, 1.0)
            if self._embed is None:
                return None
            # Vectors of another model (`reembed_corrections` redoes them) live in another space.
            rows = list(
                s.scalars(
                    select(CorrectionRow)
                    .where(
                        CorrectionRow.guild_id == guild_id,
                        CorrectionRow.revoked_at.is_(None),
                        CorrectionRow.embedding.is_not(None),
                        CorrectionRow.embed_model.is_not_distinct_from(self._embed_model),
                    )
                    .order_by(CorrectionRow.created_at.desc(), CorrectionRow.id.desc())
                )
            )
        if not rows:
            return None
        text = normalise_claim(claim) or claim
        query = self._embed([text])[0]
        # An unnamed embedder (`embed_model` None) is told from another only by its vectors' size.
        embedded = [(r, r.embedding) for r in rows if r.embedding is not None]
        same_size = [(r, blob) for r, blob in embedded if len(blob) == 4 * query.shape[0]]  # float32 blobs
        if not same_size:
            return None
        matrix = from_blobs([blob for _, blob in same_size], query.shape[0])
        sims = matrix @ query
        for i, (row, _) in enumerate(same_size):
            if negation_mismatch(row.claim, claim) or mentioned(row.claim) != subjects:
                sims[i] = -1.0
        threshold = self.limits.correction_threshold
        if self._confirm is None or not stance_reads(detect_language(text)):
            best = int(np.argmax(sims))  # first maximum = newest among equals
            if float(sims[best]) < threshold:
                return None
            return correction_view(same_size[best][0], float(sims[best]))
        # The most similar first (stable: the newest among equals); an English correction is shown
        # only if no detail disagrees and the reader confirms it, one in another language (which the
        # reader cannot read) at the threshold, as before.
        order = [int(i) for i in np.argsort(-sims, kind="stable") if sims[i] >= min(READ_FROM, threshold)]
        to_read: dict[int, str] = {}
        accepted: list[int] = []
        for i in order:
            stored = normalise_claim(same_size[i][0].claim) or same_size[i][0].claim
            if not stance_reads(detect_language(stored)):
                if sims[i] >= threshold:
                    accepted.append(i)
            elif len(to_read) < READ_AT_MOST and sims[i] >= READ_FROM and disagreement(text, stored) is None:
                to_read[i] = stored
                accepted.append(i)
        # The reader is loaded here, on a guild's first candidate, not with the service.
        same = dict(zip(to_read, self._confirm(text, list(to_read.values())), strict=True)) if to_read else {}
        first = next((i for i in accepted if same.get(i, True)), None)
        if first is None:
            return None
        return correction_view(same_size[first][0], float(sims[first]))

    def page(self, guild_id: int, *, revoked: bool, limit: int, offset: int) -> tuple[list[CorrectionView], int]:
        scope = (
            CorrectionRow.guild_id == guild_id,
            CorrectionRow.revoked_at.is_not(None) if revoked else CorrectionRow.revoked_at.is_(None),
        )
        with self._session() as s:
            total = s.scalar(select(func.count(CorrectionRow.id)).where(*scope)) or 0
            rows = s.scalars(
                select(CorrectionRow)
                .where(*scope)
                .order_by(CorrectionRow.created_at.desc(), CorrectionRow.id.desc())
                .limit(limit)
                .offset(offset)
            )
            return [correction_view(r, 1.0) for r in rows], total

    def revoke(
        self, guild_id: int, correction_id: int, moderator_id: int, reason: str, audit: AuditLog
    ) -> CorrectionView:
        reason = " ".join(reason.split())[:MAX_REVOKE_REASON]
        if not reason:
            raise ReviewError("Revoking a correction needs a reason.")
        with self._session() as s, s.begin():
            # Conditional: two moderators revoking at once, one wins and the other is told.
            done = s.execute(
                update(CorrectionRow)
                .where(
                    CorrectionRow.id == correction_id,
                    CorrectionRow.guild_id == guild_id,
                    CorrectionRow.revoked_at.is_(None),
                )
                .values(revoked_at=self.now(), revoked_by=moderator_id)
            )
            row = s.scalar(
                select(CorrectionRow).where(CorrectionRow.id == correction_id, CorrectionRow.guild_id == guild_id)
            )
            if row is None:
                raise NotFound(f"There is no correction #{correction_id} in this server.")
            if rowcount(done) == 0:
                raise ReviewError(f"Correction #{correction_id} was already revoked.")
            audit.write(
                s,
                guild_id,
                moderator_id,
                AuditAction.REVOKE,
                f"correction:{correction_id}",
                reason,
                {"verdict": row.verdict, "claim": row.claim, "revoked": False},
                {"revoked": True},
            )
            return correction_view(row, 1.0)

    def reembed_corrections(self, batch: int = 256, *, only_stale: bool = False) -> int:
        """Embed stored corrections' claims again (after the embedding model changed); returns how many.

        `only_stale` leaves those this service's model already made (a start-up check: usually none)."""
        if self._embed is None:
            return 0
        done = 0
        with self._session() as s, s.begin():
            query = select(CorrectionRow).order_by(CorrectionRow.id)
            if only_stale:
                query = query.where(
                    or_(
                        CorrectionRow.embedding.is_(None), CorrectionRow.embed_model.is_distinct_from(self._embed_model)
                    )
                )
            rows = list(s.scalars(query))
            for start in range(0, len(rows), batch):
                chunk = rows[start : start + batch]
                vectors = self._embed([normalise_claim(r.claim) or r.claim for r in chunk])
                for row, vector in zip(chunk, vectors, strict=True):
                    row.embedding = to_blob(vector)
                    row.embed_model = self._embed_model
                done += len(chunk)
        return done
