"""Planning issue changes for pushed minutes: create, update, close, never duplicate.

Each test applies plans to a list of issue dicts shaped like GitHub's REST answers,
then checks what people would see on GitHub.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.minutes.model import ActionItem, Minutes, Ref, RefKind
from bot.tracker.marker import (
    ItemMarker,
    MeetingMarker,
    format_marker,
    owned_part,
    parse_marker,
    wrap_owned,
)
from bot.tracker.reconcile import (
    AddSubIssue,
    CloseIssue,
    CreateItemIssue,
    CreateMeetingIssue,
    EnsureLabels,
    Operation,
    Plan,
    Settings,
    UpdateItemIssue,
    UpdateMeetingIssue,
    item_keys,
    listed_meeting_body,
    reconcile,
    reconcile_deleted,
    render_meeting_body,
)
from bot.tracker.render import RenderContext, item_view

EVAL_DIRS = [Path(__file__).parent / "fixtures" / "eval-dev"]
EVAL = next((path for path in EVAL_DIRS if path.is_dir()), EVAL_DIRS[0])
SVSM = "00-svsm-dev-call-2024-12-18"
QUILL_V1 = "07-quillstone-release-triage"
QUILL_V2 = "08-quillstone-release-triage-v2"
SVSM_LOGINS = {"Joerg Roedel": "joergroedel", "Jon Lange": "msft-jlange", "Adam Dunlap": "adunlap"}
QUILL_LOGINS = {name: name for name in ("ravic", "omelnyk", "techeverria", "zwhitlock", "pnowak")}
PATH = "meetings/2025-03-05.md"
SHA1, SHA2, SHA3 = "1" * 40, "2" * 40, "3" * 40


def minutes_from_gold(name: str, logins: dict[str, str], path: str = PATH) -> Minutes:
    """Build the Minutes an ideal extractor would give, from the gold answers."""
    gold = json.loads((EVAL / f"{name}.gold.json").read_text())
    lines = (EVAL / f"{name}.md").read_text().splitlines()
    items = tuple(_gold_item(answer, lines, logins) for answer in gold["items"])
    when = date.fromisoformat(gold["meeting_date"]) if gold["meeting_date"] else None
    return Minutes(path, lines[0].lstrip("# "), when, items=items)


def _gold_item(answer: dict[str, Any], lines: list[str], logins: dict[str, str]) -> ActionItem:
    owners = tuple(answer["owners"])
    return ActionItem(
        line=answer["line"],
        owners=owners,
        logins=tuple(logins[owner] for owner in owners if owner in logins),
        title=answer["task"],
        due=date.fromisoformat(answer["due"]) if answer["due"] else None,
        refs=tuple(Ref(RefKind(ref["kind"]), ref["value"]) for ref in answer["refs"]),
        source=re.sub(r"^\s*[*-] (\[ \] )?", "", lines[answer["line"] - 1]),
    )


@dataclass
class FakeGitHub:
    """Issues, labels, comments and sub-issues as GitHub would hold them after a plan."""

    issues: list[dict[str, Any]] = field(default_factory=list)
    labels: set[str] = field(default_factory=set)
    comments: dict[int, list[str]] = field(default_factory=dict)
    sub_issues: dict[int, list[int]] = field(default_factory=dict)

    def issue(self, number: int) -> dict[str, Any]:
        return next(issue for issue in self.issues if issue["number"] == number)

    def create(
        self, title: str, body: str, labels: tuple[str, ...], logins: tuple[str, ...]
    ) -> int:
        number = len(self.issues) + 1
        self.issues.append(
            {
                "number": number,
                "id": 9000 + number,
                "title": title,
                "body": body,
                "state": "open",
                "state_reason": None,
                "labels": [{"name": name} for name in labels],
                "assignees": [{"login": login} for login in logins],
                "html_url": f"https://github.com/o/r/issues/{number}",
            }
        )
        return number

    def by_title(self, title: str) -> dict[str, Any]:
        return next(issue for issue in self.issues if issue["title"] == title)


def apply(plan: Plan, minutes: Minutes, ctx: RenderContext, gh: FakeGitHub) -> None:
    """Apply a plan to the fake the way the push handler applies it to GitHub."""
    created: dict[str, int] = {}
    for op in plan.operations:
        _apply_one(op, minutes, ctx, gh, created)


def _apply_one(
    op: Operation, minutes: Minutes, ctx: RenderContext, gh: FakeGitHub, created: dict[str, int]
) -> None:
    match op:
        case EnsureLabels(names):
            gh.labels |= set(names)
        case CreateMeetingIssue(title, body, labels):
            gh.create(title, body, labels, ())
        case CreateItemIssue(key, title, body, labels, assignees):
            created[key] = gh.create(title, body, labels, assignees)
        case UpdateItemIssue(number, title, body, assignees, state, comment):
            issue = gh.issue(number)
            if comment is not None:
                gh.comments.setdefault(number, []).append(comment)
            if state is not None:
                issue.update(state=state, state_reason="reopened")
            issue["title"] = title if title is not None else issue["title"]
            issue["body"] = body if body is not None else issue["body"]
            if assignees is not None:
                issue["assignees"] = [{"login": login} for login in assignees]
        case CloseIssue(number, comment, body, state_reason):
            gh.comments.setdefault(number, []).append(comment)
            gh.issue(number).update(state="closed", state_reason=state_reason)
            gh.issue(number)["body"] = body if body is not None else gh.issue(number)["body"]
        case AddSubIssue(parent, key, issue_id):
            sub = issue_id if issue_id is not None else gh.issue(created[key])["id"]
            gh.sub_issues.setdefault(parent, []).append(sub)
        case UpdateMeetingIssue(number):
            made = {key: {"number": number} for key, number in created.items()}
            gh.issue(number)["body"] = listed_meeting_body(op, minutes, ctx, made)


DEFAULTS = Settings()
WITHOUT_MEETING = Settings(meeting_issue=False)


def run(
    minutes: Minutes, ctx: RenderContext, gh: FakeGitHub, settings: Settings = DEFAULTS
) -> list[Plan]:
    """Reconcile and apply until nothing asks for another pass; return the plans."""
    plans = [reconcile(minutes, gh.issues, ctx, settings)]
    apply(plans[-1], minutes, ctx, gh)
    while plans[-1].replan:
        plans.append(reconcile(minutes, gh.issues, ctx, settings))
        apply(plans[-1], minutes, ctx, gh)
    return plans


def ops(plan: Plan, kind: type) -> list[Any]:
    return [op for op in plan.operations if isinstance(op, kind)]


def quill_ctx(
    sha: str = SHA1, assignable: frozenset[str] = frozenset(QUILL_LOGINS)
) -> RenderContext:
    return RenderContext("quill/quillstone", PATH, sha, assignable)


def after_first_push(settings: Settings = DEFAULTS) -> tuple[FakeGitHub, Minutes]:
    gh, v1 = FakeGitHub(), minutes_from_gold(QUILL_V1, QUILL_LOGINS)
    run(v1, quill_ctx(), gh, settings)
    return gh, v1


SVSM_PATH = "meetings/2024-12-18.md"
SVSM_CTX = RenderContext(
    "coconut-svsm/svsm", SVSM_PATH, SHA1, frozenset({"joergroedel", "msft-jlange"})
)


def test_first_push_opens_the_meeting_issue_then_one_issue_per_item() -> None:
    gh, minutes = FakeGitHub(), minutes_from_gold(SVSM, SVSM_LOGINS, SVSM_PATH)
    first, second = run(minutes, SVSM_CTX, gh)
    assert first == Plan(
        (
            EnsureLabels(("meeting/2024-12-18",)),
            CreateMeetingIssue(
                "Meeting 2024-12-18: SVSM Development Call",
                render_meeting_body(
                    minutes, [item_view(i, SVSM_CTX.assignable) for i in minutes.items], SVSM_CTX
                ),
                ("meeting/2024-12-18",),
            ),
        ),
        replan=True,
    )
    assert [type(op).__name__ for op in second.operations] == (
        ["EnsureLabels"] + ["CreateItemIssue"] * 7 + ["AddSubIssue"] * 7 + ["UpdateMeetingIssue"]
    )
    assert second.replan is False
    _, *items = gh.issues
    assert gh.labels == {"action-item", "meeting/2024-12-18"}
    assert [issue["title"] for issue in items] == [item.title for item in minutes.items]
    assert all(
        [label["name"] for label in issue["labels"]] == ["action-item", "meeting/2024-12-18"]
        for issue in items
    )
    assert gh.sub_issues == {1: [issue["id"] for issue in items]}


def test_first_push_assigns_only_assignable_owners_and_names_the_others() -> None:
    gh, minutes = FakeGitHub(), minutes_from_gold(SVSM, SVSM_LOGINS, SVSM_PATH)
    run(minutes, SVSM_CTX, gh)
    assignees = {issue["number"]: [a["login"] for a in issue["assignees"]] for issue in gh.issues}
    assert assignees == {
        1: [],
        2: [],
        3: [],
        4: ["joergroedel"],
        5: ["joergroedel"],
        6: ["msft-jlange"],
        7: [],
        8: ["joergroedel"],
    }
    assert "- **Owner:** Adam Dunlap (`adunlap` cannot be assigned" in gh.issue(7)["body"]
    assert "- **Owner:** everyone" in gh.issue(2)["body"]
    assert "- **Meeting:** #1" in gh.issue(2)["body"]


def test_meeting_issue_lists_every_item_as_a_task_github_checks_off() -> None:
    gh, minutes = FakeGitHub(), minutes_from_gold(SVSM, SVSM_LOGINS, SVSM_PATH)
    run(minutes, SVSM_CTX, gh)
    tasks = [line for line in gh.issue(1)["body"].splitlines() if line.startswith("- [ ]")]
    assert tasks[2:4] == [
        (
            "- [ ] #4 Help review and document unsafe blocks, particularly in the memory "
            "allocator (@joergroedel, due 2025-01-31)"
        ),
        (
            "- [ ] #5 Investigate the external uuid crate and compare it with the existing "
            "internal UUID implementation (@joergroedel)"
        ),
    ]
    assert len(tasks) == 7


def test_a_closed_item_stays_checked_when_the_minutes_are_pushed_again() -> None:
    gh, minutes = FakeGitHub(), minutes_from_gold(SVSM, SVSM_LOGINS, SVSM_PATH)
    run(minutes, SVSM_CTX, gh)
    gh.issue(4).update(state="closed", state_reason="completed")
    edited = minutes_from_gold(SVSM, SVSM_LOGINS, SVSM_PATH)
    edited = replace(edited, items=edited.items[:-1])  # an item removed: the meeting list changes

    run(edited, replace(SVSM_CTX, sha=SHA2), gh)

    tasks = [line for line in gh.issue(1)["body"].splitlines() if line.startswith("- [")]
    assert tasks[2].startswith("- [x] #4 Help review and document unsafe blocks")
    assert [t[:5] for t in tasks] == ["- [ ]", "- [ ]", "- [x]", "- [ ]", "- [ ]", "- [ ]"]


@pytest.mark.parametrize("sha", [SHA1, SHA2], ids=["same commit", "later commit"])
def test_second_push_of_the_same_minutes_plans_nothing(sha: str) -> None:
    gh, minutes = FakeGitHub(), minutes_from_gold(SVSM, SVSM_LOGINS, SVSM_PATH)
    run(minutes, SVSM_CTX, gh)
    assert reconcile(minutes, gh.issues, replace(SVSM_CTX, sha=sha)) == Plan()


def test_revised_minutes_edit_one_issue_close_one_and_open_one() -> None:
    gh, _ = after_first_push()
    v2 = minutes_from_gold(QUILL_V2, QUILL_LOGINS)
    plan = reconcile(v2, gh.issues, quill_ctx(SHA2))
    ravic = gh.by_title("Fix the incremental rebuild regression")
    go = gh.by_title("Decide on the Go 1.24 minimum version")
    [update] = ops(plan, UpdateItemIssue)
    [close] = ops(plan, CloseIssue)
    [create] = ops(plan, CreateItemIssue)
    assert update.number == ravic["number"]
    assert update.title == "Fix the partial-cache bug behind the incremental rebuild regression"
    assert update.assignees is None
    assert "#L38)" in (update.body or "")
    assert (close.number, close.state_reason) == (go["number"], "not_planned")
    assert close.comment == (
        "This action item is no longer in [`meetings/2025-03-05.md`](https://github.com/"
        f"quill/quillstone/blob/{SHA2}/meetings/2025-03-05.md), so it is closed as not planned. "
        "Reopen it if the work is still wanted."
    )
    assert (create.title, create.assignees) == ("Tag 2.3.0-rc.1", ("pnowak",))
    assert ops(plan, AddSubIssue) == [AddSubIssue(1, create.key, None)]
    assert len(ops(plan, UpdateMeetingIssue)) == 1


def test_revised_minutes_applied_twice_change_nothing_the_second_time() -> None:
    gh, _ = after_first_push()
    v2 = minutes_from_gold(QUILL_V2, QUILL_LOGINS)
    run(v2, quill_ctx(SHA2), gh)
    assert reconcile(v2, gh.issues, quill_ctx(SHA3)) == Plan()
    tasks = [line for line in gh.issue(1)["body"].splitlines() if line.startswith("- [ ]")]
    assert "- [ ] #9 Tag 2.3.0-rc.1 (@pnowak, due 2025-03-12)" in tasks
    assert not any("Go 1.24" in task for task in tasks)


def test_unchanged_items_keep_their_original_permalink() -> None:
    gh, _ = after_first_push()
    run(minutes_from_gold(QUILL_V2, QUILL_LOGINS), quill_ctx(SHA2), gh)
    body = gh.by_title("Draft the 2.3 release notes")["body"]
    assert f"/blob/{SHA1}/meetings/2025-03-05.md?plain=1#L40)" in body


@pytest.mark.parametrize("reason", ["completed", "not_planned"])
def test_an_issue_a_person_closed_is_never_reopened_or_replaced(reason: str) -> None:
    gh, _ = after_first_push()
    ravic = gh.by_title("Fix the incremental rebuild regression")
    ravic.update(state="closed", state_reason=reason)
    v2 = minutes_from_gold(QUILL_V2, QUILL_LOGINS)
    plan = reconcile(v2, gh.issues, quill_ctx(SHA2))
    assert all(getattr(op, "number", None) != ravic["number"] for op in plan.operations)
    assert [op.title for op in ops(plan, CreateItemIssue)] == ["Tag 2.3.0-rc.1"]


def test_a_closed_issue_whose_item_was_removed_is_left_as_is() -> None:
    gh, _ = after_first_push()
    go = gh.by_title("Decide on the Go 1.24 minimum version")
    go.update(state="closed", state_reason="completed")
    plan = reconcile(minutes_from_gold(QUILL_V2, QUILL_LOGINS), gh.issues, quill_ctx(SHA2))
    assert ops(plan, CloseIssue) == []


def test_an_item_issue_a_person_reopened_after_removal_stays_open() -> None:
    gh, _ = after_first_push()
    v2 = minutes_from_gold(QUILL_V2, QUILL_LOGINS)
    run(v2, quill_ctx(SHA2), gh)
    gh.by_title("Decide on the Go 1.24 minimum version").update(state="open", state_reason=None)
    assert reconcile(v2, gh.issues, quill_ctx(SHA3)) == Plan()


def test_an_item_put_back_into_the_minutes_reopens_the_issue_the_bot_closed() -> None:
    gh, v1 = after_first_push()
    run(minutes_from_gold(QUILL_V2, QUILL_LOGINS), quill_ctx(SHA2), gh)
    go = gh.by_title("Decide on the Go 1.24 minimum version")
    plan = reconcile(v1, gh.issues, quill_ctx(SHA3))
    [reopen] = [op for op in ops(plan, UpdateItemIssue) if op.number == go["number"]]
    assert reopen.state == "open"
    assert [op.number for op in ops(plan, CloseIssue)] == [gh.by_title("Tag 2.3.0-rc.1")["number"]]
    run(v1, quill_ctx(SHA3), gh)
    assert go["state"] == "open"
    assert reconcile(v1, gh.issues, quill_ctx(SHA3)) == Plan()


def test_a_title_a_person_edited_is_kept_while_the_body_follows_the_minutes() -> None:
    gh, _ = after_first_push()
    ravic = gh.by_title("Fix the incremental rebuild regression")
    ravic["title"] = "Incremental rebuild misses changed partials (#1502)"
    v2 = minutes_from_gold(QUILL_V2, QUILL_LOGINS)
    [update] = ops(reconcile(v2, gh.issues, quill_ctx(SHA2)), UpdateItemIssue)
    assert (update.number, update.title) == (ravic["number"], None)
    assert "partial-cache bug behind" in (update.body or "")
    run(v2, quill_ctx(SHA2), gh)
    assert ravic["title"] == "Incremental rebuild misses changed partials (#1502)"
    assert reconcile(v2, gh.issues, quill_ctx(SHA3)) == Plan()


def test_text_a_person_wrote_around_the_bots_part_survives_an_update() -> None:
    gh, _ = after_first_push()
    ravic = gh.by_title("Fix the incremental rebuild regression")
    ravic["body"] = "Repro: build twice.\r\n\r\n" + ravic["body"] + "\r\n\r\nThanks!"
    assert reconcile(minutes_from_gold(QUILL_V1, QUILL_LOGINS), gh.issues, quill_ctx()) == Plan()
    run(minutes_from_gold(QUILL_V2, QUILL_LOGINS), quill_ctx(SHA2), gh)
    assert ravic["body"].startswith("Repro: build twice.\n\n<!-- minutes-bot:body -->\n")
    assert ravic["body"].endswith("<!-- /minutes-bot:body -->\n\nThanks!")
    assert "partial-cache bug behind" in ravic["body"]


def test_a_body_without_the_bots_markers_is_left_to_the_person() -> None:
    gh, _ = after_first_push()
    ravic = gh.by_title("Fix the incremental rebuild regression")
    marker = parse_marker(ravic["body"])
    assert isinstance(marker, ItemMarker)
    ravic["body"] = "Rewritten by hand.\n" + format_marker(marker)
    [update] = ops(
        reconcile(minutes_from_gold(QUILL_V2, QUILL_LOGINS), gh.issues, quill_ctx(SHA2)),
        UpdateItemIssue,
    )
    assert (update.title, update.body) == (
        "Fix the partial-cache bug behind the incremental rebuild regression",
        None,
    )


def test_a_deleted_minutes_file_closes_its_open_issues_and_meeting() -> None:
    gh, _ = after_first_push()
    gh.by_title("Draft the 2.3 release notes").update(state="closed", state_reason="completed")
    plan = reconcile_deleted(gh.issues, quill_ctx(SHA2))
    assert [op.number for op in ops(plan, CloseIssue)] == [2, 3, 4, 5, 7, 8, 1]
    assert {op.state_reason for op in plan.operations if isinstance(op, CloseIssue)} == {
        "not_planned"
    }
    assert ops(plan, CloseIssue)[0].comment == (
        "The minutes file `meetings/2025-03-05.md` was deleted, so this is closed as not "
        "planned. Reopen it if the work is still wanted."
    )
    apply(plan, Minutes(PATH, None, None), quill_ctx(SHA2), gh)
    assert reconcile_deleted(gh.issues, quill_ctx(SHA3)) == Plan()


FOREIGN_BODIES = [
    pytest.param(None, id="no body"),
    pytest.param("Written by a person.", id="no marker"),
    pytest.param(
        format_marker(ItemMarker("meetings/other.md", "abc", "Other", 3, SHA1)),
        id="another file",
    ),
    pytest.param('<!-- minutes-bot {"v": 1, "kind": "item", "file": "', id="cut short"),
    pytest.param('<!-- minutes-bot {"v": 1, "kind": "item"} -->', id="missing fields"),
    pytest.param(
        f'<!-- minutes-bot {{"v": 2, "kind": "item", "file": "{PATH}", "key": "k", '
        '"title": "t", "line": 1, "sha": "s"} -->',
        id="future version",
    ),
    pytest.param(
        f'<!-- minutes-bot {{"v": 1, "kind": "item", "file": "{PATH}", "key": "k", '
        '"title": "t", "line": "one", "sha": "s"} -->',
        id="wrong type",
    ),
    pytest.param(
        f'<!-- minutes-bot {{"v": 1, "kind": "poll", "file": "{PATH}"}} -->', id="unknown kind"
    ),
    pytest.param('<!-- minutes-bot {"v": 1, oops} -->', id="broken json"),
]


@pytest.mark.parametrize("body", FOREIGN_BODIES)
def test_issues_without_a_valid_marker_for_this_file_are_not_touched(body: str | None) -> None:
    gh, v1 = after_first_push()
    foreign = gh.create("Decide on the Go 1.24 minimum version", body or "", (), ())
    gh.issue(foreign)["body"] = body
    v2 = minutes_from_gold(QUILL_V2, QUILL_LOGINS)
    plan = reconcile(v2, gh.issues, quill_ctx(SHA2))
    assert all(getattr(op, "number", None) != foreign for op in plan.operations)
    assert reconcile(v1, gh.issues, quill_ctx()) == Plan()


@pytest.mark.parametrize("body", FOREIGN_BODIES)
def test_a_broken_or_foreign_marker_reads_as_not_ours(body: str | None) -> None:
    marker = parse_marker(body)
    assert marker is None or marker.file != PATH


@pytest.mark.parametrize(
    "title",
    [
        "Fix the `-->` that ends comments early",
        "<!-- minutes-bot:body --> and <!-- /minutes-bot:body -->",
        'Quote "this" and a \\ backslash',
        "Jürgen's — ünïcode task -- with dashes --!>",
        "<script>alert(1)</script>",
    ],
)
def test_a_marker_survives_any_title(title: str) -> None:
    marker = ItemMarker(PATH, "k", title, 4, SHA1, ("ravic",), ("ravic",), date(2025, 3, 7), 1)
    text = format_marker(marker)
    assert text.count("-->") == 1 and text.endswith(" -->")
    assert "<" not in text[4:] and ">" not in text[:-3]
    body = "Before\n" + wrap_owned(f"Some content\n{text}") + "\nAfter"
    assert parse_marker(body) == marker
    assert owned_part(body) == f"Some content\n{text}"


def single(title: str, owner: str, line: int) -> Minutes:
    item = ActionItem(line, (owner,), (owner,), title, source=title)
    return Minutes(PATH, "Triage", date(2025, 3, 5), items=(item,))


@pytest.mark.parametrize(
    ("before", "after", "same_issue"),
    [
        (
            ("Investigte the uuid crate", "jroedel", 41),
            ("Investigate the uuid crate", "jroedel", 41),
            True,
        ),
        (
            ("Fix the incremental rebuild regression", "ravic", 36),
            ("Fix the partial-cache bug behind the incremental rebuild regression", "ravic", 38),
            True,
        ),
        (
            ("Draft the 2.3 release notes", "zwhitlock", 40),
            ("Draft the 2.3 release notes", "pnowak", 42),
            True,
        ),
        (
            ("Add a migration note for the permalink change", "techeverria", 38),
            ("Update the changelog for the release", "techeverria", 38),
            False,
        ),
        (
            ("Decide on the Go 1.24 minimum version", "ravic", 41),
            ("Tag 2.3.0-rc.1", "pnowak", 44),
            False,
        ),
        (
            ("Review PR #1511 after the rebase", "omelnyk", 37),
            ("Review the docs for the rebase guide", "zwhitlock", 37),
            False,
        ),
    ],
    ids=[
        "typo fixed",
        "reworded and moved",
        "owner changed",
        "new task same owner",
        "new task other owner",
        "similar words other owner",
    ],
)
def test_a_reworded_item_keeps_its_issue_and_an_unrelated_one_does_not_steal_it(
    before: tuple[str, str, int], after: tuple[str, str, int], same_issue: bool
) -> None:
    gh, settings = FakeGitHub(), WITHOUT_MEETING
    run(single(*before), quill_ctx(), gh, settings)
    plan = reconcile(single(*after), gh.issues, quill_ctx(SHA2), settings)
    kinds = sorted(type(op).__name__ for op in plan.operations)
    assert kinds == (
        ["UpdateItemIssue"] if same_issue else ["CloseIssue", "CreateItemIssue", "EnsureLabels"]
    )


def test_a_new_owner_in_the_minutes_is_assigned_in_place_of_the_one_the_bot_assigned() -> None:
    gh, settings = FakeGitHub(), WITHOUT_MEETING
    run(single("Draft the 2.3 release notes", "zwhitlock", 40), quill_ctx(), gh, settings)
    moved = single("Draft the 2.3 release notes", "pnowak", 40)
    run(moved, quill_ctx(SHA2), gh, settings)
    assert [a["login"] for a in gh.issue(1)["assignees"]] == ["pnowak"]
    assert "- **Owner:** @pnowak" in gh.issue(1)["body"]
    assert gh.comments == {}
    assert reconcile(moved, gh.issues, quill_ctx(SHA3), settings) == Plan()


@pytest.mark.parametrize(
    ("assigned_by_a_person", "owner_line"),
    [
        (["zwhitlock", "omelnyk"], "@zwhitlock, @omelnyk"),
        (["omelnyk"], "@omelnyk"),
        ([], "nobody"),
    ],
    ids=["helper added", "reassigned", "unassigned"],
)
def test_owners_a_person_chose_stay_and_a_new_owner_in_the_minutes_is_news(
    assigned_by_a_person: list[str], owner_line: str
) -> None:
    gh, settings = FakeGitHub(), WITHOUT_MEETING
    run(single("Draft the 2.3 release notes", "zwhitlock", 40), quill_ctx(), gh, settings)
    gh.issue(1)["assignees"] = [{"login": login} for login in assigned_by_a_person]
    run(single("Draft the 2.3 release notes.", "zwhitlock", 40), quill_ctx(SHA2), gh, settings)
    assert f"- **Owner:** {owner_line}\n" in gh.issue(1)["body"]
    assert gh.comments == {}

    moved = single("Draft the 2.3 release notes", "pnowak", 40)
    run(moved, quill_ctx(SHA3), gh, settings)
    assert [a["login"] for a in gh.issue(1)["assignees"]] == assigned_by_a_person
    assert f"- **Owner:** {owner_line}\n" in gh.issue(1)["body"]
    assert gh.comments == {
        1: [
            "The minutes now say the owner is @pnowak; this item keeps what was set here."
            " Comment `/assign @pnowak` to follow them."
        ]
    }
    assert reconcile(moved, gh.issues, quill_ctx(SHA3), settings) == Plan()


def with_marker(issue: dict[str, Any], **changes: Any) -> None:
    """Change the item's marker in its body, as a command does."""
    marker = parse_marker(issue["body"])
    assert isinstance(marker, ItemMarker)
    changed = format_marker(replace(marker, **changes))
    issue["body"] = issue["body"].replace(format_marker(marker), changed)


