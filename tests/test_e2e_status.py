"""The weekly status, end to end: the service's hourly check posts it on the tracker
issue at the configured time, once per week however often it is asked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.cli.status import weekly_status
from bot.compat import UTC
from bot.handlers.weekly_status import TRACKER_TITLE
from bot.service.app import SETTINGS, check_weekly_status
from bot.tracker.marker import ItemMarker, format_marker
from bot.tracker.status import posted_week
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
    monday = clock.now
    assert len(reports) == 1
    assert f"## Action items, week of {monday.day} {monday:%B %Y}" in reports[0]
    assert all(f"#{i.number}" in reports[0] for i in item_issues(github_sim))

    clock.now += timedelta(hours=1)
    assert len(await check(github_sim, bot)) == 1
    clock.now += timedelta(days=3)
    assert len(await check(github_sim, bot)) == 1

    clock.now += timedelta(days=4)
    reports = await check(github_sim, bot)
    assert len(reports) == 2
    assert f"week={clock.now.strftime('%G-W%V')}" in reports[1]


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


async def test_a_week_missed_while_down_is_covered_by_the_next_report(
    github_sim: GitHubSim, bot: Bot, clock: Clock
) -> None:
    github_sim.clock = clock.now  # GitHub's timestamps follow the bot's clock here
    await push(github_sim, bot, {MEETING: SVSM})
    clock.now += timedelta(hours=2)
    github_sim.clock = clock.now
    first = await check(github_sim, bot)
    day = clock.now.date()
    peter = next(i for i in item_issues(github_sim) if i.assignees == ["peterfang"])
    github_sim.clock = clock.now + timedelta(days=3)
    await github_sim.close_issue(REPO, peter.number, by="peterfang")

    clock.now += timedelta(days=14)  # the service was down through the whole next week
    github_sim.clock = clock.now
    reports = await check(github_sim, bot)

    assert len(reports) == len(first) + 1 == 2
    year = f" {day.year}" if day.year != clock.now.year else ""
    assert f"### Done since the last report ({day.day} {day:%B}{year})" in reports[1]
    assert f"[#{peter.number}]" in reports[1].split("### Done since")[1]


async def test_a_manual_run_after_the_scheduler_posted_posts_nothing(
    github_sim: GitHubSim, bot: Bot, clock: Clock
) -> None:
    await push(github_sim, bot, {MEETING: SVSM})
    clock.now += timedelta(hours=2)
    assert len(await check(github_sim, bot)) == 1

    github_sim.reset_calls()
    clock.now += timedelta(hours=3)
    outcome = await weekly_status(bot.app[SETTINGS], REPO, 1, dry_run=False, clock=clock)

    assert (outcome.due, outcome.posted) == (False, False)
    assert len(await check(github_sim, bot)) == 1
    assert github_sim.writes() == []


async def test_the_scheduler_after_a_manual_run_posts_nothing(
    github_sim: GitHubSim, bot: Bot, clock: Clock
) -> None:
    await push(github_sim, bot, {MEETING: SVSM})
    clock.now += timedelta(hours=2)
    assert (await weekly_status(bot.app[SETTINGS], REPO, 1, False, clock)).posted

    clock.now += timedelta(hours=1)
    assert len(await check(github_sim, bot)) == 1


async def test_a_dry_run_before_the_first_report_opens_no_tracker(
    github_sim: GitHubSim, bot: Bot, clock: Clock
) -> None:
    await push(github_sim, bot, {MEETING: SVSM})
    clock.now += timedelta(hours=2)
    github_sim.reset_calls()

    outcome = await weekly_status(bot.app[SETTINGS], REPO, 1, dry_run=True, clock=clock)

    assert outcome.due and outcome.report
    assert all(f"[#{i.number}]" in outcome.report for i in item_issues(github_sim))
    assert github_sim.writes() == []
    assert find_tracker(github_sim) is None


async def test_the_scheduler_covers_every_repository_of_every_installation(
    github_sim: GitHubSim, bot: Bot, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.github.port.PER_PAGE", 10)  # pages of 10, as 100 are for GitHub
    # 25 repositories the service never heard from, on a second installation: three pages.
    quiet = [f"quiet-org/notes-{n:03}" for n in range(25)]
    for name in quiet:
        github_sim.add_repo(name, installation_id=2)
    item = ItemMarker(file="meetings/a.md", key="k", title="Ship it", line=3, sha="0" * 40)
    github_sim.add_issue(
        quiet[-1],
        "Ship it",
        author="minutes-bot[bot]",
        body=f"- **Owner:** everyone\n\n{format_marker(item)}",
        labels=["action-item"],
    )
    clock.now += timedelta(hours=2)

    await check_weekly_status(bot.app)
    await bot.settle(github_sim)

    listings = github_sim.calls_matching("GET", "/installation/repositories")
    assert len(listings) == 1 + 3  # installation 1: one page; installation 2: three
    config_reads = github_sim.calls_matching("GET", "/repos/{o}/{r}/contents/**")
    read = {"/".join(c.path.split("/")[2:4]) for c in config_reads}
    defaults = {f"{repo.split('/')[0]}/.github" for repo in (REPO, *quiet)}  # their owners'
    assert read == {REPO, *quiet} | defaults
    tracker = next(i for i in github_sim.issues(quiet[-1]) if i.title == TRACKER_TITLE)
    assert [posted_week(c.body) for c in github_sim.comments(quiet[-1], tracker.number)] == [
        clock.now.strftime("%G-W%V")
    ]
