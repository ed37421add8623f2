"""The article catalogue, for /sources."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select

from claimbot.index.review.base import Part
from claimbot.index.review.models import SourceEntry, SourcesPage
from claimbot.index.storage import ArticleRow, PassageRow


class Catalogue(Part):
    def sources(
        self, query: str | None = None, *, page: int = 0, per_page: int = 10, collections: list[str] | None = None
    ) -> SourcesPage:
        """Indexed articles, newest first, optionally filtered by title, outlet or URL; only those of
        `collections` when given (what a server searches: another server's collection is its own)."""
        counts = (
            select(PassageRow.article_id, func.count(PassageRow.id).label("n"))
            .group_by(PassageRow.article_id)
            .subquery()
        )
        cond: list[ColumnElement[bool]] = []
        if collections is not None:
            cond.append(ArticleRow.collection.in_(collections))
        if query and query.strip():
            needle = query.strip().lower()
            # autoescape: a "%" or "_" in the query is that character, not a LIKE wildcard
            cond.append(
                or_(
                    *(
                        func.lower(column).contains(needle, autoescape=True)
                        for column in (ArticleRow.title, ArticleRow.outlet, ArticleRow.url)
                    )
                )
            )
        with self._session() as s:
            total = s.scalar(select(func.count()).select_from(ArticleRow).where(*cond)) or 0
            pages = max(1, -(-total // per_page))
            page = min(max(page, 0), pages - 1)
            rows = s.execute(
                select(
                    ArticleRow.id,
                    ArticleRow.title,
                    ArticleRow.outlet,
                    ArticleRow.url,
                    ArticleRow.published,
                    func.coalesce(counts.c.n, 0),
                )
                .outerjoin(counts, counts.c.article_id == ArticleRow.id)
                .where(*cond)
                .order_by(ArticleRow.published.desc(), ArticleRow.id.desc())
                .offset(page * per_page)
                .limit(per_page)
            )
            entries = [SourceEntry(i, t, o, u, p.isoformat() if p else None, int(n)) for i, t, o, u, p, n in rows]
        return SourcesPage(entries, page, pages, total)
