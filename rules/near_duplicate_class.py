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
CLUSTER_MESSAGE = ("{count} classes are near copies of each other ({share} of their structure is "
                   "the same, names and literals aside): {members}; keep one "
                   "and reuse it (import, subclass or compose), or mark a deliberate copy with "
                   "`# ssot: ignore[SSOT008]`")

#: methods every class inherits: redefining one is an override
_OBJECT_METHODS = frozenset(name for name in dir(object) if callable(getattr(object, name)))


class Candidate(NamedTuple):
    path: str
    cls: ClassInfo
    name: str  # module-qualified: ``app.ws.manager.Manager``


def share(similarity: float) -> str:
    """How much of two classes' structure is the same, in words."""
    return "all" if similarity >= 1 else f"{similarity:.0%} or more"


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


_BINS = 32  # one-permutation MinHash: features fall into 32 bins by their low bits
_COMMON = 50  # features of more fingerprints than this are left out of the MinHash
_KEEP = 4


def _bands(threshold: float) -> int:
    """Rows per LSH band: the most (fewest candidates) that still finds a pair at the
    threshold with 99.5% probability; a pair further above it is found even more surely."""
    for rows in (8, 4, 2, 1):
        if 1 - (1 - threshold ** rows) ** (_BINS // rows) >= 0.995:
            return rows
    return 1


def _signature(shape: Sequence[int]) -> list[int]:
    """One-permutation MinHash with rotation densification (Shrivastava & Li, 2014): the
    smallest feature of each bin; an empty bin borrows from the next filled one."""
    bins: list[int | None] = [None] * _BINS
    for feature in shape:
        slot = feature & (_BINS - 1)
        current = bins[slot]
        if current is None or feature < current:
            bins[slot] = feature
    if None not in bins:
        return bins  # type: ignore[return-value]
    out: list[int] = list(bins)  # type: ignore[arg-type]
    start = next(i for i, value in enumerate(bins) if value is not None)
    value, distance, slot = bins[start], 0, start
    for _ in range(_BINS - 1):  # walk left from a filled bin, carrying the nearest one on the right
        slot = (slot - 1) % _BINS
        if bins[slot] is None:
            distance += 1
            out[slot] = hash((value, distance))
        else:
            value, distance = bins[slot], 0
    return out


def _identifying(shapes: list[tuple[int, ...]]) -> list[list[int]]:
    """Each fingerprint without the features more than ``_COMMON`` fingerprints share
    (what nearly every class has says little about which class it is, and would put
    unrelated classes in one bucket); the rarest few when nothing else is left."""
    frequency = Counter(feature for shape in shapes for feature in shape)
    out = []
    for shape in shapes:
        rare = [f for f in shape if frequency[f] <= _COMMON]
        if len(rare) < _KEEP:
            rare = sorted(shape, key=frequency.__getitem__)[:_KEEP]
        out.append(rare)
    return out


def similar_pairs(shapes: Sequence[Sequence[int]], threshold: float) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, similarity)`` with ``i < j`` whose Jaccard index is at least
    ``threshold``, without comparing all pairs.

    Identical fingerprints are grouped first (a thousand copies of one class cost nothing
    more). The distinct ones go through locality-sensitive hashing: a 32-value MinHash
    signature each (one pass over the features), cut into bands; two fingerprints become
    candidates when a whole band agrees, which a pair at the threshold does with 99.5%
    probability and two unrelated classes almost never do. The signature leaves out
    features that more than 50 fingerprints share (a ``def f(self)`` header, a
    ``return self.x`` line): they would put unrelated classes in one bucket. Candidates are then compared
    exactly, so a reported similarity is never an estimate. The work grows with the
    number of classes, not with its square.
    """
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, shape in enumerate(shapes):
        if shape:
            groups.setdefault(tuple(shape), []).append(i)
    pairs: list[tuple[int, int, float]] = []
    for members in groups.values():
        pairs.extend((a, b, 1.0) for k, a in enumerate(members) for b in members[k + 1:])
    distinct = list(groups)
    rows = _bands(threshold)
    buckets: dict[tuple[int, ...], list[int]] = {}
    for x, shape in enumerate(_identifying(distinct)):
        signature = _signature(shape)
        for start in range(0, _BINS, rows):
            buckets.setdefault((start, *signature[start:start + rows]), []).append(x)
    sets = [frozenset(shape) for shape in distinct]
    compared: set[tuple[int, int]] = set()
    for bucket in buckets.values():
        for k, x in enumerate(bucket):
            for y in bucket[k + 1:]:
                if (x, y) in compared:
                    continue
                compared.add((x, y))
                small, large = sorted((len(sets[x]), len(sets[y])))
                if small < threshold * large - 1e-9:
                    continue
                common = len(sets[x] & sets[y])
                value = common / (small + large - common)
                if value >= threshold - 1e-9:
                    for a in groups[distinct[x]]:
                        for b in groups[distinct[y]]:
                            pairs.append((min(a, b), max(a, b), value))
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


def near_pairs(ctx: Context) -> tuple[list[Candidate], list[tuple[int, int, float]]]:
    """The candidates and the pairs of them (indices, similarity) that are near copies."""
    settings = ctx.config.duplicates
    found = candidates(ctx)
    pairs = similar_pairs([c.cls.shape for c in found], settings.threshold)
    overrides: dict[int, bool] = {}

    def kept(i: int) -> bool:
        if i not in overrides:
            overrides[i] = only_overrides(ctx, found[i])
        return not overrides[i]

    return found, [(i, j, s) for i, j, s in pairs
                   if found[i].name != found[j].name and kept(i) and kept(j)]


def clusters(pairs: list[tuple[int, int, float]]) -> list[tuple[list[int], float]]:
    """Union-find over the pairs: each cluster's members (ascending) and its lowest
    similarity, in the order of their first members."""
    parent = {i: i for pair in pairs for i in pair[:2]}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, _s in pairs:
        parent[root(i)] = root(j)
    members: dict[int, list[int]] = {}
    lowest: dict[int, float] = {}
    for i in sorted(parent):
        members.setdefault(root(i), []).append(i)
    for i, _j, s in pairs:
        lowest[root(i)] = min(lowest.get(root(i), 1.0), s)
    return [(m, lowest[key]) for key, m in members.items()]


def check(ctx: Context) -> Iterator[Finding]:
    if not ctx.config.duplicates.enabled:
        return
    found, pairs = near_pairs(ctx)
    if ctx.changed is None:
        yield from _clusters(found, pairs)
    else:
        yield from _changed(found, pairs, ctx.changed)


def _location(c: Candidate) -> Location:
    return Location(c.path, c.cls.line, c.cls.col, c.cls.end_line)


def _clusters(found: list[Candidate], pairs: list[tuple[int, int, float]]) -> Iterator[Finding]:
    """One finding per cluster, on its first class (candidates are in path, line order)."""
    rule = sys.modules[__name__]
    for members, lowest in clusters(pairs):
        first, *others = members
        names = sorted(found[m].name for m in members)
        listed = ", ".join(f"`{found[m].name}` ({found[m].path}:{found[m].cls.line})"
                           for m in members)
        yield finding(rule, None, " ~ ".join(names), CLUSTER_MESSAGE.format(
            count=len(members), share=share(lowest), members=listed),
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
