"""What one minutes file may make the bot do, end to end: its size, the time its items
take to read, how many items it tracks and references it looks up, how long a meeting
issue's body gets. Beyond each limit the commit gets one comment saying so.

While a big file is read the service keeps answering: extraction runs in worker
processes, so `/healthz` is probed throughout and must never wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.compat import timeout
from bot.github.auth import AppAuth
from bot.github.port import port_for_installation
from bot.handlers.minutes_files import LOOKED_UP, MAX_ITEMS, MAX_LOOKUPS, sync_repository
from bot.service.extraction import ExtractionPool
from tests.e2e_support import MEETING, REPO, Bot, expected_items, item_issues, start_bot
from tests.github_sim import GitHubSim
from tests.redis_server import free_port

NOTES = "# Team call 2024-12-18\n\n" + "".join(f"line {n} of the notes\n" for n in range(43_000))
ITEM = "\n## Action items\n\n- [ ] @joergroedel: tag the release\n"
FIVE_MB = "# Team call 2024-12-18\n\n" + ("notes " * 15 + "\n") * 58_000 + ITEM


@pytest.fixture
def bot(svsm_bot: Bot) -> Bot:
    return svsm_bot


class HealthProbe:
    """Ask `/healthz` every 20 ms in the background and keep the longest wait between
    answers: a blocked event loop delays the next answer, however fast each one is."""

    def __init__(self, url: str) -> None:
        self.url = url.replace("/webhook", "/healthz")
        self.longest_gap = 0.0
        self.answers = 0

    async def run(self) -> None:
        async with aiohttp.ClientSession() as session:
            last = time.perf_counter()
            while True:
                async with session.get(self.url) as answer:
                    assert answer.status == 200
                now = time.perf_counter()
                self.longest_gap, last = max(self.longest_gap, now - last), now
                self.answers += 1
                await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def probing(bot: Bot) -> AsyncIterator[HealthProbe]:
    probe = HealthProbe(bot.url)
    task = asyncio.create_task(probe.run())
    try:
        yield probe
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def commit_comments(sim: GitHubSim) -> list[str]:
    return [comment.body for comment in sim.commit_comments(REPO, sim.commit(REPO).sha)]


def writes(sim: GitHubSim) -> list[str]:
    return [f"{call.method} {call.path}" for call in sim.writes()]


async def push_and_settle(sim: GitHubSim, bot: Bot, files: dict[str, str | None]) -> None:
    delivery = await sim.push(REPO, files, author="joergroedel")
    assert delivery.status == 202, delivery.response
    async with timeout(60):  # a guard against a hang, not a measurement
        await bot.settle(sim)


# -- size and time --------------------------------------------------------------------------


async def test_a_file_over_the_size_limit_gets_one_commit_comment_and_nothing_else(
    github_sim: GitHubSim, bot: Bot
) -> None:
    assert len(FIVE_MB.encode()) > 5_000_000
    github_sim.reset_calls()
    async with probing(bot) as probe:
        await push_and_settle(github_sim, bot, {MEETING: FIVE_MB})

    (comment,) = commit_comments(github_sim)
    assert comment.startswith(
        f"minutes-bot did not read `{MEETING}`: it is {len(FIVE_MB.encode()):,} bytes, and"
        " minutes files over 1,048,576 bytes are not read."
    )
    assert writes(github_sim) == [f"POST /repos/{REPO}/commits/{github_sim.commit(REPO).sha}/comments"]
    assert github_sim.calls_matching("GET", "/repos/{o}/{r}/git/blobs/{sha}") == []
    assert probe.answers > 0 and probe.longest_gap < 1.0

    delivery = await github_sim.redeliver(github_sim.deliveries[-1])
    await bot.settle(github_sim)
    assert delivery.status == 200  # already accepted
    assert len(commit_comments(github_sim)) == 1


async def test_healthz_answers_while_a_large_file_is_read(github_sim: GitHubSim, bot: Bot) -> None:
    """Reading these 43,000 lines takes seconds, all of it in a worker process."""
    text = NOTES + ITEM
    assert 900_000 < len(text.encode()) < 1_048_576
    delivery = await github_sim.push(REPO, {MEETING: text}, author="joergroedel")
    assert delivery.status == 202
    async with probing(bot) as probe:
        started = time.perf_counter()
        await bot.settle(github_sim)
        took = time.perf_counter() - started

    assert [issue.title for issue in item_issues(github_sim)] == ["Tag the release"]
    assert probe.answers >= 5
    assert probe.longest_gap < min(1.0, took / 3)


async def test_a_file_slower_than_the_budget_gets_one_comment_and_the_next_one_is_read(
    github_sim: GitHubSim, github_app_key: tuple[int, str], svsm_repo: str, tmp_path: Path
) -> None:
    pool = ExtractionPool(seconds=0.3)
    journal = tmp_path / "journal.sqlite3"
    async for bot in start_bot(github_sim, github_app_key, journal, extraction=pool):
        await push_and_settle(github_sim, bot, {MEETING: NOTES + ITEM})
        assert commit_comments(github_sim) == [
            f"minutes-bot could not read the action items of `{MEETING}` within 0.3 seconds,"
            " so it did nothing with it. Its issues are left as they were.\n\n"
            f"<!-- minutes-bot:notice {MEETING} -->"
        ]
        assert github_sim.issues(REPO) == []

        await push_and_settle(github_sim, bot, {MEETING: "# Call 2024-12-18\n" + ITEM})
        assert [issue.title for issue in item_issues(github_sim)] == ["Tag the release"]


# -- what one file may make the bot do ---------------------------------------------------------


def many_items(count: int) -> str:
    lines = [f"- [ ] @joergroedel: follow up on topic {n}" for n in range(count)]
    return "# Team call 2024-12-18\n\n## Action items\n\n" + "\n".join(lines) + "\n"


async def test_5000_items_are_capped_with_one_comment_and_the_meeting_body_fits(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await push_and_settle(github_sim, bot, {MEETING: many_items(5000)})

    items = sorted(item_issues(github_sim), key=lambda issue: issue.number)
    assert [issue.title for issue in items] == [
        f"Follow up on topic {n}" for n in range(MAX_ITEMS)
    ]
    assert commit_comments(github_sim) == [
        f"`{MEETING}` has 5,000 action items; minutes-bot tracks the first 200 and leaves the"
        f" rest untracked.\n\n<!-- minutes-bot:notice {MEETING} -->"
    ]
    (meeting,) = [i for i in github_sim.issues(REPO) if i.title.startswith("Meeting ")]
    assert len(meeting.body or "") < 65_536
    assert len(github_sim.sub_issues(REPO, meeting.number)) == min(MAX_ITEMS, 100)


async def test_references_looked_up_are_capped_with_one_comment(
    github_sim: GitHubSim, bot: Bot
) -> None:
    refs = " ".join(f"#{n}" for n in range(1, 1501))
    text = f"# Team call 2024-12-18\n\n## Action items\n\n- [ ] @joergroedel: look at {refs}\n"
    github_sim.reset_calls()

    await push_and_settle(github_sim, bot, {MEETING: text})

    named = {ref for item in expected_items(text) for ref in item.refs if ref.kind in LOOKED_UP}
    assert len(named) > MAX_LOOKUPS
    lookups = github_sim.calls_matching("GET", "/repos/{o}/{r}/issues/{n}")
    assert len(lookups) <= MAX_LOOKUPS
    assert commit_comments(github_sim) == [
        f"`{MEETING}` refers to {len(named):,} issues and pull requests; minutes-bot looked up"
        " the first 100, and the rest are shown as written, without a check that they exist."
        f"\n\n<!-- minutes-bot:notice {MEETING} -->"
    ]
    assert len(item_issues(github_sim)) == 1


async def test_sync_of_the_same_commit_adds_no_second_notice(
    github_sim: GitHubSim, bot: Bot, github_app_key: tuple[int, str]
) -> None:
    await push_and_settle(github_sim, bot, {MEETING: FIVE_MB})
    async with aiohttp.ClientSession() as session:
        app = AppAuth(*github_app_key)
        await sync_repository(await port_for_installation(session, app, 1, github_sim.url), REPO)

    assert len(commit_comments(github_sim)) == 1


def children_of(pid: int) -> set[int]:
    """Return the processes whose parent is `pid`, from /proc."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status  # a zombie is gone, only not yet reaped


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads processes from /proc")
async def test_a_killed_service_leaves_no_extraction_worker_behind(tmp_path: Path) -> None:
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "GITHUB_WEBHOOK_SECRET": "secret",
        "GITHUB_TOKEN": "ghp_unused",
        "GITHUB_API_URL": "http://127.0.0.1:9",
        "MINUTES_BOT_JOURNAL": str(tmp_path / "journal.sqlite3"),
    }
    command = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)]
    service = await asyncio.create_subprocess_exec(*command, env=env)
    try:
        await until_healthy(port)  # the workers are started before the service listens
        workers = children_of(service.pid)
        assert len(workers) == 2, "two extraction workers, and no other process"
    finally:
        service.kill()
        await service.wait()

    for _ in range(100):  # workers look for the service every second
        if not any(alive(pid) for pid in workers):
            break
        await asyncio.sleep(0.1)
    assert [pid for pid in workers if alive(pid)] == []


async def until_healthy(port: int) -> None:
    async with aiohttp.ClientSession() as session, timeout(30):
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"http://127.0.0.1:{port}/healthz") as answer:
                    if answer.status == 200:
                        return
            await asyncio.sleep(0.1)
