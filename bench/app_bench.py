"""How fast does the App answer GitHub, and how fast does a check run complete?

    python bench/app_bench.py [--deliveries 1000] [--connections 64] [--modules 10000] [--repeat 5]

Three processes on loopback, as in production: the App (``python -m bot.cli serve``, the
Procfile's command), the fake GitHub of the tests (``tests/app/fakegithub.py``, OpenAPI
validation off so that its own checks are not timed) and this script, the client.

  ack       a burst of signed ``pull_request`` deliveries sent at once over ``--connections``
            connections: time from sending each to its answer, p50 / p99 / max (target:
            p99 < 50 ms); and the App's own handling time per delivery, from its log lines
  check     delivery to completed check run for a one-file pull request on a repository of
            ``--modules`` modules with a warm summary cache (target: <= 2 s); the first,
            cold run (one tarball, every file parsed) is printed too

The repository is a bare clone of bench/corpora/generated-v2-<modules> when bench/generate.py
made it (the original is never changed), else generated into a temporary directory.
``--no-duplicates`` commits ``[duplicates] enabled = false`` on the clone's default branch
(SSOT008 alone can dominate the analysis on generated code; see the note it prints).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bot import webhook  # noqa: E402
from tests.app import payloads  # noqa: E402
from tests.app.fakegithub import SHARED, FakeGitHub, GitRepo  # noqa: E402

SECRET = "bench-secret"
APP_ID = "4242"


def keys() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# -- the fake GitHub, in its own process ------------------------------------------------------

def serve_fake(setup_path: str, port: int) -> None:
    from aiohttp import web

    setup = json.loads(Path(setup_path).read_text())
    fake = FakeGitHub(Path(setup["root"]), app_id=APP_ID, public_key=setup["public_key"], now=time.time,
                      openapi=None)
    fake.base_url = f"http://127.0.0.1:{port}"
    for spec in setup["repos"]:
        repo = fake.repo(spec["full_name"], installation_id=spec["installation_id"],
                         git=GitRepo.adopt(Path(spec["path"])))
        for number, branch in spec["pulls"]:
            repo.pull(number, branch)
    web.run_app(fake.app, host="127.0.0.1", port=port, print=None, access_log=None)


# -- building the repositories ----------------------------------------------------------------

def corpus(modules: int, tmp: Path, no_duplicates: bool) -> GitRepo:
    source = HERE / "corpora" / f"generated-v2-{modules}"
    if not (source / ".git").exists():
        from bench.generate import generate

        source = tmp / "generated"
        print(f"generating {modules:,} modules in {source} ...", flush=True)
        generate(str(source), modules, 1)
    clone = tmp / "big.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(source), str(clone)], check=True)
    git = GitRepo.adopt(clone)
    if no_duplicates:
        tip = git.tip(git.default_branch)
        config = git.git("cat-file", "blob", f"{tip}:.github/ssot.toml").decode()
        git.commit({".github/ssot.toml": "[duplicates]\nenabled = false\n\n" + config}, message="bench config")
    return git


def one_file_pulls(git: GitRepo, count: int) -> list[tuple[int, str, str]]:
    """(number, branch, head SHA) of pull requests that each change one module."""
    main = git.tip(git.default_branch)
    assert main is not None
    modules = [p for p in git.git("ls-tree", "-r", "--name-only", main).decode().splitlines()
               if p.endswith(".py") and "/pkg" in p]
    out = []
    for run in range(count):
        target = modules[(run * 7919) % len(modules)]
        text = git.git("cat-file", "blob", f"{main}:{target}").decode()
        head = git.commit({target: text + f"\n\ndef added_{run}():\n    return {run}\n"},
                          branch=f"feature-{run}", parent=main, message=f"change {target}")
        out.append((100 + run, f"feature-{run}", head))
    return out


# -- measuring --------------------------------------------------------------------------------

def signed(event: str, payload: dict[str, Any], delivery: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "Content-Type": "application/json",
                  "X-Hub-Signature-256": webhook.sign(body, SECRET)}


async def burst(url: str, payload: dict[str, Any], count: int, connections: int, tag: str) -> list[float]:
    body, headers = signed("pull_request", payload, "")
    latencies: list[float] = []
    gate = asyncio.Semaphore(connections)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as session:
        async def one(i: int) -> None:
            async with gate:  # timed from the moment a connection sends it, as GitHub would
                started = time.perf_counter()
                async with session.post(f"{url}/webhook", data=body,
                                        headers={**headers, "X-GitHub-Delivery": f"{tag}-{i}"}) as response:
                    await response.read()
                    assert response.status in (200, 202), response.status
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(one(i) for i in range(count)))
    return latencies


async def wait_ready(session: aiohttp.ClientSession, url: str) -> None:
    for _ in range(600):
        try:
            async with session.get(url) as response:
                if response.status < 500:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise SystemExit(f"{url} did not come up")


async def completed(session: aiohttp.ClientSession, fake_url: str, sha: str) -> dict[str, Any]:
    while True:
        async with session.get(f"{fake_url}/_fake/runs/{sha}") as response:
            runs = await response.json()
        if runs and runs[0]["status"] == "completed":
            return dict(runs[0])
        await asyncio.sleep(0.005)


async def measure(args: argparse.Namespace, tmp: Path, private: str, public: str) -> None:
    small = GitRepo(tmp / "small.git")
    base = small.commit({"app/__init__.py": "", "app/a.py": "class A:\n    pass\n"})
    small_head = small.commit({"app/b.py": "x = 1\n"}, branch="feature", parent=base)
    big = corpus(args.modules, tmp, args.no_duplicates)
    pulls = one_file_pulls(big, args.repeat + 1)
    setup = {"root": str(tmp / "fake"), "public_key": public, "repos": [
        {"full_name": "octo/small", "path": str(small.path), "installation_id": 1, "pulls": [[1, "feature"]]},
        {"full_name": "octo/big", "path": str(big.path), "installation_id": 1,
         "pulls": [[n, b] for n, b, _ in pulls]}]}
    (tmp / "setup.json").write_text(json.dumps(setup))
    fake_port, app_port = free_port(), free_port()
    fake_url, app_url = f"http://127.0.0.1:{fake_port}", f"http://127.0.0.1:{app_port}"
    env = {**os.environ, "GITHUB_APP_ID": APP_ID, "GITHUB_PRIVATE_KEY": private, "GITHUB_WEBHOOK_SECRET": SECRET,
           "GITHUB_API_URL": fake_url, "SSOT_CACHE": "off", "PYTHONPATH": str(ROOT)}
    log_path = tmp / "app.log"
    fake_proc = subprocess.Popen([sys.executable, __file__, "--serve-fake", str(tmp / "setup.json"), str(fake_port)])
    with open(log_path, "w") as log:
        app_proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1",
                                     "--port", str(app_port)], env=env, stderr=log, cwd=ROOT)
    try:
        async with aiohttp.ClientSession() as session:
            await wait_ready(session, f"{fake_url}/_fake/runs/none")
            await wait_ready(session, f"{app_url}/healthz")
            fake_repo = _Repo("octo", "small", small)
            payload = payloads.pull_request("synchronize", fake_repo, 1, head_sha=small_head,  # type: ignore[arg-type]
                                            head_ref="feature", base_sha=base)
            await burst(app_url, payload, 50, 8, "warmup")
            for connections in sorted({8, args.connections}):
                tag = f"ack{connections}"
                started = time.perf_counter()
                latencies = [x * 1000 for x in await burst(app_url, payload, args.deliveries, connections, tag)]
                wall = time.perf_counter() - started
                await asyncio.sleep(1.0)
                handled = [line["duration_ms"] for line in map(json.loads, log_path.read_text().splitlines())
                           if line.get("msg") == "delivery" and str(line.get("delivery", "")).startswith(tag)]
                print(f"ack: {len(latencies)} deliveries in a burst, {connections} in flight: "
                      f"p50 {pct(latencies, .5):.1f} ms, p99 {pct(latencies, .99):.1f} ms, "
                      f"max {max(latencies):.1f} ms, {len(latencies) / wall:.0f}/s (target p99 < 50 ms); "
                      f"inside the App: p50 {pct(handled, .5):.2f} ms, p99 {pct(handled, .99):.2f} ms", flush=True)
            if args.ack_only:
                return

            big_repo = _Repo("octo", "big", big)
            main = big.tip(big.default_branch)
            times = []
            for run, (number, branch, head) in enumerate(pulls):
                payload = payloads.pull_request("opened", big_repo, number, head_sha=head,  # type: ignore[arg-type]
                                                head_ref=branch, base_sha=main or "", base_ref=big.default_branch)
                body, headers = signed("pull_request", payload, f"big-{run}")
                started = time.perf_counter()
                async with session.post(f"{app_url}/webhook", data=body, headers=headers) as response:
                    assert response.status == 202, await response.text()
                check = await completed(session, fake_url, head)
                seconds = time.perf_counter() - started
                label = "cold (tarball, every file parsed)" if run == 0 else f"warm #{run}"
                print(f"check: {label}: {seconds:.2f} s, {check['conclusion']}: {check['output']['title']!r}",
                      flush=True)
                if run:
                    times.append(seconds)
            print(f"check: one-file pull request on {args.modules:,} modules, warm cache: median "
                  f"{statistics.median(times):.2f} s, max {max(times):.2f} s over {len(times)} runs (target <= 2 s)")
    finally:
        for proc in (app_proc, fake_proc):
            proc.terminate()
            proc.wait(timeout=30)


class _Repo:
    """Just what payloads.retarget reads from a FakeRepo."""

    def __init__(self, owner: str, name: str, git: GitRepo) -> None:
        self.owner, self.name, self.git, self.installation_id = owner, name, git, 1
        self.full_name = f"{owner}/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--modules", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-duplicates", action="store_true")
    parser.add_argument("--ack-only", action="store_true")
    parser.add_argument("--serve-fake", nargs=2, metavar=("SETUP", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fake:
        serve_fake(args.serve_fake[0], int(args.serve_fake[1]))
        return
    if not SHARED.exists():
        sys.exit(f"bench/app_bench.py replays GitHub's example payloads: {SHARED} is absent")
    private, public = keys()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(measure(args, Path(tmp), private, public))


if __name__ == "__main__":
    main()
