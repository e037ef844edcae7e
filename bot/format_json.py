"""``ssot check --format json``: the machine contract of DESIGN.md §3.

Every key of the contract is here, in the contract's order; keys are only ever added
(never renamed or removed), and the added ones come after the contract's in each object:

- top level: ``fixed`` (findings the base had and the head no longer has, same shape as
  ``findings``, ``new`` false), ``fail_on`` and ``failed`` (the verdict, as the exit status
  reports it), ``incomplete`` (a rule stopped, on the head or the base: its notice says
  which; the exit status is 2);
- a concept: ``chains`` (the resolution chain of the canonical path and of every alias);
- a check: ``expected`` and ``actual`` (the row of the concept's table); its ``status`` is
  ``pass``, ``fail`` or ``skip`` (the check could not run, ``detail`` says why);
- a finding: ``symbol``, which with ``code`` and ``concept`` is the finding's identity.

``new`` is ``null`` when there was no base to compare with. ``end_line`` is the finding's
line when the rule did not give a span. Output is deterministic: same report, same bytes.

Layout: indented, with each finding on one line of its own (greppable, and fast: a
repository with thousands of findings is encoded by the C encoder, not the indenting one).
"""

from __future__ import annotations

import json
from typing import Any

from rules.model import ConceptResult, Finding, Report

TOOL = "ssot"


def render_json(report: Report, version: str) -> str:
    """The report as the JSON document of the contract, ending with a newline."""
    document = {
        "tool": TOOL,
        "version": version,
        "rev": report.rev,
        "base": report.base,
        "concepts": [_concept(c) for c in report.concepts],
        "findings": _PLACEHOLDER % "findings",
        "summary": {
            "files": report.summary.files,
            "parsed": report.summary.parsed,
            "cached": report.summary.cached,
            "seconds": round(report.summary.seconds, 3),
        },
        "fixed": _PLACEHOLDER % "fixed",
        "fail_on": report.fail_on,
        "failed": report.failed,
        "incomplete": report.incomplete,
    }
    text = json.dumps(document, indent=2, ensure_ascii=False)
    for key, findings in (("findings", report.findings), ("fixed", report.fixed)):
        text = text.replace(json.dumps(_PLACEHOLDER % key), _one_per_line(findings), 1)
    return text + "\n"


_PLACEHOLDER = "\x00ssot:%s\x00"


def _one_per_line(findings: tuple[Finding, ...]) -> str:
    if not findings:
        return "[]"
    encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder for all (json.dumps makes one per call)
    lines = ",\n    ".join([encode(_finding(f)) for f in findings])
    return f"[\n    {lines}\n  ]"


def _concept(concept: ConceptResult) -> dict[str, Any]:
    d = concept.canonical
    return {
        "name": concept.name,
        "status": concept.status,
        "issue": concept.issue,
        "canonical": None if d is None else {
            "path": d.path, "line": d.line, "qualname": d.qualname},
        "checks": [
            {"code": c.code, "status": c.status, "detail": c.detail,
             "expected": c.expected, "actual": c.actual}
            for c in concept.checks
        ],
        "chains": [{"path": path, "chain": list(chain)} for path, chain in concept.chains],
    }


def _finding(f: Finding) -> dict[str, Any]:
    loc = f.location
    return {
        "code": f.code,
        "rule": f.rule,
        "severity": f.severity.value,
        "concept": f.concept,
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line if loc.end_line is not None else loc.line,
        "message": f.message,
        "new": f.new,
        "chain": list(f.chain),
        "related": [{"path": r.path, "line": r.line} for r in f.related],
        "symbol": f.symbol,
    }
