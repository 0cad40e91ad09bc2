"""The series core: which entries of new minutes speak of which earlier items, and how."""

from __future__ import annotations

from datetime import date

import pytest

from bot.minutes.model import ActionItem
from bot.tracker.followup import (
    AGAIN,
    CHECKED,
    MARKED,
    PROSE,
    EarlierItem,
    Followup,
    Mention,
    carried_over,
    closes,
    comment_text,
    match,
    mentions,
    not_yet_told,
    noted_files,
    report,
)

LAST = date(2024, 12, 18)
NOW = date(2025, 1, 8)
PETER = EarlierItem(
    5,
    "Check and resubmit any changes removed from the svsm-tdx branch",
    ("Peter Fang",),
    ("peterfang",),
    "meetings/2024-12-18.md",
    LAST,
)
JOERG = EarlierItem(
    6,
    "Review Vijay Dhanraj's user space support PR",
    ("Joerg Roedel",),
    ("joergroedel",),
    "meetings/2024-12-18.md",
    LAST,
)
ADAM = EarlierItem(
    9,
    "Explore this approach and submit a PR",
    ("Adam Dunlap",),
    ("AdamDunlap",),
    "meetings/2024-12-18.md",
    LAST,
)
ITEMS = [PETER, JOERG, ADAM]


def said(text: str) -> list[tuple[int, str, bool]]:
    return [(f.item.number, f.kind, f.close) for f in match(mentions(text), ITEMS, "checked", NOW)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "- [x] Peter Fang to check and resubmit the changes removed from svsm-tdx",
            [(5, CHECKED, True)],
        ),
        (
            "- Peter: resubmit the changes removed from the svsm-tdx branch — done",
            [(5, MARKED, True)],
        ),
        (
            "- [DONE] ACTION: Peter Fang to resubmit the svsm-tdx branch changes removed",
            [(5, MARKED, True)],
        ),
        ("Peter resubmitted the changes removed from the svsm-tdx branch.", [(5, PROSE, False)]),
        ("Joerg reviewed Vijay's user space support PR.", [(6, PROSE, False)]),
        ("The user space support PR from Vijay landed after Joerg's review.", [(6, PROSE, False)]),
        (
            "- [ ] Peter Fang: check and resubmit the changes removed from svsm-tdx",
            [(5, AGAIN, False)],
        ),
        (
            "Peter is still resubmitting the changes removed from the svsm-tdx branch.",
            [(5, AGAIN, False)],
        ),
        (
            "Peter will resubmit the changes removed from the svsm-tdx branch next week.",
            [(5, AGAIN, False)],
        ),
        # Nobody named, another person named, or too little of the task: no match.
        ("The changes removed from the svsm-tdx branch were resubmitted.", []),
        ("Jon Lange resubmitted the changes removed from the svsm-tdx branch.", []),
        ("- [x] Peter Fang reviewed the TDX docs", []),
        ("Adam Dunlap, Joerg Roedel, Jon Lange, Peter Fang, Vijay Dhanraj", []),
        ("Peter said the branch was interesting.", []),
    ],
)
def test_what_an_entry_says_of_earlier_items(
    text: str, expected: list[tuple[int, str, bool]]
) -> None:
    assert said(text) == expected


def test_an_item_of_the_same_or_a_later_meeting_is_not_earlier() -> None:
    text = "- [x] Peter Fang: check and resubmit the changes removed from svsm-tdx"
    assert match(mentions(text), [PETER], "checked", LAST) == []
    assert [f.item.number for f in match(mentions(text), [PETER], "checked", NOW)] == [5]


def test_an_undated_meeting_matches_nothing_and_other_numbers_are_other_tasks() -> None:
    text = "- [x] Peter Fang: check and resubmit the changes removed from svsm-tdx"
    assert match(mentions(text), [PETER], "checked", None) == []
    build = EarlierItem(
        8, "Check the build of day 3", ("Peter Fang",), ("peterfang",), "d3.md", LAST
    )
    assert match(mentions("- [x] Peter Fang: check the build of day 4"), [build], "any", NOW) == []
    assert (
        len(match(mentions("- [x] Peter Fang: check the build of day 3"), [build], "any", NOW)) == 1
    )


