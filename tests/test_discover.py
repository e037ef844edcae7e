"""`ssot discover`: proposals from an index, TOML that the config parser accepts, and a
pasted proposal that the engine judges as its evidence says."""

from __future__ import annotations

import argparse
import tomllib

from bot import discover as command
from rules.config import parse_config
from rules.discover import NOTHING, Discovery, discover, render_toml
from rules.engine import analyze_sources
from rules.index import Index
from rules.near_duplicate_class import _MANAGER, _RENAMED
from rules.summary import summarize


def _propose(files: dict[str, str]) -> Discovery:
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

#: a repository with every kind of evidence, and what must not become a concept
RICH = {
    **REPO,
    # the consolidation under way: a shim keeps the old name, two old classes remain
    "app/legacy/__init__.py": "",
    "app/legacy/manager.py": "class WebSocketManager:\n    def send(self, user, message):\n        pass\n",
    "app/legacy/other.py": "class WebSocketManager:\n    pass\n",
    "app/util.py": "def make():\n    class WebSocketManager:\n        pass\n    return WebSocketManager\n",
    "app/api.py": "from app.ws import WebSocketManager\nfrom app.ws.unified import UnifiedManager\n",
    # a plugin convention: one Command per management command, all subclasses of one base
    "app/management/__init__.py": "class BaseCommand:\n    def handle(self):\n        raise NotImplementedError\n",
    "app/management/commands/__init__.py": "",
    **{f"app/management/commands/{name}.py": (
        "from app.management import BaseCommand\n\n\n"
        f"class Command(BaseCommand):\n    def handle(self):\n        return {name!r}\n")
       for name in ("migrate", "check", "shell")},
    # an import renamed only to subclass it is no alias
    "app/backends/__init__.py": "",
    "app/backends/base.py": "class Loader:\n    def load(self):\n        return None\n",
    "app/backends/cached.py": "from app.backends.base import Loader as BaseLoader\n\n\n"
                              "class Loader(BaseLoader):\n    def load(self):\n        return 1\n",
    # one Settings imported by three modules, the other by none
    "app/settings.py": "class Settings:\n    pass\n",
    "app/conf/__init__.py": "",
    "app/conf/settings.py": "class Settings:\n    def get(self, key):\n        return key\n",
    **{f"app/use{k}.py": "from app.settings import Settings\n" for k in range(3)},
}


def test_each_kind_of_evidence_becomes_a_concept() -> None:
    text = render_toml(_propose(REPO))
    concepts = _accepted(text)["concept"]
    assert concepts == [
        # near copies first; aliases are only paths that resolve to the canonical class
        {"name": "UnifiedManager", "canonical": "app.ws.unified.UnifiedManager",
         "aliases": ["app.ws.WebSocketManager"]},
        {"name": "Job", "canonical": "app.jobs.Job", "aliases": ["app.jobs.Task"]},
    ]


def test_every_concept_has_its_evidence_with_paths_and_lines() -> None:
    text = render_toml(_propose(REPO))
    blocks = text.split("[[concept]]")
    assert ("2 classes are near copies (all of their structure is the same): "
            "app/chat/registry.py:1, app/ws/unified.py:1") in blocks[0]
    assert ("`app.ws.WebSocketManager` (app/ws/__init__.py:1) is another name for "
            "`app.ws.unified.UnifiedManager` (app/ws/unified.py:1)") in blocks[0]
    assert ("near copies to consolidate (SSOT008 reports them): "
            "`app.chat.registry.SocketRegistry` (app/chat/registry.py:1)") in blocks[0]
    assert "class `Job` is defined in 2 modules: app/jobs.py:1, app/models.py:1" in blocks[1]
    assert "`app.jobs.Task` (app/jobs.py:5) is another name for `app.jobs.Job` (app/jobs.py:1)" in blocks[1]
    assert ("duplicates to consolidate (SSOT003 reports them once this concept is declared): "
            "`app.models.Job` (app/models.py:1)") in blocks[1]
    assert "canonical: `app.jobs.Job` (app/jobs.py:1): re-exported under 1 other path" in blocks[1]
    assert all(block.rstrip().splitlines()[-1].startswith("#   ") for block in blocks[:-1])
    assert "tests/" not in text


