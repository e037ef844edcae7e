"""From snapshots to a report: read what the cache lacks, summarise it on every core, run
the rules, compare with the base. Shared by ``ssot check`` and the App's jobs."""

from __future__ import annotations

import contextlib
import errno
import functools
import gc
import hashlib
import os
import pickle
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from bot.cache import SummaryStore
from bot.snapshot import NOT_A_FILE, UNREADABLE, Entry, Snapshot, blob_sha
from rules.config import CONFIG_PATHS, ConfigResult, find_config, parse_config
from rules.context import Learnt, Prior
from rules.engine import analyze, compare, compared, with_changed
from rules.globs import matcher
from rules.model import Finding, Report, Summary
from rules.summary import DetailError, FileSummary, summarize

Progress = Callable[[int, int], None]


class AnalysisError(Exception):
    """The analysis could not finish (the CLI exits 2; the App reports a neutral check)."""

#: Below this many files (or bytes) a process pool costs more than it saves.
_POOL_MIN_FILES = 64
_POOL_MIN_BYTES = 512 * 1024
_CHUNK_BYTES = 256 * 1024


@dataclass(frozen=True)
class LoadedConfig:
    result: ConfigResult
    text: str
    path: str | None  # None: no config file, the built-in default


def load_config(snapshot: Snapshot, override: str | None = None) -> LoadedConfig:
    """The config ``ssot check`` uses: ``--config FILE``, else the snapshot's own.

    Raises OSError when ``--config`` names a file that cannot be read (or no regular file),
    AnalysisError when the snapshot's config file cannot be.
    """
    if override is not None:
        given = _read_config_file(override)
        pyproject = os.path.basename(override) == "pyproject.toml"  # its [tool.ssot]; any other file: its top
        result = parse_config(given, override, table=None if pyproject else "")
        if pyproject and not result.config.source and not result.problems:
            raise AnalysisError(f"{override}: no [tool.ssot] table")
        return LoadedConfig(result, given.decode("utf-8", "replace"), override)
    entries = snapshot.entries()
    # a pyproject.toml that is no regular file (a monorepo's shared one, linked) is not read:
    # it need not hold ssot's config; `.github/ssot.toml` is ssot's alone, so one is an error
    path = find_config({p for p, e in entries.items() if not (p == "pyproject.toml" and e.sha == NOT_A_FILE)})
    # a config file that would come first may be in a directory that could not be listed:
    # never judged by another config, or the default, instead
    for config_path in CONFIG_PATHS[:CONFIG_PATHS.index(path) if path is not None else None]:
        hidden = [d for d in entries if d.endswith("/") and config_path.startswith(d)]
        if hidden:
            raise AnalysisError(f"{hidden[0]}: the directory cannot be listed, so its config file "
                                f"({config_path}), if there is one, cannot be read")
    if path is None:
        return LoadedConfig(parse_config("", ""), "", None)
    if entries[path].sha == NOT_A_FILE:
        raise AnalysisError(f"{path}: not a regular file (a symbolic link, which git keeps as a link, a directory "
                            "or a device), so it is not read, and no other config stands in for it: make it a "
                            "regular file")
    raw = snapshot.read([path]).get(path)
    if raw is None:  # listed, so there: never judged by the default config instead
        raise AnalysisError(f"{path}: the config file cannot be used (it could not be read)")
    result = parse_config(raw, path)
    if not result.config.source:  # pyproject.toml without [tool.ssot]
        return LoadedConfig(result, "", None)
    return LoadedConfig(result, raw.decode("utf-8", "replace"), path)


#: a config file larger than this is not one (a pyproject.toml is a few kilobytes)
_MAX_CONFIG_BYTES = 1 << 20


