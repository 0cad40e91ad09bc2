"""Commands on item issues, end to end: people comment in the simulated GitHub, the
simulator delivers the signed `issue_comment` webhook, and the bot acts on the issue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.compat import UTC
from bot.handlers import comments
from bot.handlers.weekly_status import TRACKER_TITLE
from bot.service.app import check_weekly_status
from bot.tracker.commands import HELP, MEETING_ISSUE_HELP, REFUSAL, help_text
from bot.tracker.render import ItemView, with_task
from tests.e2e_support import (
    MEETING,
    REPO,
    SVSM,
    Bot,
    create_svsm_repo,
    item_issues,
    push,
    start_bot,
)
from tests.github_sim import GitHubSim
from tests.github_sim.state import Issue


@pytest.fixture
def repo(github_sim: GitHubSim) -> str:
    return create_svsm_repo(github_sim)


@pytest.fixture(autouse=True)
def fresh_budget() -> None:
    """Start each test with nobody's commands counted against the flood limit."""
    comments.BUDGET.clear()


@pytest.fixture
async def bot(
    github_sim: GitHubSim, github_app_key: tuple[int, str], repo: str, tmp_path: Path
) -> AsyncIterator[Bot]:
    async for running in start_bot(github_sim, github_app_key, tmp_path / "journal.sqlite3"):
        yield running


# The bot runs on the real clock, and a due date must be near it.
SOON = (datetime.now(UTC) + timedelta(days=45)).date().isoformat()
# One item is all these tests need; it keeps each of them to a handful of API calls.
MINUTES = """# Team call 2024-12-18

## Action items

- [ ] @peterfang: resubmit the changes removed from the `svsm-tdx` branch
"""


async def comment(sim: GitHubSim, bot: Bot, number: int, login: str, body: str) -> int:
    """Comment as `login`, wait for the bot, and return the comment's id."""
    delivery = await sim.comment(REPO, number, login, body)
    assert delivery.status == 202, delivery.response
    await bot.settle(sim)
    return int(delivery.payload["comment"]["id"])


async def peter_item(sim: GitHubSim, bot: Bot) -> Issue:
    await push(sim, bot, {MEETING: MINUTES})
    return next(i for i in item_issues(sim) if i.assignees == ["peterfang"])


def replies(sim: GitHubSim, number: int) -> list[str]:
    return [c.body for c in sim.comments(REPO, number) if c.user == sim.acting_login()]


def reactions(sim: GitHubSim, comment_id: int) -> list[str]:
    return [r.content for r in sim.reactions(REPO, comment_id=comment_id)]


@pytest.mark.parametrize(
    ("body", "state", "reason"),
    [
        ("/done", "closed", "completed"),
        ("Thanks!\n/done with #1 after the rebase", "closed", "completed"),
        ("/drop superseded by the new branch layout", "closed", "not_planned"),
    ],
)
async def test_the_assignee_closes_an_item(
    github_sim: GitHubSim, bot: Bot, body: str, state: str, reason: str
) -> None:
    item = await peter_item(github_sim, bot)
    comment_id = await comment(github_sim, bot, item.number, "peterfang", body)
    closed = github_sim.issue(REPO, item.number)
    assert (closed.state, closed.state_reason) == (state, reason)
    assert [r.content for r in github_sim.reactions(REPO, comment_id=comment_id)] == ["+1"]
    assert replies(github_sim, item.number) == []


@pytest.mark.parametrize(
    "body",
    [
        "> /done\n\nWhy was this closed?",
        "Run `/done` when finished.",
        "```\n/done\n```",
        "See /done in the docs",
        "<!-- /done -->",
    ],
)
async def test_quoted_or_inline_commands_do_nothing(
    github_sim: GitHubSim, bot: Bot, body: str
) -> None:
    item = await peter_item(github_sim, bot)
    github_sim.reset_calls()
    await comment(github_sim, bot, item.number, "peterfang", body)
    assert github_sim.issue(REPO, item.number).state == "open"
    assert github_sim.writes() == []


