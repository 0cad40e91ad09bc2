"""Links written back into minutes (`bot.tracker.write_back`): where ` (#N)` goes, and nothing else moves."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from bot.tracker.write_back import Link, branch_for, pull_body, with_links, without_links


@pytest.mark.parametrize(
    ("line", "linked"),
    [
        ("- [ ] Peter: resubmit the changes", "- [ ] Peter: resubmit the changes (#12)"),
        ("Peter will resubmit the changes.", "Peter will resubmit the changes. (#12)"),
        # Two trailing spaces are a hard line break; a trailing backslash is one too.
        ("Peter will resubmit  ", "Peter will resubmit (#12)  "),
        ("Peter will resubmit\\", "Peter will resubmit (#12)\\"),
        ("Peter will resubmit\\\\", "Peter will resubmit\\\\ (#12)"),  # an escaped backslash
        ("Peter will resubmit\t", "Peter will resubmit (#12)\t"),
        ("\tPeter will resubmit", "\tPeter will resubmit"),  # indented: code
        ("> Peter will resubmit", "> Peter will resubmit (#12)"),
        ("## Peter to resubmit", "## Peter to resubmit (#12)"),
        ("## Peter to resubmit ##", "## Peter to resubmit (#12) ##"),
        # Other numbers, other repositories' #12, and an HTML entity do not name it.
        ("- Peter: resubmit #123 and #1", "- Peter: resubmit #123 and #1 (#12)"),
        ("- Peter: resubmit like acme/other#12", "- Peter: resubmit like acme/other#12 (#12)"),
        ("- Peter: resubmit &#12;", "- Peter: resubmit &#12; (#12)"),
    ],
)
def test_the_link_goes_at_the_end_of_the_line_where_markdown_shows_it(
    line: str, linked: str
) -> None:
    assert with_links(line, [Link(1, 12)]) == linked
    assert without_links(linked, {12}) == line


@pytest.mark.parametrize(
    "line",
    [
        # Already linked, or already naming the issue anywhere on the line.
        "- [ ] Peter: resubmit (#12)",
        "- [ ] Peter: resubmit, see #12 for why",
        "- [ ] Peter: resubmit (#12)  ",
        # A line of no words holds no item: a link would make a rule a paragraph.
        "---",
        "",
    ],
)
def test_a_line_that_names_the_issue_already_or_holds_no_words_gets_nothing(line: str) -> None:
    assert with_links(line, [Link(1, 12)]) == line


TABLE = """\
| Owner | Task | Due |
|---|---|---|
| Peter | resubmit the changes | 2025-01-10 |
| Jon | review the rework |  |
Joerg | investigate the crate | soon
"""


def test_a_table_row_gets_the_link_inside_its_last_cell() -> None:
    linked = with_links(TABLE, [Link(3, 12), Link(4, 13), Link(5, 14)])

    assert linked.splitlines() == [
        "| Owner | Task | Due |",
        "|---|---|---|",
        "| Peter | resubmit the changes | 2025-01-10 (#12) |",
        "| Jon | review the rework | (#13)  |",
        "Joerg | investigate the crate | soon (#14)",
    ]
    cells = re.findall(r"<td>(.*?)</td>", MarkdownIt("commonmark").enable("table").render(linked))
    assert cells[2::3] == ["2025-01-10 (#12)", "(#13)", "soon (#14)"]


WRAPPED = """\
- Peter Fang will resubmit the changes removed
  from the `svsm-tdx` branch by **Friday**.
