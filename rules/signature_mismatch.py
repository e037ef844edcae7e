"""SSOT004 signature-mismatch: definitions under the concept's names disagree on ``__init__``.

Callers construct the concept through any of its paths. When an alias or a branch of a
conditional import reaches a class whose constructor takes different parameters (names,
kinds, which have defaults) from the canonical one, code that works through one path
breaks through another. The ``__init__`` compared is the one the class uses: its own or
the first one found in its in-repository bases; a class that may get it from a base
outside the repository, or computed at run time, is not compared. Of one defined in the
branches of an ``if`` or ``try`` in the class body, the first branch's is compared (the
newer Python's, in ``if sys.version_info >= ...``).
"""

from __future__ import annotations

import sys

from rules.config import Concept
from rules.context import Context, Outcome, definition_location, finding, render_signature
from rules.examples import Invalid, Valid
from rules.model import Definition, Finding, Location, Severity

CODE = "SSOT004"
SLUG = "signature-mismatch"
SEVERITY = Severity.ERROR
MESSAGE = ("`{other}` (reached through `{path}`) takes `__init__{theirs}`, "
           "but the canonical `{canonical}` takes `__init__{ours}`; make them agree")


def evaluate(ctx: Context, concept: Concept) -> Outcome:
    rule = sys.modules[__name__]
    canonical = ctx.canonical(concept)
    if canonical is None:
        return Outcome((), expected="", actual="", skipped="the canonical path does not resolve to one class")
    ours, _ = ctx.init_signature(canonical)
    if ours is None and _unseen_base(ctx, canonical):
        return Outcome((), expected="", actual="", skipped=UNSEEN.format(cls=canonical.dotted))
    findings: list[Finding] = []
    seen: set[tuple[str, int]] = {(canonical.path, canonical.line)}
    for path in concept.paths:
        for d in ctx.resolve(path).definitions:
            if d.kind != "class" or (d.path, d.line) in seen:
                continue
            seen.add((d.path, d.line))
            theirs, owner = ctx.init_signature(d)
            if _normal(theirs) == _normal(ours) or (theirs is None and _unseen_base(ctx, d)):
                continue
            line = _init_line(ctx, owner) if owner == d else d.line
            findings.append(finding(rule, concept, d.dotted, MESSAGE.format(
                other=d.dotted, path=path, theirs=render_signature(theirs), canonical=canonical.dotted,
                ours=render_signature(ours)), Location(d.path, line, 1),
                related=(definition_location(canonical),)))
    return Outcome(tuple(findings), expected=f"__init__{render_signature(ours)}",
                   actual="same" if not findings else f"{len(findings)} differ")


#: the canonical class's __init__ is not in the repository's source
UNSEEN = "`{cls}` gets `__init__` from a base outside the repository or computed at run time"


def _unseen_base(ctx: Context, d: Definition) -> bool:
    """Whether a class without an ``__init__`` of its own or of an in-repository base may get
    one from a base ssot cannot read (outside the repository, or computed at run time):
    its signature is unknown, not ``object.__init__``'s."""
    order, external = ctx.mro(d)
    return any(base not in _NO_INIT for base in external) or any(info.computed_bases for _, info in order)


#: bases outside the repository known to bring no ``__init__`` of their own
_NO_INIT = frozenset({"abc.ABC", "typing.Generic", "typing.Protocol", "typing_extensions.Generic",
                      "typing_extensions.Protocol", "builtins.object"})


def _normal(params):  # type: ignore[no-untyped-def]
    return tuple((p.name, p.kind, p.has_default) for p in params) if params is not None else None


def _init_line(ctx: Context, d: Definition | None) -> int:
    info = ctx.class_info(d) if d else None
    return info.init_line if info and info.init_line else (d.line if d else 1)


_CONFIG = """
[[concept]]
name = "Manager"
canonical = "app.core.Manager"
aliases = ["app.compat.Manager"]
"""

#: a fallback class behind a conditional import (an allowed second definition), beside ``core``
_COMPAT = "try:\n    from .core import Manager\nexcept ImportError:\n    from .fallback import Manager{ignore}\n"
_ALLOWED = _CONFIG + 'allow = ["app/fallback.py"]\n'


def _repo(core: str, fallback: str, *, ignored: bool = True, base: str = "") -> dict[str, str]:
    """``app/core.py`` with the canonical class (and ``app/base.py``, when given), and
    ``app/fallback.py`` with another reached through ``app/compat.py``'s ``except
    ImportError`` (SSOT002 silenced there, or not)."""
    return {"app/__init__.py": "", "app/core.py": core, "app/fallback.py": fallback,
            "app/compat.py": _COMPAT.format(ignore="  # ssot: ignore[SSOT002]" if ignored else ""),
            **({"app/base.py": base} if base else {})}


_FALLBACK = "class Manager:\n    def __init__(self, url):\n        pass\n"

EXAMPLES = (
    Valid(
        files=_repo("from .base import Base\nclass Manager(Base):\n    pass\n",
                    "class Manager:\n    def __init__(self, url, *, retries=5):\n        pass\n",
                    base="class Base:\n    def __init__(self, url, *, retries=3):\n        pass\n"),
        config=_ALLOWED,
        note="the inherited __init__ is compared; default values may differ",
    ),
    Valid(
        files=_repo("import sys\nclass Manager:\n    if sys.version_info >= (3, 11):\n"
                    "        def __init__(self, url, *, retries=3):\n            pass\n"
                    "    else:\n        def __init__(self, url):\n            pass\n",
                    "class Manager:\n    def __init__(self, url, *, retries=5):\n        pass\n"),
        config=_ALLOWED,
        note="an __init__ defined in the branches of an `if` in the class body: the first branch's is compared",
    ),
    Valid(
        files=_repo("from aiohttp.web import Application\nclass Manager(Application):\n    pass\n", _FALLBACK),
        config=_ALLOWED,
        note="the canonical class gets __init__ from a base outside the repository: not compared",
    ),
    Invalid(
        files=_repo("from abc import ABC\nfrom typing import Generic, TypeVar\nT = TypeVar('T')\n"
                    "class Manager(ABC, Generic[T]):\n    pass\n", _FALLBACK),
        config=_ALLOWED,
        expect=(("SSOT004", "app/fallback.py", 2),),
        note="ABC, Generic and Protocol bring no __init__: the canonical's is object's, and is compared",
    ),
    Invalid(
        files=_repo("class Manager:\n    def __init__(self, url, *, retries=3):\n        pass\n",
                    "class Manager:\n    def __init__(self, url, timeout):\n        pass\n", ignored=False),
        config=_ALLOWED,
        expect=(("SSOT004", "app/fallback.py", 2),),
        note="a conditional alternative with another constructor",
    ),
)
