"""GitHub faults survived: 5xx, timeouts, dropped connections, Retry-After, rate limits,
expired tokens; and tokens cached until shortly before they expire."""

from __future__ import annotations

import asyncio

from bot import auth, jobs
from bot.github_api import SEND_ONCE, RetryPolicy
from tests.app import payloads
from tests.app.conftest import Bot, FakeClock, needs_shared
from tests.app.fakegithub import FakeGitHub, Link
from tests.app.scenarios import BASE, CONFIG, DUPLICATE, HARMLESS, PullScenario, pull

pytestmark = needs_shared


async def check(bot: Bot, github: FakeGitHub, s: PullScenario) -> list[str | None]:
    """Deliver `opened` for the pull request; the conclusions of its head's check runs."""
    await bot.deliver(
        "pull_request",
        payloads.pull_request("opened", s.repo, s.number, head_sha=s.head, head_ref="feature", base_sha=s.base),
    )
    await bot.settle()
    return [r["conclusion"] for r in github.runs_for(s.head)]


async def test_5xx_answers_are_retried_with_backoff(bot: Bot, github: FakeGitHub, clock: FakeClock) -> None:
    s = pull(github, DUPLICATE)
    github.fail("POST", r"/check-runs$", times=2, status=502)
    github.fail("GET", r"/git/trees/", times=1, status=503)
    assert await check(bot, github, s) == ["failure"]
    policy = RetryPolicy()
    assert clock.sleeps == [policy.delay(1), policy.delay(2), policy.delay(1)]
    assert [r.status for r in github.calls("checks/create")] == [502, 502, 201]


async def test_timeouts_and_dropped_connections_are_retried(make_bot, github: FakeGitHub) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(api_timeout=0.5)
    s = pull(github, HARMLESS)
    github.fail("GET", r"/compare/", hang=True)
    github.fail("GET", r"/git/blobs/", disconnect=True)
    assert await check(bot, github, s) == ["success"]
    assert len(github.calls("repos/compare-commits")) == 2


async def test_a_post_that_may_have_reached_github_is_not_sent_again(make_bot, github: FakeGitHub) -> None:  # type: ignore[no-untyped-def]
    """A second check run would stay in progress for ever: a timed-out create is not retried."""
    bot = await make_bot(api_timeout=0.5)
    s = pull(github, HARMLESS)
    github.fail("POST", r"/check-runs$", hang=True)
    await check(bot, github, s)
    assert len(github.calls("checks/create")) == 1
    assert all(SEND_ONCE not in {k.lower() for k in r.headers} for r in github.requests)  # never leaves the App


async def test_a_post_that_creates_nothing_is_retried_after_a_timeout(make_bot, github: FakeGitHub) -> None:  # type: ignore[no-untyped-def]
    """Minting an installation token is a POST too, but a second one is harmless."""
    bot = await make_bot(api_timeout=0.5)
    s = pull(github, HARMLESS)
    github.fail("POST", r"/access_tokens$", hang=True)
    assert await check(bot, github, s) == ["success"]
    assert len(github.calls("apps/create-installation-access-token")) == 2


async def test_retry_after_is_honoured(bot: Bot, github: FakeGitHub, clock: FakeClock) -> None:
    s = pull(github, HARMLESS)
    github.fail("GET", r"/compare/", status=403, headers={"Retry-After": "17"})
    github.fail("GET", r"/compare/", status=429, headers={"Retry-After": "3"})
    assert await check(bot, github, s) == ["success"]
    assert clock.sleeps == [17.0, 3.0]


async def test_an_exhausted_rate_limit_waits_for_its_reset(bot: Bot, github: FakeGitHub, clock: FakeClock) -> None:
    s = pull(github, HARMLESS)
    start = clock.now
    github.fail(
        "GET",
        r"/git/trees/",
        status=403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(start) + 40)},
    )
    assert await check(bot, github, s) == ["success"]
    assert clock.sleeps == [41.0]