async def test_someone_without_access_gets_a_polite_refusal(
    github_sim: GitHubSim, bot: Bot
) -> None:
    item = await peter_item(github_sim, bot)
    github_sim.add_user("passerby", "Pat Passerby")
    comment_id = await comment(github_sim, bot, item.number, "passerby", "/done\n/assign @passerby")
    assert github_sim.issue(REPO, item.number).state == "open"
    assert github_sim.issue(REPO, item.number).assignees == ["peterfang"]
    assert replies(github_sim, item.number) == [f"@passerby {REFUSAL}"]
    assert reactions(github_sim, comment_id) == ["confused"]


@pytest.mark.parametrize(
    ("role", "state"),
    [
        ("triage", "closed"),
        ("write", "closed"),
        ("maintain", "closed"),
        ("admin", "closed"),
        ("read", "open"),
    ],
)
async def test_people_with_triage_access_or_more_may_close_items_not_theirs(
    github_sim: GitHubSim, bot: Bot, role: str, state: str
) -> None:
    item = await peter_item(github_sim, bot)
    github_sim.set_permission(REPO, "helper", role)
    await comment(github_sim, bot, item.number, "helper", "/done")
    assert github_sim.issue(REPO, item.number).state == state
    refusals = [] if state == "closed" else [f"@helper {REFUSAL}"]
    assert replies(github_sim, item.number) == refusals


async def test_an_edit_runs_only_the_commands_it_added(github_sim: GitHubSim, bot: Bot) -> None:
    item = await peter_item(github_sim, bot)
    comment_id = await comment(github_sim, bot, item.number, "peterfang", "/help")
    await github_sim.edit_comment(REPO, comment_id, "/help\n/drop no longer needed")
    await bot.settle(github_sim)
    assert replies(github_sim, item.number) == [f"@peterfang {HELP}"]
    dropped = github_sim.issue(REPO, item.number)
    assert (dropped.state, dropped.state_reason) == ("closed", "not_planned")


async def test_due_moves_the_due_date(github_sim: GitHubSim, bot: Bot) -> None:
    item = await peter_item(github_sim, bot)
    await comment(github_sim, bot, item.number, "peterfang", f"/due {SOON}")
    body = github_sim.issue(REPO, item.number).body or ""
    assert f"- **Due:** {SOON}" in body
    assert f'"set_due": "{SOON}"' in body


@pytest.mark.parametrize(
    ("body", "reply"),
    [
        ("/due whenever", "I couldn't read `whenever` as a date"),
        ("/drop", "Please say why the item is dropped"),
        ("/assign peterfang", "`peterfang` is not a GitHub login"),
        ("/assign @nobody-here", "`@nobody-here` cannot be assigned issues in this repository."),
    ],
)
async def test_mistakes_get_a_reply_and_change_nothing(
    github_sim: GitHubSim, bot: Bot, body: str, reply: str
) -> None:
    item = await peter_item(github_sim, bot)
    comment_id = await comment(github_sim, bot, item.number, "peterfang", body)
    assert [text.split(" ", 1)[1][: len(reply)] for text in replies(github_sim, item.number)] == [
        reply
    ]
    assert github_sim.issue(REPO, item.number).state == "open"
    assert reactions(github_sim, comment_id) == ["confused"]


@pytest.mark.parametrize("body", ["/cc @jlange", "/shrug", "Looks fine.\n/lgtm"])
async def test_unknown_slash_words_are_left_alone(github_sim: GitHubSim, bot: Bot, body: str) -> None:
    item = await peter_item(github_sim, bot)
    github_sim.reset_calls()
    comment_id = await comment(github_sim, bot, item.number, "peterfang", body)
    assert replies(github_sim, item.number) == []
    assert reactions(github_sim, comment_id) == []
    assert github_sim.writes() == []


