"""`ssot check` and `ssot resolve` end to end: snapshots, exit codes, --rev/--base, cache."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cli import main

CONFIG = """\
[[concept]]
name = "WebSocketManager"
canonical = "app.ws.unified.UnifiedWebSocketManager"
aliases = ["app.ws.manager.WebSocketManager"]
preferred = "app.ws.manager.WebSocketManager"
issue = 564
"""

GOOD = {
    ".github/ssot.toml": CONFIG,
    "app/__init__.py": "",
    "app/ws/__init__.py": "",
    "app/ws/unified.py": "class UnifiedWebSocketManager:\n    def __init__(self, url):\n        self.url = url\n",
    "app/ws/manager.py": "from .unified import UnifiedWebSocketManager as WebSocketManager\n",
    "app/chat.py": "from app.ws.manager import WebSocketManager\n",
}
DUPLICATE = {"app/chat.py": "from app.ws.manager import WebSocketManager as Base\n\n\n"
                            "class WebSocketManager(Base):\n    pass\n"}


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def write(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        full = root / path
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_text(text)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
                          check=True, capture_output=True, text=True).stdout.strip()


def make_repo(tmp_path: Path, *revisions: dict[str, str]) -> Path:
    """A work tree with one commit per revision (each a set of changed files)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for i, files in enumerate(revisions):
        write(repo, files)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"rev {i}")
    return repo


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code, out, _ = run(capsys, *argv, "--format", "json")
    return code, json.loads(out)


def test_passing_repository_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path, GOOD)
    code, report = run_json(capsys, "check", str(repo))
    assert code == 0
    assert report["concepts"][0]["status"] == "pass"
    assert report["concepts"][0]["canonical"] == {"path": "app/ws/unified.py", "line": 1,
                                                  "qualname": "UnifiedWebSocketManager"}
    assert report["findings"] == []


def test_duplicate_fails_with_exit_1_and_points_at_the_class(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path, GOOD, DUPLICATE)
    code, report = run_json(capsys, "check", str(repo))
    assert code == 1
    [finding] = [f for f in report["findings"] if f["code"] == "SSOT003"]
    assert (finding["path"], finding["line"], finding["severity"]) == ("app/chat.py", 4, "error")
    assert finding["related"] == [{"path": "app/ws/unified.py", "line": 1}]
    assert report["concepts"][0]["status"] == "fail"


def test_uncommitted_changes_in_a_work_tree_are_seen(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path, GOOD)
    write(repo, DUPLICATE)
    write(repo, {"app/new_module.py": "class UnifiedWebSocketManager:\n    pass\n"})
    code, report = run_json(capsys, "check", str(repo))
    assert code == 1
    duplicates = sorted(f["path"] for f in report["findings"] if f["code"] == "SSOT003")
    assert duplicates == ["app/chat.py", "app/new_module.py"]


def test_rev_reads_a_bare_repository_without_checkout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path, GOOD, DUPLICATE)
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True)
    code, report = run_json(capsys, "check", str(bare), "--rev", "HEAD~1")
    assert code == 0 and report["rev"] == git(repo, "rev-parse", "HEAD~1")
    code, report = run_json(capsys, "check", str(bare))
    assert code == 1  # a bare repository without --rev means HEAD
    # a work tree's .git is no bare repository: git's files, no code (it passed as an
    # empty directory); with --rev its objects are read
    code, _, err = run(capsys, "check", str(repo / ".git"))
    assert code == 2 and "inside a repository's .git directory" in err
    assert run_json(capsys, "check", str(repo / ".git"), "--rev", "HEAD")[0] == 1


