"""A write GitHub answers too late is looked for before it is made again; `sync` merges
the duplicates such writes left behind.

GitHub has answered a `POST /issues` after 33 s, past the client's 30 s, having opened
the issue. Here the simulator answers after 1.3 s a port that gives up at 1 s, with the
same proportions: the issue appears after the bot stopped waiting for the answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest

from bot.github.auth import AppAuth
from bot.github.port import RetryPolicy, port_for_installation
from bot.handlers.minutes_files import sync_repository
from bot.tracker.reconcile import DUPLICATE_COMMENT
from tests.e2e_support import MEETING, REPO, SVSM, expected_items, item_issues
from tests.github_sim import GitHubSim
from tests.github_sim.state import Issue

SLOW = 1.3
PATIENT = RetryPolicy(request_timeout=1.0, confirm_waits=(0.5, 1.0, 2.0))
HASTY = RetryPolicy(request_timeout=1.0, confirm_waits=())  # looks again at once


Sync = Callable[[RetryPolicy], Awaitable[int]]


@pytest.fixture
async def sync(github_sim: GitHubSim, github_app_key: tuple[int, str]) -> AsyncIterator[Sync]:
    """Run `sync` of the repository as the App, with the port's patience given."""
    async with aiohttp.ClientSession() as session:

        async def run(policy: RetryPolicy) -> int:
            auth = AppAuth(*github_app_key)
            port = await port_for_installation(session, auth, 1, github_sim.url, policy=policy)
            return await sync_repository(port, REPO)

        yield run


def meetings(sim: GitHubSim) -> list[Issue]:
    return [issue for issue in sim.issues(REPO) if issue.title.startswith("Meeting ")]


@pytest.fixture
async def minutes(github_sim: GitHubSim, svsm_repo: str) -> None:
    await github_sim.push(REPO, {MEETING: SVSM}, author="joergroedel")


async def test_an_issue_opened_after_the_client_gave_up_is_found_not_opened_again(
    github_sim: GitHubSim, sync: Sync, minutes: None
) -> None:
    github_sim.faults.delay("POST", "/repos/{o}/{r}/issues", SLOW, times=1)

    await sync(PATIENT)

    assert len(meetings(github_sim)) == 1
    assert len(item_issues(github_sim)) == len(expected_items(SVSM))
    rest = github_sim.calls_matching("POST", "/repos/{o}/{r}/issues")
    graphql = [call for call in github_sim.calls_matching("POST", "/graphql") if call.is_write]
    assert len(rest) + len(graphql) == 1 + len(expected_items(SVSM))


async def test_sync_keeps_the_oldest_of_duplicates_and_closes_the_rest(
    github_sim: GitHubSim, sync: Sync, minutes: None
) -> None:
    github_sim.faults.delay("POST", "/repos/{o}/{r}/issues", SLOW, times=1)
    await sync(HASTY)
    # What not waiting for the slow write leaves, once that write has landed too.
    await github_sim.wait_until(lambda: len(meetings(github_sim)) == 2, within=5)
    first, second = meetings(github_sim)
    item = item_issues(github_sim)[0]
    copy = github_sim.add_issue(
        REPO, item.title, author=item.user, body=item.body, labels=item.labels
    )

    await sync(PATIENT)

    kept, closed = github_sim.issue(REPO, first.number), github_sim.issue(REPO, second.number)
    assert (kept.state, closed.state, closed.state_reason) == ("open", "closed", "duplicate")
    assert [c.body for c in github_sim.comments(REPO, second.number)] == [
        DUPLICATE_COMMENT.format(original=first.number, what="meeting")
    ]
    duplicate = github_sim.issue(REPO, copy)
    assert (duplicate.state, duplicate.state_reason) == ("closed", "duplicate")
    assert [c.body for c in github_sim.comments(REPO, copy)] == [
        DUPLICATE_COMMENT.format(original=item.number, what="action item")
    ]
    items = [i for i in item_issues(github_sim) if i.state == "open"]
    assert len(items) == len(expected_items(SVSM))
    assert all(f"- **Meeting:** #{first.number}" in (i.body or "") for i in items)
    assert sorted(i.number for i in github_sim.sub_issues(REPO, first.number)) == sorted(
        i.number for i in items
    )
    assert all(f"#{i.number}" in (kept.body or "") for i in items)
