"""Operators' view: one structured log line per delivery and per job, no secrets; metrics."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot import logs
from tests.app import payloads
from tests.app.conftest import SECRET, Bot, needs_shared
from tests.app.fakegithub import FakeGitHub
from tests.app.scenarios import DUPLICATE, pull

pytestmark = needs_shared


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    logs.configure(stream, logging.INFO)
    yield stream
    logs.logger.handlers[:] = []


async def test_one_line_per_delivery_and_job_and_no_secrets(bot: Bot, github: FakeGitHub, keys,  # type: ignore[no-untyped-def]
                                                            log_lines: io.StringIO) -> None:
    s = pull(github, DUPLICATE)
    await bot.deliver("pull_request", payloads.pull_request("opened", s.repo, 7, head_sha=s.head, head_ref="feature",
                                                            base_sha=s.base), delivery="d-1")
    await bot.settle()
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    delivery = [x for x in lines if x["msg"] == "delivery"]
    job = [x for x in lines if x["msg"] == "job"]
    assert len(delivery) == 1 and len(job) == 1
    assert {k: delivery[0][k] for k in ("delivery", "event", "repo", "pr", "sha", "outcome", "status")} == {
        "delivery": "d-1", "event": "pull_request", "repo": "octo/hello", "pr": 7, "sha": s.head,
        "outcome": "queued", "status": 202}
    assert {k: job[0][k] for k in ("delivery", "kind", "repo", "pr", "sha", "outcome")} == {
        "delivery": "d-1", "kind": "pull_check", "repo": "octo/hello", "pr": 7, "sha": s.head, "outcome": "failure"}
    assert "duration_ms" in delivery[0] and "duration_ms" in job[0]
    text = log_lines.getvalue()
    for token in github.tokens:
        assert token not in text
    assert SECRET not in text and "PRIVATE KEY" not in text


def test_scrub_masks_anything_token_like() -> None:
    assert logs.scrub("Authorization: token ghs_abcdefghijklmnop") == "Authorization: [redacted]"
    assert logs.scrub("jwt eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxIn0.sig") == "jwt [redacted]"


async def test_metrics_count_jobs_calls_and_cache(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, DUPLICATE)
    for action in ("opened", "synchronize"):
        await bot.deliver("pull_request", payloads.pull_request(action, s.repo, 7, head_sha=s.head,
                                                                head_ref="feature", base_sha=s.base))
        await bot.settle()
    text = await (await bot.client.get("/metrics")).text()
    assert 'ssot_jobs_total{kind="pull_check",outcome="failure"} 2.0' in text
    assert 'ssot_webhook_deliveries_total{event="pull_request",outcome="queued"} 2.0' in text
    assert 'ssot_github_api_calls_total{method="PATCH",status="200"} 2.0' in text
    assert 'ssot_job_duration_seconds_count{kind="pull_check"} 2.0' in text
    assert "ssot_queue_depth 0.0" in text
    ratio = float(text.split("\nssot_summary_cache_hit_ratio ")[1].split()[0])
    assert 0.0 < ratio < 1.0
