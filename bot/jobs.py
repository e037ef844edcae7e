"""The App's jobs: check a pull request, validate a push, answer a comment.

Each function builds a :class:`~bot.queue.Job`; its ``run`` does the work after the webhook
has been answered. A pull-request check always ends in a completed check run: the verdict,
or ``neutral`` with the reason it could not finish (never silence). Tracebacks go to the
log, never to GitHub.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gidgethub import HTTPException

from bot import checkrun, commands, config_change, issue_status, logs
from bot.analysis import AnalysisError, LoadedConfig, load_config, run_check
from bot.context import AppContext, Delivery
from bot.github_api import GitHubUnavailable, InstallationAPI, TooLarge
from bot.github_snapshot import FetchedSnapshot, Tree, config_files, fetch_tree, fill
from bot.queue import Job, Superseded
from rules.config import ConfigProblem
from rules.model import ConceptResult, Report

FAILED_INTERNAL = "an internal error ({kind}); the operators can find the details in the server log"
FAILED_GITHUB = "GitHub answered {status} to a request the check needed ({message})"
FAILED_TOO_LARGE = "the repository is too large to fetch ({detail})"
FAILED_ANALYSIS = "the analysis could not finish: {detail}"
#: Seconds a stopping server gives each running check to be marked neutral.
STOP_NOTICE_SECONDS = 10.0


@dataclass(frozen=True)
class Repo:
    installation_id: int
    owner: str
    name: str

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Repo | None:
        """The payload's repository and installation; None when either is absent or malformed."""
        installation, repository = data.get("installation"), data.get("repository")
        if not isinstance(installation, dict) or not isinstance(repository, dict):
            return None
        installation_id, name = installation.get("id"), repository.get("name")
        if not isinstance(installation_id, int) or isinstance(installation_id, bool) or not installation_id:
            return None
        if not isinstance(name, str) or not name:
            return None
        owner_field = repository.get("owner")
        owner = owner_field.get("login") if isinstance(owner_field, dict) else None
        if not isinstance(owner, str) or not owner:
            full_name = repository.get("full_name")
            owner = full_name.split("/")[0] if isinstance(full_name, str) else ""
        if not owner:
            return None
        return cls(installation_id, owner, name)


def payload_repo(delivery: Delivery, data: dict[str, Any]) -> Repo | None:
    """The payload's repository; None, the delivery ignored with the reason, without one."""
    repo = Repo.from_payload(data)
    if repo is None:
        delivery.ignore("no installation in the payload")
    return repo


@dataclass(frozen=True)
class PullTarget:
    repo: Repo
    head_sha: str
    base_ref: str
    #: None for a commit checked outside a pull request (against the default branch)
    number: int | None = None
    base_sha: str | None = None

    @property
    def key(self) -> tuple[str, ...]:
        if self.number is not None:
            return ("pull", self.repo.full_name, str(self.number))
        return ("commit", self.repo.full_name, self.head_sha)


def failure_reason(exc: BaseException) -> str:
    """What a user is told when the check could not finish."""
    if isinstance(exc, GitHubUnavailable):
        return str(exc)
    if isinstance(exc, TooLarge):
        return FAILED_TOO_LARGE.format(detail=exc)
    if isinstance(exc, AnalysisError):  # about the repository (a config that is no file): its own words
        return FAILED_ANALYSIS.format(detail=exc)
    if isinstance(exc, HTTPException):
        return FAILED_GITHUB.format(status=int(exc.status_code), message=checkrun.one_line(str(exc), 120))
    return FAILED_INTERNAL.format(kind=type(exc).__name__)


def _fields(target: PullTarget, trigger: str) -> dict[str, Any]:
    return {
        "repo": target.repo.full_name,
        "pr": target.number,
        "sha": target.head_sha,
        "trigger": trigger,
    }


# -- pull requests ---------------------------------------------------------------------------


def pull_check(ctx: AppContext, target: PullTarget, *, trigger: str) -> Job:
    async def run(job: Job) -> str:
        return await check_pull(ctx, target, job)

    return Job("pull_check", run, key=target.key, version=target.head_sha, fields=_fields(target, trigger), opens=True)


