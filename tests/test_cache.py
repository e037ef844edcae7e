"""The summary cache: content-addressed, shared safely, invalidated by a new version."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cache import SummaryStore
from bot.snapshot import blob_sha
from rules.summary import FileSummary, summarize

SOURCES = [f"class C{i}:\n    def m(self):\n        return {i}\n".encode() for i in range(50)]


def summarised() -> dict[str, object]:
    """SOURCES summarised, to compare with (a summary a store kept reads its bytes from that store)."""
    return {blob_sha(s): summarize(s) for s in SOURCES}


def test_round_trip_and_memory_layer(tmp_path: Path) -> None:
    store = SummaryStore(str(tmp_path), "1.0")
    items = {blob_sha(s): summarize(s) for s in SOURCES}
    store.put_many(items)
    store.close()
    for size in (None, 10):  # one command's plain dict; a server's bounded LRU
        again = SummaryStore(str(tmp_path), "1.0", memory_size=size)
        got = again.get_many(list(items) + ["0" * 40])
        assert got == summarised()
        assert len(again.memory) == (len(items) if size is None else size)
        again.close()


def test_a_few_summaries_are_looked_up_and_many_read_through(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A run asking for the whole repository reads the table through; a few are looked up
    (a cache of many repositories is not read through for one file): the same answers."""
    from bot import cache

    store = SummaryStore(str(tmp_path), "1.0")
    for _ in range(3):  # each row replaced twice (as when its details are kept): rowids run far past the rows
        store.put_many(summarised())
    store.close()
    shas = [blob_sha(s) for s in SOURCES]
    monkeypatch.setattr(cache, "_BATCH", 4)
    for asked, how in ((shas[:3], "looked up"), (shas[:9], "looked up"), (shas[10:40] + ["0" * 40], "through"),
                       (shas[::-1], "through")):
        store = SummaryStore(str(tmp_path), "1.0")
        statements: list[str] = []
        assert store._db is not None
        store._db.set_trace_callback(statements.append)
        assert store.get_many(asked) == {sha: s for sha, s in summarised().items() if sha in asked}
        lookups = [q for q in statements if "WHERE sha IN" in q]
        assert ("looked up" if lookups else "through") == how
        assert len(lookups) == (-(-len(asked) // 4) if how == "looked up" else 0)  # batches of 4
        store.close()


def test_a_new_version_starts_empty_and_removes_the_old_file(tmp_path: Path) -> None:
    old = SummaryStore(str(tmp_path), "1.0")
    old.put_many({blob_sha(SOURCES[0]): summarize(SOURCES[0])})
    old.close()
    assert any("v1.0" in p for p in os.listdir(tmp_path))
    new = SummaryStore(str(tmp_path), "2.0")
    assert new.get_many([blob_sha(SOURCES[0])]) == {}
    assert not any("v1.0" in p for p in os.listdir(tmp_path))


def test_an_unusable_cache_directory_is_a_warning(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    store = SummaryStore(str(blocker / "ssot"), "1.0")
    store.put_many({"a" * 40: summarize(b"x = 1\n")})
    assert store.get_many(["a" * 40])  # the memory layer still works
    assert "cache disabled" in capsys.readouterr().err


@pytest.mark.parametrize("others", [0, 50])  # the table read through, or the row looked up
def test_a_corrupt_row_is_reparsed_not_fatal(tmp_path: Path, capsys, others: int) -> None:  # type: ignore[no-untyped-def]
    store = SummaryStore(str(tmp_path), "1.0")
    if others:
        store.put_many(summarised())
    assert store._db is not None
    store._db.execute("INSERT INTO summaries VALUES (?, ?)", ("b" * 40, b"garbage"))
    fresh = SummaryStore(str(tmp_path), "1.0")
    assert fresh.get_many(["b" * 40, blob_sha(SOURCES[0])]) == ({blob_sha(SOURCES[0]): summarize(SOURCES[0])}
                                                                  if others else {})
    assert "1 cached summaries unreadable" in capsys.readouterr().err
    assert SummaryStore(str(tmp_path), "1.0").get_many(["b" * 40]) == {}
    assert capsys.readouterr().err == ""  # the damaged row is gone


def test_a_damaged_cache_file_is_replaced_not_given_up(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The cache is not synced to disk: after a crash of the machine its file may be
    damaged. The next run starts a new one instead of running without a cache for ever."""
    items = {blob_sha(s): summarize(s) for s in SOURCES}
    for damage in ("header", "pages"):
        folder = tmp_path / damage
        store = SummaryStore(str(folder), "1.0")
        store.put_many({**summarised(), **{f"{i:040x}": summarize(b"x = %d\n" % i + b"#" * 3000) for i in range(300)}})
        store.close()
        [path] = folder.glob("*.sqlite")
        with open(path, "r+b") as handle:  # the file's header, or every page after the schema's
            handle.seek(0 if damage == "header" else 4096)
            handle.write(b"\xff" * (100 if damage == "header" else path.stat().st_size - 4096))
        damaged = SummaryStore(str(folder), "1.0")
        assert damaged.get_many(list(items)) == {}
        damaged.close()
        assert "cache file was damaged" in capsys.readouterr().err, damage
        fresh = SummaryStore(str(folder), "1.0")  # a new file, that keeps what is put in it
        assert fresh._db is not None and fresh.get_many(list(items)) == {}
        fresh.put_many(summarised())
        fresh.close()
        again = SummaryStore(str(folder), "1.0")
        assert again.get_many(list(items)) == summarised()
        again.close()
        assert "cache" not in capsys.readouterr().err
    # a server's memory does not keep summaries that read their bytes from a removed file
    server = SummaryStore(str(tmp_path / "server"), "1.0", memory_size=100)
    server.put_many(summarised())
    made = server.get_many([blob_sha(SOURCES[0])])[blob_sha(SOURCES[0])]
    made.classes  # noqa: B018  # its detail is made: it needs the file no more
    assert server._remove(sqlite3.DatabaseError("damaged")) and list(server.memory) == [blob_sha(SOURCES[0])]
    capsys.readouterr()
    # an error that says nothing of the file (here: a connection closed under the store) keeps it
    [path] = folder.glob("*.sqlite")
    store = SummaryStore(str(folder), "1.0")
    assert store._db is not None
    store._db.close()
    assert store.get_many(list(items)) == {}
    assert "cache read failed" in capsys.readouterr().err and path.exists()
    assert SummaryStore(str(folder), "1.0").get_many(list(items)) == summarised()


WRITER = """
import sys
from bot.cache import SummaryStore
from rules.summary import summarize
store = SummaryStore(sys.argv[1], "1.0")
for round in range(20):
    items = {f"{int(sys.argv[2]) * 1000 + round * 10 + i:040d}": summarize(b"x = %d\\n" % i) for i in range(10)}
    store.put_many(items)
    assert store.get_many(list(items)) == items
"""


def test_two_processes_can_share_it(tmp_path: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(n)], stderr=subprocess.PIPE)
             for n in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        assert b"warning" not in err
    merged = SummaryStore(str(tmp_path), "1.0")
    keys = [f"{n * 1000 + r * 10 + i:040d}" for n in range(2) for r in range(20) for i in range(10)]
    assert len(merged.get_many(keys)) == 400


# -- reports ---------------------------------------------------------------------------------

def _key(files: dict[str, str], config: str = "", changed: set[str] | None = None, *,
         path: str = ".github/ssot.toml", table: str | None = None, sizes: dict[str, int] | None = None) -> str:
    from bot.analysis import LoadedConfig, report_keys
    from bot.snapshot import Entry
    from rules.config import parse_config

    entries = {p: Entry(blob_sha(t.encode("utf-8", "surrogateescape")), (sizes or {}).get(p, len(t)))
               for p, t in files.items()}
    return report_keys(entries, LoadedConfig(parse_config(config, path, table=table), config, path), changed)[0]


def test_a_report_key_covers_every_input_of_the_analysis(tmp_path: Path) -> None:
    files = {"app/a.py": "class A: pass\n", "README.md": "hello\n"}
    key = _key(files)
    assert key == _key(dict(files))
    assert key == _key({**files, "README.md": "not Python: not analysed\n"})
    others = [
        _key({**files, "app/a.py": "class B: pass\n"}),  # content
        _key({"app/b.py": files["app/a.py"], "README.md": ""}),  # path
        _key({**files, "app/new.py": ""}),  # a new file
        _key(files, config="fail_on = 'new'\n"),  # config
        _key(files, changed={"app/a.py"}),  # with a base
        _key(files, changed=set()),
        _key(files, sizes={"app/a.py": 10**9}),  # over max_file_bytes on disk (a filter checkout)
        _key(files, "fail_on = 'any'\n", path="pyproject.toml"),  # pyproject: [tool.ssot] only
        _key(files, "fail_on = 'any'\n", path="pyproject.toml", table=""),  # --config pyproject.toml
    ]
    assert len({key, *others}) == len(others) + 1


def test_a_report_key_takes_paths_that_are_not_utf8() -> None:
    name = b"app/caf\xe9.py".decode("utf-8", "surrogateescape")
    assert _key({name: "class A: pass\n"}) != _key({"app/cafe.py": "class A: pass\n"})


def test_a_report_key_changes_with_the_rules_code(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import shutil

    import rules
    from bot import analysis

    before = _key({"a.py": ""})
    copy = tmp_path / "rules"
    shutil.copytree(rules.__path__[0], copy)
    monkeypatch.setattr(rules, "__path__", [str(copy)])
    analysis._code_digest.cache_clear()
    try:
        assert _key({"a.py": ""}) == before
        analysis._code_digest.cache_clear()
        with open(copy / "engine.py", "a") as handle:
            handle.write("\n# an edit\n")
        assert _key({"a.py": ""}) != before
    finally:
        analysis._code_digest.cache_clear()


def test_reports_round_trip_and_only_the_latest_are_kept(tmp_path: Path) -> None:
    from bot import cache
    from rules.engine import analyze_sources

    report = analyze_sources({"app/a.py": "class A:\n    pass\n"})
    store = SummaryStore(str(tmp_path), "1.0")
    for n in range(cache._REPORTS + 3):
        store.put_report(f"k{n}", report)
    store.close()
    again = SummaryStore(str(tmp_path), "1.0")
    assert again.get_report(f"k{cache._REPORTS + 2}") == report
    assert again.get_report("k0") is None and again.get_report("k2") is None
    assert again.get_report("k3") == report


def test_a_corrupt_report_is_analysed_again_and_dropped(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import pickle

    from rules.engine import analyze_sources

    store = SummaryStore(str(tmp_path), "1.0")
    assert store._db is not None
    good = pickle.dumps(analyze_sources({"app/a.py": "class A:\n    pass\n"}))
    damaged = {"garbage": b"garbage", "truncated": good[:len(good) // 2], "flipped": good[:40] + b"\xff" + good[41:],
               "not a report": pickle.dumps({"a": 1})}
    for key, data in damaged.items():
        store._db.execute("INSERT INTO reports VALUES (?, ?)", (key, data))
    for key in damaged:
        assert SummaryStore(str(tmp_path), "1.0").get_report(key) is None
        assert "cache read failed" in capsys.readouterr().err
        assert SummaryStore(str(tmp_path), "1.0").get_report(key) is None
        assert capsys.readouterr().err == ""  # dropped: warned once


def test_findings_pickle_with_every_field() -> None:
    """Findings and locations pickle as constructor calls (fast to read back); one that
    forgot a field would lose it."""
    import dataclasses
    import pickle

    from rules.model import Finding, Location, Severity

    where = Location("app/a.py", 3, 5, 9)
    finding = Finding("SSOT002", "alias-diverges", Severity.ERROR, "Manager", "app.Manager", "text", where,
                      ("a", "b"), (Location("app/b.py", 2, 1, None),), True)
    for value in (where, finding):
        assert len(value.__reduce__()[1]) == len(dataclasses.fields(value))
        assert pickle.loads(pickle.dumps(value)) == value


def test_a_detail_made_from_the_bytes_is_written_back(tmp_path: Path) -> None:
    """A fresh summary is cached with the file's bytes (apart from its header: a run reads
    only the bytes of the files whose detail it makes); once a rule has made its detail,
    the cache keeps the detail (the next run decodes it instead of parsing the file)."""
    source = SOURCES[0]
    sha = blob_sha(source)
    store = SummaryStore(str(tmp_path), "1.0")
    fresh = summarize(source)
    store.put_many({sha: fresh})
    assert fresh.held_source() is None and fresh.classes[0].name == "C0"  # let go of, read back
    store.close()
    [path] = tmp_path.glob("*.sqlite")
    with contextlib.closing(sqlite3.connect(path)) as db:
        [(row,)] = db.execute("SELECT data FROM summaries")
        assert source not in row and db.execute("SELECT data FROM sources").fetchall() == [(source,)]
    first = SummaryStore(str(tmp_path), "1.0")
    loaded = first.get_many([sha])[sha]
    assert not loaded.holds_detail and not loaded.made
    assert loaded.classes[0].name == "C0" and loaded.made  # made from the bytes
    first.keep_details([(sha, loaded)])
    assert not loaded.made  # kept: not written again
    first.close()
    again = SummaryStore(str(tmp_path), "1.0").get_many([sha])[sha]
    assert again._source is None and again._blob is not None
    assert again.classes[0].name == "C0" and not again.made


def _detail_in_child(store: SummaryStore, summary: FileSummary) -> None:
    name = summary.classes[0].name
    os._exit(0 if name == "C1" and store._forked is not None else 1)  # read on a connection of its own


def test_a_forked_child_reads_the_bytes_on_a_connection_of_its_own(tmp_path: Path) -> None:
    """The base revision is analysed in a forked child, which may make details from bytes
    in the cache: SQLite forbids using the parent's connection there."""
    store = SummaryStore(str(tmp_path), "1.0")
    store.put_many(summarised())
    store.memory.clear()
    summary = store.get_many([blob_sha(SOURCES[1])])[blob_sha(SOURCES[1])]  # read by the parent
    child = multiprocessing.get_context("fork").Process(target=_detail_in_child, args=(store, summary))
    child.start()
    child.join(60)
    assert child.exitcode == 0 and store._forked is None
    loaded = store.get_many([blob_sha(SOURCES[2])])[blob_sha(SOURCES[2])]
    assert loaded.classes[0].name == "C2"  # the parent's own connection still serves it
    store.close()


def _damage_in_child(store: SummaryStore) -> None:
    damaged = sqlite3.DatabaseError("database disk image is malformed")
    damaged.sqlite_errorcode = sqlite3.SQLITE_CORRUPT  # type: ignore[attr-defined]
    assert store.get_many([blob_sha(SOURCES[3])])  # read on a connection of its own
    store._failed(damaged, "cache read failed")
    os._exit(0 if store._connection() is None and store.get_many([blob_sha(SOURCES[4])]) == {} else 1)


def test_a_forked_child_that_finds_the_cache_damaged_leaves_it_to_its_parent(tmp_path: Path) -> None:
    """The base's child reads and writes the cache too: finding it damaged, it stops using
    it (and says so), but the file is its parent's to replace, not removed under it."""
    store = SummaryStore(str(tmp_path), "1.0")
    store.put_many(summarised())
    store.memory.clear()
    child = multiprocessing.get_context("fork").Process(target=_damage_in_child, args=(store,))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert store.get_many([blob_sha(SOURCES[5])])  # the parent's file and connection still serve it
    assert len(list(tmp_path.glob("*.sqlite"))) == 1
    store.close()


def test_a_command_s_cache_keeps_no_bytes_and_lives_beside_a_server_s(tmp_path: Path) -> None:
    """A command's snapshot can read a file again: its cache (a file of its own, half the
    size) keeps headers only, and a detail is made from the bytes the snapshot reads."""
    from bot.analysis import collect
    from bot.snapshot import MemorySnapshot
    from rules.config import parse_config
    from rules.summary import DetailError

    files = {f"pkg/m{i}.py": source for i, source in enumerate(SOURCES)}
    config = parse_config("", "")
    server = SummaryStore(str(tmp_path), "1.0")
    server.put_many(summarised())
    (tmp_path / "summaries-f1-v0.9-py30.sqlite").write_bytes(b"an older version's")
    lean = SummaryStore(str(tmp_path), "1.0", keep_bytes=False)
    collect(MemorySnapshot(files), config, lean, workers=1)
    lean.close()
    names = sorted(p.name for p in tmp_path.glob("*.sqlite"))
    assert len(names) == 2 and names[0].endswith("-lean.sqlite") and "v0.9" not in " ".join(names)
    with contextlib.closing(sqlite3.connect(tmp_path / names[0])) as db:
        assert db.execute("SELECT count(*) FROM summaries").fetchone() == (len(SOURCES),)
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 'sources'").fetchone() is None  # no bytes
    again = SummaryStore(str(tmp_path), "1.0", keep_bytes=False)
    collected = collect(MemorySnapshot(files), config, again, workers=1)
    assert collected.parsed == 0 and collected.files["pkg/m3.py"].classes[0].name == "C3"  # read again
    edited = MemorySnapshot({**files, "pkg/m4.py": SOURCES[4]})
    summary = collect(edited, config, again, workers=1).files["pkg/m4.py"]
    edited.files["pkg/m4.py"] = b"class Changed:\n    pass\n"  # not the bytes summarised: no detail from them
    with pytest.raises(DetailError):
        summary.classes  # noqa: B018
    assert server.get_many([blob_sha(SOURCES[0])])  # the server's cache is still there
    server.close()


def test_a_server_without_a_disk_keeps_the_bytes_compressed() -> None:
    for size, compressed in ((None, False), (100, True)):  # one command's dict; a server's LRU
        store = SummaryStore(None, "1.0", memory_size=size)
        items = summarised()
        store.put_many(items)
        assert all((s.held_source() is None) == compressed for s in items.values())  # type: ignore[attr-defined]
        assert store.get_many(list(items)) == summarised()  # details made from the bytes kept


def test_collecting_with_details_remakes_summaries_cached_without_one(tmp_path: Path) -> None:
    """``ssot discover`` reads every file's detail: a summary an earlier check cached with
    only the file's bytes is made again in the parser processes, and kept with its detail."""
    from bot.analysis import collect
    from bot.snapshot import MemorySnapshot
    from rules.config import parse_config

    files = {f"pkg/m{i}.py": source for i, source in enumerate(SOURCES)}
    snapshot = MemorySnapshot(files)
    config = parse_config("", "")
    store = SummaryStore(str(tmp_path), "1.0")
    assert not any(s.holds_detail for s in collect(snapshot, config, store, workers=1).files.values())
    store.close()
    again = SummaryStore(str(tmp_path), "1.0")
    collected = collect(snapshot, config, again, workers=1, detail=True)
    assert collected.parsed == len(SOURCES) and all(s.holds_detail for s in collected.files.values())
    again.close()
    third = SummaryStore(str(tmp_path), "1.0")
    assert all(s.holds_detail for s in third.get_many([blob_sha(x) for x in SOURCES]).values())


def test_the_cache_directory_follows_xdg() -> None:
    from bot.settings import cache_dir

    home = os.path.expanduser("~")
    assert cache_dir({"XDG_CACHE_HOME": "/var/cache/me"}) == "/var/cache/me/ssot"
    assert cache_dir({}) == os.path.join(home, ".cache", "ssot")
    # a relative value is ignored, as the XDG spec says: it would put the cache in the
    # directory the command runs in, which may be the repository it checks
    assert cache_dir({"XDG_CACHE_HOME": "relative/dir"}) == os.path.join(home, ".cache", "ssot")
    assert cache_dir({"XDG_CACHE_HOME": "/x", "SSOT_CACHE": "off"}) is None
