"""The repository as the resolver sees it: module names mapped to file summaries.

Built from ``{path: FileSummary}`` and the configured roots; it never reads files itself.
A file under a root gets the module name its path implies (``src/app/x.py`` under root
``src`` is ``app.x``); a directory without ``__init__.py`` that holds modules is a
namespace package.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from rules.summary import ClassInfo, FileSummary


class Module(NamedTuple):
    name: str
    path: str | None  # None for a namespace package
    is_package: bool
    summary: FileSummary | None


def default_roots(paths: Iterable[str]) -> tuple[str, ...]:
    """``src`` if the repository has it, and the repository root."""
    return ("src", ".") if any(p.startswith("src/") for p in paths) else (".",)


def root_prefix(root: str) -> str:
    """What the paths of the files under ``root`` start with (``""`` for the repository's top)."""
    root = root.strip("/")
    return "" if root in ("", ".") else root + "/"


def module_name(path: str, root: str) -> tuple[str, bool] | None:
    """The module ``path`` defines under ``root``, and whether it is a package."""
    if not path.endswith(".py"):
        return None
    prefix = root_prefix(root)
    if not path.startswith(prefix):
        return None
    rel = path[len(prefix):]
    parts = rel[:-3].split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    if not parts or not all(map(str.isidentifier, parts)):
        return None
    return ".".join(parts), is_package


class Index:
    def __init__(self, files: Mapping[str, FileSummary], roots: Iterable[str] | None = None) -> None:
        self.files: dict[str, FileSummary] = dict(files)
        self.roots = tuple(roots) if roots is not None else default_roots(self.files)
        self.modules: dict[str, Module] = {}
        self.module_of: dict[str, str] = {}  # path -> its primary module name
        namespaces: set[str] = set()
        # which file gives a name, as Python's path finder picks it: the first root that has
        # the name wins, and within a root a package (``m/__init__.py``) beats a module
        # (``m.py``); sorted paths alone put ``m.py`` first, and a later root's path may
        # sort before an earlier root's
        ranks: dict[str, tuple[int, bool]] = {}
        for path in sorted(self.files):
            for order, root in enumerate(self.roots):
                named = module_name(path, root)
                if named is None:
                    continue
                name, is_package = named
                self.module_of.setdefault(path, name)
                # a regular module or package wins over a namespace package (added below,
                # for the names no file gives)
                rank = (order, not is_package)
                existing = ranks.get(name)
                if existing is None or rank < existing:
                    ranks[name] = rank
                    self.modules[name] = Module(name, path, is_package, self.files[path])
                package = name.rpartition(".")[0]
                while package and package not in namespaces:  # and its parents, once
                    namespaces.add(package)
                    package = package.rpartition(".")[0]
        for name in namespaces:
            if name not in self.modules:
                self.modules[name] = Module(name, None, True, None)
        # ``m.py`` beside a directory ``m/`` without ``__init__.py``: Python imports the
        # module, which is no package, so nothing in the directory can be imported
        #: such a module's name -> the module file that hides it
        self.hidden: dict[str, str] = {}
        for name in list(self.modules):
            package = name.rpartition(".")[0]
            while package and self.modules[package].is_package:
                package = package.rpartition(".")[0]
            if package:
                self.hidden[name] = self.modules[package].path or ""
        for name in self.hidden:
            del self.modules[name]
        self._classes_by_name: dict[str, list[tuple[str, ClassInfo]]] | None = None

    def importing(self, names: Iterable[str]) -> list[str]:
        """The paths of the files that import any of these names (``from m import Name``,
        anywhere in the file), in path order. From the headers: each file's set of imported
        names asked once (a concept asks once, for all of its names)."""
        wanted = frozenset(names)
        return sorted(path for path, summary in self.files.items() if not summary.import_names.isdisjoint(wanted))

    def classes_named(self, name: str) -> list[tuple[str, ClassInfo]]:
        """Every class definition with this name, as (path, class), in path order."""
        if self._classes_by_name is None:
            table: dict[str, list[tuple[str, ClassInfo]]] = {}
            self._classes_by_name = table
        table = self._classes_by_name
        if name not in table:
            # the header's class names pick the files; only those are decoded
            table[name] = [(path, cls) for path in sorted(self.files) if name in self.files[path].class_names
                           for cls in self.files[path].classes if cls.name == name]
        return table[name]

    def package_of(self, module: str) -> str:
        """The package that relative imports in ``module`` are relative to."""
        entry = self.modules.get(module)
        if entry is not None and entry.is_package:
            return module
        return module.rpartition(".")[0]

    def absolute(self, module: str, target: str, level: int) -> str | None:
        """``from ..x import y`` in ``module`` imports from this absolute module name."""
        if level == 0:
            return target
        package = self.package_of(module)
        parts = package.split(".") if package else []
        if level - 1 >= len(parts):
            return None  # beyond the top-level package, as Python says
        base = parts[: len(parts) - (level - 1)]
        if target:
            base.append(target)
        return ".".join(base) if base else None
