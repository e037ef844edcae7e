"""A class's structure as a sequence of tokens, names and literals abstracted away.

Two classes with the same shape are copies of each other whatever their identifiers; the
near-duplicate rule compares shapes. Computed once per class when the file is summarised.
"""

from __future__ import annotations

import ast


def class_shape(node: ast.ClassDef) -> tuple[str, ...]:
    """One token per method header and per AST node of its body, in source order."""
    tokens: list[str] = []
    for stmt in node.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            args = stmt.args
            arity = len(args.posonlyargs) + len(args.args) + len(args.kwonlyargs)
            tokens.append(f"def/{arity}{'*' if args.vararg else ''}{'**' if args.kwarg else ''}")
            for inner in stmt.body:
                tokens.extend(type(n).__name__ for n in ast.walk(inner))
        else:
            tokens.extend(type(n).__name__ for n in ast.walk(stmt))
    return tuple(tokens)
