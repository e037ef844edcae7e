"""The webhook server: ``make_app(settings)`` builds it (tests too), ``serve()`` runs it.

``POST /webhook`` verifies, parses, drops repeats and enqueues, then answers: the work
happens after the answer, so GitHub hears back in milliseconds. ``GET /healthz`` and
``GET /metrics`` (Prometheus text) are for operators.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
from aiohttp import web

from bot import __version__, logs, webhook
from bot.cache import SummaryStore
from bot.clock import Clock
from bot.context import AppContext, Delivery
from bot.github_api import GitHubApp, RetryPolicy
from bot.metrics import CONTENT_TYPE, Metrics
from bot.queue import JobQueue
from bot.routers import router
from bot.settings import Settings, SettingsError, load_settings

#: GitHub caps payloads at 25 MB.
MAX_BODY = 26 * 1024 * 1024
#: Seconds a stopping server waits for running jobs.
SHUTDOWN_GRACE = 25.0
PONG = "pong"
DUPLICATE = "duplicate delivery; already handled"

GitHubFactory = Callable[[aiohttp.ClientSession, Settings, Clock, Metrics], GitHubApp]

CONTEXT = web.AppKey("context", AppContext)
SETTINGS = web.AppKey("settings", Settings)
METRICS = web.AppKey("metrics", Metrics)
CLOCK = web.AppKey("clock", Clock)
DELIVERIES = web.AppKey("deliveries", webhook.Deliveries)


def default_github(session: aiohttp.ClientSession, settings: Settings, clock: Clock, metrics: Metrics) -> GitHubApp:
    return GitHubApp(
        session,
        app_id=settings.app_id,
        private_key=settings.private_key,
        base_url=settings.api_url,
        clock=clock,
        metrics=metrics,
        policy=RetryPolicy(timeout=settings.api_timeout),
    )


def make_app(
    settings: Settings,
    *,
    github_factory: GitHubFactory = default_github,
    clock: Clock | None = None,
    store: SummaryStore | None = None,
    shutdown_grace: float = SHUTDOWN_GRACE,
) -> web.Application:
    """The App. ``store`` lets a benchmark start warm; by default it is built from settings.

    On shutdown, running jobs get ``shutdown_grace`` seconds to finish; then they are
    cancelled (a cancelled pull-request check still completes its run as neutral).
    """
    app = web.Application(client_max_size=MAX_BODY)
    clock = clock or Clock()
    app[SETTINGS] = settings
    app[CLOCK] = clock
    app[METRICS] = Metrics()
    app[DELIVERIES] = webhook.Deliveries(clock.time)

    async def services(app: web.Application) -> AsyncIterator[None]:
        session = aiohttp.ClientSession(headers={"User-Agent": "ssot-bot"})
        metrics = app[METRICS]
        queue = JobQueue(metrics, clock, concurrency=settings.concurrency)
        summaries = store if store is not None else SummaryStore(settings.cache_dir, __version__)
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ssot-analysis")
        app[CONTEXT] = AppContext(
            settings=settings,
            clock=clock,
            metrics=metrics,
            queue=queue,
            github=github_factory(session, settings, clock, metrics),
            store=summaries,
            analysis=executor,
        )
        logs.event("started", api_url=settings.api_url, app_id=settings.app_id, version=__version__)
        try:
            yield
        finally:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(queue.idle(), shutdown_grace)
            await queue.stop()
            await session.close()
            # an analysis still running is not waited for (its job is cancelled and its check
            # run completed; a thread cannot be stopped): the store is closed on its thread,
            # after it, and the process ends without waiting (``ssot serve`` leaves at once)
            if store is None:
                executor.submit(summaries.close)
            executor.shutdown(wait=False)

    app.cleanup_ctx.append(services)
    app.router.add_post("/webhook", handle_webhook)
    app.router.add_get("/healthz", handle_healthz)
    app.router.add_get("/metrics", handle_metrics)
    return app


async def handle_webhook(request: web.Request) -> web.Response:
    app = request.app
    clock, metrics = app[CLOCK], app[METRICS]
    started = clock.monotonic()
    event_name = (request.headers.get("X-GitHub-Event", "") or "unknown").strip()[:64]
    delivery_id = request.headers.get("X-GitHub-Delivery", "")[:64]
    fields: dict[str, Any] = {"delivery": delivery_id or None, "event": event_name}
    status, text, outcome = 202, "", "ignored"
    verified = False
    try:
        body = await request.read()
        event = webhook.parse(request.headers, body, app[SETTINGS].webhook_secret)
        verified = True
        fields.update(_describe(event.data))
        if not app[DELIVERIES].first_time(event.delivery_id):
            status, text, outcome = 200, DUPLICATE, "duplicate"
        elif event.event == "ping":
            status, text, outcome = 200, PONG, "pong"
        else:
            delivery = Delivery(app[CONTEXT], event.delivery_id)
            try:
                await router.dispatch(event, delivery)
            except Exception:
                app[DELIVERIES].forget(event.delivery_id)
                raise
            outcome = delivery.outcome
            text = outcome
    except webhook.Rejected as exc:
        status, text, outcome = exc.status, exc.reason, f"rejected-{exc.status}"
    except web.HTTPRequestEntityTooLarge:
        status, text, outcome = 413, "payload too large", "rejected-413"
    except Exception:  # noqa: BLE001 - no exception escapes the handler
        logs.event("delivery crashed", level=logging.ERROR, exc_info=True, **fields)
        status, text, outcome = 500, "internal error; see the server log", "crashed"
    seconds = clock.monotonic() - started
    label = outcome.split(":", 1)[0]
    metrics.deliveries.labels(webhook.event_label(event_name, verified=verified), label).inc()
    metrics.ack_seconds.observe(seconds)
    logs.event("delivery", outcome=outcome, status=status, duration_ms=round(seconds * 1000, 2), **fields)
    return web.Response(status=status, text=text)


def _describe(data: dict[str, object]) -> dict[str, object]:
    """Repository, pull request and SHA of a payload, for the delivery's log line."""
    out: dict[str, object] = {}
    repo = data.get("repository")
    if isinstance(repo, dict):
        out["repo"] = repo.get("full_name")
    pull = data.get("pull_request")
    if isinstance(pull, dict):
        out["pr"] = pull.get("number")
        head = pull.get("head")
        if isinstance(head, dict):
            out["sha"] = head.get("sha")
    issue = data.get("issue")
    if isinstance(issue, dict) and "pr" not in out:
        out["pr"] = issue.get("number")
    for key in ("check_run", "check_suite"):
        item = data.get(key)
        if isinstance(item, dict):
            out["sha"] = item.get("head_sha")
    if "after" in data:
        out["sha"] = data.get("after")
    return out


async def handle_healthz(request: web.Request) -> web.Response:
    context = request.app.get(CONTEXT)
    depth = context.queue.depth if context is not None else 0
    return web.json_response({"status": "ok", "version": __version__, "queue_depth": depth})


async def handle_metrics(request: web.Request) -> web.Response:
    body = request.app[METRICS].render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def serve(host: str | None, port: int | None) -> int:
    """``ssot serve``: 2 when settings are missing (each one named), else run until stopped."""
    logs.configure()
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    web.run_app(
        make_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        print=None,
        access_log=None,
    )
    return 0
