"""SSOT005 interface-missing: the canonical class lacks a required method.

A concept may list the methods every user relies on (``interface``). The canonical class,
together with the bases it inherits from inside the repository, must define each of them
(as a method or as a class attribute). When a base lies outside the repository the
message says so: the method may come from there.
"""

from __future__ import annotations

import sys

from rules.config import Concept
from rules.context import Context, Outcome, finding
from rules.examples import Invalid, Valid
from rules.model import Finding, Location, Severity

CODE = "SSOT005"
SLUG = "interface-missing"
SEVERITY = Severity.ERROR
MESSAGE = "the canonical `{canonical}` has no `{method}` (required by concept `{concept}`){bases}; add it"


def evaluate(ctx: Context, concept: Concept) -> Outcome:
    rule = sys.modules[__name__]
    if not concept.interface:
        return Outcome((), expected="", actual="", skipped="no `interface` configured")
    canonical = ctx.canonical(concept)
    if canonical is None:
        return Outcome((), expected="", actual="", skipped="the canonical path does not resolve to one class")
    mro, external = ctx.mro(canonical)
    members = {m for _, info in mro for m in info.members}
    info = mro[0][1] if mro else None
    findings: list[Finding] = []
    for method in concept.interface:
        if method in members:
            continue
        bases = f"; bases outside the repository were not inspected: {', '.join(external)}" if external else \
            (f"; searched {', '.join(d.dotted for d, _ in mro)}" if len(mro) > 1 else "")
        findings.append(finding(rule, concept, f"{canonical.dotted}.{method}", MESSAGE.format(
            canonical=canonical.dotted, method=method, concept=concept.name, bases=bases),
            Location(canonical.path, canonical.line, info.col if info else 1, info.end_line if info else None)))
    present = len(concept.interface) - len(findings)
    return Outcome(tuple(findings), expected=", ".join(concept.interface),
                   actual=f"{present} of {len(concept.interface)} present")


_CONFIG = """
[[concept]]
name = "Manager"
canonical = "app.core.Manager"
interface = ["connect", "send", "close"]
"""

EXAMPLES = (
    Valid(
        files={"app/__init__.py": "",
               "app/base.py": "class Base:\n    def close(self):\n        pass\n",
               "app/core.py": "from app.base import Base\nclass Manager(Base):\n"
                              "    async def connect(self):\n        pass\n    send = connect\n"},
        config=_CONFIG,
        note="inherited, async and attribute-assigned methods count",
    ),
    Invalid(
        files={"app/__init__.py": "",
               "app/core.py": "\nclass Manager:\n    def connect(self):\n        pass\n"},
        config=_CONFIG,
        expect=(("SSOT005", "app/core.py", 2), ("SSOT005", "app/core.py", 2)),
        note="two required methods missing",
    ),
)
