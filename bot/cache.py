"""Summaries cached by git blob SHA, and whole reports by what they were computed from:
in memory, and in SQLite on disk (unless ``SSOT_CACHE=off``).

A summary's row holds its header (and its detail, once a rule made it). A server keeps the
file's bytes, to make the detail from, uncompressed in a table of their own (compressing
them cost the parsers a tenth of a cold run), read only for the few files whose detail a
run makes (a server without a disk keeps them compressed in memory); a command's snapshot
reads them again instead, and its cache (a file of its own) is a third of the size.

The cache is content-addressed, so it needs no invalidation but one: the tool version and
the summary format are part of the file name, and a new version starts a new file (older
ones are removed). A report's key covers every input of the analysis, the rules' own
code included (see ``bot.analysis.report_keys``); only the latest ``_REPORTS`` are kept,
and as many tables of what an analysis learnt of a whole revision (SSOT008's feature
frequencies, under the key of its report without a base), which a run on a revision a few
files away starts from. A forked child (the base's analysis) opens a connection of its
own. SQLite in WAL mode makes it safe for two runs to share it; it is not synced to disk (a
cache is worth less than the time: a command's cold run on 10,000 files writes 13 MB, a
server's 46 MB), so a machine that crashes may leave it damaged, and a damaged file is
replaced by a new one. A cache that cannot be opened, read or written is skipped with a
warning; it never fails a run.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import marshal
import os
import pickle
import sqlite3
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from typing import TypeVar

from cachetools import LRUCache

from rules.context import Frequencies
from rules.model import Report
from rules.summary import FORMAT, FileSummary

_BATCH = 900  # SQLite's default limit on host parameters is 999
_OPEN_ATTEMPTS = 20
#: reports kept, in memory and on disk (each is the findings of one revision)
_REPORTS = 16
#: in a forked child, its parent's connections: never closed nor collected there
_INHERITED: list[sqlite3.Connection | None] = []
#: tables of what an analysis learnt kept in memory (each the size of a revision's features)
_LEARNT_IN_MEMORY = 4


def _damaged(exc: sqlite3.Error) -> bool:
    """SQLite says the file is not a database, or a damaged one (not: locked, full, read-only)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


_T = TypeVar("_T")


def _report(data: bytes) -> Report:
    report = pickle.loads(data)
    if not isinstance(report, Report):
        raise TypeError(f"a {type(report).__name__}, not a report")
    return report


def _frequencies(data: bytes) -> Frequencies:
    fingerprints, table = marshal.loads(data)
    if not isinstance(fingerprints, int) or not isinstance(table, dict):
        raise TypeError("not a count and a table")
    return Frequencies(fingerprints, table)


