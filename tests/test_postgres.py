"""PostgreSQL + pgvector: migration from SQLite, processes racing on one database, retrieval parity.

These need a server: run them with CLAIMBOT_TEST_DATABASE_URL set (`.ci/run` does; locally
`scripts/pg.sh start` prints the URL). Without it they are skipped, and the rest of the suite runs
on SQLite as usual.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import re
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, create_engine, make_url, select, text
from sqlalchemy.engine import Connection

from claimbot.index.config import Settings
from claimbot.index.corpus.sources import SourceOptions, read_inputs
from claimbot.index.records import ArticleRef, CheckResult, PassageResult
from claimbot.index.review import ReviewService
from claimbot.index.search.fulltext import DIRECTORY as FULLTEXT_DIRECTORY
from claimbot.index.search.retrieve import reciprocal_rank_fusion
from claimbot.index.service import ClaimIndex
from claimbot.index.storage import db
from claimbot.index.storage.blobs import from_blobs
from claimbot.index.storage.migrate import copied_tables, migrate
from tests.conftest import DEMO_CORPUS, ON_POSTGRES, drop_database, fresh_database_url
from tests.hash_embedder import HashEmbedder, SmallHashEmbedder

pytestmark = [
    pytest.mark.skipif(not ON_POSTGRES, reason="needs CLAIMBOT_TEST_DATABASE_URL (scripts/pg.sh start)"),
    pytest.mark.slow,  # a PostgreSQL server, and ingests that load spaCy
]

GUILD = 77
LOCK_WAIT_S = 60.0


@pytest.fixture
def pg_url():
    url = fresh_database_url()
    yield url
    drop_database(url)


def _settings(home: Path, url: str | None) -> Settings:
    # No relevance floor: it was measured on the packaged model's cosines, not the hash embedder's.
    return Settings(CLAIMBOT_HOME=home, DATABASE_URL=url, CLAIMBOT_RELEVANCE_FLOOR=0, _env_file=None)


def _rows(engine: Engine, table) -> list[tuple]:
    """A table's rows in key order, timestamps as UTC (SQLite hands them back naive)."""
    with engine.connect() as c:
        rows = c.execute(select(table).order_by(*table.primary_key.columns)).all()

    def norm(v):
        if isinstance(v, dt.datetime):
            return v.replace(tzinfo=dt.UTC) if v.tzinfo is None else v.astimezone(dt.UTC)
        return bytes(v) if isinstance(v, memoryview) else v

    return [tuple(norm(v) for v in row) for row in rows]


def _retrieve(index: ClaimIndex, claim: str, top: int = 5) -> list[tuple[int, int, float]]:
    """The fused retrieval `ClaimIndex.check` ranks (before stance): (article position, char_start,
    relevance) of the top passages. Positions, not ids: ids differ between two databases."""
    k = index.settings.candidates
    dense = [pid for pid, _ in index.vectors.search(index.embedder.encode([claim])[0], k)]
    hits = reciprocal_rank_fusion(dense, index.lexical_search(claim, k))[:top]
    stored = index.store.passages([h.passage_id for h in hits])
    return [(stored[h.passage_id].position, stored[h.passage_id].char_start, h.relevance) for h in hits]


def _result(claim: str) -> CheckResult:
    return CheckResult(
        claim=claim,
        verdict=None,
        passages=[
            PassageResult(
                text="Pérez was killed in the raid.",
                relevance=1.0,
                char_start=0,
                char_end=10,
                article=ArticleRef(
                    id=1, title="Raid", outlet="Herald", url="https://example.org/a", published="2018-01-15"
                ),
            )
        ],
    )