- Jon Lange will review
  the page tables. Adam Dunlap reported
  progress and agreed to send a [PR](https://github.com/o/r/pull/4).

Vijay will look at it.
Joerg will test it.
"""


def test_the_link_goes_where_the_items_sentence_ends() -> None:
    linked = with_links(
        WRAPPED,
        [
            Link(
                1,
                12,
                "Peter Fang will resubmit the changes removed from the svsm-tdx branch by Friday.",
            ),
            Link(3, 13, "Jon Lange will review the page tables."),
            Link(4, 14, "Adam Dunlap reported progress and agreed to send a PR."),
            # Each line its own entry, in one paragraph.
            Link(7, 15, "Vijay will look at it."),
            Link(8, 16, "Joerg will test it."),
        ],
    )

    assert linked.splitlines() == [
        "- Peter Fang will resubmit the changes removed",
        "  from the `svsm-tdx` branch by **Friday**. (#12)",
        "- Jon Lange will review",
        "  the page tables. (#13) Adam Dunlap reported",
        "  progress and agreed to send a [PR](https://github.com/o/r/pull/4). (#14)",
        "",
        "Vijay will look at it. (#15)",
        "Joerg will test it. (#16)",
    ]
    assert without_links(linked, {12, 13, 14, 15, 16}) == WRAPPED
    assert with_links(linked, [Link(3, 13, "Jon Lange will review the page tables.")]) == linked


def test_a_sentence_not_found_in_its_paragraph_links_its_first_line() -> None:
    # The sentence goes on past its paragraph, or says words the lines do not: its line.
    assert with_links(WRAPPED, [Link(3, 13, "Jon Lange will review the kernel.")]).splitlines()[
        2
    ] == ("- Jon Lange will review (#13)")
    assert with_links(
        WRAPPED, [Link(7, 15, "Vijay will look at it. Joerg will test it. And more")]
    ) == (WRAPPED.replace("look at it.\n", "look at it. (#15)\n"))


def test_an_item_in_a_middle_cell_is_linked_in_that_cell() -> None:
    row = "| Peter | resubmit the changes | soon |\n"
    text = "| Owner | Task | Due |\n|---|---|---|\n" + row
    linked = with_links(text, [Link(3, 12, "resubmit the changes")])
    assert linked.endswith("| Peter | resubmit the changes (#12) | soon |\n")
    assert with_links(text, [Link(3, 12, "Peter resubmit the changes soon")]).endswith(
        "| Peter | resubmit the changes | soon (#12) |\n"
    )


def test_lines_in_code_and_html_get_nothing() -> None:
    text = (
        "```\nPeter will resubmit\n```\n\n    Jon will review\n\n<div>\nJoerg will look\n</div>\n"
    )
    assert with_links(text, [Link(2, 12), Link(5, 13), Link(8, 14)]) == text


def test_two_items_on_one_line_share_one_pair_of_brackets() -> None:
    assert with_links("Peter and Jon will look.\n", [Link(1, 12), Link(1, 13)]) == (
        "Peter and Jon will look. (#12, #13)\n"
    )
    # An item added to a line already linked gets its own.
    assert with_links("Peter and Jon will look. (#12)\n", [Link(1, 12), Link(1, 13)]) == (
        "Peter and Jon will look. (#12) (#13)\n"
    )
    assert without_links("Peter and Jon will look. (#12) (#13)\n", {12, 13}) == (
        "Peter and Jon will look.\n"
    )


def test_each_line_keeps_its_own_line_break() -> None:
    text = "- Peter will look\r\n- Jon will look\r- Joerg will look\n- Adam will look"
    linked = with_links(text, [Link(1, 1), Link(2, 2), Link(3, 3), Link(4, 4)])
    assert linked == (
        "- Peter will look (#1)\r\n- Jon will look (#2)\r- Joerg will look (#3)\n- Adam will look (#4)"
    )


def test_links_beyond_the_file_or_before_it_are_left_out() -> None:
    assert (
        with_links("- Peter will look\n", [Link(0, 1), Link(2, 2), Link(9, 3)])
        == "- Peter will look\n"
    )


def test_only_links_to_the_given_issues_are_taken_back() -> None:
    # A person's "(#45)" naming a PR stays: it is a reference, not the bot's link.
    assert without_links("- Peter will review (#45)\n- Jon will look (#12)\n", {12}) == (
        "- Peter will review (#45)\n- Jon will look\n"
    )
    assert (
        without_links("- Peter will review (#45, #12)\n", {12})
        == "- Peter will review (#45, #12)\n"
    )


def test_each_file_has_its_own_branch_and_the_pull_request_lists_its_links() -> None:
    assert branch_for("meetings/2024-12-18.md").startswith("minutes-bot/links/meetings-2024-12-18-")
    assert branch_for("a/b.md") != branch_for("a-b.md")
    assert re.fullmatch(r"minutes-bot/links/[A-Za-z0-9_-]+", branch_for("Notes/ä ö?*.md"))
    body = pull_body("meetings/2024-12-18.md", [Link(9, 13), Link(3, 12)])
    assert "- line 3: #12\n- line 9: #13" in body


# ---------------------------------------------------------------------------
# Properties over any minutes

PIECES = st.sampled_from(
    [
        "# Action items",
        "## Peter to look ##",
        "- [ ] Peter: look",
        "* Jon will review",
        "1. Joerg",
        "| Owner | Task |",
        "|---|---|",
        "| Ann | do it |",
        "Ann | do it",
        "```",
        "    code",
        "> quoted",
        "<!-- note -->",
        "<div>",
        "</div>",
        "Peter will look  ",
        "Jon will look\\",
        "Adam will (see) it",
        "see #12",
        "(#7)",
        "---",
        "***",
        "",
        "   ",
        "\t",
        "Vijay will rebase.",
        "~~~",
        "| Owner | Task | Due |\n|---|---|---|\n| Ann | do it | soon |\n| Bo | look |  |",
    ]
)
BREAKS = st.sampled_from(["\n", "\r\n", "\r"])
DOCUMENTS = st.lists(
    st.tuples(
        st.one_of(
            PIECES, st.text(alphabet=st.characters(blacklist_characters="\r\n"), max_size=12)
        ),
        BREAKS,
    ),
    min_size=1,
    max_size=25,
).map(lambda lines: "".join(body + end for body, end in lines))
# Issue numbers no piece names, so every link is new to its line.
NUMBERS = st.integers(min_value=1000, max_value=1020)


def lines_of(text: str) -> list[str]:
    """Cut at each line break, keeping it (the test's own reading, not the module's)."""
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


def break_of(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :]


@st.composite
def minutes_and_links(draw: st.DrawFn) -> tuple[str, list[Link]]:
    text = draw(DOCUMENTS)
    count = len(lines_of(text))
    # One issue per item, as the bot opens them.
    links = draw(
        st.lists(
            st.builds(Link, st.integers(1, count), NUMBERS),
            max_size=8,
            unique_by=lambda link: link.number,
        )
    )
    return text, links


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(minutes_and_links())
def test_only_the_items_lines_change_and_only_by_the_link(case: tuple[str, list[Link]]) -> None:
    text, links = case
    linked = with_links(text, links)

    before, after = lines_of(text), lines_of(linked)
    assert len(after) == len(before)
    for number, (old, new) in enumerate(zip(before, after, strict=True), 1):
        asked = list(dict.fromkeys(link.number for link in links if link.line == number))
        if new == old:
            continue
        assert asked, f"line {number} changed without a link for it"
        suffix = " (" + ", ".join(f"#{n}" for n in asked) + ")"
        assert len(new) == len(old) + len(suffix)
        assert any(new == old[:at] + suffix + old[at:] for at in range(len(old) + 1)), (old, new)
        assert break_of(new) == break_of(old)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(minutes_and_links())
def test_linking_twice_changes_nothing_and_taking_back_restores_the_file(
    case: tuple[str, list[Link]],
) -> None:
    text, links = case
    linked = with_links(text, links)

    assert with_links(linked, links) == linked
    assert without_links(linked, {link.number for link in links}) == text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(minutes_and_links())
def test_a_link_written_is_a_link_github_shows(case: tuple[str, list[Link]]) -> None:
    text, links = case
    linked = with_links(text, links)
    shown = MarkdownIt("commonmark").enable("table").render(linked)

    for number in {link.number for link in links}:
        if f"#{number}" in linked:
            assert f"#{number}" in shown


@st.composite
def minutes_and_sentences(draw: st.DrawFn) -> tuple[str, list[Link]]:
    """Minutes, and links whose sentences are runs of the words from their line on."""
    text = draw(DOCUMENTS)
    lines = lines_of(text)
    links = []
    for _ in range(draw(st.integers(0, 6))):
        line = draw(st.integers(1, len(lines)))
        words = re.findall(r"\w+", "".join(lines[line - 1 :]))
        start = draw(st.integers(0, len(words)))
        sentence = " ".join(words[start : start + draw(st.integers(0, 12))])
        links.append(Link(line, draw(NUMBERS), sentence))
    return text, links


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(minutes_and_sentences())
def test_links_after_sentences_change_only_by_the_links_and_only_once(
    case: tuple[str, list[Link]],
) -> None:
    text, links = case
    linked = with_links(text, links)

    assert [break_of(line) for line in lines_of(linked)] == [
        break_of(line) for line in lines_of(text)
    ]
    assert without_links(linked, {link.number for link in links}) == text
    assert with_links(linked, links) == linked
    for number in {link.number for link in links}:
        assert linked.count(f"#{number})") + linked.count(f"#{number},") <= 1