def _read_config_file(name: str) -> bytes:
    """A config file named on the command line: a regular file (a FIFO would block, a
    device never end) of at most ``_MAX_CONFIG_BYTES``; else OSError saying why."""
    fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory, not a config file", name)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", name)
        with open(fd, "rb", closefd=False) as handle:
            data = handle.read(_MAX_CONFIG_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > _MAX_CONFIG_BYTES:
        raise OSError(errno.EFBIG, "over 1 MiB: not a config file", name)
    return data


@dataclass
class Collected:
    files: dict[str, FileSummary]
    parsed: int
    cached: int
    #: every listed file was read (a file that could not be read may be read next time:
    #: what was made of this revision is not kept)
    complete: bool = True


def _worker_init() -> None:
    # Summaries free their syntax trees by reference counting (ast nodes form no cycles),
    # so the cyclic collector only costs time in a parsing worker.
    gc.disable()


#: a file to summarise: its bytes, or the name of the file on disk (a working tree's), which
#: the parser process reads itself, checking its size and its SHA as it reads
Work = tuple[str, bytes | str]
#: what a parser process answers for each file: (sha, the summary encoded), or (sha, None)
#: for a file on disk that is not as listed
Answer = tuple[str, bytes | None]
#: what a file named, not given, counts for in a chunk (its size is not known before
#: reading): a chunk holds 64 of them; and a pool starts for them on their number alone
_NAMED_BYTES = _CHUNK_BYTES // 64


def _summarize_chunk(chunk: list[Work], detail: bool, limit: int) -> list[Answer]:
    """Summaries come back encoded (the parent stores them in the cache as they are and
    decodes only the small header: a detail is made or decoded when a rule needs it); the
    bytes of a file read here stay here (its snapshot reads them again if need be)."""
    out: list[Answer] = []
    for sha, item in chunk:
        data = item if isinstance(item, bytes) else _read_named(item, sha, limit)
        if data is None:
            out.append((sha, None))
            continue
        out.append((sha, summarize(data, detail=detail).encode()))
    return out


def _read_named(name: str, sha: str, limit: int) -> bytes | None:
    """A file named by the snapshot, if it is as listed; None hands it back to the parent,
    which reads it as the snapshot has it: not a regular file now (never read: a FIFO would
    block, a device never end), over the limit on disk (its blob, which decides, may be
    smaller: line endings git converts), or other bytes than the listed blob's."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK)
        with open(fd, "rb") as handle:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
                return None
            data = handle.read(info.st_size + 1)  # (one more: a file that grew since is not as listed)
    except OSError:
        return None
    return data if len(data) <= limit and blob_sha(data) == sha else None


def collect(snapshot: Snapshot, config: ConfigResult, store: SummaryStore, *, workers: int = 0,
            progress: Progress | None = None, detail: bool = False, only: Iterable[str] | None = None) -> Collected:
    """A summary for every analysed Python file of the snapshot, or of those at the paths
    ``only`` (with every file's detail made now when ``detail``: else only when a rule asks
    for it)."""
    cfg = config.config
    limit = cfg.max_file_bytes
    excluded = matcher(cfg.exclude)
    entries = snapshot.entries()
    files: dict[str, FileSummary] = {}
    analysed: list[tuple[str, str]] = []  # (path, sha) of the files to summarise
    wanted: dict[str, str] = {}  # sha -> one path holding it
    listed = entries.items() if only is None else [(path, entries[path]) for path in only if path in entries]
    unreadable = False  # listed as there but not readable (see snapshot.UNREADABLE)
    for path, entry in listed:
        if not path.endswith((".py", "/")) or excluded(path):
            continue
        if entry.sha == UNREADABLE:
            files[path], unreadable = _unread(path), True
            continue
        if entry.size is not None and entry.size > limit:
            files[path] = _too_large(entry.size, limit)
            continue
        analysed.append((path, entry.sha))
        wanted.setdefault(entry.sha, path)
    hits = store.get_many(wanted)
    if detail:  # summaries cached without their detail are made again, detail and all, in the pool
        hits = {sha: summary for sha, summary in hits.items() if summary.holds_detail}
    missing = {sha: path for sha, path in wanted.items() if sha not in hits}
    # files the parser processes read from the disk themselves (checking size and SHA): for
    # a cache without the files' bytes (a server's keeps those it reads)
    local = snapshot.local(missing.values()) if missing and not store.keep_bytes else {}
    work: list[Work] = [(sha, local[path]) for sha, path in missing.items() if path in local]
    large: dict[str, int] = {}
    fresh: dict[str, FileSummary] = {}
    todo = {sha: path for sha, path in missing.items() if path not in local}
    for attempt in range(2):  # again for the files on disk that were not as listed
        # sizes the listing did not give, of the files to read: one over the limit is never read
        unknown = [path for path in todo.values() if entries[path].size is None]
        sizes = snapshot.sizes(unknown) if unknown else {}
        large.update((sha, sizes[path]) for sha, path in todo.items() if sizes.get(path, 0) > limit)
        data = snapshot.read([path for sha, path in todo.items() if sha not in large]) if todo else {}
        work += [(sha, data[path]) for sha, path in todo.items() if path in data]
        answers = _summarize_all(work, workers, progress if attempt == 0 else None, store, detail, limit)
        fresh.update(answers.summaries)
        todo, work = {sha: missing[sha] for sha in answers.astray}, []
        if not todo:
            break
    summaries = {**hits, **fresh, **{sha: _too_large(size, limit) for sha, size in large.items()}}
    # listed but not read (unreadable, or gone since): said, not silently left out (nor cached)
    unread = {sha: _unread(missing[sha]) for sha in missing if sha not in summaries}
    summaries.update(unread)
    for path, sha in analysed:  # where the listing gave no size, the summary has it
        summary = summaries.get(sha)
        if summary is not None:
            files[path] = summary if summary.size <= limit else _too_large(summary.size, limit)
            if not store.keep_bytes and not summary.holds_detail and summary.held_source() is None:
                summary.read_source_with(functools.partial(_read_again, snapshot, path, sha))
    return Collected(files, parsed=len(fresh), cached=len(hits), complete=not unread and not unreadable)


def _read_again(snapshot: Snapshot, path: str, sha: str) -> bytes:
    """A file's bytes, read again from the snapshot when its detail is first asked for (a
    cache without the files' bytes); DetailError if they are not the ones summarised."""
    data = snapshot.read([path]).get(path)
    if data is None or blob_sha(data) != sha:
        raise DetailError(f"`{path}` changed or is gone since it was listed", path)
    return data


def _unread(path: str) -> FileSummary:
    """A file that could not be read, or a directory that could not be listed (its path
    ends in a slash): never cached, it may be readable next time."""
    what = "the directory could not be listed (if it holds no code, add it to `exclude`)" if path.endswith("/") \
        else "the file could not be read"
    return FileSummary(error=(what, 1, 1))


def _too_large(size: int, limit: int) -> FileSummary:
    """A file not summarised (never cached: the limit may change)."""
    return FileSummary(error=(f"skipped: {size:,} bytes is over max_file_bytes ({limit:,})", 1, 1), size=size)


@dataclass
class _Answers:
    summaries: dict[str, FileSummary]
    astray: list[str]  # not as listed on the disk (changed, gone, over the limit there): read by the snapshot


def _summarize_all(work: list[Work], workers: int, progress: Progress | None, store: SummaryStore,
                   detail: bool, limit: int) -> _Answers:
    """Summarise and cache every file, on every core when there is enough work."""
    total = len(work)
    answers = _Answers({}, [])
    if not work:
        return answers
    given = {sha: item for sha, item in work if isinstance(item, bytes)}  # the bytes the parent has
    done = 0

    def take(result: list[Answer]) -> None:
        nonlocal done
        fresh = {}
        for sha, encoded in result:
            if encoded is not None:
                fresh[sha] = FileSummary.decode(encoded, None if detail else given.get(sha))
            else:
                answers.astray.append(sha)
        store.put_many(fresh, [(sha, encoded) for sha, encoded in result if encoded is not None])
        answers.summaries.update(fresh)
        done += len(result)
        if progress:
            progress(done, total)

    chunks: list[list[Work]] = [[]]
    chunk_size = 0
    for item in work:
        if chunk_size >= _CHUNK_BYTES:
            chunks.append([])
            chunk_size = 0
        chunks[-1].append(item)
        chunk_size += len(item[1]) if isinstance(item[1], bytes) else _NAMED_BYTES
    size = sum(len(item) for _, item in work if isinstance(item, bytes))
    named = any(isinstance(item, str) for _, item in work)
    workers = min(workers or min(os.cpu_count() or 1, 8), len(chunks))  # never more than there is work
    if workers <= 1 or total < _POOL_MIN_FILES or (size < _POOL_MIN_BYTES and not named):
        for chunk in chunks:
            take(_summarize_chunk(chunk, detail, limit))
        return answers
    # imported here: a run from the cache starts no pool (the imports cost a tenth of its time)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        # forking a process that runs other threads (the App's server) can deadlock a child
        # on a lock some thread held: start workers from a clean fork server there
        method = "fork" if threading.active_count() == 1 else "forkserver"
        with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init,
                                 mp_context=multiprocessing.get_context(method)) as pool:
            for result in pool.map(_summarize_chunk, chunks, [detail] * len(chunks), [limit] * len(chunks)):
                take(result)
    except BrokenProcessPool as exc:
        raise AnalysisError(
            f"a parser process died after {done} of {total} files ({exc}); "
            "run with --jobs 1 to see which file, and please report it") from exc
    return answers


