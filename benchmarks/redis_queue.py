"""Measure the Redis queue: deliveries per second through two replicas on one redis-server.

    python benchmarks/redis_queue.py [--deliveries 2000] [--repos 20]

Starts a memory-only redis-server on a free port (needs the `redis-server` binary), runs two
`RedisQueue` replicas with a process function that does nothing, and prints one line per measure.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.service.queue import Delivery  # noqa: E402
from bot.service.redis_queue import RedisQueue  # noqa: E402
from tests.redis_server import running_redis_server  # noqa: E402


async def nothing(delivery: Delivery) -> None:
    """Stand in for the handlers: measure only the queue."""


def deliveries(count: int, repos: int, run: str) -> list[Delivery]:
    return [
        Delivery(f"{run}-{n}", "push", {"repository": {"full_name": f"acme/repo-{n % repos}"}})
        for n in range(count)
    ]


async def measure(url: str, count: int, repos: int, run: str) -> tuple[float, float]:
    """Return (submits per second, deliveries per second from first submit to drained)."""
    replicas = [RedisQueue(url, nothing, consumer_name=name, prefix=run) for name in "ab"]
    for replica in replicas:
        await replica.start()
    jobs = deliveries(count, repos, run)
    try:
        start = time.perf_counter()
        await asyncio.gather(*(replicas[n % 2].submit(job) for n, job in enumerate(jobs)))
        submitted = time.perf_counter()
        await replicas[0].drain()
        drained = time.perf_counter()
    finally:
        for replica in replicas:
            await replica.stop()
    return count / (submitted - start), count / (drained - start)


async def main(count: int, repos: int) -> None:
    with running_redis_server() as url:
        await measure(url, 200, repos, "warm-up")
        for repo_count in (repos, 1):
            submits, through = await measure(url, count, repo_count, f"run-{repo_count}")
            print(
                f"{count} deliveries over {repo_count} repositories, 2 replicas: "
                f"{submits:,.0f} submits/s, {through:,.0f} deliveries/s end to end"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--repos", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.deliveries, args.repos))