def test_a_due_date_a_person_set_survives_a_reworded_item_and_every_later_run() -> None:
    gh, _ = after_first_push()
    notes = gh.by_title("Draft the 2.3 release notes")
    with_marker(notes, set_due=date(2025, 4, 1))
    v2 = minutes_from_gold(QUILL_V2, QUILL_LOGINS)  # rewords other items, not this one's date

    run(v2, quill_ctx(SHA2), gh)
    run(v2, quill_ctx(SHA3), gh)

    assert "- **Due:** 2025-04-01" in notes["body"]
    assert parse_marker(notes["body"]).set_due == date(2025, 4, 1)  # type: ignore[union-attr]
    tasks = gh.issue(1)["body"].splitlines()
    number = notes["number"]
    assert f"- [ ] #{number} Draft the 2.3 release notes (@zwhitlock, due 2025-04-01)" in tasks
    assert gh.comments.get(notes["number"]) is None
    assert reconcile(v2, gh.issues, quill_ctx(SHA3)) == Plan()


def test_a_new_due_date_in_the_minutes_is_news_once_and_the_persons_date_stays() -> None:
    gh, settings = FakeGitHub(), WITHOUT_MEETING
    dated = replace(single("Draft the 2.3 release notes", "zwhitlock", 40))
    first = replace(dated, items=(replace(dated.items[0], due=date(2025, 3, 12)),))
    run(first, quill_ctx(), gh, settings)
    with_marker(gh.issue(1), set_due=date(2025, 4, 1))

    later = replace(first, items=(replace(first.items[0], due=date(2025, 3, 19)),))
    run(later, quill_ctx(SHA2), gh, settings)
    run(later, quill_ctx(SHA3), gh, settings)

    assert "- **Due:** 2025-04-01" in gh.issue(1)["body"]
    assert gh.comments == {
        1: [
            "The minutes now say it is due 2025-03-19; this item keeps what was set here."
            " Comment `/due 2025-03-19` to follow them."
        ]
    }


