"""Small repositories the App's tests put on the fake GitHub."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tests.app.fakegithub import FakeGitHub, FakeRepo, Link

CONFIG = """\
[[concept]]
name = "WebSocketManager"
canonical = "app.ws.unified.UnifiedWebSocketManager"
aliases = ["app.ws.manager.WebSocketManager"]
issue = 564
"""
BASE = {
    ".github/ssot.toml": CONFIG,
    "app/__init__.py": "",
    "app/ws/__init__.py": "",
    "app/ws/unified.py": "class UnifiedWebSocketManager:\n    def send(self):\n        pass\n",
    "app/ws/manager.py": "from .unified import UnifiedWebSocketManager as WebSocketManager\n",
}
DUPLICATE = {
    "app/chat/__init__.py": "",
    "app/chat/handler.py": (
        "from app.ws.manager import WebSocketManager as Base\n\nclass WebSocketManager(Base):\n    pass\n"
    ),
}
HARMLESS = {"app/chat/__init__.py": "", "app/chat/handler.py": "from app.ws.manager import WebSocketManager\n"}


@dataclass
class PullScenario:
    repo: FakeRepo
    number: int
    base: str
    head: str


def pull(
    github: FakeGitHub,
    head_files: dict[str, str | bytes | None],
    *,
    base_files: Mapping[str, str | Link] | None = None,
    number: int = 7,
    author: str = "octocat",
    repo: FakeRepo | None = None,
) -> PullScenario:
    """A repository whose default branch holds ``base_files`` and a pull request adding ``head_files``."""
    repo = repo or github.repo()
    base = repo.git.commit(dict(base_files or BASE), message="base")
    head = repo.git.commit(head_files, branch="feature", parent=base, message="feature")
    repo.pull(number, "feature", author=author)
    return PullScenario(repo, number, base, head)


def many_duplicates(count: int) -> dict[str, str | bytes | None]:
    """``count`` modules that each define a second WebSocketManager (one finding each)."""
    files: dict[str, str | bytes | None] = {"app/dups/__init__.py": ""}
    for i in range(count):
        files[f"app/dups/m{i:03d}.py"] = "class WebSocketManager:\n    pass\n"
    return files
