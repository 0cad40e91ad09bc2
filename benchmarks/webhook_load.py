"""Measure the webhook edge: answer latency next to a bare aiohttp handler, the backlog
under a heavy rate, deliveries accepted per second, resident memory.

    python benchmarks/webhook_load.py [--rate 200] [--seconds 10] [--heavy 1000]
                                      [--deliveries 2000] [--concurrency 32]

Runs `minutes-bot serve` as real processes on 127.0.0.1 (one with the embedded queue,
then two replicas on one memory-only redis-server) and, beside them, a bare aiohttp
handler that reads the body and answers 202: the yardstick. The deliveries are signed
`installation` events, which the service verifies, journals, queues and handles without
calling GitHub, so what is measured is the edge: verify, journal, queue, answer.

Latency is measured in one run for both servers, taking turns: at each tick of `--rate`
a second, each server gets one delivery, half a tick apart and the order rotating, so
whatever else the machine does falls on both alike; the servers are pinned to one core
and the load generator to the other. The backlog run sends `--heavy` deliveries a
second for `--seconds` and samples the queue depth (`/metrics`) as it goes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.compat import timeout  # noqa: E402
from tests.redis_server import free_port, running_redis_server  # noqa: E402

SECRET = "benchmark webhook secret"
PAYLOAD = json.dumps(
    {
        "action": "created",
        "installation": {"id": 42, "account": {"login": "octo"}},
        "repositories": [{"full_name": "octo/minutes"}],
        "sender": {"login": "octo"},
    }
).encode()
SIGNATURE = "sha256=" + hmac.new(SECRET.encode(), PAYLOAD, hashlib.sha256).hexdigest()
QUEUE_DEPTH = re.compile(r"^minutes_bot_queue_depth (\S+)$", re.MULTILINE)

BARE_SERVER = """
import sys
from aiohttp import web

async def webhook(request):
    await request.read()
    return web.json_response({"msg": "accepted"}, status=202)

async def healthz(request):
    return web.json_response({"status": "ok"})

app = web.Application(client_max_size=25 * 1024 * 1024)
app.add_routes([web.post("/webhook", webhook), web.get("/healthz", healthz)])
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


@dataclass
class Server:
    """A server process under test and the webhook URLs it answers on."""

    name: str
    processes: list[subprocess.Popen[bytes]]
    urls: list[str]
    answers: list[tuple[int, float]] = field(default_factory=list)

    def resident_mb(self) -> float:
        """Return the resident memory of the server's processes, in MB."""
        total = 0
        for process in self.processes:
            status = Path(f"/proc/{process.pid}/status").read_text()
            total += next(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")
            )
        return total / 1024

    def percentile(self, share: float) -> float:
        """Return the answer time (ms) below which `share` of the answers fall."""
        ordered = sorted(duration for _, duration in self.answers)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000

    @property
    def refused(self) -> int:
        return sum(status not in (200, 202) for status, _ in self.answers)


def headers() -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": "installation",
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": SIGNATURE,
    }


async def send(session: aiohttp.ClientSession, url: str) -> tuple[int, float]:
    started = time.perf_counter()
    async with session.post(url, data=PAYLOAD, headers=headers()) as answer:
        await answer.read()
        return answer.status, time.perf_counter() - started


async def in_turns(servers: list[Server], rate: float, seconds: float) -> float:
    """Send each server `rate` deliveries a second for `seconds`, taking turns; return the
    rate achieved. Each server keeps its answers.

    Within each tick the servers' deliveries are spread evenly, so no server waits for
    another's answer, and which server goes first rotates from tick to tick.
    """
    count = int(rate * seconds)
    slots = [(n, turn) for n in range(count) for turn in range(len(servers))]

    async def one(session: aiohttp.ClientSession, server: Server, n: int) -> None:
        server.answers.append(await send(session, server.urls[n % len(server.urls)]))

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        started = time.perf_counter()
        tasks = []
        for n, turn in slots:
            delay = started + (n + turn / len(servers)) / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            server = servers[(n + turn) % len(servers)]
            tasks.append(asyncio.create_task(one(session, server, n)))
        async with timeout(seconds + 60):
            await asyncio.gather(*tasks)
        return count / (time.perf_counter() - started)


async def queue_depth(session: aiohttp.ClientSession, url: str) -> float:
    async with session.get(url.replace("/webhook", "/metrics")) as answer:
        found = QUEUE_DEPTH.search(await answer.text())
        return float(found.group(1)) if found else float("nan")


async def backlog(server: Server, rate: float, seconds: float) -> list[tuple[float, float]]:
    """Send `rate` deliveries a second for `seconds`; sample the queue depth every 0.5 s
    meanwhile and until it is empty again. Returns (seconds since start, depth)."""
    samples: list[tuple[float, float]] = []
    started = time.perf_counter()

    async def sample(session: aiohttp.ClientSession, sending: asyncio.Task[float]) -> None:
        while True:
            depth = await queue_depth(session, server.urls[0])
            samples.append((time.perf_counter() - started, depth))
            if sending.done() and depth == 0:
                return
            await asyncio.sleep(0.5)

    async with aiohttp.ClientSession() as session:
        sending = asyncio.create_task(in_turns([server], rate, seconds))
        async with timeout(seconds + 120):
            await sample(session, sending)
        await sending
    return samples


