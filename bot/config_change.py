"""What a pull request's edit of the configuration changes after merge (pure).

The App judges a pull request with the base branch's configuration, so that a pull request
cannot switch off its own checks. When the pull request edits the configuration, the check
run says, key by key and concept by concept, what will be different once it is merged.
"""

from __future__ import annotations

from dataclasses import fields

from rules.config import Concept, Config, ConfigResult

ADDED = "concept `{name}` is added"
REMOVED = "concept `{name}` is removed: it is no longer checked"
CHANGED = "`{key}`: {old} → {new}"
CONCEPT_CHANGED = "concept `{name}`: `{key}`: {old} → {new}"
PROBLEMS = "the new configuration has {count} problem{s} (SSOT010); the first: `{key}`: {message}"
NO_EFFECT = "the edit changes no setting the check uses"

_SKIP = {"source", "concepts", "index"}


def _show(value: object) -> str:
    if value is None:
        return "(default)"
    if isinstance(value, tuple):
        return "[" + ", ".join(f"`{v}`" for v in value) + "]" if value else "[]"
    return f"`{value}`"


def describe(old: ConfigResult, new: ConfigResult) -> list[str]:
    """One line per difference, in a stable order."""
    lines: list[str] = []
    if new.problems:
        first = new.problems[0]
        n = len(new.problems)
        lines.append(
            PROBLEMS.format(count=n, s="" if n == 1 else "s", key=first.key or "(file)", message=first.message)
        )
    lines.extend(_settings(old.config, new.config))
    before = {c.name: c for c in old.config.concepts}
    after = {c.name: c for c in new.config.concepts}
    for name in sorted(set(before) | set(after)):
        if name not in before:
            lines.append(ADDED.format(name=name))
        elif name not in after:
            lines.append(REMOVED.format(name=name))
        else:
            lines.extend(_concept(before[name], after[name]))
    return lines or [NO_EFFECT]


def _settings(old: Config, new: Config) -> list[str]:
    out = []
    for f in fields(Config):
        if f.name in _SKIP:
            continue
        a, b = getattr(old, f.name), getattr(new, f.name)
        if f.name == "duplicates":
            for g in fields(type(a)):
                x, y = getattr(a, g.name), getattr(b, g.name)
                if x != y:
                    out.append(CHANGED.format(key=f"duplicates.{g.name}", old=_show(x), new=_show(y)))
        elif a != b:
            out.append(CHANGED.format(key=f.name, old=_show(a), new=_show(b)))
    return out


def _concept(old: Concept, new: Concept) -> list[str]:
    out = []
    for f in fields(Concept):
        if f.name in _SKIP:
            continue
        a, b = getattr(old, f.name), getattr(new, f.name)
        if a != b:
            out.append(CONCEPT_CHANGED.format(name=new.name, key=f.name, old=_show(a), new=_show(b)))
    return out
