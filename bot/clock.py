"""The App's clock: wall time, a monotonic timer and sleeping, in one replaceable object.

Backoff, rate-limit waits and token expiry all read this clock, so tests drive time with a
fake one instead of waiting.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime


class Clock:
    def time(self) -> float:
        """Seconds since the epoch."""
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def iso(self) -> str:
        """Now as GitHub writes timestamps: ``2026-11-24T12:00:00Z``."""
        return datetime.fromtimestamp(self.time(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float:
    """``2026-11-24T12:00:00Z`` (GitHub's form) as seconds since the epoch."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
