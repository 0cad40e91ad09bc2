"""Carry out a reconcile Plan through the GitHub port, one operation after another."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gidgethub import BadRequest

from bot.compat import assert_never
from bot.github.port import AmbiguousWriteError
from bot.handlers.linked_pulls import tell_pulls
from bot.handlers.notices import CommitNotices
from bot.tracker.issue_index import entry_of
from bot.tracker.marker import parse_marker, written_by
from bot.tracker.reconcile import (
    AddSubIssue,
    Applied,
    CloseIssue,
    CreateItemIssue,
    CreateMeetingIssue,
    EnsureLabels,
    Operation,
    Plan,
    UpdateItemIssue,
    UpdateMeetingIssue,
    listed_meeting_body,
)

if TYPE_CHECKING:
    from bot.config.types import Labels
    from bot.github.port import GitHubPort
    from bot.minutes.model import ActionItem, Minutes
    from bot.tracker.issue_index import IssueIndex
    from bot.tracker.render import RenderContext

log = logging.getLogger(__name__)


class Applier:
    """Apply the plans of one repository; remembers which labels exist across plans.

    With an `index`, each issue written is recorded there as GitHub answered it.
    """

    def __init__(
        self, port: GitHubPort, repo: str, labels: Labels, *, index: IssueIndex | None = None
    ) -> None:
        self.port = port
        self.repo = repo
        self.labels = labels
        self.index = index
        self.known_labels: set[str] = set()

    async def noted(self, issue: dict[str, Any]) -> dict[str, Any]:
        """Record an issue just written in the index; return it."""
        entry = entry_of(issue) if self.index is not None else None
        if entry is not None and self.index is not None:
            await self.index.note(self.repo, [entry])
        return issue

    async def edit(self, number: int, **fields: Any) -> None:
        """Edit an issue's fields, and record the issue as it now is."""
        await self.noted(await self.port.update_issue(self.repo, number, **fields))

    async def apply(self, plan: Plan, minutes: Minutes, ctx: RenderContext) -> Applied:
        """Apply every operation of `plan` in order and return what was created."""
        applied = Applied()
        for operation in plan.operations:
            await self._apply_one(operation, applied, minutes, ctx)
        return applied

    async def tell_pulls(
        self, items: Sequence[ActionItem], numbers: Mapping[ActionItem, int], ctx: RenderContext
    ) -> None:
        """Tell each linked PR which item issues mention it."""
        await tell_pulls(self.port, items, numbers, ctx)

    async def tell_commit(self, sha: str, path: str, lines: Sequence[str]) -> None:
        """Comment on the commit what was left undone with `path`, unless it was said."""
        await CommitNotices(self.port, self.repo, sha).tell(path, lines)

    async def _apply_one(
        self, op: Operation, applied: Applied, minutes: Minutes, ctx: RenderContext
    ) -> None:
        match op:
            case EnsureLabels(names):
                await self.ensure_labels(names)
            case CreateMeetingIssue(title, body, labels):
                applied.meeting = await self.create(title, body, labels)
            case CreateItemIssue():
                applied.items[op.key] = await self.create_item(op, applied)
            case UpdateItemIssue():
                await self.update_item(op)
            case CloseIssue():
                await self.close(op)
            case AddSubIssue(parent, key, issue_id, replace_parent):
                child = issue_id or applied.items[key]["id"]
                if (parent, child) in applied.linked:
                    pass  # created under it
                elif await self.add_sub_issue(parent, child, replace_parent):
                    applied.linked.add((parent, child))
            case UpdateMeetingIssue():
                body = listed_meeting_body(op, minutes, ctx, applied.items)
                if body != op.current_body:
                    await self.edit(op.number, body=body)
            case _:
                assert_never(op)

    async def ensure_labels(self, names: tuple[str, ...]) -> None:
        """Create the item label in its configured colour unless it is known to exist.

        Creating a label that exists is harmless (the port ignores "already exists"),
        which is cheaper than listing every label of the repository first. Meeting
        labels, one per meeting, are left to GitHub, which creates a label the first
        time an issue names it: a call saved on every new meeting.
        """
        if self.labels.item in names and self.labels.item not in self.known_labels:
            await self.port.create_label(self.repo, name=self.labels.item, color=self.labels.item_color)
            self.known_labels.add(self.labels.item)

    async def create_item(self, op: CreateItemIssue, applied: Applied) -> dict[str, Any]:
        """Open an item issue: under its meeting issue in the same write where GitHub can."""
        if op.parent is not None:
            try:
                created = await self.port.create_sub_issue(
                    self.repo, op.parent, title=op.title, body=op.body, labels=op.labels,
                    assignees=op.assignees,
                )
            except AmbiguousWriteError as error:
                # Found later, it may lack its parent: the plan's `AddSubIssue` will say.
                return await self.noted(await self.found_after_all(error, op.body, op.labels))
            if created is not None:
                applied.linked.add((op.parent, created["id"]))
                return await self.noted(created)
        return await self.create(op.title, op.body, op.labels, op.assignees)

    async def create(
        self, title: str, body: str, labels: Sequence[str], assignees: Sequence[str] = ()
    ) -> dict[str, Any]:
        """Open an issue; when GitHub may have opened it already, find it instead.

        Raises `AmbiguousWriteError` when it has not shown up in time: then it is safe
        to plan again and open it.
        """
        try:
            created = await self.port.create_issue(
                self.repo, title=title, body=body, labels=list(labels), assignees=list(assignees)
            )
        except AmbiguousWriteError as error:
            created = await self.found_after_all(error, body, labels)
        return await self.noted(created)

    async def found_after_all(
        self, error: AmbiguousWriteError, body: str, labels: Sequence[str]
    ) -> dict[str, Any]:
        """Return the issue a create that may have happened opened; re-raise `error` if none."""
        log.warning("an issue may have been opened; looking for it before opening another")
        found = await self.port.confirm(lambda: self.find_created(body, labels[0]))
        if found is None:
            raise error
        return found

    async def find_created(self, body: str, label: str) -> dict[str, Any] | None:
        """Return the bot's issue under `label` whose marker is the one in `body`, if any."""
        wanted, logins = parse_marker(body), await self.port.own_logins()
        for issue in await self.port.list_issues(self.repo, labels=label, state="all"):
            if written_by(issue, logins) and parse_marker(issue.get("body")) == wanted:
                return issue
        return None

    async def comment(self, number: int, body: str) -> None:
        """Comment on an issue; when GitHub may have posted it already, find it instead."""
        try:
            await self.port.post_comment(self.repo, number, body)
        except AmbiguousWriteError:
            log.warning("a comment may have been posted; looking for it before posting another")
            if await self.port.confirm(lambda: self.find_comment(number, body)) is None:
                raise

    async def find_comment(self, number: int, body: str) -> dict[str, Any] | None:
        """Return the bot's comment on issue `number` that says `body`, if any."""
        logins = await self.port.own_logins()
        comments = await self.port.list_comments(self.repo, number)
        return next((c for c in comments if c.get("body") == body and written_by(c, logins)), None)

    async def update_item(self, op: UpdateItemIssue) -> None:
        """Edit the fields of an item issue the plan changes."""
        fields: dict[str, Any] = {"title": op.title, "body": op.body}
        if op.assignees is not None:
            fields["assignees"] = list(op.assignees)
        if op.state is not None:
            fields["state"] = op.state
        changed = {name: value for name, value in fields.items() if value is not None}
        await self.edit(op.number, **changed)
        # After the edit: a lost comment is better than one said twice on a retry.
        if op.comment is not None:
            await self.port.post_comment(self.repo, op.number, op.comment)

    async def close(self, op: CloseIssue) -> None:
        """Say why, then close the issue with its reason."""
        await self.comment(op.number, op.comment)
        fields: dict[str, Any] = {"state": "closed", "state_reason": op.state_reason}
        if op.body is not None:
            fields["body"] = op.body
        await self.edit(op.number, **fields)

    async def add_sub_issue(self, parent: int, issue_id: int, replace_parent: bool = False) -> bool:
        """Group an item under its meeting; the meeting's task list covers a refusal."""
        try:
            return await self.port.add_sub_issue(
                self.repo, parent, issue_id, replace_parent=replace_parent
            )
        except BadRequest as error:
            log.warning(
                "sub-issue not added; the meeting task list still links the item",
                extra={"fields": {"parent": parent, "status": int(error.status_code)}},
            )
            return False
