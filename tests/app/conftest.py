"""Fixtures for the App's tests: a signing key, a fake clock, the fake GitHub, the App."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot import webhook
from bot.clock import Clock
from bot.server import CONTEXT, make_app
from bot.settings import Settings
from tests.app.fakegithub import OPENAPI_PATH, SHARED, SHARED_MISSING, FakeGitHub, OpenAPI

APP_ID = "4242"
SECRET = "It's a Secret to Everybody"

needs_shared = pytest.mark.skipif(not SHARED.exists(), reason=SHARED_MISSING)


class FakeClock(Clock):
    """Wall time that moves only when the App sleeps (or a test says so)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


@pytest.fixture(scope="session")
def keys() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture(scope="session")
def openapi() -> OpenAPI | None:
    return OpenAPI(OPENAPI_PATH) if OPENAPI_PATH.exists() else None


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def github(
    tmp_path: Path, aiohttp_server: Any, clock: FakeClock, keys: tuple[str, str], openapi: OpenAPI | None
) -> AsyncIterator[FakeGitHub]:
    fake = FakeGitHub(tmp_path / "github", app_id=APP_ID, public_key=keys[1], now=clock.time, openapi=openapi)
    server = await aiohttp_server(fake.app, host="127.0.0.1")
    fake.base_url = str(server.make_url("")).rstrip("/")
    yield fake
    fake.released.set()
    if not getattr(fake, "expect_problems", False):
        fake.assert_clean()


@pytest.fixture
def settings(github: FakeGitHub, keys: tuple[str, str]) -> Settings:
    return Settings(
        app_id=APP_ID,
        private_key=keys[0],
        webhook_secret=SECRET,
        api_url=github.base_url,
        cache_dir=None,
        concurrency=4,
        api_timeout=5.0,
        tarball_threshold=200,
    )


_deliveries = itertools.count(1)


@dataclass
class Bot:
    client: TestClient
    settings: Settings

    async def deliver(
        self,
        event: str,
        payload: dict[str, Any] | bytes,
        *,
        delivery: str | None = None,
        signature: str | None = None,
        secret: str = SECRET,
    ) -> tuple[int, str]:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {
            "X-GitHub-Event": event,
            "Content-Type": "application/json",
            "X-GitHub-Delivery": delivery or f"delivery-{next(_deliveries)}",
            "X-Hub-Signature-256": signature if signature is not None else webhook.sign(body, secret),
        }
        if signature == "":
            del headers["X-Hub-Signature-256"]
        response = await self.client.post("/webhook", data=body, headers=headers)
        return response.status, await response.text()

    async def settle(self) -> None:
        await self.client.app[CONTEXT].queue.idle()

    @property
    def context(self) -> Any:
        return self.client.app[CONTEXT]


async def eventually(check: Callable[[], object], *, tries: int = 100, pause: float = 0.01) -> None:
    """Let the App's tasks run until ``check()`` holds (the caller asserts it after)."""
    for _ in range(tries):
        if check():
            return
        await asyncio.sleep(pause)


@pytest.fixture
async def bot(aiohttp_client: Any, settings: Settings, clock: FakeClock) -> Bot:
    client = await aiohttp_client(make_app(settings, clock=clock))
    return Bot(client, settings)


@pytest.fixture
def make_bot(aiohttp_client: Any, settings: Settings, clock: FakeClock) -> Any:
    async def build(**changes: Any) -> Bot:
        changed = replace(settings, **changes)
        return Bot(await aiohttp_client(make_app(changed, clock=clock)), changed)

    return build
