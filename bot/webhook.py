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
from typing import Any

from cachetools import TTLCache
from gidgethub import sansio

_SIGNATURE = re.compile(r"^sha256=([0-9a-fA-F]{64})$")

MISSING_SIGNATURE = "missing X-Hub-Signature-256 header"
MALFORMED_SIGNATURE = "malformed X-Hub-Signature-256 header (expected sha256=<64 hex digits>)"
BAD_SIGNATURE = "signature does not match the webhook secret"
MISSING_EVENT = "missing X-GitHub-Event header"
BAD_BODY = "body is not a JSON object"
BAD_ACTION = "payload field `action` is not a string"
BAD_FIELD = "payload lacks `{path}` (or it has the wrong type)"

#: The events the App routes (and ``ping``): the only names an unverified delivery may put
#: in a metric label, so that forged ``X-GitHub-Event`` headers cannot grow the label set.
ROUTED_EVENTS = frozenset(
    {"ping", "pull_request", "issue_comment", "check_run", "check_suite", "push", "installation",
     "installation_repositories"}
)
OTHER_EVENT = "other"


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
    if not isinstance(data.get("action", ""), str):
        raise Rejected(400, BAD_ACTION)  # the routers look actions up in a dict
    return sansio.Event(data, event=event, delivery_id=headers.get("x-github-delivery", "").strip())


def event_label(name: str, *, verified: bool) -> str:
    """The ``event`` label of a delivery's metric: a bounded set whatever the sender wrote.

    A verified delivery comes from GitHub, whose event names are a short fixed list; an
    unverified one keeps its name only if it is one the App routes.
    """
    if verified and re.fullmatch(r"[a-z_]{1,64}", name):
        return name
    return name if name in ROUTED_EVENTS else OTHER_EVENT


_MISSING = object()


def field(data: Mapping[str, Any], path: str, kind: type | tuple[type, ...] = str) -> Any:
    """``data["a"]["b"]`` for ``path`` ``"a.b"``, of type ``kind``; else :class:`Rejected` (400).

    Handlers read what they need through this, so a payload missing a field is answered
    400 naming it, never 500.
    """
    value: Any = data
    for key in path.split("."):
        value = value.get(key, _MISSING) if isinstance(value, Mapping) else _MISSING
        if value is _MISSING:
            raise Rejected(400, BAD_FIELD.format(path=path))
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise Rejected(400, BAD_FIELD.format(path=path))
    return value


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
