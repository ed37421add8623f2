"""Full-text search on PostgreSQL: the same BM25 ranking as FTS5's, which the Tantivy index of the
embedded default reproduces (`claimbot.index.search.fulltext`).

`passages.fts` (migration 0003) holds the passage text at weight A and its context at weight B, and
`passages.fts_tokens` the passage's token count. `passage_terms` (migration 0004, kept in step by
triggers) holds one posting per (lexeme, passage): f below, the token count and the collection, so
a query reads only its own terms' postings from a covering index. PostgreSQL's own `ts_rank` has no
inverse document frequency, and claims hinge on rare names ("Pérez") far more than on common words
("said"), so this computes what FTS5's `bm25(passages_fts, 1.0, 0.3)` computes (sqlite/ext/fts5/fts5_aux.c), per query
term t and passage d:

    idf(t)   = ln((N - n(t) + 0.5) / (n(t) + 0.5)), at least 1e-6
    f(t, d)  = 1.0 * occurrences in the text + 0.3 * occurrences in the context
    score(d) = sum over t of idf(t) * f * (k1 + 1) / (f + k1 * (1 - b + b * |d| / avgdl)),  k1 = 1.2, b = 0.75

N and avgdl are exact up to `EXACT_STATS_BELOW` passages and estimated beyond: N is the planner's
row count (kept by autovacuum's ANALYZE), avgdl the mean over a repeatable sample of about
`SAMPLE_ROWS` passages. Passage rows are wide (two copies of the vector), so an exact scan per query
would cost more than the search itself. The tokenisers differ
slightly (PostgreSQL's parser also indexes hyphenated compounds whole), so rankings agree closely but
not always exactly; tests/test_postgres.py checks the parity of the fused results.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

BM25_K1 = 1.2
BM25_B = 0.75
CONTEXT_WEIGHT = 0.3  # also written into passage_terms.f by migration 0004's triggers
EXACT_STATS_BELOW = 2_000
SAMPLE_ROWS = 2_000
# Postings read first, rarest terms first, before the bound decides whether the rest can matter,
# and the passages whose common terms are then looked up one by one (about 7 us each), at most:
# past either, reading every posting costs less. Measured at 100k and 1M passages on the bench
# claims (docs/benchmarks.md); more tries with more rare terms cost more than they saved.
RARE_POSTINGS = 100_000
MAX_PROBES = 8_000
# Scores are compared in units of 1e-9: summed in another order, the same passage's score can
# differ in the last bit, and equal passages (syndicated copies) must still come in id order.
SCORE_SCALE = 1e9

_TERMS = """
WITH terms AS MATERIALIZED (
    SELECT DISTINCT t.lexeme AS lex
    FROM unnest(CAST(:words AS text[])) AS w(word)
    CROSS JOIN LATERAL unnest(to_tsvector('simple', claimbot_unaccent(w.word))) AS t
)
SELECT lex, (SELECT count(*) FROM passage_terms pt WHERE pt.lexeme = terms.lex)::float8 AS n_hit
FROM terms
"""

_STATS = f"""
WITH est AS (SELECT greatest(reltuples, 0)::float8 AS n_rows FROM pg_class WHERE oid = 'passages'::regclass)
SELECT CASE WHEN est.n_rows < :exact_below THEN (SELECT count(*) FROM passages)::float8
            ELSE est.n_rows END AS n,
       CASE WHEN est.n_rows < :exact_below THEN (SELECT avg(fts_tokens) FROM passages)::float8
            ELSE (SELECT avg(fts_tokens) FROM passages
                  TABLESAMPLE SYSTEM (least(100, {SAMPLE_ROWS} * 100.0 / est.n_rows)) REPEATABLE (0))::float8
       END AS avgdl
