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


def test_a_rule_that_crashes_on_one_concept_keeps_its_answers_for_the_others(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rules import duplicate_definition

    real = duplicate_definition.evaluate
    calls: list[str] = []

    def crashing(ctx, concept):  # type: ignore[no-untyped-def]
        calls.append(concept.name)
        if concept.name == "B":
            raise RuntimeError("a bug")
        return real(ctx, concept)

    monkeypatch.setattr(duplicate_definition, "evaluate", crashing)
    config = ('[[concept]]\nname = "A"\ncanonical = "app.a.A"\n'
              '[[concept]]\nname = "B"\ncanonical = "app.b.B"\n')
    report = analyze_sources({"app/__init__.py": "", "app/a.py": "class A:\n    pass\n",
                              "app/copy.py": "class A:\n    pass\n", "app/b.py": "class B:\n    pass\n"}, config)
    a, b = report.concepts
    assert (a.status, {c.code: c.status for c in a.checks}["SSOT003"]) == ("fail", "fail")
    assert {c.code: c.status for c in b.checks}["SSOT003"] == "skip"
    [notice] = [f for f in report.findings if f.symbol.startswith("crash:")]
    assert notice.concept == "B" and notice.code == "SSOT003"
    assert calls == ["A", "B"]  # once each: the table and the findings share the outcome


def test_a_duplicate_in_the_preferred_module_is_told_to_import_the_canonical() -> None:
    """The preferred path's module defining its own class: "import it from the preferred
    path" would name the duplicate itself."""
    config = ('[[concept]]\nname = "Client"\ncanonical = "app.impl.Client"\naliases = ["app.Client"]\n'
              'preferred = "app.Client"\n')
    files = {"app/__init__.py": "from app.impl import Client as _C\n\n\nclass Client(_C):\n    pass\n",
             "app/impl.py": "class Client:\n    pass\n", "app/other.py": "class Client:\n    pass\n"}
    found = {f.path: f.message for f in analyze_sources(files, config).findings if f.code == "SSOT003"}
    assert "import it from `app.impl.Client` instead" in found["app/__init__.py"]
    assert "import it from `app.Client` instead" in found["app/other.py"]


def test_a_path_into_an_excluded_file_says_the_file_is_left_out() -> None:
    """"no module `pkg.test_helpers`" alone sends a user looking for a file that is there:
    the default `exclude` patterns leave `test_*.py` out (found on aiohttp's test_utils)."""
    config = ('[[concept]]\nname = "Client"\ncanonical = "pkg.impl.Client"\n'
              'factory = "pkg.test_helpers.make_client"\naliases = ["pkg.testing.Client"]\n')
    files = {"pkg/__init__.py": "", "pkg/impl.py": "class Client:\n    pass\n",
             "pkg/test_helpers.py": "from pkg.impl import Client\n\n\ndef make_client():\n    return Client()\n"}
    found = {f.code: f.message for f in analyze_sources(files, config).findings}
    assert found["SSOT006"].endswith("(`pkg/test_helpers.py`, if it is there, is left out by the `exclude` patterns)")
    assert "exclude" not in found["SSOT001"]  # pkg/testing.py would not be left out
    # under two roots the index never saw which place holds the file: both are named
    two = analyze_sources({"src/pkg/__init__.py": "", "src/pkg/impl.py": "class Client:\n    pass\n"},
                          'roots = ["src", "."]\n' + config.replace('aliases = ["pkg.testing.Client"]\n', ""))
    [factory] = [f.message for f in two.findings if f.code == "SSOT006"]
    assert factory.endswith("(`src/pkg/test_helpers.py` or `pkg/test_helpers.py`, if it is there, "
                            "is left out by the `exclude` patterns)")


def test_a_class_hundreds_of_subclasses_deep_keeps_what_its_bases_give() -> None:
    # regression: bases more than 50 levels up were left out in silence: SSOT005 said the
    # canonical class had no `m`, and SSOT004 compared `object.__init__`
    deep = "class C0:\n    def __init__(self, a):\n        pass\n    def m(self):\n        pass\n" + "".join(
        f"class C{i}(C{i - 1}):\n    pass\n" for i in range(1, 300))
    config = '[[concept]]\nname = "C"\ncanonical = "pkg.mod.C299"\naliases = ["pkg.C"]\ninterface = ["m"]\n'
    report = analyze_sources({"pkg/__init__.py": "from .mod import C299 as C\n", "pkg/mod.py": deep}, config)
    checks = {c.code: (c.status, c.expected) for c in report.concepts[0].checks}
    assert checks["SSOT005"][0] == "pass" and checks["SSOT004"] == ("pass", "__init__(self, a)")
    assert report.findings == ()


def test_a_chain_of_bindings_too_long_to_follow_says_so_not_cycle() -> None:
    chain = "class X0:\n    pass\n" + "".join(f"X{i} = X{i - 1}\n" for i in range(1, 260))
    config = '[[concept]]\nname = "X"\ncanonical = "pkg.mod.X0"\naliases = ["pkg.mod.X259"]\n'
    [finding] = analyze_sources({"pkg/__init__.py": "", "pkg/mod.py": chain}, config).findings
    assert finding.code == "SSOT001" and "more than 200 steps long" in finding.message
    assert "cycle" not in finding.message
