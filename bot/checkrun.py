"""Pure builders: a :class:`~rules.model.Report` in, GitHub check-run payload dicts out.

Nothing here sends anything (``bot.jobs`` does). GitHub's limits live here: 50
annotations per request (the rest follow in updates), 65,535 characters of summary.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from rules.engine import CONCEPT_CODES
from rules.model import ConceptResult, Finding, Report, Severity
from rules.registry import BY_CODE

CHECK_NAME = "SSOT"
ANNOTATIONS_PER_REQUEST = 50
MAX_ANNOTATIONS = 1000
MAX_SUMMARY = 65_535
MAX_TITLE = 200
RECHECK_ID = "recheck"
RECHECK_ACTION = {
    "label": "Recheck",
    "description": "Run the SSOT check again",
    "identifier": RECHECK_ID,
}

IN_PROGRESS_TITLE = "Checking the single sources of truth"
IN_PROGRESS_SUMMARY = (
    "Reading the pull request's files and resolving every declared import path. "
    "The result replaces this message in a moment."
)
NEUTRAL_TITLE = "Could not finish: {reason}"
NEUTRAL_SUMMARY = (
    "The SSOT check could not finish, so it neither passes nor fails this commit.\n\n"
    "**Why:** {reason}\n\n"
    "Press **Recheck** above, or comment `/ssot recheck` on the pull request, to try again."
)
SUPERSEDED_REASON = "a newer commit ({sha}) was pushed; its check replaces this one"
STOPPED_REASON = "the server stopped before the check finished"
CONFIG_BROKEN_REASON = "the configuration on the base branch is invalid ({count} problem{s}); fix it there first"
RULES_STOPPED_REASON = "{count} rule{s} stopped, their results are missing (see the notices below)"
CUT_NOTE = (
    "\n\n… the summary was cut at GitHub's limit of 65,535 characters. The new findings are "
    "annotated on their lines (the first 1,000); `ssot check` lists them all."
)
TITLE_FAIL = "{count} new error{s}: {codes}"
TITLE_FAIL_ANY = "{count} error{s}: {codes}"
TITLE_PASS = "{passing} of {total} concept{s} pass; no new errors"
TITLE_PASS_NO_CONCEPTS = "No concepts configured; no new errors"
RESOLVES = "`{concept}` now passes: resolves #{issue}"
EXISTING_NOTE = (
    "{count} existing error{s} on the base branch {are} not counted "
    '(`fail_on = "new"`); they are listed on the concept tables.'
)
FOOTER = (
    "<sub>{files} files checked ({parsed} parsed, {cached} from cache) in {seconds:.2f}s, "
    "with the configuration from {config} on the base branch.</sub>"
)
CONFIG_CHANGE_HEADER = (
    "### Configuration change\n\nThis pull request edits `{path}`. The verdict above "
    "uses the base branch's configuration; after merge:\n"
)

STATUS_ICON = {"pass": "✅ pass", "fail": "❌ fail", "skip": "➖ skip"}
LEVEL = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.NOTICE: "notice"}
SEVERITY_ICON = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.NOTICE: "ℹ️"}


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def escaped(text: str, chars: str = "<") -> str:
    """``text`` with these characters backslash-escaped outside its code spans (inside one
    they show as they are): ``<`` so that nothing quoted opens HTML or a comment."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(f"([{re.escape(chars)}])", r"\\\1", parts[i])
    return "`".join(parts)


def _cell(text: str) -> str:
    """Text for a Markdown table cell: pipes escaped, and `_`/`*`/`<` outside code spans."""
    return escaped(text.replace("\n", " "), "_*<").replace("|", "\\|").strip() or "—"


