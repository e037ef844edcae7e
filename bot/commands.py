"""``/ssot`` commands in pull-request comments: parsing (pure) and the replies' wording."""

from __future__ import annotations

RECHECK = "recheck"
HELP = "help"
COMMANDS = {"/ssot recheck": RECHECK, "/ssot help": HELP}
ALLOWED_PERMISSIONS = frozenset({"admin", "maintain", "write"})
REACTION = "eyes"

HELP_TEXT = """\
**ssot-bot** checks that the concepts declared in `.github/ssot.toml` (or `[tool.ssot]` in \
`pyproject.toml`) keep a single source of truth.

| comment | what it does |
| --- | --- |
| `/ssot recheck` | runs the SSOT check again on this pull request's head commit \
(its author, or anyone with write access) |
| `/ssot help` | shows this message |

The check uses the configuration on the base branch, so a pull request cannot switch off \
its own checks."""

DENIED_TEXT = (
    "@{user} thanks! Only the pull request's author or someone with write access can ask "
    "for a recheck, so this one was not run. A maintainer can comment `/ssot recheck`."
)

FAILED_TEXT = "The recheck could not start: {reason}. Comment `/ssot recheck` again to retry."


def parse(body: str | None) -> str | None:
    """The first command on a line of its own (quoted lines do not count)."""
    for line in (body or "").splitlines():
        text = " ".join(line.split()).lower()
        if text in COMMANDS:
            return COMMANDS[text]
    return None