async def check_pull(ctx: AppContext, target: PullTarget, job: Job) -> str:
    """Create the check run at once, then (in the job's turn) complete it: the verdict, or
    neutral with the reason.

    Everything between creating and completing the run is guarded, waiting for the turn,
    the builders and the completing request included, so that no failure (nor newer work,
    nor a server shutdown) leaves the run ``in_progress``.
    """
    repo = target.repo
    api = ctx.github.installation(repo.installation_id)
    job.checkpoint()
    creating = asyncio.ensure_future(api.create_check_run(
        repo.owner,
        repo.name,
        checkrun.in_progress(
            target.head_sha,
            ctx.clock.iso(),
            external_id=f"pr-{target.number}" if target.number else "",
        ),
    ))
    try:
        created = await asyncio.shield(creating)
    except asyncio.CancelledError:
        # the server is stopping while GitHub creates the run: once it exists, complete it
        await _stopped(ctx, api, repo, job, creating)
        raise
    run_id = int(created["id"])
    try:
        async with job.turn():
            report, change, config_path = await _analyse_pull(ctx, api, target, job)
        job.checkpoint()
        payloads = checkrun.completed(report, ctx.clock.iso(), config_change=change, config_path=config_path)
        await api.update_check_run(repo.owner, repo.name, run_id, payloads[0])
    except Superseded as exc:
        await _give_up(ctx, api, repo, run_id, checkrun.SUPERSEDED_REASON.format(sha=str(exc)[:7]))
        return "superseded"
    except asyncio.CancelledError:
        await _stopped(ctx, api, repo, job, creating)  # the server is stopping: say so, in a bounded wait
        raise
    except Exception as exc:  # noqa: BLE001 - every failure becomes a neutral check run with its reason
        logs.event("check could not finish", level=logging.WARNING, exc_info=True, check_run=run_id, **job.fields)
        await _give_up(ctx, api, repo, run_id, failure_reason(exc))
        return "neutral"
    for payload in payloads[1:]:
        try:
            await api.update_check_run(repo.owner, repo.name, run_id, payload)
        except Exception:  # noqa: BLE001 - the run is complete; only some annotations are missing
            logs.event("annotations not sent", level=logging.WARNING, exc_info=True, check_run=run_id, **job.fields)
            break
    return str(payloads[0]["conclusion"])


async def _stopped(ctx: AppContext, api: InstallationAPI, repo: Repo, job: Job,
                   creating: asyncio.Future[Any]) -> None:
    """The server is stopping: complete the run (once GitHub has created it) as stopped,
    each step in a bounded wait; the log says which run is left if that fails."""
    try:
        run = await asyncio.wait_for(creating, STOP_NOTICE_SECONDS)
        await asyncio.wait_for(_give_up(ctx, api, repo, int(run["id"]), checkrun.STOPPED_REASON), STOP_NOTICE_SECONDS)
    except Exception:  # noqa: BLE001 - stopping anyway
        logs.event("check run left in progress", level=logging.ERROR, exc_info=True, **job.fields)


async def _give_up(ctx: AppContext, api: InstallationAPI, repo: Repo, run_id: int, reason: str) -> None:
    """Complete the run as neutral, saying why it could not finish."""
    await api.update_check_run(repo.owner, repo.name, run_id, checkrun.neutral(reason, ctx.clock.iso()))


async def _analyse_pull(
    ctx: AppContext, api: InstallationAPI, target: PullTarget, job: Job
) -> tuple[Report, list[str], str | None]:
    repo = target.repo
    owner, name = repo.owner, repo.name
    base_tip, merge_base = await api.compare(owner, name, target.base_sha or target.base_ref, target.head_sha)
    job.checkpoint()
    head_tree = await fetch_tree(api, owner, name, target.head_sha)
    base_tree = head_tree if merge_base == target.head_sha else await fetch_tree(api, owner, name, merge_base)
    tip_tree = base_tree if base_tip == merge_base else await fetch_tree(api, owner, name, base_tip)
    tip_files = await config_files(api, owner, name, tip_tree)
    base_config = load_config(tip_files)
    job.checkpoint()
    head = await _fill(ctx, api, repo, head_tree, base_config, have=tip_files.by_sha())
    job.checkpoint()
    base = head
    if base_tree is not head_tree:
        known = {**tip_files.by_sha(), **head.by_sha()}
        base = await _fill(ctx, api, repo, base_tree, base_config, have=known)
    job.checkpoint()
    report = await ctx.analyse(run_check, head, base, base_config, ctx.store, workers=ctx.settings.workers)
    ctx.metrics.cache_lookups(report.summary.cached, report.summary.parsed)
    head_config = load_config(head)
    change: list[str] = []
    if (head_config.path, head_config.text) != (base_config.path, base_config.text):
        change = config_change.describe(base_config.result, head_config.result)
    return report, change, head_config.path or base_config.path


