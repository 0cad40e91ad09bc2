"""Structured logs: one JSON line per record, the delivery on each, secrets never."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.github.port import GitHubPort
from bot.service.logs import (
    RedactingFilter,
    configure_logging,
    json_handler,
    log_context,
    redact,
    secret_variants,
)
from tests.e2e_support import MEETING, REPO, SECRET, SVSM, Bot, create_svsm_repo, push, start_bot
from tests.github_sim import GitHubSim

BEARER = "Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOjF9.c2lnbmF0dXJl0"


@pytest.fixture
def captured(github_app_key: tuple[int, str]) -> Iterator[io.StringIO]:
    """Capture what the service logs at INFO, as the deployed service writes it."""
    stream = io.StringIO()
    handler = json_handler(stream, secrets=(github_app_key[1], SECRET))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture
async def bot(
    github_sim: GitHubSim, github_app_key: tuple[int, str], tmp_path: Path
) -> AsyncIterator[Bot]:
    create_svsm_repo(github_sim)
    async for running in start_bot(github_sim, github_app_key, tmp_path / "journal.sqlite3"):
        yield running


def installation_tokens(sim: GitHubSim) -> list[str]:
    return [value for value in sim.auth.tokens if value.startswith("ghs_")]


async def test_a_failing_call_logs_the_delivery_but_never_the_secrets(
    github_sim: GitHubSim,
    github_app_key: tuple[int, str],
    bot: Bot,
    captured: io.StringIO,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    private_key = github_app_key[1]

    async def leaky_create_issue(self: GitHubPort, repo: str, **fields: Any) -> dict[str, Any]:
        token = installation_tokens(github_sim)[-1]
        raise RuntimeError(
            f"POST /repos/{repo}/issues failed: Authorization: token {token}; {BEARER}; "
            f"signed with {private_key!r}; key {private_key}; hook secret {SECRET}"
        )

    monkeypatch.setattr(GitHubPort, "create_issue", leaky_create_issue)
    await push(github_sim, bot, {MEETING: SVSM})

    output = captured.getvalue()
    secrets = [SECRET, BEARER.split()[1], *installation_tokens(github_sim)]
    secrets += [line for line in private_key.splitlines() if "-----" not in line]
    assert installation_tokens(github_sim)
    assert [secret for secret in secrets if secret in output] == []
    lines = [json.loads(line) for line in output.splitlines()]
    failures = [line for line in lines if line["message"].startswith("handler ")]
    assert failures, output
    for line in failures:
        assert (line["level"], line["repo"], line["installation"]) == ("error", REPO, 1)
        assert line["delivery"] and line["event"] == "push"
        assert "RuntimeError: POST /repos/coconut-svsm/svsm/issues failed" in line["error"]
        assert "token ***" in line["error"] and "hook secret ***" in line["error"]


async def test_each_record_is_one_json_line_with_its_context(
    github_sim: GitHubSim, bot: Bot, captured: io.StringIO
) -> None:
    await push(github_sim, bot, {MEETING: SVSM})

    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    handled = [line for line in lines if line["message"] == "delivery handled"]
    assert len(handled) == 1
    assert (handled[0]["repo"], handled[0]["installation"]) == (REPO, 1)
    assert handled[0]["calls"] > 0
    assert all({"timestamp", "level", "logger", "message"} <= set(line) for line in lines)
    accepted = next(line for line in lines if line["message"] == "delivery accepted")
    assert accepted["delivery"] == handled[0]["delivery"]


def record(message: str, *args: object, **fields: object) -> logging.LogRecord:
    entry = logging.LogRecord("bot.test", logging.INFO, __file__, 1, message, args, None)
    entry.fields = fields
    return entry


def formatted(entry: logging.LogRecord, secrets: tuple[str, ...] = ()) -> dict[str, Any]:
    stream = io.StringIO()
    json_handler(stream, secrets=secrets).handle(entry)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    result: dict[str, Any] = json.loads(lines[0])
    return result


def test_a_line_carries_the_context_and_masks_arguments_and_fields() -> None:
    entry = record("token %s for %s", "ghs_abc123", "octo/minutes", header="Bearer abc123def456")
    with log_context(delivery="d-1", repo="octo/minutes", installation=None):
        line = formatted(entry)
    assert line["message"] == "token ghs_*** for octo/minutes"
    assert line["header"] == "Bearer ***"
    assert (line["delivery"], line["repo"], line["level"], line["logger"]) == (
        "d-1",
        "octo/minutes",
        "info",
        "bot.test",
    )
    assert "installation" not in line


def test_a_multiline_message_stays_one_line() -> None:
    assert formatted(record("first\nsecond"))["message"] == "first\nsecond"


def test_configured_secrets_are_masked_as_written_and_as_repr_shows_them() -> None:
    key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE"
    entry = record("settings %r, secret %s, line %s", {"key": key}, "hunter22", key.splitlines()[1])
    line = formatted(entry, secrets=(key, "hunter22"))
    assert line["message"] == "settings {'key': '***'}, secret ***, line ***"


def test_exception_text_is_masked() -> None:
    try:
        raise ValueError("bad webhook secret s3cr3t-value")
    except ValueError:
        entry = logging.LogRecord("bot", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = formatted(entry, secrets=("s3cr3t-value",))
    assert "s3cr3t-value" not in line["error"]
    assert "ValueError: bad webhook secret ***" in line["error"]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Authorization: token ghp_secret", "Authorization: token ***"),
        ("webhook_secret='It is a secret', port=8080", "webhook_secret=***, port=8080"),
        ('{"token": "v1.abc"}', '{"token": ***}'),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", "***"),
        ("key: -----BEGIN PRIVATE KEY-----\nMIIE...", "key: ***"),
        ("used ghs_16C7e42F292c6912E7710c838347Ae178B4a-x today", "used ghs_*** today"),
        ("github_pat_11ABCDEFG0abcdefghij_klmnop", "github_pat_***"),
        ("old token v1.0123456789abcdef0123456789abcdef01234567", "old token v1.***"),
        ("sent Bearer eyJhbGciOi.eyJpc3Mi0.sig", "sent Bearer ***"),
        ("with token 0123456789abcdef", "with token ***"),
        # Ordinary words after "token" or "bearer", and versions, stay.
        ("the token for octo/minutes expired", "the token for octo/minutes expired"),
        ("renewed the token of installation 42", "renewed the token of installation 42"),
        ("v1.2.3 released", "v1.2.3 released"),
        ("octo/minutes#12 closed", "octo/minutes#12 closed"),
    ],
)
def test_redact(text: str, shown: str) -> None:
    assert redact(text) == shown


@pytest.mark.parametrize(
    ("secrets", "masked"),
    [
        (("a-long-secret",), True),
        ((None, "a-long-secret"), True),
        (("short",), False),  # too short to mask without masking ordinary words
        ((), False),
    ],
)
def test_secret_values_are_masked_unless_too_short(
    secrets: tuple[str | None, ...], masked: bool
) -> None:
    entry = record("the value is a-long-secret or short")
    RedactingFilter(secrets).filter(entry)
    assert ("a-long-secret" not in entry.getMessage()) is masked
    assert "short" in entry.getMessage()


def test_secret_variants_include_escaped_forms_and_key_lines() -> None:
    key = (
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
    )
    variants = secret_variants([key])
    assert key.replace("\n", "\\n") in variants
    assert "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" in variants


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    """Give the root logger back as it was after the test reconfigures it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield root
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


@pytest.mark.parametrize("level", ["DEBUG", "warning", "ERROR"])
def test_configure_logging_sets_the_level_and_masks_the_secrets(
    root_logger: logging.Logger, level: str
) -> None:
    configure_logging(level, secrets=("a-configured-secret", None))
    [handler] = root_logger.handlers
    entry = record("leaked a-configured-secret")
    handler.filter(entry)
    assert root_logger.level == logging.getLevelName(level.upper())
    assert entry.getMessage() == "leaked ***"
