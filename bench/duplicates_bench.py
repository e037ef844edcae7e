"""Benchmarks for SSOT008 near-duplicate-class (results in bench/DUPLICATES.md).

    python bench/duplicates_bench.py scaling              # 2,500 .. 20,000 generated classes
    python bench/duplicates_bench.py shape CORPUS         # fingerprint cost against ast.parse
    python bench/duplicates_bench.py cold CORPUS          # cold `ssot check`, SSOT008 off vs on
    python bench/duplicates_bench.py clusters CORPUS [--threshold T] [--min-methods N] [--sample K]

CORPUS is a directory, e.g. the Django wheel unpacked into bench/corpora/django
(``pip download --no-deps django -d /tmp/dj && unzip -q /tmp/dj/*.whl -d bench/corpora/django``).
"""

from __future__ import annotations

import argparse
import ast
import gc
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rules import near_duplicate_class, shape  # noqa: E402
from rules.config import DEFAULT_EXCLUDE, parse_config  # noqa: E402
from rules.context import Context  # noqa: E402
from rules.globs import matches  # noqa: E402
from rules.index import Index  # noqa: E402
from rules.summary import summarize  # noqa: E402

SIZES = (2_500, 5_000, 10_000, 20_000)

#: statement templates of generated methods ("|" separates lines of a compound statement)
TEMPLATES = (
    "{v} = self.{a}", "self.{a} = {p}", "{v} = {f}({p}, {n})", "{v} = self.{f}({p}, key={s})",
    "return {v}", "return self.{a}", "if {v} is None:|    {v} = {n}",
    "if not {p}:|    raise ValueError({s})|else:|    self.{a} = {p}", "for {w} in self.{a}:|    {w}.{f}({s})",
    "self.{a}.append({v})", "with {f}({p}) as {w}:|    {v} = {w}.{a}",
    "try:|    {v} = {f}({p})|except KeyError:|    {v} = None", "{v} += {n}", "assert {v}, {s}",
    "while {v} > {n}:|    {v} -= 1", "del self.{a}[{p}]", "{v} = [{w} for {w} in {p} if {w}]",
    "{v} = {{{s}: {p}}}", "yield {v}", "{v}, {w} = {p}", "print({s}, {v})", "self.{f}()",
    "{v} = {c}", "{c}", "return {c}", "self.{a} = {c}", "if {c}:|    {c}", "for {w} in {c}:|    {c}",
    "with {c}:|    {v} = {c}", "raise ValueError({c})", "{v} += {c}", "yield {c}",
)


def _call(rng: random.Random) -> str:
    """A call of random shape: what is called, how many arguments and keywords."""
    callee = rng.choice(["f{n}", "self.f{n}", "mod.f{n}", "self.a{n}.f{n}"]).format(n=rng.randrange(9))
    args = [rng.choice(["p0", "v0", "1", "'s'", "self.a1", "[]"]) for _ in range(rng.randint(0, 4))]
    args += [f"k{i}={rng.choice(['None', 'v1', '2'])}" for i in range(rng.randint(0, 3))]
    return f"{callee}({', '.join(args)})"


def generated_class(rng: random.Random, name: str) -> str:
    """A class of 2-9 methods of 1-10 random statements, with random names and literals.

    Statements are templates whose calls have random shapes, so the vocabulary of
    statement shapes grows with the code base as real code's does (Django's 750 classes
    with 3+ methods have 20,000 distinct fingerprint features)."""
    ident = f"{rng.choice('abcdefgh')}{rng.randrange(1000)}"
    lines = [f"class {name}({rng.choice(['', 'Base', 'dict', 'Mixin, Base'])}):"]
    for k in range(rng.randint(0, 3)):
        lines.append(f"    attr_{k} = {rng.choice(['None', '1', repr(ident), '[]', _call(rng)])}")
    for k in range(rng.randint(2, 9)):
        params = rng.randint(0, 3)
        args = ", ".join(["self", *(f"p{i}" for i in range(params))])
        lines.append(f"    def method_{ident}_{k}({args}):")
        for _ in range(rng.randint(1, 10)):
            text = rng.choice(TEMPLATES).format(v=f"v{rng.randrange(3)}", w="w", a=f"a{rng.randrange(5)}",
                                                f=f"f{rng.randrange(9)}", p="p0" if params else "v0",
                                                n=rng.randrange(100), s=repr(ident), c=_call(rng))
            lines.extend("        " + line for line in text.split("|"))
    return "\n".join(lines) + "\n"


def generated_repo(classes: int, seed: int = 0, copies: float = 0.02) -> dict[str, bytes]:
    """``classes`` classes, 10 per module; a share of them renamed copies of earlier ones."""
    rng = random.Random(seed)
    sources: list[str] = []
    for i in range(classes):
        if sources and rng.random() < copies:
            original = rng.choice(sources)
            sources.append(original.replace("class C", "class Copy", 1).replace("self.a", "self.renamed_a"))
        else:
            sources.append(generated_class(rng, f"C{i}"))
    files = {"pkg/__init__.py": b""}
    for start in range(0, classes, 10):
        files[f"pkg/mod{start // 10}.py"] = "\n\n".join(
            s.replace("class ", f"class K{start}_", 1) for s in sources[start:start + 10]).encode()
    return files


