"""Benchmarks for SSOT008 near-duplicate-class (results in bench/DUPLICATES.md).

    python bench/duplicates_bench.py scaling [--sizes N...] # 2,500 .. 20,000 generated classes, two generators
    python bench/duplicates_bench.py shape CORPUS           # fingerprint cost against ast.parse
    python bench/duplicates_bench.py cold CORPUS            # cold `ssot check`, SSOT008 off vs on
    python bench/duplicates_bench.py warm CORPUS            # `ssot check` with summaries cached, off vs on
    python bench/duplicates_bench.py recall CORPUS...       # clusters found vs every pair (numpy, scipy)
    python bench/duplicates_bench.py clusters CORPUS... [--threshold T] [--min-methods N] [--sample K] [--seed S]
    python bench/duplicates_bench.py installed [NAME...]    # copy installed packages to bench/corpora/real

CORPUS is a directory, e.g. the Django wheel unpacked into bench/corpora/django
(``pip download --no-deps django -d /tmp/dj && unzip -q /tmp/dj/*.whl -d bench/corpora/django``),
bench/corpora/generated-v2-10000 (``python bench/generate.py bench/corpora/generated-v2-10000``),
or installed packages copied to bench/corpora/real/NAME/NAME by the ``installed`` command.
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
from array import array
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rules import near_duplicate_class  # noqa: E402
from rules import summary as summary_module  # noqa: E402
from rules.config import DEFAULT_EXCLUDE, DuplicatesConfig, parse_config  # noqa: E402
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


def dense_repo(classes: int, seed: int = 1) -> dict[str, bytes]:
    """About ``classes`` classes made the way bench/generate.py makes them (generated-v2):
    the same ``__init__`` and 2-8 methods of 1-4 statements out of twelve templates, so that
    most classes are structurally alike and thousands are near copies of others."""
    sys.path.insert(0, str(ROOT / "bench"))
    import generate  # noqa: PLC0415 - bench/generate.py, a script

    rng = random.Random(seed)
    files = {"app/__init__.py": b""}
    count, module = 0, 0
    while count < classes:
        package = f"app.pkg{module // 50}"
        files[f"app/pkg{module // 50}/__init__.py"] = b""
        source = generate.module_source(rng, package, module % 50, [])
        files[f"app/pkg{module // 50}/m{module % 50}.py"] = source.encode()
        count += source.count("\nclass ")
        module += 1
    return files


class Counting:
    """Counts the exact comparisons of the search."""

    def __init__(self) -> None:
        self.calls = 0
        self._real = near_duplicate_class._Fingerprints.similarity

    def __enter__(self) -> Counting:
        def counted(prints, x, y):  # type: ignore[no-untyped-def]
            self.calls += 1
            return self._real(prints, x, y)

        near_duplicate_class._Fingerprints.similarity = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        near_duplicate_class._Fingerprints.similarity = self._real  # type: ignore[method-assign]


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


def scaling(args: argparse.Namespace) -> None:
    """SSOT008 alone (summaries already made) on growing repositories of two kinds, without
    and with a base (one changed file in ten)."""
    config = parse_config("", "").config
    for label, make in (("varied (generated_repo, 2% renamed copies)", generated_repo),
                        ("dense (bench/generate.py, like generated-v2)", dense_repo)):
        print(label)
        print(f"{'classes':>8} {'compared':>9} {'clusters':>8} {'comparisons':>11} {'seconds':>8} {'us/class':>9} "
              f"{'growth':>7} {'base s':>7}")
        previous = None
        for size in args.sizes:
            files = {p: summarize(d) for p, d in make(size).items()}
            ctx = Context(Index(files, config.roots), config)
            findings: list = []
            seconds = _timed(lambda: findings.__setitem__(slice(None), list(near_duplicate_class.check(ctx))))  # noqa: B023
            with Counting() as counting:
                list(near_duplicate_class.check(ctx))
            changed = frozenset(sorted(files)[::10])
            based = Context(Index(files, config.roots), config, changed=changed)
            base_seconds = _timed(lambda: list(near_duplicate_class.check(based)))  # noqa: B023
            classes = sum(len(s.classes) for s in files.values())
            found = near_duplicate_class.Candidates(ctx)
            growth = f"{seconds / previous:.2f}x" if previous else ""
            print(f"{classes:>8} {len(found):>9} {len(findings):>8} {counting.calls:>11} {seconds:>8.3f} "
                  f"{seconds / classes * 1e6:>9.1f} {growth:>7} {base_seconds:>7.3f}")
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
    real = summary_module.class_shape  # the name the summary calls

    def without_shape() -> None:
        summary_module.class_shape = lambda node: ()  # type: ignore[assignment]
        try:
            for data in files:
                summarize(data)
        finally:
            summary_module.class_shape = real

    def parse_all() -> None:
        for data in files:
            ast.parse(data)  # not kept: a list of every tree would time the garbage collector

    parse = _timed(parse_all, args.repeat)
    bare = _timed(without_shape, args.repeat)

    def summarize_all() -> None:
        for data in files:
            summarize(data)

    full = _timed(summarize_all, args.repeat)
    print(f"files {len(files)}, {sum(map(len, files)) / 1e6:.1f} MB")
    print(f"ast.parse every file          {parse:.3f} s")
    print(f"summarize without fingerprint {bare:.3f} s ({bare / parse:.2f}x parse)")
    print(f"summarize with fingerprint    {full:.3f} s ({full / parse:.2f}x parse)")
    print(f"fingerprint cost              {full - bare:.3f} s ({(full - bare) / parse:.1%} of parse)")


def _check(corpus: str, enabled: bool, tmp: str, jobs: int, cache: str | None, run: int = 0) -> float:
    config = os.path.join(tmp, f"{enabled}.toml")
    # another config text each run: the report cache never answers, the summaries' does
    Path(config).write_text(f"# run {run}\n[duplicates]\nenabled = {str(enabled).lower()}\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if cache is None:
        env["SSOT_CACHE"] = "off"
    else:
        env["XDG_CACHE_HOME"] = cache
    command = [sys.executable, "-m", "bot.cli", "check", corpus, "--config", config, "--format", "json"]
    if jobs:
        command += ["--jobs", str(jobs)]
    started = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):  # a run that failed at once is not a fast one
        raise SystemExit(f"ssot check failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return elapsed


def cold(args: argparse.Namespace) -> None:
    times: dict[bool, list[float]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            for enabled in (False, True):
                times[enabled].append(_check(args.corpus, enabled, tmp, args.jobs, None))
    off, on = min(times[False]), min(times[True])
    print(f"cold `ssot check {args.corpus}` (SSOT_CACHE=off, --jobs {args.jobs or 'default'}, best of {args.repeat})")
    print(f"[duplicates] enabled = false  {off:.2f} s")
    print(f"[duplicates] enabled = true   {on:.2f} s  (+{(on - off) / off:.1%})")


def warm(args: argparse.Namespace) -> None:
    times: dict[bool, list[float]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as tmp:
        cache = os.path.join(tmp, "cache")
        _check(args.corpus, True, tmp, args.jobs, cache)  # fills the cache
        for run in range(1, args.repeat + 1):
            for enabled in (False, True):
                times[enabled].append(_check(args.corpus, enabled, tmp, args.jobs, cache, run))
    off, on = min(times[False]), min(times[True])
    print(f"warm `ssot check {args.corpus}` (every summary cached, no report cached, best of {args.repeat})")
    print(f"[duplicates] enabled = false  {off:.2f} s")
    print(f"[duplicates] enabled = true   {on:.2f} s  (+{on - off:.2f} s)")


def _context(corpus: str, threshold: float, min_methods: int) -> Context:
    text = f"[duplicates]\nthreshold = {threshold}\nmin_methods = {min_methods}\n"
    config = parse_config(text, "bench.toml", table="").config
    files = {p: summarize(d) for p, d in _corpus(corpus).items()}
    return Context(Index(files, config.roots), config)


def _every_pair(shapes: list[tuple[int, ...]], threshold: float) -> list[list[int]]:
    """The oracle: single-linkage clusters over every pair (numpy and scipy if installed;
    without them a pure-Python loop that takes hours on 10,000 modules)."""
    parent = list(range(len(shapes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    try:
        import numpy  # noqa: PLC0415
        from scipy import sparse  # noqa: PLC0415
    except ImportError:
        sets = [frozenset(s) for s in shapes]
        pairs = ((i, j) for i in range(len(sets)) for j in range(i + 1, len(sets)) if sets[i] and sets[j]
                 and len(sets[i] & sets[j]) >= threshold * len(sets[i] | sets[j]) - 1e-9)
    else:
        vocabulary: dict[int, int] = {}
        rows = [i for i, s in enumerate(shapes) for _ in s]
        columns = [vocabulary.setdefault(f, len(vocabulary)) for s in shapes for f in s]
        matrix = sparse.csr_matrix((numpy.ones(len(rows), dtype=numpy.float32), (rows, columns)),
                                   shape=(len(shapes), len(vocabulary)))
        sizes = numpy.array([len(s) for s in shapes], dtype=numpy.float32)
        found = []
        for start in range(0, len(shapes), 2000):
            common = (matrix[start:start + 2000] @ matrix.T).toarray()
            union = sizes[start:start + 2000, None] + sizes[None, :] - common
            ii, jj = numpy.nonzero(common >= threshold * union - 1e-6)
            found.extend((int(i) + start, int(j)) for i, j in zip(ii, jj, strict=True) if i + start < j)
        pairs = iter(found)
    for i, j in pairs:
        parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(shapes)):
        groups.setdefault(root(i), []).append(i)
    return sorted(g for g in groups.values() if len(g) > 1)


def recall(args: argparse.Namespace) -> None:
    """The search's clusters against those of comparing every pair (before the rule's own
    exclusions), per corpus and threshold."""
    print(f"{'corpus':<40} {'threshold':>9} {'classes':>7} {'clusters (all pairs)':>20} {'found':>6} "
          f"{'same':>5} {'classes clustered':>17}")
    for corpus in args.corpus:
        ctx = _context(corpus, 0.85, args.min_methods)
        found = near_duplicate_class.Candidates(ctx)
        shapes = [tuple(array("q", c.cls.shape)) for c in found]
        for threshold in args.thresholds:
            truth = _every_pair(shapes, threshold)
            mine = [members for members, _ in near_duplicate_class.near_copy_clusters(shapes, threshold)]
            same = len({tuple(m) for m in truth} & {tuple(m) for m in mine})
            covered = sum(map(len, mine)), sum(map(len, truth))
            print(f"{corpus:<40} {threshold:>9} {len(shapes):>7} {len(truth):>20} {len(mine):>6} {same:>5} "
                  f"{covered[0]:>8} of {covered[1]:<6}")


def clusters(args: argparse.Namespace) -> None:
    """The clusters SSOT008 reports (its exclusions applied) in each corpus at each
    threshold, then a seeded random sample of those at ``--threshold`` to judge by hand."""
    reported: dict[float, list[tuple[str, object]]] = {}
    print(f"{'corpus':<40} " + " ".join(f"{t:>6}" for t in args.thresholds))
    for corpus in args.corpus:
        row = []
        for threshold in args.thresholds:
            ctx = _context(corpus, threshold, args.min_methods)
            found = list(near_duplicate_class.check(ctx))
            reported.setdefault(threshold, []).extend((corpus, f) for f in found)
            row.append(len(found))
        print(f"{corpus:<40} " + " ".join(f"{n:>6}" for n in row))
    print(f"{'total':<40} " + " ".join(f"{len(reported[t]):>6}" for t in args.thresholds))
    pool = sorted(reported.get(args.threshold, []), key=lambda item: (item[0], item[1].symbol))  # type: ignore[attr-defined]
    chosen = pool if len(pool) <= args.sample else random.Random(args.seed).sample(pool, args.sample)
    print(f"\nsample of {len(chosen)} of the {len(pool)} clusters at threshold {args.threshold} (seed {args.seed}):")
    for n, (corpus, f) in enumerate(chosen, 1):
        how, members = f.message.split("; keep one")[0].split(": ", 1)  # type: ignore[attr-defined]
        print(f"{n:>2}. {corpus}/{f.path}:{f.line}  [{how.split('(', 1)[1].split(',')[0]}]  {members}")  # type: ignore[attr-defined]


#: the installed code bases of the precision evidence (bench/DUPLICATES.md), besides Django
REAL = ("IPython", "_pytest", "aiohttp", "botocore", "cfnlint", "click", "cryptography", "docker", "docutils",
        "flask", "graphql", "hypothesis", "jedi", "jinja2", "jsonschema", "libcst", "markdown_it", "moto", "mypy",
        "networkx", "parso", "pip", "prompt_toolkit", "pydantic", "pygments", "pyparsing", "requests", "rich",
        "samtranslator", "setuptools", "sympy", "traitlets", "trio", "urllib3", "werkzeug")


def installed(args: argparse.Namespace) -> None:
    """Copy the Python files of installed packages to bench/corpora/real/NAME/NAME (vendored
    code left out; of pip, only pip/_internal)."""
    import shutil  # noqa: PLC0415
    import sysconfig  # noqa: PLC0415

    site = Path(sysconfig.get_paths()["purelib"])
    for name in args.names or REAL:
        files = [f for f in (site / name).rglob("*.py")
                 if not {"_vendor", "vendor"} & set(f.relative_to(site).parts)]
        if name == "pip":
            files = [f for f in files if f.parent == site / "pip" or "_internal" in f.parts]
        for source in files:
            target = ROOT / "bench" / "corpora" / "real" / name / source.relative_to(site)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        print(f"{name}: {len(files)} files")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("scaling")
    p.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    p.set_defaults(run=scaling)
    for name, run, repeat in (("shape", shape_cost, 5), ("cold", cold, 3), ("warm", warm, 3)):
        p = sub.add_parser(name)
        p.add_argument("corpus")
        p.add_argument("--repeat", type=int, default=repeat)
        if name != "shape":  # one process: the fingerprint's own cost
            p.add_argument("--jobs", type=int, default=0, help="parser processes (default: as ssot check)")
        p.set_defaults(run=run)
    p = sub.add_parser("recall")
    p.add_argument("corpus", nargs="+")
    p.add_argument("--thresholds", type=float, nargs="+", default=[0.7, 0.75, 0.8, 0.85])
    p.add_argument("--min-methods", type=int, default=3)
    p.set_defaults(run=recall)
    p = sub.add_parser("clusters")
    p.add_argument("corpus", nargs="+")
    p.add_argument("--thresholds", type=float, nargs="+", default=[0.7, 0.75, 0.8, 0.85])
    p.add_argument("--threshold", type=float, default=DuplicatesConfig().threshold, help="of the sample")
    p.add_argument("--min-methods", type=int, default=3)
    p.add_argument("--sample", type=int, default=20)
    p.add_argument("--seed", type=int, default=8)
    p.set_defaults(run=clusters)
    p = sub.add_parser("installed")
    p.add_argument("names", nargs="*")
    p.set_defaults(run=installed)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
