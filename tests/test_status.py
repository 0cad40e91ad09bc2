"""The weekly status report and tracker body, rendered against an injected clock."""

import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.compat import UTC
from bot.tracker.status import (
    MAX_TRACKER_LINES,
    ClosedCounts,
    ItemState,
    StatusLook,
    TrackedItem,
    WeeklySchedule,
    closed_now,
    counted_closed,
    is_due,
    posted_week,
    render_status,
    render_tracker_body,
    status_marker,
    week_of,
)

URL = "https://github.com/coconut-svsm/svsm/issues/"
BERLIN_MONDAY_9 = WeeklySchedule(weekday=0, hour=9, tz="Europe/Berlin")
AUCKLAND_MONDAY_9 = WeeklySchedule(weekday=0, hour=9, tz="Pacific/Auckland")
BERLIN_FRIDAY_17 = WeeklySchedule(weekday=4, hour=17, tz="Europe/Berlin")
BERLIN_SUNDAY_2 = WeeklySchedule(weekday=6, hour=2, tz="Europe/Berlin")
UTC_SUNDAY_23 = WeeklySchedule(weekday=6, hour=23, tz="UTC")
UTC_MONDAY_9 = WeeklySchedule()
PIE = StatusLook(chart="pie")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


MEETING = utc(2024, 12, 18, 17, 5)
AN_ITEM = TrackedItem(
    number=1,
    title="Do the thing",
    url=f"{URL}1",
    owners=("@someone",),
    state=ItemState.OPEN,
    state_reason=None,
    created_at=MEETING,
    meeting="2024-12-18",
)


def item(number: int, title: str = "Do the thing", **changes: Any) -> TrackedItem:
    return replace(AN_ITEM, number=number, title=title, url=f"{URL}{number}", **changes)


def closed(number: int, when: datetime, reason: str = "completed", **changes: Any) -> TrackedItem:
    return item(number, state=ItemState.CLOSED, state_reason=reason, closed_at=when, **changes)


SVSM_ITEMS = (
    item(
        101,
        "Check and resubmit the changes removed from the `svsm-tdx` branch",
        owners=("@peterfang",),
        due=date(2025, 1, 8),
    ),
    item(
        102,
        "Help review and document unsafe blocks in the memory allocator",
        owners=("@joergroedel",),
        due=date(2025, 1, 31),
    ),
    item(
        103,
        "Investigate the external UUID crate and compare it with the existing implementation",
        owners=("@joergroedel",),
    ),
    item(
        104,
        "Help convince Linux architects of the SVSM observability use case",
        owners=("Jon Lange",),
    ),
    item(
        105,
        "Explore passing SVSM memory through an IGVM device tree parameter",
        owners=("@AdamDunlap",),
        created_at=utc(2025, 1, 8, 17, 2),
        meeting="2025-01-08",
    ),
    closed(
        106,
        utc(2025, 1, 7, 10, 0),
        title="Review the user space support PR before the holidays",
        owners=("@joergroedel",),
        due=date(2024, 12, 20),
    ),
    closed(
        107,
        utc(2025, 1, 10, 15, 30),
        title="Test the new Linux kernel and QEMU branches",
        owners=(),
    ),
)
MONDAY_MORNING = utc(2025, 1, 13, 8, 30)
LAST_MONDAY = utc(2025, 1, 6, 8, 0)

