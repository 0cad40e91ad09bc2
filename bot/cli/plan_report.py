"""Say in words what a dry run would change, for `sync --dry-run` and the Action.

The `DryRun` writer records every operation the reconciler planned, with the minutes it
came from. This counts the item issues it would open, update and close, and says each
change on a line headed by its file. Issues the dry run would open are named by their
title: the numbers it gives them are made up.
"""

from __future__ import annotations

from bot.tracker.dry_run import Change, DryRun
from bot.tracker.reconcile import (
    AddSubIssue,
    CloseIssue,
    CreateItemIssue,
    CreateMeetingIssue,
    Operation,
    UpdateItemIssue,
    UpdateMeetingIssue,
    listed_meeting_body,
)

CHANGES = ("opened", "updated", "closed")


def item_change(op: Operation) -> str | None:
    """Say how an operation changes an item issue: `opened`, `updated`, `closed` or None."""
    if isinstance(op, CreateItemIssue):
        return "opened"
    if isinstance(op, CloseIssue):
        return "closed"
    return "updated" if isinstance(op, UpdateItemIssue) else None


def count(run: DryRun, change: str) -> int:
    """Count the item issues the dry run would open, update or close."""
    return sum(item_change(c.operation) == change for c in run.changes)


def lines(run: DryRun) -> list[str]:
    """Say each change on a line of its own: `meetings/x.md: open "Title" assigned to @a`."""
    return [f"{c.ctx.path}: {said}" for c in run.changes if (said := describe(c, run))]


def describe(change: Change, run: DryRun) -> str | None:
    """Say what one change would do; None for bookkeeping nobody needs to read."""
    op = change.operation
    if isinstance(op, CreateItemIssue):
        owners = ", ".join(f"@{login}" for login in op.assignees)
        return f'open "{op.title}"' + (f" assigned to {owners}" if owners else "")
    if isinstance(op, CreateMeetingIssue):
        return f'open the meeting issue "{op.title}"'
    if isinstance(op, UpdateItemIssue):
        return f"update #{op.number} ({', '.join(_changed_fields(op))})"
    if isinstance(op, CloseIssue):
        return f"close #{op.number} as {op.state_reason.replace('_', ' ')}"
    if isinstance(op, UpdateMeetingIssue) and op.number not in run.opened:
        return None if _leaves_body(op, change) else f"update the task list of #{op.number}"
    if isinstance(op, AddSubIssue) and op.parent not in run.opened:
        return f"group an item under meeting issue #{op.parent}"
    return None


def _changed_fields(op: UpdateItemIssue) -> list[str]:
    reopened = ["reopened"] if op.state == "open" else []
    return reopened + [name for name in ("title", "body", "assignees") if getattr(op, name)]


def _leaves_body(op: UpdateMeetingIssue, change: Change) -> bool:
    """Tell whether the update would leave the meeting issue as it is, as the applier checks."""
    return listed_meeting_body(op, change.minutes, change.ctx, {}) == op.current_body
