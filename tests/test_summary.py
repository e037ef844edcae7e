"""File summaries: real-world bytes in, never an exception out."""

from __future__ import annotations

import ast
import contextlib
import re
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.engine import analyze_sources
from rules.index import Index
from rules.resolver import Resolver
from rules.summary import DetailError, FileSummary, summarize


def test_newer_syntax_is_lowered_on_the_same_lines() -> None:
    source = (b"import os\n\ntype Vector = list[float]\n\n\nclass Box[T]:\n    def get[U](self) -> T: ...\n\n"
              b"x = f'{os.sep!r:>{4}}'\n")
    summary = summarize(source)
    assert summary.error is None and summary.lowered
    [box] = summary.classes
    assert (box.name, box.line, box.methods) == ("Box", 6, ("get",))
    assert {name for name, _ in summary.exports} == {"os", "Vector", "Box", "x"}


def test_bom_and_coding_cookie() -> None:
    assert summarize(b"\xef\xbb\xbfclass A:\n    pass\n").classes[0].name == "A"
    latin = "# -*- coding: latin-1 -*-\nclass B:\n    name = 'caf\xe9'\n".encode("latin-1")
    assert summarize(latin).classes[0].members == ("name",)


def test_a_type_statement_binds_a_type_alias_not_what_it_names() -> None:
    """``type WebSocketManager = Manager`` (Python 3.12) makes a ``TypeAliasType``: calling
    it fails, so an alias declared this way is not the canonical class (SSOT002 says so),
    and its type parameters are not names of the module."""
    report = analyze_sources({
        "app/__init__.py": "", "app/core.py": "class Manager:\n    pass\n",
        "app/alias.py": "from app.core import Manager\ntype WebSocketManager = Manager\ntype Box[T = str] = T\n",
    }, '[[concept]]\nname = "M"\ncanonical = "app.core.Manager"\naliases = ["app.alias.WebSocketManager"]\n')
    [diverges] = [f for f in report.findings if f.code == "SSOT002"]
    assert (diverges.path, diverges.line) == ("app/alias.py", 2) and "value" in diverges.message
    resolver = Resolver(Index({"app/alias.py": summarize(b"type Box[T = str] = T\n")}))
    assert resolver.resolve("app.alias.Box").definition.kind == "value"  # type: ignore[union-attr]


def test_a_utf16_file_is_named_so() -> None:
    """Not "null bytes": what the file is, and what Python reads instead."""
    for bom in ("utf-16-le", "utf-16-be"):
        error = summarize("\ufeffclass A:\n    pass\n".encode(bom)).error
        assert error is not None and error[0].startswith("the file is UTF-16")


def test_an_unknown_coding_cookie_is_a_parse_error_at_a_real_column() -> None:
    """Python's error for it has column -1; every format counts from 1."""
    assert summarize(b"# -*- coding: klingon -*-\nx = 1\n").error == ("invalid syntax: unknown encoding: klingon", 1, 1)


def test_columns_count_characters_not_bytes() -> None:
    """``ast`` counts UTF-8 bytes; editors, SARIF (``unicodeCodePoints``) and people count
    characters, in every encoding Python reads."""
    text = "É = 'ü'; import os\nclass Ü: pass\n"
    for source in (text.encode(), ("\ufeff" + text).encode(), ("# coding: latin-1\n" + text).encode("latin-1")):
        summary = summarize(source)
        [imported] = summary.imports
        assert imported.col == text.index("import") + 1
        assert summary.classes[0].col == 1


def test_null_bytes_and_garbage_are_errors_not_exceptions() -> None:
    assert summarize(b"x = 1\x00\n").error == ("the file contains null bytes", 1, 1)
    message, line, _ = summarize(b"def f(:\n").error  # type: ignore[misc]
    assert message.startswith("invalid syntax") and line == 1
    assert summarize(b"(" * 500_000).error is not None  # deeply nested: no RecursionError escapes


