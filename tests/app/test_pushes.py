"""Pushes to the default branch: one living status comment per tracked concept, a short
comment when the status flips, the issue closed when the concept passes and `close_issue`."""

from __future__ import annotations

from bot import issue_status
from tests.app import payloads
from tests.app.conftest import Bot, needs_shared
from tests.app.fakegithub import BOT_USER, FakeGitHub, FakeRepo
from tests.app.scenarios import BASE, CONFIG, DUPLICATE

pytestmark = needs_shared


async def push(bot: Bot, repo: FakeRepo, files: dict[str, str | bytes | None], branch: str = "main") -> str:
    before = repo.git.tip(branch) or "0" * 40
    after = repo.git.commit(files, branch=branch)
    payload = payloads.push(repo, after=after, before=before, ref=f"refs/heads/{branch}")
    status, text = await bot.deliver("push", payload)
    assert status == 202
    await bot.settle()
    return text


def bot_comments(repo: FakeRepo, number: int) -> list[dict]:  # type: ignore[type-arg]
    return [c for c in repo.issues[number].comments if c["user"] == BOT_USER]


async def test_status_comment_is_kept_up_to_date_and_flips_are_announced(bot: Bot, github: FakeGitHub) -> None:
    repo = github.repo()
    repo.issue(564)
    for i in range(120):  # the status comment lands on the second page of comments
        github.add_comment(repo, 564, f"+1 ({i})", {"login": f"user{i}", "type": "User"})
    assert await push(bot, repo, BASE) == "queued"
    fetched = [r.path.rsplit("/", 1)[1] for r in github.calls("git/get-blob")]
    assert len(fetched) == len(set(fetched))  # the config is fetched once, not again with the code
    [status] = bot_comments(repo, 564)
    assert status["body"].startswith(issue_status.marker("WebSocketManager"))
    assert "## ✅ SSOT: `WebSocketManager` passes on `main`" in status["body"]
    assert "```mermaid\ngraph LR" in status["body"]

    await push(bot, repo, DUPLICATE)
    status_now, flip = bot_comments(repo, 564)
    assert status_now["id"] == status["id"] and status_now["edits"] == 1
    assert "## ❌ SSOT: `WebSocketManager` fails on `main`" in status_now["body"]
    sha = repo.git.tip("main")
    assert flip["body"] == issue_status.REGRESSED.format(name="WebSocketManager", branch="main", sha=sha)

    await push(bot, repo, {"app/chat/handler.py": None})
    comments = bot_comments(repo, 564)
    assert len(comments) == 3 and comments[0]["edits"] == 2
    assert comments[2]["body"] == issue_status.RESOLVED.format(
        name="WebSocketManager", branch="main", sha=repo.git.tip("main"), closing="")
    assert repo.issues[564].state == "open"


async def test_a_passing_concept_closes_its_issue_when_asked(bot: Bot, github: FakeGitHub) -> None:
    repo = github.repo()
    repo.issue(564)
    failing = {**BASE, **DUPLICATE, ".github/ssot.toml": CONFIG + "close_issue = true\n"}
    await push(bot, repo, failing)
    assert repo.issues[564].state == "open"
    await push(bot, repo, {"app/chat/handler.py": None})
    assert repo.issues[564].state == "closed"
    assert bot_comments(repo, 564)[-1]["body"].endswith(issue_status.CLOSING)
    assert [r.body for r in github.calls("issues/update")] == [{"state": "closed", "state_reason": "completed"}]


