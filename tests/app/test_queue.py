"""The job queue on its own: turns, depth, and a turn won at the moment the job was replaced."""

from __future__ import annotations

import asyncio

from bot.clock import Clock
from bot.metrics import Metrics
from bot.queue import Job, JobQueue


def queue(concurrency: int = 1) -> JobQueue:
    return JobQueue(Metrics(), Clock(), concurrency=concurrency)


async def ticks(n: int = 10) -> None:
    """Let the queue's tasks run as far as they can without outside help."""
    for _ in range(n):
        await asyncio.sleep(0)


async def test_the_depth_counts_only_jobs_waiting_for_a_turn() -> None:
    """A job that opens and never takes a turn (a command's answer) is not waiting."""
    q = queue()
    answering, holding = asyncio.Event(), asyncio.Event()
    depths: list[int] = []

    async def answer(job: Job) -> str:
        await answering.wait()
        return "answered"

    async def hold(job: Job) -> str:
        await holding.wait()
        return "held"

    async def waits(job: Job) -> str:
        return "ran"

    q.submit(Job("comment", answer, opens=True))
    q.submit(Job("check", hold))
    await ticks()
    depths.append(q.depth)  # the comment runs, the check holds the turn: nothing waits
    q.submit(Job("check", waits))
    await ticks()
    depths.append(q.depth)  # one waits for the turn
    answering.set()
    holding.set()
    await asyncio.wait_for(q.idle(), 10)
    depths.append(q.depth)
    assert depths == [0, 1, 0]


async def test_a_turn_won_as_newer_work_replaces_the_job_is_given_back() -> None:
    """The only turn is freed and, in the same moment, the job that was to get it is
    superseded: the turn goes back to the queue, never lost (else nothing would run again)."""
    q = queue()
    ran: list[str] = []

    async def first(job: Job) -> str:
        async with job.turn():
            await asyncio.sleep(0)  # the waiting job below is queued for the turn meanwhile
        # the turn is free, its waiter not yet resumed: newer work replaces it now
        q.submit(Job("check", record("newer"), key=("pr", "1"), version="v2"))
        return "done"

    def record(name: str):  # type: ignore[no-untyped-def]
        async def run(job: Job) -> str:
            ran.append(name)
            return "ran"
        return run

    q.submit(Job("check", first, opens=True))
    await asyncio.sleep(0)
    q.submit(Job("check", record("older"), key=("pr", "1"), version="v1"))
    await asyncio.wait_for(q.idle(), 10)
    q.submit(Job("check", record("later")))
    await asyncio.wait_for(q.idle(), 10)
    assert ran == ["newer", "later"]
