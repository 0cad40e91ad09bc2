"""Item issues are opened under their meeting issue in one write where GitHub allows it.

GitHub's GraphQL `createIssue` takes the parent (`parentIssueId`); older GitHub
Enterprise Servers lack it, or GraphQL altogether, and there the bot opens each item
over REST and links it as a sub-issue, which is two writes. These tests count the calls.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.service.app import QUEUE, create_app
from tests.conftest import shared_app_key
from tests.e2e_support import (
    MEETING,
    REPO,
    SECRET,
    SVSM,
    Bot,
    api_calls,
    create_svsm_repo,
    expected_items,
    item_issues,
    push,
    settings,
)
from tests.github_sim import GitHubSim, persist

ROOT = Path(__file__).resolve().parent.parent
ITEMS = len(expected_items(SVSM))
SUB_ISSUE_LINK = "/repos/{owner}/{repo}/issues/{number}/sub_issues"


def meeting_number(sim: GitHubSim) -> int:
    return next(i.number for i in sim.issues(REPO) if i.title.startswith("Meeting 2024-12-18"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Standalone:
    """`python -m tests.github_sim` in its own process, driven through its admin API."""

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.session = session

    async def admin(self, method: str, path: str, body: Any = None) -> Any:
        async with self.session.request(method, self.url + path, json=body) as answer:
            assert answer.status < 300, await answer.text()
            return await answer.json()


@pytest.fixture
async def standalone(tmp_path: Path) -> AsyncIterator[tuple[Standalone, Bot]]:
    """The SVSM repository in a standalone simulator, and the bot serving its webhooks."""
    private, public = shared_app_key()
    seed = GitHubSim()
    create_svsm_repo(seed)
    seed.register_app(1, public)
    state, secret = tmp_path / "state.json", tmp_path / "secret"
    state.write_text(json.dumps(persist.dump(seed)))
    secret.write_text(SECRET)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    seed.url = url  # `settings` reads where the API is
    app = create_app(settings(seed, (1, private)), journal=tmp_path / "journal.sqlite3")
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.github_sim", "--port", str(port), "--state", str(state),
        "--webhook-url", str(server.make_url("/webhook")), "--webhook-secret-file", str(secret),
        cwd=ROOT, stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        line = await asyncio.wait_for(process.stderr.readline(), timeout=30)
        assert f"127.0.0.1:{port}".encode() in line, line
        async with aiohttp.ClientSession() as session:
            yield Standalone(url, session), Bot(app, str(server.make_url("/webhook")))
    finally:
        process.terminate()
        await process.wait()
        await server.close()


async def test_the_first_push_of_the_svsm_minutes_costs_a_write_per_item_and_few_reads(
    standalone: tuple[Standalone, Bot],
) -> None:
    sim, bot = standalone
    delivery = await sim.admin("POST", "/_sim/push", {"repo": REPO, "files": {MEETING: SVSM},
                                                      "author": "joergroedel"})
    assert delivery["status"] == 202
    await bot.app[QUEUE].drain()

    calls = [c for c in await sim.admin("GET", "/_sim/calls") if not c["path"].endswith("/access_tokens")]
    writes = [c for c in await sim.admin("GET", "/_sim/calls?writes=1")
              if not c["path"].endswith("/access_tokens")]
    # The meeting issue, the item label, an issue per item under the meeting issue, the
    # meeting issue's list once their numbers are known, and the comment on the PR named.
    assert len(writes) == 1 + 1 + ITEMS + 1 + 1 == 11
    assert not [c for c in calls if c["path"].endswith("/sub_issues")]
    # Its reads: one GraphQL query for the configuration (the repository's and the
    # organisation's), the minutes and who can be assigned; the bot's issues, the PR named
    # by description, the PR's comments. Not asked: the node ids the items name (the
    # webhook's repository, the meeting issue, the label and the read-ahead answered with
    # theirs), the App's name (the meeting issue's author, and no issue to tell apart
    # before it), the tracker issue (where the bot had no items there is none to refresh).
    assert len(calls) - len(writes) == 4
    assert len(calls) == ITEMS + 8 == 15
    assert not [c for c in calls if c["path"] == "/app"]
    assert not [c for c in calls if c["path"].endswith(("/contents/.github/minutes-bot.yml",
                                                        MEETING, "/assignees"))]
    assert not [c for c in calls if c["query"].get("labels") == "action-item-tracker"]
    state = await sim.admin("GET", "/_sim/state")
    issues = next(r for r in state["repos"] if r["full_name"] == REPO)["issues"]
    meeting = next(i for i in issues if i["title"].startswith("Meeting 2024-12-18"))
    items = [i for i in issues if "action-item" in i["labels"]]
    assert len(items) == ITEMS
    assert sorted(meeting["sub_issue_ids"]) == sorted(i["id"] for i in items)


async def test_an_item_opened_over_graphql_is_a_sub_issue_rest_shows(
    github_sim: GitHubSim, svsm_bot: Bot
) -> None:
    await push(github_sim, svsm_bot, {MEETING: SVSM})

    meeting = meeting_number(github_sim)
    items = item_issues(github_sim)
    assert github_sim.calls_matching("POST", SUB_ISSUE_LINK) == []
    assert all(set(i.labels) == {"action-item", "meeting/2024-12-18"} for i in items)
    assert sorted(login for i in items for login in i.assignees) == sorted(
        login for item in expected_items(SVSM) for login in item.logins
    )
    github_sim.add_token("reader", login="joergroedel")
    headers = {"Authorization": "token reader"}
    async with aiohttp.ClientSession(headers=headers) as session:
        base = f"{github_sim.url}/repos/{REPO}/issues"
        async with session.get(f"{base}/{meeting}/sub_issues") as answer:
            listed = [issue["number"] for issue in await answer.json()]
        async with session.get(f"{base}/{items[0].number}/parent") as answer:
            parent = (await answer.json())["number"]
    assert sorted(listed) == sorted(i.number for i in items)
    assert parent == meeting


@pytest.mark.parametrize("host", ["without parentIssueId", "without GraphQL"])
async def test_where_graphql_cannot_take_a_parent_items_are_opened_and_linked_over_rest_and_it_is_not_asked_again(
    github_sim: GitHubSim, svsm_bot: Bot, host: str
) -> None:
    github_sim.parent_on_create = False
    github_sim.graphql = host == "without parentIssueId"
    await push(github_sim, svsm_bot, {MEETING: SVSM})

    meeting = meeting_number(github_sim)
    items = item_issues(github_sim)
    assert len(items) == ITEMS
    assert sorted(i.number for i in github_sim.sub_issues(REPO, meeting)) == sorted(i.number for i in items)
    assert len(github_sim.calls_matching("POST", SUB_ISSUE_LINK)) == ITEMS
    # One create refused (no `parentIssueId`), its node ids named by the answers to the
    # meeting issue, the label and the read-ahead; with no GraphQL, only the read-ahead.
    creates = [call for call in github_sim.calls_matching("POST", "/graphql") if call.is_write]
    assert len(creates) == (1 if github_sim.graphql else 0)
    assert len(github_sim.calls_matching("POST", "/graphql")) == len(creates) + 1

    later = "meetings/2025-01-08.md"
    github_sim.reset_calls()
    await push(github_sim, svsm_bot, {later: "# SVSM call 2025-01-08\n\n## Action items\n\n"
                                              "- [ ] Jon Lange to rebase the SMP series\n"})
    assert [call for call in github_sim.calls_matching("POST", "/graphql") if call.is_write] == []
    assert len(github_sim.calls_matching("POST", SUB_ISSUE_LINK)) == 1
    assert api_calls(github_sim)  # it did work
