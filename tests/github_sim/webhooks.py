"""Build webhook payloads from simulator state and deliver them the way GitHub does."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp

from .auth import App
from .render import EPOCH, Renderer
from .state import Comment, Commit, Issue, Repo, iso, node_id, tree_sha

HOOK_ID = 424242
USER_AGENT = "GitHub-Hookshot/sim"
DELIVERY_TIMEOUT = 10  # GitHub gives up on a webhook after 10 seconds


@dataclass
class Delivery:
    """One webhook delivery: what was sent and how the receiver answered.

    `status` is None when no webhook target was set (the payload was only built) or the
    receiver could not be reached (then `error` says why).
    """

    id: str
    event: str
    payload: dict[str, Any]
    body: bytes
    headers: dict[str, str]
    status: int | None = None
    response: str = ""
    error: str | None = None
    attempts: list[int | None] = field(default_factory=list)

    @property
    def action(self) -> str | None:
        """Return the payload's `action`, if any."""
        return self.payload.get("action")


def signature(secret: str, body: bytes) -> str:
    """Return the `X-Hub-Signature-256` value for a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def make_delivery(event: str, payload: dict[str, Any], secret: str | None,
                  target_id: int, target_type: str = "integration") -> Delivery:
    """Serialize and sign a payload into a delivery with GitHub's headers."""
    body = json.dumps(payload).encode()
    delivery_id = str(uuid.uuid4())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id,
        "X-GitHub-Hook-ID": str(HOOK_ID),
        "X-GitHub-Hook-Installation-Target-ID": str(target_id),
        "X-GitHub-Hook-Installation-Target-Type": target_type,
    }
    if secret is not None:
        headers["X-Hub-Signature-256"] = signature(secret, body)
    return Delivery(delivery_id, event, payload, body, headers)


async def post_delivery(session: aiohttp.ClientSession, url: str, delivery: Delivery) -> Delivery:
    """POST a delivery to `url` and return a copy carrying the receiver's answer."""
    try:
        timeout = aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT)
        async with session.post(url, data=delivery.body, headers=delivery.headers, timeout=timeout) as answer:
            text = await answer.text()
            status: int | None = answer.status
            error = None
    except (aiohttp.ClientError, asyncio.TimeoutError) as problem:
        status, text, error = None, "", f"{type(problem).__name__}: {problem}"
    return replace(delivery, status=status, response=text, error=error,
                   attempts=[*delivery.attempts, status])


