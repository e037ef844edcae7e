"""``check_run`` and ``check_suite``: the Re-run buttons and the Recheck action."""

from __future__ import annotations

from typing import Any

from gidgethub import sansio
from gidgethub.routing import Router

from bot import checkrun, jobs
from bot.context import Delivery

router = Router()


def _ours(delivery: Delivery, item: dict[str, Any]) -> bool:
    app_id = (item.get("app") or {}).get("id")
    return app_id is None or str(app_id) == delivery.app.settings.app_id


def _targets(repo: jobs.Repo, head_sha: str, pulls: list[dict[str, Any]], default_branch: str) -> list[jobs.PullTarget]:
    """A target per pull request of the commit; else the commit against the default branch."""
    targets = [jobs.PullTarget(repo, head_sha, p["base"]["ref"], int(p["number"])) for p in pulls]
    return targets or [jobs.PullTarget(repo, head_sha, default_branch)]


def _enqueue(event: sansio.Event, delivery: Delivery, item: dict[str, Any], trigger: str) -> None:
    repo = jobs.Repo.from_payload(event.data)
    if repo is None:
        delivery.ignore("no installation in the payload")
        return
    if not _ours(delivery, item):
        delivery.ignore("another app's check")
        return
    default_branch = (event.data.get("repository") or {}).get("default_branch") or "main"
    for target in _targets(repo, item["head_sha"], item.get("pull_requests") or [], default_branch):
        delivery.enqueue(jobs.pull_check(delivery.app, target, trigger=trigger))


@router.register("check_run", action="rerequested")
async def on_check_run_rerequested(event: sansio.Event, delivery: Delivery) -> None:
    run = event.data["check_run"]
    if run.get("name") != checkrun.CHECK_NAME:
        delivery.ignore(f"check run {run.get('name')!r} is not ours")
        return
    _enqueue(event, delivery, run, "rerequested")


@router.register("check_run", action="requested_action")
async def on_requested_action(event: sansio.Event, delivery: Delivery) -> None:
    run = event.data["check_run"]
    identifier = (event.data.get("requested_action") or {}).get("identifier")
    if run.get("name") != checkrun.CHECK_NAME or identifier != checkrun.RECHECK_ID:
        delivery.ignore(f"action {identifier!r} is not ours")
        return
    _enqueue(event, delivery, run, "recheck-button")


@router.register("check_suite", action="rerequested")
async def on_check_suite_rerequested(event: sansio.Event, delivery: Delivery) -> None:
    _enqueue(event, delivery, event.data["check_suite"], "suite-rerequested")