@functools.cache
def _code_digest() -> bytes:
    """What the analysis code is: the bytes of every module of ``rules`` and of this one
    (which files are analysed), so an edited rule never meets a report of the old one,
    even where the version number stays (an editable install)."""
    import rules

    h = hashlib.sha256()
    for folder in rules.__path__:
        for name in sorted(os.listdir(folder)):
            if name.endswith(".py"):
                with open(os.path.join(folder, name), "rb") as handle:
                    h.update(b"%s\x00%d\x00" % (name.encode(), os.fstat(handle.fileno()).st_size) + handle.read())
    with open(__file__, "rb") as handle:
        h.update(handle.read())
    return h.digest()


def report_keys(entries: Mapping[str, Entry], config: LoadedConfig, changed: set[str] | None) -> tuple[str, str]:
    """The keys of one revision's report, with the changed paths and without them (the key
    of the same revision's report without a base). A key covers everything a report
    depends on: the analysis code, the config (its path, its text and what it was read as:
    the same text is another config as a file of its own or as pyproject's table), the
    changed paths (SSOT008 reports only those with a base), and every Python file's path
    and content (by blob SHA; its size only where a listing gives one over
    ``max_file_bytes``: such a file is not read), and the directories that could not be
    listed (see ``snapshot.UNREADABLE``)."""
    limit = config.result.config.max_file_bytes
    h = hashlib.sha256(_code_digest())
    h.update(repr((config.path, config.text, config.result)).encode("utf-8", "surrogateescape"))
    h.update("\n".join(f"{path}\x00{entry.sha}{'' if entry.size is None or entry.size <= limit else '+'}"
                       for path, entry in sorted(entries.items()) if path.endswith((".py", "/")))
             .encode("utf-8", "surrogateescape"))
    alone = h.copy()
    alone.update(b"None")
    if changed is None:
        return alone.hexdigest(), alone.hexdigest()
    h.update(repr(sorted(changed)).encode("utf-8", "surrogateescape"))
    return h.hexdigest(), alone.hexdigest()


