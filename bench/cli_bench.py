"""How fast is `ssot check`, against the floor of reading and parsing every file?

    python bench/cli_bench.py [--corpus django|generated|PATH ...] [--repeat 3]

For each corpus, in one run on this machine:
  floor     read every .py file and ast.parse it, in 2 processes (CPython's parser is the floor)
  cold      `ssot check` with an empty cache
  warm      `ssot check` again (every summary cached)
  one-file  `ssot check --rev HEAD --base HEAD~1` after a commit that changes one file (warm cache:
            the base is the tree checked cold and warm, as a pull request's base is once the
            default branch was checked)
  unchecked the same with the reports and tables of what runs learnt removed from the cache
            (its summaries kept): a base never checked on its own
and the peak memory (resident set of the ssot process and its workers, summed).
Ratios are against the floor of the same run. Targets (issue #2): cold <= 1.5x,
warm <= 0.1x, one-file <= 0.15x, peak < 1 GiB at 10,000 modules.

Corpora live in bench/corpora/ (git-ignored): `django` is the Django source from its PyPI
wheel (fetched with pip), `generated` a 10,000-module repository from bench/generate.py.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from multiprocessing import Pool
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPORA = HERE / "corpora"
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]


def python_files(root: Path) -> list[str]:
    out = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        out.extend(os.path.join(directory, f) for f in files if f.endswith(".py"))
    return out


def _parse_all(paths: list[str]) -> int:
    for path in paths:
        with open(path, "rb") as handle, contextlib.suppress(SyntaxError, ValueError):
            ast.parse(handle.read())
    return len(paths)


def floor(root: Path) -> float:
    paths = python_files(root)
    started = time.perf_counter()
    with Pool(2) as pool:
        pool.map(_parse_all, [paths[0::2], paths[1::2]])
    return time.perf_counter() - started


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants: its tree walked through each
    thread's ``children`` (a few reads every sample, not one per process on the machine,
    which would take CPU from the run it measures)."""
    total = 0
    stack = [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/statm") as handle:
                total += int(handle.read().split()[1]) * page
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as handle:
                    stack.extend(int(child) for child in handle.read().split())
        except (OSError, ValueError):  # gone since it was listed
            continue
    return total


def run_ssot(args: list[str], cache: str) -> tuple[float, int, int]:
    """Wall time, peak tree RSS and exit status of one `ssot` run."""
    env = {**os.environ, "XDG_CACHE_HOME": cache}
    # as installed: an installed tool's modules are compiled once, not on every start
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"ssot {' '.join(args)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return elapsed, peak, proc.returncode


def forget_runs(cache: str) -> None:
    """Remove from a cache the reports and what runs learnt, keeping the files' summaries."""
    for path in Path(cache, "ssot").glob("*.sqlite"):
        with contextlib.closing(sqlite3.connect(path)) as db, db:
            db.execute("DELETE FROM reports")
            db.execute("DELETE FROM learnt")


def git_corpus(source: Path, name: str) -> Path:
    """A git copy of a corpus with one commit, so --rev/--base work."""
    repo = CORPORA / f"{name}-git"
    if not (repo / ".git").exists():
        shutil.copytree(source, repo, dirs_exist_ok=True)
        subprocess.run([*GIT, "-C", str(repo), "init", "-q"], check=True)
        subprocess.run([*GIT, "-C", str(repo), "add", "-A"], check=True)
        subprocess.run([*GIT, "-C", str(repo), "commit", "-qm", "corpus"], check=True)
    return repo


def django_corpus() -> Path:
    target = CORPORA / "django"
    if not target.exists():
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                            "django", "-d", tmp], check=True)
            wheel = next(Path(tmp).glob("Django-*.whl"), None) or next(Path(tmp).glob("django-*.whl"))
            with zipfile.ZipFile(wheel) as archive:
                members = [m for m in archive.namelist() if m.startswith("django/")]
                archive.extractall(target, members)
    return target