async def test_help_lists_the_commands_the_repository_enables(
    github_sim: GitHubSim, bot: Bot
) -> None:
    item = await peter_item(github_sim, bot)
    config = (github_sim.commit(REPO).tree.get(".github/minutes-bot.yml") or "")
    await github_sim.push(
        REPO, {".github/minutes-bot.yml": config + "commands: [done, help]\n"}, author="joergroedel"
    )
    await bot.settle(github_sim)
    await comment(github_sim, bot, item.number, "peterfang", "/help")
    assert replies(github_sim, item.number) == [f"@peterfang {help_text(['done', 'help'])}"]


async def test_commands_on_the_meeting_issue_point_to_the_items(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await push(github_sim, bot, {MEETING: MINUTES})
    meeting = next(i for i in github_sim.issues(REPO) if i.title.startswith("Meeting "))
    await comment(github_sim, bot, meeting.number, "joergroedel", "/done")
    assert github_sim.issue(REPO, meeting.number).state == "open"
    assert replies(github_sim, meeting.number) == [f"@joergroedel {MEETING_ISSUE_HELP}"]


# -- journey 5: PR activity ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("merge", "state", "note"),
    [
        (True, "closed", "coconut-svsm/svsm#1 was merged by @joergroedel, so this review is done"),
        (False, "open", "coconut-svsm/svsm#1 was closed without being merged."),
    ],
)
async def test_a_merged_pr_closes_the_item_to_review_it(
    github_sim: GitHubSim, bot: Bot, merge: bool, state: str, note: str
) -> None:
    await push(github_sim, bot, {MEETING: SVSM})
    review = next(i for i in item_issues(github_sim) if "user space support" in i.title.lower())
    others = {i.number: i.state for i in item_issues(github_sim) if i.number != review.number}

    if merge:
        delivery = await github_sim.merge_pull(REPO, 1, by="joergroedel")
    else:
        delivery = await github_sim.close_pull(REPO, 1, by="vijay-dhanraj")
    assert delivery.status == 202
    await bot.settle(github_sim)

    assert github_sim.issue(REPO, review.number).state == state
    assert [c.body[: len(note)] for c in github_sim.comments(REPO, review.number)] == [note]
    assert {i.number: i.state for i in item_issues(github_sim) if i.number in others} == others