def test_suppressions() -> None:
    summary = summarize(b"class A:  # ssot: ignore[SSOT003, ssot008]\n    pass\nclass B:  # ssot: ignore\n    pass\n")
    assert dict(summary.suppressions) == {1: ("SSOT003", "SSOT008"), 3: ("*",)}
    # regression: the words in a string silenced the line as a comment would
    strings = summarize(b'class A:  x = "# ssot: ignore"\nclass B(Base("# ssot: ignore[SSOT003]")):\n    pass\n'
                        b's = """\n# ssot: ignore\n"""\n'
                        b'class C:  # a comment, then # ssot: ignore[ssot003]\n    pass\n')
    found = dict(strings.suppressions)
    assert 1 not in found and 2 not in found and found[7] == ("SSOT003",)
    # (line 5, inside a string that spans lines, may count: no statement, so no finding, starts there)


def test_encoding_round_trip_keeps_everything() -> None:
    source = (b"from .a import X as Y\nimport b.c\n__all__ = ['Y']\nclass K(Y):\n"
              b"    def __init__(self, a, *, b=1): ...\n")
    summary = summarize(source)
    assert b"*, b=1" not in summary.encode()  # the file's bytes are not in the encoding
    with pytest.raises(DetailError):  # without them, no detail: never an empty module
        FileSummary.decode(summary.encode()).classes  # noqa: B018
    again = FileSummary.decode(summary.encode(), source)  # the cache keeps the bytes apart
    assert again == summary
    assert again.class_names == {"K"} and again.import_names == {"X"}
    assert again.all_names == ("Y",)
    assert FileSummary.decode(summary.encode()) == again  # made: encoded with the summary from then on
    # decode sets the slots itself (no __init__): every one of them
    assert all(hasattr(FileSummary.decode(summary.encode(), source), slot) for slot in FileSummary.__slots__)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes(data: bytes) -> None:
    summary = summarize(data)
    assert summary.error is None or summary.error[1] >= 1
    assert FileSummary.decode(summary.encode(), data) == summary


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="ab:=()[]\n .,'\"\\#*@cdefimnoprstxy_0123", max_size=200))
def test_python_looking_text(text: str) -> None:
    summarize(text.encode())


def test_classes_in_functions_are_found_however_they_are_indented() -> None:
    source = (b"def f():\n    class A:\n        pass\n    if x:\n        @dec\n        class B: pass\n    return A\n"
              b"class C:\n    def m(self):\n        class D:\n            pass\n"
              b"def g():\n\tclass E:\n\t\tpass\n")
    assert sorted((c.qualname, c.scope) for c in summarize(source).classes) == [
        ("C", "module"), ("C.m.<locals>.D", "function"), ("f.<locals>.A", "function"), ("f.<locals>.B", "function"),
        ("g.<locals>.E", "function")]


def test_classes_in_functions_after_a_lone_cr_or_a_backslash_are_found() -> None:
    for source in (b"def f():\r    class A: pass\r", b"def f():\n    \\\nclass A: pass\n",
                   b"def f():\r\n    \\\r\nclass A: pass\r\n"):
        assert [c.qualname for c in summarize(source).classes] == ["f.<locals>.A"], source