def test_the_meeting_task_shows_the_title_and_owners_people_gave_the_item() -> None:
    gh, _ = after_first_push()
    notes = gh.by_title("Draft the 2.3 release notes")
    notes["title"] = "Write the 2.3 release notes"
    notes["assignees"] = [{"login": "omelnyk"}]
    run(minutes_from_gold(QUILL_V2, QUILL_LOGINS), quill_ctx(SHA2), gh)
    tasks = gh.issue(1)["body"].splitlines()
    number = notes["number"]
    assert f"- [ ] #{number} Write the 2.3 release notes (@omelnyk, due 2025-03-14)" in tasks
    assert "- **Owner:** @omelnyk\n" in notes["body"]


def test_an_owner_github_no_longer_lets_the_bot_assign_stays_assigned() -> None:
    gh, minutes = FakeGitHub(), single("Draft the 2.3 release notes", "zwhitlock", 40)
    run(minutes, quill_ctx(), gh, WITHOUT_MEETING)
    plan = reconcile(minutes, gh.issues, quill_ctx(SHA2, frozenset()), WITHOUT_MEETING)
    assert [op.assignees for op in ops(plan, UpdateItemIssue)] == [None]


def test_without_a_meeting_issue_items_are_neither_linked_nor_grouped() -> None:
    gh, _ = after_first_push(WITHOUT_MEETING)
    assert len(gh.issues) == 7 and gh.sub_issues == {}
    assert not any("**Meeting:**" in issue["body"] for issue in gh.issues)