def test_base_marks_new_and_fixed_and_fails_only_on_new(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    legacy = {"app/legacy.py": "class WebSocketManager:\n    pass\n"}
    repo = make_repo(tmp_path, {**GOOD, **legacy}, DUPLICATE)
    base = git(repo, "rev-parse", "HEAD~1")
    code, report = run_json(capsys, "check", str(repo), "--rev", "HEAD", "--base", base)
    assert code == 1
    marks = {(f["path"], f["new"]) for f in report["findings"] if f["code"] == "SSOT003"}
    assert marks == {("app/chat.py", True), ("app/legacy.py", False)}
    assert report["base"] == base

    # the reverse direction: the change removes the duplicate; the inherited one does not fail
    code, report = run_json(capsys, "check", str(repo), "--rev", base, "--base", "HEAD")
    assert code == 0
    assert [f["path"] for f in report["findings"] if f["code"] == "SSOT003"] == ["app/legacy.py"]
    assert [f["path"] for f in report["fixed"]] == ["app/chat.py"]


def test_the_base_analysed_in_a_second_process_gives_the_same_verdict(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """With two cores the base is analysed in a forked child; one process, a child that
    dies, or a child that answers gives the same report (the parent does the work itself
    when the child fails)."""
    from bot import analysis
    from bot.cache import SummaryStore
    from bot.snapshot import open_snapshot
    from rules.model import Report

    legacy = {"app/legacy.py": "class WebSocketManager:\n    pass\n"}
    repo = make_repo(tmp_path, {**GOOD, **legacy}, DUPLICATE)
    forked: list[int] = []
    real_in_child = analysis._in_child

    def counting(*args):  # type: ignore[no-untyped-def]
        forked.append(os.getpid())
        return real_in_child(*args)

    def check(workers: int, cache: str | None = None, revs: tuple[str, str] = ("HEAD", "HEAD~1")) -> Report:
        head, base = open_snapshot(str(repo), revs[0]), open_snapshot(str(repo), revs[1])
        store = SummaryStore(cache, "t")
        report = analysis.run_check(head, base, analysis.load_config(head), store, workers=workers)
        store.close()
        return dataclasses.replace(report, summary=None)

    monkeypatch.setattr(analysis, "_in_child", counting)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # the same on a one-core runner
    monkeypatch.setattr(analysis.threading, "active_count", lambda: 1)  # whatever threads an earlier test left
    alone = check(1)
    assert not forked
    busy = SummaryStore(str(tmp_path / "busy"), "t")
    assert busy.forkable()
    busy._db.execute("BEGIN")  # type: ignore[union-attr]  # a transaction open: no child may share it
    assert not busy.forkable()
    busy._db.execute("ROLLBACK")  # type: ignore[union-attr]
    monkeypatch.setattr(busy, "forkable", lambda: False)
    head, base = open_snapshot(str(repo), "HEAD"), open_snapshot(str(repo), "HEAD~1")
    report = analysis.run_check(head, base, analysis.load_config(head), busy, workers=2)
    assert dataclasses.replace(report, summary=None) == alone and not forked  # the base done here
    busy.close()
    assert check(2) == alone and len(forked) == 1
    assert alone.findings and not alone.fixed  # the child's keys alone were read
    undone = check(1, revs=("HEAD~1", "HEAD"))
    assert undone.fixed and check(2, revs=("HEAD~1", "HEAD")) == undone  # the child's findings read: fixed
    # from a disk cache holding headers (and bytes, or not: a command's snapshot reads them
    # again), no detail: the child makes the base's details from bytes it reads itself (a
    # failure would be a crash notice in its report)
    for keep in (True, False):
        head, base = open_snapshot(str(repo), "HEAD"), open_snapshot(str(repo), "HEAD~1")
        store = SummaryStore(str(tmp_path / "cache"), "t", keep_bytes=keep)
        for revision in (head, base):
            analysis.collect(revision, analysis.load_config(head).result, store)
        store.close()
        store = SummaryStore(str(tmp_path / "cache"), "t", keep_bytes=keep)
        cached = store.get_many([entry.sha for path, entry in base.entries().items() if path.endswith(".py")])
        assert cached and not any(s.holds_detail for s in cached.values())
        store.memory.clear()
        report = analysis.run_check(head, base, analysis.load_config(head), store, workers=2)
        assert dataclasses.replace(report, summary=None) == alone
        store.close()
    assert len(forked) == 4
    monkeypatch.setattr(analysis, "_send", lambda writer, func: os._exit(3))  # the child dies
    assert check(2) == alone and len(forked) == 5


_MANAGER = ("class {name}:\n    def __init__(self, limit):\n        self.items = {{}}\n        self.limit = limit\n"
            "    def add(self, key, value):\n        if len(self.items) >= self.limit:\n"
            "            raise ValueError('full')\n        self.items[key] = value\n"
            "    def remove(self, key):\n        return self.items.pop(key, None)\n")


def test_a_base_checked_before_is_not_analysed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the base's report without a base and its SSOT008 frequencies in the cache (its
    own check: a push to the default branch), a pull request reruns SSOT008 only on the
    base, and the head's frequencies are made up from the base's: the verdict is the one
    an empty cache gives, in one process or two."""
    from bot import analysis
    from bot.cache import SummaryStore
    from bot.snapshot import open_snapshot
    from rules import near_duplicate_class
    from rules.model import Report

    copies = {f"app/m{k}.py": _MANAGER.format(name=f"Manager{k}") for k in range(3)}
    repo = make_repo(tmp_path, {**GOOD, **copies}, {**DUPLICATE, "app/m1.py": _MANAGER.format(name="Renamed"),
                                                    "app/m9.py": _MANAGER.format(name="Another")})
    def snapshots():  # type: ignore[no-untyped-def]
        return open_snapshot(str(repo), "HEAD"), open_snapshot(str(repo), "HEAD~1")

    head, base = snapshots()
    fresh = analysis.run_check(head, base, analysis.load_config(head), SummaryStore(None, "t"), workers=1)
    assert {f.code for f in fresh.findings} >= {"SSOT003", "SSOT008"} and fresh.fixed

    def without_times(report: Report) -> Report:
        return dataclasses.replace(report, summary=dataclasses.replace(report.summary, seconds=0, parsed=0, cached=0))

    counted: list[int] = []
    real_count, real_with = near_duplicate_class.feature_frequency, analysis.with_changed
    reran: list[str] = []

    def count(shapes):  # type: ignore[no-untyped-def]
        counted.append(1)
        return real_count(shapes)

    def rerun(report, *args, **kwargs):  # type: ignore[no-untyped-def]
        reran.append(kwargs["rev"])
        return real_with(report, *args, **kwargs)

    monkeypatch.setattr(near_duplicate_class, "feature_frequency", count)
    monkeypatch.setattr(analysis, "with_changed", rerun)
    forked: list[int] = []
    real_in_child = analysis._in_child

    def in_child(*args):  # type: ignore[no-untyped-def]
        forked.append(1)
        return real_in_child(*args)

    monkeypatch.setattr(analysis, "_in_child", in_child)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # the same on a one-core runner
    monkeypatch.setattr(analysis.threading, "active_count", lambda: 1)  # whatever threads an earlier test left
    for workers in (1, 2):
        cache = str(tmp_path / f"cache{workers}")
        store = SummaryStore(cache, "t")
        analysis.run_check(snapshots()[1], None, analysis.load_config(head), store, workers=workers)  # the push
        store.close()
        assert counted == [1]  # the base's clusters counted its frequencies; kept
        counted.clear()
        store = SummaryStore(cache, "t")
        head, base = snapshots()
        report = analysis.run_check(head, base, analysis.load_config(head), store, workers=workers)
        store.close()
        assert without_times(report) == without_times(fresh)
        if workers == 1:  # (the base's child is another process: nothing to count there)
            assert reran == [base.rev] and counted == [] and not forked
    assert counted == [] and forked == [1]  # the head's made up from the base's; the base's in a child


def test_a_revision_with_a_file_that_could_not_be_read_is_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that could not be read (gone, unreadable for now) is a notice in the report;
    the next run must read it again, not get that report (or what it learnt) from the cache."""
    from bot import analysis
    from bot.cache import SummaryStore
    from bot.snapshot import MemorySnapshot

    copies = {f"app/m{k}.py": _MANAGER.format(name=f"Manager{k}") for k in range(3)}
    snapshot = MemorySnapshot({p: t.encode() for p, t in {**GOOD, **copies}.items()})
    real_read = snapshot.read
    monkeypatch.setattr(snapshot, "read", lambda paths: {p: d for p, d in real_read(paths).items() if p != "app/m2.py"})
    store = SummaryStore(None, "t")
    report = analysis.run_check(snapshot, None, analysis.load_config(snapshot), store, workers=1)
    assert [f.path for f in report.findings if f.code == "SSOT009"] == ["app/m2.py"]
    assert not store.reports and not store.learnt
    monkeypatch.setattr(snapshot, "read", real_read)
    report = analysis.run_check(snapshot, None, analysis.load_config(snapshot), store, workers=1)
    assert not [f for f in report.findings if f.code == "SSOT009"] and store.reports and store.learnt


def test_a_file_that_cannot_be_read_again_is_named_in_a_notice(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A command's cache keeps no bytes: a detail is made from the file read again (a
    working tree gives git's blob for a file edited since). Bytes that are not the ones
    listed (a blob gone from the repository) cannot give it: the notice names the file and
    asks for another check, not for a bug report, and the report is not kept."""
    from bot import analysis
    from bot.cache import SummaryStore
    from bot.snapshot import MemorySnapshot

    snapshot = MemorySnapshot({p: t.encode() for p, t in GOOD.items()})
    config = analysis.load_config(snapshot)
    store = SummaryStore(str(tmp_path / "cache"), "t", keep_bytes=False)
    analysis.collect(snapshot, config.result, store)
    store.close()
    store = SummaryStore(str(tmp_path / "cache"), "t", keep_bytes=False)
    collected = analysis.collect(snapshot, config.result, store)
    assert not any(s.holds_detail or s.held_source() for s in collected.files.values())
    real_read = snapshot.read
    monkeypatch.setattr(snapshot, "read", lambda paths: {p: b"class Other:\n    pass\n" if p == "app/ws/unified.py"
                                                         else d for p, d in real_read(paths).items()})
    report = analysis.run_check(snapshot, None, config, store, workers=1)
    notices = [f for f in report.findings if f.symbol.startswith("crash:")]
    assert notices and {f.path for f in notices} == {"app/ws/unified.py"}
    assert all("`app/ws/unified.py` changed or is gone since it was listed" in f.message
               and "check again" in f.message and "report" not in f.message for f in notices)
    assert not store.reports
    store.close()


def test_never_more_parser_processes_than_chunks_of_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--jobs 100000`` must not start a hundred thousand processes for a few chunks."""
    import concurrent.futures

    from bot import analysis
    from bot.cache import SummaryStore

    started: list[int] = []
    real = concurrent.futures.ProcessPoolExecutor

    def counting(max_workers: int, **kwargs: object) -> concurrent.futures.ProcessPoolExecutor:
        started.append(max_workers)
        return real(max_workers=max_workers, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", counting)
    monkeypatch.setattr(analysis.threading, "active_count", lambda: 1)
    work: list[tuple[str, bytes | str]] = [(f"{i:040x}", b"x = 1\n" + b"#" * 8000) for i in range(100)]
    answers = analysis._summarize_all(work, 100_000, None, SummaryStore(None, "t"), False, 1 << 20)
    assert len(answers.summaries) == 100 and started == [4]  # 800 KB: four chunks of 256 KB


def test_the_child_s_answer_is_the_base_s_or_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the child leaves in the pipe (a cut or foreign pickle, nothing), the parent
    gets the base's answer or None (and does the work itself); asked again (after Ctrl-C), None."""
    from bot import analysis
    from rules.model import Report, Summary

    report = Report(rev="r", base=None, concepts=(), findings=(), summary=Summary(parsed=3), fail_on="new")
    sent = analysis._Sent.of(report, None)
    waiting = analysis._in_child(lambda: sent)
    assert waiting() == sent and waiting() is None
    assert (sent.rev, sent.parsed, sent.keys, sent.findings()) == ("r", 3, frozenset(), ())
    with pytest.raises(analysis.AnalysisError, match="could not be read back"):  # an error, not a traceback
        analysis._Sent("r", 3, frozenset(), b"not a pickle").findings()
    for garbage in (pickle.dumps(sent)[:-5], pickle.dumps(report), pickle.dumps({"not": "a report"}), b""):
        def send(writer: int, func: object, garbage: bytes = garbage) -> None:
            os.write(writer, garbage)

        monkeypatch.setattr(analysis, "_send", send)
        assert analysis._in_child(lambda: sent)() is None
    monkeypatch.setattr(os, "fork", lambda: (_ for _ in ()).throw(OSError("no process")))
    assert analysis._in_child(lambda: sent)() is None


def test_a_child_stopped_takes_the_processes_it_started_with_it(tmp_path: Path) -> None:
    """The base's child may start parser processes, which inherit the pipe to the parent:
    stopping the child (the head's analysis failed; Ctrl-C) must stop them too, or the
    parent would wait for ever for the pipe to close."""
    import threading

    from bot import analysis

    pid_file = tmp_path / "grandchild"

    def starts_a_process() -> bytes:
        grandchild = os.fork()
        if grandchild == 0:  # a parser process, holding the pipe's other end
            time.sleep(120)
            os._exit(0)
        pid_file.write_text(str(grandchild))
        time.sleep(120)
        return b""

    waiting = analysis._in_child(starts_a_process)
    for _ in range(200):
        if pid_file.exists() and pid_file.read_text():
            break
        time.sleep(0.05)
    answers: list[object] = []
    stopper = threading.Thread(target=lambda: answers.append(waiting(stop=True)), daemon=True)
    stopper.start()
    stopper.join(30)
    grandchild = int(pid_file.read_text())
    assert not stopper.is_alive() and answers == [None]
    for _ in range(100):  # killed (a zombie until init reaps it, which signal 0 no longer finds)
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            break
        if Path(f"/proc/{grandchild}/stat").read_text().split(")")[1].split()[0] == "Z":
            break
        time.sleep(0.05)
    else:
        os.kill(grandchild, signal.SIGKILL)
        raise AssertionError("the grandchild outlived the child")


def test_a_run_without_a_process_pool_imports_none_of_its_modules(tmp_path: Path) -> None:
    """Importing multiprocessing and concurrent.futures costs a tenth of a warm run: only a
    pool that starts imports them."""
    repo = make_repo(tmp_path, {**GOOD})
    code = ("import sys; from bot import cli; status = cli.main(['check', sys.argv[1], '--format', 'json']);"
            "print(status, sorted(m for m in sys.modules if m.startswith(('multiprocessing', 'concurrent'))))")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", code, str(repo)], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "0 []"


def test_two_revisions_are_listed_by_git_processes_side_by_side(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import snapshot

    legacy = {"app/legacy.py": "class WebSocketManager:\n    pass\n", "link.py": ""}
    repo = make_repo(tmp_path, {**GOOD, **legacy}, DUPLICATE)
    (repo / "link.py").unlink()
    (repo / "link.py").symlink_to("app/legacy.py")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a symlink")
    alone = [snapshot.open_snapshot(str(repo), rev).entries() for rev in ("HEAD", "HEAD~1", "HEAD~2")]
    started: list[int] = []
    real = snapshot._git_all

    def recording(repo: str, *commands: tuple[str, ...]) -> list[bytes]:
        started.append(len(commands))
        return real(repo, *commands)

    monkeypatch.setattr(snapshot, "_git_all", recording)
    assert main(["check", str(repo), "--rev", "HEAD", "--base", "HEAD~1"]) in (0, 1)
    assert started == [2]  # `check --rev --base` lists its two revisions so
    started.clear()
    revisions = [snapshot.open_snapshot(str(repo), rev) for rev in ("HEAD", "HEAD~1", "HEAD~2")]
    snapshot.list_together(*revisions)
    assert started == [3] and [r.entries() for r in revisions] == alone
    assert "link.py" in alone[1] and "link.py" not in alone[0]  # a symlink is not a file of the revision
    snapshot.list_together(*revisions)  # listed already: nothing runs
    assert started == [3]


def test_a_revision_listed_as_another_changed_is_listed_as_git_lists_it(tmp_path: Path) -> None:
    """``list_together`` lists one revision and reads the others as it changed by ``git
    diff-tree``: every kind of change, either way, gives the listing git gives."""
    from bot import snapshot

    repo = make_repo(tmp_path, {"a.py": "A = 1\n", "b.py": "B = 1\n", "run.py": "", "old/x.py": "", "data.txt": ""})
    (repo / "run.py").chmod(0o755)  # a mode changed
    (repo / "a.py").write_text("A = 2\n")  # a file changed
    (repo / "old" / "x.py").unlink()  # a file (and its directory) gone
    (repo / "new").mkdir()
    (repo / "new" / "y.py").write_text("")  # a file added, in a new directory
    (repo / "b.py").unlink()
    (repo / "b.py").symlink_to("a.py")  # a file become a symlink
    (repo / "data.txt").rename(repo / "data.py")  # a rename
    with open(os.fsencode(repo) + b"/caf\xe9.py", "wb") as handle:  # a name that is not UTF-8
        handle.write(b"")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "every kind of change")
    (repo / "b.py").unlink()
    (repo / "b.py").write_text("B = 3\n")  # a symlink become a file again
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "back")
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(tmp_path / "bare")], check=True)
    revs = ["HEAD", "HEAD~1", "HEAD~2"]
    for where in (repo, repo / "new", tmp_path / "bare"):  # a subdirectory's files are listed from there
        alone = {rev: snapshot.open_snapshot(str(where), rev).entries() for rev in revs}
        assert ("y.py" if where.name == "new" else "caf\udce9.py") in alone["HEAD"]
        assert where.name == "new" or ("b.py" not in alone["HEAD~1"] and "old/x.py" in alone["HEAD~2"])
        for first in revs:
            order = [first, *(rev for rev in revs if rev != first)]
            together = [snapshot.open_snapshot(str(where), rev) for rev in order]
            snapshot.list_together(*together)
            assert {rev: s.entries() for rev, s in zip(order, together, strict=True)} == alone


