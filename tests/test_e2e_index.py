"""A push costs what its file needs, not what the repository's history holds.

The service keeps an index of the bot's issues by file (`bot/issue_index.py`); with it
a push lists only the labels of the file it changed. These tests count the calls.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.tracker.marker import ItemMarker, format_marker, wrap_owned
from tests.e2e_support import MEETING, SVSM, Bot, api_calls, create_svsm_repo, start_bot
from tests.github_sim import GitHubSim
from tests.github_sim.faults import Call

HISTORY = "coconut-svsm/svsm-history"
BOT = "minutes-bot[bot]"  # the App's login (slug `minutes-bot`)
EARLIER = "meetings/2024-12-11.md"
EARLIER_MINUTES = "# SVSM call 2024-12-11\n\n## Action items\n\n- [ ] Jon Lange to rebase the SMP series\n"
OLD_ISSUES = 2000


def seed_bot_issues(sim: GitHubSim, repo: str, count: int) -> None:
    """Seed `count` item issues the bot opened for minutes of earlier years, a tenth open."""
    for n in range(count):
        path = f"meetings/{2000 + n // 100}-01-{n % 28 + 1:02d}.md"
        marker = ItemMarker(file=path, key=f"key-{n}", title=f"Task {n}", line=3, sha="0" * 40)
        body = wrap_owned(f"Task {n} of an old meeting.\n{format_marker(marker)}")
        label = f"meeting/{2000 + n // 100}-01-{n % 28 + 1:02d}"
        state = "open" if n % 10 == 0 else "closed"
        sim.add_issue(repo, f"Task {n}", author=BOT, body=body, labels=["action-item", label],
                      state=state, state_reason="completed" if state == "closed" else None)


def shape(call: Call, repo: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """A call with the repository's name and issue numbers left out, to compare two runs."""
    path = re.sub(r"/\d+", "/N", call.path.replace(repo, "REPO"))
    query = tuple(sorted((k, v.replace(repo, "REPO")) for k, v in call.query.items() if k != "ref"))
    return call.method, path, query


async def push_and_settle(sim: GitHubSim, bot: Bot, repo: str, files: dict[str, str | None]) -> None:
    delivery = await sim.push(repo, files, author="joergroedel")
    assert delivery.status == 202, delivery.response
    await bot.settle(sim)


async def calls_of_second_push(sim: GitHubSim, bot: Bot, repo: str) -> list[Call]:
    """Push earlier minutes (the first push lists everything once), then the SVSM minutes;
    return the calls the second push made."""
    await push_and_settle(sim, bot, repo, {EARLIER: EARLIER_MINUTES})
    sim.reset_calls()
    await push_and_settle(sim, bot, repo, {MEETING: SVSM})
    return api_calls(sim)


async def test_a_push_makes_the_same_calls_in_a_repository_holding_2000_bot_issues(
    github_sim: GitHubSim, github_app_key: tuple[int, str], svsm_repo: str, tmp_path: Path
) -> None:
    create_svsm_repo(github_sim, HISTORY)
    seed_bot_issues(github_sim, HISTORY, OLD_ISSUES)
    async for bot in start_bot(github_sim, github_app_key, tmp_path / "journal.sqlite3"):
        new = calls_of_second_push(github_sim, bot, svsm_repo)
        new_calls = [shape(call, svsm_repo) for call in await new]
        old_calls = [shape(call, HISTORY) for call in await calls_of_second_push(github_sim, bot, HISTORY)]

    assert old_calls == new_calls
    assert not any(query == (("labels", "action-item"), ("per_page", "100"), ("state", "all"))
                   for _, _, query in old_calls)  # no listing of every item issue
    history_items = [i for i in github_sim.issues(HISTORY) if f'"file": "{MEETING}"' in (i.body or "")]
    assert len(history_items) == len([i for i in github_sim.issues(svsm_repo)
                                      if f'"file": "{MEETING}"' in (i.body or "")]) > 7
