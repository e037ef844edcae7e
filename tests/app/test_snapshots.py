"""Code from GitHub: tree plus only the blobs the cache lacks; one tarball for a cold start."""

from __future__ import annotations

from tests.app import payloads
from tests.app.conftest import Bot, needs_shared
from tests.app.fakegithub import FakeGitHub
from tests.app.scenarios import DUPLICATE, PullScenario, pull

pytestmark = needs_shared


async def check(bot: Bot, s: PullScenario, action: str = "opened") -> None:
    await bot.deliver("pull_request", payloads.pull_request(action, s.repo, s.number, head_sha=s.head,
                                                            head_ref="feature", base_sha=s.base))
    await bot.settle()


async def test_a_warm_cache_fetches_no_python_blobs(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, DUPLICATE)
    await check(bot, s)
    first = len(github.calls("git/get-blob"))
    await check(bot, s, "synchronize")
    fetched_again = github.calls("git/get-blob")[first:]
    config_sha = s.repo.git.git("rev-parse", f"{s.head}:.github/ssot.toml").decode().strip()
    assert {r.path.rsplit("/", 1)[1] for r in fetched_again} <= {config_sha}
    assert [r["conclusion"] for r in github.runs_for(s.head)] == ["failure", "failure"]


async def test_a_cold_start_reads_one_tarball(make_bot, github: FakeGitHub) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(tarball_threshold=2)
    s = pull(github, DUPLICATE)
    await check(bot, s)
    assert len(github.calls("repos/download-tarball-archive")) == 1
    assert len(github.calls("codeload")) == 1
    [run] = github.runs_for(s.head)
    assert run["conclusion"] == "failure"
    assert [(a["path"], a["start_line"]) for a in run["annotations"]] == [("app/chat/handler.py", 3)]


async def test_a_truncated_tree_falls_back_to_the_tarball(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, DUPLICATE)
    github.truncate_trees = True
    await check(bot, s)
    assert len(github.calls("repos/download-tarball-archive")) >= 1
    assert [r["conclusion"] for r in github.runs_for(s.head)] == ["failure"]


async def test_a_tarball_over_the_cap_ends_neutral(make_bot, github: FakeGitHub) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(tarball_threshold=0, tarball_max_bytes=100)
    s = pull(github, DUPLICATE)
    await check(bot, s)
    [run] = github.runs_for(s.head)
    assert run["conclusion"] == "neutral"
    assert "too large to fetch" in run["output"]["title"]
