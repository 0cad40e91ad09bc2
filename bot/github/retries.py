"""When the port tries a failed call again, and how long it waits first: a pure function of
the answer (status, headers, message), the try and the time.

A 5xx backs off exponentially; a primary rate limit waits for `x-ratelimit-reset`; a
secondary one honours `Retry-After`, else waits a minute and backs off; a plain 403 (no
permission) is never retried, since waiting will not change it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus


@dataclass(frozen=True)
class RetryPolicy:
    """How hard the port tries before giving up; times in seconds."""

    max_tries: int = 5
    max_wait: float = 15 * 60
    backoff: float = 1.0
    secondary_wait: float = 60.0
    request_timeout: float = 30.0
    # Writes in any minute (GitHub counts them against content creation); 0 = unpaced.
    content_per_minute: float = 0.0
    # At most this many at once; then they spread out at `content_per_minute`.
    content_burst: int = 8
    # After a create that may have happened, when to look for it (75 s in all: GitHub
    # has been seen to answer a POST after more than 30 s, and to have done it).
    confirm_waits: tuple[float, ...] = (5.0, 10.0, 20.0, 40.0)


def retry_delay(
    policy: RetryPolicy,
    status: int,
    headers: Mapping[str, str],
    message: str,
    attempt: int,
    now: float,
) -> float | None:
    """Return how long to wait before try `attempt + 1` of a failed call, or None to give up."""
    if attempt >= policy.max_tries:
        return None
    delay = _wait_for(
        policy, status, {k.lower(): v for k, v in headers.items()}, message, attempt, now
    )
    return delay if delay is not None and delay <= policy.max_wait else None


def _wait_for(
    policy: RetryPolicy,
    status: int,
    headers: Mapping[str, str],
    message: str,
    attempt: int,
    now: float,
) -> float | None:
    if status >= 500:
        return policy.backoff * 2.0 ** (attempt - 1)
    if status not in (HTTPStatus.FORBIDDEN, HTTPStatus.TOO_MANY_REQUESTS):
        return None
    if headers.get("retry-after", "").strip().isdigit():
        return float(headers["retry-after"])
    if (
        headers.get("x-ratelimit-remaining") == "0"
        and headers.get("x-ratelimit-reset", "").isdigit()
    ):
        # One second more, because GitHub's reset time is rounded down.
        return max(float(headers["x-ratelimit-reset"]) - now, 0.0) + 1.0
    if status == HTTPStatus.TOO_MANY_REQUESTS or _is_secondary_limit(message):
        return policy.secondary_wait * 2.0 ** (attempt - 1)
    return None  # a plain 403: no permission, and waiting will not change that


def _is_secondary_limit(message: str) -> bool:
    text = message.lower()
    return "secondary rate limit" in text or "abuse" in text or "rate limit" in text