# -- migration ----------------------------------------------------------------------------------
def test_sqlite_installation_migrates_to_postgresql_and_a_rerun_copies_nothing(tmp_path: Path, pg_url: str):
    sqlite_url = f"sqlite:///{tmp_path / 'home' / 'claimbot.db'}"
    source = ClaimIndex(_settings(tmp_path / "home", None), embedder=HashEmbedder())
    assert source.ingest(read_inputs([str(DEMO_CORPUS)], SourceOptions())).added == 1
    review = ReviewService(source.store.engine, embed=HashEmbedder().encode)
    review.configure_guild(GUILD, 1, review_channel_id=10, moderator_role_id=20)
    a1 = review.record_answer(GUILD, channel_id=5, asker_id=2, result=_result("Pérez was killed"), shown=3)
    a2 = review.record_answer(GUILD, channel_id=5, asker_id=3, result=_result("Pérez is alive"), shown=3)
    f1 = review.flag(GUILD, a1.id, 4, "wrong").flag
    review.flag(GUILD, a1.id, 5, "also wrong")
    review.review(GUILD, f1.id, 9, "correct", verdict="false", note="he survived")
    f2 = review.flag(GUILD, a2.id, 4, "check this").flag
    review.take_flag(GUILD, f2.id, 9)  # left in review: the taken flag must survive the move
    review.hit_rate_limit(GUILD, 2)
    before_check = _retrieve(source, "Pérez was killed")
    before_dense = _top(source, "Pérez was killed")
    source.close()

    report = migrate(sqlite_url, pg_url, sample=1000)
    assert report.ok, report.problems
    copied = {t.table: t for t in report.tables}
    for name in (
        "articles",
        "passages",
        "index_meta",
        "guild_settings",
        "answers",
        "flags",
        "flag_reports",
        "corrections",
        "audit_log",
        "rate_events",
    ):
        assert copied[name].source_rows == copied[name].target_rows == copied[name].copied > 0, name
    assert report.vectors_checked == copied["passages"].source_rows  # sample > rows: every vector compared

    sqlite, pg = db.make_engine(sqlite_url), db.make_engine(pg_url)
    try:
        for table in copied_tables():  # every row, every column, same ids
            assert _rows(pg, table) == _rows(sqlite, table), table.name
        with pg.connect() as c:  # the pgvector column holds the blob's vector exactly
            vec_rows = c.execute(text("SELECT id, embedding, embedding_vec::text FROM passages ORDER BY id")).all()
        for passage_id, blob, vec in vec_rows:
            expected = from_blobs([bytes(blob)], 384)[0]
            got = np.asarray([float(x) for x in vec.strip("[]").split(",")], dtype=np.float32)
            assert np.array_equal(got, expected), passage_id

        rerun = migrate(sqlite_url, pg_url)
        assert rerun.ok and all(t.copied == 0 for t in rerun.tables)

        # The migrated installation works: same answers, the review state carried over, and new rows
        # get fresh ids (the sequences were moved past the copied ids).
        target = ClaimIndex(_settings(tmp_path / "pg-home", pg_url), embedder=HashEmbedder())
        try:
            assert target.store.is_postgres
            # Same vectors, so the same dense ranking; the full-text side ranks by ts_rank, not BM25
            # (parity is checked on its own below), so compare the fused top passages as a set.
            assert _top(target, "Pérez was killed") == before_dense
            after = _retrieve(target, "Pérez was killed")
            assert after[0][:2] == before_check[0][:2]
            assert {a[0] for a in after} == {b[0] for b in before_check}
            moved = ReviewService(target.store.engine)
            flag = moved.get_flag(GUILD, f2.id)
            assert (flag.status, flag.taken_by) == ("in_review", 9)
            assert moved.get_flag(GUILD, f1.id).status == "corrected" and moved.get_flag(GUILD, f1.id).count == 2
            assert [e.action for e in moved.audit_log(GUILD)] == ["correct", "setup"]
            a3 = moved.record_answer(GUILD, channel_id=5, asker_id=2, result=_result("new"), shown=1)
            assert a3.id == a2.id + 1
            extra = tmp_path / "extra.txt"
            extra.write_text(
                "A new article\n\nThe mayor opened a new bridge over the river on Monday.\n", encoding="utf-8"
            )
            assert target.ingest(read_inputs([str(extra)], SourceOptions())).added == 1
            ids = target.store.passage_ids()
            assert len(ids) == copied["passages"].source_rows + 1 and ids.max() == copied["passages"].source_rows + 1
            best = _retrieve(target, "the mayor opened a bridge", top=1)[0]
            assert best[0] == 0 and best[2] == 1.0  # the new article's sentence, first on both rankings
        finally:
            target.close()
    finally:
        sqlite.dispose()
        pg.dispose()


def test_migrate_refuses_a_sqlite_target(tmp_path: Path):
    from claimbot.index.storage.migrate import MigrationError

    (tmp_path / "a.db").touch()
    with pytest.raises(MigrationError, match="PostgreSQL"):
        migrate(f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("postgres://u:p@127.0.0.1:1/db", "not a database URL claimbot can use"),  # SQLAlchemy has no "postgres"
        ("mysql://u:p@127.0.0.1:1/db", "postgresql\\+psycopg://"),  # its driver is not installed
        ("postgresql+psycopg://u:secret@127.0.0.1:1/db", "cannot reach the database"),  # nothing listens on port 1
        ("postgresql+psycopg://u:secret@127.0.0.1:notaport/db", "not a database URL claimbot can use"),
    ],
)
def test_migrate_names_a_bad_target_in_one_line(tmp_path: Path, target: str, message: str):
    from claimbot.index.storage.migrate import MigrationError

    (tmp_path / "a.db").touch()
    with pytest.raises(MigrationError, match=message) as caught:
        migrate(f"sqlite:///{tmp_path / 'a.db'}", target)
    assert "secret" not in str(caught.value)


# -- processes racing on one database ------------------------------------------------------------
def _wait_for_lock_waiters(c: Connection, relation: str, n: int, jobs=()) -> None:
    """Block until `n` other sessions wait for a lock on `relation` or for the passages' advisory
    lock (every article write takes it first, `store._take_change_log_lock`; pass "advisory" to
    wait for that alone): the racers are then past their reads and queued on their writes. A
    condition observed in pg_locks, not a guess at timing. A racer that finished instead (it
    failed, or never reached the write) ends the wait with its outcome."""
    deadline = time.monotonic() + LOCK_WAIT_S
    while time.monotonic() < deadline:
        for job in jobs:
            if job.ready():
                raise AssertionError(f"a racing process ended before queuing on {relation}: {job.get()!r}")
        waiting = c.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND (relation = to_regclass(:r) "
                "OR locktype = 'transactionid' OR locktype = 'advisory')"
            ),
            {"r": relation},
        ).scalar()
        if waiting >= n:
            return
        c.execute(text("SELECT pg_sleep(0.02)"))  # poll interval of the wait, not the synchronisation
    raise AssertionError(f"the racing processes never queued on {relation}")


