"""The weekly status report and the tracker summary: pure functions of the items and the clock.

"Exactly once a week" rests on `week_of`: the report carries a hidden marker naming its
ISO week in the configured timezone, and the caller posts only when `is_due` says the
posting time of a week without a marker has come.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.compat import StrEnum
from bot.tracker.inert import GITHUB_LOGIN, inert_markdown

MAX_OPEN_LINES = 100
MAX_DONE_LINES = 50
MAX_TRACKER_LINES = 200
MAX_TITLE_CHARS = 120
"""Caps that keep a report far below GitHub's 65,536-character limit on a comment."""

_STATUS_MARKER = "<!-- minutes-bot:status week={week} -->"
_STATUS_MARKER_PATTERN = re.compile(r"<!-- minutes-bot:status week=(\d{4}-W\d{2}) -->")
TRACKER_MARKER = "<!-- minutes-bot:tracker -->"
_TRACKER_COUNTS = "**{open}** open ({overdue} overdue) · **{done}** done · **{dropped}** dropped"
_TRACKER_COUNTS_PATTERN = re.compile(
    r"^\*\*(?P<open>\d+)\*\* open \(\d+ overdue\) · \*\*(?P<done>\d+)\*\* done"
    r" · \*\*(?P<dropped>\d+)\*\* dropped$",
    re.MULTILINE,
)
_SUMMARY_LINE = re.compile(r"^- \[#(\d+)\]\(", re.MULTILINE)  # an open item in the summary

_DROPPED_REASONS = frozenset({"not_planned", "duplicate"})
CHARTS = ("none", "pie")


class ItemState(StrEnum):
    """An item issue's state; the values are GitHub's."""

    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class TrackedItem:
    """An action-item issue as the reports see it.

    `owners` are GitHub logins written `@login`, or plain names for people without a
    known login; `state_reason` is GitHub's (`completed`, `not_planned`, ...);
    `meeting` labels the meeting the item came from, e.g. `2024-12-18`.
    """

    number: int
    title: str
    url: str
    owners: tuple[str, ...]
    state: ItemState
    state_reason: str | None
    created_at: datetime
    closed_at: datetime | None = None
    due: date | None = None
    meeting: str = ""

    @property
    def is_open(self) -> bool:
        return self.state is ItemState.OPEN

    @property
    def is_done(self) -> bool:
        """Closed as completed; issues closed before GitHub kept reasons count too."""
        return not self.is_open and self.state_reason not in _DROPPED_REASONS

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due is not None and self.due < today


@dataclass(frozen=True)
class ClosedCounts:
    """How many items are closed, done or dropped, as the tracker's summary last counted them."""

    done: int
    dropped: int


@dataclass(frozen=True)
class WeeklySchedule:
    """When the weekly status is posted: a weekday (0 is Monday), an hour and a timezone."""

    weekday: int = 0
    hour: int = 9
    tz: str = "UTC"

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday}")
        if not 0 <= self.hour <= 23:
            raise ValueError(f"hour must be 0 to 23, not {self.hour}")
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown timezone {self.tz!r}") from error

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)


@dataclass(frozen=True)
class StatusLook:
    """How the report looks: its chart (`none` or a Mermaid `pie`), and the age in weeks
    from which an open item without a due date says how long it has been open."""

    chart: str = "none"
    old_after_weeks: int = 4

    def __post_init__(self) -> None:
        if self.chart not in CHARTS:
            raise ValueError(f"chart must be one of {', '.join(CHARTS)}, not {self.chart!r}")
        if self.old_after_weeks < 1:
            raise ValueError(f"old_after_weeks must be at least 1, not {self.old_after_weeks}")


def week_of(now: datetime, schedule: WeeklySchedule) -> str:
    """Return the ISO week label (`2025-W03`) of `now` in the schedule's timezone."""
    year, week, _ = _local(now, schedule).isocalendar()
    return f"{year}-W{week:02d}"


