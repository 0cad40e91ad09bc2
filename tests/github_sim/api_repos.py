"""REST handlers for repositories, people, files, commits and pull requests."""

from __future__ import annotations

import posixpath
from urllib.parse import unquote

from aiohttp import web

from . import git
from .api_common import (
    ISSUE_STATES,
    body_of,
    caller,
    issue_of,
    page_response,
    repo_of,
)
from .app import TOKEN_KEY, json_response, sim_of
from .state import Commit, Issue, Repo, SimError, blob_sha, not_found, tree_sha, validation_failed

RAW_MEDIA_TYPE = "application/vnd.github.raw"




async def get_repo(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}"""
    return json_response(sim_of(request).render.repo(repo_of(request)))


async def get_user(request: web.Request) -> web.Response:
    """GET /users/{username}"""
    sim = sim_of(request)
    user = sim.state.user(request.match_info["username"], create=False)
    return json_response(sim.render.public_user(user))


async def get_authenticated_user(request: web.Request) -> web.Response:
    """GET /user (a personal token's user; app and Actions tokens are refused, as on GitHub)"""
    sim = sim_of(request)
    token = request.get(TOKEN_KEY)
    if token is None:
        raise SimError(401, "Requires authentication")
    if token.installation_id is not None or token.login.endswith("[bot]"):
        raise SimError(403, "Resource not accessible by integration")
    return json_response(sim.render.public_user(sim.state.user(token.login)))


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


async def list_assignees(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/assignees: everyone who may be assigned (triage or more)."""
    sim = sim_of(request)
    repo = repo_of(request)
    roles = {repo.owner: "admin"} | repo.roles
    return page_response(request, [sim.render.some_user(login) for login, role in roles.items()
                                   if role not in ("read", "none")])


async def check_assignee(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/assignees/{assignee}: 204 when assignable, else 404."""
    repo = repo_of(request)
    login = request.match_info["assignee"]
    role = repo.role_of(login) or repo.role_of(login.lower())
    if role is None or role == "read":
        raise not_found()
    return web.Response(status=204)




async def get_content(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/contents/{path}?ref="""
    sim = sim_of(request)
    repo = repo_of(request)
    path = unquote(request.match_info["path"]).strip("/")
    commit = repo.resolve(request.query.get("ref") or repo.default_branch)
    if path not in commit.tree:
        listing = sim.render.content_dir(repo, commit, path)
        if not listing:
            raise not_found()
        return json_response(listing)
    kind = commit.kinds.get(path)
    if kind == "symlink":
        # GitHub answers with the file a link points at when that is a file of the repository.
        target = posixpath.normpath(posixpath.join(posixpath.dirname(path), commit.tree[path]))
        if target in commit.tree and target not in commit.kinds:
            path = target
        else:
            return json_response(sim.render.content_symlink(repo, commit, path))
    elif kind == "submodule":
        return json_response(sim.render.content_submodule(repo, commit, path))
    if RAW_MEDIA_TYPE in request.headers.get("Accept", ""):
        return web.Response(text=commit.tree[path], content_type=RAW_MEDIA_TYPE, charset="utf-8")
    return json_response(sim.render.content_file(repo, commit, path))


async def get_commit(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/commits/{ref}"""
    sim = sim_of(request)
    repo = repo_of(request)
    commit = repo.resolve(unquote(request.match_info["ref"]))
    parent = repo.commits.get(commit.parents[0]) if commit.parents else None
    changes = git.commit_changes(parent, commit)
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
    changes = git.commit_changes(merge_base, head)
    html = f"{sim.render.html}/{repo.full_name}/compare/{base_ref}...{head_ref}"
    return json_response({
        "url": f"{sim.url}/repos/{repo.full_name}/compare/{base_ref}...{head_ref}",
        "html_url": html,
        "permalink_url": f"{sim.render.html}/{repo.full_name}/compare/{base.sha}...{head.sha}",
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


async def get_blob(request: web.Request) -> web.Response:
    """GET /repos/{owner}/{repo}/git/blobs/{file_sha}"""
    sim = sim_of(request)
    repo = repo_of(request)
    wanted = request.match_info["file_sha"]
    texts = {blob_sha(t): t for c in repo.commits.values() for t in c.tree.values()}
    if wanted not in texts:
        raise not_found()
    return json_response(sim.render.blob(repo, texts[wanted]))


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