class Payloads:
    """Build the payload of each webhook event from the simulator's records."""

    def __init__(self, render: Renderer, app: App | None) -> None:
        self.render = render
        self.app = app or App(1, "", "minutes-bot")

    def common(self, repo: Repo, sender: str) -> dict[str, Any]:
        """Return the `repository`, `sender` and `installation` keys every repository event has."""
        data: dict[str, Any] = {"repository": self.render.repo(repo, full=False) | {"custom_properties": {}},
                                "sender": self.render.some_user(sender)}
        if repo.installation_id is not None:
            data["installation"] = {"id": repo.installation_id, "node_id": f"MDIzOkludGVncmF0aW9u{repo.installation_id}"}
        return data

    def push(self, repo: Repo, before: str, commits: list[Commit], branch: str, pusher: str,
             changes: list[list[dict[str, Any]]]) -> dict[str, Any]:
        """Build a `push` payload for `commits` (oldest first) with each commit's file changes."""
        head = commits[-1] if commits else None
        after = head.sha if head else "0" * 40
        entries = [self.push_commit(repo, c, files) for c, files in zip(commits, changes, strict=True)]
        user = self.render.state.user(pusher)
        return {
            "ref": f"refs/heads/{branch}",
            "before": before,
            "after": after,
            "created": before == "0" * 40,
            "deleted": head is None,
            "forced": False,
            "base_ref": None,
            "compare": f"{self.render.html}/{repo.full_name}/compare/{before[:12]}...{after[:12]}",
            "commits": entries,
            "head_commit": entries[-1] if entries else None,
            "pusher": {"name": user.login, "email": f"{user.login}@users.noreply.github.com"},
            **self.common(repo, pusher),
            "repository": self.push_repository(repo),
        }

    def push_commit(self, repo: Repo, commit: Commit, files: list[dict[str, Any]]) -> dict[str, Any]:
        """Describe one pushed commit with the paths it added, modified and removed."""
        def paths(*statuses: str) -> list[str]:
            return [f["filename"] for f in files if f["status"] in statuses]

        identity = self.render.git_user(commit.author, commit.date)
        person = {"name": identity["name"], "email": identity["email"], "username": commit.author}
        return {
            "id": commit.sha,
            "tree_id": tree_sha(commit.tree),
            "distinct": True,
            "message": commit.message,
            "timestamp": iso(commit.date),
            "url": f"{self.render.html}/{repo.full_name}/commit/{commit.sha}",
            "author": person,
            "committer": person,
            "added": paths("added", "renamed"),
            "removed": paths("removed") + [f["previous_filename"] for f in files if f["status"] == "renamed"],
            "modified": paths("modified", "changed"),
        }

    def push_repository(self, repo: Repo) -> dict[str, Any]:
        """Render the repository the way push payloads do (epoch times, `stargazers`, `master_branch`)."""
        data = self.render.repo(repo, full=False) | {"custom_properties": {}}
        created = repo.created_at.timestamp()
        pushed = (repo.pushed_at or repo.created_at).timestamp()
        return data | {"created_at": int(created), "pushed_at": int(pushed), "stargazers": 0,
                       "master_branch": repo.default_branch,
                       "owner": self.render.some_user(repo.owner) | {"name": repo.owner, "email": None}}

    def issue(self, repo: Repo, issue: Issue, action: str, sender: str,
              changes: dict[str, Any] | None = None) -> dict[str, Any]:
        """Build an `issues` payload."""
        data: dict[str, Any] = {"action": action, "issue": self.webhook_issue(repo, issue)}
        if changes is not None:
            data["changes"] = changes
        return data | self.common(repo, sender)

    def assignment(self, repo: Repo, issue: Issue, action: str, assignee: str, sender: str) -> dict[str, Any]:
        """Build an `issues.assigned` or `issues.unassigned` payload for one login."""
        return ({"action": action, "issue": self.webhook_issue(repo, issue),
                 "assignee": self.render.some_user(assignee)} | self.common(repo, sender))

    def webhook_issue(self, repo: Repo, issue: Issue) -> dict[str, Any]:
        """Render an issue as webhook payloads carry it."""
        data = self.render.issue(repo, issue)
        data.pop("closed_by", None)
        data.setdefault("draft", False)
        return data

    def comment(self, repo: Repo, issue: Issue, comment: Comment, action: str, sender: str,
                old_body: str | None = None) -> dict[str, Any]:
        """Build an `issue_comment` payload; `old_body` fills `changes.body.from` on edits."""
        data: dict[str, Any] = {"action": action, "issue": self.webhook_issue(repo, issue),
                                "comment": self.render.comment(comment)}
        if action == "edited":
            data["changes"] = {"body": {"from": old_body or ""}}
        return data | self.common(repo, sender)

    def pull_request(self, repo: Repo, issue: Issue, action: str, sender: str) -> dict[str, Any]:
        """Build a `pull_request` payload."""
        pull = self.render.pull(repo, issue)
        for side in ("head", "base"):
            pull[side]["repo"]["custom_properties"] = {}
        return {"action": action, "number": issue.number, "pull_request": pull} | self.common(repo, sender)

    def installation_record(self, installation_id: int, account: str) -> dict[str, Any]:
        """Render the `installation` object of installation events."""
        now = iso(EPOCH)
        return {
            "id": installation_id,
            "account": self.render.some_user(account),
            "repository_selection": "selected",
            "access_tokens_url": f"{self.render.api}/app/installations/{installation_id}/access_tokens",
            "repositories_url": f"{self.render.api}/installation/repositories",
            "html_url": f"{self.render.html}/settings/installations/{installation_id}",
            "app_id": self.app.app_id,
            "app_slug": self.app.slug,
            "target_id": self.render.state.user(account).id,
            "target_type": self.render.state.user(account).type,
            "permissions": {"contents": "read", "issues": "write", "metadata": "read",
                            "pull_requests": "read"},
            "events": ["issue_comment", "issues", "pull_request", "push"],
            "created_at": now,
            "updated_at": now,
            "single_file_name": None,
            "suspended_at": None,
            "suspended_by": None,
        }

    def short_repo(self, repo: Repo) -> dict[str, Any]:
        """Render the short repository entries of installation events."""
        return {"id": repo.id, "node_id": node_id("R_", repo.id), "name": repo.name,
                "full_name": repo.full_name, "private": repo.private}

    def installation(self, action: str, installation_id: int, account: str, repos: list[Repo],
                     sender: str) -> dict[str, Any]:
        """Build an `installation` payload (created, deleted, ...)."""
        return {"action": action,
                "installation": self.installation_record(installation_id, account),
                "repositories": [self.short_repo(r) for r in repos],
                "requester": None,
                "sender": self.render.some_user(sender)}

    def installation_repositories(self, action: str, installation_id: int, account: str,
                                  repos: list[Repo], sender: str) -> dict[str, Any]:
        """Build an `installation_repositories` payload (added or removed)."""
        listed = [self.short_repo(r) for r in repos]
        return {"action": action,
                "installation": self.installation_record(installation_id, account),
                "repository_selection": "selected",
                "repositories_added": listed if action == "added" else [],
                "repositories_removed": listed if action == "removed" else [],
                "requester": None,
                "sender": self.render.some_user(sender)}

    def ping(self, sender: str) -> dict[str, Any]:
        """Build a `ping` payload for the app's webhook."""
        now = iso(EPOCH)
        return {
            "zen": "Keep it logically awesome.",
            "hook_id": HOOK_ID,
            "hook": {
                "type": "App", "id": HOOK_ID, "name": "web", "active": True,
                "events": ["issue_comment", "issues", "pull_request", "push"],
                "config": {"content_type": "json", "insecure_ssl": "0", "url": "https://example.invalid/webhook"},
                "updated_at": now, "created_at": now, "app_id": self.app.app_id,
                "deliveries_url": f"{self.render.api}/app/hook/deliveries",
            },
            "sender": self.render.some_user(sender),
        }
