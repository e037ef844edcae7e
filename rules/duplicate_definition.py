"""SSOT003 duplicate-definition: a class named like the concept, outside the canonical.

Once a concept is consolidated, no module but the canonical one may define a class under
any of its names (by default the last segment of the canonical path and of every alias;
set ``names`` to choose). A subclass named ``WebSocketManager`` in a new module is how the
drift usually starts again. Tolerate a path with the concept's ``allow`` globs.
"""

from __future__ import annotations

import sys

from rules.config import Concept
from rules.context import Context, Outcome, definition_location, finding
from rules.examples import Invalid, Valid
from rules.globs import matches
from rules.model import Finding, Location, Severity

CODE = "SSOT003"
SLUG = "duplicate-definition"
SEVERITY = Severity.ERROR
MESSAGE = ("class `{qualname}` in `{module}` is a second definition of concept `{concept}` "
           "(canonical: `{canonical}`, {where}); import it from `{preferred}` instead, "
           "or list this path under the concept's `allow`")


def evaluate(ctx: Context, concept: Concept) -> Outcome:
    rule = sys.modules[__name__]
    canonical = ctx.canonical(concept)
    if canonical is None:
        return Outcome((), expected="one definition", actual="(canonical unresolved)",
                       skipped="the canonical path does not resolve to one class")
    findings: list[Finding] = []
    for name in sorted(concept.class_names):
        for path, cls in ctx.index.classes_named(name):
            if path == canonical.path and cls.line == canonical.line:
                continue
            if matches(path, concept.allow):
                continue
            module = ctx.module_of(path)
            source = concept.preferred or concept.canonical
            if source.rpartition(".")[0] == module:  # the preferred path is this very module's: import the canonical
                source = concept.canonical
            findings.append(finding(rule, concept, f"{module}.{cls.qualname}", MESSAGE.format(
                qualname=cls.qualname, module=module, concept=concept.name, canonical=canonical.dotted,
                where=f"{canonical.path}:{canonical.line}", preferred=source),
                Location(path, cls.line, cls.col, cls.end_line), related=(definition_location(canonical),)))
    count = 1 + len(findings)
    return Outcome(tuple(findings), expected="1 definition", actual=f"{count} definition{'s' if count > 1 else ''}")


_CONFIG = """
[[concept]]
name = "WebSocketManager"
canonical = "app.ws.unified.UnifiedWebSocketManager"
aliases = ["app.ws.manager.WebSocketManager"]
"""
_BASE = {
    "app/__init__.py": "",
    "app/ws/__init__.py": "",
    "app/ws/unified.py": "class UnifiedWebSocketManager:\n    def send(self):\n        pass\n",
    "app/ws/manager.py": "from .unified import UnifiedWebSocketManager as WebSocketManager\n",
}

EXAMPLES = (
    Valid(files=_BASE, config=_CONFIG),
    Valid(
        files={**_BASE, "tests/test_ws.py": "class WebSocketManager:\n    pass\n",
               "app/legacy/shim.py": "class WebSocketManager:\n    pass\n"},
        config=_CONFIG + 'allow = ["app/legacy/**"]\n',
        note="tests are excluded by default; an allowed path is tolerated",
    ),
    Invalid(
        files={**_BASE, "app/chat/handler.py": "from app.ws.manager import WebSocketManager as Base\n\n"
                                                 "class WebSocketManager(Base):\n    pass\n"},
        config=_CONFIG,
        expect=(("SSOT003", "app/chat/handler.py", 3),),
        note="a subclass under the concept's name in a new module",
    ),
    Invalid(
        files={**_BASE, "app/util.py": "def make():\n    class UnifiedWebSocketManager:\n        pass\n"
                                       "    return UnifiedWebSocketManager\n"},
        config=_CONFIG,
        expect=(("SSOT003", "app/util.py", 2),),
        note="even a class inside a function is a second implementation",
    ),
    Valid(
        files={**_BASE, "app/util.py": "class WebSocketManager:  # ssot: ignore[SSOT003]\n    pass\n"},
        config=_CONFIG,
        note="a suppression comment on the reported line",
    ),
)
