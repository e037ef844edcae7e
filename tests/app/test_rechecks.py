"""Re-runs: the Re-run buttons, the Recheck action, `/ssot` comments and who may use them;
and a newer head superseding older work."""

from __future__ import annotations

from typing import Any

from bot import checkrun, commands
from tests.app import payloads
from tests.app.conftest import APP_ID, Bot, eventually, needs_shared
from tests.app.fakegithub import BOT_USER, FakeGitHub
from tests.app.scenarios import DUPLICATE, HARMLESS, PullScenario, pull

pytestmark = needs_shared


def comment(github: FakeGitHub, s: PullScenario, body: str, user: str, user_type: str = "User") -> dict:  # type: ignore[type-arg]
    posted = github.add_comment(s.repo, s.number, body, {"login": user, "type": user_type})
    return payloads.issue_comment(
        s.repo, s.number, body, comment_id=posted["id"], user=user, user_type=user_type, pr_author="octocat"
    )


def reactions(s: PullScenario, comment_id: int) -> list[str]:
    for c in s.repo.issues[s.number].comments:
        if c["id"] == comment_id:
            return list(c.get("reactions", []))
    raise AssertionError(comment_id)


def replies(s: PullScenario) -> list[str]:
    return [c["body"] for c in s.repo.issues[s.number].comments if c["user"] == BOT_USER]


async def test_check_run_rerequested_runs_again(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, DUPLICATE)
    payload = payloads.check_run("rerequested", s.repo, head_sha=s.head, app_id=APP_ID, pulls=[(7, "main")])
    assert await bot.deliver("check_run", payload) == (202, "queued")
    await bot.settle()
    assert [r["conclusion"] for r in github.runs_for(s.head)] == ["failure"]


async def test_recheck_button_runs_again(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, HARMLESS)
    payload = payloads.check_run(
        "requested_action", s.repo, head_sha=s.head, app_id=APP_ID, pulls=[(7, "main")], identifier=checkrun.RECHECK_ID
    )
    assert await bot.deliver("check_run", payload) == (202, "queued")
    await bot.settle()
    assert [r["conclusion"] for r in github.runs_for(s.head)] == ["success"]


async def test_other_apps_checks_are_ignored(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, HARMLESS)
    other = payloads.check_run("rerequested", s.repo, head_sha=s.head, app_id="1", pulls=[(7, "main")])
    named = payloads.check_run("rerequested", s.repo, head_sha=s.head, app_id=APP_ID, pulls=[], name="lint")
    action = payloads.check_run(
        "requested_action", s.repo, head_sha=s.head, app_id=APP_ID, pulls=[], identifier="fix-it"
    )
    for payload in (other, named, action):
        status, text = await bot.deliver("check_run", payload)
        assert status == 202 and text.startswith("ignored")
    await bot.settle()
    assert github.runs_for(s.head) == []


async def test_check_suite_rerequested_runs_again(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, HARMLESS)
    payload = payloads.check_suite(s.repo, head_sha=s.head, app_id=APP_ID, pulls=[(7, "main")])
    assert await bot.deliver("check_suite", payload) == (202, "queued")
    await bot.settle()
    assert [r["conclusion"] for r in github.runs_for(s.head)] == ["success"]


async def test_a_commit_without_pull_request_is_checked_against_the_default_branch(
    bot: Bot, github: FakeGitHub
) -> None:
    s = pull(github, DUPLICATE)
    payload = payloads.check_suite(s.repo, head_sha=s.head, app_id=APP_ID, pulls=[])
    await bot.deliver("check_suite", payload)
    await bot.settle()
    assert [r["conclusion"] for r in github.runs_for(s.head)] == ["failure"]


async def test_the_author_may_recheck(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, DUPLICATE, author="octocat")
    payload = comment(github, s, "Fixed it.\n/ssot recheck\n", "octocat")
    assert await bot.deliver("issue_comment", payload) == (202, "queued")
    await bot.settle()
    assert reactions(s, payload["comment"]["id"]) == [commands.REACTION]
    assert [r["conclusion"] for r in github.runs_for(s.head)] == ["failure"]
    assert github.calls("repos/get-collaborator-permission-level") == []