@dataclass
class _Revision:
    """One revision on its way to a report: from the cache, or its summaries collected (with
    what the cache has of the same revision analysed without a base: its report, see
    ``rules.engine.with_changed``, and SSOT008's feature frequencies, see ``rules.context.Prior``)."""

    snapshot: Snapshot
    key: str
    alone_key: str
    started: float
    report: Report | None = None
    collected: Collected | None = None
    alone: Report | None = None
    prior: Prior | None = None
    learnt: Learnt = field(default_factory=Learnt)


def _open(snapshot: Snapshot, config: LoadedConfig, store: SummaryStore, changed: set[str] | None, *,
          keys: tuple[str, str] | None = None, workers: int = 0, progress: Progress | None = None) -> _Revision:
    started = time.perf_counter()
    key, alone_key = keys or report_keys(snapshot.entries(), config, changed)
    cached = store.get_report(key)
    if cached is not None:
        summary = replace(cached.summary, parsed=0, cached=cached.summary.parsed + cached.summary.cached,
                          seconds=round(time.perf_counter() - started, 3))
        return _Revision(snapshot, key, alone_key, started,
                         report=replace(cached, rev=snapshot.rev, summary=summary))
    alone = store.get_report(alone_key) if changed is not None else None
    frequencies = store.get_frequencies(alone_key) if config.result.config.duplicates.enabled else None
    collected = collect(snapshot, config.result, store, workers=workers, progress=progress)
    return _Revision(snapshot, key, alone_key, started, collected=collected, alone=alone,
                     prior=Prior(frequencies) if frequencies is not None else None)


def _analyze(revision: _Revision, config: LoadedConfig, changed: set[str] | None) -> Report:
    assert revision.collected is not None
    files, rev = revision.collected.files, revision.snapshot.rev
    if revision.alone is not None and changed is not None:
        return with_changed(revision.alone, files, config.result, config_text=config.text, changed=changed, rev=rev,
                            prior=revision.prior, learnt=revision.learnt)
    return analyze(files, config.result, config_text=config.text, changed=changed, rev=rev,
                   prior=revision.prior, learnt=revision.learnt)


