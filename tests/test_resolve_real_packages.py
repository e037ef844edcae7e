"""The static resolver against Python on real packages installed here.

For every module of a package (tests directories left out), every public name (``__all__``,
else the names without a leading underscore) that Python says is a class written in the
package's own ``.py`` files is resolved statically as ``pkg.mod.Name`` from the package's
sources alone (roots: the directory holding the package), and compared with the class's
``__module__`` and ``__qualname__`` after really importing it (in a subprocess, so the
test process is not touched by the packages' import-time side effects).

They agree when the resolver says "resolved" to exactly that class, or "ambiguous" with
that class among its definitions: the other definitions are then branches Python did not
take on this machine (``try: from _speedups import X / except ImportError:``, ``if
sys.platform == ...``, ``X = A if cond else B``), which the resolver counts by design.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pytest

from rules.index import Index
from rules.resolver import Resolver
from rules.summary import summarize

#: packages of the standard library and the project's own dependencies: all installed
PACKAGES = ("json", "email", "logging", "asyncio", "concurrent.futures", "importlib.metadata", "gidgethub",
            "aiohttp", "libcst")

#: Names Python binds in ways a static resolver does not follow. Keep this short.
KNOWN_DYNAMIC = {
    # a module-level __getattr__ imports these lazily on first access (PEP 562)
    "concurrent.futures.ProcessPoolExecutor": "module __getattr__",
    "concurrent.futures.ThreadPoolExecutor": "module __getattr__",
    # loop variables (`for node in all_libcst_nodes:`) that code-generation scripts leave
    # at module level: a static resolver says "a value", Python says the last class
    **dict.fromkeys([
        "libcst.codegen.gather.base", "libcst.codegen.gather.node", "libcst.codegen.gather.x",
        "libcst.codegen.gen_matcher_classes.base", "libcst.codegen.gen_matcher_classes.node",
        "libcst.codegen.gen_matcher_classes.tc", "libcst.codegen.gen_type_mapping.node",
        "libcst.codegen.gen_visitor_functions.node",
    ], "for-loop variable"),
}

_PYTHON_SIDE = textwrap.dedent('''
    import importlib, json, os, sys

    package, names = sys.argv[1], json.loads(sys.stdin.read())
    out = {}
    for module_name in names:
        try:
            module = importlib.import_module(module_name)
        except BaseException as exc:  # optional dependencies, other platforms
            out[module_name] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        public = getattr(module, "__all__", None)
        if public is None:
            public = [n for n in vars(module) if not n.startswith("_")]
        classes = {}
        for name in public:
            value = getattr(module, name, None)
            if not isinstance(value, type):
                continue
            home = sys.modules.get(value.__module__)
            source = getattr(home, "__file__", None) or ""
            if (value.__module__ == package or value.__module__.startswith(package + ".")) \\
                    and source.endswith(".py"):
                classes[name] = [value.__module__, value.__qualname__]
        out[module_name] = {"classes": classes}
    json.dump(out, sys.stdout)
''')


def _sources(package: str) -> tuple[str, dict[str, bytes]]:
    """The directory holding the top-level package, and the package's files under it."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations
    package_dir = list(spec.submodule_search_locations)[0]
    depth = package.count(".") + 1
    root = package_dir
    for _ in range(depth):
        root = os.path.dirname(root)
    files: dict[str, bytes] = {}
    for directory, dirs, names in os.walk(package_dir):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", "tests", "test"))
        for name in names:
            if name.endswith(".py"):
                full = os.path.join(directory, name)
                with open(full, "rb") as fh:
                    files[os.path.relpath(full, root)] = fh.read()
    parent = os.path.dirname(package_dir)
    for _ in range(depth - 1):  # the parents' __init__ files of a subpackage
        init = os.path.join(parent, "__init__.py")
        if os.path.exists(init):
            with open(init, "rb") as fh:
                files[os.path.relpath(init, root)] = fh.read()
        parent = os.path.dirname(parent)
    return root, files


def compare(package: str) -> dict[str, object]:
    root, sources = _sources(package)
    index = Index({path: summarize(data) for path, data in sources.items()}, roots=["."])
    resolver = Resolver(index)
    modules = sorted(m for m in index.modules if m == package or m.startswith(package + "."))
    proc = subprocess.run([sys.executable, "-c", _PYTHON_SIDE, package], input=json.dumps(modules),
                          capture_output=True, text=True, timeout=300, cwd=root)
    assert proc.returncode == 0, proc.stderr
    python = json.loads(proc.stdout)
    exact, ambiguous, disagree, allowed = [], [], [], []
    for module in modules:
        for name, (cls_module, qualname) in python[module].get("classes", {}).items():
            dotted = f"{module}.{name}"
            res = resolver.resolve(dotted)
            got = [(d.module, d.qualname) for d in res.definitions]
            if res.status == "resolved" and got == [(cls_module, qualname)]:
                exact.append(dotted)
            elif res.status == "ambiguous" and (cls_module, qualname) in got:
                ambiguous.append(dotted)
            elif dotted in KNOWN_DYNAMIC:
                allowed.append(dotted)
            else:
                disagree.append(f"{dotted}: python {cls_module}.{qualname}; resolver {res.status} {got} "
                                f"{res.reason} [{' → '.join(res.chain)}]")
    total = len(exact) + len(ambiguous) + len(disagree) + len(allowed)
    return {"total": total, "exact": exact, "ambiguous": ambiguous, "disagree": disagree, "allowed": allowed}


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_resolver_agrees_with_python_on(package: str) -> None:
    assert importlib.util.find_spec(package.split(".")[0]) is not None, f"{package} is not installed"
    result = compare(package)
    agree = len(result["exact"]) + len(result["ambiguous"])
    total = result["total"]
    print(f"{package}: {agree}/{total} agree ({len(result['exact'])} exactly, {len(result['ambiguous'])} "
          f"among alternatives), {len(result['allowed'])} allow-listed")
    assert total > 0
    assert not result["disagree"], "\n".join(result["disagree"])
