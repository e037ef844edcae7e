"""What every rule gets: the index, the resolver, the config, and helpers they share."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import NamedTuple

from rules.config import Concept, Config, ConfigProblem
from rules.globs import matches
from rules.index import Index, root_prefix
from rules.model import CRASHED, Definition, Finding, Location, Severity
from rules.resolver import Resolution, Resolver, Target
from rules.summary import ClassInfo, DetailError, FileSummary, FunctionInfo, ImportInfo, Param

#: how many distinct fingerprints have each feature (SSOT008)
Frequency = Mapping[int, int]


class Frequencies(NamedTuple):
    """SSOT008's feature frequencies of one revision: how many distinct fingerprints have
    each feature (``table``), and how many distinct fingerprints there are (a check that a
    table made up from another revision's is this revision's)."""

    fingerprints: int
    table: Frequency


@dataclass(frozen=True)
class Prior:
    """What the analysis of another revision of the repository computed over all of it, for
    this one to reuse instead of computing again: SSOT008's feature frequencies there
    (``frequencies``); the paths where that revision's files differ from this one's
    (``changed``: none when it is this revision) and its analysed files at those paths
    (``files``), from which the difference is made up."""

    frequencies: Frequencies
    changed: frozenset[str] = frozenset()
    files: Mapping[str, FileSummary] = field(default_factory=dict)


@dataclass
class Learnt:
    """What an analysis computed over the whole revision that the next analysis of it (or of
    a revision a few files away) can reuse: the shell keeps it with the revision's report."""

    #: SSOT008's (None: not computed)
    frequencies: Frequencies | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """A concept rule's answer for one concept: findings plus the table row."""

    findings: tuple[Finding, ...]
    expected: str
    actual: str
    skipped: str = ""  # why the check could not run ("" when it ran)


@dataclass
class Context:
    index: Index
    config: Config
    config_text: str = ""
    config_problems: tuple[ConfigProblem, ...] = ()
    #: paths the change touched (None without a base): rules may narrow what they report
    changed: frozenset[str] | None = None
    #: another revision's whole-repository results, to start from (see :class:`Prior`)
    prior: Prior | None = None
    #: this revision's, for the next run
    learnt: Learnt = field(default_factory=Learnt)
    resolver: Resolver = field(init=False)
    _resolutions: dict[str, Resolution] = field(default_factory=dict, init=False)
    _outcomes: dict[tuple[str, str], Outcome] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.resolver = Resolver(self.index)

    # -- resolution -------------------------------------------------------------------

    def resolve(self, name: str) -> Resolution:
        if name not in self._resolutions:
            self._resolutions[name] = self.resolver.resolve(name)
        return self._resolutions[name]

    def canonical(self, concept: Concept) -> Definition | None:
        """The canonical class, when the canonical path resolves to exactly one class."""
        res = self.resolve(concept.canonical)
        if res.status == "resolved" and res.definition is not None and res.definition.kind == "class":
            return res.definition
        return None

    def unresolved_reason(self, res: Resolution) -> str:
        """Why a name resolves to nothing, and, where a file its module would be is left out
        by the ``exclude`` patterns (a helper in ``test_utils.py``), that too: "no module"
        alone would send a user looking for a file that is there. Under several roots each
        place the file could be is named (the index never saw which one exists)."""
        reason = res.reason or "it names nothing"
        parts = res.name.split(".")
        for i in range(len(parts) - 1, 0, -1):  # the modules that would hold the name, innermost first
            stem = "/".join(parts[:i])
            for name in (f"{stem}.py", f"{stem}/__init__.py"):
                left_out = [path for root in self.index.roots
                            if matches(path := root_prefix(root) + name, self.config.exclude)]
                if left_out:
                    where = " or ".join(f"`{path}`" for path in dict.fromkeys(left_out))
                    return f"{reason} ({where}, if it is there, is left out by the `exclude` patterns)"
        return reason

    def resolve_in(self, module: str, dotted: str) -> list[Target]:
        """What the expression ``dotted`` names at the end of ``module``."""
        return self.resolver.resolve_targets(f"{module}.{dotted}") if dotted else []

    def class_info(self, definition: Definition) -> ClassInfo | None:
        return self.resolver.class_info(definition)

    def mro(self, definition: Definition) -> tuple[list[tuple[Definition, ClassInfo]], list[str]]:
        """The class and its in-repo bases, depth first, and the bases outside the repository."""
        seen: set[tuple[str, int]] = set()
        order: list[tuple[Definition, ClassInfo]] = []
        external: list[str] = []
        # depth first, the bases in their order, without recursion (a chain of hundreds of
        # subclasses is followed to its end): a base outside the repository is said in turn
        todo: list[Definition | str] = [definition]
        while todo:
            item = todo.pop()
            if isinstance(item, str):
                if item not in external:
                    external.append(item)
                continue
            if (item.path, item.line) in seen:
                continue
            seen.add((item.path, item.line))
            info = self.class_info(item)
            if info is None:
                continue
            order.append((item, info))
            bases: list[Definition | str] = []
            for t in self.base_targets(item, info):
                if t.definition is not None and t.definition.kind == "class":
                    bases.append(t.definition)
                elif t.status == "external":
                    bases.append(t.reason)
            todo.extend(reversed(bases))
        return order, external

    def base_targets(self, definition: Definition, info: ClassInfo) -> list[Target]:
        """What the class's bases (but ``object``) name, each resolved where it is defined."""
        return [t for base in info.bases if base and base != "object" for t in self.resolve_in(definition.module, base)]

    def init_signature(self, definition: Definition) -> tuple[tuple[Param, ...] | None, Definition | None]:
        """The ``__init__`` the class uses (its own or the first in-repo base's)."""
        for d, info in self.mro(definition)[0]:
            if info.init is not None:
                return info.init, d
        return None, None

    def function(self, definition: Definition) -> FunctionInfo | None:
        summary = self.index.files.get(definition.path)
        for fn in summary.functions if summary else ():
            if fn.name == definition.qualname and fn.line == definition.line:
                return fn
        return None

    # -- locations ------------------------------------------------------------------

    def config_location(self, value: str) -> Location:
        """Where ``value`` is written in the config file (line 1 if not found)."""
        path = self.config.source or ".github/ssot.toml"
        if self.config_text:
            needle = re.compile(r"[\"']" + re.escape(value) + r"[\"']")
            for number, line in enumerate(self.config_text.splitlines(), 1):
                if needle.search(line):
                    return Location(path, number, line.find(value) + 1)
        return Location(path, 1, 1)

    def imports_of(self, names: Collection[str]) -> Iterator[tuple[str, str, ImportInfo, str]]:
        """Every ``from m import Name`` of these names, anywhere: (path, importing module,
        the import, the absolute module it imports from). Relative imports beyond the top
        package are left out."""
        for path in self.index.importing(names):
            module = self.module_of(path)
            for imp in self.index.files[path].imports:
                if imp.name in names:
                    source = self.index.absolute(module, imp.module, imp.level)
                    if source is not None:
                        yield path, module, imp, source

    def module_of(self, path: str) -> str:
        return self.index.module_of.get(path, path)

    def outcome(self, rule: ModuleType, concept: Concept) -> Outcome:
        """A concept rule's outcome, computed once and shared by the table and the findings.
        A rule that raises for one concept is a notice and a skipped row for that concept
        alone; the other concepts keep their answers."""
        key = (rule.CODE, concept.name)
        if key not in self._outcomes:
            try:
                self._outcomes[key] = rule.evaluate(self, concept)
            except Exception as exc:  # noqa: BLE001 - any bug in a rule must not sink the run
                notice = crash_notice(rule, exc, self.config, concept.name)
                self._outcomes[key] = Outcome((notice,), "-", "-",
                                              skipped=f"the rule stopped with {type(exc).__name__}: {exc}")
        return self._outcomes[key]