def _race_on_writes(engine: Engine, pool, table: str, worker, args: list[tuple]) -> list:
    """Run `worker` once per args while `table` is held against writes (reads still pass): every
    racer looks, finds nothing, and queues on its write, the worst interleaving. Then release, and
    return their results in order."""
    with engine.connect() as holder:
        holder.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))
        jobs = [pool.apply_async(worker, a) for a in args]
        with engine.connect() as watcher:
            _wait_for_lock_waiters(watcher, table, len(jobs), jobs)
        holder.rollback()
    return [job.get(timeout=120) for job in jobs]


def _ingest_worker(home: str, url: str, path: str) -> tuple[int, int]:
    index = ClaimIndex(_settings(Path(home), url), embedder=HashEmbedder())
    try:
        report = index.ingest(read_inputs([path], SourceOptions()))
        return report.added, report.unchanged
    finally:
        index.close()


def _open_worker(home: str, url: str) -> str | None:
    index = ClaimIndex(_settings(Path(home), url), embedder=HashEmbedder())
    try:
        _ = index.vectors  # records the embedding model of a new index
        return index.store.get_meta("embed_model")
    finally:
        index.close()


def test_two_processes_opening_a_new_index_both_record_its_model(tmp_path: Path, pg_url: str):
    ClaimIndex(_settings(tmp_path / "h0", pg_url), embedder=HashEmbedder()).close()  # schema only
    engine = create_engine(pg_url)
    ctx = multiprocessing.get_context("spawn")
    try:
        with ctx.Pool(2) as pool:
            # `serve` and an ingest starting together on a new database: both read "no model
            # recorded yet" and write it; the second write must not fail on the first one's row.
            recorded = _race_on_writes(
                engine, pool, "index_meta", _open_worker, [(str(tmp_path / f"h{i}"), pg_url) for i in (1, 2)]
            )
        assert recorded == [HashEmbedder.name, HashEmbedder.name]
    finally:
        engine.dispose()


def test_two_processes_ingesting_the_same_article_store_it_once(tmp_path: Path, pg_url: str):
    article = tmp_path / "same.txt"
    article.write_text(
        "Storm hits the coast\n\nA storm flooded the harbour of Porto on Tuesday night.\n", encoding="utf-8"
    )
    ClaimIndex(_settings(tmp_path / "h0", pg_url), embedder=HashEmbedder()).close()  # schema ready
    engine = create_engine(pg_url)
    ctx = multiprocessing.get_context("spawn")
    try:
        with ctx.Pool(2) as pool:
            # Both processes look, find nothing, embed, and queue on their INSERT; on release one
            # commits and the other hits the unique constraint.
            outcomes = sorted(
                _race_on_writes(
                    engine,
                    pool,
                    "articles",
                    _ingest_worker,
                    [(str(tmp_path / f"h{i}"), pg_url, str(article)) for i in (1, 2)],
                )
            )
        assert outcomes == [(0, 1), (1, 0)]  # one added, one told it was stored concurrently
        with engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM articles")).scalar() == 1
            passages = c.execute(text("SELECT count(*), count(embedding_vec) FROM passages")).one()
            assert passages[0] == passages[1] > 0  # every stored passage has its vector, none twice
    finally:
        engine.dispose()


def _claim_worker(url: str, flag_id: int, moderator: int) -> bool:
    engine = db.make_engine(url)
    try:
        return ReviewService(engine).take_flag(GUILD, flag_id, moderator).won
    finally:
        engine.dispose()


def _flag_worker(url: str, answer_id: int, flagger: int) -> bool:
    engine = db.make_engine(url)
    try:
        return ReviewService(engine).flag(GUILD, answer_id, flagger, f"wrong, says {flagger}").created
    finally:
        engine.dispose()


