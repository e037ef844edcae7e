"""README is the front door: its rule table comes from the rules' docstrings."""

from __future__ import annotations

from bot import readme


def test_rule_table_is_current() -> None:
    assert readme.main(["--check"]) == 0, "run `python -m bot.readme`"


def test_every_rule_module_is_registered_and_in_the_table() -> None:
    """Every module of rules/ that defines a rule (a CODE) is in the registry, so in the table."""
    import importlib
    import pkgutil

    import rules
    from rules import registry

    table = readme.rule_table()
    found = [module for info in pkgutil.iter_modules(rules.__path__)
             if hasattr(module := importlib.import_module(f"rules.{info.name}"), "CODE")]
    assert sorted(m.CODE for m in found) == sorted(r.CODE for r in registry.RULES) and len(found) >= 10
    for rule in found:
        assert f"| {rule.CODE} | `{rule.SLUG}` |" in table
