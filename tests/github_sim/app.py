"""The aiohttp application: middleware (log, faults, auth, limits, validation) and factory."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import web

from .auth import App, Token, credential_from, is_jwt
from .faults import SECONDARY_LIMIT_DOCS, SECONDARY_LIMIT_MESSAGE, Call, Fault, is_mutation
from .render import DOCS
from .state import SimError

if TYPE_CHECKING:
    from .sim import GitHubSim

SIM_KEY: web.AppKey[GitHubSim] = web.AppKey("github_sim", object)  # type: ignore[arg-type]
JSON_KEY: web.RequestKey[Any] = web.RequestKey("json", object)
TOKEN_KEY: web.RequestKey[Token] = web.RequestKey("token", Token)
APP_KEY: web.RequestKey[App] = web.RequestKey("app", App)
PRIMARY_LIMIT_MESSAGE = "API rate limit exceeded for installation. Wait for the reset time in x-ratelimit-reset."
PRIMARY_LIMIT_DOCS = (
    "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
    "#about-primary-rate-limits"
)
# GitHub may answer any operation with these although few operations list them.
UNDOCUMENTED_REFUSALS = frozenset({401, 403, 429, 500, 502, 503})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def sim_of(request: web.Request) -> GitHubSim:
    """Return the simulator serving this request."""
    return request.app[SIM_KEY]


def error_body(error: SimError) -> dict[str, Any]:
    """Return GitHub's error body for a refusal."""
    body: dict[str, Any] = {"message": error.message, "documentation_url": DOCS}
    if error.errors is not None:
        body["errors"] = error.errors
    else:
        body["status"] = str(error.status)
    return body


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Answer with JSON the way GitHub does."""
    return web.Response(text=json.dumps(data), status=status, headers=headers,
                        content_type="application/json", charset="utf-8")


def needs_jwt(path: str) -> bool:
    """Say whether a route authenticates with the app's JWT rather than a token."""
    app_route = path == "/app" or path.startswith("/app/")
    return app_route or (path.startswith("/repos/") and path.endswith("/installation"))


def authenticate(request: web.Request) -> None:
    """Check the request's credentials and remember who is calling."""
    sim = sim_of(request)
    credential = credential_from(request.headers.get("Authorization"))
    if credential is None:
        if sim.require_auth:
            raise SimError(401, "Requires authentication")
        return
    if needs_jwt(request.path):
        if not is_jwt(credential):
            raise SimError(401, "A JSON web token could not be decoded")
        request[APP_KEY] = sim.auth.app_for_jwt(credential)
        return
    if is_jwt(credential):
        raise SimError(401, "Bad credentials")
    request[TOKEN_KEY] = sim.auth.token(credential)


def resource_of(path: str) -> str | None:
    """Return the rate-limit bucket a path counts against (None: not counted)."""
    if path == "/rate_limit":
        return None
    if path == "/graphql":
        return "graphql"
    return "search" if path.startswith("/search/") else "core"


def rate_headers(request: web.Request) -> dict[str, str]:
    """Return the `x-ratelimit-*` (and request id) headers of this call, without counting it."""
    resource = resource_of(request.path) or "core"
    request_id = f"{uuid.uuid4().hex[:4].upper()}:{uuid.uuid4().hex[:8].upper()}"
    return sim_of(request).auth.limit(resource).headers(resource) | {
        "X-GitHub-Request-Id": request_id, "X-GitHub-Media-Type": "github.v3; format=json"}


def count_rate_limit(request: web.Request) -> dict[str, str]:
    """Count the call against its bucket; refuse it when the bucket is empty."""
    resource = resource_of(request.path)
    if resource is None:
        return rate_headers(request)
    bucket = sim_of(request).auth.limit(resource)
    if bucket.used >= bucket.limit:
        raise RateLimited(403, PRIMARY_LIMIT_MESSAGE, bucket.headers(resource), PRIMARY_LIMIT_DOCS)
    bucket.used += 1
    return rate_headers(request)


class Dropped(Exception):
    """The call is to be answered by closing the connection."""


class RateLimited(SimError):
    """A primary or secondary rate-limit refusal, with the headers GitHub sends."""

    def __init__(self, status: int, message: str, headers: dict[str, str],
                 docs: str = SECONDARY_LIMIT_DOCS) -> None:
        super().__init__(status, message)
        self.headers = headers
        self.docs = docs


def check_content_limit(request: web.Request) -> None:
    """Refuse a content write beyond the configured per-minute limit."""
    if request.method not in ("POST", "PATCH", "PUT", "DELETE") or "/access_tokens" in request.path:
        return
    if request.path == "/graphql" and not is_mutation(request.get(JSON_KEY)):
        return
    wait = sim_of(request).take_content_slot()
    if wait is not None:
        raise RateLimited(403, SECONDARY_LIMIT_MESSAGE, {"Retry-After": str(wait)})