async def throughput(server: Server, count: int, concurrency: int) -> tuple[float, int]:
    """Send `count` deliveries as fast as they are answered; return (per second, refused)."""
    queue = iter(range(count))
    statuses: list[int] = []

    async def worker(session: aiohttp.ClientSession, url: str) -> None:
        for _ in queue:
            statuses.append((await send(session, url))[0])

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        async with timeout(120):
            await asyncio.gather(
                *(worker(session, server.urls[n % len(server.urls)]) for n in range(concurrency))
            )
        elapsed = time.perf_counter() - started
    return count / elapsed, sum(status not in (200, 202) for status in statuses)


async def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(400):
            if process.poll() is not None:
                raise RuntimeError(f"{url} exited with {process.returncode}")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(url.replace("/webhook", "/healthz")) as answer:
                    if answer.status == 200:
                        return
            await asyncio.sleep(0.05)
    raise TimeoutError(f"{url} did not start")


def start_service(
    workdir: Path, name: str, redis_url: str | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "GITHUB_TOKEN": "ghp_benchmarkbenchmarkbenchmark0000",
        "GITHUB_API_URL": "http://127.0.0.1:9",  # never called for `installation` events
        "MINUTES_BOT_JOURNAL": str(workdir / f"{name}.sqlite3"),
        "LOG_LEVEL": "WARNING",
    } | ({"REDIS_URL": redis_url} if redis_url else {})
    command = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    return process, f"http://127.0.0.1:{port}/webhook"


def start_bare() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", BARE_SERVER, str(port)])
    return process, f"http://127.0.0.1:{port}/webhook"


def server(name: str, started: list[tuple[subprocess.Popen[bytes], str]]) -> Server:
    return Server(name, [process for process, _ in started], [url for _, url in started])


@contextlib.contextmanager
def serving(servers: list[Server]) -> Iterator[None]:
    try:
        yield
    finally:
        for process in (process for server in servers for process in server.processes):
            process.terminate()
            process.wait(timeout=10)


async def started(servers: list[Server]) -> None:
    """Wait until the servers answer; then pin them to the last core, this to the others.

    The servers meet the same contention that way, and the load generator does not take
    turns on their core; their threads started later follow them.
    """
    for server in servers:
        for process, url in zip(server.processes, server.urls, strict=True):
            await wait_healthy(url, process)
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) > 1:
        for process in (process for server in servers for process in server.processes):
            os.sched_setaffinity(process.pid, {cores[-1]})
        os.sched_setaffinity(0, set(cores[:-1]))


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min), {os.cpu_count()} cores"


async def compare_latency(bare: Server, ours: Server, args: argparse.Namespace) -> None:
    """Print both servers' p50 and p99 from one run in turns, and their ratios."""
    await in_turns([bare, ours], args.rate, 1.0)  # warm up both
    bare.answers.clear()
    ours.answers.clear()
    achieved = await in_turns([bare, ours], args.rate, args.seconds)
    for server in (bare, ours):
        print(
            f"{server.name}: at {achieved:.0f}/s p50 {server.percentile(0.5):.2f} ms, "
            f"p99 {server.percentile(0.99):.2f} ms ({server.refused} refused)",
            flush=True,
        )
    p50 = ours.percentile(0.5) / bare.percentile(0.5)
    p99 = ours.percentile(0.99) / bare.percentile(0.99)
    print(f"{ours.name}: {p50:.2f}x the bare handler at p50, {p99:.2f}x at p99", flush=True)


async def report_backlog(server: Server, args: argparse.Namespace) -> None:
    samples = await backlog(server, args.heavy, args.seconds)
    sending = [depth for at, depth in samples if at <= args.seconds]
    drained = samples[-1][0] - args.seconds
    print(
        f"{server.name}: at {args.heavy:.0f}/s for {args.seconds:.0f} s the queue depth was "
        f"at most {max(sending):.0f}, {sending[-1]:.0f} when sending stopped, "
        f"empty {max(drained, 0):.1f} s later",
        flush=True,
    )


async def report_throughput(server: Server, args: argparse.Namespace) -> None:
    per_second, refused = await throughput(server, args.deliveries, args.concurrency)
    count = len(server.processes)
    print(
        f"{server.name}: {per_second:.0f} deliveries/s accepted "
        f"({args.deliveries} sent, {args.concurrency} in flight, {refused} refused); "
        f"resident memory {server.resident_mb():.0f} MB ({count} process"
        f"{'es' if count > 1 else ''})",
        flush=True,
    )


async def main(args: argparse.Namespace) -> None:
    print(f"before: {load_average()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="webhook-load-") as tmp:
        workdir = Path(tmp)
        bare = server("bare aiohttp", [start_bare()])
        embedded = server("minutes-bot, embedded queue", [start_service(workdir, "embedded")])
        with serving([bare, embedded]):
            await started([bare, embedded])
            await compare_latency(bare, embedded, args)
            await report_backlog(embedded, args)
            await report_throughput(bare, args)
            await report_throughput(embedded, args)
        with running_redis_server() as redis_url:
            pairs = [start_service(workdir, f"replica-{n}", redis_url) for n in range(2)]
            replicas = server("minutes-bot, 2 replicas on Redis", pairs)
            bare = server("bare aiohttp", [start_bare()])
            with serving([bare, replicas]):
                await started([bare, replicas])
                await compare_latency(bare, replicas, args)
                await report_throughput(replicas, args)
    print(f"after: {load_average()}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200, help="deliveries a second, latency")
    parser.add_argument("--heavy", type=float, default=1000, help="deliveries a second, backlog")
    parser.add_argument("--seconds", type=float, default=10, help="length of each paced run")
    parser.add_argument("--deliveries", type=int, default=2000, help="for the throughput run")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    asyncio.run(main(parser.parse_args()))
