"""Measure the write pace of two replicas on Redis, two repositories, one installation.

    python benchmarks/write_pace.py [--files 4] [--items 10] [--limit 80] [--pace shared]

Serves the simulated GitHub in this process with `content_limit` set (content writes
beyond the limit in a minute are refused with a secondary-rate-limit 403 and
`Retry-After`), two repositories of installation 1 with N minutes files each, and two
replicas of the service sharing a memory-only redis-server (needs `redis-server`).
Both repositories are pushed at once, so both replicas write for the installation at
the same time. Prints the writes sent and refused and the busiest 60 seconds.

`--pace separate` gives each replica a pace of its own (as before the pace was kept in
Redis), for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp.test_utils import TestServer  # noqa: E402

from benchmarks.backfill import PEOPLE, busiest_minute, minutes  # noqa: E402
from bot.github.pacing import LocalPacer, pace  # noqa: E402
from bot.service import app as service  # noqa: E402
from bot.service.app import QUEUE, create_app  # noqa: E402
from tests.e2e_support import SECRET, settings  # noqa: E402
from tests.github_sim import GitHubSim, generate_app_key  # noqa: E402
from tests.redis_server import running_redis_server  # noqa: E402

REPOS = ("acme/alpha", "acme/beta")


async def main(args: argparse.Namespace) -> None:
    private, public = generate_app_key()
    with running_redis_server() as redis_url:
        async with GitHubSim() as sim:
            sim.register_app(1, public)
            for repo in REPOS:
                sim.add_repo(repo, installation_id=1)
                for login in PEOPLE:
                    sim.set_permission(repo, login, "write")
            sim.content_limit = args.limit
            shared = replace(settings(sim, (1, private)), redis_url=redis_url, writes_per_minute=72)
            if args.pace == "separate":
                limits = pace(72, 8)
                service.pacer_for = lambda settings, journal: LocalPacer(limits)  # type: ignore[assignment]
            servers = [TestServer(create_app(shared), host="127.0.0.1") for _ in range(2)]
            for server in servers:
                await server.start_server()
            sim.set_webhook(str(servers[0].make_url("/webhook")), SECRET)
            try:
                started = time.monotonic()
                await push_both(sim, args)
                for server in servers:
                    await server.app[QUEUE].drain()
                elapsed = time.monotonic() - started
            finally:
                for server in servers:
                    await server.close()
            report(sim, args, elapsed)


async def push_both(sim: GitHubSim, args: argparse.Namespace) -> None:
    files = {f"meetings/sync-{n:02d}.md": minutes(n, args.items) for n in range(args.files)}
    deliveries = await asyncio.gather(*(sim.push(repo, files, author="dev0") for repo in REPOS))
    assert all(delivery.status == 202 for delivery in deliveries)
    await sim.drain()
    expected = len(REPOS) * args.files * args.items

    def all_tracked() -> bool:
        issues = [issue for repo in REPOS for issue in sim.issues(repo)]
        return sum("action-item" in issue.labels for issue in issues) >= expected

    await sim.wait_until(all_tracked, within=3600)


def report(sim: GitHubSim, args: argparse.Namespace, elapsed: float) -> None:
    writes = sim.writes()
    refused = [call for call in writes if call.status in (403, 429)]
    done = sorted(call.at for call in writes if call.status < 400)
    lines = [
        f"pace {args.pace}: 2 replicas, {len(REPOS)} repositories of one installation, "
        f"{args.files} files of {args.items} items each, done in {elapsed:.0f} s",
        f"{len(writes)} writes sent, {len(refused)} refused by the limit of {args.limit}/min",
        f"busiest 60 s held {busiest_minute(done)} writes",
        f"{len(done) / elapsed * 60:.0f} writes/min over the whole run",
    ]
    for line in lines:
        print(f"write pace: {line}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=4, help="minutes files per repository")
    parser.add_argument("--items", type=int, default=10, help="action items per file")
    parser.add_argument("--limit", type=int, default=80, help="content writes per minute")
    parser.add_argument("--pace", choices=("shared", "separate"), default="shared")
    asyncio.run(main(parser.parse_args()))
