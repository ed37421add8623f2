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

from collections.abc import Sequence

from sqlalchemy import Connection, text

BM25_K1 = 1.2
BM25_B = 0.75
CONTEXT_WEIGHT = 0.3  # also written into passage_terms.f by migration 0004's triggers
EXACT_STATS_BELOW = 2_000
SAMPLE_ROWS = 2_000

_QUERY = f"""
WITH terms AS MATERIALIZED (
    SELECT DISTINCT t.lexeme AS lex
    FROM unnest(CAST(:words AS text[])) AS w(word)
    CROSS JOIN LATERAL unnest(to_tsvector('simple', claimbot_unaccent(w.word))) AS t
),
tf AS MATERIALIZED (
    SELECT pt.passage_id AS id, pt.collection, pt.dl, pt.lexeme AS lex, pt.f::float8 AS f
    FROM passage_terms pt
    WHERE pt.lexeme IN (SELECT lex FROM terms)
),
df AS (SELECT lex, count(*)::float8 AS n_hit FROM tf GROUP BY lex),
est AS (SELECT greatest(reltuples, 0)::float8 AS n_rows FROM pg_class WHERE oid = 'passages'::regclass),
stats AS MATERIALIZED (
    SELECT CASE WHEN est.n_rows < :exact_below THEN (SELECT count(*) FROM passages)::float8
                ELSE est.n_rows END AS n,
           CASE WHEN est.n_rows < :exact_below THEN (SELECT avg(fts_tokens) FROM passages)::float8
                ELSE (SELECT avg(fts_tokens) FROM passages
                      TABLESAMPLE SYSTEM (least(100, {SAMPLE_ROWS} * 100.0 / est.n_rows)) REPEATABLE (0))::float8
           END AS avgdl
    FROM est
),
blocked AS MATERIALIZED ({{blocked}}),
scored AS (
    SELECT tf.id, tf.collection,
           greatest(ln((greatest(stats.n, df.n_hit) - df.n_hit + 0.5) / (df.n_hit + 0.5)), 1e-6)
             * (tf.f * {BM25_K1 + 1}) / (tf.f + {BM25_K1} * (1 - {BM25_B} + {BM25_B} * tf.dl / greatest(stats.avgdl, 1))) AS s
    FROM tf JOIN df USING (lex) CROSS JOIN stats
)
SELECT id FROM scored
WHERE (CAST(:collections AS text[]) IS NULL OR collection = ANY(CAST(:collections AS text[])))
  AND id NOT IN (SELECT id FROM blocked)
GROUP BY id
ORDER BY sum(s) DESC, id
LIMIT :k
"""


def lexical_search(
    connection: Connection, words: Sequence[str], k: int, collections: list[str] | None, blocked_sql: str
) -> list[int]:
    """Passage ids matching any of `words` (stopwords removed; to_tsvector folds case), best first:
    only in `collections` (None: all) and never one `blocked_sql` (a query of passage ids) names."""
    words = list(dict.fromkeys(words))
    if not words:
        return []
    # Every posting of a term is read (not only those of `collection`), so that n(t) counts the
    # whole index as FTS5's does.
    params = {
        "words": words,
        "exact_below": EXACT_STATS_BELOW,
        "collections": collections,
        "k": k,
    }
    # JIT compilation costs more than this short query gains from it (about 40 ms measured at 95k).
    connection.execute(text("SET LOCAL jit = off"))
    return [int(r[0]) for r in connection.execute(text(_QUERY.replace("{blocked}", blocked_sql)), params)]
