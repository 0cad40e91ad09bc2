"""Measure the weekly status of repositories with many closed items and a few open ones.

    python benchmarks/weekly_status.py [--sizes 50,500,1500] [--open 40] [--done 10] [--runs 3]

For each size N a repository is built with N item issues written by the bot: `--open`
of them open (a third overdue), `--done` closed since last week's report, the rest closed
long before it. Last week's report and the tracker issue are written by the bot itself, on
the simulated GitHub with its clock set a week back. The state is then served by the
standalone simulator (`python -m tests.github_sim --state FILE`, its own process), and
`minutes-bot status` (its function, token authentication) posts this week's report.

Prints, per size, the API calls of one run (the repository's own lookup included) and
the median wall time over `--runs` runs (each on the state served afresh), then the
ratios of every size to the first. A cost that grows with the open items only has
ratios near 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.cli.status import weekly_status  # noqa: E402
from bot.compat import UTC  # noqa: E402
from bot.config.settings import ServiceSettings  # noqa: E402
from bot.tracker.marker import ItemMarker, format_marker  # noqa: E402
from tests.github_sim import GitHubSim, persist  # noqa: E402

REPO = "acme/meetings"
TOKEN = "ghp_weeklystatusweeklystatus00000000"
BOT = "acme-minutes"  # a personal token's user
CONFIG = "schedule:\n  day: monday\n  hour: 0\n  timezone: UTC\n"  # due at any time of the week
PEOPLE = [f"dev{n}" for n in range(10)]
PER_MEETING = 10


def item_body(n: int, due: datetime | None) -> str:
    marker = ItemMarker(
        file=f"meetings/{n // PER_MEETING:04d}.md",
        key=f"k{n}",
        title=f"Follow up on topic {n}",
        line=5 + n % PER_MEETING,
        sha="0" * 40,
        due=due.date() if due else None,
    )
    return f"- **Owner:** @{PEOPLE[n % 10]}\n\n{format_marker(marker)}"


def seed_items(sim: GitHubSim, size: int, opened: int, done: int, now: datetime) -> list[int]:
    """Add `size` item issues, oldest first; return the numbers of those to close this week."""
    old = size - opened - done
    this_week = []
    for n in range(size):
        created = now - timedelta(days=400) + timedelta(hours=6 * n * 300 / max(size, 1))
        sim.clock = created
        due = created + timedelta(days=14) if n % 3 == 0 else None
        number = sim.add_issue(
            REPO,
            f"Follow up on topic {n}",
            author=BOT,
            body=item_body(n, due),
            labels=["action-item", f"meeting/{created.date().isoformat()}"],
            assignees=[PEOPLE[n % 10]],
        )
        if n < old:
            sim.clock = created + timedelta(days=7)
            issue = sim.state.repo(REPO).issues[number]
            reason = "not_planned" if n % 7 == 0 else "completed"
            sim.change_issue(issue, PEOPLE[n % 10], state="closed", state_reason=reason)
        elif n < old + done:
            this_week.append(number)
    return this_week


async def build_state(size: int, opened: int, done: int, now: datetime) -> dict:
    """Build the repository as the bot would have left it a week ago, then a week of work."""
    last_week = now - timedelta(days=7)
    async with GitHubSim() as sim:
        sim.add_token(TOKEN, login=BOT)
        sim.clock = last_week - timedelta(days=401)
        sim.add_repo(REPO, files={".github/minutes-bot.yml": CONFIG})
        for login in PEOPLE:
            sim.set_permission(REPO, login, "write")
        this_week = seed_items(sim, size, opened, done, now)
        sim.clock = last_week
        settings = ServiceSettings(token=TOKEN, api_url=sim.url, webhook_secret="unused")
        outcome = await weekly_status(settings, REPO, None, False, clock=lambda: last_week)
        assert outcome.posted, outcome.explanation
        sim.clock = now - timedelta(days=3)
        for number in this_week:
            await sim.close_issue(REPO, number, by=PEOPLE[number % 10])
        return persist.dump(sim)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_up(session: aiohttp.ClientSession, url: str) -> None:
    for _ in range(200):
        try:
            async with session.get(f"{url}/_sim/calls"):
                return
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.05)
    raise RuntimeError("the simulator did not start")


async def one_run(state_file: Path) -> tuple[int, float]:
    """Serve the state afresh, post the weekly status once; return its API calls and wall time."""
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.github_sim", "--port", str(port), "--state", str(state_file),
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    settings = ServiceSettings(token=TOKEN, api_url=url, webhook_secret="unused")
    try:
        async with aiohttp.ClientSession() as session:
            await wait_up(session, url)
            started = time.perf_counter()
            outcome = await weekly_status(settings, REPO, None, False, clock=lambda: datetime.now(UTC))
            elapsed = time.perf_counter() - started
            assert outcome.posted, outcome.explanation
            async with session.get(f"{url}/_sim/calls") as answer:
                calls = [c for c in await answer.json() if not c["path"].startswith("/_sim")]
    finally:
        server.terminate()
        await server.wait()
    return len(calls), elapsed


async def measure(state_file: Path, runs: int) -> tuple[int, float]:
    """Return the calls of one run and the median wall time of `runs`."""
    results = [await one_run(state_file) for _ in range(runs)]
    return results[0][0], statistics.median(wall for _, wall in results)


async def main(args: argparse.Namespace) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    measured = []
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            state = await build_state(size, args.open, args.done, now)
            state_file = Path(folder, f"state-{size}.json")
            await asyncio.to_thread(state_file.write_text, json.dumps(state))
            calls, wall = await measure(state_file, args.runs)
            measured.append((size, calls, wall))
            print(f"weekly status, {size} items ({args.open} open, {args.done} done this week):"
                  f" {calls} calls, median {wall:.2f} s over {args.runs} runs", flush=True)
    base_size, base_calls, base_wall = measured[0]
    for size, calls, wall in measured[1:]:
        print(f"weekly status, {base_size} → {size} items: {base_calls} → {calls} calls"
              f" ({calls / base_calls:.2f}x), {base_wall:.2f} → {wall:.2f} s ({wall / base_wall:.2f}x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=lambda text: [int(n) for n in text.split(",")],
                        default=[50, 500, 1500], help="item issues per repository")
    parser.add_argument("--open", type=int, default=40, help="open items in each")
    parser.add_argument("--done", type=int, default=10, help="items closed since the last report")
    parser.add_argument("--runs", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
