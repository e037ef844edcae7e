"""``issue_comment``: ``/ssot recheck`` and ``/ssot help`` on pull requests."""

from __future__ import annotations

from gidgethub import sansio
from gidgethub.routing import Router

from bot import commands, jobs
from bot.context import Delivery
from bot.webhook import field

router = Router()


@router.register("issue_comment", action="created")
async def on_comment(event: sansio.Event, delivery: Delivery) -> None:
    data = event.data
    issue, comment = field(data, "issue", dict), field(data, "comment", dict)
    user = field(data, "comment.user", dict)
    if "pull_request" not in issue:
        delivery.ignore("not a pull request")
        return
    if user.get("type") == "Bot" or str(user.get("login", "")).endswith("[bot]"):
        delivery.ignore("comment by a bot")
        return
    command = commands.parse(comment.get("body") if isinstance(comment.get("body"), str) else None)
    if command is None:
        delivery.ignore("no command")
        return
    repo = jobs.payload_repo(delivery, data)
    if repo is None:
        return
    delivery.enqueue(
        jobs.comment_command(
            delivery.app,
            repo,
            field(data, "issue.number", int),
            field(data, "comment.id", int),
            field(data, "comment.user.login"),
            field(data, "issue.user.login"),
            command,
        )
    )
