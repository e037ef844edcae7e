"""The bot never goes silent: every check run it creates is completed, whatever happens
between creating and completing it; and the webhook is answered while a check runs."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Iterable
from typing import Any

from bot import checkrun, server
from bot.cache import SummaryStore
from bot.settings import Settings
from rules.summary import FileSummary
from tests.app import payloads
from tests.app.conftest import Bot, FakeClock, eventually, needs_shared
from tests.app.fakegithub import FakeGitHub
from tests.app.scenarios import BASE, CONFIG, DUPLICATE, HARMLESS, PullScenario, many_duplicates, pull
from tests.app.test_server import PING

pytestmark = needs_shared


def opened(s: PullScenario) -> dict[str, Any]:
    return payloads.pull_request("opened", s.repo, s.number, head_sha=s.head, head_ref="feature", base_sha=s.base)


async def test_a_result_github_refuses_still_completes_the_run(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, DUPLICATE)
    github.fail("PATCH", r"/check-runs/\d+$", times=1, status=422)
    await bot.deliver("pull_request", opened(s))
    await bot.settle()
    [run] = github.runs_for(s.head)
    assert (run["status"], run["conclusion"]) == ("completed", "neutral")
    assert run["output"]["title"] == checkrun.one_line(
        checkrun.NEUTRAL_TITLE.format(reason="GitHub answered 422 to a request the check needed (injected fault 422)")
    )


async def test_a_server_stopping_completes_running_and_waiting_checks(
    aiohttp_client: Any, settings: Settings, clock: FakeClock, github: FakeGitHub
) -> None:
    one_turn = dataclasses.replace(settings, concurrency=1)
    client = await aiohttp_client(server.make_app(one_turn, clock=clock, shutdown_grace=0))
    bot = Bot(client, one_turn)
    s = pull(github, HARMLESS)
    waiting = pull(github, HARMLESS, number=8)
    held = github.hold("GET", r"/compare/")
    await bot.deliver("pull_request", opened(s))
    await held.arrived.wait()
    await bot.deliver("pull_request", opened(waiting))
    await eventually(lambda: github.runs_for(waiting.head))
    await client.close()  # the grace is over at once: every job is cancelled
    held.gate.set()  # type: ignore[union-attr]
    for head in (s.head, waiting.head):
        [run] = github.runs_for(head)
        assert (run["status"], run["conclusion"]) == ("completed", "neutral")
        assert run["output"]["title"] == checkrun.NEUTRAL_TITLE.format(reason=checkrun.STOPPED_REASON)
        assert "the server stopped" in run["output"]["title"]


async def test_a_server_stopping_does_not_wait_for_an_analysis_it_cannot_stop(
    aiohttp_client: Any, settings: Settings, clock: FakeClock, github: FakeGitHub, monkeypatch: Any, tmp_path: Any
) -> None:
    """A thread cannot be cancelled: the stop completes the check run and ends without
    waiting for the analysis (it ran on until the process ended, however long it took)."""
    from bot import jobs

    started, release, finished = threading.Event(), threading.Event(), threading.Event()
    real = jobs.run_check

    def slow(*args: Any, **kwargs: Any) -> Any:
        started.set()
        release.wait(10)
        try:
            return real(*args, **kwargs)
        finally:
            finished.set()

    monkeypatch.setattr(jobs, "run_check", slow)
    on_disk = dataclasses.replace(settings, cache_dir=str(tmp_path / "cache"))
    client = await aiohttp_client(server.make_app(on_disk, clock=clock, shutdown_grace=0))
    bot = Bot(client, on_disk)
    s = pull(github, HARMLESS)
    await bot.deliver("pull_request", opened(s))
    assert await asyncio.to_thread(started.wait, 30)
    try:
        await client.close()
        assert not finished.is_set()  # the stop did not wait for it
        [run] = github.runs_for(s.head)
        assert (run["status"], run["conclusion"]) == ("completed", "neutral")
    finally:
        release.set()
        assert await asyncio.to_thread(finished.wait, 30)
    # the analysis ran on to its end with the cache open (closed on its thread, after it): the
    # summaries it made are kept
    from bot import __version__

    kept = SummaryStore(on_disk.cache_dir, __version__)
    assert kept._db is not None
    db = kept._db

    def stored() -> int:
        return int(db.execute("SELECT count(*) FROM summaries").fetchone()[0])

    await eventually(lambda: stored() >= 3, pause=0.05)
    assert stored() >= 3
    kept.close()


async def test_a_server_stopping_while_github_creates_the_run_completes_it(
    aiohttp_client: Any, settings: Settings, clock: FakeClock, github: FakeGitHub
) -> None:
    client = await aiohttp_client(server.make_app(settings, clock=clock, shutdown_grace=0))
    bot = Bot(client, settings)
    s = pull(github, HARMLESS)
    held = github.hold("POST", r"/check-runs$")
    await bot.deliver("pull_request", opened(s))
    await held.arrived.wait()
    closing = asyncio.ensure_future(client.close())  # the job is cancelled mid-request
    await asyncio.sleep(0.05)
    held.gate.set()  # type: ignore[union-attr]
    await closing
    [run] = github.runs_for(s.head)
    assert (run["status"], run["conclusion"]) == ("completed", "neutral")
    assert run["output"]["title"] == checkrun.NEUTRAL_TITLE.format(reason=checkrun.STOPPED_REASON)


async def test_an_invalid_config_on_the_base_branch_is_named_not_counted(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, HARMLESS, base_files={**BASE, ".github/ssot.toml": "[[concept]\nname = 3\n"})
    await bot.deliver("pull_request", opened(s))
    await bot.settle()
    [run] = github.runs_for(s.head)
    assert run["conclusion"] == "neutral"
    assert run["output"]["title"] == checkrun.NEUTRAL_TITLE.format(
        reason=checkrun.CONFIG_BROKEN_REASON.format(count=1, s="")
    )
    summary = run["output"]["summary"]
    assert summary.startswith("### Configuration problems\n\n- ❌ **SSOT010 config-error** at `.github/ssot.toml:1`")
    # the config problems are not also counted as "existing errors listed on the concept tables"
    assert "existing error" not in summary


async def test_a_huge_report_is_cut_and_annotated_within_githubs_limits(bot: Bot, github: FakeGitHub) -> None:
    # the fake refuses a summary over 65,535 characters or over 50 annotations in a request
    s = pull(github, {**many_duplicates(320), ".github/ssot.toml": CONFIG + "close_issue = true\n"})
    await bot.deliver("pull_request", opened(s))
    await bot.settle()
    [run] = github.runs_for(s.head)
    assert run["conclusion"] == "failure"
    assert run["output"]["title"] == "320 new errors: SSOT003 duplicate-definition ×320"
    summary = run["output"]["summary"]
    assert len(summary) <= checkrun.MAX_SUMMARY and checkrun.CUT_NOTE in summary
    assert "- concept `WebSocketManager`: `close_issue`: `False` → `True`" in summary.split(checkrun.CUT_NOTE)[1]
    assert len(run["annotations"]) == 320
    assert [len(r.body["output"]["annotations"]) for r in github.calls("checks/update")] == [50] * 6 + [20]


class BlockingStore(SummaryStore):
    """A summary cache whose first lookup, on the analysis thread, waits for the test."""

    def __init__(self) -> None:
        super().__init__(None, "test")
        self.entered = threading.Event()
        self.release = threading.Event()
        self.blocked_until_released = False

    def get_many(self, shas: Iterable[str]) -> dict[str, FileSummary]:
        if not self.entered.is_set():
            self.entered.set()
            # bounded, so that analysis run on the event loop fails this test instead of hanging it
            self.blocked_until_released = self.release.wait(timeout=5)
        return super().get_many(shas)


async def test_deliveries_are_answered_while_an_analysis_runs(
    aiohttp_client: Any, settings: Settings, clock: FakeClock, github: FakeGitHub
) -> None:
    store = BlockingStore()
    bot = Bot(await aiohttp_client(server.make_app(settings, clock=clock, store=store)), settings)
    s = pull(github, DUPLICATE)
    other = pull(github, HARMLESS, number=8, repo=github.repo("octo/other", installation_id=43))
    assert await bot.deliver("pull_request", opened(s)) == (202, "queued")
    assert await asyncio.to_thread(store.entered.wait, 5)
    # the analysis is stuck in its thread; the server still answers, and takes more work
    assert await bot.deliver("ping", PING) == (200, server.PONG)
    assert await bot.deliver("pull_request", opened(other)) == (202, "queued")
    assert (await bot.client.get("/healthz")).status == 200
    assert not store.release.is_set()
    store.release.set()
    await bot.settle()
    assert store.blocked_until_released  # the analysis waited for the release, not the timeout
    assert [r["conclusion"] for r in github.runs_for(s.head)] == ["failure"]
    assert [r["conclusion"] for r in github.runs_for(other.head)] == ["success"]
