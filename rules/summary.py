"""One Python file in, one frozen summary out.

A summary depends only on the file's bytes, never on its path, so it is cached by git
blob SHA and shared between revisions and repositories. It holds what the resolver and
the rules need: classes, module-level bindings as a small flow graph (which binding a
name may hold at each point, with every branch of an ``if``/``try`` as an alternative),
``__all__``, imports and suppression comments.

Parsing uses CPython's ``ast`` (the fastest parser there is here). Syntax newer than the
running interpreter (``type X = int``, ``class A[T]:``, PEP 701 f-strings) is read with
libcst, lowered to equivalent older syntax on the same lines, and parsed again.
"""

from __future__ import annotations

import ast
import codecs
import functools
import importlib.util
import io
import marshal
import pickle
import re
import tokenize
import warnings
from bisect import bisect_left
from collections.abc import Callable
from typing import NamedTuple

from rules.shape import class_shape, packed, unnamed

#: Bump when the summary's shape or content changes; the disk cache is keyed by it.
FORMAT = 20

#: a file's bytes, or how to read them again when a detail is first asked for (None: gone)
Source = bytes | Callable[[], bytes | None]


class Param(NamedTuple):
    name: str
    kind: str  # "posonly" | "pos" | "varargs" | "kwonly" | "varkw"
    has_default: bool


class ClassInfo(NamedTuple):
    name: str
    qualname: str
    line: int
    col: int
    end_line: int
    bases: tuple[str, ...]  # dotted source text, "" where a base is not a dotted name
    decorators: tuple[str, ...]
    #: def / async def names in body order, each once, with those in the body's ``if``,
    #: ``try``, ... blocks that may run (see _class_namespace)
    methods: tuple[str, ...]
    members: tuple[str, ...]  # every name the body binds (methods included), as ``methods``
    init: tuple[Param, ...] | None  # __init__ parameters without self; None: no __init__
    init_line: int
    scope: str  # "module" | "class" | "function"
    #: the source text of each base that is not a dotted name ("" in ``bases``), such as
    #: ``make_base()``: computed when the class is made, its methods cannot be seen
    computed_bases: tuple[str, ...] = ()
    #: the attributes its ``__init__`` sets on the instance (``self.hook = ...``)
    attributes: tuple[str, ...] = ()


class ClassShape(NamedTuple):
    """What the near-duplicate rule (SSOT008) needs of a class with methods. Kept in the
    summary's header, so a warm run compares every class without decoding any detail."""

    qualname: str
    line: int
    col: int
    end_line: int
    methods: int  # how many def / async def the body has
    based: bool  # it has a base other than ``object``
    #: structural fingerprint (rules.shape), its sorted features as signed 64-bit integers
    #: (``array("q")`` bytes: the cache reads them in one copy, not one integer at a time)
    shape: bytes
    unnamed: int  # hash of the fingerprint without its name features (rules.shape.unnamed)


#: a ClassShape's fields as the cache holds them (a plain tuple, or the ClassShape itself)
ShapeRow = tuple[str, int, int, int, int, bool, bytes, int]


class FunctionInfo(NamedTuple):
    name: str
    line: int
    #: what it returns: ("call", dotted callee) or ("name", dotted)
    returns: tuple[tuple[str, str], ...]
    annotation: str  # dotted return annotation, "" when none
    #: imports inside the body: (local name, module, level, imported name or "")
    local_imports: tuple[tuple[str, str, int, str], ...]
    #: `name = Callee(...)` inside the body: (name, dotted callee)
    assigns: tuple[tuple[str, str], ...]


class Binding(NamedTuple):
    """A module-level event that gives a name a value.

    kind:
      - "import": ``from <module> import <name>`` (``level`` dots for relative imports)
      - "module": ``import <module>`` / ``import a.b as c`` (binds the module itself)
      - "ref": ``X = <root>.<name>``; ``targets`` are the bindings the root may hold there
      - "star": ``from <module> import *``; ``targets`` are the star imports that may have
        run last before it ("unbound" for a path without one)
      - "starname": a name a ``from m import *`` (binding ``star``) may have bound;
        ``targets`` are what it held before when ``m`` does not export it
      - "chained": a name no statement bound here, so whatever the star imports in
        ``targets`` (alternatives, each linked to its predecessors) bind it to, if any
      - "unbound": the name is not bound here (it names nothing)
      - "deleted": ``del <name>`` unbound it
      - "class" (``number`` into classes), "function" (``number`` into functions),
        "value" (anything else; ``name`` holds a dotted callee when it is ``Callee(...)``)
    """

    kind: str
    line: int
    col: int
    module: str = ""
    level: int = 0
    name: str = ""
    targets: tuple[int, ...] = ()
    #: which class or function (``kind`` says): its position in the summary's tuple of them
    number: int = -1
    star: int = -1
    text: str = ""


class ImportInfo(NamedTuple):
    """An import statement anywhere in the file (for non-canonical-import checks)."""

    line: int
    col: int
    module: str
    level: int
    name: str  # "" for ``import module``
    asname: str


class Detail(NamedTuple):
    """The part of a summary only some files need: made (or decoded) on first use."""

    classes: tuple[ClassInfo, ...] = ()
    functions: tuple[FunctionInfo, ...] = ()
    bindings: tuple[Binding, ...] = ()
    #: name -> binding ids it may hold at the end of the module
    exports: tuple[tuple[str, tuple[int, ...]], ...] = ()
    #: the star imports that may have run last, one per path (binding ids; each links to
    #: the ones before it); an "unbound" binding among them for paths without one
    stars: tuple[int, ...] = ()
    #: the names ``__all__`` lists (None: the module has no ``__all__``)
    all_names: tuple[str, ...] | None = None
    #: what else ``__all__`` holds: the dotted names of modules whose ``__all__`` it adds
    #: (``__all__ += _models.__all__``), and ``"?"`` for a part that cannot be known
    all_more: tuple[str, ...] = ()


_DETAIL_FIELDS = frozenset(Detail._fields)
_tuple_new = tuple.__new__  # a NamedTuple from a decoded tuple, without ``_make``'s checks
_object_new = object.__new__


