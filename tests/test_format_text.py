"""The text report, exactly: a change in wording or layout is a visible diff here."""

from __future__ import annotations

import dataclasses
import re

from bot.format_text import NEW_MARK, OTHER_FINDINGS, clean, render_text, verdict_line
from rules.engine import analyze_sources
from rules.model import Report

CONFIG = """
[[concept]]
name = "Manager"
canonical = "app.core.UnifiedManager"
aliases = ["app.compat.Manager"]
issue = 12
"""
#: the alias module re-exports a legacy copy (SSOT002, with a chain), two copies (SSOT003)
HEAD = {
    "app/__init__.py": "",
    "app/core.py": "class UnifiedManager:\n    def send(self):\n        pass\n",
    "app/compat.py": "from .legacy import Manager\n",
    "app/legacy.py": "class Manager:\n    pass\n",
    "app/old.py": "class Manager:\n    pass\n",
}
#: before the change: the alias was right, app/old.py already had its copy, a file was broken
BASE = {
    **HEAD,
    "app/compat.py": "from .core import UnifiedManager as Manager\n",
    "app/legacy.py": "",
    "app/broken.py": "def f(:\n",
}


def compared(head: dict[str, str], base: dict[str, str], config: str = CONFIG) -> Report:
    """A report against a base, its revisions named as the CLI names them."""
    report = analyze_sources(head, config, base=base)
    return dataclasses.replace(report, rev="feature", base="main")


#: the concept's block both exact-output tests start with (the table is the same with a base)
CONCEPT_TABLE = """\
Manager: FAIL (issue #12)
  canonical: app.core.UnifiedManager (app/core.py:1)

  check                         expected                                actual          status
  SSOT001 alias-unresolved      2 paths resolve                         2 resolve       pass
  SSOT002 alias-diverges        every alias is app.core.UnifiedManager  0 of 1 aliases  fail
  SSOT003 duplicate-definition  1 definition                            3 definitions   fail
  SSOT004 signature-mismatch    __init__(self)  [object.__init__]       same            pass
  SSOT005 interface-missing     -                                       -               skip: no `interface` configured
  SSOT006 factory-mismatch      -                                       -               skip: no `factory` configured
"""  # noqa: E501


def test_without_a_base() -> None:
    report = analyze_sources({**HEAD, "app/broken.py": "def f(:\n"}, CONFIG)
    assert render_text(report, color=False) == CONCEPT_TABLE + """\

  app/compat.py:1:1: SSOT002 alias-diverges `app.compat.Manager` resolves to `app.legacy.Manager (class, line 1)`, not the canonical `app.core.UnifiedManager`; re-export it: `from app.core import UnifiedManager as Manager`
    app.compat.Manager → app.legacy.Manager (class, line 1)
  app/legacy.py:1:1: SSOT003 duplicate-definition class `Manager` in `app.legacy` is a second definition of concept `Manager` (canonical: `app.core.UnifiedManager`, app/core.py:1); import it from `app.core.UnifiedManager` instead, or list this path under the concept's `allow`
  app/old.py:1:1: SSOT003 duplicate-definition class `Manager` in `app.old` is a second definition of concept `Manager` (canonical: `app.core.UnifiedManager`, app/core.py:1); import it from `app.core.UnifiedManager` instead, or list this path under the concept's `allow`

Other findings
  app/broken.py:1:7: SSOT009 parse-error `app/broken.py` was not analysed: invalid syntax

3 errors, 0 warnings, 1 notice: FAIL
"""  # noqa: E501


def test_with_a_base_marks_new_and_lists_fixed() -> None:
    report = compared(HEAD, BASE)
    assert render_text(report, color=False) == CONCEPT_TABLE + """\

  new app/compat.py:1:1: SSOT002 alias-diverges `app.compat.Manager` resolves to `app.legacy.Manager (class, line 1)`, not the canonical `app.core.UnifiedManager`; re-export it: `from app.core import UnifiedManager as Manager`
        app.compat.Manager → app.legacy.Manager (class, line 1)
  new app/legacy.py:1:1: SSOT003 duplicate-definition class `Manager` in `app.legacy` is a second definition of concept `Manager` (canonical: `app.core.UnifiedManager`, app/core.py:1); import it from `app.core.UnifiedManager` instead, or list this path under the concept's `allow`
      app/old.py:1:1: SSOT003 duplicate-definition class `Manager` in `app.old` is a second definition of concept `Manager` (canonical: `app.core.UnifiedManager`, app/core.py:1); import it from `app.core.UnifiedManager` instead, or list this path under the concept's `allow`

Fixed by this change
  app/broken.py:1:7: SSOT009 parse-error `app/broken.py` was not analysed: invalid syntax

3 errors (2 new), 0 warnings, 0 notices, 1 fixed: FAIL
"""  # noqa: E501


