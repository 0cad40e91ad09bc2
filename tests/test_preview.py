"""The preview comment's words, exactly as people read them on a pull request."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.minutes.model import ActionItem, Ref, RefKind
from bot.tracker.ignore import without_ignored_lines
from bot.tracker.marker import ItemMarker, format_marker
from bot.tracker.preview import describe_update, owner_cell, ref_cell
from bot.tracker.reconcile import UpdateItemIssue
from bot.tracker.render import Link, RenderContext

CTX = RenderContext("o/r", "meetings/m.md", "abc", frozenset({"peterfang"}))


@pytest.mark.parametrize(
    ("owners", "logins", "cell"),
    [
        (("Peter Fang",), ("peterfang",), "Peter Fang → `@peterfang`"),
        (("Jon Lange",), ("jlange",), "Jon Lange → `jlange` cannot be assigned here"),
        (("Adam Dunlap",), (), "Adam Dunlap: no GitHub login known: add them to `people`"),
        ((), (), "everyone"),
        (("A | B",), (), "A \\| B: no GitHub login known: add them to `people`"),
    ],
)
def test_owner_cell_says_who_would_be_assigned_without_mentioning_anybody(
    owners: tuple[str, ...], logins: tuple[str, ...], cell: str
) -> None:
    assert owner_cell(ActionItem(1, owners, logins, "t"), CTX) == cell


NAMED = Ref(RefKind.NAMED_PR, "user space support PR", "Vijay")


@pytest.mark.parametrize(
    ("ref", "resolution", "cell"),
    [
        (NAMED, Link("o/r", 547, "pr", "Userspace support", "u"), "`#547` Userspace support"),
        (NAMED, Link("x/y", 9, "pr", "", "u"), "`x/y#9`"),
        (NAMED, (Link("o/r", 1, "pr", "a", "u"), Link("o/r", 2, "pr", "b", "u")),
         '"user space support PR": one of `#1` or `#2`?'),
        (NAMED, (), '"user space support PR": no matching PR found'),
        (Ref(RefKind.ISSUE, "#12"), None, "`#12`"),
    ],
)
def test_ref_cell_writes_references_as_code_so_nothing_is_linked_before_the_merge(
    ref: Ref, resolution: object, cell: str
) -> None:
    links = {ref: resolution} if resolution is not None else {}
    ctx = RenderContext(CTX.repo, CTX.path, CTX.sha, links=links)  # type: ignore[arg-type]
    assert ref_cell(ref, ctx) == cell


def marked(due: date | None, line: int) -> str:
    marker = ItemMarker("m.md", "k", "Title", line, "abc", due=due)
    return f"<!-- minutes-bot:body -->\nx\n{format_marker(marker)}\n<!-- /minutes-bot:body -->"


@pytest.mark.parametrize(
    ("op", "said"),
    [
        (UpdateItemIssue(4, title="New title"), 'title becomes "New title"'),
        (UpdateItemIssue(4, assignees=("a", "b")), "assignees become `@a`, `@b`"),
        (UpdateItemIssue(4, assignees=()), "assignees become nobody"),
        (UpdateItemIssue(4, body=marked(date(2025, 1, 31), 40)), "due none → 2025-01-31, now from line 40"),
        (UpdateItemIssue(4, body=marked(None, 12)), "its description follows the minutes"),
        (UpdateItemIssue(4, state="open"), "reopened, as the item is back in the minutes"),
    ],
)
def test_an_update_says_what_changes(op: UpdateItemIssue, said: str) -> None:
    existing = {4: {"number": 4, "title": "Title", "body": marked(None, 12)}}
    assert describe_update(op, existing) == said


def test_a_line_carrying_the_ignore_marker_is_blanked_and_the_rest_keep_their_numbers() -> None:
    text = "a\n- [ ] Peter: do it <!-- minutes-bot: ignore -->\nc"
    assert without_ignored_lines(text) == "a\n\nc"


def test_plan_skips_a_line_marked_ignore(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    minutes = tmp_path / "2025-03-05.md"
    minutes.write_text("## Action items\n\n- [ ] Ravi: fix CI\n"
                       "- [ ] Ravi: not a task <!-- minutes-bot: ignore -->\n")

    main(["plan", str(minutes), "--format", "json"])

    assert [i["title"] for i in json.loads(capsys.readouterr().out)["issues"]] == ["Fix CI"]
