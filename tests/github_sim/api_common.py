"""Helpers shared by the REST handlers: paths, bodies, pagination."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.compat import parse_time

from .app import JSON_KEY, TOKEN_KEY, json_response, sim_of
from .state import Issue, Repo, SimError, not_found, validation_failed

ISSUE_STATES = ("open", "closed", "all")
MAX_BODY = 65536


def repo_of(request: web.Request) -> Repo:
    """Return the repository in the path, as far as the caller's token reaches."""
    sim = sim_of(request)
    repo = sim.state.repo(f"{request.match_info['owner']}/{request.match_info['repo']}")
    token = request.get(TOKEN_KEY)
    if token is not None and not token.reaches(repo.full_name):
        raise not_found()
    return repo


def caller(request: web.Request) -> str:
    """Return the login the caller acts as."""
    token = request.get(TOKEN_KEY)
    return token.login if token is not None else sim_of(request).acting_login()


def body_of(request: web.Request) -> dict[str, Any]:
    """Return the JSON object sent with the request (empty when none)."""
    data = request.get(JSON_KEY)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SimError(400, "Problems parsing JSON")
    return data


def int_arg(request: web.Request, name: str, default: int) -> int:
    """Read an integer query argument."""
    try:
        return int(request.query.get(name, default))
    except ValueError as error:
        raise validation_failed("Query", name) from error


def paginate(request: web.Request, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
    """Cut one page out of `items` and build GitHub's `Link` header pointing at the simulator."""
    per_page = min(max(int_arg(request, "per_page", 30), 1), 100)
    page = max(int_arg(request, "page", 1), 1)
    last = max((len(items) + per_page - 1) // per_page, 1)
    chunk = items[(page - 1) * per_page: page * per_page]

    def link(number: int, rel: str) -> str:
        query = dict(request.query) | {"per_page": str(per_page), "page": str(number)}
        return f'<{sim_of(request).url}{request.path}?{urlencode(query)}>; rel="{rel}"'

    links = []
    if page > 1:
        links += [link(page - 1, "prev"), link(1, "first")]
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    return chunk, ({"Link": ", ".join(links)} if links else {})


def page_response(request: web.Request, items: list[Any]) -> web.Response:
    """Answer with one page of already-rendered items."""
    chunk, headers = paginate(request, items)
    return json_response(chunk, headers=headers)


def issue_of(request: web.Request, repo: Repo, key: str = "issue_number") -> Issue:
    """Return the issue (or PR) numbered in the path."""
    try:
        number = int(request.match_info[key])
    except ValueError as error:
        raise not_found() from error
    issue = repo.issues.get(number)
    if issue is None:
        raise not_found()
    return issue


def parse_since(value: str | None) -> datetime | None:
    """Parse an ISO 8601 `since` argument."""
    if not value:
        return None
    try:
        return parse_time(value)
    except ValueError as error:
        raise validation_failed("Issue", "since") from error


def string_list(data: dict[str, Any], key: str, resource: str) -> list[str] | None:
    """Read an optional list of strings (labels may also be `{name: ...}` objects)."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, list):
        raise validation_failed(resource, key)
    names = [v.get("name") if isinstance(v, dict) else v for v in value]
    strings = [n for n in names if isinstance(n, str)]
    if len(strings) != len(names):
        raise validation_failed(resource, key)
    return strings


def text_body(data: dict[str, Any], resource: str, *, required: bool) -> str | None:
    """Read `body`, refusing a missing one (when required) or one over GitHub's 65536 characters."""
    body = data.get("body")
    if body is None and not required:
        return None
    if not isinstance(body, str) or (required and not body):
        raise validation_failed(resource, "body", "missing_field")
    if len(body) > MAX_BODY:
        raise SimError(422, "Validation Failed", [{
            "resource": resource, "code": "custom", "field": "body",
            "message": f"body is too long (maximum is {MAX_BODY} characters)"}])
    return body


