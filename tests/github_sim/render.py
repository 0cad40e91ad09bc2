"""Render simulator records as the JSON GitHub's REST API returns."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any
from urllib.parse import quote

from bot.compat import UTC

from .state import (
    REACTIONS,
    Comment,
    Commit,
    CommitComment,
    Issue,
    Label,
    Reaction,
    Repo,
    State,
    User,
    blob_sha,
    iso,
    node_id,
    tree_sha,
)

HTML = "https://github.com"
CONTENTS_LIMIT = 1024 * 1024  # bytes; larger files come from the contents API without content
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)  # creation time of records made without one
DOCS = "https://docs.github.com/rest"
REPO_URL_TEMPLATES = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}


class Renderer:
    """Build REST JSON from state; API URLs point at the simulator, page URLs at `html_url`."""

    def __init__(self, state: State, api_url: str, html_url: str = HTML) -> None:
        self.state = state
        self.api = api_url.rstrip("/")
        self.html = html_url.rstrip("/")

    # users -----------------------------------------------------------------

    def user(self, login: str | None) -> dict[str, Any] | None:
        """Render a `simple-user` (None stays None)."""
        if login is None:
            return None
        user = self.state.user(login)
        url = f"{self.api}/users/{user.login}"
        return {
            "login": user.login,
            "id": user.id,
            "node_id": node_id("U_", user.id),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{user.id}?v=4",
            "gravatar_id": "",
            "url": url,
            "html_url": f"{self.html}/{user.login}",
            "followers_url": f"{url}/followers",
            "following_url": f"{url}/following{{/other_user}}",
            "gists_url": f"{url}/gists{{/gist_id}}",
            "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{url}/subscriptions",
            "organizations_url": f"{url}/orgs",
            "repos_url": f"{url}/repos",
            "events_url": f"{url}/events{{/privacy}}",
            "received_events_url": f"{url}/received_events",
            "type": user.type,
            "user_view_type": "public",
            "site_admin": False,
        }

    def public_user(self, user: User) -> dict[str, Any]:
        """Render a `public-user` profile, as `GET /users/{login}` answers."""
        created = iso(user.created_at or EPOCH)
        return {
            **self.some_user(user.login),
            "name": user.name,
            "company": None,
            "blog": "",
            "location": None,
            "email": user.email,
            "hireable": None,
            "bio": None,
            "twitter_username": None,
            "public_repos": sum(r.owner == user.login for r in self.state.repos.values()),
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": created,
            "updated_at": created,
        }

    def some_user(self, login: str) -> dict[str, Any]:
        """Render a user that is known to exist."""
        rendered = self.user(login)
        assert rendered is not None
        return rendered

    # repositories ----------------------------------------------------------

    def repo(self, repo: Repo, *, full: bool = True) -> dict[str, Any]:
        """Render a `full-repository` (or the plain `repository` with `full=False`)."""
        url = f"{self.api}/repos/{repo.full_name}"
        html = f"{self.html}/{repo.full_name}"
        open_count = sum(i.state == "open" for i in repo.issues.values())
        data: dict[str, Any] = {
            "id": repo.id,
            "node_id": node_id("R_", repo.id),
            "name": repo.name,
            "full_name": repo.full_name,
            "owner": self.user(repo.owner),
            "private": repo.private,
            "html_url": html,
            "description": repo.description,
            "fork": False,
            "url": url,
            **{key: url + suffix for key, suffix in REPO_URL_TEMPLATES.items()},
            "git_url": f"git://github.com/{repo.full_name}.git",
            "ssh_url": f"git@github.com:{repo.full_name}.git",
            "clone_url": f"{html}.git",
            "svn_url": html,
            "mirror_url": None,
            "homepage": None,
            "language": None,
            "forks_count": 0,
            "forks": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "watchers": 0,
            "size": self.repo_size(repo),
            "default_branch": repo.default_branch,
            "open_issues_count": open_count,
            "open_issues": open_count,
            "is_template": False,
            "topics": [],
            "has_issues": True,
            "has_projects": True,
            "has_wiki": True,
            "has_pages": False,
            "has_downloads": True,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "visibility": "private" if repo.private else "public",
            "pushed_at": iso(repo.pushed_at or repo.created_at),
            "created_at": iso(repo.created_at),
            "updated_at": iso(repo.pushed_at or repo.created_at),
            "license": None,
            "allow_forking": True,
            "web_commit_signoff_required": False,
        }
        if full:
            data |= {"network_count": 0, "subscribers_count": 0}
        return data

    def repo_size(self, repo: Repo) -> int:
        """Return the size of the default branch in KB, as `size` reports it."""
        head = repo.head()
        return sum(len(text) for text in head.tree.values()) // 1024 if head else 0

    # commits and files ---------------------------------------------------

    def git_user(self, login: str, date: Any) -> dict[str, Any]:
        """Render a commit author/committer identity."""
        user = self.state.user(login)
        return {"name": user.name or user.login, "email": f"{user.login}@users.noreply.github.com",
                "date": iso(date)}

    def commit(self, repo: Repo, commit: Commit, *, files: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Render a `commit`; pass `files` to include the per-file changes."""
        url = f"{self.api}/repos/{repo.full_name}/commits/{commit.sha}"
        data: dict[str, Any] = {
            "url": url,
            "sha": commit.sha,
            "node_id": node_id("C_", int(commit.sha[:8], 16)),
            "html_url": f"{self.html}/{repo.full_name}/commit/{commit.sha}",
            "comments_url": f"{url}/comments",
            "commit": {
                "url": f"{self.api}/repos/{repo.full_name}/git/commits/{commit.sha}",
                "author": self.git_user(commit.author, commit.date),
                "committer": self.git_user(commit.author, commit.date),
                "message": commit.message,
                "comment_count": sum(c.commit_sha == commit.sha for c in self.state.commit_comments.values()),
                "tree": {"sha": tree_sha(commit.tree),
                         "url": f"{self.api}/repos/{repo.full_name}/git/trees/{tree_sha(commit.tree)}"},
                "verification": {"verified": False, "reason": "unsigned", "payload": None,
                                 "signature": None, "verified_at": None},
            },
            "author": self.user(commit.author),
            "committer": self.user(commit.author),
            "parents": [
                {"sha": sha, "url": f"{self.api}/repos/{repo.full_name}/commits/{sha}",
                 "html_url": f"{self.html}/{repo.full_name}/commit/{sha}"}
                for sha in commit.parents
            ],
        }
        if files is not None:
            additions = sum(f["additions"] for f in files)
            deletions = sum(f["deletions"] for f in files)
            data["stats"] = {"additions": additions, "deletions": deletions, "total": additions + deletions}
            data["files"] = files
        return data

    def diff_entry(self, repo: Repo, change: dict[str, Any], head: Commit) -> dict[str, Any]:
        """Render one `diff-entry` of a commit or comparison."""
        path = change["filename"]
        text = head.tree.get(path, "")
        entry = {
            "sha": blob_sha(text) if path in head.tree else "0" * 40,
            "filename": path,
            "status": change["status"],
            "additions": change["additions"],
            "deletions": change["deletions"],
            "changes": change["additions"] + change["deletions"],
            "blob_url": f"{self.html}/{repo.full_name}/blob/{head.sha}/{path}",
            "raw_url": f"{self.html}/{repo.full_name}/raw/{head.sha}/{path}",
            "contents_url": f"{self.api}/repos/{repo.full_name}/contents/{path}?ref={head.sha}",
            "patch": change["patch"],
        }
        if "previous_filename" in change:
            entry["previous_filename"] = change["previous_filename"]
        return entry

    def content_file(self, repo: Repo, commit: Commit, path: str) -> dict[str, Any]:
        """Render a file as `content-file` with base64 content, as `GET .../contents/{path}` does."""
        text = commit.tree[path]
        sha = blob_sha(text)
        url = f"{self.api}/repos/{repo.full_name}/contents/{path}?ref={commit.sha}"
        git_url = f"{self.api}/repos/{repo.full_name}/git/blobs/{sha}"
        html = f"{self.html}/{repo.full_name}/blob/{commit.sha}/{path}"
        large = len(text.encode()) > CONTENTS_LIMIT  # GitHub leaves such files to the blobs API
        encoded = "" if large else base64.encodebytes(text.encode()).decode()
        return {
            "type": "file",
            "encoding": "none" if large else "base64",
            "size": len(text.encode()),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "content": encoded,
            "sha": sha,
            "url": url,
            "git_url": git_url,
            "html_url": html,
            "download_url": f"https://raw.githubusercontent.com/{repo.full_name}/{commit.sha}/{path}",
            "_links": {"self": url, "git": git_url, "html": html},
        }

    def content_symlink(self, repo: Repo, commit: Commit, path: str) -> dict[str, Any]:
        """Render a link whose target is no file of the repository (`content-symlink`)."""
        return self._content_other(repo, commit, path, "symlink") | {"target": commit.tree[path]}

    def content_submodule(self, repo: Repo, commit: Commit, path: str) -> dict[str, Any]:
        """Render a submodule (`content-submodule`): the commit it points at."""
        entry = self._content_other(repo, commit, path, "submodule")
        return entry | {"sha": commit.tree[path], "submodule_git_url": "https://github.com/octo-org/octo-lib.git",
                        "download_url": None, "size": 0}

    def _content_other(self, repo: Repo, commit: Commit, path: str, kind: str) -> dict[str, Any]:
        text = commit.tree[path]
        sha = blob_sha(text)
        url = f"{self.api}/repos/{repo.full_name}/contents/{path}?ref={commit.sha}"
        git_url = f"{self.api}/repos/{repo.full_name}/git/blobs/{sha}"
        html = f"{self.html}/{repo.full_name}/blob/{commit.sha}/{path}"
        return {"type": kind, "size": len(text.encode()), "name": path.rsplit("/", 1)[-1], "path": path,
                "sha": sha, "url": url, "git_url": git_url, "html_url": html, "download_url": None,
                "_links": {"self": url, "git": git_url, "html": html}}

    def content_dir(self, repo: Repo, commit: Commit, folder: str) -> list[dict[str, Any]]:
        """Render a directory listing (`content-directory`) of the entries right under `folder`."""
        prefix = f"{folder}/" if folder else ""
        names = sorted({p[len(prefix):].split("/")[0] for p in commit.tree if p.startswith(prefix)})
        return [self.content_entry(repo, commit, prefix + name) for name in names]

    def content_entry(self, repo: Repo, commit: Commit, path: str) -> dict[str, Any]:
        """Render one entry of a directory listing (a file or a folder)."""
        if path in commit.tree:
            entry = self.content_file(repo, commit, path)
            del entry["content"], entry["encoding"]
            return entry
        inside = {p[len(path) + 1:]: t for p, t in commit.tree.items() if p.startswith(path + "/")}
        sha = tree_sha(inside)
        url = f"{self.api}/repos/{repo.full_name}/contents/{path}?ref={commit.sha}"
        git_url = f"{self.api}/repos/{repo.full_name}/git/trees/{sha}"
        html = f"{self.html}/{repo.full_name}/tree/{commit.sha}/{path}"
        return {"type": "dir", "size": 0, "name": path.rsplit("/", 1)[-1], "path": path, "sha": sha,
                "url": url, "git_url": git_url, "html_url": html, "download_url": None,
                "_links": {"self": url, "git": git_url, "html": html}}

    def blob(self, repo: Repo, text: str) -> dict[str, Any]:
        """Render a git `blob` with base64 content."""
        sha = blob_sha(text)
        return {"sha": sha, "node_id": node_id("B_", int(sha[:8], 16)), "size": len(text.encode()),
                "url": f"{self.api}/repos/{repo.full_name}/git/blobs/{sha}",
                "content": base64.encodebytes(text.encode()).decode(), "encoding": "base64"}

    def tree(self, repo: Repo, commit: Commit, *, recursive: bool) -> dict[str, Any]:
        """Render a `git-tree` of a snapshot (only top-level entries unless `recursive`)."""
        entries: dict[str, dict[str, Any]] = {}
        for path, text in sorted(commit.tree.items()):
            parts = path.split("/")
            for depth in range(1, len(parts)):
                folder = "/".join(parts[:depth])
                if folder not in entries and (recursive or depth == 1):
                    inside = {p[len(folder) + 1:]: t for p, t in commit.tree.items() if p.startswith(folder + "/")}
                    entries[folder] = self.tree_entry(repo, folder, "tree", tree_sha(inside))
            if (recursive or len(parts) == 1) and commit.kinds.get(path) == "submodule":
                entries[path] = self.tree_entry(repo, path, "commit", text) | {"mode": "160000"}
            elif recursive or len(parts) == 1:
                entries[path] = self.tree_entry(repo, path, "blob", blob_sha(text), len(text.encode()))
                if commit.kinds.get(path) == "symlink":
                    entries[path]["mode"] = "120000"
        sha = tree_sha(commit.tree)
        return {"sha": sha, "url": f"{self.api}/repos/{repo.full_name}/git/trees/{sha}",
                "tree": [entries[key] for key in sorted(entries)], "truncated": False}

    def tree_entry(self, repo: Repo, path: str, kind: str, sha: str, size: int | None = None) -> dict[str, Any]:
        """Render one entry of a git tree."""
        entry: dict[str, Any] = {"path": path, "mode": "040000" if kind == "tree" else "100644",
                                 "type": kind, "sha": sha,
                                 "url": f"{self.api}/repos/{repo.full_name}/git/{kind}s/{sha}"}
        if size is not None:
            entry["size"] = size
        return entry

    # issues, comments, labels, reactions --------------------------------

    def label(self, repo: Repo, label: Label) -> dict[str, Any]:
        """Render a `label`."""
        return {
            "id": label.id,
            "node_id": node_id("LA_", label.id),
            "url": f"{self.api}/repos/{repo.full_name}/labels/{quote(label.name, safe='')}",
            "name": label.name,
            "description": label.description,
            "color": label.color,
            "default": label.default,
        }

    def issue_labels(self, repo: Repo, issue: Issue) -> list[dict[str, Any]]:
        """Render the labels on an issue."""
        return [self.label(repo, repo.labels[name.lower()]) for name in issue.labels]

    def reaction_rollup(self, url: str, subject: str, repo: str) -> dict[str, Any]:
        """Render the `reactions` summary of an issue or comment."""
        mine = [r for r in self.state.reactions if r.subject == subject and r.repo.lower() == repo.lower()]
        counts = {content: sum(r.content == content for r in mine) for content in REACTIONS}
        return {"url": f"{url}/reactions", "total_count": len(mine), **counts}

    def association(self, repo: Repo, login: str) -> str:
        """Return the `author_association` GitHub would show for `login` on `repo`."""
        if login == repo.owner:
            return "OWNER"
        if repo.roles.get(login):
            return "COLLABORATOR"
        if any(c.author == login for c in repo.commits.values()):
            return "CONTRIBUTOR"
        return "NONE"

    def issue(self, repo: Repo, issue: Issue) -> dict[str, Any]:
        """Render an `issue` (pull requests carry the `pull_request` key)."""
        url = f"{self.api}/repos/{repo.full_name}/issues/{issue.number}"
        kind = "pull" if issue.is_pull else "issues"
        subs = [self.state.issue_by_id(i) for i in issue.sub_issue_ids]
        done = sum(1 for s in subs if s is not None and s.state == "closed")
        data: dict[str, Any] = {
            "id": issue.id,
            "node_id": node_id("PR_" if issue.is_pull else "I_", issue.id),
            "url": url,
            "repository_url": f"{self.api}/repos/{repo.full_name}",
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": f"{self.html}/{repo.full_name}/{kind}/{issue.number}",
            "number": issue.number,
            "state": issue.state,
            "state_reason": issue.state_reason,
            "title": issue.title,
            "body": issue.body,
            "user": self.user(issue.user),
            "labels": self.issue_labels(repo, issue),
            "assignee": self.user(issue.assignees[0]) if issue.assignees else None,
            "assignees": [self.user(login) for login in issue.assignees],
            "milestone": None,
            "locked": issue.locked,
            "active_lock_reason": None,
            "comments": sum(1 for c in self.state.comments.values()
                            if c.repo == repo.full_name and c.issue_number == issue.number),
            "closed_at": iso(issue.closed_at),
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_by": self.user(issue.closed_by),
            "author_association": self.association(repo, issue.user),
            "reactions": self.reaction_rollup(url, f"issue:{issue.number}", repo.full_name),
            "timeline_url": f"{url}/timeline",
            "performed_via_github_app": None,
        }
        if not issue.is_pull:
            data["sub_issues_summary"] = {"total": len(subs), "completed": done,
                                          "percent_completed": 100 * done // len(subs) if subs else 0}
            parent = self.state.issue_by_id(issue.parent_id) if issue.parent_id else None
            if parent is not None:
                data["parent_issue_url"] = f"{self.api}/repos/{parent.repo}/issues/{parent.number}"
        else:
            assert issue.pull is not None
            pull_url = f"{self.api}/repos/{repo.full_name}/pulls/{issue.number}"
            html = f"{self.html}/{repo.full_name}/pull/{issue.number}"
            data["draft"] = issue.pull.draft
            data["pull_request"] = {"url": pull_url, "html_url": html, "diff_url": f"{html}.diff",
                                    "patch_url": f"{html}.patch", "merged_at": iso(issue.pull.merged_at)}
        return data

    def search_item(self, repo: Repo, issue: Issue) -> dict[str, Any]:
        """Render an `issue-search-result-item`."""
        data = self.issue(repo, issue)
        for key in ("closed_by", "parent_issue_url"):
            data.pop(key, None)
        if data["body"] is None:  # the search schema, unlike the issue one, has no null body
            del data["body"]
        return data | {"score": 1.0}

    def comment(self, comment: Comment) -> dict[str, Any]:
        """Render an `issue-comment`."""
        repo = self.state.repo(comment.repo)
        url = f"{self.api}/repos/{repo.full_name}/issues/comments/{comment.id}"
        issue = repo.issues[comment.issue_number]
        kind = "pull" if issue.is_pull else "issues"
        return {
            "id": comment.id,
            "node_id": node_id("IC_", comment.id),
            "url": url,
            "html_url": f"{self.html}/{repo.full_name}/{kind}/{comment.issue_number}#issuecomment-{comment.id}",
            "body": comment.body,
            "user": self.user(comment.user),
            "created_at": iso(comment.created_at),
            "updated_at": iso(comment.updated_at),
            "issue_url": f"{self.api}/repos/{repo.full_name}/issues/{comment.issue_number}",
            "author_association": self.association(repo, comment.user),
            "performed_via_github_app": None,
            "reactions": self.reaction_rollup(url, f"comment:{comment.id}", repo.full_name),
        }

    def commit_comment(self, comment: CommitComment) -> dict[str, Any]:
        """Render a `commit-comment`."""
        repo = self.state.repo(comment.repo)
        url = f"{self.api}/repos/{repo.full_name}/comments/{comment.id}"
        return {
            "html_url": f"{self.html}/{repo.full_name}/commit/{comment.commit_sha}#commitcomment-{comment.id}",
            "url": url,
            "id": comment.id,
            "node_id": node_id("CC_", comment.id),
            "body": comment.body,
            "path": comment.path,
            "position": comment.position,
            "line": comment.line,
            "commit_id": comment.commit_sha,
            "user": self.user(comment.user),
            "created_at": iso(comment.created_at),
            "updated_at": iso(comment.created_at),
            "author_association": self.association(repo, comment.user),
            "reactions": self.reaction_rollup(url, f"commit_comment:{comment.id}", repo.full_name),
        }

    def reaction(self, reaction: Reaction) -> dict[str, Any]:
        """Render a `reaction`."""
        return {
            "id": reaction.id,
            "node_id": node_id("REA_", reaction.id),
            "user": self.user(reaction.user),
            "content": reaction.content,
            "created_at": iso(reaction.created_at),
        }

    # pull requests --------------------------------------------------------

    def pull(self, repo: Repo, issue: Issue, *, simple: bool = False) -> dict[str, Any]:
        """Render a `pull-request` (or `pull-request-simple` for listings)."""
        assert issue.pull is not None
        pull = issue.pull
        api = f"{self.api}/repos/{repo.full_name}"
        url = f"{api}/pulls/{issue.number}"
        html = f"{self.html}/{repo.full_name}/pull/{issue.number}"
        base_commit = repo.head(pull.base)
        data: dict[str, Any] = {
            "url": url,
            "id": issue.id,
            "node_id": node_id("PR_", issue.id),
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": f"{api}/issues/{issue.number}",
            "commits_url": f"{url}/commits",
            "review_comments_url": f"{url}/comments",
            "review_comment_url": f"{api}/pulls/comments{{/number}}",
            "comments_url": f"{api}/issues/{issue.number}/comments",
            "statuses_url": f"{api}/statuses/{pull.head_sha}",
            "number": issue.number,
            "state": issue.state,
            "locked": issue.locked,
            "title": issue.title,
            "user": self.user(issue.user),
            "body": issue.body,
            "labels": self.issue_labels(repo, issue),
            "milestone": None,
            "active_lock_reason": None,
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso(issue.closed_at),
            "merged_at": iso(pull.merged_at),
            "merge_commit_sha": pull.merge_commit_sha,
            "assignee": self.user(issue.assignees[0]) if issue.assignees else None,
            "assignees": [self.user(login) for login in issue.assignees],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": self.branch_ref(self.state.repo(pull.fork) if pull.fork else repo, pull.head, pull.head_sha),
            "base": self.branch_ref(repo, pull.base, base_commit.sha if base_commit else pull.head_sha),
            "_links": {name: {"href": href} for name, href in {
                "self": url, "html": html, "issue": f"{api}/issues/{issue.number}",
                "comments": f"{api}/issues/{issue.number}/comments",
                "review_comments": f"{url}/comments", "review_comment": f"{api}/pulls/comments{{/number}}",
                "commits": f"{url}/commits", "statuses": f"{api}/statuses/{pull.head_sha}"}.items()},
            "author_association": self.association(repo, issue.user),
            "auto_merge": None,
            "draft": pull.draft,
        }
        if not simple:
            data |= {
                "merged": pull.merged,
                "mergeable": None if issue.state == "closed" else True,
                "rebaseable": None if issue.state == "closed" else True,
                "mergeable_state": "unknown" if issue.state == "closed" else "clean",
                "merged_by": self.user(pull.merged_by),
                "comments": sum(1 for c in self.state.comments.values()
                                if c.repo == repo.full_name and c.issue_number == issue.number),
                "review_comments": 0,
                "maintainer_can_modify": False,
                "commits": 1,
                "additions": 0,
                "deletions": 0,
                "changed_files": 0,
            }
        return data

    def branch_ref(self, repo: Repo, branch: str, sha: str) -> dict[str, Any]:
        """Render the `head`/`base` block of a pull request."""
        return {"label": f"{repo.owner}:{branch}", "ref": branch, "sha": sha,
                "user": self.user(repo.owner), "repo": self.repo(repo, full=False)}
