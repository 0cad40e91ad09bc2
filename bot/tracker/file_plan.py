"""Decide one minutes file's issues from what was read for it, with no I/O.

The handler (`bot.handlers.minutes_files`) first gathers a `FileInputs`: the minutes as
read, what GitHub said of their references and owners (the `RenderContext`), the bot's
issues of the file, and the open items of earlier meetings with what the file says of
them. `decide_file` turns those into a `FileDecision`: the items this file's own issues
track, those it carries over, what it reports of earlier items, and whether the issues
are in step already. `plan_file` is the plan to apply (`bot.tracker.reconcile`): once
per round, the handler reading the file's issues again into the same inputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from bot.minutes.model import ActionItem, Minutes
from bot.tracker.followup import EarlierItem, Followup, Mention, carried_over, match, still_open
from bot.tracker.marker import ItemMarker, MeetingMarker, parse_marker
from bot.tracker.reconcile import Plan, Settings, item_keys, match_items, read_issues, reconcile
from bot.tracker.render import RenderContext


@dataclass(frozen=True)
class FileInputs:
    """Everything deciding one minutes file's issues needs, read before deciding.

    `issues` are the bot's issues of the file as the index or the listing found them;
    `sub_issues` the ids of its meeting issue's sub-issues, when they were read.
    `earlier` are other files' open items, and `mentions` the file's entries besides its
    items (read only when there are earlier items). A `thorough` run (sync) plans even
    when the items are in step, so it heals meeting issues a crash left behind.
    """

    minutes: Minutes
    ctx: RenderContext
    issues: tuple[Mapping[str, Any], ...]
    settings: Settings
    close_reported: str
    earlier: tuple[EarlierItem, ...] = ()
    mentions: tuple[Mention, ...] = ()
    sub_issues: frozenset[int] | None = None
    thorough: bool = False


@dataclass(frozen=True)
class FileDecision:
    """What the file's issues are to be: `minutes` holds the items its own issues track,
    `ctx` the meeting issue's carried-over and still-open lists."""

    minutes: Minutes
    ctx: RenderContext
    carried: tuple[tuple[ActionItem, EarlierItem], ...] = ()
    reported: tuple[Followup, ...] = ()
    still_open: tuple[EarlierItem, ...] = ()
    in_step: bool = False


def decide_file(inputs: FileInputs) -> FileDecision:
    """Read the minutes against earlier meetings' items; tell whether anything is to change.

    The meeting issue's list is rendered from the items alone, so when no item changes
    it needs no look either: unchanged minutes cost no call for it.
    """
    decision = carry_over(inputs)
    if inputs.thorough:
        return decision
    tracked, _ = read_issues(inputs.issues, decision.minutes.path)
    plan = reconcile(decision.minutes, inputs.issues, decision.ctx, inputs.settings)
    return replace(decision, in_step=bool(tracked) and not plan.operations)


def plan_file(inputs: FileInputs, decision: FileDecision) -> Plan:
    """Plan the issue changes of one round, from the issues as `inputs` last read them."""
    return reconcile(
        decision.minutes, inputs.issues, decision.ctx, inputs.settings, inputs.sub_issues
    )


def carry_over(inputs: FileInputs) -> FileDecision:
    """Leave out the items that restate an earlier meeting's; say what the rest report.

    Those keep the earlier issue, the meeting issue lists them under "Carried over" and
    the earlier issue hears of them once (an item this file's own issue tracks already
    stays this file's).
    """
    minutes, ctx, earlier = inputs.minutes, inputs.ctx, inputs.earlier
    if not earlier:
        return FileDecision(minutes, ctx)
    tracked, _ = read_issues(inputs.issues, minutes.path)
    keys = item_keys(minutes.items)
    own = match_items(minutes.items, keys, tracked)
    carried = carried_over(minutes.items, earlier, minutes.meeting_date)
    kept, moved = [], []
    for index, (item, key) in enumerate(zip(minutes.items, keys, strict=True)):
        if index in carried and key not in own:
            moved.append((item, carried[index]))
        else:
            kept.append(item)
    reported = match(inputs.mentions, earlier, inputs.close_reported, minutes.meeting_date)
    leaving = {e.number for _, e in moved} | {f.item.number for f in reported if f.close}
    left_open = still_open(earlier, minutes.meeting_date, leaving)
    listed = tuple((item.number, item.title) for _, item in moved)
    ctx = replace(ctx, carried=listed, still_open=left_open)
    kept_minutes = replace(minutes, items=tuple(kept))
    return FileDecision(kept_minutes, ctx, tuple(moved), tuple(reported), left_open)


def issues_of_file(issues: Iterable[Mapping[str, Any]], path: str) -> list[Mapping[str, Any]]:
    """Keep the issues whose item or meeting marker names the file at `path`."""
    return [issue for issue in issues if _marked_for(issue, path)]


def _marked_for(issue: Mapping[str, Any], path: str) -> bool:
    marker = None if "pull_request" in issue else parse_marker(issue.get("body"))
    return isinstance(marker, (ItemMarker, MeetingMarker)) and marker.file == path

