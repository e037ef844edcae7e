"""A class's structural fingerprint: a set of integer features, identifiers and literals
abstracted away.

The near-duplicate rule (SSOT008) compares fingerprints with the Jaccard index: two
classes are near copies when most of their features are shared. A feature is one of

- the set of the class's method names, as one feature (so a copy that keeps the interface
  scores a little higher, and one that renames methods is not hidden by it),
- a method's header: sync or async, positional / keyword-only parameter counts, ``*args``,
  ``**kwargs``, defaults, and its decorators' last names,
- two consecutive statements of one method body (a bigram), each statement abstracted to
  its kind, its nesting depth and the kinds of its direct parts (``x = self.f(a, b=1)`` is
  an assignment of a two-argument call of an attribute, whatever the names and values; for
  an operation, its operator and the kinds of its operands: ``a * b ** c`` is not
  ``(a - b) / c``, so two implementations of one protocol with other formulas differ),
- two consecutive class-level statements (``attr = value`` lines, nested classes),
- the last name of each base class and class decorator.

A class whose methods are all stubs (``pass``, ``...``, ``raise NotImplementedError``:
an interface) has no fingerprint: it has no code a copy could share.

Bigrams restart at every method, so reordering methods changes nothing, and no feature
but that one holds a name (of a local, attribute, parameter, method or the class) or a
literal, so renaming them changes at most one feature. A feature that occurs k times is
counted k times (the set holds ``(feature, i)`` for i < k), which makes the Jaccard index
of the sets that of the multisets.

Cost matters more than finesse here: the fingerprint is computed for every class of every
file on a cold run, next to ``ast.parse``. It looks at statements and their direct parts
(and an operation's operands) only, never walks expressions, and hashes integers only
(``hash`` of ints and tuples of ints, and CRC-32 of names, are the same in every process
of one Python version, unlike ``hash`` of a string), so a fingerprint cached on disk (the
cache is kept per Python version) compares with one computed now.
"""

from __future__ import annotations

import ast
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Sequence

Shape = tuple[int, ...]

_DEF, _ASYNC, _CLASS_BODY, _NAME, _BASE, _DECO = range(1, 7)
_ATTRIBUTE = 1 << 17
#: the features that hold names (the method-name set, base and decorator names) lie in
#: ``[NAMED[0], NAMED[1])``; every other feature is a 64-bit hash, which falls there with
#: a probability below 1e-9
NAMED = (_NAME << 32, (_DECO + 1) << 32)


def _crc(text: str) -> int:
    return zlib.crc32(text.encode())


class _Kinds(dict[type, int]):
    """Node type -> a small stable number (CRC-32 of the type's name, not its position in
    this interpreter's ``ast`` module; the cache is still kept per Python version, as
    the hash of a tuple may change between versions)."""

    def __missing__(self, key: type) -> int:
        value = self[key] = (zlib.crc32(key.__name__.encode()) & 0xFFFF) << 8
        return value


_KIND = _Kinds()

#: the one direct part of a statement that goes into its number
_PART = {ast.Assign: "value", ast.Expr: "value", ast.Return: "value", ast.AugAssign: "value",
         ast.AnnAssign: "value", ast.If: "test", ast.While: "test", ast.For: "iter",
         ast.AsyncFor: "iter", ast.Raise: "exc", ast.Assert: "test"}
#: an operation's own parts: operator and operand kinds (``a * b ** c`` is not ``(a - b) / c``)
_OPERATION = {
    ast.BinOp: lambda e: (_KIND[ast.BinOp], _KIND[type(e.op)], _KIND[type(e.left)], _KIND[type(e.right)]),
    ast.BoolOp: lambda e: (_KIND[ast.BoolOp], _KIND[type(e.op)], len(e.values)),
    ast.UnaryOp: lambda e: (_KIND[ast.UnaryOp], _KIND[type(e.op)], _KIND[type(e.operand)]),
    ast.Compare: lambda e: (_KIND[ast.Compare], _KIND[type(e.ops[0])], len(e.ops), _KIND[type(e.left)],
                            _KIND[type(e.comparators[0])]),
}
#: compound statements whose blocks are part of the method (nested defs are not)
_BLOCKS = frozenset({ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith,
                     ast.Try, ast.TryStar, ast.Match})


class _Specs(dict[type, tuple[int, str | None, bool, bool]]):
    """Statement type -> its kind number, its part (``_PART``), whether it holds blocks,
    whether it is an assignment: one lookup a statement."""

    def __missing__(self, key: type) -> tuple[int, str | None, bool, bool]:
        value = self[key] = (_KIND[key], _PART.get(key), key in _BLOCKS, key is ast.Assign)
        return value


_SPEC = _Specs()


def _body(body: list[ast.stmt], depth: int, previous: int, out: list[int]) -> int:
    """Append the bigrams of a block (descending into nested blocks, not into nested
    function or class bodies); return the last statement's number.

    A statement's number holds its kind, its depth and the kind of one direct part: for a
    call, also what is called (name or attribute) and how many arguments and keywords; for
    an attribute, what it is taken from; for an assignment, what is assigned to.
    """
    kinds, specs, call, attribute, operation = _KIND, _SPEC, ast.Call, ast.Attribute, _OPERATION
    append = out.append
    for stmt in body:
        kind, part, nested, assign = specs[type(stmt)]
        code = kind | depth
        if part is not None:
            value = getattr(stmt, part)
            if value is not None:
                vkind = type(value)
                if vkind is call:
                    code = hash((code, kinds[type(value.func)], len(value.args), len(value.keywords)))
                elif vkind is attribute:
                    code = hash((code, _ATTRIBUTE | kinds[type(value.value)]))
                elif vkind in operation:
                    code = hash((code, *operation[vkind](value)))
                else:
                    code = hash((code, kinds[vkind]))
            if assign:
                targets = stmt.targets  # type: ignore[attr-defined]
                code = hash((code, kinds[type(targets[0])], len(targets)))
        append(hash((previous, code)))
        previous = code
        if nested:
            previous = _blocks(stmt, depth + 1, previous, out)
    return previous


