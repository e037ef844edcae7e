"""A revision on GitHub as a :class:`~bot.snapshot.Snapshot`.

The recursive tree gives every path's blob SHA; only the blobs the summary cache lacks are
fetched. When that is many (a cold start) or the tree is truncated, one tarball is streamed
into memory instead and read there, member by member, within size caps: nothing is ever
extracted onto disk. Only Python files and the configuration files are kept.
"""

from __future__ import annotations

import asyncio
import io
import tarfile
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.github_api import InstallationAPI, TooLarge
from bot.snapshot import NOT_A_FILE, Entry, blob_sha, known_sizes, relevant
from rules.config import CONFIG_PATHS, MAX_FILE_BYTES, Config
from rules.globs import matcher

#: Blobs fetched at the same time.
BLOB_CONCURRENCY = 8
#: Tarball members larger than this are not read; they are listed with their size, so
#: collect() reports them as over max_file_bytes (which the config keeps at most this).
MAX_MEMBER_BYTES = MAX_FILE_BYTES

Cached = Callable[[list[str]], Awaitable[set[str]]]
Offload = Callable[..., Awaitable[object]]


@dataclass
class FetchedSnapshot:
    """Entries for every relevant path; bytes for the ones that were fetched."""

    rev: str | None
    files: dict[str, Entry]
    data: dict[str, bytes] = field(default_factory=dict)

    def entries(self) -> dict[str, Entry]:
        return self.files

    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        return {p: self.data[p] for p in paths if p in self.data}

    def sizes(self, paths: Iterable[str]) -> dict[str, int]:
        return known_sizes(self, paths)

    def local(self, paths: Iterable[str]) -> dict[str, str]:
        return {}

    def by_sha(self) -> dict[str, bytes]:
        return {self.files[p].sha: d for p, d in self.data.items() if p in self.files}


@dataclass(frozen=True)
class Tree:
    sha: str
    entries: dict[str, Entry]
    truncated: bool


async def fetch_tree(api: InstallationAPI, owner: str, repo: str, sha: str) -> Tree:
    answer = await api.tree(owner, repo, sha)
    entries = {}
    for item in answer.get("tree", []):
        path = item.get("path", "")
        if item.get("type") == "blob" and item.get("mode") in ("100644", "100755") and relevant(path):
            entries[path] = Entry(item["sha"], int(item.get("size") or 0))
        elif path in CONFIG_PATHS:  # a symbolic link, a submodule: never read, never replaced by the default
            entries[path] = Entry(NOT_A_FILE, None)
    return Tree(sha, entries, bool(answer.get("truncated")))


def analysed(entries: Mapping[str, Entry], config: Config) -> dict[str, str]:
    """SHA -> one path, for the Python files ``collect()`` will want bytes of."""
    out: dict[str, str] = {}
    excluded = matcher(config.exclude)
    for path, entry in entries.items():
        if path.endswith(".py") and (entry.size or 0) <= config.max_file_bytes and not excluded(path):
            out.setdefault(entry.sha, path)
    return out


async def read_blobs(api: InstallationAPI, owner: str, repo: str, wanted: Mapping[str, str]) -> dict[str, bytes]:
    """SHA -> bytes for each wanted blob, a few requests at a time."""
    gate = asyncio.Semaphore(BLOB_CONCURRENCY)

    async def one(sha: str) -> tuple[str, bytes]:
        async with gate:
            return sha, await api.blob(owner, repo, sha)

    return dict(await asyncio.gather(*(one(sha) for sha in wanted)))


async def config_files(
    api: InstallationAPI, owner: str, repo: str, tree: Tree, have: Mapping[str, bytes] | None = None
) -> FetchedSnapshot:
    """A snapshot holding only the tree's configuration files (for ``load_config``)."""
    have = have or {}
    present = {p: e for p, e in tree.entries.items() if p in CONFIG_PATHS}
    missing = _config_blobs(present, have)
    blobs = {**have, **await read_blobs(api, owner, repo, missing)}
    return FetchedSnapshot(tree.sha, present, {p: blobs[e.sha] for p, e in present.items() if e.sha in blobs})


def _config_blobs(entries: Mapping[str, Entry], have: Mapping[str, bytes]) -> dict[str, str]:
    """SHA -> path of the configuration files to fetch: those not held already (a path that
    holds no regular file has no blob)."""
    return {e.sha: p for p, e in entries.items() if p in CONFIG_PATHS and e.sha not in have and e.sha != NOT_A_FILE}


async def fill(
    api: InstallationAPI,
    owner: str,
    repo: str,
    tree: Tree,
    config: Config,
    *,
    cached: Cached,
    offload: Offload,
    tarball_threshold: int,
    tarball_max_bytes: int,
    have: Mapping[str, bytes] | None = None,
) -> FetchedSnapshot:
    """The tree with bytes for its configuration files and for every blob the cache lacks."""
    have = dict(have or {})
    wanted = analysed(tree.entries, config)
    hits = await cached(list(wanted))
    missing = {sha: path for sha, path in wanted.items() if sha not in hits and sha not in have}
    if tree.truncated or len(missing) > tarball_threshold:
        archive = await api.tarball(owner, repo, tree.sha, tarball_max_bytes)
        snapshot = await offload(_from_tarball, archive, tree, tarball_max_bytes * 8)  # unpacking and hashing
        assert isinstance(snapshot, FetchedSnapshot)
        return snapshot
    missing.update(_config_blobs(tree.entries, have))
    have.update(await read_blobs(api, owner, repo, missing))
    held = {p: have[e.sha] for p, e in tree.entries.items() if e.sha in have}
    return FetchedSnapshot(tree.sha, dict(tree.entries), held)


def _from_tarball(archive: bytes, tree: Tree, max_total: int) -> FetchedSnapshot:
    read = read_tarball(archive, max_total=max_total)
    entries = {p: Entry(blob_sha(d), len(d)) for p, d in read.files.items()}
    # not read: listed with their size (and the tree's SHA, when the tree lists them)
    entries.update((p, tree.entries.get(p) or Entry("", size)) for p, size in read.too_large.items())
    # a config path the tree lists as no regular file (the tarball leaves links out)
    entries.update((p, e) for p, e in tree.entries.items() if e.sha == NOT_A_FILE)
    return FetchedSnapshot(tree.sha, entries, read.files)


class Tarball(NamedTuple):
    files: dict[str, bytes]  # path -> bytes
    too_large: dict[str, int]  # path -> size, of members over the limit (not read)


def read_tarball(data: bytes, *, max_total: int, max_member: int = MAX_MEMBER_BYTES) -> Tarball:
    """The relevant regular files of a GitHub tarball, read in memory.

    GitHub puts every path under one top directory (``owner-repo-sha/``), which is dropped.
    Links, devices, absolute paths and ``..`` are skipped; the bytes read are capped.
    """
    out: dict[str, bytes] = {}
    too_large: dict[str, int] = {}
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for member in archive:
                if not member.isreg():
                    continue
                _, _, path = member.name.partition("/")
                parts = path.split("/")
                if not path or path.startswith("/") or ".." in parts or "" in parts or not relevant(path):
                    continue
                if member.size > max_member:
                    too_large[path] = member.size
                    continue
                total += member.size
                if total > max_total:
                    raise TooLarge(f"the repository's Python files are over {max_total:,} bytes")
                handle = archive.extractfile(member)
                if handle is not None:
                    out[path] = handle.read()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise TooLarge(f"the tarball could not be read ({exc})") from exc
    return Tarball(out, too_large)
