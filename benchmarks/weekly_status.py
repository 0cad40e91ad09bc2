"""Measure the weekly status of repositories with many closed items and a few open ones.

    python benchmarks/weekly_status.py [--sizes 50,500,1500] [--open 40] [--done 10] [--runs 3]
                                       [--refresh]

For each size N a repository is built with N item issues written by the bot: `--open`
of them open (a third overdue), `--done` closed since last week's report, the rest closed
long before it. Last week's report and the tracker issue are written by the bot itself, on
the simulated GitHub with its clock set a week back. The state is then served by the
standalone simulator (`python -m tests.github_sim --state FILE`, its own process), and
`minutes-bot status` (its function, token authentication) posts this week's report. With
`--refresh`, one more open item is closed instead, and what is measured is the refresh of
the tracker's summary that follows it, as after any item change.

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
from datetime import datetime
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.cli.shared import repository_port  # noqa: E402
from bot.cli.status import weekly_status  # noqa: E402
from bot.compat import UTC  # noqa: E402
from bot.config.settings import ServiceSettings  # noqa: E402
from bot.handlers.weekly_status import read_config, refresh_tracker  # noqa: E402
from tests.github_sim import GitHubSim, persist  # noqa: E402
from tests.status_support import REPO, a_week_after_the_last_report, token_settings  # noqa: E402


async def build_state(size: int, opened: int, done: int, now: datetime, refresh: bool) -> dict:
    """Build the repository a week after its last report, in this process, with one more
    item closed for `refresh`; return its state."""
    async with GitHubSim() as sim:
        await a_week_after_the_last_report(
            sim, old=size - opened - done, opened=opened, done=done, now=now
        )
        if refresh:
            number = next(i.number for i in sim.issues(REPO, "open") if "action-item" in i.labels)
            await sim.close_issue(REPO, number, by="dev0")
        return persist.dump(sim)


async def refresh_summary(settings: ServiceSettings, session: aiohttp.ClientSession) -> None:
    """Refresh the tracker's summary as the service does after an item change."""
    port = await repository_port(session, settings, REPO)
    config = await read_config(port, REPO)
    assert config is not None
    await refresh_tracker(port, REPO, config, datetime.now(UTC))


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


async def one_run(state_file: Path, refresh: bool) -> tuple[int, float]:
    """Serve the state afresh, post the weekly status once (or refresh the summary); return
    its API calls and wall time."""
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.github_sim", "--port", str(port), "--state", str(state_file),
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    settings = token_settings(url)
    try:
        async with aiohttp.ClientSession() as session:
            await wait_up(session, url)
            started = time.perf_counter()
            if refresh:
                await refresh_summary(settings, session)
            else:
                outcome = await weekly_status(settings, REPO, None, False, clock=lambda: datetime.now(UTC))
                assert outcome.posted, outcome.explanation
            elapsed = time.perf_counter() - started
            async with session.get(f"{url}/_sim/calls") as answer:
                calls = [c for c in await answer.json() if not c["path"].startswith("/_sim")]
    finally:
        server.terminate()
        await server.wait()
    return len(calls), elapsed


async def measure(state_file: Path, runs: int, refresh: bool) -> tuple[int, float]:
    """Return the calls of one run and the median wall time of `runs`."""
    results = [await one_run(state_file, refresh) for _ in range(runs)]
    return results[0][0], statistics.median(wall for _, wall in results)


async def main(args: argparse.Namespace) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    measured = []
    what = "refresh after a close" if args.refresh else "weekly status"
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            state = await build_state(size, args.open, args.done, now, args.refresh)
            state_file = Path(folder, f"state-{size}.json")
            await asyncio.to_thread(state_file.write_text, json.dumps(state))
            calls, wall = await measure(state_file, args.runs, args.refresh)
            measured.append((size, calls, wall))
            print(f"{what}, {size} items ({args.open} open, {args.done} done this week):"
                  f" {calls} calls, median {wall:.2f} s over {args.runs} runs", flush=True)
    base_size, base_calls, base_wall = measured[0]
    for size, calls, wall in measured[1:]:
        print(f"{what}, {base_size} → {size} items: {base_calls} → {calls} calls"
              f" ({calls / base_calls:.2f}x), {base_wall:.2f} → {wall:.2f} s ({wall / base_wall:.2f}x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=lambda text: [int(n) for n in text.split(",")],
                        default=[50, 500, 1500], help="item issues per repository")
    parser.add_argument("--open", type=int, default=40, help="open items in each")
    parser.add_argument("--done", type=int, default=10, help="items closed since the last report")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--refresh", action="store_true",
                        help="measure the summary's refresh after one more item closes")
    asyncio.run(main(parser.parse_args()))
