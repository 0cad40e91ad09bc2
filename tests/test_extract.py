"""Action-item extraction: the users' SVSM example, each format the minutes use, and non-items."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from bot.minutes.extract import extract_minutes
from bot.minutes.model import Person, Ref, RefKind
from bot.minutes.people import PeopleFileError, Roster

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def items_of(markdown: str, **kwargs: object) -> list[tuple[int, tuple[str, ...], str]]:
    minutes = extract_minutes(textwrap.dedent(markdown), **kwargs)  # type: ignore[arg-type]
    return [(item.line, item.owners, item.title) for item in minutes.items]


def test_svsm_example_gives_the_seven_items_the_users_expect() -> None:
    minutes = extract_minutes((EXAMPLES / "svsm-2024-12-18.md").read_text(), path="2024-12-18.md")

    got = [
        (i.line, i.owners, i.due, [(r.kind.value, r.value) for r in i.refs]) for i in minutes.items
    ]

    assert minutes.meeting_date == date(2024, 12, 18)
    assert minutes.next_meeting == date(2025, 1, 8)
    assert got == [
        (11, (), None, []),
        (13, ("Peter Fang",), None, [("branch", "svsm-tdx")]),
        (26, ("Joerg Roedel",), date(2025, 1, 31), []),
        (41, ("Joerg Roedel",), None, []),
        (47, ("Jon Lange",), None, []),
        (54, ("Adam Dunlap",), None, []),
        (63, ("Joerg Roedel",), date(2024, 12, 24), [("named_pr", "user space support PR")]),
    ]


def test_svsm_titles_are_short_and_imperative() -> None:
    minutes = extract_minutes((EXAMPLES / "svsm-2024-12-18.md").read_text())

    titles = [item.title for item in minutes.items]

    assert titles == [
        "Test the new branches of the Linux kernel and QEMU repositories",
        "Check and resubmit any changes removed from the svsm-tdx branch",
        "Help with reviewing and documenting unsafe blocks",
        "Investigate the external crate and compare it with the existing implementation",
        "Assist in convincing the relevant stakeholders",
        "Explore this approach and submit a PR",
        "Review Vijay Dhanraj's user space support PR",
    ]
    assert all(len(t) <= 80 and not t.endswith(".") for t in titles)


def test_named_pr_remembers_whose_pr_it_is() -> None:
    minutes = extract_minutes((EXAMPLES / "svsm-2024-12-18.md").read_text())

    review = minutes.items[-1]

    assert review.refs == (Ref(RefKind.NAMED_PR, "user space support PR", "Vijay Dhanraj"),)


@pytest.mark.parametrize(
    "sentence",
    [
        "Peter Fang expressed interest in the draft PR.",
        "Joerg Roedel thanked everyone again and wished them happy holidays.",
        "The possibility of supporting multiple EK pubs was discussed.",
        "Hiroshi might look at the lazy FPU save again if he finds the time.",
        "Matías noted that he will be unavailable for most of December.",
        "Marguerite will no longer need to chase the license scan.",
        "Marcus offered to write a short RFC if the team wants one.",
        "Jon Lange suggested an alternative approach using device tree.",
        "Owen would like to retire the legacy Airflow 1 cluster this quarter.",
        "Joerg Roedel acknowledged this as planned work for the future.",
        "Someone should probably look at moving e2e to larger runners.",
        "Tobias merged the linker script cleanup (#412).",
    ],
)
def test_reports_opinions_and_hedges_are_not_items(sentence: str) -> None:
    markdown = (
        f"Attendees: Peter Fang, Joerg Roedel, Hiroshi Kanda, Matías Gutiérrez, "
        f"Marguerite Lavoie, Marcus Oyelaran, Jon Lange, Owen McAllister, Tobias Lindqvist\n\n"
        f"## Notes\n\n* {sentence}\n"
    )

    assert items_of(markdown) == []


@pytest.mark.parametrize(
    ("line", "owners", "title"),
    [
        (
            "- [ ] @omcallister: migrate the DAG to the new scheduler",
            ("omcallister",),
            "Migrate the DAG to the new scheduler",
        ),
        (
            "- [ ] Hand over the on-call notes to Dmitri — Lena",
            ("Lena",),
            "Hand over the on-call notes to Dmitri",
        ),
        (
            "- [ ] Fatima + Priya: draft alert thresholds, next week",
            ("Fatima", "Priya"),
            "Draft alert thresholds",
        ),
        ("- [ ] All: review PR 2291 and leave comments", (), "Review PR 2291 and leave comments"),
        (
            "- ACTION: Pin the plugin version (Owner: Olumide)",
            ("Olumide",),
            "Pin the plugin version",
        ),
        ("- TODO(amara): stop hashing doc comments", ("amara",), "Stop hashing doc comments"),
        ("- AI: Sam to land the fix for #655 by Friday.", ("Sam",), "Land the fix for #655"),
    ],
)
def test_explicit_entry_formats(line: str, owners: tuple[str, ...], title: str) -> None:
    markdown = (
        f"# Sync 2025-02-18\n\nAttendees: Lena Fischer, Fatima Benali, Priya Raman, "
        f"Olumide Adebayo, Sam Whitaker\n\n## Action items\n\n{line}\n"
    )

    assert items_of(markdown) == [(7, owners, title)]


def test_checked_struck_and_done_entries_are_not_items() -> None:
    markdown = """\
        # Sync

        ## Action items

        - [x] Book the room — Priya
        - [ ] ~~@omcallister: re-run the backfill~~ not needed
        - follow-up from last week, already done: enabled IPv6
        - nothing new
        """

    assert items_of(markdown) == []


def test_actions_in_code_blocks_and_html_comments_are_ignored() -> None:
    markdown = """\
        # Sync

        ```
        ACTION: Dana to ask the vendor
        ```

        <!-- ACTION: Dana to ask the vendor -->

            ACTION: Dana to ask the vendor
        """

    assert items_of(markdown) == []


def test_table_with_an_owner_column_gives_one_item_per_row() -> None:
    markdown = """\
        Participants: Kofi Mensah, Ingrid Solberg

        ## Follow-ups

        | # | Follow-up | Owner | Due | Tracking |
        |---|-----------|-------|-----|----------|
        | 1 | Alert on certificate expiry | Kofi Mensah | 2024-11-15 | #2043 |
        | 2 | Rewrite the rotation runbook | Ingrid | | |
        | 3 | Restore write access | Ingrid | done | #2041 |
        """

    minutes = extract_minutes(textwrap.dedent(markdown))

    assert [(i.line, i.owners, i.title, i.due) for i in minutes.items] == [
        (7, ("Kofi Mensah",), "Alert on certificate expiry", date(2024, 11, 15)),
        (8, ("Ingrid",), "Rewrite the rotation runbook", None),
    ]
    assert minutes.items[0].refs == (Ref(RefKind.ISSUE, "#2043"),)


def test_table_without_an_owner_column_is_not_an_action_list() -> None:
    markdown = """\
        | Issue | Title | Decision |
        |-------|-------|----------|
        | #1502 | Incremental rebuild misses partials | must-fix |
        """

    assert items_of(markdown) == []


def test_pronouns_take_the_last_person_the_minutes_were_about() -> None:
    markdown = """\
        Attendees: Jürgen Altmann, Mirela Dragomir, Hiroshi Kanda

        ## SMP

        - Jürgen showed the IPI stress tests Mirela helped write. He will open a PR this week.
        - Hiroshi presented the numbers. He will clean up the patches and post them as a PR.
        """

    assert items_of(markdown) == [
        (5, ("Jürgen",), "Open a PR"),
        (6, ("Hiroshi",), "Clean up the patches and post them as a PR"),
    ]


def test_review_request_and_its_acceptance_are_one_item_with_the_acceptance_deadline() -> None:
    markdown = """\
        # Call — 2024-12-11

        Attendees: Tobias Lindqvist, Cláudio Ferraz

        - Tobias reminded Cláudio about the user-space support PR and requested a review.
          Cláudio said he would get to it in January.
        """

    minutes = extract_minutes(textwrap.dedent(markdown))

    assert [(i.line, i.owners, i.title, i.due) for i in minutes.items] == [
        (5, ("Cláudio",), "Review Tobias's user-space support PR", date(2025, 1, 31)),
    ]


def test_one_sentence_with_two_people_gives_two_items() -> None:
    markdown = """\
        Present: Matteo Ricci, Elif Yıldız

        - Matteo will port the engine to the language server, and Elif will write snapshot tests.
        """

    assert items_of(markdown) == [
        (3, ("Matteo",), "Port the engine to the language server"),
        (3, ("Elif",), "Write snapshot tests"),
    ]


def test_one_person_doing_two_things_in_one_clause_is_one_item() -> None:
    # Real minutes join the parts of one piece of work this way ("review X and perform an
    # audit"); one issue that names both is what readers of those minutes list.
    markdown = """\
        Attendees: Łukasz Zieliński, Peter Fang

        - Łukasz will update the design doc and open the implementation PR.
        - Peter Fang was asked to check and resubmit the removed changes.
        """

    assert items_of(markdown) == [
        (3, ("Łukasz",), "Update the design doc and open the implementation PR"),
        (4, ("Peter Fang",), "Check and resubmit the removed changes"),
    ]


def test_request_accepted_by_another_person_is_their_item() -> None:
    markdown = """\
        Present: Zoë Whitlock, Elif Yıldız

        - Zoë asked for the error codes to be documented on the website; Elif agreed.
        """

    assert items_of(markdown) == [(3, ("Elif",), "Document the error codes on the website")]


def test_prose_that_restates_an_action_list_entry_is_not_a_second_item() -> None:
    markdown = """\
        # Planning — 3 December 2024

        | Name | Handle |
        |------|--------|
        | Henrik Aalto | @haalto |

        - Henrik will publish the codemod in January.

        ## Action items

        - [ ] @haalto — publish the 5.0 codemod — January
        """

    minutes = extract_minutes(textwrap.dedent(markdown))

    assert [(i.line, i.logins, i.due) for i in minutes.items] == [
        (11, ("haalto",), date(2025, 1, 31)),
    ]


def test_owners_get_logins_from_the_roster_attendee_handles_and_first_names() -> None:
    roster = Roster.from_people([Person("Jürgen Altmann", "jaltmann", ("Juergen",))])
    markdown = """\
        Attendees: Priya Raman (@praman), Jürgen Altmann, Sunniva Brekke (Nordlys)

        - Juergen agreed to split the series.
        - Priya will draft the thresholds.
        - Sunniva will check with her lab manager.
        """

    minutes = extract_minutes(textwrap.dedent(markdown), people=roster)

    assert [(i.owners, i.logins) for i in minutes.items] == [
        (("Juergen",), ("jaltmann",)),
        (("Priya",), ("praman",)),
        (("Sunniva",), ()),
    ]


@pytest.mark.parametrize(
    ("markdown", "path", "expected"),
    [
        ("---\ndate: 2025-05-14\n---\n# Call\n", "", date(2025, 5, 14)),
        ("# Call\n\nDate: 2025-03-05\n", "", date(2025, 3, 5)),
        ("# Call\n\n_Revised 2025-03-06._\n\nDate: 2025-03-05\n", "", date(2025, 3, 5)),
        ("# Meeting Minutes (December 18th, 2024)\n", "", date(2024, 12, 18)),
        ("# Weekly call\n", "meetings/2024-12-18.md", date(2024, 12, 18)),
        ("# Retro\n\nTeam: Kenji\n\n## Actions\n\n- Ship by 2025-08-15\n", "", None),
    ],
)
def test_meeting_date_comes_from_front_matter_label_title_or_file_name(
    markdown: str, path: str, expected: date | None
) -> None:
    assert extract_minutes(markdown, path=path).meeting_date == expected


def test_explicit_meeting_date_wins_and_makes_relative_dates_resolve() -> None:
    markdown = "Attendees: Ravi Chandrasekar\n\n## Action items\n\n- [ ] Ravi: fix it by Friday\n"

    without = extract_minutes(markdown)
    given = extract_minutes(markdown, meeting_date=date(2025, 3, 5))

    assert without.items[0].due is None
    assert given.items[0].due == date(2025, 3, 7)


def test_references_of_every_kind() -> None:
    markdown = """\
        Attendees: Tobias Lindqvist

        ## Action items

        - [ ] Tobias: review PR 2291, fix #419 and org/repo#45 on `feat/x` (https://example.com/doc)
        """

    refs = extract_minutes(textwrap.dedent(markdown)).items[0].refs

    assert {(r.kind.value, r.value) for r in refs} == {
        ("pr", "#2291"),
        ("issue", "#419"),
        ("issue", "org/repo#45"),
        ("branch", "feat/x"),
        ("url", "https://example.com/doc"),
    }


def test_windows_line_endings_give_the_same_items() -> None:
    text = (EXAMPLES / "svsm-2024-12-18.md").read_text()

    unix = extract_minutes(text)
    windows = extract_minutes(text.replace("\n", "\r\n"))

    assert windows.items == unix.items


def test_empty_minutes_have_no_items() -> None:
    assert extract_minutes("").items == ()
    assert extract_minutes("# Just a title\n").items == ()


def test_the_holidays_date_can_be_configured() -> None:
    markdown = "Attendees: Kofi Mensah\n\n- Kofi will present the review before the holidays.\n"

    default = extract_minutes(markdown, meeting_date=date(2024, 11, 7))
    configured = extract_minutes(markdown, meeting_date=date(2024, 11, 7), holidays=(12, 20))

    assert default.items[0].due == date(2024, 12, 24)
    assert configured.items[0].due == date(2024, 12, 20)


def test_a_first_name_finds_its_person_through_an_alias() -> None:
    roster = Roster.from_people([Person("Joerg Roedel", "joergroedel", ("Jörg Rödel",))])

    minutes = extract_minutes("* Jörg will review the page-table PRs.\n", people=roster)

    assert [(i.owners, i.logins) for i in minutes.items] == [(("Jörg",), ("joergroedel",))]


def test_a_people_file_that_is_an_alias_bomb_is_refused_with_a_reason() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [f"{b}: &{b} [{', '.join(['*' + a] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]

    with pytest.raises(PeopleFileError, match="aliases"):
        Roster.from_yaml("\n".join(lines))
