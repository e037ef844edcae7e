"""gitignore-style path patterns, for ``exclude`` and a concept's ``allow``.

A pattern without a slash (other than a trailing one) matches a file or directory name at
any depth (``tests/``, ``test_*.py``); a pattern with a slash is anchored at the
repository root (``src/legacy/**``). ``*`` stays within one path segment, ``**`` spans
any number of them, ``[abc]``, ``[a-z]`` and ``[!a-z]`` match one character (never ``/``),
and a matched directory matches everything below it. A pattern that starts with ``!`` takes
back what the patterns before it matched (``app/generated/``, then
``!app/generated/keep.py``); the last pattern that matches a path decides (a backslash
before it starts a pattern with a literal ``!``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache


def _bracket(pat: str, i: int) -> tuple[str, int] | None:
    """The character class starting at ``pat[i]`` (``[``) as a regular expression, and where
    it ends; None if it never closes. ``[!a]`` and ``[^a]`` negate, a ``]`` first is one of
    the characters, a backslash takes the next character as it is, and no class matches
    ``/`` (a class stays within one path segment, as ``*`` does)."""
    j = i + 1
    negated = pat.startswith(("!", "^"), j)
    j += negated
    chars: list[str] = []
    first = True
    while j < len(pat) and (pat[j] != "]" or first):
        if pat.startswith("[:", j):
            raise re.error("character classes such as [:alpha:] are not supported")
        if pat[j] == "\\" and j + 1 < len(pat):
            chars.append(re.escape(pat[j + 1]))
            j += 2
        else:
            chars.append("\\" + pat[j] if pat[j] in "\\[]^" else pat[j])
            j += 1
        first = False
    if j >= len(pat):
        return None
    body = "".join(chars)
    return (f"[^/{body}]" if negated else f"(?!/)[{body}]"), j + 1


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
            found = _bracket(pat, i)
            if found is None:  # no closing `]`: the `[` is itself
                out.append(re.escape(pat[i]))
                i += 1
            else:
                out.append(found[0])
                i = found[1]
        else:
            out.append(re.escape(pat[i]))
            i += 1
    body = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    # a directory pattern needs something below it; any match also covers what is below
    suffix = "/.*" if directory else "(?:/.*)?"
    return re.compile(f"^{prefix}{body}{suffix}$")


def pattern_problem(pattern: str) -> str | None:
    """Why a pattern cannot be used (a config problem), or None."""
    body = pattern.strip()
    if body == "!":
        return "`!` alone takes back nothing: write the pattern after it"
    try:
        _compile(_unnegated(body)[0])
    except re.error as exc:
        return f"`{pattern}` is not a valid pattern ({exc.msg})"
    return None


def _unnegated(pattern: str) -> tuple[str, bool]:
    """The pattern without its leading ``!``, and whether it had one."""
    if pattern.startswith("!"):
        return pattern[1:], True
    return (pattern[1:] if pattern.startswith("\\!") else pattern), False


@lru_cache(maxsize=128)
def _rules(patterns: tuple[str, ...]) -> tuple[tuple[re.Pattern[str], bool], ...]:
    """Runs of patterns that exclude (False) or take back (True), each run one expression."""
    runs: list[tuple[list[str], bool]] = []
    for raw in patterns:
        pattern, negated = _unnegated(raw.strip())
        if not pattern.strip("/") or (negated and not runs):  # (taking back what nothing matched)
            continue
        if not runs or runs[-1][1] != negated:
            runs.append(([], negated))
        runs[-1][0].append(_compile(pattern).pattern)
    return tuple((re.compile("|".join(f"(?:{p})" for p in parts)), negated) for parts, negated in runs)


def matches(path: str, patterns: Iterable[str]) -> bool:
    return matcher(patterns)(path)


def matcher(patterns: Iterable[str]) -> Callable[[str], bool]:
    """``matches`` with the patterns compiled and looked up once, for every file of a run."""
    rules = _rules(tuple(patterns))
    if not rules:
        return lambda path: False
    if len(rules) == 1:  # (excluding: a run that takes back never comes first)
        match = rules[0][0].match
        return lambda path: match(path) is not None

    def last(path: str) -> bool:
        for expression, negated in reversed(rules):
            if expression.match(path) is not None:
                return not negated
        return False

    return last
