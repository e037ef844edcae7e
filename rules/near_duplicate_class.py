"""SSOT008 near-duplicate-class: a class is a structural near copy of another class.

Fragmentation usually starts as a copy: a manager copied and renamed, a mock that drifted
into production code. This rule compares every class's structural fingerprint (method
names and signatures, base and decorator names, and the shape of every statement, with
local names, attributes and literals left out; see ``rules/shape.py``) with every other
class's, and reports pairs whose similarity (the Jaccard index of their fingerprints) is
at least ``[duplicates] threshold``. Renaming the class, its variables or its attributes,
or reordering its methods, does not hide a copy.

- Without ``--base`` every cluster of near copies is reported once, on its first class,
  with the other classes as related locations.
- With ``--base`` only classes in files the change touched are reported, each with the
  closest other class of the repository (changed or not) as the related location, so a
  copy of an untouched file is caught.

Not reported: classes with fewer than ``[duplicates] min_methods`` methods, a subclass
whose methods all override methods of its in-repository bases (or of ``object``), two
alternative definitions of the same name in one module, classes in excluded paths (tests
by default), and a class whose line carries ``# ssot: ignore[SSOT008]`` (a deliberate
copy: it is then left out of every comparison). Set ``[duplicates] enabled = false`` to
turn the rule off. A warning: it never fails a check.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from rules.context import Context, finding
from rules.examples import Invalid, Valid
from rules.globs import matches
from rules.model import Definition, Finding, Location, Severity
from rules.summary import ClassInfo

CODE = "SSOT008"
SLUG = "near-duplicate-class"
SEVERITY = Severity.WARNING
MESSAGE = ("class `{name}` is a near copy of `{other}` ({where}): {similarity:.0%} of their "
           "structure is the same, names and literals aside; reuse `{short}` (import, subclass "
           "or compose it) instead of keeping a second copy, or mark a deliberate copy with "
           "`# ssot: ignore[SSOT008]`")
CLUSTER_MESSAGE = ("{count} classes are near copies of each other ({similarity:.0%} or more of "
                   "their structure is the same, names and literals aside): {members}; keep one "
                   "and reuse it (import, subclass or compose), or mark a deliberate copy with "
                   "`# ssot: ignore[SSOT008]`")

#: methods every class inherits: redefining one is an override
_OBJECT_METHODS = frozenset(name for name in dir(object) if callable(getattr(object, name)))


class Candidate(NamedTuple):
    path: str
    cls: ClassInfo
    name: str  # module-qualified: ``app.ws.manager.Manager``


def candidates(ctx: Context) -> list[Candidate]:
    """The classes worth comparing: enough methods, not excluded, not suppressed."""
    config = ctx.config
    out: list[Candidate] = []
    for path in sorted(ctx.index.files):
        if matches(path, config.exclude):
            continue
        summary = ctx.index.files[path]
        if summary.error is not None:
            continue
        silenced = {line for line, codes in summary.suppressions if "*" in codes or CODE in codes}
        for cls in summary.classes:
            if len(cls.methods) < config.duplicates.min_methods or not cls.shape:
                continue
            if cls.line in silenced:
                continue
            out.append(Candidate(path, cls, f"{ctx.module_of(path)}.{cls.qualname}"))
    return out


def similar_pairs(shapes: Sequence[Sequence[int]], threshold: float) -> list[tuple[int, int, float]]:
    """Every pair ``(i, j, similarity)`` with ``i < j`` whose Jaccard index is at least
    ``threshold``, without comparing all pairs.

    Prefix filtering (the AllPairs set-similarity join): order every set's features from
    rarest to most common; two sets with Jaccard index ``t`` or more share a feature among
    the first ``n - ceil(t * n) + 1`` of each. Only pairs sharing such a prefix feature, of
    compatible sizes, are compared exactly. Identical sets are grouped first, so a
    thousand copies of one class cost one comparison each, not a million.
    """
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, shape in enumerate(shapes):
        groups.setdefault(tuple(shape), []).append(i)
    pairs: list[tuple[int, int, float]] = []
    for members in groups.values():
        pairs.extend((a, b, 1.0) for k, a in enumerate(members) for b in members[k + 1:])
    distinct = sorted(groups, key=len)
    frequency = Counter(feature for shape in distinct for feature in shape)
    sets = [frozenset(shape) for shape in distinct]
    postings: dict[int, list[int]] = {}
    for x, shape in enumerate(distinct):
        size = len(shape)
        if not size:
            continue
        prefix = size - math.ceil(threshold * size - 1e-9) + 1
        ordered = sorted(shape, key=frequency.__getitem__)[:prefix]
        seen: set[int] = set()
        for feature in ordered:
            posting = postings.setdefault(feature, [])
            for y in posting:
                if y in seen:
                    continue
                seen.add(y)
                other = len(distinct[y])  # sorted by size: other <= size
                if other < threshold * size - 1e-9:
                    continue
                common = len(sets[x].intersection(sets[y]))
                value = common / (size + other - common)
                if value >= threshold - 1e-9:
                    for a in groups[distinct[x]]:
                        for b in groups[distinct[y]]:
                            pairs.append((min(a, b), max(a, b), value))
            posting.append(x)
    pairs.sort()
    return pairs


def only_overrides(ctx: Context, candidate: Candidate) -> bool:
    """A subclass whose every method redefines one of its in-repository bases' (or
    ``object``'s): a specialisation, not a copy."""
    cls = candidate.cls
    if not any(base and base != "object" for base in cls.bases):
        return False
    definition = Definition(candidate.path, cls.line, cls.qualname, "class",
                            ctx.module_of(candidate.path))
    order, _external = ctx.mro(definition)
    inherited = {name for _d, info in order[1:] for name in info.members}
    return set(cls.methods) - _OBJECT_METHODS <= inherited