def test_two_identical_items_get_two_issues() -> None:
    item = ActionItem(5, ("ravic",), ("ravic",), "Ping the packagers")
    minutes = Minutes(PATH, None, None, items=(item, replace(item, line=9)))
    keys = item_keys(minutes.items)
    assert keys == (item.key, f"{item.key}-2")
    gh = FakeGitHub()
    run(minutes, quill_ctx(), gh, WITHOUT_MEETING)
    assert len(gh.issues) == 2
    assert reconcile(minutes, gh.issues, quill_ctx(SHA2), WITHOUT_MEETING) == Plan()


def test_a_meeting_issue_added_later_links_the_existing_items() -> None:
    gh, v1 = after_first_push(WITHOUT_MEETING)
    run(v1, quill_ctx(SHA2), gh)
    meeting = gh.issues[-1]
    assert meeting["title"] == "Meeting 2025-03-05: Quillstone 2.3 release triage"
    assert gh.sub_issues == {meeting["number"]: [9001, 9002, 9003, 9004, 9005, 9006, 9007]}
    assert all(f"- **Meeting:** #{meeting['number']}" in issue["body"] for issue in gh.issues[:7])
    assert reconcile(v1, gh.issues, quill_ctx(SHA3)) == Plan()


def test_a_meeting_issue_missing_from_the_listing_is_not_opened_again() -> None:
    gh, v1 = after_first_push()
    listed = [issue for issue in gh.issues if issue["number"] != 1]
    plan = reconcile(minutes_from_gold(QUILL_V2, QUILL_LOGINS), listed, quill_ctx(SHA2))
    assert ops(plan, CreateMeetingIssue) == [] and ops(plan, UpdateMeetingIssue) == []
    [create] = ops(plan, CreateItemIssue)
    assert "- **Meeting:** #1" in create.body
    assert reconcile(v1, listed, quill_ctx()) == Plan()


