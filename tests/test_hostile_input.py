"""Hostile input: forged, oversized, malformed or unexpected deliveries, minutes paths
that leave the repository, configuration bombs, and secrets inside error messages.

`tests/test_server.py` covers the plain cases (a wrong or missing signature, bodies
over 25 MB with or without a declared length, truncated JSON, an event nobody
handles); these are the ones around them.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import re
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.cli import main as cli
from bot.compat import timeout
from bot.config.settings import ServiceSettings
from bot.service import server
from bot.service.app import QUEUE, create_app
from bot.service.queue import EmbeddedQueue
from tests.e2e_support import CONFIG, MEETING, REPO, SECRET, SVSM, Bot, create_svsm_repo, start_bot
from tests.github_sim import GitHubSim
from tests.redis_server import free_port

Client = TestClient[web.Request, web.Application]
PUSH = {
    "ref": "refs/heads/main",
    "before": "0" * 40,
    "after": "1" * 40,
    "repository": {"full_name": "octo/minutes", "default_branch": "main"},
    "installation": {"id": 42},
}


def signed(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers(body: bytes, event: str = "push", delivery: str = "d-1") -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": signed(body),
    }


@pytest.fixture(autouse=True)
def no_backoff(unslept_ports: None) -> None:
    """Let the service's ports retry without sleeping (GitHub is unreachable for `app`)."""


@pytest.fixture
async def app(tmp_path: Path) -> web.Application:
    settings = ServiceSettings(
        webhook_secret=SECRET, token="ghp_unused", api_url="http://127.0.0.1:9"
    )
    return create_app(settings, journal=tmp_path / "journal.sqlite3")


@pytest.fixture
async def client(app: web.Application) -> AsyncIterator[Client]:
    async with TestClient(TestServer(app)) as client:
        yield client


def journal_state(app: web.Application, delivery: str) -> str | None:
    queue = app[QUEUE]
    assert isinstance(queue, EmbeddedQueue)
    return queue.journal.state(delivery)


# -- signatures ----------------------------------------------------------------------------


BODY = json.dumps(PUSH).encode()


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param("", id="empty"),
        pytest.param("sha256=", id="no digest"),
        pytest.param("sha256=" + "z" * 64, id="not hex"),
        pytest.param(signed(BODY, secret=""), id="empty secret"),
        pytest.param(signed(BODY, secret=SECRET + " "), id="secret with a space"),
        pytest.param(signed(BODY + b" "), id="body changed after signing"),
        pytest.param(
            "sha1=" + hmac.new(SECRET.encode(), BODY, hashlib.sha1).hexdigest(),
            id="a valid SHA-1 signature",
        ),
    ],
)
async def test_deliveries_not_signed_with_the_secret_are_refused(
    app: web.Application, client: Client, signature: str
) -> None:
    sent = headers(BODY) | {"X-Hub-Signature-256": signature}
    response = await client.post("/webhook", data=BODY, headers=sent)
    assert response.status == 401
    assert journal_state(app, "d-1") is None


async def test_the_signature_must_cover_the_exact_bytes(
    app: web.Application, client: Client
) -> None:
    reordered = json.dumps(dict(reversed(PUSH.items()))).encode()  # the same JSON, other bytes
    sent = headers(BODY) | {"X-Hub-Signature-256": signed(reordered)}
    response = await client.post("/webhook", data=BODY, headers=sent)
    assert response.status == 401
    ok = await client.post("/webhook", data=reordered, headers=sent)
    assert ok.status == 202


# -- malformed bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[]", id="a list"),
        pytest.param(b'"push"', id="a string"),
        pytest.param(b"null", id="null"),
        pytest.param(b"", id="empty"),
        pytest.param(b'{"ref": "\xff\xfe"}', id="not UTF-8"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="nested 100000 deep"),
    ],
)
async def test_bodies_that_are_not_a_json_object_are_refused(
    app: web.Application, client: Client, body: bytes
) -> None:
    response = await client.post("/webhook", data=body, headers=headers(body))
    assert response.status == 400
    assert journal_state(app, "d-1") is None