class SummaryStore:
    def __init__(self, directory: str | None, version: str, *, memory_size: int | None = 200_000,
                 keep_bytes: bool = True) -> None:
        #: keep the files' bytes (a server's snapshots cannot read a file again; a command's
        #: can, and its cache is a third of the size without them, in a file of its own)
        self.keep_bytes = keep_bytes
        #: summaries in memory: a bounded LRU in a server; None, a plain dict for one command
        self.memory: MutableMapping[str, FileSummary] = {} if memory_size is None else LRUCache(maxsize=memory_size)
        self.reports: LRUCache[str, Report] = LRUCache(maxsize=_REPORTS)
        self.learnt: LRUCache[str, Frequencies] = LRUCache(maxsize=_LEARNT_IN_MEMORY)
        self._db: sqlite3.Connection | None = None
        self._pid = os.getpid()
        self._forked: sqlite3.Connection | None = None  # a forked child's own (see ``_connection``)
        if directory:
            self._open(directory, version)

    def _open(self, directory: str, version: str) -> None:
        # fingerprints hash tuples of ints, the same in every process of one Python version
        stem = f"summaries-f{FORMAT}-v{version}-py{sys.version_info[0]}{sys.version_info[1]}"
        ours = (f"{stem}.sqlite", f"{stem}-lean.sqlite")  # with the files' bytes, and without
        path = self._path = os.path.join(directory, ours[not self.keep_bytes])
        replaced = False
        for attempt in range(_OPEN_ATTEMPTS):
            db = None
            try:
                os.makedirs(directory, exist_ok=True)
                db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=OFF")
                db.execute("CREATE TABLE IF NOT EXISTS summaries (sha TEXT PRIMARY KEY, data BLOB NOT NULL)")
                if self.keep_bytes:
                    db.execute("CREATE TABLE IF NOT EXISTS sources (sha TEXT PRIMARY KEY, data BLOB NOT NULL)")
                db.execute("CREATE TABLE IF NOT EXISTS reports (key TEXT PRIMARY KEY, data BLOB NOT NULL)")
                db.execute("CREATE TABLE IF NOT EXISTS learnt (key TEXT PRIMARY KEY, data BLOB NOT NULL)")
                break
            except sqlite3.Error as exc:
                if db is not None:
                    db.close()
                # two runs creating the file at once: switching it to WAL needs a moment alone
                if "locked" in str(exc) and attempt < _OPEN_ATTEMPTS - 1:
                    time.sleep(0.05 * (attempt + 1))
                    continue
                if _damaged(exc) and not replaced:  # not a database, or a damaged one: a new one, once
                    replaced = self._remove(exc)
                    if replaced:
                        continue
                print(f"ssot: warning: cache disabled ({path}: {exc})", file=sys.stderr)
                return
            except OSError as exc:
                print(f"ssot: warning: cache disabled ({path}: {exc})", file=sys.stderr)
                return
        else:
            print(f"ssot: warning: cache disabled ({path}: not opened in {_OPEN_ATTEMPTS} attempts)", file=sys.stderr)
            return
        self._db = db
        for old in glob.glob(os.path.join(directory, "summaries-*.sqlite*")):
            if not os.path.basename(old).startswith(ours):
                with contextlib.suppress(OSError):
                    os.remove(old)

    def _remove(self, exc: sqlite3.Error) -> bool:
        """Remove a damaged cache file (a new one is started), and say so; False when it
        cannot be removed (the cache is then off)."""
        opened = self._db is not None
        self.close()
        if self.keep_bytes:  # summaries in memory that read their bytes from the file: asked again
            for sha in [sha for sha, s in self.memory.items() if not s.holds_detail and s.held_source() is None]:
                del self.memory[sha]
        try:
            os.remove(self._path)
        except FileNotFoundError:
            pass
        except OSError as error:
            print(f"ssot: warning: the cache file is damaged ({exc}) and cannot be removed ({error})",
                  file=sys.stderr)
            return False
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.remove(self._path + suffix)
        then = "the next run starts a new one" if opened else "starting a new one"
        print(f"ssot: warning: the cache file was damaged ({exc}); removed, {then}", file=sys.stderr)
        return True

    def _failed(self, exc: sqlite3.Error, what: str) -> None:
        """A read or write that failed: a damaged file is removed, anything else said. A
        forked child (the base's analysis) leaves the file to its parent, and the cache."""
        if _damaged(exc) and os.getpid() == self._pid:
            self._remove(exc)
            return
        print(f"ssot: warning: {what} ({exc})", file=sys.stderr)
        if _damaged(exc):
            self.close()

    def get_many(self, shas: Iterable[str]) -> dict[str, FileSummary]:
        found: dict[str, FileSummary] = {}
        missing: list[str] = []
        for sha in shas:
            hit = self.memory.get(sha)
            if hit is None:
                missing.append(sha)
            else:
                found[sha] = hit
        if not missing or (db := self._connection()) is None:
            return found
        damaged: list[str] = []
        try:
            for rows in self._rows(db, missing):
                for sha, data in rows:
                    try:
                        # without the bytes here, collect() has the snapshot read them again
                        summary = FileSummary.decode(data, functools.partial(self.source, sha) if self.keep_bytes
                                                     else None)
                    except Exception as exc:  # noqa: BLE001 - a damaged row (any decoding error) is a miss
                        damaged.append(sha)
                        error = exc
                        continue
                    found[sha] = summary
                    self.memory[sha] = summary
            if damaged:
                print(f"ssot: warning: {len(damaged)} cached summaries unreadable ({error}); parsing them again",
                      file=sys.stderr)
                with db:
                    db.executemany("DELETE FROM summaries WHERE sha = ?", [(sha,) for sha in damaged])
        except sqlite3.Error as exc:
            self._failed(exc, "cache read failed; parsing instead")
        return found

    @staticmethod
    def _rows(db: sqlite3.Connection, shas: list[str]) -> Iterator[list[tuple[str, bytes]]]:
        """The rows of these SHAs (those the cache has), in batches: looked up one by one, or,
        when they are half the table or more (a run's whole repository: three times as
        fast), the table read through and the others left."""
        rows = db.execute("SELECT count(*) FROM summaries").fetchone()[0]  # (fast: a count of cells)
        if 2 * len(shas) >= rows:
            wanted = set(shas)
            yield [row for row in db.execute("SELECT sha, data FROM summaries") if row[0] in wanted]
            return
        for i in range(0, len(shas), _BATCH):
            chunk = shas[i:i + _BATCH]
            yield db.execute(f"SELECT sha, data FROM summaries WHERE sha IN ({','.join('?' * len(chunk))})",
                             chunk).fetchall()

    def _connection(self) -> sqlite3.Connection | None:
        """The connection of this process: a forked child (the base's analysis) must not use
        its parent's (the parent forks with no transaction open), so it opens one of its own."""
        if self._db is None or os.getpid() == self._pid:
            return self._db
        if self._forked is None:
            try:
                self._forked = sqlite3.connect(self._path, timeout=10, isolation_level=None, check_same_thread=False)
                self._forked.execute("PRAGMA synchronous=OFF")
            except sqlite3.Error as exc:
                print(f"ssot: warning: cache disabled in the base's process ({exc})", file=sys.stderr)
                self._inherit()
        return self._forked

    def _inherit(self) -> None:
        """In a forked child: let go of the parent's connection without closing it (closing
        it here would close the parent's file), and keep it from being collected."""
        _INHERITED.append(self._db)
        self._db = None

    def source(self, sha: str) -> bytes | None:
        """A file's bytes, kept with its summary (None when the cache has them not)."""
        db = self._connection()
        if db is None:
            return None
        try:
            row = db.execute("SELECT data FROM sources WHERE sha = ?", (sha,)).fetchone()
        except sqlite3.Error as exc:
            self._failed(exc, "cache read failed")
            return None
        return row[0] if row is not None else None

    def put_many(self, items: Mapping[str, FileSummary], encoded: list[tuple[str, bytes]] | None = None) -> None:
        """Keep fresh summaries: in memory, and on disk their headers (``encoded`` when a parser
        process encoded them already) with the bytes of the files they hold, which a summary
        then reads from the disk should its detail be asked for."""
        self.memory.update(items)
        if not self.keep_bytes:  # the snapshot reads them again
            self.put_encoded(encoded if encoded is not None else [(sha, s.encode()) for sha, s in items.items()])
            return
        if self._db is None:
            if isinstance(self.memory, LRUCache):  # a server without a disk: its memory holds the bytes
                for summary in items.values():
                    data = summary.held_source()
                    if data is not None:
                        summary.read_source_with(functools.partial(zlib.decompress, zlib.compress(data, 1)))
            return
        held = {sha: s.held_source() for sha, s in items.items()}
        # a row is never without its detail or its file's bytes (one whose bytes another
        # store holds is not written: it is cached there)
        kept = {sha for sha, s in items.items() if s.holds_detail or held[sha] is not None}
        rows = [(sha, s.encode()) for sha, s in items.items() if sha in kept] if encoded is None else \
            [(sha, data) for sha, data in encoded if sha in kept]
        if self.put_encoded(rows, [(sha, data) for sha, data in held.items() if data is not None]):
            for sha, data in held.items():
                if data is not None:
                    items[sha].read_source_with(functools.partial(self.source, sha))

    def keep_details(self, summaries: Iterable[tuple[str, FileSummary]]) -> None:
        """Write back the summaries (by SHA) whose detail a rule made from the file's bytes,
        so the next run decodes it instead of parsing the file again."""
        made = {sha: s for sha, s in summaries if s.made}
        if made and self._connection() is not None and self.put_encoded([(sha, s.encode()) for sha, s in made.items()]):
            for summary in made.values():
                summary.made = False  # kept: not written again

    def put_encoded(self, items: list[tuple[str, bytes]], sources: list[tuple[str, bytes]] | None = None) -> bool:
        """Store encoded summaries, and files' bytes, on disk only; they replace rows of the
        same files without a detail (``collect(detail=True)``). False when the write failed
        (a warning says why)."""
        db = self._connection()
        if db is None or not items:
            return db is not None
        try:
            with db:
                db.execute("BEGIN")
                if sources:  # in the summaries' transaction: a row without its bytes is never seen
                    db.executemany("INSERT OR REPLACE INTO sources (sha, data) VALUES (?, ?)", sources)
                db.executemany("INSERT OR REPLACE INTO summaries (sha, data) VALUES (?, ?)", items)
        except sqlite3.Error as exc:
            self._failed(exc, "cache write failed")
            return False
        return True

    def get_report(self, key: str) -> Report | None:
        """The report stored under ``key``, or None."""
        return self._get("reports", key, self.reports, _report, "analysing instead")

    def put_report(self, key: str, report: Report) -> bytes | None:
        """Keep ``report`` under ``key``; on disk, the latest ``_REPORTS`` only. Returns it
        pickled (None without a disk)."""
        self.reports[key] = report
        return self._put("reports", key, lambda: pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))

    def get_frequencies(self, key: str) -> Frequencies | None:
        """SSOT008's feature frequencies of the revision whose report (without a base) is
        stored under ``key`` (see ``rules.context.Learnt``), or None."""
        return self._get("learnt", key, self.learnt, _frequencies, "counting instead")

    def put_frequencies(self, key: str, frequencies: Frequencies) -> None:
        """Keep SSOT008's feature frequencies of the revision whose report is under ``key``."""
        table = dict(frequencies.table)
        self.learnt[key] = Frequencies(frequencies.fingerprints, table)
        self._put("learnt", key, lambda: marshal.dumps((frequencies.fingerprints, table)))

    def _get(self, table: str, key: str, memory: LRUCache[str, _T], decode: Callable[[bytes], _T],
             instead: str) -> _T | None:
        """One row of ``reports`` or ``learnt``, from memory or decoded from the disk; a row
        that does not decode is a miss, and dropped."""
        hit = memory.get(key)
        if hit is not None or (db := self._connection()) is None:
            return hit
        try:
            row = db.execute(f"SELECT data FROM {table} WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            self._failed(exc, f"cache read failed; {instead}")
            return None
        if row is None:
            return None
        try:
            found = decode(row[0])
        except Exception as exc:  # noqa: BLE001 - a damaged row (any decoding error) is a miss, and dropped
            print(f"ssot: warning: cache read failed ({exc}); {instead}", file=sys.stderr)
            with contextlib.suppress(sqlite3.Error):
                db.execute(f"DELETE FROM {table} WHERE key = ?", (key,))
            return None
        memory[key] = found
        return found

    def _put(self, table: str, key: str, encode: Callable[[], bytes]) -> bytes | None:
        """Write one row of ``reports`` or ``learnt`` (the latest ``_REPORTS`` only are kept);
        its bytes, None without a disk."""
        db = self._connection()
        if db is None:
            return None
        data = encode()
        try:
            with db:
                db.execute("BEGIN")
                db.execute(f"INSERT OR REPLACE INTO {table} (key, data) VALUES (?, ?)", (key, data))
                db.execute(f"DELETE FROM {table} WHERE rowid NOT IN "
                           f"(SELECT rowid FROM {table} ORDER BY rowid DESC LIMIT ?)", (_REPORTS,))
        except sqlite3.Error as exc:
            self._failed(exc, "cache write failed")
        return data

    def forkable(self) -> bool:
        """Whether a forked child may use the cache on a connection of its own: this
        process's connection is in no transaction (every read here is fetched in full, so
        no statement is left open either). A child forked in the middle of one would share
        its locks."""
        return self._db is None or not self._db.in_transaction

    def close(self) -> None:
        if self._forked is not None:
            self._forked.close()
            self._forked = None
        if self._db is not None:
            if os.getpid() == self._pid:
                self._db.close()
                self._db = None
            else:
                self._inherit()