async def _fill(
    ctx: AppContext,
    api: InstallationAPI,
    repo: Repo,
    tree: Tree,
    config: LoadedConfig,
    *,
    have: dict[str, bytes] | None = None,
) -> FetchedSnapshot:
    async def cached(shas: list[str]) -> set[str]:
        return await ctx.analyse(lambda: set(ctx.store.get_many(shas)))

    return await fill(
        api,
        repo.owner,
        repo.name,
        tree,
        config.result.config,
        cached=cached,
        offload=ctx.analyse,
        tarball_threshold=ctx.settings.tarball_threshold,
        tarball_max_bytes=ctx.settings.tarball_max_bytes,
        have=have,
    )


# -- comments --------------------------------------------------------------------------------


def comment_command(
    ctx: AppContext,
    repo: Repo,
    number: int,
    comment_id: int,
    commenter: str,
    author: str,
    command: str,
) -> Job:
    async def run(job: Job) -> str:
        return await answer_comment(ctx, repo, number, comment_id, commenter, author, command, job)

    # no analysis here (a recheck is a job of its own): it answers at once, never waits for a turn
    return Job(
        "comment",
        run,
        fields={"repo": repo.full_name, "pr": number, "command": command, "user": commenter},
        opens=True,
    )


async def answer_comment(
    ctx: AppContext,
    repo: Repo,
    number: int,
    comment_id: int,
    commenter: str,
    author: str,
    command: str,
    job: Job,
) -> str:
    api = ctx.github.installation(repo.installation_id)
    try:
        await api.react(repo.owner, repo.name, comment_id, commands.REACTION)
    except (HTTPException, GitHubUnavailable):  # the 👀 is a courtesy: the command still runs
        logs.event("reaction not added", level=logging.WARNING, exc_info=True, **job.fields)
    if command == commands.HELP:
        await api.comment(repo.owner, repo.name, number, commands.HELP_TEXT)
        return "help"
    try:  # the lookups only: a reply that fails is not answered with another reply
        allowed = bool(author) and commenter.lower() == author.lower()
        if not allowed:
            allowed = bool(await api.permission(repo.owner, repo.name, commenter) & commands.ALLOWED_PERMISSIONS)
        pull = await api.pull(repo.owner, repo.name, number) if allowed else None
    except (HTTPException, GitHubUnavailable) as exc:  # the commenter hears why nothing runs
        logs.event("command could not run", level=logging.WARNING, exc_info=True, **job.fields)
        await api.comment(repo.owner, repo.name, number, commands.FAILED_TEXT.format(reason=failure_reason(exc)))
        return "failed"
    if pull is None:
        await api.comment(repo.owner, repo.name, number, commands.DENIED_TEXT.format(user=commenter))
        return "denied"
    target = PullTarget(repo, str(pull["head"]["sha"]), str(pull["base"]["ref"]), number, str(pull["base"]["sha"]))
    recheck = pull_check(ctx, target, trigger="comment")
    recheck.fields["delivery"] = job.fields.get("delivery")
    return "recheck-" + ctx.queue.submit(recheck)


# -- pushes to the default branch ------------------------------------------------------------


def push_validation(ctx: AppContext, repo: Repo, branch: str, sha: str) -> Job:
    async def run(job: Job) -> str:
        return await validate_push(ctx, repo, branch, sha, job)

    return Job(
        "push",
        run,
        key=("push", repo.full_name, branch),
        version=sha,
        fields={"repo": repo.full_name, "sha": sha, "branch": branch},
    )


