"""Measure the webhook edge: deliveries accepted per second and answer latency.

    python benchmarks/webhook_load.py [--deliveries 2000] [--rate 200] [--seconds 5]

Runs `minutes-bot serve` as real processes on 127.0.0.1 (one with the embedded queue,
then two replicas on one memory-only redis-server), and next to them a bare aiohttp
handler that answers 202 without looking at the body, the yardstick. The deliveries are
signed `installation` events, which the service journals, queues and handles without
calling GitHub, so what is measured is the edge: verify, journal, queue, answer.

For each server it prints one line per measure: the answer latency p50/p99 at a steady
`--rate` per second for `--seconds` (from idle), then the most deliveries per second
accepted (`--concurrency` requests in flight), and the resident memory afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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

    def resident_mb(self) -> float:
        """Return the resident memory of the server's processes, in MB."""
        total = 0
        for process in self.processes:
            status = Path(f"/proc/{process.pid}/status").read_text()
            total += next(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")
            )
        return total / 1024


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
        async with asyncio.timeout(120):
            await asyncio.gather(
                *(worker(session, server.urls[n % len(server.urls)]) for n in range(concurrency))
            )
        elapsed = time.perf_counter() - started
    return count / elapsed, sum(status not in (200, 202) for status in statuses)


async def latency(server: Server, rate: float, seconds: float) -> tuple[float, float, float, int]:
    """Send `rate` deliveries a second for `seconds`; return p50, p99 (ms), rate achieved, refused."""
    count = int(rate * seconds)
    results: list[tuple[int, float]] = []

    async def one(session: aiohttp.ClientSession, n: int) -> None:
        results.append(await send(session, server.urls[n % len(server.urls)]))

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        started = time.perf_counter()
        tasks = []
        for n in range(count):
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(session, n)))
        async with asyncio.timeout(seconds + 60):
            await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    times = sorted(duration for _, duration in results)
    refused = sum(status not in (200, 202) for status, _ in results)
    return (
        times[len(times) // 2] * 1000,
        times[min(len(times) - 1, int(len(times) * 0.99))] * 1000,
        count / elapsed,
        refused,
    )


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


@contextlib.contextmanager
def stopping(processes: list[subprocess.Popen[bytes]]) -> Iterator[None]:
    try:
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)


async def measure(server: Server, args: argparse.Namespace) -> None:
    for process, url in zip(server.processes, server.urls, strict=True):
        await wait_healthy(url, process)
    p50, p99, achieved, refused = await latency(server, args.rate, args.seconds)
    print(
        f"{server.name}: latency at {achieved:.0f}/s: p50 {p50:.1f} ms, p99 {p99:.1f} ms "
        f"({refused} refused)",
        flush=True,
    )
    per_second, refused = await throughput(server, args.deliveries, args.concurrency)
    print(
        f"{server.name}: {per_second:.0f} deliveries/s accepted "
        f"({args.deliveries} sent, {args.concurrency} in flight, {refused} refused)",
        flush=True,
    )
    print(
        f"{server.name}: resident memory {server.resident_mb():.0f} MB "
        f"({len(server.processes)} process{'es' if len(server.processes) > 1 else ''})",
        flush=True,
    )


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="webhook-load-") as tmp:
        workdir = Path(tmp)
        process, url = start_bare()
        with stopping([process]):
            await measure(Server("bare aiohttp", [process], [url]), args)
        process, url = start_service(workdir, "embedded")
        with stopping([process]):
            await measure(Server("minutes-bot, embedded queue", [process], [url]), args)
        with running_redis_server() as redis_url:
            started = [start_service(workdir, f"replica-{n}", redis_url) for n in range(2)]
            processes = [process for process, _ in started]
            with stopping(processes):
                await measure(
                    Server("minutes-bot, 2 replicas on Redis", processes, [u for _, u in started]),
                    args,
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=2000, help="for the throughput run")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--rate", type=float, default=200, help="deliveries a second, latency run")
    parser.add_argument("--seconds", type=float, default=5, help="length of the latency run")
    asyncio.run(main(parser.parse_args()))