async def test_a_delivery_without_an_id_is_refused(app: web.Application, client: Client) -> None:
    sent = headers(BODY)
    del sent["X-GitHub-Delivery"]
    response = await client.post("/webhook", data=BODY, headers=sent)
    assert response.status == 400


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"ref": "refs/heads/main"}, id="no repository"),
        pytest.param(PUSH | {"repository": "octo/minutes"}, id="repository is a string"),
        pytest.param(PUSH | {"after": 7, "ref": ["refs/heads/main"]}, id="wrong types"),
        pytest.param(PUSH | {"installation": {"id": "42; DROP TABLE"}}, id="odd installation"),
    ],
)
async def test_a_signed_push_of_the_wrong_shape_fails_alone_and_the_service_goes_on(
    app: web.Application, client: Client, payload: dict[str, object]
) -> None:
    body = json.dumps(payload).encode()
    first = await client.post("/webhook", data=body, headers=headers(body, delivery="bad"))
    await app[QUEUE].drain()
    assert first.status in (202, 400)
    # Accepted, it was done or failed and is kept for a later try; refused, never journaled.
    expected = ("done", "pending") if first.status == 202 else (None,)
    assert journal_state(app, "bad") in expected

    healthy = await client.get("/healthz")
    ping = json.dumps({"zen": "Design for failure.", "hook": {"id": 1}}).encode()
    pong = await client.post("/webhook", data=ping, headers=headers(ping, event="ping"))
    assert (healthy.status, pong.status) == (200, 200)


@pytest.mark.parametrize(
    ("content_type", "encoding", "status"),
    [
        pytest.param("application/json; charset=no-such-charset", None, 400, id="unknown charset"),
        pytest.param("application/json; charset=utf-16", None, 400, id="wrong charset"),
        pytest.param("application/json", "gzip", 415, id="compressed"),
    ],
)
async def test_bodies_in_encodings_github_does_not_send_are_refused(
    app: web.Application, client: Client, content_type: str, encoding: str | None, status: int
) -> None:
    sent = headers(BODY) | {"Content-Type": content_type}
    sent |= {"Content-Encoding": encoding} if encoding else {}
    response = await client.post("/webhook", data=BODY, headers=sent)
    assert response.status == status
    assert journal_state(app, "d-1") is None


# -- slow and oversized senders ---------------------------------------------------------------------


async def test_a_body_sent_too_slowly_is_refused_and_its_connection_freed(
    app: web.Application, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server, "BODY_SECONDS", 0.3)

    async def trickle() -> AsyncIterator[bytes]:
        yield BODY[:10]
        await asyncio.sleep(5)
        yield BODY[10:]

    started = time.perf_counter()
    response = await client.post("/webhook", data=trickle(), headers=headers(BODY))

    assert response.status == 408
    assert time.perf_counter() - started < 3
    assert journal_state(app, "d-1") is None