async def validate_push(ctx: AppContext, repo: Repo, branch: str, sha: str, job: Job) -> str:
    api = ctx.github.installation(repo.installation_id)
    tree = await fetch_tree(api, repo.owner, repo.name, sha)
    files = await config_files(api, repo.owner, repo.name, tree)
    config = load_config(files)
    if config.result.problems:
        # the concepts it names with an issue hear why nothing was validated
        declared = config.result.declared
        failed = await _each_issue(job, declared, [functools.partial(
            _config_broken, ctx, api, repo, branch, sha, name, number, config.result.problems)
            for name, number in declared])
        job.fields.update(concepts=len(declared), issues_failed=failed or None)
        return "config-invalid"
    tracked = [c for c in config.result.config.concepts if c.issue]
    if not tracked:
        return "no-tracked-concepts"
    job.checkpoint()
    snapshot = await _fill(ctx, api, repo, tree, config, have=files.by_sha())
    job.checkpoint()
    report = await ctx.analyse(run_check, snapshot, None, config, ctx.store, workers=ctx.settings.workers)
    ctx.metrics.cache_lookups(report.summary.cached, report.summary.parsed)
    # a concept one of whose rules stopped has no status to announce (it would say "passes",
    # and close its issue, on a check that did not run): its issue is left as it is
    unknown = {f.concept for f in report.stopped}
    tracked_results = [c for c in report.concepts if c.issue and c.name not in unknown]
    failed = await _each_issue(job, [(c.name, int(c.issue or 0)) for c in tracked_results], [
        functools.partial(_update_issue, ctx, api, repo, branch, sha, c) for c in tracked_results])
    # counts go to the job's log line; the outcome stays a small set (it is a metric label)
    skipped = sum(1 for c in report.concepts if c.issue and c.name in unknown)
    job.fields.update(concepts=len(tracked_results), issues_failed=failed or None, issues_left=skipped or None)
    return "validated-partly" if failed or skipped else "validated"


async def _each_issue(job: Job, issues: Sequence[tuple[str, int]],
                      updates: Sequence[Callable[[], Awaitable[None]]]) -> int:
    """Run each issue's update (concept, issue number); one unreachable issue must not
    starve the others. Returns how many failed (each logged)."""
    failed = 0
    for (name, number), update in zip(issues, updates, strict=True):
        job.checkpoint()
        try:
            await update()
        except Exception:  # noqa: BLE001 - logged; the next issue is still updated
            failed += 1
            logs.event("tracking issue not updated", level=logging.WARNING, exc_info=True,
                       concept=name, issue=number, **job.fields)
    return failed


async def _config_broken(ctx: AppContext, api: InstallationAPI, repo: Repo, branch: str, sha: str, concept: str,
                         number: int, problems: Sequence[ConfigProblem]) -> None:
    """The concept's status comment says the config is broken (and keeps the status it showed)."""
    existing, previous = await _status_comment(api, repo, number, concept)
    body = issue_status.broken_config_body(concept, problems, branch=branch, sha=sha, when=ctx.clock.iso(),
                                           previous=previous)
    await _put_status(api, repo, number, existing, body)


async def _status_comment(api: InstallationAPI, repo: Repo, number: int,
                          concept: str) -> tuple[dict[str, Any] | None, str | None]:
    """The concept's status comment on the issue, if any, and the status it shows."""
    existing = issue_status.find(await api.comments(repo.owner, repo.name, number), concept)
    return existing, issue_status.shown_status(existing["body"], concept) if existing else None


async def _put_status(api: InstallationAPI, repo: Repo, number: int, existing: dict[str, Any] | None,
                      body: str) -> None:
    if existing is None:
        await api.comment(repo.owner, repo.name, number, body)
    elif existing.get("body") != body:
        await api.edit_comment(repo.owner, repo.name, int(existing["id"]), body)


async def _update_issue(ctx: AppContext, api: InstallationAPI, repo: Repo, branch: str, sha: str,
                        concept: ConceptResult) -> None:
    assert concept.issue is not None
    owner, name, number = repo.owner, repo.name, int(concept.issue)
    existing, previous = await _status_comment(api, repo, number, concept.name)
    body = issue_status.status_body(concept, branch=branch, sha=sha, when=ctx.clock.iso())
    await _put_status(api, repo, number, existing, body)
    kind = issue_status.flip(previous, concept.status)
    closing = concept.status == "pass" and concept.close_issue
    if closing:
        issue = await api.issue(owner, name, number)
        closing = issue.get("state") == "open"
    if kind is not None:
        await api.comment(
            owner,
            name,
            number,
            issue_status.flip_body(concept, kind, branch=branch, sha=sha, closing=closing),
        )
    if closing:
        await api.close_issue(owner, name, number)