def _timed(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    gc.collect()
    gc.freeze()  # what is already loaded (the summaries) is not rescanned by every collection
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    gc.unfreeze()
    return best


def scaling(_args: argparse.Namespace) -> None:
    config = parse_config("", "").config
    print(f"{'classes':>8} {'compared':>9} {'pairs':>6} {'clusters':>8} {'seconds':>8} {'us/class':>9} {'growth':>7}")
    previous = None
    for size in SIZES:
        files = {p: summarize(d) for p, d in generated_repo(size).items()}
        ctx = Context(Index(files, config.roots), config)
        findings: list = []
        seconds = _timed(lambda: findings.__setitem__(slice(None), list(near_duplicate_class.check(ctx))))  # noqa: B023
        found, pairs = near_duplicate_class.near_pairs(ctx)
        classes = sum(len(s.classes) for s in files.values())
        growth = f"{seconds / previous:.2f}x" if previous else ""
        print(f"{classes:>8} {len(found):>9} {len(pairs):>6} {len(findings):>8} {seconds:>8.3f} "
              f"{seconds / classes * 1e6:>9.1f} {growth:>7}")
        previous = seconds


def _corpus(path: str) -> dict[str, bytes]:
    out = {}
    for full in sorted(Path(path).rglob("*.py")):
        rel = full.relative_to(path).as_posix()
        if not matches(rel, DEFAULT_EXCLUDE):
            out[rel] = full.read_bytes()
    return out


def shape_cost(args: argparse.Namespace) -> None:
    files = list(_corpus(args.corpus).values())
    real = shape.class_shape

    def without_shape() -> None:
        shape.class_shape = lambda node: ()  # type: ignore[assignment]
        try:
            for data in files:
                summarize(data)
        finally:
            shape.class_shape = real

    def parse_all() -> None:
        for data in files:
            ast.parse(data)  # not kept: a list of every tree would time the garbage collector

    parse = _timed(parse_all, 5)
    bare = _timed(without_shape, 5)
    def summarize_all() -> None:
        for data in files:
            summarize(data)

    full = _timed(summarize_all, 5)
    print(f"files {len(files)}, {sum(map(len, files)) / 1e6:.1f} MB")
    print(f"ast.parse every file          {parse:.3f} s")
    print(f"summarize without fingerprint {bare:.3f} s ({bare / parse:.2f}x parse)")
    print(f"summarize with fingerprint    {full:.3f} s ({full / parse:.2f}x parse)")
    print(f"fingerprint cost              {full - bare:.3f} s ({(full - bare) / parse:.1%} of parse)")


def cold(args: argparse.Namespace) -> None:
    env = {**os.environ, "SSOT_CACHE": "off", "PYTHONPATH": str(ROOT)}
    times: dict[bool, list[float]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as tmp:
        configs = {}
        for enabled in (False, True):
            configs[enabled] = os.path.join(tmp, f"{enabled}.toml")
            Path(configs[enabled]).write_text(f"[duplicates]\nenabled = {str(enabled).lower()}\n")
        for _ in range(args.repeat):
            for enabled in (False, True):
                started = time.perf_counter()
                command = [sys.executable, "-m", "bot.cli", "check", args.corpus, "--config", configs[enabled],
                           "--format", "json", "--jobs", str(args.jobs)]
                subprocess.run(command, env=env, capture_output=True, check=False)
                times[enabled].append(time.perf_counter() - started)
    off, on = min(times[False]), min(times[True])
    print(f"cold `ssot check {args.corpus}` (--jobs {args.jobs}, best of {args.repeat})")
    print(f"[duplicates] enabled = false  {off:.2f} s")
    print(f"[duplicates] enabled = true   {on:.2f} s  (+{(on - off) / off:.1%})")


def clusters(args: argparse.Namespace) -> None:
    text = f"[duplicates]\nthreshold = {args.threshold}\nmin_methods = {args.min_methods}\n"
    config = parse_config(text, "bench.toml", table="").config
    files = {p: summarize(d) for p, d in _corpus(args.corpus).items()}
    ctx = Context(Index(files, config.roots), config)
    found = list(near_duplicate_class.check(ctx))
    print(f"{len(found)} clusters at threshold {args.threshold}, min_methods {args.min_methods}")
    chosen = found if len(found) <= args.sample else random.Random(args.seed).sample(found, args.sample)
    for f in sorted(chosen, key=lambda f: f.symbol):
        print(f"- {f.path}:{f.line}  {f.message.split(': ', 1)[1].split('; keep one')[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("scaling").set_defaults(run=scaling)
    for name, run in (("shape", shape_cost), ("cold", cold), ("clusters", clusters)):
        p = sub.add_parser(name)
        p.add_argument("corpus")
        p.set_defaults(run=run)
        if name == "cold":
            p.add_argument("--repeat", type=int, default=3)
            p.add_argument("--jobs", type=int, default=1)
        if name == "clusters":
            p.add_argument("--threshold", type=float, default=0.85)
            p.add_argument("--min-methods", type=int, default=3)
            p.add_argument("--sample", type=int, default=20)
            p.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