def _blocks(stmt: ast.stmt, depth: int, previous: int, out: list[int]) -> int:
    if type(stmt) is ast.Match:
        for case in stmt.cases:  # type: ignore[attr-defined]
            previous = _body(case.body, depth, previous, out)
        return previous
    previous = _body(stmt.body, depth, previous, out)  # type: ignore[attr-defined]
    orelse = getattr(stmt, "orelse", None)
    if orelse:
        previous = _body(orelse, depth, previous, out)
    handlers = getattr(stmt, "handlers", None)
    if handlers is not None:
        for handler in handlers:
            previous = _body(handler.body, depth, previous, out)
        if stmt.finalbody:  # type: ignore[attr-defined]
            previous = _body(stmt.finalbody, depth, previous, out)  # type: ignore[attr-defined]
    return previous


def _last_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _strip_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
            and isinstance(first.value.value, str):
        return body[1:]
    return body


def _stub(body: list[ast.stmt]) -> bool:
    """A method body without code: a docstring, ``pass``, ``...`` or ``raise NotImplementedError``."""
    for stmt in _strip_docstring(body):
        if type(stmt) is ast.Pass:
            continue
        if type(stmt) is ast.Expr and type(stmt.value) is ast.Constant and stmt.value.value is Ellipsis:
            continue
        if type(stmt) is ast.Raise and _last_name(stmt.exc) == "NotImplementedError":  # type: ignore[arg-type]
            continue
        return False
    return True


def class_shape(node: ast.ClassDef) -> Shape:
    """The fingerprint of one class: sorted distinct feature numbers (empty for a class
    without methods, or whose methods are all stubs such as an interface's: no
    near-duplicate check looks at those)."""
    features: list[int] = []
    others: list[ast.stmt] = []
    names: list[str] = []
    stubs = True
    function, async_function = ast.FunctionDef, ast.AsyncFunctionDef
    for stmt in node.body:
        kind = type(stmt)
        if kind is function or kind is async_function:
            if stubs:
                stubs = _stub(stmt.body)  # type: ignore[attr-defined]
            args = stmt.args  # type: ignore[attr-defined]
            header: tuple[int, ...] = (_ASYNC if kind is async_function else _DEF,
                                       len(args.posonlyargs) + len(args.args), len(args.kwonlyargs),
                                       args.vararg is not None, args.kwarg is not None, len(args.defaults))
            if stmt.decorator_list:  # type: ignore[attr-defined]
                header += tuple(_crc(_last_name(d)) for d in stmt.decorator_list)  # type: ignore[attr-defined]
            code = hash(header)
            names.append(stmt.name)  # type: ignore[attr-defined]
            features.append(code)
            _body(stmt.body, 1, code, features)  # type: ignore[attr-defined]
        else:
            others.append(stmt)
    if not features or stubs:
        return ()
    if others:
        _body(_strip_docstring(others), 0, _CLASS_BODY, features)
    names.sort()
    features.append(_NAME << 32 | _crc(" ".join(names)))
    for base in node.bases:
        features.append(_BASE << 32 | _crc(_last_name(base)))
    for decorator in node.decorator_list:
        features.append(_DECO << 32 | _crc(_last_name(decorator)))
    # a multiset as a set: the i-th repeat of a feature becomes a feature of its own
    distinct = set(features)
    if len(distinct) < len(features):
        features.sort()
        previous, repeat = None, 0
        for feature in features:
            if feature == previous:
                repeat += 1
                distinct.add(hash((feature, repeat)))
            else:
                previous, repeat = feature, 0
    return tuple(sorted(distinct))


def similarity(a: Shape, b: Shape) -> float:
    """Jaccard index of two fingerprints (1.0 for two empty ones)."""
    if not a and not b:
        return 1.0
    common = len(set(a).intersection(b))
    return common / (len(a) + len(b) - common)


def _named(shape: Sequence[int]) -> tuple[int, int]:
    """Where a sorted fingerprint's name features are: one slice of it."""
    return bisect_left(shape, NAMED[0]), bisect_left(shape, NAMED[1])


def name_features(shape: Sequence[int]) -> Sequence[int]:
    """The features that hold names (method names, base and decorator names)."""
    low, high = _named(shape)
    return shape[low:high]


def unnamed(shape: Shape) -> Shape:
    """The fingerprint without its name features: two classes that differ only in the names
    of their methods, bases or decorators have the same one."""
    low, high = _named(shape)
    return shape[:low] + shape[high:] if low != high else shape


def packed(shape: Shape) -> bytes:
    """The fingerprint as bytes (signed 64-bit integers in this machine's order), for the
    summary cache: ``array("q", packed(shape))`` reads it back."""
    return array("q", shape).tobytes()
