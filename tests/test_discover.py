"""`ssot discover`: proposals from an index, TOML that the config parser accepts."""

from __future__ import annotations

import argparse
import tomllib

from bot import discover as command
from rules.config import parse_config
from rules.discover import NOTHING, discover, render_toml
from rules.index import Index
from rules.near_duplicate_class import _MANAGER, _RENAMED
from rules.summary import summarize


def _propose(files: dict[str, str]):  # type: ignore[no-untyped-def]
    config = parse_config("", "")
    index = Index({p: summarize(t.encode()) for p, t in files.items() if not p.startswith("tests/")},
                  config.config.roots)
    return discover(index, config.config)


def _accepted(text: str) -> dict:  # type: ignore[type-arg]
    data = tomllib.loads(text)
    assert parse_config(text, ".github/ssot.toml").problems == ()
    return data


REPO = {
    "app/__init__.py": "",
    "app/ws/__init__.py": "from .unified import UnifiedManager as WebSocketManager\n",
    "app/ws/unified.py": _MANAGER.replace("ConnectionManager", "UnifiedManager"),
    "app/chat/__init__.py": "",
    "app/chat/registry.py": _RENAMED,
    "app/jobs.py": "class Job:\n    pass\n\n\nTask = Job\n",
    "app/models.py": "class Job:\n    def run(self):\n        return 1\n",
    "tests/test_jobs.py": "class Job:\n    pass\n",
}


def test_each_kind_of_evidence_becomes_a_concept() -> None:
    text = render_toml(_propose(REPO))
    concepts = _accepted(text)["concept"]
    assert concepts == [
        # the definition an alias already leads to is the canonical one
        {"name": "Job", "canonical": "app.jobs.Job", "aliases": ["app.jobs.Task", "app.models.Job"]},
        {"name": "UnifiedManager", "canonical": "app.ws.unified.UnifiedManager",
         "aliases": ["app.chat.registry.SocketRegistry", "app.ws.WebSocketManager"]},
    ]


def test_every_concept_has_its_evidence_with_paths_and_lines() -> None:
    text = render_toml(_propose(REPO))
    blocks = text.split("[[concept]]")
    assert "class `Job` is defined in 2 modules: app/jobs.py:1, app/models.py:1" in blocks[0]
    assert "`app.jobs.Task` (app/jobs.py:5) is another name for `app.jobs.Job` (app/jobs.py:1)" in blocks[0]
    assert ("`app.ws.WebSocketManager` (app/ws/__init__.py:1) is another name for "
            "`app.ws.unified.UnifiedManager` (app/ws/unified.py:1)") in blocks[1]
    assert ("2 classes are near copies (all of their structure is the same): "
            "app/chat/registry.py:1, app/ws/unified.py:1") in blocks[1]
    assert all(block.rstrip().splitlines()[-1].startswith("#   ") for block in blocks[:-1])
    assert "tests/" not in text


def test_a_repository_without_evidence_gets_a_comment() -> None:
    proposals = _propose({"app/__init__.py": "", "app/a.py": "class A:\n    pass\n"})
    assert proposals == []
    assert render_toml(proposals) == NOTHING
    assert tomllib.loads(NOTHING) == {}


def test_concept_names_are_unique_and_odd_paths_are_left_out() -> None:
    files = {
        "a/__init__.py": "", "a/x.py": "class Item:\n    pass\n", "a/y.py": "class Item:\n    pass\n",
        "b/__init__.py": "", "b/x.py": "class Item:\n    pass\n\n\nclass Other:\n    pass\n",
        "b/y.py": "from b.x import Other as Item\n",
        "not-a-package/z.py": "class Item:\n    pass\n",
        "c.py": "def f():\n    class Item:\n        pass\n",
    }
    text = render_toml(_propose(files))
    concepts = _accepted(text)["concept"]
    names = [c["name"] for c in concepts]
    assert len(names) == len(set(names))
    every_path = {p for c in concepts for p in (c["canonical"], *c.get("aliases", []))}
    assert every_path == {"a.x.Item", "a.y.Item", "b.x.Item", "b.y.Item", "b.x.Other"}


def test_the_command_prints_toml_for_a_directory(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("SSOT_CACHE", "off")
    for path, text in REPO.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    parser = argparse.ArgumentParser()
    command.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["discover", str(tmp_path)])
    assert command.run(args) == 0
    out = capsys.readouterr().out
    assert out == render_toml(_propose(REPO))
    _accepted(out)
