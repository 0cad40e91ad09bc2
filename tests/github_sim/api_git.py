"""REST handlers that write to a repository: branch refs, files, pull requests.

Refs are `refs/heads/<branch>` only (no tags). A commit made through the contents API
or a ref moved through the refs API moves the head of every open pull request of that
branch, as on GitHub; neither sends a `push` webhook here.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from . import git
from .api_common import body_of, caller, issue_of, repo_of, text_body
from .app import json_response, sim_of
from .state import (
    Commit,
    Issue,
    PullInfo,
    Repo,
    SimError,
    blob_sha,
    not_found,
    tree_sha,
    validation_failed,
)

HEADS = "refs/heads/"


def render_ref(request: web.Request, repo: Repo, branch: str) -> dict[str, Any]:
    """Render a `git-ref` for a branch."""
    sim = sim_of(request)
    sha = repo.branches[branch]
    api = f"{sim.url}/repos/{repo.full_name}/git"
    return {"ref": HEADS + branch, "node_id": f"REF_{blob_sha(branch)[:16]}",
            "url": f"{api}/refs/heads/{branch}",
            "object": {"type": "commit", "sha": sha, "url": f"{api}/commits/{sha}"}}


def branch_in_path(request: web.Request) -> str:
    """Return the branch a `heads/<branch>` ref in the path names; 404 for other refs."""
    ref = unquote(request.match_info["ref"]).removeprefix("refs/")
    if not ref.startswith("heads/"):
        raise not_found()
    return ref.removeprefix("heads/")


async def get_ref(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/git/ref/{ref}"""
    repo = repo_of(request)
    branch = branch_in_path(request)
    if branch not in repo.branches:
        raise not_found()
    return json_response(render_ref(request, repo, branch))


def sha_of(repo: Repo, data: dict[str, Any]) -> str:
    """Read the commit a ref is to point at; 422 as GitHub says when there is none such."""
    sha = data.get("sha")
    if not isinstance(sha, str):
        raise validation_failed("Reference", "sha", "missing_field")
    if sha not in repo.commits:
        raise SimError(422, "Object does not exist")
    return sha


async def create_ref(request: web.Request) -> web.Response:
    """POST /repos/{owner}/{repo}/git/refs"""
    repo = repo_of(request)
    data = body_of(request)
    ref = data.get("ref")
    if not isinstance(ref, str) or not ref.startswith(HEADS) or ref == HEADS:
        raise SimError(422, "Reference name must start with 'refs/' and have at least two slashes.")
    sha = sha_of(repo, data)
    branch = ref.removeprefix(HEADS)
    if branch in repo.branches:
        raise SimError(422, "Reference already exists")
    repo.branches[branch] = sha
    rendered = render_ref(request, repo, branch)
    return json_response(rendered, 201, {"Location": rendered["url"]})


async def update_ref(request: web.Request) -> web.Response:
    """PATCH /repos/{owner}/{repo}/git/refs/{ref} (`force` for a move that is no fast-forward)"""
    sim = sim_of(request)
    repo = repo_of(request)
    branch = branch_in_path(request)
    data = body_of(request)
    if branch not in repo.branches:
        raise SimError(422, "Reference does not exist")
    sha = sha_of(repo, data)
    if not data.get("force") and repo.branches[branch] not in git.ancestors(repo, sha):
        raise SimError(422, "Update is not a fast forward")
    repo.branches[branch] = sha
    move_pulls(sim.clock.now(), repo, branch)
    return json_response(render_ref(request, repo, branch))


def move_pulls(now: Any, repo: Repo, branch: str) -> None:
    """Point the open pull requests of `branch` at its new head."""
    for issue in repo.issues.values():
        if issue.pull and issue.state == "open" and issue.pull.head == branch and not issue.pull.fork:
            issue.pull.head_sha, issue.updated_at = repo.branches[branch], now


async def put_content(request: web.Request) -> web.Response:
    """PUT /repos/{owner}/{repo}/contents/{path}: create or update one file with a commit."""
    sim = sim_of(request)
    repo = repo_of(request)
    path = unquote(request.match_info["path"]).strip("/")
    data = body_of(request)
    message, content = data.get("message"), data.get("content")
    if not isinstance(message, str) or not message:
        raise validation_failed("Content", "message", "missing_field")
    text = decoded(content)
    branch = data.get("branch") or repo.default_branch
    head = repo.head(branch)
    if head is None:
        raise SimError(404, f"Branch {branch} not found")
    current = head.tree.get(path)
    if current is not None and path in head.kinds:
        raise SimError(422, f"{path} is not a file")
    sha = data.get("sha")
    if current is not None and sha is None:
        raise SimError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
    if current is not None and sha != blob_sha(current):
        raise SimError(409, f"{path} does not match {sha}")
    commit = git.commit_to(repo, {path: text}, author=caller(request), message=message, branch=branch,
                           date=sim.clock.now())
    move_pulls(sim.clock.now(), repo, branch)
    content_data = sim.render.content_file(repo, commit, path)
    del content_data["content"], content_data["encoding"]
    return json_response({"content": content_data, "commit": file_commit(request, repo, commit)},
                         201 if current is None else 200)


