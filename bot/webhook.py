"""What arrives at ``POST /webhook``: signature first, then the body, then repeats dropped.

Nothing here touches the network: bytes and headers in, an :class:`gidgethub.sansio.Event`
(or a :class:`Rejected` with the HTTP status to answer) out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping

from cachetools import TTLCache
from gidgethub import sansio

_SIGNATURE = re.compile(r"^sha256=([0-9a-fA-F]{64})$")

MISSING_SIGNATURE = "missing X-Hub-Signature-256 header"
MALFORMED_SIGNATURE = "malformed X-Hub-Signature-256 header (expected sha256=<64 hex digits>)"
BAD_SIGNATURE = "signature does not match the webhook secret"
MISSING_EVENT = "missing X-GitHub-Event header"
BAD_BODY = "body is not a JSON object"


class Rejected(Exception):
    """A delivery we refuse, and the status to answer it with."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def sign(body: bytes, secret: str) -> str:
    """The ``X-Hub-Signature-256`` value GitHub sends for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str | None, secret: str) -> None:
    """400 when the header is absent or malformed, 401 when it does not match."""
    if not header:
        raise Rejected(400, MISSING_SIGNATURE)
    if not _SIGNATURE.match(header.strip()):
        raise Rejected(400, MALFORMED_SIGNATURE)
    if not hmac.compare_digest(sign(body, secret), header.strip().lower()):
        raise Rejected(401, BAD_SIGNATURE)


def parse(headers: Mapping[str, str], body: bytes, secret: str) -> sansio.Event:
    """A verified event. ``headers`` must answer lowercase keys (aiohttp's do)."""
    verify_signature(body, headers.get("x-hub-signature-256"), secret)
    event = headers.get("x-github-event", "").strip()
    if not event:
        raise Rejected(400, MISSING_EVENT)
    content_type = headers.get("content-type", "application/json").split(";")[0].strip().lower()
    try:
        if content_type == "application/x-www-form-urlencoded":
            from urllib.parse import parse_qs

            data = json.loads(parse_qs(body.decode())["payload"][0])
        else:
            data = json.loads(body)
    except (ValueError, KeyError, IndexError, UnicodeDecodeError) as exc:
        raise Rejected(400, BAD_BODY) from exc
    if not isinstance(data, dict):
        raise Rejected(400, BAD_BODY)
    return sansio.Event(data, event=event, delivery_id=headers.get("x-github-delivery", "").strip())


class Deliveries:
    """Delivery ids seen recently. GitHub redelivers with the same id; we act once."""

    def __init__(self, timer: Callable[[], float], *, maxsize: int = 100_000, ttl: float = 24 * 3600) -> None:
        self._seen: TTLCache[str, bool] = TTLCache(maxsize=maxsize, ttl=ttl, timer=timer)

    def first_time(self, delivery_id: str) -> bool:
        """True the first time an id is seen (and remembers it); an empty id is never a repeat."""
        if not delivery_id:
            return True
        if delivery_id in self._seen:
            return False
        self._seen[delivery_id] = True
        return True

    def forget(self, delivery_id: str) -> None:
        """Let a delivery we failed to handle be redelivered."""
        self._seen.pop(delivery_id, None)
