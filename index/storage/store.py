"""SQL storage of articles and passages, and full-text (BM25) search over passages."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Engine,
    Table,
    delete,
    func,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import InstrumentedAttribute, Session

from claimbot.index.records import (
    NO_SOURCE,
    ArticleInput,
    CorpusSummary,
    FactCheckDraft,
    PassageDraft,
    RemovedArticle,
    SourceStat,
)
from claimbot.index.storage import db
from claimbot.index.storage.blobs import from_blobs, to_blob
from claimbot.index.storage.domains import (
    ANY_BLOCKED_SQL,
    ARTICLE_BLOCKED_SQL,
    BLOCKED_PASSAGES_SQL,
    BLOCKED_PASSAGES_SQLITE,
    NO_PASSAGES_SQL,
    blocking,
    domain_of,
    reversed_domain,
)
from claimbot.index.storage.factcheck_tables import FactCheckRow
from claimbot.index.storage.pgtext import lexical_search as pg_lexical_search
from claimbot.index.storage.pgvectors import write_vectors
from claimbot.index.storage.schema import (
    DEFAULT_COLLECTION,
    MAX_ROW_ID,
    ArticleRow,
    BlockedDomainRow,
    MetaRow,
    PassageRow,
)

# The collections a search or summary covers: one, several (a server's own and the shared one), or
# None for every collection.
Collections = str | Sequence[str] | None


def scope_list(collection: Collections) -> list[str] | None:
    """`Collections` as a list, or None for every collection."""
    if collection is None:
        return None
    return [collection] if isinstance(collection, str) else list(dict.fromkeys(collection))


def _article_blocked() -> ColumnElement[bool]:
    """Whether an `ArticleRow` comes from a blocked domain (a correlated EXISTS)."""
    return literal_column(ARTICLE_BLOCKED_SQL, Boolean)


# Words so common that a BM25 OR-query over them only costs time.
_STOPWORDS = frozenset(
    "a an and are as at be been but by for from had has have he her his i in is it its of on or "
    "she that the their them they this to was we were what when which who will with you".split()
)
_WORD = re.compile(r"\w+", re.UNICODE)


def query_words(query: str) -> list[str]:
    """The words of a claim the full-text search looks for: no stopwords.

    Words keep their case: Tantivy's analyzer and PostgreSQL fold it themselves, and Python's casefold() would
    split "İstanbul" (a combining dot) and turn "Straße" into "strasse", which the index never holds."""
    return [w for w in _WORD.findall(query) if w.casefold() not in _STOPWORDS]


# The advisory lock migration 0013's trigger takes before any statement that writes passages
# (PostgreSQL): held to commit, so passage ids are taken in commit order.
CHANGE_LOG_LOCK_KEY = 0x636C6D70


def _take_change_log_lock(s: Session) -> None:
    """On PostgreSQL, the passages' write lock before anything else of a write: taken by the trigger
    only at the first passage statement, it let two writers deadlock, one holding it while inserting
    an article row that waits on the other's uncommitted row of the same text, which waits for it."""
    s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOG_LOCK_KEY})


# index_meta keys of the id high-water marks (SQLite): `next_id:passages` moves with every article written.
ID_MARK_PREFIX = "next_id:"
PASSAGE_ID_MARK = ID_MARK_PREFIX + PassageRow.__tablename__
# index_meta key of the random name a database is given on first use (`Store.database_id`).
DATABASE_ID = "database_id"


@dataclass(frozen=True)
class StoredPassage:
    id: int
    collection: str
    text: str
    char_start: int
    char_end: int
    paragraph: int
    position: int
    kind: str
    speaker: str | None
    cue: str | None
    attribution: str | None
    article_id: int
    article_title: str | None
    article_outlet: str | None
    article_url: str | None
    article_published: str | None
    article_domain: str | None = None
    article_content_hash: str | None = None

    def copy_key(self) -> tuple[str, int, int, str]:
        """The same for this sentence of this article in every collection that holds a copy of it
        (ingest de-duplicates only within a collection): its URL, or its text's hash without one,
        and its span and text, since two versions of a page may share a URL."""
        article = f"url:{self.article_url}" if self.article_url else f"hash:{self.article_content_hash}"
        return (article, self.char_start, self.char_end, self.text)