async def test_writers_and_maintainers_may_recheck(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, HARMLESS)
    s.repo.permissions.update(wendy="write", mo="maintain", ada="admin")
    for user in ("wendy", "mo", "ada"):
        await bot.deliver("issue_comment", comment(github, s, "/ssot recheck", user))
        await bot.settle()
    assert len(github.runs_for(s.head)) == 3
    assert replies(s) == []


async def test_others_get_a_polite_reply_and_no_run(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, HARMLESS)
    s.repo.permissions.update(tria="triage")
    for user in ("tria", "rita"):
        payload = comment(github, s, "/ssot recheck", user)
        await bot.deliver("issue_comment", payload)
        await bot.settle()
        assert reactions(s, payload["comment"]["id"]) == [commands.REACTION]
    assert github.runs_for(s.head) == []
    assert replies(s) == [commands.DENIED_TEXT.format(user="tria"), commands.DENIED_TEXT.format(user="rita")]


async def test_bots_and_plain_comments_are_ignored(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, HARMLESS)
    by_bot = comment(github, s, "/ssot recheck", "dependabot[bot]", "Bot")
    assert await bot.deliver("issue_comment", by_bot) == (202, "ignored: comment by a bot")
    quoted = comment(github, s, "> /ssot recheck\nwhy?", "octocat")
    assert await bot.deliver("issue_comment", quoted) == (202, "ignored: no command")
    await bot.settle()
    assert github.runs_for(s.head) == [] and replies(s) == []


async def take_the_only_turn(make_bot, github: FakeGitHub) -> tuple[Bot, PullScenario, Any]:  # type: ignore[no-untyped-def]
    """An App with one turn, held by pull request #3's check (GitHub holds its compare)."""
    bot = await make_bot(concurrency=1)
    busy = pull(github, HARMLESS, number=3)
    held = github.hold("GET", r"/compare/")
    await bot.deliver(
        "pull_request",
        payloads.pull_request("opened", busy.repo, 3, head_sha=busy.head, head_ref="feature", base_sha=busy.base),
    )
    await held.arrived.wait()
    return bot, busy, held


async def test_a_command_is_answered_while_every_turn_is_taken(make_bot, github: FakeGitHub) -> None:  # type: ignore[no-untyped-def]
    bot, _busy, held = await take_the_only_turn(make_bot, github)
    s = pull(github, HARMLESS, number=9)
    payload = comment(github, s, "/ssot help", "rita")
    await bot.deliver("issue_comment", payload)
    await eventually(lambda: replies(s))  # answered while the check above still holds the only turn
    assert replies(s) == [commands.HELP_TEXT]
    held.gate.set()  # type: ignore[union-attr]
    await bot.settle()


async def test_help_answers_with_usage(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, HARMLESS)
    payload = comment(github, s, "/ssot help", "rita")
    await bot.deliver("issue_comment", payload)
    await bot.settle()
    assert replies(s) == [commands.HELP_TEXT]
    assert reactions(s, payload["comment"]["id"]) == [commands.REACTION]


async def test_a_newer_head_supersedes_running_work(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, DUPLICATE)
    newer = s.repo.git.commit(HARMLESS, branch="feature", message="fix")
    held = github.hold("GET", r"/compare/")
    await bot.deliver(
        "pull_request",
        payloads.pull_request("synchronize", s.repo, 7, head_sha=s.head, head_ref="feature", base_sha=s.base),
    )
    await held.arrived.wait()
    await bot.deliver(
        "pull_request",
        payloads.pull_request("synchronize", s.repo, 7, head_sha=newer, head_ref="feature", base_sha=s.base),
    )
    held.gate.set()  # type: ignore[union-attr]
    await bot.settle()
    [old] = github.runs_for(s.head)
    assert old["conclusion"] == "neutral"
    assert old["output"]["title"] == checkrun.one_line(
        checkrun.NEUTRAL_TITLE.format(reason=checkrun.SUPERSEDED_REASON.format(sha=newer[:7]))
    )
    assert [r["conclusion"] for r in github.runs_for(newer)] == ["success"]


