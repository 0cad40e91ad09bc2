"""REST handlers for issues, comments, reactions and search."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from . import search
from .api_common import (
    ISSUE_STATES,
    body_of,
    caller,
    issue_of,
    page_response,
    paginate,
    parse_since,
    repo_of,
    string_list,
    text_body,
)
from .app import TOKEN_KEY, json_response, sim_of
from .state import Issue, Repo, not_found, validation_failed

if TYPE_CHECKING:
    from .sim import GitHubSim


def filter_issues(request: web.Request, repo: Repo) -> list[Issue]:
    """Apply the list-issues filters and ordering to a repository's issues."""
    q = request.query
    state = q.get("state", "open")
    if state not in ISSUE_STATES:
        raise validation_failed("Issue", "state")
    labels = {name.strip().lower() for name in q.get("labels", "").split(",") if name.strip()}
    since = parse_since(q.get("since"))
    found = [
        i for i in repo.issues.values()
        if state in ("all", i.state)
        and labels <= {name.lower() for name in i.labels}
        and q.get("creator", i.user).lower() == i.user.lower()
        and assignee_matches(q.get("assignee"), i)
        and (since is None or i.updated_at >= since)
    ]
    key = {"updated": lambda i: i.updated_at, "comments": lambda i: i.number}.get(
        q.get("sort", "created"), lambda i: (i.created_at, i.number))
    return sorted(found, key=key, reverse=q.get("direction", "desc") != "asc")


def assignee_matches(wanted: str | None, issue: Issue) -> bool:
    """Apply the `assignee` filter: a login, `none` or `*`."""
    if wanted is None:
        return True
    if wanted in ("*", "none"):
        return bool(issue.assignees) == (wanted == "*")
    return wanted.lower() in (a.lower() for a in issue.assignees)


