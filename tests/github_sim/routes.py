"""REST handlers of the simulated GitHub, one per operation."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlencode

from aiohttp import web

from . import git, search
from .app import APP_KEY, JSON_KEY, TOKEN_KEY, json_response, sim_of
from .render import EPOCH
from .state import Commit, Issue, Repo, SimError, iso, not_found, tree_sha, validation_failed

ISSUE_STATES = ("open", "closed", "all")
RAW_MEDIA_TYPE = "application/vnd.github.raw"
MAX_BODY = 65536
SUB_ISSUES_LIMIT = 100


# helpers ---------------------------------------------------------------------


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
        return datetime.fromisoformat(value)
    except ValueError as error:
        raise validation_failed("Issue", "since") from error


# repositories, users, permissions -------------------------------------------


async def get_repo(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}"""
    return json_response(sim_of(request).render.repo(repo_of(request)))


async def get_user(request: web.Request) -> web.Response:
    """GET /users/{username}"""
    sim = sim_of(request)
    user = sim.state.user(request.match_info["username"], create=False)
    return json_response(sim.render.public_user(user))


LEGACY_PERMISSION = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read"}
PERMISSION_FLAGS = ("pull", "triage", "push", "maintain", "admin")


async def get_permission(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/collaborators/{username}/permission"""
    sim = sim_of(request)
    repo = repo_of(request)
    user = sim.state.user(request.match_info["username"], create=False)
    role = repo.role_of(user.login) or ("none" if repo.private else "read")
    rendered = sim.render.some_user(user.login) | {"permissions": permission_flags(role), "role_name": role}
    return json_response({"permission": LEGACY_PERMISSION.get(role, "none"), "role_name": role,
                          "user": rendered})


def permission_flags(role: str) -> dict[str, bool]:
    """Return the `permissions` hash GitHub derives from a role ("none" grants nothing)."""
    rank = ("read", "triage", "write", "maintain", "admin").index(role) if role != "none" else -1
    return {flag: rank >= level for level, flag in enumerate(PERMISSION_FLAGS)}


async def list_collaborators(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/collaborators (the owner plus everyone given a role)"""
    sim = sim_of(request)
    repo = repo_of(request)
    roles = {repo.owner: "admin"} | repo.roles
    wanted = request.query.get("permission")
    rendered = [sim.render.some_user(login) | {"permissions": permission_flags(role), "role_name": role}
                for login, role in roles.items()
                if wanted is None or permission_flags(role).get(wanted, False)]
    return page_response(request, rendered)


async def list_contributors(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/contributors (commit authors, most commits first)"""
    sim = sim_of(request)
    repo = repo_of(request)
    counts: dict[str, int] = {}
    for commit in repo.commits.values():
        counts[commit.author] = counts.get(commit.author, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return page_response(request, [sim.render.some_user(login) | {"contributions": n} for login, n in ranked])


async def list_installation_repos(request: web.Request) -> web.Response:
    """GET /installation/repositories (installation tokens list what they reach)"""
    sim = sim_of(request)
    token = request.get(TOKEN_KEY)
    repos = [r for r in sim.state.repos.values() if token is None or token.reaches(r.full_name)]
    chunk, headers = paginate(request, repos)
    return json_response({"total_count": len(repos), "repository_selection": "selected",
                          "repositories": [sim.render.repo(r, full=False) for r in chunk]}, headers=headers)


async def check_assignee(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/assignees/{assignee}: 204 when assignable, else 404."""
    repo = repo_of(request)
    login = request.match_info["assignee"]
    role = repo.role_of(login) or repo.role_of(login.lower())
    if role is None or role == "read":
        raise not_found()
    return web.Response(status=204)


# files, commits, trees -------------------------------------------------------


async def get_content(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/contents/{path}?ref="""
    sim = sim_of(request)
    repo = repo_of(request)
    path = unquote(request.match_info["path"]).strip("/")
    commit = repo.resolve(request.query.get("ref") or repo.default_branch)
    if path not in commit.tree:
        raise not_found()
    if RAW_MEDIA_TYPE in request.headers.get("Accept", ""):
        return web.Response(text=commit.tree[path], content_type=RAW_MEDIA_TYPE, charset="utf-8")
    return json_response(sim.render.content_file(repo, commit, path))


async def get_commit(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/commits/{ref}"""
    sim = sim_of(request)
    repo = repo_of(request)
    commit = repo.resolve(unquote(request.match_info["ref"]))
    parent = repo.commits.get(commit.parents[0]) if commit.parents else None
    changes = git.file_changes(parent.tree if parent else {}, commit.tree)
    files = [sim.render.diff_entry(repo, change, commit) for change in changes]
    return json_response(sim.render.commit(repo, commit, files=files))


async def list_commits(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/commits?sha=&path="""
    sim = sim_of(request)
    repo = repo_of(request)
    head = repo.resolve(request.query.get("sha") or repo.default_branch)
    path = request.query.get("path")
    commits = [repo.commits[sha] for sha in git.ancestors(repo, head.sha)]
    if path:
        commits = [c for c in commits if touches(repo, c, path)]
    return page_response(request, [sim.render.commit(repo, c) for c in commits])


def touches(repo: Repo, commit: Commit, path: str) -> bool:
    """Say whether a commit changed `path`."""
    parent = repo.commits.get(commit.parents[0]) if commit.parents else None
    return (parent.tree.get(path) if parent else None) != commit.tree.get(path)


async def compare(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/compare/{base}...{head}"""
    sim = sim_of(request)
    repo = repo_of(request)
    base_ref, sep, head_ref = unquote(request.match_info["basehead"]).partition("...")
    if not sep:
        raise not_found()
    base, head = repo.resolve(base_ref), repo.resolve(head_ref)
    status, ahead, behind, commits, merge_base = git.compare(repo, base, head)
    changes = git.file_changes(merge_base.tree, head.tree)
    html = f"https://github.com/{repo.full_name}/compare/{base_ref}...{head_ref}"
    return json_response({
        "url": f"{sim.url}/repos/{repo.full_name}/compare/{base_ref}...{head_ref}",
        "html_url": html,
        "permalink_url": f"https://github.com/{repo.full_name}/compare/{base.sha}...{head.sha}",
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "base_commit": sim.render.commit(repo, base),
        "merge_base_commit": sim.render.commit(repo, merge_base),
        "status": status,
        "ahead_by": ahead,
        "behind_by": behind,
        "total_commits": len(commits),
        "commits": [sim.render.commit(repo, c) for c in commits],
        "files": [sim.render.diff_entry(repo, change, head) for change in changes],
    })


async def get_tree(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/git/trees/{tree_sha}?recursive=1"""
    sim = sim_of(request)
    repo = repo_of(request)
    wanted = unquote(request.match_info["tree_sha"])
    by_tree = {tree_sha(c.tree): c for c in repo.commits.values()}
    commit = by_tree.get(wanted) or repo.resolve(wanted)
    recursive = request.query.get("recursive") not in (None, "", "0", "false")
    return json_response(sim.render.tree(repo, commit, recursive=recursive))


async def list_commit_comments(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/commits/{commit_sha}/comments"""
    sim = sim_of(request)
    repo = repo_of(request)
    commit = repo.resolve(request.match_info["commit_sha"])
    found = [c for c in sim.commit_comments(repo.full_name) if c.commit_sha == commit.sha]
    return page_response(request, [sim.render.commit_comment(c) for c in found])


async def create_commit_comment(request: web.Request) -> web.Response:
    """POST /repos/{owner}/{repo}/commits/{commit_sha}/comments"""
    sim = sim_of(request)
    repo = repo_of(request)
    data = body_of(request)
    if not isinstance(data.get("body"), str):
        raise validation_failed("CommitComment", "body", "missing_field")
    comment = sim.add_commit_comment(repo, request.match_info["commit_sha"], caller(request), data["body"],
                                     data.get("path"), data.get("line"), data.get("position"))
    return json_response(sim.render.commit_comment(comment), 201)


async def pulls_for_commit(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls"""
    sim = sim_of(request)
    repo = repo_of(request)
    sha = repo.resolve(request.match_info["commit_sha"]).sha
    found = [i for i in repo.issues.values() if i.pull and sha in (i.pull.head_sha, i.pull.merge_commit_sha)]
    return page_response(request, [sim.render.pull(repo, i, simple=True) for i in found])


# issues ----------------------------------------------------------------------


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
    sim.deliver_later("issues", sim.payloads.issue(repo, issue, "opened", issue.user))
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
    was_state = issue.state
    body = text_body(data, "Issue", required=False)
    changes = sim.change_issue(issue, caller(request), title=data.get("title"), body=body,
                               state=state, state_reason=reason,
                               labels=string_list(data, "labels", "Issue"), assignees=assignees)
    if changes:
        sim.deliver_later("issues", sim.payloads.issue(repo, issue, "edited", caller(request), changes))
    if issue.state != was_state:
        action = "closed" if issue.state == "closed" else "reopened"
        sim.deliver_later("issues", sim.payloads.issue(repo, issue, action, caller(request)))
    return json_response(sim.render.issue(repo, issue))


# comments --------------------------------------------------------------------


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


# reactions -------------------------------------------------------------------


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


# labels and assignees --------------------------------------------------------


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
    issue.assignees += [x for x in logins if repo.role_of(x) not in (None, "read") and x not in issue.assignees]
    issue.updated_at = sim.clock.now()
    return json_response(sim.render.issue(repo, issue), 201)


async def remove_assignees(request: web.Request) -> web.Response:
    """DELETE /repos/{owner}/{repo}/issues/{issue_number}/assignees"""
    sim = sim_of(request)
    repo = repo_of(request)
    issue = issue_of(request, repo)
    logins = {x.lower() for x in string_list(body_of(request), "assignees", "Issue") or []}
    issue.assignees = [x for x in issue.assignees if x.lower() not in logins]
    return json_response(sim.render.issue(repo, issue))


# sub-issues ------------------------------------------------------------------


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


# pull requests ---------------------------------------------------------------


def sorted_pulls(request: web.Request, repo: Repo) -> list[Issue]:
    """Filter and order pull requests like `GET /pulls`."""
    q = request.query
    state = q.get("state", "open")
    if state not in ISSUE_STATES:
        raise validation_failed("PullRequest", "state")
    found = [i for i in repo.issues.values() if i.pull and state in ("all", i.state)
             and q.get("head", f"{repo.owner}:{i.pull.head}").split(":")[-1] == i.pull.head
             and q.get("base", i.pull.base) == i.pull.base]
    sort = q.get("sort", "created")
    key = {"updated": lambda i: i.updated_at}.get(sort, lambda i: (i.created_at, i.number))
    return sorted(found, key=key, reverse=q.get("direction", "desc") != "asc")


async def list_pulls(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/pulls"""
    sim = sim_of(request)
    repo = repo_of(request)
    return page_response(request, [sim.render.pull(repo, i, simple=True) for i in sorted_pulls(request, repo)])


async def get_pull(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/pulls/{pull_number}"""
    repo = repo_of(request)
    issue = issue_of(request, repo, "pull_number")
    if not issue.is_pull:
        raise not_found()
    return json_response(sim_of(request).render.pull(repo, issue))


# search ----------------------------------------------------------------------


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
             if token is None or token.reaches(i.repo)]
    chunk, headers = paginate(request, found)
    items = [sim.render.search_item(sim.state.repo(i.repo), i) for i in chunk]
    return json_response({"total_count": len(found), "incomplete_results": False, "items": items,
                          "search_type": "lexical"}, headers=headers)


# apps and rate limits --------------------------------------------------------


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
    installed = [r for r in sim.state.repos.values() if r.installation_id == repo.installation_id]
    record = sim.payloads.installation_record(repo.installation_id, repo.owner, installed)
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


def add_routes(router: web.UrlDispatcher) -> None:
    """Register every REST route the simulator serves."""
    r = "/repos/{owner}/{repo}"
    i = r + "/issues/{issue_number:\\d+}"
    c = r + "/issues/comments/{comment_id:\\d+}"
    table: list[tuple[str, str, Any]] = [
        ("GET", "/app", get_app),
        ("POST", "/app/installations/{installation_id}/access_tokens", create_installation_token),
        ("GET", "/installation/repositories", list_installation_repos),
        ("GET", "/rate_limit", rate_limit),
        ("GET", "/search/issues", search_issues),
        ("GET", "/users/{username}", get_user),
        ("GET", r, get_repo),
        ("GET", r + "/installation", get_repo_installation),
        ("GET", r + "/assignees/{assignee}", check_assignee),
        ("GET", r + "/collaborators", list_collaborators),
        ("GET", r + "/collaborators/{username}/permission", get_permission),
        ("GET", r + "/contributors", list_contributors),
        ("GET", r + "/contents/{path:.+}", get_content),
        ("GET", r + "/commits", list_commits),
        ("GET", r + "/commits/{commit_sha}/comments", list_commit_comments),
        ("POST", r + "/commits/{commit_sha}/comments", create_commit_comment),
        ("GET", r + "/commits/{commit_sha}/pulls", pulls_for_commit),
        ("GET", r + "/commits/{ref:.+}", get_commit),
        ("GET", r + "/compare/{basehead:.+}", compare),
        ("GET", r + "/git/trees/{tree_sha:.+}", get_tree),
        ("GET", r + "/issues", list_issues),
        ("POST", r + "/issues", create_issue),
        ("GET", r + "/issues/comments", list_repo_comments),
        ("GET", c, get_comment),
        ("PATCH", c, update_comment),
        ("DELETE", c, delete_comment),
        ("GET", c + "/reactions", comment_reactions),
        ("POST", c + "/reactions", react_to_comment),
        ("GET", i, get_issue),
        ("PATCH", i, update_issue),
        ("GET", i + "/comments", list_comments),
        ("POST", i + "/comments", create_comment),
        ("GET", i + "/labels", issue_labels),
        ("POST", i + "/labels", add_labels),
        ("PUT", i + "/labels", set_labels),
        ("DELETE", i + "/labels/{name}", remove_label),
        ("POST", i + "/assignees", add_assignees),
        ("DELETE", i + "/assignees", remove_assignees),
        ("GET", i + "/reactions", issue_reactions),
        ("POST", i + "/reactions", react_to_issue),
        ("GET", i + "/sub_issues", list_sub_issues),
        ("POST", i + "/sub_issues", add_sub_issue),
        ("DELETE", i + "/sub_issue", remove_sub_issue),
        ("GET", i + "/parent", get_parent),
        ("GET", r + "/labels", list_repo_labels),
        ("POST", r + "/labels", create_label),
        ("GET", r + "/pulls", list_pulls),
        ("GET", r + "/pulls/{pull_number:\\d+}", get_pull),
    ]
    for method, path, handler in table:
        router.add_route(method, path, handler)