SVSM_STATUS = """\
<!-- minutes-bot:status week=2025-W03 -->
## Action items, week of 13 January 2025

- **5** open, **1** of them overdue
- **2** done and **1** new since the last report (6 January)

### Open

**[peterfang](https://github.com/peterfang)**
- [#101](https://github.com/coconut-svsm/svsm/issues/101) Check and resubmit the changes removed from the `svsm-tdx` branch · **overdue since 8 January**

**[AdamDunlap](https://github.com/AdamDunlap)**
- [#105](https://github.com/coconut-svsm/svsm/issues/105) Explore passing SVSM memory through an IGVM device tree parameter

**[joergroedel](https://github.com/joergroedel)**
- [#102](https://github.com/coconut-svsm/svsm/issues/102) Help review and document unsafe blocks in the memory allocator · due 31 January
- [#103](https://github.com/coconut-svsm/svsm/issues/103) Investigate the external UUID crate and compare it with the existing implementation

**Jon Lange**
- [#104](https://github.com/coconut-svsm/svsm/issues/104) Help convince Linux architects of the SVSM observability use case

### Done since the last report (6 January)

- [#106](https://github.com/coconut-svsm/svsm/issues/106) Review the user space support PR before the holidays · [joergroedel](https://github.com/joergroedel) · closed 7 January
- [#107](https://github.com/coconut-svsm/svsm/issues/107) Test the new Linux kernel and QEMU branches · no owner · closed 10 January
"""

SVSM_PIE = """\
```mermaid
pie showData
    "Open, not overdue" : 4
    "Overdue" : 1
    "Done since the last report" : 2
```
"""

SVSM_TRACKER = """\
<!-- minutes-bot:tracker -->
## Action items from the meeting minutes

**5** open (1 overdue) · **2** done · **0** dropped

### 2025-01-08
- [#105](https://github.com/coconut-svsm/svsm/issues/105) Explore passing SVSM memory through an IGVM device tree parameter · [AdamDunlap](https://github.com/AdamDunlap)

### 2024-12-18
- [#101](https://github.com/coconut-svsm/svsm/issues/101) Check and resubmit the changes removed from the `svsm-tdx` branch · **overdue since 8 January** · [peterfang](https://github.com/peterfang)
- [#102](https://github.com/coconut-svsm/svsm/issues/102) Help review and document unsafe blocks in the memory allocator · due 31 January · [joergroedel](https://github.com/joergroedel)
- [#103](https://github.com/coconut-svsm/svsm/issues/103) Investigate the external UUID crate and compare it with the existing implementation · [joergroedel](https://github.com/joergroedel)
- [#104](https://github.com/coconut-svsm/svsm/issues/104) Help convince Linux architects of the SVSM observability use case · Jon Lange
"""


def test_renders_the_svsm_status_exactly() -> None:
    assert render_status(SVSM_ITEMS, MONDAY_MORNING, BERLIN_MONDAY_9, LAST_MONDAY) == SVSM_STATUS


def test_the_pie_is_drawn_only_when_asked_for() -> None:
    pie = render_status(
        SVSM_ITEMS, MONDAY_MORNING, BERLIN_MONDAY_9, LAST_MONDAY, StatusLook(chart="pie")
    )
    assert pie == SVSM_STATUS + "\n" + SVSM_PIE


@pytest.mark.parametrize(
    ("created", "due", "said"),
    [
        (utc(2025, 1, 6), None, ""),  # a week old: not worth saying
        (utc(2024, 12, 23), None, "open 3 weeks"),  # from `old_after_weeks` on
        (utc(2024, 11, 1), date(2025, 1, 13), "due today"),  # the due date says more
        (utc(2024, 11, 1), date(2025, 2, 3), "due 3 February"),
        (utc(2024, 11, 1), date(2024, 12, 20), "**overdue since 20 December 2024**"),
    ],
)
def test_an_item_says_when_it_is_due_or_how_old_it_is_only_when_that_matters(
    created: datetime, due: date | None, said: str
) -> None:
    status = render_status(
        [item(1, created_at=created, due=due)], MONDAY_MORNING, UTC_MONDAY_9, None,
        StatusLook(old_after_weeks=3),
    )
    assert status is not None
    line = next(line for line in status.splitlines() if line.startswith("- [#1]"))
    assert line == f"- [#1]({URL}1) Do the thing" + (f" · {said}" if said else "")


