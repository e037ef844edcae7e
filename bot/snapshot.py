"""A repository at one revision: paths mapped to git blob SHAs, bytes read lazily.

The same content has the same key wherever it came from (a git object, a file on disk
hashed as git hashes blobs, or GitHub's trees API), so file summaries cached by blob SHA
are shared between revisions, working trees and the App.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from rules.config import CONFIG_PATHS

#: Directories a plain-directory walk never enters.
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules", ".tox", ".nox",
                       ".venv", "venv", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages"})


def relevant(path: str) -> bool:
    """A file the analysis reads: Python, or a config file."""
    return path.endswith(".py") or path in CONFIG_PATHS


class SnapshotError(Exception):
    """The repository or revision cannot be read (exit status 2 in the CLI)."""


#: the SHA a listing gives a file that is there but cannot be read (git's null SHA: no
#: blob has it, no cache holds it, ``git cat-file`` calls it missing): never read, it is
#: reported as a file that could not be read, not left out. A directory that cannot be
#: listed is listed so too, as its path and a slash (``app/private/``): its files cannot
#: be named, so it is reported in their place
UNREADABLE = "0" * 40
#: the SHA a listing gives a config file's path that holds something else than a regular
#: file (a symbolic link, which git keeps as a link, a directory, a device): never read, and
#: never replaced by the default config (see ``bot.analysis.load_config``)
NOT_A_FILE = "-" * 40


@dataclass(frozen=True, slots=True)
class Entry:
    sha: str
    #: None where the listing does not give it (git's: reading every blob's size costs);
    #: the file's summary knows it
    size: int | None


class Snapshot(Protocol):
    rev: str | None

    def entries(self) -> Mapping[str, Entry]:
        """Every regular file of the tree: repo path -> blob SHA and size (None where the
        listing does not give it: ``sizes()`` does, a file's summary knows it)."""
        ...

    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        """The bytes of these paths (paths that vanished are left out)."""
        ...

    def sizes(self, paths: Iterable[str]) -> dict[str, int]:
        """The sizes of these paths, where ``entries()`` gave none (without reading them)."""
        ...

    def local(self, paths: Iterable[str]) -> dict[str, str]:
        """Of these paths, those a parser process may read from the disk itself: path ->
        file name. Their bytes count only if they hash to the listed SHA (else ``read()``
        gives them)."""
        ...


def _read(full: str) -> bytes | None:
    try:
        with open(full, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def blob_sha(data: bytes) -> str:
    """The git blob SHA-1 of ``data``: ``sha1(b"blob <len>\\0" + data)``."""
    h = hashlib.sha1(b"blob %d\x00" % len(data))
    h.update(data)
    return h.hexdigest()


@dataclass
class MemorySnapshot:
    """A tree held in memory (tests and benchmarks build them; the App's is
    ``bot.github_snapshot.FetchedSnapshot``, which holds some files' bytes only)."""

    files: dict[str, bytes] = field(default_factory=dict)
    rev: str | None = None

    def entries(self) -> dict[str, Entry]:
        return {p: Entry(blob_sha(d), len(d)) for p, d in self.files.items()}

    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        return {p: self.files[p] for p in paths if p in self.files}

    def sizes(self, paths: Iterable[str]) -> dict[str, int]:
        return known_sizes(self, paths)

    def local(self, paths: Iterable[str]) -> dict[str, str]:
        return {}


class DirectorySnapshot:
    """A plain directory. Symbolic links are followed only to files inside it."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self.rev: str | None = None
        self._entries: dict[str, Entry] | None = None
        self._data: dict[str, bytes] = {}

    def _walk(self, unlisted: list[str]) -> Iterable[tuple[str, str]]:
        """The relevant files, as (path, file name); the directories below the root that
        cannot be listed go into ``unlisted``."""
        stack = [""]
        while stack:
            rel = stack.pop()
            try:
                scan = list(os.scandir(os.path.join(self.root, rel)))
            except OSError as exc:
                if not rel:
                    raise SnapshotError(f"{self.root}: the directory cannot be listed ({exc.strerror or exc})") from exc
                unlisted.append(rel)
                continue
            for item in scan:
                path = f"{rel}/{item.name}" if rel else item.name
                try:
                    if item.is_dir(follow_symlinks=False):
                        if path in CONFIG_PATHS:
                            yield path, item.path  # (entries() says it is no file)
                        elif item.name not in SKIP_DIRS and (not item.name.startswith(".") or item.name == ".github"):
                            stack.append(path)
                        continue
                except OSError:
                    continue
                if relevant(path):
                    yield path, item.path

    def _inside(self, full: str) -> bool:
        real = os.path.realpath(full)
        return real == self.root or real.startswith(self.root + os.sep)

    def entries(self) -> dict[str, Entry]:
        if self._entries is None:
            entries: dict[str, Entry] = {}
            unlisted: list[str] = []
            for path, full in self._walk(unlisted):
                try:
                    st = os.stat(full)  # follows a link: only to regular files inside the root
                    regular = stat.S_ISREG(st.st_mode) and not (os.path.islink(full) and not self._inside(full))
                except OSError:
                    regular = False  # a link to nothing
                if not regular:
                    if path in CONFIG_PATHS:
                        entries[path] = Entry(NOT_A_FILE, None)
                    continue
                data = _read(full)
                if data is None:
                    entries[path] = Entry(UNREADABLE, None)
                    continue
                self._data[path] = data
                entries[path] = Entry(blob_sha(data), len(data))
            # its files cannot even be named: the directory stands for them (see UNREADABLE)
            entries.update((f"{rel}/", Entry(UNREADABLE, None)) for rel in unlisted)
            self._entries = entries
        return self._entries

    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        self.entries()
        return {p: self._data[p] for p in paths if p in self._data}

    def sizes(self, paths: Iterable[str]) -> dict[str, int]:
        return known_sizes(self, paths)

    def local(self, paths: Iterable[str]) -> dict[str, str]:
        return {}  # read already, to hash them


def _git(repo: str, *args: str, input: bytes | None = None) -> bytes:
    try:
        proc = subprocess.run(["git", "-C", repo, *args], input=input, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise SnapshotError("git is not installed") from exc
    return _output(proc.returncode, proc.stdout, proc.stderr, args)


def _git_all(repo: str, *commands: tuple[str, ...]) -> list[bytes]:
    """Run several read-only git commands at once; their outputs in order."""
    try:
        procs = [subprocess.Popen(["git", "-C", repo, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for args in commands]
    except FileNotFoundError as exc:
        raise SnapshotError("git is not installed") from exc
    # each drained on a thread of its own: one waiting for another would stall on a full pipe
    outputs: list[tuple[bytes, bytes]] = [(b"", b"")] * len(procs)

    def drain(i: int) -> None:
        outputs[i] = procs[i].communicate()

    threads = [threading.Thread(target=drain, args=(i,)) for i in range(1, len(procs))]
    for thread in threads:
        thread.start()
    drain(0)
    for thread in threads:
        thread.join()
    return [_output(proc.returncode, out, err, args)
            for proc, (out, err), args in zip(procs, outputs, commands, strict=True)]


def _output(status: int, out: bytes, err: bytes, args: tuple[str, ...]) -> bytes:
    if status != 0:
        message = err.decode(errors="replace").strip().splitlines()
        raise SnapshotError(message[-1] if message else f"git {' '.join(args)} failed")
    return out


def _shallow_hint(repo: str) -> str:
    """Why a revision may be missing: a shallow clone (``actions/checkout`` fetches one commit
    by default) has no history to find a base in."""
    try:
        shallow = _git(repo, "rev-parse", "--is-shallow-repository").strip() == b"true"
    except SnapshotError:
        return ""
    return ("; the clone is shallow: fetch the history it needs (`git fetch --deepen=50`, or "
            "`fetch-depth: 0` for actions/checkout)" if shallow else "")


class GitSnapshot:
    """A revision of a git repository (bare or not), read from objects: nothing checked out."""

    def __init__(self, repo: str, rev: str) -> None:
        self.repo = repo
        try:
            self.commit = _git(repo, "rev-parse", "--verify", "--end-of-options", f"{rev}^{{commit}}").decode().strip()
        except SnapshotError as exc:
            if "single revision" in str(exc):  # git's "Needed a single revision": say which
                raise SnapshotError(f"{rev}: not a commit of {repo} ({exc}){_shallow_hint(repo)}") from exc
            raise SnapshotError(f"{repo}: {rev} cannot be read ({exc})") from exc
        self.rev: str | None = self.commit
        self._entries: dict[str, Entry] | None = None

    def entries(self) -> dict[str, Entry]:
        if self._entries is None:
            self._entries = _tree(_git(self.repo, *self._listing()))
        return self._entries

    def _listing(self) -> tuple[str, ...]:
        # relative to the directory given, as a plain directory or a working tree is read
        return ("ls-tree", "-r", "-z", self.commit)

    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        entries = self.entries()
        wanted = [p for p in paths if p in entries]
        shas = {entries[p].sha: p for p in wanted}
        data = read_blobs(self.repo, list(shas))
        return {p: data[entries[p].sha] for p in wanted if entries[p].sha in data}

    def sizes(self, paths: Iterable[str]) -> dict[str, int]:
        return git_sizes(self.repo, self, paths)

    def local(self, paths: Iterable[str]) -> dict[str, str]:
        return {}


#: the modes of a regular file in git's listings (others: a symlink, a submodule)
_REGULAR = (b"100644", b"100755")


def _tree(listing: bytes) -> dict[str, Entry]:
    """The regular files of a ``git ls-tree -r -z`` listing (symlinks and submodules skipped)."""
    entries: dict[str, Entry] = {}
    for record in listing.split(b"\x00"):
        if not record:
            continue
        meta, _, raw = record.partition(b"\t")
        mode, kind, sha = meta.split()
        path = raw.decode("utf-8", "surrogateescape")
        if kind == b"blob" and mode in _REGULAR:
            entries[path] = Entry(sha.decode(), None)
        elif path in CONFIG_PATHS:
            entries[path] = Entry(NOT_A_FILE, None)
    return entries


def _changed_by(entries: dict[str, Entry], diff: bytes) -> dict[str, Entry]:
    """The regular files of a revision, from another one's (``entries``) and the raw
    ``git diff-tree -r -z`` from that one to this (its records alternate
    ``:old-mode new-mode old-sha new-sha status`` and the path)."""
    out = dict(entries)
    fields = diff.split(b"\x00")
    for meta, path in zip(fields[0:-1:2], fields[1::2], strict=True):
        _, mode, _, sha, _ = meta.split()
        name = path.decode("utf-8", "surrogateescape")
        if mode in _REGULAR:
            out[name] = Entry(sha.decode(), None)
        elif mode != b"000000" and name in CONFIG_PATHS:  # (000000: gone)
            out[name] = Entry(NOT_A_FILE, None)
        else:  # gone, or no regular file here (a symlink, a submodule)
            out.pop(name, None)
    return out


def list_together(*snapshots: Snapshot) -> None:
    """List revisions of one repository at once: the first in full, each other one as the
    first changed by ``git diff-tree`` (a pull request's base is its head but for the files
    the change touched: reading their few records costs nothing next to a listing), the git
    processes side by side."""
    todo = [s for s in snapshots if isinstance(s, GitSnapshot) and s._entries is None]
    if len(todo) < 2 or len({s.repo for s in todo}) > 1:
        return
    first, others = todo[0], todo[1:]
    # (--relative: in a subdirectory, its files and their paths from there, as ls-tree lists)
    diffs = [("diff-tree", "-r", "-z", "--relative", "--no-renames", "--no-abbrev", "--ignore-submodules=none",
              first.commit, other.commit) for other in others]
    listing, *changes = _git_all(first.repo, first._listing(), *diffs)
    first._entries = _tree(listing)
    for other, diff in zip(others, changes, strict=True):
        other._entries = _changed_by(first._entries, diff)


def known_sizes(snapshot: Snapshot, paths: Iterable[str]) -> dict[str, int]:
    """The sizes a snapshot's listing gives."""
    entries = snapshot.entries()
    return {p: size for p in paths if p in entries and (size := entries[p].size) is not None}


def git_sizes(repo: str, snapshot: Snapshot, paths: Iterable[str]) -> dict[str, int]:
    """The sizes the listing gives, the others from their blobs' headers in ``repo``."""
    entries = snapshot.entries()
    wanted = [p for p in paths if p in entries]
    out = known_sizes(snapshot, wanted)
    unknown = [p for p in wanted if p not in out]
    found = blob_sizes(repo, list({entries[p].sha for p in unknown}))
    out.update((p, found[entries[p].sha]) for p in unknown if entries[p].sha in found)
    return out


def _cat_file(repo: str, option: str, shas: list[str]) -> bytes:
    """One ``git cat-file`` over many objects (nothing run for none)."""
    return _git(repo, "cat-file", option, input="\n".join(shas).encode() + b"\n") if shas else b""


def blob_sizes(repo: str, shas: list[str]) -> dict[str, int]:
    """The sizes of many blobs with one ``git cat-file --batch-check`` (nothing read)."""
    out = _cat_file(repo, "--batch-check", shas)
    found: dict[str, int] = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == b"blob":
            found[parts[0].decode()] = int(parts[2])
    return found


def read_blobs(repo: str, shas: list[str]) -> dict[str, bytes]:
    """Read many blobs with one ``git cat-file --batch``."""
    out = _cat_file(repo, "--batch", shas)
    result: dict[str, bytes] = {}
    pos = 0
    for sha in shas:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        result[sha] = out[pos:pos + size]
        pos += size + 1
    return result


class WorkTreeSnapshot:
    """A git working tree as it is on disk, uncommitted changes included.

    Unchanged files take their SHA from the index (no read, no hash, no size); only files
    git says differ from the index (deleted ones among them), and untracked files, are read
    and hashed. A file git calls unchanged whose bytes on disk are not its index blob (or
    that a sparse checkout left off the disk) is read from the index: what its SHA names.
    """

    def __init__(self, repo: str, top: str | None = None) -> None:
        self.repo = os.path.realpath(repo)
        self.top = top or _git(repo, "rev-parse", "--show-toplevel").decode().strip()
        self.rev: str | None = None
        self._entries: dict[str, Entry] | None = None
        self._data: dict[str, bytes] = {}

    def entries(self) -> dict[str, Entry]:
        if self._entries is not None:
            return self._entries
        entries: dict[str, Entry] = {}
        staged, changed, untracked = (out.split(b"\x00") for out in _git_all(
            self.top, ("ls-files", "-s", "-z"), ("diff-files", "--name-only", "-z"),
            ("ls-files", "-o", "--exclude-standard", "-z")))
        for record in staged:
            if not record:
                continue
            meta, _, raw = record.partition(b"\t")
            mode, sha, stage = meta.split()
            path = raw.decode("utf-8", "surrogateescape")
            if mode in _REGULAR and stage == b"0":
                entries[path] = Entry(sha.decode(), None)
            elif path in CONFIG_PATHS:
                entries[path] = Entry(NOT_A_FILE, None)
        for raw_path in changed + untracked:
            path = raw_path.decode("utf-8", "surrogateescape")
            if not relevant(path):  # a changed data file is never read (nor hashed)
                entries.pop(path, None)
                continue
            full = os.path.join(self.top, path)
            entries.pop(path, None)
            try:
                info = os.lstat(full)
            except FileNotFoundError:  # deleted
                continue
            except OSError:  # there, in a directory that cannot be searched
                entries[path] = Entry(UNREADABLE, None)
                continue
            if not stat.S_ISREG(info.st_mode):  # a symlink, a FIFO: never followed, as git does not
                if path in CONFIG_PATHS:
                    entries[path] = Entry(NOT_A_FILE, None)
                continue
            data = _read(full)
            if data is None:
                entries[path] = Entry(UNREADABLE, None)
                continue
            self._data[path] = data
            entries[path] = Entry(blob_sha(data), len(data))
        self._entries = entries
        return entries

    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        entries = self.entries()
        out: dict[str, bytes] = {}
        from_index: list[str] = []
        for p in paths:
            if p in self._data:
                out[p] = self._data[p]
            elif p in entries:
                data = _read(os.path.join(self.top, p))
                # git calls the file unchanged: bytes that are not the index's blob (a file
                # marked assume-unchanged, then edited; line endings git converts) or none (a
                # sparse checkout left it out) give way to the blob, which its SHA names
                if data is not None and blob_sha(data) == entries[p].sha:
                    out[p] = data
                else:
                    from_index.append(p)
        if from_index:
            blobs = read_blobs(self.top, list({entries[p].sha for p in from_index}))
            out.update((p, blobs[entries[p].sha]) for p in from_index if entries[p].sha in blobs)
        return out

    def sizes(self, paths: Iterable[str]) -> dict[str, int]:
        return git_sizes(self.top, self, paths)  # the index's blobs, which read() gives

    def local(self, paths: Iterable[str]) -> dict[str, str]:
        """The files git calls unchanged (the others were read to hash them)."""
        entries = self.entries()
        return {p: os.path.join(self.top, p) for p in paths if p in entries and p not in self._data}


def open_snapshot(path: str, rev: str | None) -> Snapshot:
    """The snapshot ``ssot check PATH [--rev REV]`` means."""
    if not os.path.exists(path):
        raise SnapshotError(f"{path}: no such file or directory")
    if not os.path.isdir(path):
        raise SnapshotError(f"{path}: not a directory (give the repository, or a directory, to analyse)")
    if rev is not None:
        return GitSnapshot(path, rev)
    bare = inside = in_git_dir = False
    try:
        flags = _git(path, "rev-parse", "--is-bare-repository", "--is-inside-work-tree", "--is-inside-git-dir").split()
        bare, inside, in_git_dir = (flag == b"true" for flag in flags[:3])
    except SnapshotError:
        pass
    if bare:
        return GitSnapshot(path, "HEAD")
    if in_git_dir:  # a work tree's .git (or a directory in it): git's own files, no code
        raise SnapshotError(f"{path}: inside a repository's .git directory; give the repository's directory "
                            "(the work tree), or --rev to read a revision")
    if inside:
        top = _git(path, "rev-parse", "--show-toplevel").decode().strip()
        if os.path.realpath(top) == os.path.realpath(path):
            return WorkTreeSnapshot(path, top)
    return DirectorySnapshot(path)