def test_a_command_runs_without_the_cyclic_collector_and_restores_it(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from bot import cli

    seen: list[bool] = []
    real = cli.cmd_check

    def check(args):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return real(args)

    monkeypatch.setattr(cli, "cmd_check", check)
    repo = make_repo(tmp_path, GOOD)
    assert gc.isenabled()
    assert cli.main(["check", str(repo), "--format", "json"]) == 0
    assert seen == [False] and gc.isenabled()
    # the console script leaves with it still off: turned on, it would walk the whole heap first
    exits: list[tuple[int, bool]] = []

    def leave(code: int) -> None:
        exits.append((code, gc.isenabled()))
        raise SystemExit(code)

    monkeypatch.setattr(os, "_exit", leave)
    monkeypatch.setattr(sys, "argv", ["ssot", "check", str(repo), "--format", "json"])
    monkeypatch.setattr(sys, "gettrace", lambda: None)  # as when no debugger or coverage tracer runs
    try:
        with pytest.raises(SystemExit):
            cli.run()
        assert exits == [(0, False)]
    finally:
        gc.enable()
    # a server collects its garbage: `ssot serve` runs with the collector on
    from bot import server

    serving: list[bool] = []
    monkeypatch.setattr(server, "serve", lambda host, port: serving.append(gc.isenabled()) or 0)
    monkeypatch.setattr(sys, "argv", ["ssot", "serve"])
    with pytest.raises(SystemExit):
        cli.run()
    assert serving == [True] and exits[-1] == (0, True)


def test_fail_on_any_fails_on_inherited_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    legacy = {"app/legacy.py": "class WebSocketManager:\n    pass\n"}
    repo = make_repo(tmp_path, {**GOOD, **legacy, ".github/ssot.toml": 'fail_on = "any"\n' + CONFIG},
                     {"app/other.py": "x = 1\n"})
    code, _ = run_json(capsys, "check", str(repo), "--rev", "HEAD", "--base", "HEAD~1")
    assert code == 1


def test_broken_config_exits_2_with_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path, {**GOOD, ".github/ssot.toml": 'fail_on = "maybe"\n[[concept]]\nname = "X"\n'})
    code, report = run_json(capsys, "check", str(repo))
    assert code == 2
    keys = sorted(f["message"].split("`")[1] for f in report["findings"] if f["code"] == "SSOT010")
    assert keys == ["concept[0].canonical", "fail_on"]


