"""The simulated GitHub: state, the HTTP server around it, and what users do in it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web

from bot.compat import timeout

from . import git
from .app import build_app
from .auth import App, Auth, Token, generate_app_key
from .faults import Call, Faults, route_matches
from .records import Records
from .render import HTML, Renderer
from .state import (
    ROLES,
    Clock,
    Commit,
    Issue,
    Label,
    PullInfo,
    Repo,
    SimError,
    State,
    User,
)
from .webhooks import Delivery, Payloads, make_delivery, post_delivery

DEFAULT_INSTALLATION_ID = 1
LOG = logging.getLogger("github_sim")


class GitHubSim(Records):
    """An in-memory GitHub REST API with webhooks, faults, rate limits and a call log."""

    def __init__(self, *, validate: bool = False, seed: int = 0, host: str = "127.0.0.1", port: int = 0,
                 require_auth: bool = True, html_url: str = HTML) -> None:
        super().__init__(State(), Clock())
        self.auth = Auth(self._clock)
        self.faults = Faults(seed)
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.deliveries: list[Delivery] = []
        self.validate = validate
        self.require_auth = require_auth
        self.search_requires_type = True
        self.search_lag = 0.0  # seconds (simulated) before a created or changed issue is searchable
        self.api_webhooks = False
        self.graphql = True  # False: a GitHub Enterprise Server without GraphQL
        self.parent_on_create = True  # False: `createIssue` takes no `parentIssueId` (older GHES)
        self.read_ahead = True  # False: a GraphQL whose `Commit` has no `file` (older GHES)
        self.content_limit: int | None = None
        self._content_writes: deque[float] = deque()
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.app: App | None = None
        self.html_url = html_url  # where web pages live: github.com, or a GitHub Enterprise Server
        self.host, self.port = host, port
        self.url = f"http://{host}:{port}"
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._pending: set[asyncio.Task[Delivery]] = set()

    # lifecycle -------------------------------------------------------------

    async def start(self) -> str:
        """Serve the API on 127.0.0.1 (a free port unless one was given) and return its URL."""
        self._runner = web.AppRunner(build_app(self), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.url = f"http://{self.host}:{self.port}"
        return self.url

    async def close(self) -> None:
        """Wait for webhook deliveries in flight, then stop serving."""
        await self.drain()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> GitHubSim:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def render(self) -> Renderer:
        """Return a renderer whose API URLs point at this server."""
        return Renderer(self.state, self.url, self.html_url)

    # setup -------------------------------------------------------------------

    def add_user(self, login: str, name: str | None = None, type: str = "User", email: str | None = None) -> User:
        """Create (or update) an account; `name` is the profile name shown by `GET /users/{login}`."""
        user = self.state.user(login)
        user.name, user.type, user.email = name, type, email
        user.created_at = user.created_at or self.clock.now()
        return user

    def add_repo(self, full_name: str, *, default_branch: str = "main",
                 installation_id: int | None = DEFAULT_INSTALLATION_ID, files: dict[str, str] | None = None,
                 private: bool = False, author: str | None = None) -> Repo:
        """Create a repository, with an initial commit of `files` when given."""
        owner, _, name = full_name.partition("/")
        self.state.user(owner)
        repo = Repo(self.state.next_id(), owner, name, default_branch, installation_id,
                    self.clock.now(), private=private)
        self.state.repos[full_name.lower()] = repo
        if files:
            git.commit_to(repo, dict(files), author=author or owner, message="Initial commit",
                          branch=default_branch, date=self.clock.now())
        return repo

    def set_permission(self, full_name: str, login: str, role: str) -> None:
        """Give `login` a role on the repository: read, triage, write, maintain or admin."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        self.state.user(login)
        self.state.repo(full_name).roles[login] = role

    def add_token(self, token: str, repos: Iterable[str] | None = None, *, login: str | None = None,
                  expires_at: datetime | None = None) -> Token:
        """Accept a plain token (personal or Actions) for `repos` (None: all), acting as `login`."""
        login = login or (self.app.bot_login if self.app else "github-actions[bot]")
        self.state.user(login)
        return self.auth.add_token(token, login, list(repos) if repos is not None else None, expires_at)

    def register_app(self, app_id: int, public_key_pem: str, slug: str = "minutes-bot") -> App:
        """Register the GitHub App whose RS256 JWTs may mint installation tokens."""
        self.app = App(app_id, public_key_pem, slug)
        self.auth.apps[app_id] = self.app
        self.add_user(self.app.bot_login, type="Bot")
        return self.app

    def add_app(self, app_id: int = 1, slug: str = "minutes-bot") -> str:
        """Register an app with a fresh key pair and return its private key PEM."""
        private, public = generate_app_key()
        self.register_app(app_id, public, slug)
        return private

    def add_label(self, full_name: str, name: str, color: str = "ededed", description: str | None = None) -> Label:
        """Create a repository label (or return the existing one)."""
        repo = self.state.repo(full_name)
        return self.ensure_labels(repo, [name], color=color, description=description)[0]

    def set_webhook(self, url: str | None, secret: str | None = None) -> None:
        """Send webhooks to `url`, signed with `secret` (None stops delivery)."""
        self.webhook_url, self.webhook_secret = url, secret

    def acting_login(self) -> str:
        """Return the login the app's installation tokens act as."""
        return self.app.bot_login if self.app else "minutes-bot[bot]"

    # webhooks ----------------------------------------------------------------

    @property
    def payloads(self) -> Payloads:
        """Return the payload builder for the current state."""
        return Payloads(self.render, self.app)

    async def deliver(self, event: str, payload: dict[str, Any]) -> Delivery:
        """Sign and send one webhook to the target (or only build it when none is set)."""
        if self.validate:
            from .spec import (
                check_webhook,  # openapi-core is slow to import; load it only to validate
            )

            for problem in check_webhook(event, payload):
                self.record_violation(f"webhook {event}: {problem}")
        target = self.app.app_id if self.app else 1
        delivery = make_delivery(event, payload, self.webhook_secret, target)
        return await self.send(delivery)

    async def send(self, delivery: Delivery) -> Delivery:
        """POST a built delivery to the webhook target and record it."""
        if self.webhook_url is not None:
            if self._session is None:
                self._session = aiohttp.ClientSession()
            delivery = await post_delivery(self._session, self.webhook_url, delivery)
        self.deliveries.append(delivery)
        return delivery

    async def redeliver(self, delivery: Delivery) -> Delivery:
        """Send a delivery again with the same id and body, as GitHub's redeliver button does."""
        return await self.send(replace(delivery, status=None, response="", error=None))

    def deliver_later(self, event: str, payload: dict[str, Any]) -> None:
        """Send a webhook caused by an API call once that call has been answered."""
        if not self.api_webhooks:
            return
        task = asyncio.get_running_loop().create_task(self.deliver(event, payload))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        """Wait until every webhook caused by API calls has been delivered."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    # what people do ----------------------------------------------------------

    async def push(self, full_name: str, files: dict[str, str | None], *, author: str,
                   message: str = "Update files", branch: str | None = None) -> Delivery:
        """Commit `files` (text writes, None deletes) as `author` and deliver the `push` webhook."""
        return await self.push_commits(full_name, [(files, message)], author=author, branch=branch)

    async def push_commits(self, full_name: str, commits: list[tuple[dict[str, str | None], str]], *,
                           author: str, branch: str | None = None) -> Delivery:
        """Push several commits, each `(files, message)`, in one `push` webhook (oldest first)."""
        repo = self.state.repo(full_name)
        branch = branch or repo.default_branch
        self.state.user(author)
        before_commit = repo.head(branch)
        made, changes = [], []
        for files, message in commits:
            parent = repo.head(branch) or repo.head()
            commit = git.commit_to(repo, files, author=author, message=message, branch=branch,
                                   date=self.clock.now())
            changes.append(git.commit_changes(parent, commit))
            made.append(commit)
        before = before_commit.sha if before_commit else "0" * 40
        return await self.deliver("push", self.payloads.push(repo, before, made, branch, author, changes))

    def commit(self, full_name: str, ref: str | None = None) -> Commit:
        """Return the commit at `ref` (default branch tip when None)."""
        repo = self.state.repo(full_name)
        return repo.resolve(ref or repo.default_branch)

    def add_issue(self, full_name: str, title: str, *, author: str, body: str | None = None,
                  labels: Iterable[str] = (), assignees: Iterable[str] = (), state: str = "open",
                  state_reason: str | None = None, created_at: datetime | None = None) -> int:
        """Seed an issue without any webhook and return its number."""
        repo = self.state.repo(full_name)
        issue = self.create_issue(repo, title, author, body=body, labels=labels, assignees=assignees,
                                  created_at=created_at)
        if state == "closed":
            self.set_state(issue, author, "closed", state_reason)
        return issue.number

    async def open_issue(self, full_name: str, title: str, *, author: str, body: str | None = None,
                         labels: Iterable[str] = ()) -> Delivery:
        """Open an issue as `author` and deliver `issues.opened`."""
        repo = self.state.repo(full_name)
        issue = self.create_issue(repo, title, author, body=body, labels=labels)
        return await self.deliver("issues", self.payloads.issue(repo, issue, "opened", author))

    async def edit_issue(self, full_name: str, number: int, *, by: str, title: str | None = None,
                         body: str | None = None) -> Delivery:
        """Edit an issue's title or body as `by` and deliver `issues.edited`."""
        repo, issue = self.issue_of(full_name, number)
        changes = self.change_issue(issue, by, title=title, body=body)
        return await self.deliver("issues", self.payloads.issue(repo, issue, "edited", by, changes))

    async def assign_issue(self, full_name: str, number: int, *, by: str, add: Iterable[str] = (),
                           remove: Iterable[str] = ()) -> list[Delivery]:
        """Change an issue's assignees as `by`, delivering `issues.unassigned`/`assigned` per login."""
        repo, issue = self.issue_of(full_name, number)
        before = list(issue.assignees)
        gone = {login.lower() for login in remove}
        kept = [login for login in issue.assignees if login.lower() not in gone]
        self.change_issue(issue, by, assignees=kept + list(add))
        return [await self.deliver("issues", payload)
                for payload in self.assignment_events(repo, issue, before, by)]

    def announce_opened(self, repo: Repo, issue: Issue) -> None:
        """Send the webhooks of a newly opened issue: `opened`, then one `assigned` per assignee."""
        self.deliver_later("issues", self.payloads.issue(repo, issue, "opened", issue.user))
        for payload in self.assignment_events(repo, issue, [], issue.user):
            self.deliver_later("issues", payload)

    def assignment_events(self, repo: Repo, issue: Issue, before: list[str], sender: str) -> list[dict[str, Any]]:
        """Return the `issues.unassigned`/`assigned` payloads of a change from `before`, one per login."""
        removed = [login for login in before if login not in issue.assignees]
        added = [login for login in issue.assignees if login not in before]
        return ([self.payloads.assignment(repo, issue, "unassigned", login, sender) for login in removed]
                + [self.payloads.assignment(repo, issue, "assigned", login, sender) for login in added])

    async def close_issue(self, full_name: str, number: int, *, by: str,
                          reason: str = "completed") -> Delivery:
        """Close an issue as `by` and deliver `issues.closed`."""
        repo, issue = self.issue_of(full_name, number)
        self.change_issue(issue, by, state="closed", state_reason=reason)
        return await self.deliver("issues", self.payloads.issue(repo, issue, "closed", by))

    async def reopen_issue(self, full_name: str, number: int, *, by: str) -> Delivery:
        """Reopen an issue as `by` and deliver `issues.reopened`."""
        repo, issue = self.issue_of(full_name, number)
        self.change_issue(issue, by, state="open")
        return await self.deliver("issues", self.payloads.issue(repo, issue, "reopened", by))

    def add_comment(self, full_name: str, number: int, login: str, body: str,
                    created_at: datetime | None = None) -> int:
        """Seed a comment without any webhook and return its id."""
        return self.create_comment(self.state.repo(full_name), number, login, body, created_at).id

    async def comment(self, full_name: str, number: int, login: str, body: str) -> Delivery:
        """Comment on an issue or PR as `login` and deliver `issue_comment.created`."""
        repo = self.state.repo(full_name)
        comment = self.create_comment(repo, number, login, body)
        return await self.deliver("issue_comment", self.payloads.comment(
            repo, repo.issues[number], comment, "created", login))

    async def edit_comment(self, full_name: str, comment_id: int, body: str, *, by: str | None = None) -> Delivery:
        """Edit a comment and deliver `issue_comment.edited` with `changes.body.from`."""
        repo = self.state.repo(full_name)
        comment = self.state.comment(full_name, comment_id)
        old, comment.body, comment.updated_at = comment.body, body, self.clock.now()
        return await self.deliver("issue_comment", self.payloads.comment(
            repo, repo.issues[comment.issue_number], comment, "edited", by or comment.user, old))

    async def delete_comment(self, full_name: str, comment_id: int, *, by: str | None = None) -> Delivery:
        """Delete a comment and deliver `issue_comment.deleted`."""
        repo = self.state.repo(full_name)
        comment = self.state.comments.pop(self.state.comment(full_name, comment_id).id)
        return await self.deliver("issue_comment", self.payloads.comment(
            repo, repo.issues[comment.issue_number], comment, "deleted", by or comment.user))

    def add_pull(self, full_name: str, *, title: str, author: str, body: str = "", draft: bool = False,
                 head: str | None = None, base: str | None = None, created_at: datetime | None = None,
                 files: dict[str, git.Entry] | None = None, fork: str | None = None) -> int:
        """Seed an open pull request without a webhook and return its number.

        The head branch (default `<author>/change-<number>`) gets one commit of `files`;
        with `fork` (`owner/name`, made if missing) that branch is the fork's.
        """
        if fork is not None and fork.lower() not in self.state.repos:
            self.add_repo(fork, installation_id=None)  # not where the App is installed
        repo = self.state.repo(full_name)
        number = max(repo.issues, default=0) + 1
        head = head or f"{author}/change-{number}"
        base = base or repo.default_branch
        commit = git.commit_to(repo, files or {}, author=author, message=title,
                               branch=head, date=created_at or self.clock.now())
        pull = PullInfo(head=head, base=base, head_sha=commit.sha, draft=draft, fork=fork)
        return self.create_issue(repo, title, author, body=body, created_at=created_at, pull=pull).number

    async def open_pull(self, full_name: str, **fields: Any) -> Delivery:
        """Open a pull request (arguments as `add_pull`) and deliver `pull_request.opened`."""
        number = self.add_pull(full_name, **fields)
        repo, pull = self.issue_of(full_name, number)
        return await self.deliver("pull_request", self.payloads.pull_request(repo, pull, "opened", pull.user))

    async def push_to_pull(self, full_name: str, number: int, files: dict[str, str | None], *,
                           author: str | None = None, message: str = "Update files") -> Delivery:
        """Commit `files` to a pull request's head branch and deliver `pull_request.synchronize`."""
        repo, issue = self.issue_of(full_name, number)
        assert issue.pull is not None
        before = issue.pull.head_sha
        commit = git.commit_to(repo, files, author=author or issue.user, message=message,
                               branch=issue.pull.head, date=self.clock.now())
        issue.pull.head_sha, issue.updated_at = commit.sha, self.clock.now()
        payload = self.payloads.pull_request(repo, issue, "synchronize", author or issue.user)
        return await self.deliver("pull_request", payload | {"before": before, "after": commit.sha})

    async def edit_pull(self, full_name: str, number: int, *, by: str, title: str | None = None,
                        body: str | None = None) -> Delivery:
        """Change a pull request's title or body and deliver `pull_request.edited` with `changes`."""
        repo, issue = self.issue_of(full_name, number)
        changes = {}
        if title is not None:
            changes["title"], issue.title = {"from": issue.title}, title
        if body is not None:
            changes["body"], issue.body = {"from": issue.body or ""}, body
        issue.updated_at = self.clock.now()
        payload = self.payloads.pull_request(repo, issue, "edited", by)
        return await self.deliver("pull_request", payload | {"changes": changes})

    async def merge_pull(self, full_name: str, number: int, *, by: str | None = None,
                         push: bool = False) -> Delivery:
        """Merge a pull request into its base and deliver `pull_request.closed` with `merged: true`.

        The base branch gets a merge commit; with `push`, the `push` webhook of that commit
        follows, as on GitHub.
        """
        repo, issue = self.issue_of(full_name, number)
        assert issue.pull is not None
        by = by or repo.owner
        head = repo.commits[issue.pull.head_sha]
        base = repo.head(issue.pull.base)
        merge = git.commit_to(repo, git.entries_of(base) | git.entries_of(head), author=by,
                              message=f"Merge pull request #{number}", branch=issue.pull.base,
                              date=self.clock.now())
        now = self.clock.now()
        issue.pull.merged, issue.pull.merged_at, issue.pull.merged_by = True, now, by
        issue.pull.merge_commit_sha = merge.sha
        self.set_state(issue, by, "closed", None)
        issue.state_reason, issue.updated_at = None, now
        closed = await self.deliver("pull_request", self.payloads.pull_request(repo, issue, "closed", by))
        if push:
            changes = [git.commit_changes(base, merge)]
            before = base.sha if base else "0" * 40
            await self.deliver("push", self.payloads.push(repo, before, [merge], issue.pull.base, by, changes))
        return closed

    async def close_pull(self, full_name: str, number: int, *, by: str | None = None) -> Delivery:
        """Close a pull request without merging and deliver `pull_request.closed` (`merged: false`)."""
        repo, issue = self.issue_of(full_name, number)
        by = by or issue.user
        self.set_state(issue, by, "closed", None)
        issue.state_reason, issue.updated_at = None, self.clock.now()
        return await self.deliver("pull_request", self.payloads.pull_request(repo, issue, "closed", by))

    async def send_installation(self, action: str = "created", installation_id: int = DEFAULT_INSTALLATION_ID,
                                *, account: str | None = None, sender: str | None = None) -> Delivery:
        """Deliver an `installation` event for the repositories of `installation_id`.

        `deleted` also uninstalls: its tokens stop working and its repositories lose it.
        """
        repos = [r for r in self.state.repos.values() if r.installation_id == installation_id]
        account = account or (repos[0].owner if repos else "octocat")
        payload = self.payloads.installation(action, installation_id, account, repos, sender or account)
        if action == "deleted":
            self.auth.revoke(installation_id)
            for repo in repos:
                repo.installation_id = None
        return await self.deliver("installation", payload)

    async def send_installation_repositories(self, action: str, full_names: Iterable[str], *,
                                             installation_id: int = DEFAULT_INSTALLATION_ID,
                                             sender: str | None = None) -> Delivery:
        """Add or remove repositories from an installation and deliver `installation_repositories`."""
        repos = [self.state.repo(name) for name in full_names]
        for repo in repos:
            repo.installation_id = installation_id if action == "added" else None
        if action == "removed":
            self.auth.revoke(installation_id, [r.full_name for r in repos])
        account = repos[0].owner if repos else "octocat"
        payload = self.payloads.installation_repositories(action, installation_id, account, repos,
                                                          sender or account)
        return await self.deliver("installation_repositories", payload)

    async def send_ping(self, sender: str = "octocat") -> Delivery:
        """Deliver the `ping` GitHub sends when a webhook is set up."""
        return await self.deliver("ping", self.payloads.ping(sender))

    # call log ----------------------------------------------------------------

    def calls_matching(self, method: str, pattern: str) -> list[Call]:
        """Return logged calls matching a method ("*" for any) and route pattern like `/repos/{o}/{r}/issues`."""
        return [c for c in self.calls if route_matches(method.upper(), pattern, c.method, c.path)]

    def writes(self) -> list[Call]:
        """Return logged calls that change content (POST/PATCH/PUT/DELETE, token exchanges excluded)."""
        return [c for c in self.calls if c.is_write]

    async def wait_until(self, condition: Callable[[], object], within: float = 5.0) -> None:
        """Wait until `condition()` is true (e.g. the bot finished its background work).

        Raises AssertionError after `within` seconds; the deadline is generous on purpose,
        the condition decides, not the clock.
        """
        try:
            async with timeout(within):
                # Polling: the condition reads state the bot changes through the REST API.
                while True:
                    if condition():
                        return
                    await asyncio.sleep(0.01)
        except asyncio.TimeoutError:  # not yet the built-in TimeoutError on Python 3.10
            raise AssertionError(f"condition still false after {within} s: {condition!r}") from None

    def reset_calls(self) -> None:
        """Forget the call log (e.g. after test setup)."""
        self.calls.clear()

    def record_violation(self, text: str) -> None:
        """Remember (and log) traffic that breaks GitHub's published description."""
        LOG.error("GitHub simulator: %s", text)
        self.violations.append(text)

    def assert_valid(self) -> None:
        """Fail when any request, response or webhook broke GitHub's published description."""
        if self.violations:
            raise AssertionError("GitHub simulator saw traffic that breaks GitHub's OpenAPI description:\n"
                                 + "\n\n".join(self.violations))

    # content-creation limit ------------------------------------------------

    def take_content_slot(self) -> int | None:
        """Count a content write; return seconds to wait when the per-minute limit is exhausted."""
        if self.content_limit is None:
            return None
        now = time.monotonic()
        while self._content_writes and now - self._content_writes[0] >= 60:
            self._content_writes.popleft()
        if len(self._content_writes) >= self.content_limit:
            return max(1, int(60 - (now - self._content_writes[0])) + 1)
        self._content_writes.append(now)
        return None


__all__ = ["GitHubSim", "SimError"]
