"""Every rule's own examples: the findings each Invalid pins, none for each Valid."""

from __future__ import annotations

import pytest

from rules import registry
from rules.engine import analyze_sources
from rules.examples import Invalid, Valid

CASES = [
    pytest.param(rule, i, example, id=f"{rule.CODE}-{type(example).__name__}-{i}")
    for rule in registry.RULES
    for i, example in enumerate(rule.EXAMPLES)
]


@pytest.mark.parametrize(("rule", "i", "example"), CASES)
def test_example(rule, i, example) -> None:
    report = analyze_sources(example.files, example.config, base=example.base or None)
    got = sorted((f.code, f.path, f.line) for f in report.findings if f.code == rule.CODE)
    crashes = [f.message for f in report.findings if f.symbol.startswith("crash:")]
    assert not crashes
    if isinstance(example, Valid):
        assert got == [], [f.message for f in report.findings if f.code == rule.CODE]
    else:
        assert got == sorted(example.expect), [f.message for f in report.findings if f.code == rule.CODE]


def test_every_rule_has_examples_of_both_kinds() -> None:
    for rule in registry.RULES:
        kinds = {type(e) for e in rule.EXAMPLES}
        assert kinds == {Valid, Invalid}, rule.__name__
        assert rule.__doc__ and rule.__doc__.startswith(f"{rule.CODE} {rule.SLUG}:"), rule.__name__


def test_codes_are_unique_and_ordered() -> None:
    codes = [rule.CODE for rule in registry.RULES]
    assert codes == sorted(set(codes))
