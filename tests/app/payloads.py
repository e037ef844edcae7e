"""Real webhook payloads (``../shared/github/webhooks/``), retargeted at the fake's repositories.

Only the fields that must point at a test repository are changed, in a copy; everything
else stays as GitHub sent it.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from tests.app.fakegithub import SHARED, FakeRepo

WEBHOOKS = SHARED / "webhooks"


@cache
def _read(name: str) -> dict[str, Any]:
    return json.loads((WEBHOOKS / f"{name}.json").read_text())


def load(name: str) -> dict[str, Any]:
    return copy.deepcopy(_read(name))


def examples(events: set[str]) -> list[tuple[str, str]]:
    """(event, file stem) of every example of these events, from the manifest."""
    index = json.loads((WEBHOOKS / "index.json").read_text())
    entries = index["examples"] if isinstance(index, dict) else index
    out = []
    for entry in entries:
        stem = entry.get("file", entry.get("path", "")).rsplit("/", 1)[-1].removesuffix(".json")
        if entry["event"] in events:
            out.append((entry["event"], stem))
    return sorted(out)


def retarget(payload: dict[str, Any], repo: FakeRepo) -> dict[str, Any]:
    repository = payload["repository"]
    repository.update(name=repo.name, full_name=repo.full_name, default_branch=repo.git.default_branch)
    repository["owner"]["login"] = repo.owner
    payload["installation"] = {
        **(payload.get("installation") or {}),
        "id": repo.installation_id,
        "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==",
    }
    return payload


def pull_request(
    action: str,
    repo: FakeRepo,
    number: int,
    *,
    head_sha: str,
    head_ref: str,
    base_sha: str,
    base_ref: str = "main",
    author: str = "octocat",
) -> dict[str, Any]:
    payload = retarget(load(f"pull_request.{action}"), repo)
    payload["number"] = number
    pull = payload["pull_request"]
    pull["number"] = number
    pull["user"]["login"] = author
    pull["head"].update(sha=head_sha, ref=head_ref)
    pull["base"].update(sha=base_sha, ref=base_ref)
    return payload


def issue_comment(
    repo: FakeRepo,
    number: int,
    body: str,
    *,
    comment_id: int,
    user: str,
    user_type: str = "User",
    pr_author: str = "octocat",
) -> dict[str, Any]:
    payload = retarget(load("issue_comment.created"), repo)
    issue = payload["issue"]
    issue["number"] = number
    issue["user"]["login"] = pr_author
    issue["pull_request"] = {"url": f"https://api.github.com/repos/{repo.full_name}/pulls/{number}"}
    comment = payload["comment"]
    comment.update(id=comment_id, body=body)
    comment["user"].update(login=user, type=user_type)
    payload["sender"].update(login=user, type=user_type)
    return payload


def check_run(
    action: str,
    repo: FakeRepo,
    *,
    head_sha: str,
    app_id: str,
    pulls: list[tuple[int, str]],
    name: str = "SSOT",
    identifier: str | None = None,
) -> dict[str, Any]:
    source = "check_run.requested_action" if action == "requested_action" else "check_run.rerequested"
    payload = retarget(load(source), repo)
    run = payload["check_run"]
    run.update(head_sha=head_sha, name=name)
    run["app"]["id"] = int(app_id)
    run["pull_requests"] = [
        {"number": n, "head": {"sha": head_sha, "ref": "feature"}, "base": {"ref": base, "sha": "0" * 40}}
        for n, base in pulls
    ]
    if identifier is not None:
        payload["requested_action"] = {"identifier": identifier}
    return payload


def check_suite(repo: FakeRepo, *, head_sha: str, app_id: str, pulls: list[tuple[int, str]]) -> dict[str, Any]:
    payload = retarget(load("check_suite.rerequested"), repo)
    suite = payload["check_suite"]
    suite["head_sha"] = head_sha
    suite["app"]["id"] = int(app_id)
    suite["pull_requests"] = [
        {"number": n, "head": {"sha": head_sha, "ref": "feature"}, "base": {"ref": base, "sha": "0" * 40}}
        for n, base in pulls
    ]
    return payload


def push(repo: FakeRepo, *, after: str, before: str, ref: str | None = None) -> dict[str, Any]:
    payload = retarget(load("push.with-installation"), repo)
    payload.update(
        ref=ref or f"refs/heads/{repo.git.default_branch}", after=after, before=before, deleted=False, created=False
    )
    return payload
