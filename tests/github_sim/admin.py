"""The `/_sim/` admin API: drive a standalone simulator from outside the process.

Every route takes and returns JSON; none is logged, faulted, rate-limited or validated.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.compat import parse_time

from . import git, persist
from .app import sim_of
from .state import SimError, to_plain
from .webhooks import Delivery

Body = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def reply(data: Any, status: int = 200) -> web.Response:
    """Answer with JSON."""
    return web.json_response(to_plain(data), status=status)


def delivery_json(delivery: Delivery) -> Body:
    """Describe a webhook delivery for the admin API."""
    return {"id": delivery.id, "event": delivery.event, "action": delivery.action, "status": delivery.status,
            "response": delivery.response, "error": delivery.error, "payload": delivery.payload}


async def body_of(request: web.Request) -> Body:
    """Read the JSON object of an admin request."""
    raw = await request.read()
    data = json.loads(raw) if raw else {}
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return data


def when(value: str) -> datetime:
    """Parse an ISO 8601 time."""
    return parse_time(value)


# setup ---------------------------------------------------------------------


async def get_state(request: web.Request) -> web.Response:
    """GET /_sim/state: the whole state as JSON."""
    return reply(persist.dump(sim_of(request)))


async def put_state(request: web.Request) -> web.Response:
    """POST /_sim/state: replace the state with a dump (or a hand-written subset)."""
    persist.load(sim_of(request), await body_of(request))
    return reply({"repos": sorted(r.full_name for r in sim_of(request).state.repos.values())})


async def add_user(request: web.Request) -> web.Response:
    """POST /_sim/users {login, name?, type?, email?}"""
    data = await body_of(request)
    user = sim_of(request).add_user(data["login"], data.get("name"), data.get("type", "User"), data.get("email"))
    return reply(asdict(user), 201)


async def add_repo(request: web.Request) -> web.Response:
    """POST /_sim/repos {full_name, default_branch?, installation_id?, files?, private?}"""
    data = await body_of(request)
    repo = sim_of(request).add_repo(data["full_name"], default_branch=data.get("default_branch", "main"),
                                    installation_id=data.get("installation_id", 1), files=data.get("files"),
                                    private=data.get("private", False))
    return reply({"full_name": repo.full_name, "id": repo.id}, 201)


async def set_permission(request: web.Request) -> web.Response:
    """POST /_sim/permissions {repo, login, role}"""
    data = await body_of(request)
    sim_of(request).set_permission(data["repo"], data["login"], data["role"])
    return reply({"ok": True})


async def add_token(request: web.Request) -> web.Response:
    """POST /_sim/tokens {token, repos?, login?}"""
    data = await body_of(request)
    token = sim_of(request).add_token(data["token"], data.get("repos"), login=data.get("login"))
    return reply({"login": token.login}, 201)


async def register_app(request: web.Request) -> web.Response:
    """POST /_sim/apps {app_id, public_key, slug?}"""
    data = await body_of(request)
    app = sim_of(request).register_app(data["app_id"], data["public_key"], data.get("slug", "minutes-bot"))
    return reply({"app_id": app.app_id, "bot_login": app.bot_login}, 201)


async def configure(request: web.Request) -> web.Response:
    """POST /_sim/config {api_webhooks?, content_limit?, search_requires_type?, validate?, require_auth?,
    graphql?, parent_on_create?, read_ahead?}"""
    sim = sim_of(request)
    data = await body_of(request)
    for name in SETTINGS:
        if name in data:
            setattr(sim, name, data[name])
    return reply({name: getattr(sim, name) for name in SETTINGS})


SETTINGS = ("api_webhooks", "content_limit", "search_requires_type", "validate", "require_auth",
            "graphql", "parent_on_create", "read_ahead")


async def set_clock(request: web.Request) -> web.Response:
    """POST /_sim/clock {now?: ISO time, advance?: seconds}"""
    sim = sim_of(request)
    data = await body_of(request)
    if "now" in data:
        sim.clock.set(when(data["now"]))
    if "advance" in data:
        sim.clock.advance(float(data["advance"]))
    return reply({"now": sim.clock.now()})


async def set_webhook(request: web.Request) -> web.Response:
    """POST /_sim/webhook {url, secret}"""
    data = await body_of(request)
    sim_of(request).set_webhook(data.get("url"), data.get("secret"))
    return reply({"url": data.get("url")})


# acting as people --------------------------------------------------------


def entries(files: dict[str, Any]) -> dict[str, git.Entry]:
    """Read pushed files: text, null (delete), {"symlink": target} or {"submodule": sha}."""
    def entry(value: Any) -> git.Entry:
        if isinstance(value, dict) and "symlink" in value:
            return git.Symlink(value["symlink"])
        if isinstance(value, dict) and "submodule" in value:
            return git.Submodule(value["submodule"])
        return value
    return {path: entry(value) for path, value in files.items()}


async def push(request: web.Request) -> web.Response:
    """POST /_sim/push {repo, files: {path: text|null|{"symlink": target}|{"submodule": sha}},
    author, message?, branch?}"""
    data = await body_of(request)
    delivery = await sim_of(request).push(data["repo"], entries(data["files"]), author=data["author"],
                                          message=data.get("message", "Update files"), branch=data.get("branch"))
    return reply(delivery_json(delivery), 201)


async def comment(request: web.Request) -> web.Response:
    """POST /_sim/comments {repo, number, login, body}"""
    data = await body_of(request)
    delivery = await sim_of(request).comment(data["repo"], data["number"], data["login"], data["body"])
    return reply(delivery_json(delivery), 201)


async def edit_comment(request: web.Request) -> web.Response:
    """PATCH /_sim/comments/{id} {repo, body, by?}"""
    data = await body_of(request)
    delivery = await sim_of(request).edit_comment(data["repo"], int(request.match_info["id"]), data["body"],
                                                  by=data.get("by"))
    return reply(delivery_json(delivery))


async def open_issue(request: web.Request) -> web.Response:
    """POST /_sim/issues {repo, title, author, body?, labels?}"""
    data = await body_of(request)
    delivery = await sim_of(request).open_issue(data["repo"], data["title"], author=data["author"],
                                                body=data.get("body"), labels=data.get("labels", []))
    return reply(delivery_json(delivery), 201)


async def edit_issue(request: web.Request) -> web.Response:
    """PATCH /_sim/issues/{number} {repo, by, title?, body?}"""
    data = await body_of(request)
    delivery = await sim_of(request).edit_issue(data["repo"], int(request.match_info["number"]),
                                                by=data["by"], title=data.get("title"), body=data.get("body"))
    return reply(delivery_json(delivery))


async def change_issue_state(request: web.Request) -> web.Response:
    """POST /_sim/issues/{number}/close {repo, by, reason?} or /reopen {repo, by}"""
    sim, data = sim_of(request), await body_of(request)
    number = int(request.match_info["number"])
    if request.match_info["action"] == "close":
        delivery = await sim.close_issue(data["repo"], number, by=data["by"],
                                         reason=data.get("reason", "completed"))
    else:
        delivery = await sim.reopen_issue(data["repo"], number, by=data["by"])
    return reply(delivery_json(delivery))


async def assign_issue(request: web.Request) -> web.Response:
    """POST /_sim/issues/{number}/assignees {repo, by, add?, remove?} -> one delivery per login"""
    data = await body_of(request)
    deliveries = await sim_of(request).assign_issue(
        data["repo"], int(request.match_info["number"]), by=data["by"],
        add=data.get("add", []), remove=data.get("remove", []))
    return reply([delivery_json(delivery) for delivery in deliveries])


async def open_pull(request: web.Request) -> web.Response:
    """POST /_sim/pulls {repo, title, author, body?, draft?, head?, base?, fork?, files?, created_at?,
    webhook?: true}: `fork` (`owner/name`) opens it from a fork; `files` as for a push."""
    sim = sim_of(request)
    data = await body_of(request)
    fields: dict[str, Any] = {k: data[k] for k in ("title", "author", "body", "draft", "head", "base", "fork")
                              if k in data}
    if "files" in data:
        fields["files"] = entries(data["files"])
    if "created_at" in data:
        fields["created_at"] = when(data["created_at"])
    if data.get("webhook", True):
        return reply(delivery_json(await sim.open_pull(data["repo"], **fields)), 201)
    return reply({"number": sim.add_pull(data["repo"], **fields)}, 201)


async def finish_pull(request: web.Request) -> web.Response:
    """POST /_sim/pulls/{number}/merge {repo, by?, push?} or /close {repo, by?}

    With `push: true` a merge also delivers the `push` of the merge commit to the base
    branch, as GitHub does.
    """
    sim = sim_of(request)
    data = await body_of(request)
    number = int(request.match_info["number"])
    if request.match_info["action"] == "merge":
        delivery = await sim.merge_pull(data["repo"], number, by=data.get("by"), push=bool(data.get("push")))
    else:
        delivery = await sim.close_pull(data["repo"], number, by=data.get("by"))
    return reply(delivery_json(delivery))


async def push_to_pull(request: web.Request) -> web.Response:
    """POST /_sim/pulls/{number}/push {repo, files, author?, message?}: a commit to the PR's head,
    delivered as `pull_request.synchronize`."""
    data = await body_of(request)
    delivery = await sim_of(request).push_to_pull(
        data["repo"], int(request.match_info["number"]), entries(data["files"]),
        author=data.get("author"), message=data.get("message", "Update files"))
    return reply(delivery_json(delivery), 201)


async def list_deliveries(request: web.Request) -> web.Response:
    """GET /_sim/deliveries"""
    return reply([delivery_json(d) for d in sim_of(request).deliveries])


async def redeliver(request: web.Request) -> web.Response:
    """POST /_sim/deliveries/{id}/redeliver: send the same delivery again."""
    sim = sim_of(request)
    wanted = request.match_info["id"]
    original = next((d for d in sim.deliveries if d.id == wanted), None)
    if original is None:
        raise web.HTTPNotFound(text="no such delivery")
    return reply(delivery_json(await sim.redeliver(original)))


# observing and breaking ------------------------------------------------------


async def list_calls(request: web.Request) -> web.Response:
    """GET /_sim/calls?method=&pattern=&writes=1"""
    sim = sim_of(request)
    calls = sim.writes() if request.query.get("writes") else sim.calls
    if "pattern" in request.query:
        calls = [c for c in sim.calls_matching(request.query.get("method", "*"), request.query["pattern"])
                 if c in calls]
    return reply([asdict(c) for c in calls])


async def clear_calls(request: web.Request) -> web.Response:
    """DELETE /_sim/calls"""
    sim_of(request).reset_calls()
    return reply({"ok": True})


async def list_violations(request: web.Request) -> web.Response:
    """GET /_sim/violations"""
    return reply(sim_of(request).violations)


async def add_fault(request: web.Request) -> web.Response:
    """POST /_sim/faults {method, pattern, status?, times?, fraction?, latency?, drop?, secondary?, retry_after?}"""
    faults = sim_of(request).faults
    data = await body_of(request)
    method, pattern = data.get("method", "*"), data.get("pattern", "**")
    if data.get("secondary"):
        fault = faults.secondary_rate_limit(method, pattern, times=data.get("times", 1),
                                            status=data.get("status", 403), retry_after=data.get("retry_after", 60),
                                            fraction=data.get("fraction"))
    else:
        fault = faults.add(method, pattern, data.get("status", 500), times=data.get("times", 1),
                           fraction=data.get("fraction"), latency=data.get("latency", 0.0),
                           drop=data.get("drop", False))
    return reply(asdict(fault), 201)


async def clear_faults(request: web.Request) -> web.Response:
    """DELETE /_sim/faults"""
    sim_of(request).faults.clear()
    return reply({"ok": True})


def add_routes(router: web.UrlDispatcher) -> None:
    """Register the admin routes."""
    for method, path, handler in [
        ("GET", "/_sim/state", get_state),
        ("POST", "/_sim/state", put_state),
        ("POST", "/_sim/users", add_user),
        ("POST", "/_sim/repos", add_repo),
        ("POST", "/_sim/permissions", set_permission),
        ("POST", "/_sim/tokens", add_token),
        ("POST", "/_sim/apps", register_app),
        ("POST", "/_sim/config", configure),
        ("POST", "/_sim/clock", set_clock),
        ("POST", "/_sim/webhook", set_webhook),
        ("POST", "/_sim/push", push),
        ("POST", "/_sim/comments", comment),
        ("PATCH", "/_sim/comments/{id}", edit_comment),
        ("POST", "/_sim/issues", open_issue),
        ("PATCH", "/_sim/issues/{number}", edit_issue),
        ("POST", "/_sim/issues/{number}/{action:close|reopen}", change_issue_state),
        ("POST", "/_sim/issues/{number}/assignees", assign_issue),
        ("POST", "/_sim/pulls", open_pull),
        ("POST", "/_sim/pulls/{number}/{action:merge|close}", finish_pull),
        ("POST", "/_sim/pulls/{number}/push", push_to_pull),
        ("GET", "/_sim/deliveries", list_deliveries),
        ("POST", "/_sim/deliveries/{id}/redeliver", redeliver),
        ("GET", "/_sim/calls", list_calls),
        ("DELETE", "/_sim/calls", clear_calls),
        ("GET", "/_sim/violations", list_violations),
        ("POST", "/_sim/faults", add_fault),
        ("DELETE", "/_sim/faults", clear_faults),
    ]:
        router.add_route(method, path, guarded(handler))


def guarded(handler: Handler) -> Handler:
    """Wrap an admin handler so bad input answers 400 saying what was wrong, not 500."""
    async def run(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except (KeyError, ValueError, TypeError, SimError) as error:
            return reply({"error": f"{type(error).__name__}: {error}"}, 400)

    run.__doc__ = handler.__doc__
    return run
