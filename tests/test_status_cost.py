"""What the weekly status and the summary's refresh after an item change cost: the items
closed before the last report are not listed again, and the report and the tracker's
summary say exactly what a full listing says."""

from __future__ import annotations

from datetime import datetime, timedelta

import aiohttp
import pytest

from bot.cli.shared import repository_port
from bot.cli.status import weekly_status
from bot.compat import UTC
from bot.handlers.weekly_status import TRACKER_TITLE, WeeklyStatus, decide, read_config, schedule_of
from bot.tracker.status import render_tracker_body
from tests.github_sim import GitHubSim
from tests.status_support import (
    PEOPLE,
    a_week_after_the_last_report,
    refresh_summary,
    token_settings,
)

NOW = datetime(2025, 3, 5, 10, tzinfo=UTC)  # a Wednesday
BIG, SMALL = "acme/big", "acme/small"
OPEN, DONE = 12, 3


@pytest.fixture(autouse=True)
def pages_of_ten(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.github.port.PER_PAGE", 10)  # pages of 10, as 100 are for GitHub


async def calls_of_the_weekly_status(sim: GitHubSim, repo: str) -> int:
    """Post this week's report on `repo`; return the API calls it took."""
    sim.reset_calls()
    outcome = await weekly_status(token_settings(sim.url), repo, None, False, lambda: NOW)
    assert outcome.posted, outcome.explanation
    return len(sim.calls)


async def as_a_full_listing_says(sim: GitHubSim, repo: str) -> tuple[str | None, str]:
    """Return the report and the tracker body that every item issue of `repo` gives now."""
    async with aiohttp.ClientSession() as session:
        port = await repository_port(session, token_settings(sim.url), repo)
        config = await read_config(port, repo)
        assert config is not None
        status = WeeklyStatus(port, repo, config)
        items = await status.items()
        tracker = await status.find_tracker()
        assert tracker is not None
        comments = (await status.reports(tracker["number"]))[:-1]  # before this week's
        report = decide(items, comments, NOW, schedule_of(config), config.status).report
        return report, render_tracker_body(items, NOW)


async def test_closed_items_of_old_meetings_cost_no_calls_at_the_weekly_status(
    github_sim: GitHubSim,
) -> None:
    # 200 items closed months ago, 20 pages of 10: each listed every week before.
    await a_week_after_the_last_report(github_sim, BIG, old=200, opened=OPEN, done=DONE, now=NOW)
    await a_week_after_the_last_report(github_sim, SMALL, old=0, opened=OPEN, done=DONE, now=NOW)

    big = await calls_of_the_weekly_status(github_sim, BIG)
    small = await calls_of_the_weekly_status(github_sim, SMALL)

    assert big <= small + 1  # within a page
    listed = [c.query for c in github_sim.calls_matching("GET", "/repos/{o}/{r}/issues")]
    items = [query for query in listed if query.get("labels") == "action-item"]
    assert items and all(q["state"] == "open" or "since" in q for q in items)


@pytest.mark.parametrize("old", [0, 200])
async def test_the_weekly_status_says_what_a_full_listing_says(
    github_sim: GitHubSim, old: int
) -> None:
    await a_week_after_the_last_report(github_sim, BIG, old=old, opened=OPEN, done=DONE, now=NOW)

    await calls_of_the_weekly_status(github_sim, BIG)

    report, summary = await as_a_full_listing_says(github_sim, BIG)
    tracker = next(i for i in github_sim.issues(BIG) if i.title == TRACKER_TITLE)
    posted = github_sim.comments(BIG, tracker.number)[-1].body
    assert report is not None and f"**{DONE}** done" in report
    assert posted == report
    assert tracker.body == summary


async def test_a_close_the_summary_missed_is_counted_without_listing_every_item(
    github_sim: GitHubSim,
) -> None:
    await a_week_after_the_last_report(
        github_sim, BIG, old=200, opened=OPEN, done=DONE, now=NOW, refreshed=False
    )

    calls = await calls_of_the_weekly_status(github_sim, BIG)

    report, summary = await as_a_full_listing_says(github_sim, BIG)
    tracker = next(i for i in github_sim.issues(BIG) if i.title == TRACKER_TITLE)
    assert calls < 200 / 10
    assert github_sim.comments(BIG, tracker.number)[-1].body == report
    assert tracker.body == summary


async def test_a_reopen_the_summary_missed_has_every_item_listed_and_counted_again(
    github_sim: GitHubSim,
) -> None:
    await a_week_after_the_last_report(github_sim, BIG, old=200, opened=OPEN, done=DONE, now=NOW)
    await github_sim.reopen_issue(BIG, oldest_closed(github_sim, BIG), by=PEOPLE[0])

    calls = await calls_of_the_weekly_status(github_sim, BIG)

    report, summary = await as_a_full_listing_says(github_sim, BIG)
    tracker = next(i for i in github_sim.issues(BIG) if i.title == TRACKER_TITLE)
    assert calls > 200 / 10  # every item listed
    assert github_sim.comments(BIG, tracker.number)[-1].body == report
    assert tracker.body == summary


def open_items(sim: GitHubSim, repo: str) -> list[int]:
    return [i.number for i in sim.issues(repo, "open") if i.title != TRACKER_TITLE]


def oldest_closed(sim: GitHubSim, repo: str) -> int:
    return min(i.number for i in sim.issues(repo, "closed"))


async def refreshed_after(sim: GitHubSim, repo: str, change: str, hours: int) -> int:
    """Make one item change `hours` after NOW, refresh the summary as the service does after
    it, and return the refresh's API calls."""
    sim.clock = NOW + timedelta(hours=hours)
    if change == "reopen":
        await sim.reopen_issue(repo, oldest_closed(sim, repo), by=PEOPLE[0])
    else:
        reason = "not_planned" if change == "drop" else "completed"
        await sim.close_issue(repo, open_items(sim, repo)[0], by=PEOPLE[0], reason=reason)
    sim.reset_calls()
    await refresh_summary(sim, repo)
    return len(sim.calls)


async def full_summary(sim: GitHubSim, repo: str) -> str:
    """Render the tracker body from every item issue of `repo`, as of the simulator's clock."""
    async with aiohttp.ClientSession() as session:
        port = await repository_port(session, token_settings(sim.url), repo)
        config = await read_config(port, repo)
        assert config is not None
        return render_tracker_body(await WeeklyStatus(port, repo, config).items(), sim.clock.now())


async def test_closed_items_of_old_meetings_cost_no_calls_at_a_refresh_after_a_close(
    github_sim: GitHubSim,
) -> None:
    await a_week_after_the_last_report(github_sim, BIG, old=200, opened=OPEN, done=DONE, now=NOW)
    await a_week_after_the_last_report(github_sim, SMALL, old=0, opened=OPEN, done=DONE, now=NOW)

    small = await refreshed_after(github_sim, SMALL, "close", hours=1)
    big = await refreshed_after(github_sim, BIG, "close", hours=1)

    assert big <= small + 1  # within a page
    listed = [c.query for c in github_sim.calls_matching("GET", "/repos/{o}/{r}/issues")]
    items = [query for query in listed if query.get("labels") == "action-item"]
    assert items and all(q["state"] == "open" or "since" in q for q in items)
    assert github_sim.calls_matching("PATCH", "/repos/{o}/{r}/issues/{n}")  # the summary


OLD_DONE = sum(n % 7 != 0 for n in range(200))  # status_support drops every seventh


@pytest.mark.parametrize(
    ("changes", "done", "dropped"),
    [
        (["close"], OLD_DONE + DONE + 1, 200 - OLD_DONE),
        (["drop"], OLD_DONE + DONE, 200 - OLD_DONE + 1),
        # The first close is in the summary's counts once refreshed, and no longer listed.
        (["close", "close"], OLD_DONE + DONE + 2, 200 - OLD_DONE),
        (["reopen"], OLD_DONE + DONE, 200 - OLD_DONE - 1),  # the oldest item was dropped
        (["close", "reopen", "drop"], OLD_DONE + DONE + 1, 200 - OLD_DONE),
    ],
)
async def test_the_refreshed_summary_says_what_a_full_listing_says(
    github_sim: GitHubSim, changes: list[str], done: int, dropped: int
) -> None:
    # The summary counts this week's closes already: it was refreshed after them.
    await a_week_after_the_last_report(github_sim, BIG, old=200, opened=OPEN, done=DONE, now=NOW)
    tracker = next(i for i in github_sim.issues(BIG) if i.title == TRACKER_TITLE)
    assert f"**{OLD_DONE + DONE}** done · **{200 - OLD_DONE}** dropped" in (tracker.body or "")

    for hours, change in enumerate(changes, start=1):
        await refreshed_after(github_sim, BIG, change, hours)

    assert f"**{done}** done · **{dropped}** dropped" in (tracker.body or "")
    assert tracker.body == await full_summary(github_sim, BIG)