class FileSummary:
    """A file's summary: a small header every run reads, and a detail made lazily.

    A run over a large repository touches the detail of only the few modules the resolver
    visits (4 of 10,206 files on bench/corpora/generated-v2-10000, 14 of 877 on Django);
    rules that scan every file filter on the header first (``class_names``,
    ``import_names``, ``error``) or read all they need from it (``shape_rows``). So a fresh
    summary holds the header and the file's bytes (or a way to read them again: the cache
    keeps them apart from the header), and makes the detail from them when first asked for
    (about half of summarising, saved on every other file of a cold run); from the cache,
    a detail made once comes pickled.
    """

    __slots__ = ("class_names", "import_names", "suppressions", "size", "error", "lowered", "_imports",
                 "_shapes", "_detail", "_blob", "_source", "made")

    def __init__(self, *, suppressions: tuple[tuple[int, tuple[str, ...]], ...] = (), size: int = 0,
                 error: tuple[str, int, int] | None = None, lowered: bool = False,
                 detail: Detail | None = None, source: Source | None = None,
                 class_names: frozenset[str] | None = None, import_names: frozenset[str] | None = None,
                 imports: tuple[ImportInfo, ...] | tuple[tuple[object, ...], ...] = (),
                 shapes: tuple[ClassShape, ...] | tuple[tuple[object, ...], ...] = (),
                 **fields: object) -> None:
        if fields:
            unknown = set(fields) - _DETAIL_FIELDS
            if unknown:
                raise TypeError(f"unknown summary fields {sorted(unknown)}")
            detail = Detail(**fields)  # type: ignore[arg-type]
        if detail is None and source is None:
            detail = Detail()
        #: line -> codes ("*" for all) silenced by ``# ssot: ignore[...]``
        self.suppressions = suppressions
        #: the file's length in bytes (``max_file_bytes``: a git listing need not give it)
        self.size = size
        #: (message, line, column) when the file could not be parsed
        self.error = error
        #: True when the file needed the libcst fallback (newer syntax)
        self.lowered = lowered
        self._detail = detail
        #: the detail pickled (from the cache)
        self._blob: bytes | None = None
        #: the file's bytes to make the detail from, or what reads them (the detail of a fresh
        #: summary is made only when first asked for: a run needs a few)
        self._source = source
        #: True once the detail was made from the bytes (worth keeping in the cache)
        self.made = False
        #: every import statement (plain tuples until first asked for)
        self._imports = imports
        #: every class with methods, for SSOT008 (plain tuples until first asked for)
        self._shapes = shapes
        if class_names is None or import_names is None:
            class_names = frozenset(c.name for c in self.detail.classes)
            import_names = frozenset(str(i[4]) for i in imports if i[4])
        #: the names of every class the file defines (any depth)
        self.class_names = class_names
        #: the names ``from m import <name>`` imports anywhere in the file
        self.import_names = import_names

    @property
    def detail(self) -> Detail:
        if self._detail is None:
            if self._blob is not None:
                self._detail = pickle.loads(self._blob)
                self._blob = None
            else:
                try:
                    source = self._source() if callable(self._source) else self._source
                    if source is None:
                        raise DetailError("the file's bytes cannot be read again (changed or gone since it was "
                                          "summarised)")
                    self._detail = _detail_of(source)
                except DetailError as exc:
                    self._source = functools.partial(_fail, exc)  # asked again: nothing read or parsed again
                    raise
                self._source = None
                self.made = True
        return self._detail

    def held_source(self) -> bytes | None:
        """The file's bytes, when this summary holds them (to make its detail from)."""
        return self._source if isinstance(self._source, bytes) else None

    def read_source_with(self, read: Callable[[], bytes | None]) -> None:
        """Let go of the file's bytes: ``read`` gives them again should the detail be asked for."""
        if self._source is not None:
            self._source = read

    def silenced(self, line: int, code: str) -> bool:
        """``# ssot: ignore`` (or ``ignore[code]``) is on this line."""
        if not self.suppressions:
            return False
        codes = dict(self.suppressions).get(line, ())
        return "*" in codes or code in codes

    @property
    def holds_detail(self) -> bool:
        """The detail is here (made, or pickled): asking for it parses nothing."""
        return self._detail is not None or self._blob is not None

    classes = property(lambda self: self.detail.classes)
    functions = property(lambda self: self.detail.functions)
    bindings = property(lambda self: self.detail.bindings)
    exports = property(lambda self: self.detail.exports)
    stars = property(lambda self: self.detail.stars)
    all_names = property(lambda self: self.detail.all_names)
    all_more = property(lambda self: self.detail.all_more)

    @property
    def imports(self) -> tuple[ImportInfo, ...]:
        imports = self._imports
        if type(imports) is bytes:  # as cached: decoded for the few files a rule asks (SSOT007's)
            imports = marshal.loads(imports)
        if imports and type(imports[0]) is not ImportInfo:
            imports = tuple([_tuple_new(ImportInfo, i) for i in imports])
        self._imports = imports
        return imports  # type: ignore[return-value]

    @property
    def shape_rows(self) -> tuple[ShapeRow, ...]:
        """The classes' fingerprints (SSOT008's): :class:`ClassShape`'s fields, in plain
        tuples as the cache holds them (a run reads 25,000 and reports a few: those it
        makes ClassShapes of), or ClassShapes in a fresh summary."""
        return self._shapes  # type: ignore[return-value]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FileSummary):
            return NotImplemented
        return self.header() == other.header() and self.detail == other.detail

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"FileSummary(classes={sorted(self.class_names)}, error={self.error!r})"

    def header(self) -> tuple[object, ...]:
        return (tuple(sorted(self.class_names)), tuple(sorted(self.import_names)), self.suppressions,
                self.size, self.error, self.lowered, tuple(tuple(i) for i in self.imports),
                tuple(tuple(s) for s in self._shapes))

    def encode(self) -> bytes:
        """Bytes for the cache: the header in ``marshal`` (fast to read), then the detail
        pickled, if it was made. Never the file's bytes: the cache keeps those apart, read
        only for the few files whose detail a run makes."""
        blob = b""
        if self._blob is not None:
            blob = self._blob
        elif self._detail is not None:
            blob = pickle.dumps(self._detail, protocol=pickle.HIGHEST_PROTOCOL)
        imports = self._imports if type(self._imports) is bytes else \
            marshal.dumps(tuple(tuple(i) for i in self._imports))  # type: ignore[arg-type]  # marshal-able
        fields: tuple[object, ...] = (FORMAT, self.class_names, self.import_names, self.suppressions, self.size,
                                      self.error, self.lowered, imports, tuple(tuple(s) for s in self._shapes), blob)
        return marshal.dumps(fields)  # type: ignore[arg-type]  # marshal-able values

    @classmethod
    def decode(cls, data: bytes, source: Source | None = None) -> FileSummary:
        """A summary from ``encode``'s bytes; without a detail, ``source`` gives the file's
        bytes to make it from (without either, asking for the detail raises DetailError).
        Made without ``__init__``: a run decodes every file's."""
        fmt, class_names, import_names, suppressions, size, error, lowered, imports, shapes, blob = marshal.loads(data)
        if fmt != FORMAT:
            raise ValueError(f"summary format {fmt}, expected {FORMAT}")
        self = _object_new(cls)
        self.class_names, self.import_names, self.suppressions = class_names, import_names, suppressions
        self.size, self.error, self.lowered, self._imports, self._shapes = size, error, lowered, imports, shapes
        self._detail, self.made = None, False
        if blob:
            self._blob, self._source = blob, None
        else:
            self._blob, self._source = None, _gone if source is None else source
        return self


_SUPPRESS = re.compile(r"#\s*ssot:\s*ignore(?:\[([A-Za-z0-9_,\s-]+)\])?")


def summarize(source: bytes, *, detail: bool = False) -> FileSummary:
    """Summarize one file's bytes. Never raises on bad input.

    The header is made now; the detail (bindings, classes, functions), which a run needs
    for a few files only, when first asked for, from the same bytes parsed again, unless
    ``detail`` asks for it now (``ssot discover`` reads every file's).
    """
    parsed = _parse(source)
    if not isinstance(parsed, _Parsed):
        return FileSummary(error=parsed, size=len(source))
    kept: dict[str, object]
    try:
        if detail:
            made = _Extractor(parsed.wide, nested=parsed.nested).run(parsed.tree)
            header, kept = made, {"detail": made.detail}
        else:
            header = _Header(parsed.wide, nested=parsed.nested, inner=parsed.inner).run(parsed.tree)
            kept = {"source": source}  # the detail's makings
    except RecursionError:
        return FileSummary(error=("the file is too deeply nested to analyse", 1, 1), size=len(source))
    return FileSummary(class_names=header.class_names, import_names=header.import_names, imports=header._imports,
                       shapes=header._shapes, suppressions=_suppressions(source),
                       size=len(source), lowered=parsed.lowered, **kept)  # type: ignore[arg-type]


