"""Measure the memory of `minutes-bot serve` as pushes of new minutes files come in.

    python benchmarks/memory.py [--at 0,50,100,150,300] [--repos 10] [--installations 2]
                                [--no-rest] [--trace]

Serves the simulated GitHub in this process and runs `minutes-bot serve` as a real
process against it (embedded queue, journal in a temporary folder, writes unpaced).
Each push commits one minutes file new to the service: a real file of
`tests/fixtures/eval-real` in turn, under a heading and with action items of its own, so
no two files share their text and the extractor's caches are not simply hit. Pushes go
to `--repos` repositories in turn, spread over `--installations` installations. After
each count in `--at` has been processed, the resident (RSS) and proportional (PSS)
memory of the service process and each extraction worker is read from
`/proc/PID/smaps_rollup`, one line per count; a last line follows once the workers'
idle time has passed after the last push, when the idle workers have ended.

`--trace` serves the app in this process instead (the simulator beside it) and prints,
at each count, the 15 places whose traced allocations grew most since the first count.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import re
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.service.extraction import WORKER_IDLE_SECONDS  # noqa: E402
from tests.e2e_support import SECRET, Service, service_env, settings  # noqa: E402
from tests.github_sim import GitHubSim, generate_app_key  # noqa: E402

REAL = sorted((ROOT / "tests" / "fixtures" / "eval-real").glob("*.md"))
PEOPLE = [f"dev{n}" for n in range(10)]
WORDS = (
    "audit", "benchmark", "cache", "deploy", "draft", "fixture", "gateway", "handbook", "index",
    "journal", "kernel", "ledger", "mirror", "notebook", "outline", "patch", "quota", "release",
    "schema", "ticket", "upgrade", "vendor", "webhook", "backlog", "roadmap", "budget", "survey",
    "workshop", "milestone", "runbook",
)
DONE = re.compile(r'^minutes_bot_jobs_total\{outcome="(?:done|failed)"\} (\S+)$', re.MULTILINE)
MB = 1024 * 1024


def minutes(n: int) -> str:
    """Return the text of push `n`: a real file under its own heading, with items of its own."""
    pick = random.Random(n)
    lines = [f"# Sync {n}: {pick.choice(WORDS)} {pick.choice(WORDS)}", "", REAL[n % len(REAL)].read_text()]
    lines += ["", "## Action items", ""]
    for k in range(3):
        owner, what = PEOPLE[(n + k) % len(PEOPLE)], " ".join(pick.sample(WORDS, 3))
        lines.append(f"- [ ] @{owner}: review the {what} notes of sync {n} by Friday")
    return "\n".join(lines) + "\n"


def repositories(count: int, installations: int) -> list[tuple[str, int]]:
    return [(f"acme{n % installations}/meetings-{n:03d}", 1 + n % installations) for n in range(count)]


def setup(sim: GitHubSim, repos: list[tuple[str, int]]) -> str:
    """Register the App and the repositories; return the App's private key."""
    private, public = generate_app_key()
    sim.register_app(1, public)
    for name, installation in repos:
        sim.add_repo(name, installation_id=installation)
        for login in PEOPLE:
            sim.set_permission(name, login, "write")
    return private


async def push_all(
    sim: GitHubSim,
    repos: list[tuple[str, int]],
    counts: list[int],
    processed: Callable[[], Awaitable[int]],
    sample: Callable[[int], Awaitable[None]],
) -> None:
    """Push one new file at a time; at each of `counts`, wait until all are handled, sample."""
    sent = 0
    for count in counts:
        while sent < count:
            name, _ = repos[sent % len(repos)]
            delivery = await sim.push(name, {f"meetings/sync-{sent:04d}.md": minutes(sent)}, author="dev0")
            assert delivery.status == 202, delivery.response
            sent += 1
            if sent % 10 == 0 or sent == count:
                await until(lambda: processed(), sent)
        await sample(count)


async def until(processed: Callable[[], Awaitable[int]], count: int, within: float = 600) -> None:
    deadline = time.monotonic() + within
    while await processed() < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {await processed()} of {count} pushes handled")
        await asyncio.sleep(0.2)


# Measuring `minutes-bot serve` -------------------------------------------------------------


def children(pid: int) -> list[int]:
    """Return the processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def rss_pss(pid: int) -> tuple[float, float]:
    """Return the process's resident and proportional set sizes in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value) * 1024
    return fields["Rss"] / MB, fields["Pss"] / MB


def service_tree(main: int) -> list[tuple[str, int]]:
    """Name the service's processes: main and its extraction workers."""
    tree = [("main", main)]
    workers = 0
    for child in children(main):
        if b"extraction_worker" in Path(f"/proc/{child}/cmdline").read_bytes():
            workers += 1
            tree.append((f"worker {workers}", child))
        else:
            tree.append((f"child {child}", child))
    return tree