def _close(revision: _Revision, report: Report, store: SummaryStore) -> tuple[Report, bytes | None]:
    """The analysed report with its summary, kept in the cache (with what the analysis
    learnt that the next may reuse); and as the cache pickled it (None: not kept)."""
    collected = revision.collected
    assert collected is not None
    summary = Summary(files=report.summary.files, parsed=collected.parsed, cached=collected.cached,
                      seconds=round(time.perf_counter() - revision.started, 3))
    report = replace(report, summary=summary)
    pickled = None
    # a crash, or a file that could not be read, may not happen again
    if collected.complete and not report.incomplete:
        pickled = store.put_report(revision.key, report)
        learnt = revision.learnt.frequencies
        if learnt is not None and (revision.prior is None or learnt.table is not revision.prior.frequencies.table):
            store.put_frequencies(revision.alone_key, learnt)
    keep_details(revision.snapshot, collected, store)
    return report, pickled


def keep_details(snapshot: Snapshot, collected: Collected, store: SummaryStore) -> None:
    """Keep in the cache the details the rules made (a few files' per run)."""
    entries = snapshot.entries()
    store.keep_details((entries[path].sha, s) for path, s in collected.files.items() if s.made and path in entries)


def _report(snapshot: Snapshot, config: LoadedConfig, store: SummaryStore, changed: set[str] | None,
            workers: int = 0, progress: Progress | None = None,
            keys: tuple[str, str] | None = None) -> tuple[Report, bytes | None]:
    """One revision's report (from the cache when nothing it depends on changed), and as
    the cache pickled it (None: not kept)."""
    revision = _open(snapshot, config, store, changed, keys=keys, workers=workers, progress=progress)
    if revision.report is not None:
        return revision.report, None
    return _close(revision, _analyze(revision, config, changed), store)


@dataclass(frozen=True)
class _Sent:
    """The base's report as its forked child sends it: the keys of its findings, and the
    report as the cache pickled it, unpickled only when the base has a finding the head
    has not (one the change fixed: rare, and unpickling thousands of findings is the slow
    part of receiving them)."""

    rev: str | None
    parsed: int
    keys: frozenset[tuple[str, str | None, str]]
    pickled: bytes

    @classmethod
    def of(cls, report: Report, pickled: bytes | None) -> _Sent:
        return cls(report.rev, report.summary.parsed, frozenset(f.key for f in report.findings),
                   pickled if pickled is not None else pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))

    def findings(self) -> tuple[Finding, ...]:
        try:
            report: Report = pickle.loads(self.pickled)
        except Exception as exc:  # the bytes a child pickled, read back: never expected
            raise AnalysisError(f"the base's report could not be read back ({exc}); please report this") from exc
        return report.findings