#: the file name the parser gives analysed code: its warnings (an invalid escape sequence is
#: a SyntaxWarning from Python 3.12) are about someone else's code, never printed by ssot
_ANALYSED = "<ssot: analysed code>"


def _ast_parse(source: str | bytes) -> ast.Module:
    # first among the filters at every parse: a filter set once at import is lost when the
    # import ran inside ``catch_warnings`` (pytest collects so), and one put in front of it
    # (``simplefilter("error")``) would turn a warning into a parse error
    if warnings.filters[:1] != _IGNORED:
        warnings.filterwarnings("ignore", module=re.escape(_ANALYSED))
    return ast.parse(source, _ANALYSED)


warnings.filterwarnings("ignore", module=re.escape(_ANALYSED))
_IGNORED = warnings.filters[:1]


class _Parsed(NamedTuple):
    tree: ast.Module
    lowered: bool  # parsed after libcst lowered newer syntax
    wide: dict[int, bytes]  # see _wide_lines
    nested: bool  # a function body may define a class
    inner: tuple[int, ...] | None  # the lines where a definition's body may import (see _inner_imports; None: any)


def _parse(source: bytes) -> _Parsed | tuple[str, int, int]:
    """The tree, or the error (message, line, column)."""
    try:
        return _Parsed(_ast_parse(source), False, _wide_lines(source), *_searched(source))
    except (SyntaxError, ValueError) as exc:
        if source.startswith((b"\xff\xfe", b"\xfe\xff")):
            return ("the file is UTF-16 (it starts with a UTF-16 byte order mark); Python reads source as "
                    "UTF-8, or in the encoding a coding cookie names", 1, 1)
        if b"\x00" in source:
            return ("the file contains null bytes", 1, 1)
        newer = _parse_newer_syntax(source)
        if newer is None:
            return _syntax_error(exc, source)
        tree, code = newer
        return _Parsed(tree, True, _wide_lines(code.encode("utf-8", "surrogatepass")), *_searched(source))
    except (RecursionError, MemoryError):
        return ("the file is too deeply nested to parse", 1, 1)


class DetailError(Exception):
    """A summarised file's detail could not be made (the rule asking for it reports a notice,
    on ``path`` when the reader knew which file it was)."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


def _fail(exc: DetailError) -> bytes:
    """The detail could not be made before: the same answer."""
    raise exc


def _gone() -> None:
    """No bytes to make a detail from."""
    return None


def _detail_of(source: bytes) -> Detail:
    """The detail of a file summarised before. It parsed then; should it fail now (the
    parser's limits can depend on how deep the stack already is), the rule that asked
    says so rather than see an empty module."""
    parsed = _parse(source)
    if not isinstance(parsed, _Parsed):
        raise DetailError(f"the file parsed once but not again ({parsed[0]})")
    try:
        return _Extractor(parsed.wide, nested=parsed.nested).run(parsed.tree).detail
    except RecursionError as exc:
        raise DetailError("the file is too deeply nested to analyse") from exc


def _syntax_error(exc: Exception, source: bytes) -> tuple[str, int, int]:
    if isinstance(exc, SyntaxError):
        if not source.isascii():  # parsing bytes, some offsets count bytes: the text's count characters
            try:
                _ast_parse(importlib.util.decode_source(source))
            except SyntaxError as again:
                exc = again
            except (ValueError, UnicodeDecodeError, RecursionError, MemoryError):
                pass
        message = exc.msg if exc.msg.startswith("invalid syntax") else f"invalid syntax: {exc.msg}"
        # (an unknown coding cookie's error has offset -1: columns count from 1)
        return (message, max(exc.lineno or 1, 1), max(exc.offset or 1, 1))
    return (str(exc), 1, 1)


def _suppressions(source: bytes) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """The lines with a ``# ssot: ignore[...]`` comment, and the codes each silences. Only
    a comment counts, not the same text in a string (``x = "# ssot: ignore"``): the few
    lines holding the words are tokenized, each on its own (a finding stands on a line
    where a statement starts, never inside a string that spans lines)."""
    if b"ssot:" not in source:
        return ()
    out = []
    for number, line in enumerate(source.splitlines(), 1):
        if b"ssot:" not in line:
            continue
        match = _SUPPRESS.search(_comment(line.decode("utf-8", "replace")))
        if match:
            codes = match.group(1)
            if codes:
                out.append((number, tuple(c.strip().upper() for c in codes.split(",") if c.strip())))
            else:
                out.append((number, ("*",)))
    return tuple(out)


def _comment(line: str) -> str:
    """The comment a line ends with, if any ("" when the ``#`` is in a string)."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(line).readline):
            if token.type == tokenize.COMMENT:
                return token.string
    except (tokenize.TokenError, SyntaxError):  # an open bracket or string: what came before stands
        pass
    return ""


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"()[]{}")
#: libcst's native parser overflows its stack (a crash, not an exception) on deeper nesting.
_LIBCST_MAX_DEPTH = 500


def _bracket_depth(source: bytes) -> int:
    depth = deepest = 0
    for b in source.translate(None, _NOT_BRACKETS):
        if b in b"([{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _parse_newer_syntax(source: bytes) -> tuple[ast.Module, str] | None:
    """Parse with libcst (newest grammar), lower new constructs, and parse again with ast;
    the tree and the lowered text."""
    if _bracket_depth(source) > _LIBCST_MAX_DEPTH:
        return None
    from rules import lowering  # libcst is slow to import; only files that need it pay

    code = lowering.lower(source)
    if code is None:
        return None
    try:
        return _ast_parse(code), code
    except (SyntaxError, ValueError):
        return None


def dotted(node: ast.expr | None) -> str:
    """``a.b.c`` for a Name/Attribute chain (subscripts dropped: ``Base[T]`` is ``Base``)."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return ".".join(reversed(parts))
        elif isinstance(node, ast.Subscript) and not parts:
            node = node.value
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and not parts:
            text = node.value.strip()
            return text if re.fullmatch(r"[A-Za-z_][\w.]*", text) else ""
        else:
            return ""


def _is_type_checking(test: ast.expr) -> bool | None:
    """True for ``if TYPE_CHECKING``, False for ``if not TYPE_CHECKING``, else None."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _is_type_checking(test.operand)
        return None if inner is None else not inner
    name = dotted(test) if isinstance(test, ast.Name | ast.Attribute) else ""
    if name.rsplit(".", 1)[-1] == "TYPE_CHECKING":
        return True
    return None


def _terminates(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], ast.Raise)


State = dict[str, frozenset[int]]


def _wide_lines(source: bytes) -> dict[int, bytes]:
    """The lines with characters beyond ASCII, by number, as UTF-8 (what ``ast`` counts
    its column offsets in, whatever the file's encoding), for :meth:`_Extractor.col`."""
    if source.isascii():
        return {}
    try:
        text = importlib.util.decode_source(source)  # the BOM and a coding cookie, as Python reads it
    except (UnicodeDecodeError, SyntaxError, LookupError):
        return {}
    return {n: line.encode("utf-8", "surrogatepass") for n, line in enumerate(text.split("\n"), 1)
            if not line.isascii()}


_BLANK = frozenset(b" \t\f")
_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_WORDS = {bytes((c,)) for c in _WORD}  # (as one-byte strings)
_LF, _CR, _BACKSLASH = ord("\n"), ord("\r"), ord("\\")


