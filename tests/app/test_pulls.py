"""Pull requests end to end: signed delivery in, check run out (on the fake GitHub)."""

from __future__ import annotations

from bot import checkrun
from tests.app import payloads
from tests.app.conftest import Bot, needs_shared
from tests.app.fakegithub import FakeGitHub
from tests.app.scenarios import BASE, CONFIG, DUPLICATE, HARMLESS, PullScenario, many_duplicates, pull

pytestmark = needs_shared


def opened(s: PullScenario, action: str = "opened", head: str | None = None) -> dict:  # type: ignore[type-arg]
    return payloads.pull_request(action, s.repo, s.number, head_sha=head or s.head, head_ref="feature", base_sha=s.base)


async def test_a_duplicate_definition_fails_with_one_annotation(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, DUPLICATE)
    assert await bot.deliver("pull_request", opened(s)) == (202, "queued")
    await bot.settle()
    [run] = github.runs_for(s.head)
    assert (run["name"], run["status"], run["conclusion"]) == ("SSOT", "completed", "failure")
    assert run["output"]["title"] == "1 new error: SSOT003 duplicate-definition"
    assert [
        (a["path"], a["start_line"], a["end_line"], a["annotation_level"], a["title"]) for a in run["annotations"]
    ] == [("app/chat/handler.py", 3, 4, "failure", "SSOT003 duplicate-definition")]
    assert run["actions"] == [checkrun.RECHECK_ACTION]
    first = github.calls("checks/create")[0].body
    assert (first["status"], first["head_sha"], first["name"]) == ("in_progress", s.head, "SSOT")
    summary = run["output"]["summary"]
    assert "| check | expected | actual | status |" in summary
    assert "| SSOT003 duplicate-definition | 1 definition | 2 definitions | ❌ fail |" in summary
    assert "### New findings (1)" in summary


async def test_every_pull_request_action_is_checked(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, HARMLESS)
    for action in ("opened", "synchronize", "reopened", "ready_for_review"):
        assert await bot.deliver("pull_request", opened(s, action)) == (202, "queued")
        await bot.settle()
    runs = github.runs_for(s.head)
    assert [r["conclusion"] for r in runs] == ["success"] * 4
    assert runs[0]["output"]["title"] == "1 of 1 concept pass; no new errors"
    assert runs[0]["annotations"] == []


async def test_fixing_a_failing_concept_resolves_its_issue(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, {"app/chat/handler.py": None}, base_files={**BASE, **DUPLICATE})
    await bot.deliver("pull_request", opened(s))
    await bot.settle()
    [run] = github.runs_for(s.head)
    assert run["conclusion"] == "success"
    summary = run["output"]["summary"]
    assert summary.startswith(checkrun.RESOLVES.format(concept="WebSocketManager", issue=564))
    assert "### Fixed findings (1)" in summary


async def test_existing_errors_do_not_fail_a_pull_request(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, {"README.md": "hello\n"}, base_files={**BASE, **DUPLICATE})
    await bot.deliver("pull_request", opened(s))
    await bot.settle()
    [run] = github.runs_for(s.head)
    assert run["conclusion"] == "success"
    assert "1 existing error on the base branch is not counted" in run["output"]["summary"]


async def test_annotations_go_50_per_request(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, many_duplicates(120))
    await bot.deliver("pull_request", opened(s))
    await bot.settle()
    [run] = github.runs_for(s.head)
    assert run["conclusion"] == "failure"
    assert len(run["annotations"]) == 120
    updates = [len(r.body["output"]["annotations"]) for r in github.calls("checks/update")]
    assert updates == [50, 50, 20]


async def test_the_base_branch_config_judges_and_changes_are_described(bot: Bot, github: FakeGitHub) -> None:
    # the pull request adds a duplicate and tries to allow it in its own config
    relaxed = CONFIG + 'allow = ["app/chat/**"]\n'
    s = pull(github, {**DUPLICATE, ".github/ssot.toml": relaxed})
    await bot.deliver("pull_request", opened(s))
    await bot.settle()
    [run] = github.runs_for(s.head)
    assert run["conclusion"] == "failure"
    summary = run["output"]["summary"]
    assert "### Configuration change" in summary
    assert "- concept `WebSocketManager`: `allow`: [] → [`app/chat/**`]" in summary


async def test_a_pull_request_without_installation_is_ignored(bot: Bot, github: FakeGitHub) -> None:
    payload = payloads.load("pull_request.ready_for_review")
    assert await bot.deliver("pull_request", payload) == (202, "ignored: no installation in the payload")
