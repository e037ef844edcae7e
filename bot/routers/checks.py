"""``check_run`` and ``check_suite``: the Re-run buttons and the Recheck action."""

from __future__ import annotations

from typing import Any

from gidgethub import sansio
from gidgethub.routing import Router

from bot import checkrun, jobs
from bot.context import Delivery
from bot.webhook import BAD_FIELD, Rejected, field

router = Router()


def _ours(delivery: Delivery, item: dict[str, Any]) -> bool:
    app = item.get("app")
    app_id = app.get("id") if isinstance(app, dict) else None
    return app_id is None or str(app_id) == delivery.app.settings.app_id


def _targets(repo: jobs.Repo, data: dict[str, Any], key: str) -> list[jobs.PullTarget]:
    """A target per pull request of the commit; else the commit against the default branch."""
    head_sha = field(data, f"{key}.head_sha")
    pulls = data[key].get("pull_requests") or []
    if not isinstance(pulls, list):
        raise Rejected(400, BAD_FIELD.format(path=f"{key}.pull_requests"))
    targets = [jobs.PullTarget(repo, head_sha, field(p, "base.ref"), field(p, "number", int)) for p in pulls]
    default_branch = data["repository"].get("default_branch") or "main"  # a dict: ``repo`` came from it
    return targets or [jobs.PullTarget(repo, head_sha, default_branch)]


def _enqueue(event: sansio.Event, delivery: Delivery, key: str, trigger: str) -> None:
    item = field(event.data, key, dict)
    repo = jobs.payload_repo(delivery, event.data)
    if repo is None:
        return
    if not _ours(delivery, item):
        delivery.ignore("another app's check")
        return
    for target in _targets(repo, event.data, key):
        delivery.enqueue(jobs.pull_check(delivery.app, target, trigger=trigger))


@router.register("check_run", action="rerequested")
async def on_check_run_rerequested(event: sansio.Event, delivery: Delivery) -> None:
    run = field(event.data, "check_run", dict)
    if run.get("name") != checkrun.CHECK_NAME:
        delivery.ignore(f"check run {run.get('name')!r} is not ours")
        return
    _enqueue(event, delivery, "check_run", "rerequested")


@router.register("check_run", action="requested_action")
async def on_requested_action(event: sansio.Event, delivery: Delivery) -> None:
    run = field(event.data, "check_run", dict)
    action = event.data.get("requested_action")
    identifier = action.get("identifier") if isinstance(action, dict) else None
    if run.get("name") != checkrun.CHECK_NAME or identifier != checkrun.RECHECK_ID:
        delivery.ignore(f"action {identifier!r} is not ours")
        return
    _enqueue(event, delivery, "check_run", "recheck-button")


@router.register("check_suite", action="rerequested")
async def on_check_suite_rerequested(event: sansio.Event, delivery: Delivery) -> None:
    _enqueue(event, delivery, "check_suite", "suite-rerequested")