def test_config_override_and_pyproject_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {k: v for k, v in GOOD.items() if k != ".github/ssot.toml"}
    toml_table = CONFIG.replace("[[concept]]", "[[tool.ssot.concept]]")
    repo = make_repo(tmp_path, {**files, **DUPLICATE, "pyproject.toml": "[project]\nname = 'x'\n\n" + toml_table})
    code, report = run_json(capsys, "check", str(repo))
    assert code == 1 and report["concepts"][0]["name"] == "WebSocketManager"
    other = tmp_path / "other.toml"
    other.write_text(CONFIG.replace("WebSocketManager\"\ncanonical", "Other\"\ncanonical"))
    code, report = run_json(capsys, "check", str(repo), "--config", str(other))
    assert report["concepts"][0]["name"] == "Other"
    # a pyproject.toml named with --config: its [tool.ssot] (regression: "`tool` is not a known key")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "pyproject.toml").write_text(toml_table.replace('name = "WebSocketManager"', 'name = "Mine"'))
    code, report = run_json(capsys, "check", str(repo), "--config", str(elsewhere / "pyproject.toml"))
    assert code == 1 and report["concepts"][0]["name"] == "Mine"
    (elsewhere / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    code, _, err = run(capsys, "check", str(repo), "--config", str(elsewhere / "pyproject.toml"))
    assert code == 2 and "pyproject.toml: no [tool.ssot] table" in err


def test_a_base_missing_from_a_shallow_clone_says_the_clone_is_shallow(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """actions/checkout fetches one commit by default: `--base HEAD~1` then names nothing,
    and the error says how to fetch the history."""
    repo = make_repo(tmp_path, GOOD, DUPLICATE)
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    code, _, err = run(capsys, "check", str(shallow), "--rev", "HEAD", "--base", "HEAD~1")
    assert code == 2 and "HEAD~1: not a commit" in err and "the clone is shallow" in err
    code, _, err = run(capsys, "check", str(repo), "--rev", "HEAD", "--base", "HEAD~5")
    assert code == 2 and "HEAD~5: not a commit" in err and "shallow" not in err


def test_io_and_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "check", str(tmp_path / "missing"))
    assert code == 2 and "no such file" in err
    repo = make_repo(tmp_path, GOOD)
    code, _, err = run(capsys, "check", str(repo), "--rev", "no-such-rev")
    assert code == 2 and "ssot: error:" in err
    code, _, err = run(capsys, "check", str(repo), "--rev", "HEAD", "--base", "no-such-base")
    assert code == 2 and "no-such-base: not a commit" in err  # which of the two revisions
    (tmp_path / "plain").mkdir()
    code, _, err = run(capsys, "check", str(tmp_path / "plain"), "--rev", "HEAD")  # not a commit: no repository
    assert code == 2 and "HEAD cannot be read" in err and "not a git repository" in err and "not a commit" not in err
    a_file = str(repo / "app" / "ws" / "unified.py")
    for argv in (["check", a_file], ["discover", a_file], ["resolve", a_file, "app.X"]):  # never a silent PASS
        code, _, err = run(capsys, *argv)
        assert code == 2 and "not a directory" in err, argv
    code, _, err = run(capsys, "check", str(repo), "--config", str(tmp_path / "nope.toml"))
    assert code == 2
    with pytest.raises(SystemExit) as exc:
        main(["check", "--format", "yaml"])
    assert exc.value.code == 2
    for command, jobs, said in (("check", "-1", "-1 is below 0"), ("discover", "two", "not a whole number")):
        with pytest.raises(SystemExit) as exc:
            main([command, str(repo), "--jobs", jobs])
        assert exc.value.code == 2 and f"argument --jobs: {said}" in capsys.readouterr().err


def test_second_run_is_served_from_the_disk_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  _cache: Path) -> None:
    repo = make_repo(tmp_path, GOOD)
    _, first = run_json(capsys, "check", str(repo))
    _, second = run_json(capsys, "check", str(repo))
    # two empty __init__.py files are one blob: parsed once
    assert (first["summary"]["files"], first["summary"]["parsed"]) == (5, 4)
    assert (second["summary"]["parsed"], second["summary"]["cached"]) == (0, 4)
    assert [p.name for p in (_cache / "ssot").iterdir() if p.suffix == ".sqlite"]


