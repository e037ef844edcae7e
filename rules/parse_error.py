"""SSOT009 parse-error: a Python file could not be parsed, or was skipped.

The file is left out of the analysis and everything else still runs; names it defines
cannot be resolved, which other rules may report. Files larger than ``max_file_bytes``
are skipped and reported here too, and so are files that cannot be read and directories
that cannot be listed (by their path and a slash: their files cannot be named). A
notice: it never fails a check.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from rules.context import Context, finding
from rules.examples import Invalid, Valid
from rules.model import Finding, Location, Severity

CODE = "SSOT009"
SLUG = "parse-error"
SEVERITY = Severity.NOTICE
MESSAGE = "`{path}` was not analysed: {reason}"


def check(ctx: Context) -> Iterator[Finding]:
    rule = sys.modules[__name__]
    for path in sorted(ctx.index.files):
        error = ctx.index.files[path].error
        if error is not None:
            message, line, column = error
            yield finding(rule, None, path, MESSAGE.format(path=path, reason=message), Location(path, line, column))


EXAMPLES = (
    Valid(files={"app/new_syntax.py": "type Vector = list[float]\n\nclass Box[T]:\n    def get(self) -> T: ...\n",
                 "app/bom.py": "\ufeff# -*- coding: utf-8 -*-\nx = 'é'\n"},
          note="syntax newer than the interpreter, a byte-order mark and a coding cookie"),
    Invalid(files={"app/ok.py": "x = 1\n", "app/broken.py": "def f(:\n    pass\n"},
            expect=(("SSOT009", "app/broken.py", 1),)),
    Invalid(files={"app/nul.py": "x = 1\x00\n"}, expect=(("SSOT009", "app/nul.py", 1),), note="a null byte"),
)