def test_a_class_body_s_blocks_define_its_methods() -> None:
    """aiohttp's ClientSession defines ``get`` and ``__init__`` under ``if sys.version_info
    >= (3, 11) and TYPE_CHECKING: ... else: ...``: every branch that may run adds its names
    (each once, in source order), a body under ``if TYPE_CHECKING`` never runs, and of
    ``__init__`` the first branch's counts, unless a later statement defines another."""
    source = (b"class Client:\n"
              b"    if sys.version_info >= (3, 11):\n        def __init__(self, url, *, timeout=None): ...\n"
              b"        def get(self): ...\n    elif PY38:\n        def __init__(self, url, timeout): ...\n"
              b"        def get(self): ...\n        class Error(Exception): ...\n"
              b"    else:\n        def __init__(self, url): ...\n        post = get = None\n"
              b"    try:\n        import ssl\n        def close(self): ...\n    except ImportError:\n"
              b"        closed: bool = True\n    finally:\n        def head(self): ...\n"
              b"    with suppress(NameError):\n        put = put\n"
              b"    for _name in ('patch',):\n        def options(self): ...\n"
              b"    match FLAVOUR:\n        case 'sync':\n            def send(self): ...\n"
              b"    if TYPE_CHECKING:\n        def delete(self): ...\n    else:\n        def trace(self): ...\n"
              b"    if not TYPE_CHECKING:\n        def connect(self): ...\n    else:\n        def typed(self): ...\n")
    [client] = summarize(source).classes  # (a class in a block is a member, not summarised itself)
    assert client.methods == ("__init__", "get", "close", "head", "options", "send", "trace", "connect")
    assert client.members == ("__init__", "get", "Error", "post", "close", "closed", "head", "put",
                              "options", "send", "trace", "connect")
    assert [p.name for p in client.init or ()] == ["url", "timeout"] and client.init_line == 3
    later = summarize(b"class A:\n    try:\n        def __init__(self, a): ...\n    except E:\n"
                      b"        def __init__(self, b): ...\n    def __init__(self, c): ...\n").classes[0]
    assert ([p.name for p in later.init or ()], later.init_line) == (["c"], 6)
    hidden = summarize(b"class A:\n    if TYPE_CHECKING:\n        def __init__(self, a): ...\n").classes[0]
    assert (hidden.init, hidden.methods) == (None, ())


def test_a_base_that_is_not_a_name_is_kept_as_source_text() -> None:
    """SSOT005 says such a base hides its methods: a call, or a subscript of one."""
    source = (b"class M(BaseManager.from_queryset(QuerySet), mixins.Named, make()[int], metaclass=Meta): ...\n"
              b"class N(factory('" + b"x" * 100 + b"')): ...\n")
    manager, long = summarize(source).classes
    assert manager.bases == ("", "mixins.Named", "") and not long.bases[0]
    assert manager.computed_bases == ("BaseManager.from_queryset(QuerySet)", "make()[int]")
    [text] = long.computed_bases
    assert len(text) == 60 and text.endswith("…")
    # a chain that parses but is too deep to render: by its callee alone, never a RecursionError
    for base, text in ((b"make(" + b"1+" * 900 + b"0)", "make(…)"), (b"f()" + b"[0]" * 900, "…")):
        summary = summarize(b"class D(" + base + b"): ...\n")
        assert summary.error is None and summary.classes[0].computed_bases == (text,)


def test_interface_missing_names_a_base_computed_at_run_time() -> None:
    """The method may come from the class such a base makes: the message says so."""
    config = '[[concept]]\nname = "M"\ncanonical = "app.core.Manager"\ninterface = ["get", "close"]\n'
    files = {"app/__init__.py": "", "app/base.py": "class Base(make_base()):\n    def close(self): ...\n",
             "app/core.py": "from app.base import Base\nclass Manager(Base, factory.build('x')):\n    pass\n"}
    [missing] = [f for f in analyze_sources(files, config).findings if f.code == "SSOT005"]
    assert missing.message == (
        "the canonical `app.core.Manager` has no `get` (required by concept `M`); `factory.build('x')`, "
        "`make_base()` (a base of `app.base.Base`) are bases computed at run time: their methods cannot be seen; "
        "add it")
    files["app/core.py"] = "class Manager(make_base()):\n    def close(self): ...\n"
    [missing] = [f for f in analyze_sources(files, config).findings if f.code == "SSOT005"]
    assert missing.message.endswith("; `make_base()` is a base computed at run time: its methods cannot be seen; "
                                    "add it")


def test_columns_of_lowered_files_and_syntax_errors_count_characters() -> None:
    lowered = summarize("É = 1; import os\ntype X = int\n".encode())
    assert lowered.lowered and lowered.imports[0].col == 8
    assert summarize('x = "éé" +* 1\n'.encode()).error == ("invalid syntax", 1, 11)


def stdlib_sources(count: int) -> list[tuple[str, bytes]]:
    """The first ``count`` modules of the standard library (by name) and their bytes."""
    import os
    import sysconfig

    stdlib = sysconfig.get_paths()["stdlib"]
    out = []
    for name in sorted(n for n in os.listdir(stdlib) if n.endswith(".py"))[:count]:
        with open(os.path.join(stdlib, name), "rb") as handle:
            out.append((name, handle.read()))
    return out


