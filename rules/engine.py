"""Run every rule over one revision, and compare two revisions.

Pure: summaries and config in, a :class:`~rules.model.Report` out. The shell decides where
bytes come from and how summaries are cached.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import replace
from types import ModuleType

from rules import registry
from rules.config import ConfigResult, parse_config
from rules.context import Context, Learnt, Prior, crash_notice
from rules.globs import matcher
from rules.index import Index
from rules.model import CRASHED, Check, ConceptResult, Finding, Report, Severity, Summary
from rules.summary import FileSummary, summarize

CONCEPT_CODES = ("SSOT001", "SSOT002", "SSOT003", "SSOT004", "SSOT005", "SSOT006")


def analyze(files: Mapping[str, FileSummary], config: ConfigResult, *, config_text: str = "",
            changed: Iterable[str] | None = None, rev: str | None = None,
            prior: Prior | None = None, learnt: Learnt | None = None) -> Report:
    """Every finding and every concept's status at one revision (what another revision's
    analysis computed, ``prior``, saves some of the work and never changes the answer; what
    this one computed that the next may reuse goes into ``learnt``)."""
    ctx = _context(files, config, config_text, changed, prior, learnt)
    findings: list[Finding] = []
    for rule in registry.RULES:
        findings.extend(_run(rule, ctx))
    findings = _unsuppressed(findings, files)
    findings.sort(key=Finding.sort_key)
    concepts = tuple(_concept_result(ctx, concept, findings) for concept in config.config.concepts)
    return _report(files, config, rev, concepts, findings)


def with_changed(report: Report, files: Mapping[str, FileSummary], config: ConfigResult, *,
                 config_text: str = "", changed: Iterable[str], rev: str | None = None,
                 prior: Prior | None = None, learnt: Learnt | None = None) -> Report:
    """What ``analyze(files, config, changed=changed)`` answers, from ``report``, its answer
    for the same files and config without ``changed``: only the rules whose findings depend
    on the changed paths (:data:`rules.registry.SEEING_CHANGES`) run again. The rest of a
    revision's report is a function of its files alone, so a base analysed before (a push
    to the default branch, ``ssot check`` on it) costs a pull request little."""
    ctx = _context(files, config, config_text, changed, prior, learnt)
    again = {rule.CODE for rule in registry.SEEING_CHANGES}
    fresh = _unsuppressed([f for rule in registry.SEEING_CHANGES for f in _run(rule, ctx)], files)
    findings = sorted([*(f for f in report.findings if f.code not in again), *fresh], key=Finding.sort_key)
    return _report(files, config, rev, report.concepts, findings)


def _report(files: Mapping[str, FileSummary], config: ConfigResult, rev: str | None,
            concepts: tuple[ConceptResult, ...], findings: list[Finding]) -> Report:
    # (a directory that could not be listed stands for its files: it is none)
    count = sum(not path.endswith("/") for path in files)
    return Report(rev=rev, base=None, concepts=concepts, findings=tuple(findings), summary=Summary(files=count),
                  fail_on=config.config.fail_on, config_path=config.config.source or None)


def _context(files: Mapping[str, FileSummary], config: ConfigResult, config_text: str,
             changed: Iterable[str] | None, prior: Prior | None, learnt: Learnt | None) -> Context:
    return Context(Index(files, config.config.roots), config.config, config_text, config.problems,
                   frozenset(changed) if changed is not None else None, prior, learnt or Learnt())


def _run(rule: ModuleType, ctx: Context) -> list[Finding]:
    """A rule's findings; a rule that raises becomes a notice, never a crashed check (a
    concept rule's outcomes say so per concept)."""
    if hasattr(rule, "evaluate"):  # a concept rule: its findings are its outcomes
        return [f for concept in ctx.config.concepts for f in ctx.outcome(rule, concept).findings]
    try:
        return list(rule.check(ctx))
    except Exception as exc:  # noqa: BLE001 - any bug in a rule must not sink the run
        return [crash_notice(rule, exc, ctx.config)]


def _unsuppressed(findings: list[Finding], files: Mapping[str, FileSummary]) -> list[Finding]:
    out = []
    for f in findings:
        summary = files.get(f.location.path)
        if summary is None or not summary.silenced(f.location.line, f.code):
            out.append(f)
    return out


