"""Full-text search on PostgreSQL: the counterpart of the FTS5 BM25 query in `index.store`.

`passages.fts` (migration 0003) holds the passage text at weight A and its context at weight B.
PostgreSQL's `ts_rank` scores term frequency but has no inverse document frequency, and claims hinge
on rare names ("Pérez") far more than on common words ("said"). So each query word is ranked on its
own and weighted by its BM25 idf among the matching passages, which brings the ranking close to
FTS5's bm25(text 1.0, context 0.3): same words in, mostly the same passages out (tests/test_postgres.py
checks the parity of the fused results).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

# ts_rank weights for {D, C, B, A}: text (A) 1.0, context (B) 0.3, as FTS5's bm25(passages_fts, 1.0, 0.3).
_WEIGHTS = "'{0.1, 0.2, 0.3, 1.0}'::float4[]"
# Normalisation 1: divide by 1 + log(document length), BM25's preference for short passages.
_NORMALISATION = 1


def lexical_search(connection: Connection, words: Sequence[str], k: int, collection: str | None) -> list[int]:
    """Passage ids matching any of `words` (already case-folded, stopwords removed), best first."""
    words = list(dict.fromkeys(words))
    if not words:
        return []
    # Words come from \w+, so they hold no tsquery syntax; quoting keeps each one a single operand.
    # claimbot_unaccent and to_tsquery are immutable, so the planner folds these to constants and
    # can use the GIN index on `fts`.
    terms = [f"to_tsquery('simple', claimbot_unaccent(:w{i}))" for i in range(len(words))]
    params: dict[str, object] = {f"w{i}": "'" + w + "'" for i, w in enumerate(words)}
    params |= {"k": k, "collection": collection}
    any_term = " || ".join(terms)
    df_columns = ", ".join(f"count(*) FILTER (WHERE fts @@ {t}) AS d{i}" for i, t in enumerate(terms))
    idf = "ln(1 + (n.total - df.d{i} + 0.5) / (df.d{i} + 0.5))"
    score = " + ".join(
        f"{idf.format(i=i)} * ts_rank({_WEIGHTS}, m.fts, {t}, {_NORMALISATION})" for i, t in enumerate(terms)
    )
    sql = (
        "WITH m AS MATERIALIZED (SELECT p.id, p.fts FROM passages p "
        f"WHERE p.fts @@ ({any_term})" + (" AND p.collection = :collection" if collection else "") + "), "
        # reltuples is the planner's row estimate (-1 before the first ANALYZE); it is exact enough
        # for an idf and avoids counting a million rows per query.
        "n AS (SELECT greatest((SELECT reltuples FROM pg_class WHERE oid = 'passages'::regclass), "
        "(SELECT count(*) FROM m), 1)::float8 AS total), "
        f"df AS (SELECT {df_columns} FROM m) "
        f"SELECT m.id FROM m, n, df ORDER BY ({score}) DESC, m.id LIMIT :k"
    )
    return [int(r[0]) for r in connection.execute(text(sql), params)]