def test_two_processes_flagging_then_claiming_the_same_answer(pg_url: str):
    engine = db.make_engine(pg_url)
    review = ReviewService(engine)
    answer = review.record_answer(GUILD, channel_id=1, asker_id=2, result=_result("Pérez was killed"), shown=3)
    ctx = multiprocessing.get_context("spawn")
    try:
        with ctx.Pool(2) as pool:
            # Flags: both find no open flag and queue on creating one; the loser must merge, not be lost.
            created = sorted(
                _race_on_writes(
                    engine, pool, "flags", _flag_worker, [(pg_url, answer.id, flagger) for flagger in (101, 102)]
                )
            )
            assert created == [False, True]
            flags, total = review.open_flags(GUILD)
            assert total == 1 and flags[0].count == 2
            assert sorted(r.flagger_id for r in flags[0].reports) == [101, 102]

            # Claims: both moderators' conditional UPDATEs queue on the flag's row; exactly one wins.
            flag_id = flags[0].id
            with engine.connect() as holder:
                holder.execute(text("SELECT id FROM flags WHERE id = :id FOR UPDATE"), {"id": flag_id})
                jobs = [pool.apply_async(_claim_worker, (pg_url, flag_id, moderator)) for moderator in (201, 202)]
                with engine.connect() as watcher:
                    _wait_for_lock_waiters(watcher, "flags", 2, jobs)
                holder.rollback()
                won = [job.get(timeout=120) for job in jobs]
        assert sorted(won) == [False, True]
        flag = review.get_flag(GUILD, flag_id)
        assert flag.status == "in_review" and flag.taken_by == (201 if won[0] else 202)
    finally:
        engine.dispose()


def _rate_worker(url: str, user: int) -> bool:
    from claimbot.index.review import ReviewLimits

    engine = db.make_engine(url)
    try:
        limits = ReviewLimits(rate_user_checks=1, rate_user_window_s=600, rate_guild_checks=0)
        return ReviewService(engine, limits=limits).hit_rate_limit(GUILD, user).allowed
    finally:
        engine.dispose()


def test_two_bot_processes_share_one_rate_limit_window(pg_url: str):
    from claimbot.index.review import RATE_LOCK_CLASS

    engine = db.make_engine(pg_url)
    ctx = multiprocessing.get_context("spawn")
    try:
        with ctx.Pool(2) as pool, engine.connect() as holder:
            # Hold the guild's rate-limit lock: both processes queue on it before counting, so without
            # the lock both would count zero earlier checks and both be allowed.
            holder.execute(text("SELECT pg_advisory_xact_lock(:c, :k)"), {"c": RATE_LOCK_CLASS, "k": GUILD})
            jobs = [pool.apply_async(_rate_worker, (pg_url, 555)) for _ in range(2)]
            with engine.connect() as watcher:
                _wait_for_lock_waiters(watcher, "advisory", 2, jobs)
            holder.rollback()
            allowed = sorted(job.get(timeout=120) for job in jobs)
        assert allowed == [False, True]  # a limit of one check per window, across processes
    finally:
        engine.dispose()


# -- retrieval parity ---------------------------------------------------------------------------
PARITY_CLAIMS = [
    "Pérez was killed",
    "Nobody was injured in the 2017 helicopter attack",
    "Óscar Pérez survived the assault",
    "Pérez is a trained pilot",
    "Maduro vowed to meet Perez with bullets",
    "The government called them terrorists",
]


def _top(index: ClaimIndex, claim: str, k: int = 5) -> list[int]:
    """The dense top k as article positions (passage ids differ between two databases). Passages
    with equal similarity come in any order from an ANN index, so ties are ordered by position, and
    twice k are fetched so that a tie across the cut-off cannot change which passages are in."""
    hits = index.vectors.search(index.embedder.encode([claim])[0], 2 * k)
    positions = {p.id: p.position for p in index.store.passages([h for h, _ in hits]).values()}
    ranked = sorted((-round(score, 5), positions[h]) for h, score in hits)
    return [position for _, position in ranked[:k]]


@pytest.mark.slow
def test_the_same_corpus_gives_the_same_passages_on_both_backends(tmp_path: Path, pg_url: str):
    from claimbot.index.search.embed import shared_embedder

    embedder = shared_embedder(Settings(_env_file=None).embed_model, 64, 0)
    lite = ClaimIndex(_settings(tmp_path / "lite", None), embedder=embedder)
    pg = ClaimIndex(_settings(tmp_path / "pg", pg_url), embedder=embedder)
    try:
        for index in (lite, pg):
            assert index.ingest(read_inputs([str(DEMO_CORPUS)], SourceOptions())).added == 1
        for claim in PARITY_CLAIMS:
            # Dense side: exact faiss and pgvector's HNSW agree on the nearest passages.
            assert _top(pg, claim) == _top(lite, claim), claim
            # Fused ranking (BM25 vs ts_rank with idf on the lexical side): the same passage first,
            # and the same top five up to order among near-ties.
            top_a, top_b = _retrieve(lite, claim), _retrieve(pg, claim)
            assert top_a[0][0] == top_b[0][0], (claim, top_a, top_b)
            assert len({a[0] for a in top_a} & {b[0] for b in top_b}) >= 4, (claim, top_a, top_b)
    finally:
        lite.close()
        pg.close()


