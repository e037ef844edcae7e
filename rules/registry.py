"""Every rule, in code order. A rule is a module with CODE, SLUG, SEVERITY, MESSAGE,
EXAMPLES, and either ``check(ctx)`` (findings of the whole repository) or, for a concept rule,
``evaluate(ctx, concept)`` (findings and the concept table's row; the engine calls it per concept)."""

from __future__ import annotations

import inspect
import re
from types import ModuleType

from rules import (
    alias_diverges,
    alias_unresolved,
    config_error,
    duplicate_definition,
    factory_mismatch,
    interface_missing,
    near_duplicate_class,
    non_canonical_import,
    parse_error,
    signature_mismatch,
)

RULES = (
    alias_unresolved,
    alias_diverges,
    duplicate_definition,
    signature_mismatch,
    interface_missing,
    factory_mismatch,
    non_canonical_import,
    near_duplicate_class,
    parse_error,
    config_error,
)

BY_CODE = {rule.CODE: rule for rule in RULES}
#: the rules whose findings depend on which paths a change touched (``ctx.changed``), not
#: only on the revision's files: all others' findings are the same with or without a base.
#: Never a concept rule: ``engine.with_changed`` keeps the concepts' tables as they were
SEEING_CHANGES = (near_duplicate_class,)


def rule_descriptions(rule: ModuleType) -> tuple[str, str]:
    """(short, full) from the rule's docstring, for SARIF and README: its first line without
    ``CODE slug:``, and the rest with paragraphs unwrapped and reST ````literals```` turned
    into Markdown's."""
    doc = inspect.cleandoc(rule.__doc__ or "").replace("``", "`")
    first, _, rest = doc.partition("\n")
    short = first.removeprefix(f"{rule.CODE} {rule.SLUG}:").strip()
    short = short[:1].upper() + short[1:]
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", rest.strip()) if p.strip()]
    return short, "\n\n".join(paragraphs) or short
