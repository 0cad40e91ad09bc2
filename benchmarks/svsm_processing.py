"""Time from pushing the SVSM minutes to the last issue written, with GitHub latency.

    python benchmarks/svsm_processing.py [--latency 0.03] [--runs 3]

Runs the real service against the GitHub simulator with `--latency` seconds added to
every API call, pushes the users' example minutes, and reports how long it takes until
every issue is written: once as fast as GitHub allows, and once with the content pacing
the service uses by default (at most 72 writes in any 61 s, 8 at once).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

from aiohttp.test_utils import TestServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.service.app import EXTRACTION, QUEUE, create_app  # noqa: E402
from tests.e2e_support import MEETING, SECRET, SVSM, create_svsm_repo, settings  # noqa: E402
from tests.github_sim import GitHubSim  # noqa: E402


async def one_run(latency: float, writes_per_minute: float) -> tuple[float, int]:
    sim = GitHubSim()
    await sim.start()
    private_key = sim.add_app(1)
    repo = create_svsm_repo(sim)
    sim.faults.delay("*", "**", latency)
    service = dataclasses.replace(settings(sim, (1, private_key)),
                                  writes_per_minute=writes_per_minute)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(service, journal=Path(folder, "journal.sqlite3"))
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        await app[EXTRACTION].warm_up()  # as `minutes-bot serve` does before it listens
        sim.set_webhook(str(server.make_url("/webhook")), SECRET)
        try:
            start = time.perf_counter()
            await sim.push(repo, {MEETING: SVSM}, author="joergroedel")
            await sim.drain()
            await app[QUEUE].drain()
            elapsed = time.perf_counter() - start
            calls = len(sim.calls)
        finally:
            await server.close()
            await sim.close()
    return elapsed, calls


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for label, rate in (("unpaced", 0.0), ("paced at 72/min, burst 8", 72.0)):
        results = [await one_run(args.latency, rate) for _ in range(args.runs)]
        times = [t for t, _ in results]
        print(f"SVSM push fully processed, {args.latency * 1000:.0f} ms per call, {label}: "
              f"median {statistics.median(times):.2f} s over {args.runs} runs, "
              f"{results[0][1]} API calls")


if __name__ == "__main__":
    asyncio.run(main())