FROM est
"""

_BM25 = f"w.idf * (p.f * {BM25_K1 + 1}) / (p.f + {BM25_K1} * (1 - {BM25_B} + {BM25_B} * p.dl / :avgdl))"
_IN_SCOPE = "(CAST(:collections AS text[]) IS NULL OR p.collection = ANY(CAST(:collections AS text[])))"

# Every posting of every term, scored: what FTS5 reads.
_EVERY_POSTING = f"""
WITH w AS (SELECT * FROM unnest(CAST(:lexes AS text[]), CAST(:idfs AS float8[])) AS w(lex, idf)),
blocked AS MATERIALIZED ({{blocked}})
SELECT p.passage_id AS id, round(sum({_BM25}) * {SCORE_SCALE}) AS score
FROM passage_terms p JOIN w ON w.lex = p.lexeme
WHERE {_IN_SCOPE} AND p.passage_id NOT IN (SELECT id FROM blocked)
GROUP BY p.passage_id
ORDER BY 2 DESC, id
LIMIT :k
"""

# MaxScore's two steps in one query. `part`: the passages that hold a rare term, scored on the rare
# terms alone. Their k-th best partial score is a floor under the k-th best final score (the
# common terms only add), so a passage whose partial score plus the common terms' bounds (`:rest`)
# stays under it cannot be in the top k; the common terms are read, by the primary key
# (passage_id, lexeme), only for the passages left, and only when they are at most
# `:max_probes` (the first row, id -1, says how many there were).
_RARE_FIRST = f"""
WITH w AS (SELECT * FROM unnest(CAST(:lexes AS text[]), CAST(:idfs AS float8[])) AS w(lex, idf)),
blocked AS MATERIALIZED ({{blocked}}),
part AS MATERIALIZED (
    SELECT p.passage_id AS id, sum({_BM25}) AS s
    FROM passage_terms p JOIN w ON w.lex = p.lexeme
    WHERE p.lexeme = ANY(CAST(:rare AS text[])) AND {_IN_SCOPE} AND p.passage_id NOT IN (SELECT id FROM blocked)
    GROUP BY p.passage_id
),
floor AS (SELECT s FROM part ORDER BY s DESC OFFSET :k - 1 LIMIT 1),
kept AS MATERIALIZED (SELECT id, s FROM part WHERE s + :rest >= (SELECT s FROM floor) - 1e-9),
n_kept AS (SELECT count(*) AS n FROM kept)
(SELECT -1 AS id, (SELECT n FROM n_kept)::float8 AS score)
UNION ALL
(SELECT kept.id, round((kept.s + coalesce((
    SELECT sum({_BM25}) FROM passage_terms p JOIN w ON w.lex = p.lexeme
    WHERE p.passage_id = kept.id AND p.lexeme = ANY(CAST(:common AS text[]))
), 0)) * {SCORE_SCALE}) AS score
FROM kept
WHERE (SELECT n FROM n_kept) <= :max_probes
ORDER BY 2 DESC, id
LIMIT :k)
"""


@dataclass(frozen=True)
class Term:
    lexeme: str
    hits: int  # n(t): postings of the term in the whole index
    idf: float

    def bound(self) -> float:
        """The most this term adds to any passage's score: BM25's saturation, idf * (k1 + 1)."""
        return self.idf * (BM25_K1 + 1)


def lexical_search(
    connection: Connection,
    words: Sequence[str],
    k: int,
    collections: list[str] | None,
    blocked_sql: str,
    *,
    rare_postings: int = RARE_POSTINGS,
) -> list[int]:
    """Passage ids matching any of `words` (stopwords removed; to_tsvector folds case), best first:
    only in `collections` (None: all) and never one `blocked_sql` (a query of passage ids) names.

    The ranking is BM25 over every posting of every term, as FTS5 ranks, but common terms are not
    read in full unless they could change it (MaxScore, Turtle and Flood 1995): the passages that hold
    one of the rarest terms (up to `rare_postings` postings) are scored exactly, on all their terms
    (those that cannot reach the top k skipped early);
    a passage that holds none of them scores at most the sum of the other terms' bounds, and when
    that sum is below the k-th exact score no such passage can enter the top k. Otherwise every
    posting is read, as before. Either way the result is the same."""
    words = list(dict.fromkeys(words))
    if not words:
        return []
    # JIT compilation costs more than this short query gains from it (about 40 ms measured at 95k).
    connection.execute(text("SET LOCAL jit = off"))
    # n(t) counts the whole index (every collection), as FTS5's does: an index-only count per term.
    rows = connection.execute(text(_TERMS), {"words": words}).all()
    counted = [(str(lex), int(hits)) for lex, hits in rows if hits > 0]
    if not counted:
        return []
    n, avgdl = connection.execute(text(_STATS), {"exact_below": EXACT_STATS_BELOW}).one()
    n, avgdl = float(n or 0), max(float(avgdl or 0), 1.0)
    terms = sorted(
        (Term(lex, hits, max(math.log((max(n, hits) - hits + 0.5) / (hits + 0.5)), 1e-6)) for lex, hits in counted),
        key=lambda t: (t.hits, t.lexeme),
    )
    params = {"lexes": [t.lexeme for t in terms], "idfs": [t.idf for t in terms], "avgdl": avgdl}
    params |= {"collections": collections, "k": k}
    split = 0
    while split < len(terms) and (not split or sum(t.hits for t in terms[: split + 1]) <= rare_postings):
        split += 1
    if split < len(terms):
        rare, common = terms[:split], terms[split:]
        rest = sum(t.bound() for t in common)
        found = _scored(
            connection,
            _RARE_FIRST,
            blocked_sql,
            params
            | {"rare": [t.lexeme for t in rare], "common": [t.lexeme for t in common]}
            | {"rest": rest, "max_probes": MAX_PROBES},
        )
        probes = next(int(score) for i, score in found if i == -1)
        top = sorted(((i, score) for i, score in found if i != -1), key=lambda r: (-r[1], r[0]))
        # A passage with none of the rare terms scores at most `rest`: strictly below the k-th
        # score, it cannot take a place (at an equal score the smaller id would come first).
        if probes <= MAX_PROBES and len(top) == k and rest * SCORE_SCALE < top[-1][1] - 1:
            return [i for i, _ in top]
    return [i for i, _ in _scored(connection, _EVERY_POSTING, blocked_sql, params)]


def _scored(connection: Connection, query: str, blocked_sql: str, params: dict[str, object]) -> list[tuple[int, float]]:
    return [(int(i), float(s)) for i, s in connection.execute(text(query.replace("{blocked}", blocked_sql)), params)]
