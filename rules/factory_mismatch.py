"""SSOT006 factory-mismatch: the concept's factory is missing or builds another class.

When a concept names a ``factory`` (``get_websocket_manager``), it must be a function in
the repository whose return values are instances of the canonical class. What it returns
is read statically: ``return Canonical(...)``, a name assigned ``Canonical(...)`` in the
function or at module level (the singleton pattern), a call to another factory, imports
inside the function, and the return annotation. A generator's ``yield`` counts as a
``return`` (a pytest fixture provides what it yields), and ``Generator[X, ...]`` or
``Iterator[X]`` annotates it with ``X``. When none of these tell, annotate the factory's
return type.
"""

from __future__ import annotations

import sys

from rules.config import Concept
from rules.context import Context, Outcome, definition_location, finding
from rules.examples import Invalid, Valid
from rules.model import Definition, Location, Severity
from rules.resolver import Target

CODE = "SSOT006"
SLUG = "factory-mismatch"
SEVERITY = Severity.ERROR
MESSAGE_MISSING = "the factory `{factory}` does not resolve to a function: {reason}"
MESSAGE_UNKNOWN = ("cannot tell what the factory `{factory}` returns; annotate it: "
                   "`def {name}(...) -> {canonical_name}:`")
MESSAGE_WRONG = "the factory `{factory}` returns `{actual}`, not the canonical `{canonical}`"


def evaluate(ctx: Context, concept: Concept) -> Outcome:
    rule = sys.modules[__name__]
    if not concept.factory:
        return Outcome((), expected="", actual="", skipped="no `factory` configured")
    canonical = ctx.canonical(concept)
    if canonical is None:
        return Outcome((), expected="", actual="", skipped="the canonical path does not resolve to one class")
    res = ctx.resolve(concept.factory)
    functions = [d for d in res.definitions if d.kind == "function"]
    if not functions:
        if res.reason or not res.definitions:
            reason = ctx.unresolved_reason(res)
        else:
            reason = f"it is a {res.definitions[0].kind}"
        location = ctx.config_location(concept.factory)
        return Outcome((finding(rule, concept, concept.factory, MESSAGE_MISSING.format(
            factory=concept.factory, reason=reason), location, chain=res.chain),),
            expected=canonical.dotted, actual="(no factory)")
    d = functions[0]
    classes = returned_classes(ctx, d, depth=0)
    location = Location(d.path, d.line, 1)
    if not classes:
        message = MESSAGE_UNKNOWN.format(factory=concept.factory, name=d.qualname, canonical_name=canonical.qualname)
        return Outcome((finding(rule, concept, concept.factory, message, location,
                                related=(definition_location(canonical),)),),
                       expected=canonical.dotted, actual="(unknown)")
    wrong = [c for c in classes if (c.path, c.line) != (canonical.path, canonical.line)]
    actual = ", ".join(c.dotted for c in classes)
    if wrong:
        return Outcome((finding(rule, concept, concept.factory, MESSAGE_WRONG.format(
            factory=concept.factory, actual=", ".join(c.dotted for c in wrong), canonical=canonical.dotted),
            location, related=(definition_location(canonical),)),), expected=canonical.dotted, actual=actual)
    return Outcome((), expected=canonical.dotted, actual=actual)


def returned_classes(ctx: Context, d: Definition, depth: int) -> list[Definition]:
    """The classes whose instances (or which) a function returns, as far as can be read."""
    fn = ctx.function(d)
    if fn is None or depth > 3:
        return []
    local_imports = {local: (module, level, name) for local, module, level, name in fn.local_imports}
    assigns = dict(fn.assigns)
    out: list[Definition] = []
    exprs = [(kind, value) for kind, value in fn.returns]
    if fn.annotation:
        exprs.append(("name", fn.annotation))
    for kind, value in exprs:
        if kind == "name" and value in assigns:
            kind, value = "call", assigns[value]
        for target in _resolve_local(ctx, d.module, value, local_imports):
            t = target.definition
            if t is None:
                continue
            if t.kind == "class":
                out.append(t)
            elif t.kind == "function" and kind == "call":
                out.extend(returned_classes(ctx, t, depth + 1))
            elif t.kind == "value" and kind == "name":
                out.extend(_value_class(ctx, t))
    unique: dict[tuple[str, int], Definition] = {}
    for c in out:
        unique.setdefault((c.path, c.line), c)
    return list(unique.values())