def test_an_unchanged_tree_is_answered_from_the_report_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              _cache: Path) -> None:
    import sqlite3

    repo = make_repo(tmp_path, GOOD)
    code, first = run_json(capsys, "check", str(repo))
    [db] = (_cache / "ssot").glob("*.sqlite")
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM summaries")  # what is left: the report
    again, second = run_json(capsys, "check", str(repo))
    assert (again, second["summary"]["parsed"]) == (code, 0)
    assert {k: v for k, v in second.items() if k != "summary"} == {k: v for k, v in first.items() if k != "summary"}
    (repo / "app" / "extra.py").write_text("class Extra:\n    pass\n")  # untracked: part of the working tree
    _, third = run_json(capsys, "check", str(repo))
    assert third["summary"]["parsed"] == 5  # the summaries were gone: every blob parsed, the new one too


def test_max_file_bytes_holds_for_git_revisions_and_cached_files(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A git listing gives no sizes; a file over the limit is still skipped, read or cached,
    and analysed once the limit allows it (a skipped file is never cached as skipped)."""
    huge = {"app/huge.py": "class WebSocketManager:\n    pass\n" + "x = 1\n" * 100}
    small_limit = {".github/ssot.toml": "max_file_bytes = 400\n" + CONFIG}
    repo = make_repo(tmp_path, {**GOOD, **huge, **small_limit}, {".github/ssot.toml": CONFIG})
    code, report = run_json(capsys, "check", str(repo), "--rev", "HEAD~1")  # read: too large
    [skipped] = [f for f in report["findings"] if f["code"] == "SSOT009"]
    assert skipped["path"] == "app/huge.py" and "over max_file_bytes (400)" in skipped["message"]
    code, report = run_json(capsys, "check", str(repo), "--rev", "HEAD")  # the default limit: analysed
    assert code == 1 and "app/huge.py" in {f["path"] for f in report["findings"] if f["code"] == "SSOT003"}
    assert report["summary"]["parsed"] == 1
    # the working tree: the same files, the small limit (another text: no report of HEAD~1's
    # answers it), the huge file's summary cached and still skipped
    write(repo, {".github/ssot.toml": small_limit[".github/ssot.toml"] + "# again\n"})
    code, report = run_json(capsys, "check", str(repo))
    [skipped] = [f for f in report["findings"] if f["code"] == "SSOT009"]
    assert skipped["path"] == "app/huge.py" and report["summary"]["parsed"] == 0
    assert report["summary"]["cached"] == report["summary"]["files"] - 1  # the two empty files are one


def test_a_file_over_max_file_bytes_is_never_read(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.snapshot import GitSnapshot, WorkTreeSnapshot

    huge = {"app/huge.py": "x = 1\n" * 100, ".github/ssot.toml": "max_file_bytes = 400\n" + CONFIG}
    repo = make_repo(tmp_path, {**GOOD, **huge})
    read: list[str] = []
    for cls in (GitSnapshot, WorkTreeSnapshot):
        real = cls.read

        def recording(self, paths, real=real):  # type: ignore[no-untyped-def]
            paths = list(paths)
            read.extend(paths)
            return real(self, paths)

        monkeypatch.setattr(cls, "read", recording)
    for argv in (["check", str(repo), "--rev", "HEAD"], ["check", str(repo)]):
        _, report = run_json(capsys, *argv)
        assert [f["path"] for f in report["findings"] if f["code"] == "SSOT009"] == ["app/huge.py"]
    assert "app/huge.py" not in read and "app/ws/unified.py" in read


def test_a_file_marked_unchanged_but_edited_is_read_as_git_has_it(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """``git update-index --assume-unchanged`` then an edit: git (and ssot) see the index's
    bytes, the same whether the summary was cached or not."""
    legacy = {"app/legacy.py": "class WebSocketManager:\n    pass\n"}
    repo = make_repo(tmp_path, {**GOOD, **legacy})
    git(repo, "update-index", "--assume-unchanged", "app/legacy.py")
    (repo / "app" / "legacy.py").write_text("x = 1\n")
    code, report = run_json(capsys, "check", str(repo))
    assert code == 1 and "app/legacy.py" in {f["path"] for f in report["findings"] if f["code"] == "SSOT003"}
    code, _ = run_json(capsys, "check", str(repo), "--rev", "HEAD")
    assert code == 1


def test_a_file_over_the_limit_only_on_disk_is_judged_by_its_blob(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Git may call a file unchanged whose bytes on disk are larger than its blob (line
    endings it converts; an edit marked assume-unchanged): the blob's size decides, in the
    parser processes (many files) as in one process."""
    legacy = {"app/legacy.py": "class WebSocketManager:\n    pass\n",
              ".github/ssot.toml": "max_file_bytes = 400\n" + CONFIG}
    filler = {f"app/filler/m{i}.py": f"X{i} = {i}\n" for i in range(80)}
    repo = make_repo(tmp_path, {**GOOD, **legacy, **filler, "app/filler/__init__.py": ""})
    git(repo, "update-index", "--assume-unchanged", "app/legacy.py")
    (repo / "app" / "legacy.py").write_text("class WebSocketManager:\n    pass\n" + "#\n" * 300)
    monkeypatch.setenv("SSOT_CACHE", "off")  # each run parses every file
    for jobs in ("1", "2"):
        code, report = run_json(capsys, "check", str(repo), "--jobs", jobs)
        assert code == 1 and "app/legacy.py" in {f["path"] for f in report["findings"] if f["code"] == "SSOT003"}
        assert not [f for f in report["findings"] if f["code"] == "SSOT009"]


def test_a_file_deleted_from_the_working_tree_is_gone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    legacy = {"app/legacy.py": "class WebSocketManager:\n    pass\n"}
    repo = make_repo(tmp_path, {**GOOD, **legacy})
    code, _ = run_json(capsys, "check", str(repo))
    assert code == 1
    (repo / "app" / "legacy.py").unlink()  # not committed: the index still lists it
    code, report = run_json(capsys, "check", str(repo))
    assert code == 0 and "app/legacy.py" not in {f["path"] for f in report["findings"]}


def test_a_file_a_sparse_checkout_leaves_out_is_read_from_the_index(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    legacy = {"app/legacy.py": "class WebSocketManager:\n    pass\n"}
    repo = make_repo(tmp_path, {**GOOD, **legacy})
    git(repo, "update-index", "--skip-worktree", "app/legacy.py")
    (repo / "app" / "legacy.py").unlink()  # as a sparse checkout leaves it
    code, report = run_json(capsys, "check", str(repo))
    assert code == 1 and "app/legacy.py" in {f["path"] for f in report["findings"] if f["code"] == "SSOT003"}


def test_a_subdirectory_is_the_same_tree_with_and_without_rev(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    project = {f"proj/{p}": t for p, t in {**GOOD, **DUPLICATE}.items()}
    repo = make_repo(tmp_path, {**project, "other/x.py": "class WebSocketManager:\n    pass\n"})
    reports = [run_json(capsys, "check", str(repo / "proj"), *argv) for argv in ([], ["--rev", "HEAD"])]
    assert reports[0][0] == reports[1][0] == 1
    paths = [sorted(f["path"] for f in report["findings"]) for _, report in reports]
    assert paths[0] == paths[1] and "app/chat.py" in paths[0]  # relative to proj/, nothing from other/
    _, compared = run_json(capsys, "check", str(repo / "proj"), "--rev", "HEAD", "--base", "HEAD")
    assert compared["fixed"] == [] and not any(f["new"] for f in compared["findings"])


def test_changed_and_untracked_files_that_are_not_python_are_never_read(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import snapshot

    repo = make_repo(tmp_path, {**GOOD, "data.bin": "old"})
    (repo / "data.bin").write_text("changed")
    (repo / "new.csv").write_text("untracked")
    (repo / "app" / "new.py").write_text("x = 1\n")
    read: list[str] = []
    real = snapshot._read
    monkeypatch.setattr(snapshot, "_read", lambda full: read.append(os.path.basename(full)) or real(full))
    entries = snapshot.open_snapshot(str(repo), None).entries()
    assert read == ["new.py"] and "app/new.py" in entries and not {"data.bin", "new.csv"} & set(entries)


def test_a_file_that_cannot_be_read_is_a_notice(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.snapshot import WorkTreeSnapshot

    repo = make_repo(tmp_path, {**GOOD, "app/locked.py": "class WebSocketManager:\n    pass\n"})
    real, local = WorkTreeSnapshot.read, WorkTreeSnapshot.local
    monkeypatch.setattr(WorkTreeSnapshot, "read",
                        lambda self, paths: {p: d for p, d in real(self, paths).items() if p != "app/locked.py"})
    # the parser process finds no file either (then the snapshot is asked, which has none)
    monkeypatch.setattr(WorkTreeSnapshot, "local", lambda self, paths: {
        p: str(tmp_path / "gone.py") if p == "app/locked.py" else name for p, name in local(self, paths).items()})
    code, report = run_json(capsys, "check", str(repo))
    [notice] = [f for f in report["findings"] if f["code"] == "SSOT009"]
    assert notice["path"] == "app/locked.py" and "could not be read" in notice["message"] and code == 0


def test_a_parser_process_reads_a_file_itself_only_as_listed(tmp_path: Path) -> None:
    """A working tree's unchanged files are read by the parser processes, not the parent:
    one that is not as listed (other bytes, gone, over max_file_bytes on disk, no regular
    file) is handed back, for the snapshot to read (and size) as git has it."""
    from bot.analysis import _summarize_chunk
    from bot.snapshot import blob_sha

    source = b"class A:\n    pass\n"
    name, sha = str(tmp_path / "a.py"), blob_sha(source)
    (tmp_path / "a.py").write_bytes(source)
    given, named, changed, gone = _summarize_chunk(
        [(sha, source), (sha, name), ("c" * 40, name), (sha, str(tmp_path / "gone.py"))], False, 100)
    assert given[0] == sha and given[1] is not None  # the parent has the bytes
    assert named == (sha, given[1])  # read here, summarised alike; the bytes stay here
    assert changed == ("c" * 40, None) and gone == (sha, None)
    # over the limit on disk (its blob, which decides, may be smaller), or no regular file
    # (a FIFO would block a plain open): handed back unread
    os.mkfifo(tmp_path / "fifo.py")
    assert _summarize_chunk([(sha, name), (sha, str(tmp_path / "fifo.py")), (sha, str(tmp_path))], False,
                            len(source) - 1) == [(sha, None)] * 3


def test_a_file_only_touched_is_not_changed() -> None:
    from bot.analysis import changed_paths
    from bot.snapshot import Entry

    sha = "a" * 40
    assert changed_paths({"a.py": Entry(sha, 10), "b.py": Entry("b" * 40, None)},
                         {"a.py": Entry(sha, None), "c.py": Entry(sha, 3)}) == {"b.py", "c.py"}


def test_a_file_name_that_is_not_utf8_is_analysed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path, GOOD)
    with open(os.fsencode(repo) + b"/app/caf\xe9.py", "wb") as handle:
        handle.write(b"class WebSocketManager:\n    pass\n")
    for parsed in (True, False):  # analysed, then from the report cache
        code, report = run_json(capsys, "check", str(repo))
        assert code == 1 and (report["summary"]["parsed"] > 0) is parsed
        [duplicate] = [f for f in report["findings"] if f["code"] == "SSOT003"]
        assert duplicate["path"].startswith("app/caf")


def test_plain_directory_skips_links_out_of_the_tree_and_large_files(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "plain"
    write(root, GOOD)
    outside = tmp_path / "outside.py"
    outside.write_text("class WebSocketManager:\n    pass\n")
    os.symlink(outside, root / "app" / "linked.py")
    write(root, {"app/huge.py": "x = 1\n" * 100, ".github/ssot.toml": "max_file_bytes = 400\n" + CONFIG})
    code, report = run_json(capsys, "check", str(root))
    assert code == 0
    assert not [f for f in report["findings"] if f["code"] == "SSOT003"]
    [skipped] = [f for f in report["findings"] if f["code"] == "SSOT009"]
    assert skipped["path"] == "app/huge.py" and "max_file_bytes" in skipped["message"]


def test_resolve_json_and_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path, GOOD)
    code, out, _ = run(capsys, "resolve", str(repo), "app.chat.WebSocketManager", "--format", "json")
    assert code == 0
    answer = json.loads(out)
    assert answer["status"] == "resolved"
    assert answer["definition"] == {"path": "app/ws/unified.py", "line": 1, "qualname": "UnifiedWebSocketManager",
                                    "kind": "class"}
    assert answer["chain"] == ["app.chat.WebSocketManager", "app.ws.manager.WebSocketManager",
                               "app.ws.unified.UnifiedWebSocketManager (class, line 1)"]
    names = ["app.chat.WebSocketManager", "app.ws.nothing.X"]
    code, out, _ = run(capsys, "resolve", str(repo), *names, "--format", "json")
    assert code == 1
    assert [a["status"] for a in json.loads(out)] == ["resolved", "unresolved"]


def test_resolve_takes_a_package_name_for_a_name_not_a_path(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, GOOD)
    monkeypatch.chdir(repo)  # `app` is a directory here, and a package
    code, out, _ = run(capsys, "resolve", "app", "app.chat.WebSocketManager", "--format", "json")
    assert code == 0 and [a["name"] for a in json.loads(out)] == ["app", "app.chat.WebSocketManager"]
    code, out, _ = run(capsys, "resolve", "./", "app.chat.WebSocketManager", "--format", "json")
    assert code == 0 and json.loads(out)["status"] == "resolved"
    assert run(capsys, "resolve", "./")[0] == 2


def test_resolve_refuses_a_broken_config_and_what_is_not_a_dotted_name(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The config's roots decide where a name leads: a broken one is said (exit 2), never
    replaced by the defaults; and `a..b` or an empty name is a usage error, not "external"."""
    repo = make_repo(tmp_path, GOOD)
    broken = tmp_path / "broken.toml"
    broken.write_text('roots = ["src"\n')
    code, out, err = run(capsys, "resolve", str(repo), "app.chat.WebSocketManager", "--config", str(broken))
    assert (code, out) == (2, "") and err.startswith(f"ssot: error: {broken}:1: not valid TOML")
    for name in ("a..b", "", "app.chat.", "1app"):
        code, out, err = run(capsys, "resolve", str(repo), name)
        assert (code, out) == (2, "") and err == f"ssot: error: not a dotted name: {name!r} (names are like " \
                                                 "`pkg.module.Name`)\n"


def test_console_script_runs(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, GOOD)
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "check", str(repo)], capture_output=True, text=True,
                          env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "c")})
    assert proc.returncode == 0, proc.stderr
    assert "PASS" in proc.stdout


def test_the_console_script_exits_with_main_s_status_and_its_output_flushed(tmp_path: Path) -> None:
    """`ssot` leaves without tearing its heap down (os._exit): what it printed must still
    arrive whole, through a pipe, with main's exit status."""
    repo = make_repo(tmp_path, GOOD, DUPLICATE)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "c")}
    env.pop("PYTHONUNBUFFERED", None)  # buffered, as a pipe is by default
    script = [sys.executable, "-c", "from bot.cli import run; run()"]
    proc = subprocess.run([*script, "check", str(repo), "--format", "json"], capture_output=True, env=env)
    report = json.loads(proc.stdout)
    assert proc.returncode == 1 and report["findings"], proc.stderr
    # the second run, answered from the cache: the same report
    proc = subprocess.run([*script, "check", str(repo), "--format", "json"], capture_output=True, env=env)
    again = json.loads(proc.stdout)
    assert again == {**report, "summary": again["summary"]} and again["summary"]["parsed"] == 0
    closed = subprocess.run([*script, "check", "/nonexistent"], capture_output=True, text=True, env=env)
    assert closed.returncode == 2 and "no such file or directory" in closed.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_output_that_cannot_be_written_is_an_error_not_a_pass(tmp_path: Path) -> None:
    """`ssot check > report.json` on a full disk: exit 2 saying why, never 0 with nothing."""
    repo = make_repo(tmp_path, GOOD)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-c", "from bot.cli import run; run()", "check", str(repo),
                               "--format", "json"], stdout=full, stderr=subprocess.PIPE, text=True,
                              env={**env, "XDG_CACHE_HOME": str(tmp_path / "c")})
    assert proc.returncode == 2 and "ssot: error: cannot write the output: No space left on device" in proc.stderr
    gone = subprocess.Popen([sys.executable, "-c", "from bot.cli import run; run()", "check", str(tmp_path / "none")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert gone.stdout is not None and gone.stderr is not None
    gone.stderr.close()  # nobody left to read the error: the status still says it
    assert gone.wait(60) == 2
    gone.stdout.close()
    piped = subprocess.Popen([sys.executable, "-c", "from bot.cli import run; run()", "check", str(repo), "--format",
                              "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert piped.stdout is not None and piped.stderr is not None
    piped.stdout.close()  # the reader goes away at once (`| head -0`): no traceback, no noise
    assert piped.wait(60) == 2 and piped.stderr.read() == b""


def test_an_output_cut_short_by_its_reader_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader goes away after a few bytes of an output larger than the pipe holds (`|
    head -c 10`): the pipe takes part of a write, and an unbuffered stdout (PYTHONUNBUFFERED,
    common in CI images) drops the rest without a word, so the run exited with the verdict's
    status. Every byte is written, or BrokenPipeError says it was not (exit status 2)."""
    import threading

    from bot.cli import emit

    reader, writer = os.pipe()

    def head() -> None:
        time.sleep(0.2)  # while the writer waits for room in the pipe
        os.read(reader, 10)
        os.close(reader)

    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.FileIO(writer, "w"), encoding="utf-8", write_through=True))
    thread = threading.Thread(target=head)
    thread.start()
    try:
        with pytest.raises(BrokenPipeError):
            emit("x" * (1 << 20))
    finally:
        thread.join()
        with contextlib.suppress(OSError):
            sys.stdout.close()


def test_parsing_in_processes_from_a_threaded_program(tmp_path: Path) -> None:
    """The App analyses on a thread: the process pool must then not fork a threaded parent."""
    import threading

    from bot.analysis import load_config, run_check
    from bot.cache import SummaryStore
    from bot.snapshot import MemorySnapshot

    files = {f"pkg/m{i}.py": (f"class C{i}:\n" + "    def m(self):\n        return 1\n" * 300).encode()
             for i in range(80)}
    snapshot = MemorySnapshot(files)
    results = []

    def analyse() -> None:
        results.append(run_check(snapshot, None, load_config(snapshot), SummaryStore(None, "t"), workers=2))

    thread = threading.Thread(target=analyse)
    thread.start()
    thread.join(timeout=120)
    assert results and results[0].summary.parsed == 80


def test_a_rule_that_stops_leaves_the_check_incomplete_never_passed(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """An error rule that could not run has not passed: the notice says which, the verdict
    is INCOMPLETE (``incomplete`` in JSON) and the exit status 2, so a CI gate stops."""
    from rules import duplicate_definition

    def stopping(ctx, concept):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug")

    write(tmp_path, GOOD)
    monkeypatch.setattr(duplicate_definition, "evaluate", stopping)
    code, out, err = run(capsys, "check", str(tmp_path))
    assert code == 2 and out.rstrip().endswith(": INCOMPLETE")
    assert out.startswith("WebSocketManager: INCOMPLETE")  # the concept's header too: never PASS
    assert "ssot: error: the check could not finish: 1 rule stopped" in err
    code, out, _ = run(capsys, "check", str(tmp_path), "--format", "json")
    assert code == 2 and json.loads(out)["incomplete"] is True


def test_a_config_path_that_holds_no_regular_file_is_an_error_never_the_default(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """regression: `.github/ssot.toml` as a symbolic link in git (which keeps the link, not
    the file) was left out, and the default config passed a repository its real config
    fails. A link to nothing, or a directory, in a plain directory likewise."""
    files = {**GOOD, **DUPLICATE, "conf/ssot.toml": CONFIG}
    del files[".github/ssot.toml"]
    repo = make_repo(tmp_path, files)
    (repo / ".github").mkdir()
    (repo / ".github/ssot.toml").symlink_to("../conf/ssot.toml")
    expected = ".github/ssot.toml: not a regular file (a symbolic link"
    code, _, err = run(capsys, "check", str(repo))  # untracked, then committed
    assert code == 2 and expected in err
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "link")
    for argv in ([], ["--rev", "HEAD"], ["--rev", "HEAD", "--base", "HEAD~1"]):
        code, _, err = run(capsys, "check", str(repo), *argv)
        assert code == 2 and expected in err, argv
    plain = tmp_path / "plain"
    write(plain, files)
    (plain / ".github").mkdir()
    (plain / ".github/ssot.toml").symlink_to("../conf/ssot.toml")  # a link inside the directory: followed
    code, out, _ = run(capsys, "check", str(plain))
    assert code == 1 and "SSOT003" in out
    (plain / ".github/ssot.toml").unlink()
    (plain / ".github/ssot.toml").symlink_to("../conf/gone.toml")
    assert run(capsys, "check", str(plain))[0] == 2
    (plain / ".github/ssot.toml").unlink()
    (plain / ".github/ssot.toml").mkdir()
    code, _, err = run(capsys, "check", str(plain))
    assert code == 2 and ".github/ssot.toml: not a regular file" in err
    # a linked pyproject.toml (a monorepo's shared one) need not hold ssot's config: not read
    (plain / ".github/ssot.toml").rmdir()
    (plain / "conf/pyproject.toml").write_text("[project]\nname = 'x'\n")
    (plain / "pyproject.toml").symlink_to("conf/gone.toml")
    code, out, _ = run(capsys, "check", str(plain))
    assert code == 0 and out.rstrip().endswith(": PASS")


def test_a_bug_in_ssot_exits_2_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception nothing expected is not exit status 1 (a CI gate would read it as
    findings): exit 2, the traceback and a request to report it."""
    from bot import cli

    write(tmp_path, GOOD)
    monkeypatch.setattr(cli, "render", lambda report, fmt: 1 / 0)
    code, out, err = run(capsys, "check", str(tmp_path))
    assert code == 2 and out == ""
    assert "Traceback" in err and "ssot: error: internal error (ZeroDivisionError: division by zero)" in err


@pytest.mark.parametrize("kind", ["directory", "work tree"])
def test_a_file_that_cannot_be_read_is_a_notice_and_a_config_that_cannot_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """A file there but unreadable (no permission) is not left out in silence: a source
    file is an SSOT009 notice (the rest runs, its report is not kept), the config file an
    error (exit 2): never the default config in its place. (Tests run as root, whom
    permissions do not stop: reading fails here by hand.)"""
    from bot import snapshot

    repo = make_repo(tmp_path, GOOD) if kind == "work tree" else tmp_path / "dir"
    if kind == "directory":
        write(repo, GOOD)
    write(repo, {"app/secret.py": "class WebSocketManager:\n    pass\n"})  # untracked, in a work tree
    real = snapshot._read
    unreadable = {"app/secret.py"}
    monkeypatch.setattr(snapshot, "_read", lambda full: None if any(full.endswith(p) for p in unreadable)
                        else real(full))
    code, out, _ = run(capsys, "check", str(repo), "--format", "json")
    report = json.loads(out)
    assert code == 0 and [(f["code"], f["path"], f["message"]) for f in report["findings"]] == [
        ("SSOT009", "app/secret.py", "`app/secret.py` was not analysed: the file could not be read")]
    unreadable.add(".github/ssot.toml")
    if kind == "work tree":
        write(repo, {".github/ssot.toml": CONFIG + "\n"})  # changed: read from the disk
    code, out, err = run(capsys, "check", str(repo))
    assert (code, out) == (2, "")
    assert "ssot: error: .github/ssot.toml: the config file cannot be used (it could not be read)" in err


def test_an_unlisted_directory_changes_the_report_key_and_never_hides_the_config(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A report cached while a directory was listed is not the answer once it cannot be
    (the key holds the directory); a ``.github/`` that cannot be listed is an error, never
    the default config in place of the one it may hold."""
    from bot import snapshot

    write(tmp_path, {**GOOD, "app/hidden/notes.txt": "no code yet\n"})
    assert run(capsys, "check", str(tmp_path))[0] == 0  # cached: the same Python files as below
    write(tmp_path, {"app/hidden/x.py": "class WebSocketManager:\n    pass\n"})
    real = os.scandir
    hidden = ["hidden"]

    def scandir(path):  # type: ignore[no-untyped-def]
        if str(path).rstrip("/").endswith(tuple(hidden)):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(snapshot.os, "scandir", scandir)
    code, report = run_json(capsys, "check", str(tmp_path))
    assert code == 0 and [(f["code"], f["path"]) for f in report["findings"]] == [("SSOT009", "app/hidden/")]
    hidden[:] = [".github"]
    write(tmp_path, DUPLICATE)  # the default config has no concept to fail it
    for pyproject in ("", "[project]\nname = 'app'\n", "[tool.ssot]\nfail_on = 'new'\n"):
        if pyproject:  # one a .github/ssot.toml would come before, with or without ssot's table
            write(tmp_path, {"pyproject.toml": pyproject})
        code, out, err = run(capsys, "check", str(tmp_path))
        assert (code, out) == (2, "")
        assert err == ("ssot: error: .github/: the directory cannot be listed, so its config file "
                       "(.github/ssot.toml), if there is one, cannot be read\n")


def test_a_config_named_on_the_command_line_must_be_a_small_regular_file(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """A FIFO would block the run for ever, a device never end: refused, as a directory is."""
    write(tmp_path, GOOD)
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (1 << 20) + b"\n")
    for name, why in ((fifo, "not a regular file"), (tmp_path, "is a directory, not a config file"),
                      (big, "over 1 MiB: not a config file")):
        code, out, err = run(capsys, "check", str(tmp_path), "--config", str(name))
        assert (code, out) == (2, "") and err == f"ssot: error: {name}: {why}\n"


def test_a_directory_that_cannot_be_listed_is_a_notice(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Its files cannot even be named, so the directory stands for them: an SSOT009 notice
    in the report (not a warning on stderr only, which a CI log or a JSON reader never
    sees), unless ``exclude`` covers it; the rest runs. The directory to check itself is
    an error: nothing to say PASS on."""
    from bot import snapshot

    write(tmp_path, {**GOOD, "app/hidden/x.py": "class WebSocketManager:\n    pass\n",
                     "tests/private/test_x.py": "x = 1\n"})
    real = os.scandir
    hidden = ("hidden", "private")

    def scandir(path):  # type: ignore[no-untyped-def]
        if str(path).rstrip("/").endswith(hidden):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(snapshot.os, "scandir", scandir)
    code, out, err = run(capsys, "check", str(tmp_path), "--format", "json")
    assert (code, err) == (0, "")
    unlisted_files = json.loads(out)["summary"]["files"]
    assert [(f["code"], f["path"], f["line"], f["message"]) for f in json.loads(out)["findings"]] == [
        ("SSOT009", "app/hidden/", 1, "`app/hidden/` was not analysed: the directory could not be listed (if it "
                                      "holds no code, add it to `exclude`)")]
    code, out, err = run(capsys, "check", str(tmp_path))
    assert code == 0 and "app/hidden/" in out and out.rstrip().endswith("PASS")
    code, out, err = run(capsys, "check", str(tmp_path / "app" / "hidden"))
    assert (code, out) == (2, "")
    assert err == f"ssot: error: {tmp_path / 'app' / 'hidden'}: the directory cannot be listed (Permission denied)\n"
    hidden = ()  # listed now: what it hid is analysed (a second class of the concept's name)
    code, report = run_json(capsys, "check", str(tmp_path))
    assert code == 1 and [(f["code"], f["path"]) for f in report["findings"]] == [("SSOT003", "app/hidden/x.py")]
    assert report["summary"]["files"] == unlisted_files + 1  # the directory counted as no file