def _in_child(func: Callable[[], _Sent]) -> Callable[..., _Sent | None]:
    """Start ``func()`` in a forked child process (it inherits what it needs: nothing is
    copied but the answer, pickled through a pipe); the returned call waits for the answer,
    None when the child failed or could not start (the caller then does the work itself),
    or stops the child (``stop``). Calling it again answers None at once."""
    reader, writer = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # no process to be had: the parent does the work
        os.close(reader)
        os.close(writer)
        return lambda stop=False: None
    if pid == 0:  # the child: never returns
        os.close(reader)
        code = 1
        try:
            os.setpgid(0, 0)  # a group of its own, with the parser processes it may start
            _send(writer, func)
            code = 0
        finally:
            os._exit(code)
    os.close(writer)
    with contextlib.suppress(OSError):  # (the child does the same: whichever runs first)
        os.setpgid(pid, pid)
    waited = False

    def kill() -> None:
        """The child and every process it started: a parser process it left behind would
        hold the pipe open, and the parent would wait for ever."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)

    def result(stop: bool = False) -> _Sent | None:
        nonlocal waited
        if waited:  # asked again after an interruption (Ctrl-C): the child is gone
            return None
        waited = True
        if stop:  # not wanted (the head's analysis failed): not waited for either
            kill()
            os.close(reader)
            os.waitpid(pid, 0)
            return None
        chunks = []
        read = False
        try:
            while chunk := os.read(reader, 1 << 20):
                chunks.append(chunk)
            read = True
        finally:
            os.close(reader)
            if not read:  # interrupted: the child's work is not wanted
                kill()
            os.waitpid(pid, 0)
        try:
            answer = pickle.loads(b"".join(chunks))
        except Exception:  # noqa: BLE001 - a child that died half-way: the parent does the work
            return None
        return answer if isinstance(answer, _Sent) else None

    return result


def _send(writer: int, func: Callable[[], _Sent]) -> None:
    gc.disable()  # a short-lived child: the cyclic collector would only touch (and copy) shared pages
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # an interrupt ends it quietly; the parent stops it anyway
    try:
        answer: _Sent | None = func()
    except Exception:  # noqa: BLE001 - the parent does the work again, and reports what fails there
        answer = None
    with open(writer, "wb") as pipe:
        pipe.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))


def _prior(other: Snapshot, alone_key: str, config: LoadedConfig, store: SummaryStore, changed: set[str], *,
           workers: int = 0) -> tuple[Prior | None, int]:
    """What the cache keeps of ``other`` (a revision ``changed`` away, whose report without a
    base has ``alone_key``) that an analysis may start from: SSOT008's feature frequencies,
    and its files at the changed paths to make up the difference; and how many of those
    files were parsed."""
    if not config.result.config.duplicates.enabled:
        return None, 0
    frequencies = store.get_frequencies(alone_key)
    if frequencies is None:
        return None, 0
    collected = collect(other, config.result, store, only=changed, workers=workers)
    return Prior(frequencies, frozenset(changed), collected.files), collected.parsed


def changed_paths(head: Mapping[str, Entry], base: Mapping[str, Entry]) -> set[str]:
    """Paths added, removed or with other content (by SHA: one listing may give sizes where
    the other does not)."""
    return {p for p, _ in head.items() ^ base.items()  # (entries that differ: whole, at C speed)
            if p not in head or p not in base or head[p].sha != base[p].sha}


def run_check(head: Snapshot, base: Snapshot | None, config: LoadedConfig, store: SummaryStore, *,
              workers: int = 0, progress: Progress | None = None) -> Report:
    """The verdict on ``head``, and with ``base`` which findings are new or fixed.

    The same config judges both revisions, so a finding is new only because the code
    changed, never because the rules did.
    """
    started = time.perf_counter()
    if base is None:
        return _report(head, config, store, None, workers, progress)[0]
    # both revisions see the same changed paths, so rules that report only what a change
    # touched (SSOT008) give comparable answers and "new" means new
    changed = changed_paths(head.entries(), base.entries())
    revision = _open(head, config, store, changed, workers=workers, progress=progress)
    base_keys = report_keys(base.entries(), config, changed)
    prior_parsed = 0
    if revision.report is None and revision.prior is None:
        revision.prior, prior_parsed = _prior(base, base_keys[1], config, store, changed, workers=workers)

    def base_sent() -> _Sent:  # in the child: pickled once, for the cache and this process both
        return _Sent.of(*_report(base, config, store, changed, workers, keys=base_keys))

    # two to analyse and two cores: the base in a forked child (its summaries, its report and
    # its cache writes, on a connection of its own: this process has no SQLite transaction
    # open here, ``store.forkable``) while this process does the head, whose files were
    # summarised first (the two share most: none is parsed twice); not where threads run, as
    # in the App: forking them is unsafe
    waiting = _in_child(base_sent) if revision.report is None and workers != 1 and (os.cpu_count() or 1) > 1 \
        and threading.active_count() == 1 and store.get_report(base_keys[0]) is None and store.forkable() else None
    try:
        head_report = revision.report or _close(revision, _analyze(revision, config, changed), store)[0]
        sent = None
        if waiting is not None:
            sent, waiting = waiting(), None
        if sent is not None:
            merged, base_parsed = compared(head_report, sent.rev, sent.keys, sent.findings), sent.parsed
        else:  # no child, or it failed: the base here
            base_report = _report(base, config, store, changed, workers, keys=base_keys)[0]
            merged, base_parsed = compare(head_report, base_report), base_report.summary.parsed
    finally:
        if waiting is not None:  # the head's analysis failed: do not leave the child behind
            waiting(stop=True)
    parsed = head_report.summary.parsed + base_parsed + prior_parsed
    summary = replace(head_report.summary, parsed=parsed, seconds=round(time.perf_counter() - started, 3))
    return replace(merged, summary=summary)