def decoded(content: Any) -> str:
    """Read base64 file content (the simulator keeps files as UTF-8 text)."""
    if not isinstance(content, str):
        raise validation_failed("Content", "content", "missing_field")
    try:
        return base64.b64decode(content, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise SimError(422, "content is not valid Base64") from error


def file_commit(request: web.Request, repo: Repo, commit: Commit) -> dict[str, Any]:
    """Render the `commit` half of a `file-commit`."""
    sim = sim_of(request)
    rendered = sim.render.commit(repo, commit)
    identity = sim.render.git_user(commit.author, commit.date)
    return {"sha": commit.sha, "node_id": rendered["node_id"],
            "url": f"{sim.url}/repos/{repo.full_name}/git/commits/{commit.sha}",
            "html_url": rendered["html_url"], "author": identity, "committer": identity,
            "message": commit.message,
            "tree": {"sha": tree_sha(commit.tree),
                     "url": f"{sim.url}/repos/{repo.full_name}/git/trees/{tree_sha(commit.tree)}"},
            "parents": rendered["parents"],
            "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None,
                             "verified_at": None}}


async def create_pull(request: web.Request) -> web.Response:
    """POST /repos/{owner}/{repo}/pulls (a branch of this repository; `owner:branch` too)"""
    sim = sim_of(request)
    repo = repo_of(request)
    data = body_of(request)
    head, base = data.get("head"), data.get("base")
    if not isinstance(head, str) or not isinstance(base, str):
        raise validation_failed("PullRequest", "head" if not isinstance(head, str) else "base", "missing_field")
    owner, _, branch = head.rpartition(":")
    if (owner and owner.lower() != repo.owner.lower()) or branch not in repo.branches:
        raise validation_failed("PullRequest", "head")
    if base not in repo.branches:
        raise validation_failed("PullRequest", "base")
    if any(i.pull and i.state == "open" and i.pull.head == branch and i.pull.base == base
           for i in repo.issues.values()):
        raise SimError(422, "Validation Failed", [{
            "resource": "PullRequest", "code": "custom",
            "message": f"A pull request already exists for {repo.owner}:{branch}."}])
    if git.commit_changes(repo.head(base), repo.commits[repo.branches[branch]]) == []:
        raise SimError(422, "Validation Failed", [{
            "resource": "PullRequest", "code": "custom",
            "message": f"No commits between {base} and {branch}"}])
    title = data.get("title")
    if not isinstance(title, str) or not title:
        raise validation_failed("PullRequest", "title", "missing_field")
    pull = PullInfo(head=branch, base=base, head_sha=repo.branches[branch], draft=bool(data.get("draft")))
    issue = sim.create_issue(repo, title, caller(request), body=text_body(data, "PullRequest", required=False),
                             pull=pull)
    rendered = sim.render.pull(repo, issue)
    sim.deliver_later("pull_request", sim.payloads.pull_request(repo, issue, "opened", issue.user))
    return json_response(rendered, 201, {"Location": rendered["url"]})


async def update_pull(request: web.Request) -> web.Response:
    """PATCH /repos/{owner}/{repo}/pulls/{pull_number}: title, body, state (open/closed)"""
    sim = sim_of(request)
    repo = repo_of(request)
    issue = pull_in_path(request, repo)
    data = body_of(request)
    state = data.get("state")
    if state not in (None, "open", "closed") or (state == "open" and issue.pull and issue.pull.merged):
        raise validation_failed("PullRequest", "state")
    before = {"title": issue.title, "body": issue.body}
    title = data.get("title")
    body = text_body(data, "PullRequest", required=False)
    changes = sim.change_issue(issue, caller(request), title=title if isinstance(title, str) else None,
                               body=body, state=state)
    if changes:
        edited = {k: {"from": before[k] or ""} for k in ("title", "body") if k in changes}
        payload = sim.payloads.pull_request(repo, issue, "edited", caller(request))
        sim.deliver_later("pull_request", payload | {"changes": edited})
    return json_response(sim.render.pull(repo, issue))


def pull_in_path(request: web.Request, repo: Repo) -> Issue:
    """Return the pull request numbered in the path; 404 for an issue."""
    issue = issue_of(request, repo, "pull_number")
    if not issue.is_pull:
        raise not_found()
    return issue
