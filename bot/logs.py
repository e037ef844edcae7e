"""Structured logs: one JSON line per delivery and per job, secrets scrubbed.

Operators read these; users never do. Tracebacks go here (``exc_info``), never into a
check run or a comment. Tokens are never passed to a log call, and as a second guard
anything that looks like a GitHub token or a bearer credential is masked on the way out.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import IO, Any

LOGGER_NAME = "ssot"
_SECRET = re.compile(
    r"(gh[pousr]_[A-Za-z0-9_]{8,}|github_pat_[A-Za-z0-9_]{8,}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_.-]+"
    r"|(?i:bearer|token)\s+[A-Za-z0-9_.-]{8,}|-----BEGIN[^-]*PRIVATE KEY-----[^-]*)"
)

logger = logging.getLogger(LOGGER_NAME)


def scrub(text: str) -> str:
    return _SECRET.sub("[redacted]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "msg": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return scrub(json.dumps(line, default=str, ensure_ascii=False))


def configure(stream: IO[str] | None = None, level: int = logging.INFO) -> None:
    """Send the App's logs as JSON lines to ``stream`` (stderr by default)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False


def event(msg: str, *, level: int = logging.INFO, exc_info: bool = False, **fields: Any) -> None:
    """One structured line; ``None`` fields are left out."""
    logger.log(
        level,
        msg,
        exc_info=exc_info,
        extra={"fields": {k: v for k, v in fields.items() if v is not None}},
    )