def memory_line(pushes: int, main: int) -> str:
    parts, rss_total, pss_total = [], 0.0, 0.0
    for name, pid in service_tree(main):
        try:
            rss, pss = rss_pss(pid)
        except OSError:  # a worker replaced just now
            continue
        rss_total, pss_total = rss_total + rss, pss_total + pss
        parts.append(f"{name} {rss:.1f}/{pss:.1f}")
    return (f"memory after {pushes} pushes (RSS/PSS MB): {', '.join(parts)}; "
            f"whole service {rss_total:.1f} RSS, {pss_total:.1f} PSS")


async def jobs_done(session: aiohttp.ClientSession, url: str) -> int:
    async with session.get(url) as answer:
        text = await answer.text()
    return int(sum(float(value) for value in DONE.findall(text)))


async def measure_service(args: argparse.Namespace) -> None:
    repos = repositories(args.repos, args.installations)
    with tempfile.TemporaryDirectory(prefix="memory-") as folder:
        async with GitHubSim() as sim, aiohttp.ClientSession() as session:
            key = setup(sim, repos)
            service = Service(service_env(sim, (1, key), Path(folder)), Path(folder) / "service.log")
            await service.start()
            assert service.process is not None
            sim.set_webhook(service.url, SECRET)
            metrics = f"http://127.0.0.1:{service.port}/metrics"
            try:
                async def sample(count: int) -> None:
                    await asyncio.sleep(1)  # let the last writes of the journal settle
                    assert service.process is not None
                    print(memory_line(count, service.process.pid), flush=True)

                await push_all(sim, repos, args.at, lambda: jobs_done(session, metrics), sample)
                if args.rest:
                    # Idle extraction workers end by themselves: what stays is the service at rest.
                    await asyncio.sleep(WORKER_IDLE_SECONDS + 5)
                    print(memory_line(args.at[-1], service.process.pid)
                          .replace("pushes", f"pushes and {WORKER_IDLE_SECONDS + 5:g} s at rest"), flush=True)
            finally:
                await service.kill()


# Tracing allocations in this process -------------------------------------------------------


async def trace_in_process(args: argparse.Namespace) -> None:
    from aiohttp.test_utils import TestServer

    from bot.service.app import EXTRACTION, METRICS, create_app

    tracemalloc.start(args.frames)
    repos = repositories(args.repos, args.installations)
    with tempfile.TemporaryDirectory(prefix="memory-") as folder:
        async with GitHubSim() as sim:
            key = setup(sim, repos)
            app = create_app(settings(sim, (1, key)), journal=Path(folder, "journal.sqlite3"))
            server = TestServer(app, host="127.0.0.1")
            await server.start_server()
            await app[EXTRACTION].warm_up()
            sim.set_webhook(str(server.make_url("/webhook")), SECRET)
            first: list[tracemalloc.Snapshot] = []

            async def processed() -> int:
                return int(sum(s.value for m in app[METRICS].jobs.collect() for s in m.samples
                               if s.name.endswith("_total")))

            async def sample(count: int) -> None:
                await asyncio.sleep(1)
                gc.collect()
                # The simulator and this script allocate too: only the service's own count.
                snapshot = tracemalloc.take_snapshot().filter_traces(
                    [tracemalloc.Filter(False, pattern, all_frames=True)
                     for pattern in (tracemalloc.__file__, f"{ROOT}/tests/*", __file__)])
                traced, _ = tracemalloc.get_traced_memory()
                print(f"traced after {count} pushes: {traced / MB:.1f} MB, "
                      f"RSS {rss_pss(os.getpid())[0]:.1f} MB (simulator included)", flush=True)
                if not first:
                    first.append(snapshot)
                    return
                for stat in snapshot.compare_to(first[0], args.group)[:15]:
                    print(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  "
                          f"{where(stat.traceback)}", flush=True)

            try:
                await push_all(sim, repos, args.at, processed, sample)
            finally:
                await server.close()


def where(traceback: tracemalloc.Traceback) -> str:
    """Name the line that allocated and the innermost line of the bot that led to it."""
    frames = list(reversed(traceback))  # the most recent call first
    own = next((f for f in frames if f"{ROOT}/bot/" in f.filename), frames[0])
    line = f"{Path(frames[0].filename).name}:{frames[0].lineno}"
    if own is not frames[0]:
        line += f" from {Path(own.filename).relative_to(ROOT)}:{own.lineno}"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--at", default="0,50,100,150,300", help="push counts to sample at")
    parser.add_argument("--repos", type=int, default=10, help="repositories the pushes go to, in turn")
    parser.add_argument("--installations", type=int, default=2, help="installations they belong to")
    parser.add_argument("--no-rest", dest="rest", action="store_false",
                        help="skip the last sample, taken once idle workers have ended")
    parser.add_argument("--trace", action="store_true", help="the app in this process, tracemalloc")
    parser.add_argument("--frames", type=int, default=1, help="--trace: frames kept per allocation")
    parser.add_argument("--group", default="lineno", help="--trace: lineno, filename or traceback")
    args = parser.parse_args()
    args.at = sorted({int(count) for count in args.at.split(",")})
    started = time.monotonic()
    asyncio.run(trace_in_process(args) if args.trace else measure_service(args))
    print(f"memory: {args.at[-1]} pushes to {args.repos} repositories measured in "
          f"{time.monotonic() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