def test_a_second_issue_carrying_the_same_item_is_closed_as_a_duplicate() -> None:
    gh, v1 = after_first_push()
    original = gh.by_title("Draft the 2.3 release notes")
    copy = gh.create(original["title"], original["body"], (), ())
    [close] = reconcile(v1, gh.issues, quill_ctx(SHA2)).operations
    assert isinstance(close, CloseIssue) and close.number == copy


# -- GitHub's limit on a body ------------------------------------------------------------------


def crowded_minutes(count: int, owners_each: int) -> Minutes:
    names = tuple(f"Person Number {n:03d}" for n in range(owners_each))
    items = tuple(
        ActionItem(line=n + 5, owners=names, logins=(), title=f"Follow up on topic {n} " * 3)
        for n in range(count)
    )
    return Minutes(PATH, "Crowded call", date(2025, 3, 5), items=items)


@pytest.mark.parametrize(
    ("count", "owners_each", "listed"),
    [
        pytest.param(20, 2, "- [ ] #100 Follow up on topic 0", id="full tasks"),
        pytest.param(200, 20, "- [ ] #100\n- [ ] #101\n", id="numbers only"),
        pytest.param(9000, 1, "The 9000 action items are too many to list here", id="no list"),
    ],
)
def test_the_meeting_body_stays_under_githubs_limit(count: int, owners_each: int, listed: str) -> None:
    minutes = crowded_minutes(count, owners_each)
    views = [item_view(item, frozenset(), 100 + n) for n, item in enumerate(minutes.items)]

    body = render_meeting_body(minutes, views, RenderContext("acme/minutes", PATH, SHA1))

    assert len(body.encode()) <= 60_100
    assert listed in body
    assert isinstance(parse_marker(body), MeetingMarker)