def _indented_class(source: bytes) -> bool:
    """Whether a ``class`` statement may stand below the top level. A class in a function
    starts a line of its own (compound statements never follow ``;`` or a colon), indented,
    where a line ends in LF, CRLF or a lone CR; or it follows a backslash that joined it to
    an indented line. The word ``class`` is found by ``bytes.find`` (a regular expression
    with these alternatives costs a tenth of parsing the file), its few places looked at."""
    at = source.find(b"class")
    while at >= 0:
        end = at + 5
        if end == len(source) or source[end] not in _WORD:
            start = at
            while start and source[start - 1] in _BLANK:
                start -= 1
            before = source[start - 1] if start else _LF  # the file's start begins a line
            if start < at and before in (_LF, _CR):
                return True  # an indented line
            if before == _LF and start >= 2 and source[start - 2] == _CR:
                start -= 1  # CRLF
            if before in (_LF, _CR) and start >= 2 and source[start - 2] == _BACKSLASH:
                return True  # a line joined to the one before
        at = source.find(b"class", at + 1)
    return False


def _searched(source: bytes) -> tuple[bool, tuple[int, ...] | None]:
    """Where the walk looks for classes in functions (``nested``) and imports in
    definitions (``inner``): as the searches of the file's bytes say, where its bytes are
    its characters as far as they are ASCII; everywhere in a file whose coding cookie
    (PEP 263) names any other encoding (in UTF-7 ``+AAo-`` is a line break, in mac_arabic
    a byte above 127 a backslash, iso2022 skips escape sequences)."""
    first = _COOKIE.match(source)
    second_line = _LINE.match(source)
    second = _COOKIE.match(source, second_line.end()) if second_line else None
    for cookie in (first, second):  # (the second line's counts only if the first has none: either will do)
        if cookie is not None and not _ascii_safe(cookie.group(1).decode("ascii")):
            return True, None
    return _indented_class(source), _inner_imports(source)


_COOKIE = re.compile(rb"[ \t\f]*#[^\r\n]*?coding[:=][ \t]*([-\w.]+)")
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)")
#: the encodings whose bytes below 128 are those ASCII characters, and whose other bytes
#: never stand for one (``tests/test_summary.py`` checks each, byte by byte)
ASCII_SAFE = frozenset({"utf-8", "ascii", *(f"iso8859-{n}" for n in (*range(1, 12), *range(13, 17))),
                        *(f"cp{n}" for n in range(1250, 1259))})


