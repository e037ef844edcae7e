"""SSOT010 config-error: the configuration is invalid.

Every problem in ``.github/ssot.toml`` (or ``[tool.ssot]`` in pyproject.toml) is reported
at once, with the key path (``concept[0].canonical``) and the line. A concept with a
problem is left out; the rest of the config still applies.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from rules.context import Context, finding
from rules.examples import Invalid, Valid
from rules.model import Finding, Location, Severity

CODE = "SSOT010"
SLUG = "config-error"
SEVERITY = Severity.ERROR
MESSAGE = "{source}: `{key}` {message}"


def check(ctx: Context) -> Iterator[Finding]:
    rule = sys.modules[__name__]
    for problem in ctx.config_problems:
        key = problem.key or "(file)"
        message = MESSAGE.format(source=problem.path, key=key, message=problem.message)
        yield finding(rule, None, f"{problem.path}:{key}", message,
                      Location(problem.path, problem.line, 1))


EXAMPLES = (
    Valid(files={"app/core.py": "class A:\n    pass\n"},
          config='[[concept]]\nname = "A"\ncanonical = "app.core.A"\n'),
    Invalid(files={"app/core.py": ""},
            config='fail_on = "sometimes"\n\n[[concept]]\nname = "A"\ncanonical = "not a path"\nissue = -3\n',
            expect=(("SSOT010", ".github/ssot.toml", 1), ("SSOT010", ".github/ssot.toml", 5),
                    ("SSOT010", ".github/ssot.toml", 6))),
    Invalid(files={}, config='[[concept]\nname = "A"\n', expect=(("SSOT010", ".github/ssot.toml", 1),),
            note="not TOML at all"),
)
