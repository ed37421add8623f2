"""The blocked-passages query with a source blocked: before migration 0014 (LIKE) against after (range).

    python bench/bench_blocklist.py --sqlite /path/to/claimbot.db        # e.g. bench_scale.py --keep's 1M index
    python bench/bench_blocklist.py --database-url postgresql+psycopg://... [--fill]

Every search of a check asks this query for the ids to leave out while anything is blocked. The
database is upgraded to the newest migration first. On PostgreSQL `--fill` writes synthetic rows
into an empty database (50,000 articles on 2,000 domains, a third of them `news.` subdomains, 20
passages each); the SQLite index is used as it is. The blocklist is replaced by one domain
(`--block`), timed with both queries (median of 30, warm), and both id sets are compared.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from claimbot.index.storage import (  # noqa: E402
    BLOCKED_PASSAGES_SQL,
    BLOCKED_PASSAGES_SQLITE,
    make_engine,
    reversed_domain,
    upgrade,
)

# The query before migration 0014, kept as the baseline.
OLD_SQL = (
    "SELECT bp.id FROM blocked_domains bd {join} articles ba ON ba.domain = bd.domain OR ba.domain LIKE '%.' || bd.domain "
    "{join} passages bp ON bp.article_id = ba.id"
)

FILL_ARTICLES = """INSERT INTO articles (id, collection, url, text, content_hash, origin, ingested_at, domain, domain_rev, watch_pending)
  SELECT g, 'default', 'https://' || d || '/' || g, 't', md5(g::text), 'bench', now(), d,
         array_to_string(ARRAY(SELECT x FROM unnest(string_to_array(d, '.')) WITH ORDINALITY AS t(x, o) ORDER BY o DESC), '.'),
         false
  FROM (SELECT g, CASE WHEN g % 3 = 0 THEN 'news.' ELSE '' END || 'site' || (g % 2000) || '.example' AS d
        FROM generate_series(1, 50000) g) s"""
FILL_PASSAGES = """INSERT INTO passages (id, article_id, collection, paragraph, position, kind, text, context, embed_text,
  char_start, char_end, embedding)
  SELECT a * 20 + p, a, 'default', 0, p, 'text', 'x', '', 'x', 0, 1, ''::bytea
  FROM generate_series(1, 50000) a, generate_series(0, 19) p"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--sqlite", type=Path, help="an index's claimbot.db")
    where.add_argument("--database-url", help="a PostgreSQL database")
    ap.add_argument("--fill", action="store_true", help="PostgreSQL: write the synthetic rows if it has no articles")
    ap.add_argument("--block", default="site7.example", help="the one domain blocked while timing")
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    url = args.database_url or f"sqlite:///{args.sqlite.resolve()}"
    engine = make_engine(url)
    started = time.perf_counter()
    upgrade(engine)
    print(f"upgraded to the newest migration in {time.perf_counter() - started:.1f} s")
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as c:
        if args.fill and postgres and c.execute(text("SELECT count(*) FROM articles")).scalar() == 0:
            c.execute(text(FILL_ARTICLES))
            c.execute(text(FILL_PASSAGES))
        if postgres:
            c.execute(text("ANALYZE"))
        c.execute(text("DELETE FROM blocked_domains"))
        c.execute(
            text("INSERT INTO blocked_domains (domain, domain_rev, blocked_at) VALUES (:d, :r, CURRENT_TIMESTAMP)"),
            {"d": args.block, "r": reversed_domain(args.block)},
        )
        articles = c.execute(text("SELECT count(*) FROM articles")).scalar()
        passages = c.execute(text("SELECT max(id) FROM passages")).scalar()
    print(f"{engine.dialect.name}: {articles:,} articles, passage ids up to {passages:,}; blocked: {args.block}")
    queries = {
        "before 0014 (LIKE)": OLD_SQL.format(join="JOIN" if postgres else "CROSS JOIN"),
        "after 0014 (range)": BLOCKED_PASSAGES_SQL if postgres else BLOCKED_PASSAGES_SQLITE,
    }
    found = {}
    with engine.connect() as c:
        for name, query in queries.items():
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                ids = c.execute(text(query)).scalars().all()
                times.append((time.perf_counter() - t) * 1000)
            found[name] = set(ids)
            print(f"{name}: {len(ids):,} ids, median {statistics.median(times):.2f} ms, max {max(times):.2f} ms")
    same = len({frozenset(ids) for ids in found.values()}) == 1
    print("same ids from both queries" if same else "THE QUERIES DISAGREE")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
