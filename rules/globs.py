"""gitignore-style path patterns, for ``exclude`` and a concept's ``allow``.

A pattern without a slash (other than a trailing one) matches a file or directory name at
any depth (``tests/``, ``test_*.py``); a pattern with a slash is anchored at the
repository root (``src/legacy/**``). ``*`` stays within one path segment, ``**`` spans
any number of them, and a matched directory matches everything below it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    pat = pattern.strip()
    directory = pat.endswith("/")
    pat = pat.strip("/")
    anchored = "/" in pat
    out = []
    i = 0
    while i < len(pat):
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif pat[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pat[i] == "?":
            out.append("[^/]")
            i += 1
        elif pat[i] == "[":
            end = pat.find("]", i + 1)
            if end == -1:
                out.append(re.escape(pat[i]))
                i += 1
            else:
                body = pat[i + 1:end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(pat[i]))
            i += 1
    body = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    # a directory pattern needs something below it; any match also covers what is below
    suffix = "/.*" if directory else "(?:/.*)?"
    return re.compile(f"^{prefix}{body}{suffix}$")


@lru_cache(maxsize=128)
def _combined(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = [_compile(p).pattern for p in patterns if p.strip()]
    return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None


def matches(path: str, patterns: Iterable[str]) -> bool:
    return matcher(patterns)(path)


def matcher(patterns: Iterable[str]) -> Callable[[str], bool]:
    """``matches`` with the patterns compiled and looked up once, for every file of a run."""
    combined = _combined(tuple(patterns))
    if combined is None:
        return lambda path: False
    match = combined.match
    return lambda path: match(path) is not None