def test_owners_link_to_their_profiles_without_notifying_them() -> None:
    status = render_status(SVSM_ITEMS, MONDAY_MORNING, BERLIN_MONDAY_9, LAST_MONDAY)
    assert status is not None
    assert "@" not in status.replace("<!--", "")
    enterprise = replace(AN_ITEM, url="https://git.example.com/acme/site/issues/1")
    on_enterprise = render_status([enterprise], MONDAY_MORNING, UTC_MONDAY_9, None)
    assert on_enterprise is not None
    assert "**[someone](https://git.example.com/someone)**" in on_enterprise


@pytest.mark.parametrize(
    ("owner", "shown"),
    [
        ("@everyone-GH-7", "[everyone-GH-7](https://github.com/everyone-GH-7)"),
        ("@" + "a" * 39, f"[{'a' * 39}](https://github.com/{'a' * 39})"),
        ("@a--b", "@&#8203;a--b"),
        ("@-a", "@&#8203;-a"),
        ("@a-", "@&#8203;a-"),
        ("@" + "a" * 40, "@&#8203;" + "a" * 40),
        ("@org/team", "@&#8203;org/team"),
    ],
)
def test_links_only_what_github_could_have_as_a_login_to_a_profile(owner: str, shown: str) -> None:
    status = render_status([replace(AN_ITEM, owners=(owner,))], MONDAY_MORNING, UTC_MONDAY_9, None)
    assert status is not None
    assert f"\n**{shown}**\n" in status


