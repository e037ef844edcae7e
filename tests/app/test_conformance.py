"""Against GitHub's own data: the fake serves exactly the App's operations from the OpenAPI
description, and every example payload of the handled events is accepted."""

from __future__ import annotations

import pytest

from tests.app import payloads
from tests.app.conftest import Bot, needs_shared
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
