"""A writer that writes nothing: it records what reconciling would change.

`minutes-bot plan` and the pull-request preview run the service's reconciler with
this in place of the `Applier`, so they show exactly what the service would do. New
issues get the numbers GitHub would give them in a repository whose last issue is
`last_number`, so the second round of a plan (items that link their meeting issue)
runs as it would on GitHub.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.minutes.model import ActionItem, Minutes
from bot.tracker.reconcile import (
    AddSubIssue,
    Applied,
    CreateItemIssue,
    CreateMeetingIssue,
    Operation,
    Plan,
    UpdateMeetingIssue,
    item_keys,
    listed_meeting_body,
)
from bot.tracker.render import RenderContext


@dataclass(frozen=True)
class Change:
    """One operation a plan asked for, with the minutes and context it was planned from.

    `number` is the issue it creates (as numbered by the dry run) or changes; None for
    operations on no single issue (labels).
    """

    operation: Operation
    minutes: Minutes
    ctx: RenderContext
    number: int | None = None

    @property
    def item(self) -> ActionItem | None:
        """Return the item a created item issue tracks."""
        if not isinstance(self.operation, CreateItemIssue):
            return None
        keyed = dict(zip(item_keys(self.minutes.items), self.minutes.items, strict=True))
        return keyed.get(self.operation.key)


@dataclass
class DryRun:
    """Record plans instead of applying them; `opened` holds each new issue as it would be."""

    last_number: int = 0
    known_labels: set[str] = field(default_factory=set)
    changes: list[Change] = field(default_factory=list)
    opened: dict[int, dict[str, Any]] = field(default_factory=dict)

    async def apply(self, plan: Plan, minutes: Minutes, ctx: RenderContext) -> Applied:
        """Record every operation of `plan`; return the issues it would have created."""
        applied = Applied()
        for operation in plan.operations:
            self.changes.append(self._record(operation, applied, minutes, ctx))
        return applied

    def made_up(self, issue: Mapping[str, Any]) -> bool:
        """Tell whether `issue` is one this dry run would have opened."""
        return any(issue is opened for opened in self.opened.values())

    async def tell_pulls(
        self, items: Sequence[ActionItem], numbers: Mapping[ActionItem, int], ctx: RenderContext
    ) -> None:
        """Tell no PR anything: a dry run writes nowhere."""

    async def tell_commit(self, sha: str, path: str, lines: Sequence[str]) -> None:
        """Tell no commit anything: a dry run writes nowhere."""

    def _record(
        self, op: Operation, applied: Applied, minutes: Minutes, ctx: RenderContext
    ) -> Change:
        number = getattr(op, "number", None)
        if isinstance(op, CreateMeetingIssue):
            applied.meeting = self._open(op.title, op.body, op.labels, ())
            number = applied.meeting["number"]
        elif isinstance(op, CreateItemIssue):
            applied.items[op.key] = self._open(op.title, op.body, op.labels, op.assignees)
            number = applied.items[op.key]["number"]
        elif isinstance(op, AddSubIssue):
            applied.linked.add((op.parent, op.issue_id or applied.items[op.key]["id"]))
        elif isinstance(op, UpdateMeetingIssue) and op.number in self.opened:
            self._list_tasks(op, applied, minutes, ctx)
        return Change(op, minutes, ctx, number)

    def _open(
        self, title: str, body: str, labels: Sequence[str], assignees: Sequence[str]
    ) -> dict[str, Any]:
        """Make the issue GitHub would answer with; ids are negative so none is real."""
        self.last_number += 1
        number = self.last_number
        self.opened[number] = {
            "number": number,
            "id": -number,
            "title": title,
            "body": body,
            "state": "open",
            "labels": [{"name": name} for name in labels],
            "assignees": [{"login": login} for login in assignees],
        }
        return self.opened[number]

    def _list_tasks(
        self, op: UpdateMeetingIssue, applied: Applied, minutes: Minutes, ctx: RenderContext
    ) -> None:
        """Fill a new meeting issue's task list as the applier would."""
        self.opened[op.number]["body"] = listed_meeting_body(op, minutes, ctx, applied.items)