async def test_waiting_work_shows_in_progress_at_once_and_a_newer_head_ends_it(  # type: ignore[no-untyped-def]
        make_bot, github: FakeGitHub) -> None:
    """With every turn taken, a pull request still gets its check run in progress at once;
    a newer head completes the waiting one as superseded before it analyses anything."""
    bot, busy, held = await take_the_only_turn(make_bot, github)
    newer = busy.repo.git.commit({"app/x.py": "x = 1\n"}, branch="feature", message="more")
    newest = busy.repo.git.commit({"app/x.py": "x = 2\n"}, branch="feature", message="more")
    await bot.deliver(
        "pull_request",
        payloads.pull_request("synchronize", busy.repo, 4, head_sha=newer, head_ref="feature", base_sha=busy.base),
    )
    await eventually(lambda: github.runs_for(newer))  # created by the job's own task, right after the answer
    assert [r["status"] for r in github.runs_for(newer)] == ["in_progress"]
    compares = len([r for r in github.requests if "/compare/" in r.path])
    for head in (newest, newest):
        status, text = await bot.deliver(
            "pull_request",
            payloads.pull_request("synchronize", busy.repo, 4, head_sha=head, head_ref="feature", base_sha=busy.base),
        )
    assert text == "duplicate-job"
    # superseded while it waits: completed at once, not when a turn comes
    await eventually(lambda: github.runs_for(newer)[0]["status"] == "completed")
    [old] = github.runs_for(newer)
    assert (old["status"], old["conclusion"]) == ("completed", "neutral")
    assert checkrun.SUPERSEDED_REASON.format(sha=newest[:7]) in old["output"]["summary"]
    held.gate.set()  # type: ignore[union-attr]
    await bot.settle()
    assert [r["conclusion"] for r in github.runs_for(newest)] == ["success"]
    # the superseded check never analysed: one comparison for the busy check, one for the newest
    assert len([r for r in github.requests if "/compare/" in r.path]) == compares + 1


async def test_a_reaction_github_refuses_does_not_stop_the_recheck(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, DUPLICATE, author="octocat")
    github.fail("POST", r"/reactions$", status=404)  # e.g. the comment was deleted meanwhile
    assert await bot.deliver("issue_comment", comment(github, s, "/ssot recheck", "octocat")) == (202, "queued")
    await bot.settle()
    assert [r["conclusion"] for r in github.runs_for(s.head)] == ["failure"]


async def test_a_recheck_github_refuses_to_look_up_is_answered(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, DUPLICATE, author="octocat")
    github.fail("GET", r"/pulls/\d+$", status=404)  # e.g. the pull request was deleted meanwhile
    assert await bot.deliver("issue_comment", comment(github, s, "/ssot recheck", "octocat")) == (202, "queued")
    await bot.settle()
    [reply] = replies(s)
    assert reply.startswith("The recheck could not start: GitHub answered 404") and github.runs_for(s.head) == []


async def test_a_refusal_github_rejects_is_not_answered_as_a_failed_recheck(bot: Bot, github: FakeGitHub) -> None:
    """Only the lookups' faults are the recheck's: a reply GitHub refuses is not followed
    by a second reply saying the recheck could not start."""
    s = pull(github, HARMLESS)
    github.fail("POST", r"/issues/\d+/comments$", status=403)  # e.g. the conversation was locked meanwhile
    await bot.deliver("issue_comment", comment(github, s, "/ssot recheck", "rita"))
    await bot.settle()
    assert len(github.calls("issues/create-comment")) == 1 and replies(s) == []
