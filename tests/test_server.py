"""The HTTP edge: signatures, malformed bodies, duplicates, pings and crashes."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import QUEUE, create_app
from bot.config import ServiceSettings
from bot.logs import JsonFormatter, log_context, redact
from bot.queue import EmbeddedQueue

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


async def test_reports_a_crash_as_500(
    app: web.Application,
    client: TestClient[web.Request, web.Application],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken_submit(delivery: Any) -> bool:
        raise RuntimeError("disk full")

    monkeypatch.setattr(app[QUEUE], "submit", broken_submit)
    body = json.dumps(INSTALLATION).encode()
    response = await client.post("/webhook", data=body, headers=headers(body))
    assert (response.status, await response.json()) == (500, {"msg": "internal error"})


async def test_health_check(client: TestClient[web.Request, web.Application]) -> None:
    response = await client.get("/healthz")
    assert (response.status, await response.json()) == (200, {"status": "ok"})


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


def test_log_lines_carry_the_delivery_and_hide_secrets() -> None:
    record = logging.LogRecord(
        "bot", logging.INFO, __file__, 1, "token %s for %s", ("ghs_abc123", "octo/minutes"), None
    )
    with log_context(delivery="d-1", repo="octo/minutes", installation=None):
        line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "token ghs_*** for octo/minutes"
    assert (line["delivery"], line["repo"], line["level"]) == ("d-1", "octo/minutes", "info")
    assert "installation" not in line


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Authorization: token ghp_secret", "Authorization: token ***"),
        ("webhook_secret='It is a secret', port=8080", "webhook_secret=***, port=8080"),
        ('{"token": "v1.abc"}', '{"token": ***}'),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", "***"),
        ("octo/minutes#12 closed", "octo/minutes#12 closed"),
    ],
)
def test_redact(text: str, shown: str) -> None:
    assert redact(text) == shown
