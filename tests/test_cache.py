"""The summary cache: content-addressed, shared safely, invalidated by a new version."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.cache import SummaryStore
from bot.snapshot import blob_sha
from rules.summary import summarize

SOURCES = [f"class C{i}:\n    def m(self):\n        return {i}\n".encode() for i in range(50)]


def test_round_trip_and_memory_layer(tmp_path: Path) -> None:
    store = SummaryStore(str(tmp_path), "1.0")
    items = {blob_sha(s): summarize(s) for s in SOURCES}
    store.put_many(items)
    store.close()
    again = SummaryStore(str(tmp_path), "1.0")
    got = again.get_many(list(items) + ["0" * 40])
    assert got == items
    assert set(again.memory) == set(items)


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


def test_a_corrupt_row_is_reparsed_not_fatal(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    store = SummaryStore(str(tmp_path), "1.0")
    assert store._db is not None
    store._db.execute("INSERT INTO summaries VALUES (?, ?)", ("b" * 40, b"garbage"))
    fresh = SummaryStore(str(tmp_path), "1.0")
    assert fresh.get_many(["b" * 40]) == {}
    assert "cache read failed" in capsys.readouterr().err


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
