"""SSOT008 near-duplicate-class: a class is a structural near copy of another class.

Fragmentation usually starts as a copy: a manager copied and renamed, a mock that drifted
into production code. Every class has a structural fingerprint (method names and
signatures, base and decorator names, and the shape of every statement, with local names,
attributes and literals left out; see ``rules/shape.py``). Two classes are near copies
when the similarity of their fingerprints (the Jaccard index) is at least
``[duplicates] threshold``. Renaming the class, its variables or its attributes, or
reordering its methods, does not hide a copy.

- Without ``--base`` near copies are grouped into clusters (a copy of a copy joins the
  cluster), each reported once, on its first class by path; the message names up to 10 of
  its classes, which are also the related locations.
- With ``--base`` only classes in files the change touched are reported, each with the
  closest other class of the repository (changed or not) as the related location, so a
  copy of an untouched file is caught.

Not reported: classes with fewer than ``[duplicates] min_methods`` methods, an interface
(every method a stub: ``pass``, ``...`` or ``raise NotImplementedError``), a subclass
whose methods all override methods of its in-repository bases (or of ``object``), two
alternative definitions of the same name in one module, classes in excluded paths (tests
by default; exclude generated code too), and a class whose line carries
``# ssot: ignore[SSOT008]`` (a deliberate copy: it is then left out of every comparison).
Set ``[duplicates] enabled = false`` to turn the rule off. A warning: it never fails a
check.

No two classes are compared unless they share something distinctive, and each class is
compared with a bounded number of others, so the work grows with the number of classes,
not with its square, even in generated code with thousands of copies of one class. The
price, paid in such code only: a near copy that shares nothing but common statements
with its original can go unreported.
"""

from __future__ import annotations

import functools
import math
import sys
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from itertools import accumulate, chain
from typing import Final, NamedTuple

from rules.context import Context, Frequencies, Frequency, Prior, finding
from rules.examples import Invalid, Valid
from rules.model import Definition, Finding, Location, Severity
from rules.shape import Shape, name_features, packed
from rules.shape import unnamed as unnamed_shape
from rules.summary import ClassShape, FileSummary, ShapeRow

CODE = "SSOT008"
SLUG = "near-duplicate-class"
SEVERITY = Severity.WARNING
MESSAGE = ("class `{name}` is a near copy of `{other}` ({where}): {share} of their "
           "structure is the same, names and literals aside; reuse `{short}` (import, subclass "
           "or compose it) instead of keeping a second copy, or mark a deliberate copy with "
           "`# ssot: ignore[SSOT008]`")
CLUSTER_MESSAGE = ("{count} classes are near copies of each other ({likeness}, names and literals "
                   "aside): {members}; keep one and reuse it (import, subclass or compose), or mark a "
                   "deliberate copy with `# ssot: ignore[SSOT008]`")
IDENTICAL = "all of their structure is the same"
SIMILAR = "each shares {share} of its structure with another of them"
MORE = "and {count} more"
#: a cluster's message names this many of its classes (the rest are counted)
LISTED = 10

#: methods every class inherits: redefining one is an override
_OBJECT_METHODS = frozenset(name for name in dir(object) if callable(getattr(object, name)))


class Candidate(NamedTuple):
    path: str
    module: str
    cls: ClassShape
    #: module-qualified: ``app.ws.manager.Manager``
    name: str


def share(similarity: float) -> str:
    """How much of two classes' structure is the same, in words (a lower bound: rounded down)."""
    return "all" if similarity >= 1 else f"{math.floor(similarity * 100 + _EPS)}% or more"


def likeness(lowest: float) -> str:
    """How alike a cluster's classes are, given the lowest similarity that joined them."""
    return IDENTICAL if lowest >= 1 else SIMILAR.format(share=share(lowest))


def listed(first: Sequence[str], total: int) -> str:
    """The first ``LISTED`` of ``total`` things, and how many more there are."""
    shown = list(first[:LISTED])
    if total > len(shown):
        shown.append(MORE.format(count=total - len(shown)))
    return ", ".join(shown)