def parsed_stdlib_sources(count: int) -> Iterator[tuple[str, bytes, ast.Module]]:
    """``stdlib_sources`` that parse here, with their trees."""
    for name, source in stdlib_sources(count):
        with contextlib.suppress(SyntaxError):
            yield name, source, ast.parse(source)


def test_skipping_the_search_for_classes_in_functions_loses_none() -> None:
    """Where no ``class`` line is indented, no function body is searched; on the standard
    library's own modules that changes no summary."""
    from rules import summary as module

    searched = 0
    for name, source, tree in parsed_stdlib_sources(150):
        searched += not module._indented_class(source)
        assert module._Extractor(nested=True).run(tree) == module._Extractor(
            nested=module._indented_class(source)).run(tree), name
    assert searched > 20  # the shortcut was taken, not only the search


#: what ``_indented_class`` answers, as a regular expression (too slow to use: the oracle)
_INDENTED_CLASS = re.compile(rb"(?:^|\r)[ \t\f]+class\b|\\(?:\r\n?|\n)[ \t\f]*class\b", re.MULTILINE)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from([b"class", b" ", b"\t", b"\f", b"\n", b"\r", b"\\", b"x", b"_", b"1", b"(", b":",
                                 b"classmethod", b"subclass", b"\xc3\xa9"]), max_size=12))
def test_the_search_for_an_indented_class_is_the_regular_expression_s(pieces: list[bytes]) -> None:
    source = b"".join(pieces)
    from rules.summary import _indented_class

    assert _indented_class(source) == (_INDENTED_CLASS.search(source) is not None), source


def _inner_imports_oracle(source: bytes) -> tuple[int, ...]:
    """What ``_inner_imports`` answers, line by line (too slow to use)."""
    lines = re.split(rb"\r\n|\r|\n", source)
    out = []
    for number, line in enumerate(lines, 1):
        joined = number > 1 and lines[number - 2].endswith(b"\\")
        top = re.match(rb"(?:import|from)(?![A-Za-z0-9_])", line) and not joined
        for word in re.finditer(rb"(?<![A-Za-z0-9_])import(?![A-Za-z0-9_])", line):
            if not (top and b";" not in line[:word.start()] and b":" not in line[:word.start()]):
                out.append(number)
                break
    return tuple(out)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from([b"import", b"from", b" ", b"\t", b"\n", b"\r", b"\r\n", b"\\", b"x", b"_", b"(",
                                 b":", b";", b'"""', b"def f():", b"importlib", b"from_", b"\xc3\xa9"]), max_size=12))
def test_the_search_for_an_import_in_a_definition_is_the_line_by_line_answer(pieces: list[bytes]) -> None:
    source = b"".join(pieces)
    from rules.summary import _inner_imports

    assert _inner_imports(source) == _inner_imports_oracle(source), source


def test_skipping_the_search_for_imports_in_definitions_loses_none() -> None:
    """A definition's body is searched for imports only where ``import`` may stand in it;
    on the standard library's own modules that changes no header."""
    from rules import summary as module

    skipped = 0
    for name, source, tree in parsed_stdlib_sources(150):
        inner = module._inner_imports(source)
        skipped += not inner
        assert module._Header().run(tree).header() == module._Header(inner=inner).run(tree).header(), name
    assert skipped > 10  # the shortcut was taken, not only the search


