"""The one place where the event families' routers are merged."""

from __future__ import annotations

from gidgethub.routing import Router

from bot.routers import checks, comments, installations, pulls, pushes

router = Router(pulls.router, comments.router, checks.router, pushes.router, installations.router)