class Candidates(Sequence[Candidate]):
    """The classes worth comparing (enough methods, not excluded, not suppressed; read from
    the summaries' headers only), in path order, then in the order of the file: their
    paths, classes, fingerprints and unnamed hashes side by side, and each one's
    :class:`Candidate` (with its module) made when first asked for: a search with a base
    asks for a few of 25,000."""

    def __init__(self, ctx: Context) -> None:
        least = ctx.config.duplicates.min_methods
        self._ctx = ctx
        self.paths: list[str] = []
        self.classes: list[ShapeRow] = []  # as the summaries hold them
        files = ctx.index.files
        for path in sorted(files):  # excluded paths (tests) never reach the index
            kept = _compared(files[path], least)
            if kept:
                self.paths += [path] * len(kept)
                self.classes += kept
        self.shapes = [row[_SHAPE] for row in self.classes]
        self.unnamed = [row[_UNNAMED] for row in self.classes]
        self._made: dict[int, Candidate] = {}

    def __len__(self) -> int:
        return len(self.classes)

    def __getitem__(self, i: int) -> Candidate:  # type: ignore[override]  # no slices
        made = self._made.get(i)
        if made is None:
            path, cls = self.paths[i], ClassShape._make(self.classes[i])
            module = self._ctx.module_of(path)
            made = self._made[i] = Candidate(path, module, cls, f"{module}.{cls.qualname}")
        return made

    def name(self, i: int) -> str:
        return self[i].name


#: where a class's fields stand in the rows the summaries hold (:class:`ClassShape`'s order:
#: a search reads 25,000 of them, and makes a ClassShape of the few it reports)
_LINE: Final = 1
_METHODS: Final = 4
_SHAPE: Final = 6
_UNNAMED: Final = 7


def _compared(summary: FileSummary, least: int) -> list[ShapeRow]:
    """A file's classes that are compared (their rows): with ``least`` methods or more, not
    suppressed."""
    rows = summary.shape_rows
    if summary.error is not None or not rows:
        return []
    if not summary.suppressions:
        return [row for row in rows if row[_METHODS] >= least]
    return [row for row in rows if row[_METHODS] >= least and not summary.silenced(row[_LINE], CODE)]


# -- finding near copies without comparing every pair ------------------------------------------

Fingerprint = bytes | Shape  # as the summary holds it (rules.shape.packed), or as rules.shape makes it
#: what gives the feature frequencies (what makes a feature rare) from the distinct
#: fingerprints, instead of counting them
Counting = Callable[["_Fingerprints"], Frequency]

#: features more fingerprints than this have are never looked up (they say little about
#: which class has them, and a lookup costs at most this many steps)
_RARE = 128
#: classes equal but for their names: each is compared with at most this many of its group
_LEADERS = 4
#: a lookup looks at the _WINDOW latest classes with the feature (the nearest in size);
#: and a class is compared with at most _BUDGET of those it found (4 x as many with a base)
_WINDOW = 8
_BUDGET = 4
#: how many of their first features two near copies share at least (when they have as many)
_SHARED = 3
#: up to this many features are looked up by searching bytes, more by a pass over all
_SEARCHED = 256
_EPS = 1e-9


#: a fingerprint's lookup: its keys, how many common features its first features hold
#: (not looked up), and its least overlap
Lookup = tuple[list[int], int, int]


def _needed(mine: Lookup, theirs: Lookup) -> int:
    """How many lookup features two fingerprints share at least if they are near copies:
    ``_SHARED`` of their first features (fewer if their overlap is smaller), less those that
    may be common ones (not looked up: common to both, so at most the fewer of theirs), and
    one at least."""
    _keys, common, overlap = mine
    _keys, their_common, their_overlap = theirs
    return max(1, min(_SHARED, max(overlap, their_overlap)) - min(common, their_common))


def feature_frequency(distinct: Sequence[bytes]) -> Frequency:
    """How many of these distinct fingerprints have each feature."""
    return Counter(array("q", b"".join(distinct)))