async def test_a_concept_whose_rule_stopped_keeps_its_issue_as_it_was(bot: Bot, github: FakeGitHub,
                                                                      monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A rule that stopped (a bug, a file gone mid-run) did not pass: the issue is neither
    closed nor told the concept passes."""
    from rules import duplicate_definition

    repo = github.repo()
    repo.issue(564)
    await push(bot, repo, {**BASE, **DUPLICATE, ".github/ssot.toml": CONFIG + "close_issue = true\n"})
    before = [c["body"] for c in bot_comments(repo, 564)]

    def stopping(ctx, concept):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug")

    monkeypatch.setattr(duplicate_definition, "evaluate", stopping)
    await push(bot, repo, {"app/chat/handler.py": None})
    assert repo.issues[564].state == "open"
    assert [c["body"] for c in bot_comments(repo, 564)] == before
    assert not github.calls("issues/update")


async def test_other_branches_and_deletions_are_ignored(bot: Bot, github: FakeGitHub) -> None:
    repo = github.repo()
    repo.issue(564)
    repo.git.commit(BASE)
    assert await push(bot, repo, DUPLICATE, branch="feature") == "ignored: not the default branch"
    deleted = payloads.push(repo, after="0" * 40, before=repo.git.tip("main") or "")
    assert await bot.deliver("push", deleted) == (202, "ignored: branch deleted")
    assert bot_comments(repo, 564) == []


async def test_a_persons_comment_quoting_the_marker_is_left_alone(bot: Bot, github: FakeGitHub) -> None:
    repo = github.repo()
    repo.issue(564)
    planted = issue_status.marker("WebSocketManager") + "\n" + issue_status.STATUS_MARKER.format(status="fail")
    human = github.add_comment(repo, 564, planted, {"login": "rita", "type": "User"})
    await push(bot, repo, BASE)
    assert human["body"] == planted and "edits" not in human
    [status] = bot_comments(repo, 564)  # a status comment of its own, and no "resolved" flip
    assert status["body"].startswith(issue_status.marker("WebSocketManager"))


async def test_one_unreachable_issue_does_not_stop_the_others(bot: Bot, github: FakeGitHub) -> None:
    repo = github.repo()
    repo.issue(564)
    ghost = '[[concept]]\nname = "Ghost"\ncanonical = "app.ghost.Ghost"\nissue = 999\n\n'
    files = {**BASE, "app/ghost.py": "class Ghost:\n    pass\n", ".github/ssot.toml": ghost + CONFIG}
    assert await push(bot, repo, files) == "queued"  # issue 999 does not exist: GitHub answers 404
    [status] = bot_comments(repo, 564)
    assert "## ✅ SSOT: `WebSocketManager` passes on `main`" in status["body"]
    assert [r.status for r in github.calls("issues/list-comments")] == [404, 200]


async def test_a_broken_config_is_said_on_every_issue_it_names(bot: Bot, github: FakeGitHub) -> None:
    """Nothing can be validated: the status comments say why (file, line, key), keep the
    status they showed, and the first valid push after it announces the flip."""
    repo = github.repo()
    repo.issue(564)
    repo.issue(77)
    await push(bot, repo, BASE)
    [status] = bot_comments(repo, 564)
    broken = ('fail_on = "sometimes"\n' + CONFIG
              + '\n[[concept]]\nname = "Config"\ncanonical = "not a path!"\nissue = 77\n')
    await push(bot, repo, {".github/ssot.toml": broken})
    [unchecked] = bot_comments(repo, 564)
    assert unchecked["id"] == status["id"] and unchecked["edits"] == 1
    body = unchecked["body"]
    assert body.startswith(issue_status.marker("WebSocketManager"))
    assert "## ⚠️ SSOT: `WebSocketManager` could not be validated on `main`" in body
    assert "- `.github/ssot.toml:1` `fail_on`: must be" in body and "`concept[1].canonical`" in body
    assert issue_status.shown_status(body, "WebSocketManager") == "pass"
    # a concept whose own table is invalid still names its issue: it hears it too
    [other] = bot_comments(repo, 77)
    assert "`Config` could not be validated" in other["body"]
    assert issue_status.shown_status(other["body"], "Config") is None
    assert repo.git.tip("main") in body

    await push(bot, repo, {".github/ssot.toml": CONFIG, **DUPLICATE})  # fixed, and the code regressed meanwhile
    status_now, flip = bot_comments(repo, 564)
    assert "## ❌ SSOT: `WebSocketManager` fails on `main`" in status_now["body"]
    assert flip["body"] == issue_status.REGRESSED.format(name="WebSocketManager", branch="main",
                                                         sha=repo.git.tip("main"))
