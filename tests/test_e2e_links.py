"""Links the bot writes, end to end: the PR the minutes mean, and line links that land.

The SVSM minutes ask Joerg to review "the user space support PR". In the simulated
repository Vijay has four "Userspace support: ..." PRs: one closed unmerged, two merged
before the meeting, one open on the day. Only that one may be linked.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.compat import UTC
from bot.handlers.linked_pulls import COMMENT_MARKER
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

SERIES = (
    ("Userspace support: initial system call interface", datetime(2024, 8, 20), "closed"),
    ("Userspace support: task and memory management", datetime(2024, 10, 1), "merged"),
    ("Userspace support: system call dispatch", datetime(2024, 10, 22), "merged"),
    ("Userspace support: system calls for objects and events", datetime(2024, 12, 2), "open"),
)


async def seed_series(sim: GitHubSim) -> int:
    """Open Vijay's series, closing or merging the older ones weeks later; return the open one."""
    for title, opened, fate in SERIES:
        number = sim.add_pull(REPO, title=title, author="vijay-dhanraj",
                              created_at=opened.replace(tzinfo=UTC))
        sim.clock = opened.replace(day=opened.day + 6)
        if fate == "merged":
            await sim.merge_pull(REPO, number, by="joergroedel")
        elif fate == "closed":
            await sim.close_pull(REPO, number)
    sim.clock = datetime(2024, 12, 18, 17)
    return number


@pytest.fixture
async def open_pull(github_sim: GitHubSim) -> int:
    create_svsm_repo(github_sim)  # with Vijay's older user-mode PR (#1), closed here, and Jon's
    github_sim.issue(REPO, 1).state = "closed"
    github_sim.issue(REPO, 1).closed_at = datetime(2024, 11, 30, tzinfo=UTC)
    return await seed_series(github_sim)


@pytest.fixture
async def bot(
    github_sim: GitHubSim, github_app_key: tuple[int, str], open_pull: int, tmp_path: Path
) -> AsyncIterator[Bot]:
    async for running in start_bot(github_sim, github_app_key, tmp_path / "journal.sqlite3"):
        yield running


async def test_of_a_series_only_the_pr_open_at_the_meeting_is_linked_and_told(
    github_sim: GitHubSim, bot: Bot, open_pull: int
) -> None:
    await push(github_sim, bot, {MEETING: SVSM})

    review = next(i for i in item_issues(github_sim) if i.title.startswith("Review"))
    assert review.title == "Review Vijay Dhanraj's user space support PR"
    assert f"- **Related:** #{open_pull}\n" in (review.body or "")
    assert "may be one of" not in (review.body or "")
    told = {pull.number: github_sim.comments(REPO, pull.number) for pull in github_sim.pulls(REPO)}
    assert [number for number, comments in told.items() if comments] == [open_pull]
    [comment] = told[open_pull]
    assert f"- #{review.number} {review.title} (@joergroedel)" in comment.body
    assert COMMENT_MARKER in comment.body
    searches = github_sim.calls_matching("GET", "/search/issues")
    assert [call.query["q"] for call in searches] == [
        "repo:coconut-svsm/svsm is:pr author:vijay-dhanraj created:<=2024-12-18"
    ]


async def test_every_line_link_in_the_issues_opens_the_source_at_that_line(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await push(github_sim, bot, {MEETING: SVSM})

    sha = github_sim.commit(REPO).sha
    bodies = [issue.body or "" for issue in github_sim.issues(REPO)]
    links = [link for body in bodies for link in re.findall(r"\((\S+#L\d+)\)", body)]
    assert len(links) == 7
    pattern = rf"https://github\.com/{REPO}/blob/{sha}/{re.escape(MEETING)}\?plain=1#L\d+"
    assert all(re.fullmatch(pattern, link) for link in links), links


async def test_on_github_enterprise_server_links_point_at_that_server(
    github_sim: GitHubSim, github_app_key: tuple[int, str], tmp_path: Path
) -> None:
    github_sim.html_url = "https://ghe.example.com"
    create_svsm_repo(github_sim)
    async for bot in start_bot(github_sim, github_app_key, tmp_path / "journal.sqlite3"):
        await push(github_sim, bot, {MEETING: SVSM})

    bodies = "\n".join(issue.body or "" for issue in github_sim.issues(REPO))
    bodies += "\n".join(c.body for c in github_sim.comments(REPO, 1))
    assert f"(https://ghe.example.com/{REPO}/blob/" in bodies
    assert "https://github.com" not in bodies