def check(ctx: Context) -> Iterator[Finding]:
    settings = ctx.config.duplicates
    if not settings.enabled:
        return
    found = candidates(ctx)
    pairs = similar_pairs([c.cls.shape for c in found], settings.threshold)
    overrides: dict[int, bool] = {}

    def kept(i: int) -> bool:
        if i not in overrides:
            overrides[i] = only_overrides(ctx, found[i])
        return not overrides[i]

    pairs = [(i, j, s) for i, j, s in pairs
             if found[i].name != found[j].name and kept(i) and kept(j)]
    if ctx.changed is None:
        yield from _clusters(found, pairs)
    else:
        yield from _changed(found, pairs, ctx.changed)


def _location(c: Candidate) -> Location:
    return Location(c.path, c.cls.line, c.cls.col, c.cls.end_line)


def _clusters(found: list[Candidate], pairs: list[tuple[int, int, float]]) -> Iterator[Finding]:
    """Union-find over the similar pairs: one finding per cluster, on its first class."""
    rule = sys.modules[__name__]
    parent = {i: i for pair in pairs for i in pair[:2]}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, _s in pairs:
        parent[root(i)] = root(j)
    clusters: dict[int, list[int]] = {}
    lowest: dict[int, float] = {}
    for i in sorted(parent):
        clusters.setdefault(root(i), []).append(i)
    for i, _j, s in pairs:
        key = root(i)
        lowest[key] = min(lowest.get(key, 1.0), s)
    for key, members in clusters.items():
        first, *others = members  # candidates are in (path, line) order
        names = sorted(found[m].name for m in members)
        listed = ", ".join(f"`{found[m].name}` ({found[m].path}:{found[m].cls.line})"
                           for m in members)
        yield finding(rule, None, " ~ ".join(names), CLUSTER_MESSAGE.format(
            count=len(members), similarity=lowest[key], members=listed),
            _location(found[first]), related=tuple(_location(found[m]) for m in others))


def _changed(found: list[Candidate], pairs: list[tuple[int, int, float]],
             changed: frozenset[str]) -> Iterator[Finding]:
    """Each class in a changed file with its closest near copy anywhere."""
    rule = sys.modules[__name__]
    best: dict[int, tuple[float, str, int]] = {}
    for i, j, s in pairs:
        for me, other in ((i, j), (j, i)):
            if found[me].path not in changed:
                continue
            key = (-s, found[other].name, other)
            if me not in best or key < best[me]:
                best[me] = key
    for me in sorted(best):
        negative, _name, other = best[me]
        mine, theirs = found[me], found[other]
        yield finding(rule, None, f"{mine.name} ~ {theirs.name}", MESSAGE.format(
            name=mine.name, other=theirs.name, where=f"{theirs.path}:{theirs.cls.line}",
            similarity=-negative, short=theirs.cls.qualname),
            _location(mine), related=(_location(theirs),))


