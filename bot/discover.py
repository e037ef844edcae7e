"""``ssot discover [PATH]``: propose concepts for a repository that has no config yet.

Reads the snapshot with the built-in default config (default roots, tests excluded) and
prints the proposals of :mod:`rules.discover` as TOML to paste into ``.github/ssot.toml``.
"""

from __future__ import annotations

import argparse
import sys

from bot import __version__, settings
from bot.analysis import collect, keep_details
from bot.cache import SummaryStore
from bot.snapshot import open_snapshot
from rules.config import parse_config
from rules.index import Index

HELP = "propose concepts (duplicated class names, aliases, near copies) as TOML"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    parser = subparsers.add_parser("discover", help=HELP, description=HELP)
    parser.add_argument("path", nargs="?", default=".", help="working tree, directory or bare git repository")
    parser.add_argument("--rev", help="read this git revision (nothing checked out)")
    return parser


def run(args: argparse.Namespace) -> int:
    """Print the proposals; 0 on success (with or without proposals)."""
    from rules.discover import discover, render_toml  # not on every start of the CLI

    snapshot = open_snapshot(args.path, args.rev)
    config = parse_config("", "")
    store = SummaryStore(settings.cache_dir(), __version__, memory_size=None, keep_bytes=False)
    try:
        # discover reads every file's detail: made with the header, in the parser processes
        collected = collect(snapshot, config, store, workers=getattr(args, "jobs", 0), detail=True)
        proposals = discover(Index(collected.files, config.config.roots), config.config)
        keep_details(snapshot, collected, store)
    finally:
        store.close()
    sys.stdout.write(render_toml(proposals))
    return 0
