"""A throwaway redis-server for the tests: started once per session, emptied per test.

Import the fixtures into a test module:
`from tests.redis_server import redis_server, redis_url  # noqa: F401`.
Without a `redis-server` binary the tests are skipped, or fail when `CI=true`.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

import pytest
import redis

MISSING = "redis-server not installed: apt-get install redis-server"


def _die_with_parent() -> None:
    """Have Linux stop the server if the test run is killed before it can clean up."""
    with contextlib.suppress(OSError, AttributeError):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running_redis_server(binary: str = "redis-server") -> Iterator[str]:
    """Run a memory-only redis-server on a free local port and yield its URL."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="redis-") as workdir:
        server = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", workdir],
            stdout=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )  # fmt: skip
        url = f"redis://127.0.0.1:{port}/0"
        try:
            wait_until_ready(url, server)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=10)


def wait_until_ready(url: str, server: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """Return once the server answers PING; raise if it exits or stays silent."""
    deadline = time.monotonic() + timeout
    client = redis.Redis.from_url(url)
    try:
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"redis-server exited with code {server.returncode}")
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"redis-server did not answer on {url}")
            time.sleep(0.02)
    finally:
        client.close()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """Serve a redis-server for the whole session and yield its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    with running_redis_server(binary) as url:
        yield url


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """Return the URL of the session's redis-server, emptied for this test."""
    client = redis.Redis.from_url(redis_server)
    try:
        client.flushall()
    finally:
        client.close()
    return redis_server