def is_due(now: datetime, schedule: WeeklySchedule, last_week_posted: str | None) -> bool:
    """Tell whether this week's posting time has come and this week has no report yet."""
    local = _local(now, schedule)
    monday = local.date() - timedelta(days=local.weekday())
    posting_day = monday + timedelta(days=schedule.weekday)
    posting_time = datetime.combine(posting_day, time(schedule.hour), tzinfo=schedule.zone)
    this_week = week_of(now, schedule)
    return local >= posting_time and (last_week_posted is None or last_week_posted < this_week)


def status_marker(week: str) -> str:
    """Return the hidden marker that identifies the status report of `week`."""
    return _STATUS_MARKER.format(week=week)


def posted_week(comment_body: str) -> str | None:
    """Return the week a status comment reports on, or None for any other comment."""
    match = _STATUS_MARKER_PATTERN.search(comment_body)
    return match[1] if match else None


def render_status(
    items: Sequence[TrackedItem],
    now: datetime,
    schedule: WeeklySchedule,
    since: datetime | None,
    look: StatusLook = StatusLook(),
    closed: ClosedCounts | None = None,
) -> str | None:
    """Render the weekly status comment, or None when nothing is tracked.

    `since` is when the last report was posted (None before the first one), so a
    week the service missed is still covered. The report shows only open items and
    what changed after `since`, so `items` may leave out the items closed before it;
    `closed` then counts every closed item, which is how the report knows that
    something is tracked when nothing is open.
    """
    if not items and (closed is None or closed.done + closed.dropped == 0):
        return None
    report = _Report(tuple(items), _local(now, schedule), since, look)
    week = week_of(now, schedule)
    sections = [
        f"{status_marker(week)}\n## Action items, week of {report.week_start()}",
        report.totals(),
        "### Open\n\n" + (report.open_by_owner() or "Nothing open."),
        report.done_section(),
        report.pie_chart() if look.chart == "pie" else "",
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def render_tracker_body(
    items: Sequence[TrackedItem], now: datetime, closed: ClosedCounts | None = None
) -> str:
    """Render the tracker issue's body: counts and open items by meeting, newest first.

    It leaves out ages and timestamps so that the body changes only when an item does;
    `now` gives today's date (in `now`'s own timezone) for telling what is overdue.
    With `closed`, the done and dropped items are counted there, and `items` need
    hold only the open ones.
    """
    report = _Report(tuple(items), _aware(now), since=None, closed=closed)
    sections = [
        f"{TRACKER_MARKER}\n## Action items from the meeting minutes",
        report.tracker_counts(),
        report.open_by_meeting() or "Nothing open.",
    ]
    return "\n\n".join(sections) + "\n"


def counted_closed(items: Iterable[TrackedItem]) -> ClosedCounts:
    """Count the closed items, done and dropped."""
    closed = [item for item in items if not item.is_open]
    done = sum(item.is_done for item in closed)
    return ClosedCounts(done=done, dropped=len(closed) - done)


def closed_now(
    body: str, written: datetime, items: Iterable[TrackedItem]
) -> ClosedCounts | None:
    """Count the closed items now from the tracker's summary `body` and `items`, every item
    open now or changed since the summary was rendered; None when the summary cannot tell.

    The summary counts the items that were closed when it was rendered, at or before
    `written` (the tracker's `updated_at`), and lists every item open then: an item it
    lists that is closed now is added to its counts, and an item it does not list that
    is closed now was counted already. It cannot tell when its list was cut at the cap,
    when an item it lists is gone from `items`, when an item it counted as closed is
    open again (done or dropped, it does not say which), or when an item it does not
    list was closed after it was written (an item it never saw).
    """
    shown = _TRACKER_COUNTS_PATTERN.search(body) if TRACKER_MARKER in body else None
    listed = {int(number) for number in _SUMMARY_LINE.findall(body)}
    by_number = {item.number: item for item in items}
    if shown is None or len(listed) != int(shown["open"]) or not listed <= by_number.keys():
        return None
    if any(_unseen(item, listed, written) for item in by_number.values()):
        return None
    since_written = counted_closed(by_number[number] for number in listed)
    return ClosedCounts(
        done=int(shown["done"]) + since_written.done,
        dropped=int(shown["dropped"]) + since_written.dropped,
    )


def _unseen(item: TrackedItem, listed: set[int], written: datetime) -> bool:
    """Tell whether the summary, listing `listed` as open, missed `item`'s last change."""
    if item.number in listed:
        return False
    if item.is_open:
        return item.state_reason == "reopened"
    # Closed in the very second it was written (GitHub's times are whole seconds): before
    # its listing, for an item it does not list was not open then.
    return item.closed_at is None or item.closed_at > written


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now


def _local(now: datetime, schedule: WeeklySchedule) -> datetime:
    return _aware(now).astimezone(schedule.zone)


@dataclass(frozen=True)
class _Report:
    """The items as seen at one local moment, relative to the last report."""

    items: tuple[TrackedItem, ...]
    now: datetime
    since: datetime | None
    look: StatusLook = StatusLook()
    closed: ClosedCounts | None = None

    @property
    def today(self) -> date:
        return self.now.date()

    def week_start(self) -> str:
        """Name the Monday of the report's week as people write it: `13 January 2025`."""
        monday = self.today - timedelta(days=self.today.weekday())
        return f"{monday.day} {monday:%B %Y}"

    def day(self, when: date) -> str:
        """Write a day as people do: `8 January`, with the year when it is not this one."""
        return f"{when.day} {when:%B}" + (f" {when.year}" if when.year != self.today.year else "")

    @cached_property
    def open_items(self) -> list[TrackedItem]:
        """Open items, overdue first, then by due date, then oldest first."""
        open_items = (item for item in self.items if item.is_open)
        return sorted(open_items, key=lambda item: (not self.overdue(item), _due_order(item)))

    @cached_property
    def done(self) -> list[TrackedItem]:
        """Items completed since the last report, in the order they were closed."""
        done = (item for item in self.items if item.is_done and self.is_new(item.closed_at))
        return sorted(done, key=lambda item: (item.closed_at, item.number))

    def overdue(self, item: TrackedItem) -> bool:
        return item.is_overdue(self.today)

    def overdue_count(self) -> int:
        return sum(self.overdue(item) for item in self.items)

    def is_new(self, moment: datetime | None) -> bool:
        return moment is not None and (self.since is None or moment > self.since)

    def since_words(self) -> str:
        if self.since is None:
            return "since tracking began"
        return f"since the last report ({self.local_day(self.since)})"

    def local_day(self, moment: datetime) -> str:
        return self.day(moment.astimezone(self.now.tzinfo).date())

    def totals(self) -> str:
        new_count = sum(self.is_new(item.created_at) for item in self.items)
        return (
            f"- **{len(self.open_items)}** open, **{self.overdue_count()}** of them overdue\n"
            f"- **{len(self.done)}** done and **{new_count}** new {self.since_words()}"
        )

    def tracker_counts(self) -> str:
        closed = self.closed or counted_closed(self.items)
        return _TRACKER_COUNTS.format(
            open=len(self.open_items),
            overdue=self.overdue_count(),
            done=closed.done,
            dropped=closed.dropped,
        )

    def open_by_owner(self) -> str:
        """List open items under each owner, owners with overdue items first."""
        by_owner: dict[str, list[str]] = {}
        for item in self.open_items:
            line = f"- {self.item_line(item)}"
            for owner in item.owners or ("",):
                by_owner.setdefault(owner, []).append(line)
        late = {owner for item in self.open_items if self.overdue(item) for owner in item.owners}
        order = sorted(by_owner, key=lambda owner: (owner not in late, *_owner_order(owner)))
        blocks = [(f"**{self.owner(owner) or 'No owner'}**", by_owner[owner]) for owner in order]
        return _capped(blocks, MAX_OPEN_LINES, "open items")

    def open_by_meeting(self) -> str:
        """List open items under each meeting, newest meeting first."""
        by_meeting: dict[str, list[str]] = {}
        for item in self.open_items:
            line = f"- {self.item_line(item, age=False)} · {self.owner_list(item)}"
            by_meeting.setdefault(item.meeting or "Other", []).append(line)
        order = sorted(by_meeting, reverse=True)
        blocks = [(f"### {meeting}", by_meeting[meeting]) for meeting in order]
        return _capped(blocks, MAX_TRACKER_LINES, "open items")

    def done_section(self) -> str:
        lines = [
            f"- {_link(item)} {_title(item)} · {self.owner_list(item)}"
            f" · closed {self.local_day(item.closed_at)}"
            for item in self.done
            if item.closed_at
        ]
        if not lines:
            return ""
        done = _capped([("", lines)], MAX_DONE_LINES, "done")
        return f"### Done {self.since_words()}\n\n{done}"

    def pie_chart(self) -> str:
        """Draw open, overdue and done as a Mermaid pie, leaving out empty slices.

        No title: the heading above says what the chart is of.
        """
        overdue = self.overdue_count()
        slices = {
            "Open, not overdue": len(self.open_items) - overdue,
            "Overdue": overdue,
            "Done" if self.since is None else "Done since the last report": len(self.done),
        }
        rows = [f'    "{label}" : {count}' for label, count in slices.items() if count]
        if not rows:
            return ""
        return "\n".join(["```mermaid", "pie showData", *rows, "```"])

    def item_line(self, item: TrackedItem, *, age: bool = True) -> str:
        """Link and title an item, then say when it is due, or how old it is if that matters."""
        when = self.when_due(item) or (self.age(item) if age else "")
        return f"{_link(item)} {_title(item)}" + (f" · {when}" if when else "")

    def when_due(self, item: TrackedItem) -> str:
        if item.due is None:
            return ""
        if self.overdue(item):
            return f"**overdue since {self.day(item.due)}**"
        return "due today" if item.due == self.today else f"due {self.day(item.due)}"

    def age(self, item: TrackedItem) -> str:
        """Say how long an item has been open once that is `old_after_weeks` or more."""
        days = (self.today - item.created_at.astimezone(self.now.tzinfo).date()).days
        weeks = days // 7
        return f"open {weeks} weeks" if weeks >= self.look.old_after_weeks else ""

    def owner(self, owner: str) -> str:
        """Link a login to its profile without the `@` that would notify them each week."""
        if not _LOGIN.fullmatch(owner):
            return inert_markdown(owner)
        login = owner.removeprefix("@")
        return f"[{login}]({self.site}/{login})"

    def owner_list(self, item: TrackedItem) -> str:
        return ", ".join(self.owner(owner) for owner in item.owners) or "no owner"

    @cached_property
    def site(self) -> str:
        """Return GitHub's address as the items' links give it (GitHub Enterprise too)."""
        url = self.items[0].url if self.items else ""
        scheme, _, rest = url.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}" if rest else "https://github.com"


