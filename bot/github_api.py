"""Everything the App asks GitHub, and the only module that knows GitHub's URLs.

:class:`Transport` is gidgethub over the process's one ``aiohttp.ClientSession``, with the
fault handling GitHub asks of integrators: retries with exponential backoff on 5xx answers,
timeouts and dropped connections (but a create that may have reached GitHub, see
``SEND_ONCE``, is not sent again; a 5xx answer is taken to have created nothing);
``Retry-After`` and the ``x-ratelimit-*`` headers honoured (waiting is done on the App's
clock). :class:`InstallationAPI` adds an installation token (fetched again once when GitHub
answers 401) and serialises writes per installation, as GitHub's guidance on secondary
rate limits asks.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
from gidgethub import BadRequest
from gidgethub import abc as gh_abc

from bot.auth import AppAuth
from bot.clock import Clock
from bot.metrics import Metrics

USER_AGENT = "ssot-bot"
ACCEPT = "application/vnd.github+json"
API_VERSION = "2022-11-28"
#: marks a request that creates something (a check run, a comment): one that may have
#: reached GitHub (a timeout, a dropped connection) is not sent again, as a second check run
#: would stay in progress for ever. Taken off before the request leaves.
SEND_ONCE = "x-ssot-send-once"
T = TypeVar("T")


class GitHubUnavailable(Exception):
    """GitHub did not answer usefully after every retry (the reason is for the check run)."""


class TooLarge(Exception):
    """A download went over its size cap."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    timeout: float = 30.0
    backoff: float = 1.0
    max_backoff: float = 30.0
    #: the longest Retry-After or rate-limit reset the App waits for; beyond it the call fails
    max_wait: float = 120.0

    def delay(self, attempt: int) -> float:
        return min(self.max_backoff, self.backoff * 2 ** (attempt - 1))


Reader = Callable[[aiohttp.ClientResponse], Awaitable[bytes]]


async def _read_all(response: aiohttp.ClientResponse) -> bytes:
    return await response.read()


