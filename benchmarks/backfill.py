"""Measure a backfill against GitHub's content-creation limit of 80 writes a minute.

    python benchmarks/backfill.py [--files 500] [--items 2] [--limit 80]

Serves the simulated GitHub in this process with `content_limit` set (writes beyond the
limit in a minute are refused with a secondary-rate-limit 403 and `Retry-After`), fills
a repository with N synthetic minutes files, and runs the `minutes-bot sync` function on
it. Prints one line per measure: writes sent and refused, the write rate achieved over
the run and in the busiest 60 seconds against the limit, and the wall time.

Each file costs about 2 + 2 x items writes (meeting issue, items, sub-issue links, the
meeting's task list), so at 80 a minute the default 500 files take over half an hour;
`--files 20` gives an answer in about two minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.cli.service import sync  # noqa: E402
from bot.config.settings import ServiceSettings  # noqa: E402
from tests.github_sim import GitHubSim  # noqa: E402

REPO = "acme/backfill"
TOKEN = "ghp_backfillbackfillbackfill000000"
PEOPLE = [f"dev{n}" for n in range(10)]


def minutes(n: int, items: int) -> str:
    lines = [f"# Weekly sync {n}", "", "## Action items", ""]
    lines += [
        f"- [ ] @{PEOPLE[(n + k) % 10]}: follow up on topic {k} of sync {n}" for k in range(items)
    ]
    return "\n".join(lines) + "\n"


def busiest_minute(times: list[float]) -> int:
    """Return the most writes inside any 60-second window."""
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] > 60:
            start += 1
        most = max(most, end - start + 1)
    return most


async def main(args: argparse.Namespace) -> None:
    async with GitHubSim() as sim:
        sim.add_token(TOKEN)
        files = {f"meetings/sync-{n:04d}.md": minutes(n, args.items) for n in range(args.files)}
        sim.add_repo(REPO, files=files)
        for login in PEOPLE:
            sim.set_permission(REPO, login, "write")
        sim.content_limit = args.limit
        settings = ServiceSettings(token=TOKEN, api_url=sim.url, webhook_secret="unused")

        started = time.monotonic()
        await sync(settings, REPO, None)
        report(sim, args, time.monotonic() - started)


def report(sim: GitHubSim, args: argparse.Namespace, elapsed: float) -> None:
    """Print one line per measure of the writes the simulator saw."""
    writes = sim.writes()
    refused = [call for call in writes if call.status in (403, 429)]
    done = sorted(call.at for call in writes if call.status < 400)
    items = sum("action-item" in issue.labels for issue in sim.issues(REPO))
    lines = [
        f"{args.files} files, {items} item issues opened in {elapsed:.0f} s",
        f"{len(writes)} writes sent, {len(refused)} refused by the limit",
        f"{len(done) / elapsed * 60:.0f} writes/min over the whole run (limit {args.limit}/min)",
        f"busiest 60 s held {busiest_minute(done)} writes (limit {args.limit})",
    ]
    if done and done[-1] - done[0] > 120:  # past the first minute's burst
        later = [at for at in done if at - done[0] >= 60]
        minutes = (later[-1] - later[0]) / 60
        lines.append(f"{len(later) / minutes:.0f} writes/min after the first minute")
    for line in lines:
        print(f"backfill: {line}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=500, help="synthetic minutes files")
    parser.add_argument("--items", type=int, default=2, help="action items per file")
    parser.add_argument("--limit", type=int, default=80, help="content writes per minute")
    asyncio.run(main(parser.parse_args()))