def test_claimbot_migrate_command_copies_verifies_and_reruns(tmp_path: Path, pg_url: str):
    from typer.testing import CliRunner

    from claimbot.bot.cli import app

    source = ClaimIndex(_settings(tmp_path / "home", None), embedder=HashEmbedder())
    assert source.ingest(read_inputs([str(DEMO_CORPUS)], SourceOptions())).added == 1
    source.close()
    sqlite_url = f"sqlite:///{tmp_path / 'home' / 'claimbot.db'}"
    runner = CliRunner()
    first = runner.invoke(app, ["migrate", "--from", sqlite_url, "--to", pg_url])
    assert first.exit_code == 0, first.output
    assert "verified: counts and sampled vectors match" in first.output
    assert re.search(r"passages\s+44 rows in the source\s+44 copied now\s+44 in the target", first.output)
    again = runner.invoke(app, ["migrate", "--from", sqlite_url, "--to", pg_url])
    assert again.exit_code == 0 and re.search(r"passages\s+44 rows in the source\s+0 copied now", again.output)
    missing = runner.invoke(app, ["migrate", "--from", f"sqlite:///{tmp_path / 'nope.db'}", "--to", pg_url])
    assert missing.exit_code == 2 and "there is no database" in missing.output


def test_migrate_into_a_database_without_pgvector_says_what_to_run_in_one_line(tmp_path: Path):
    """A role that owns its database but may not create the untrusted `vector` extension (the usual
    managed-PostgreSQL or hand-made setup): one line naming the SQL a superuser runs, exit 2."""
    from typer.testing import CliRunner

    from claimbot.bot.cli import app
    from tests.conftest import PG_TEST_URL, _admin_engine

    assert PG_TEST_URL is not None
    role, name = f"claimbot_plain_{uuid.uuid4().hex[:8]}", f"claimbot_noext_{uuid.uuid4().hex[:8]}"
    admin = _admin_engine()
    with admin.connect() as c:
        c.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD 'secret-pw' NOSUPERUSER"))
        c.execute(text(f'CREATE DATABASE "{name}" OWNER {role}'))
    target = make_url(PG_TEST_URL).set(database=name, username=role, password="secret-pw")
    try:
        source = ClaimIndex(_settings(tmp_path / "home", None), embedder=HashEmbedder())
        source.close()
        result = CliRunner().invoke(
            app,
            [
                "migrate",
                "--from",
                f"sqlite:///{tmp_path / 'home' / 'claimbot.db'}",
                "--to",
                target.render_as_string(hide_password=False),
            ],
        )
        assert result.exit_code == 2, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(" ".join(lines)) < 400 and "Traceback" not in result.output, result.output
        assert (
            "lacks the vector extension" in result.output and "CREATE EXTENSION IF NOT EXISTS vector" in result.output
        )
        assert "secret-pw" not in result.output
    finally:
        drop_database(make_url(PG_TEST_URL).set(database=name).render_as_string(hide_password=False))
        with admin.connect() as c:
            c.execute(text(f"DROP ROLE IF EXISTS {role}"))


def test_reembedding_with_another_dimension_retypes_the_vector_column(tmp_path: Path, pg_url: str):
    from claimbot.index.storage.pgvectors import column_dim

    index = ClaimIndex(_settings(tmp_path / "home", pg_url), embedder=HashEmbedder())
    try:
        assert index.ingest(read_inputs([str(DEMO_CORPUS)], SourceOptions())).added == 1
        before = _top(index, "Pérez is a trained pilot", 3)
    finally:
        index.close()
    index = ClaimIndex(_settings(tmp_path / "home", pg_url), embedder=SmallHashEmbedder())
    try:
        stats = index.reindex(reembed=True)
        assert (stats.passages, stats.vectors, stats.embed_model) == (44, 44, "test:hashed-256")
        with index.store.engine.connect() as c:
            assert column_dim(c) == 256
            assert (
                c.execute(text("SELECT count(*) FROM passages WHERE vector_dims(embedding_vec) = 256")).scalar() == 44
            )
        # Both hashers put the same words into buckets of one passage: the same passages come first.
        assert _top(index, "Pérez is a trained pilot", 1) == before[:1]
    finally:
        index.close()


def test_full_text_ranking_with_estimated_statistics_matches_the_exact_one(tmp_path: Path, pg_url: str, monkeypatch):
    import claimbot.index.storage.pgtext as pgtext

    index = ClaimIndex(_settings(tmp_path / "home", pg_url), embedder=HashEmbedder())
    try:
        assert index.ingest(read_inputs([str(DEMO_CORPUS)], SourceOptions())).added == 1
        with index.store.engine.connect() as c:
            c.execute(text("ANALYZE passages"))  # what autovacuum does on a real installation
            c.commit()
        exact = {claim: index.store.lexical_search(claim, 10) for claim in PARITY_CLAIMS}
        monkeypatch.setattr(pgtext, "EXACT_STATS_BELOW", 0)  # the large-table path: row estimate, sampled avgdl
        for claim in PARITY_CLAIMS:
            assert index.store.lexical_search(claim, 10) == exact[claim], claim
        assert index.store.lexical_search("Pérez", 5, collection="another-guild") == []
        assert len(index.store.lexical_search("Pérez", 5, collection="default")) == 5
    finally:
        index.close()


