"""Post the weekly status comment on the tracker issue, never twice for one week.

A `schedule` event (from the service's hourly tick, or from a scheduled GitHub
Actions run) asks each repository whether its posting time has come. The week a
report covers is in the report's hidden marker, so whichever run comes first posts
and every later one for that week finds the marker and does nothing.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from gidgethub import sansio
from gidgethub.routing import Router

from bot.config import REPO_CONFIG_PATH, ConfigError, RepoConfig, parse_repo_config
from bot.github import GitHubPort
from bot.handlers.context import Context
from bot.marker import ItemMarker, parse_marker
from bot.status import (
    TRACKER_MARKER,
    ItemState,
    TrackedItem,
    WeeklySchedule,
    is_due,
    posted_week,
    render_status,
    render_tracker_body,
)

router = Router()

SCHEDULE_EVENT = "schedule"
TRACKER_TITLE = "Action items from meeting minutes"
_OWNER_LINE = re.compile(r"^- \*\*Owner:\*\* (?P<owners>.+)$", re.MULTILINE)
_WHY_NOT = re.compile(r" \([^)]*\)")


def tracked_item(issue: dict[str, Any], marker: ItemMarker, meeting_prefix: str) -> TrackedItem:
    """Read an item issue as the status report sees it."""
    owners = tuple(f"@{a['login']}" for a in issue.get("assignees") or ())
    return TrackedItem(
        number=issue["number"],
        title=issue["title"],
        url=issue["html_url"],
        owners=owners or named_owners(issue.get("body") or ""),
        state=ItemState(issue["state"]),
        state_reason=issue.get("state_reason"),
        created_at=_moment(issue["created_at"]),
        closed_at=_moment(issue["closed_at"]) if issue.get("closed_at") else None,
        due=marker.due,
        meeting=next(
            (
                label["name"].removeprefix(meeting_prefix)
                for label in issue.get("labels") or ()
                if label["name"].startswith(meeting_prefix)
            ),
            "",
        ),
    )


def named_owners(body: str) -> tuple[str, ...]:
    """Return the owners the body names when none could be assigned."""
    found = _OWNER_LINE.search(body)
    if not found or found["owners"] == "everyone":
        return ()
    return tuple(_WHY_NOT.sub("", name).strip() for name in found["owners"].split(", "))


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)  # Python 3.11 reads GitHub's trailing `Z`


def last_report(comments: list[dict[str, Any]]) -> tuple[datetime | None, str | None]:
    """Return when the latest status report was posted and the week it covered."""
    reports = [(_moment(c["created_at"]), posted_week(c["body"] or "")) for c in comments]
    posted = sorted((at, week) for at, week in reports if week)
    return posted[-1] if posted else (None, None)


def tracker_label(config: RepoConfig) -> str:
    """Name the label of the tracker issue: `action-item-tracker` by default."""
    return f"{config.labels.item}-tracker"


def schedule_of(config: RepoConfig) -> WeeklySchedule:
    """Return the repository's weekly posting time."""
    return WeeklySchedule(config.schedule.weekday, config.schedule.hour, config.schedule.timezone)


@router.register(SCHEDULE_EVENT)
async def post_weekly_status(event: sansio.Event, context: Context) -> None:
    """Post this week's status on the tracker issue if its time has come."""
    repository = event.data["repository"]
    repo = repository["full_name"]
    branch = (
        repository.get("default_branch") or (await context.port.get_repo(repo))["default_branch"]
    )
    try:
        config = parse_repo_config(await context.port.get_file(repo, REPO_CONFIG_PATH, ref=branch))
    except ConfigError:
        return  # the push that broke the file was told so
    if config.schedule.enabled:
        await WeeklyStatus(context.port, repo, config).post(context.clock())


class WeeklyStatus:
    """The tracker issue of one repository and the reports on it."""

    def __init__(self, port: GitHubPort, repo: str, config: RepoConfig) -> None:
        self.port = port
        self.repo = repo
        self.config = config

    async def post(self, now: datetime) -> None:
        """Keep the tracker's summary current and post the report once it is due."""
        issues = await self.port.list_issues(self.repo, labels=self.config.labels.item, state="all")
        items = self.items(issues)
        if not items:
            return
        tracker = await self.tracker(items, now)
        comments = await self.port.list_comments(self.repo, tracker["number"])
        last_at, last_week = last_report(comments)
        schedule = schedule_of(self.config)
        if is_due(now, schedule, last_week):
            report = render_status(items, now, schedule, last_at)
            if report:
                await self.port.post_comment(self.repo, tracker["number"], report)

    def items(self, issues: list[dict[str, Any]]) -> list[TrackedItem]:
        """Return the bot's item issues as the report sees them."""
        prefix = self.config.labels.meeting_prefix
        marked = ((issue, parse_marker(issue.get("body"))) for issue in issues)
        return [tracked_item(i, m, prefix) for i, m in marked if isinstance(m, ItemMarker)]

    async def tracker(self, items: list[TrackedItem], now: datetime) -> dict[str, Any]:
        """Return the tracker issue with its summary brought up to date; open it if needed."""
        body = render_tracker_body(items, now)
        if self.config.tracker_issue is not None:
            tracker = await self.port.get_issue(self.repo, self.config.tracker_issue)
        else:
            label = tracker_label(self.config)
            found = await self.port.list_issues(self.repo, labels=label, state="all")
            mine = [i for i in found if TRACKER_MARKER in (i.get("body") or "")]
            if not mine:
                return await self.open_tracker(label, body)
            tracker = min(mine, key=lambda issue: issue["number"])
        if TRACKER_MARKER in (tracker.get("body") or "") and tracker["body"] != body:
            tracker = await self.port.update_issue(self.repo, tracker["number"], body=body)
        return tracker

    async def open_tracker(self, label: str, body: str) -> dict[str, Any]:
        """Open the tracker issue under its own label, kept apart from the items."""
        await self.port.create_label(self.repo, name=label, color=self.config.labels.item_color)
        return await self.port.create_issue(
            self.repo, title=TRACKER_TITLE, body=body, labels=[label]
        )
