"""The one fake GitHub the App's tests (and bench/) talk to.

An aiohttp server on 127.0.0.1 whose answers are computed from real git repositories the
tests build with the git CLI. Every request is recorded, matched against GitHub's OpenAPI
description (``../shared/github/openapi-subset.json``, beside the clone) and validated
there: path and query parameters and the JSON body. An unknown URL, a body GitHub would
refuse or a check-run limit broken (50 annotations per request, 65,535 characters of
summary) is answered with an error *and* kept in ``problems`` so the test fails loudly.
Faults can be injected: 5xx answers, hangs (timeouts), dropped connections, ``Retry-After``,
exhausted rate limits, expired tokens.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import itertools
import json
import os
import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jwt
from aiohttp import web

#: ``../shared/github`` beside the clone (``SSOT_SHARED_GITHUB`` overrides, e.g. to test the skips)
SHARED = Path(os.environ.get("SSOT_SHARED_GITHUB") or Path(__file__).resolve().parents[2].parent / "shared" / "github")
OPENAPI_PATH = SHARED / "openapi-subset.json"
SHARED_MISSING = f"{SHARED} is absent (GitHub's OpenAPI subset and webhook examples live there)"

#: The REST operations the App may call: (method, path template, operationId).
OPERATIONS = (
    ("POST", "/app/installations/{installation_id}/access_tokens", "apps/create-installation-access-token"),
    ("GET", "/repos/{owner}/{repo}", "repos/get"),
    ("POST", "/repos/{owner}/{repo}/check-runs", "checks/create"),
    ("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", "checks/update"),
    ("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", "repos/get-collaborator-permission-level"),
    ("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", "checks/list-for-ref"),
    ("GET", "/repos/{owner}/{repo}/compare/{basehead}", "repos/compare-commits"),
    ("GET", "/repos/{owner}/{repo}/contents/{path}", "repos/get-content"),
    ("GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}", "git/get-blob"),
    ("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}", "git/get-tree"),
    ("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues/update-comment"),
    ("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", "reactions/create-for-issue-comment"),
    ("GET", "/repos/{owner}/{repo}/issues/{issue_number}", "issues/get"),
    ("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}", "issues/update"),
    ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "issues/list-comments"),
    ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "issues/create-comment"),
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", "pulls/get"),
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", "pulls/list-files"),
    ("GET", "/repos/{owner}/{repo}/tarball/{ref}", "repos/download-tarball-archive"),
)
#: Path parameters that may hold slashes.
MULTI_SEGMENT = {"path", "tree_sha", "ref", "basehead"}
BOT_USER = {"login": "ssot-bot[bot]", "id": 9999, "type": "Bot"}
MAX_SUMMARY = 65_535
MAX_ANNOTATIONS = 50


# -- git repositories ------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A symbolic link to commit (its target path, as git keeps it)."""

    target: str