async def read_body(request: web.Request) -> tuple[bytes, Any]:
    """Read the raw body and its JSON (None when empty; a 400 when malformed)."""
    raw = await request.read()
    if not raw:
        return raw, None
    try:
        return raw, json.loads(raw)
    except ValueError as error:
        raise SimError(400, "Problems parsing JSON") from error


def fault_response(fault: Fault) -> web.Response:
    """Build the answer of an injected failure."""
    assert fault.status is not None
    body = fault.body or {"message": "Injected failure", "documentation_url": DOCS, "status": str(fault.status)}
    return json_response(body, fault.status, dict(fault.headers))


async def apply_fault(request: web.Request, fault: Fault) -> web.Response | None:
    """Delay, drop or fail a call as the fault says; None lets the call through."""
    if fault.latency:
        await asyncio.sleep(fault.latency)
    if fault.drop:
        raise Dropped
    return fault_response(fault) if fault.status is not None else None


def query_of(request: web.Request) -> dict[str, str]:
    """Return the query string as a plain dict (last value wins)."""
    return dict(request.query.items())


def validate_exchange(request: web.Request, raw: bytes, response: web.Response | None) -> None:
    """Record any way this request or its answer (None: injected, not checked) breaks GitHub's description."""
    from .spec import check_request, check_response  # openapi-core is slow to import

    sim = sim_of(request)
    if request.path == "/graphql":
        return  # not in the REST description; `api_graphql` refuses any document it does not know
    where = f"{request.method} {request.path_qs}"
    path = request.raw_path.partition("?")[0]  # keep `%2F` inside parameters, as the spec needs
    problem = check_request(request.method, path, query_of(request), raw)
    if problem:
        sim.record_violation(f"request {where}:\n{problem}")
        return
    if response is None:
        return
    body = response.body if isinstance(response.body, bytes) else b""
    if response.content_type not in ("application/json", "application/octet-stream"):
        return  # media types such as `vnd.github.raw` are not in the description
    content_type = response.content_type if body else "application/json"
    problem = check_response(request.method, path, query_of(request), raw, response.status,
                             body, content_type)
    if problem and not (response.status in UNDOCUMENTED_REFUSALS and "ResponseNotFound" in problem):
        sim.record_violation(f"response {response.status} to {where}:\n{problem}")


async def answer(request: web.Request, handler: Handler) -> tuple[web.Response, bool]:
    """Run the call through auth, limits and the handler; return the answer and if it was faked."""
    sim = sim_of(request)
    headers = rate_headers(request)
    fault = sim.faults.take(request.method, unquote(request.path))
    if fault is not None:
        faked = await apply_fault(request, fault)
        if faked is not None:
            faked.headers.update({k: v for k, v in headers.items() if k not in faked.headers})
            return faked, True
    try:
        authenticate(request)
        headers = count_rate_limit(request)
        check_content_limit(request)
        response = await handler(request)
        assert isinstance(response, web.Response)
    except RateLimited as refusal:
        body = {"message": refusal.message, "documentation_url": refusal.docs, "status": str(refusal.status)}
        return json_response(body, refusal.status, headers | refusal.headers), False
    except SimError as error:
        response = json_response(error_body(error), error.status)
    except web.HTTPException as error:  # unknown route or method
        response = json_response(error_body(SimError(error.status, "Not Found")), error.status)
    response.headers.update(headers)
    if fault is not None:  # a fault that let the call through may still change its headers
        response.headers.update(fault.headers)
    return response, False


def log_call(request: web.Request, status: int, faked: bool) -> None:
    """Append the call to the simulator's log (status 0: connection dropped)."""
    token = request.get(TOKEN_KEY)
    sim_of(request).calls.append(Call(request.method, unquote(request.path), query_of(request), status,
                                      request.get(JSON_KEY), time.time(), faked,
                                      token.value if token else None))


@web.middleware
async def github_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Log, fault, authenticate, rate-limit and validate every API call."""
    if request.path.startswith("/_sim/"):
        return await handler(request)
    sim = sim_of(request)
    raw, request[JSON_KEY] = b"", None
    try:
        raw, request[JSON_KEY] = await read_body(request)
        response, faked = await answer(request, handler)
    except SimError as error:  # a body that is not JSON
        response, faked = json_response(error_body(error), error.status, rate_headers(request)), False
    except Dropped:
        log_call(request, 0, faked=True)
        if sim.validate:
            validate_exchange(request, raw, None)
        assert request.transport is not None
        request.transport.abort()
        raise asyncio.CancelledError from None
    log_call(request, response.status, faked)
    if sim.validate:
        validate_exchange(request, raw, None if faked else response)
    return response


def build_app(sim: GitHubSim) -> web.Application:
    """Create the aiohttp application serving `sim`."""
    from . import admin, routes

    app = web.Application(middlewares=[github_middleware])
    app[SIM_KEY] = sim
    routes.add_routes(app.router)
    admin.add_routes(app.router)
    return app
