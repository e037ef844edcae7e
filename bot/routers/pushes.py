"""``push``: validate every concept on the default branch and update tracking issues."""

from __future__ import annotations

from gidgethub import sansio
from gidgethub.routing import Router

from bot import jobs
from bot.context import Delivery
from bot.webhook import field

router = Router()


@router.register("push")
async def on_push(event: sansio.Event, delivery: Delivery) -> None:
    data = event.data
    repository = data.get("repository")
    default = repository.get("default_branch") if isinstance(repository, dict) else None
    if data.get("deleted") or not data.get("after") or set(str(data["after"])) == {"0"}:
        delivery.ignore("branch deleted")
        return
    if data.get("ref") != f"refs/heads/{default}":
        delivery.ignore("not the default branch")
        return
    repo = jobs.payload_repo(delivery, data)
    if repo is None:
        return
    delivery.enqueue(jobs.push_validation(delivery.app, repo, str(default), field(data, "after")))
