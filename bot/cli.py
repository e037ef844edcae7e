"""``ssot``: the command line. Parses arguments, opens snapshots, prints, sets the exit status.

Exit status: 0 nothing fails, 1 failing findings, 2 usage, config or I/O error.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from bot import __version__, discover, settings
from bot.analysis import AnalysisError, load_config, run_check
from bot.cache import SummaryStore
from bot.snapshot import Snapshot, SnapshotError, list_together, open_snapshot

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github")
STOPPED = "the check could not finish: {n} rule{s} stopped, their results are missing (see the notices)"
NO_CONCEPTS_HINT = ("ssot: no concepts are configured ({where}); only file-level checks ran. "
                    "Declare concepts in .github/ssot.toml or [tool.ssot] in pyproject.toml.")


def _jobs(text: str) -> int:
    """``--jobs``: how many parser processes."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is below 0")
    return value


def _add_jobs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--jobs", type=_jobs, default=0,
                        help="parser processes (default 0: one per core, up to 8; 1: none, parse in the ssot process)")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ssot", description="Guard the single sources of truth of a Python codebase.")
    parser.add_argument("--version", action="version", version=f"ssot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    check = sub.add_parser("check", help="validate the configured concepts of a repository")
    check.add_argument("path", nargs="?", default=".", help="working tree, directory or bare git repository")
    check.add_argument("--rev", help="analyse this git revision (read from objects, nothing checked out)")
    check.add_argument("--base", help="mark findings new/fixed against this git revision")
    check.add_argument("--config", help="config file (top-level keys, or a pyproject.toml's [tool.ssot]; "
                                        "overrides the repository's)")
    check.add_argument("--format", choices=FORMATS, default="text")
    _add_jobs(check)

    resolve = sub.add_parser("resolve", help="say where dotted names lead, and why")
    resolve.add_argument("args", nargs="+", metavar="[PATH] NAME", help="optional repository path, then names")
    resolve.add_argument("--rev")
    resolve.add_argument("--config")
    resolve.add_argument("--format", choices=("text", "json"), default="text")

    _add_jobs(discover.add_parser(sub))

    serve = sub.add_parser("serve", help="run the GitHub App's webhook server")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    return parser


def main(argv: Sequence[str] | None = None, *, leaving: bool = False) -> int:
    """Run one command; its exit status. ``leaving``: the process ends right after (the
    console script), so the cyclic collector is not turned on again."""
    args = build_parser().parse_args(argv)
    # a path that is not UTF-8 (kept as surrogates): its bytes as they are for people, a
    # \udcXX escape in JSON and SARIF (valid JSON, never invalid UTF-8)
    machine = getattr(args, "format", "text") in ("json", "sarif")
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="backslashreplace" if machine else "surrogateescape")
    if args.command == "serve":  # a long-running server collects its garbage
        return _command(args)
    # one command's run holds thousands of summaries (tuples: no garbage cycles), which the
    # cyclic collector would only walk again and again (a third of a run with a base); once
    # on again at the end, its first pass would walk every object the run made
    collecting = gc.isenabled() and not leaving
    gc.disable()
    try:
        return _command(args)
    finally:
        if collecting:
            gc.enable()


def run() -> NoReturn:
    """The console script: :func:`main`, then out of the process without taking its heap
    apart. A check ends holding tens of thousands of summaries, and freeing them one by one
    at interpreter exit costs more than a tenth of a second (a fifth of a one-file check on
    10,000 modules); the operating system frees the memory at once. Nothing is lost: the
    output was flushed by ``main`` (a failed write is its exit status 2), the cache's
    transactions are committed as they go, and the parser processes are joined."""
    code = main(leaving=True)
    if _observed():
        sys.exit(code)  # a profiler or a coverage tracer writes its results at a normal exit
    with contextlib.suppress(OSError, ValueError):  # stderr gone: nothing left to say it with
        sys.stderr.flush()
    os._exit(code)


