"""What handlers and jobs reach: the process's services, and one delivery's bookkeeping."""

from __future__ import annotations

import asyncio
import functools
import gc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from bot.cache import SummaryStore
from bot.clock import Clock
from bot.github_api import GitHubApp
from bot.metrics import Metrics
from bot.queue import Job, JobQueue
from bot.settings import Settings

T = TypeVar("T")


@dataclass
class AppContext:
    settings: Settings
    clock: Clock
    metrics: Metrics
    queue: JobQueue
    github: GitHubApp
    store: SummaryStore
    #: one thread: analysis is CPU-bound and the summary store is not thread-safe
    analysis: ThreadPoolExecutor

    async def analyse(self, func: Callable[..., T], /, *args: object, **kwargs: object) -> T:
        """Run ``func`` on the analysis thread, off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.analysis, functools.partial(_uncollected, func, *args, **kwargs))


def _uncollected(func: Callable[..., T], /, *args: object, **kwargs: object) -> T:
    """``func`` with the cyclic garbage collector paused: an analysis holds thousands of
    summaries (tuples: no cycles), which it would only walk again and again. One analysis
    thread, so pauses never overlap; the server's own garbage waits for the end of one."""
    gc.disable()
    try:
        return func(*args, **kwargs)
    finally:
        gc.enable()


@dataclass
class Delivery:
    """One webhook delivery on its way through the routers."""

    app: AppContext
    id: str
    outcomes: list[str] = field(default_factory=list)

    def enqueue(self, job: Job) -> None:
        job.fields.setdefault("delivery", self.id)
        self.outcomes.append(self.app.queue.submit(job))

    def ignore(self, reason: str) -> None:
        self.outcomes.append(f"ignored: {reason}")

    @property
    def outcome(self) -> str:
        if "queued" in self.outcomes:
            return "queued"
        if "duplicate" in self.outcomes:
            return "duplicate-job"
        return self.outcomes[0] if self.outcomes else "ignored"
