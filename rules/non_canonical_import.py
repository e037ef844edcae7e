"""SSOT007 non-canonical-import: code imports the concept from a path other than ``preferred``.

When a concept names a ``preferred`` import path, new code should use it, so that the
other aliases can be retired one day. Every ``from m import Name`` whose target is the
canonical class, written anywhere but in the modules that define the concept's paths, is
reported with the import to write instead. A warning: it does not fail a check.

Not reported: an import in a module that importing the preferred path's module imports,
directly or through other modules (a package's ``__init__`` that re-exports the class from
the modules it imports, as ``pytest`` or ``django.template`` do). Importing from the
preferred path there would be circular: the module would ask for a name of a module still
running its own imports, and fail.
"""

from __future__ import annotations

import sys

from rules.config import Concept
from rules.context import Context, Outcome, finding
from rules.examples import Invalid, Valid
from rules.model import Finding, Location, Severity

CODE = "SSOT007"
SLUG = "non-canonical-import"
SEVERITY = Severity.WARNING
MESSAGE = "`{module}` imports `{name}` from `{source}`; import it from the preferred path: `{fix}`"


def evaluate(ctx: Context, concept: Concept) -> Outcome:
    rule = sys.modules[__name__]
    canonical = ctx.canonical(concept)
    if not concept.preferred or canonical is None:
        return Outcome((), expected="", actual="", skipped="no `preferred` path configured"
                       if not concept.preferred else "the canonical path does not resolve to one class")
    # the modules that declare the concept's paths may import from anywhere
    definers = {p.rpartition(".")[0] for p in concept.paths}
    names = concept.class_names | {p.rsplit(".", 1)[-1] for p in concept.paths}
    pref_module, _, pref_name = concept.preferred.rpartition(".")
    findings: list[Finding] = []
    circular: set[str] | None = None  # what importing the preferred module imports (asked once, if at all)
    for path, module, imp, source in ctx.imports_of(names):
        if module in definers or f"{source}.{imp.name}" == concept.preferred:
            continue
        if circular is None:
            circular = _imported_by(ctx, pref_module)
        if module in circular:
            continue
        defs = ctx.resolve(f"{source}.{imp.name}").definitions
        if len(defs) != 1 or (defs[0].path, defs[0].line) != (canonical.path, canonical.line):
            continue
        local = imp.asname or imp.name
        fix = f"from {pref_module} import {pref_name}" + (f" as {local}" if local != pref_name else "")
        findings.append(finding(rule, concept, f"{module}:{source}.{imp.name}", MESSAGE.format(
            module=module, name=imp.name, source=source, fix=fix), Location(path, imp.line, imp.col)))
    return Outcome(tuple(findings), expected=concept.preferred, actual=f"{len(findings)} other imports")


def _imported_by(ctx: Context, module: str) -> set[str]:
    """The modules importing ``module`` imports, directly or through others: every import
    statement a file holds counts (those in its functions too, which only widens what is
    left alone), and ``import a.b.c`` imports ``a`` and ``a.b`` first; ``from m import
    name`` also imports ``m.name`` when that is a submodule. Only the modules reached are
    read: a few dozen for a package's ``__init__`` that re-exports its classes."""
    modules, absolute = ctx.index.modules, ctx.index.absolute
    seen = {module}
    todo = [module]
    while todo:
        current = todo.pop()
        entry = modules.get(current)
        for imp in entry.summary.imports if entry is not None and entry.summary is not None else ():
            source = absolute(current, imp.module, imp.level)
            if source is None:
                continue
            parts = source.split(".")
            reached = [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
            if imp.name:
                reached.append(f"{source}.{imp.name}")
            for name in reached:
                if name not in seen and name in modules:
                    seen.add(name)
                    todo.append(name)
    return seen


_CONFIG = """
[[concept]]
name = "Manager"
canonical = "app.core.UnifiedManager"
aliases = ["app.manager.Manager"]
preferred = "app.manager.Manager"
"""
_BASE = {"app/__init__.py": "", "app/core.py": "class UnifiedManager:\n    pass\n",
         "app/manager.py": "from .core import UnifiedManager as Manager\n"}

EXAMPLES = (
    Valid(files={**_BASE, "app/chat.py": "from app.manager import Manager\n",
                 "app/other.py": "from app.lib import UnifiedManager\n",
                 "app/lib.py": "class UnifiedManager:  # ssot: ignore\n    pass\n"},
          config=_CONFIG, note="the preferred path, and an unrelated class of the same name"),
    Invalid(files={**_BASE, "app/chat.py": "import os\nfrom app.core import UnifiedManager\n",
                   "app/jobs.py": "def run():\n    from .core import UnifiedManager as M\n",
                   "app/worker.py": "class Worker:\n    def start(self):\n        def later():\n"
                                    "            from app.core import UnifiedManager\n"},
            config=_CONFIG, expect=(("SSOT007", "app/chat.py", 2), ("SSOT007", "app/jobs.py", 2),
                                    ("SSOT007", "app/worker.py", 4)),
            note="the canonical module directly, also inside a function, or a function in a method"),
    Valid(files={"app/__init__.py": "from app.user import use\nfrom app.core import UnifiedManager as Manager\n",
                 "app/core.py": "class UnifiedManager:\n    pass\n",
                 "app/user.py": "from app.core import UnifiedManager\n\n\ndef use():\n    return UnifiedManager()\n"},
          config=_CONFIG.replace("app.manager.Manager", "app.Manager"),
          note="the preferred path's package imports this module: `from app import Manager` here would be circular"),
)
