"""The webhook server: settings at start-up, signatures, ping, repeats, health and metrics."""

from __future__ import annotations

import json

import pytest

from bot import server, webhook
from bot.settings import BAD_KEY, Settings, SettingsError, load_settings
from tests.app.conftest import SECRET, Bot

PING = json.dumps({"zen": "Keep it logically awesome.", "hook_id": 1}).encode()


def test_settings_name_every_missing_variable_at_once() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({})
    text = str(caught.value)
    for name in ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_WEBHOOK_SECRET"):
        assert name in text
    assert len(caught.value.problems) == 3


def test_settings_read_the_environment(tmp_path, keys) -> None:  # type: ignore[no-untyped-def]
    key = tmp_path / "app.pem"
    key.write_text(keys[0])
    settings = load_settings(
        {
            "GITHUB_APP_ID": "12",
            "GITHUB_PRIVATE_KEY_PATH": str(key),
            "GITHUB_WEBHOOK_SECRET": "s",
            "PORT": "9000",
            "GITHUB_API_URL": "https://ghe.example.com/api/v3/",
            "SSOT_CACHE": "off",
        }
    )
    assert (settings.app_id, settings.port, settings.api_url) == ("12", 9000, "https://ghe.example.com/api/v3")
    assert settings.private_key.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert settings.cache_dir is None


def test_settings_reject_bad_values_together() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(
            {
                "GITHUB_APP_ID": "my-app",
                "GITHUB_PRIVATE_KEY": "not a key",
                "GITHUB_WEBHOOK_SECRET": "s",
                "PORT": "http",
                "GITHUB_API_URL": "ftp://x",
            }
        )
    assert [p.split(":")[0] for p in caught.value.problems] == [
        "GITHUB_APP_ID",
        "GITHUB_PRIVATE_KEY",
        "GITHUB_API_URL",
        "PORT",
    ]


def test_settings_hide_secrets_in_repr(keys) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(app_id="1", private_key=keys[0], webhook_secret="hunter2")
    assert "hunter2" not in repr(settings) and "PRIVATE" not in repr(settings)


def test_serve_refuses_to_start_without_settings(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    for name in ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_PATH", "GITHUB_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert server.serve(None, None) == 2
    err = capsys.readouterr().err
    assert "GITHUB_WEBHOOK_SECRET" in err and "GITHUB_APP_ID" in err


@pytest.mark.parametrize(
    ("header", "status", "reason"),
    [
        ("", 400, webhook.MISSING_SIGNATURE),
        ("sha1=abc", 400, webhook.MALFORMED_SIGNATURE),
        ("sha256=xyz", 400, webhook.MALFORMED_SIGNATURE),
        ("sha256=" + "0" * 64, 401, webhook.BAD_SIGNATURE),
    ],
)
async def test_bad_signatures_are_refused(bot: Bot, header: str, status: int, reason: str) -> None:
    assert await bot.deliver("ping", PING, signature=header) == (status, reason)


async def test_a_forged_body_is_refused(bot: Bot) -> None:
    signature = webhook.sign(PING, SECRET)
    forged = PING.replace(b"awesome", b"awful!!")
    assert await bot.deliver("ping", forged, signature=signature) == (401, webhook.BAD_SIGNATURE)


async def test_signature_is_checked_before_the_body(bot: Bot) -> None:
    assert (await bot.deliver("push", b"not json", signature="sha256=" + "1" * 64))[0] == 401
    assert await bot.deliver("push", b"not json") == (400, webhook.BAD_BODY)
    assert await bot.deliver("push", b"[1, 2]") == (400, webhook.BAD_BODY)


async def test_ping_is_answered(bot: Bot) -> None:
    assert await bot.deliver("ping", PING) == (200, server.PONG)


async def test_repeated_deliveries_are_dropped(bot: Bot) -> None:
    assert await bot.deliver("ping", PING, delivery="abc") == (200, server.PONG)
    assert await bot.deliver("ping", PING, delivery="abc") == (200, server.DUPLICATE)
    assert await bot.deliver("ping", PING, delivery="abd") == (200, server.PONG)


async def test_unknown_events_are_accepted_and_ignored(bot: Bot) -> None:
    assert await bot.deliver("star", b'{"action": "created"}') == (202, "ignored")


async def test_healthz(bot: Bot) -> None:
    response = await bot.client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["status"] == "ok"


async def test_metrics_are_prometheus_text(bot: Bot) -> None:
    await bot.deliver("ping", PING)
    await bot.deliver("ping", PING, signature="sha256=" + "0" * 64)
    response = await bot.client.get("/metrics")
    text = await response.text()
    assert response.headers["Content-Type"].startswith("text/plain")
    assert 'ssot_webhook_deliveries_total{event="ping",outcome="pong"} 1.0' in text
    assert 'ssot_webhook_deliveries_total{event="ping",outcome="rejected-401"} 1.0' in text
    for name in (
        "ssot_jobs_total",
        "ssot_job_duration_seconds",
        "ssot_queue_depth",
        "ssot_github_api_calls_total",
        "ssot_summary_cache_hit_ratio",
    ):
        assert name in text


def test_settings_refuse_a_key_that_cannot_sign() -> None:
    garbage = "-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----"
    with pytest.raises(SettingsError) as caught:
        load_settings({"GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY": garbage, "GITHUB_WEBHOOK_SECRET": "s"})
    assert caught.value.problems == (f"GITHUB_PRIVATE_KEY: {BAD_KEY}",)
    assert "bm90IGEga2V5" not in str(caught.value)


async def test_forged_event_names_do_not_grow_the_metrics(bot: Bot) -> None:
    for i in range(3):
        await bot.deliver(f"made-up-{i}", PING, signature="sha256=" + "0" * 64)
    await bot.deliver("star", b'{"action": "created"}')  # signed: GitHub's own name is kept
    text = await (await bot.client.get("/metrics")).text()
    assert "made-up" not in text
    assert 'ssot_webhook_deliveries_total{event="other",outcome="rejected-401"} 3.0' in text
    assert 'ssot_webhook_deliveries_total{event="star",outcome="ignored"} 1.0' in text


def test_an_analysis_runs_with_the_cyclic_collector_paused_and_restores_it() -> None:
    import gc

    from bot.context import _uncollected

    assert _uncollected(gc.isenabled) is False and gc.isenabled()

    def failing() -> None:
        raise ValueError("a rule's bug")

    with pytest.raises(ValueError):
        _uncollected(failing)
    assert gc.isenabled()
