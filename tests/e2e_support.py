"""The bot running against the simulated GitHub, for the end-to-end tests.

`start_bot` serves the real app on 127.0.0.1 and points the simulator's webhooks at it;
`create_svsm_repo` seeds the repository of the users' example minutes; the fixtures
`svsm_repo` and `svsm_bot` in `tests/conftest.py` do both.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.compat import UTC, timeout
from bot.config.schema import parse_repo_config
from bot.config.settings import ServiceSettings
from bot.handlers.context import utc_now
from bot.minutes.extract import extract_minutes
from bot.minutes.model import ActionItem
from bot.minutes.people import Roster
from bot.service.app import QUEUE, Clock, create_app
from bot.service.extraction import ExtractionPool
from bot.service.queue import Journal
from tests.github_sim import GitHubSim
from tests.github_sim.faults import Call
from tests.github_sim.state import Issue
from tests.redis_server import free_port

SECRET = "e2e webhook secret"
# A busy machine (a CI runner beside other jobs) can take this long to start the service.
SERVICE_START_SECONDS = 90.0
REPO = "coconut-svsm/svsm"
MEETING = "meetings/2024-12-18.md"
EVAL_DEV = Path(__file__).parent / "fixtures" / "eval-dev"  # the labelled dev minutes
SVSM = (Path(__file__).parent.parent / "examples" / "svsm-2024-12-18.md").read_text()
PEOPLE = {
    "joergroedel": "Joerg Roedel",
    "peterfang": "Peter Fang",
    "jlange": "Jon Lange",
    "AdamDunlap": "Adam Dunlap",
    "vijay-dhanraj": "Vijay Dhanraj",
    "stefano-garzarella": "Stefano Garzarella",
}
CONFIG = "people:\n" + "".join(
    f"  - name: {name}\n    login: {login}\n" for login, name in PEOPLE.items()
)


@dataclass
class Bot:
    """The running bot: its app (for draining the queue) and its webhook URL."""

    app: web.Application
    url: str

    async def settle(self, sim: GitHubSim) -> None:
        """Wait until every delivery the bot accepted has been processed.

        Also the deliveries the bot's own changes cause (`sim.api_webhooks`), and theirs.
        """
        sent = -1
        while sent != len(sim.deliveries):
            sent = len(sim.deliveries)
            await sim.drain()
            await self.app[QUEUE].drain()


def settings(sim: GitHubSim, app_key: tuple[int, str]) -> ServiceSettings:
    app_id, private_key = app_key
    return ServiceSettings(
        app_id=app_id,
        private_key=private_key,
        webhook_secret=SECRET,
        api_url=sim.url,
        writes_per_minute=0,  # the simulator sets no content limit unless a test asks
    )


async def start_bot(
    sim: GitHubSim,
    app_key: tuple[int, str],
    journal: Path,
    clock: Clock = utc_now,
    extraction: ExtractionPool | None = None,
) -> AsyncIterator[Bot]:
    """Serve the bot on 127.0.0.1 with the simulator's webhooks pointed at it."""
    app = create_app(settings(sim, app_key), journal=journal, clock=clock, extraction=extraction)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    url = str(server.make_url("/webhook"))
    sim.set_webhook(url, SECRET)
    try:
        yield Bot(app, url)
    finally:
        await server.close()


def app_env(sim: GitHubSim, app_key: tuple[int, str], folder: Path) -> dict[str, str]:
    """Return the environment of `minutes-bot` acting as the App against the simulator."""
    key_file = folder / "key.pem"
    key_file.write_text(app_key[1])
    return {
        "PATH": os.environ["PATH"],
        "GITHUB_APP_ID": str(app_key[0]),
        "GITHUB_PRIVATE_KEY_FILE": str(key_file),
        "GITHUB_API_URL": sim.url,
        "MINUTES_BOT_WRITES_PER_MINUTE": "0",
    }


def service_env(sim: GitHubSim, app_key: tuple[int, str], folder: Path) -> dict[str, str]:
    """Return the environment of `minutes-bot serve` as the App, its journal in `folder`."""
    return app_env(sim, app_key, folder) | {
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "MINUTES_BOT_JOURNAL": str(folder / "journal.sqlite3"),
    }


