"""REST handlers for labels, assignees and sub-issues."""

from __future__ import annotations

from urllib.parse import unquote

from aiohttp import web

from .api_common import (
    body_of,
    caller,
    issue_of,
    page_response,
    repo_of,
    string_list,
)
from .app import JSON_KEY, json_response, sim_of
from .state import SimError, not_found, validation_failed

SUB_ISSUES_LIMIT = 100




async def list_repo_labels(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/labels"""
    sim = sim_of(request)
    repo = repo_of(request)
    return page_response(request, [sim.render.label(repo, label) for label in repo.labels.values()])


async def create_label(request: web.Request) -> web.Response:
    """POST /repos/{owner}/{repo}/labels"""
    sim = sim_of(request)
    repo = repo_of(request)
    data = body_of(request)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise validation_failed("Label", "name", "missing_field")
    if name.lower() in repo.labels:
        raise validation_failed("Label", "name", "already_exists")
    color = str(data.get("color", "ededed")).lstrip("#")
    if len(color) != 6 or any(ch not in "0123456789abcdefABCDEF" for ch in color):
        raise validation_failed("Label", "color")
    label = sim.ensure_labels(repo, [name], color=color, description=data.get("description"))[0]
    return json_response(sim.render.label(repo, label), 201)


async def issue_labels(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/issues/{issue_number}/labels"""
    sim = sim_of(request)
    repo = repo_of(request)
    return page_response(request, sim.render.issue_labels(repo, issue_of(request, repo)))


def labels_in(request: web.Request) -> list[str]:
    """Read the label names of an add/set-labels body (a list or `{labels: [...]}`)."""
    data = request.get(JSON_KEY)
    if isinstance(data, dict):
        data = data.get("labels", [])
    names = string_list({"labels": data}, "labels", "Label")
    return names or []


async def add_labels(request: web.Request) -> web.Response:
    """POST /repos/{owner}/{repo}/issues/{issue_number}/labels"""
    sim = sim_of(request)
    repo = repo_of(request)
    issue = issue_of(request, repo)
    names = [label.name for label in sim.ensure_labels(repo, labels_in(request))]
    issue.labels += [n for n in names if n.lower() not in {x.lower() for x in issue.labels}]
    issue.updated_at = sim.clock.now()
    return json_response(sim.render.issue_labels(repo, issue))


async def set_labels(request: web.Request) -> web.Response:
    """PUT /repos/{owner}/{repo}/issues/{issue_number}/labels"""
    sim = sim_of(request)
    repo = repo_of(request)
    issue = issue_of(request, repo)
    issue.labels = [label.name for label in sim.ensure_labels(repo, labels_in(request))]
    return json_response(sim.render.issue_labels(repo, issue))


async def remove_label(request: web.Request) -> web.Response:
    """DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}"""
    sim = sim_of(request)
    repo = repo_of(request)
    issue = issue_of(request, repo)
    name = unquote(request.match_info["name"]).lower()
    if name not in {n.lower() for n in issue.labels}:
        raise SimError(404, "Label does not exist")
    issue.labels = [n for n in issue.labels if n.lower() != name]
    return json_response(sim.render.issue_labels(repo, issue))


async def add_assignees(request: web.Request) -> web.Response:
    """POST /repos/{owner}/{repo}/issues/{issue_number}/assignees (unassignable logins are ignored)"""
    sim = sim_of(request)
    repo = repo_of(request)
    issue = issue_of(request, repo)
    logins = string_list(body_of(request), "assignees", "Issue") or []
    before = list(issue.assignees)
    issue.assignees += [x for x in logins if repo.role_of(x) not in (None, "read") and x not in issue.assignees]
    issue.updated_at = sim.clock.now()
    for payload in sim.assignment_events(repo, issue, before, caller(request)):
        sim.deliver_later("issues", payload)
    return json_response(sim.render.issue(repo, issue), 201)


async def remove_assignees(request: web.Request) -> web.Response:
    """DELETE /repos/{owner}/{repo}/issues/{issue_number}/assignees"""
    sim = sim_of(request)
    repo = repo_of(request)
    issue = issue_of(request, repo)
    logins = {x.lower() for x in string_list(body_of(request), "assignees", "Issue") or []}
    before = list(issue.assignees)
    issue.assignees = [x for x in issue.assignees if x.lower() not in logins]
    for payload in sim.assignment_events(repo, issue, before, caller(request)):
        sim.deliver_later("issues", payload)
    return json_response(sim.render.issue(repo, issue))




def sub_issue_id(request: web.Request) -> int:
    """Read `sub_issue_id` (the issue's id, not its number) from the body."""
    value = body_of(request).get("sub_issue_id")
    if not isinstance(value, int) or isinstance(value, bool):
        raise validation_failed("Issue", "sub_issue_id")
    return value


async def list_sub_issues(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/issues/{issue_number}/sub_issues"""
    sim = sim_of(request)
    repo = repo_of(request)
    issue = issue_of(request, repo)
    subs = sim.sub_issues(repo.full_name, issue.number)
    return page_response(request, [sim.render.issue(sim.state.repo(s.repo), s) for s in subs])


async def add_sub_issue(request: web.Request) -> web.Response:
    """POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues"""
    sim = sim_of(request)
    repo = repo_of(request)
    parent = issue_of(request, repo)
    if len(parent.sub_issue_ids) >= SUB_ISSUES_LIMIT:
        raise validation_failed("Issue", "sub_issue_id", "custom")
    sim.add_sub_issue(parent, sub_issue_id(request), bool(body_of(request).get("replace_parent")))
    return json_response(sim.render.issue(repo, parent), 201,
                         {"Location": f"{sim.url}/repos/{repo.full_name}/issues/{parent.number}/sub_issues"})


async def remove_sub_issue(request: web.Request) -> web.Response:
    """DELETE /repos/{owner}/{repo}/issues/{issue_number}/sub_issue"""
    sim = sim_of(request)
    repo = repo_of(request)
    parent = issue_of(request, repo)
    child = sim.remove_sub_issue(parent, sub_issue_id(request))
    return json_response(sim.render.issue(sim.state.repo(child.repo), child))


async def get_parent(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/issues/{issue_number}/parent"""
    sim = sim_of(request)
    issue = issue_of(request, repo_of(request))
    parent = sim.state.issue_by_id(issue.parent_id) if issue.parent_id else None
    if parent is None:
        raise not_found()
    return json_response(sim.render.issue(sim.state.repo(parent.repo), parent))


