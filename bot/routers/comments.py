"""``issue_comment``: ``/ssot recheck`` and ``/ssot help`` on pull requests."""

from __future__ import annotations

from gidgethub import sansio
from gidgethub.routing import Router

from bot import commands, jobs
from bot.context import Delivery

router = Router()


@router.register("issue_comment", action="created")
async def on_comment(event: sansio.Event, delivery: Delivery) -> None:
    issue, comment = event.data["issue"], event.data["comment"]
    user = comment.get("user") or {}
    if "pull_request" not in issue:
        delivery.ignore("not a pull request")
        return
    if user.get("type") == "Bot" or str(user.get("login", "")).endswith("[bot]"):
        delivery.ignore("comment by a bot")
        return
    command = commands.parse(comment.get("body"))
    if command is None:
        delivery.ignore("no command")
        return
    repo = jobs.Repo.from_payload(event.data)
    if repo is None:
        delivery.ignore("no installation in the payload")
        return
    author = (issue.get("user") or {}).get("login", "")
    delivery.enqueue(
        jobs.comment_command(
            delivery.app,
            repo,
            int(issue["number"]),
            int(comment["id"]),
            user.get("login", ""),
            author,
            command,
        )
    )