def generated_corpus(modules: int = 10_000) -> Path:
    target = CORPORA / f"generated-v2-{modules}"  # v2: the generator's second shape
    if not target.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(target), "--modules", str(modules)], check=True)
    return target


def one_file_change(repo: Path) -> str:
    """Commit a change to one module (undone by `git reset --hard HEAD~1` afterwards)."""
    victim = sorted(p for p in python_files(repo) if "__init__" not in p)[len(python_files(repo)) // 3]
    with open(victim, "a") as handle:
        handle.write("\n\nclass AddedByBenchmark:\n    def method(self):\n        return 1\n")
    subprocess.run([*GIT, "-C", str(repo), "commit", "-qam", "one-file change"], check=True)
    return victim


def bench(name: str, root: Path, repeat: int) -> dict[str, float]:
    repo = git_corpus(root, name) if not (root / ".git").exists() else root
    files = len(python_files(repo))
    for path in python_files(repo):  # warm the page cache so the first floor is not a disk read
        Path(path).read_bytes()
    floors, colds, warms, ones, unchecked, peaks = [], [], [], [], [], []
    for _ in range(repeat):
        floors.append(floor(repo))
        with tempfile.TemporaryDirectory() as cache:
            t, peak, _ = run_ssot(["check", str(repo), "--format", "json"], cache)
            colds.append(t)
            peaks.append(peak)
            warms.append(run_ssot(["check", str(repo), "--format", "json"], cache)[0])
            one_file_change(repo)
            try:
                argv = ["check", str(repo), "--rev", "HEAD", "--base", "HEAD~1", "--format", "json"]
                t, peak, _ = run_ssot(argv, cache)
                ones.append(t)
                peaks.append(peak)
                forget_runs(cache)
                unchecked.append(run_ssot(argv, cache)[0])
            finally:
                subprocess.run([*GIT, "-C", str(repo), "reset", "-q", "--hard", "HEAD~1"], check=True)
    f = statistics.median(floors)
    result = {"files": files, "floor": f, "cold": statistics.median(colds), "warm": statistics.median(warms),
              "one-file": statistics.median(ones), "unchecked": statistics.median(unchecked),
              "peak_mib": max(peaks) / 2**20}
    print(f"\n{name}: {files} Python files, median of {repeat}")
    print(f"  {'measure':<10} {'seconds':>8} {'x floor':>8}  target")
    for key, target in (("floor", ""), ("cold", "<= 1.5"), ("warm", "<= 0.1"), ("one-file", "<= 0.15"),
                        ("unchecked", "")):
        print(f"  {key:<10} {result[key]:>8.3f} {result[key] / f:>8.3f}  {target}")
    print(f"  peak memory {result['peak_mib']:.0f} MiB (ssot and its workers)")
    # each cold run right after its floor: on a shared machine these pairs say more about
    # the spread than the two medians do
    pairs = sorted(c / f for f, c in zip(floors, colds, strict=True))
    print(f"  cold / its floor, each repeat: {' '.join(f'{r:.2f}' for r in pairs)} "
          f"(median {statistics.median(pairs):.2f})")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", action="append", help="django, generated, or a path (default: both)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--modules", type=int, default=10_000, help="size of the generated corpus")
    args = parser.parse_args()
    if not os.path.exists(f"/proc/self/task/{os.getpid()}/children"):
        raise SystemExit("cli_bench needs Linux's /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN) to sum "
                         "the memory of ssot's processes")
    CORPORA.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    for corpus in args.corpus or ["django", "generated"]:
        if corpus == "django":
            bench("django", django_corpus(), args.repeat)
        elif corpus == "generated":
            bench(f"generated-v2-{args.modules}", generated_corpus(args.modules), args.repeat)
        else:
            path = Path(corpus).resolve()
            bench(path.name, path, args.repeat)


if __name__ == "__main__":
    main()
