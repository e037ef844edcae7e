"""The one module that reads the environment.

``ssot check`` asks for :func:`cache_dir`; ``ssot serve`` loads :class:`Settings` once at
start-up with :func:`load_settings`, which lists every missing or invalid variable at once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_PORT = 8080
DEFAULT_HOST = "0.0.0.0"

#: What each variable is for, shown when it is missing.
REQUIRED = {
    "GITHUB_APP_ID": 'the App\'s numeric id (App settings, "About")',
    "GITHUB_PRIVATE_KEY": "the App's private key as PEM text (or set GITHUB_PRIVATE_KEY_PATH)",
    "GITHUB_WEBHOOK_SECRET": "the webhook secret entered when the App was created",
}
MISSING_HEADER = "ssot serve cannot start; fix these environment variables:"
BAD_KEY = "a PEM block, but not an RSA private key that can sign the App's tokens (RS256)"


def cache_dir(environ: Mapping[str, str] | None = None) -> str | None:
    """``$XDG_CACHE_HOME/ssot`` (default ``~/.cache/ssot``); ``SSOT_CACHE=off`` disables it."""
    env = os.environ if environ is None else environ
    if env.get("SSOT_CACHE", "").lower() in ("off", "0", "no", "false"):
        return None
    base = env.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, or relative, which the XDG spec says to ignore (it could
        base = os.path.join(os.path.expanduser("~"), ".cache")  # put the cache inside the repository checked)
    return os.path.join(base, "ssot")


class SettingsError(Exception):
    """Some settings are missing or invalid; ``problems`` names every one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join([MISSING_HEADER, *(f"  - {p}" for p in problems)]))


@dataclass(frozen=True)
class Settings:
    """What the App needs from its environment. Secrets never appear in ``repr``."""

    app_id: str
    private_key: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    cache_dir: str | None = None
    #: jobs run at the same time (network-bound; the analysis itself runs one at a time)
    concurrency: int = 4
    #: seconds before one GitHub API request is given up and retried
    api_timeout: float = 30.0
    #: a job that needs more blobs than this fetches one tarball instead
    tarball_threshold: int = 200
    tarball_max_bytes: int = 512 * 1024 * 1024
    #: parser processes for a cold start (0: one per core)
    workers: int = 0


def _int(env: Mapping[str, str], name: str, default: int, problems: list[str], minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.append(f"{name}: must be an integer, not {raw!r}")
        return default
    if value < minimum:
        problems.append(f"{name}: must be at least {minimum}, not {value}")
        return default
    return value


def _float(env: Mapping[str, str], name: str, default: float, problems: list[str]) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        problems.append(f"{name}: must be a number of seconds, not {raw!r}")
        return default
    if value <= 0:
        problems.append(f"{name}: must be above 0, not {raw}")
        return default
    return value


def _private_key(env: Mapping[str, str], problems: list[str]) -> str:
    text = env.get("GITHUB_PRIVATE_KEY", "").strip()
    path = env.get("GITHUB_PRIVATE_KEY_PATH", "").strip()
    if not text and path:
        try:
            with open(path, encoding="ascii", errors="replace") as handle:
                text = handle.read().strip()
        except OSError as exc:
            problems.append(f"GITHUB_PRIVATE_KEY_PATH: cannot read {path}: {exc.strerror or exc}")
            return ""
    if not text:
        if not path:
            problems.append(f"GITHUB_PRIVATE_KEY: missing: {REQUIRED['GITHUB_PRIVATE_KEY']}")
        return ""
    # keys pasted into a one-line variable often carry literal "\n"
    text = text.replace("\\n", "\n")
    where = "GITHUB_PRIVATE_KEY" if env.get("GITHUB_PRIVATE_KEY", "").strip() else "GITHUB_PRIVATE_KEY_PATH"
    if "-----BEGIN" not in text or "PRIVATE KEY-----" not in text:
        problems.append(f"{where}: not a PEM private key (expected '-----BEGIN RSA PRIVATE KEY-----')")
    elif not _signs(text + "\n"):
        # found now rather than as a failed check on the first pull request
        problems.append(f"{where}: {BAD_KEY}")
    return text + "\n"


def _signs(private_key: str) -> bool:
    """Whether the key can sign the App's JWTs (RS256). Nothing about the key is reported."""
    import jwt

    try:
        jwt.encode({"iss": "0"}, private_key, algorithm="RS256")
    except Exception:  # noqa: BLE001 - any failure means the key is unusable
        return False
    return True


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The App's settings, or :class:`SettingsError` naming every problem at once."""
    env = os.environ if environ is None else environ
    problems: list[str] = []
    app_id = env.get("GITHUB_APP_ID", "").strip()
    if not app_id:
        problems.append(f"GITHUB_APP_ID: missing: {REQUIRED['GITHUB_APP_ID']}")
    elif not app_id.isdigit():
        problems.append(f"GITHUB_APP_ID: must be the App's numeric id, not {app_id!r}")
    private_key = _private_key(env, problems)
    secret = env.get("GITHUB_WEBHOOK_SECRET", "")
    if not secret:
        problems.append(f"GITHUB_WEBHOOK_SECRET: missing: {REQUIRED['GITHUB_WEBHOOK_SECRET']}")
    api_url = (env.get("GITHUB_API_URL", "").strip() or DEFAULT_API_URL).rstrip("/")
    if not api_url.startswith(("https://", "http://")):
        problems.append(f"GITHUB_API_URL: must start with https:// (or http://), not {api_url!r}")
    port = _int(env, "PORT", DEFAULT_PORT, problems, minimum=1)
    concurrency = _int(env, "SSOT_CONCURRENCY", 4, problems, minimum=1)
    timeout = _float(env, "SSOT_API_TIMEOUT", 30.0, problems)
    threshold = _int(env, "SSOT_TARBALL_THRESHOLD", 200, problems)
    max_bytes = _int(env, "SSOT_TARBALL_MAX_BYTES", 512 * 1024 * 1024, problems, minimum=1)
    workers = _int(env, "SSOT_WORKERS", 0, problems)
    if problems:
        raise SettingsError(problems)
    return Settings(
        app_id=app_id,
        private_key=private_key,
        webhook_secret=secret,
        api_url=api_url,
        host=env.get("HOST", "").strip() or DEFAULT_HOST,
        port=port,
        cache_dir=cache_dir(env),
        concurrency=concurrency,
        api_timeout=timeout,
        tarball_threshold=threshold,
        tarball_max_bytes=max_bytes,
        workers=workers,
    )


def color_allowed(environ: Mapping[str, str] | None = None) -> bool:
    """False when ``NO_COLOR`` is set (https://no-color.org)."""
    env = os.environ if environ is None else environ
    return "NO_COLOR" not in env
