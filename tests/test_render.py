"""The Markdown of item and meeting issues, exactly as people will read it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.minutes.model import ActionItem, Minutes, Ref, RefKind
from bot.tracker.reconcile import Settings, meeting_label, meeting_title
from bot.tracker.render import (
    ItemView,
    Link,
    RenderContext,
    assignees_for,
    item_view,
    owner_text,
    permalink,
    quote_block,
    ref_text,
    render_item,
    restated,
    task_line,
    with_task,
)

SHA = "5d1e2f0c9a7b3e4d6f8a0b1c2d3e4f5a6b7c8d9e"
CTX = RenderContext(
    "coconut-svsm/svsm", "meetings/2024-12-18.md", SHA, frozenset({"joergroedel", "vijay"})
)
SPACE_PR = Ref(RefKind.NAMED_PR, "user space support PR", person="Vijay Dhanraj")


def pull(number: int, title: str, repo: str = "coconut-svsm/svsm") -> Link:
    return Link(repo, number, "pr", title, f"https://github.com/{repo}/pull/{number}")


PETER_ITEM = ActionItem(
    line=13,
    owners=("Peter Fang",),
    logins=(),
    title="Check and resubmit changes removed from the svsm-tdx branch",
    refs=(Ref(RefKind.BRANCH, "svsm-tdx"),),
    source="Peter Fang was asked to check and resubmit any changes that might have been "
    "accidentally removed from the `svsm-tdx` branch in the Linux kernel repository.",
)

PETER_BODY = """\
- **Owner:** Peter Fang (no GitHub login known)
- **Related:** [`svsm-tdx`](https://github.com/coconut-svsm/svsm/tree/svsm-tdx)
- **Meeting:** #7

> Peter Fang was asked to check and resubmit any changes that might have been \
accidentally removed from the `svsm-tdx` branch in the Linux kernel repository.

From [`meetings/2024-12-18.md` line 13](https://github.com/coconut-svsm/svsm/blob/\
5d1e2f0c9a7b3e4d6f8a0b1c2d3e4f5a6b7c8d9e/meetings/2024-12-18.md?plain=1#L13).

<sub>Comment `/done` when this is finished; `/help` lists the other commands.</sub>"""

JOERG_ITEM = ActionItem(
    line=63,
    owners=("Joerg Roedel",),
    logins=("joergroedel",),
    title="Review the user space support PR",
    due=date(2024, 12, 24),
    refs=(SPACE_PR,),
    source="Vijay Dhanraj reminded Joerg Roedel about the user space support PR and "
    "requested a review.",
)


def test_item_body_of_an_owner_without_login_names_them_and_links_branch_and_meeting() -> None:
    assert render_item(PETER_ITEM, CTX, meeting=7) == PETER_BODY


def test_item_body_mentions_assignable_owner_and_shows_due_date_and_resolved_pr() -> None:
    ctx = RenderContext(CTX.repo, CTX.path, SHA, CTX.assignable, {SPACE_PR: pull(547, "x")})
    assert render_item(JOERG_ITEM, ctx).splitlines()[:3] == [
        "- **Owner:** @joergroedel",
        "- **Due:** 2024-12-24",
        "- **Related:** #547",
    ]


def test_item_body_without_meeting_issue_has_no_meeting_line() -> None:
    assert "**Meeting:**" not in render_item(PETER_ITEM, CTX, meeting=None)


def test_unresolved_named_pr_lists_its_candidates_under_the_related_line() -> None:
    candidates = [pull(547, "Add user-mode support"), pull(12, "Syscalls", "other/repo")]
    ctx = RenderContext(CTX.repo, CTX.path, SHA, CTX.assignable, {SPACE_PR: candidates})
    lines = render_item(JOERG_ITEM, ctx).splitlines()
    assert lines[2:5] == [
        "- **Related:** user space support PR, not found for sure; it may be one of:",
        "  - #547 Add user-mode support",
        "  - other/repo#12 Syscalls",
    ]


def test_named_pr_nobody_could_resolve_says_so() -> None:
    assert render_item(JOERG_ITEM, CTX).splitlines()[2] == (
        "- **Related:** user space support PR (no matching pull request found)"
    )


@pytest.mark.parametrize(
    ("owners", "logins", "expected"),
    [
        (("Joerg Roedel",), ("joergroedel",), "@joergroedel"),
        (("Peter Fang",), (), "Peter Fang (no GitHub login known)"),
        ((), (), "everyone"),
        (
            ("Ravi",),
            ("ravic",),
            "Ravi (`ravic` cannot be assigned in this repository)",
        ),
        (
            ("Joerg Roedel", "Peter Fang"),
            ("joergroedel",),
            "@joergroedel, Peter Fang (no GitHub login known)",
        ),
        (("vijay", "Peter Fang"), ("vijay",), "@vijay, Peter Fang (no GitHub login known)"),
    ],
)
def test_owner_text_mentions_only_assignable_logins(
    owners: tuple[str, ...], logins: tuple[str, ...], expected: str
) -> None:
    item = ActionItem(line=1, owners=owners, logins=logins, title="t")
    assert owner_text(item, CTX.assignable) == expected


@pytest.mark.parametrize(
    ("logins", "expected"),
    [
        (("joergroedel", "vijay"), ("joergroedel", "vijay")),
        (("joergroedel", "stranger"), ("joergroedel",)),
        (("stranger",), ()),
        (("vijay", "vijay"), ("vijay",)),
    ],
)
def test_assignees_are_known_owners_github_lets_the_bot_assign(
    logins: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    item = ActionItem(line=1, owners=logins, logins=logins, title="t")
    assert assignees_for(item, CTX.assignable) == expected


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (Ref(RefKind.PR, "#547"), "#547"),
        (Ref(RefKind.ISSUE, "coconut-svsm/linux#45"), "coconut-svsm/linux#45"),
        (Ref(RefKind.URL, "https://example.org/x?y=1"), "<https://example.org/x?y=1>"),
        (
            Ref(RefKind.BRANCH, "user/feature#2"),
            "[`user/feature#2`](https://github.com/coconut-svsm/svsm/tree/user/feature%232)",
        ),
        (
            Ref(RefKind.BRANCH, "svsm-tdx", repository="the Linux kernel repository"),
            "`svsm-tdx` (the Linux kernel repository)",
        ),
        (
            Ref(RefKind.BRANCH, "tdx", repository="coconut-svsm/linux"),
            "[`tdx`](https://github.com/coconut-svsm/linux/tree/tdx)",
        ),
        (
            Ref(RefKind.BRANCH, "next", repository="the SVSM repository"),
            "[`next`](https://github.com/coconut-svsm/svsm/tree/next)",
        ),
    ],
)
def test_refs_render_as_links_github_understands(ref: Ref, expected: str) -> None:
    assert ref_text(ref, CTX) == expected


def test_every_link_is_built_on_the_server_the_repository_lives_on() -> None:
    ctx = replace(CTX, server_url="https://ghe.example.com")

    body = render_item(PETER_ITEM, ctx, meeting=7)

    assert "(https://ghe.example.com/coconut-svsm/svsm/tree/svsm-tdx)" in body
    assert f"(https://ghe.example.com/coconut-svsm/svsm/blob/{SHA}/meetings/2024-12-18.md?plain=1#L13)" in body
    assert "github.com" not in body.replace("ghe.example.com", "")


def test_a_line_link_opens_the_source_view_at_the_line() -> None:
    assert permalink(CTX, 13) == (
        f"https://github.com/coconut-svsm/svsm/blob/{SHA}/meetings/2024-12-18.md?plain=1#L13"
    )


def test_resolved_ref_in_another_repository_names_that_repository() -> None:
    ref = Ref(RefKind.NAMED_PR, "the SEV-SNP PR")
    ctx = RenderContext(CTX.repo, CTX.path, SHA, links={ref: pull(9, "SNP", "qemu/qemu")})
    assert ref_text(ref, ctx) == "qemu/qemu#9"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("one line", "> one line"),
        ("first\n\nsecond", "> first\n>\n> second"),
        ("hides <!-- the rest", "> hides &lt;!-- the rest"),
        ("", ">"),
    ],
)
def test_quote_block_quotes_every_line_and_cannot_open_a_comment(
    source: str, expected: str
) -> None:
    assert quote_block(source) == expected


@pytest.mark.parametrize(
    ("number", "due", "expected"),
    [
        (
            12,
            date(2024, 12, 24),
            "- [ ] #12 Review the user space support PR (@joergroedel, due 2024-12-24)",
        ),
        (None, None, "- [ ] Review the user space support PR (@joergroedel)"),
    ],
)
def test_task_line_names_issue_owner_and_due_date(
    number: int | None, due: date | None, expected: str
) -> None:
    item = ActionItem(63, ("Joerg Roedel",), ("joergroedel",), JOERG_ITEM.title, due)
    assert task_line(item_view(item, CTX.assignable, number)) == expected


def test_a_closed_item_is_a_checked_task_under_its_current_title_and_owners() -> None:
    view = ItemView("Review PR #547", "@jlange", date(2025, 1, 10), closed=True, number=12)
    # The title's `#547` is the minutes' words, not a link the bot made: it stays inert.
    assert task_line(view) == "- [x] #12 Review PR #&#8203;547 (@jlange, due 2025-01-10)"


def test_only_the_items_own_task_is_rewritten_on_the_meeting_issue() -> None:
    body = "- [ ] #12 Old title (@joergroedel)\n- [ ] #123 Other (everyone)\n- [ ] #1 One (x)"
    view = ItemView("New title", "@jlange", None, closed=True, number=12)
    assert with_task(body, view).splitlines() == [
        "- [x] #12 New title (@jlange)",
        "- [ ] #123 Other (everyone)",
        "- [ ] #1 One (x)",
    ]


@pytest.mark.parametrize(
    ("view", "lines"),
    [
        (
            ItemView("t", "@jlange", date(2025, 2, 28)),
            ["- **Owner:** @jlange", "- **Due:** 2025-02-28"],
        ),
        (ItemView("t", "nobody"), ["- **Owner:** nobody", "- **Related:** #547"]),
    ],
)
def test_an_item_body_is_restated_in_its_owner_and_due_lines_only(
    view: ItemView, lines: list[str]
) -> None:
    ctx = RenderContext(CTX.repo, CTX.path, SHA, CTX.assignable, {SPACE_PR: pull(547, "x")})
    body = render_item(JOERG_ITEM, ctx)
    restated_body = restated(body, view)
    assert restated_body.splitlines()[: len(lines)] == lines
    assert restated_body.split("\n\n", 1)[1] == body.split("\n\n", 1)[1]
    assert restated(restated_body, item_view(JOERG_ITEM, ctx.assignable)) == body


@pytest.mark.parametrize(
    ("title", "meeting_date", "expected"),
    [
        (
            "Meeting Minutes: SVSM Development Call (December 18th, 2024)",
            date(2024, 12, 18),
            "Meeting 2024-12-18: SVSM Development Call",
        ),
        (
            "Quillstone 2.3 release triage",
            date(2025, 3, 5),
            "Meeting 2025-03-05: Quillstone 2.3 release triage",
        ),
        ("SVSM sync call, 2024-12-19", date(2024, 12, 19), "Meeting 2024-12-19: SVSM sync call"),
        (
            "Thursday, December 19th, 2024: SVSM sync",
            date(2024, 12, 19),
            "Meeting 2024-12-19: SVSM sync",
        ),
        ("Sync – 19 Dec 2024 – notes", date(2024, 12, 19), "Meeting 2024-12-19: Sync – notes"),
        ("2024-12-19", date(2024, 12, 19), "Meeting 2024-12-19"),
        ("Plan for 2024-12-20", date(2024, 12, 19), "Meeting 2024-12-19: Plan for 2024-12-20"),
        ("Orbit sprint retro", None, "Meeting retro-14: Orbit sprint retro"),
        (None, None, "Meeting retro-14"),
    ],
)
def test_meeting_title_uses_date_or_file_stem_and_a_short_name(
    title: str | None, meeting_date: date | None, expected: str
) -> None:
    minutes = Minutes("notes/retro-14.md", title, meeting_date)
    assert meeting_title(minutes, "notes/retro-14.md") == expected


@pytest.mark.parametrize(
    ("meeting_date", "expected"),
    [(date(2024, 12, 18), "meeting/2024-12-18"), (None, "meeting/retro-14")],
)
def test_meeting_label_uses_date_or_file_stem(meeting_date: date | None, expected: str) -> None:
    minutes = Minutes("notes/retro-14.md", None, meeting_date)
    assert meeting_label(minutes, "notes/retro-14.md", Settings()) == expected