def _pasted(text: str) -> list[str]:
    """Each proposal as a user pastes it: its evidence comments and its table."""
    return [block for block in text.split("\n\n") if "[[concept]]" in block]


def test_a_pasted_proposal_passes_ssot001_and_ssot002_and_ssot003_reports_exactly_its_duplicates() -> None:
    discovery = _propose(RICH)
    text = render_toml(discovery)
    blocks = _pasted(text)
    assert len(blocks) == len(discovery.proposals) >= 3
    for proposal, block in zip(discovery.proposals, blocks, strict=True):
        assert f'name = "{proposal.name}"' in block
        assert all(str(duplicate) in block for duplicate in proposal.duplicates)
        report = analyze_sources(RICH, block)
        assert [f for f in report.findings if f.code in ("SSOT001", "SSOT002", "SSOT010")] == []
        assert sorted((f.location.path, f.location.line) for f in report.findings if f.code == "SSOT003") == \
            sorted((d.path, d.line) for d in proposal.duplicates)
    report = analyze_sources(RICH, text)  # all of them at once
    assert [f for f in report.findings if f.code in ("SSOT001", "SSOT002", "SSOT010")] == []
    assert sorted((f.concept, f.location.path, f.location.line) for f in report.findings if f.code == "SSOT003") == \
        sorted((p.name, d.path, d.line) for p in discovery.proposals for d in p.duplicates)


def test_the_old_classes_of_a_consolidation_are_duplicates_of_the_shim_s_target() -> None:
    [manager] = [p for p in _propose(RICH).proposals if p.canonical == "app.ws.unified.UnifiedManager"]
    assert manager.aliases == ("app.ws.WebSocketManager",)
    assert [(d.dotted, d.line) for d in manager.duplicates] == [
        ("app.legacy.manager.WebSocketManager", 1), ("app.legacy.other.WebSocketManager", 1),
        ("app.util.make.<locals>.WebSocketManager", 2)]
    assert [d.dotted for d in manager.near_copies] == ["app.chat.registry.SocketRegistry"]


def test_a_framework_convention_is_not_proposed_but_named_with_its_base() -> None:
    discovery = _propose(RICH)
    assert all("Command" not in (p.name, p.canonical.rsplit(".", 1)[-1]) for p in discovery.proposals)
    assert all("Loader" not in (p.name, *p.aliases) for p in discovery.proposals)
    assert discovery.conventions == [
        "`Command`: all 3 classes of this name are `app.management.BaseCommand` or a subclass of it: "
        "app/management/commands/check.py:4, app/management/commands/migrate.py:4, app/management/commands/shell.py:4",
        "`Loader`: all 2 classes of this name are `app.backends.base.Loader` or a subclass of it: "
        "app/backends/base.py:1, app/backends/cached.py:4",
    ]
    text = render_toml(discovery)
    assert "# Not proposed: names a framework convention gives" in text
    assert "app.backends.cached.BaseLoader" not in text  # renamed to subclass it: no alias


#: form fields, each with code of its own (three methods: SSOT008 compares classes with three)
_FORM_FIELDS = {
    "CharField": """
class CharField(Field):
    def to_python(self, value):
        return str(value).strip()

    def validate(self, value):
        if self.max_length is not None and len(value) > self.max_length:
            raise ValueError("too long")

    def widget_attrs(self, widget):
        return {"maxlength": str(self.max_length)}
""",
    "DateField": """
class DateField(Field):
    def to_python(self, value):
        for format in self.formats:
            try:
                return parse(value, format)
            except ValueError:
                continue
        raise ValueError("not a date")

    def has_changed(self, initial, data):
        return self.to_python(initial) != self.to_python(data)

    def prepare(self, value):
        return value.isoformat() if value else ""
""",
    "EmailField": """
class EmailField(Field):
    def __init__(self, **kwargs):
        super().__init__(strip=True, **kwargs)
        self.validators.append(check_email)

    def bound_data(self, data, initial):
        while data.endswith("."):
            data = data[:-1]
        return data or initial

    def lower(self, value):
        user, _, domain = value.rpartition("@")
        return f"{user}@{domain.lower()}"
""",
    "IntegerField": """
class IntegerField(Field):
    def to_python(self, value):
        value = int(value)
        if self.min_value is not None:
            assert value >= self.min_value, "too small"
        return value

    def step(self, value):
        return value % self.step_size == 0

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update(min=self.min_value, max=self.max_value, step=self.step_size)
        return attrs
""",
}


