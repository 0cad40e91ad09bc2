"""What the weekly status costs: the items closed before the last report are not listed
again, and the report and the tracker's summary say exactly what a full listing says."""

from __future__ import annotations

from datetime import datetime

import aiohttp
import pytest

from bot.cli.shared import repository_port
from bot.cli.status import weekly_status
from bot.compat import UTC
from bot.handlers.weekly_status import TRACKER_TITLE, WeeklyStatus, decide, read_config, schedule_of
from bot.tracker.status import render_tracker_body
from tests.github_sim import GitHubSim
from tests.status_support import a_week_after_the_last_report, token_settings

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


async def test_a_close_the_summary_missed_has_every_item_listed_and_counted_again(
    github_sim: GitHubSim,
) -> None:
    await a_week_after_the_last_report(
        github_sim, BIG, old=200, opened=OPEN, done=DONE, now=NOW, refreshed=False
    )

    calls = await calls_of_the_weekly_status(github_sim, BIG)

    report, summary = await as_a_full_listing_says(github_sim, BIG)
    tracker = next(i for i in github_sim.issues(BIG) if i.title == TRACKER_TITLE)
    assert calls > 200 / 10  # every item listed
    assert github_sim.comments(BIG, tracker.number)[-1].body == report
    assert tracker.body == summary