def crash_notice(rule: ModuleType, exc: Exception, config: Config, concept: str | None = None) -> Finding:
    """A rule stopped: a notice (on the config file: the rule's input) saying where in the
    rule, never a crashed check; or, when a file's detail could not be made from bytes read
    again (not a bug: they are no longer the ones listed), a notice on that file."""
    symbol = f"{CRASHED}{type(exc).__name__}"
    if isinstance(exc, DetailError) and exc.path is not None:
        return Finding(code=rule.CODE, rule=rule.SLUG, severity=Severity.NOTICE, concept=concept, symbol=symbol,
                       message=f"{rule.CODE} {rule.SLUG} could not finish: {exc}; its results are missing: "
                               "check again", location=Location(exc.path, 1, 1))
    import traceback  # only when a rule stopped: not on every run's start

    where = traceback.extract_tb(exc.__traceback__)[-1]
    return Finding(
        code=rule.CODE, rule=rule.SLUG, severity=Severity.NOTICE, concept=concept, symbol=symbol,
        message=(f"{rule.CODE} {rule.SLUG} stopped with {type(exc).__name__}: {exc} "
                 f"(at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}); its results are missing. "
                 "Please report this with the repository layout."),
        location=Location(config.source or ".", 1, 1),
    )


def finding(rule: ModuleType, concept: Concept | None, symbol: str, message: str, location: Location,
            *, chain: tuple[str, ...] = (), related: tuple[Location, ...] = ()) -> Finding:
    return Finding(
        code=rule.CODE, rule=rule.SLUG, severity=rule.SEVERITY,
        concept=concept.name if concept else None, symbol=symbol, message=message,
        location=location, chain=chain, related=related,
    )


def definition_location(d: Definition) -> Location:
    return Location(d.path, d.line, 1)


def target_location(t: Target, *, outermost: bool = False) -> Location | None:
    """Where to report a resolution: the innermost binding followed (where it broke) or
    the outermost one (where the looked-up name is bound)."""
    where = t.entry if outermost else t.site
    return Location(where[0], where[1], 1) if where else None


def short(dotted: str) -> str:
    """``app.ws.manager.X`` → ``manager.X``: enough for a sentence."""
    parts = dotted.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else dotted


def render_signature(params: tuple[Param, ...] | None) -> str:
    if params is None:
        return "(self)  [object.__init__]"
    out = ["self"]
    star_done = False
    for p in params:
        if p.kind == "varargs":
            out.append(f"*{p.name}")
            star_done = True
        elif p.kind == "varkw":
            out.append(f"**{p.name}")
        elif p.kind == "kwonly" and not star_done:
            out.append("*")
            star_done = True
            out.append(p.name + ("=…" if p.has_default else ""))
        else:
            out.append(p.name + ("=…" if p.has_default else ""))
        following = params[params.index(p) + 1:]
        if p.kind == "posonly" and (not following or following[0].kind != "posonly"):
            out.append("/")
    return "(" + ", ".join(out) + ")"
