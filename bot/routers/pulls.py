"""``pull_request``: check the head commit when a pull request is opened or moves."""

from __future__ import annotations

from gidgethub import sansio
from gidgethub.routing import Router

from bot import jobs
from bot.context import Delivery
from bot.webhook import field

router = Router()
ACTIONS = ("opened", "synchronize", "reopened", "ready_for_review")


async def on_pull_request(event: sansio.Event, delivery: Delivery) -> None:
    repo = jobs.payload_repo(delivery, event.data)
    if repo is None:
        return
    data = event.data
    target = jobs.PullTarget(
        repo,
        field(data, "pull_request.head.sha"),
        field(data, "pull_request.base.ref"),
        field(data, "pull_request.number", int),
        field(data, "pull_request.base.sha", (str, type(None))),
    )
    delivery.enqueue(jobs.pull_check(delivery.app, target, trigger=str(data["action"])))


for _action in ACTIONS:
    router.add(on_pull_request, "pull_request", action=_action)
