"""The review workflow service (index/review/), without Discord."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import zlib

import numpy as np
import pytest
from alembic import command
from sqlalchemy import inspect

from claimbot.index.records import ArticleRef, CheckResult, PassageResult
from claimbot.index.review import (
    AlreadyTaken,
    ClaimError,
    NotFound,
    ReviewError,
    ReviewLimits,
    ReviewService,
    claim_key,
    negation_mismatch,
    validate_claim,
)
from claimbot.index.storage import db

G1, G2 = 1001, 2002
ASKER, FLAGGER, FLAGGER2, MOD, MOD2 = 11, 12, 13, 21, 22


def bag_of_words(texts: list[str]) -> np.ndarray:
    """A deterministic stand-in embedder: hashed bag of words, unit length."""
    out = np.zeros((len(texts), 64), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in text.lower().replace("!", " ").replace(".", " ").split():
            out[row, zlib.crc32(word.encode()) % 64] += 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1, norms)


class Clock:
    def __init__(self) -> None:
        self.t = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += dt.timedelta(seconds=seconds)


@pytest.fixture
def engine(database_url):
    e = db.make_engine(database_url)  # SQLite, or PostgreSQL on the CLAIMBOT_TEST_DATABASE_URL leg
    yield e
    e.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def svc(engine, clock) -> ReviewService:
    limits = ReviewLimits(
        rate_user_checks=3, rate_user_window_s=60, rate_guild_checks=5, rate_guild_window_s=60, correction_threshold=0.8
    )
    return ReviewService(engine, limits=limits, embed=bag_of_words, now=clock)


def result(claim: str, verdict: str | None = None) -> CheckResult:
    passage = PassageResult(
        text="Pérez was killed in the raid.",
        relevance=1.0,
        article=ArticleRef(id=1, title="Raid", outlet="Herald", url="https://example.org/a", published="2018-01-15"),
        char_start=0,
        char_end=29,
    )
    return CheckResult(claim=claim, verdict=verdict, passages=[passage])


def answer(svc: ReviewService, guild: int = G1, claim: str = "Pérez was killed", asker: int = ASKER):
    return svc.record_answer(
        guild, channel_id=5, asker_id=asker, result=result(claim), shown=1, model="m", corpus_version="1a/1p"
    )


# -- claims ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "   \n\t ", None])
def test_empty_claims_are_refused(text):
    with pytest.raises(ClaimError, match="empty"):
        validate_claim(text)


def test_mentions_only_and_too_long_claims_are_refused():
    with pytest.raises(ClaimError, match="only contains mentions"):
        validate_claim("<@123> <@!456> <@&789> @everyone @here <#42>")
    with pytest.raises(ClaimError, match="501 characters long; the limit is 500"):
        validate_claim("x" * 501)
    assert validate_claim("  Pérez   was\nkilled  ") == "Pérez was killed"
    assert validate_claim("@everyone Pérez was killed") == "@everyone Pérez was killed"


def test_claim_key_and_negation_guard():
    assert claim_key("  Pérez WAS killed!! ") == claim_key("pérez was killed")
    assert negation_mismatch("Pérez was killed", "Pérez was not killed")
    assert negation_mismatch("Pérez wasn't killed", "Pérez was killed")
    assert not negation_mismatch("Pérez was killed", "The police killed Pérez")
    # as chat types them: no apostrophe, "cannot"
    assert negation_mismatch("Perez wasnt killed", "Perez was killed")
    assert negation_mismatch("Perez didnt resign", "Perez resigned")
    assert negation_mismatch("Perez cannot vote", "Perez can vote")


# -- answers and flags ----------------------------------------------------------------------
def test_answer_is_stored_as_shown(svc):
    a = answer(svc)
    got = svc.get_answer(G1, a.id)
    assert got.result == result("Pérez was killed")
    assert (got.asker_id, got.channel_id, got.shown, got.model, got.corpus_version) == (ASKER, 5, 1, "m", "1a/1p")
    svc.set_answer_message(G1, a.id, channel_id=5, message_id=99)
    assert svc.get_answer(G1, a.id).message_id == 99


def test_flags_on_one_answer_merge_with_a_count(svc):
    a = answer(svc)
    first = svc.flag(G1, a.id, FLAGGER, "wrong person")
    assert first.created and first.flag.count == 1
    second = svc.flag(G1, a.id, FLAGGER2, "the verdict is wrong")
    assert not second.created and second.flag.id == first.flag.id and second.flag.count == 2
    again = svc.flag(G1, a.id, FLAGGER, "still wrong")
    assert again.duplicate and again.flag.count == 2
    assert [(r.flagger_id, r.reason) for r in again.flag.reports] == [
        (FLAGGER, "wrong person"),
        (FLAGGER2, "the verdict is wrong"),
    ]
    flags, total = svc.open_flags(G1)
    assert total == 1 and flags[0].count == 2


def test_a_flag_needs_a_reason(svc):
    a = answer(svc)
    with pytest.raises(ReviewError, match="reason"):
        svc.flag(G1, a.id, FLAGGER, "   ")


def test_open_flags_oldest_first(svc, clock):
    ids = []
    for claim in ("one", "two", "three"):
        ids.append(svc.flag(G1, answer(svc, claim=claim).id, FLAGGER, "r").flag.id)
        clock.advance(5)
    flags, total = svc.open_flags(G1)
    assert [f.id for f in flags] == ids and total == 3


# -- taking and deciding --------------------------------------------------------------------
def test_taking_is_atomic_and_the_loser_is_told_who_has_it(svc):
    a = answer(svc)
    fid = svc.flag(G1, a.id, FLAGGER, "r").flag.id
    assert svc.take_flag(G1, fid, MOD).won
    lost = svc.take_flag(G1, fid, MOD2)
    assert not lost.won and lost.flag.taken_by == MOD and lost.flag.status == "in_review"
    with pytest.raises(AlreadyTaken):
        svc.review(G1, fid, MOD2, "approve")
    svc.release_flag(G1, fid, MOD)
    assert svc.get_flag(G1, fid).status == "open"


def test_two_moderators_racing_on_one_flag_never_both_act(svc):
    a = answer(svc)
    fid = svc.flag(G1, a.id, FLAGGER, "r").flag.id
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def moderator(mod_id: int) -> None:
        barrier.wait()
        try:
            svc.review(G1, fid, mod_id, "dismiss", reason=f"fine says {mod_id}")
            outcomes.append("won")
        except AlreadyTaken:
            outcomes.append("lost")

    threads = [threading.Thread(target=moderator, args=(100 + i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["lost"] * 5 + ["won"]
    decisions = [e for e in svc.audit_log(G1) if e.target == f"flag:{fid}"]
    assert len(decisions) == 1 and decisions[0].action == "dismiss"
    assert svc.get_flag(G1, fid).decided_by == decisions[0].actor_id


def test_correct_writes_the_correction_and_the_audit_row(svc):
    a = answer(svc)
    fid = svc.flag(G1, a.id, FLAGGER, "wrong").flag.id
    decision = svc.review(G1, fid, MOD, "correct", verdict="false", note="He surrendered first.")
    assert decision.flag.status == "corrected" and decision.flag.decided_by == MOD
    assert decision.correction.verdict == "false" and decision.correction.note == "He surrendered first."
    assert decision.flag.correction == decision.correction
    entry = svc.audit_log(G1)[0]
    assert (entry.actor_id, entry.action, entry.target) == (MOD, "correct", f"flag:{fid}")
    assert entry.before == {"status": "open", "verdict": None, "correction": None}  # as it was before the review
    assert entry.after == {
        "status": "corrected",
        "verdict": "false",
        "note": "He surrendered first.",
        "correction_id": decision.correction.id,
    }


@pytest.mark.parametrize("written", ["FALSE!!", "fake", "", "  "])
def test_a_corrected_verdict_off_the_scale_is_refused_and_the_flag_released(svc, written):
    fid = svc.flag(G1, answer(svc).id, FLAGGER, "wrong").flag.id
    with pytest.raises(ReviewError, match="verdict from the scale .True, Mostly true, Mixed"):
        svc.review(G1, fid, MOD, "correct", verdict=written)
    assert svc.get_flag(G1, fid).status == "open" and svc.get_flag(G1, fid).taken_by is None
    d = svc.review(G1, fid, MOD, "correct", verdict="  Mostly   FALSE ")  # the scale, however it is typed
    assert d.correction.verdict == "mostly false"


def test_dismiss_needs_a_reason_and_a_failed_decision_releases_the_flag(svc):
    a = answer(svc)
    fid = svc.flag(G1, a.id, FLAGGER, "wrong").flag.id
    with pytest.raises(ReviewError, match="needs a reason"):
        svc.review(G1, fid, MOD, "dismiss", reason=" ")
    assert svc.get_flag(G1, fid).status == "open" and svc.get_flag(G1, fid).taken_by is None
    d = svc.review(G1, fid, MOD, "dismiss", reason="The passage says exactly that.")
    assert d.flag.status == "dismissed" and d.flag.decision_note == "The passage says exactly that."
    assert svc.audit_log(G1)[0].reason == "The passage says exactly that."


def test_after_a_decision_a_new_flag_opens_a_new_card(svc):
    a = answer(svc)
    fid = svc.flag(G1, a.id, FLAGGER, "wrong").flag.id
    svc.review(G1, fid, MOD, "approve")
    again = svc.flag(G1, a.id, FLAGGER, "still wrong")
    assert again.created and again.flag.id != fid


def test_a_report_never_lands_on_a_flag_decided_meanwhile(svc):
    """The merge re-checks that the flag is still open when it counts the report: a decision that
    commits between reading the open flag and adding the report sends the report to a new flag."""
    from sqlalchemy import event

    a = answer(svc)
    fid = svc.flag(G1, a.id, FLAGGER, "wrong person").flag.id
    fired = []

    def decide_in_between(conn, cursor, statement, params, context, executemany):  # noqa: ANN001
        # The merge's duplicate check (SELECT flag_reports.id ... flagger_id): the open flag has
        # been read; a moderator's decision commits right now, on another connection.
        if not fired and statement.lstrip().upper().startswith("SELECT FLAG_REPORTS.ID"):
            fired.append(True)
            svc.review(G1, fid, MOD, "approve")

    event.listen(svc.engine, "before_cursor_execute", decide_in_between)
    try:
        late = svc.flag(G1, a.id, FLAGGER2, "the verdict is wrong")
    finally:
        event.remove(svc.engine, "before_cursor_execute", decide_in_between)
    assert fired
    decided = svc.get_flag(G1, fid)
    assert decided.status == "approved" and [r.flagger_id for r in decided.reports] == [FLAGGER] and decided.count == 1
    assert late.created and late.flag.id != fid and late.flag.status == "open"
    assert [r.flagger_id for r in late.flag.reports] == [FLAGGER2]


def test_a_flag_left_in_review_can_be_taken_over_after_a_few_minutes(svc, clock):
    fid = svc.flag(G1, answer(svc).id, FLAGGER, "r").flag.id
    assert svc.take_flag(G1, fid, MOD).won  # ...and the process dies before deciding
    clock.advance(svc.limits.stale_take_s - 1)
    with pytest.raises(AlreadyTaken, match="already reviewing"):
        svc.review(G1, fid, MOD2, "approve")
    clock.advance(2)
    d = svc.review(G1, fid, MOD2, "approve")  # no restart needed
    assert d.flag.status == "approved" and d.flag.decided_by == MOD2
    # the first moderator's late decision is refused, not applied twice
    with pytest.raises(ReviewError):
        svc.decide(G1, fid, MOD, "dismiss", reason="late")
    assert [e.actor_id for e in svc.audit_log(G1) if e.target == f"flag:{fid}"] == [MOD2]


def test_stale_takes_are_released(svc, clock):
    fid = svc.flag(G1, answer(svc).id, FLAGGER, "r").flag.id
    svc.take_flag(G1, fid, MOD)
    assert svc.release_stale(900) == 0
    clock.advance(901)
    assert svc.release_stale(900) == 1
    assert svc.take_flag(G1, fid, MOD2).won


def test_old_unflagged_answers_are_pruned_and_the_newest_always_stays(svc, clock):
    old = [answer(svc, claim=f"Claim {n}") for n in range(3)]
    fid = svc.flag(G1, old[1].id, FLAGGER, "wrong").flag.id
    clock.advance(91 * 86400)
    assert svc.prune_answers() == 1  # old[0]; old[1] is flagged; old[2] is the newest answer
    with pytest.raises(NotFound, match="older than the answers claimbot keeps"):
        svc.get_answer(G1, old[0].id)
    assert svc.get_flag(G1, fid).answer.id == old[1].id
    fresh = answer(svc, claim="Claim 3")
    assert svc.prune_answers() == 1  # now old[2] is not the newest any more
    assert [svc.get_answer(G1, a.id).id for a in (old[1], fresh)] == [old[1].id, fresh.id]
    # SQLite numbers a new row after the highest id: the kept newest answer keeps ids from coming back
    assert answer(svc, claim="Claim 4").id > fresh.id
    svc.limits = dataclasses.replace(svc.limits, answer_retention_days=0)  # 0: keep everything
    clock.advance(365 * 86400)
    assert svc.prune_answers() == 0


# -- corrections ----------------------------------------------------------------------------
def test_corrections_apply_to_the_same_or_similar_claims_in_the_guild_only(svc):
    a = answer(svc, claim="Pérez was killed by the police")
    fid = svc.flag(G1, a.id, FLAGGER, "wrong").flag.id
    svc.review(G1, fid, MOD, "correct", verdict="true", note="Confirmed by two outlets.")
    exact = svc.find_correction(G1, "pérez was killed by the police!")
    assert exact.verdict == "true" and exact.similarity == 1.0
    similar = svc.find_correction(G1, "the police killed Pérez")  # same words, another order
    assert similar is not None and similar.similarity >= 0.8
    assert svc.find_correction(G1, "Pérez was not killed by the police") is None  # negation guard
    assert svc.find_correction(G1, "Bananas are radioactive") is None
    assert svc.find_correction(G2, "Pérez was killed by the police") is None  # another guild


def test_a_correction_about_one_mentioned_member_is_not_shown_for_another(svc):
    fid = svc.flag(G1, answer(svc, claim="<@111> is a scammer").id, FLAGGER, "wrong").flag.id
    svc.review(G1, fid, MOD, "correct", verdict="false")
    assert svc.find_correction(G1, "<@!111> is a scammer").verdict == "false"  # the same member
    assert svc.find_correction(G1, "<@222> is a scammer") is None
    assert svc.find_correction(G1, "<@222> is really a scammer") is None  # not by similarity either
    assert svc.find_correction(G1, "is a scammer") is None


def test_the_newest_correction_wins(svc, clock):
    for verdict in ("true", "false"):
        fid = svc.flag(G1, answer(svc).id, FLAGGER, "r").flag.id
        svc.review(G1, fid, MOD, "correct", verdict=verdict)
        clock.advance(10)
    assert svc.find_correction(G1, "Pérez was killed").verdict == "false"


def corrected(svc: ReviewService, claim: str, verdict: str = "false") -> None:
    fid = svc.flag(G1, answer(svc, claim=claim).id, FLAGGER, "wrong").flag.id
    svc.review(G1, fid, MOD, "correct", verdict=verdict)


def test_a_similar_english_correction_is_shown_when_the_fact_check_reader_confirms_it(engine, clock):
    police = "Pérez was killed by the police in Caracas"
    refused = {("Pérez was killed by the army in Caracas", police)}
    asked: list[tuple[str, list[str]]] = []

    def reader(claim: str, reviewed: list[str]) -> list[bool]:  # a stand-in: the same claim unless refused
        asked.append((claim, reviewed))
        return [(claim, r) not in refused for r in reviewed]

    svc = ReviewService(
        engine, limits=ReviewLimits(correction_threshold=0.8), embed=bag_of_words, confirm=reader, now=clock
    )
    corrected(svc, police)
    assert svc.find_correction(G1, "Bananas are radioactive") is None and asked == []  # no candidate: no reading
    assert svc.find_correction(G1, "pérez was killed by the police in caracas!").similarity == 1.0  # the key
    assert asked == []
    # 0.875 in this embedder: shown before on similarity alone, now the reader refuses it
    assert svc.find_correction(G1, "Pérez was killed by the army in Caracas") is None
    assert asked == [("Pérez was killed by the army in Caracas", [police])]
    # another city is a detail that disagrees: refused without reading
    assert svc.find_correction(G1, "Pérez was killed by the police in Lima") is None and len(asked) == 1
    # 0.79, under the threshold: a candidate from 0.70 on, shown as the reader confirms it
    assert svc.find_correction(G1, "Pérez was killed in Caracas").verdict == "false"
    # the most similar correction the reader confirms, read most similar first
    corrected(svc, "The police killed Pérez in Caracas", verdict="true")
    refused.add(("so the police killed Pérez in Caracas", "The police killed Pérez in Caracas"))
    asked.clear()
    assert svc.find_correction(G1, "so the police killed Pérez in Caracas").verdict == "false"
    assert asked == [("so the police killed Pérez in Caracas", ["The police killed Pérez in Caracas", police])]


@pytest.mark.slow
def test_a_correction_is_not_shown_for_another_year_or_the_opposite_change(claim_index):
    """The packaged embedder and fact-check reader, wired as the bot wires them (bot/services.py)."""
    svc = ReviewService(
        claim_index.store.engine,
        embed=claim_index.embedder.encode,
        embed_model=claim_index.embedder.name,
        confirm=claim_index.same_claim,
    )
    for claim in ("Pérez was killed in 2018", "inflation rose to 10%", "Pérez was killed by police"):
        corrected(svc, claim)
    # each 0.87 to 0.95 similar to a correction above, which similarity alone showed
    assert svc.find_correction(G1, "Pérez was killed in 2017") is None
    assert svc.find_correction(G1, "inflation fell to 10%") is None
    assert svc.find_correction(G1, "Pérez was killed by rebels") is None
    assert svc.find_correction(G1, "In 2018 Pérez was killed").claim == "Pérez was killed in 2018"
    assert svc.find_correction(G1, "police killed Pérez").claim == "Pérez was killed by police"


def test_corrections_survive_a_change_of_embedding_model(engine, svc):
    fid = svc.flag(G1, answer(svc, claim="Pérez was killed by the police").id, FLAGGER, "r").flag.id
    svc.review(G1, fid, MOD, "correct", verdict="true")

    def wider(texts: list[str]) -> np.ndarray:  # another model: another vector size
        return np.repeat(bag_of_words(texts), 2, axis=1) / np.sqrt(2)

    after = ReviewService(engine, limits=svc.limits, embed=wider)
    # vectors of the old model are skipped, not a crash; the exact claim still matches by its key
    assert after.find_correction(G1, "the police killed Pérez") is None
    assert after.find_correction(G1, "Pérez was killed by the police").verdict == "true"
    assert after.reembed_corrections() == 1
    similar = after.find_correction(G1, "the police killed Pérez")
    assert similar is not None and similar.verdict == "true" and similar.similarity >= 0.8


def test_vectors_of_another_model_of_the_same_size_are_not_compared(engine, clock):
    named = ReviewService(
        engine, limits=ReviewLimits(correction_threshold=0.8), embed=bag_of_words, embed_model="model-a", now=clock
    )
    fid = named.flag(G1, answer(named, claim="Pérez was killed by the police").id, FLAGGER, "r").flag.id
    named.review(G1, fid, MOD, "correct", verdict="true")
    assert named.find_correction(G1, "the police killed Pérez").verdict == "true"

    # Same size, another space: the stored vector would look like a match to a size check alone.
    switched = ReviewService(engine, limits=named.limits, embed=bag_of_words, embed_model="model-b", now=clock)
    assert switched.find_correction(G1, "the police killed Pérez") is None
    assert switched.find_correction(G1, "Pérez was killed by the police").verdict == "true"  # by its key
    assert switched.reembed_corrections(only_stale=True) == 1
    assert switched.reembed_corrections(only_stale=True) == 0
    assert switched.find_correction(G1, "the police killed Pérez").verdict == "true"
    assert named.find_correction(G1, "the police killed Pérez") is None  # now model-b's vector


def test_migration_0005_names_the_model_of_existing_correction_vectors(engine):
    from sqlalchemy import text

    # To head, then back to 0004: the PostgreSQL leg's fresh databases come from a migrated template.
    db.upgrade(engine)
    cfg = db.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0004")
    with engine.begin() as c:
        c.execute(text("INSERT INTO index_meta (key, value) VALUES ('embed_model', 'model-a')"))
        for key, blob in (("with vector", b"\0\0\x80?"), ("without", None)):
            c.execute(
                text(
                    "INSERT INTO corrections (guild_id, claim, claim_key, embedding, verdict, note, "
                    "moderator_id, created_at) VALUES (1, :k, :k, :b, 'true', '', 2, CURRENT_TIMESTAMP)"
                ),
                {"k": key, "b": blob},
            )
    db.upgrade(engine)
    with engine.connect() as c:
        rows = dict(c.execute(text("SELECT claim, embed_model FROM corrections")).all())
    assert rows == {"with vector": "model-a", "without": None}
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0004")
    assert "embed_model" not in {col["name"] for col in inspect(engine).get_columns("corrections")}
    db.upgrade(engine)


def test_sources_matches_percent_and_underscore_literally(engine, svc):
    from sqlalchemy.orm import Session

    from claimbot.index.storage.schema import ArticleRow

    with Session(engine) as s, s.begin():
        for n, (title, outlet) in enumerate(
            [("Inflation hits 5% in May", "Herald"), ("Rates rise", "Daily_News"), ("Rain all week", "Courier")]
        ):
            s.add(
                ArticleRow(
                    title=title,
                    outlet=outlet,
                    url=f"https://news.example/{n}",
                    text="t",
                    content_hash=str(n),
                    origin="test",
                )
            )
    assert [e.title for e in svc.sources("5%").entries] == ["Inflation hits 5% in May"]
    assert [e.title for e in svc.sources("_").entries] == ["Rates rise"]
    assert svc.sources("%").total == 1
    assert svc.sources("rain").total == 1 and svc.sources().total == 3


# -- guild scoping --------------------------------------------------------------------------
def test_nothing_crosses_guilds(svc):
    a = answer(svc, guild=G1)
    fid = svc.flag(G1, a.id, FLAGGER, "r").flag.id
    with pytest.raises(NotFound):
        svc.get_answer(G2, a.id)
    with pytest.raises(NotFound):
        svc.flag(G2, a.id, FLAGGER, "r")
    with pytest.raises(NotFound):
        svc.get_flag(G2, fid)
    with pytest.raises(NotFound):
        svc.review(G2, fid, MOD, "approve")
    assert svc.get_flag(G1, fid).status == "open"
    assert svc.open_flags(G2) == ([], 0)
    svc.configure_guild(G1, MOD, review_channel_id=7, moderator_role_id=8)
    assert svc.guild_config(G2).review_channel_id is None
    assert svc.audit_log(G2) == []


def test_guild_settings_are_stored_and_audited(svc):
    svc.configure_guild(G1, MOD, review_channel_id=7, moderator_role_id=8)
    svc.configure_guild(G1, MOD2, review_channel_id=9, moderator_role_id=8)
    config = svc.guild_config(G1)
    assert (config.review_channel_id, config.moderator_role_id) == (9, 8)
    entry = svc.audit_log(G1)[0]
    assert entry.actor_id == MOD2 and entry.before == {"review_channel_id": 7, "moderator_role_id": 8}


# -- rate limits ----------------------------------------------------------------------------
def test_user_rate_limit_with_retry_time_persists_across_restarts(engine, svc, clock):
    assert all(svc.hit_rate_limit(G1, ASKER).allowed for _ in range(3))
    clock.advance(20)
    refused = svc.hit_rate_limit(G1, ASKER)
    assert not refused.allowed and refused.scope == "user" and refused.retry_after_s == pytest.approx(40)
    assert svc.hit_rate_limit(G1, FLAGGER).allowed  # another user still may
    restarted = ReviewService(engine, limits=svc.limits, now=clock)
    assert not restarted.hit_rate_limit(G1, ASKER).allowed
    clock.advance(41)
    assert restarted.hit_rate_limit(G1, ASKER).allowed


def test_guild_rate_limit(svc):
    for user in range(5):
        assert svc.hit_rate_limit(G1, 500 + user).allowed
    refused = svc.hit_rate_limit(G1, 600)
    assert not refused.allowed and refused.scope == "guild"
    assert svc.hit_rate_limit(G2, 600).allowed


# -- schema ---------------------------------------------------------------------------------
def test_migration_0002_upgrades_and_downgrades(engine):
    db.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"answers", "flags", "flag_reports", "corrections", "audit_log", "guild_settings", "rate_events"} <= tables
    cfg = db.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0001")
    assert "flags" not in set(inspect(engine).get_table_names())
    db.upgrade(engine)
    assert "flags" in set(inspect(engine).get_table_names())


def test_migration_0002_matches_the_orm_tables(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from claimbot.index.storage import review_tables
    from claimbot.index.storage.schema import Base

    ours = {
        t.name
        for t in Base.metadata.sorted_tables
        if t.name
        in {
            review_tables.GuildSettingsRow.__tablename__,
            review_tables.AnswerRow.__tablename__,
            review_tables.FlagRow.__tablename__,
            review_tables.FlagReportRow.__tablename__,
            review_tables.CorrectionRow.__tablename__,
            review_tables.AuditRow.__tablename__,
            review_tables.RateEventRow.__tablename__,
        }
    }
    assert len(ours) == 7
    db.upgrade(engine)
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)

    def table_of(diff) -> str | None:
        for item in diff if isinstance(diff, list) else [diff]:
            for part in item[1:]:
                name = getattr(part, "name", None) if not isinstance(part, str) else None
                table = getattr(part, "table", None)
                if table is not None:
                    return table.name
                if name in ours:
                    return name
            if isinstance(item, tuple) and len(item) > 2 and isinstance(item[2], str):
                return item[2]
        return None

    assert [d for d in diffs if table_of(d) in ours] == []


def test_one_setting_changes_and_the_others_stay(svc):
    svc.configure_guild(G1, MOD, review_channel_id=7, moderator_role_id=8)
    config = svc.configure_guild(G1, MOD2, mod_log_channel_id=11)
    assert (config.review_channel_id, config.moderator_role_id, config.mod_log_channel_id) == (7, 8, 11)
    assert svc.guild_config(G1) == config
    entry = svc.audit_log(G1)[0]
    assert (entry.before, entry.after) == ({"mod_log_channel_id": None}, {"mod_log_channel_id": 11})
    assert svc.configure_guild(G1, MOD, mod_log_channel_id=None).mod_log_channel_id is None  # None clears


def test_a_revoked_correction_is_no_longer_shown_and_is_kept_with_who_and_why(svc, clock):
    claim = "Pérez was killed by the police"
    fid = svc.flag(G1, answer(svc, claim=claim).id, FLAGGER, "wrong").flag.id
    correction = svc.review(G1, fid, MOD, "correct", verdict="false").correction
    assert svc.find_correction(G1, claim).id == correction.id
    assert svc.corrections_page(G1) == ([svc.find_correction(G1, claim)], 1)
    with pytest.raises(ReviewError, match="needs a reason"):
        svc.revoke_correction(G1, correction.id, MOD2, "  ")
    with pytest.raises(NotFound):
        svc.revoke_correction(G2, correction.id, MOD2, "another server's")
    clock.advance(60)
    revoked = svc.revoke_correction(G1, correction.id, MOD2, "He was in fact killed")
    assert revoked.revoked_by == MOD2 and revoked.revoked_at == clock()
    assert svc.find_correction(G1, claim) is None  # neither by its exact text...
    assert svc.find_correction(G1, "Pérez was killed by police") is None  # ...nor by similarity
    assert svc.corrections_page(G1) == ([], 0)
    rows, total = svc.corrections_page(G1, revoked=True)
    assert total == 1 and rows[0].id == correction.id and rows[0].revoked_by == MOD2
    with pytest.raises(ReviewError, match="already revoked"):
        svc.revoke_correction(G1, correction.id, MOD, "twice")
    entry = svc.audit_log(G1)[0]
    assert (entry.actor_id, entry.action, entry.target, entry.reason) == (
        MOD2,
        "revoke",
        f"correction:{correction.id}",
        "He was in fact killed",
    )
    # a new correction of the same claim is found again
    fid = svc.flag(G1, answer(svc, claim=claim).id, FLAGGER, "still wrong").flag.id
    svc.review(G1, fid, MOD, "correct", verdict="true")
    assert svc.find_correction(G1, claim).verdict == "true"


def test_the_audit_export_reads_every_row_oldest_first_in_pages(svc):
    for channel in range(1, 8):
        svc.configure_guild(G1 if channel % 2 else G2, MOD, review_channel_id=channel)
    rows = list(svc.audit.export(None, batch=3))
    assert [r.after["review_channel_id"] for r in rows] == list(range(1, 8))
    assert [r.guild_id for r in rows] == [G1, G2, G1, G2, G1, G2, G1]
    assert [r.after["review_channel_id"] for r in svc.audit_export(G2)] == [2, 4, 6]


def test_the_catalogue_lists_only_the_collections_asked_for(claim_index, tmp_path):
    from claimbot.index.corpus import SourceOptions, read_inputs
    from tests.hash_embedder import HashEmbedder

    claim_index._embedder = HashEmbedder()
    for name, collection in (("shared", "default"), ("theirs", "city")):
        path = tmp_path / f"{name}.txt"
        path.write_text(f"{name.title()} news\n\nA report on {name} matters.", encoding="utf-8")
        claim_index.ingest(read_inputs([str(path)], SourceOptions()), collection=collection)
    review = ReviewService(claim_index.store.engine)
    assert review.sources().total == 2
    assert [e.title for e in review.sources(collections=["default"]).entries] == ["Shared news"]
