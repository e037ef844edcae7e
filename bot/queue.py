"""The in-process job queue: the webhook enqueues and answers; jobs do the work after.

A job starts at once and does its heavy part in a *turn*: at most ``concurrency`` jobs
hold one, the others wait (the queue depth). Most jobs run entirely in their turn; a job
that ``opens`` first does what must not wait (a pull-request check creates its check run
``in_progress``, so the pull request shows it at once however busy the App is) and then
takes its turn itself with ``async with job.turn():``.

A job may carry a ``key`` (one pull request, one branch) and a ``version`` (the head SHA).
A newer version under the same key supersedes older work: a waiting job stops at once
(it never takes a turn), a running one is told so and stops at its next checkpoint (a
check it opened is completed as superseded, never left running). The same version
submitted twice while the first still waits runs once.

Scaling past one process means replacing this module with a real queue; handlers only
call :meth:`JobQueue.submit`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot import logs
from bot.clock import Clock
from bot.metrics import Metrics


class Superseded(Exception):
    """Raised at a checkpoint of a job that newer work has replaced."""


@dataclass(eq=False)
class Job:
    kind: str
    run: Callable[[Job], Awaitable[str]]
    key: tuple[str, ...] | None = None
    version: str = ""
    #: what the job's log line says besides kind, duration and outcome (delivery, repo, pr, sha)
    fields: dict[str, Any] = field(default_factory=dict)
    #: True: ``run`` starts at once and takes its turn itself (see the module's docstring)
    opens: bool = False
    superseded_by: str | None = None
    _queue: JobQueue | None = field(default=None, repr=False)
    _replaced: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def superseded(self) -> bool:
        return self.superseded_by is not None

    def checkpoint(self) -> None:
        if self.superseded_by is not None:
            raise Superseded(self.superseded_by)

    def supersede(self, version: str) -> None:
        self.superseded_by = version
        self._replaced.set()

    def turn(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Wait for one of the queue's turns and hold it (raises Superseded when newer work
        replaced the job while it waited)."""
        assert self._queue is not None and self.opens, "only a submitted job that opens takes its turn itself"
        return self._queue._turn(self)


class JobQueue:
    def __init__(self, metrics: Metrics, clock: Clock, *, concurrency: int = 4) -> None:
        self.metrics = metrics
        self.clock = clock
        self._turns = asyncio.Semaphore(concurrency)
        self._pending: dict[tuple[str, ...], Job] = {}  # by key: submitted, no turn yet
        self._running: dict[tuple[str, ...], set[Job]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._waiting = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def stop(self) -> None:
        """Cancel every job: running and waiting ones alike (a pull-request check completes
        its run with the reason first)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def submit(self, job: Job) -> str:
        """``"queued"``, or ``"duplicate"`` when the same version is already waiting."""
        if job.key is not None:
            waiting = self._pending.get(job.key)
            if waiting is not None and waiting.version == job.version:
                return "duplicate"
            if waiting is not None:
                waiting.supersede(job.version)
            for running in self._running.get(job.key, ()):
                if running.version != job.version:
                    running.supersede(job.version)
            self._pending[job.key] = job
        job._queue = self
        self._idle.clear()
        task = asyncio.create_task(self._run(job), name=f"ssot-{job.kind}")
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return "queued"

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not self._tasks:
            self._idle.set()

    async def idle(self) -> None:
        """Return once nothing is waiting or running (tests and shutdown wait on this)."""
        await self._idle.wait()

    @property
    def depth(self) -> int:
        """Jobs waiting for a turn."""
        return self._waiting

    async def _acquire(self, job: Job) -> None:
        """Wait for a turn, or until newer work replaces the job (then raise Superseded)."""
        job.checkpoint()
        turn = asyncio.ensure_future(self._turns.acquire())
        replaced = asyncio.ensure_future(job._replaced.wait())
        try:
            await asyncio.wait((turn, replaced), return_when=asyncio.FIRST_COMPLETED)
        finally:
            replaced.cancel()
            if not turn.done():
                turn.cancel()
            elif not turn.cancelled() and (job.superseded or asyncio.current_task().cancelling()):  # type: ignore[union-attr]
                self._turns.release()  # won at the same moment as newer work (or a shutdown): not used
        job.checkpoint()

    @contextlib.asynccontextmanager
    async def _turn(self, job: Job) -> AsyncIterator[None]:
        self._count_waiting(+1)
        try:
            await self._acquire(job)
        finally:
            self._count_waiting(-1)
            self._forget(job)
        try:
            if job.key is not None:
                self._running.setdefault(job.key, set()).add(job)
            self.metrics.running.inc()
            try:
                yield
            finally:
                self.metrics.running.dec()
                if job.key is not None:
                    running = self._running.get(job.key, set())
                    running.discard(job)
                    if not running:
                        self._running.pop(job.key, None)
        finally:
            self._turns.release()

    def _count_waiting(self, change: int) -> None:
        self._waiting += change
        self.metrics.queue_depth.set(self._waiting)

    def _forget(self, job: Job) -> None:
        """The job no longer waits: newer work of its key no longer supersedes it there."""
        if job.key is not None and self._pending.get(job.key) is job:
            del self._pending[job.key]

    async def _run(self, job: Job) -> None:
        started = self.clock.monotonic()
        outcome = "crashed"
        try:
            if job.opens:
                outcome = await job.run(job)
            else:
                async with self._turn(job):
                    outcome = await job.run(job)
        except Superseded:
            outcome = "superseded"
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        except Exception:  # noqa: BLE001 - a job's bug must not stop the queue
            logs.event("job crashed", level=logging.ERROR, exc_info=True, kind=job.kind, **job.fields)
        finally:
            self._forget(job)  # an opening job that ended before taking its turn
            self._finish(job, outcome, self.clock.monotonic() - started)

    def _finish(self, job: Job, outcome: str, seconds: float) -> None:
        self.metrics.jobs.labels(job.kind, outcome).inc()
        self.metrics.job_seconds.labels(job.kind).observe(seconds)
        logs.event(
            "job",
            kind=job.kind,
            outcome=outcome,
            duration_ms=round(seconds * 1000, 1),
            superseded_by=job.superseded_by,
            **job.fields,
        )