def _ascii_safe(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name in ASCII_SAFE
    except LookupError:
        return False


def _inner_imports(source: bytes) -> tuple[int, ...]:
    """The lines where an ``import`` may stand in the body of a function or a class: every
    line with the word ``import`` but those where it can only be an import at the top level,
    or no statement at all. Those lines start, at their first column, with the word
    ``import`` or ``from``, were not joined by a backslash to the line before, and hold
    neither ``;`` nor ``:`` before the word. (A statement at the first column of its logical
    line is at the top level; on a line that goes on a logical line, closing a string or a
    bracket, a statement follows a ``;``, or a compound statement's colon.) Searched like
    :func:`_indented_class`, each line looked at once; lines counted as ``ast`` counts them
    (LF, CRLF or a lone CR), only when one is found."""
    starts: list[int] = []  # where those lines start
    at = source.find(b"import")
    line = 0  # where the line of the word found before starts (the search back stops there)
    while at >= 0:
        end = at + 6
        if (at == 0 or source[at - 1] not in _WORD) and (end == len(source) or source[end] not in _WORD):
            found = max(source.rfind(b"\n", line, at), source.rfind(b"\r", line, at))
            if found >= line:
                line = found + 1
            if (not starts or starts[-1] != line) and not _top_level(source, line, at):
                starts.append(line)
        at = source.find(b"import", at + 1)
    numbers: list[int] = []
    number, counted = 1, 0
    for line in starts:
        number += source.count(b"\n", counted, line) + source.count(b"\r", counted, line) \
            - source.count(b"\r\n", counted, line)
        numbers.append(number)
        counted = line
    return tuple(numbers)


def _top_level(source: bytes, line: int, at: int) -> bool:
    """Whether the word ``import`` at ``at``, on the line that starts at ``line``, can only
    be an import at the top level, or no statement (see :func:`_inner_imports`)."""
    if not ((source.startswith(b"import", line) and source[line + 6:line + 7] not in _WORDS)
            or (source.startswith(b"from", line) and source[line + 4:line + 5] not in _WORDS)):
        return False
    joined = line - 1  # the line break before it (its first byte, for CRLF)
    if joined > 0 and source[joined] == _LF and source[joined - 1] == _CR:
        joined -= 1
    if joined > 0 and source[joined - 1] == _BACKSLASH:
        return False
    return source.find(b";", line, at) < 0 and source.find(b":", line, at) < 0


class _Extractor:
    def __init__(self, wide: dict[int, bytes] | None = None, nested: bool = True,
                 inner: tuple[int, ...] | None = None) -> None:
        #: lines with characters beyond ASCII (columns are counted in characters, not bytes)
        self.wide = wide or {}
        #: False when no function body can define a class (most files): none is searched
        self.nested = nested
        #: the lines where a definition's body may import (see _inner_imports; None: anywhere)
        self.inner = inner
        self.bindings: list[Binding] = []
        self.classes: list[ClassInfo] = []
        self.functions: list[FunctionInfo] = []
        self.imports: list[ImportInfo] = []
        self.shapes: dict[int, ClassShape] = {}  # class index -> its fingerprint (classes with methods)
        self.all_names: list[str] | None = None
        self.all_more: list[str] = []
        self.branching = 0  # how many alternatives (if, try, loops, match) the walk is in
        #: the star imports that may have run last on the paths to here ("star" binding ids)
        self.stars: frozenset[int] = frozenset()
        self._no_star: int | None = None

    def run(self, tree: ast.Module) -> FileSummary:
        state: State = {}
        self.block(tree.body, state)
        all_names = None if self.all_names is None else tuple(dict.fromkeys(self.all_names))
        return FileSummary(
            classes=tuple(self.classes),
            functions=tuple(self.functions),
            bindings=tuple(self.bindings),
            exports=tuple(sorted((k, tuple(sorted(v))) for k, v in state.items())),
            stars=tuple(sorted(self.stars)),
            all_names=all_names,
            all_more=tuple(dict.fromkeys(self.all_more)),
            imports=tuple(self.imports),
            shapes=tuple(self.shapes[i] for i in sorted(self.shapes)),
        )

    def col(self, node: ast.stmt | ast.expr | ast.excepthandler) -> int:
        """The 1-based column of ``node`` in characters (``ast`` counts UTF-8 bytes)."""
        line = self.wide.get(node.lineno)
        if line is None:
            return node.col_offset + 1
        return len(line[:node.col_offset].decode("utf-8", "replace")) + 1

    # -- bindings ---------------------------------------------------------------------

    def add(self, binding: Binding) -> int:
        self.bindings.append(binding)
        return len(self.bindings) - 1

    def bind(self, state: State, name: str, binding: Binding) -> None:
        if binding.kind == "value":
            binding = binding._replace(text=name)
        state[name] = frozenset((self.add(binding),))

    def lookup(self, state: State, name: str, line: int, col: int) -> tuple[int, ...]:
        """The bindings ``name`` may hold here; a name only a star import can bind gets a
        "chained" binding."""
        if name in state:
            return tuple(sorted(state[name]))
        return tuple(self.unbound(name, self.stars, line, col)) if self.stars else ()

    def unbound(self, name: str, stars: frozenset[int], line: int, col: int) -> frozenset[int]:
        """``name`` where no statement bound it: what the star imports may bind, or nothing."""
        kind = "chained" if stars else "unbound"
        return frozenset((self.add(Binding(kind, line, col, name=name, targets=tuple(sorted(stars)))),))

    # -- statements -------------------------------------------------------------------

    def block(self, body: list[ast.stmt], state: State) -> None:
        for stmt in body:
            self.statement(stmt, state)

    def branches(self, state: State, bodies: list[list[ast.stmt]], include_before: bool,
                 at: ast.stmt) -> None:
        """Run each body from the same state; afterwards a name may hold any branch's value."""
        before = dict(state)
        stars_before = self.stars
        results: list[tuple[State, frozenset[int]]] = [(before, stars_before)] if include_before else []
        self.branching += 1
        for body in bodies:
            branch = dict(before)
            self.stars = stars_before
            self.block(body, branch)
            if not _terminates(body):
                results.append((branch, self.stars))
        self.branching -= 1
        self.merge(state, results or [(before, stars_before)], at)

    def merge(self, state: State, results: list[tuple[State, frozenset[int]]], at: ast.stmt) -> None:
        """Join the states (each with the star imports it ran) at the end of alternatives.

        A name some alternative leaves unbound holds, on that path, whatever that path's star
        imports bind it to, or nothing.
        """
        line, col = at.lineno, self.col(at)
        state.clear()
        names = dict.fromkeys(name for result, _ in results for name in result)
        for name in names:
            ids: frozenset[int] = frozenset()
            for result, stars in results:
                ids |= result[name] if name in result else self.unbound(name, stars, line, col)
            state[name] = ids
        self.stars = frozenset()
        if any(stars for _, stars in results):
            for _, stars in results:
                self.stars |= stars or {self.no_star()}

    def no_star(self) -> int:
        """The binding that stands for "no star import" among alternatives that have some."""
        if self._no_star is None:
            self._no_star = self.add(Binding("unbound", 1, 1))
        return self._no_star

    def statement(self, stmt: ast.stmt, state: State) -> None:
        if isinstance(stmt, ast.ImportFrom):
            self.import_from(stmt, state)
        elif isinstance(stmt, ast.Import):
            self.import_(stmt, state)
        elif isinstance(stmt, ast.ClassDef):
            index = self.class_def(stmt, stmt.name, "module")
            self.inner_imports(stmt)
            self.bind(state, stmt.name, Binding("class", stmt.lineno, self.col(stmt), name=stmt.name, number=index))
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            index = self.function_def(stmt)
            self.inner_imports(stmt)
            self.bind(state, stmt.name, Binding("function", stmt.lineno, self.col(stmt), name=stmt.name,
                                                number=index))
        elif isinstance(stmt, ast.Assign):
            self.assign(stmt.targets, stmt.value, state)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.assign([stmt.target], stmt.value, state)
        elif isinstance(stmt, ast.AugAssign):
            self.aug_assign(stmt, state)
        elif isinstance(stmt, ast.Expr):
            self.all_mutation(stmt.value)
        elif isinstance(stmt, ast.Delete):
            # `del X`, `del (A, B)`, `del [C]`: gone, also what a star import before gave
            for node in (n for target in stmt.targets for n in ast.walk(target)):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Del):  # (not `del x[k]`'s x or k)
                    state[node.id] = frozenset((self.add(Binding("deleted", node.lineno, self.col(node),
                                                                 name=node.id)),))
        elif isinstance(stmt, ast.If):
            tc = _is_type_checking(stmt.test)
            if tc is True:
                self.block(stmt.orelse, state)
            elif tc is False:
                self.block(stmt.body, state)
            else:
                self.branches(state, [stmt.body, stmt.orelse], False, stmt)
        elif isinstance(stmt, ast.Try | ast.TryStar):
            before = dict(state)
            stars_before = self.stars
            body_state = dict(before)
            self.branching += 1
            self.block(stmt.body + stmt.orelse, body_state)
            results = [] if _terminates(stmt.body + stmt.orelse) else [(body_state, self.stars)]
            for handler in stmt.handlers:
                handler_state = dict(before)
                self.stars = stars_before
                if handler.name:
                    self.bind(handler_state, handler.name, Binding("value", handler.lineno, self.col(handler)))
                self.block(handler.body, handler_state)
                if not _terminates(handler.body):
                    results.append((handler_state, self.stars))
            self.branching -= 1
            self.merge(state, results or [(before, stars_before)], stmt)
            self.block(stmt.finalbody, state)
        elif isinstance(stmt, ast.For | ast.AsyncFor | ast.While):
            if isinstance(stmt, ast.For | ast.AsyncFor):
                self.assign_value_targets([stmt.target], state, stmt.lineno)
            self.branches(state, [stmt.body, stmt.orelse], True, stmt)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            for item in stmt.items:
                if item.optional_vars is not None:
                    self.assign_value_targets([item.optional_vars], state, stmt.lineno)
            self.block(stmt.body, state)
        elif isinstance(stmt, ast.Match):
            self.branches(state, [case.body for case in stmt.cases], True, stmt)

    def import_from(self, stmt: ast.ImportFrom, state: State) -> None:
        module = stmt.module or ""
        for alias in stmt.names:
            self.imports.append(ImportInfo(stmt.lineno, self.col(stmt), module, stmt.level, alias.name,
                                           alias.asname or ""))
            text = f"from {'.' * stmt.level}{module} import {alias.name}"
            text += f" as {alias.asname}" if alias.asname else ""
            if alias.name == "*":
                star = self.add(Binding("star", stmt.lineno, self.col(stmt), module=module, level=stmt.level,
                                        targets=tuple(sorted(self.stars)), text=text))
                for name in list(state):
                    state[name] = frozenset((self.add(Binding(
                        "starname", stmt.lineno, self.col(stmt), name=name,
                        targets=tuple(sorted(state[name])), star=star)),))
                self.stars = frozenset((star,))
                continue
            self.bind(state, alias.asname or alias.name, Binding(
                "import", stmt.lineno, self.col(stmt), module=module, level=stmt.level,
                name=alias.name, text=text))

    def import_(self, stmt: ast.Import, state: State) -> None:
        for alias in stmt.names:
            self.imports.append(ImportInfo(stmt.lineno, self.col(stmt), alias.name, 0, "", alias.asname or ""))
            if alias.asname:
                self.bind(state, alias.asname, Binding(
                    "module", stmt.lineno, self.col(stmt), module=alias.name,
                    text=f"import {alias.name} as {alias.asname}"))
            else:
                top = alias.name.split(".", 1)[0]
                self.bind(state, top, Binding("module", stmt.lineno, self.col(stmt), module=top,
                                              text=f"import {alias.name}"))

    def noted_from(self, stmt: ast.ImportFrom) -> None:
        """An import's names, for SSOT007 (not bound: in a definition's body, or in the header)."""
        module, col = stmt.module or "", self.col(stmt)
        self.imports.extend(ImportInfo(stmt.lineno, col, module, stmt.level, alias.name, alias.asname or "")
                            for alias in stmt.names)

    def noted(self, stmt: ast.Import) -> None:
        col = self.col(stmt)
        self.imports.extend(ImportInfo(stmt.lineno, col, alias.name, 0, "", alias.asname or "")
                            for alias in stmt.names)

    def inner_imports(self, node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """Every import in a top-level definition's body, at any depth (in a method, a nested
        function or class: SSOT007 reports one wherever it stands); searched only in the
        statements that span a line where the source may hold one (``inner``)."""
        if self.inner is not None and not self.inner:  # (most files: nothing to search)
            return
        for stmt in _statements(node.body, definitions=True, lines=self.inner):
            kind = type(stmt)
            if kind is ast.ImportFrom:
                self.noted_from(stmt)  # type: ignore[arg-type]
            elif kind is ast.Import:
                self.noted(stmt)  # type: ignore[arg-type]

    def assign(self, targets: list[ast.expr], value: ast.expr, state: State) -> None:
        for target in targets:
            if isinstance(target, ast.Name) and target.id == "__all__":
                self.set_all(value)
        # X = Y / X = a.b.Y: a reference, followed by the resolver
        ref = dotted(value) if isinstance(value, ast.Name | ast.Attribute) else ""
        callee = dotted(value.func) if isinstance(value, ast.Call) else ""
        pairs: list[tuple[ast.expr, ast.expr]] = []
        for target in targets:
            if isinstance(target, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List) \
                    and len(target.elts) == len(value.elts):
                pairs.extend(zip(target.elts, value.elts, strict=True))
            else:
                pairs.append((target, value))
        if len(pairs) > len(targets):
            # a, b = X, Y: evaluate every right-hand side before binding
            resolved = [(t, self.ref_binding(v, state)) for t, v in pairs]
            for target, binding in resolved:
                self.bind_target(target, binding, state)
            return
        if isinstance(value, ast.IfExp):
            # X = A if cond else B: either side, like the branches of an ``if``
            sides = [self.ref_binding(side, state) for side in _if_sides(value)]
            for target in targets:
                if not isinstance(target, ast.Name):
                    self.bind_target(target, sides[0], state)  # unpacking: plain values
                    continue
                ids: frozenset[int] = frozenset()
                for side in sides:
                    self.bind_target(target, side, state)
                    ids |= state[target.id]
                state[target.id] = ids
            return
        if ref:
            binding = self.ref_binding(value, state)
        else:
            binding = Binding("value", value.lineno, self.col(value), name=callee)
        for target in targets:
            self.bind_target(target, binding, state)

    def ref_binding(self, value: ast.expr, state: State) -> Binding:
        ref = dotted(value) if isinstance(value, ast.Name | ast.Attribute) else ""
        if not ref:
            callee = dotted(value.func) if isinstance(value, ast.Call) else ""
            return Binding("value", value.lineno, self.col(value), name=callee)
        root, _, rest = ref.partition(".")
        targets = self.lookup(state, root, value.lineno, self.col(value))
        return Binding("ref", value.lineno, self.col(value), module=root, name=rest, targets=targets, text=ref)

    def bind_target(self, target: ast.expr, binding: Binding, state: State) -> None:
        if isinstance(target, ast.Name):
            self.bind(state, target.id, binding._replace(line=target.lineno, col=self.col(target)))
        elif isinstance(target, ast.Tuple | ast.List | ast.Starred):
            self.assign_value_targets([target], state, getattr(target, "lineno", binding.line))

    def assign_value_targets(self, targets: list[ast.expr], state: State, line: int) -> None:
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    self.bind(state, node.id, Binding("value", node.lineno, self.col(node)))

    def aug_assign(self, stmt: ast.AugAssign, state: State) -> None:
        if isinstance(stmt.target, ast.Name):
            if stmt.target.id == "__all__":
                self.extend_all(stmt.value)
            self.bind(state, stmt.target.id, Binding("value", stmt.lineno, self.col(stmt)))

    # -- __all__ ----------------------------------------------------------------------

    def set_all(self, value: ast.expr) -> None:
        names, more = _all_parts(value, self.all_names, self.all_more)
        if self.branching and self.all_names is not None:
            # one of several alternatives: a name any of them lists may be exported
            names, more = self.all_names + names, self.all_more + more
        self.all_names, self.all_more = names, more

    def extend_all(self, value: ast.expr) -> None:
        names, more = _all_parts(value, self.all_names, self.all_more)
        self.all_names, self.all_more = (self.all_names or []) + names, self.all_more + more

    def all_mutation(self, value: ast.expr) -> None:
        """``__all__.append("X")``, ``.extend(...)``, ``.remove("X")``, ``.insert(i, "X")``."""
        if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
                and isinstance(value.func.value, ast.Name) and value.func.value.id == "__all__"):
            return
        method, args = value.func.attr, value.args
        name = args[-1].value if args and isinstance(args[-1], ast.Constant) and isinstance(args[-1].value, str) \
            else None
        if method == "extend" and len(args) == 1:
            self.extend_all(args[0])
        elif method in ("append", "insert") and name is not None:
            self.all_names = (self.all_names or []) + [name]
        elif method == "remove" and name is not None and self.all_names is not None and not self.branching:
            self.all_names = [n for n in self.all_names if n != name]
        elif method not in ("sort", "reverse", "remove", "copy", "count", "index"):
            self.all_more = self.all_more + ["?"]

    # -- classes and functions ------------------------------------------------------------

    def class_def(self, node: ast.ClassDef, qualname: str, scope: str) -> int:
        index = len(self.classes)
        self.classes.append(None)  # type: ignore[arg-type]  # placeholder keeps outer first
        # the classes in the body, walked as the header walks them (both must list the same);
        # then the names it binds
        methods = self.class_body(node, qualname)
        defs: list[str] = []
        members: list[str] = []
        init = _class_namespace(node.body, defs, members)
        bases = tuple(dotted(b) for b in node.bases)
        self.classes[index] = ClassInfo(
            name=node.name,
            qualname=qualname,
            line=node.lineno,
            col=self.col(node),
            end_line=node.end_lineno or node.lineno,
            bases=bases,
            decorators=tuple(dotted(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list),
            methods=tuple(dict.fromkeys(defs)),
            members=tuple(dict.fromkeys(members)),
            init=None if init is None else _params(init.args, drop_first=True),
            init_line=0 if init is None else init.lineno,
            scope=scope,
            computed_bases=tuple(_base_text(b) for b, name in zip(node.bases, bases, strict=True) if not name)
            if "" in bases else (),
            attributes=_instance_attributes(init) if init is not None else (),
        )
        self.add_shape(index, node, qualname, methods, bases)
        return index

    def class_body(self, node: ast.ClassDef, qualname: str) -> int:
        """The classes a class body's top-level statements define, and those its methods
        define, each summarised; returns how many methods it has there (the fingerprint's
        count)."""
        methods = 0
        for stmt in node.body:
            kind = type(stmt)
            if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                methods += 1
                if self.nested:  # (checked here: the prefix costs more than the call)
                    self.nested_classes(stmt.body, f"{qualname}.{stmt.name}.<locals>")  # type: ignore[attr-defined]
            elif kind is ast.ClassDef:
                self.class_def(stmt, f"{qualname}.{stmt.name}", "class")  # type: ignore[arg-type, attr-defined]
        return methods

    def add_shape(self, index: int, node: ast.ClassDef, qualname: str, methods: int, bases: tuple[str, ...]) -> None:
        """The class's fingerprint, for SSOT008 (none for a class without code)."""
        shape = class_shape(node)
        if shape:
            based = any(base and base != "object" for base in bases)
            self.shapes[index] = ClassShape(qualname, node.lineno, self.col(node), node.end_lineno or node.lineno,
                                            methods, based, packed(shape), hash(unnamed(shape)))

    def nested_classes(self, body: list[ast.stmt], prefix: str) -> None:
        """Classes defined inside function bodies (statements only, not expressions)."""
        if not self.nested:
            return
        for stmt in body:
            if isinstance(stmt, ast.ClassDef):
                self.class_def(stmt, f"{prefix}.{stmt.name}", "function")
            elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                self.nested_classes(stmt.body, f"{prefix}.{stmt.name}.<locals>")
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    inner = getattr(stmt, field, None)
                    if isinstance(inner, list):
                        self.nested_classes([s for s in inner if isinstance(s, ast.stmt)] +
                                            [s for h in inner if isinstance(h, ast.ExceptHandler) for s in h.body],
                                            prefix)

    def function_def(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
        returns: list[tuple[str, str]] = []
        local_imports: list[tuple[str, str, int, str]] = []
        assigns: list[tuple[str, str]] = []
        generator = False
        for inner in _statements(node.body):
            # what a generator yields counts as what it returns: a pytest fixture provides it
            if isinstance(inner, ast.Expr) and isinstance(inner.value, ast.Yield | ast.YieldFrom):
                generator = True
                if isinstance(inner.value, ast.YieldFrom) or inner.value.value is None:
                    continue
                inner = ast.Return(inner.value.value)
            if isinstance(inner, ast.Return) and inner.value is not None:
                value = inner.value
                if isinstance(value, ast.Call) and dotted(value.func):
                    returns.append(("call", dotted(value.func)))
                elif isinstance(value, ast.Name | ast.Attribute) and dotted(value):
                    returns.append(("name", dotted(value)))
                else:
                    returns.append(("other", ""))
            elif isinstance(inner, ast.ImportFrom):
                for alias in inner.names:
                    if alias.name != "*":
                        local_imports.append((alias.asname or alias.name, inner.module or "", inner.level, alias.name))
            elif isinstance(inner, ast.Import):
                for alias in inner.names:
                    local = alias.asname or alias.name.split(".", 1)[0]
                    local_imports.append((local, alias.name if alias.asname else local, 0, ""))
            elif isinstance(inner, ast.Assign) and isinstance(inner.value, ast.Call) and dotted(inner.value.func):
                for target in inner.targets:
                    if isinstance(target, ast.Name):
                        assigns.append((target.id, dotted(inner.value.func)))
        self.nested_classes(node.body, f"{node.name}.<locals>")
        self.functions.append(FunctionInfo(
            name=node.name, line=node.lineno, returns=tuple(returns),
            annotation=_returned_type(node.returns, generator) if node.returns is not None else "",
            local_imports=tuple(local_imports), assigns=tuple(assigns),
        ))
        return len(self.functions) - 1


class _Header(_Extractor):
    """What :class:`_Extractor` finds for the header (every class's name and fingerprint,
    every import), in the same walk and order, without bindings or class and function
    details: about half its work, done for every file on a cold run.
    ``tests/test_summary.py`` checks that both give the same header."""

    def __init__(self, wide: dict[int, bytes] | None = None, nested: bool = True,
                 inner: tuple[int, ...] | None = None) -> None:
        super().__init__(wide, nested, inner)
        self.names: list[str] = []

    def run(self, tree: ast.Module) -> FileSummary:
        self.block(tree.body, {})
        return FileSummary(class_names=frozenset(self.names),
                           import_names=frozenset(i.name for i in self.imports if i.name),
                           imports=tuple(self.imports), shapes=tuple(self.shapes[i] for i in sorted(self.shapes)))

    def statement(self, stmt: ast.stmt, state: State) -> None:
        kind = type(stmt)
        if kind is ast.ImportFrom:
            self.import_from(stmt, state)  # type: ignore[arg-type]
        elif kind is ast.Import:
            self.import_(stmt, state)  # type: ignore[arg-type]
        elif kind is ast.ClassDef:
            self.class_def(stmt, stmt.name, "module")  # type: ignore[arg-type, attr-defined]
            self.inner_imports(stmt)  # type: ignore[arg-type]
        elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            self.function_def(stmt)  # type: ignore[arg-type]
            self.inner_imports(stmt)  # type: ignore[arg-type]
        elif kind is ast.If:
            tc = _is_type_checking(stmt.test)  # type: ignore[attr-defined]
            if tc is not True:
                self.block(stmt.body, state)  # type: ignore[attr-defined]
            if tc is not False:
                self.block(stmt.orelse, state)  # type: ignore[attr-defined]
        elif kind is ast.Try or kind is ast.TryStar:
            self.block(stmt.body + stmt.orelse, state)  # type: ignore[attr-defined]
            for handler in stmt.handlers:  # type: ignore[attr-defined]
                self.block(handler.body, state)
            self.block(stmt.finalbody, state)  # type: ignore[attr-defined]
        elif kind in _LOOPS:
            self.block(stmt.body, state)  # type: ignore[attr-defined]
            self.block(stmt.orelse, state)  # type: ignore[attr-defined]
        elif kind is ast.With or kind is ast.AsyncWith:
            self.block(stmt.body, state)  # type: ignore[attr-defined]
        elif kind is ast.Match:
            for case in stmt.cases:  # type: ignore[attr-defined]
                self.block(case.body, state)

    def import_from(self, stmt: ast.ImportFrom, state: State | None = None) -> None:
        self.noted_from(stmt)

    def import_(self, stmt: ast.Import, state: State | None = None) -> None:
        self.noted(stmt)

    def class_def(self, node: ast.ClassDef, qualname: str, scope: str) -> int:
        index = len(self.names)
        self.names.append(node.name)
        methods = self.class_body(node, qualname)
        self.add_shape(index, node, qualname, methods, tuple(dotted(b) for b in node.bases))
        return index

    def function_def(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
        if self.nested:
            self.nested_classes(node.body, f"{node.name}.<locals>")
        return -1


_LOOPS = (ast.For, ast.AsyncFor, ast.While)


def _class_namespace(body: list[ast.stmt], methods: list[str], members: list[str]) -> \
        ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The names a class body binds, in source order, into ``methods`` (def / async def) and
    ``members`` (every name); and the ``__init__`` the class gets, if any.

    Definitions inside the body's ``if``, ``try``, ``with``, loops and ``match`` count too,
    whichever branch they are in: aiohttp's ClientSession defines ``get`` under ``if
    sys.version_info >= (3, 11) and TYPE_CHECKING:`` and again under its ``else``, and has
    it either way. As at a module's top level, the body of ``if TYPE_CHECKING:`` never runs
    (its ``else`` does): a method only type checkers see is not there at run time. A class
    defined in such a block is a member, but not summarised itself (as in the header, whose
    walk reads the class body's top-level statements only).

    Of several ``__init__``, one is kept (SSOT004 compares it): a later statement's replaces
    an earlier one's, as when the class body runs, and among the branches of one statement
    the first branch that defines one wins. That is the newer Python's in the ``if
    sys.version_info >= ...`` idiom, and the ``try`` body's rather than its ``except``
    fallback's. (Comparing every alternative would need sets of signatures, when which one a
    caller meets depends only on the Python that runs the code.)
    """
    init: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    for stmt in body:
        kind = type(stmt)
        if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            methods.append(stmt.name)  # type: ignore[attr-defined]
            members.append(stmt.name)  # type: ignore[attr-defined]
            if stmt.name == "__init__":  # type: ignore[attr-defined]
                init = stmt  # type: ignore[assignment]
        elif kind is ast.Assign:
            for target in stmt.targets:  # type: ignore[attr-defined]
                if type(target) is ast.Name:
                    members.append(target.id)
                else:
                    members.extend(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif kind is ast.AnnAssign:
            if type(stmt.target) is ast.Name:  # type: ignore[attr-defined]
                members.append(stmt.target.id)  # type: ignore[attr-defined]
        elif kind is ast.ClassDef:
            members.append(stmt.name)  # type: ignore[attr-defined]
        elif kind in _CLASS_BLOCKS:
            first = None
            for branch in _class_branches(stmt):
                found = _class_namespace(branch, methods, members)
                first = first or found
            init = first or init
            if kind is ast.Try or kind is ast.TryStar:  # its ``finally`` runs after whichever branch ran
                init = _class_namespace(stmt.finalbody, methods, members) or init  # type: ignore[attr-defined]
    return init


_CLASS_BLOCKS = frozenset((ast.If, ast.Try, ast.TryStar, ast.With, ast.AsyncWith, *_LOOPS, ast.Match))


def _class_branches(stmt: ast.stmt) -> list[list[ast.stmt]]:
    """The bodies of a compound statement that may run, in source order (a ``try``'s
    ``finally`` apart: it follows them all)."""
    if isinstance(stmt, ast.If):
        tc = _is_type_checking(stmt.test)
        return [stmt.orelse] if tc is True else [stmt.body] if tc is False else [stmt.body, stmt.orelse]
    if isinstance(stmt, ast.Try | ast.TryStar):
        return [stmt.body + stmt.orelse, *(handler.body for handler in stmt.handlers)]
    if isinstance(stmt, ast.Match):
        return [case.body for case in stmt.cases]
    if isinstance(stmt, ast.With | ast.AsyncWith):
        return [stmt.body]
    return [stmt.body, stmt.orelse]  # type: ignore[attr-defined]  # a loop


def _instance_attributes(init: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    """The attributes ``__init__`` assigns on its first parameter (``self.hook = ...``,
    ``self.x: int = 0``, ``self.a, self.b = ...``), in source order, each once."""
    positional = [*init.args.posonlyargs, *init.args.args]
    if not positional:
        return ()
    me = positional[0].arg
    names: dict[str, None] = {}
    for stmt in _statements(init.body):
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, ast.AnnAssign | ast.AugAssign):
            targets = [stmt.target]
        else:
            continue
        for target in targets:
            for node in ast.walk(target) if not isinstance(target, ast.Attribute) else (target,):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == me:
                    names[node.attr] = None
    return tuple(names)


#: how much of a base's source text a message quotes, and of how many nodes it is made
_BASE_TEXT = 60
_BASE_NODES = 100


def _base_text(node: ast.expr) -> str:
    """The source text of a base that is not a dotted name (``make_base()``), shortened.
    A large one only by its callee (``make(…)``): ``ast.unparse`` recurses once per nesting
    level, and a chain of a thousand calls parses but would overflow the stack."""
    for count, _ in enumerate(ast.walk(node)):
        if count == _BASE_NODES:
            callee = dotted(node.func) if isinstance(node, ast.Call) else ""
            return f"{callee}(…)" if callee else "…"
    text = ast.unparse(node)
    return text if len(text) <= _BASE_TEXT else text[:_BASE_TEXT - 1] + "…"


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _statements(body: list[ast.stmt], *, definitions: bool = False,  # type: ignore[no-untyped-def]
                lines: tuple[int, ...] | None = None):
    """The statements of a body in source order, descending into blocks, and into nested
    definitions too with ``definitions``; with ``lines`` (sorted), only those that span one
    of them (nor any inside one that does not)."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        if lines is not None:
            i = bisect_left(lines, stmt.lineno)
            if i == len(lines) or lines[i] > (stmt.end_lineno or stmt.lineno):
                continue
        yield stmt
        if not definitions and isinstance(stmt, _DEFINITIONS):
            continue
        inner: list[ast.stmt] = [s for s in getattr(stmt, "body", ()) if isinstance(s, ast.stmt)]  # (a lambda's is not)
        for handler in getattr(stmt, "handlers", ()) or ():
            inner += handler.body
        inner += getattr(stmt, "orelse", ()) or ()
        inner += getattr(stmt, "finalbody", ()) or ()
        for case in getattr(stmt, "cases", ()) or ():
            inner += case.body
        stack.extend(reversed(inner))


#: the annotations of a generator's return value: what it yields is their first argument
_YIELDING = frozenset({"Generator", "Iterator", "Iterable", "AsyncGenerator", "AsyncIterator", "AsyncIterable"})


def _returned_type(annotation: ast.expr, generator: bool) -> str:
    """The dotted type a return annotation names; for a generator's ``Generator[X, ...]``
    (and the other iterator types) what it yields, ``X`` (a function that returns a list
    annotated ``Iterable[X]`` returns no ``X``)."""
    if generator and isinstance(annotation, ast.Subscript) \
            and dotted(annotation.value).rpartition(".")[2] in _YIELDING:
        first = annotation.slice.elts[:1] if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
        return dotted(first[0]) if first else ""
    return dotted(annotation)


def _if_sides(value: ast.IfExp) -> list[ast.expr]:
    """``A if c else B if d else C`` -> [A, B, C]."""
    sides = [value.body]
    while isinstance(value.orelse, ast.IfExp):
        value = value.orelse
        sides.append(value.body)
    return [*sides, value.orelse]


def _all_parts(value: ast.expr, current: list[str] | None, more: list[str]) -> tuple[list[str], list[str]]:
    """What an expression assigned to ``__all__`` holds: the names of its lists and tuples
    of strings, and (see :attr:`Detail.all_more`) the modules whose ``__all__`` it adds and
    ``"?"`` for any other part; ``__all__`` itself is ``current`` and ``more``. A sum is
    walked without recursion: a sum of a thousand lists is one long chain of ``+``."""
    names: list[str] = []
    others: list[str] = []
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            stack += (node.right, node.left)
        elif isinstance(node, ast.List | ast.Tuple):
            for e in node.elts:
                if isinstance(e, ast.Constant) and isinstance(e.value, str):
                    names.append(e.value)
                else:
                    others.append("?")
        elif isinstance(node, ast.Name) and node.id == "__all__":
            names += current or []
            others += more
        elif isinstance(node, ast.Attribute) and node.attr == "__all__" and dotted(node.value):
            others.append(dotted(node.value))
        else:
            others.append("?")
    return names, others


def _params(args: ast.arguments, drop_first: bool) -> tuple[Param, ...]:
    params: list[Param] = []
    positional = [*args.posonlyargs, *args.args]
    n_defaults = len(args.defaults)
    first_default = len(positional) - n_defaults
    for i, arg in enumerate(positional):
        kind = "posonly" if i < len(args.posonlyargs) else "pos"
        params.append(Param(arg.arg, kind, i >= first_default))
    if args.vararg:
        params.append(Param(args.vararg.arg, "varargs", False))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        params.append(Param(arg.arg, "kwonly", default is not None))
    if args.kwarg:
        params.append(Param(args.kwarg.arg, "varkw", False))
    if drop_first and params and params[0].kind in ("posonly", "pos"):
        params = params[1:]
    return tuple(params)
