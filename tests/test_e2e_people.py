"""What people do on GitHub wins, and every view of an item stays in step, end to end.

The bot runs as the GitHub App behind its HTTP server; people push, comment, close,
reopen, assign and retitle in the simulated GitHub, which delivers the signed webhooks.
Each test then reads what a maintainer would see: the item's body, its task on the
meeting issue and the tracker's summary.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.handlers import comments
from bot.handlers.weekly_status import TRACKER_TITLE
from bot.service.app import check_weekly_status
from bot.tracker.commands import REFUSAL
from tests.e2e_support import (
    MEETING,
    REPO,
    Bot,
    app_env,
    create_svsm_repo,
    item_issues,
    minutes_bot,
    push,
    start_bot,
)
from tests.github_sim import GitHubSim
from tests.github_sim.state import Issue

MINUTES = """# Team call 2024-12-18

## Action items

- [ ] @peterfang: resubmit the changes removed from the `svsm-tdx` branch by January 10
- [ ] @jlange: write up the multiprocessor startup plan
"""
# The same items, the first one's sentence reworded (its date and owner unchanged).
REWORDED = MINUTES.replace("resubmit the changes", "resubmit all the changes")


@pytest.fixture
async def bot(
    github_sim: GitHubSim, github_app_key: tuple[int, str], tmp_path: Path
) -> AsyncIterator[Bot]:
    """Serve the bot for the SVSM repository, with nobody's commands counted yet."""
    create_svsm_repo(github_sim)
    comments.BUDGET.clear()
    github_sim.clock = datetime(2024, 12, 19, 10)  # the day after the call, for the bot too
    journal = tmp_path / "journal.sqlite3"
    async for running in start_bot(github_sim, github_app_key, journal, github_sim.clock.now):
        yield running


async def comment(sim: GitHubSim, bot: Bot, number: int, login: str, body: str) -> int:
    delivery = await sim.comment(REPO, number, login, body)
    assert delivery.status == 202, delivery.response
    await bot.settle(sim)
    return int(delivery.payload["comment"]["id"])


def peters(sim: GitHubSim) -> Issue:
    return next(i for i in item_issues(sim) if "svsm-tdx" in (i.body or ""))


def meeting_task(sim: GitHubSim, number: int) -> str:
    meeting = next(i for i in sim.issues(REPO) if i.title.startswith("Meeting "))
    return next(line for line in (meeting.body or "").splitlines() if f" #{number} " in line)


def tracker(sim: GitHubSim) -> str:
    return next(i.body or "" for i in sim.issues(REPO) if i.title == TRACKER_TITLE)


async def with_tracker(sim: GitHubSim, bot: Bot) -> None:
    """Push the minutes and let the weekly check open the tracker with its summary."""
    await push(sim, bot, {MEETING: MINUTES})
    await check_weekly_status(bot.app)
    await bot.settle(sim)
    assert "**2** open (0 overdue) · **0** done" in tracker(sim)


async def test_the_meeting_title_names_the_date_once(github_sim: GitHubSim, bot: Bot) -> None:
    titled = MINUTES.replace("# Team call 2024-12-18", "# Team call, 2024-12-18")
    await push(github_sim, bot, {MEETING: titled})
    assert [i.title for i in github_sim.issues(REPO) if i.title.startswith("Meeting ")] == [
        "Meeting 2024-12-18: Team call"
    ]


# -- a person's change is a fact the bot keeps -------------------------------------------------


async def test_a_due_date_set_by_command_survives_an_edit_of_its_sentence_and_a_sync(
    github_sim: GitHubSim, github_app_key: tuple[int, str], bot: Bot, tmp_path: Path
) -> None:
    await push(github_sim, bot, {MEETING: MINUTES})
    item = peters(github_sim)
    assert "- **Due:** 2025-01-10" in (item.body or "")

    await comment(github_sim, bot, item.number, "peterfang", "/due 2025-01-31")
    await push(github_sim, bot, {MEETING: REWORDED})
    synced = await minutes_bot(app_env(github_sim, github_app_key, tmp_path), "sync", REPO)

    assert synced.status == 0, synced.stderr
    body = github_sim.issue(REPO, item.number).body or ""
    assert "> @&#8203;peterfang: resubmit all the changes" in body  # the push did reach the item
    assert "- **Due:** 2025-01-31" in body
    assert meeting_task(github_sim, item.number).endswith("(@peterfang, due 2025-01-31)")
    assert [c.user for c in github_sim.comments(REPO, item.number)] == ["peterfang"]


