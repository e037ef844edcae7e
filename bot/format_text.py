"""``ssot check --format text``: the report for people.

Findings are grouped by concept, each group under the concept's status table (check,
expected, actual, status); findings that belong to no concept come last under
:data:`OTHER_FINDINGS`. A finding is one line that terminals and editors can jump to
(``path:line:col: SSOT003 duplicate-definition message``) with its resolution chain, when it
has one, indented beneath it. When the report was compared with a base revision
(``report.base`` is set), new findings carry :data:`NEW_MARK` and the findings the change
fixed are listed under :data:`FIXED_FINDINGS`. The last line is the verdict, which is
:attr:`rules.model.Report.failed`: with ``fail_on = "new"`` only new errors fail.

Pure: a report in, the text out (ending with a newline). Colour (ANSI) only when asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rules.model import Check, ConceptResult, Finding, Report, Severity
from rules.registry import BY_CODE

# -- what people read ---------------------------------------------------------------------

CONCEPT_HEADER = "{name}: {status}"
ISSUE = "(issue #{issue})"
CANONICAL = "canonical: {dotted} ({path}:{line})"
CANONICAL_UNRESOLVED = "canonical: {dotted} does not resolve"
TABLE_HEADINGS = ("check", "expected", "actual", "status")
EMPTY_CELL = "-"
SKIP_STATUS = "skip: {detail}"
FINDING = "{path}:{line}:{column}: {code} {rule} {message}"
CHAIN_ARROW = " → "
NEW_MARK = "new"
OTHER_FINDINGS = "Other findings"
FIXED_FINDINGS = "Fixed by this change"
UNKNOWN_CONCEPT = "{name}"
COUNT = {
    Severity.ERROR: ("{n} error", "{n} errors"),
    Severity.WARNING: ("{n} warning", "{n} warnings"),
    Severity.NOTICE: ("{n} notice", "{n} notices"),
}
COUNT_NEW = " ({n} new)"
COUNT_FIXED = "{n} fixed"
VERDICT = "{counts}: {verdict}"
PASS = "PASS"
FAIL = "FAIL"
#: some rule stopped (see its notice): neither a pass nor the whole of the failures
INCOMPLETE = "INCOMPLETE"

INDENT = "  "
#: width of the new/unchanged mark column in front of a finding (only with a base)
MARK_WIDTH = len(NEW_MARK) + 1

# -- colour --------------------------------------------------------------------------------

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
DIM = "\x1b[2m"
RED = "\x1b[31m"
GREEN = "\x1b[32m"
YELLOW = "\x1b[33m"
CYAN = "\x1b[36m"

SEVERITY_COLOR = {Severity.ERROR: RED, Severity.WARNING: YELLOW, Severity.NOTICE: CYAN}
STATUS_COLOR = {"pass": GREEN, "fail": RED, "skip": DIM}


def clean(text: str) -> str:
    """Text from the analysed repository (a path, a name) for a terminal: every character
    that is not printable as an escape (``\\x1b``, ``\\n``, ``\\u202e``), so a name never moves
    the cursor, recolours the terminal, reorders a line (bidirectional controls) or breaks
    a finding's line in two."""
    return text if text.isprintable() else "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