class GitRepo:
    """A bare repository; commits are written with ``git fast-import`` (nothing checked out)."""

    def __init__(self, path: Path, default_branch: str = "main", *, create: bool = True) -> None:
        self.path = path
        self.default_branch = default_branch
        self._ticks = itertools.count(1_700_000_000)
        if create:
            path.mkdir(parents=True, exist_ok=True)
            self.git("init", "-q", "--bare", f"--initial-branch={default_branch}")

    @classmethod
    def adopt(cls, path: Path) -> GitRepo:
        """An existing repository (bare or not); its current branch is the default branch."""
        repo = cls(path, create=False)
        repo.default_branch = repo.git("symbolic-ref", "--short", "HEAD").decode().strip()
        return repo

    def git(self, *args: str, input: bytes | None = None) -> bytes:
        proc = subprocess.run(["git", "-C", str(self.path), *args], input=input, capture_output=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace')}")
        return proc.stdout

    def tip(self, branch: str) -> str | None:
        try:
            return self.git("rev-parse", "--verify", "-q", f"refs/heads/{branch}").decode().strip()
        except RuntimeError:
            return None

    def commit(
        self,
        files: Mapping[str, str | bytes | Link | None],
        *,
        branch: str | None = None,
        parent: str | None = None,
        message: str = "change",
    ) -> str:
        """Commit ``files`` (None deletes) on ``branch``, on top of ``parent`` or the branch tip."""
        branch = branch or self.default_branch
        parent = parent or self.tip(branch)
        when = next(self._ticks)
        out = bytearray()
        msg = message.encode()
        out += f"commit refs/heads/{branch}\n".encode()
        out += f"committer Test <test@example.com> {when} +0000\n".encode()
        out += b"data %d\n%s\n" % (len(msg), msg)
        if parent:
            out += f"from {parent}\n".encode()
        for path, content in files.items():
            if content is None:
                out += f"D {path}\n".encode()
                continue
            if isinstance(content, Link):  # a symbolic link: git keeps its target as the blob
                content, mode = content.target, "120000"
            else:
                mode = "100644"
            data = content.encode() if isinstance(content, str) else content
            out += f"M {mode} inline {path}\n".encode()
            out += b"data %d\n%s\n" % (len(data), data)
        out += b"done\n"
        self.git("fast-import", "--quiet", "--done", "--force", input=bytes(out))
        sha = self.tip(branch)
        assert sha is not None
        return sha

    def resolve(self, ref: str) -> str | None:
        try:
            return self.git("rev-parse", "--verify", "-q", f"{ref}^{{commit}}").decode().strip()
        except RuntimeError:
            return None


# -- the OpenAPI description -----------------------------------------------------------------


def _strip_discriminators(node: Any) -> Any:
    # a `discriminator` without `mapping` is a validator artifact (see SOURCES.md); oneOf stays
    if isinstance(node, dict):
        return {k: _strip_discriminators(v) for k, v in node.items() if k != "discriminator"}
    if isinstance(node, list):
        return [_strip_discriminators(v) for v in node]
    return node


class OpenAPI:
    """GitHub's description of the operations, used to validate what the App sends."""

    def __init__(self, path: Path) -> None:
        from openapi_schema_validator import OAS30Validator

        self.spec = json.loads(path.read_text())
        self._validator = OAS30Validator
        self.components = _strip_discriminators(self.spec["components"])

    def operations(self) -> set[tuple[str, str, str]]:
        return {
            (method.upper(), template, op["operationId"])
            for template, ops in self.spec["paths"].items()
            for method, op in ops.items()
            if isinstance(op, dict) and "operationId" in op
        }

    def _param(self, param: dict[str, Any]) -> dict[str, Any]:
        ref = param.get("$ref")
        if ref:
            return self.spec["components"]["parameters"][ref.rsplit("/", 1)[1]]
        return param

    def _errors(self, schema: dict[str, Any], value: Any) -> list[str]:
        validator = self._validator({**_strip_discriminators(schema), "components": self.components})
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message[:300]}"
            for e in validator.iter_errors(value)
        ]

    def validate(
        self, method: str, template: str, params: dict[str, str], query: dict[str, str], body: bytes
    ) -> list[str]:
        op = self.spec["paths"][template][method.lower()]
        errors: list[str] = []
        known_query = set()
        for raw in op.get("parameters", []):
            param = self._param(raw)
            schema = param.get("schema", {})
            where = params if param["in"] == "path" else query if param["in"] == "query" else None
            if param["in"] == "query":
                known_query.add(param["name"])
            if where is None or param["name"] not in where:
                if param.get("required") and where is not None:
                    errors.append(f"missing {param['in']} parameter {param['name']}")
                continue
            value: Any = where[param["name"]]
            if schema.get("type") == "integer":
                if not re.fullmatch(r"-?\d+", value):
                    errors.append(f"{param['name']}: {value!r} is not an integer")
                    continue
                value = int(value)
            errors += [f"{param['name']}: {e}" for e in self._errors(schema, value)]
        errors += [f"unknown query parameter {name!r}" for name in query if name not in known_query]
        request_body = op.get("requestBody")
        if body.strip():
            if request_body is None:
                errors.append("this operation takes no body")
            else:
                try:
                    data = json.loads(body)
                except ValueError:
                    return [*errors, "body is not JSON"]
                schema = request_body["content"]["application/json"]["schema"]
                errors += self._errors(schema, data)
        elif request_body is not None and request_body.get("required"):
            errors.append("a JSON body is required")
        return errors


