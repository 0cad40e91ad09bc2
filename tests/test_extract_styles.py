"""Minutes written in other communities' styles give the items a reader would list."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.minutes.extract import extract_minutes

STYLES = Path(__file__).parent / "fixtures" / "styles"


def summary(name: str) -> tuple[date | None, list[tuple[int, tuple[str, ...], str, date | None]]]:
    minutes = extract_minutes((STYLES / name).read_text())
    return minutes.meeting_date, [(i.line, i.owners, i.title, i.due) for i in minutes.items]


def test_sig_weekly_notes_with_a_bold_action_items_line() -> None:
    when, items = summary("sig-weekly.md")

    assert when == date(2025, 3, 11)
    assert items == [
        (15, ("Sergey",), "Update the KEP with the container-level design", date(2025, 3, 21)),
        (19, ("Dawn",), "Review PR kubernetes/kubernetes#130001", date(2025, 3, 14)),
        (22, ("haircommander",), "Open an issue to track the cgroup v1 deprecation warning", None),
        (23, ("mrunalp",), "Write the test plan for KEP-4680", None),
    ]


def test_scribe_style_takes_action_lines_and_leaves_resolutions() -> None:
    when, items = summary("wg-teleconference.md")

    assert when == date(2025, 2, 4)
    assert items == [
        (17, ("Anssi",), "Summarize Chromium's sanitization behaviour in issue #210", None),
        (23, ("Rob",), "Send the agenda a week before", None),
    ]


def test_a_linked_issue_number_is_one_reference_not_two() -> None:
    minutes = extract_minutes((STYLES / "tsc-meeting.md").read_text())

    assert [(i.line, i.owners, i.title) for i in minutes.items] == [
        (24, ("Antoine",), "Ask the build WG for their position"),
    ]
    assert [r.value for r in minutes.items[0].refs] == ["https://github.com/nodejs/TSC/issues/1649"]


@pytest.mark.parametrize("name", ["sig-weekly.md", "wg-teleconference.md", "tsc-meeting.md"])
def test_attendees_are_read_with_their_handles(name: str) -> None:
    attendees = extract_minutes((STYLES / name).read_text()).attendees

    assert len(attendees) >= 3
