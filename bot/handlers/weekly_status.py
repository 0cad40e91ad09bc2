"""Post the weekly status comment on the tracker issue, never twice for one week.

Three triggers share `WeeklyStatus.run`: a `schedule` event (from the service's
periodic check, or from a scheduled GitHub Actions run) and `minutes-bot status`.
The week a report covers is in the report's hidden marker, checked just before
posting, so whichever run comes first posts and every later one for that week finds
the marker and does nothing. The check and the post are not atomic: replicas sharing
Redis are serialised per repository by its lock, but a manual run at the very same
moment as the scheduler could still race.

The tracker issue's body is a summary kept current whenever the bot changes an item
(`refresh_tracker`); it is only edited when its text changes.

Once there is a last report, both read the items alike: the open ones and those updated
since the report (GitHub moves an issue's `updated_at` when it is opened, closed or
reopened), so the items of old meetings, closed long ago, cost nothing. The summary's
counts of done and dropped items stand in for them: they count what was closed when the
summary was last rendered, and the items it listed as open then that are closed now are
added to them (`closed_now`). Where the summary cannot tell (no count, a list cut at its
cap, an item it counted as closed open again, one it never saw closed), every item is
listed again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from gidgethub import sansio
from gidgethub.routing import Router

from bot.compat import parse_time
from bot.config.types import ConfigError, RepoConfig
from bot.github.port import GitHubPort
from bot.handlers.authored import by_the_bot
from bot.handlers.context import Context
from bot.handlers.repo_config import load_repo_config
from bot.tracker.marker import ItemMarker, trusted_marker, written_by
from bot.tracker.render import EVERYONE, NOBODY, owners_shown
from bot.tracker.status import (
    TRACKER_MARKER,
    ClosedCounts,
    ItemState,
    StatusLook,
    TrackedItem,
    WeeklySchedule,
    closed_now,
    is_due,
    posted_week,
    render_status,
    render_tracker_body,
    week_of,
)

router = Router()

SCHEDULE_EVENT = "schedule"
TRACKER_TITLE = "Action items from meeting minutes"
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
        created_at=parse_time(issue["created_at"]),
        closed_at=parse_time(issue["closed_at"]) if issue.get("closed_at") else None,
        due=marker.current_due,
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
    owners = owners_shown(body)
    if owners is None or owners in (EVERYONE, NOBODY):
        return ()
    return tuple(_WHY_NOT.sub("", name).strip() for name in owners.split(", "))


def last_report(comments: list[dict[str, Any]]) -> tuple[datetime | None, str | None]:
    """Return when the latest status report was posted and the week it covered."""
    reports = [(parse_time(c["created_at"]), posted_week(c["body"] or "")) for c in comments]
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
    repo = event.data["repository"]["full_name"]
    config = await read_config(context.port, repo, event.data["repository"].get("default_branch"))
    if config is not None and config.schedule.enabled:
        await WeeklyStatus(context.port, repo, config).run(context.clock())


async def read_config(port: GitHubPort, repo: str, branch: str | None = None) -> RepoConfig | None:
    """Read the repository's config from `branch` (None: the default one); None when it is
    broken."""
    try:
        return await load_repo_config(port, repo, branch)
    except ConfigError:
        return None  # the push that broke the file was told so


async def refresh_tracker(port: GitHubPort, repo: str, config: RepoConfig, now: datetime) -> None:
    """Bring the tracker's summary up to date after an item changed, if there is a tracker."""
    status = WeeklyStatus(port, repo, config)
    tracker = await status.find_tracker()
    if tracker is None:
        return
    comments = await status.reports(tracker["number"])
    items, closed = await status.read_items(tracker, last_report(comments)[0])
    if items or closed is not None:
        await status.update_summary(tracker, items, now, closed)


@dataclass(frozen=True)
class Outcome:
    """What one status run decided: the report for now (None when nothing is tracked),
    whether it is due, and whether it was posted."""

    report: str | None
    due: bool
    posted: bool = False
    tracker: int | None = None
    posted_already: bool = False

    @property
    def explanation(self) -> str:
        """Say in a few words what happened, for people running the command by hand."""
        if self.report is None:
            return "nothing is tracked, so there is no report"
        if self.posted:
            return f"posted the weekly status on #{self.tracker}"
        if self.posted_already:
            return "this week's report is already posted"
        if not self.due:
            return "not due yet: this week's posting time has not come"
        return "due, but not posted (dry run)"