class _Painter:
    """Wraps text in ANSI codes, or leaves it alone."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *codes: str) -> str:
        codes = tuple(code for code in codes if code)
        if not self.color or not codes or not text:
            return text
        return "".join(codes) + text + RESET


def render_text(report: Report, *, color: bool) -> str:
    """The whole report as text for a terminal, ending with a newline."""
    paint = _Painter(color)
    compared = report.base is not None
    blocks: list[list[str]] = []
    by_concept: dict[str | None, list[Finding]] = {}
    for f in report.findings:
        by_concept.setdefault(f.concept, []).append(f)

    stopped = {f.concept for f in report.stopped}
    for concept in report.concepts:
        block = _concept_block(concept, paint, concept.name in stopped)
        mine = by_concept.pop(concept.name, [])
        if mine:
            block.append("")
            block.extend(_finding_lines(mine, compared, paint))
        blocks.append(block)
    others = by_concept.pop(None, [])
    for name, findings in sorted(by_concept.items(), key=lambda item: str(item[0])):
        # findings for a concept the report has no result for (the config dropped it)
        blocks.append([paint(UNKNOWN_CONCEPT.format(name=clean(str(name))), BOLD),
                       *_finding_lines(findings, compared, paint)])
    if others:
        blocks.append([paint(OTHER_FINDINGS, BOLD), *_finding_lines(others, compared, paint)])
    if compared and report.fixed:
        blocks.append([paint(FIXED_FINDINGS, BOLD),
                       *_finding_lines(report.fixed, False, paint, chains=False)])
    blocks.append([_verdict(report, paint)])
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"


def verdict_line(report: Report, *, color: bool = False) -> str:
    """``2 errors (1 new), 1 warning, 0 notices: FAIL``; ``(k new)`` and ``n fixed`` only
    when the report was compared with a base. INCOMPLETE when a rule stopped
    (:attr:`Report.incomplete`), else FAIL when :attr:`Report.failed`, else PASS."""
    return _verdict(report, _Painter(color))


def _verdict(report: Report, paint: _Painter) -> str:
    compared = report.base is not None
    counts = []
    for severity, (one, many) in COUNT.items():
        found = [f for f in report.findings if f.severity is severity]
        text = (one if len(found) == 1 else many).format(n=len(found))
        if compared and found:
            text += COUNT_NEW.format(n=sum(1 for f in found if f.new))
        counts.append(paint(text, SEVERITY_COLOR[severity]) if found else text)
    if compared and report.fixed:
        counts.append(COUNT_FIXED.format(n=len(report.fixed)))
    if report.incomplete:  # (before FAIL: what failed may be only what a stopped rule left unknown)
        verdict = paint(INCOMPLETE, BOLD, YELLOW)
    elif report.failed:
        verdict = paint(FAIL, BOLD, RED)
    else:
        verdict = paint(PASS, BOLD, GREEN)
    return VERDICT.format(counts=", ".join(counts), verdict=verdict)


def _concept_block(concept: ConceptResult, paint: _Painter, stopped: bool) -> list[str]:
    """The concept's header, canonical and checks; its status is INCOMPLETE when one of its
    rules stopped (a pass would not be known, a fail may be only what it left unknown)."""
    if stopped:
        status = paint(INCOMPLETE, BOLD, YELLOW)
    else:
        status = paint(concept.status.upper(), BOLD, STATUS_COLOR.get(concept.status, ""))
    header = CONCEPT_HEADER.format(name=paint(clean(concept.name), BOLD), status=status)
    if concept.issue is not None:
        header += " " + ISSUE.format(issue=concept.issue)
    lines = [header, INDENT + _canonical_line(concept), ""]
    lines.extend(INDENT + row for row in _table(concept.checks, paint))
    return lines


def _canonical_line(concept: ConceptResult) -> str:
    d = concept.canonical
    if d is not None:
        return CANONICAL.format(dotted=clean(d.dotted), path=clean(d.path), line=d.line)
    return CANONICAL_UNRESOLVED.format(dotted=clean(concept.canonical_path))


def _table(checks: Sequence[Check], paint: _Painter) -> list[str]:
    rows = [TABLE_HEADINGS]
    for check in checks:
        slug = getattr(BY_CODE.get(check.code), "SLUG", "")
        name = f"{check.code} {slug}".rstrip()
        status = check.status
        if check.status == "skip" and check.detail:
            status = SKIP_STATUS.format(detail=check.detail)
        rows.append((name, clean(check.expected) or EMPTY_CELL, clean(check.actual) or EMPTY_CELL, clean(status)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    out = []
    for n, row in enumerate(rows):
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        if n == 0:
            out.append(paint("  ".join([*cells, row[3]]), DIM))
        else:
            status = checks[n - 1].status
            out.append("  ".join([*cells, paint(row[3], STATUS_COLOR.get(status, ""))]))
    return out


def _finding_lines(findings: Iterable[Finding], compared: bool, paint: _Painter, *,
                   chains: bool = True) -> list[str]:
    lines = []
    for f in findings:
        mark = ""
        if compared:
            mark = paint(NEW_MARK, BOLD) + " " if f.new else " " * MARK_WIDTH
        head = FINDING.format(
            path=clean(f.location.path), line=f.location.line, column=f.location.column,
            code=paint(f.code, SEVERITY_COLOR[f.severity]), rule=f.rule, message=clean(f.message))
        lines.append(INDENT + mark + head)
        if chains and f.chain:
            pad = " " * (len(INDENT) + (MARK_WIDTH if compared else 0) + len(INDENT))
            lines.append(pad + paint(clean(CHAIN_ARROW.join(f.chain)), DIM))
    return lines

