"""``ssot check --format sarif``: SARIF 2.1.0 for code scanning (GitHub and others).

One run whose driver is ``ssot`` and lists every rule in the registry (id = the code,
name = the slug, descriptions from the rule module's docstring, default level from its
severity). Each finding is a result:

- ``level``: error, warning or note (SARIF's word for a notice);
- ``locations``: the repo-relative path as the artifact URI, with start line and column and,
  when the rule gave a span, its end line;
- ``relatedLocations``: ``Finding.related``, the canonical definition for concept rules;
- ``partialFingerprints[FINGERPRINT_KEY]``: a hash of the finding's identity (code, concept,
  symbol), never of its line, so an alert survives edits that move it;
- ``baselineState``: ``new`` or ``unchanged``, only when the report was compared with a
  base. Fixed findings are not emitted as ``absent`` results: code scanning would show them
  as alerts; it closes an alert when its result disappears.
- ``properties.chain``: the resolution chain, also appended to the message text for people.

Pure: a report in, the JSON text out (ending with a newline), the same bytes every time.
"""

from __future__ import annotations

import hashlib
import json
from types import ModuleType
from typing import Any
from urllib.parse import quote

from rules.model import Finding, Location, Report, Severity
from rules.registry import RULES, rule_descriptions

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
DRIVER_NAME = "ssot"
FINGERPRINT_KEY = "ssotIdentity/v1"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "note"}
CHAIN_TEXT = "Resolution: {chain}"
CHAIN_ARROW = " → "
RELATED_CANONICAL = "canonical definition of concept `{concept}`"
RELATED_OTHER = "related definition"
HELP_MARKDOWN = "**{code} {slug}**: {short}\n\n{full}"


def render_sarif(report: Report, version: str) -> str:
    """The report as a SARIF 2.1.0 log with one run, ending with a newline."""
    descriptors = [_descriptor(rule) for rule in RULES]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    for f in report.findings:  # a code the registry does not know (yet): describe it minimally
        if f.code not in index:
            index[f.code] = len(descriptors)
            descriptors.append({"id": f.code, "name": f.rule,
                                "defaultConfiguration": {"level": LEVEL[f.severity]}})
    compared = report.base is not None
    run: dict[str, Any] = {
        "tool": {"driver": {"name": DRIVER_NAME, "version": version, "rules": descriptors}},
        "results": [_result(f, index[f.code], compared=compared) for f in report.findings],
        "columnKind": "unicodeCodePoints",  # columns count characters (rules/summary.py)
        # a rule that stopped: the run did not do all it should (its notice is a result)
        "invocations": [{"executionSuccessful": not report.incomplete}],
    }
    properties = {key: value for key, value in (("rev", report.rev), ("base", report.base))
                  if value is not None}
    if properties:
        run["properties"] = properties
    log = {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def fingerprint(f: Finding) -> str:
    """A stable hash of the finding's identity (code, concept, symbol)."""
    identity = json.dumps([f.code, f.concept, f.symbol], ensure_ascii=False)
    return hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()


def _descriptor(rule: ModuleType) -> dict[str, Any]:
    short, full = rule_descriptions(rule)
    return {
        "id": rule.CODE,
        "name": rule.SLUG,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {
            "text": f"{short}\n\n{full}",
            "markdown": HELP_MARKDOWN.format(code=rule.CODE, slug=rule.SLUG, short=short,
                                             full=full),
        },
        "defaultConfiguration": {"level": LEVEL[rule.SEVERITY]},
    }


def _result(f: Finding, rule_index: int, *, compared: bool) -> dict[str, Any]:
    text = f.message
    if f.chain:
        text += "\n\n" + CHAIN_TEXT.format(chain=CHAIN_ARROW.join(f.chain))
    result: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": LEVEL[f.severity],
        "message": {"text": text},
        "locations": [{"physicalLocation": _physical(f.location)}],
    }
    if f.related:
        label = RELATED_CANONICAL.format(concept=f.concept) if f.concept else RELATED_OTHER
        result["relatedLocations"] = [
            {"id": n, "physicalLocation": _physical(loc), "message": {"text": label}}
            for n, loc in enumerate(f.related, 1)
        ]
    result["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint(f)}
    if compared:
        result["baselineState"] = "new" if f.new else "unchanged"
    if f.chain:
        result["properties"] = {"chain": list(f.chain)}
    return result


def _physical(loc: Location) -> dict[str, Any]:
    start = max(loc.line, 1)
    region: dict[str, int] = {"startLine": start, "startColumn": max(loc.column, 1)}
    if loc.end_line is not None and loc.end_line >= start:
        region["endLine"] = loc.end_line
    return {"artifactLocation": {"uri": _uri(loc.path)}, "region": region}


def _uri(path: str) -> str:
    """A repo-relative path as a relative URI reference (percent-encoded, ``/`` kept; a
    name that is not UTF-8, held as surrogates, as its own bytes: ``n%FF.py``)."""
    return quote(path.replace("\\", "/"), safe="/", errors="surrogateescape")
