"""In-memory records of the simulated GitHub: users, repositories, commits, issues, comments."""

from __future__ import annotations

import base64
import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.compat import UTC

ROLES = ("read", "triage", "write", "maintain", "admin")
REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")


class SimError(Exception):
    """A request GitHub would refuse, carrying the HTTP status and GitHub's error body."""

    def __init__(self, status: int, message: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


def not_found() -> SimError:
    """Return GitHub's plain 404."""
    return SimError(404, "Not Found")


def validation_failed(resource: str, field_name: str, code: str = "invalid") -> SimError:
    """Return GitHub's 422 "Validation Failed" naming one bad field."""
    return SimError(422, "Validation Failed", [{"resource": resource, "field": field_name, "code": code}])


class Clock:
    """Simulated wall clock: follows real time until set, then moves only when told."""

    def __init__(self, now: datetime | None = None) -> None:
        self._fixed = now
        self._offset = timedelta()

    def now(self) -> datetime:
        """Return the current simulated time (UTC, whole seconds)."""
        base = self._fixed if self._fixed is not None else datetime.now(UTC)
        return (base + self._offset).replace(microsecond=0)

    def set(self, now: datetime) -> None:
        """Freeze the clock at `now` (naive datetimes are taken as UTC)."""
        self._fixed = now if now.tzinfo else now.replace(tzinfo=UTC)
        self._offset = timedelta()

    def advance(self, seconds: float = 0, **delta: float) -> datetime:
        """Move the clock forward by `seconds` (or timedelta keywords) and return the new time."""
        self._offset += timedelta(seconds=seconds, **delta)
        return self.now()

    def timestamp(self) -> int:
        """Return the current simulated time as epoch seconds."""
        return int(self.now().timestamp())


def iso(moment: datetime | None) -> str | None:
    """Format a time the way GitHub does: `2024-12-18T10:00:00Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def node_id(kind: str, number: int) -> str:
    """Return an opaque GraphQL-style node id."""
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode().rstrip("=")


def blob_sha(text: str) -> str:
    """Return git's blob id for `text`."""
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def tree_sha(files: dict[str, str]) -> str:
    """Return a stable id for a whole snapshot of files."""
    listing = "".join(f"{path}\0{blob_sha(text)}\n" for path, text in sorted(files.items()))
    return hashlib.sha1(b"tree " + listing.encode()).hexdigest()


@dataclass
class User:
    """A GitHub account; `type` is "User", "Bot" or "Organization"."""

    login: str
    id: int
    name: str | None = None
    type: str = "User"
    email: str | None = None
    created_at: datetime | None = None


@dataclass
class Commit:
    """A commit: the full snapshot of files plus who made it and why."""

    sha: str
    tree: dict[str, str]
    parents: list[str]
    message: str
    author: str
    date: datetime
    # Paths that are not files: "symlink" (the tree holds its target) or "submodule"
    # (the tree holds the commit it points at).
    kinds: dict[str, str] = field(default_factory=dict)


@dataclass
class Label:
    """A repository label."""

    id: int
    name: str
    color: str = "ededed"
    description: str | None = None
    default: bool = False


@dataclass
class PullInfo:
    """The pull-request half of an issue record."""

    head: str
    base: str
    head_sha: str
    draft: bool = False
    # The fork the head branch is in (`owner/name`); None for a branch of the repository.
    # Its commits are kept in the base repository, as GitHub keeps `refs/pull/N/head`.
    fork: str | None = None
    merged: bool = False
    merged_at: datetime | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None


@dataclass
class Issue:
    """An issue or, when `pull` is set, a pull request (GitHub numbers both alike)."""

    id: int
    number: int
    repo: str
    title: str
    user: str
    created_at: datetime
    updated_at: datetime
    body: str | None = None
    state: str = "open"
    state_reason: str | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    milestone: int | None = None
    locked: bool = False
    closed_at: datetime | None = None
    closed_by: str | None = None
    pull: PullInfo | None = None
    sub_issue_ids: list[int] = field(default_factory=list)
    parent_id: int | None = None

    @property
    def is_pull(self) -> bool:
        """Say whether this record is a pull request."""
        return self.pull is not None


@dataclass
class Comment:
    """A comment on an issue or pull request."""

    id: int
    repo: str
    issue_number: int
    user: str
    body: str
    created_at: datetime
    updated_at: datetime


@dataclass
class CommitComment:
    """A comment on a commit, optionally on one line of one file."""

    id: int
    repo: str
    commit_sha: str
    user: str
    body: str
    created_at: datetime
    path: str | None = None
    line: int | None = None
    position: int | None = None


@dataclass
class Reaction:
    """A reaction on an issue (`subject` "issue:<number>") or a comment ("comment:<id>")."""

    id: int
    repo: str
    subject: str
    user: str
    content: str
    created_at: datetime


@dataclass
class Repo:
    """A repository with its branches, commits, labels, collaborators and issue numbering."""

    id: int
    owner: str
    name: str
    default_branch: str
    installation_id: int | None
    created_at: datetime
    private: bool = False
    description: str | None = None
    branches: dict[str, str] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    pushed_at: datetime | None = None

    @property
    def full_name(self) -> str:
        """Return `owner/name`."""
        return f"{self.owner}/{self.name}"

    def head(self, branch: str | None = None) -> Commit | None:
        """Return the tip commit of `branch` (default branch when None)."""
        sha = self.branches.get(branch or self.default_branch)
        return self.commits[sha] if sha else None

    def resolve(self, ref: str) -> Commit:
        """Find a commit by branch name, full sha or unique sha prefix."""
        ref = ref.removeprefix("refs/heads/")
        if ref in self.branches:
            return self.commits[self.branches[ref]]
        if ref in self.commits:
            return self.commits[ref]
        matches = [sha for sha in self.commits if len(ref) >= 7 and sha.startswith(ref)]
        if len(matches) == 1:
            return self.commits[matches[0]]
        raise not_found()

    def role_of(self, login: str) -> str | None:
        """Return the login's role on this repository (owners are admins)."""
        return "admin" if login == self.owner else self.roles.get(login)


@dataclass
class State:
    """Everything the simulator knows, with id counters shared across kinds like GitHub's."""

    users: dict[str, User] = field(default_factory=dict)
    repos: dict[str, Repo] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    commit_comments: dict[int, CommitComment] = field(default_factory=dict)
    reactions: list[Reaction] = field(default_factory=list)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1001))

    def next_id(self) -> int:
        """Return a fresh numeric id."""
        return next(self.ids)

    def repo(self, full_name: str) -> Repo:
        """Return a repository by `owner/name`, case-insensitively, or raise 404."""
        repo = self.repos.get(full_name.lower())
        if repo is None:
            raise not_found()
        return repo

    def user(self, login: str, *, create: bool = True) -> User:
        """Return a user, creating a plain account on first mention unless `create` is False."""
        user = self.users.get(login.lower())
        if user is None:
            if not create:
                raise not_found()
            user = User(login=login, id=self.next_id(), type="Bot" if login.endswith("[bot]") else "User")
            self.users[login.lower()] = user
        return user

    def issue_by_id(self, issue_id: int) -> Issue | None:
        """Find an issue anywhere by its numeric id."""
        for repo in self.repos.values():
            for issue in repo.issues.values():
                if issue.id == issue_id:
                    return issue
        return None

    def comment(self, repo: str, comment_id: int) -> Comment:
        """Return a comment of `repo` by id, or raise 404."""
        found = self.comments.get(comment_id)
        if found is None or found.repo.lower() != repo.lower():
            raise not_found()
        return found


def to_plain(record: Any) -> Any:
    """Turn a record into JSON-ready data (times as ISO strings)."""
    if isinstance(record, datetime):
        return iso(record)
    if hasattr(record, "__dataclass_fields__"):
        return to_plain(asdict(record))
    if isinstance(record, dict):
        return {key: to_plain(value) for key, value in record.items()}
    if isinstance(record, list):
        return [to_plain(value) for value in record]
    return record