@pytest.mark.parametrize(
    ("fields", "message"),
    [({"chart": "bar"}, "chart must be one of none, pie"), ({"old_after_weeks": 0}, "at least 1")],
)
def test_rejects_a_look_it_cannot_draw(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        StatusLook(**fields)


def test_renders_the_svsm_tracker_body_exactly() -> None:
    assert render_tracker_body(SVSM_ITEMS, MONDAY_MORNING) == SVSM_TRACKER


def test_posts_nothing_for_a_repository_without_items() -> None:
    assert render_status((), MONDAY_MORNING, BERLIN_MONDAY_9, None) is None


@pytest.mark.parametrize(
    ("now", "schedule", "week"),
    [
        # Monday 09:30 in Auckland is still Sunday evening in UTC.
        (utc(2025, 1, 12, 20, 30), AUCKLAND_MONDAY_9, "2025-W03"),
        (utc(2025, 1, 12, 20, 30), UTC_MONDAY_9, "2025-W02"),
        (utc(2025, 1, 12, 10, 59), AUCKLAND_MONDAY_9, "2025-W02"),
        (utc(2025, 1, 12, 11, 0), AUCKLAND_MONDAY_9, "2025-W03"),
        # ISO weeks cross the calendar year.
        (utc(2024, 12, 30, 12, 0), UTC_MONDAY_9, "2025-W01"),
        (utc(2021, 1, 3, 12, 0), UTC_MONDAY_9, "2020-W53"),
    ],
)
def test_labels_the_week_in_the_configured_timezone(
    now: datetime, schedule: WeeklySchedule, week: str
) -> None:
    assert week_of(now, schedule) == week


@pytest.mark.parametrize(
    ("now", "schedule", "last_week_posted", "due"),
    [
        # Monday 09:30 in Auckland is Sunday 20:30 UTC, already the next week there.
        (utc(2025, 1, 12, 20, 30), AUCKLAND_MONDAY_9, "2025-W02", True),
        (utc(2025, 1, 12, 19, 30), AUCKLAND_MONDAY_9, "2025-W02", False),
        (utc(2025, 1, 12, 20, 30), UTC_MONDAY_9, "2025-W02", False),
        (utc(2025, 1, 12, 20, 30), AUCKLAND_MONDAY_9, "2025-W03", False),
        (utc(2025, 1, 12, 20, 30), AUCKLAND_MONDAY_9, None, True),
        (utc(2025, 1, 17, 12, 0), AUCKLAND_MONDAY_9, "2025-W02", True),
        (utc(2025, 1, 12, 20, 30), AUCKLAND_MONDAY_9, "2025-W04", False),
        (utc(2025, 1, 17, 15, 59), BERLIN_FRIDAY_17, None, False),
        (utc(2025, 1, 17, 16, 0), BERLIN_FRIDAY_17, None, True),
        (utc(2025, 1, 19, 22, 59), UTC_SUNDAY_23, None, False),
        (utc(2025, 1, 19, 23, 0), UTC_SUNDAY_23, None, True),
        # 02:00 does not exist in Berlin on 2025-03-30; the report goes out when clocks jump.
        (utc(2025, 3, 30, 0, 59), BERLIN_SUNDAY_2, None, False),
        (utc(2025, 3, 30, 1, 0), BERLIN_SUNDAY_2, None, True),
    ],
)
def test_is_due_once_the_posting_time_of_an_unreported_week_comes(
    now: datetime, schedule: WeeklySchedule, last_week_posted: str | None, due: bool
) -> None:
    assert is_due(now, schedule, last_week_posted) is due


def test_posts_once_per_week_however_often_it_is_asked() -> None:
    posted: dict[str, datetime] = {}
    start = utc(2025, 1, 12, 0, 0)
    for minutes in range(0, 14 * 24 * 60, 15):
        now = start + timedelta(minutes=minutes)
        if is_due(now, AUCKLAND_MONDAY_9, max(posted, default=None)):
            posted[week_of(now, AUCKLAND_MONDAY_9)] = now
    # The first week's time had passed when the clock started, so it is caught up at once;
    # later weeks go out at Monday 09:00 in Auckland, which is Sunday 20:00 UTC.
    assert posted == {
        "2025-W02": start,
        "2025-W03": utc(2025, 1, 12, 20, 0),
        "2025-W04": utc(2025, 1, 19, 20, 0),
    }


def test_finds_its_own_marker_in_a_status_comment() -> None:
    body = render_status(SVSM_ITEMS, MONDAY_MORNING, BERLIN_MONDAY_9, LAST_MONDAY)
    assert body is not None
    assert body.startswith(status_marker("2025-W03"))
    assert posted_week(body) == "2025-W03"
    assert posted_week("Thanks for the report! week=2025-W03") is None


def test_reports_everything_since_the_last_report_after_a_missed_week() -> None:
    two_weeks_ago = MONDAY_MORNING - timedelta(days=14)
    items = (
        closed(1, MONDAY_MORNING - timedelta(days=10), title="Closed during the missed week"),
        closed(2, MONDAY_MORNING - timedelta(days=3), title="Closed last week"),
        closed(3, two_weeks_ago - timedelta(days=1), title="Closed before the last report"),
    )
    status = render_status(items, MONDAY_MORNING, BERLIN_MONDAY_9, two_weeks_ago)
    assert status is not None
    assert "**2** done and **0** new since the last report (30 December 2024)" in status
    assert "Closed during the missed week" in status
    assert "Closed last week" in status
    assert "Closed before the last report" not in status


def test_first_report_counts_everything_since_tracking_began() -> None:
    status = render_status(SVSM_ITEMS, MONDAY_MORNING, BERLIN_MONDAY_9, None, PIE)
    assert status is not None
    assert "- **2** done and **7** new since tracking began" in status
    assert "### Done since tracking began" in status
    assert '    "Done" : 2' in status


@pytest.mark.parametrize(
    ("due", "overdue"),
    [
        (date(2025, 1, 12), True),
        (date(2024, 12, 20), True),
        (date(2025, 1, 13), False),
        (date(2025, 2, 1), False),
        (None, False),
    ],
)
def test_marks_open_items_past_their_due_date_as_overdue(due: date | None, overdue: bool) -> None:
    status = render_status((item(1, due=due),), MONDAY_MORNING, BERLIN_MONDAY_9, LAST_MONDAY)
    assert status is not None
    assert ("· **overdue since" in status) is overdue
    assert f"**{int(overdue)}** of them overdue" in status


def test_counts_the_due_date_in_the_configured_timezone() -> None:
    # 23:30 UTC on the 12th is already the 13th in Berlin, so a due date of the 12th has passed.
    late_sunday = utc(2025, 1, 12, 23, 30)
    status = render_status((item(1, due=date(2025, 1, 12)),), late_sunday, BERLIN_MONDAY_9, None)
    assert status is not None and "Do the thing · **overdue since 12 January**" in status


def test_lists_overdue_items_and_their_owners_first() -> None:
    items = (
        item(1, "Aaron on time", owners=("@aaron",), due=date(2025, 2, 1)),
        item(2, "Zoe on time", owners=("@zoe",)),
        item(3, "Zoe late", owners=("@zoe",), due=date(2025, 1, 10)),
    )
    status = render_status(items, MONDAY_MORNING, BERLIN_MONDAY_9, LAST_MONDAY)
    assert status is not None
    assert status.index("Zoe late") < status.index("Zoe on time") < status.index("Aaron on time")


def test_dropped_items_are_not_done() -> None:
    items = (
        item(1),
        closed(2, MONDAY_MORNING - timedelta(days=1), reason="not_planned", title="Dropped one"),
        closed(3, MONDAY_MORNING - timedelta(days=1), reason="duplicate", title="Duplicate one"),
    )
    status = render_status(items, MONDAY_MORNING, BERLIN_MONDAY_9, LAST_MONDAY)
    assert status is not None
    assert "**0** done" in status and "Dropped one" not in status and "Duplicate one" not in status
    assert "**1** open (0 overdue) · **0** done · **2** dropped" in render_tracker_body(
        items, MONDAY_MORNING
    )


def test_shows_items_without_an_owner_last() -> None:
    items = (item(1, "Nobody's", owners=()), item(2, "Ada's", owners=("Ada Lovelace",)))
    status = render_status(items, MONDAY_MORNING, BERLIN_MONDAY_9, LAST_MONDAY)
    assert status is not None
    assert status.index("**Ada Lovelace**") < status.index("**No owner**")


def test_a_title_cannot_hide_the_rest_of_the_report() -> None:
    status = render_status((item(1, "Fix <!-- this"),), MONDAY_MORNING, BERLIN_MONDAY_9, None)
    assert status is not None and "Fix &lt;!-- this" in status and "<!-- this" not in status


def test_says_so_when_nothing_is_open() -> None:
    items = (closed(1, MONDAY_MORNING - timedelta(days=30)),)
    status = render_status(items, MONDAY_MORNING, BERLIN_MONDAY_9, LAST_MONDAY, PIE)
    assert status is not None
    assert "### Open\n\nNothing open." in status
    assert "```mermaid" not in status, "a pie with no slices renders as nothing"
    assert render_tracker_body(items, MONDAY_MORNING).endswith("\n\nNothing open.\n")


def test_stays_under_githubs_comment_limit_with_thousands_of_items() -> None:
    long_title = "Review " + "the very long description of a change " * 7
    items = tuple(
        item(n, long_title[:256], owners=(f"@owner{n % 40}",), due=date(2025, 1, 1 + n % 28))
        for n in range(1, 3001)
    ) + tuple(
        closed(n, MONDAY_MORNING - timedelta(hours=n % 100), title=long_title)
        for n in range(3001, 4001)
    )
    status = render_status(items, MONDAY_MORNING, BERLIN_MONDAY_9, LAST_MONDAY)
    tracker = render_tracker_body(items, MONDAY_MORNING)
    assert status is not None
    assert len(status.encode()) < 65_536 and len(tracker.encode()) < 65_536
    assert "…and 2900 more open items." in status
    assert "…and 950 more done." in status
    assert "…and 2800 more open items." in tracker


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"weekday": 7}, "weekday must be 0 (Monday) to 6 (Sunday), not 7"),
        ({"hour": 24}, "hour must be 0 to 23, not 24"),
        ({"tz": "Mars/Olympus_Mons"}, "unknown timezone 'Mars/Olympus_Mons'"),
        ({"tz": "../etc/passwd"}, "unknown timezone '../etc/passwd'"),
    ],
)
def test_rejects_a_schedule_that_cannot_happen(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        WeeklySchedule(**fields)  # type: ignore[arg-type]


def test_refuses_a_clock_without_a_timezone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        week_of(datetime(2025, 1, 13, 9, 0), BERLIN_MONDAY_9)


MERMAID_CHECK = Path(__file__).with_name("mermaid_check.mjs")
MERMAID_PARSER_DIR = os.environ.get("MERMAID_PARSER_DIR", "/tmp/mermaid")


def _mermaid_parser_available() -> bool:
    """Tell whether node and @mermaid-js/parser are there; insist when CI names the folder."""
    package = Path(MERMAID_PARSER_DIR, "node_modules", "@mermaid-js", "parser")
    if "MERMAID_PARSER_DIR" in os.environ:
        return True
    return shutil.which("node") is not None and package.is_dir()


def _check_with_mermaid(diagram: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(MERMAID_CHECK)],
        check=False,
        input=diagram,
        capture_output=True,
        text=True,
        env={**os.environ, "MERMAID_PARSER_DIR": MERMAID_PARSER_DIR},
        timeout=60,
    )


