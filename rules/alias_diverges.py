"""SSOT002 alias-diverges: an alias resolves, but to a different definition.

Every alias of a concept must be the canonical class itself (``A is B`` at runtime). An
alias module that grew its own class, a re-export that points at an old copy, or an
``if``/``try`` branch that defines a fallback class all make one import path name a
second implementation. Reported where the alias's module binds the other definition.
"""

from __future__ import annotations

import sys

from rules.config import Concept
from rules.context import Context, Outcome, definition_location, finding, target_location
from rules.examples import Invalid, Valid
from rules.model import Finding, Severity

CODE = "SSOT002"
SLUG = "alias-diverges"
SEVERITY = Severity.ERROR
MESSAGE = ("`{alias}` resolves to `{actual}`, not the canonical `{canonical}`; "
           "re-export it: `from {module} import {name}{asname}`")
MESSAGE_CANONICAL = ("the canonical path `{canonical}` has {n} alternatives ({actual}); "
                     "make it one definition")


def evaluate(ctx: Context, concept: Concept) -> Outcome:
    rule = sys.modules[__name__]
    res = ctx.resolve(concept.canonical)
    findings: list[Finding] = []
    if len(res.definitions) > 1:
        targets = [t for t in res.candidates if t.definition is not None]
        findings.append(finding(rule, concept, concept.canonical, MESSAGE_CANONICAL.format(
            canonical=concept.canonical, n=len(res.definitions),
            actual=", ".join(f"`{d.dotted}` line {d.line}" for d in res.definitions)),
            target_location(targets[1], outermost=True) or definition_location(res.definitions[1]),
            chain=targets[1].chain,
            related=tuple(definition_location(d) for d in res.definitions[:1])))
    canonical = ctx.canonical(concept)
    if canonical is None:
        return Outcome(tuple(findings), expected=concept.canonical, actual="(canonical unresolved)",
                       skipped="" if findings else "the canonical path does not resolve to one class")
    module, name = canonical.module, canonical.qualname
    diverging = 0
    for alias in concept.aliases:
        alias_res = ctx.resolve(alias)
        for target in alias_res.candidates:
            d = target.definition
            if d is None or (d.path, d.line, d.qualname) == (canonical.path, canonical.line, canonical.qualname):
                continue
            diverging += 1
            alias_name = alias.rsplit(".", 1)[-1]
            findings.append(finding(rule, concept, alias, MESSAGE.format(
                alias=alias, actual=f"{d.dotted} ({d.kind}, line {d.line})", canonical=canonical.dotted,
                module=module, name=name, asname=f" as {alias_name}" if alias_name != name else ""),
                target_location(target, outermost=True) or definition_location(d), chain=target.chain,
                related=(definition_location(canonical),)))
            break
    return Outcome(tuple(findings), expected=f"every alias is {canonical.dotted}",
                   actual=f"{len(concept.aliases) - diverging} of {len(concept.aliases)} aliases")


_CONFIG = """
[[concept]]
name = "Manager"
canonical = "app.core.UnifiedManager"
aliases = ["app.compat.Manager"]
"""

EXAMPLES = (
    Valid(
        files={"app/__init__.py": "", "app/core.py": "class UnifiedManager:\n    pass\n",
               "app/compat.py": "from .core import UnifiedManager as Manager\n"},
        config=_CONFIG,
    ),
    Valid(
        files={"app/__init__.py": "from .core import *\n", "app/core.py": "__all__ = ['UnifiedManager']\n"
                                                                          "class UnifiedManager:\n    pass\n",
               "app/compat.py": "import app as _app\nManager = _app.UnifiedManager\n"},
        config=_CONFIG,
        note="star re-export in the package, module alias and attribute access",
    ),
    Invalid(
        files={"app/__init__.py": "", "app/core.py": "class UnifiedManager:\n    pass\n",
               "app/compat.py": "from .core import UnifiedManager\n\nclass Manager(UnifiedManager):\n    pass\n"},
        config=_CONFIG,
        expect=(("SSOT002", "app/compat.py", 3),),
        note="the alias module grew a subclass of its own",
    ),
    Invalid(
        files={"app/__init__.py": "", "app/core.py": "class UnifiedManager:\n    pass\n",
               "app/old.py": "class Manager:\n    pass\n",
               "app/compat.py": "try:\n    from .core import UnifiedManager as Manager\nexcept ImportError:\n"
                                "    from .old import Manager\n"},
        config=_CONFIG,
        expect=(("SSOT002", "app/compat.py", 4),),
        note="a fallback branch leads to an old copy",
    ),
)