_MANAGER = '''\
class ConnectionManager:
    def __init__(self, limit=10):
        self.connections = {}
        self.limit = limit

    def add_connection(self, user, socket):
        if len(self.connections) >= self.limit:
            raise RuntimeError("too many connections")
        self.connections[user] = socket
        return socket

    def remove_connection(self, user):
        socket = self.connections.pop(user, None)
        if socket is not None:
            socket.close()

    def send_to_user(self, user, message):
        for socket in self.connections.get(user, []):
            socket.send(message)
'''
_RENAMED = '''\
class SocketRegistry:
    def __init__(self, maximum=10):
        self.sockets = {}
        self.maximum = maximum

    def add_connection(self, client, ws):
        if len(self.sockets) >= self.maximum:
            raise RuntimeError("registry full")
        self.sockets[client] = ws
        return ws

    def remove_connection(self, client):
        ws = self.sockets.pop(client, None)
        if ws is not None:
            ws.close()

    def send_to_user(self, client, payload):
        for ws in self.sockets.get(client, []):
            ws.send(payload)
'''
_REORDERED = '''\
class Manager:
    def send_to_user(self, user, message):
        for socket in self.connections.get(user, []):
            socket.send(message)

    def remove_connection(self, user):
        socket = self.connections.pop(user, None)
        if socket is not None:
            socket.close()

    def __init__(self, limit=10):
        self.connections = {}
        self.limit = limit

    def add_connection(self, user, socket):
        if len(self.connections) >= self.limit:
            raise RuntimeError("too many connections")
        self.connections[user] = socket
        return socket
'''
_UNRELATED = '''\
import json


class Settings:
    def __init__(self, path):
        self.path = path
        self.values = None

    def load(self):
        with open(self.path) as handle:
            self.values = json.load(handle)
        return self

    def get(self, key, default=None):
        return (self.values or {}).get(key, default)

    def items(self):
        yield from sorted((self.values or {}).items())
'''
_OVERRIDES = '''\
from app.ws.manager import ConnectionManager


class LimitedManager(ConnectionManager):
    def __init__(self, limit=10):
        self.connections = {}
        self.limit = limit

    def add_connection(self, user, socket):
        if len(self.connections) >= self.limit:
            raise RuntimeError("limit reached")
        self.connections[user] = socket
        return socket

    def remove_connection(self, user):
        socket = self.connections.pop(user, None)
        if socket is not None:
            socket.close()

    def send_to_user(self, user, message):
        for socket in self.connections.get(user, []):
            socket.send(message)
'''
_SMALL = '''\
class Small:
    def __init__(self):
        self.items = []

    def add(self, item):
        self.items.append(item)
'''
_PKG = {"app/__init__.py": "", "app/ws/__init__.py": "", "app/ws/manager.py": _MANAGER}

EXAMPLES = (
    Valid(files={**_PKG, "app/settings.py": _UNRELATED},
          note="two unrelated classes of the same size"),
    Invalid(files={**_PKG, "app/chat/__init__.py": "", "app/chat/registry.py": _RENAMED},
            expect=(("SSOT008", "app/chat/registry.py", 1),),
            note="a copy renamed throughout (class, variables, attributes, messages) in another "
                 "package: one cluster, reported on its first class by path"),
    Invalid(files={**_PKG, "app/core.py": _REORDERED},
            expect=(("SSOT008", "app/core.py", 1),),
            note="the methods of a copy in another order"),
    Valid(files={**_PKG, "app/limited.py": _OVERRIDES},
          note="a subclass that only overrides its base's methods is a specialisation"),
    Valid(files={"app/__init__.py": "", "app/a.py": _SMALL,
                 "app/b.py": _SMALL.replace("Small", "Tiny")},
          note="classes with fewer than `min_methods` (3) methods are not compared"),
    Invalid(files={"app/__init__.py": "", "app/a.py": _SMALL,
                   "app/b.py": _SMALL.replace("Small", "Tiny")},
            config="[duplicates]\nmin_methods = 2\n",
            expect=(("SSOT008", "app/a.py", 1),),
            note="... unless `min_methods` says otherwise"),
    Valid(files={**_PKG, "tests/test_manager.py": _RENAMED.replace("SocketRegistry", "FakeManager")},
          note="a copy in tests/ (excluded by default), such as a mock"),
    Valid(files={**_PKG, "app/chat/registry.py": _RENAMED},
          config="[duplicates]\nenabled = false\n", note="the rule switched off"),
    Valid(files={**_PKG, "app/chat/registry.py": _RENAMED.replace(
              "class SocketRegistry:", "class SocketRegistry:  # ssot: ignore[SSOT008]")},
          note="a deliberate copy, marked on its class line"),
    Invalid(files={**_PKG, "app/chat/__init__.py": "", "app/chat/registry.py": _RENAMED},
            base={**_PKG, "app/chat/__init__.py": ""},
            expect=(("SSOT008", "app/chat/registry.py", 1),),
            note="with a base: the change adds a copy of a class in an untouched file"),
    Valid(files={**_PKG, "app/chat/__init__.py": "", "app/chat/registry.py": _RENAMED,
                 "app/settings.py": _UNRELATED},
          base={**_PKG, "app/chat/__init__.py": "", "app/chat/registry.py": _RENAMED},
          note="with a base: copies the change does not touch are not reported"),
)