def _fields(names: tuple[str, ...], copied: str = "") -> dict[str, str]:
    """Form fields and model fields: two hierarchies giving the same names, each class with
    code of its own (a form field cleans a value, a model field maps a column); ``copied``
    names a model field that is a copy of its form field."""
    forms = "class Field:\n    def clean(self, value):\n        return value\n"
    models = "class Field:\n    def db_type(self):\n        return None\n"
    for name in names:
        forms += "\n" + _FORM_FIELDS[name]
        models += "\n" + (_FORM_FIELDS[name] if name == copied else
                          f"\nclass {name}(Field):\n    def db_type(self):\n        return {name.lower()!r}\n")
    return {"app/__init__.py": "", "app/forms.py": forms, "app/db.py": models}


def test_names_of_parallel_hierarchies_are_not_proposed_on_their_names_alone() -> None:
    """Django's form and model fields (``CharField`` in both, thirty names): an API kept in
    two forms, not one class in two places. Three names shared make two hierarchies
    parallel (and their bases' shared name with them); two are still proposed; a near copy
    among them is still proposed."""
    discovery = _propose(_fields(("CharField", "DateField", "EmailField")))
    assert discovery.proposals == []
    assert discovery.parallels == [
        "4 names given both under `app.db.Field` and under `app.forms.Field`: `CharField`, `DateField`, "
        "`EmailField`, `Field`"]
    assert "# Not proposed on their names alone: names that parallel class hierarchies" in render_toml(discovery)
    discovery = _propose(_fields(("CharField", "DateField")))
    assert sorted(p.name for p in discovery.proposals) == ["CharField", "DateField", "Field"]
    assert discovery.parallels == []
    discovery = _propose(_fields(("CharField", "DateField", "EmailField", "IntegerField"), copied="EmailField"))
    [copy] = discovery.proposals
    assert copy.name == "EmailField" and copy.strength == 0  # on the near copy's evidence
    assert [d.dotted for d in copy.duplicates] == ["app.forms.EmailField" if copy.canonical == "app.db.EmailField"
                                                   else "app.db.EmailField"]


def test_what_parallel_hierarchies_are_not() -> None:
    """A hierarchy is known by all of its tops (a mixin on one field does not take it out of
    its family); a module copied with its base class is no parallel API (its classes bind
    the same names: proposed); a name an alias chain gives is proposed, not hidden."""
    fields = _fields(("CharField", "DateField", "EmailField"))
    forms = fields["app/forms.py"].replace("class DateField(Field):", "class DateField(Field, Mixin):")
    fields["app/forms.py"] = forms + "\n\nclass Mixin:\n    def help(self):\n        return ''\n"
    discovery = _propose(fields)
    assert discovery.proposals == [] and len(discovery.parallels) == 1
    assert discovery.parallels[0].startswith("4 names given both under `app.db.Field` and under `app.forms.Field`, "
                                             "`app.forms.Mixin`: ")
    entity = ("class Entity:\n    def save(self):\n        return None\n\n\n"
              + "".join(f"class {name}(Entity):\n    def total(self):\n        return {i}\n\n\n"
                        for i, name in enumerate(("User", "Order", "Product"))))
    copied = _propose({"app/__init__.py": "", "app/billing.py": entity,
                       "app/shop.py": entity.replace("return 1", "return 2")})
    assert copied.parallels == [] and sorted(p.name for p in copied.proposals) == ["Entity", "Order", "Product", "User"]
    chained = {**_fields(("CharField", "DateField", "EmailField", "IntegerField")),
               "app/modern.py": "class ModernCharField:\n    pass\n",
               "app/compat.py": "from app.modern import ModernCharField as CharField\n"}
    discovery = _propose(chained)
    assert "`CharField`" not in discovery.parallels[0]
    [proposal] = discovery.proposals
    assert proposal.canonical == "app.modern.ModernCharField"
    assert [d.dotted for d in proposal.duplicates] == ["app.db.CharField", "app.forms.CharField"]


