"""Rewrite syntax newer than the running interpreter into older syntax, line for line.

libcst parses every Python version's grammar. The rewrite keeps each statement on the
lines it had, so positions reported from the lowered text are the original positions:
``type X = int`` becomes ``X = TypeAliasType(int)`` (at run time the name holds a type
alias, not what it stands for: ``X()`` fails, so an alias declared this way is a value, never
the class), ``class A[T]:`` becomes ``class A:``, and an f-string becomes a plain string
literal with the same number of lines.
"""

from __future__ import annotations

import libcst as cst


class _Lower(cst.CSTTransformer):
    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        return updated.with_changes(type_parameters=None) if updated.type_parameters else updated

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        return updated.with_changes(type_parameters=None) if updated.type_parameters else updated

    def leave_TypeAlias(self, original: cst.TypeAlias, updated: cst.TypeAlias) -> cst.Assign:
        alias = cst.Call(func=cst.Name("TypeAliasType"), args=[cst.Arg(updated.value)])
        return cst.Assign(targets=[cst.AssignTarget(updated.name)], value=alias)

    def leave_FormattedString(self, original: cst.FormattedString, updated: cst.FormattedString) -> cst.BaseExpression:
        newlines = cst.Module([]).code_for_node(original).count("\n")
        return cst.SimpleString('"""' + "\n" * newlines + '"""' if newlines else '""')


def lower(source: bytes) -> str | None:
    """The lowered source text, or None when even libcst cannot parse it."""
    try:
        module = cst.parse_module(source)
        return module.visit(_Lower()).code
    except Exception:  # libcst raises several exception types for bad input
        return None