def _concept_result(ctx: Context, concept, findings: list[Finding]) -> ConceptResult:  # type: ignore[no-untyped-def]
    mine = [f for f in findings if f.concept == concept.name]
    checks = []
    for rule in registry.RULES:
        if rule.CODE not in CONCEPT_CODES:
            continue
        outcome = ctx.outcome(rule, concept)
        failing = [f for f in mine if f.code == rule.CODE and f.severity is Severity.ERROR]
        if outcome.skipped:
            status, detail = "skip", outcome.skipped
        elif failing:
            status = "fail"
            first = failing[0].message
            detail = first if len(failing) == 1 else f"{len(failing)} findings; first: {first}"
        else:
            status, detail = "pass", ""
        checks.append(Check(rule.CODE, status, detail, outcome.expected, outcome.actual))
    failed = any(f.code in CONCEPT_CODES and f.severity is Severity.ERROR for f in mine)
    try:
        chains = tuple((path, ctx.resolve(path).chain) for path in concept.paths)
        canonical = ctx.canonical(concept)
    except Exception:  # noqa: BLE001 - the rules that resolved it said so (notices); no chains to show
        chains, canonical = (), None
    return ConceptResult(
        name=concept.name, status="fail" if failed else "pass", issue=concept.issue,
        close_issue=concept.close_issue, canonical=canonical, checks=tuple(checks), chains=chains,
        canonical_path=concept.canonical,
    )


def compare(head: Report, base: Report) -> Report:
    """Mark the head's findings new or not, and list what the change fixed."""
    return compared(head, base.rev, {f.key for f in base.findings}, lambda: base.findings)


def compared(head: Report, base_rev: str | None, base_keys: Collection[tuple[str, str | None, str]],
             base_findings: Callable[[], Iterable[Finding]]) -> Report:
    """``compare`` from the keys of the base's findings: the findings themselves are asked
    for only when the base has one the head has not (one the change fixed). A rule that
    stopped on the base fixed nothing: its notice stays, said to be the base's, the verdict
    is incomplete, and what the rule finds on the head is not known to be new (``new``
    None: it fails nothing with ``fail_on = "new"``)."""
    head_keys = {f.key for f in head.findings}
    findings = [f.marked(f.key not in base_keys) for f in head.findings]
    fixed: list[Finding] = []
    if any(key not in head_keys for key in base_keys):
        stopped: set[tuple[str, str | None]] = set()  # (code, concept) of the rules that stopped on the base
        for f in base_findings():
            if f.key in head_keys:
                continue
            if f.symbol.startswith(CRASHED):
                stopped.add((f.code, f.concept))
                findings.append(replace(f, message=BASE_STOPPED.format(message=f.message), new=False))
            else:
                fixed.append(f.marked(False))
        if stopped:  # what such a rule finds on the head may be old: not known to be new
            findings = [f.marked(None) if (f.code, f.concept) in stopped and f.new else f for f in findings]
        findings.sort(key=Finding.sort_key)
    return Report(rev=head.rev, base=base_rev, concepts=head.concepts, findings=tuple(findings),
                  summary=head.summary, fixed=tuple(fixed), fail_on=head.fail_on, config_path=head.config_path)


#: a rule that stopped on the base, among the head's findings
BASE_STOPPED = "on the base: {message}"


# -- in-memory repositories (rule examples, tests) ------------------------------------------

def analyze_sources(files: Mapping[str, str | bytes], config_text: str = "",
                    base: Mapping[str, str | bytes] | None = None,
                    config_path: str = ".github/ssot.toml") -> Report:
    """Analyse a repository given as ``{path: source}``; with ``base``, compare against it.

    The config (given as text) is used for both revisions, as the App does.
    """
    config = parse_config(config_text, config_path)
    excluded = matcher(config.config.exclude)

    def run(tree: Mapping[str, str | bytes], changed: Iterable[str] | None, rev: str | None) -> Report:
        summaries = {}
        for path, text in tree.items():
            if not path.endswith(".py") or excluded(path):
                continue
            summaries[path] = summarize(text.encode() if isinstance(text, str) else text)
        return analyze(summaries, config, config_text=config_text, changed=changed, rev=rev)

    if base is None:
        return run(files, None, None)
    changed = {p for p in set(files) | set(base) if files.get(p) != base.get(p)}
    return compare(run(files, changed, "head"), run(base, changed, "base"))
