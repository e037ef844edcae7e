"""Generate a synthetic Python repository for benchmarks.

    python bench/generate.py OUT_DIR [--modules 10000] [--seed 1]

The repository has packages of modules with classes, methods, module-level functions,
imports between modules, package re-exports, a consolidated concept (a canonical class,
two alias modules and a factory) and an `.github/ssot.toml` declaring it. It is a git
repository with one commit, so `--rev`/`--base` runs work on it.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess

CONFIG = """\
[[concept]]
name = "WebSocketManager"
canonical = "app.core.websocket.unified_manager.UnifiedWebSocketManager"
aliases = ["app.core.websocket.manager.WebSocketManager",
           "app.core.websocket.websocket_manager.WebSocketManager"]
preferred = "app.core.websocket.websocket_manager.WebSocketManager"
interface = ["add_connection", "remove_connection", "send_to_user"]
factory = "app.core.websocket.websocket_manager.get_websocket_manager"
issue = 564
"""

CONCEPT_FILES = {
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/core/websocket/__init__.py": "from .websocket_manager import WebSocketManager, get_websocket_manager\n",
    "app/core/websocket/unified_manager.py": (
        "class UnifiedWebSocketManager:\n"
        "    def __init__(self, url, *, retries=3):\n        self.url = url\n        self.connections = {}\n\n"
        "    def add_connection(self, user, conn):\n        self.connections[user] = conn\n\n"
        "    def remove_connection(self, user):\n        self.connections.pop(user, None)\n\n"
        "    def send_to_user(self, user, message):\n        return self.connections[user].send(message)\n"
    ),
    "app/core/websocket/websocket_manager.py": (
        "from .unified_manager import UnifiedWebSocketManager as WebSocketManager\n\n"
        "_instance = None\n\n\ndef get_websocket_manager():\n    global _instance\n"
        "    if _instance is None:\n        _instance = WebSocketManager('ws://localhost')\n    return _instance\n"
    ),
    "app/core/websocket/manager.py": "from .websocket_manager import WebSocketManager\n\n"
                                     "__all__ = ['WebSocketManager']\n",
}


STATEMENTS = (
    "if {a} > {n}:\n{i}    return [v * {n} for v in range({a}) if v % 2]",
    "data = {{'x': {a}, 'n': {n}}}\n{i}return json.dumps(data, sort_keys=True)",
    "total = 0\n{i}for item in range({a}):\n{i}    total += item * {n}\n{i}return total",
    "try:\n{i}    value = int({a})\n{i}except ValueError:\n{i}    value = {n}\n{i}self.value = value",
    "with open(os.devnull) as handle:\n{i}    handle.read({n})",
    "while {a} > {n}:\n{i}    {a} -= 1",
    "result = self.value if {a} else None\n{i}return result",
    "items = sorted(self.__dict__.items())\n{i}return dict(items[:{n}])",
    "raise ValueError(f'bad {{{a}}}')",
    "self.cache = getattr(self, 'cache', {{}})\n{i}self.cache[{a}] = {n}",
    "return os.path.join(str({a}), str(self.value), '{n}')",
    "assert {a} is not None, 'missing'\n{i}return {a}",
)
VERBS = ("get", "set", "load", "save", "build", "parse", "render", "send", "close", "open", "apply", "check",
         "reset", "merge", "split", "update", "find", "count", "emit", "store")
NOUNS = ("item", "user", "record", "value", "config", "message", "event", "batch", "entry", "token", "state")


def method(rng: random.Random, name: str) -> list[str]:
    arg = rng.choice(("x", "count", "key", "limit"))
    lines = [f"    def {name}(self, {arg}, flag={rng.randint(0, 9)}):"]
    for _ in range(rng.randint(1, 4)):
        body = rng.choice(STATEMENTS).format(a=arg, n=rng.randint(0, 99), i="        ")
        lines.extend("        " + line.lstrip() if k == 0 else line for k, line in enumerate(body.split("\n")))
        if body.split("\n")[-1].lstrip().startswith(("return", "raise")):
            break
    return [*lines, ""]


def module_source(rng: random.Random, package: str, index: int, siblings: list[str]) -> str:
    lines = ['"""Generated module."""', "", "from __future__ import annotations", "", "import os", "import json"]
    for sibling in rng.sample(siblings, min(len(siblings), rng.randint(0, 3))):
        lines.append(f"from {package}.{sibling} import Model{sibling[1:]}")
    if rng.random() < 0.3:
        lines.append("from app.core.websocket import WebSocketManager")
    lines.append("")
    for c in range(rng.randint(1, 4)):
        base = "" if rng.random() < 0.6 else "(object)"
        name = f"Model{index}" if c == 0 else f"Helper{index}_{c}"
        lines += ["", f"class {name}{base}:", f'    """Class {name}."""', "",
                  f"    kind = {rng.randint(0, 99)!r}", ""]
        lines += ["    def __init__(self, value, *, option=None):", "        self.value = value",
                  "        self.option = option", ""]
        names = {f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}" for _ in range(rng.randint(2, 8))}
        for method_name in sorted(names):
            lines += method(rng, method_name)
    for f in range(rng.randint(0, 3)):
        lines += ["", f"def function_{f}(a, b=None):", "    total = 0", "    for i in range(a):",
                  "        total += i", "    return total", ""]
    return "\n".join(lines) + "\n"


def generate(out: str, modules: int, seed: int) -> None:
    rng = random.Random(seed)
    files: dict[str, str] = dict(CONCEPT_FILES)
    per_package = 50
    packages = max(1, modules // per_package)
    count = 0
    for p in range(packages):
        package = f"app.pkg{p}"
        names = [f"m{i}" for i in range(per_package)]
        files[f"app/pkg{p}/__init__.py"] = f"from .m0 import Model0 as Package{p}Model\n"
        for i, name in enumerate(names):
            if count >= modules:
                break
            files[f"app/pkg{p}/{name}.py"] = module_source(rng, package, i, names[:i])
            count += 1
    files[".github/ssot.toml"] = CONFIG
    for path, text in files.items():
        full = os.path.join(out, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as handle:
            handle.write(text)
    git = ["git", "-C", out, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run(["git", "init", "-q", out], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "generated"], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--modules", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.out, args.modules, args.seed)
    print(f"generated {args.modules} modules in {args.out}")


if __name__ == "__main__":
    main()