EDGE_CASES = (
    b"from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from a import X\nelse:\n    from b import Y\n"
    b"if not TYPE_CHECKING:\n    import c\ntry:\n    from d import *\nexcept ImportError:\n    import e as f\n"
    b"else:\n    import g\nfinally:\n    import h\nfor i in x:\n    import j\nelse:\n    import k\n"
    b"while y:\n    from . import l\nwith m:\n    from .n import o as p\n"
    b"match q:\n    case 1:\n        import r\n    case _:\n        class S:\n            def a(self): return 1\n"
    b"async def t():\n    import u\n    class V:\n        def w(self):\n            class X2:\n                pass\n"
    b"class Y:\n    import z\n    def m(self):\n        import zz\n        return zz\n    class Inner(Base):\n"
    b"        def a(self): return 1\n        def b(self): return 2\n",
    # definitions in a class body's blocks: members of the class (a class there is not summarised)
    b"class K:\n    if v:\n        def a(self):\n            class L: pass\n        class M: pass\n"
    b"    else:\n        def a(self): pass\n    try:\n        def b(self): pass\n    except E:\n        class N:\n"
    b"            def c(self): pass\n    def d(self):\n        class O: pass\n",
    "É = 1; import os\ntype Alias = int\nclass G[T]:\n    def f(self) -> T: ...\n".encode(),
    # an import in a function that is not indented: after the colon, or on a line joined to it
    b"import a\nfrom b import c\ndef f(): import d\ndef g(): \\\nimport e\ndef h():\r    import k\r",
    b"from a import b\r\ndef f(): \\\r\nimport c\r\n",
    # imports in a class body, a method, a function in a method, a class in a function
    b"class A:\n    import a\n    def m(self):\n        import b\n        def f():\n            from c import d\n"
    b"def g():\n    class B:\n        def n(self): from e import f\n    return B\nclass C: import g\n",
    # a line that starts with `import` or `from` and goes on the logical line before: a
    # string or a bracket closed, then an import
    b'def f(): x = """\nimport"""; import os\ndef g():\n    x = dict(\nfrom_=1); from a import b\n'
    b"def h():\n    if (yield\nfrom g()): import c\n",
    # encodings where bytes are other characters than ASCII says (found by an outside review):
    # `+AAo-` is a line break in UTF-7, `\u000a` in the escape codecs, iso2022 skips its
    # escape sequences, in mac_arabic a byte above 127 is a backslash; and a cookie on the
    # first line wins over one on the second
    b"# coding: utf-7\ndef f():+AAo-    import os+AAo-    class A:+AAo-        def m(self): return 1\n",
    b"# coding: raw_unicode_escape\ndef f():\\u000a    import os\n",
    b"# coding: unicode_escape\ndef f():\\u000a    import os\n",
    b"# coding: iso2022_jp\ndef f(): \\\x1b(B\nimport os\n",
    b"# coding: iso2022_jp\ndef f():\n    im\x1b(Bport os\n",
    b"# coding: mac_arabic\ndef f(): \xdc\nimport os\n",
    b"# coding: utf-7\n# coding: latin-1\ndef f():+AAo-    import os\n",
)


def test_the_encodings_searched_as_bytes_are_ascii_where_their_bytes_are() -> None:
    """A file is searched byte by byte (for `class` and `import`) only in an encoding whose
    bytes below 128 are those ASCII characters and whose other bytes never are one (each a
    character of its own: single-byte codecs; UTF-8's sequences are all above 127)."""
    import codecs

    from rules.summary import ASCII_SAFE

    for name in ASCII_SAFE:
        for byte in range(256):
            try:
                text = bytes((byte,)).decode(name)
            except UnicodeDecodeError:
                assert byte >= 128, (name, byte)
                continue
            assert (text == chr(byte)) if byte < 128 else not text.isascii(), (name, byte)
        assert codecs.lookup(name).name == name


def test_the_header_made_alone_is_the_full_extraction_s_and_the_detail_follows() -> None:
    """The cold path makes only the header; the detail comes later from the same bytes.
    Both must be what one full extraction gives, on the standard library's modules and on
    every kind of statement the walk descends into."""
    sources = [*EDGE_CASES, *(source for _name, source in stdlib_sources(200))]
    for source in sources:
        full, lazy = summarize(source, detail=True), summarize(source)
        assert lazy.header() == full.header(), source[:80]
        again = FileSummary.decode(lazy.encode(), source)  # cached before its detail was made
        assert lazy.detail == full.detail and again.detail == full.detail, source[:80]
        assert FileSummary.decode(lazy.encode()) == full  # cached after


