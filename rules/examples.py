"""Examples a rule carries: small repositories with the findings they must (not) produce.

Each example is a repository given as ``{path: source}`` plus the text of
``.github/ssot.toml``. ``Invalid`` pins the findings of the rule's code as
``(code, path, line)``; ``Valid`` must produce none of them. One parametrised test
(tests/test_rule_examples.py) runs every rule's examples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Valid:
    files: Mapping[str, str]
    config: str = ""
    note: str = ""
    #: with a base: the repository before the change ({} = no base)
    base: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Invalid:
    files: Mapping[str, str]
    config: str = ""
    expect: tuple[tuple[str, str, int], ...] = ()
    note: str = ""
    base: Mapping[str, str] = field(default_factory=dict)
