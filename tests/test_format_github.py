"""GitHub Actions workflow commands, exactly, and GitHub's escaping rules."""

from __future__ import annotations

import dataclasses

from bot.format_github import escape_data, escape_property, render_github
from rules.engine import analyze_sources
from rules.model import Finding, Location, Report, Severity
from tests.format_fixture import BASE, CONFIG, HEAD


def compared(head: dict[str, str], base: dict[str, str], config: str = CONFIG) -> Report:
    """A report against a base, its revisions named as the CLI names them."""
    report = analyze_sources(head, config, base=base)
    return dataclasses.replace(report, rev="feature", base="main")


def test_without_a_base_the_level_is_the_severity() -> None:
    assert render_github(analyze_sources(BASE, CONFIG)) == """\
::notice file=app/broken.py,line=1,col=7,title=SSOT009 parse-error::`app/broken.py` was not analysed: invalid syntax
::error file=app/old.py,line=1,col=1,endLine=2,title=SSOT003 duplicate-definition::class `Manager` in `app.old` is a second definition of concept `Manager` (canonical: `app.core.UnifiedManager`, app/core.py:1); import it from `app.compat.Manager` instead, or list this path under the concept's `allow`
"""  # noqa: E501


def test_with_a_base_only_what_fails_is_an_error() -> None:
    assert render_github(compared(HEAD, BASE)) == """\
::error file=app/compat.py,line=1,col=1,title=SSOT002 alias-diverges::`app.compat.Manager` resolves to `app.legacy.Manager (class, line 2)`, not the canonical `app.core.UnifiedManager`; re-export it: `from app.core import UnifiedManager as Manager`%0Avia app.compat.Manager → app.legacy.Manager (class, line 2)
::error file=app/legacy.py,line=2,col=1,endLine=3,title=SSOT003 duplicate-definition::class `Manager` in `app.legacy` is a second definition of concept `Manager` (canonical: `app.core.UnifiedManager`, app/core.py:1); import it from `app.compat.Manager` instead, or list this path under the concept's `allow`
::notice file=app/old.py,line=1,col=1,endLine=2,title=SSOT003 duplicate-definition (pre-existing)::class `Manager` in `app.old` is a second definition of concept `Manager` (canonical: `app.core.UnifiedManager`, app/core.py:1); import it from `app.compat.Manager` instead, or list this path under the concept's `allow`
::warning file=app/user.py,line=1,col=1,title=SSOT007 non-canonical-import::`app.user` imports `UnifiedManager` from `app.core`; import it from the preferred path: `from app.compat import Manager as UnifiedManager`
"""  # noqa: E501


def test_pre_existing_warnings_are_notices() -> None:
    base = {**BASE, "app/user.py": HEAD["app/user.py"]}
    lines = render_github(compared(HEAD, base)).splitlines()
    user = [line for line in lines if "file=app/user.py" in line]
    assert user == [
        "::notice file=app/user.py,line=1,col=1,title=SSOT007 non-canonical-import (pre-existing)"
        "::`app.user` imports `UnifiedManager` from `app.core`; import it from the preferred path: "
        "`from app.compat import Manager as UnifiedManager`"
    ]


def test_with_fail_on_any_pre_existing_errors_stay_errors() -> None:
    config = 'fail_on = "any"\n' + CONFIG
    lines = render_github(compared(HEAD, BASE, config)).splitlines()
    old = [line for line in lines if "file=app/old.py" in line]
    assert len(old) == 1
    assert old[0].startswith("::error file=app/old.py,line=1,col=1,endLine=2,"
                             "title=SSOT003 duplicate-definition (pre-existing)::")


def test_fixed_findings_are_not_emitted() -> None:
    report = compared(HEAD, BASE)
    assert [f.code for f in report.fixed] == ["SSOT009"]
    assert "SSOT009" not in render_github(report)


def test_nothing_to_report_is_no_output() -> None:
    assert render_github(analyze_sources({"app/core.py": "x = 1\n"}, "")) == ""


def test_escaping() -> None:
    assert escape_data("100% done,\r\nnext: a,b") == "100%25 done,%0D%0Anext: a,b"
    assert escape_property("100% done,\r\nnext: a,b") == "100%25 done%2C%0D%0Anext%3A a%2Cb"
    finding = Finding(
        code="SSOT009", rule="parse-error", severity=Severity.NOTICE, concept=None,
        symbol="x", message="50% of `a,b:c.py`\nis broken",
        location=Location("a,b:c.py", 3, 5, 4), chain=("x → y",))
    report = Report(rev=None, base=None, concepts=(), findings=(finding,))
    assert render_github(report) == (
        "::notice file=a%2Cb%3Ac.py,line=3,col=5,endLine=4,title=SSOT009 parse-error"
        "::50%25 of `a,b:c.py`%0Ais broken%0Avia x → y\n"
    )