def test_a_long_sum_of_lists_in_all_is_read_without_recursion() -> None:
    source = ("__all__ = " + " + ".join(f"['n{i}']" for i in range(1500)) + "\nclass Manager: pass\n").encode()
    for summary in (summarize(source), summarize(source, detail=True)):
        assert summary.error is None and len(summary.all_names or ()) == 1500


def test_a_detail_that_cannot_be_made_is_an_error_not_an_empty_module() -> None:
    """Should a file summarised once not parse again, asking for its detail raises (the
    rule asking reports a notice) instead of answering that the module is empty."""
    from rules.config import parse_config
    from rules.engine import analyze

    good = summarize(b"class Manager:\n    pass\n")
    broken = FileSummary(class_names=good.class_names, import_names=good.import_names, source=b"class (:\n")
    with pytest.raises(DetailError):
        broken.classes  # noqa: B018
    assert not broken.made
    reads: list[int] = []
    unreadable = FileSummary(class_names=good.class_names, import_names=good.import_names,
                             source=lambda: reads.append(1))  # type: ignore[arg-type, func-returns-value]
    for _ in range(3):  # asked again: the same error, the bytes not read again
        with pytest.raises(DetailError, match="cannot be read again"):
            unreadable.classes  # noqa: B018
    assert reads == [1]
    config = parse_config('[[concept]]\nname = "Manager"\ncanonical = "app.core.Manager"\n', ".github/ssot.toml")
    report = analyze({"app/__init__.py": summarize(b""), "app/core.py": broken}, config)
    assert {f.code for f in report.findings if f.symbol.startswith("crash:DetailError")}
    # not "app.core has no name Manager": the check could not run, and says so
    assert not [f for f in report.findings if f.code == "SSOT001" and not f.symbol.startswith("crash:")]
    [concept] = report.concepts
    assert {c.code: c.status for c in concept.checks}["SSOT001"] == "skip"


def test_warnings_about_the_analysed_code_are_not_ssot_s() -> None:
    """An invalid escape sequence is a warning of the parser (a SyntaxWarning from Python
    3.12, shown by default): about someone else's code, never printed, and under ``-W error``
    never a parse error."""
    import subprocess
    import sys

    script = ("from rules.summary import summarize\n"
              "print(summarize(b'pattern = \"\\\\d+\\\\_\"\\nclass A:\\n    x = \"\\\\w\"\\n').error)")
    for flag in ("default", "error"):
        proc = subprocess.run([sys.executable, "-W", flag, "-c", script], capture_output=True, text=True, check=True)
        assert (proc.stdout, proc.stderr) == ("None\n", ""), flag


def test_warnings_about_the_analysed_code_stay_silent_whatever_filter_comes_first() -> None:
    """In process too (the App, pytest): a filter put in front of ssot's (``error``,
    ``always``) neither turns the parser's warning into a parse error nor shows it."""
    import warnings

    source = b'pattern = "\\d+"\nclass A:\n    x = "\\w"\n'
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert summarize(source).error is None
        warnings.simplefilter("error")
        assert summarize(source).error is None
    assert seen == []


def test_a_return_annotation_is_unwrapped_for_generators_only() -> None:
    """A generator's ``Iterator[X]`` says it provides ``X``; a function that returns a list
    annotated ``Iterable[X]`` returns no ``X``; and odd subscripts never stop the detail."""
    source = (b"from typing import Iterable, Iterator\n"
              b"def fixture() -> Iterator[Manager]:\n    yield Manager()\n"
              b"def many() -> Iterable[Manager]:\n    return [Manager()]\n"
              b"def odd() -> Iterator[()]:\n    yield 1\n"
              b"def delegating() -> Iterator['Manager']:\n    yield from other()\n")
    functions = {f.name: f for f in summarize(source).functions}
    assert functions["fixture"].annotation == "Manager" and functions["fixture"].returns == (("call", "Manager"),)
    assert functions["many"].annotation == "Iterable"
    assert functions["odd"].annotation == ""
    assert functions["delegating"].annotation == "Manager" and functions["delegating"].returns == ()
