"""The bot's model-work pool: fair across servers, bounded, and honest about waits.

A burst of /check from one server must not hold every other server's answers, and a queue longer
than an interaction token lives (15 minutes) must not be accepted only for its answers to be lost.
Jobs wait in one queue per key (the guild) and the workers take them round robin across keys; a
job that would start later than `max_wait_s`, or that finds `max_queued` jobs waiting, is refused
at once with `Busy` and an estimate of when to try again.

State is touched only on the event loop (submission and the workers' done callbacks both run
there), so it needs no lock; the jobs themselves run in a thread pool.
"""

from __future__ import annotations

import asyncio
import functools
import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

# A kind's cost before any job of it has finished (seconds; a check on 2 cores takes about 1 s).
DEFAULT_COST_S = 2.0
# Weight of the newest duration in a kind's running mean.
COST_SMOOTHING = 0.2


class Busy(Exception):
    """The pool will not take this job now; `retry_after_s` is when it likely would."""

    def __init__(self, retry_after_s: float, reason: str) -> None:
        super().__init__(reason)
        self.retry_after_s = retry_after_s


@dataclass
class _Job:
    key: Hashable
    kind: str
    call: Callable[[], Any]
    future: asyncio.Future[Any]
    queued_at: float = field(default_factory=time.monotonic)


class FairPool:
    def __init__(
        self,
        workers: int,
        *,
        max_queued: int,
        max_wait_s: float,
        costs: dict[str, float] | None = None,
        name: str = "claimbot-heavy",
    ) -> None:
        """`costs`: seconds per job of each kind until jobs of that kind have been timed."""
        self.workers = workers
        self.max_queued = max_queued
        self.max_wait_s = max_wait_s
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._queues: OrderedDict[Hashable, deque[_Job]] = OrderedDict()  # round-robin order of keys
        self._running: list[_Job] = []
        self._cost: dict[str, float] = dict(costs or {})
        self._closed = False

    # -- figures ---------------------------------------------------------------------------
    def cost(self, kind: str) -> float:
        return self._cost.get(kind, DEFAULT_COST_S)

    @property
    def queued(self) -> int:
        return sum(len(q) for q in self._queues.values())

    @property
    def running(self) -> int:
        return len(self._running)

    def expected_wait(self, key: Hashable) -> float:
        """Seconds before a job submitted now for `key` would start: its own queue, and as many jobs
        of each other key as round robin serves before it (at most one more than its own)."""
        own = self._queues.get(key, deque())
        ahead = list(own)
        for other, queue in self._queues.items():
            if other != key:
                ahead.extend(list(queue)[: len(own) + 1])
        if len(ahead) + len(self._running) < self.workers:
            return 0.0
        # a running job is on average half done
        work = sum(self.cost(j.kind) for j in ahead) + sum(self.cost(j.kind) / 2 for j in self._running)
        return work / self.workers

    # -- work ------------------------------------------------------------------------------
    async def run(self, key: Hashable, func: Callable[..., T], /, *args: Any, kind: str = "check", **kwargs: Any) -> T:
        """Run `func(*args, **kwargs)` in a worker when `key`'s turn comes; `Busy` if it cannot be soon."""
        if self._closed:
            raise RuntimeError("the work pool is closed")
        self._admit(key, kind)
        loop = asyncio.get_running_loop()
        job = _Job(key, kind, functools.partial(func, *args, **kwargs), loop.create_future())
        self._queues.setdefault(key, deque()).append(job)
        self._pump(loop)
        result: T = await job.future  # cancelling the waiter cancels the job if it has not started
        return result

    def _admit(self, key: Hashable, kind: str) -> None:
        queued = self.queued
        if queued >= self.max_queued:
            drain = (queued - self.max_queued + 1) * self.cost(kind) / self.workers
            raise Busy(_round_up(drain), f"{queued} checks are waiting")
        wait = self.expected_wait(key)
        if wait + self.cost(kind) > self.max_wait_s:
            raise Busy(_round_up(wait + self.cost(kind) - self.max_wait_s), f"the wait would be {wait:.0f} s")

    def _next_job(self) -> _Job | None:
        while self._queues:
            key, queue = next(iter(self._queues.items()))
            job = queue.popleft()
            if queue:
                self._queues.move_to_end(key)  # the next key's turn
            else:
                del self._queues[key]
            if not job.future.cancelled():  # its interaction gave up while it waited
                return job
        return None

    def _pump(self, loop: asyncio.AbstractEventLoop) -> None:
        while len(self._running) < self.workers and (job := self._next_job()) is not None:
            self._running.append(job)
            started = time.monotonic()
            done = loop.run_in_executor(self._executor, job.call)
            done.add_done_callback(functools.partial(self._finished, loop, job, started))

    def _finished(self, loop: asyncio.AbstractEventLoop, job: _Job, started: float, done: asyncio.Future[Any]) -> None:
        self._running.remove(job)
        if not done.cancelled():
            took = time.monotonic() - started
            previous = self._cost.get(job.kind)
            self._cost[job.kind] = took if previous is None else previous + COST_SMOOTHING * (took - previous)
        if not job.future.done():
            if done.cancelled():
                job.future.cancel()
            elif (error := done.exception()) is not None:
                job.future.set_exception(error)
            else:
                job.future.set_result(done.result())
        if not self._closed:
            self._pump(loop)

    def close(self) -> None:
        """Refuse new jobs, cancel the waiting ones; running ones finish in their threads."""
        self._closed = True
        for queue in self._queues.values():
            for job in queue:
                job.future.cancel()
        self._queues.clear()
        self._executor.shutdown(wait=False, cancel_futures=True)


def _round_up(seconds: float) -> float:
    return float(max(5, math.ceil(seconds / 5) * 5))