# An owner is linked to a profile only when it is a login GitHub could have; anything
# else (a name, `@a--b`, forty characters) is repeated as inert text.
_LOGIN = re.compile(f"@{GITHUB_LOGIN}")


def _due_order(item: TrackedItem) -> tuple[date, datetime, int]:
    return (item.due or date.max, item.created_at, item.number)


def _owner_order(owner: str) -> tuple[bool, str]:
    """Sort people by name whether or not they have a login, and nobody last."""
    return (not owner, owner.removeprefix("@").casefold())


def _link(item: TrackedItem) -> str:
    return f"[#{item.number}]({item.url})"


def _title(item: TrackedItem) -> str:
    """Return the title on one line, shortened, mentioning and linking nothing."""
    title = " ".join(item.title.split())
    short = title if len(title) <= MAX_TITLE_CHARS else title[: MAX_TITLE_CHARS - 1] + "…"
    return inert_markdown(short)


def _capped(blocks: Sequence[tuple[str, list[str]]], limit: int, what: str) -> str:
    """Join headed blocks of lines, keeping at most `limit` lines and saying how many were left."""
    parts: list[str] = []
    shown = 0
    for heading, lines in blocks:
        kept = lines[: max(limit - shown, 0)]
        if kept:
            parts.append("\n".join([heading, *kept] if heading else kept))
        shown += len(kept)
    hidden = sum(len(lines) for _, lines in blocks) - shown
    if hidden:
        parts.append(f"…and {hidden} more {what}.")
    return "\n\n".join(parts)