async def test_a_new_date_in_the_minutes_is_told_once_and_the_date_set_here_stays(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await push(github_sim, bot, {MEETING: MINUTES})
    item = peters(github_sim)
    await comment(github_sim, bot, item.number, "peterfang", "/due 2025-01-31")

    moved = MINUTES.replace("by January 10", "by January 17")
    await push(github_sim, bot, {MEETING: moved})
    await push(github_sim, bot, {MEETING: moved + "\nNotes follow.\n"})

    assert "- **Due:** 2025-01-31" in (github_sim.issue(REPO, item.number).body or "")
    told = [c.body for c in github_sim.comments(REPO, item.number) if c.user != "peterfang"]
    assert told == [
        "The minutes now say it is due 2025-01-17; this item keeps what was set here."
        " Comment `/due 2025-01-17` to follow them."
    ]


async def test_assign_updates_the_body_the_meeting_task_and_the_tracker_in_one_job(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await with_tracker(github_sim, bot)
    item = peters(github_sim)
    github_sim.reset_calls()

    await comment(github_sim, bot, item.number, "peterfang", "/assign @jlange")

    after = github_sim.issue(REPO, item.number)
    assert after.assignees == ["jlange"]
    assert "- **Owner:** @jlange\n" in (after.body or "")
    assert meeting_task(github_sim, item.number).endswith("(@jlange, due 2025-01-10)")
    assert f"[#{item.number}]" in tracker(github_sim)
    line = next(x for x in tracker(github_sim).splitlines() if f"[#{item.number}]" in x)
    assert line.endswith("· [jlange](https://github.com/jlange)")
    assert len(github_sim.calls_matching("PATCH", "/repos/{o}/{r}/issues/{n}")) == 3

    await push(github_sim, bot, {MEETING: REWORDED})
    assert github_sim.issue(REPO, item.number).assignees == ["jlange"]
    assert "- **Owner:** @jlange\n" in (github_sim.issue(REPO, item.number).body or "")


async def test_assignees_changed_in_the_ui_become_the_owners_everywhere_and_stay(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await with_tracker(github_sim, bot)
    item = peters(github_sim)

    for delivery in await github_sim.assign_issue(
        REPO, item.number, by="joergroedel", add=["AdamDunlap"], remove=["peterfang"]
    ):
        assert delivery.status == 202, delivery.response
    await bot.settle(github_sim)
    await push(github_sim, bot, {MEETING: REWORDED})

    after = github_sim.issue(REPO, item.number)
    assert after.assignees == ["AdamDunlap"]
    assert "- **Owner:** @AdamDunlap\n" in (after.body or "")
    assert meeting_task(github_sim, item.number).endswith("(@AdamDunlap, due 2025-01-10)")
    line = next(x for x in tracker(github_sim).splitlines() if f"[#{item.number}]" in x)
    assert line.endswith("· [AdamDunlap](https://github.com/AdamDunlap)")


# -- one place renders an item's current state -----------------------------------------------


async def test_closing_in_the_ui_ticks_the_meeting_task_and_refreshes_the_tracker(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await with_tracker(github_sim, bot)
    item = peters(github_sim)

    closed = await github_sim.close_issue(REPO, item.number, by="peterfang")
    assert closed.status == 202, closed.response
    await bot.settle(github_sim)
    assert meeting_task(github_sim, item.number).startswith(f"- [x] #{item.number} ")
    assert "**1** open (0 overdue) · **1** done" in tracker(github_sim)

    await github_sim.reopen_issue(REPO, item.number, by="peterfang")
    await bot.settle(github_sim)
    assert meeting_task(github_sim, item.number).startswith(f"- [ ] #{item.number} ")
    assert "**2** open (0 overdue) · **0** done" in tracker(github_sim)


async def test_a_title_changed_in_the_ui_shows_on_the_meeting_issue_and_the_tracker(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await with_tracker(github_sim, bot)
    item = peters(github_sim)

    await github_sim.edit_issue(REPO, item.number, by="peterfang", title="Resubmit the TDX fixes")
    await bot.settle(github_sim)

    assert meeting_task(github_sim, item.number) == (
        f"- [ ] #{item.number} Resubmit the TDX fixes (@peterfang, due 2025-01-10)"
    )
    assert f"[#{item.number}](" in tracker(github_sim)
    assert "Resubmit the TDX fixes" in tracker(github_sim)


async def test_a_push_brings_the_trackers_counts_up_to_date(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await with_tracker(github_sim, bot)
    later = "meetings/2025-01-08.md"
    next_call = (
        "# Team call 2025-01-08\n\n## Action items\n\n"
        "- [ ] @peterfang: rebase the TDX series onto main\n"
        "- [ ] @jlange: send the SMP patches to the list\n"
    )
    await push(github_sim, bot, {later: next_call})
    assert "**4** open (0 overdue) · **0** done" in tracker(github_sim)


async def test_the_bots_own_issue_events_cost_nothing(github_sim: GitHubSim, bot: Bot) -> None:
    await with_tracker(github_sim, bot)
    item = peters(github_sim)
    github_sim.api_webhooks = True  # GitHub tells the App about its own edits too
    github_sim.reset_calls()

    await comment(github_sim, bot, item.number, "peterfang", "/assign @jlange\n/done")

    caused = [d for d in github_sim.deliveries if d.event == "issues"]
    assert {d.action for d in caused} >= {"assigned", "unassigned", "edited", "closed"}
    assert all(d.status == 202 for d in caused)
    assert len(github_sim.calls_matching("PATCH", "/repos/{o}/{r}/issues/{n}")) == 4


# -- refusals ----------------------------------------------------------------------------------


async def test_twelve_commands_from_a_stranger_get_exactly_one_reply(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await push(github_sim, bot, {MEETING: MINUTES})
    item = peters(github_sim)
    sent = [await comment(github_sim, bot, item.number, "passerby", "/done") for _ in range(12)]

    replies = [c.body for c in github_sim.comments(REPO, item.number) if c.user != "passerby"]
    assert replies == [f"@passerby {REFUSAL}"]
    confused = [
        [r.content for r in github_sim.reactions(REPO, comment_id=comment_id)]
        for comment_id in sent
    ]
    assert confused[:11] == [["confused"]] * 11  # the twelfth is over the flood limit
    assert github_sim.issue(REPO, item.number).state == "open"