def patched_frequency(prior: Prior, prints: _Fingerprints, paths: Sequence[str], least: int) -> Frequency | None:
    """This revision's feature frequencies made up from another revision's (``prior``): the
    fingerprints only that one had taken away, those only this one has added (a file the
    two share has the same classes in both). ``paths`` holds each candidate's path. None
    when the prior cannot be that revision's (a count would fall below zero, or the number
    of fingerprints does not add up): the caller counts afresh."""
    had, table = prior.frequencies
    changed = prior.changed
    if not changed:
        return table if had == len(prints.packed) else None
    theirs = {row[_SHAPE] for path, summary in prior.files.items() if path in changed
              for row in _compared(summary, least) if row[_SHAPE]}
    gone = [data for data in theirs if data not in prints.numbers]
    touched = {prints.owner[i] for i, path in enumerate(paths) if path in changed and prints.owner[i] >= 0}
    added = [prints.packed[x] for x in sorted(touched) if prints.packed[x] not in theirs
             and all(paths[i] in changed for i in prints.members(x))]
    if had - len(gone) + len(added) != len(prints.packed):
        return None
    made = dict(table)
    for data in gone:
        for feature in array("q", data):
            count = made.get(feature, 0) - 1
            if count < 0:
                return None
            if count:
                made[feature] = count
            else:
                del made[feature]
    for data in added:
        for feature in array("q", data):
            made[feature] = made.get(feature, 0) + 1
    return made