class WeeklyStatus:
    """The tracker issue of one repository and the reports on it."""

    def __init__(self, port: GitHubPort, repo: str, config: RepoConfig) -> None:
        self.port = port
        self.repo = repo
        self.config = config

    async def run(self, now: datetime, *, dry_run: bool = False) -> Outcome:
        """Keep the tracker's summary current and post the report once it is due.

        A dry run reads the same and decides the same, but writes nothing.
        """
        tracker = await self.find_tracker()
        comments = await self.reports(tracker["number"]) if tracker else []
        items, closed = await self.read_items(tracker, last_report(comments)[0])
        config = self.config
        outcome = decide(items, comments, now, schedule_of(config), config.status, closed)
        if outcome.report is None:
            return Outcome(report=None, due=False)
        if dry_run:
            return outcome
        tracker = await self.ensure_tracker(tracker, items, now, closed)
        if outcome.due:
            outcome = await self.post_if_still_due(tracker["number"], items, now, closed)
        return replace(outcome, tracker=tracker["number"])

    async def post_if_still_due(
        self,
        tracker: int,
        items: list[TrackedItem],
        now: datetime,
        closed: ClosedCounts | None = None,
    ) -> Outcome:
        """Read the tracker's reports again, since another run may have posted, then post."""
        comments = await self.reports(tracker)
        config = self.config
        outcome = decide(items, comments, now, schedule_of(config), config.status, closed)
        if outcome.due and outcome.report:
            await self.port.post_comment(self.repo, tracker, outcome.report)
            return replace(outcome, posted=True)
        return outcome

    async def read_items(
        self, tracker: dict[str, Any] | None, last_at: datetime | None
    ) -> tuple[list[TrackedItem], ClosedCounts | None]:
        """Return what the report and the summary need of the items: all of them (and None),
        or, once there is a last report, the open ones and those updated since it, with the
        closed ones counted from the summary."""
        summary = (tracker or {}).get("body") or ""
        written = (tracker or {}).get("updated_at")
        if last_at is None or written is None or TRACKER_MARKER not in summary:
            return await self.items(), None
        # Every run renders the summary before it posts a report, so whatever changed since
        # the summary was rendered was updated after the report's listing.
        items = await self.items(since=last_at)
        closed = closed_now(summary, parse_time(written), items)
        if closed is None:
            return await self.items(), None
        return items, closed

    async def items(self, since: datetime | None = None) -> list[TrackedItem]:
        """Return the bot's item issues as the report sees them: every one, or with `since`
        the open ones and those updated at or after `since`."""
        labels = self.config.labels
        if since is None:
            issues = await self.port.list_issues(self.repo, labels=labels.item, state="all")
        else:
            opened = await self.port.list_issues(self.repo, labels=labels.item, state="open")
            changed = await self.port.list_issues(
                self.repo, labels=labels.item, state="all", since=since
            )
            # The later listing wins: an item closed between the two is closed.
            issues = list({issue["number"]: issue for issue in (*opened, *changed)}.values())
        logins = await self.port.own_logins()
        marked = (
            (issue, trusted_marker(issue, logins, labels.item, labels.meeting_prefix))
            for issue in issues
        )
        prefix = labels.meeting_prefix
        return [tracked_item(i, m, prefix) for i, m in marked if isinstance(m, ItemMarker)]

    async def reports(self, tracker: int) -> list[dict[str, Any]]:
        """Return the bot's own comments on the tracker: a copied report marker is no report."""
        logins = await self.port.own_logins()
        comments = await self.port.list_comments(self.repo, tracker)
        return [comment for comment in comments if written_by(comment, logins)]

    async def find_tracker(self) -> dict[str, Any] | None:
        """Return the tracker issue: the configured one, else the oldest the bot opened."""
        if self.config.tracker_issue is not None:
            return await self.port.get_issue(self.repo, self.config.tracker_issue)
        found = await self.port.list_issues(self.repo, labels=tracker_label(self.config))
        marked = [issue for issue in found if TRACKER_MARKER in (issue.get("body") or "")]
        mine = await by_the_bot(self.port, marked)
        return min(mine, key=lambda issue: issue["number"]) if mine else None

    async def ensure_tracker(
        self,
        tracker: dict[str, Any] | None,
        items: list[TrackedItem],
        now: datetime,
        closed: ClosedCounts | None = None,
    ) -> dict[str, Any]:
        """Return the tracker with its summary up to date, opening it if there is none."""
        if tracker is None:
            return await self.open_tracker(render_tracker_body(items, now, closed))
        return await self.update_summary(tracker, items, now, closed)

    async def update_summary(
        self,
        tracker: dict[str, Any],
        items: list[TrackedItem],
        now: datetime,
        closed: ClosedCounts | None = None,
    ) -> dict[str, Any]:
        """Edit the summary in place when it changed; a tracker a person wrote is left alone."""
        body = render_tracker_body(items, now, closed)
        if TRACKER_MARKER in (tracker.get("body") or "") and tracker["body"] != body:
            return await self.port.update_issue(self.repo, tracker["number"], body=body)
        return tracker

    async def open_tracker(self, body: str) -> dict[str, Any]:
        """Open the tracker issue under its own label, kept apart from the items."""
        label = tracker_label(self.config)
        await self.port.create_label(self.repo, name=label, color=self.config.labels.item_color)
        return await self.port.create_issue(
            self.repo, title=TRACKER_TITLE, body=body, labels=[label]
        )


def decide(
    items: list[TrackedItem],
    comments: list[dict[str, Any]],
    now: datetime,
    schedule: WeeklySchedule,
    look: StatusLook,
    closed: ClosedCounts | None = None,
) -> Outcome:
    """Render the report for `now` and tell whether it is due, given the tracker's comments."""
    last_at, last_week = last_report(comments)
    report = render_status(items, now, schedule, last_at, look, closed)
    return Outcome(
        report=report,
        due=report is not None and is_due(now, schedule, last_week),
        posted_already=last_week == week_of(now, schedule),
    )