@pytest.mark.skipif(
    not _mermaid_parser_available(),
    reason="needs node and `npm install --prefix /tmp/mermaid @mermaid-js/parser@1.2.1`"
    " (or MERMAID_PARSER_DIR naming the install folder)",
)
@pytest.mark.parametrize("since", [LAST_MONDAY, None])
def test_mermaid_parses_the_status_chart(since: datetime | None) -> None:
    status = render_status(SVSM_ITEMS, MONDAY_MORNING, BERLIN_MONDAY_9, since, PIE)
    assert status is not None
    diagram = re.search(r"```mermaid\n(.*?)```", status, re.DOTALL)
    assert diagram is not None
    result = _check_with_mermaid(diagram[1])
    assert result.returncode == 0, result.stderr
    pie = json.loads(result.stdout)
    assert pie.get("title") is None  # the heading above says what it is of
    assert [section["value"] for section in pie["sections"]] == [4, 1, 2]


@pytest.mark.skipif(not _mermaid_parser_available(), reason="needs node and @mermaid-js/parser")
def test_mermaid_check_rejects_a_broken_chart() -> None:
    result = _check_with_mermaid('pie title Broken\n    "Open" 4\n')
    assert result.returncode == 1 and "Parse error" in result.stderr


def test_a_missed_slice_leaves_the_chart_valid() -> None:
    status = render_status((item(1),), MONDAY_MORNING, BERLIN_MONDAY_9, LAST_MONDAY, PIE)
    assert status is not None
    assert status.endswith('```mermaid\npie showData\n    "Open, not overdue" : 1\n```\n')


