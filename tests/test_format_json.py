"""The JSON contract of DESIGN.md §3, exactly: keys are only ever added, never renamed."""

from __future__ import annotations

import dataclasses
import json

from bot.format_json import render_json
from rules.engine import analyze_sources
from rules.model import Report

CONFIG = '[[concept]]\nname = "Manager"\ncanonical = "app.core.Manager"\n'
BASE = {
    "app/__init__.py": "",
    "app/core.py": "class Manager:\n    pass\n",
    "app/broken.py": "def f(:\n",
}
#: the change adds a second Manager (SSOT003, new) and removes the broken file (SSOT009 fixed)
HEAD = {
    "app/__init__.py": "",
    "app/core.py": "class Manager:\n    pass\n",
    "app/copy.py": "\n\nclass Manager:\n    pass\n",
}

#: the keys DESIGN.md §3 promises, in its order
CONTRACT = ["tool", "version", "rev", "base", "concepts", "findings", "summary"]
CONCEPT = ["name", "status", "issue", "canonical", "checks"]
CANONICAL = ["path", "line", "qualname"]
CHECK = ["code", "status", "detail"]
FINDING = ["code", "rule", "severity", "concept", "path", "line", "column", "end_line",
           "message", "new", "chain", "related"]
RELATED = ["path", "line"]
SUMMARY = ["files", "parsed", "cached", "seconds"]


def compared(head: dict[str, str], base: dict[str, str]) -> Report:
    """A report against a base, its revisions named as the CLI names them."""
    return dataclasses.replace(analyze_sources(head, CONFIG, base=base), rev="feature", base="main")


def test_exact_output_with_a_base() -> None:
    assert render_json(compared(HEAD, BASE), "1.2.3") == """\
{
  "tool": "ssot",
  "version": "1.2.3",
  "rev": "feature",
  "base": "main",
  "concepts": [
    {
      "name": "Manager",
      "status": "fail",
      "issue": null,
      "canonical": {
        "path": "app/core.py",
        "line": 1,
        "qualname": "Manager"
      },
      "checks": [
        {
          "code": "SSOT001",
          "status": "pass",
          "detail": "",
          "expected": "1 path resolves",
          "actual": "1 resolves"
        },
        {
          "code": "SSOT002",
          "status": "pass",
          "detail": "",
          "expected": "every alias is app.core.Manager",
          "actual": "0 of 0 aliases"
        },
        {
          "code": "SSOT003",
          "status": "fail",
          "detail": "class `Manager` in `app.copy` is a second definition of concept `Manager` (canonical: `app.core.Manager`, app/core.py:1); import it from `app.core.Manager` instead, or list this path under the concept's `allow`",
          "expected": "1 definition",
          "actual": "2 definitions"
        },
        {
          "code": "SSOT004",
          "status": "pass",
          "detail": "",
          "expected": "__init__(self)  [object.__init__]",
          "actual": "same"
        },
        {
          "code": "SSOT005",
          "status": "skip",
          "detail": "no `interface` configured",
          "expected": "",
          "actual": ""
        },
        {
          "code": "SSOT006",
          "status": "skip",
          "detail": "no `factory` configured",
          "expected": "",
          "actual": ""
        }
      ],
      "chains": [
        {
          "path": "app.core.Manager",
          "chain": [
            "app.core.Manager (class, line 1)"
          ]
        }
      ]
    }
  ],
  "findings": [
    {"code": "SSOT003", "rule": "duplicate-definition", "severity": "error", "concept": "Manager", "path": "app/copy.py", "line": 3, "column": 1, "end_line": 4, "message": "class `Manager` in `app.copy` is a second definition of concept `Manager` (canonical: `app.core.Manager`, app/core.py:1); import it from `app.core.Manager` instead, or list this path under the concept's `allow`", "new": true, "chain": [], "related": [{"path": "app/core.py", "line": 1}], "symbol": "app.copy.Manager"}
  ],
  "summary": {
    "files": 3,
    "parsed": 0,
    "cached": 0,
    "seconds": 0.0
  },
  "fixed": [
    {"code": "SSOT009", "rule": "parse-error", "severity": "notice", "concept": null, "path": "app/broken.py", "line": 1, "column": 7, "end_line": 1, "message": "`app/broken.py` was not analysed: invalid syntax", "new": false, "chain": [], "related": [], "symbol": "app/broken.py"}
  ],
  "fail_on": "new",
  "failed": true,
  "incomplete": false
}
"""  # noqa: E501


def _starts_with(keys: list[str], contract: list[str]) -> bool:
    return keys[: len(contract)] == contract


def test_every_contract_key_in_order() -> None:
    alias_config = CONFIG + 'aliases = ["app.compat.Manager"]\n'
    head = {**HEAD, "app/compat.py": "from .copy import Manager\n", "app/broken.py": "def f(:\n"}
    doc = json.loads(render_json(analyze_sources(head, alias_config), "0.1.0"))
    assert _starts_with(list(doc), CONTRACT)
    assert _starts_with(list(doc["summary"]), SUMMARY)
    assert doc["concepts"] and doc["findings"]
    for concept in doc["concepts"]:
        assert _starts_with(list(concept), CONCEPT)
        assert _starts_with(list(concept["canonical"]), CANONICAL)
        for check in concept["checks"]:
            assert _starts_with(list(check), CHECK)
            assert check["status"] in {"pass", "fail", "skip"}
    for finding in doc["findings"]:
        assert _starts_with(list(finding), FINDING)
        assert finding["severity"] in {"error", "warning", "notice"}
        assert all(isinstance(finding[k], int) for k in ("line", "column", "end_line"))
        for related in finding["related"]:
            assert _starts_with(list(related), RELATED)
    chained = [f for f in doc["findings"] if f["code"] == "SSOT002"]
    assert chained and chained[0]["chain"][-1].endswith("(class, line 3)")


def test_without_a_base_new_is_null_and_nothing_is_fixed() -> None:
    doc = json.loads(render_json(analyze_sources(HEAD, CONFIG), "0.1.0"))
    assert doc["rev"] is None and doc["base"] is None
    assert [f["new"] for f in doc["findings"]] == [None]
    assert doc["fixed"] == []
    assert doc["failed"] is True


def test_an_unresolved_canonical_is_null() -> None:
    config = '[[concept]]\nname = "A"\ncanonical = "app.core.Missing"\n'
    doc = json.loads(render_json(analyze_sources({"app/core.py": "x = 1\n"}, config), "0.1.0"))
    assert doc["concepts"][0]["canonical"] is None
    assert doc["concepts"][0]["status"] == "fail"


def test_deterministic() -> None:
    assert render_json(compared(HEAD, BASE), "0.1.0") == render_json(compared(HEAD, BASE), "0.1.0")


def test_a_finding_marked_new_or_not_keeps_every_other_field() -> None:
    from rules.model import Finding, Location, Severity

    values = {"code": "SSOT003", "rule": "duplicate-definition", "severity": Severity.ERROR, "concept": "C",
              "symbol": "s", "message": "m", "location": Location("a.py", 2, 3, 4), "chain": ("x", "y"),
              "related": (Location("b.py", 5),), "new": None}
    assert set(values) == {f.name for f in dataclasses.fields(Finding)}  # a new field: mark it too
    finding = Finding(**values)  # type: ignore[arg-type]
    for new in (True, False):
        assert finding.marked(new) == dataclasses.replace(finding, new=new)
