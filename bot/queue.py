"""The in-process job queue: the webhook enqueues and answers; workers do the work after.

A job may carry a ``key`` (one pull request, one branch) and a ``version`` (the head SHA).
A newer version under the same key supersedes older work: a queued job is dropped before
it starts, a running one is told so and stops at its next checkpoint. The same version
queued twice runs once.

Scaling past one process means replacing this module with a real queue; handlers only
call :meth:`JobQueue.submit`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
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
    superseded_by: str | None = None

    @property
    def superseded(self) -> bool:
        return self.superseded_by is not None

    def checkpoint(self) -> None:
        if self.superseded_by is not None:
            raise Superseded(self.superseded_by)


class JobQueue:
    def __init__(self, metrics: Metrics, clock: Clock, *, concurrency: int = 4) -> None:
        self.metrics = metrics
        self.clock = clock
        self.concurrency = concurrency
        self._queue: asyncio.Queue[Job] = asyncio.Queue()
        self._pending: dict[tuple[str, ...], Job] = {}
        self._running: dict[tuple[str, ...], set[Job]] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self) -> None:
        self._workers = [asyncio.create_task(self._work(), name=f"ssot-worker-{i}") for i in range(self.concurrency)]

    async def stop(self) -> None:
        for task in self._workers:
            task.cancel()
        for task in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers = []

    def submit(self, job: Job) -> str:
        """``"queued"``, or ``"duplicate"`` when the same version is already waiting."""
        if job.key is not None:
            waiting = self._pending.get(job.key)
            if waiting is not None and waiting.version == job.version:
                return "duplicate"
            if waiting is not None:
                waiting.superseded_by = job.version
            for running in self._running.get(job.key, ()):
                if running.version != job.version:
                    running.superseded_by = job.version
            self._pending[job.key] = job
        self._active += 1
        self._idle.clear()
        self._queue.put_nowait(job)
        self.metrics.queue_depth.set(self._queue.qsize())
        return "queued"

    async def idle(self) -> None:
        """Return once nothing is queued or running (tests and shutdown wait on this)."""
        await self._idle.wait()

    @property
    def depth(self) -> int:
        return self._queue.qsize()

    async def _work(self) -> None:
        while True:
            job = await self._queue.get()
            self.metrics.queue_depth.set(self._queue.qsize())
            try:
                await self._run(job)
            finally:
                self._active -= 1
                if self._active == 0:
                    self._idle.set()

    async def _run(self, job: Job) -> None:
        if job.key is not None and self._pending.get(job.key) is job:
            del self._pending[job.key]
        if job.superseded:
            self._finish(job, "superseded", 0.0)
            return
        if job.key is not None:
            self._running.setdefault(job.key, set()).add(job)
        self.metrics.running.inc()
        started = self.clock.monotonic()
        outcome = "crashed"
        try:
            outcome = await job.run(job)
        except Superseded:
            outcome = "superseded"
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        except Exception:  # noqa: BLE001 - a job's bug must not stop the worker
            logs.event("job crashed", level=logging.ERROR, exc_info=True, kind=job.kind, **job.fields)
        finally:
            self.metrics.running.dec()
            if job.key is not None:
                running = self._running.get(job.key, set())
                running.discard(job)
                if not running:
                    self._running.pop(job.key, None)
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