def test_items_are_frozen() -> None:
    with pytest.raises(AttributeError):
        SVSM_ITEMS[0].title = "changed"  # type: ignore[misc]
    assert replace(SVSM_ITEMS[0], title="changed").title == "changed"


# Open, overdue, done long ago and since the last report, dropped, new since it and done.
MIXED = (
    item(1, "Open", due=date(2025, 1, 8)),
    item(2, "Open, no date"),
    closed(3, LAST_MONDAY - timedelta(days=40)),
    closed(4, LAST_MONDAY - timedelta(days=40), reason="not_planned"),
    closed(5, MONDAY_MORNING - timedelta(days=2), title="Done this week"),
    closed(6, MONDAY_MORNING - timedelta(days=1), reason="duplicate"),
    closed(7, MONDAY_MORNING - timedelta(hours=3), created_at=MONDAY_MORNING - timedelta(days=1)),
)


def changed_since(items: tuple[TrackedItem, ...], since: datetime) -> list[TrackedItem]:
    """Return what a run lists once there is a last report: open, or updated since it."""
    return [
        i for i in items if i.is_open or max(i.created_at, i.closed_at or i.created_at) >= since
    ]


@pytest.mark.parametrize("look", [StatusLook(), PIE])
def test_the_open_and_the_changed_items_with_the_closed_counts_say_what_all_items_say(
    look: StatusLook,
) -> None:
    some, counts = changed_since(MIXED, LAST_MONDAY), counted_closed(MIXED)
    assert len(some) < len(MIXED)
    assert render_status(some, MONDAY_MORNING, BERLIN_MONDAY_9, LAST_MONDAY, look, counts) == (
        render_status(MIXED, MONDAY_MORNING, BERLIN_MONDAY_9, LAST_MONDAY, look)
    )
    assert render_tracker_body(some, MONDAY_MORNING, counts) == render_tracker_body(
        MIXED, MONDAY_MORNING
    )