class _Fingerprints:
    """The distinct fingerprints among the candidates, and what both searches ask of them.

    Candidates with the same fingerprint are one entry (``members``), so a thousand copies
    of one class cost one comparison, not half a million."""

    def __init__(self, shapes: Sequence[Fingerprint], threshold: float, unnamed: Sequence[int] | None = None,
                 counting: Counting | None = None) -> None:
        numbers: dict[bytes, int] = {}
        first: list[int] = []  # the first candidate with each fingerprint
        copies: dict[int, list[int]] = {}  # every candidate, for fingerprints several have
        owner: list[int] = []  # each candidate's fingerprint (-1: it has none)
        for i, shape in enumerate(shapes):
            if shape:
                x = numbers.setdefault(shape if isinstance(shape, bytes) else packed(shape), len(first))
                if x == len(first):
                    first.append(i)
                elif x in copies:
                    copies[x].append(i)
                else:
                    copies[x] = [first[x], i]
                owner.append(x)
            else:
                owner.append(-1)
        self.first, self.copies, self.owner = first, copies, owner
        self.threshold = threshold
        #: the fingerprints as bytes, and each one's number
        self.numbers = numbers
        self.packed = list(numbers)
        self.sizes = [len(data) >> 3 for data in self.packed]
        self._arrays: list[array[int] | None] = [None] * len(self.packed)  # made when first asked for
        #: hash of each fingerprint without its names (cached in the summary; else computed)
        self.unnamed = [hash(unnamed_shape(tuple(self.shape(x)))) for x in range(len(self.packed))] \
            if unnamed is None else [unnamed[i] for i in self.first]
        self._sets: list[frozenset[int] | None] = [None] * len(self.packed)
        self._names: dict[int, frozenset[int]] = {}
        # counted from the distinct fingerprints made so far (``packed``, ``numbers``,
        # ``owner``, ``members``): nothing below is there yet
        frequency = feature_frequency(self.packed) if counting is None else counting(self)
        self._rare = {f: count for f, count in frequency.items() if 1 < count <= _RARE}
        self._unique = {f for f, count in frequency.items() if count == 1}
        self._keys: dict[int, Lookup] = {}
        self._blob = b""  # every fingerprint in one block of bytes (searched by ``having``)
        self._starts: list[int] = []

    def __len__(self) -> int:
        return len(self.packed)

    def shape(self, x: int) -> array[int]:
        """One fingerprint's features (made from its bytes on first use: a search with a base
        looks at a few of them)."""
        made = self._arrays[x]
        if made is None:
            made = self._arrays[x] = array("q", self.packed[x])
        return made

    def similarity(self, x: int, y: int) -> float:
        """The exact Jaccard index of two fingerprints (0 when their sizes alone rule it out)."""
        a, b = self.sizes[x], self.sizes[y]
        if min(a, b) < self.threshold * max(a, b) - _EPS:
            return 0.0
        sets = self._sets
        if sets[x] is None and sets[y] is not None:
            x, y = y, x
        left = sets[x]
        if left is None:
            left = sets[x] = frozenset(self.shape(x))  # x is usually compared again: kept
        common = len(left.intersection(self.shape(y)))
        return common / (a + b - common)

    def near(self, value: float) -> bool:
        return value >= self.threshold - _EPS

    def could_be_near(self, x: int, y: int) -> bool:
        """For two fingerprints of one renamed group: would they be near copies if all but
        their name features were the same? (They are, unless two hashes collide, and then
        they are less similar: an upper bound that spares the exact comparison of most of
        the group's pairs.)"""
        names = self._names
        for z in (x, y):
            if z not in names:
                names[z] = frozenset(name_features(self.shape(z)))
        left, right = names[x], names[y]
        shared = len(left & right)
        rest = self.sizes[x] - len(left)
        return self.near((rest + shared) / (rest + len(left) + len(right) - shared))

    def keys(self, x: int) -> Lookup:
        """Prefix filtering (Bayardo, Ma and Srikant, 2007): order all features rarest first
        (then by number); if two fingerprints have ``overlap`` features in common, the first
        ``size - overlap + k`` features of each share at least ``k``, and at the threshold
        the overlap is at least ``ceil(threshold * size)``. Of the first
        ``size - ceil(threshold * size) + _SHARED`` features, the ones at most ``_RARE``
        fingerprints (and another one) have are the features to look ``x`` up by: all of
        them (were only the rarest looked up, a pair sharing only the others would be
        missed). Returns them, how many common ones are among those first features (they are
        not looked up), and that least overlap; see :func:`_needed`. Computed once per
        fingerprint."""
        found = self._keys.get(x)
        if found is None:
            found = self._keys[x] = self._lookup_keys(x)
        return found

    def _lookup_keys(self, x: int) -> Lookup:
        shape = self.shape(x)
        rare = self._rare
        if rare.keys().isdisjoint(shape):
            return [], 0, 0
        size = len(shape)
        overlap = math.ceil(self.threshold * size - _EPS)
        length = size - overlap + _SHARED - len(self._unique.intersection(shape))  # unique ones come first
        if length <= 0:
            return [], 0, 0  # its first features are its own: it has no near copy
        ordered = sorted(sorted(rare.keys() & shape), key=rare.__getitem__)  # rarest first, then by number
        return ordered[:length], max(0, length - len(ordered)), overlap

    def having(self, features: Iterable[int]) -> dict[int, list[int]]:
        """For each feature, the fingerprints that have it (in order). A few features are
        found by searching all fingerprints as one block of bytes (C speed, no objects
        made); many by one pass over every fingerprint."""
        wanted = set(features)
        out: dict[int, list[int]] = {f: [] for f in wanted}
        if len(wanted) > _SEARCHED:
            for y in range(len(self.packed)):
                for f in wanted.intersection(self.shape(y)):
                    out[f].append(y)
            return out
        if not self._blob:
            self._blob = b"".join(self.packed)
            self._starts = list(accumulate(map(len, self.packed[:-1]), initial=0))
        blob, starts = self._blob, self._starts
        for f in wanted:
            needle = array("q", [f]).tobytes()
            at = blob.find(needle)
            while at >= 0:
                if at % 8 == 0:  # a whole feature, not the tail of one and the head of the next
                    out[f].append(bisect_right(starts, at) - 1)
                at = blob.find(needle, at + 1)
        return out

    def members(self, x: int) -> list[int]:
        """The candidates with this fingerprint."""
        return self.copies.get(x) or [self.first[x]]

    def renamed(self, of: Iterable[int] | None = None) -> list[list[int]]:
        """Groups of fingerprints equal but for their name features (a copy whose methods,
        bases or decorators were renamed), each in order: all of them, or those of ``of``."""
        if of is None:
            counts = Counter(self.unnamed)
            wanted: Container[int] = {key for key, count in counts.items() if count > 1}
        else:
            wanted = {self.unnamed[x] for x in of}
        groups: dict[int, list[int]] = {}
        for x, key in enumerate(self.unnamed):
            if key in wanted:
                groups.setdefault(key, []).append(x)
        return [group for group in groups.values() if len(group) > 1]


