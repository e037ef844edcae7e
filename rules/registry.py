"""Every rule, in code order. A rule is a module with CODE, SLUG, SEVERITY, MESSAGE,
EXAMPLES, and either ``check(ctx)`` (findings of the whole repository) or, for a concept rule,
``evaluate(ctx, concept)`` (findings and the concept table's row; the engine calls it per concept)."""

from __future__ import annotations

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