async def list_issues(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/issues (pull requests included, as on GitHub)"""
    sim = sim_of(request)
    repo = repo_of(request)
    return page_response(request, [sim.render.issue(repo, i) for i in filter_issues(request, repo)])


async def get_issue(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/issues/{issue_number}"""
    repo = repo_of(request)
    return json_response(sim_of(request).render.issue(repo, issue_of(request, repo)))


def check_assignable(repo: Repo, logins: list[str] | None) -> None:
    """Refuse assignees without at least triage access, as GitHub does."""
    for login in logins or []:
        if repo.role_of(login) in (None, "read"):
            raise validation_failed("Issue", "assignees")


async def create_issue(request: web.Request) -> web.Response:
    """POST /repos/{owner}/{repo}/issues"""
    sim = sim_of(request)
    repo = repo_of(request)
    data = body_of(request)
    title = data.get("title")
    if not isinstance(title, str | int) or str(title) == "":
        raise validation_failed("Issue", "title", "missing_field")
    assignees = string_list(data, "assignees", "Issue") or ([data["assignee"]] if data.get("assignee") else [])
    check_assignable(repo, assignees)
    issue = sim.create_issue(repo, str(title), caller(request), body=text_body(data, "Issue", required=False),
                             labels=string_list(data, "labels", "Issue") or [], assignees=assignees)
    rendered = sim.render.issue(repo, issue)
    sim.announce_opened(repo, issue)
    return json_response(rendered, 201, {"Location": rendered["url"]})


async def update_issue(request: web.Request) -> web.Response:
    """PATCH /repos/{owner}/{repo}/issues/{issue_number}"""
    sim = sim_of(request)
    repo = repo_of(request)
    issue = issue_of(request, repo)
    data = body_of(request)
    state, reason = data.get("state"), data.get("state_reason")
    if state not in (None, "open", "closed"):
        raise validation_failed("Issue", "state")
    assignees = string_list(data, "assignees", "Issue")
    check_assignable(repo, assignees)
    was_state, was_assigned = issue.state, list(issue.assignees)
    body = text_body(data, "Issue", required=False)
    changes = sim.change_issue(issue, caller(request), title=data.get("title"), body=body,
                               state=state, state_reason=reason,
                               labels=string_list(data, "labels", "Issue"), assignees=assignees)
    if changes:
        sim.deliver_later("issues", sim.payloads.issue(repo, issue, "edited", caller(request), changes))
    if issue.state != was_state:
        action = "closed" if issue.state == "closed" else "reopened"
        sim.deliver_later("issues", sim.payloads.issue(repo, issue, action, caller(request)))
    for payload in sim.assignment_events(repo, issue, was_assigned, caller(request)):
        sim.deliver_later("issues", payload)
    return json_response(sim.render.issue(repo, issue))




async def list_comments(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/issues/{issue_number}/comments"""
    sim = sim_of(request)
    repo = repo_of(request)
    issue = issue_of(request, repo)
    since = parse_since(request.query.get("since"))
    found = [c for c in sim.comments(repo.full_name, issue.number) if since is None or c.updated_at >= since]
    return page_response(request, [sim.render.comment(c) for c in found])


async def list_repo_comments(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/issues/comments"""
    sim = sim_of(request)
    repo = repo_of(request)
    since = parse_since(request.query.get("since"))
    found = [c for c in sim.state.comments.values()
             if c.repo == repo.full_name and (since is None or c.updated_at >= since)]
    key = (lambda c: c.updated_at) if request.query.get("sort") == "updated" else (lambda c: c.created_at)
    found.sort(key=key, reverse=request.query.get("direction") == "desc")
    return page_response(request, [sim.render.comment(c) for c in found])


async def create_comment(request: web.Request) -> web.Response:
    """POST /repos/{owner}/{repo}/issues/{issue_number}/comments"""
    sim = sim_of(request)
    repo = repo_of(request)
    issue = issue_of(request, repo)
    body = text_body(body_of(request), "IssueComment", required=True)
    assert body is not None
    comment = sim.create_comment(repo, issue.number, caller(request), body)
    rendered = sim.render.comment(comment)
    sim.deliver_later("issue_comment", sim.payloads.comment(repo, issue, comment, "created", comment.user))
    return json_response(rendered, 201, {"Location": rendered["url"]})


async def get_comment(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/issues/comments/{comment_id}"""
    sim = sim_of(request)
    repo = repo_of(request)
    return json_response(sim.render.comment(sim.state.comment(repo.full_name, comment_id(request))))


def comment_id(request: web.Request) -> int:
    """Read the comment id from the path."""
    try:
        return int(request.match_info["comment_id"])
    except ValueError as error:
        raise not_found() from error


async def update_comment(request: web.Request) -> web.Response:
    """PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}"""
    sim = sim_of(request)
    repo = repo_of(request)
    comment = sim.state.comment(repo.full_name, comment_id(request))
    body = text_body(body_of(request), "IssueComment", required=True)
    assert body is not None
    old, comment.body, comment.updated_at = comment.body, body, sim.clock.now()
    issue = repo.issues[comment.issue_number]
    sim.deliver_later("issue_comment", sim.payloads.comment(repo, issue, comment, "edited", caller(request), old))
    return json_response(sim.render.comment(comment))


async def delete_comment(request: web.Request) -> web.Response:
    """DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}"""
    sim = sim_of(request)
    repo = repo_of(request)
    comment = sim.state.comment(repo.full_name, comment_id(request))
    del sim.state.comments[comment.id]
    return web.Response(status=204)




async def react(request: web.Request, subject: str) -> web.Response:
    """Create a reaction on `subject`: 201 when new, 200 when it already existed."""
    sim = sim_of(request)
    repo = repo_of(request)
    content = body_of(request).get("content")
    reaction, new = sim.react(repo, subject, caller(request), str(content))
    return json_response(sim.render.reaction(reaction), 201 if new else 200)


async def list_reactions(request: web.Request, subject: str) -> web.Response:
    """List the reactions on `subject`, optionally of one `content`."""
    sim = sim_of(request)
    repo = repo_of(request)
    content = request.query.get("content")
    found = [r for r in sim.state.reactions if r.repo == repo.full_name and r.subject == subject
             and content in (None, r.content)]
    return page_response(request, [sim.render.reaction(r) for r in found])


async def react_to_comment(request: web.Request) -> web.Response:
    """POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"""
    sim_of(request).state.comment(repo_of(request).full_name, comment_id(request))
    return await react(request, f"comment:{comment_id(request)}")


async def comment_reactions(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"""
    sim_of(request).state.comment(repo_of(request).full_name, comment_id(request))
    return await list_reactions(request, f"comment:{comment_id(request)}")


async def react_to_issue(request: web.Request) -> web.Response:
    """POST /repos/{owner}/{repo}/issues/{issue_number}/reactions"""
    issue = issue_of(request, repo_of(request))
    return await react(request, f"issue:{issue.number}")


async def issue_reactions(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/issues/{issue_number}/reactions"""
    issue = issue_of(request, repo_of(request))
    return await list_reactions(request, f"issue:{issue.number}")




def indexed(sim: GitHubSim, issue: Issue) -> bool:
    """Say whether the search index has caught up with the issue's last change."""
    if not sim.search_lag:  # no lag: everything is searchable, whatever the clock says
        return True
    return issue.updated_at <= sim.clock.now() - timedelta(seconds=sim.search_lag)


async def search_issues(request: web.Request) -> web.Response:
    """GET /search/issues"""
    sim = sim_of(request)
    q = request.query.get("q", "")
    if not q:
        raise validation_failed("Search", "q", "missing")
    if sim.search_requires_type:
        search.require_type(q)
    token = request.get(TOKEN_KEY)
    found = [i for i in search.search(sim.state, q, sort=request.query.get("sort"),
                                      order=request.query.get("order", "desc"))
             if (token is None or token.reaches(i.repo)) and indexed(sim, i)]
    chunk, headers = paginate(request, found)
    items = [sim.render.search_item(sim.state.repo(i.repo), i) for i in chunk]
    return json_response({"total_count": len(found), "incomplete_results": False, "items": items,
                          "search_type": "lexical"}, headers=headers)