class Transport(gh_abc.GitHubAPI):
    """gidgethub with retries. One per installation: rate limits are per installation."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        clock: Clock,
        metrics: Metrics,
        policy: RetryPolicy,
    ) -> None:
        super().__init__(USER_AGENT, base_url=base_url)
        self.session = session
        self.clock = clock
        self.metrics = metrics
        self.policy = policy
        self._exhausted_until = 0.0

    async def sleep(self, seconds: float) -> None:
        await self.clock.sleep(seconds)

    async def _request(self, method: str, url: str, headers: Any, body: bytes = b"") -> tuple[int, Any, bytes]:
        return await self.send(method, url, dict(headers), body, _read_all)

    async def send(
        self, method: str, url: str, headers: dict[str, str], body: bytes, reader: Reader
    ) -> tuple[int, Any, bytes]:
        once = any(name.lower() == SEND_ONCE for name in headers)
        headers = {**{k: v for k, v in headers.items() if k.lower() != SEND_ONCE}, "x-github-api-version": API_VERSION}
        where = f"{method} {urlsplit(url).path}"
        attempt = 0
        while True:
            attempt += 1
            await self._wait_for_quota()
            try:
                async with self.session.request(
                    method,
                    url,
                    headers=headers,
                    data=body,
                    timeout=aiohttp.ClientTimeout(total=self.policy.timeout),
                ) as response:
                    status, answer_headers = response.status, response.headers
                    data = await reader(response)
            except (TimeoutError, aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
                kind = "timeout" if isinstance(exc, TimeoutError) else "connection-error"
                self.metrics.api_calls.labels(method, kind).inc()
                # a create that may have reached GitHub is not sent twice (see SEND_ONCE; only
                # a refused connection is safe to retry); anything else, a token too, is
                unsent = isinstance(exc, aiohttp.ClientConnectorError)
                if attempt >= self.policy.attempts or (once and not unsent):
                    raise GitHubUnavailable(f"GitHub did not answer {where} ({kind}) after {attempt} attempts") from exc
                await self.clock.sleep(self.policy.delay(attempt))
                continue
            self.metrics.api_calls.labels(method, str(status)).inc()
            delay = self._retry_delay(status, answer_headers, attempt)
            if delay is None:
                return status, answer_headers, data
            await self.clock.sleep(delay)

    def _retry_delay(self, status: int, headers: Any, attempt: int) -> float | None:
        """Seconds to wait before trying again, or None to hand the answer back."""
        remaining = headers.get("x-ratelimit-remaining")
        if remaining is not None and remaining.strip() == "0":
            reset = _number(headers.get("x-ratelimit-reset"))
            if reset is not None:
                self._exhausted_until = reset
        elif remaining is not None:
            self._exhausted_until = 0.0
        if attempt >= self.policy.attempts:
            return None
        if status >= 500:
            return self.policy.delay(attempt)
        if status not in (403, 429):
            return None
        retry_after = _number(headers.get("retry-after"))
        if retry_after is not None:
            return retry_after if retry_after <= self.policy.max_wait else None
        if remaining is not None and remaining.strip() == "0":
            wait = self._exhausted_until - self.clock.time() + 1
            return max(wait, 0.0) if wait <= self.policy.max_wait else None
        return self.policy.delay(attempt) if status == 429 else None

    async def _wait_for_quota(self) -> None:
        """Before a request: wait out an exhausted rate limit, if its reset is near.

        A reset further away than ``max_wait`` is not waited for: the request is sent, and
        GitHub's answer decides (a job then ends neutral, saying so).
        """
        wait = self._exhausted_until - self.clock.time()
        if 0 < wait <= self.policy.max_wait:
            await self.clock.sleep(wait + 1)
            self._exhausted_until = 0.0


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


async def create_installation_token(transport: Transport, jwt: str, installation_id: int) -> dict[str, Any]:
    answer = await transport.post(
        "/app/installations/{installation_id}/access_tokens",
        {"installation_id": installation_id},
        data=b"",
        jwt=jwt,
        accept=ACCEPT,
    )
    assert isinstance(answer, dict)
    return answer


class InstallationAPI:
    """The calls one installation's jobs make."""

    def __init__(self, transport: Transport, auth: AppAuth, installation_id: int, write_lock: asyncio.Lock) -> None:
        self.transport = transport
        self.auth = auth
        self.installation_id = installation_id
        self._write_lock = write_lock

    async def _authorised(self, call: Callable[[str], Awaitable[T]]) -> T:
        token = await self.auth.token(self.installation_id)
        try:
            return await call(token)
        except BadRequest as exc:
            if exc.status_code != 401:
                raise
        self.auth.invalidate(self.installation_id, token)
        return await call(await self.auth.token(self.installation_id))

    async def _get(self, url: str, url_vars: dict[str, Any]) -> Any:
        return await self._authorised(lambda t: self.transport.getitem(url, url_vars, oauth_token=t, accept=ACCEPT))

    async def _get_all(self, url: str, url_vars: dict[str, Any]) -> list[Any]:
        async def call(token: str) -> list[Any]:
            items: AsyncIterator[Any] = self.transport.getiter(url, url_vars, oauth_token=token, accept=ACCEPT)
            return [item async for item in items]

        return await self._authorised(call)

    async def _write(self, method: str, url: str, url_vars: dict[str, Any], data: Any, *, once: bool = False) -> Any:
        """A write; ``once`` for one that creates something (see ``SEND_ONCE``)."""
        send = self.transport.post if method == "POST" else self.transport.patch
        extra = {SEND_ONCE: "1"} if once else None
        async with self._write_lock:
            return await self._authorised(
                lambda t: send(url, url_vars, data=data, oauth_token=t, accept=ACCEPT, extra_headers=extra))

    # -- reading code ---------------------------------------------------------------------

    async def pull(self, owner: str, repo: str, number: int) -> dict[str, Any]:
        return await self._get(
            "/repos/{owner}/{repo}/pulls/{pull_number}",
            {"owner": owner, "repo": repo, "pull_number": number},
        )

    async def compare(self, owner: str, repo: str, base: str, head: str) -> tuple[str, str]:
        """The commit SHA ``base`` (a branch or SHA) names, and its merge base with ``head``."""
        answer = await self._get(
            "/repos/{owner}/{repo}/compare/{basehead}",
            {"owner": owner, "repo": repo, "basehead": f"{base}...{head}"},
        )
        return str(answer["base_commit"]["sha"]), str(answer["merge_base_commit"]["sha"])

    async def tree(self, owner: str, repo: str, sha: str) -> dict[str, Any]:
        return await self._get(
            "/repos/{owner}/{repo}/git/trees/{tree_sha}{?recursive}",
            {"owner": owner, "repo": repo, "tree_sha": sha, "recursive": "1"},
        )

    async def blob(self, owner: str, repo: str, sha: str) -> bytes:
        answer = await self._get(
            "/repos/{owner}/{repo}/git/blobs/{file_sha}",
            {"owner": owner, "repo": repo, "file_sha": sha},
        )
        return base64.b64decode(answer.get("content", ""))

    async def tarball(self, owner: str, repo: str, ref: str, max_bytes: int) -> bytes:
        """The gzipped tarball of ``ref``, streamed into memory (:class:`TooLarge` past the cap)."""
        from gidgethub import sansio

        url = sansio.format_url(
            "/repos/{owner}/{repo}/tarball/{ref}",
            {"owner": owner, "repo": repo, "ref": ref},
            base_url=self.transport.base_url,
        )

        async def reader(response: aiohttp.ClientResponse) -> bytes:
            if response.status != 200:
                return await response.read()
            if (response.content_length or 0) > max_bytes:
                raise TooLarge(f"the tarball is {response.content_length:,} bytes (cap {max_bytes:,})")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.content.iter_chunked(256 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(f"the tarball is over the cap of {max_bytes:,} bytes")
                chunks.append(chunk)
            return b"".join(chunks)

        async def call(token: str) -> bytes:
            headers = sansio.create_headers(USER_AGENT, accept=ACCEPT, oauth_token=token)
            status, answer_headers, data = await self.transport.send("GET", url, headers, b"", reader)
            sansio.decipher_response(status, answer_headers, b"" if status == 200 else data)
            return data

        return await self._authorised(call)

    # -- check runs -----------------------------------------------------------------------

    async def create_check_run(self, owner: str, repo: str, payload: dict[str, Any]) -> dict[str, Any]:
        return await self._write("POST", "/repos/{owner}/{repo}/check-runs", {"owner": owner, "repo": repo}, payload,
                                 once=True)

    async def update_check_run(self, owner: str, repo: str, check_run_id: int, payload: dict[str, Any]) -> None:
        await self._write(
            "PATCH",
            "/repos/{owner}/{repo}/check-runs/{check_run_id}",
            {"owner": owner, "repo": repo, "check_run_id": check_run_id},
            payload,
        )

    # -- people, comments and issues ------------------------------------------------------

    async def permission(self, owner: str, repo: str, username: str) -> set[str]:
        """The user's permission on the repository, as both the legacy and the role name."""
        try:
            answer = await self._get(
                "/repos/{owner}/{repo}/collaborators/{username}/permission",
                {"owner": owner, "repo": repo, "username": username},
            )
        except BadRequest as exc:
            if exc.status_code == 404:
                return set()
            raise
        return {str(answer.get("permission") or ""), str(answer.get("role_name") or "")} - {""}

    async def react(self, owner: str, repo: str, comment_id: int, content: str) -> None:
        await self._write(
            "POST",
            "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
            {"owner": owner, "repo": repo, "comment_id": comment_id},
            {"content": content},
        )

    async def comments(self, owner: str, repo: str, number: int) -> list[dict[str, Any]]:
        return await self._get_all(
            "/repos/{owner}/{repo}/issues/{issue_number}/comments{?per_page}",
            {"owner": owner, "repo": repo, "issue_number": number, "per_page": 100},
        )

    async def comment(self, owner: str, repo: str, number: int, body: str) -> dict[str, Any]:
        return await self._write(
            "POST",
            "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            {"owner": owner, "repo": repo, "issue_number": number},
            {"body": body},
            once=True,
        )

    async def edit_comment(self, owner: str, repo: str, comment_id: int, body: str) -> None:
        await self._write(
            "PATCH",
            "/repos/{owner}/{repo}/issues/comments/{comment_id}",
            {"owner": owner, "repo": repo, "comment_id": comment_id},
            {"body": body},
        )

    async def issue(self, owner: str, repo: str, number: int) -> dict[str, Any]:
        return await self._get(
            "/repos/{owner}/{repo}/issues/{issue_number}",
            {"owner": owner, "repo": repo, "issue_number": number},
        )

    async def close_issue(self, owner: str, repo: str, number: int) -> None:
        await self._write(
            "PATCH",
            "/repos/{owner}/{repo}/issues/{issue_number}",
            {"owner": owner, "repo": repo, "issue_number": number},
            {"state": "closed", "state_reason": "completed"},
        )


class GitHubApp:
    """The App's side of GitHub: its token cache and one client per installation."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        app_id: str,
        private_key: str,
        base_url: str,
        clock: Clock,
        metrics: Metrics,
        policy: RetryPolicy,
    ) -> None:
        self.session = session
        self.base_url = base_url
        self.clock = clock
        self.metrics = metrics
        self.policy = policy
        self._app_transport = self._transport()
        self.auth = AppAuth(app_id, private_key, clock, self._mint)
        self._installations: dict[int, InstallationAPI] = {}

    def _transport(self) -> Transport:
        return Transport(
            self.session,
            base_url=self.base_url,
            clock=self.clock,
            metrics=self.metrics,
            policy=self.policy,
        )

    async def _mint(self, jwt: str, installation_id: int) -> dict[str, Any]:
        return await create_installation_token(self._app_transport, jwt, installation_id)

    def installation(self, installation_id: int) -> InstallationAPI:
        api = self._installations.get(installation_id)
        if api is None:
            api = InstallationAPI(self._transport(), self.auth, installation_id, asyncio.Lock())
            self._installations[installation_id] = api
        return api

    def forget(self, installation_id: int) -> None:
        """The App was uninstalled: drop its token and client."""
        self.auth.invalidate(installation_id)
        self._installations.pop(installation_id, None)

