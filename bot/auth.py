"""The App's credentials: a JWT signed with its private key, traded for installation tokens.

Tokens are cached per installation (cachetools) until shortly before GitHub says they
expire, fetched once when several jobs ask at the same time, and dropped when GitHub
answers 401 so that the next ask fetches a fresh one. Tokens are never logged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from cachetools import TLRUCache
from gidgethub import apps

from bot.clock import Clock, parse_iso

#: Mints a token: (app JWT, installation id) -> GitHub's answer ({"token", "expires_at", ...}).
Mint = Callable[[str, int], Awaitable[dict[str, Any]]]

#: A token is used until this many seconds before it expires.
REFRESH_MARGIN = 300.0


def app_jwt(app_id: str, private_key: str) -> str:
    """A JWT for the App itself (valid ten minutes, issue time backdated for clock drift)."""
    return apps.get_jwt(app_id=app_id, private_key=private_key)


class AppAuth:
    def __init__(
        self,
        app_id: str,
        private_key: str,
        clock: Clock,
        mint: Mint,
        *,
        margin: float = REFRESH_MARGIN,
    ) -> None:
        self.app_id = app_id
        self._private_key = private_key
        self._clock = clock
        self._mint = mint
        self._margin = margin
        self._tokens: TLRUCache[int, tuple[str, float]] = TLRUCache(
            maxsize=10_000, ttu=self._use_until, timer=clock.time
        )
        self._locks: dict[int, asyncio.Lock] = {}

    def _use_until(self, _key: int, value: tuple[str, float], _now: float) -> float:
        return value[1] - self._margin

    def jwt(self) -> str:
        return app_jwt(self.app_id, self._private_key)

    async def token(self, installation_id: int) -> str:
        cached = self._tokens.get(installation_id)
        if cached is not None:
            return cached[0]
        lock = self._locks.setdefault(installation_id, asyncio.Lock())
        async with lock:
            cached = self._tokens.get(installation_id)
            if cached is not None:
                return cached[0]
            answer = await self._mint(self.jwt(), installation_id)
            token = str(answer["token"])
            expires = parse_iso(answer["expires_at"]) if answer.get("expires_at") else self._clock.time() + 3600
            self._tokens[installation_id] = (token, expires)
            return token

    def invalidate(self, installation_id: int, token: str | None = None) -> None:
        """Forget an installation's token (GitHub rejected it, or the App was uninstalled)."""
        cached = self._tokens.get(installation_id)
        if cached is not None and (token is None or cached[0] == token):
            del self._tokens[installation_id]
