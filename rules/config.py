"""The user's configuration: TOML text in, a frozen :class:`Config` and every problem out.

A broken config never raises: :func:`parse_config` returns the problems it found, each
with the key path (``concept[0].canonical``) and the line it is on, so that SSOT010 can
report them all at once.
"""

from __future__ import annotations

import datetime
import posixpath
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from rules.globs import pattern_problem

DEFAULT_EXCLUDE = ("tests/", "test/", "test_*.py", "*_test.py", "conftest.py")
CONFIG_PATHS = (".github/ssot.toml", "pyproject.toml")
#: the most ``max_file_bytes`` may be: parsing a file costs some 30 times its size in memory,
#: and the App reads no larger file from a repository's tarball
MAX_FILE_BYTES = 16 * 1024 * 1024


def is_dotted_path(value: str) -> bool:
    """``package.module.Name``: what a concept's paths must look like (two parts at least,
    each a Python identifier: ``café.Ünï`` too)."""
    parts = value.split(".")
    return len(parts) > 1 and all(part.isidentifier() for part in parts)


@dataclass(frozen=True, slots=True)
class DuplicatesConfig:
    enabled: bool = True
    min_methods: int = 3
    threshold: float = 0.75  # bench/DUPLICATES.md: the evidence for it


@dataclass(frozen=True, slots=True)
class Concept:
    name: str
    canonical: str
    aliases: tuple[str, ...] = ()
    preferred: str | None = None
    names: tuple[str, ...] = ()
    interface: tuple[str, ...] = ()
    factory: str | None = None
    issue: int | None = None
    close_issue: bool = False
    allow: tuple[str, ...] = ()
    #: index in the config's concept list, for key paths in messages
    index: int = 0

    @property
    def class_names(self) -> frozenset[str]:
        """Names no one but the canonical definition may give a class."""
        if self.names:
            return frozenset(self.names)
        return frozenset(p.rsplit(".", 1)[-1] for p in (self.canonical, *self.aliases))

    @property
    def paths(self) -> tuple[str, ...]:
        """Every declared import path: the canonical first, then the aliases."""
        return (self.canonical, *(a for a in self.aliases if a != self.canonical))


@dataclass(frozen=True, slots=True)
class Config:
    roots: tuple[str, ...] | None = None  # None: "src" if it exists, and "."
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    fail_on: str = "new"
    max_file_bytes: int = 1_000_000
    duplicates: DuplicatesConfig = field(default_factory=DuplicatesConfig)
    concepts: tuple[Concept, ...] = ()
    #: the file it came from ("" for the built-in default)
    source: str = ""


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    path: str  # the config file
    key: str  # "concept[0].canonical"
    message: str
    line: int = 1


@dataclass(frozen=True, slots=True)
class ConfigResult:
    config: Config
    problems: tuple[ConfigProblem, ...] = ()
    #: (name, issue) of every concept table whose name and issue are valid, the others
    #: wrong or not: whom to tell that a broken config validated nothing
    declared: tuple[tuple[str, int], ...] = ()


def find_config(paths: set[str] | frozenset[str]) -> str | None:
    """Which file holds the config, given the repository's paths."""
    if ".github/ssot.toml" in paths:
        return ".github/ssot.toml"
    if "pyproject.toml" in paths:
        return "pyproject.toml"
    return None


def parse_config(text: str | bytes, source: str, *, table: str | None = None) -> ConfigResult:
    """Parse a config file (its bytes, or its text). ``table`` is ``"tool.ssot"`` for
    pyproject.toml.

    For pyproject.toml without a ``[tool.ssot]`` table the default config is returned
    with no problems, and with no ``source``: it comes from no file.
    """
    if table is None and source.endswith("pyproject.toml"):
        table = "tool.ssot"
    if isinstance(text, bytes):
        raw = text
        if raw.startswith(b"\xef\xbb\xbf"):  # (tomllib would say "invalid statement" at its first key)
            message = "not valid TOML: the file starts with a byte order mark; save it as UTF-8 without one"
            return ConfigResult(Config(source=source), (ConfigProblem(source, "", message, 1),))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:  # TOML is UTF-8: a byte read otherwise would be a guess
            line = raw.count(b"\n", 0, exc.start) + 1
            column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            message = f"not valid TOML: byte 0x{raw[exc.start]:02x} is not UTF-8 (at line {line}, column {column})"
            return ConfigResult(Config(source=source), (ConfigProblem(source, "", message, line),))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _toml_error_line(str(exc))
        return ConfigResult(Config(source=source), (ConfigProblem(source, "", f"not valid TOML: {exc}", line),))
    if table:
        for part in table.split("."):
            if not isinstance(data, dict) or part not in data:
                return ConfigResult(Config())  # no such table: the default, from no file
            data = data[part]
    return _Validator(text, source).run(data)


