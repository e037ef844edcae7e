"""The values the core produces: findings, concept results, the report.

Everything here is frozen. The shell (``bot``) renders these; it never builds them by hand
except through :func:`rules.engine.analyze`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from operator import attrgetter

#: the symbol of the notice a rule that stopped leaves (``crash:ExceptionType``)
CRASHED = "crash:"


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"


def _by_constructor(value: Location | Finding) -> tuple[type, tuple[object, ...]]:
    """Pickled as a constructor call of every field: reports are cached, and a frozen slotted
    dataclass's default (a Python-level ``__setstate__``) is the slow part of reading one.
    The fields are read by one ``attrgetter`` call (a loop over the slots was half the time
    of writing a report)."""
    cls = type(value)
    return (cls, _FIELDS[cls](value))


@dataclass(frozen=True, slots=True)
class Location:
    path: str
    line: int = 1
    column: int = 1
    end_line: int | None = None

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return _by_constructor(self)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem. Its identity is (code, concept, symbol), never its line."""

    code: str
    rule: str
    severity: Severity
    concept: str | None
    symbol: str
    message: str
    location: Location
    chain: tuple[str, ...] = ()
    related: tuple[Location, ...] = ()
    #: True when the change introduced it; None when there was no base to compare with.
    new: bool | None = None

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return _by_constructor(self)

    @property
    def key(self) -> tuple[str, str | None, str]:
        return (self.code, self.concept, self.symbol)

    @property
    def path(self) -> str:
        return self.location.path

    @property
    def line(self) -> int:
        return self.location.line

    def marked(self, new: bool | None) -> Finding:
        # every field but ``new`` as it is (``dataclasses.replace`` costs twice as much: a
        # base's thousands of findings are marked on every pull request)
        return Finding(self.code, self.rule, self.severity, self.concept, self.symbol, self.message, self.location,
                       self.chain, self.related, new)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.location.path, self.location.line, self.location.column, self.code, self.symbol)


#: the fields of each class pickled by constructor (two or more: ``attrgetter`` gives a tuple)
_FIELDS = {cls: attrgetter(*cls.__slots__) for cls in (Location, Finding)}


@dataclass(frozen=True, slots=True)
class Definition:
    """Where a name finally lands: a class, function, module or plain value."""

    path: str
    line: int
    qualname: str
    kind: str  # "class" | "function" | "module" | "value"
    module: str

    @property
    def dotted(self) -> str:
        if self.kind == "module":
            return self.module
        return f"{self.module}.{self.qualname}"


@dataclass(frozen=True, slots=True)
class Check:
    """One row of a concept's table: what was checked, what was expected and found."""

    code: str
    status: str  # "pass" | "fail"
    detail: str
    expected: str = ""
    actual: str = ""


@dataclass(frozen=True, slots=True)
class ConceptResult:
    name: str
    status: str  # "pass" | "fail"
    issue: int | None
    close_issue: bool
    canonical: Definition | None
    checks: tuple[Check, ...]
    #: resolution chains of the canonical path and every alias, for people and for graphs
    chains: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: the canonical path as configured (``canonical`` is where it resolves, if it does)
    canonical_path: str = ""


@dataclass(frozen=True, slots=True)
class Summary:
    files: int = 0
    parsed: int = 0
    cached: int = 0
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Report:
    rev: str | None
    base: str | None
    concepts: tuple[ConceptResult, ...]
    findings: tuple[Finding, ...]
    summary: Summary = field(default_factory=Summary)
    #: findings the base had and the head no longer has (only with a base)
    fixed: tuple[Finding, ...] = ()
    #: whether the verdict counts only new errors ("new") or every error ("any")
    fail_on: str = "any"
    config_path: str | None = None

    @property
    def failing(self) -> tuple[Finding, ...]:
        """The findings that make the run fail."""
        errors = [f for f in self.findings if f.severity is Severity.ERROR]
        if self.base is not None and self.fail_on == "new":
            errors = [f for f in errors if f.new]
        return tuple(errors)

    @property
    def failed(self) -> bool:
        return bool(self.failing)

    @property
    def config_broken(self) -> bool:
        return any(f.code == "SSOT010" for f in self.findings)

    @property
    def stopped(self) -> tuple[Finding, ...]:
        """The notices of rules that stopped (on this revision, or on the base it was
        compared with): their results are missing, so the verdict is incomplete."""
        return tuple(f for f in self.findings if f.symbol.startswith(CRASHED))

    @property
    def incomplete(self) -> bool:
        return bool(self.stopped)
