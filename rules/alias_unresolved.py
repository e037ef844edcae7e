"""SSOT001 alias-unresolved: a declared import path no longer leads anywhere.

The canonical path and every alias of a concept must resolve, statically, to a
definition inside the repository. A module that was moved or deleted, or a name that was
dropped from a re-exporting module, breaks every ``import`` of that path; this rule says
so before the pull request merges, pointing at the import that broke when there is one.
"""

from __future__ import annotations

import sys

from rules.config import Concept
from rules.context import Context, Outcome, finding, target_location
from rules.examples import Invalid, Valid
from rules.model import Finding, Severity

CODE = "SSOT001"
SLUG = "alias-unresolved"
SEVERITY = Severity.ERROR
MESSAGE = "`{path}` does not resolve: {reason}. {fix}"

FIX_CANONICAL = "Restore the definition, or point `canonical` at where it lives now."
FIX_ALIAS = "Restore the re-export, or remove the alias from the config if the path is retired."


def evaluate(ctx: Context, concept: Concept) -> Outcome:
    findings: list[Finding] = []
    for path in concept.paths:
        res = ctx.resolve(path)
        if res.definitions:
            continue
        target = res.candidates[0] if res.candidates else None
        reason = ctx.unresolved_reason(res)
        if res.status == "external":
            reason = f"it leads to `{res.reason}`, outside the repository's roots {list(ctx.index.roots)}"
        declared = ctx.config_location(path)
        location = (target_location(target) if target else None) or declared
        fix = FIX_CANONICAL if path == concept.canonical else FIX_ALIAS
        findings.append(finding(
            sys.modules[__name__], concept, path,
            MESSAGE.format(path=path, reason=reason, fix=fix), location,
            chain=res.chain, related=(declared,) if location != declared else (),
        ))
    n = len(concept.paths)
    return Outcome(tuple(findings), expected=f"{n} path{'s' if n > 1 else ''} resolve{'' if n > 1 else 's'}",
                   actual=f"{n - len(findings)} resolve{'' if n - len(findings) != 1 else 's'}")


_CONFIG = """
[[concept]]
name = "Manager"
canonical = "app.core.Manager"
aliases = ["app.compat.Manager", "app.legacy.Manager"]
"""

EXAMPLES = (
    Valid(
        files={
            "app/__init__.py": "",
            "app/core.py": "class Manager:\n    pass\n",
            "app/compat.py": "from app.core import Manager\n",
            "app/legacy.py": "from .compat import Manager as Manager\n",
        },
        config=_CONFIG,
        note="every path re-exports the canonical class",
    ),
    Valid(
        files={
            "src/app/__init__.py": "",
            "src/app/core.py": "class Manager:\n    pass\n",
            "src/app/compat.py": "from . import core\nManager = core.Manager\n",
            "src/app/legacy.py": "try:\n    from fastlib import Manager\nexcept ImportError:\n"
                                 "    from app.core import Manager\n",
        },
        config=_CONFIG,
        note="src layout, attribute alias, an optional external speed-up with an in-repo fallback",
    ),
    Invalid(
        files={
            "app/__init__.py": "",
            "app/core.py": "class Manager:\n    pass\n",
            "app/compat.py": "from app.core import Manager\n",
            "app/legacy.py": "\nfrom app.old_core import Manager\n",
        },
        config=_CONFIG,
        expect=(("SSOT001", "app/legacy.py", 2),),
        note="the alias imports from a module that was deleted",
    ),
    Invalid(
        files={
            "app/__init__.py": "",
            "app/core.py": "class Manager:\n    pass\n",
            "app/compat.py": "from app.core import Manager\n",
        },
        config=_CONFIG,
        expect=(("SSOT001", ".github/ssot.toml", 5),),
        note="the alias module itself is gone: reported where the config declares it",
    ),
    Invalid(
        files={
            "app/__init__.py": "",
            "app/core.py": "class ManagerImpl:\n    pass\n",
            "app/compat.py": "from app.core import Manager\n",
            "app/legacy.py": "from app.core import Manager\n",
        },
        config=_CONFIG,
        expect=(("SSOT001", ".github/ssot.toml", 4), ("SSOT001", "app/compat.py", 1),
                ("SSOT001", "app/legacy.py", 1)),
        note="the canonical class was renamed: every path breaks",
    ),
)
