"""Commands on item issues, end to end: people comment in the simulated GitHub, the
simulator delivers the signed `issue_comment` webhook, and the bot acts on the issue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.commands import HELP, MEETING_ISSUE_HELP, REFUSAL
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


@pytest.fixture
async def bot(
    github_sim: GitHubSim, github_app_key: tuple[int, str], repo: str, tmp_path: Path
) -> AsyncIterator[Bot]:
    async for running in start_bot(github_sim, github_app_key, tmp_path / "journal.sqlite3"):
        yield running


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
    await comment(github_sim, bot, item.number, "passerby", "/done")
    assert github_sim.issue(REPO, item.number).state == "open"
    assert replies(github_sim, item.number) == [f"@passerby {REFUSAL}"]


async def test_a_triager_who_is_not_assigned_may_close_it(github_sim: GitHubSim, bot: Bot) -> None:
    item = await peter_item(github_sim, bot)
    github_sim.set_permission(REPO, "triager", "triage")
    await comment(github_sim, bot, item.number, "triager", "/done")
    assert github_sim.issue(REPO, item.number).state == "closed"


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
    await comment(github_sim, bot, item.number, "peterfang", "/due 2025-01-31")
    body = github_sim.issue(REPO, item.number).body or ""
    assert "- **Due:** 2025-01-31" in body
    assert '"due": "2025-01-31"' in body


@pytest.mark.parametrize(
    ("body", "reply"),
    [
        ("/due whenever", "I couldn't read `whenever` as a date"),
        ("/frobnicate", "I don't know the command `/frobnicate`."),
        ("/drop", "Please say why the item is dropped"),
    ],
)
async def test_mistakes_get_a_reply_and_change_nothing(
    github_sim: GitHubSim, bot: Bot, body: str, reply: str
) -> None:
    item = await peter_item(github_sim, bot)
    await comment(github_sim, bot, item.number, "peterfang", body)
    assert [text.split(" ", 1)[1][: len(reply)] for text in replies(github_sim, item.number)] == [
        reply
    ]
    assert github_sim.issue(REPO, item.number).state == "open"


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