def code(text: str) -> str:
    """``text`` as a Markdown code span that nothing in it can close (CommonMark's rule:
    a fence longer than any run of backticks inside), on one line."""
    text = " ".join(text.split())
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def one_line(text: str, limit: int = MAX_TITLE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cut(text: str, limit: int = MAX_SUMMARY, note: str = CUT_NOTE) -> str:
    """``text`` if it fits, else its first lines and ``note``, together within ``limit``."""
    if len(text) <= limit:
        return text
    head = text[: limit - len(note)]
    if "\n" in head:
        head = head[: head.rindex("\n")]
    return head + note


def slug(code: str) -> str:
    rule = BY_CODE.get(code)
    return f"{code} {rule.SLUG}" if rule is not None else code


def new_findings(report: Report) -> tuple[Finding, ...]:
    """What the change introduced (everything, without a base)."""
    return tuple(f for f in report.findings if f.new is not False)


def conclusion(report: Report) -> str:
    if report.config_broken or report.incomplete:
        return "neutral"
    return "failure" if report.failed else "success"


def resolved(report: Report) -> tuple[ConceptResult, ...]:
    """Concepts that failed on the base and pass on the head."""
    fixed = {f.concept for f in report.fixed if f.code in CONCEPT_CODES and f.severity is Severity.ERROR}
    return tuple(c for c in report.concepts if c.status == "pass" and c.name in fixed)


def title(report: Report) -> str:
    if report.config_broken:
        return one_line(NEUTRAL_TITLE.format(reason=_config_reason(report)))
    if report.incomplete:
        stopped = len(report.stopped)
        return one_line(NEUTRAL_TITLE.format(reason=RULES_STOPPED_REASON.format(count=stopped, s=_s(stopped))))
    failing = report.failing
    if failing:
        counts = Counter(f.code for f in failing)
        codes = ", ".join(slug(c) + (f" ×{n}" if n > 1 else "") for c, n in sorted(counts.items()))
        template = TITLE_FAIL if report.base is not None and report.fail_on == "new" else TITLE_FAIL_ANY
        return one_line(template.format(count=len(failing), s=_s(len(failing)), codes=codes))
    total = len(report.concepts)
    if not total:
        return TITLE_PASS_NO_CONCEPTS
    passing = sum(c.status == "pass" for c in report.concepts)
    return TITLE_PASS.format(passing=passing, total=total, s=_s(total))


def _config_reason(report: Report) -> str:
    problems = [f for f in report.findings if f.code == "SSOT010"]
    return CONFIG_BROKEN_REASON.format(count=len(problems), s=_s(len(problems)))


def concept_table(concept: ConceptResult) -> str:
    icon = "✅" if concept.status == "pass" else "❌"
    where = ""
    if concept.canonical is not None:
        c = concept.canonical
        where = f" · canonical {code(c.dotted)} ({code(f'{c.path}:{c.line}')})"
    issue = f" · tracking #{concept.issue}" if concept.issue else ""
    verb = "passes" if concept.status == "pass" else "fails"
    lines = [
        f"### {icon} {code(concept.name)} {verb}{where}{issue}",
        "",
        "| check | expected | actual | status |",
        "| --- | --- | --- | --- |",
    ]
    for check in concept.checks:
        status = STATUS_ICON.get(check.status, check.status)
        if check.status == "skip" and check.detail:
            status += f": {check.detail}"
        lines.append(
            f"| {_cell(slug(check.code))} | {_cell(check.expected)} | {_cell(check.actual)} | {_cell(status)} |"
        )
    return "\n".join(lines)


def finding_item(finding: Finding, *, struck: bool = False) -> str:
    name = f"~~{slug(finding.code)}~~" if struck else f"**{slug(finding.code)}**"
    icon = SEVERITY_ICON[finding.severity]
    # one line each: a message or path cannot open a block (heading, list, fence) of its own
    message = escaped(" ".join(finding.message.split()))
    lines = [f"- {icon} {name} at {code(f'{finding.path}:{finding.line}')}: {message}"]
    if finding.chain:
        lines.append("  - resolution: " + " → ".join(code(step) for step in finding.chain))
    return "\n".join(lines)


def summary(report: Report, *, config_change: Sequence[str] = (), config_path: str | None = None) -> str:
    parts: list[str] = []
    for concept in resolved(report):
        if concept.issue:
            parts.append(RESOLVES.format(concept=concept.name, issue=concept.issue))
    if report.config_broken:
        problems = [f for f in report.findings if f.code == "SSOT010"]
        parts.append("### Configuration problems\n\n" + "\n".join(finding_item(f) for f in problems))
    if report.incomplete:
        parts.append("### Could not finish\n\n" + "\n".join(finding_item(f) for f in report.stopped))
    new = new_findings(report)
    if new:
        parts.append(f"### New findings ({len(new)})\n\n" + "\n".join(finding_item(f) for f in new))
    if report.fixed:
        parts.append(
            f"### Fixed findings ({len(report.fixed)})\n\n"
            + "\n".join(finding_item(f, struck=True) for f in report.fixed)
        )
    existing = [
        f for f in report.findings if f.new is False and f.severity is Severity.ERROR and f.code != "SSOT010"
    ]
    if existing and report.fail_on == "new":
        n = len(existing)
        parts.append(EXISTING_NOTE.format(count=n, s=_s(n), are="is" if n == 1 else "are"))
    parts.extend(concept_table(c) for c in report.concepts)
    # what comes after the findings and tables is kept whole when the summary is cut
    tail: list[str] = []
    if config_change:
        tail.append(
            CONFIG_CHANGE_HEADER.format(path=config_path or "the configuration")
            + "\n".join(f"- {line}" for line in config_change)
        )
    s = report.summary
    tail.append(
        FOOTER.format(
            files=s.files,
            parsed=s.parsed,
            cached=s.cached,
            seconds=s.seconds,
            config=f"`{report.config_path}`" if report.config_path else "built-in defaults",
        )
    )
    end = cut("\n\n".join(tail), MAX_SUMMARY // 4, "…")
    if not parts:
        return end
    return cut("\n\n".join(parts), MAX_SUMMARY - len(end) - 2) + "\n\n" + end


def annotation(finding: Finding) -> dict[str, Any]:
    end = finding.location.end_line or finding.line
    details = []
    if finding.chain:
        details.append("resolution: " + " → ".join(finding.chain))
    details.extend(f"related: {r.path}:{r.line}" for r in finding.related)
    out: dict[str, Any] = {
        "path": finding.path,
        "start_line": finding.line,
        "end_line": max(end, finding.line),
        "annotation_level": LEVEL[finding.severity],
        "title": one_line(slug(finding.code), 255),
        "message": cut(finding.message, 64_000, "…"),
    }
    if details:
        out["raw_details"] = cut("\n".join(details), 64_000, "…")
    return out


def annotations_for(report: Report) -> list[dict[str, Any]]:
    return [annotation(f) for f in new_findings(report)[:MAX_ANNOTATIONS]]


def in_progress(head_sha: str, started_at: str, *, external_id: str = "") -> dict[str, Any]:
    payload: dict[str, Any] = {
        "name": CHECK_NAME,
        "head_sha": head_sha,
        "status": "in_progress",
        "started_at": started_at,
        "output": {"title": IN_PROGRESS_TITLE, "summary": IN_PROGRESS_SUMMARY},
    }
    if external_id:
        payload["external_id"] = external_id
    return payload


def completed(
    report: Report,
    completed_at: str,
    *,
    config_change: Sequence[str] = (),
    config_path: str | None = None,
) -> list[dict[str, Any]]:
    """The update that completes the run, then one update per further 50 annotations."""
    head_title = title(report)
    text = summary(report, config_change=config_change, config_path=config_path)
    notes = annotations_for(report)
    batches = [notes[i : i + ANNOTATIONS_PER_REQUEST] for i in range(0, len(notes), ANNOTATIONS_PER_REQUEST)] or [[]]
    first: dict[str, Any] = {
        "status": "completed",
        "conclusion": conclusion(report),
        "completed_at": completed_at,
        "output": {"title": head_title, "summary": text, "annotations": batches[0]},
        "actions": [RECHECK_ACTION],
    }
    rest = [{"output": {"title": head_title, "summary": text, "annotations": batch}} for batch in batches[1:]]
    return [first, *rest]


def neutral(reason: str, completed_at: str) -> dict[str, Any]:
    """The update for a check that could not finish: never silence, always a reason."""
    return {
        "status": "completed",
        "conclusion": "neutral",
        "completed_at": completed_at,
        "output": {
            "title": one_line(NEUTRAL_TITLE.format(reason=reason)),
            "summary": cut(NEUTRAL_SUMMARY.format(reason=reason)),
        },
        "actions": [RECHECK_ACTION],
    }
