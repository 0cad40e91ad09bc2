"""The HTTP edge: signatures, malformed bodies, duplicates, pings and crashes."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config.settings import ServiceSettings
from bot.service.app import METRICS, QUEUE, create_app
from bot.service.queue import EmbeddedQueue
from tests.redis_server import MISSING, running_redis_server

SECRET = "It's a Secret to Everybody"
INSTALLATION = {
    "action": "created",
    "installation": {"id": 42},
    "repositories": [{"full_name": "octo/minutes"}],
}


def signed(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers(body: bytes, *, event: str = "installation", delivery: str = "d-1") -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": signed(body),
    }


@pytest.fixture
async def app(tmp_path: Path) -> web.Application:
    settings = ServiceSettings(webhook_secret=SECRET, token="ghp_unused")
    return create_app(settings, journal=tmp_path / "journal.sqlite3")


@pytest.fixture
async def client(app: web.Application) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    async with TestClient(TestServer(app)) as client:
        yield client


def deliveries(app: web.Application, event: str, outcome: str) -> float | None:
    """Return `minutes_bot_deliveries_total` for `event` and `outcome`."""
    labels = {"event": event, "outcome": outcome}
    return app[METRICS].registry.get_sample_value("minutes_bot_deliveries_total", labels)


def counted(app: web.Application) -> dict[tuple[str, str], float]:
    """Return every (event, outcome) `minutes_bot_deliveries_total` counted."""
    [family] = [m for m in app[METRICS].registry.collect() if m.name == "minutes_bot_deliveries"]
    return {
        (s.labels["event"], s.labels["outcome"]): s.value
        for s in family.samples
        if s.name.endswith("_total")
    }


def journal_state(app: web.Application, delivery: str) -> str | None:
    queue = app[QUEUE]
    assert isinstance(queue, EmbeddedQueue)
    return queue.journal.state(delivery)


async def test_signature_vector_from_github_docs() -> None:
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert signed(b"Hello, World!") == expected


async def test_accepts_a_signed_delivery_and_processes_it(
    app: web.Application, client: TestClient[web.Request, web.Application]
) -> None:
    body = json.dumps(INSTALLATION).encode()
    response = await client.post("/webhook", data=body, headers=headers(body))
    assert (response.status, await response.json()) == (202, {"msg": "accepted"})
    await app[QUEUE].drain()
    assert journal_state(app, "d-1") == "done"


async def test_a_redelivery_is_acknowledged_but_processed_once(
    app: web.Application, client: TestClient[web.Request, web.Application]
) -> None:
    body = json.dumps(INSTALLATION).encode()
    first = await client.post("/webhook", data=body, headers=headers(body))
    second = await client.post("/webhook", data=body, headers=headers(body))
    assert (first.status, second.status) == (202, 200)
    assert await second.json() == {"msg": "already accepted"}


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"X-Hub-Signature-256": signed(b"something else")}, 401),
        ({"X-Hub-Signature-256": "sha256=00"}, 401),
        ({"X-Hub-Signature-256": None}, 401),
        ({"X-Hub-Signature-256": None, "X-Hub-Signature": "sha1=00"}, 401),
        ({"Content-Type": "text/plain"}, 400),
        ({"X-GitHub-Event": None}, 400),
    ],
)
async def test_refuses_bad_deliveries_without_processing_them(
    app: web.Application,
    client: TestClient[web.Request, web.Application],
    change: dict[str, str | None],
    status: int,
) -> None:
    body = json.dumps(INSTALLATION).encode()
    sent = {**headers(body), **change}
    response = await client.post(
        "/webhook", data=body, headers={k: v for k, v in sent.items() if v is not None}
    )
    assert response.status == status
    assert journal_state(app, "d-1") is None


async def test_refuses_malformed_json(
    app: web.Application, client: TestClient[web.Request, web.Application]
) -> None:
    body = b'{"action": "created",'
    response = await client.post("/webhook", data=body, headers=headers(body))
    assert response.status == 400
    assert journal_state(app, "d-1") is None


async def test_refuses_bodies_over_25_megabytes(
    app: web.Application, client: TestClient[web.Request, web.Application]
) -> None:
    body = b'{"padding": "' + b"x" * (25 * 1024 * 1024) + b'"}'
    response = await client.post("/webhook", data=body, headers=headers(body))
    assert response.status == 413
    assert journal_state(app, "d-1") is None


async def test_refuses_a_declared_oversize_body_before_reading_it(
    app: web.Application,
    client: TestClient[web.Request, web.Application],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def no_reading(request: web.Request) -> bytes:
        raise AssertionError("the body was read")

    monkeypatch.setattr(web.Request, "read", no_reading)
    body = b'{"padding": "' + b"x" * (25 * 1024 * 1024) + b'"}'
    response = await client.post("/webhook", data=body, headers=headers(body))
    assert response.status == 413
    assert deliveries(app, "unverified", "too_large") == 1


async def test_refuses_an_oversize_chunked_body(
    app: web.Application, client: TestClient[web.Request, web.Application]
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(26):
            yield b"x" * (1024 * 1024)

    sent = {k: v for k, v in headers(b"").items() if k != "Content-Length"}
    response = await client.post("/webhook", data=chunks(), headers=sent)
    assert response.status == 413
    assert journal_state(app, "d-1") is None


@pytest.mark.parametrize(
    ("body", "change", "outcome"),
    [
        (json.dumps(INSTALLATION).encode(), {}, ("installation", "accepted")),
        (
            json.dumps({"action": "starred"}).encode(),
            {"X-GitHub-Event": "star"},
            ("star", "ignored"),
        ),
        (b"{}", {"X-GitHub-Event": "ping"}, ("ping", "ping")),
        (b"{}", {"X-Hub-Signature-256": "sha256=00"}, ("unverified", "bad_signature")),
        (b"{}", {"X-Hub-Signature-256": None}, ("unverified", "bad_signature")),
        (b"{,", {}, ("unverified", "bad_request")),
        (b"[]", {}, ("unverified", "bad_request")),
        (b"[" * 100_000 + b"]" * 100_000, {}, ("unverified", "bad_request")),
        (b'{"repository": "octo/minutes"}', {}, ("unverified", "bad_request")),
        (b'{"installation": 42}', {}, ("unverified", "bad_request")),
        (b"{}", {"X-GitHub-Event": "x" * 4000}, ("other", "ignored")),
        (b"{}", {"X-GitHub-Event": "PUSH"}, ("other", "ignored")),
    ],
)
async def test_counts_each_delivery_by_event_and_outcome(
    app: web.Application,
    client: TestClient[web.Request, web.Application],
    body: bytes,
    change: dict[str, str | None],
    outcome: tuple[str, str],
) -> None:
    sent = {**headers(body), **change}
    await client.post("/webhook", data=body, headers={k: v for k, v in sent.items() if v})
    assert counted(app) == {outcome: 1}


async def test_counts_a_redelivery_as_duplicate(
    app: web.Application, client: TestClient[web.Request, web.Application]
) -> None:
    body = json.dumps(INSTALLATION).encode()
    for _ in range(3):
        await client.post("/webhook", data=body, headers=headers(body))
    assert deliveries(app, "installation", "accepted") == 1
    assert deliveries(app, "installation", "duplicate") == 2


async def test_serves_metrics_with_help_text(
    client: TestClient[web.Request, web.Application],
) -> None:
    response = await client.get("/metrics")
    text = await response.text()
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "# HELP minutes_bot_deliveries_total Webhook deliveries received" in text
    assert "minutes_bot_queue_depth 0.0" in text


async def test_answers_ping_directly(
    app: web.Application, client: TestClient[web.Request, web.Application]
) -> None:
    body = json.dumps({"zen": "Keep it logically awesome.", "hook": {"id": 1}}).encode()
    response = await client.post("/webhook", data=body, headers=headers(body, event="ping"))
    assert (response.status, await response.json()) == (200, {"msg": "pong"})
    assert journal_state(app, "d-1") is None


async def test_acknowledges_events_nobody_handles_without_queueing(
    app: web.Application, client: TestClient[web.Request, web.Application]
) -> None:
    body = json.dumps({"action": "starred"}).encode()
    response = await client.post("/webhook", data=body, headers=headers(body, event="star"))
    assert (response.status, await response.json()) == (200, {"msg": "ignored"})
    assert journal_state(app, "d-1") is None


async def test_reports_a_crash_as_500_and_logs_it(
    app: web.Application,
    client: TestClient[web.Request, web.Application],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken_submit(delivery: Any, body: bytes | None = None) -> bool:
        raise RuntimeError("disk full")

    monkeypatch.setattr(app[QUEUE], "submit", broken_submit)
    body = json.dumps(INSTALLATION).encode()
    response = await client.post("/webhook", data=body, headers=headers(body))
    assert (response.status, await response.json()) == (500, {"msg": "internal error"})
    [crash] = [r for r in caplog.records if r.name == "bot.service.server" and r.levelname == "ERROR"]
    assert crash.getMessage() == "request failed"
    assert crash.exc_info is not None and str(crash.exc_info[1]) == "disk full"
    assert getattr(crash, "fields", None) == {"path": "/webhook"}


async def test_health_check(client: TestClient[web.Request, web.Application]) -> None:
    response = await client.get("/healthz")
    assert (response.status, await response.json()) == (200, {"status": "ok"})


async def test_health_check_fails_while_redis_is_down(tmp_path: Path) -> None:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(MISSING)
    with running_redis_server(binary) as url:
        settings = ServiceSettings(webhook_secret=SECRET, token="ghp_unused", redis_url=url)
        client = TestClient(TestServer(create_app(settings, journal=tmp_path / "j.sqlite3")))
        await client.start_server()
        up = await client.get("/healthz")
    try:
        down = await client.get("/healthz")  # the server is gone now
        assert (up.status, down.status) == (200, 503)
        assert await down.json() == {
            "status": "unavailable",
            "problem": "Redis does not answer: ConnectionError",
        }
    finally:
        await client.close()


@pytest.mark.parametrize(
    ("secret", "token", "refusal"),
    [
        (None, "ghp_x", "webhook secret is required"),
        ("", "ghp_x", "webhook secret is required"),
        (SECRET, None, "GITHUB_TOKEN"),
    ],
)
def test_refuses_to_start_without_a_webhook_secret_or_credentials(
    tmp_path: Path, secret: str | None, token: str | None, refusal: str
) -> None:
    with pytest.raises(ValueError, match=refusal):
        create_app(
            ServiceSettings(webhook_secret=secret, token=token),
            journal=tmp_path / "journal.sqlite3",
        )
