"""Path patterns of ``exclude`` and ``allow``: gitignore's way of writing them."""

from __future__ import annotations

import pytest

from rules.globs import matcher, matches, pattern_problem


@pytest.mark.parametrize(("pattern", "path", "expected"), [
    ("tests/", "tests/test_x.py", True),
    ("tests/", "app/tests/x.py", True),
    ("tests/", "tests.py", False),
    ("test_*.py", "app/test_x.py", True),
    ("src/legacy/**", "src/legacy/a/b.py", True),
    ("src/legacy/**", "lib/src/legacy/a.py", False),  # a slash anchors it
    ("app/*.py", "app/sub/x.py", False),  # `*` stays in one segment
    ("app/**/x.py", "app/x.py", True),
    ("[ab]*.py", "b1.py", True),
    ("[!ab]*.py", "b1.py", False),
    ("[^ab]*.py", "c1.py", True),
    ("x[]]y.py", "x]y.py", True),  # a `]` first in a class is one of its characters
    ("x[\\\\]y.py", "x\\y.py", True),  # a backslash takes the next character as it is
    ("x[\\]]y", "x]y", True),
    ("app[!_]*", "app/x.py", False),  # no class matches `/`
    ("app[!_]*", "appx.py", True),
    ("a[", "a[", True),  # an unclosed `[` is itself
])
def test_patterns(pattern: str, path: str, expected: bool) -> None:
    assert pattern_problem(pattern) is None
    assert matches(path, [pattern]) is expected


def test_a_pattern_starting_with_an_exclamation_mark_takes_back_what_came_before() -> None:
    # regression: `!app/chat/dup.py` was a pattern for a file named `!app/...`, matching nothing
    exclude = matcher(["app/chat/", "!app/chat/dup.py", "app/chat/dup.py.orig"])
    assert exclude("app/chat/x.py")
    assert not exclude("app/chat/dup.py")
    assert exclude("app/chat/dup.py.orig")
    again = matcher(["!app/x.py", "app/"])  # the last pattern that matches decides
    assert again("app/x.py")
    assert matches("!odd.py", ["\\!odd.py"]) and not matches("odd.py", ["\\!odd.py"])
    assert not matcher(["!app/"])("app/x.py")  # taking back what nothing matched excludes nothing


def test_a_pattern_that_cannot_be_used_says_why() -> None:
    assert pattern_problem("[z-a]") == "`[z-a]` is not a valid pattern (bad character range z-a)"
    assert pattern_problem("!") is not None
    assert pattern_problem("![z-a]") is not None
    assert "not supported" in (pattern_problem("[[:alpha:]]") or "")
