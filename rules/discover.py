"""Propose concepts for a repository that has none: the index in, TOML out.

Three kinds of evidence suggest that several definitions or import paths are one concept:

- a class name defined at module level in several modules (``Manager`` in ``app/ws`` and
  in ``app/chat``),
- an alias chain: a module binds a class under another name (``from .unified import
  UnifiedWebSocketManager as WebSocketManager``, or ``Manager = UnifiedManager``),
- a cluster of structural near copies (what SSOT008 reports).

Evidence that shares a class is merged into one proposal. Each proposal names a
canonical definition (the one most aliases lead to, then the one with most methods, then
the shortest path) and lists every other definition and alias path as an alias, so that
pasting it makes ``ssot check`` list what is left to consolidate. Nothing here is
authoritative: the output is for a person to review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rules import near_duplicate_class
from rules.config import Config
from rules.context import Context
from rules.index import Index
from rules.summary import ClassInfo

_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
HEADER = ("# Concepts proposed by `ssot discover`: review each one (is it really one thing?\n"
          "# is the canonical the definition to keep?), then paste the ones you keep into\n"
          "# .github/ssot.toml, or under [tool.ssot] in pyproject.toml as [[tool.ssot.concept]].\n")
NOTHING = "# `ssot discover` found no concept candidates: no class name is defined in several\n" \
          "# modules, no module re-exports a class under another name, no near copies.\n"


@dataclass(frozen=True, slots=True)
class ClassSite:
    """A module-level class definition: where it is and its dotted path."""

    path: str
    line: int
    dotted: str
    methods: int


@dataclass
class Proposal:
    name: str
    canonical: str
    aliases: tuple[str, ...]
    evidence: tuple[str, ...]


@dataclass
class _Group:
    definitions: dict[str, ClassSite] = field(default_factory=dict)  # dotted -> definition
    aliases: dict[str, tuple[str, str]] = field(default_factory=dict)  # alias -> (target, where)
    evidence: list[str] = field(default_factory=list)


def discover(index: Index, config: Config) -> list[Proposal]:
    """Every proposal, in a stable order (most definitions first, then by name)."""
    ctx = Context(index, config)
    groups: list[_Group] = []
    owner: dict[str, int] = {}  # dotted definition -> its group

    def group_of(dotted: list[str]) -> _Group:
        """The group holding any of these definitions (merging groups they span)."""
        found = sorted({owner[d] for d in dotted if d in owner})
        if not found:
            groups.append(_Group())
            index_ = len(groups) - 1
        else:
            index_ = found[0]
            for other in found[1:]:
                merged = groups[other]
                groups[index_].definitions.update(merged.definitions)
                groups[index_].aliases.update(merged.aliases)
                groups[index_].evidence.extend(merged.evidence)
                for d in merged.definitions:
                    owner[d] = index_
                groups[other] = _Group()
        for d in dotted:
            owner[d] = index_
        return groups[index_]

    for name, defs in _same_names(ctx):
        group = group_of([d.dotted for d in defs])
        group.definitions.update((d.dotted, d) for d in defs)
        group.evidence.append(f"class `{name}` is defined in {len(defs)} modules: "
                              + ", ".join(f"{d.path}:{d.line}" for d in defs))
    for alias, target, where in _alias_chains(ctx):
        group = group_of([target.dotted])
        group.definitions[target.dotted] = target
        group.aliases[alias] = (target.dotted, where)
        group.evidence.append(f"`{alias}` ({where}) is another name for `{target.dotted}` "
                              f"({target.path}:{target.line})")
    for members, similarity in _near_copies(ctx):
        group = group_of([d.dotted for d in members])
        group.definitions.update((d.dotted, d) for d in members)
        group.evidence.append(f"{len(members)} classes are near copies "
                              f"({near_duplicate_class.share(similarity)} of their structure is the same): "
                              + ", ".join(f"{d.path}:{d.line}" for d in members))
    proposals = [_proposal(g) for g in groups if g.definitions]
    proposals.sort(key=lambda p: (-len(p.aliases), p.name, p.canonical))
    seen: dict[str, int] = {}
    for p in proposals:  # concept names must be unique
        seen[p.name] = seen.get(p.name, 0) + 1
        if seen[p.name] > 1:
            p.name = f"{p.name}{seen[p.name]}"
    return proposals


def _definition(ctx: Context, path: str, cls: ClassInfo) -> ClassSite | None:
    dotted = f"{ctx.module_of(path)}.{cls.qualname}"
    if cls.scope != "module" or not _DOTTED.match(dotted):
        return None
    return ClassSite(path, cls.line, dotted, len(cls.methods))


def _same_names(ctx: Context) -> list[tuple[str, list[ClassSite]]]:
    by_name: dict[str, dict[str, ClassSite]] = {}
    for path in sorted(ctx.index.files):
        for cls in ctx.index.files[path].classes:
            d = _definition(ctx, path, cls)
            if d is not None:
                by_name.setdefault(cls.name, {}).setdefault(ctx.module_of(path), d)
    return [(name, list(defs.values())) for name, defs in sorted(by_name.items()) if len(defs) > 1]


def _alias_chains(ctx: Context) -> list[tuple[str, ClassSite, str]]:
    """(alias path, the class it names, where the alias is bound) for every module-level
    name bound to an in-repository class under another name."""
    out: list[tuple[str, ClassSite, str]] = []
    for path in sorted(ctx.index.files):
        summary = ctx.index.files[path]
        module = ctx.module_of(path)
        if summary.error is not None or not _DOTTED.match(f"{module}.x"):
            continue
        for name, ids in summary.exports:
            renaming = [summary.bindings[i] for i in ids if (
                summary.bindings[i].kind == "import" and summary.bindings[i].name not in (name, "*")
                or summary.bindings[i].kind == "ref")]
            if not renaming:
                continue
            resolution = ctx.resolve(f"{module}.{name}")
            target = resolution.definition
            if resolution.status != "resolved" or target is None or target.kind != "class":
                continue
            if target.qualname.rsplit(".", 1)[-1] == name:
                continue
            info = ctx.class_info(target)
            if info is None:
                continue
            d = _definition(ctx, target.path, info)
            if d is not None and f"{module}.{name}" != d.dotted:
                out.append((f"{module}.{name}", d, f"{path}:{renaming[0].line}"))
    return out


def _near_copies(ctx: Context) -> list[tuple[list[ClassSite], float]]:
    if not ctx.config.duplicates.enabled:
        return []
    found, pairs = near_duplicate_class.near_pairs(ctx)
    out = []
    for members, lowest in near_duplicate_class.clusters(pairs):
        sites = [_definition(ctx, found[m].path, found[m].cls) for m in members]
        kept = [site for site in sites if site is not None]
        if len(kept) > 1:
            out.append((kept, lowest))
    return out


def _proposal(group: _Group) -> Proposal:
    pointing: dict[str, int] = {}
    for target, _where in group.aliases.values():
        pointing[target] = pointing.get(target, 0) + 1
    canonical = min(group.definitions.values(), key=lambda d: (
        -pointing.get(d.dotted, 0), -d.methods, d.dotted.count("."), d.dotted))
    aliases = sorted({*group.definitions, *group.aliases} - {canonical.dotted})
    return Proposal(name=canonical.dotted.rsplit(".", 1)[-1], canonical=canonical.dotted,
                    aliases=tuple(aliases), evidence=tuple(dict.fromkeys(group.evidence)))


def _comment(text: str) -> str:
    """A TOML comment line: no control characters."""
    return "# " + re.sub(r"[\x00-\x08\x0a-\x1f\x7f]", "?", text)


def render_toml(proposals: list[Proposal]) -> str:
    """Ready-to-paste TOML: one ``[[concept]]`` per proposal, its evidence as comments."""
    if not proposals:
        return NOTHING
    out = [HEADER]
    for p in proposals:
        out.append(_comment("evidence:"))
        out.extend(_comment(f"  {line}") for line in p.evidence)
        out.append("[[concept]]")
        out.append(f'name = "{p.name}"')
        out.append(f'canonical = "{p.canonical}"')
        if p.aliases:
            out.append("aliases = [" + ", ".join(f'"{a}"' for a in p.aliases) + "]")
        out.append("")
    return "\n".join(out)