async def test_closing_a_pr_no_item_links_to_changes_nothing(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await push(github_sim, bot, {MEETING: SVSM})
    github_sim.reset_calls()
    await github_sim.close_pull(REPO, 2, by="jlange")
    await bot.settle(github_sim)
    assert github_sim.writes() == []


async def test_done_records_what_finished_it_and_reopen_forgets_it(
    github_sim: GitHubSim, bot: Bot
) -> None:
    item = await peter_item(github_sim, bot)
    await comment(github_sim, bot, item.number, "peterfang", "/done with #1 after the rebase")
    today = datetime.now(UTC).date().isoformat()
    done_line = f"- **Done:** with #1: after the rebase (@peterfang, {today})"
    assert done_line in (github_sim.issue(REPO, item.number).body or "")

    await comment(github_sim, bot, item.number, "peterfang", "/reopen")
    reopened = github_sim.issue(REPO, item.number)
    assert reopened.state == "open"
    assert "**Done:**" not in (reopened.body or "")


@pytest.mark.parametrize(
    ("body", "state", "assignees"),
    [
        (f"/assign @jlange\n/due {SOON}\n/done", "closed", ["jlange"]),
        ("/done\n/reopen", "open", ["peterfang"]),
        ("/reopen\n/done", "closed", ["peterfang"]),
    ],
)
async def test_several_commands_run_in_order(
    github_sim: GitHubSim, bot: Bot, body: str, state: str, assignees: list[str]
) -> None:
    item = await peter_item(github_sim, bot)
    comment_id = await comment(github_sim, bot, item.number, "peterfang", body)
    after = github_sim.issue(REPO, item.number)
    assert (after.state, after.assignees) == (state, assignees)
    assert reactions(github_sim, comment_id) == ["+1"]
    assert replies(github_sim, item.number) == []


@pytest.mark.parametrize("login", ["dependabot[bot]", "minutes-bot[bot]"])
async def test_bots_comments_are_ignored(github_sim: GitHubSim, bot: Bot, login: str) -> None:
    item = await peter_item(github_sim, bot)
    github_sim.reset_calls()
    await comment(github_sim, bot, item.number, login, "/done")
    assert github_sim.issue(REPO, item.number).state == "open"
    assert github_sim.writes() == []


async def test_done_checks_the_meeting_task_and_updates_the_tracker(
    github_sim: GitHubSim, bot: Bot
) -> None:
    item = await peter_item(github_sim, bot)
    await check_weekly_status(bot.app)  # opens the tracker with its summary
    await bot.settle(github_sim)
    tracker = next(i for i in github_sim.issues(REPO) if i.title == TRACKER_TITLE)
    assert "**1** open (0 overdue) · **0** done" in (tracker.body or "")

    await comment(github_sim, bot, item.number, "peterfang", "/done")

    meeting = next(i for i in github_sim.issues(REPO) if i.title.startswith("Meeting "))
    assert f"- [x] #{item.number} " in (meeting.body or "")
    assert "**0** open (0 overdue) · **1** done" in (
        github_sim.issue(REPO, tracker.number).body or ""
    )

    await comment(github_sim, bot, item.number, "peterfang", "/reopen")
    assert f"- [ ] #{item.number} " in (github_sim.issue(REPO, meeting.number).body or "")
    assert "**1** open" in (github_sim.issue(REPO, tracker.number).body or "")


async def test_a_flood_of_commands_gets_one_polite_reply(github_sim: GitHubSim, bot: Bot) -> None:
    item = await peter_item(github_sim, bot)
    await comment(github_sim, bot, item.number, "peterfang", "\n".join(["/done"] * 10))

    over = await comment(github_sim, bot, item.number, "peterfang", "/reopen")
    await comment(github_sim, bot, item.number, "peterfang", "/reopen")
    await comment(github_sim, bot, item.number, "peterfang", "/help")

    assert replies(github_sim, item.number) == [f"@peterfang {comments.RATE_LIMITED}"]
    assert reactions(github_sim, over) == ["confused"]
    assert github_sim.issue(REPO, item.number).state == "closed"
    await comment(github_sim, bot, item.number, "joergroedel", "/reopen")  # others are not held up
    assert github_sim.issue(REPO, item.number).state == "open"


async def test_a_replayed_delivery_neither_comments_nor_reacts_twice(
    github_sim: GitHubSim, bot: Bot
) -> None:
    item = await peter_item(github_sim, bot)
    refused = await github_sim.comment(REPO, item.number, "passerby", "/done")
    done = await github_sim.comment(REPO, item.number, "peterfang", "/done")
    await bot.settle(github_sim)
    github_sim.reset_calls()

    for delivery in (refused, done):
        assert (await github_sim.redeliver(delivery)).status in (200, 202)
    await bot.settle(github_sim)

    assert github_sim.writes() == []
    assert replies(github_sim, item.number) == [f"@passerby {REFUSAL}"]
    assert reactions(github_sim, int(done.payload["comment"]["id"])) == ["+1"]


FOLLOW_UP = "meetings/2025-01-08.md"
FOLLOW_UP_MINUTES = """# SVSM Development Call 2025-01-08

## Action items

- [ ] @vijay-dhanraj: document the user space support from #1 in the book
- [ ] @jlange: rebase the multiprocessor startup PR on top of #1
"""


async def test_merging_the_user_space_pr_closes_its_review_and_tells_the_others(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await push(github_sim, bot, {MEETING: SVSM, FOLLOW_UP: FOLLOW_UP_MINUTES})
    items = item_issues(github_sim)
    review = next(i for i in items if "user space support PR" in i.title)
    others = [i for i in items if i.title.startswith(("Document", "Rebase"))]
    assert len(others) == 2
    unrelated = [i for i in items if i not in others and i != review]

    assert (await github_sim.merge_pull(REPO, 1, by="joergroedel")).status == 202
    await bot.settle(github_sim)

    closed = github_sim.issue(REPO, review.number)
    assert (closed.state, closed.state_reason) == ("closed", "completed")
    assert [c.body for c in github_sim.comments(REPO, review.number)] == [
        "coconut-svsm/svsm#1 was merged by @joergroedel, so this review is done and the item is closed."
    ]
    for other in others:
        assert github_sim.issue(REPO, other.number).state == "open"
        assert [c.body for c in github_sim.comments(REPO, other.number)] == [
            "coconut-svsm/svsm#1 was merged by @joergroedel."
        ]
    assert all(github_sim.comments(REPO, i.number) == [] for i in unrelated)
    meeting = next(i for i in github_sim.issues(REPO) if i.title.startswith("Meeting 2024-12-18"))
    assert f"- [x] #{review.number} " in (meeting.body or "")


# -- the pure helpers behind the tests above ----------------------------------------------------


def test_the_flood_limit_counts_per_person_and_forgets_after_its_window() -> None:
    budget = comments.CommandBudget(limit=2, window=timedelta(minutes=10))
    start = datetime(2025, 1, 6, 9, tzinfo=UTC)
    verdicts = [
        budget.spend(REPO, "peterfang", 1, start + timedelta(minutes=minute))
        for minute in (0, 1, 2, 3, 11, 12)
    ]
    run, tell, ignore = comments.Verdict.RUN, comments.Verdict.TELL, comments.Verdict.IGNORE
    assert verdicts == [run, run, tell, ignore, run, run]
    assert budget.spend(REPO, "jlange", 2, start + timedelta(minutes=3)) is run
    assert budget.spend("other/repo", "PeterFang", 2, start + timedelta(minutes=3)) is run


@pytest.mark.parametrize(
    ("body", "number", "checked", "expected"),
    [
        ("- [ ] #12 Check it (@a)", 12, True, "- [x] #12 Check it (@a)"),
        ("- [x] #12 Check it (@a)", 12, False, "- [ ] #12 Check it (@a)"),
        (
            "- [ ] #123 Other\n- [ ] #12 Check it (@a)",
            12,
            True,
            "- [ ] #123 Other\n- [x] #12 Check it (@a)",
        ),
        ("- [ ] #1 Other", 12, True, "- [ ] #1 Other"),
        ("Mentions #12 in prose", 12, True, "Mentions #12 in prose"),
    ],
)
def test_the_meeting_task_of_an_item_is_checked_or_unchecked(
    body: str, number: int, checked: bool, expected: str
) -> None:
    assert with_task(body, ItemView("Check it", "@a", closed=checked, number=number)) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "- **Owner:** @a\n- **Related:** #1",
            "- **Owner:** @a\n- **Done:** how\n- **Related:** #1",
        ),
        (
            "- **Owner:** @a\n- **Due:** 2025-01-31",
            "- **Owner:** @a\n- **Due:** 2025-01-31\n- **Done:** how",
        ),
        ("- **Owner:** @a\n- **Done:** old", "- **Owner:** @a\n- **Done:** how"),
        ("No list written by the bot", "No list written by the bot"),
    ],
)
def test_what_finished_an_item_is_written_after_its_owner_and_due_date(
    body: str, expected: str
) -> None:
    assert comments.with_done(body, "how") == expected
    assert comments.without_done(expected) == body.replace("\n- **Done:** old", "")


async def test_the_same_pr_event_sent_again_tells_each_item_once(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await push(github_sim, bot, {MEETING: SVSM, FOLLOW_UP: FOLLOW_UP_MINUTES})
    closed = await github_sim.close_pull(REPO, 1, by="vijay-dhanraj")
    await bot.settle(github_sim)
    told = {i.number: len(github_sim.comments(REPO, i.number)) for i in item_issues(github_sim)}

    # A second copy under a new delivery id, as when the Actions runner also handles it.
    assert (await github_sim.deliver("pull_request", closed.payload)).status == 202
    await bot.settle(github_sim)

    assert sorted(told.values()) == [0, 0, 0, 0, 0, 0, 1, 1, 1]
    assert {
        i.number: len(github_sim.comments(REPO, i.number)) for i in item_issues(github_sim)
    } == told
