"""What does ``a.b.C`` name at runtime? Answered from the index alone, never by importing.

The resolver follows what Python does at import time: ``from m import X as Y``,
``import a.b as c`` then ``c.X`` (``c`` is the package's attribute ``b``, which its
``__init__`` may rebind), module-level ``Y = X`` chains, package re-exports, relative
imports, ``from m import *`` (honouring ``__all__``; without it, also the submodules the
package's ``__init__`` imports), and each branch of an ``if``/``try`` as an alternative. A
star import of a module outside the repository, whose names cannot be known, gives the
names nothing in the repository binds. Every answer carries the chain of hops that led to
it. Cycles end in an "unresolved" answer naming the cycle.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import NamedTuple

from rules.index import Index, Module
from rules.model import Definition
from rules.summary import Binding, ClassInfo

_BUILTINS = frozenset(dir(builtins))
_MAX_DEPTH = 200


class Target(NamedTuple):
    """One place a name may lead to."""

    status: str  # "resolved" | "unresolved" | "external"
    definition: Definition | None
    chain: tuple[str, ...]
    reason: str = ""  # why unresolved, or the dotted name outside the repository
    #: (path, line) of the last binding statement followed: where a user would fix it
    site: tuple[str, int] | None = None
    #: (path, line) of the first binding followed: where the looked-up name is bound
    entry: tuple[str, int] | None = None
    #: unresolved because the bindings lead back to one being followed
    cyclic: bool = False

    @property
    def identity(self) -> tuple[str, ...]:
        if self.definition is not None:
            d = self.definition
            return ("def", d.path, d.qualname, str(d.line), d.kind, d.module)
        return (self.status, self.reason)


@dataclass(frozen=True)
class Resolution:
    """The answer for one dotted name."""

    name: str
    status: str  # "resolved" | "unresolved" | "ambiguous" | "external"
    candidates: tuple[Target, ...]
    definition: Definition | None = None
    chain: tuple[str, ...] = field(default=())

    @property
    def reason(self) -> str:
        return self.candidates[0].reason if self.candidates else ""

    @property
    def definitions(self) -> tuple[Definition, ...]:
        seen: dict[tuple[str, ...], Definition] = {}
        for t in self.candidates:
            if t.definition is not None:
                seen.setdefault(t.identity, t.definition)
        return tuple(seen.values())


def _final(definition: Definition) -> str:
    return f"{definition.dotted} ({definition.kind}, line {definition.line})"


def _merge(targets: list[Target]) -> list[Target]:
    """Distinct targets, first chain kept for each."""
    seen: dict[tuple[str, ...], Target] = {}
    for t in targets:
        seen.setdefault(t.identity, t)
    return list(seen.values())


class Resolver:
    def __init__(self, index: Index) -> None:
        self.index = index
        self._binding_cache: dict[tuple[str, int], list[Target]] = {}
        self._active: list[tuple[str, int]] = []
        self._cycles = 0  # cycle answers given so far; results that saw one are not cached
        self._provides_cache: dict[tuple[str, str], str] = {}  # (module, name) -> does `import *` bind it
        self._imported_cache: dict[str, frozenset[str]] = {}  # module -> the modules it imports at import time
        self._star_cycles = 0

    # -- public ---------------------------------------------------------------------

    def resolve(self, name: str) -> Resolution:
        targets = _merge(self.resolve_targets(name))
        distinct = {t.identity for t in targets}
        if len(distinct) == 1:
            only = targets[0]
            return Resolution(name, only.status, tuple(targets), only.definition, only.chain)
        if not targets:
            return Resolution(name, "unresolved", (), None, (name,))
        return Resolution(name, "ambiguous", tuple(targets), None, targets[0].chain)

    def resolve_targets(self, name: str) -> list[Target]:
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            module_name = ".".join(parts[:i])
            module = self.index.modules.get(module_name)
            if module is None:
                continue
            if i == len(parts):
                return self._imported_module(module)
            current = [self._module_target(module, ())]
            for j, attr in enumerate(parts[i:], i):
                previous = current
                current = [n for t in current for n in self.attribute(t, attr)]
                if j < len(parts) - 1 and all(t.status == "unresolved" for t in current) and any(
                        t.definition is not None and t.definition.kind == "module" for t in previous):
                    # a path that names a module which is not there: say that, not "no name"
                    missing = ".".join(parts[: j + 1])
                    reason = self._no_module(missing) if missing in self.index.hidden else \
                        f"no module `{missing}` (and `{'.'.join(parts[:j])}` defines no `{attr}`)"
                    return [t._replace(reason=reason, cyclic=False)
                            for t in current]
            return current
        top = parts[0]
        if top in self.index.modules:
            return [Target("unresolved", None, (name,), self._no_module(name))]
        return [Target("external", None, (f"{name} (outside the repository)",), name)]

    def lookup(self, module_name: str, attr: str) -> list[Target]:
        """``getattr(import_module(module_name), attr)``, statically."""
        module = self.index.modules.get(module_name)
        if module is None:
            return [Target("unresolved", None, (f"{module_name}.{attr}",), self._no_module(module_name))]
        return self.attribute(self._module_target(module, ()), attr)

    def _no_module(self, name: str) -> str:
        hider = self.index.hidden.get(name)
        if hider is None:
            return f"no module `{name}`"
        return (f"no module `{name}`: Python imports the module `{hider}`, which is not a package, and not "
                "the directory of the same name (it has no `__init__.py`)")

    def class_info(self, definition: Definition) -> ClassInfo | None:
        summary = self.index.files.get(definition.path)
        if summary is None or definition.kind != "class":
            return None
        for cls in summary.classes:
            if cls.qualname == definition.qualname and cls.line == definition.line:
                return cls
        return None

    # -- modules and attributes ---------------------------------------------------------

    def _module_target(self, module: Module, chain: tuple[str, ...]) -> Target:
        definition = Definition(module.path or "", 1, "", "module", module.name)
        return Target("resolved", definition, chain)

    def attribute(self, target: Target, attr: str) -> list[Target]:
        """The value of ``<target>.<attr>``."""
        if target.status != "resolved" or target.definition is None:
            if target.status == "external":
                dotted = f"{target.reason}.{attr}"
                return [Target("external", None, (*target.chain[:-1], f"{dotted} (outside the repository)"), dotted)]
            return [target]
        d = target.definition
        if d.kind == "module":
            return self._module_attribute(d.module, attr, target.chain)
        if d.kind == "class":
            qualname = f"{d.qualname}.{attr}"
            summary = self.index.files.get(d.path)
            for cls in summary.classes if summary else ():
                if cls.qualname == qualname:
                    nested = Definition(d.path, cls.line, qualname, "class", d.module)
                    return [Target("resolved", nested, (*target.chain[:-1], _final(nested)))]
            return [Target("unresolved", None, (*target.chain, f"{d.dotted}.{attr}"),
                           f"`{d.dotted}` is a class; its attribute `{attr}` is not a nested class")]
        return [Target("unresolved", None, (*target.chain, f"{d.dotted}.{attr}"),
                       f"`{d.dotted}` is a {d.kind}; its attributes are not followed")]

    def _module_attribute(self, module_name: str, attr: str, chain: tuple[str, ...]) -> list[Target]:
        module = self.index.modules[module_name]
        hop = f"{module_name}.{attr}"
        chain = (*chain, hop) if (not chain or chain[-1] != hop) else chain
        summary = module.summary
        sub = self.index.modules.get(hop)
        if summary is not None and summary.error is None:
            exports = dict(summary.exports)
            found: list[Target] = []
            if attr in exports:
                found = self._bindings(module_name, exports[attr], chain)
            else:
                found = self._chained(module_name, summary.stars, attr, chain)
            if sub is not None:
                found = self._or_submodule(module_name, attr, sub, found, chain)
            if found or attr in exports:
                return _merge(found)
        if sub is not None:
            return [self._submodule(sub, chain)]
        if summary is not None and summary.error is not None:
            return [Target("unresolved", None, chain, f"`{module.path}` could not be parsed")]
        if summary is not None and any(name == "__getattr__" for name, _ids in summary.exports):
            return [Target("unresolved", None, chain, f"module `{module_name}` binds no name `{attr}`; it "
                                                      "defines `__getattr__`, which may make it when asked, and "
                                                      "what that returns is not known without running it")]
        return [Target("unresolved", None, chain, f"module `{module_name}` has no name `{attr}`")]

    def _imported_module(self, module: Module) -> list[Target]:
        """What ``import a.b as c`` binds to ``c`` (and what the whole name ``a.b`` names).

        Since Python 3.7 that is ``getattr(a, "b")`` once ``a.b`` is imported, which a
        package's ``__init__`` may have rebound after importing the submodule itself
        (``from .main import main``, as ``unittest`` does). A package that binds the name
        without importing the submodule loses it: importing the submodule later binds the
        submodule in its place."""
        package, _, attr = module.name.rpartition(".")
        if not package or not self._imports_submodule(package, attr):
            return [self._module_target(module, (f"{module.name} (module, {module.path or 'namespace package'})",))]
        return self._module_attribute(package, attr, ())

    def _or_submodule(self, module_name: str, attr: str, sub: Module, found: list[Target],
                      chain: tuple[str, ...]) -> list[Target]:
        """A package's attribute that is also the name of one of its submodules: what the
        package's statements bind it to (``found``), and the submodule where they may not."""
        if any(t.cyclic for t in found):
            # importing a submodule binds it as its package's attribute: re-exports of
            # that name which only lead back to themselves (`from . import sub` in the
            # package's __init__) hold the submodule
            return [t for t in found if not t.cyclic] + [self._submodule(sub, chain)]
        bound = self._binds(module_name, attr, frozenset())
        if bound == "yes":
            return found
        if bound == "no":  # (`from . import sub` then `del sub`): the import falls back to the submodule
            return [self._submodule(sub, chain)]
        if bound == "outside":
            # the resolver assumes an outside module's star import binds only the names
            # nothing in the repository binds, and the submodule is one
            return [self._submodule(sub, chain)]
        # bound on some paths only: on the others the package has no such attribute, so
        # `from pkg import sub` (and `import pkg.sub as s`) imports the submodule
        return [*found, self._submodule(sub, chain)]

    def _submodule(self, sub: Module, chain: tuple[str, ...]) -> Target:
        return self._module_target(sub, (*chain[:-1], f"{sub.name} (module, {sub.path or 'namespace package'})"))

    def _star_source(self, module_name: str, star: int) -> str | None:
        binding = self._summary(module_name).bindings[star]
        return self.index.absolute(module_name, binding.module, binding.level)

    def _summary(self, module_name: str):  # type: ignore[no-untyped-def]
        return self.index.modules[module_name].summary

    def _star_provides(self, module_name: str, star: int, attr: str, seen: frozenset[str]) -> str:
        """Does ``from <source> import *`` (binding ``star`` in ``module_name``) bind ``attr``?

        "yes", "no", "maybe" when the source binds it on some paths only, or "outside" when
        only a module outside the repository may bind it (see :func:`_after_star`)."""
        source = self._star_source(module_name, star)
        return "no" if source is None else self._exports_star(source, attr, seen)

    def _exports_star(self, module_name: str, attr: str, seen: frozenset[str]) -> str:
        key = (module_name, attr)
        answer = self._provides_cache.get(key)
        if answer is not None:
            return answer
        if module_name in seen:  # star imports in a cycle: this path adds nothing
            self._star_cycles += 1
            return "no"
        cycles = self._star_cycles
        answer = self._star_exports(module_name, attr, seen | {module_name})
        if self._star_cycles == cycles:
            self._provides_cache[key] = answer
        return answer

    def _star_exports(self, module_name: str, attr: str, seen: frozenset[str]) -> str:
        module = self.index.modules.get(module_name)
        if module is None:
            if attr.startswith("_") or module_name.partition(".")[0] in self.index.modules:
                return "no"  # a private name, or a module of the repository's that is not there
            # a module outside the repository: what it exports is unknown (see _after_star)
            return "outside"
        if module.summary is None or module.summary.error is not None:
            return "no"
        if module.summary.all_names is not None:
            return self._listed(module_name, attr, seen)
        return self._public(module_name, attr, seen)

    def _public(self, module_name: str, attr: str, seen: frozenset[str]) -> str:
        """Does ``from <module> import *`` bind ``attr``, the module having no ``__all__``?"""
        if attr.startswith("_"):
            return "no"
        bound = self._binds(module_name, attr, seen)
        if bound != "yes" and self._imports_submodule(module_name, attr):
            # importing a submodule binds its name in the package, and `import *` without
            # `__all__` copies every public name. Only the package's own module-level
            # imports are counted: a submodule some other module imported before the star
            # import ran is in the package's namespace too, which is not followed here.
            return "yes"
        return bound

    def _listed(self, module_name: str, attr: str, seen: frozenset[str]) -> str:
        """Does the module's ``__all__`` list ``attr``: "yes", "no" or "maybe"? The ``__all__``
        of another module of the repository that it adds (``__all__ += _models.__all__``) is
        read in turn; a part that cannot be known is read as a module without ``__all__``
        (:meth:`_public`)."""
        summary = self._summary(module_name)
        if attr in summary.all_names:
            return "yes"
        answers = set()
        cycles = self._cycles
        for ref in summary.all_more:
            sources = self._modules_named(module_name, ref) if ref != "?" else None
            if sources is None:  # taken to list what a star import of a module without `__all__` gives
                answers.add(self._public(module_name, attr, seen))
                continue
            for source in sources:
                listing = self._summary(source)
                if source in seen:  # `__all__`s adding each other's: this path adds nothing known
                    self._star_cycles += 1  # (an answer that depends on where the walk started: not cached)
                    answers.add("maybe")
                elif listing is None or listing.error is not None or listing.all_names is None:
                    answers.add("maybe")  # (a module without `__all__` there fails to import)
                else:
                    answers.add(self._listed(source, attr, seen | {module_name}))
        if self._cycles != cycles:  # an answer found inside an import cycle depends on where it started
            self._star_cycles += 1
        return "yes" if "yes" in answers else "maybe" if "maybe" in answers else "no"

    def _modules_named(self, module_name: str, dotted: str) -> list[str] | None:
        """The modules of the repository that the dotted name stands for in the module (when
        it names nothing else)."""
        root, _, rest = dotted.partition(".")
        direct = self._imported_as(module_name, root)
        if direct is not None and not rest:
            return [direct]
        targets = self._module_attribute(module_name, root, ())
        for attr in rest.split(".") if rest else ():
            targets = [n for t in targets for n in self.attribute(t, attr)]
        modules = [t.definition.module for t in targets if t.definition is not None and t.definition.kind == "module"]
        return modules if modules and len(modules) == len(targets) else None

    def _imported_as(self, module_name: str, name: str) -> str | None:
        """The module of the repository a name is bound to by the module's only binding of
        it, when that is an import of a module (``from . import _models``, ``import a.b as
        m``), read without resolving anything (else None)."""
        ids = dict(self._summary(module_name).exports).get(name, ())
        if len(ids) != 1:
            return None
        bindings = self._summary(module_name).bindings
        binding = bindings[ids[0]]
        while binding.kind == "starname" and name.startswith("_") and len(binding.targets) == 1:
            # a later star import gives no private name, unless its module's `__all__` lists it
            star = self._star_source(module_name, binding.star)
            giver = self.index.modules.get(star or "")
            if giver is None or giver.summary is None or name in (giver.summary.all_names or ()) \
                    or giver.summary.all_more:
                return None
            binding = bindings[binding.targets[0]]
        if binding.kind == "module" and binding.text.endswith(f" as {name}"):
            found: str | None = binding.module
        elif binding.kind == "import":
            source = self.index.absolute(module_name, binding.module, binding.level)
            found = f"{source}.{binding.name}" if source is not None else None
            origin = self.index.modules.get(source or "")
            if origin is None or origin.summary is None:
                return None
            # what the package binds under that name, itself (unless that is this binding: a
            # package importing its own submodule) or by a star import (which gives no private
            # name), may be no module: then it is resolved, not read
            if (source != module_name and binding.name in dict(origin.summary.exports)) \
                    or (origin.summary.stars and not binding.name.startswith("_")):
                return None
        else:
            return None
        return found if found in self.index.modules else None

    def _binds(self, module_name: str, attr: str, seen: frozenset[str]) -> str:
        """Does the module leave ``attr`` bound when it has run: "yes", "no", "maybe" or "outside"?"""
        summary = self._summary(module_name)
        exports = dict(summary.exports)
        if attr in exports:
            return self._bound(module_name, exports[attr], seen)
        return self._chain_binds(module_name, summary.stars, attr, seen)

    def _imports_submodule(self, module_name: str, attr: str) -> bool:
        """Do the package's module-level statements import its submodule ``attr`` (or one
        below it)?"""
        module = self.index.modules[module_name]
        sub = f"{module_name}.{attr}"
        if not module.is_package or module.summary is None or module.summary.error is not None \
                or sub not in self.index.modules:
            return False  # (a namespace package, or a file that could not be parsed, runs nothing)
        imported = self._imported_cache.get(module_name)
        if imported is None:
            imported = self._imported_cache[module_name] = self._imported(module_name)
        return any(name == sub or name.startswith(sub + ".") for name in imported)

    def _imported(self, module_name: str) -> frozenset[str]:
        """The modules a module's module-level statements import, absolute: ``x`` and
        ``x.name`` for ``from x import name`` (``name`` may be a submodule), ``x`` for
        ``from x import *`` and ``import x [as y]``."""
        summary = self._summary(module_name)
        names: set[str] = set()
        plain: set[tuple[int, int]] = set()
        for binding in summary.bindings:
            if binding.kind in ("import", "star"):
                source = self.index.absolute(module_name, binding.module, binding.level)
                if source is not None:
                    names.add(source)
                    if binding.kind == "import":
                        names.add(f"{source}.{binding.name}")
            elif binding.kind == "module":
                plain.add((binding.line, binding.col))
        # `import a.b` binds `a` only: the header's list of every import statement (those
        # in functions too, which do not run at import time) has the dotted name, at the
        # line and column of the module-level binding
        names.update(i.module for i in summary.imports if not i.name and (i.line, i.col) in plain)
        return frozenset(names)

    def _bound(self, module_name: str, ids: tuple[int, ...], seen: frozenset[str]) -> str:
        """Do these alternative bindings leave their name bound: "yes", "no", "maybe" or
        "outside" (see :func:`_after_star`)?"""
        answers = set()
        bindings = self._summary(module_name).bindings
        for binding in (bindings[i] for i in ids):
            if binding.kind in ("unbound", "deleted"):
                answers.add("no")
            elif binding.kind == "chained":
                answers.add(self._chain_binds(module_name, binding.targets, binding.name, seen))
            elif binding.kind == "starname":
                via = self._star_provides(module_name, binding.star, binding.name, seen)
                before = "no"
                if via != "yes" and binding.targets:
                    before = self._bound(module_name, binding.targets, seen)
                answers.add(_after_star(via, before))
            else:
                answers.add("yes")
        return _either(answers)

    def _chain_binds(self, module_name: str, stars: tuple[int, ...], attr: str, seen: frozenset[str],
                     memo: dict[int, str] | None = None) -> str:
        """Do these alternative last star imports (each linked to the ones before it) bind ``attr``?"""
        memo = {} if memo is None else memo
        answers = set()
        bindings = self._summary(module_name).bindings
        for star in stars:
            if star in memo:
                pass
            elif bindings[star].kind != "star":  # a path without (more) star imports
                memo[star] = "no"
            else:
                via = self._star_provides(module_name, star, attr, seen)
                before = "no"
                if via != "yes" and bindings[star].targets:
                    before = self._chain_binds(module_name, bindings[star].targets, attr, seen, memo)
                memo[star] = _after_star(via, before)
            answers.add(memo[star])
        return _either(answers)

    def _chained(self, module_name: str, stars: tuple[int, ...], attr: str, chain: tuple[str, ...],
                 visited: set[int] | None = None, memo: dict[int, str] | None = None) -> list[Target]:
        """What these alternative last star imports (each linked to the ones before it) bind ``attr`` to."""
        visited = set() if visited is None else visited
        memo = {} if memo is None else memo  # _chain_binds' answers, for the star imports before an outside one
        found: list[Target] = []
        bindings = self._summary(module_name).bindings
        for star in stars:
            if star in visited or bindings[star].kind != "star":
                continue
            visited.add(star)
            provides = self._star_provides(module_name, star, attr, frozenset())
            earlier = bindings[star].targets
            if provides == "outside":
                provides = _gaps(self._chain_binds(module_name, earlier, attr, frozenset(), memo) if earlier else "no")
            if provides != "no":
                found += self._star_lookup(module_name, star, attr, chain)
            if provides != "yes" and earlier:
                found += self._chained(module_name, earlier, attr, chain, visited, memo)
        return _merge(found)

    def _star_lookup(self, module_name: str, star: int, attr: str, chain: tuple[str, ...]) -> list[Target]:
        source = self._star_source(module_name, star)
        assert source is not None
        if source not in self.index.modules:
            return [Target("external", None, (*chain, f"{source}.{attr} (outside the repository)"), f"{source}.{attr}")]
        return self._module_attribute(source, attr, chain)

    # -- bindings -------------------------------------------------------------------

    def _bindings(self, module_name: str, ids: tuple[int, ...], chain: tuple[str, ...]) -> list[Target]:
        out: list[Target] = []
        for binding_id in ids:
            out.extend(self._binding(module_name, binding_id, chain))
        return _merge(out)

    def _binding(self, module_name: str, binding_id: int, chain: tuple[str, ...]) -> list[Target]:
        key = (module_name, binding_id)
        if key in self._active or len(self._active) > _MAX_DEPTH:
            self._cycles += 1
            binding = self._summary(module_name).bindings[binding_id]
            if key in self._active and binding.kind == "starname" and binding.targets:
                # back at a star import being followed (`class Field` then `from .models
                # import *`, whose module star-imports this one): the other module took the
                # name from this one while it ran, bound as it was before the star import
                return self._bindings(module_name, binding.targets, chain)
            if key not in self._active:
                return [Target("unresolved", None, chain, f"the bindings leading here are more than {_MAX_DEPTH} "
                                                          "steps long: not followed further")]
            cycle = " → ".join(m for m, _ in self._active[self._active.index(key):])
            return [Target("unresolved", None, chain, f"import cycle: {cycle} → {module_name}", cyclic=True)]
        cached = self._binding_cache.get(key)
        if cached is None:
            cycles = self._cycles
            self._active.append(key)
            try:
                cached = self._compute(module_name, self._summary(module_name).bindings[binding_id])
            finally:
                self._active.pop()
            if self._cycles == cycles:
                self._binding_cache[key] = cached
        # cached chains are relative to the binding; prefix the caller's chain
        site = (self.index.modules[module_name].path or "", self._summary(module_name).bindings[binding_id].line)
        return [t._replace(chain=_join(chain, t.chain), site=t.site or site, entry=site) for t in cached]

    def _compute(self, module_name: str, binding: Binding) -> list[Target]:
        module = self.index.modules[module_name]
        path = module.path or ""
        kind = binding.kind
        if kind == "class":
            cls = self._summary(module_name).classes[binding.number]
            d = Definition(path, cls.line, cls.qualname, "class", module_name)
            return [Target("resolved", d, (_final(d),))]
        if kind == "function":
            fn = self._summary(module_name).functions[binding.number]
            d = Definition(path, fn.line, fn.name, "function", module_name)
            return [Target("resolved", d, (_final(d),))]
        if kind == "value":
            d = Definition(path, binding.line, binding.text or f"<value line {binding.line}>", "value", module_name)
            return [Target("resolved", d, (_final(d),))]
        if kind == "module":
            target = self.index.modules.get(binding.module)
            if target is None:
                return [Target("external", None, (f"{binding.module} (outside the repository)",), binding.module)]
            return self._imported_module(target)
        if kind == "import":
            source = self.index.absolute(module_name, binding.module, binding.level)
            if source is None:
                reason = f"`{binding.text}` in `{module_name}` goes beyond the top-level package"
                return [Target("unresolved", None, (), reason)]
            if source not in self.index.modules:
                top = source.split(".", 1)[0]
                if top in self.index.modules:
                    return [Target("unresolved", None, (f"{source}.{binding.name}",), self._no_module(source))]
                dotted = f"{source}.{binding.name}"
                return [Target("external", None, (f"{dotted} (outside the repository)",), dotted)]
            return self._module_attribute(source, binding.name, ())
        if kind == "ref":
            return self._ref(module_name, binding)
        if kind == "starname":
            provides = self._star_provides(module_name, binding.star, binding.name, frozenset())
            if provides == "outside":
                provides = _gaps(self._bound(module_name, binding.targets, frozenset()))
            found = self._star_lookup(module_name, binding.star, binding.name, ()) if provides != "no" else []
            if provides != "yes":
                if binding.targets:
                    found += self._bindings(module_name, binding.targets, ())
                elif provides == "no":
                    found += self._undefined(module_name, binding.name)
            return _merge(found)
        if kind == "chained":
            return self._chained(module_name, binding.targets, binding.name, ())
        if kind == "unbound":
            return []  # the path where the name is not bound leads nowhere
        if kind == "deleted":
            return [Target("unresolved", None, (), f"`del {binding.name}` (line {binding.line}) deletes it "
                                                    f"in `{module_name}`")]
        return [Target("unresolved", None, (), f"unknown binding kind {kind}")]

    def _ref(self, module_name: str, binding: Binding) -> list[Target]:
        root = binding.module
        current = self._bindings(module_name, binding.targets, (f"{module_name}.{root}",))
        if not current:  # bound on no path (a star import may not bind it either)
            current = self._undefined(module_name, root)
        for attr in binding.name.split(".") if binding.name else ():
            current = _merge([n for t in current for n in self.attribute(t, attr)])
        return current

    def _undefined(self, module_name: str, name: str) -> list[Target]:
        if name in _BUILTINS:
            return [Target("external", None, (f"builtins.{name} (outside the repository)",), f"builtins.{name}")]
        return [Target("unresolved", None, (), f"name `{name}` is not defined in `{module_name}`")]