def _observed() -> bool:
    """A profiler, debugger or coverage tool is watching this process."""
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return True
    monitoring = getattr(sys, "monitoring", None)  # Python 3.12: cProfile, debuggers, coverage's `sysmon`
    return monitoring is not None and any(monitoring.get_tool(tool) is not None for tool in range(6))


def _command(args: argparse.Namespace) -> int:
    try:
        code = _dispatch(args)
        try:
            sys.stdout.flush()  # here, where a write that fails (a full disk) is an error
        except BrokenPipeError:
            raise
        except OSError as exc:
            _error(f"cannot write the output: {exc.strerror or exc}")
            return EXIT_ERROR
        return code
    except (SnapshotError, AnalysisError) as exc:
        _error(str(exc))
        return EXIT_ERROR
    except BrokenPipeError:  # the reader went away (`| head`): what it read stands
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush
        return EXIT_ERROR
    except OSError as exc:
        _error(f"{exc.filename}: {exc.strerror or exc}" if exc.filename else str(exc.strerror or exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: said as one, with exit status 2 (1 would read as findings)
        import traceback

        with contextlib.suppress(OSError):
            traceback.print_exc(file=sys.stderr)
        _error(f"internal error ({type(exc).__name__}: {exc}); please report this with the traceback above")
        return EXIT_ERROR


def emit(text: str) -> None:
    """The output, all of it or an error. An unbuffered stdout (PYTHONUNBUFFERED) writes
    what a pipe takes of a large output and drops the rest without a word when the reader
    goes away (`| head`), so the bytes go to the descriptor until all are written: a reader
    gone is BrokenPipeError (exit status 2), not a cut output with the verdict's status."""
    stream = sys.stdout
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (a test's capture)
        stream.write(text)
        return
    view = memoryview(text.encode(stream.encoding or "utf-8", stream.errors or "strict"))
    try:
        stream.flush()
        while view:
            view = view[os.write(fd, view):]
    except BrokenPipeError:
        raise
    except OSError as exc:  # a full disk: said as such
        raise OSError(exc.errno, f"cannot write the output: {exc.strerror or exc}") from exc


def _error(message: str) -> None:
    """Say it on stderr, if stderr is still there (the exit status says it anyway); a path
    in it may come from the repository (see ``format_text.clean``)."""
    from bot.format_text import clean

    with contextlib.suppress(OSError):
        print(f"ssot: error: {clean(message)}", file=sys.stderr)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "check":
        return cmd_check(args)
    if args.command == "resolve":
        return cmd_resolve(args)
    if args.command == "discover":
        return discover.run(args)
    if args.command == "serve":
        from bot.server import serve

        return serve(args.host, args.port)
    return EXIT_ERROR


def _store() -> SummaryStore:
    return SummaryStore(settings.cache_dir(), __version__, memory_size=None, keep_bytes=False)


class _ProgressBar:
    """A one-line progress bar on stderr, only on a terminal and only for long runs."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < 500:
            return
        width = 30
        filled = width * done // total
        sys.stderr.write(f"\rssot: parsing [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def cmd_check(args: argparse.Namespace) -> int:
    head = open_snapshot(args.path, args.rev)
    base: Snapshot | None = open_snapshot(args.path, args.base) if args.base else None
    if base is not None:
        list_together(head, base)
    config = load_config(head, args.config)
    store = _store()
    bar = _ProgressBar(sys.stderr.isatty() and args.format == "text")
    try:
        report = run_check(head, base, config, store, workers=args.jobs, progress=bar)
    finally:
        bar.close()
        store.close()
    emit(render(report, args.format))
    if not config.result.config.concepts and not config.result.problems and args.format == "text":
        print(NO_CONCEPTS_HINT.format(where=config.path or "no config file found"), file=sys.stderr)
    if report.incomplete:  # never a pass (nor a plain failure) that misses what some rule would say
        _error(STOPPED.format(n=len(report.stopped), s="" if len(report.stopped) == 1 else "s"))
    if report.config_broken or report.incomplete:
        return EXIT_ERROR
    return EXIT_FAIL if report.failed else EXIT_OK


def render(report, fmt: str) -> str:  # type: ignore[no-untyped-def]
    if fmt == "json":
        from bot.format_json import render_json

        return render_json(report, __version__)
    if fmt == "sarif":
        from bot.format_sarif import render_sarif

        return render_sarif(report, __version__)
    if fmt == "github":
        from bot.format_github import render_github

        return render_github(report)
    from bot.format_text import render_text

    return render_text(report, color=sys.stdout.isatty() and settings.color_allowed())


def cmd_resolve(args: argparse.Namespace) -> int:
    from bot.analysis import collect, keep_details
    from rules.index import Index
    from rules.resolver import Resolver

    path = "."
    names = list(args.args)
    # PATH is what cannot be a dotted name (`./app`, `repo/`, `..`): a package name stays a name
    if not _dotted_name(names[0]):
        path = names.pop(0)
        if not names:
            _error("no names to resolve (give PATH and one or more dotted names)")
            return EXIT_ERROR
    wrong = [name for name in names if not _dotted_name(name)]
    if wrong:
        _error(f"not a dotted name: {wrong[0]!r} (names are like `pkg.module.Name`)")
        return EXIT_ERROR
    snapshot = open_snapshot(path, args.rev)
    config = load_config(snapshot, args.config)
    if config.result.problems:  # roots and excluded paths decide what a name leads to
        for problem in config.result.problems:
            _error(f"{problem.path}:{problem.line}: {problem.key + ': ' if problem.key else ''}{problem.message}")
        return EXIT_ERROR
    store = _store()
    try:
        collected = collect(snapshot, config.result, store)
        resolver = Resolver(Index(collected.files, config.result.config.roots))
        answers = [resolution_json(resolver.resolve(name)) for name in names]
        keep_details(snapshot, collected, store)
    finally:
        store.close()
    if args.format == "json":
        emit(json.dumps(answers[0] if len(answers) == 1 else answers, indent=2) + "\n")
    else:
        emit("".join(resolution_text(answer) + "\n" for answer in answers))
    return EXIT_OK if all(a["status"] in ("resolved", "external") for a in answers) else EXIT_FAIL


def _definition_json(d) -> dict[str, object] | None:  # type: ignore[no-untyped-def]
    if d is None:
        return None
    return {"path": d.path, "line": d.line, "qualname": d.qualname or d.module, "kind": d.kind}


def _dotted_name(text: str) -> bool:
    """``pkg.module.Name`` or a single name: what ``ssot resolve`` resolves (else the
    first argument is the repository's path)."""
    return all(part.isidentifier() for part in text.split("."))


def resolution_json(res) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "name": res.name,
        "status": res.status,
        "definition": _definition_json(res.definition),
        "candidates": [
            {"status": t.status, "definition": _definition_json(t.definition), "chain": list(t.chain),
             **({"reason": t.reason} if t.reason else {})}
            for t in res.candidates
        ],
        "chain": list(res.chain),
        **({"reason": res.reason} if res.status in ("unresolved", "external") and res.reason else {}),
    }


def resolution_text(answer: dict[str, object]) -> str:
    from bot.format_text import clean

    return "\n".join(clean(line) for line in _resolution_lines(answer))


def _resolution_lines(answer: dict[str, object]) -> list[str]:
    lines = [f"{answer['name']}: {answer['status']}"]
    definition = answer["definition"]
    if isinstance(definition, dict):
        lines.append(f"  {definition['kind']} {definition['qualname']} at {definition['path']}:{definition['line']}")
    if answer.get("reason"):
        lines.append(f"  {answer['reason']}")
    candidates = answer["candidates"]
    assert isinstance(candidates, list)
    if answer["status"] == "ambiguous":
        for i, cand in enumerate(candidates, 1):
            lines.append(f"  alternative {i}: " + " → ".join(cand["chain"]))
    else:
        chain = answer["chain"]
        assert isinstance(chain, list)
        if chain:
            lines.append("  " + " → ".join(chain))
    return lines


if __name__ == "__main__":
    run()