async def test_a_connection_that_never_finishes_its_headers_is_closed(
    app: web.Application,
) -> None:
    served = TestServer(app, host="127.0.0.1")
    await served.start_server(**server.SERVER_OPTIONS | {"keepalive_timeout": 0.3})
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
        started = time.perf_counter()
        writer.write(b"POST /webhook HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # never finished
        await writer.drain()
        async with timeout(3):
            assert await reader.read() == b""
        writer.close()
    finally:
        await served.close()
    assert time.perf_counter() - started < 3


def test_serve_runs_aiohttp_with_the_header_deadline_and_no_decompression(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ran: dict[str, Any] = {}
    monkeypatch.setattr(web, "run_app", lambda app, **options: ran.update(options))
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_unused")
    monkeypatch.setenv("MINUTES_BOT_JOURNAL", str(tmp_path / "journal.sqlite3"))

    assert cli.main(["serve", "--port", "8999"]) == 0

    assert (ran["keepalive_timeout"], ran["auto_decompress"]) == (server.HEADER_SECONDS, False)


FAKE_BODY = 25 * 1024 * 1024 - 1
RESIDENT = re.compile(r"^(VmRSS|VmHWM):\s+(\d+) kB", re.MULTILINE)


def resident_mb(pid: int) -> dict[str, float]:
    """Return a process's resident memory now (VmRSS) and at its peak (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return {name: int(kb) / 1024 for name, kb in RESIDENT.findall(status)}


async def zeros(size: int) -> AsyncIterator[bytes]:
    chunk = b"0" * (256 * 1024)
    for _ in range(size // len(chunk)):
        yield chunk
    yield chunk[: size % len(chunk)]


async def test_memory_stays_bounded_under_24_unsigned_25_mb_bodies(tmp_path: Path) -> None:
    """Each body carries a made-up signature; none may be held whole in memory."""
    port, log = free_port(), tmp_path / "service.log"
    env = {
        "PATH": os.environ["PATH"],
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "GITHUB_TOKEN": "ghp_unused",
        "GITHUB_API_URL": "http://127.0.0.1:9",
        "MINUTES_BOT_JOURNAL": str(tmp_path / "journal.sqlite3"),
    }
    command = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)]
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(*command, env=env, stdout=output, stderr=output)
    try:
        await _until_healthy(port, log)
        before = resident_mb(process.pid)
        fake = headers(b"") | {"X-Hub-Signature-256": "sha256=" + "0" * 64}
        fake["Content-Length"] = str(FAKE_BODY)
        async with aiohttp.ClientSession() as session:

            async def send() -> int:
                url = f"http://127.0.0.1:{port}/webhook"
                async with session.post(url, data=zeros(FAKE_BODY), headers=fake) as answer:
                    return answer.status

            async with timeout(120):  # a guard against a hang, not a measurement
                statuses = await asyncio.gather(*(send() for _ in range(24)))
        after = resident_mb(process.pid)
    finally:
        process.terminate()
        await process.wait()

    assert set(statuses) <= {401, 408} and 401 in statuses
    assert after["VmHWM"] - before["VmRSS"] < 100
    assert after["VmRSS"] - before["VmRSS"] < 50


# -- events and actions nobody handles -----------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "action"),
    [
        ("issue_comment", "deleted"),
        ("issue_comment", "pinned"),
        ("pull_request", "assigned"),
        ("pull_request", "labeled"),
        ("issues", "pinned"),
        ("PUSH", None),
        ("../../push", None),
        ("x" * 4000, None),
    ],
)
async def test_unknown_events_and_actions_are_acknowledged_and_not_queued(
    app: web.Application, client: Client, event: str, action: str | None
) -> None:
    body = json.dumps(PUSH | ({"action": action} if action else {})).encode()
    response = await client.post("/webhook", data=body, headers=headers(body, event=event))
    assert (response.status, await response.json()) == (200, {"msg": "ignored"})
    assert journal_state(app, "d-1") is None


# -- minutes paths outside the repository ----------------------------------------------------------


@pytest.fixture
async def bot(
    github_sim: GitHubSim, github_app_key: tuple[int, str], tmp_path: Path
) -> AsyncIterator[Bot]:
    create_svsm_repo(github_sim)
    async for running in start_bot(github_sim, github_app_key, tmp_path / "journal.sqlite3"):
        yield running


def files_read(sim: GitHubSim) -> list[str]:
    """The repository paths the bot read: over REST, and in the read-ahead query."""
    rest = [c.path.removeprefix(f"/repos/{REPO}/contents/")
            for c in sim.calls_matching("GET", "/repos/{o}/{r}/contents/**")]
    ahead = [value for c in sim.calls_matching("POST", "/graphql")
             for name, value in ((c.json or {}).get("variables") or {}).items()
             if re.fullmatch(r"p\d+", name)]
    return rest + ahead


ESCAPING = [
    "../minutes.md",
    "meetings/../../minutes.md",
    "meetings/../../../etc/minutes.md",
    "/etc/minutes.md",
    "//meetings/minutes.md",
    "meetings//minutes.md",
]


async def test_minutes_paths_that_leave_the_repository_are_never_read(
    github_sim: GitHubSim, bot: Bot
) -> None:
    github_sim.reset_calls()
    delivery = await github_sim.push(
        REPO, dict.fromkeys(ESCAPING, SVSM) | {MEETING: SVSM}, author="joergroedel"
    )
    assert delivery.status == 202
    await bot.settle(github_sim)

    reads = files_read(github_sim)
    assert [path for path in reads if "minutes.md" in path] == []
    assert MEETING in reads  # the one real minutes file was read
    meetings = [i for i in github_sim.issues(REPO) if i.title.startswith("Meeting ")]
    assert len(meetings) == 1


async def test_config_globs_that_leave_the_repository_match_nothing(
    github_sim: GitHubSim, bot: Bot
) -> None:
    config = CONFIG + 'paths: ["../**/*.md", "/**/*.md", "**/../*.md"]\n'
    github_sim.reset_calls()
    delivery = await github_sim.push(
        REPO,
        {".github/minutes-bot.yml": config, "../minutes.md": SVSM, "/etc/minutes.md": SVSM},
        author="joergroedel",
    )
    await bot.settle(github_sim)

    assert delivery.status == 202
    reads = files_read(github_sim)
    assert [path for path in reads if "minutes.md" in path and "minutes-bot" not in path] == []
    assert github_sim.issues(REPO) == []


# -- configuration bombs ---------------------------------------------------------------------------


YAML_BOMB = (
    "\n".join(
        ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        + [
            f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]"
            for n in range(8)
        ]
        + ["people: *i"]
    )
    + "\n"
)
HUGE_CONFIG = CONFIG + "".join(
    f"  - name: Person {n}\n    login: person-{n}\n" for n in range(60_000)
)


@pytest.mark.parametrize(
    "config",
    [pytest.param(YAML_BOMB, id="billion laughs"), pytest.param(HUGE_CONFIG, id="2 MB of people")],
)
async def test_a_config_bomb_gets_one_commit_comment_and_nothing_else(
    github_sim: GitHubSim, bot: Bot, config: str
) -> None:
    delivery = await github_sim.push(
        REPO, {".github/minutes-bot.yml": config, MEETING: SVSM}, author="joergroedel"
    )
    async with timeout(20):  # a guard against a hang, not a measurement
        await bot.settle(github_sim)
    head = github_sim.commit(REPO).sha

    assert delivery.status == 202
    comments = github_sim.commit_comments(REPO, head)
    assert len(comments) == 1
    assert "could not use `.github/minutes-bot.yml`" in comments[0].body
    assert len(comments[0].body) < 10_000
    assert github_sim.issues(REPO) == []

    await github_sim.redeliver(delivery)
    await bot.settle(github_sim)
    assert len(github_sim.commit_comments(REPO, head)) == 1


FRONT_MATTER_BOMB = (
    "---\ndate: 2024-12-18\n"
    + "\n".join(
        ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        + [
            f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]"
            for n in range(7)
        ]
        + ["attendees: *h"]
    )
    + "\n---\n\n# Release call\n\n## Action items\n\n- [ ] @joergroedel: tag the release\n"
)


async def test_a_front_matter_bomb_is_read_as_no_front_matter(
    github_sim: GitHubSim, bot: Bot
) -> None:
    """About 400 bytes of aliases that stand for 43 million attendees."""
    assert len(FRONT_MATTER_BOMB.split("---")[1]) < 500
    delivery = await github_sim.push(REPO, {MEETING: FRONT_MATTER_BOMB}, author="joergroedel")
    async with timeout(20):  # a guard against a hang, not a measurement
        await bot.settle(github_sim)

    assert delivery.status == 202
    items = [issue for issue in github_sim.issues(REPO) if "action-item" in issue.labels]
    assert [(issue.title, issue.assignees) for issue in items] == [
        ("Tag the release", ["joergroedel"])
    ]


# -- secrets in error messages ----------------------------------------------------------------------


TOKEN = "ghp_" + "S3cr3tT0k3n" * 3 + "abc"
WEBHOOK_SECRET = "webhook-secret-that-must-not-leak"


@pytest.fixture
def echoed_secrets(github_sim: GitHubSim, github_app_key: tuple[int, str]) -> Iterator[list[str]]:
    """Make GitHub answer every call with an error that quotes the service's secrets."""
    key = github_app_key[1]
    secrets = [TOKEN, WEBHOOK_SECRET, *[line for line in key.splitlines() if len(line) > 40]]
    message = f"Bad credentials: token {TOKEN} secret={WEBHOOK_SECRET} key {key}"
    # 422 is not retried, so the failure is logged at once.
    github_sim.faults.add("*", "**", 422, times=None, body={"message": message})
    yield secrets
    github_sim.faults.clear()


@pytest.mark.parametrize("credentials", ["token", "app"])
async def test_secrets_quoted_in_errors_never_reach_the_log(
    github_sim: GitHubSim,
    github_app_key: tuple[int, str],
    echoed_secrets: list[str],
    tmp_path: Path,
    credentials: str,
) -> None:
    create_svsm_repo(github_sim)
    github_sim.add_token(TOKEN)
    key_file = tmp_path / "key.pem"
    key_file.write_text(github_app_key[1])
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "GITHUB_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "GITHUB_API_URL": github_sim.url,
        "MINUTES_BOT_JOURNAL": str(tmp_path / "journal.sqlite3"),
        "LOG_LEVEL": "DEBUG",
    } | (
        {"GITHUB_TOKEN": TOKEN}
        if credentials == "token"
        else {"GITHUB_APP_ID": str(github_app_key[0]), "GITHUB_PRIVATE_KEY_FILE": str(key_file)}
    )
    log = tmp_path / "service.log"
    command = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)]
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=output, stderr=output
        )
    try:
        await _until_healthy(port, log)
        github_sim.set_webhook(f"http://127.0.0.1:{port}/webhook", WEBHOOK_SECRET)
        delivery = await github_sim.push(REPO, {MEETING: SVSM}, author="joergroedel")
        assert delivery.status == 202
        await _until_logged(log, "processing the delivery failed")
    finally:
        process.terminate()
        await process.wait()

    text = log.read_text()
    assert "Bad credentials" in text  # the error was logged
    assert [secret for secret in echoed_secrets if secret in text] == []


async def _until_healthy(port: int, log: Path) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError(f"the service did not start:\n{await asyncio.to_thread(log.read_text)}")


async def _until_logged(log: Path, text: str) -> None:
    for _ in range(200):
        if text in await asyncio.to_thread(log.read_text):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never logged {text!r}:\n{await asyncio.to_thread(log.read_text)}")
