"""Propose concepts for a repository that has none: the index in, TOML out.

Three kinds of evidence suggest that several definitions are one concept, strongest first:

- a cluster of structural near copies (what SSOT008 reports),
- an alias chain: a module re-exports a class under another name (``from .unified import
  UnifiedWebSocketManager as WebSocketManager``, or ``Manager = UnifiedManager``); an
  import renamed only to subclass it (``from .base import Loader as BaseLoader`` then
  ``class Loader(BaseLoader)``) is not one,
- a class name defined at module level in several modules.

Evidence that shares a class is merged into one proposal. Its canonical definition is the
most used one (most re-exports, then most importing modules, then most methods, then the
shortest path). Its ``aliases`` are only import paths that resolve to that class, so that
a pasted proposal passes SSOT001 and SSOT002 at once. Every other class of the concept's
names is a duplicate to consolidate: the evidence lists exactly the classes SSOT003 will
report. Near copies under other names are listed too (SSOT008 reports them).

Not proposed: a name given by a framework convention, most of its definitions (more than
half, two at least) the same base class or subclasses of it (a ``Command(BaseCommand)``
per management command, a ``DatabaseWrapper`` per database backend): those are plugins,
not fragmentation. Nor, on their name alone, the names of parallel class hierarchies:
each definition of the name a subclass in another hierarchy (no top base in the
repository in common), the definitions apart in their bodies, and at least ``PARALLEL``
names given by those same hierarchies (Django's form and model fields, ``CharField``,
``DateField``...; libcst's nodes and their matchers): an API kept in two forms by
design. A near copy among them is still proposed, and so is a name an alias chain gives.
Both are named at the end of the output, with their bases. Nothing here is
authoritative: the output is for a person to review.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from rules import near_duplicate_class
from rules.config import Config, is_dotted_path
from rules.context import Context
from rules.index import Index
from rules.model import Definition
from rules.summary import ClassInfo

HEADER = ("# Concepts proposed by `ssot discover`, strongest evidence first: review each one (is it\n"
          "# really one thing? is the canonical the definition to keep?), then paste the ones you\n"
          "# keep into .github/ssot.toml, or under [tool.ssot] in pyproject.toml as [[tool.ssot.concept]].\n"
          "# Once pasted, SSOT003 reports the duplicates each one lists, and SSOT008 its near copies.\n")
NOTHING = "# `ssot discover` found no concept candidates: no class name is defined in several\n" \
          "# modules, no module re-exports a class under another name, no near copies.\n"
CONVENTIONS = ("# Not proposed: names a framework convention gives to one class per plugin (most of their\n"
               "# definitions are one base class or subclasses of it): plugins, not fragmentation.\n")
PARALLELS = ("# Not proposed on their names alone: names that parallel class hierarchies each give (an\n"
             "# API kept in two forms by design, such as form and model fields); near copies among them\n"
             "# are proposed above.\n")
#: how many names two (or more) class hierarchies must share to be parallel ones
PARALLEL = 3
LISTED = near_duplicate_class.LISTED  # sites named per evidence line (the rest are counted)


@dataclass(frozen=True, slots=True)
class ClassSite:
    """A class definition: where it is and its dotted path."""

    path: str
    line: int
    dotted: str
    methods: int

    def __str__(self) -> str:
        return f"`{self.dotted}` ({self.path}:{self.line})"


@dataclass
class Proposal:
    name: str
    canonical: str
    aliases: tuple[str, ...]
    evidence: tuple[str, ...]
    #: what SSOT003 reports once the concept is declared: every other class of its names
    duplicates: tuple[ClassSite, ...] = ()
    #: near copies under other names (SSOT008 reports them)
    near_copies: tuple[ClassSite, ...] = ()
    strength: int = 2  # 0 near copies, 1 an alias chain, 2 a shared name only


@dataclass
class Discovery:
    proposals: list[Proposal]
    #: names left out as a framework convention, each with its evidence
    conventions: list[str] = field(default_factory=list)
    #: parallel hierarchies, each with the names they share (not proposed on those names alone)
    parallels: list[str] = field(default_factory=list)


@dataclass
class _Group:
    definitions: dict[str, ClassSite] = field(default_factory=dict)  # dotted -> definition
    evidence: list[str] = field(default_factory=list)
    near: set[str] = field(default_factory=set)  # dotted names of near copies
    strength: int = 2


def discover(index: Index, config: Config) -> Discovery:
    """Every proposal, strongest evidence first (then most definitions, then by name)."""
    ctx = Context(index, config)
    sites = _sites(ctx)
    reexports, chains = _aliases(ctx, {dotted.rsplit(".", 1)[-1] for dotted in sites})
    conventions = _conventions(ctx, sites)
    groups = _Groups()
    for members, similarity in _near_copies(ctx, sites):
        group = groups.of([d.dotted for d in members])
        group.definitions.update((d.dotted, d) for d in members)
        group.near.update(d.dotted for d in members)
        group.strength = 0
        group.evidence.append(f"{len(members)} classes are near copies ({near_duplicate_class.likeness(similarity)}): "
                              + _listed(members))
    same = {name: defs for name, defs in _same_names(sites).items() if name not in conventions}
    chained = {alias.rsplit(".", 1)[-1] for alias, _target, _where in chains}
    parallels = _parallels(ctx, {name: defs for name, defs in same.items() if name not in chained})
    named = dict(same)  # the evidence of a shared name, but for the parallel hierarchies' names
    for names in parallels.values():
        for name in names:
            del named[name]
    for alias, target, where in chains:
        # classes named like the alias are the ones it was meant to replace
        namesakes = same.get(alias.rsplit(".", 1)[-1], [])
        group = groups.of([target.dotted, *(d.dotted for d in namesakes)])
        group.definitions[target.dotted] = target
        group.definitions.update((d.dotted, d) for d in namesakes)
        group.strength = min(group.strength, 1)
        group.evidence.append(f"`{alias}` ({where}) is another name for {target}")
    for name, defs in sorted(named.items()):
        group = groups.of([d.dotted for d in defs])
        group.definitions.update((d.dotted, d) for d in defs)
        group.evidence.append(f"class `{name}` is defined in {len(defs)} modules: " + _listed(defs))
    proposals = []
    for group in groups.all():
        proposal = _proposal(ctx, group, reexports, conventions)
        if proposal is not None:
            proposals.append(proposal)
    proposals.sort(key=lambda p: (p.strength, -len(p.duplicates) - len(p.near_copies), p.name, p.canonical))
    seen: Counter[str] = Counter()
    for p in proposals:  # concept names must be unique
        seen[p.name] += 1
        if seen[p.name] > 1:
            p.name = f"{p.name}{seen[p.name]}"
    notes = [f"`{name}`: {how}: " + _listed(defs) for name, (how, defs) in sorted(conventions.items())]
    shared = [f"{len(names)} names given both under " + " and under ".join(
                  near_duplicate_class.listed([f"`{top}`" for top in tops[:3]], len(tops)) for tops in hierarchies)
              + ": " + near_duplicate_class.listed([f"`{name}`" for name in names[:LISTED]], len(names))
              for hierarchies, names in sorted(parallels.items(), key=lambda item: (-len(item[1]), item[0]))]
    return Discovery(proposals, notes, shared)


class _Groups:
    """Evidence groups, merged when they share a definition."""

    def __init__(self) -> None:
        self._groups: list[_Group] = []
        self._owner: dict[str, int] = {}  # dotted definition -> its group

    def of(self, dotted: list[str]) -> _Group:
        """The group holding any of these definitions (merging the groups they span)."""
        found = sorted({self._owner[d] for d in dotted if d in self._owner})
        if not found:
            self._groups.append(_Group())
            at = len(self._groups) - 1
        else:
            at = found[0]
            for other in found[1:]:
                merged, into = self._groups[other], self._groups[at]
                into.definitions.update(merged.definitions)
                into.evidence.extend(merged.evidence)
                into.near |= merged.near
                into.strength = min(into.strength, merged.strength)
                for d in merged.definitions:
                    self._owner[d] = at
                self._groups[other] = _Group()
        for d in dotted:
            self._owner[d] = at
        return self._groups[at]

    def all(self) -> list[_Group]:
        return [g for g in self._groups if g.definitions]


def _listed(sites: Iterable[ClassSite]) -> str:
    sites = list(sites)
    return near_duplicate_class.listed([f"{d.path}:{d.line}" for d in sites[:LISTED]], len(sites))


def _site(ctx: Context, path: str, cls: ClassInfo) -> ClassSite | None:
    """The class as a site: a module-level class with a valid dotted path (whether the path
    resolves to it is :func:`_resolves_to`'s question)."""
    dotted = f"{ctx.module_of(path)}.{cls.qualname}"
    if cls.scope != "module" or not is_dotted_path(dotted):
        return None
    return ClassSite(path, cls.line, dotted, len(cls.methods))


def _sites(ctx: Context) -> dict[str, ClassSite]:
    """Every module-level class whose dotted path resolves to it (the first of alternatives)."""
    out: dict[str, ClassSite] = {}
    for path in sorted(ctx.index.files):
        summary = ctx.index.files[path]
        if summary.error is not None or not summary.class_names:
            continue
        for cls in summary.classes:
            site = _site(ctx, path, cls)
            if site is not None and site.dotted not in out and _resolves_to(ctx, site.dotted, site):
                out[site.dotted] = site
    return out


def _resolves_to(ctx: Context, dotted: str, site: ClassSite) -> bool:
    resolution = ctx.resolve(dotted)
    d = resolution.definition
    return resolution.status == "resolved" and d is not None and (d.path, d.line) == (site.path, site.line)


def _same_names(sites: dict[str, ClassSite]) -> dict[str, list[ClassSite]]:
    by_name: dict[str, list[ClassSite]] = {}
    for site in sites.values():
        by_name.setdefault(site.dotted.rsplit(".", 1)[-1], []).append(site)
    return {name: defs for name, defs in by_name.items() if len(defs) > 1}


def _target(ctx: Context, dotted: str) -> ClassSite | None:
    """The module-level class ``dotted`` resolves to, if it is one."""
    resolution = ctx.resolve(dotted)
    target = resolution.definition
    if resolution.status != "resolved" or target is None or target.kind != "class":
        return None
    info = ctx.class_info(target)
    return _site(ctx, target.path, info) if info is not None else None


def _aliases(ctx: Context, class_names: set[str]) -> tuple[dict[str, list[str]], list[tuple[str, ClassSite, str]]]:
    """Import paths that resolve to an in-repository class under another module:

    - re-exports (dotted class path -> alias paths): a name a module binds to the class,
      renamed or not, where the module is a package's ``__init__``, lists the name in
      ``__all__``, renames it without subclassing it, or assigns it (``Y = X``); and a
      name (of one of ``class_names``, or an alias's) that a star import gives such a
      module (``from .manager import *``: see :func:`_star_names`);
    - alias chains, the renamed ones among them: (alias path, the class, where it is bound).
    """
    reexports: dict[str, list[str]] = {}
    chains: list[tuple[str, ClassSite, str]] = []
    starred: list[tuple[str, str, bool]] = []  # (module, path, public) of modules with star imports
    for path in sorted(ctx.index.files):
        summary = ctx.index.files[path]
        module = ctx.module_of(path)
        if summary.error is not None or not is_dotted_path(f"{module}.x"):
            continue
        public = path.endswith("__init__.py")
        subclassed = {base.split(".", 1)[0] for cls in summary.classes for base in cls.bases if base}
        for name, ids in summary.exports:
            bound = [summary.bindings[i] for i in ids]
            renamed = [b for b in bound if b.kind == "ref" or b.kind == "import" and b.name not in (name, "*")]
            same = [b for b in bound if b.kind == "import" and b.name == name]
            if renamed and any(b.kind == "import" for b in renamed) and name in subclassed:
                renamed = []  # imported under another name only to subclass it
            if not renamed and not (same and (public or name in (summary.all_names or ()))):
                continue
            alias = f"{module}.{name}"
            target = _target(ctx, alias)
            if target is None or target.dotted == alias:
                continue
            reexports.setdefault(target.dotted, []).append(alias)
            if renamed and target.dotted.rsplit(".", 1)[-1] != name:
                chains.append((alias, target, f"{path}:{renamed[0].line}"))
        if summary.stars and (public or summary.all_names is not None):
            starred.append((module, path, public))
    # once every module's own names are known: an alias's name may reach a package by a star
    names = class_names | {alias.rsplit(".", 1)[-1] for aliases in reexports.values() for alias in aliases}
    for module, path, public in starred:
        summary = ctx.index.files[path]
        given = {name for name, _ids in summary.exports}
        for name in sorted(_star_names(ctx, module) & names - given):
            if not public and name not in (summary.all_names or ()):
                continue
            alias = f"{module}.{name}"
            target = _target(ctx, alias)
            if target is not None and target.dotted != alias:
                reexports.setdefault(target.dotted, []).append(alias)
    return reexports, chains


def _star_names(ctx: Context, module: str) -> set[str]:
    """The names the star imports of a module may give it: what the modules they import
    from bind or list in ``__all__``, and so on through their own star imports (the
    resolver says which of them a star import does give)."""
    names: set[str] = set()
    seen = {module}
    todo = [module]
    while todo:
        current = todo.pop()
        entry = ctx.index.modules.get(current)
        summary = entry.summary if entry is not None else None
        if summary is None or summary.error is not None:
            continue
        if current != module:
            names.update(name for name, _ids in summary.exports)
            names.update(summary.all_names or ())
        for binding in summary.bindings:  # every star import, not only those that may run last
            if binding.kind == "star":
                source = ctx.index.absolute(current, binding.module, binding.level)
                if source is not None and source not in seen:
                    seen.add(source)
                    todo.append(source)
    return names


_STDLIB = frozenset(sys.stdlib_module_names)


def _ancestors(ctx: Context, site: ClassSite) -> set[str]:
    """The class itself, its in-repository bases (dotted) and the bases outside the
    repository that are not the standard library's (a builtin or ``Enum`` base is no
    framework)."""
    order, external = ctx.mro(_definition(ctx, site))
    out = {f"{d.module}.{d.qualname}" for d, _info in order} | {site.dotted}
    out.update(e for e in external if e.split(".", 1)[0] not in _STDLIB)
    return out


def _conventions(ctx: Context, sites: dict[str, ClassSite]) -> dict[str, tuple[str, list[ClassSite]]]:
    """Names given by a framework convention: more than half of their definitions (two at
    least) are one base class or subclasses of it. Name -> (how, those definitions)."""
    out: dict[str, tuple[str, list[ClassSite]]] = {}
    ancestry: dict[str, set[str]] = {}
    for name, defs in sorted(_same_names(sites).items()):
        for d in defs:
            ancestry[d.dotted] = _ancestors(ctx, d)
        shared = Counter(base for d in defs for base in ancestry[d.dotted])
        # the base most of them share; among equals, the most specific (most ancestors of its own)
        base, count = min(shared.items(), key=lambda item: (
            -item[1], -len(ancestry.get(item[0]) or (_ancestors(ctx, sites[item[0]]) if item[0] in sites else ())),
            item[0]))
        if count >= 2 and 2 * count > len(defs):
            family = [d for d in defs if base in ancestry[d.dotted]]
            how = f"{count} of {len(defs)}" if count < len(defs) else f"all {count}"
            out[name] = (f"{how} classes of this name are `{base}` or a subclass of it", family)
    return out


def _definition(ctx: Context, site: ClassSite) -> Definition:
    return Definition(site.path, site.line, site.dotted.rsplit(".", 1)[-1], "class", ctx.module_of(site.path))


def _tops(ctx: Context, site: ClassSite) -> frozenset[str]:
    """The tops of a class's hierarchy in the repository: its in-repository ancestors with
    no base there (a mixin among them); empty when the class has no base there."""
    order, _external = ctx.mro(_definition(ctx, site))
    tops = set()
    for d, info in order[1:]:
        if not any(t.definition is not None and t.definition.kind == "class" for t in ctx.base_targets(d, info)):
            tops.add(f"{d.module}.{d.qualname}")
    return frozenset(tops)


def _body_names(ctx: Context, site: ClassSite) -> tuple[frozenset[str], frozenset[str]]:
    """The names a class body binds: its methods, and its other members (attributes)."""
    info = ctx.class_info(_definition(ctx, site))
    if info is None:
        return frozenset(), frozenset()
    return frozenset(info.methods), frozenset(info.members) - frozenset(info.methods)


def _apart(ctx: Context, defs: list[ClassSite]) -> bool:
    """Whether every two of these classes share under half of their methods, or under half
    of their other members (a form field and a model field of one name do, or a node and
    its matcher; a copied class does not). Two empty sets say nothing."""
    names = [_body_names(ctx, d) for d in defs]

    def differ(a: frozenset[str], b: frozenset[str]) -> bool:
        return 2 * len(a & b) < len(a | b)

    return all(differ(a[0], b[0]) or differ(a[1], b[1]) for i, a in enumerate(names) for b in names[i + 1:])


Hierarchies = tuple[tuple[str, ...], ...]


def _parallels(ctx: Context, same: dict[str, list[ClassSite]]) -> dict[Hierarchies, list[str]]:
    """Names of parallel class hierarchies: every definition of the name a subclass in a
    hierarchy of its own, the definitions apart in their bodies (see :func:`_apart`), and
    at least ``PARALLEL`` names defined by the same hierarchies; with them the tops' own
    name when they share it and it names nothing else (two ``Field`` bases). A hierarchy is
    known by its tops (see :func:`_tops`), tops one class has together being one hierarchy
    (a base and a mixin). Each hierarchy's tops (sorted, the hierarchies sorted) -> those
    names (sorted)."""
    tops = {d.dotted: _tops(ctx, d) for defs in same.values() for d in defs}
    parent: dict[str, str] = {}  # union-find over the tops: those a class has together are one

    def root(top: str) -> str:
        while parent.setdefault(top, top) != top:
            parent[top] = top = parent[parent[top]]
        return top

    for together in tops.values():
        ordered = sorted(together)
        for top in ordered:
            a, b = root(ordered[0]), root(top)
            parent[max(a, b)] = min(a, b)
    family: dict[str, list[str]] = {}  # a hierarchy's root -> its tops
    for top in sorted(parent):
        family.setdefault(root(top), []).append(top)
    found: dict[Hierarchies, list[str]] = {}
    for name, defs in sorted(same.items()):
        roots = [root(min(tops[d.dotted])) if tops[d.dotted] else "" for d in defs]
        if all(roots) and len(set(roots)) == len(defs) and _apart(ctx, defs):
            found.setdefault(tuple(sorted(tuple(family[r]) for r in roots)), []).append(name)
    out = {hierarchies: names for hierarchies, names in found.items() if len(names) >= PARALLEL}
    for hierarchies, names in out.items():
        for own in sorted({top.rsplit(".", 1)[-1] for top in hierarchies[0]}):
            tops_named = [[top for top in hierarchy if top.rsplit(".", 1)[-1] == own] for hierarchy in hierarchies]
            if all(len(t) == 1 for t in tops_named) \
                    and sorted(d.dotted for d in same.get(own, ())) == sorted(t[0] for t in tops_named):
                names.append(own)
        names.sort()
    return out


def _near_copies(ctx: Context, sites: dict[str, ClassSite]) -> list[tuple[list[ClassSite], float]]:
    """SSOT008's clusters, as the sites of their module-level classes (two at least)."""
    if not ctx.config.duplicates.enabled:
        return []
    found, clusters = near_duplicate_class.near_clusters(ctx)
    out = []
    for members, lowest in clusters:
        kept = [sites[found[m].name] for m in members if found[m].name in sites]
        if len(kept) > 1:
            out.append((kept, lowest))
    return out


def _imports(ctx: Context, names: set[str]) -> Counter[tuple[str, int]]:
    """How many modules import each class of these names (by (path, line) of the class),
    through whatever path."""
    importers: set[tuple[str, str, int]] = set()  # (importing file, the class's path and line)
    for path, _module, imp, source in ctx.imports_of(names):
        d = ctx.resolve(f"{source}.{imp.name}").definition
        if d is not None and d.kind == "class":
            importers.add((path, d.path, d.line))
    return Counter((where, line) for _path, where, line in importers)


def _proposal(ctx: Context, group: _Group, reexports: dict[str, list[str]],
              conventions: dict[str, tuple[str, list[ClassSite]]]) -> Proposal | None:
    eligible = [d for d in group.definitions.values()
                if d.dotted.rsplit(".", 1)[-1] not in conventions and _resolves_to(ctx, d.dotted, d)]
    if not eligible:
        return None
    imported = _imports(ctx, {d.dotted.rsplit(".", 1)[-1] for d in eligible} | {
        a.rsplit(".", 1)[-1] for d in eligible for a in reexports.get(d.dotted, ())})

    def use(d: ClassSite) -> tuple[int, int]:
        return len(reexports.get(d.dotted, ())), imported[(d.path, d.line)]

    canonical = min(eligible, key=lambda d: (-use(d)[0], -use(d)[1], -d.methods, d.dotted.count("."), d.dotted))
    aliases = sorted(a for a in set(reexports.get(canonical.dotted, ())) if _resolves_to(ctx, a, canonical))
    names = {canonical.dotted.rsplit(".", 1)[-1], *(a.rsplit(".", 1)[-1] for a in aliases)}
    if names & set(conventions):
        return None
    duplicates = [ClassSite(path, cls.line, f"{ctx.module_of(path)}.{cls.qualname}", len(cls.methods))
                  for name in sorted(names) for path, cls in ctx.index.classes_named(name)
                  if (path, cls.line) != (canonical.path, canonical.line)
                  and not ctx.index.files[path].silenced(cls.line, "SSOT003")]
    duplicates.sort(key=lambda d: (d.path, d.line))
    taken = {(d.path, d.line) for d in duplicates} | {(canonical.path, canonical.line)}
    near = sorted((d for d in group.definitions.values() if d.dotted in group.near and (d.path, d.line) not in taken),
                  key=lambda d: (d.path, d.line))
    reexported, imports = use(canonical)
    why = (f"canonical: {canonical}: re-exported under {_count(reexported, 'other path')}, imported by "
           f"{_count(imports, 'module')}, {_count(canonical.methods, 'method')}")
    if len(eligible) > 1:
        why += (f"; the most used of {len(eligible)} definitions (most re-exported, then most imported, then "
                "most methods, then the shortest path)")
    evidence = [*dict.fromkeys(group.evidence), why]
    if duplicates:
        evidence.append("duplicates to consolidate (SSOT003 reports them once this concept is declared): "
                        + ", ".join(map(str, duplicates)))
    if near:
        evidence.append("near copies to consolidate (SSOT008 reports them): " + ", ".join(map(str, near)))
    if not duplicates and not near and not aliases:
        return None
    return Proposal(name=canonical.dotted.rsplit(".", 1)[-1], canonical=canonical.dotted, aliases=tuple(aliases),
                    evidence=tuple(evidence), duplicates=tuple(duplicates), near_copies=tuple(near),
                    strength=group.strength)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _comment(text: str) -> str:
    """A TOML comment line: no control characters."""
    return "# " + re.sub(r"[\x00-\x08\x0a-\x1f\x7f]", "?", text)


def render_toml(discovery: Discovery) -> str:
    """Ready-to-paste TOML: one ``[[concept]]`` per proposal, its evidence as comments, then
    the names left out as conventions, and those of parallel hierarchies."""
    if not discovery.proposals and not discovery.conventions and not discovery.parallels:
        return NOTHING
    out = [HEADER]
    for p in discovery.proposals:
        out.append(_comment("evidence:"))
        out.extend(_comment(f"  {line}") for line in p.evidence)
        out.append("[[concept]]")
        out.append(f'name = "{p.name}"')
        out.append(f'canonical = "{p.canonical}"')
        if p.aliases:
            out.append("aliases = [" + ", ".join(f'"{a}"' for a in p.aliases) + "]")
        out.append("")
    for header, notes in ((CONVENTIONS, discovery.conventions), (PARALLELS, discovery.parallels)):
        if notes:
            out.append(header.rstrip("\n"))
            out.extend(_comment(f"  {line}") for line in notes)
            out.append("")
    return "\n".join(out)
