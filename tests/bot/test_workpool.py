"""The bot's model-work pool (bot/workpool.py): servers take turns, the queue is bounded, and a
wait past the interaction token is refused at once. Plain asyncio, no Discord."""

from __future__ import annotations

import asyncio
import threading

import pytest

from claimbot.bot.workpool import Busy, FairPool

pytestmark = pytest.mark.asyncio


async def _until(condition) -> None:
    while not condition():
        await asyncio.sleep(0)  # one turn of the loop: the pool's callbacks run on it


async def _hold(pool: FairPool, gate: threading.Event, key: int = 0) -> asyncio.Future:
    """Occupy every worker until `gate` is set."""
    held = asyncio.gather(*(pool.run(key, gate.wait, 30) for _ in range(pool.workers)))
    await _until(lambda: pool.running == pool.workers)
    return held


async def test_servers_take_turns_instead_of_first_come_first_served():
    pool = FairPool(1, max_queued=100, max_wait_s=10_000)
    gate, order = threading.Event(), []
    held = await _hold(pool, gate)
    busy_server = [asyncio.ensure_future(pool.run(1, order.append, f"A{i}")) for i in range(10)]
    other_server = asyncio.ensure_future(pool.run(2, order.append, "B0"))
    await _until(lambda: pool.queued == 11)
    gate.set()
    await asyncio.gather(held, *busy_server, other_server)
    # round robin: B's one check runs right after A's first, not after all ten of A's
    assert order[:3] == ["A0", "B0", "A1"]
    assert order[3:] == [f"A{i}" for i in range(2, 10)]
    pool.close()


async def test_a_full_queue_refuses_at_once_with_a_time_to_retry():
    pool = FairPool(1, max_queued=3, max_wait_s=10_000, costs={"check": 4.0})
    gate = threading.Event()
    held = await _hold(pool, gate)
    queued = [asyncio.ensure_future(pool.run(1, lambda: None)) for _ in range(3)]
    await _until(lambda: pool.queued == 3)
    with pytest.raises(Busy) as refused:
        await pool.run(2, lambda: None)
    assert refused.value.retry_after_s >= 4 and "3 checks are waiting" in str(refused.value)
    gate.set()
    await asyncio.gather(held, *queued)
    pool.close()


async def test_a_wait_past_the_limit_is_refused_and_counted_per_server():
    # one worker, 10 s a check, 25 s allowed: the running check is half done (5 s left)
    pool = FairPool(1, max_queued=100, max_wait_s=25, costs={"check": 10.0})
    gate = threading.Event()
    held = await _hold(pool, gate)
    first = asyncio.ensure_future(pool.run(1, lambda: "first"))  # waits 5 s, done by 15 s
    second = asyncio.ensure_future(pool.run(1, lambda: "second"))  # waits 15 s, done by 25 s
    await _until(lambda: pool.queued == 2)
    assert pool.expected_wait(1) == pytest.approx(25.0)
    with pytest.raises(Busy) as refused:
        await pool.run(1, lambda: "third")  # would end at 35 s
    assert refused.value.retry_after_s == 10
    # another server is served after server 1's next check only: its wait is 15 s, accepted
    assert pool.expected_wait(2) == pytest.approx(15.0)
    other = asyncio.ensure_future(pool.run(2, lambda: "other"))
    gate.set()
    assert await asyncio.gather(first, second, other) == ["first", "second", "other"]
    await held
    pool.close()


async def test_a_job_whose_waiter_gave_up_never_runs_and_errors_reach_the_waiter():
    pool = FairPool(1, max_queued=10, max_wait_s=10_000)
    gate, ran = threading.Event(), []
    held = await _hold(pool, gate)
    abandoned = asyncio.ensure_future(pool.run(1, ran.append, "abandoned"))
    await _until(lambda: pool.queued == 1)
    abandoned.cancel()

    def fails() -> None:
        raise ValueError("model broke")

    failing = asyncio.ensure_future(pool.run(1, fails))
    gate.set()
    await held
    with pytest.raises(ValueError, match="model broke"):
        await failing
    assert ran == [] and abandoned.cancelled()
    pool.close()


async def test_closing_cancels_waiting_jobs_and_refuses_new_ones():
    pool = FairPool(1, max_queued=10, max_wait_s=10_000)
    gate = threading.Event()
    held = await _hold(pool, gate)
    waiting = asyncio.ensure_future(pool.run(1, lambda: None))
    await _until(lambda: pool.queued == 1)
    pool.close()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    with pytest.raises(RuntimeError, match="closed"):
        await pool.run(1, lambda: None)
    gate.set()
    await held