@dataclass
class Service:
    """`minutes-bot serve` as a real process on a local port, logging to a file.

    `command` starts `minutes-bot` (by default this interpreter's `-m bot.cli`), in
    `cwd` when given. A service that never answers is stopped before the test fails.
    """

    env: dict[str, str]
    log: Path
    port: int = 0
    process: asyncio.subprocess.Process | None = None
    command: tuple[str, ...] = (sys.executable, "-m", "bot.cli")
    cwd: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    async def start(self, within: float = SERVICE_START_SECONDS) -> None:
        """Start the service and wait until `/healthz` answers 200, `within` seconds at most."""
        self.port = free_port()
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *self.command, "serve", "--port", str(self.port),
                env=self.env, stdout=log, stderr=log, cwd=self.cwd,
            )
        try:
            await self._ready(within)
        except BaseException:
            await self.kill()  # never left running by a test that failed
            raise

    async def _ready(self, within: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            assert self.process is not None
            if self.process.returncode is not None:
                raise AssertionError(f"the service exited ({self.process.returncode}):\n{self.log.read_text()}")
            if await self.health() == 200:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"the service did not answer within {within:g} s:\n{self.log.read_text()}")

    async def health(self) -> int | None:
        """Return the status `/healthz` answers with, None while nothing listens."""
        url = f"http://127.0.0.1:{self.port}/healthz"
        with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session, \
                    session.get(url) as answer:
                return answer.status
        return None

    async def kill(self) -> None:
        """Stop the service at once (its extraction workers follow within a second)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    def journal_state(self, delivery_id: str) -> str | None:
        """Return how far the service got with a delivery: pending, done or failed."""
        return Journal(self.env["MINUTES_BOT_JOURNAL"]).state(delivery_id)


@contextlib.asynccontextmanager
async def serving(sim: GitHubSim, service: Service) -> AsyncIterator[Service]:
    """Run `service` with the simulator's webhooks aimed at it; always stop it afterwards."""
    await service.start()
    try:
        sim.set_webhook(service.url, SECRET)
        yield service
    finally:
        await service.kill()


@dataclass(frozen=True)
class Finished:
    """How a `minutes-bot` command ended: its exit status and what it printed."""

    status: int
    stdout: str
    stderr: str

    @property
    def said(self) -> list[str]:
        """Return the lines it printed on stderr for people, leaving out JSON log lines."""
        return [line for line in self.stderr.splitlines() if not line.startswith("{")]


async def minutes_bot(env: Mapping[str, str], *args: str) -> Finished:
    """Run `minutes-bot ARGS...` as its own process with exactly `env`."""
    command = [sys.executable, "-m", "bot.cli", *args]
    process = await asyncio.create_subprocess_exec(
        *command, env=dict(env), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return Finished(process.returncode, stdout.decode(), stderr.decode())


def create_svsm_repo(github_sim: GitHubSim, full_name: str = REPO) -> str:
    """Create the SVSM repository with its people, their roles and two open PRs."""
    for login, name in PEOPLE.items():
        if login.lower() not in github_sim.state.users:
            github_sim.add_user(login, name)
    files = {".github/minutes-bot.yml": CONFIG, "README.md": "# SVSM\n"}
    github_sim.add_repo(full_name, files=files)
    for login in PEOPLE:
        github_sim.set_permission(full_name, login, "write")
    github_sim.add_pull(
        full_name,
        title="Initial user space (user-mode) support",
        author="vijay-dhanraj",
        created_at=datetime(2024, 11, 20, tzinfo=UTC),
    )
    github_sim.add_pull(
        full_name,
        title="Multiprocessor startup for the native platform",
        author="jlange",
        draft=True,
        created_at=datetime(2024, 12, 2, tzinfo=UTC),
    )
    return full_name


def action_env(sim: GitHubSim, token: str, event: str, payload: dict[str, Any], folder: Path) -> dict[str, str]:
    """Return the environment of a GitHub Actions run for `event`, its payload saved in `folder`."""
    event_file = folder / "event.json"
    event_file.write_text(json.dumps(payload))
    return {
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(event_file),
        "GITHUB_TOKEN": token,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": sim.url,
        "MINUTES_BOT_WRITES_PER_MINUTE": "0",
        "GITHUB_RUN_ID": "4242",
    }


async def push(sim: GitHubSim, bot: Bot, files: dict[str, str | None], **options: str) -> None:
    """Commit `files` as Joerg, deliver the signed push, and wait for the bot to finish."""
    delivery = await sim.push(REPO, files, author="joergroedel", **options)
    assert delivery.status == 202, delivery.response
    await bot.settle(sim)


def item_issues(sim: GitHubSim) -> list[Issue]:
    return [issue for issue in sim.issues(REPO) if "action-item" in issue.labels]


def expected_items(text: str, path: str = MEETING) -> list[ActionItem]:
    roster = Roster.from_people(parse_repo_config(CONFIG).people)
    return list(extract_minutes(text, path=path, people=roster).items)


def api_calls(sim: GitHubSim) -> list[Call]:
    """Return the REST calls the bot made, leaving out installation-token exchanges."""
    return [call for call in sim.calls if not call.path.endswith("/access_tokens")]


async def settle_replicas(sim: GitHubSim, servers: list[TestServer], within: float = 60) -> None:
    """Wait until the simulator's webhooks are sent and every replica's queue is empty."""
    await sim.drain()
    async with timeout(within):  # a guard against hanging, not a measurement
        for server in servers:
            await server.app[QUEUE].drain()


async def start_replicas(
    sim: GitHubSim, app_key: tuple[int, str], redis_url: str, count: int = 2
) -> AsyncIterator[list[TestServer]]:
    """Serve `count` replicas of the bot sharing one Redis, on 127.0.0.1."""
    shared = replace(settings(sim, app_key), redis_url=redis_url)
    servers = [TestServer(create_app(shared), host="127.0.0.1") for _ in range(count)]
    for server in servers:
        await server.start_server()
    try:
        yield servers
    finally:
        for server in servers:
            await server.close()