def test_two_items_alike_for_the_entry_make_it_ambiguous() -> None:
    twin = EarlierItem(
        7,
        "Check and resubmit any changes removed from the svsm-tdx branch",
        ("Peter Fang",),
        ("peterfang",),
        "meetings/2024-12-11.md",
        LAST,
    )
    text = "- [x] Peter Fang: check and resubmit the changes removed from svsm-tdx"
    assert match(mentions(text), [PETER, twin], "checked", NOW) == []


def test_a_report_of_work_done_wins_over_a_restatement() -> None:
    text = (
        "## Action items from last meeting\n\n"
        "- [ ] Peter Fang: check and resubmit the changes removed from svsm-tdx\n\n"
        "## Notes\n\n"
        "- Peter Fang: check and resubmit the svsm-tdx changes removed — done\n"
    )
    [found] = match(mentions(text), ITEMS, "checked", NOW)
    assert (found.kind, found.mention.line) == (MARKED, 7)


@pytest.mark.parametrize(
    ("kind", "setting", "close"),
    [
        (CHECKED, "checked", True),
        (MARKED, "checked", True),
        (PROSE, "checked", False),
        (PROSE, "any", True),
        (CHECKED, "any", True),
        (AGAIN, "any", False),
        (CHECKED, "never", False),
        (PROSE, "never", False),
    ],
)
def test_close_reported(kind: str, setting: str, close: bool) -> None:
    assert closes(kind, setting) is close


def test_prose_with_the_task_verb_in_the_past_reports_it_done() -> None:
    assert (
        report(Mention(3, "Adam Dunlap explored this approach and submitted a PR."), ADAM) == PROSE
    )
    assert report(Mention(3, "Adam Dunlap to explore this approach."), ADAM) == AGAIN


def test_new_items_that_restate_an_earlier_one_are_carried_over() -> None:
    again = ActionItem(
        10,
        ("Peter Fang",),
        ("peterfang",),
        "Check and resubmit the changes removed from the svsm-tdx branch",
    )
    other = ActionItem(
        11,
        ("Jon Lange",),
        ("jlange",),
        "Check and resubmit the changes removed from the svsm-tdx branch",
    )
    new = ActionItem(12, ("Peter Fang",), ("peterfang",), "Rebase the TDX series onto main")
    assert carried_over([again, other, new], ITEMS, NOW) == {0: PETER}
    assert carried_over([again], ITEMS, LAST) == {}


def test_each_issue_hears_of_a_minutes_file_once() -> None:
    [found] = match(
        mentions("- [x] Peter Fang: resubmit the svsm-tdx changes removed"), ITEMS, "checked", NOW
    )
    body = comment_text(found, "meetings/2025-01-08.md", NOW, "https://example/L1")
    assert body.startswith(
        "Reported done in the minutes of 2025-01-08 ([line 1](https://example/L1)):"
    )
    told = {5: noted_files([body])}
    assert told == {5: {"meetings/2025-01-08.md"}}
    assert not_yet_told([found], told, "meetings/2025-01-08.md") == []
    assert not_yet_told([found], told, "meetings/2025-01-15.md") == [found]
    assert noted_files(["<!-- minutes-bot:followup {broken -->", "plain"]) == set()


def test_a_comment_quotes_the_entry_so_it_notifies_and_links_nobody() -> None:
    followup = Followup(PETER, Mention(4, "Peter @joergroedel fixed #12 <b>x</b>"), False, PROSE)
    body = comment_text(followup, "m.md", None, "L")
    assert body.startswith("The minutes in `m.md` report this done ([line 4](L)):")
    assert "@joergroedel" not in body and "#12" not in body and "<b>" not in body
