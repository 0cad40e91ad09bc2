"""REST handlers for GitHub App authentication and rate limits."""

from __future__ import annotations

from aiohttp import web

from .api_common import (
    body_of,
    paginate,
)
from .app import APP_KEY, TOKEN_KEY, json_response, sim_of
from .render import EPOCH
from .state import SimError, iso, not_found


async def list_installation_repos(request: web.Request) -> web.Response:
    """GET /installation/repositories (installation tokens list what they reach)"""
    sim = sim_of(request)
    token = request.get(TOKEN_KEY)
    repos = [r for r in sim.state.repos.values() if token is None or token.reaches(r.full_name)]
    chunk, headers = paginate(request, repos)
    return json_response({"total_count": len(repos), "repository_selection": "selected",
                          "repositories": [sim.render.repo(r, full=False) for r in chunk]}, headers=headers)




async def list_installations(request: web.Request) -> web.Response:
    """GET /app/installations (app JWT only): one installation per id the repositories name"""
    sim = sim_of(request)
    if APP_KEY not in request:
        raise SimError(401, "A JSON web token could not be decoded")
    owners: dict[int, str] = {}
    for repo in sim.state.repos.values():
        if repo.installation_id is not None:
            owners.setdefault(repo.installation_id, repo.owner)
    chunk, headers = paginate(request, sorted(owners.items()))
    records = [sim.payloads.installation_record(i, owner) for i, owner in chunk]
    for record in records:  # this listing's description of the account predates the field
        record["account"].pop("user_view_type", None)
    return json_response(records, headers=headers)


async def create_installation_token(request: web.Request) -> web.Response:
    """POST /app/installations/{installation_id}/access_tokens (app JWT only)"""
    sim = sim_of(request)
    if APP_KEY not in request:
        raise SimError(401, "A JSON web token could not be decoded")
    installation_id = int(request.match_info["installation_id"])
    repos = [r for r in sim.state.repos.values() if r.installation_id == installation_id]
    if not repos:
        raise not_found()
    wanted = body_of(request).get("repositories")
    names = [r.full_name for r in repos if wanted is None or r.name in wanted]
    token = sim.auth.issue_installation_token(installation_id, request[APP_KEY].bot_login, names)
    return json_response({
        "token": token.value,
        "expires_at": iso(token.expires_at),
        "permissions": {"contents": "read", "issues": "write", "metadata": "read", "pull_requests": "read"},
        "repository_selection": "selected",
    }, 201)


async def get_repo_installation(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/installation (app JWT only)"""
    sim = sim_of(request)
    if APP_KEY not in request:
        raise SimError(401, "A JSON web token could not be decoded")
    repo = sim.state.repo(f"{request.match_info['owner']}/{request.match_info['repo']}")
    if repo.installation_id is None:
        raise not_found()
    record = sim.payloads.installation_record(repo.installation_id, repo.owner)
    return json_response(record)


async def get_app(request: web.Request) -> web.Response:
    """GET /app (app JWT only)"""
    sim = sim_of(request)
    app = request.get(APP_KEY)
    if app is None:
        raise SimError(401, "A JSON web token could not be decoded")
    owner = next(iter(sim.state.repos.values())).owner if sim.state.repos else "octocat"
    epoch = iso(EPOCH)
    return json_response({
        "id": app.app_id, "slug": app.slug, "node_id": f"A_{app.app_id}", "client_id": f"Iv1.{app.app_id}",
        "owner": sim.render.some_user(owner), "name": app.slug, "description": "",
        "external_url": "https://example.invalid", "html_url": f"https://github.com/apps/{app.slug}",
        "created_at": epoch, "updated_at": epoch,
        "permissions": {"contents": "read", "issues": "write", "metadata": "read", "pull_requests": "read"},
        "events": ["issue_comment", "issues", "pull_request", "push"],
    })


async def rate_limit(request: web.Request) -> web.Response:
    """GET /rate_limit"""
    auth = sim_of(request).auth

    def bucket(name: str) -> dict[str, int]:
        limit = auth.limit(name)
        assert limit.reset_at is not None
        return {"limit": limit.limit, "remaining": max(limit.limit - limit.used, 0), "used": limit.used,
                "reset": int(limit.reset_at.timestamp())}

    return json_response({"resources": {"core": bucket("core"), "search": bucket("search")},
                          "rate": bucket("core")})