class _Forest:
    """Union-find with path halving."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def root(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = i = parent[parent[i]]
        return i

    def union(self, a: int, b: int) -> None:
        a, b = self.root(a), self.root(b)
        self.parent[max(a, b)] = min(a, b)


Cluster = tuple[list[int], float]  # candidate indices (ascending), the lowest similarity that joined them


def near_copy_clusters(shapes: Sequence[Fingerprint], threshold: float, usable: Callable[[int], bool] = lambda i: True,
                       unnamed: Sequence[int] | None = None,
                       counting: Counting | None = None) -> list[Cluster]:
    """The clusters of near copies among ``shapes`` (the candidates' fingerprints), in the
    order of their first members: single linkage over pairs whose Jaccard index is at least
    ``threshold``, each with the lowest similarity of the pairs that joined it. A candidate
    for which ``usable`` says False joins nothing (asked only of candidates that have a near
    copy).

    Clusters, not pairs, are what is reported, so a pair is compared only when its classes
    are not in one cluster yet, and the work is bounded per class, never per pair:

    1. identical fingerprints are one entry, whatever their number;
    2. fingerprints equal but for their names are grouped, and each is compared with at
       most ``_LEADERS`` earlier members of its group that joined no cluster there before
       (a cheap bound on the names first, see :meth:`_Fingerprints.could_be_near`);
    3. every other pair comes from prefix filtering, smallest fingerprint first: each looks
       up the rare features among its first ones (:meth:`_Fingerprints.keys`) among the
       ``_WINDOW`` latest fingerprints that have them, counts how many each found one
       shares, and is compared with at most ``_BUDGET`` of those that share enough and are
       large enough (most shared first).

    Every similarity is computed exactly, never estimated. What can be missed: a pair
    whose shared rarest features are all common to more than ``_RARE`` classes, a pair kept
    apart by a window or a budget where many classes share the same rare features, and in
    a group of renamed copies a member near none of the group's leaders. All of it is rare
    in real code (bench/DUPLICATES.md compares the clusters with those of comparing every
    pair), frequent in generated code.
    """
    prints = _Fingerprints(shapes, threshold, unnamed, counting)
    forest = _Forest(len(prints))
    alive: dict[int, bool] = {}
    lowest: dict[int, float] = {}  # root -> lowest similarity among the joins so far

    def join(x: int, y: int, value: float) -> bool:
        for z in (x, y):
            if z not in alive:
                alive[z] = any(usable(m) for m in prints.members(z))
        if not (alive[x] and alive[y]):
            return False
        low = min(value, lowest.pop(forest.root(x), 1.0), lowest.pop(forest.root(y), 1.0))
        forest.union(x, y)
        lowest[forest.root(x)] = low
        return True

    for group in prints.renamed():
        leaders: list[int] = []
        for x in group:
            for y in leaders:
                if forest.root(x) == forest.root(y):
                    break
                if not prints.could_be_near(x, y):
                    continue
                value = prints.similarity(x, y)
                if prints.near(value) and join(x, y, value):
                    break
            else:
                if len(leaders) < _LEADERS:
                    leaders.append(x)
    sizes = prints.sizes
    postings: dict[int, list[int]] = {}
    lookups = {x: keys for x in range(len(sizes)) if (keys := prints.keys(x))[0]}
    common = [0] * len(sizes)  # how many common features each has among its first ones
    for x, (_keys, commons, _overlap) in lookups.items():
        common[x] = commons
    for x in sorted(lookups, key=sizes.__getitem__):
        mine = lookups[x]
        lists = [postings.setdefault(key, []) for key in mine[0]]
        shared = Counter(chain.from_iterable(earlier[-_WINDOW:] for earlier in lists))
        for earlier in lists:
            earlier.append(x)
        least = threshold * sizes[x] - _EPS
        if mine[2] >= _SHARED:  # _needed(mine, theirs) <= n, written out: most candidates fail the first test
            fewest = _SHARED - mine[1]
            likely = [y for y, n in shared.items() if n >= fewest and common[y] >= _SHARED - n and sizes[y] >= least]
        else:
            likely = [y for y, n in shared.items() if n >= _needed(mine, lookups[y]) and sizes[y] >= least]
        likely.sort(key=lambda y: (-shared[y], y))  # most shared first
        for y in likely[:_BUDGET]:
            if forest.root(x) != forest.root(y):
                value = prints.similarity(x, y)
                if prints.near(value):
                    join(x, y, value)
    return _gather(prints, forest, lowest, alive, usable)


def _gather(prints: _Fingerprints, forest: _Forest, lowest: dict[int, float], joined: Iterable[int],
            usable: Callable[[int], bool]) -> list[Cluster]:
    components: dict[int, list[int]] = {}
    for x in sorted({*joined, *prints.copies}):
        components.setdefault(forest.root(x), []).extend(prints.members(x))
    out = []
    for root, members in components.items():
        kept = sorted(m for m in members if usable(m))
        if len(kept) > 1:
            out.append((kept, lowest.get(root, 1.0)))
    out.sort()
    return out


def closest_copies(shapes: Sequence[Fingerprint], threshold: float, name: Callable[[int], str], sources: Iterable[int],
                   usable: Callable[[int], bool] = lambda i: True, unnamed: Sequence[int] | None = None,
                   counting: Counting | None = None) -> dict[int, tuple[int, float]]:
    """For each usable candidate in ``sources``: the closest other usable candidate of another
    name whose similarity is at least ``threshold``, and that similarity (ties go to the
    first name). A source with identical copies takes the first of them; else it is compared
    with at most 4 x ``_LEADERS`` candidates equal but for names and 4 x ``_BUDGET`` that
    share the most of its lookup features (each has at most ``_RARE`` classes): bounded work
    per source, whatever the size of the repository."""
    prints = _Fingerprints(shapes, threshold, unnamed, counting)
    owner = prints.owner
    ordered: dict[int, list[int]] = {}

    def by_name(x: int) -> list[int]:
        if x not in ordered:
            ordered[x] = sorted(prints.members(x), key=lambda m: (name(m), m))
        return ordered[x]

    sources = [i for i in sorted(sources) if owner[i] >= 0]
    renamed: dict[int, tuple[list[int], int]] = {}  # x -> its group of renamed copies, x's place in it
    for group in prints.renamed({owner[i] for i in sources}):
        for at, x in enumerate(group):
            renamed[x] = (group, at)
    # a fingerprint is found by a key when both look up by it (prefix filtering): the
    # fingerprints with each of the sources' keys, less those that do not look up by it
    having = prints.having(chain.from_iterable(prints.keys(owner[i])[0] for i in sources))
    postings = {key: [y for y in ys if key in prints.keys(y)[0]] for key, ys in having.items()}
    out: dict[int, tuple[int, float]] = {}
    for i in sources:
        if not usable(i):
            continue
        x = owner[i]
        best = _first_other(by_name(x), i, name, usable)
        if best is not None:
            out[i] = (best, 1.0)
            continue
        group, at = renamed.get(x, ([], 0))
        mates = set(group[max(0, at - 2 * _LEADERS):at + 2 * _LEADERS + 1])
        shared: dict[int, int] = {}
        mine = prints.keys(x)
        for y in chain.from_iterable(postings[key] for key in mine[0]):
            shared[y] = shared.get(y, 0) + 1
        likely = sorted((y for y in shared if shared[y] >= _needed(mine, prints.keys(y))),
                        key=lambda y: (-shared[y], y))
        mates.update(likely[:4 * _BUDGET])
        mates.discard(x)
        ranked: list[tuple[float, str, int]] = []
        for y in mates:
            value = prints.similarity(x, y)
            if prints.near(value):
                other = _first_other(by_name(y), i, name, usable)
                if other is not None:
                    ranked.append((-value, name(other), other))
        if ranked:
            negative, _name, other = min(ranked)
            out[i] = (other, -negative)
    return out


def _first_other(members: list[int], i: int, name: Callable[[int], str], usable: Callable[[int], bool]) -> int | None:
    """The first usable candidate of ``members`` (in order of name) with another name than ``i``'s."""
    return next((m for m in members if name(m) != name(i) and usable(m)), None)


# -- the rule ----------------------------------------------------------------------------------

def only_overrides(ctx: Context, candidate: Candidate) -> bool:
    """A subclass whose every method redefines one of its in-repository bases' (or
    ``object``'s): a specialisation, not a copy."""
    cls = candidate.cls
    if not cls.based:
        return False
    definition = Definition(candidate.path, cls.line, cls.qualname, "class", candidate.module)
    order, _external = ctx.mro(definition)
    if not order:
        return False
    inherited = {name for _d, info in order[1:] for name in info.members}
    return set(order[0][1].methods) - _OBJECT_METHODS <= inherited


def _usable(ctx: Context, found: Candidates) -> Callable[[int], bool]:
    """Whether a candidate may be reported (not only overrides), asked lazily, answered once."""
    return functools.cache(lambda i: not only_overrides(ctx, found[i]))


def _frequency(ctx: Context, found: Candidates) -> Counting:
    """The candidates' feature frequencies, from their fingerprints: made up from another
    revision's (``ctx.prior``) when the shell has them, else counted; kept in ``ctx.learnt``
    for the next run."""
    def made(prints: _Fingerprints) -> Frequency:
        table = None
        if ctx.prior is not None:
            table = patched_frequency(ctx.prior, prints, found.paths, ctx.config.duplicates.min_methods)
        if table is None:
            table = feature_frequency(prints.packed)
        ctx.learnt.frequencies = Frequencies(len(prints.packed), table)
        return table

    return made


def near_clusters(ctx: Context) -> tuple[Candidates, list[Cluster]]:
    """The candidates and their clusters of near copies, each with one candidate per name
    (the first: two alternative definitions of a name are one class) and at least two
    names."""
    found = Candidates(ctx)
    clusters = near_copy_clusters(found.shapes, ctx.config.duplicates.threshold, _usable(ctx, found), found.unnamed,
                                  _frequency(ctx, found))
    out = []
    for members, lowest in clusters:
        first: dict[str, int] = {}
        for m in members:
            first.setdefault(found[m].name, m)
        if len(first) > 1:
            out.append((sorted(first.values()), lowest))
    return found, out


def check(ctx: Context) -> Iterator[Finding]:
    if not ctx.config.duplicates.enabled:
        return
    if ctx.changed is None:
        yield from _clusters(ctx)
    else:
        yield from _changed(ctx, ctx.changed)


def _location(c: Candidate) -> Location:
    return Location(c.path, c.cls.line, c.cls.col, c.cls.end_line)


def _clusters(ctx: Context) -> Iterator[Finding]:
    """One finding per cluster, on its first class (candidates are in path order). Its
    identity names every class of the cluster, so it does not change with lines or with
    how many classes the message lists."""
    rule = sys.modules[__name__]
    found, clusters = near_clusters(ctx)
    for members, lowest in clusters:
        first, *others = members
        names = listed([f"`{found[m].name}` ({found[m].path}:{found[m].cls.line})" for m in members[:LISTED]],
                       len(members))
        yield finding(rule, None, " ~ ".join(sorted(found[m].name for m in members)), CLUSTER_MESSAGE.format(
            count=len(members), likeness=likeness(lowest), members=names),
            _location(found[first]), related=tuple(_location(found[m]) for m in others[:LISTED - 1]))


def _changed(ctx: Context, changed: frozenset[str]) -> Iterator[Finding]:
    """Each class in a changed file with its closest near copy anywhere."""
    rule = sys.modules[__name__]
    found = Candidates(ctx)
    sources = [i for i, path in enumerate(found.paths) if path in changed]
    if not sources:
        return
    closest = closest_copies(found.shapes, ctx.config.duplicates.threshold, found.name, sources,
                             _usable(ctx, found), found.unnamed, _frequency(ctx, found))
    for me in sorted(closest):
        other, similarity = closest[me]
        mine, theirs = found[me], found[other]
        yield finding(rule, None, f"{mine.name} ~ {theirs.name}", MESSAGE.format(
            name=mine.name, other=theirs.name, where=f"{theirs.path}:{theirs.cls.line}",
            share=share(similarity), short=theirs.cls.qualname),
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
_INTERFACE = '''\
class Store:
    def get(self, key):
        """The value stored under ``key``."""
        raise NotImplementedError

    def put(self, key, value):
        ...

    def delete(self, key):
        pass
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
    Valid(files={"app/__init__.py": "", "app/store.py": _INTERFACE,
                 "app/cache.py": _INTERFACE.replace("Store", "Cache")},
          note="interfaces (every method a stub) have no code to share"),
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