async def test_an_expired_token_is_refreshed_once(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, HARMLESS)
    assert await check(bot, github, s) == ["success"]
    github.expire_tokens()
    assert await check(bot, github, s) == ["success", "success"]
    assert len(github.calls("apps/create-installation-access-token")) == 2
    assert [r.status for r in github.calls("checks/create")] == [201, 401, 201]


async def test_tokens_are_cached_until_shortly_before_expiry(bot: Bot, github: FakeGitHub, clock: FakeClock) -> None:
    s = pull(github, HARMLESS)
    await check(bot, github, s)
    await check(bot, github, s)
    assert len(github.calls("apps/create-installation-access-token")) == 1
    clock.now += 3600 - auth.REFRESH_MARGIN + 1
    await check(bot, github, s)
    assert len(github.calls("apps/create-installation-access-token")) == 2


async def test_a_github_outage_ends_neutral_with_the_reason(bot: Bot, github: FakeGitHub) -> None:
    s = pull(github, HARMLESS)
    github.fail("GET", r"/compare/", times=100, status=500)
    assert await check(bot, github, s) == ["neutral"]
    [run] = github.runs_for(s.head)
    assert run["output"]["title"].startswith("Could not finish: GitHub answered 500")
    assert "/ssot recheck" in run["output"]["summary"]


async def test_a_config_that_is_a_symbolic_link_ends_neutral_and_says_so(bot: Bot, github: FakeGitHub) -> None:
    """regression: GitHub's tree lists the link (mode 120000), which was left out, and the
    default config judged the pull request instead of the repository's own."""
    base = {**BASE, "conf/ssot.toml": CONFIG, ".github/ssot.toml": Link("../conf/ssot.toml")}
    s = pull(github, DUPLICATE, base_files=base)
    assert await check(bot, github, s) == ["neutral"]
    [run] = github.runs_for(s.head)
    assert "the analysis could not finish: .github/ssot.toml: not a regular file" in run["output"]["summary"]


async def test_a_linked_pyproject_beside_the_config_changes_nothing(bot: Bot, github: FakeGitHub) -> None:
    """regression: the link's entry was fetched as a blob (a 404 for a made-up SHA), and a
    linked pyproject.toml, which need not hold ssot's config, stopped every check: the
    pull request is judged by `.github/ssot.toml` as before."""
    base = {**BASE, "conf/pyproject.toml": "[project]\nname = 'x'\n", "pyproject.toml": Link("conf/pyproject.toml")}
    s = pull(github, DUPLICATE, base_files=base)
    assert await check(bot, github, s) == ["failure"]


async def test_a_rate_limit_too_far_away_ends_neutral(bot: Bot, github: FakeGitHub, clock: FakeClock) -> None:
    s = pull(github, HARMLESS)
    github.fail(
        "GET",
        r"/compare/",
        status=403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(clock.now) + 3000)},
    )
    assert await check(bot, github, s) == ["neutral"]
    assert jobs.FAILED_GITHUB.split("{")[0] in github.runs_for(s.head)[0]["output"]["summary"]


async def test_writes_are_serialised_per_installation(bot: Bot, github: FakeGitHub) -> None:
    first = pull(github, HARMLESS, number=1)
    second = pull(github, DUPLICATE, number=2, repo=first.repo)
    held = github.hold("POST", r"/check-runs$")
    for s in (first, second):
        await bot.deliver(
            "pull_request",
            payloads.pull_request("opened", s.repo, s.number, head_sha=s.head, head_ref="feature", base_sha=s.base),
        )
    await held.arrived.wait()
    # the second job cannot write while the first one's write is held
    for _ in range(20):
        await asyncio.sleep(0)
    assert len(github.calls("checks/create")) == 1
    held.gate.set()  # type: ignore[union-attr]
    await bot.settle()
    assert len(github.calls("checks/create")) == 2
