"""Pure builders for the tracking issue: the living status comment, its Mermaid graph of
the resolution chains, and the short comment posted when a concept's status flips.

The status comment is found again by a hidden marker, ``<!-- ssot:concept=NAME -->``, and
remembers the status it showed in a second marker, so a flip is seen without any state
kept by the App.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.checkrun import code, concept_table, escaped, one_line
from rules.config import ConfigProblem
from rules.model import ConceptResult

MARKER = "<!-- ssot:concept={name} -->"
STATUS_MARKER = "<!-- ssot:status={status} -->"
_STATUS = re.compile(r"<!-- ssot:status=(pass|fail) -->")

HEADING = {
    "pass": "## ✅ SSOT: `{name}` passes on `{branch}`",
    "fail": "## ❌ SSOT: `{name}` fails on `{branch}`",
}
CHECKED = "Checked at {sha} ({when})."
GRAPH_HEADING = "#### How the declared import paths resolve"
NO_CHAINS = "_No declared import paths to draw._"
FOOTER = (
    "<sub>ssot-bot keeps this comment up to date on every push to `{branch}`. "
    'Configuration: `[[concept]] name = "{name}"`.</sub>'
)
RESOLVED = "✅ `{name}` passes on `{branch}` as of {sha}: resolved.{closing}"
REGRESSED = (
    "❌ `{name}` fails again on `{branch}` as of {sha}: regressed. The status comment above shows which check broke."
)
CLOSING = " Closing this issue (`close_issue = true`)."
FLIPS = {"resolved": RESOLVED, "regressed": REGRESSED}


def marker(name: str) -> str:
    return MARKER.format(name=name)


def find(comments: Sequence[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """The App's status comment for the concept: the first comment *by a bot* carrying its
    marker. A person's comment that quotes the marker is never taken for it (it would be
    overwritten, and its status marker could fake a flip)."""
    needle = marker(name)
    for c in comments:
        user = c.get("user")
        if isinstance(user, dict) and user.get("type") == "Bot" and (c.get("body") or "").startswith(needle):
            return c
    return None


def shown_status(body: str, name: str) -> str | None:
    """The status the concept's comment showed: the line right after the concept marker that
    opens it (text quoted further down, such as a config problem, cannot pose as it). Line
    endings may have become CRLF (a person edited the comment)."""
    needle = marker(name)
    if not body.startswith(needle):
        return None
    rest = body[len(needle):].replace("\r\n", "\n").split("\n", 2)
    match = _STATUS.fullmatch(rest[1].strip()) if len(rest) > 1 and not rest[0].strip() else None
    return match.group(1) if match else None


def flip(previous: str | None, current: str) -> str | None:
    if previous == "fail" and current == "pass":
        return "resolved"
    if previous == "pass" and current == "fail":
        return "regressed"
    return None


#: Characters that could end a quoted Mermaid label, start an entity, become HTML, or close
#: the Markdown code fence around the graph; written as Mermaid entity codes instead.
_MERMAID_ESCAPES = {"#": "#35;", '"': "#quot;", "`": "#96;", "<": "#lt;", ">": "#gt;", "&": "#amp;"}


def _label(text: str) -> str:
    """Text for a ``["..."]`` label: one line, nothing in it can leave the label."""
    return "".join(_MERMAID_ESCAPES.get(ch, ch) for ch in " ".join(text.split()))


def mermaid(concept: ConceptResult) -> str:
    """A left-to-right graph: every declared path, each step of its chain, where it lands."""
    if not concept.chains:
        return NO_CHAINS
    ids: dict[str, str] = {}
    edges: list[str] = []
    ends: set[str] = set()

    def node(label: str) -> str:
        if label not in ids:
            ids[label] = f"n{len(ids)}"
        return ids[label]

    for _path, steps in concept.chains:
        if not steps:
            continue
        previous = node(steps[0])
        for step in steps[1:]:
            current = node(step)
            edge = f"  {previous} --> {current}"
            if edge not in edges:
                edges.append(edge)
            previous = current
        ends.add(steps[-1])
    canonical_end = concept.chains[0][1][-1] if concept.chains[0][1] else None
    lines = ["```mermaid", "graph LR"]
    lines.extend(f'  {ident}["{_label(label)}"]' for label, ident in ids.items())
    lines.extend(edges)
    lines.append("  classDef canonical fill:#dafbe1,stroke:#1a7f37")
    lines.append("  classDef stray fill:#ffebe9,stroke:#cf222e")
    if canonical_end is not None:
        lines.append(f"  class {ids[canonical_end]} canonical")
    strays = sorted(ids[e] for e in ends if e != canonical_end)
    if strays:
        lines.append(f"  class {','.join(strays)} stray")
    lines.append("```")
    return "\n".join(lines)


#: GitHub refuses issue comments longer than this
MAX_COMMENT = 65_536
GRAPH_TOO_LARGE = "_The resolution graph is too large for one comment; `ssot resolve` shows each chain._"


def status_body(concept: ConceptResult, *, branch: str, sha: str, when: str) -> str:
    def body(graph: str, table: str) -> str:
        return "\n".join([
            marker(concept.name),
            STATUS_MARKER.format(status=concept.status),
            HEADING[concept.status].format(name=concept.name, branch=branch),
            "",
            CHECKED.format(sha=sha, when=when),
            "",
            table,
            "",
            GRAPH_HEADING,
            "",
            graph,
            "",
            FOOTER.format(branch=branch, name=concept.name),
        ])

    table = concept_table(concept)
    text = body(mermaid(concept), table)
    if len(text) > MAX_COMMENT:  # a concept with very many aliases: the graph goes first
        text = body(GRAPH_TOO_LARGE, table)
    if len(text) > MAX_COMMENT:
        text = body(GRAPH_TOO_LARGE, table[: MAX_COMMENT // 2] + "\n\n…")
    return text


UNCHECKED = "## ⚠️ SSOT: `{name}` could not be validated on `{branch}`"
BROKEN_CONFIG = ("The configuration has problems, so nothing was validated at {sha} ({when}); the status "
                 "shown here comes back with the first push whose configuration is valid:")
#: config problems listed in the comment (``ssot check`` lists them all), each cut to a line
LISTED_PROBLEMS = 50
PROBLEM_CHARS = 300
KEY_CHARS = 100


def broken_config_body(name: str, problems: Sequence[ConfigProblem], *, branch: str, sha: str, when: str,
                       previous: str | None) -> str:
    """The status comment while the default branch's config is broken: which problems,
    where. It keeps the status the comment showed before, so fixing the config and the code
    at once still announces the flip. A problem quotes the config (keys, values): one line
    each, the key a code span, no HTML in the message."""
    lines = [marker(name)]
    if previous is not None:
        lines.append(STATUS_MARKER.format(status=previous))
    lines += [UNCHECKED.format(name=name, branch=branch), "", BROKEN_CONFIG.format(sha=sha, when=when), ""]
    for p in problems[:LISTED_PROBLEMS]:
        key = f" {code(one_line(p.key, KEY_CHARS))}" if p.key else ""
        message = escaped(one_line(p.message, PROBLEM_CHARS))
        lines.append(f"- {code(f'{p.path}:{p.line}')}{key}: {message}")
    if len(problems) > LISTED_PROBLEMS:
        lines.append(f"- and {len(problems) - LISTED_PROBLEMS} more (`ssot check` lists them all)")
    lines += ["", FOOTER.format(branch=branch, name=name)]
    return "\n".join(lines)


def flip_body(concept: ConceptResult, kind: str, *, branch: str, sha: str, closing: bool) -> str:
    return FLIPS[kind].format(name=concept.name, branch=branch, sha=sha, closing=CLOSING if closing else "")
