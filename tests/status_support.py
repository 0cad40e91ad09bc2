"""A repository of many item issues a week after its last weekly status, for measuring the
next one (`tests/test_status_cost.py`, `benchmarks/weekly_status.py`)."""

from __future__ import annotations

from datetime import datetime, timedelta

import aiohttp

from bot.cli.shared import repository_port
from bot.cli.status import weekly_status
from bot.config.settings import ServiceSettings
from bot.handlers.weekly_status import read_config, refresh_tracker
from bot.tracker.marker import ItemMarker, format_marker
from tests.github_sim import GitHubSim

REPO = "acme/meetings"
TOKEN = "ghp_weeklystatusweeklystatus00000000"
BOT = "acme-minutes"  # the user of a personal token
# Monday 00:00 in UTC: every moment of the week is past it, so a report is always due.
ALWAYS_DUE = "schedule:\n  day: monday\n  hour: 0\n  timezone: UTC\n"
PEOPLE = [f"dev{n}" for n in range(10)]


def token_settings(sim_url: str) -> ServiceSettings:
    """Return the settings of `minutes-bot status` with the repository's token."""
    return ServiceSettings(token=TOKEN, api_url=sim_url, webhook_secret="unused")


def item_body(n: int, due: datetime | None) -> str:
    """Write item `n`'s body as the bot does: its owner, then its marker."""
    marker = ItemMarker(
        file=f"meetings/{n // 10:04d}.md",
        key=f"k{n}",
        title=f"Follow up on topic {n}",
        line=5 + n % 10,
        sha="0" * 40,
        due=due.date() if due else None,
    )
    return f"- **Owner:** @{PEOPLE[n % 10]}\n\n{format_marker(marker)}"


def seed_items(
    sim: GitHubSim, repo: str, *, old: int, opened: int, done: int, now: datetime
) -> list[int]:
    """Add `old` items closed long before a week ago, then `done + opened` open ones, oldest
    first, a third with a due date; return the numbers of the `done` to close this week."""
    size = old + opened + done
    this_week = []
    for n in range(size):
        created = now - timedelta(days=400) + timedelta(days=300 * n / size)
        sim.clock = created
        due = created + timedelta(days=14) if n % 3 == 0 else None
        number = sim.add_issue(
            repo,
            f"Follow up on topic {n}",
            author=BOT,
            body=item_body(n, due),
            labels=["action-item", f"meeting/{created.date().isoformat()}"],
            assignees=[PEOPLE[n % 10]],
        )
        if n < old:
            sim.clock = created + timedelta(days=7)
            reason = "not_planned" if n % 7 == 0 else "completed"
            issue = sim.state.repo(repo).issues[number]
            sim.change_issue(issue, PEOPLE[n % 10], state="closed", state_reason=reason)
        elif n < old + done:
            this_week.append(number)
    return this_week


async def a_week_after_the_last_report(
    sim: GitHubSim,
    repo: str = REPO,
    *,
    old: int,
    opened: int,
    done: int,
    now: datetime,
    refreshed: bool = True,
) -> None:
    """Build the repository as the bot left it a week before `now` (tracker, report), then
    close `done` items three days before `now`, and refresh the tracker's summary as the
    service does on each `issues` event unless not `refreshed`. The simulator's clock is
    left at `now`."""
    last_week = now - timedelta(days=7)
    sim.add_token(TOKEN, login=BOT)
    sim.clock = last_week - timedelta(days=401)
    sim.add_repo(repo, files={".github/minutes-bot.yml": ALWAYS_DUE})
    for login in PEOPLE:
        sim.set_permission(repo, login, "write")
    this_week = seed_items(sim, repo, old=old, opened=opened, done=done, now=now)
    sim.clock = last_week
    outcome = await weekly_status(token_settings(sim.url), repo, None, False, lambda: last_week)
    assert outcome.posted, outcome.explanation
    sim.clock = now - timedelta(days=3)
    for number in this_week:
        await sim.close_issue(repo, number, by=PEOPLE[number % 10])
    if refreshed:
        await refresh_summary(sim, repo)
    sim.clock = now


async def refresh_summary(sim: GitHubSim, repo: str) -> None:
    """Bring the tracker's summary up to date, as the service does when an item changes."""
    async with aiohttp.ClientSession() as session:
        port = await repository_port(session, token_settings(sim.url), repo)
        config = await read_config(port, repo)
        assert config is not None
        await refresh_tracker(port, repo, config, sim.clock.now())
