"""Structured JSON logging that carries the delivery, repository and installation.

Every record becomes one JSON line on stderr:

    {"timestamp": "2024-12-18T15:04:05.123+00:00", "level": "info", "logger": "bot.service.app",
     "message": "delivery handled", "delivery": "72d3162e-...", "event": "push",
     "repo": "coconut-svsm/svsm", "installation": 42, "calls": 31, "writes": 17}

`RedactingFilter` masks credentials in messages, arguments, fields and tracebacks
before any handler sees them: anything shaped like a token or a PEM private key, and
the configured secret values themselves.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from bot.compat import UTC

MASK = "***"
# A secret shorter than this would mask ordinary words; config checks keep real ones longer.
MIN_SECRET_LENGTH = 6
# Lines of a PEM body this long are masked one by one, should an error quote one.
MIN_KEY_LINE_LENGTH = 16

_CONTEXT: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "log_context", default=MappingProxyType({})
)

# Anything shaped like a credential is masked even if a caller logs it by mistake.
# Each pattern keeps its group 1 (a harmless prefix) and masks the rest.
_SECRET_PATTERNS = (
    re.compile(r"()-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
    re.compile(r"()-----BEGIN [A-Z ]*PRIVATE KEY-----.*", re.DOTALL),  # a key cut short
    re.compile(r"\b(gh[pousr]_|github_pat_)[A-Za-z0-9_-]+"),
    re.compile(r"\b(v1\.)[0-9a-fA-F]{16,}"),
    re.compile(
        r"(?i)((?:authorization|token|secret|password|private_key)[\"']?\s*[:=]\s*"
        r"(?:(?:token|bearer|basic)\s+)?)(\"[^\"]*\"|'[^']*'|[^\s,}]+)"
    ),
    # `Bearer eyJ...`, `token 0123abcd...`: a word with a digit in it, so "token for" stays.
    re.compile(r"(?i)\b((?:bearer|token)\s+)(?=[^\s*]*\d)[A-Za-z0-9_\-.=+/]{8,}"),
)


# The fields that name a delivery: no record may carry another delivery's.
DELIVERY_FIELDS = ("delivery", "event", "repo", "installation")


@contextlib.contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add `fields` (delivery id, repo, installation) to every record logged inside."""
    with _context({**_CONTEXT.get(), **fields}):
        yield


def delivery_context(
    delivery: str, event: str, repo: str | None = None, installation: int | None = None
) -> contextlib.AbstractContextManager[None]:
    """Name one delivery on every record logged inside, and nothing of any other delivery."""
    around = {k: v for k, v in _CONTEXT.get().items() if k not in DELIVERY_FIELDS}
    fields = {"delivery": delivery, "event": event, "repo": repo, "installation": installation}
    return _context({**around, **fields})


@contextlib.contextmanager
def _context(fields: Mapping[str, Any]) -> Iterator[None]:
    token = _CONTEXT.set({k: v for k, v in fields.items() if v is not None})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask the literal `secrets`, then anything shaped like a token or key, in `text`."""
    for secret in secrets:
        text = text.replace(secret, MASK)
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda match: (match.group(1) or "") + MASK, text)
    return text


def secret_variants(values: Iterable[str | None]) -> tuple[str, ...]:
    """Return each secret as written, escaped as repr and JSON show it, and its key lines."""
    variants: set[str] = set()
    for value in filter(None, values):
        variants.update({value, value.strip(), repr(value)[1:-1], json.dumps(value)[1:-1]})
        variants.update(line for line in value.splitlines() if len(line) >= MIN_KEY_LINE_LENGTH)
    # Longest first, so a whole key is masked before its lines are.
    return tuple(sorted((v for v in variants if len(v) >= MIN_SECRET_LENGTH), key=len)[::-1])


class RedactingFilter(logging.Filter):
    """Mask secrets in a record's message, arguments, fields and exception text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.secrets = secret_variants(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self._clean(_message(record)), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            record.fields = {name: self._clean_value(v) for name, v in fields.items()}
        return True

    def _clean(self, text: str) -> str:
        return redact(text, self.secrets)

    def _clean_value(self, value: Any) -> Any:
        return self._clean(value) if isinstance(value, str) else value


def _message(record: logging.LogRecord) -> str:
    """Return the record's message with its arguments, even if they do not fit it."""
    try:
        return record.getMessage()
    except (TypeError, ValueError):
        return f"{record.msg} {record.args!r}"


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_CONTEXT.get(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["error"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str)


def json_handler(
    stream: Any = None, *, secrets: Iterable[str | None] = ()
) -> logging.StreamHandler[Any]:
    """Return a handler writing redacted JSON lines to `stream` (default stderr)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RedactingFilter(secrets))
    handler.setFormatter(JsonFormatter())
    return handler


def configure_logging(level: str = "INFO", *, secrets: Iterable[str | None] = ()) -> None:
    """Send redacted JSON lines to stderr at `level`, masking `secrets` wherever they appear."""
    root = logging.getLogger()
    root.handlers[:] = [json_handler(secrets=secrets)]
    root.setLevel(level.upper())
