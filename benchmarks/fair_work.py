"""Measure how long a `/done` waits while a big push of the same repository is reconciled.

    python benchmarks/fair_work.py [--files 60] [--files-per-turn 20] [--pace 72] [--after 5]

Serves the simulated GitHub and the service (embedded queue, journal in a temporary
folder) in this process, writes paced at `--pace` a minute as in production. Pushes one
minutes file and waits for its item, then pushes `--files` files of one item each and,
`--after` seconds later, comments `/done` on the first item. Prints how long the `/done`
took from its delivery to the item's closing, and how long the push took in all.
`--files-per-turn 0` reconciles the push in one go, as the service did before pushes
were done in turns.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp.test_utils import TestServer  # noqa: E402

from benchmarks.backfill import PEOPLE, minutes  # noqa: E402
from bot.service.app import QUEUE, create_app  # noqa: E402
from tests.e2e_support import SECRET, settings  # noqa: E402
from tests.github_sim import GitHubSim, generate_app_key  # noqa: E402

REPO = "acme/meetings"


async def main(args: argparse.Namespace) -> None:
    private, public = generate_app_key()
    with tempfile.TemporaryDirectory(prefix="fair-work-") as folder:
        async with GitHubSim() as sim:
            sim.register_app(1, public)
            sim.add_repo(REPO, installation_id=1)
            for login in PEOPLE:
                sim.set_permission(REPO, login, "write")
            options = {"writes_per_minute": args.pace, "push_files_per_turn": args.files_per_turn}
            app = create_app(replace(settings(sim, (1, private)), **options), journal=Path(folder) / "j")
            server = TestServer(app, host="127.0.0.1")
            await server.start_server()
            sim.set_webhook(str(server.make_url("/webhook")), SECRET)
            try:
                await measure(sim, args)
                await app[QUEUE].drain()
            finally:
                await server.close()


async def measure(sim: GitHubSim, args: argparse.Namespace) -> None:
    await sim.push(REPO, {"meetings/sync-000.md": minutes(0, 1)}, author="dev0")
    await sim.wait_until(lambda: items(sim) == 1, within=600)
    (first,) = [issue.number for issue in sim.issues(REPO) if "action-item" in issue.labels]
    files = {f"meetings/sync-{n:03d}.md": minutes(n, 1) for n in range(1, args.files + 1)}
    pushed = time.time()
    await sim.push(REPO, files, author="dev0")
    await asyncio.sleep(args.after)
    commented = time.time()
    await sim.comment(REPO, first, PEOPLE[0], "/done")
    await sim.wait_until(lambda: sim.issue(REPO, first).state == "closed", within=3600)
    closed = time.time()
    await sim.wait_until(lambda: items(sim) == args.files + 1, within=3600)
    finished = max(call.at for call in sim.writes())
    turns = f"turns of {args.files_per_turn}" if args.files_per_turn else "in one go"
    lines = [
        f"{args.files} files pushed, {turns}, writes paced at {args.pace:g}/min",
        f"/done sent {args.after:g} s into the push, closed its item after {closed - commented:.1f} s",
        f"the push took {finished - pushed:.1f} s, {len(sim.writes())} writes in all",
    ]
    for line in lines:
        print(f"fair work: {line}", flush=True)


def items(sim: GitHubSim) -> int:
    return sum("action-item" in issue.labels for issue in sim.issues(REPO))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=60, help="minutes files in the big push")
    parser.add_argument("--files-per-turn", type=int, default=20, help="0: the push in one go")
    parser.add_argument("--pace", type=float, default=72, help="writes a minute (0: unpaced)")
    parser.add_argument("--after", type=float, default=5, help="seconds into the push of /done")
    asyncio.run(main(parser.parse_args()))
