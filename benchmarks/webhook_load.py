"""Measure the webhook edge: answer latency and CPU per delivery next to a bare aiohttp
handler, answers and backlog under a heavy rate, deliveries accepted per second, memory.

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
and the load generator to the other. The CPU per delivery is the processor time (user and
system, every thread) the server's processes spent over that run, divided by the
deliveries each answered: for the service it includes handling them after the answer.
The heavy run sends `--heavy` deliveries a second for `--seconds`, to the bare handler
alone, then to the service alone while sampling its queue depth (`/metrics`): it reports
the rate sent, the rate answered while sending, and p50 against the bare handler's.
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
    # When each answer came (time.perf_counter), in the order they came.
    answered_at: list[float] = field(default_factory=list)

    def resident_mb(self) -> float:
        """Return the resident memory of the server's processes, in MB."""
        total = 0
        for process in self.processes:
            status = Path(f"/proc/{process.pid}/status").read_text()
            total += next(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")
            )
        return total / 1024

    def cpu_seconds(self) -> float:
        """Return the processor time (user and system) the server's processes used so far."""
        ticks = 0
        for process in self.processes:
            # Fields after the command name, which may hold spaces: utime, stime are 12, 13.
            fields = Path(f"/proc/{process.pid}/stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def clear(self) -> None:
        self.answers.clear()
        self.answered_at.clear()

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


@dataclass(frozen=True)
class Run:
    """When a paced run started and stopped sending, and how many it sent to each server."""

    started: float
    sent_until: float
    count: int

    @property
    def sent_per_second(self) -> float:
        return self.count / (self.sent_until - self.started)

    def answered_per_second(self, server: Server) -> float:
        """Return the rate of the server's answers that came while the run was sending."""
        while_sending = sum(at <= self.sent_until for at in server.answered_at)
        return while_sending / (self.sent_until - self.started)


async def in_turns(servers: list[Server], rate: float, seconds: float) -> Run:
    """Send each server `rate` deliveries a second for `seconds`, taking turns, and wait
    for every answer. Each server keeps its answers.

    Within each tick the servers' deliveries are spread evenly, so no server waits for
    another's answer, and which server goes first rotates from tick to tick.
    """
    count = int(rate * seconds)
    slots = [(n, turn) for n in range(count) for turn in range(len(servers))]

    async def one(session: aiohttp.ClientSession, server: Server, n: int) -> None:
        server.answers.append(await send(session, server.urls[n % len(server.urls)]))
        server.answered_at.append(time.perf_counter())

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        started = time.perf_counter()
        tasks = []
        for n, turn in slots:
            delay = started + (n + turn / len(servers)) / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            server = servers[(n + turn) % len(servers)]
            tasks.append(asyncio.create_task(one(session, server, n)))
        sent_until = time.perf_counter()
        async with timeout(seconds + 60):
            await asyncio.gather(*tasks)
        return Run(started, sent_until, count)


async def queue_depth(session: aiohttp.ClientSession, url: str) -> float:
    async with session.get(url.replace("/webhook", "/metrics")) as answer:
        found = QUEUE_DEPTH.search(await answer.text())
        return float(found.group(1)) if found else float("nan")


async def backlog(
    server: Server, rate: float, seconds: float
) -> tuple[Run, list[tuple[float, float]]]:
    """Send `rate` deliveries a second for `seconds`; sample the queue depth every 0.5 s
    meanwhile and until it is empty again. Returns the run and (seconds since start, depth)."""
    samples: list[tuple[float, float]] = []
    started = time.perf_counter()

    async def sample(session: aiohttp.ClientSession, sending: asyncio.Task[Run]) -> None:
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
        return await sending, samples


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
    """Print both servers' p50, p99 and CPU per delivery from one run in turns, and their
    ratios; the service's CPU is read once it has handled every delivery too."""
    await in_turns([bare, ours], args.rate, 1.0)  # warm up both
    await wait_drained(ours)
    bare.clear()
    ours.clear()
    cpu_before = [server.cpu_seconds() for server in (bare, ours)]
    achieved = (await in_turns([bare, ours], args.rate, args.seconds)).sent_per_second
    await wait_drained(ours)
    cpu = [
        (server.cpu_seconds() - before) / len(server.answers) * 1000
        for server, before in zip((bare, ours), cpu_before, strict=True)
    ]
    for server, per_delivery in zip((bare, ours), cpu, strict=True):
        print(
            f"{server.name}: at {achieved:.0f}/s p50 {server.percentile(0.5):.2f} ms, "
            f"p99 {server.percentile(0.99):.2f} ms, CPU {per_delivery:.3f} ms a delivery "
            f"({server.refused} refused)",
            flush=True,
        )
    p50 = ours.percentile(0.5) / bare.percentile(0.5)
    p99 = ours.percentile(0.99) / bare.percentile(0.99)
    print(
        f"{ours.name}: {p50:.2f}x the bare handler at p50, {p99:.2f}x at p99, "
        f"{cpu[1] / cpu[0]:.2f}x its CPU per delivery",
        flush=True,
    )


async def wait_drained(server: Server) -> None:
    """Wait until the service has handled what it accepted (the embedded queue's depth is
    0); a server without the depth gauge (Redis) is given a moment."""
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            depth = await queue_depth(session, server.urls[0])
            if depth != depth:  # NaN: no gauge
                await asyncio.sleep(0.5)
                return
            if depth == 0:
                return
            await asyncio.sleep(0.05)


async def report_backlog(bare: Server, server: Server, args: argparse.Namespace) -> None:
    """Send the heavy rate to the bare handler, then to `server`; print how each kept up."""
    bare.clear()
    bare_run = await in_turns([bare], args.heavy, args.seconds)
    server.clear()
    run, samples = await backlog(server, args.heavy, args.seconds)
    for name, each, sent in ((bare.name, bare, bare_run), (server.name, server, run)):
        print(
            f"{name}: sent {sent.sent_per_second:.0f}/s for {args.seconds:.0f} s, answered "
            f"{sent.answered_per_second(each):.0f}/s while sending, p50 "
            f"{each.percentile(0.5):.2f} ms, p99 {each.percentile(0.99):.2f} ms "
            f"({each.refused} refused)",
            flush=True,
        )
    sending = [depth for at, depth in samples if at <= args.seconds]
    drained = samples[-1][0] - args.seconds
    print(
        f"{server.name}: at {args.heavy:.0f}/s {server.percentile(0.5) / bare.percentile(0.5):.2f}x "
        f"the bare handler at p50; the queue depth was at most {max(sending):.0f}, "
        f"{sending[-1]:.0f} when sending stopped, empty {max(drained, 0):.1f} s later",
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
            await report_backlog(bare, embedded, args)
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
