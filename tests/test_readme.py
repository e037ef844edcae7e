"""README is the front door: its rule table comes from the rules' docstrings."""

from __future__ import annotations

from bot import readme


def test_rule_table_is_current() -> None:
    assert readme.main(["--check"]) == 0, "run `python -m bot.readme`"


def test_every_rule_is_in_the_table() -> None:
    from rules import registry

    table = readme.rule_table()
    for rule in registry.RULES:
        assert f"| {rule.CODE} | `{rule.SLUG}` |" in table