@pytest.mark.parametrize(
    ("counts", "reported"), [(ClosedCounts(0, 0), False), (ClosedCounts(0, 1), True)]
)
def test_a_report_with_nothing_open_or_changed_is_posted_while_items_are_tracked(
    counts: ClosedCounts, reported: bool
) -> None:
    status = render_status((), MONDAY_MORNING, BERLIN_MONDAY_9, LAST_MONDAY, closed=counts)
    assert (status is not None) == reported


def test_the_summary_gives_back_the_closed_counts_it_shows() -> None:
    body = render_tracker_body(MIXED, MONDAY_MORNING)
    open_now = [i for i in MIXED if i.is_open]
    assert closed_now(body, MONDAY_MORNING, open_now) == counted_closed(MIXED)
    assert counted_closed(MIXED) == ClosedCounts(done=3, dropped=2)
    assert closed_now(body.replace("<!-- minutes-bot:tracker -->", ""), MONDAY_MORNING, []) is None
    person = "<!-- minutes-bot:tracker -->\nA tracker a person wrote."
    assert closed_now(person, MONDAY_MORNING, []) is None


WRITTEN = MONDAY_MORNING  # when the summary of MIXED was last written
LATER = WRITTEN + timedelta(hours=1)


@pytest.mark.parametrize(
    ("changed", "counts"),
    [
        ([], ClosedCounts(3, 2)),  # nothing changed
        ([closed(1, LATER)], ClosedCounts(4, 2)),  # listed as open, done since
        ([closed(1, LATER, "not_planned")], ClosedCounts(3, 3)),  # listed as open, dropped since
        ([closed(5, WRITTEN - timedelta(days=2))], ClosedCounts(3, 2)),  # counted already
        ([closed(7, WRITTEN)], ClosedCounts(3, 2)),  # closed as it was written: counted
        ([item(1, state_reason="reopened")], ClosedCounts(3, 2)),  # reopened, and it knew
        ([item(8)], ClosedCounts(3, 2)),  # new: it is not among the closed ones counted
        ([closed(8, LATER)], None),  # closed after it was written, never listed as open
        ([item(5, state_reason="reopened")], None),  # counted as done or dropped, open again
        ([closed(5, LATER, "not_planned")], None),  # reopened and closed again since
    ],
)
def test_the_closed_counts_now_are_the_summarys_and_the_closes_it_lists(
    changed: list[TrackedItem], counts: ClosedCounts | None
) -> None:
    body = render_tracker_body(MIXED, MONDAY_MORNING)
    numbers = {i.number for i in changed}
    listed = [i for i in MIXED if i.is_open and i.number not in numbers] + changed
    assert closed_now(body, WRITTEN, listed) == counts


def test_a_summary_cannot_tell_the_counts_when_a_listed_item_is_gone() -> None:
    body = render_tracker_body(MIXED, MONDAY_MORNING)
    assert closed_now(body, WRITTEN, [i for i in MIXED if i.is_open][1:]) is None


def test_a_summary_cut_at_its_cap_cannot_tell_the_counts() -> None:
    many = [item(n) for n in range(1, MAX_TRACKER_LINES + 2)]
    body = render_tracker_body(many, MONDAY_MORNING)
    assert "…and 1 more open items." in body
    assert closed_now(body, WRITTEN, many) is None
    assert closed_now(render_tracker_body(many[1:], MONDAY_MORNING), WRITTEN, many[1:]) is not None