@dataclass(frozen=True)
class ChangeMark:
    """How far a cache (faiss file, Tantivy index) has followed the passages on SQLite: every
    passage with an id up to `passage_id` and every removal logged up to `removal_seq` is in it."""

    passage_id: int = 0
    removal_seq: int = 0

    def beyond(self, issued: ChangeMark) -> bool:
        """Whether this mark names passages or removals the database (`Store.issued_mark`) has never
        given out: a cache saved beside a newer copy of it, such as caches kept under an older
        backup restored. Its ids may since name other passages there, so following on is unsafe."""
        return self.passage_id > issued.passage_id or self.removal_seq > issued.removal_seq


@dataclass(frozen=True)
class PassageChanges:
    """What moved since a `ChangeMark`: ids added (ascending) and removed, and the mark after them."""

    added: np.ndarray
    removed: np.ndarray
    mark: ChangeMark

    def __bool__(self) -> bool:
        return bool(len(self.added) or len(self.removed))


@dataclass(frozen=True)
class FullTextRow:
    id: int
    collection: str
    text: str
    context: str


@dataclass(frozen=True)
class ExistingArticle:
    id: int
    content_hash: str
    passage_ids: list[int]


@dataclass(frozen=True)
class WrittenArticle:
    ingested_at: dt.datetime  # UTC
    origin: str  # a file's absolute path (file:line for a JSONL line), a URL, or "" (`ArticleInput.origin`)


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # On PostgreSQL the database is also the vector and full-text index (migration 0003).
        self.is_postgres = engine.dialect.name == "postgresql"
        db.upgrade(engine)
        self._sessions = db.session_factory(engine)
        self._database_id: str | None = None

    def session(self) -> Session:
        return self._sessions()

    # -- articles ---------------------------------------------------------------------------
    def find_existing(
        self,
        url: str | None,
        content_hash: str,
        collection: str = DEFAULT_COLLECTION,
        *,
        source_file: str | None = None,
    ) -> tuple[ExistingArticle | None, ExistingArticle | None]:
        """(article with this URL, else the article read from this file, article with this text),
        either may be None."""
        with self.session() as s:
            by_url = None
            if url:
                by_url = s.scalar(select(ArticleRow).where(ArticleRow.collection == collection, ArticleRow.url == url))
            if by_url is None and source_file:
                # A file's article keeps the file's absolute path as its origin (`write_article`).
                by_url = s.scalar(
                    select(ArticleRow)
                    .where(ArticleRow.collection == collection, ArticleRow.origin == source_file)
                    .order_by(ArticleRow.id.desc())
                    .limit(1)
                )
            by_hash = s.scalar(
                select(ArticleRow).where(ArticleRow.collection == collection, ArticleRow.content_hash == content_hash)
            )
            return self._existing(s, by_url), self._existing(s, by_hash)

    @staticmethod
    def _existing(s: Session, row: ArticleRow | None) -> ExistingArticle | None:
        if row is None:
            return None
        ids = list(s.scalars(select(PassageRow.id).where(PassageRow.article_id == row.id)))
        return ExistingArticle(row.id, row.content_hash, ids)

    def write_article(
        self,
        article: ArticleInput,
        content_hash: str,
        drafts: Sequence[PassageDraft],
        embeddings: np.ndarray,
        *,
        replace_id: int | None = None,
        collection: str = DEFAULT_COLLECTION,
        fact_checks: Sequence[FactCheckDraft] = (),
    ) -> tuple[int, list[int]]:
        """Insert an article, its passages and its fact-checks in one transaction, replacing
        `replace_id` if given (its fact-checks go with it: the foreign key cascades)."""
        with self.session() as s, s.begin():
            article_id = passage_id = None
            if self.is_postgres:
                _take_change_log_lock(s)
            else:  # before the delete: the replaced rows' ids count as used
                article_id, passage_id = _fresh_ids(s, ArticleRow, 1), _fresh_ids(s, PassageRow, len(drafts))
            if replace_id is not None:
                s.execute(delete(PassageRow).where(PassageRow.article_id == replace_id))
                s.execute(delete(ArticleRow).where(ArticleRow.id == replace_id))
            row = ArticleRow(
                id=article_id,
                collection=collection,
                url=article.url,
                title=article.title,
                outlet=article.outlet,
                author=article.author,
                published=article.published,
                language=article.language,
                text=article.text,
                content_hash=content_hash,
                # A file's absolute path, where it came from one: how its next edit finds it (`find_existing`).
                origin=article.source_file or article.origin,
                domain=(domain := domain_of(article.url)),
                domain_rev=reversed_domain(domain),
            )
            s.add(row)
            s.flush()
            passages = [
                PassageRow(
                    id=None if passage_id is None else passage_id + n,
                    article_id=row.id,
                    collection=collection,
                    paragraph=d.sentence.paragraph,
                    position=d.sentence.position,
                    kind=d.sentence.kind,
                    text=d.sentence.text,
                    context=d.context,
                    embed_text=d.embed_text,
                    char_start=d.sentence.char_start,
                    char_end=d.sentence.char_end,
                    speaker=d.speaker,
                    cue=d.cue,
                    attribution=d.attribution,
                    embedding=to_blob(vector),
                )
                for n, (d, vector) in enumerate(zip(drafts, embeddings, strict=True))
            ]
            s.add_all(passages)
            s.add_all(
                FactCheckRow(
                    article_id=row.id,
                    **f.review.model_dump(exclude={"rating"}),
                    rating=str(f.review.rating),
                    vector=to_blob(f.vector),
                    embed_model=f.model,
                )
                for f in fact_checks
            )
            s.flush()
            ids = [p.id for p in passages]
            if self.is_postgres:
                # The pgvector column commits with its passages: no process ever sees one without the other.
                write_vectors(s.connection(), ids, embeddings)
            return row.id, ids

    # -- passages ---------------------------------------------------------------------------
    def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        if not ids:
            return {}
        # The columns a result shows, joined in one query: loading the rows as objects also read
        # each candidate's vector and context and its article's whole text, for ~100 candidates a
        # check (docs/benchmarks.md, "A million passages on the Sapphire Rapids machine").
        p, a = PassageRow, ArticleRow
        rows = self._passage_columns(
            ids, p.collection, p.text, p.char_start, p.char_end, p.paragraph, p.position, p.kind,
            p.speaker, p.cue, p.attribution, a.id, a.title, a.outlet, a.url, a.published, a.domain,
            a.content_hash,
        )  # fmt: skip
        return {int(r[0]): _stored(r) for r in rows}

    def article_passage_ids(self, article_ids: Sequence[int]) -> list[int]:
        """The passages of these articles (what an ingest just wrote), in order."""
        if not article_ids:
            return []
        with self.engine.connect() as c:
            query = select(PassageRow.id).where(PassageRow.article_id.in_(list(article_ids))).order_by(PassageRow.id)
            return [int(i) for i in c.execute(query).scalars()]

    def previous_sentences(self, spans: Sequence[tuple[int, int]]) -> dict[tuple[int, int], str]:
        """For each (article id, char_start), the text of the article's statement (a passage of kind
        text) that ends before it: the sentence a reader has just read. Absent for an article's first."""
        out: dict[tuple[int, int], str] = {}
        with self.engine.connect() as c:
            for article_id, start in dict.fromkeys(spans):
                query = (
                    select(PassageRow.text)
                    .where(PassageRow.article_id == article_id, PassageRow.kind == "text", PassageRow.char_end <= start)
                    .order_by(PassageRow.char_end.desc())
                    .limit(1)
                )
                text = c.execute(query).scalar()
                if text is not None:
                    out[(article_id, start)] = text
        return out

    def written(self, article_ids: Sequence[int]) -> dict[int, WrittenArticle]:
        """When and from where each of these articles was written (a watch reads only those written
        after it, and knows an edited file's sentences by its path)."""
        if not article_ids:
            return {}
        with self.engine.connect() as c:
            query = select(ArticleRow.id, ArticleRow.ingested_at, ArticleRow.origin).where(
                ArticleRow.id.in_(list(article_ids))
            )
            return {
                int(i): WrittenArticle(at if at.tzinfo else at.replace(tzinfo=dt.UTC), origin)
                for i, at, origin in c.execute(query)
            }

    def watch_pending_articles(self, limit: int) -> list[int]:
        """Articles not yet read against the watched claims (migration 0012), oldest first."""
        with self.engine.connect() as c:
            query = select(ArticleRow.id).where(ArticleRow.watch_pending).order_by(ArticleRow.id).limit(limit)
            return [int(i) for i in c.execute(query).scalars()]

    def clear_watch_pending(self, article_ids: Sequence[int]) -> None:
        if not article_ids:
            return
        with self.engine.begin() as c:
            c.execute(update(ArticleRow).where(ArticleRow.id.in_(list(article_ids))).values(watch_pending=False))

    def collections(self) -> list[str]:
        """The collections that hold passages."""
        with self.engine.connect() as c:
            return [str(name) for name in c.execute(select(PassageRow.collection).distinct()).scalars()]

    def passage_ids(self, collection: Collections = None) -> np.ndarray:
        """Every passage's id in order, or only those of a collection (or of several)."""
        query = select(PassageRow.id).order_by(PassageRow.id)
        scope = scope_list(collection)
        if scope is not None:
            query = query.where(PassageRow.collection.in_(scope))
        with self.engine.connect() as c:
            ids = c.execute(query).scalars().all()
        return np.asarray(ids, dtype=np.int64)

    def embeddings(self, ids: np.ndarray, dim: int) -> np.ndarray:
        """Stored vectors for `ids`, in the order given; KeyError names a passage no longer stored."""
        kept, vectors = self.exact_vectors(ids, dim)
        if len(kept) != len(ids):
            raise KeyError(sorted(set(np.asarray(ids).tolist()) - set(kept.tolist()))[0])
        return vectors

    def iter_embed_texts(self, batch: int = 1000) -> Iterator[tuple[list[int], list[str]]]:
        """(ids, embedded texts) in batches, for re-embedding every passage."""
        last = 0
        while True:
            with self.engine.connect() as c:
                rows = c.execute(
                    select(PassageRow.id, PassageRow.embed_text)
                    .where(PassageRow.id > last)
                    .order_by(PassageRow.id)
                    .limit(batch)
                ).all()
            if not rows:
                return
            yield [r[0] for r in rows], [r[1] for r in rows]
            last = rows[-1][0]

    def update_embeddings(self, ids: list[int], embeddings: np.ndarray) -> None:
        with self.session() as s, s.begin():
            for passage_id, vector in zip(ids, embeddings, strict=True):
                s.execute(
                    cast(Table, PassageRow.__table__)
                    .update()
                    .where(PassageRow.id == passage_id)
                    .values(embedding=to_blob(vector))
                )
            if self.is_postgres:
                # The new model may have another dimension than the pgvector column: clear the stale
                # vectors, and `ClaimIndex.reindex` writes the new ones once the column fits them.
                s.execute(text("UPDATE passages SET embedding_vec = NULL WHERE id = ANY(:ids)"), {"ids": list(ids)})

    def blocked_passage_ids(self) -> np.ndarray:
        """The ids of every passage from a blocked source (empty while nothing is blocked)."""
        with self.engine.connect() as c:
            if c.execute(text(ANY_BLOCKED_SQL)).first() is None:
                return np.zeros(0, dtype=np.int64)
            ids = c.execute(text(BLOCKED_PASSAGES_SQL if self.is_postgres else BLOCKED_PASSAGES_SQLITE)).scalars().all()
        return np.asarray(sorted(ids), dtype=np.int64)

    def lexical_search(
        self, query: str, k: int, collection: Collections = None, *, rare_postings: int | None = None
    ) -> list[int]:
        """PostgreSQL: passage ids by BM25 over the passage text (context weighted lower), best
        first. Only the collections asked for, never a blocked source's: both filtered inside the
        search, so that they do not take places in the top k. (On SQLite the Tantivy cache in
        `claimbot.index.search.fulltext` searches instead.)"""
        if not self.is_postgres:
            raise RuntimeError("full text on SQLite is the Tantivy index (claimbot.index.search.fulltext)")
        words = query_words(query)
        if not words:
            return []
        # `rare_postings`: MaxScore's budget (pgtext.RARE_POSTINGS by default; the benchmark
        # turns it off with a budget above every claim's postings).
        budget = {} if rare_postings is None else {"rare_postings": rare_postings}
        with self.engine.connect() as c:
            blocked = BLOCKED_PASSAGES_SQL if c.execute(text(ANY_BLOCKED_SQL)).first() else NO_PASSAGES_SQL
            return pg_lexical_search(c, words, k, scope_list(collection), blocked, **budget)

    # -- the change log the caches follow (migrations 0011 and 0013) -------------------------------
    def changes_since(self, mark: ChangeMark) -> PassageChanges:
        """Passages added and removed after `mark`, read in one snapshot. Ids only grow and are
        taken in commit order: every SQLite write transaction holds the write lock while it takes
        them (`_fresh_ids`), and on PostgreSQL every statement that writes passages first takes one
        advisory lock held to commit (migration 0013). So the ids above a mark are exactly the
        passages committed after it."""
        with self.engine.connect() as c, c.begin():
            added = (
                c.execute(text("SELECT id FROM passages WHERE id > :id ORDER BY id"), {"id": mark.passage_id})
                .scalars()
                .all()
            )
            removals = c.execute(
                text("SELECT seq, passage_id FROM passage_removals WHERE seq > :seq ORDER BY seq"),
                {"seq": mark.removal_seq},
            ).all()
        return PassageChanges(
            added=np.asarray(added, dtype=np.int64),
            removed=np.asarray([r[1] for r in removals], dtype=np.int64),
            mark=ChangeMark(
                passage_id=int(added[-1]) if added else mark.passage_id,
                removal_seq=int(removals[-1][0]) if removals else mark.removal_seq,
            ),
        )

    def change_mark(self) -> ChangeMark:
        """Where the change log stands now: the newest passage id and removal (two key lookups)."""
        with self.engine.connect() as c, c.begin():
            newest = c.execute(text("SELECT max(id) FROM passages")).scalar()
            seq = c.execute(text("SELECT max(seq) FROM passage_removals")).scalar()
        return ChangeMark(passage_id=int(newest or 0), removal_seq=int(seq or 0))

    def issued_mark(self) -> ChangeMark:
        """A passage id at or above every one the database has given out (its newest passages may
        have been removed since: their ids are not given out again; on SQLite a removal also uses
        one up) and its newest removal. Every cache mark taken from this database is at or below
        it (`ChangeMark.beyond`)."""
        with self.engine.connect() as c, c.begin():
            newest = int(c.execute(text("SELECT max(id) FROM passages")).scalar() or 0)
            if self.is_postgres:
                # NULL until the sequence gave out its first id; a sequence never goes back.
                last = c.execute(
                    text("SELECT pg_sequence_last_value(pg_get_serial_sequence('passages', 'id')::regclass)")
                ).scalar()
            else:
                mark = c.execute(select(MetaRow.value).where(MetaRow.key == PASSAGE_ID_MARK)).scalar()
                last = int(mark) - 1 if mark is not None else None  # the mark is the next id to give out
            seq = c.execute(text("SELECT max(seq) FROM passage_removals")).scalar()
        return ChangeMark(passage_id=max(newest, int(last or 0)), removal_seq=int(seq or 0))

    def database_id(self) -> str:
        """A random name this database takes on first use and keeps (a backup restored, or a copy
        migrated to PostgreSQL, keeps it too). The caches save it with their marks: vectors/ copied
        from another installation holds other passages under the same ids, and its mark may well be
        within this database's ids, so only the name tells it apart."""
        if self._database_id is None:
            found = self.get_meta(DATABASE_ID)
            if found is None:
                # Insert-or-keep, then read: two processes naming a database at once agree on one name.
                insert = pg_insert if self.is_postgres else sqlite_insert
                statement = insert(MetaRow).values(key=DATABASE_ID, value=uuid.uuid4().hex)
                with self.session() as s, s.begin():
                    s.execute(statement.on_conflict_do_nothing(index_elements=[MetaRow.key]))
                found = self.get_meta(DATABASE_ID)
            assert found is not None, "inserted above"
            self._database_id = found
        return self._database_id

    def exact_vectors(self, ids: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of those of `ids` still stored, in the order given: what the quantised
        vector index re-scores its candidates with."""
        found: dict[int, bytes] = {int(i): blob for i, blob in self._passage_columns(ids, PassageRow.embedding)}
        kept = [i for i in (int(i) for i in ids) if i in found]
        return np.asarray(kept, dtype=np.int64), from_blobs([found[i] for i in kept], dim)

    def iter_fulltext_rows(self, after: int, upto: int, batch: int = 5000) -> Iterator[list[FullTextRow]]:
        """What the full-text index holds of the passages with ids in (after, upto], in id order and
        in batches: read by ranges of the primary key, so a first build of a million reads each row once."""
        while True:
            with self.engine.connect() as c:
                rows = c.execute(
                    select(PassageRow.id, PassageRow.collection, PassageRow.text, PassageRow.context)
                    .where(PassageRow.id > after, PassageRow.id <= upto)
                    .order_by(PassageRow.id)
                    .limit(batch)
                ).all()
            if not rows:
                return
            yield [FullTextRow(int(i), col, t, ctx) for i, col, t, ctx in rows]
            after = int(rows[-1][0])

    def passage_texts(self, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """(text, context) of those of `ids` still stored: what full-text ranking scores."""
        rows = self._passage_columns(ids, PassageRow.text, PassageRow.context)
        return {int(i): (t, ctx) for i, t, ctx in rows}

    def _passage_columns(self, ids: Sequence[int] | np.ndarray, *columns: InstrumentedAttribute[Any]) -> list[Any]:
        """(id, *columns) rows of those of `ids` still stored, in no particular order; columns of
        the passage's article may be asked for too."""
        id_list = [int(i) for i in ids]
        query = select(PassageRow.id, *columns)
        if any(column.class_ is ArticleRow for column in columns):
            query = query.join_from(PassageRow, ArticleRow, PassageRow.article_id == ArticleRow.id)
        rows: list[Any] = []
        with self.engine.connect() as c:
            for start in range(0, len(id_list), 900):  # SQLite's bound-parameter limit
                chunk = id_list[start : start + 900]
                rows += c.execute(query.where(PassageRow.id.in_(chunk))).all()
        return rows

    def has_passages(self) -> bool:
        """Whether any passage is stored: a key lookup, where counting a million rows takes a scan."""
        with self.engine.connect() as c:
            return c.execute(select(PassageRow.id).limit(1)).first() is not None

    # -- facts ------------------------------------------------------------------------------
    def counts(self) -> tuple[int, int]:
        with self.session() as s:
            return (s.scalar(select(func.count(ArticleRow.id))) or 0, s.scalar(select(func.count(PassageRow.id))) or 0)

    def summary(self, collection: Collections = None, outlets: int = 5) -> CorpusSummary:
        """What a search covers: counts, sources, the most frequent outlets and the date range of
        the corpus (or of the collections given), blocked sources left out as the search leaves them."""
        collections = scope_list(collection)
        scope: list[ColumnElement[bool]] = [~_article_blocked()]
        if collections is not None:
            scope.append(ArticleRow.collection.in_(collections))
        with self.session() as s:
            articles = s.scalar(select(func.count(ArticleRow.id)).where(*scope)) or 0
            passages = (
                s.scalar(select(func.count(PassageRow.id)).join(ArticleRow, PassageRow.article).where(*scope)) or 0
            )
            outlet_count = s.scalar(select(func.count(func.distinct(ArticleRow.outlet))).where(*scope)) or 0
            # An article with neither a URL nor an outlet (a plain-text file) is a source of its own:
            # nothing says two of them share one, and "12 articles from 0 sources" is false.
            sources = s.scalar(select(func.count(func.distinct(_source_key()))).where(*scope)) or 0
            sources += s.scalar(select(func.count(ArticleRow.id)).where(_source_key().is_(None), *scope)) or 0
            oldest, newest = s.execute(
                select(func.min(ArticleRow.published), func.max(ArticleRow.published)).where(*scope)
            ).one()
            unsearched = (s.scalar(select(func.count(ArticleRow.id))) or 0) if articles == 0 else 0
            top = s.execute(
                select(ArticleRow.outlet, func.count(ArticleRow.id).label("n"))
                .where(ArticleRow.outlet.is_not(None), *scope)
                .group_by(ArticleRow.outlet)
                .order_by(func.count(ArticleRow.id).desc(), ArticleRow.outlet)
                .limit(outlets)
            ).all()
        return CorpusSummary(
            articles=articles,
            passages=passages,
            outlet_count=outlet_count,
            sources=sources,
            outlets=[str(name) for name, _ in top],
            oldest=oldest.isoformat() if oldest else None,
            newest=newest.isoformat() if newest else None,
            unsearched=unsearched,
        )

    # -- corpus management --------------------------------------------------------------------
    def find_articles(self, ref: int | str, collection: Collections = None) -> list[RemovedArticle]:
        """The articles an id or a URL names (a URL may be indexed in several collections)."""
        if isinstance(ref, int) and not 0 < ref <= MAX_ROW_ID:
            return []
        cond: list[ColumnElement[bool]] = [ArticleRow.id == ref] if isinstance(ref, int) else [ArticleRow.url == ref]
        collections = scope_list(collection)
        if collections is not None:
            cond.append(ArticleRow.collection.in_(collections))
        counts = select(func.count(PassageRow.id)).where(PassageRow.article_id == ArticleRow.id).scalar_subquery()
        with self.session() as s:
            rows = s.execute(
                select(ArticleRow.id, ArticleRow.url, ArticleRow.title, ArticleRow.collection, counts)
                .where(*cond)
                .order_by(ArticleRow.id)
            ).all()
        return [RemovedArticle(id=i, url=u, title=t, collection=c, passages=int(n)) for i, u, t, c, n in rows]

    def remove_articles(self, article_ids: Sequence[int]) -> list[int]:
        """Delete articles and their passages in one transaction; the ids of the passages removed.

        On PostgreSQL the postings cascade and the vector is a column of the row. On SQLite a
        trigger logs each removed passage (migration 0011) and the passages' id mark moves, so that
        this process and any beside it (`serve`) drop them from the faiss and Tantivy caches on
        their next call (`ClaimIndex._catch_up`, `ClaimIndex.fulltext`).
        """
        if not article_ids:
            return []
        with self.session() as s, s.begin():
            if self.is_postgres:
                _take_change_log_lock(s)
            else:
                _fresh_ids(s, PassageRow, 1)  # first: takes SQLite's write lock; one id goes unused
            ids = list(s.scalars(select(PassageRow.id).where(PassageRow.article_id.in_(list(article_ids)))))
            s.execute(delete(PassageRow).where(PassageRow.article_id.in_(list(article_ids))))
            s.execute(delete(ArticleRow).where(ArticleRow.id.in_(list(article_ids))))
        return ids

    def indexed_articles(self, ids: Sequence[int], urls: Sequence[str]) -> tuple[dict[int, str | None], set[str]]:
        """Which of these articles are indexed now, with their domains, and which of these URLs are."""
        with self.session() as s:
            domains: dict[int, str | None] = {}
            if ids:
                query = select(ArticleRow.id, ArticleRow.domain).where(ArticleRow.id.in_(list(ids)))
                domains = {article_id: domain for article_id, domain in s.execute(query)}
            found = set(s.scalars(select(ArticleRow.url).where(ArticleRow.url.in_(list(urls))))) if urls else set()
        return domains, {u for u in found if u}

    def blocked_domains(self) -> list[str]:
        with self.session() as s:
            return list(s.scalars(select(BlockedDomainRow.domain).order_by(BlockedDomainRow.domain)))

    def block_domain(self, domain: str, *, reason: str | None = None, actor_id: int | None = None) -> bool:
        """Block a (normalised) domain; False when it was blocked already."""
        with self.session() as s, s.begin():
            if s.get(BlockedDomainRow, domain) is not None:
                return False
            s.add(
                BlockedDomainRow(domain=domain, domain_rev=reversed_domain(domain), reason=reason, blocked_by=actor_id)
            )
        return True

    def unblock_domain(self, domain: str) -> bool:
        """False when it was not blocked."""
        with self.session() as s, s.begin():
            row = s.get(BlockedDomainRow, domain)
            if row is None:
                return False
            s.delete(row)
        return True

    def source_stats(self, collection: Collections = None) -> list[SourceStat]:
        """Per source (the article's domain, or its outlet when it has no URL): articles, the
        newest article's date and whether it is blocked; blocked domains without articles too
        (blocks are the installation's: Discord's `/source list` is where a server sees them).
        Most articles first."""
        key = _source_key()
        collections = scope_list(collection)
        cond = [] if collections is None else [ArticleRow.collection.in_(collections)]
        with self.session() as s:
            rows = s.execute(
                select(
                    key,
                    func.max(ArticleRow.domain),
                    func.count(ArticleRow.id),
                    func.max(ArticleRow.published),
                    func.max(ArticleRow.ingested_at),
                )
                .where(*cond)
                .group_by(key)
            ).all()
            blocked = list(s.scalars(select(BlockedDomainRow.domain)))
        stats = [
            SourceStat(
                source=name or NO_SOURCE,
                domain=domain,
                articles=int(n),
                newest=newest.isoformat() if newest else None,
                blocked=blocking(domain, blocked) is not None,
            )
            for name, domain, n, newest, _ in rows
        ]
        seen = {st.domain for st in stats}
        stats += [
            SourceStat(source=d, domain=d, articles=0, newest=None, blocked=True) for d in blocked if d not in seen
        ]
        return sorted(stats, key=lambda st: (-st.articles, st.source))

    def get_meta(self, key: str) -> str | None:
        with self.session() as s:
            row = s.get(MetaRow, key)
            return row.value if row else None

    def set_meta(self, key: str, value: str) -> None:
        # One upsert statement, not a read then an insert: two processes opening a new index at
        # once (serve beside an ingest) both find no row, and the second insert would fail.
        insert = pg_insert if self.is_postgres else sqlite_insert
        statement = insert(MetaRow).values(key=key, value=value)
        with self.session() as s, s.begin():
            s.execute(statement.on_conflict_do_update(index_elements=[MetaRow.key], set_={"value": value}))


def _source_key() -> ColumnElement[str | None]:
    """What counts as one source: the article's domain, or its outlet when it has no URL."""
    return func.coalesce(ArticleRow.domain, ArticleRow.outlet)


def _fresh_ids(s: Session, model: type[ArticleRow] | type[PassageRow], n: int) -> int:
    """The first of `n` ids no row of `model` has ever had (SQLite; PostgreSQL's sequences never reuse).

    SQLite gives a new row max(id) + 1, so replacing the newest article would give its old ids to
    the new passages: the HNSW vector index only masks a removed id, and a stored answer that names
    a passage would come to name another one. A high-water mark in index_meta prevents the reuse.
    """
    key = ID_MARK_PREFIX + model.__tablename__
    # A write comes first so that the transaction holds SQLite's write lock before it reads the mark:
    # a concurrent writer then waits (busy timeout) instead of reading the same mark and taking the
    # same ids. (pysqlite begins the transaction at the first write, not at a read.)
    s.execute(text("INSERT OR IGNORE INTO index_meta (key, value) VALUES (:key, '1')"), {"key": key})
    first = max(
        int(s.execute(select(MetaRow.value).where(MetaRow.key == key)).scalar_one()),
        (s.scalar(select(func.max(model.id))) or 0) + 1,
    )
    s.execute(text("UPDATE index_meta SET value = :value WHERE key = :key"), {"value": str(first + n), "key": key})
    return first


def _stored(r: Any) -> StoredPassage:
    """A row of `Store.passages`' query."""
    (pid, collection, text_, char_start, char_end, paragraph, position, kind, speaker, cue, attribution,
     article_id, title, outlet, url, published, domain, content_hash) = r  # fmt: skip
    return StoredPassage(
        id=pid,
        collection=collection,
        text=text_,
        char_start=char_start,
        char_end=char_end,
        paragraph=paragraph,
        position=position,
        kind=kind,
        speaker=speaker,
        cue=cue,
        attribution=attribution,
        article_id=article_id,
        article_title=title,
        article_outlet=outlet,
        article_url=url,
        article_published=published.isoformat() if published else None,
        article_domain=domain,
        article_content_hash=content_hash,
    )
