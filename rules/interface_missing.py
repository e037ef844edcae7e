"""SSOT005 interface-missing: the canonical class lacks a required method.

A concept may list the methods every user relies on (``interface``). The canonical class,
together with the bases it inherits from inside the repository, must define each of them
(as a method, a class attribute, or an attribute ``__init__`` sets on the instance; one
defined in a branch of an ``if`` or ``try`` in the class body counts, one under ``if
TYPE_CHECKING:`` does not). When a base lies outside
the repository, or is computed at run time (``make_base()``), the message says so: the
method may come from there.
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
    members = {m for _, info in mro for m in (*info.members, *info.attributes)}
    info = mro[0][1] if mro else None
    # bases the summary could not name (``make_base()``, ``Manager.from_queryset(QuerySet)``):
    # the class they make is known only at run time, so the method may come from one
    computed = [f"`{text}`" + ("" if d == canonical else f" (a base of `{d.dotted}`)")
                for d, each in mro for text in each.computed_bases]
    unseen = []
    if external:
        unseen.append(f"bases outside the repository were not inspected: {', '.join(external)}")
    if computed:
        unseen.append(f"{', '.join(computed)} is a base computed at run time: its methods cannot be seen"
                      if len(computed) == 1 else
                      f"{', '.join(computed)} are bases computed at run time: their methods cannot be seen")
    bases = "".join(f"; {clause}" for clause in unseen) or \
        (f"; searched {', '.join(d.dotted for d, _ in mro)}" if len(mro) > 1 else "")
    findings: list[Finding] = []
    for method in concept.interface:
        if method in members:
            continue
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
    Valid(
        files={"app/__init__.py": "",
               "app/core.py": "import sys\nclass Manager:\n    if sys.version_info >= (3, 11):\n"
                              "        async def connect(self, *, timeout=None):\n            pass\n"
                              "    else:\n        async def connect(self):\n            pass\n"
                              "    try:\n        import zlib\n    except ImportError:\n"
                              "        def send(self, data):\n            pass\n    else:\n"
                              "        def send(self, data, compress=True):\n            pass\n"
                              "    def close(self):\n        pass\n"},
        config=_CONFIG,
        note="methods defined in the branches of an `if` or `try` in the class body count",
    ),
    Valid(
        files={"app/__init__.py": "",
               "app/core.py": "class Manager:\n    def __init__(self, hub):\n        self.connect = hub.connect\n"
                              "        self.send: object = hub.send\n    def close(self):\n        pass\n"},
        config=_CONFIG,
        note="attributes `__init__` sets on the instance count",
    ),
    Invalid(
        files={"app/__init__.py": "",
               "app/core.py": "\nclass Manager:\n    def connect(self):\n        pass\n"},
        config=_CONFIG,
        expect=(("SSOT005", "app/core.py", 2), ("SSOT005", "app/core.py", 2)),
        note="two required methods missing",
    ),
    Invalid(
        files={"app/__init__.py": "",
               "app/core.py": "from typing import TYPE_CHECKING\nclass Manager:\n"
                              "    def connect(self):\n        pass\n    def close(self):\n        pass\n"
                              "    if TYPE_CHECKING:\n        def send(self, data):\n            pass\n"},
        config=_CONFIG,
        expect=(("SSOT005", "app/core.py", 2),),
        note="a method declared only for type checkers is not there at run time",
    ),
)