def test_a_star_import_re_exports_an_alias() -> None:
    """``from .manager import *`` in a package's ``__init__`` gives the import path people
    use (``from app.ws import WebSocketManager``): an alias to declare, as an explicit
    re-export is; in another module only when its ``__all__`` lists the name."""
    files = {"app/__init__.py": "", "app/ws/__init__.py": "from .manager import *\n",
             "app/ws/manager.py": "from .base import *\n\n__all__ = ['WebSocketManager']\n",
             "app/ws/base.py": "class WebSocketManager:\n    def send(self):\n        return 1\n",
             "app/legacy.py": "class WebSocketManager:\n    pass\n",
             "app/shim.py": "from app.ws.base import *\n",  # no __all__: not offered as a path
             "app/api.py": "from app.ws import WebSocketManager\n"}
    [proposal] = _propose(files).proposals
    assert proposal.canonical == "app.ws.base.WebSocketManager"
    assert proposal.aliases == ("app.ws.WebSocketManager", "app.ws.manager.WebSocketManager")
    # an earlier star import counts too, and a renamed re-export a star import passes on
    files.update({"app/ws/__init__.py": "from .manager import *\nfrom .util import *\n", "app/ws/util.py": "x = 1\n",
                  "app/ws/compat.py": "from .base import WebSocketManager as SocketManager\n\n"
                                      "__all__ = ['SocketManager']\n",
                  "app/chat/__init__.py": "from app.ws.compat import *\n"})
    [proposal] = _propose(files).proposals
    assert proposal.aliases == ("app.chat.SocketManager", "app.ws.WebSocketManager", "app.ws.compat.SocketManager",
                                "app.ws.manager.WebSocketManager")


def test_the_canonical_is_the_most_used_definition_and_says_why() -> None:
    [settings] = [p for p in _propose(RICH).proposals if p.name == "Settings"]
    assert settings.canonical == "app.settings.Settings"  # imported by three modules; the other has more methods
    assert ("canonical: `app.settings.Settings` (app/settings.py:1): re-exported under 0 other paths, "
            "imported by 3 modules, 0 methods; the most used of 2 definitions") in settings.evidence[-2]


def test_proposals_are_ordered_by_evidence_and_deterministic() -> None:
    discovery = _propose(RICH)
    assert [p.strength for p in discovery.proposals] == sorted(p.strength for p in discovery.proposals)
    assert [p.name for p in discovery.proposals] == ["UnifiedManager", "Job", "Settings"]
    reordered = dict(reversed(list(RICH.items())))
    assert render_toml(_propose(reordered)) == render_toml(discovery)


def test_a_repository_without_evidence_gets_a_comment() -> None:
    discovery = _propose({"app/__init__.py": "", "app/a.py": "class A:\n    pass\n"})
    assert discovery.proposals == [] and discovery.conventions == []
    assert render_toml(discovery) == NOTHING
    assert tomllib.loads(NOTHING) == {}


def test_concept_names_are_unique_and_odd_paths_are_left_out() -> None:
    files = {
        "a/__init__.py": "", "a/x.py": "class Item:\n    pass\n", "a/y.py": "class Item:\n    pass\n",
        "b/__init__.py": "", "b/x.py": "class Item:\n    pass\n\n\nclass Other:\n    pass\n",
        "b/y.py": "from b.x import Other as Item\n",
        "not-a-package/z.py": "class Item:\n    pass\n",
        "c.py": "def f():\n    class Item:\n        pass\n",
    }
    discovery = _propose(files)
    concepts = _accepted(render_toml(discovery))["concept"]
    names = [c["name"] for c in concepts]
    assert len(names) == len(set(names))
    # `b.y.Item` names `Other`: the classes named Item are what it replaces, one concept
    assert concepts == [{"name": "Other", "canonical": "b.x.Other", "aliases": ["b.y.Item"]}]
    assert {d.path for d in discovery.proposals[0].duplicates} == {"a/x.py", "a/y.py", "b/x.py", "c.py",
                                                                    "not-a-package/z.py"}


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