#: TOML's kinds of value, for messages
_KINDS = {int: "an integer", float: "a number", str: "a string", bool: "true or false", list: "an array",
          datetime.datetime: "a date and time", datetime.date: "a date", datetime.time: "a time"}


def _inside(root: str) -> bool:
    """A root names a directory of the repository: relative, never climbing out of it, its
    parts separated by ``/`` (a backslash would be part of a directory's name)."""
    return bool(root) and not root.startswith("/") and "\\" not in root and ".." not in root.split("/")


def _toml_error_line(message: str) -> int:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else 1


class _Validator:
    def __init__(self, text: str, source: str) -> None:
        self.lines = text.splitlines()
        self.source = source
        self.problems: list[ConfigProblem] = []
        self.declared: dict[tuple[str, int], None] = {}

    def problem(self, key: str, message: str, needle: str | None = None) -> None:
        self.problems.append(ConfigProblem(self.source, key, message, self._line_of(key, needle)))

    def _tool_ssot_line(self) -> int:
        """Where pyproject.toml gives ``tool.ssot`` a value that is not a table: ``ssot =``
        in the ``[tool]`` table, ``tool.ssot =`` at the top, or ``[[tool.ssot]]``."""
        table = ""
        for number, text in enumerate(self.lines, 1):
            header = re.match(r"\s*\[\[?\s*([^\]]*?)\s*\]", text)
            if header:
                if re.fullmatch(r"tool\s*\.\s*[\"']?ssot[\"']?", header.group(1)) and text.lstrip().startswith("[["):
                    return number
                table = header.group(1)
            elif (table == "tool" and re.match(r"\s*[\"']?ssot[\"']?\s*=", text)) or (
                    table == "" and re.match(r"\s*tool\s*\.\s*[\"']?ssot[\"']?\s*=", text)):
                return number
        return 1

    def _line_of(self, key: str, needle: str | None) -> int:
        """Best effort: the line in the key's own table that mentions the value or the key,
        else the table's header line."""
        tables = [n for n, line in enumerate(self.lines) if re.match(r"\s*\[", line)]

        def header(pattern: str, index: int = 0) -> int | None:
            found = [n for n in tables if re.match(pattern, self.lines[n])]
            return found[index] if index < len(found) else None

        table = re.match(r"concept\[(\d+)\]", key)
        if table:
            start = header(r"\s*\[\[\s*(tool\.ssot\.)?concept\s*\]\]", int(table.group(1)))
        elif key.startswith("duplicates."):
            start = header(r"\s*\[\s*(tool\.ssot\.)?duplicates\s*\]")
        else:
            start = header(r"\s*\[\s*tool\.ssot\s*\]")
            if start is None:  # top-level keys of .github/ssot.toml: before the first table
                start = -1
        if start is None:
            start, end = 0, len(self.lines)
        else:  # a table ends where the next one, of any kind, begins
            end = next((n for n in tables if n > start), len(self.lines))
            start = max(start, 0)
        last = re.sub(r"\[\d+\]$", "", key.rsplit(".", 1)[-1])
        for cand in (needle, last):
            if not cand:
                continue
            pattern = re.compile(r"(^|[\s\"'\[,.])" + re.escape(cand) + r"($|[\s\"'=\],.])")
            for number in range(start, end):
                if pattern.search(self.lines[number].split("#", 1)[0]):
                    return number + 1
        return start + 1

    def run(self, data: object) -> ConfigResult:
        if not isinstance(data, dict):  # `ssot = 3` under [tool] (a TOML file itself is always a table)
            kind = _KINDS.get(type(data), type(data).__name__)
            self.problems.append(ConfigProblem(self.source, "tool.ssot", f"must be a table, not {kind}",
                                               self._tool_ssot_line()))
            data = {}
        known = {"roots", "exclude", "fail_on", "max_file_bytes", "duplicates", "concept"}
        for key in data:
            if key not in known:
                self.problem(key, f"is not a known key; known keys: {', '.join(sorted(known))}")
        roots = self.str_list(data, "roots", None)
        if roots is not None and (not roots or not all(map(_inside, roots))):
            self.problem("roots", "must list one or more directories inside the repository (relative paths "
                                  f"with `/` and without `..`; `.` is its top), not {roots!r}")
            roots = None
        elif roots is not None:  # `./src`, `src/` and `src//pkg` name `src` and `src/pkg`, as the index reads them
            roots = [posixpath.normpath(root) for root in roots]
        exclude = self.patterns(data, "exclude", None)
        fail_on = data.get("fail_on", "new")
        if fail_on not in ("new", "any"):
            self.problem("fail_on", f'must be "new" or "any", not {fail_on!r}')
            fail_on = "new"
        max_bytes = data.get("max_file_bytes", 1_000_000)
        if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or not 0 < max_bytes <= MAX_FILE_BYTES:
            self.problem("max_file_bytes", f"must be a positive integer of at most {MAX_FILE_BYTES:_} (16 MiB), "
                                           f"not {max_bytes!r}")
            max_bytes = 1_000_000
        duplicates = self.duplicates(data.get("duplicates", {}))
        concepts = self.concepts(data.get("concept", []))
        config = Config(
            roots=tuple(roots) if roots is not None else None,
            exclude=tuple(exclude) if exclude is not None else DEFAULT_EXCLUDE,
            fail_on=fail_on,
            max_file_bytes=max_bytes,
            duplicates=duplicates,
            concepts=concepts,
            source=self.source,
        )
        return ConfigResult(config, tuple(self.problems), tuple(self.declared))

    def str_list(self, data: dict[str, Any], key: str, path: str | None) -> list[str] | None:
        if key not in data:
            return None
        value = data[key]
        full = f"{path}.{key}" if path else key
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(full, f"must be a list of strings, not {value!r}")
            return None
        return value

    def duplicates(self, raw: Any) -> DuplicatesConfig:
        if not isinstance(raw, dict):
            self.problem("duplicates", "must be a table ([duplicates])")
            return DuplicatesConfig()
        for key in raw:
            if key not in ("enabled", "min_methods", "threshold"):
                self.problem(f"duplicates.{key}", "is not a known key; known keys: enabled, min_methods, threshold")
        default = DuplicatesConfig()
        enabled = raw.get("enabled", default.enabled)
        if not isinstance(enabled, bool):
            self.problem("duplicates.enabled", f"must be true or false, not {enabled!r}")
            enabled = default.enabled
        min_methods = raw.get("min_methods", default.min_methods)
        if not isinstance(min_methods, int) or isinstance(min_methods, bool) or min_methods < 1:
            self.problem("duplicates.min_methods", f"must be a positive integer, not {min_methods!r}")
            min_methods = default.min_methods
        threshold = raw.get("threshold", default.threshold)
        if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 < threshold <= 1:
            self.problem("duplicates.threshold", f"must be a number above 0 and at most 1, not {threshold!r}")
            threshold = default.threshold
        return DuplicatesConfig(enabled, min_methods, float(threshold))

    def concepts(self, raw: Any) -> tuple[Concept, ...]:
        if not isinstance(raw, list):
            self.problem("concept", "must be an array of tables ([[concept]])")
            return ()
        out: list[Concept] = []
        seen: dict[str, int] = {}
        for i, item in enumerate(raw):
            concept = self.concept(i, item)
            if concept is None:
                continue
            if concept.name in seen:
                self.problem(f"concept[{i}].name",
                             f"concept `{concept.name}` is also defined as concept[{seen[concept.name]}]", concept.name)
                continue
            seen[concept.name] = i
            out.append(concept)
        return tuple(out)

    def concept(self, i: int, item: Any) -> Concept | None:
        key = f"concept[{i}]"
        if not isinstance(item, dict):
            self.problem(key, "must be a table")
            return None
        known = {"name", "canonical", "aliases", "preferred", "names", "interface", "factory",
                 "issue", "close_issue", "allow"}
        for k in item:
            if k not in known:
                self.problem(f"{key}.{k}", f"is not a known key; known keys: {', '.join(sorted(known))}")
        ok = True
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            self.problem(f"{key}.name", "is required: a short name for the concept, such as \"WebSocketManager\"")
            ok = False
        canonical = item.get("canonical")
        if canonical is None:
            self.problem(f"{key}.canonical",
                         "is required: the dotted path of the one true definition, "
                         "such as \"app.core.manager.Manager\"")
            ok = False
        elif not self.dotted(f"{key}.canonical", canonical):
            ok = False
        aliases = self.str_list(item, "aliases", key) or []
        for j, alias in enumerate(aliases):
            if not self.dotted(f"{key}.aliases[{j}]", alias):
                ok = False
        preferred = item.get("preferred")
        if preferred is not None:
            if not self.dotted(f"{key}.preferred", preferred):
                ok = False
            elif isinstance(canonical, str) and preferred not in (canonical, *aliases):
                self.problem(f"{key}.preferred", f"`{preferred}` must be the canonical path or one of the aliases",
                             preferred)
                ok = False
        factory = item.get("factory")
        if factory is not None and not self.dotted(f"{key}.factory", factory):
            ok = False
        names = self.str_list(item, "names", key) or []
        for j, n in enumerate(names):
            if not n.isidentifier():
                self.problem(f"{key}.names[{j}]", f"`{n}` is not a Python identifier", n)
                ok = False
        interface = self.str_list(item, "interface", key) or []
        for j, n in enumerate(interface):
            if not n.isidentifier():
                self.problem(f"{key}.interface[{j}]", f"`{n}` is not a method name", n)
                ok = False
        issue = item.get("issue")
        if issue is not None and (not isinstance(issue, int) or isinstance(issue, bool) or issue <= 0):
            self.problem(f"{key}.issue", f"must be an issue number, not {issue!r}")
            ok = False
        elif issue is not None and isinstance(name, str) and name.strip():
            self.declared[(name.strip(), issue)] = None
        close_issue = item.get("close_issue", False)
        if not isinstance(close_issue, bool):
            self.problem(f"{key}.close_issue", f"must be true or false, not {close_issue!r}")
            ok = False
        if close_issue and issue is None:
            self.problem(f"{key}.close_issue", "needs `issue`: which issue should be closed?")
            ok = False
        allow = self.patterns(item, "allow", key)
        if allow is None:
            ok, allow = ok and "allow" not in item, []
        if not ok or not isinstance(name, str) or not isinstance(canonical, str):
            return None
        return Concept(
            name=name.strip(), canonical=canonical, aliases=tuple(aliases), preferred=preferred,
            names=tuple(names), interface=tuple(interface), factory=factory, issue=issue,
            close_issue=close_issue, allow=tuple(allow), index=i,
        )

    def patterns(self, data: dict[str, Any], key: str, path: str | None) -> list[str] | None:
        """A list of path patterns (``rules.globs``), None if it is missing or one is invalid."""
        patterns = self.str_list(data, key, path)
        problems = [(j, problem) for j, p in enumerate(patterns or ()) if (problem := pattern_problem(p))]
        for j, problem in problems:
            self.problem(f"{path}.{key}[{j}]" if path else f"{key}[{j}]", problem, patterns[j])  # type: ignore[index]
        return None if problems else patterns

    def dotted(self, key: str, value: Any) -> bool:
        if not isinstance(value, str):
            self.problem(key, f"must be a dotted path string, not {value!r}")
            return False
        if not is_dotted_path(value):
            self.problem(key, f"`{value}` is not a dotted path like \"package.module.Name\"", value)
            return False
        return True