def _resolve_local(ctx: Context, module: str, dotted: str,
                   local_imports: dict[str, tuple[str, int, str]]) -> list[Target]:
    root, _, rest = dotted.partition(".")
    if root in local_imports:
        source, level, name = local_imports[root]
        absolute = ctx.index.absolute(module, source, level)
        if absolute is None:
            return []
        base = f"{absolute}.{name}" if name else absolute
        return ctx.resolver.resolve_targets(f"{base}.{rest}" if rest else base)
    return ctx.resolve_in(module, dotted)


def _value_class(ctx: Context, value: Definition) -> list[Definition]:
    """A module-level ``_instance = Cls(...)``: the class it holds an instance of."""
    summary = ctx.index.files.get(value.path)
    if summary is None:
        return []
    for b in summary.bindings:
        if b.kind == "value" and b.line == value.line and b.text == value.qualname and b.name:
            return [t.definition for t in ctx.resolve_in(value.module, b.name)
                    if t.definition is not None and t.definition.kind == "class"]
    return []


_CONFIG = """
[[concept]]
name = "Manager"
canonical = "app.core.Manager"
factory = "app.factory.get_manager"
"""
_CORE = {"app/__init__.py": "", "app/core.py": "class Manager:\n    pass\n",
         "app/old.py": "class OldManager:\n    pass\n"}

EXAMPLES = (
    Valid(files={**_CORE, "app/factory.py": "from .core import Manager\n\ndef get_manager():\n    return Manager()\n"},
          config=_CONFIG),
    Valid(files={**_CORE, "app/factory.py": "_instance = None\n\ndef get_manager():\n    global _instance\n"
                                             "    from app.core import Manager\n    if _instance is None:\n"
                                             "        _instance = Manager()\n    return _instance\n"},
          config=_CONFIG, note="a lazy singleton with an import inside the function"),
    Valid(files={**_CORE, "app/factory.py": "from typing import Any\n\ndef get_manager() -> 'Manager':\n"
                                             "    return _build()\n\nfrom .core import Manager\n"},
          config=_CONFIG, note="the return annotation tells"),
    Valid(files={**_CORE, "app/factory.py": "from collections.abc import Iterator\nfrom .core import Manager\n\n"
                                             "def get_manager() -> Iterator[Manager]:\n    manager = Manager()\n"
                                             "    yield manager\n    manager.close()\n"},
          config=_CONFIG, note="a generator (a pytest fixture) provides what it yields, and says so in Iterator[...]"),
    Invalid(files={**_CORE, "app/factory.py": "from .old import OldManager\n\ndef get_manager():\n"
                                              "    yield OldManager()\n"},
            config=_CONFIG, expect=(("SSOT006", "app/factory.py", 3),), note="a generator yielding the old class"),
    Invalid(files={**_CORE, "app/factory.py": "from .old import OldManager\n\ndef get_manager():\n"
                                              "    return OldManager()\n"},
            config=_CONFIG, expect=(("SSOT006", "app/factory.py", 3),), note="builds the old class"),
    Invalid(files=_CORE, config=_CONFIG, expect=(("SSOT006", ".github/ssot.toml", 5),), note="the factory is gone"),
    Invalid(files={**_CORE, "app/factory.py": "def get_manager():\n    return REGISTRY['manager']\n"},
            config=_CONFIG, expect=(("SSOT006", "app/factory.py", 1),), note="nothing tells what it returns"),
)