def test_full_text_reads_common_terms_only_when_they_could_change_the_top_k(tmp_path: Path, pg_url: str, monkeypatch):
    """MaxScore: scoring the passages of the rarest terms first gives the very ranking that reading
    every posting gives, and that ranking is what is returned when the bound cannot rule it out."""
    import claimbot.index.storage.pgtext as pgtext
    from claimbot.index.storage.domains import BLOCKED_PASSAGES_SQL
    from claimbot.index.storage.store import query_words

    index = ClaimIndex(_settings(tmp_path / "home", pg_url), embedder=HashEmbedder())
    reads: list[str] = []
    scored = pgtext._scored

    def counting(connection, postings, blocked_sql, params):
        reads.append("rare first" if postings is pgtext._RARE_FIRST else "every posting")
        return scored(connection, postings, blocked_sql, params)

    monkeypatch.setattr(pgtext, "_scored", counting)
    shortcuts: list[bool] = []
    fallbacks: list[bool] = []
    try:
        assert index.ingest(read_inputs([str(DEMO_CORPUS)], SourceOptions())).added == 1
        claims = [*PARITY_CLAIMS, "the government said the police officer was killed in the attack"]
        with index.store.engine.connect() as c:
            for claim in claims:
                words = query_words(claim)
                for k in (1, 3, 10):
                    reads.clear()
                    every = pgtext.lexical_search(c, words, k, None, BLOCKED_PASSAGES_SQL, rare_postings=10**9)
                    assert reads == ["every posting"] and every, claim
                    for budget in (0, 2, 8):
                        for probes in (1, 8000):  # 1: too many passages to probe, every posting read
                            monkeypatch.setattr(pgtext, "MAX_PROBES", probes)
                            reads.clear()
                            found = pgtext.lexical_search(c, words, k, None, BLOCKED_PASSAGES_SQL, rare_postings=budget)
                            assert found == every, (claim, k, budget, probes)
                            shortcuts.append(reads == ["rare first"])
                            fallbacks.append(reads == ["rare first", "every posting"])
        # Every way was taken: the bound held for some claims, and for some it did not or there
        # were too many passages to probe.
        assert any(shortcuts) and any(fallbacks)
    finally:
        index.close()


# -- postings (migration 0004) ----------------------------------------------------------------------
_RECOMPUTED_POSTINGS = """
    SELECT u.lexeme, p.id, p.collection, p.fts_tokens,
           (SELECT count(*) FILTER (WHERE w = 'A') + 0.3 * count(*) FILTER (WHERE w = 'B') FROM unnest(u.weights) AS w)::real
    FROM passages p CROSS JOIN LATERAL unnest(p.fts) AS u
    ORDER BY 2, 1
"""


def _postings(engine: Engine) -> list[tuple]:
    with engine.connect() as c:
        return [
            tuple(r)
            for r in c.execute(
                text("SELECT lexeme, passage_id, collection, dl, f FROM passage_terms ORDER BY passage_id, lexeme")
            )
        ]


def _recomputed(engine: Engine) -> list[tuple]:
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text(_RECOMPUTED_POSTINGS))]


def _article(folder: Path, name: str, body: str) -> str:
    path = folder / f"{name}.txt"
    path.write_text(body, encoding="utf-8")
    (folder / f"{name}.meta.json").write_text(f'{{"url": "https://example.org/{name}"}}', encoding="utf-8")
    return str(path)


def test_postings_follow_inserts_replacements_updates_and_deletes(tmp_path: Path, pg_url: str):
    index = ClaimIndex(_settings(tmp_path / "home", pg_url), embedder=HashEmbedder())
    engine = index.store.engine
    try:
        assert index.ingest(read_inputs([str(DEMO_CORPUS)], SourceOptions())).added == 1
        postings = _postings(engine)
        assert len(postings) > 1000 and postings == _recomputed(engine)
        assert any(lexeme == "perez" for lexeme, *_ in postings)  # accents removed, as in the tsvector

        # A changed article at the same URL replaces its passages: old postings go, new ones come.
        folder = tmp_path / "news"
        folder.mkdir()
        path = _article(folder, "raid", "Raid in El Junquito\n\nThe police raided a house in El Junquito.")
        assert index.ingest(read_inputs([path], SourceOptions())).added == 1
        _article(folder, "raid", "Raid in El Junquito\n\nSoldiers stormed a farmhouse near Caracas.")
        assert index.ingest(read_inputs([path], SourceOptions())).replaced == 1
        lexemes = {lexeme for lexeme, *_ in _postings(engine)}
        assert "farmhouse" in lexemes and "junquito" in lexemes and "raided" not in lexemes
        assert _postings(engine) == _recomputed(engine)

        with engine.begin() as c:
            c.execute(text("UPDATE passages SET collection = 'guild-9' WHERE text LIKE 'Soldiers stormed%'"))
        assert _postings(engine) == _recomputed(engine)
        assert {col for lex, _, col, *_ in _postings(engine) if lex == "farmhouse"} == {"guild-9"}

        # Re-embedding rewrites every vector but no text: the postings stay as they are (same row versions).
        with engine.connect() as c:
            versions = (
                c.execute(text("SELECT xmin::text FROM passage_terms ORDER BY passage_id, lexeme")).scalars().all()
            )
        with engine.begin() as c:
            c.execute(text("UPDATE passages SET embedding_vec = embedding_vec"))
        with engine.connect() as c:
            assert (
                c.execute(text("SELECT xmin::text FROM passage_terms ORDER BY passage_id, lexeme")).scalars().all()
                == versions
            )

        with engine.begin() as c:
            c.execute(text("DELETE FROM passages WHERE text LIKE 'Soldiers stormed%'"))
        assert "farmhouse" not in {lexeme for lexeme, *_ in _postings(engine)}
        assert _postings(engine) == _recomputed(engine)
    finally:
        index.close()