# -- state -----------------------------------------------------------------------------------


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    operation: str | None
    status: int = 0


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    times: int
    status: int = 502
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    disconnect: bool = False
    #: hold the request until the test sets ``gate`` (``arrived`` is set when it comes in)
    gate: asyncio.Event | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Pull:
    number: int
    head: str  # branch
    base: str  # branch
    author: str
    state: str = "open"


@dataclass
class Issue:
    number: int
    title: str
    author: str = "octocat"
    state: str = "open"
    comments: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FakeRepo:
    owner: str
    name: str
    git: GitRepo
    installation_id: int
    pulls: dict[int, Pull] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    permissions: dict[str, str] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def pull(self, number: int, head: str, *, base: str | None = None, author: str = "octocat") -> Pull:
        self.pulls[number] = Pull(number, head, base or self.git.default_branch, author)
        return self.pulls[number]

    def issue(self, number: int, title: str = "Consolidate") -> Issue:
        self.issues[number] = Issue(number, title)
        return self.issues[number]


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeGitHub:
    def __init__(
        self, root: Path, *, app_id: str, public_key: str, now: Callable[[], float], openapi: OpenAPI | None
    ) -> None:
        self.root = root
        self.app_id = app_id
        self.public_key = public_key
        self.now = now
        self.openapi = openapi
        self.repos: dict[str, FakeRepo] = {}
        self.requests: list[Recorded] = []
        self.problems: list[str] = []
        self.faults: list[Fault] = []
        self.tokens: dict[str, tuple[int, float]] = {}  # token -> (installation, expires)
        self.check_runs: dict[int, dict[str, Any]] = {}
        self.truncate_trees = False
        self.rate_remaining = 5000
        self.released = asyncio.Event()
        self._ids = itertools.count(1001)
        self._routes = [(m, self._compile(t), t, op) for m, t, op in OPERATIONS]
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self._handle)
        self.base_url = ""

    # -- setting up ----------------------------------------------------------------------

    def repo(self, full_name: str = "octo/hello", *, installation_id: int = 42, git: GitRepo | None = None) -> FakeRepo:
        """A repository on the fake; a new empty one unless ``git`` is given."""
        owner, name = full_name.split("/")
        git = git or GitRepo(self.root / f"{owner}__{name}.git")
        repo = FakeRepo(owner, name, git, installation_id)
        self.repos[full_name.lower()] = repo
        return repo

    def fail(
        self,
        method: str,
        path: str,
        *,
        times: int = 1,
        status: int = 502,
        headers: dict[str, str] | None = None,
        hang: bool = False,
        disconnect: bool = False,
    ) -> None:
        """Answer the next ``times`` requests whose path matches the regex ``path`` with a fault."""
        self.faults.append(Fault(method, re.compile(path), times, status, headers or {}, hang, disconnect))

    def hold(self, method: str, path: str) -> Fault:
        """Hold the next matching request until ``fault.gate.set()``; it is then answered normally."""
        fault = Fault(method, re.compile(path), 1, gate=asyncio.Event())
        self.faults.append(fault)
        return fault

    def expire_tokens(self) -> None:
        self.tokens.clear()

    # -- reading what happened -----------------------------------------------------------

    def calls(self, operation: str) -> list[Recorded]:
        return [r for r in self.requests if r.operation == operation]

    def runs_for(self, sha: str) -> list[dict[str, Any]]:
        return [r for r in self.check_runs.values() if r["head_sha"] == sha]

    def assert_clean(self) -> None:
        assert not self.problems, "the fake GitHub saw bad requests:\n" + "\n".join(self.problems)

    # -- serving -------------------------------------------------------------------------

    @staticmethod
    def _compile(template: str) -> re.Pattern[str]:
        def group(match: re.Match[str]) -> str:
            name = match.group(1)
            return f"(?P<{name}>.+)" if name in MULTI_SEGMENT else f"(?P<{name}>[^/]+)"

        return re.compile("^" + re.sub(r"\{(\w+)\}", group, template) + "$")

    def _match(self, method: str, path: str) -> tuple[str, str, dict[str, str]] | None:
        best = None
        for m, pattern, template, op in self._routes:
            found = pattern.match(path) if m == method else None
            if found is None:
                continue
            literal = len(re.sub(r"\{\w+\}", "", template))
            if best is None or literal > best[0]:
                best = (literal, template, op, found.groupdict())
        return None if best is None else (best[1], best[2], best[3])

    def _problem(self, text: str) -> None:
        self.problems.append(text)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        path = request.rel_url.raw_path
        query = dict(parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True))
        decoded_path = request.path
        if decoded_path.startswith("/_codeload/"):
            return self._codeload(decoded_path)
        if decoded_path.startswith("/_fake/runs/"):  # for a benchmark watching from another process
            runs = [self._run_view(r) for r in self.runs_for(decoded_path.rsplit("/", 1)[1])]
            return web.json_response(runs)
        matched = self._match(request.method, decoded_path)
        try:
            parsed: Any = json.loads(body) if body.strip() else None
        except ValueError:
            parsed = body
        record = Recorded(
            request.method, decoded_path, query, parsed, dict(request.headers), matched[1] if matched else None
        )
        self.requests.append(record)
        if matched is None:
            self._problem(f"unknown URL: {request.method} {path}")
            return self._json(record, {"message": f"the fake GitHub has no {request.method} {path}"}, 501)
        template, operation, params = matched
        errors = self._limits(operation, parsed)
        if self.openapi is not None:
            errors = self.openapi.validate(request.method, template, params, query, body) + errors
        if errors:
            self._problem(f"{request.method} {path}: " + "; ".join(errors))
            return self._json(record, {"message": "Validation Failed", "errors": errors}, 422)
        fault = self._fault(request.method, decoded_path)
        if fault is not None and fault.gate is not None:
            fault.arrived.set()
            await fault.gate.wait()
        elif fault is not None:
            return await self._inject(record, fault, request)
        denied = self._authorise(request, operation, params)
        if denied is not None:
            return self._json(record, {"message": denied}, 401)
        handler = getattr(self, "op_" + re.sub(r"\W", "_", operation))
        try:
            answer = handler(params, query, parsed or {})
        except LookupError as exc:
            return self._json(record, {"message": f"Not Found ({exc})"}, 404)
        if isinstance(answer, web.StreamResponse):
            record.status = answer.status
            return answer
        status, data, *extra = answer
        return self._json(record, data, status, extra[0] if extra else None)

    def _json(self, record: Recorded, data: Any, status: int, headers: dict[str, str] | None = None) -> web.Response:
        record.status = status
        reset = int(self.now()) + 3600
        all_headers = {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": str(self.rate_remaining),
            "x-ratelimit-reset": str(reset),
            **(headers or {}),
        }
        if status == 204:
            return web.Response(status=204, headers=all_headers)
        return web.json_response(data, status=status, headers=all_headers)

    def _limits(self, operation: str, body: Any) -> list[str]:
        """The check-run limits GitHub enforces, checked even without the OpenAPI file."""
        if operation not in ("checks/create", "checks/update") or not isinstance(body, dict):
            return []
        errors = []
        output = body.get("output") or {}
        if len(output.get("annotations") or []) > MAX_ANNOTATIONS:
            errors.append(f"{len(output['annotations'])} annotations in one request (limit 50)")
        for key in ("summary", "text"):
            if len(output.get(key) or "") > MAX_SUMMARY:
                errors.append(f"output.{key} is {len(output[key])} characters (limit 65535)")
        if output and ("title" not in output or "summary" not in output):
            errors.append("output needs both title and summary")
        return errors

    def _fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and fault.pattern.search(path):
                fault.times -= 1
                return fault
        return None

    async def _inject(self, record: Recorded, fault: Fault, request: web.Request) -> web.StreamResponse:
        if fault.hang:
            record.status = -1
            await self.released.wait()
            return web.Response(status=504)
        if fault.disconnect:
            record.status = -2
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)
        headers = dict(fault.headers)
        if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" not in headers:
            headers["x-ratelimit-reset"] = str(int(self.now()) + 30)
        return self._json(record, {"message": f"injected fault {fault.status}"}, fault.status, headers)

    def _authorise(self, request: web.Request, operation: str, params: dict[str, str]) -> str | None:
        header = request.headers.get("Authorization", "")
        if operation == "apps/create-installation-access-token":
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer":
                return "A JSON web token could not be decoded"
            try:
                claims = jwt.decode(token, self.public_key, algorithms=["RS256"])
            except jwt.PyJWTError as exc:
                return f"A JSON web token could not be decoded ({exc})"
            if str(claims.get("iss")) != self.app_id:
                return "Integration not found"
            return None
        scheme, _, token = header.partition(" ")
        held = self.tokens.get(token) if scheme.lower() == "token" else None
        if held is None or held[1] <= self.now():
            return "Bad credentials"
        repo = self.repos.get(f"{params.get('owner')}/{params.get('repo')}".lower())
        if repo is not None and repo.installation_id != held[0]:
            return "Bad credentials (token of another installation)"
        return None

    # -- operations ----------------------------------------------------------------------

    def _repo(self, params: dict[str, str]) -> FakeRepo:
        key = f"{params['owner']}/{params['repo']}".lower()
        if key not in self.repos:
            raise LookupError(key)
        return self.repos[key]

    def _commit(self, repo: FakeRepo, ref: str) -> str:
        sha = repo.git.resolve(ref)
        if sha is None:
            raise LookupError(ref)
        return sha

    def op_apps_create_installation_access_token(
        self, params: dict[str, str], query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        installation = int(params["installation_id"])
        token = f"ghs_fake{next(self._ids):012d}"
        expires = self.now() + 3600
        self.tokens[token] = (installation, expires)
        return 201, {
            "token": token,
            "expires_at": _iso(expires),
            "permissions": {"checks": "write"},
            "repository_selection": "all",
        }

    def op_repos_get(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any]:
        repo = self._repo(params)
        return 200, {
            "id": 1,
            "name": repo.name,
            "full_name": repo.full_name,
            "owner": {"login": repo.owner},
            "default_branch": repo.git.default_branch,
        }

    def op_checks_create(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any]:
        repo = self._repo(params)
        run_id = next(self._ids)
        run = {
            "id": run_id,
            "repo": repo.full_name,
            "annotations": [],
            "updates": 0,
            "conclusion": None,
            "status": "queued",
            **copy.deepcopy(body),
        }
        run["annotations"] = list((body.get("output") or {}).get("annotations") or [])
        self.check_runs[run_id] = run
        return 201, self._run_view(run)

    def op_checks_update(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any]:
        self._repo(params)
        run = self.check_runs.get(int(params["check_run_id"]))
        if run is None:
            raise LookupError(params["check_run_id"])
        output = body.get("output") or {}
        run["annotations"].extend(output.get("annotations") or [])
        run["updates"] += 1
        for key, value in body.items():
            if key == "output":
                run["output"] = {**(run.get("output") or {}), **{k: v for k, v in value.items() if k != "annotations"}}
            else:
                run[key] = copy.deepcopy(value)
        if "conclusion" in body:
            run["status"] = "completed"
        return 200, self._run_view(run)

    @staticmethod
    def _run_view(run: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": run["id"],
            "head_sha": run["head_sha"],
            "name": run.get("name"),
            "status": run["status"],
            "conclusion": run.get("conclusion"),
            "output": {
                "title": (run.get("output") or {}).get("title"),
                "summary": (run.get("output") or {}).get("summary"),
                "annotations_count": len(run["annotations"]),
            },
        }

    def op_repos_get_collaborator_permission_level(
        self, params: dict[str, str], query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        repo = self._repo(params)
        role = repo.permissions.get(params["username"], "read")
        legacy = {"maintain": "write", "triage": "read"}.get(role, role)
        return 200, {"permission": legacy, "role_name": role, "user": {"login": params["username"], "type": "User"}}

    def op_checks_list_for_ref(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any]:
        repo = self._repo(params)
        sha = self._commit(repo, params["ref"])
        runs = [self._run_view(r) for r in self.runs_for(sha)]
        return 200, {"total_count": len(runs), "check_runs": runs}

    def op_repos_compare_commits(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any]:
        repo = self._repo(params)
        base, _, head = params["basehead"].partition("...")
        base_sha, head_sha = self._commit(repo, base), self._commit(repo, head)
        merge_base = repo.git.git("merge-base", base_sha, head_sha).decode().strip()
        ahead = int(repo.git.git("rev-list", "--count", f"{merge_base}..{head_sha}").decode())
        behind = int(repo.git.git("rev-list", "--count", f"{merge_base}..{base_sha}").decode())
        status = "identical" if base_sha == head_sha else "ahead" if not behind else "diverged"
        return 200, {
            "status": status,
            "ahead_by": ahead,
            "behind_by": behind,
            "total_commits": ahead,
            "base_commit": {"sha": base_sha},
            "merge_base_commit": {"sha": merge_base},
            "commits": [],
            "files": [],
        }

    def op_repos_get_content(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any]:
        repo = self._repo(params)
        ref = self._commit(repo, query.get("ref") or repo.git.default_branch)
        try:
            sha = repo.git.git("rev-parse", "--verify", "-q", f"{ref}:{params['path']}").decode().strip()
            data = repo.git.git("cat-file", "blob", sha)
        except RuntimeError as exc:
            raise LookupError(params["path"]) from exc
        return 200, {
            "type": "file",
            "encoding": "base64",
            "size": len(data),
            "name": params["path"].rsplit("/")[-1],
            "path": params["path"],
            "sha": sha,
            "content": base64.encodebytes(data).decode(),
        }

    def op_git_get_blob(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any]:
        repo = self._repo(params)
        try:
            data = repo.git.git("cat-file", "blob", params["file_sha"])
        except RuntimeError as exc:
            raise LookupError(params["file_sha"]) from exc
        return 200, {
            "sha": params["file_sha"],
            "size": len(data),
            "encoding": "base64",
            "content": base64.encodebytes(data).decode(),
            "node_id": "B",
            "url": "",
        }

    def op_git_get_tree(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any]:
        repo = self._repo(params)
        try:
            tree_sha = repo.git.git("rev-parse", "--verify", "-q", f"{params['tree_sha']}^{{tree}}").decode().strip()
        except RuntimeError as exc:
            raise LookupError(params["tree_sha"]) from exc
        args = ["ls-tree", "-l", "-z", "--full-tree", tree_sha]
        if "recursive" in query:
            args[1:1] = ["-r", "-t"]
        items = []
        for record in repo.git.git(*args).split(b"\x00"):
            if not record:
                continue
            meta, _, path = record.partition(b"\t")
            mode, kind, sha, size = meta.decode().split()
            item = {"path": path.decode(), "mode": mode, "type": kind, "sha": sha}
            if kind == "blob":
                item["size"] = int(size)
            items.append(item)
        if self.truncate_trees:
            return 200, {"sha": tree_sha, "url": "", "tree": items[: len(items) // 2], "truncated": True}
        return 200, {"sha": tree_sha, "url": "", "tree": items, "truncated": False}

    def _issue(self, params: dict[str, str]) -> tuple[FakeRepo, Issue]:
        repo = self._repo(params)
        number = int(params["issue_number"])
        if number in repo.issues:
            return repo, repo.issues[number]
        if number in repo.pulls:
            issue = Issue(number, f"PR {number}", repo.pulls[number].author)
            repo.issues[number] = issue
            return repo, issue
        raise LookupError(f"issue {number}")

    def _find_comment(self, repo: FakeRepo, comment_id: int) -> dict[str, Any]:
        for issue in repo.issues.values():
            for comment in issue.comments:
                if comment["id"] == comment_id:
                    return comment
        raise LookupError(f"comment {comment_id}")

    def op_issues_update_comment(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any]:
        comment = self._find_comment(self._repo(params), int(params["comment_id"]))
        comment["body"] = body["body"]
        comment["edits"] = comment.get("edits", 0) + 1
        return 200, comment

    def op_reactions_create_for_issue_comment(
        self, params: dict[str, str], query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        comment = self._find_comment(self._repo(params), int(params["comment_id"]))
        comment.setdefault("reactions", []).append(body["content"])
        return 201, {"id": next(self._ids), "content": body["content"], "user": BOT_USER}

    def op_issues_get(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any]:
        repo, issue = self._issue(params)
        return 200, {
            "number": issue.number,
            "title": issue.title,
            "state": issue.state,
            "user": {"login": issue.author},
            "comments": len(issue.comments),
        }

    def op_issues_update(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any]:
        repo, issue = self._issue(params)
        if "state" in body:
            issue.state = body["state"]
        return 200, {"number": issue.number, "title": issue.title, "state": issue.state}

    def op_issues_list_comments(
        self, params: dict[str, str], query: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]] | tuple[int, Any]:
        repo, issue = self._issue(params)
        per_page = int(query.get("per_page", 30))
        page = int(query.get("page", 1))
        items = issue.comments[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(issue.comments):
            next_query = urlencode({**query, "page": page + 1})
            url = f"{self.base_url}/repos/{repo.full_name}/issues/{issue.number}/comments?{next_query}"
            headers["Link"] = f'<{url}>; rel="next"'
        return 200, [{k: v for k, v in c.items() if k not in ("reactions", "edits")} for c in items], headers

    def add_comment(self, repo: FakeRepo, number: int, body: str, user: dict[str, Any]) -> dict[str, Any]:
        if number not in repo.issues:
            self._issue({"owner": repo.owner, "repo": repo.name, "issue_number": str(number)})
        comment = {
            "id": next(self._ids),
            "body": body,
            "user": user,
            "html_url": f"https://github.com/{repo.full_name}/issues/{number}",
        }
        repo.issues[number].comments.append(comment)
        return comment

    def op_issues_create_comment(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any]:
        repo, issue = self._issue(params)
        return 201, self.add_comment(repo, issue.number, body["body"], BOT_USER)

    def op_pulls_get(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any]:
        repo = self._repo(params)
        pull = repo.pulls.get(int(params["pull_number"]))
        if pull is None:
            raise LookupError(params["pull_number"])
        return 200, {
            "number": pull.number,
            "state": pull.state,
            "user": {"login": pull.author},
            "head": {"ref": pull.head, "sha": self._commit(repo, pull.head)},
            "base": {"ref": pull.base, "sha": self._commit(repo, pull.base)},
        }

    def op_pulls_list_files(self, params: dict[str, str], query: dict[str, str], body: Any) -> tuple[int, Any]:
        repo = self._repo(params)
        pull = repo.pulls[int(params["pull_number"])]
        names = repo.git.git("diff", "--name-status", f"{pull.base}...{pull.head}").decode().splitlines()
        status = {"A": "added", "M": "modified", "D": "removed"}
        return 200, [{"filename": line.split("\t")[1], "status": status.get(line[0], "modified")} for line in names]

    def op_repos_download_tarball_archive(
        self, params: dict[str, str], query: dict[str, str], body: Any
    ) -> web.StreamResponse:
        repo = self._repo(params)
        sha = self._commit(repo, params["ref"])
        location = f"{self.base_url}/_codeload/{repo.owner}/{repo.name}/legacy.tar.gz/{sha}"
        return web.Response(status=302, headers={"Location": location})

    def _codeload(self, path: str) -> web.Response:
        _, _, owner, name, _, sha = path.split("/")
        repo = self.repos[f"{owner}/{name}".lower()]
        prefix = f"{owner}-{name}-{sha[:7]}/"
        data = repo.git.git("archive", "--format=tar.gz", f"--prefix={prefix}", sha)
        self.requests.append(Recorded("GET", path, {}, None, {}, "codeload", 200))
        return web.Response(body=data, content_type="application/x-gzip")