def test_unresolved_canonical_and_findings_of_no_concept() -> None:
    config = 'fail_on = "sometimes"\n\n[[concept]]\nname = "A"\ncanonical = "app.core.Missing"\n'
    report = analyze_sources({"app/__init__.py": "", "app/core.py": "x = 1\n"}, config)
    assert render_text(report, color=False) == """\
A: FAIL
  canonical: app.core.Missing does not resolve

  check                         expected          actual                  status
  SSOT001 alias-unresolved      1 path resolves   0 resolve               fail
  SSOT002 alias-diverges        app.core.Missing  (canonical unresolved)  skip: the canonical path does not resolve to one class
  SSOT003 duplicate-definition  one definition    (canonical unresolved)  skip: the canonical path does not resolve to one class
  SSOT004 signature-mismatch    -                 -                       skip: the canonical path does not resolve to one class
  SSOT005 interface-missing     -                 -                       skip: no `interface` configured
  SSOT006 factory-mismatch      -                 -                       skip: no `factory` configured

  .github/ssot.toml:5:14: SSOT001 alias-unresolved `app.core.Missing` does not resolve: module `app.core` has no name `Missing`. Restore the definition, or point `canonical` at where it lives now.
    app.core.Missing

Other findings
  .github/ssot.toml:1:1: SSOT010 config-error .github/ssot.toml: `fail_on` must be "new" or "any", not 'sometimes'

2 errors, 0 warnings, 0 notices: FAIL
"""  # noqa: E501


def test_nothing_to_report() -> None:
    report = analyze_sources({"app/__init__.py": "", "app/core.py": "x = 1\n"}, "")
    assert render_text(report, color=False) == "0 errors, 0 warnings, 0 notices: PASS\n"


def test_pre_existing_errors_pass_with_fail_on_new_and_fail_with_any() -> None:
    head = {**BASE, "app/broken.py": "x = 1\n"}  # the change only fixes the broken file
    lenient = compared(head, BASE)
    assert verdict_line(lenient) == "1 error (0 new), 0 warnings, 0 notices, 1 fixed: PASS"
    assert f"  {NEW_MARK} " not in render_text(lenient, color=False)
    assert "      app/old.py:1:1: SSOT003" in render_text(lenient, color=False)
    strict = compared(head, BASE, CONFIG.replace("[[concept]]", 'fail_on = "any"\n\n[[concept]]'))
    assert verdict_line(strict) == "1 error (0 new), 0 warnings, 0 notices, 1 fixed: FAIL"


def test_colour_only_adds_escape_codes() -> None:
    alone = analyze_sources({**HEAD, "app/broken.py": "def f(:\n"}, CONFIG)
    for report in (alone, compared(HEAD, BASE)):
        plain = render_text(report, color=False)
        coloured = render_text(report, color=True)
        assert "\x1b" not in plain
        assert "\x1b[31m" in coloured  # errors are red
        assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_findings_without_a_concept_come_last() -> None:
    report = analyze_sources({**HEAD, "app/broken.py": "def f(:\n"}, CONFIG)
    text = render_text(report, color=False)
    assert text.index("app/old.py:1:1") < text.index(OTHER_FINDINGS)
    assert text.index(OTHER_FINDINGS) < text.index("app/broken.py:1:7")


def test_names_from_the_repository_cannot_drive_the_terminal() -> None:
    """A file name (or a message quoting one) holds whatever bytes the pull request chose:
    an escape sequence would recolour or rewrite the reader's terminal, a line break split
    a finding in two. They are shown as escapes, colour or not."""
    report = analyze_sources({"app/__init__.py": "", "app/esc\x1b[31mred\n.py": "class A(:\n"})
    for color in (False, True):
        text = render_text(report, color=color)
        assert "esc\\x1b[31mred\\n.py" in text
        assert "esc\x1b" not in text and "red\n" not in text
    # a bidirectional override would show the line's end reversed; every format of text escapes it
    assert clean("app/\u202egnp.py\ttab") == "app/\\u202egnp.py\\ttab" and clean("plain é → ok") == "plain é → ok"
