"""The pure decisions inside the handlers, table by table."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from gidgethub import sansio
from gidgethub.routing import Router

from bot import handlers
from bot.compat import UTC, ExceptionGroup
from bot.config.types import RepoConfig
from bot.github.port import ChangedFile
from bot.handlers.comments import command_word
from bot.handlers.linked_pulls import COMMENT_MARKER, HEADER, merge_section, section_start
from bot.handlers.pulls import finished_by_merge, listed_items
from bot.handlers.push import MinutesChanges, Push, minutes_changes
from bot.handlers.weekly_status import last_report, named_owners
from bot.service.app import Watched, status_checks
from bot.tracker.commands import Assign, Done, Help, Malformed, Unknown
from bot.tracker.marker import ItemMarker, format_marker, owned_part, wrap_owned
from bot.tracker.reconcile import restate_item

ZERO = "0" * 40


def push_payload(ref: str, before: str = "a" * 40, after: str = "b" * 40) -> dict[str, Any]:
    repository = {"full_name": "o/r", "default_branch": "main"}
    return {"ref": ref, "before": before, "after": after, "repository": repository}


@pytest.mark.parametrize(
    ("payload", "acts"),
    [
        (push_payload("refs/heads/main"), True),
        (push_payload("refs/heads/main", before=ZERO), True),
        (push_payload("refs/heads/feature"), False),
        (push_payload("refs/tags/main"), False),
        (push_payload("refs/heads/main", after=ZERO), False),  # the branch was deleted
    ],
)
def test_only_pushes_that_move_the_default_branch_count(
    payload: dict[str, Any], acts: bool
) -> None:
    assert Push.from_payload(payload).updates_default_branch is acts


@pytest.mark.parametrize(
    ("files", "changes"),
    [
        ([ChangedFile("meetings/a.md", "added")], MinutesChanges(updated=("meetings/a.md",))),
        ([ChangedFile("meetings/a.md", "modified")], MinutesChanges(updated=("meetings/a.md",))),
        ([ChangedFile("meetings/a.md", "removed")], MinutesChanges(removed=("meetings/a.md",))),
        (
            [ChangedFile("meetings/b.md", "renamed", "meetings/a.md")],
            MinutesChanges(updated=("meetings/b.md",), removed=("meetings/a.md",)),
        ),
        (
            [ChangedFile("docs/a.md", "added"), ChangedFile("meetings/x.txt", "added")],
            MinutesChanges(),
        ),
        ([ChangedFile("meetings/README.md", "modified")], MinutesChanges()),
    ],
)
def test_minutes_changes(files: list[ChangedFile], changes: MinutesChanges) -> None:
    assert minutes_changes(RepoConfig(), files) == changes


@pytest.mark.parametrize(
    ("command", "word"),
    [
        (Done(), "done"),
        (Assign(("octocat",)), "assign"),
        (Help(), "help"),
        (Malformed("drop", "why?"), "drop"),  # answered only where `/drop` is enabled
        (Unknown("frobnicate"), None),
    ],
)
def test_command_word(command: Any, word: str | None) -> None:
    assert command_word(command) == word


MARKER = ItemMarker(file="m.md", key="k", title="T", line=3, sha="abc", due=date(2025, 1, 1))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            f"- **Owner:** @a\n- **Due:** 2025-01-01\n{format_marker(MARKER)}",
            "- **Owner:** @a\n- **Due:** 2025-02-28\n",
        ),
        (
            f"- **Owner:** @a\n- **Related:** #1\n{format_marker(MARKER)}",
            "- **Owner:** @a\n- **Due:** 2025-02-28\n- **Related:** #1\n",
        ),
    ],
)
def test_a_due_date_set_by_a_person_goes_into_the_due_line_and_the_marker(
    body: str, expected: str
) -> None:
    issue = {"number": 3, "title": "T", "body": wrap_owned(body), "assignees": [{"login": "a"}]}
    chosen = replace(MARKER, set_due=date(2025, 2, 28))
    changed = restate_item(issue, chosen)
    assert changed is not None and (owned_part(changed) or "").startswith(expected)
    assert '"due": "2025-01-01"' in changed and '"set_due": "2025-02-28"' in changed
    assert restate_item({**issue, "body": changed}, chosen) is None


def test_a_pr_comment_keeps_the_sections_of_other_minutes() -> None:
    first = merge_section(
        None, "a.md", f"{section_start('a.md')}\n- #1 A\n<!-- /minutes-bot:pr-section -->"
    )
    both = merge_section(
        first, "b.md", f"{section_start('b.md')}\n- #2 B\n<!-- /minutes-bot:pr-section -->"
    )
    updated = merge_section(
        both, "a.md", f"{section_start('a.md')}\n- #3 C\n<!-- /minutes-bot:pr-section -->"
    )
    assert updated.startswith(HEADER) and updated.endswith(COMMENT_MARKER)
    assert "- #1 A" not in updated
    assert "- #2 B" in updated
    assert "- #3 C" in updated
    assert updated.count(COMMENT_MARKER) == 1


@pytest.mark.parametrize(
    ("body", "items"),
    [
        ("- #12 Review it (@a)\n- other/repo#3 Merge it (@b)", [("o/r", 12), ("other/repo", 3)]),
        ("Action items from meeting minutes mention this pull request:\n\nFrom x:", []),
        ("- see #12 later", []),
    ],
)
def test_listed_items(body: str, items: list[tuple[str, int]]) -> None:
    assert list(listed_items(body, "o/r")) == items


@pytest.mark.parametrize(
    ("title", "finished"),
    [
        ("Review Vijay Dhanraj's user space support PR", True),
        ("Merge the TDX series", True),
        ("Write a review guide", False),
        ("", False),
    ],
)
def test_finished_by_merge(title: str, finished: bool) -> None:
    assert finished_by_merge(title) is finished


@pytest.mark.parametrize(
    ("body", "owners"),
    [
        ("- **Owner:** Peter Fang (no GitHub login known)\n", ("Peter Fang",)),
        ("- **Owner:** Ann, Bo (`bo` cannot be assigned in this repository)\n", ("Ann", "Bo")),
        ("- **Owner:** everyone\n", ()),
        ("no owner line", ()),
    ],
)
def testnamed_owners(body: str, owners: tuple[str, ...]) -> None:
    assert named_owners(body) == owners


def test_last_report_is_the_latest_status_comment() -> None:
    comments = [
        {"created_at": "2025-01-06T09:00:00Z", "body": "<!-- minutes-bot:status week=2025-W02 -->"},
        {"created_at": "2025-01-13T09:00:00Z", "body": "<!-- minutes-bot:status week=2025-W03 -->"},
        {"created_at": "2025-01-14T09:00:00Z", "body": "Thanks!"},
    ]
    assert last_report(comments) == (datetime(2025, 1, 13, 9, tzinfo=UTC), "2025-W03")
    assert last_report(comments[2:]) == (None, None)


def test_status_checks_ask_each_repository_once_an_hour() -> None:
    at = datetime(2025, 1, 13, 9, 41, tzinfo=UTC)
    checks = status_checks([Watched("o/a", 7, "trunk"), Watched("o/b")], at)
    assert [(c.id, c.repo, c.installation_id) for c in checks] == [
        ("schedule:o/a:2025-01-13T09", "o/a", 7),
        ("schedule:o/b:2025-01-13T09", "o/b", None),
    ]
    assert checks[0].payload["repository"]["default_branch"] == "trunk"


async def test_one_failing_handler_does_not_stop_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran: list[str] = []
    routes = Router()

    @routes.register("push")
    async def broken(event: sansio.Event, context: Any) -> None:
        raise RuntimeError("broken")

    @routes.register("push")
    async def working(event: sansio.Event, context: Any) -> None:
        ran.append(event.delivery_id)

    monkeypatch.setattr(handlers, "router", routes)
    with pytest.raises(ExceptionGroup) as failed:
        await handlers.dispatch(sansio.Event({}, event="push", delivery_id="d-1"), None)  # type: ignore[arg-type]
    assert ran == ["d-1"]
    assert [str(e) for e in failed.value.exceptions] == ["broken"]
