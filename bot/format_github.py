"""``ssot check --format github``: GitHub Actions workflow commands, one per finding.

``::error file=app/x.py,line=3,col=1,endLine=9,title=SSOT003 duplicate-definition::message``
makes the runner annotate that line of the pull request. The resolution chain, when there is
one, is a second line of the message.

Which command (annotation level) a finding gets:

- without a base, its severity: error, warning, or notice;
- with a base (``report.base`` set), the level says what the pull request has to act on.
  An error is ``error`` exactly when it fails the run (:attr:`rules.model.Report.failing`):
  with ``fail_on = "new"`` a pre-existing error is emitted as a ``notice``, so the red
  marks are the ones the author introduced; with ``fail_on = "any"`` it stays an ``error``,
  because it fails the run too. A pre-existing warning is a ``notice`` as well. Every
  pre-existing finding's title ends with :data:`PREEXISTING`, whatever its level.
- Findings the change fixed are not emitted: there is no line in the head to annotate.

Properties and data are escaped as GitHub's toolkit does (``escapeProperty``/``escapeData``):
``%``, CR and LF everywhere, and also ``:`` and ``,`` in properties. Findings keep the
report's order (GitHub shows at most 10 annotations of each level per step).

Pure: a report in, the commands out (one per line, ending with a newline; empty when
there is nothing to say).
"""

from __future__ import annotations

from rules.model import Finding, Report, Severity

TITLE = "{code} {rule}"
PREEXISTING = " (pre-existing)"
CHAIN_TEXT = "via {chain}"
CHAIN_ARROW = " → "
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "notice"}


def render_github(report: Report) -> str:
    """One workflow command per finding, in the report's order."""
    failing = set(report.failing)
    compared = report.base is not None
    lines = [_command(f, _level(f, report, failing), compared) for f in report.findings]
    return "".join(line + "\n" for line in lines)


def _level(f: Finding, report: Report, failing: set[Finding]) -> str:
    if report.base is None:
        return LEVEL[f.severity]
    if f.severity is Severity.ERROR:
        return "error" if f in failing else "notice"
    if f.severity is Severity.WARNING and f.new:
        return "warning"
    return "notice"


def _command(f: Finding, level: str, compared: bool) -> str:
    loc = f.location
    title = TITLE.format(code=f.code, rule=f.rule)
    if compared and not f.new:
        title += PREEXISTING
    properties = [("file", loc.path), ("line", str(loc.line)), ("col", str(loc.column))]
    if loc.end_line is not None:
        properties.append(("endLine", str(loc.end_line)))
    properties.append(("title", title))
    message = f.message
    if f.chain:
        message += "\n" + CHAIN_TEXT.format(chain=CHAIN_ARROW.join(f.chain))
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{level} {props}::{escape_data(message)}"


def escape_data(text: str) -> str:
    """A command's message: ``%``, CR and LF percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value: as data, and ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