def test_migration_0004_backfills_postings_and_downgrades(tmp_path: Path, pg_url: str):
    from alembic import command

    index = ClaimIndex(_settings(tmp_path / "home", pg_url), embedder=HashEmbedder())
    engine = index.store.engine
    try:
        assert index.ingest(read_inputs([str(DEMO_CORPUS)], SourceOptions())).added == 1
        claims = {claim: index.store.lexical_search(claim, 10) for claim in PARITY_CLAIMS}
        cfg = db.alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0003")
        with engine.connect() as c:
            assert c.execute(text("SELECT to_regclass('passage_terms')")).scalar() is None
            assert c.execute(text("SELECT to_regclass('ix_passages_fts')")).scalar() is not None
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
        assert _postings(engine) == _recomputed(engine) != []
        assert {claim: index.store.lexical_search(claim, 10) for claim in PARITY_CLAIMS} == claims
    finally:
        index.close()


def test_the_hnsw_build_gets_the_memory_it_is_given(pg_url: str):
    """CLAIMBOT_PG_INDEX_MEMORY: with too little, pgvector says the graph no longer fits and goes
    on building on disk (slowly); with enough, it builds in memory."""
    from claimbot.index.storage.pgvectors import build_hnsw

    engine = create_engine(pg_url)
    vectors = np.random.default_rng(0).standard_normal((3000, 384)).astype(np.float32)
    literals = [{"e": "[" + ",".join(f"{x:.4f}" for x in v) + "]"} for v in vectors]
    try:
        for memory, spills in (("1MB", True), ("64MB", False)):
            with engine.connect() as c:
                notices: list[str] = []
                c.connection.driver_connection.add_notice_handler(
                    lambda d, into=notices: into.append(d.message_primary or "")
                )
                c.execute(text("CREATE TEMP TABLE v (e vector(384))"))
                c.execute(text("INSERT INTO v VALUES (CAST(:e AS vector))"), literals)
                build_hnsw(c, memory, "CREATE INDEX ON v USING hnsw (e vector_cosine_ops)")
                assert c.execute(text("SHOW maintenance_work_mem")).scalar() == memory
                assert any("no longer fits into maintenance_work_mem" in n for n in notices) == spills, notices
                c.rollback()
    finally:
        engine.dispose()


# -- full text beside the database (migration 0013) -------------------------------------------------
def _copy_passage_sql() -> str:
    """An INSERT that copies one passage under a new id (every column but the id)."""
    from claimbot.index.storage.schema import PassageRow

    columns = ", ".join(c.name for c in PassageRow.__table__.columns if c.name != "id")
    return f"INSERT INTO passages ({columns}, embedding_vec) SELECT {columns}, embedding_vec FROM passages WHERE id = :id RETURNING id"


def test_passage_writes_commit_in_the_order_of_their_ids(tmp_path: Path, pg_url: str):
    """A transaction that has taken passage ids holds every other passage write until it commits,
    so a cache that read up to some id can never miss a smaller one committed later."""
    index = ClaimIndex(_settings(tmp_path / "home", pg_url), embedder=HashEmbedder())
    folder = tmp_path / "in"
    folder.mkdir()
    later = _article(folder, "later", "Flood in Porto\n\nThe harbour of Porto flooded on Tuesday. Boats were lost.")
    ctx = multiprocessing.get_context("spawn")
    try:
        assert index.ingest(read_inputs([str(DEMO_CORPUS)], SourceOptions())).added == 1
        first = min(index.store.passage_ids())
        with ctx.Pool(1) as pool, index.store.engine.connect() as holder:
            holder.begin()
            held = holder.execute(text(_copy_passage_sql()), {"id": first}).scalar_one()
            job = pool.apply_async(_ingest_worker, (str(tmp_path / "worker"), pg_url, later))
            with index.store.engine.connect() as watcher:
                _wait_for_lock_waiters(watcher, "advisory", 1, [job])
            holder.commit()
            assert job.get(timeout=120) == (1, 0)
        [article] = index.find_articles("https://example.org/later")
        written = index.store.article_passage_ids([article.id])
        assert written and min(written) > held
    finally:
        index.close()


