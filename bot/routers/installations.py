"""``installation`` and ``installation_repositories``: noted; an uninstall drops its token."""

from __future__ import annotations

from gidgethub import sansio
from gidgethub.routing import Router

from bot.context import Delivery

router = Router()


@router.register("installation")
async def on_installation(event: sansio.Event, delivery: Delivery) -> None:
    installation = event.data.get("installation")
    installation_id = installation.get("id") if isinstance(installation, dict) else None
    if event.data.get("action") == "deleted" and isinstance(installation_id, int):
        delivery.app.github.forget(installation_id)
    delivery.ignore(f"installation {event.data.get('action')}")


@router.register("installation_repositories")
async def on_repositories(event: sansio.Event, delivery: Delivery) -> None:
    delivery.ignore(f"repositories {event.data.get('action')}")
