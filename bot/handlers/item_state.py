"""Keep every view of an item in step with what people do to it on GitHub.

An item shows in three places: its own body (the owner and due date lines), its task
on the meeting issue, and the tracker's summary, all rendered from the same
`ItemView`. Commands, merged pull requests and what this module follows (a person
closing, reopening, assigning, unassigning or retitling the item in GitHub's UI, or
closing it with "Fixes #12") end in `show_item`; pushes and syncs render the same
views through `reconcile` and then refresh the tracker.

Assignees a person sets are a fact the bot keeps: they go into the item's marker as
its chosen owners and into its body, so later pushes and syncs keep them too.
`issues` events that a bot caused, the bot's own edits among them, are ignored.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from gidgethub import sansio
from gidgethub.routing import Router

from bot.config.types import RepoConfig
from bot.github.port import GitHubPort
from bot.handlers.context import Context
from bot.handlers.weekly_status import read_config, refresh_tracker
from bot.tracker.marker import ItemMarker, is_own_item, owned_part, parse_marker, replace_owned
from bot.tracker.reconcile import restate_item, same_logins, view_of_issue
from bot.tracker.render import with_task

router = Router()


@router.register("issues", action="closed")
@router.register("issues", action="reopened")
async def follow_state(event: sansio.Event, context: Context) -> None:
    """Tick or untick the item's meeting task and count it in the tracker."""
    issue = await _item_changed_by_a_person(event, context.port)
    if issue is not None:
        await _show(event, context, issue)


@router.register("issues", action="edited")
async def follow_title(event: sansio.Event, context: Context) -> None:
    """Show a retitled item under its new title on the meeting issue and in the tracker."""
    if "title" not in (event.data.get("changes") or {}):
        return
    issue = await _item_changed_by_a_person(event, context.port)
    if issue is not None:
        await _show(event, context, issue)


@router.register("issues", action="assigned")
@router.register("issues", action="unassigned")
async def follow_assignees(event: sansio.Event, context: Context) -> None:
    """Make the assignees a person set the item's owners, in its marker and every view."""
    issue = await _item_changed_by_a_person(event, context.port)
    if issue is None:
        return
    marker = parse_marker(issue.get("body"))
    assert isinstance(marker, ItemMarker)
    assignees = tuple(a["login"] for a in issue.get("assignees") or ())
    if same_logins(assignees, marker.assignees):
        return  # no change since the bot last wrote them, e.g. a later event of the same edit
    body = restate_item(issue, replace(marker, assignees=assignees, set_owners=assignees))
    if body is None:
        return  # the bot's markers are gone: the body is a person's text
    repo = event.data["repository"]["full_name"]
    issue = await context.port.update_issue(repo, issue["number"], body=body)
    await _show(event, context, issue)


async def show_item(
    port: GitHubPort, repo: str, issue: dict[str, Any], config: RepoConfig, now: datetime
) -> None:
    """Show the item as it stands on its meeting issue and in the tracker's summary."""
    await show_on_meeting(port, repo, issue)
    await refresh_tracker(port, repo, config, now)


async def show_on_meeting(port: GitHubPort, repo: str, issue: dict[str, Any]) -> None:
    """Rewrite the item's task on its meeting issue: title, owners, due date, checkbox."""
    marker, view = parse_marker(issue.get("body")), view_of_issue(issue)
    if not isinstance(marker, ItemMarker) or marker.meeting is None or view is None:
        return
    meeting = await port.get_issue(repo, marker.meeting)
    owned = owned_part(meeting.get("body"))
    if owned is not None and with_task(owned, view) != owned:
        body = replace_owned(meeting["body"], with_task(owned, view))
        await port.update_issue(repo, marker.meeting, body=body)


async def _item_changed_by_a_person(event: sansio.Event, port: GitHubPort) -> dict[str, Any] | None:
    """Return the item issue as it is now, or None for other issues and bots' changes."""
    if (event.data.get("sender") or {}).get("type") == "Bot":
        return None
    if not isinstance(parse_marker(event.data["issue"].get("body")), ItemMarker):
        return None
    # Read it again: later changes may have happened since this event was sent.
    repo, number = event.data["repository"]["full_name"], event.data["issue"]["number"]
    issue = await port.get_issue(repo, number)
    return issue if is_own_item(issue, await port.own_logins()) else None


async def _show(event: sansio.Event, context: Context, issue: dict[str, Any]) -> None:
    """Show the item everywhere; a broken config leaves the tracker alone."""
    repository = event.data["repository"]
    repo = repository["full_name"]
    config = await read_config(context.port, repo, repository.get("default_branch"))
    if config is not None:
        await show_item(context.port, repo, issue, config, context.clock())
    else:
        await show_on_meeting(context.port, repo, issue)
