"""Injected failures, route patterns and the call log."""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass, field
from typing import Any

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
AUTH_PATH = re.compile(r"^/app/installations/[^/]+/access_tokens$")


@functools.cache
def route_regex(pattern: str) -> re.Pattern[str]:
    """Compile a route pattern: `{name}` matches one path segment, `**` matches the rest."""
    parts = re.split(r"(\{[^}]+\}|\*\*)", pattern)
    regex = "".join(
        "[^/]+" if part.startswith("{") else ".*" if part == "**" else re.escape(part) for part in parts
    )
    return re.compile(f"^{regex}$")


def route_matches(method: str, pattern: str, call_method: str, call_path: str) -> bool:
    """Say whether a call matches `method` ("*" for any) and a route pattern."""
    return method in ("*", call_method.upper()) and bool(route_regex(pattern).match(call_path))


@dataclass
class Call:
    """One request the simulator answered (admin requests are not logged)."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    json: Any
    at: float
    fault: bool = False
    token: str | None = None

    @property
    def is_write(self) -> bool:
        """Say whether the call changes content (token exchanges and GraphQL queries do not count)."""
        if self.path == "/graphql":
            return is_mutation(self.json)
        return self.method in WRITE_METHODS and not AUTH_PATH.match(self.path)


def is_mutation(body: Any) -> bool:
    """Say whether a GraphQL request body asks for a mutation rather than a query."""
    query = body.get("query") if isinstance(body, dict) else None
    return isinstance(query, str) and query.lstrip().startswith("mutation")


@dataclass
class Fault:
    """A failure to inject into calls matching `method` and `pattern`.

    `times` limits how many calls fail (None: no limit); `fraction` fails that share of
    matching calls, drawn from the seeded random source. `status` None with `latency`
    only delays the real answer; `drop` closes the connection without any answer.
    """

    method: str
    pattern: str
    status: int | None = 500
    times: int | None = 1
    fraction: float | None = None
    latency: float = 0.0
    drop: bool = False
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hits: int = 0

    @property
    def spent(self) -> bool:
        """Say whether this fault has failed all the calls it was allowed to."""
        return self.times is not None and self.hits >= self.times


class Faults:
    """The set of active faults, applied in the order they were added."""

    def __init__(self, seed: int = 0) -> None:
        self.rules: list[Fault] = []
        self.random = random.Random(seed)

    def add(self, method: str, pattern: str, status: int | None = 500, *, times: int | None = 1,
            fraction: float | None = None, latency: float = 0.0, drop: bool = False,
            body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Fault:
        """Fail the next `times` calls (or a `fraction` of calls) matching the route."""
        fault = Fault(method.upper(), pattern, status, times, fraction, latency, drop, body, headers or {})
        self.rules.append(fault)
        return fault

    def fail(self, method: str, pattern: str, status: int = 500, times: int | None = 1) -> Fault:
        """Answer the next `times` matching calls with `status`."""
        return self.add(method, pattern, status, times=times)

    def delay(self, method: str, pattern: str, seconds: float, times: int | None = None) -> Fault:
        """Add `seconds` of latency to matching calls, then answer them normally."""
        return self.add(method, pattern, None, times=times, latency=seconds)

    def add_headers(self, method: str, pattern: str, headers: dict[str, str],
                    times: int | None = 1) -> Fault:
        """Answer matching calls normally, with `headers` added (or replacing GitHub's)."""
        return self.add(method, pattern, None, times=times, headers=headers)

    def drop(self, method: str, pattern: str, times: int | None = 1) -> Fault:
        """Close the connection of the next `times` matching calls without answering."""
        return self.add(method, pattern, None, times=times, drop=True)

    def secondary_rate_limit(self, method: str = "*", pattern: str = "**", *, times: int | None = 1,
                             status: int = 403, retry_after: int | None = 60,
                             fraction: float | None = None) -> Fault:
        """Refuse matching calls with GitHub's secondary rate limit answer."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        body = {"message": SECONDARY_LIMIT_MESSAGE,
                "documentation_url": SECONDARY_LIMIT_DOCS, "status": str(status)}
        return self.add(method, pattern, status, times=times, fraction=fraction, body=body, headers=headers)

    def storm(self, times: int = 10, *, status: int = 403, retry_after: int = 1) -> Fault:
        """Refuse every route with secondary rate limits for the next `times` calls."""
        return self.secondary_rate_limit("*", "**", times=times, status=status, retry_after=retry_after)

    def clear(self) -> None:
        """Remove every fault."""
        self.rules.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """Return the fault to apply to this call, counting it as used."""
        for fault in self.rules:
            if fault.spent or not route_matches(fault.method, fault.pattern, method, path):
                continue
            if fault.fraction is not None and self.random.random() >= fault.fraction:
                continue
            fault.hits += 1
            return fault
        return None


SECONDARY_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID."
)
SECONDARY_LIMIT_DOCS = (
    "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
    "#about-secondary-rate-limits"
)