def test_full_text_on_postgresql_follows_what_other_processes_write_and_remove(tmp_path: Path, pg_url: str):
    serve = ClaimIndex(_settings(tmp_path / "serve", pg_url), embedder=HashEmbedder())
    other = ClaimIndex(_settings(tmp_path / "other", pg_url), embedder=HashEmbedder())
    folder = tmp_path / "in"
    folder.mkdir()
    try:
        assert serve.settings.pg_fulltext == "tantivy"
        assert serve.ingest(read_inputs([str(DEMO_CORPUS)], SourceOptions())).added == 1
        assert serve.lexical_search("Pérez", 5)
        assert serve.lexical_search("zeppelin", 5) == []
        path = _article(folder, "zeppelin", "Airship in Porto\n\nA zeppelin landed in the harbour of Porto on Tuesday.")
        assert other.ingest(read_inputs([path], SourceOptions())).added == 1
        hits = serve.lexical_search("zeppelin", 5)
        assert [p.text for p in serve.store.passages(hits).values()] == [
            "A zeppelin landed in the harbour of Porto on Tuesday."
        ]
        # Nearly the ranking of the postings inside the database (one BM25 formula; the two
        # tokenisers differ on a few words, and ties fall in either order).
        for claim in PARITY_CLAIMS:
            mine, theirs = serve.lexical_search(claim, 10), serve.store.lexical_search(claim, 10)
            assert mine[:3] == theirs[:3] and len(set(mine) & set(theirs)) >= 8, (claim, mine, theirs)
        assert other.remove_articles(other.find_articles("https://example.org/zeppelin")) >= 1
        assert serve.lexical_search("zeppelin", 5) == []
        # `database` searches the postings and keeps no index beside the process.
        lean = ClaimIndex(
            Settings(
                CLAIMBOT_HOME=tmp_path / "lean",
                DATABASE_URL=pg_url,
                CLAIMBOT_PG_FULLTEXT="database",
                CLAIMBOT_RELEVANCE_FLOOR=0,
                _env_file=None,
            ),
            embedder=HashEmbedder(),
        )
        try:
            assert set(lean.lexical_search("Pérez", 5)) == set(serve.lexical_search("Pérez", 5))
            assert not (lean.settings.vector_dir / FULLTEXT_DIRECTORY).exists()
            assert (serve.settings.vector_dir / FULLTEXT_DIRECTORY).is_dir()
        finally:
            lean.close()
    finally:
        serve.close()
        other.close()


def test_a_writer_takes_the_passages_lock_before_it_writes_its_article_row(tmp_path: Path, pg_url: str):
    """A writer waiting for the passages' lock holds no row of `articles` yet: had it inserted its
    article first (the trigger took the lock only at the passages), a writer holding the lock and
    inserting an article of the same text would wait on that row while it waited for the lock."""
    from claimbot.index.storage.store import CHANGE_LOG_LOCK_KEY

    index = ClaimIndex(_settings(tmp_path / "home", pg_url), embedder=HashEmbedder())
    folder = tmp_path / "in"
    folder.mkdir()
    path = _article(folder, "flood", "Flood in Porto\n\nThe harbour of Porto flooded on Tuesday. Boats were lost.")
    ctx = multiprocessing.get_context("spawn")
    try:
        _ = index.vectors  # the schema and the model's record exist before the worker starts
        with ctx.Pool(1) as pool, index.store.engine.connect() as holder:
            holder.begin()
            holder.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHANGE_LOG_LOCK_KEY})
            job = pool.apply_async(_ingest_worker, (str(tmp_path / "worker"), pg_url, path))
            with index.store.engine.connect() as watcher:
                _wait_for_lock_waiters(watcher, "advisory", 1, [job])
                holding_articles = watcher.execute(
                    text(
                        "SELECT count(*) FROM pg_locks w JOIN pg_locks a ON a.pid = w.pid "
                        "WHERE w.locktype = 'advisory' AND NOT w.granted AND a.relation = 'articles'::regclass"
                    )
                ).scalar()
            holder.commit()
            assert holding_articles == 0
            assert job.get(timeout=120) == (1, 0)
    finally:
        index.close()


def test_migrate_gives_out_no_id_sqlite_had_given_to_a_removed_row(tmp_path: Path, pg_url: str):
    home = tmp_path / "home"
    source = ClaimIndex(_settings(home, None), embedder=HashEmbedder())
    folder = tmp_path / "in"
    folder.mkdir()
    first = _article(folder, "first", "Flood in Porto\n\nThe harbour of Porto flooded on Tuesday. Boats were lost.")
    second = _article(folder, "second", "Fire in Lyon\n\nA fire closed the old market of Lyon. Nobody was hurt.")
    later = _article(folder, "later", "Snow in Oslo\n\nSnow closed the airport of Oslo on Friday. Trains ran late.")
    assert source.ingest(read_inputs([first, second], SourceOptions())).added == 2
    [removed] = source.find_articles("https://example.org/second")
    removed_passages = source.store.article_passage_ids([removed.id])
    source.remove_articles([removed])
    source.close()

    assert migrate(f"sqlite:///{home / 'claimbot.db'}", pg_url, sample=0).ok
    target = ClaimIndex(_settings(tmp_path / "pg-home", pg_url), embedder=HashEmbedder())
    try:
        assert target.ingest(read_inputs([later], SourceOptions())).added == 1
        [article] = target.find_articles("https://example.org/later")
        assert article.id > removed.id
        assert min(target.store.article_passage_ids([article.id])) > max(removed_passages)
    finally:
        target.close()
