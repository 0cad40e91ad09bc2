"""Change and query the simulator's records; shared by the REST handlers and the Python API."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .state import (
    REACTIONS,
    Clock,
    Comment,
    CommitComment,
    Issue,
    Label,
    PullInfo,
    Reaction,
    Repo,
    State,
    not_found,
    validation_failed,
)

MAX_LABEL_NAME = 50


class Records:
    """The simulator's records with the operations GitHub performs on them (no I/O)."""

    def __init__(self, state: State, clock: Clock) -> None:
        self.state = state
        self._clock = clock

    @property
    def clock(self) -> Clock:
        """Return the simulated clock (assign a datetime to freeze it there)."""
        return self._clock

    @clock.setter
    def clock(self, now: datetime) -> None:
        self._clock.set(now)

    def ensure_labels(self, repo: Repo, names: Iterable[str], *, color: str = "ededed",
                      description: str | None = None) -> list[Label]:
        """Return the labels named, creating missing ones as GitHub does when labelling."""
        labels = []
        for name in names:
            if len(name) > MAX_LABEL_NAME:
                raise validation_failed("Label", "name", "invalid")  # GitHub's limit: 50 characters
            label = repo.labels.get(name.lower())
            if label is None:
                label = Label(self.state.next_id(), name, color, description)
                repo.labels[name.lower()] = label
            labels.append(label)
        return labels

    def create_issue(self, repo: Repo, title: str, user: str, *, body: str | None = None,
                     labels: Iterable[str] = (), assignees: Iterable[str] = (),
                     created_at: datetime | None = None, pull: PullInfo | None = None) -> Issue:
        """Open an issue (or a pull request when `pull` is given) and return it."""
        now = created_at or self.clock.now()
        number = max(repo.issues, default=0) + 1
        label_names = [label.name for label in self.ensure_labels(repo, labels)]
        issue = Issue(self.state.next_id(), number, repo.full_name, title, user, now, now, body=body,
                      labels=label_names, assignees=list(dict.fromkeys(assignees)), pull=pull)
        self.state.user(user)
        repo.issues[number] = issue
        return issue

    def change_issue(self, issue: Issue, user: str, *, title: str | None = None, body: str | None = None,
                     state: str | None = None, state_reason: str | None = None,
                     labels: list[str] | None = None, assignees: list[str] | None = None) -> dict[str, Any]:
        """Apply an edit to an issue and return the `changes` GitHub reports for `edited`."""
        changes: dict[str, Any] = {}
        if title is not None and title != issue.title:
            changes["title"] = {"from": issue.title}
            issue.title = title
        if body is not None and body != issue.body:
            changes["body"] = {"from": issue.body or ""}
            issue.body = body
        if labels is not None:
            repo = self.state.repo(issue.repo)
            issue.labels = [label.name for label in self.ensure_labels(repo, labels)]
        if assignees is not None:
            issue.assignees = list(dict.fromkeys(assignees))
        if state is not None:
            self.set_state(issue, user, state, state_reason)
        elif state_reason is not None and issue.state == "closed":
            issue.state_reason = state_reason
        issue.updated_at = self.clock.now()
        return changes

    def set_state(self, issue: Issue, user: str, state: str, reason: str | None) -> None:
        """Open or close an issue, keeping `state_reason`, `closed_at` and `closed_by` in step."""
        if state == "closed" and issue.state != "closed":
            issue.closed_at, issue.closed_by = self.clock.now(), user
            issue.state_reason = reason or "completed"
        elif state == "closed":
            issue.state_reason = reason or issue.state_reason
        elif state == "open" and issue.state != "open":
            issue.closed_at, issue.closed_by = None, None
            issue.state_reason = "reopened"
        issue.state = state

    def create_comment(self, repo: Repo, number: int, user: str, body: str,
                       created_at: datetime | None = None) -> Comment:
        """Add a comment to an issue or pull request."""
        issue = repo.issues.get(number)
        if issue is None:
            raise not_found()
        now = created_at or self.clock.now()
        comment = Comment(self.state.next_id(), repo.full_name, number, user, body, now, now)
        self.state.user(user)
        self.state.comments[comment.id] = comment
        issue.updated_at = now
        return comment

    def react(self, repo: Repo, subject: str, user: str, content: str) -> tuple[Reaction, bool]:
        """Add a reaction unless the same one exists; return it and whether it is new."""
        if content not in REACTIONS:
            raise validation_failed("Reaction", "content")
        for reaction in self.state.reactions:
            if (reaction.repo, reaction.subject, reaction.user, reaction.content) == (
                    repo.full_name, subject, user, content):
                return reaction, False
        reaction = Reaction(self.state.next_id(), repo.full_name, subject, user, content, self.clock.now())
        self.state.reactions.append(reaction)
        return reaction, True

    def add_sub_issue(self, parent: Issue, child_id: int, replace_parent: bool = False) -> Issue:
        """Attach the issue with id `child_id` under `parent`."""
        child = self.state.issue_by_id(child_id)
        if child is None or child.is_pull or child.id == parent.id:
            raise validation_failed("Issue", "sub_issue_id")
        if child.parent_id is not None and child.parent_id != parent.id:
            if not replace_parent:
                raise validation_failed("Issue", "sub_issue_id", "already_exists")
            old = self.state.issue_by_id(child.parent_id)
            if old is not None:
                old.sub_issue_ids.remove(child.id)
        if child.id not in parent.sub_issue_ids:
            parent.sub_issue_ids.append(child.id)
        child.parent_id = parent.id
        return child

    def remove_sub_issue(self, parent: Issue, child_id: int) -> Issue:
        """Detach the issue with id `child_id` from `parent`."""
        child = self.state.issue_by_id(child_id)
        if child is None or child.id not in parent.sub_issue_ids:
            raise not_found()
        parent.sub_issue_ids.remove(child.id)
        child.parent_id = None
        return child

    def add_commit_comment(self, repo: Repo, sha: str, user: str, body: str, path: str | None = None,
                           line: int | None = None, position: int | None = None) -> CommitComment:
        """Comment on a commit."""
        commit = repo.resolve(sha)
        comment = CommitComment(self.state.next_id(), repo.full_name, commit.sha, user, body,
                                self.clock.now(), path, line, position)
        self.state.commit_comments[comment.id] = comment
        return comment

    # reading -----------------------------------------------------------------

    def repo(self, full_name: str) -> Repo:
        """Return a repository record."""
        return self.state.repo(full_name)

    def issue_of(self, full_name: str, number: int) -> tuple[Repo, Issue]:
        """Return the repository and the issue (or PR) numbered `number`."""
        repo = self.state.repo(full_name)
        issue = repo.issues.get(number)
        if issue is None:
            raise not_found()
        return repo, issue

    def issue(self, full_name: str, number: int) -> Issue:
        """Return the issue (or PR) record numbered `number`."""
        return self.issue_of(full_name, number)[1]

    def issues(self, full_name: str, state: str = "all", *, pulls: bool = False) -> list[Issue]:
        """List issue records by number (PRs only with `pulls=True`); `state` open, closed or all."""
        repo = self.state.repo(full_name)
        return [i for _, i in sorted(repo.issues.items())
                if (pulls or not i.is_pull) and state in ("all", i.state)]

    def pulls(self, full_name: str, state: str = "all") -> list[Issue]:
        """List pull-request records by number."""
        return [i for i in self.issues(full_name, state, pulls=True) if i.is_pull]

    def comments(self, full_name: str, number: int) -> list[Comment]:
        """List the comments on an issue or PR, oldest first."""
        return [c for c in self.state.comments.values()
                if c.repo.lower() == full_name.lower() and c.issue_number == number]

    def commit_comments(self, full_name: str, sha: str | None = None) -> list[CommitComment]:
        """List commit comments of a repository (of one commit when `sha` is given)."""
        return [c for c in self.state.commit_comments.values()
                if c.repo.lower() == full_name.lower() and (sha is None or c.commit_sha.startswith(sha))]

    def reactions(self, full_name: str, *, comment_id: int | None = None,
                  issue: int | None = None) -> list[Reaction]:
        """List reactions on one comment or one issue."""
        subject = f"comment:{comment_id}" if comment_id is not None else f"issue:{issue}"
        return [r for r in self.state.reactions if r.repo.lower() == full_name.lower() and r.subject == subject]

    def sub_issues(self, full_name: str, number: int) -> list[Issue]:
        """List the sub-issues of an issue, in order."""
        parent = self.issue(full_name, number)
        return [i for i in (self.state.issue_by_id(x) for x in parent.sub_issue_ids) if i is not None]

    def labels(self, full_name: str) -> list[Label]:
        """List a repository's labels."""
        return list(self.state.repo(full_name).labels.values())
