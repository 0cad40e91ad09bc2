"""A minutes file's issues are decided from inputs read beforehand, with no port at all.

The reconciler reads everything first (`gather`: one `FileInputs`), decides with no I/O
(`decide_file`, `plan_file`), then applies. These tests hand-make the inputs, and check
that the service's reconciler makes no call to GitHub while it decides.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.config.types import RepoConfig
from bot.github.offline import OfflineGitHub
from bot.handlers import minutes_files
from bot.handlers.minutes_files import MinutesReconciler
from bot.minutes.job import extract_here
from bot.minutes.model import ActionItem, Minutes
from bot.tracker.dry_run import DryRun
from bot.tracker.file_plan import FileDecision, FileInputs, decide_file, issues_of_file, plan_file
from bot.tracker.followup import EarlierItem, Followup, Mention
from bot.tracker.marker import ItemMarker, format_marker, wrap_owned
from bot.tracker.reconcile import CreateItemIssue, CreateMeetingIssue, EnsureLabels, Plan, Settings
from bot.tracker.render import RenderContext

REPO = "acme/widgets"
PATH = "meetings/2025-01-08.md"
EARLIER = "meetings/2024-12-18.md"
SHA = "1" * 40
CTX = RenderContext(REPO, PATH, SHA, frozenset({"joergroedel"}))
REVIEW = ActionItem(
    line=5, owners=("Joerg Roedel",), logins=("joergroedel",),
    title="Review Vijay Dhanraj's user space support PR",
)
DOCS = ActionItem(line=6, owners=("Adam Dunlap",), logins=(), title="Write the release notes")
MINUTES = Minutes(PATH, "Widgets sync", date(2025, 1, 8), items=(REVIEW, DOCS))
JOERG = EarlierItem(
    6, REVIEW.title, ("Joerg Roedel",), ("joergroedel",), EARLIER, date(2024, 12, 18)
)
PETER = EarlierItem(
    5, "Check and resubmit any changes removed from the svsm-tdx branch", ("Peter Fang",),
    ("peterfang",), EARLIER, date(2024, 12, 18),
)
PETER_DONE = Mention(8, "Peter Fang checked and resubmitted the svsm-tdx changes.", "checked")


def inputs(**fields: Any) -> FileInputs:
    return FileInputs(
        **{"minutes": MINUTES, "ctx": CTX, "issues": (), "settings": Settings(),
           "close_reported": "checked", **fields}
    )


def test_a_file_without_issues_is_decided_to_open_its_meeting_issue_first() -> None:
    decision = decide_file(inputs())
    assert decision == FileDecision(MINUTES, CTX)
    plan = plan_file(inputs(), decision)
    assert plan.replan
    assert [type(op) for op in plan.operations] == [EnsureLabels, CreateMeetingIssue]


def test_an_item_restating_an_earlier_one_is_carried_over_and_a_checked_report_closes() -> None:
    decision = decide_file(inputs(earlier=(JOERG, PETER), mentions=(PETER_DONE,)))
    assert decision.minutes.items == (DOCS,)
    assert decision.carried == ((REVIEW, JOERG),)
    assert decision.reported == (Followup(PETER, PETER_DONE, True, "checked"),)
    assert decision.still_open == ()
    assert decision.ctx.carried == ((JOERG.number, JOERG.title),)


def test_an_item_the_files_own_issue_tracks_is_not_carried_over() -> None:
    own = issue(1, ItemMarker(PATH, REVIEW.key, REVIEW.title, REVIEW.line, SHA))
    decision = decide_file(inputs(earlier=(JOERG,), issues=(own,)))
    assert decision.minutes.items == MINUTES.items
    assert decision.still_open == (JOERG,)


@pytest.mark.parametrize("thorough", [False, True])
def test_issues_matching_the_minutes_are_in_step_except_for_a_sync(thorough: bool) -> None:
    one = Minutes(PATH, "Widgets sync", date(2025, 1, 8), items=(DOCS,))
    marker = ItemMarker(PATH, DOCS.key, DOCS.title, DOCS.line, SHA, owners=("adam dunlap",))
    first = inputs(minutes=one, settings=Settings(meeting_issue=False))
    planned = plan_file(first, decide_file(first)).operations
    [create] = [op for op in planned if isinstance(op, CreateItemIssue)]
    tracked = issue(1, marker, title=create.title, body=create.body)
    decision = decide_file(inputs(minutes=one, settings=Settings(meeting_issue=False),
                                  issues=(tracked,), thorough=thorough))
    assert decision.in_step is not thorough


def test_the_files_issues_are_those_whose_marker_names_it() -> None:
    mine = issue(1, ItemMarker(PATH, "k", "t", 1, SHA))
    other = issue(2, ItemMarker(EARLIER, "k", "t", 1, SHA))
    pull = {**issue(3, ItemMarker(PATH, "k", "t", 1, SHA)), "pull_request": {}}
    assert issues_of_file([mine, other, pull, {"number": 4, "body": None}], PATH) == [mine]


def issue(number: int, marker: ItemMarker, **fields: Any) -> dict[str, Any]:
    body = wrap_owned(f"{marker.title}\n{format_marker(marker)}")
    return {"number": number, "id": 100 + number, "title": marker.title, "body": body,
            "state": "open", "assignees": [], **fields}


class Watched:
    """A port that records each call it is asked, and whether a decision was being made."""

    def __init__(self, port: Any) -> None:
        self.port = port
        self.deciding = False
        self.calls: list[tuple[str, bool]] = []

    def __getattr__(self, name: str) -> Any:
        answer = getattr(self.port, name)
        if not callable(answer):
            return answer

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, self.deciding))
            return answer(*args, **kwargs)

        return call


async def test_the_reconciler_calls_no_port_while_it_decides(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = (
        "# Widgets sync, 2025-01-08\n\n## Action items\n\n"
        "- Joerg Roedel to review #12\n- Adam Dunlap to write the release notes\n"
    )
    port = Watched(OfflineGitHub(REPO, PATH, text))
    decisions: list[FileDecision] = []
    plans: list[Plan] = []

    def deciding(step: Any, made: list[Any]) -> Any:
        def run(*args: Any) -> Any:
            port.deciding = True
            try:
                made.append(step(*args))
                return made[-1]
            finally:
                port.deciding = False
        return run

    monkeypatch.setattr(minutes_files, "decide_file", deciding(decide_file, decisions))
    monkeypatch.setattr(minutes_files, "plan_file", deciding(plan_file, plans))
    reconciler = MinutesReconciler(port, REPO, SHA, RepoConfig(), writer=DryRun(),
                                   extract=extract_here)
    await reconciler.update(PATH)
    assert len(decisions) == 1 and len(plans) == 2  # the meeting issue, then the items
    assert port.calls and not [name for name, deciding in port.calls if deciding]
