"""The weekly status, end to end: the service's hourly check posts it on the tracker
issue at the configured time, once per week however often it is asked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import check_weekly_status
from bot.handlers.weekly_status import TRACKER_TITLE
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


class Clock:
    """The bot's clock, moved by the test; it starts on the coming Monday at 08:00 UTC."""

    def __init__(self) -> None:
        today = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
        self.now = today + timedelta(days=7 - today.weekday())

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def bot(
    github_sim: GitHubSim, github_app_key: tuple[int, str], tmp_path: Path, clock: Clock
) -> AsyncIterator[Bot]:
    create_svsm_repo(github_sim)
    journal = tmp_path / "journal.sqlite3"
    async for running in start_bot(github_sim, github_app_key, journal, clock):
        yield running


async def check(sim: GitHubSim, bot: Bot) -> list[str]:
    """Run the service's status check and return the reports on the tracker."""
    await check_weekly_status(bot.app)
    await bot.settle(sim)
    tracker = find_tracker(sim)
    return [c.body for c in sim.comments(REPO, tracker.number)] if tracker else []


def find_tracker(sim: GitHubSim) -> Issue | None:
    return next((i for i in sim.issues(REPO) if i.title == TRACKER_TITLE), None)


async def test_the_status_is_posted_at_its_time_once_a_week(
    github_sim: GitHubSim, bot: Bot, clock: Clock
) -> None:
    await push(github_sim, bot, {MEETING: SVSM})

    assert await check(github_sim, bot) == []  # Monday 08:00: not yet (default 09:00 UTC)

    clock.now += timedelta(hours=2)
    reports = await check(github_sim, bot)
    week = clock.now.strftime("%G-W%V")
    assert len(reports) == 1
    assert f"## Action items: week {week}" in reports[0]
    assert all(f"#{i.number}" in reports[0] for i in item_issues(github_sim))

    clock.now += timedelta(hours=1)
    assert len(await check(github_sim, bot)) == 1
    clock.now += timedelta(days=3)
    assert len(await check(github_sim, bot)) == 1

    clock.now += timedelta(days=4)
    reports = await check(github_sim, bot)
    assert len(reports) == 2
    assert f"week {clock.now.strftime('%G-W%V')}" in reports[1]


async def test_the_tracker_lists_open_items_and_is_left_alone_when_nothing_changed(
    github_sim: GitHubSim, bot: Bot, clock: Clock
) -> None:
    await push(github_sim, bot, {MEETING: SVSM})
    clock.now += timedelta(hours=2)
    assert len(await check(github_sim, bot)) == 1
    tracker = find_tracker(github_sim)
    assert tracker is not None
    assert all(f"#{i.number}" in (tracker.body or "") for i in item_issues(github_sim))

    github_sim.reset_calls()
    clock.now += timedelta(hours=1)
    await check(github_sim, bot)
    assert github_sim.writes() == []


async def test_repositories_that_are_all_done_get_no_tracker(
    github_sim: GitHubSim, bot: Bot, clock: Clock
) -> None:
    await push(github_sim, bot, {"README.md": "nothing to do here\n"})
    clock.now += timedelta(hours=2)
    assert await check(github_sim, bot) == []
    assert find_tracker(github_sim) is None