def _after_star(via: str, before: str) -> str:
    """Is a name bound after a star import that binds it ``via``, when it was ``before``?

    "outside": a star import of a module outside the repository, whose names the resolver
    cannot know. It is taken to bind a public name on the paths where nothing in the
    repository bound it before (a name nothing else binds comes from there), and never to
    hide a binding the repository made: ``class Config`` then ``from json import *`` keeps
    the class. A deliberate approximation: Python would replace the class, were ``Config``
    one of ``json``'s names.
    """
    if "yes" in (via, before):
        return "yes"
    if via == "no":
        return before
    return "outside" if via == "outside" and before in ("no", "outside") else "maybe"


def _gaps(before: str) -> str:
    """Where a star import answered "outside" binds a name that was ``before``: on the paths
    where nothing bound it (an earlier outside star import's name may be its too)."""
    return {"yes": "no", "no": "yes"}.get(before, "maybe")


def _either(answers: set[str]) -> str:
    """Alternatives that each bind a name "yes", "no" or "maybe": together?"""
    return answers.pop() if len(answers) == 1 else "maybe" if answers else "no"


def _join(prefix: tuple[str, ...], rest: tuple[str, ...]) -> tuple[str, ...]:
    if prefix and rest and prefix[-1].split(" ", 1)[0] == rest[0].split(" ", 1)[0]:
        return (*prefix[:-1], *rest)
    return (*prefix, *rest)
