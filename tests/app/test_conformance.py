"""Against GitHub's own data: the fake serves exactly the App's operations from the OpenAPI
description, and every example payload of the handled events is accepted."""

from __future__ import annotations

from typing import Any

import pytest

from bot import webhook
from tests.app import payloads
from tests.app.conftest import APP_ID, Bot, needs_shared
from tests.app.fakegithub import OPERATIONS, SHARED, SHARED_MISSING, OpenAPI

HANDLED = {"pull_request", "issue_comment", "check_run", "check_suite", "push", "installation",
           "installation_repositories", "ping"}
EXAMPLES = payloads.examples(HANDLED) if SHARED.exists() else [pytest.param("", "", marks=pytest.mark.skip(
    reason=SHARED_MISSING))]


@needs_shared
def test_the_fake_serves_exactly_the_described_operations(openapi: OpenAPI) -> None:
    assert set(OPERATIONS) == openapi.operations()


@needs_shared
def test_every_handled_event_has_examples() -> None:
    assert {event for event, _ in EXAMPLES} == HANDLED


@pytest.mark.parametrize(("event", "name"), EXAMPLES)
async def test_example_payload_is_accepted(bot: Bot, github, event: str, name: str) -> None:  # type: ignore[no-untyped-def]
    github.expect_problems = False
    status, text = await bot.deliver(event, payloads.load(name))
    assert status in (200, 202), text
    await bot.settle()


REMOVE = object()


def _set(payload: dict[str, Any], path: str, value: Any) -> None:
    """Set the field at dotted ``path`` to ``value``, or remove it (``REMOVE``)."""
    *parents, last = path.split(".")
    node = payload
    for key in parents:
        node = node[key]
    if value is REMOVE:
        del node[last]
    else:
        node[last] = value


RECHECK = {"issue.pull_request": {"url": "x"}, "comment.body": "/ssot recheck"}
OURS_RUN = {"check_run.name": "SSOT", "check_run.app.id": int(APP_ID)}
OURS_SUITE = {"check_suite.app.id": int(APP_ID)}
#: (event, example, changes, the field the answer names)
MALFORMED = [
    ("pull_request", "pull_request.opened", {"pull_request.head": REMOVE}, "pull_request.head.sha"),
    ("pull_request", "pull_request.synchronize", {"pull_request.number": "7"}, "pull_request.number"),
    ("issue_comment", "issue_comment.created", {**RECHECK, "comment.id": REMOVE}, "comment.id"),
    ("issue_comment", "issue_comment.created", {**RECHECK, "issue.user": None}, "issue.user.login"),
    ("issue_comment", "issue_comment.created", {"comment.user": None}, "comment.user"),
    ("check_run", "check_run.rerequested", {**OURS_RUN, "check_run.head_sha": REMOVE}, "check_run.head_sha"),
    ("check_suite", "check_suite.rerequested", {**OURS_SUITE, "check_suite.pull_requests": "x"},
     "check_suite.pull_requests"),
    ("check_suite", "check_suite.rerequested", {**OURS_SUITE, "check_suite.pull_requests": [{"base": {}}]},
     "base.ref"),
    ("push", "push.with-installation", {"deleted": False, "after": 12}, "after"),
]


@needs_shared
@pytest.mark.parametrize(("event", "name", "changes", "named"), MALFORMED)
async def test_a_payload_missing_a_needed_field_is_refused_400(  # type: ignore[no-untyped-def]
    bot: Bot, github, event: str, name: str, changes: dict[str, Any], named: str
) -> None:
    payload = payloads.retarget(payloads.load(name), github.repo())
    payload["ref"] = f"refs/heads/{payload['repository']['default_branch']}"  # a push to the default branch
    for path, value in changes.items():
        _set(payload, path, value)
    assert await bot.deliver(event, payload) == (400, webhook.BAD_FIELD.format(path=named))
    await bot.settle()
    assert github.check_runs == {} and github.requests == []


@needs_shared
async def test_odd_shapes_are_refused_or_ignored_never_500(bot: Bot, github) -> None:  # type: ignore[no-untyped-def]
    assert await bot.deliver("pull_request", {"action": ["opened"]}) == (400, webhook.BAD_ACTION)
    opened = payloads.retarget(payloads.load("pull_request.opened"), github.repo())
    opened["installation"] = "42"
    assert await bot.deliver("pull_request", opened) == (202, "ignored: no installation in the payload")
    assert (await bot.deliver("installation", {"action": "deleted", "installation": 7}))[0] == 202
    action = payloads.retarget(payloads.load("check_run.requested_action"), github.repo())
    action["requested_action"] = "recheck"
    assert (await bot.deliver("check_run", action))[0] == 202
