"""The extraction workers: a dead one is replaced, their start costs no file its budget,
they import only the installed package, and nothing of the web service.

Killed with `kill -9` (or by the out-of-memory killer), a worker is replaced and its
file read again, and `/healthz` says when reading is not possible at all. A `bot/`
folder where `minutes-bot serve` runs must never be what a worker imports.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bot.compat import timeout
from bot.minutes.job import Job
from bot.minutes.model import Minutes
from bot.service import extraction
from bot.service.extraction import ExtractionPool
from tests.e2e_support import (
    MEETING,
    REPO,
    SVSM,
    Service,
    create_svsm_repo,
    expected_items,
    item_issues,
    service_env,
    serving,
    start_bot,
)
from tests.github_sim import GitHubSim
from tests.test_limits import alive, children_of

ON_LINUX = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads processes from /proc")


@dataclass(frozen=True)
class Dying(Job):
    """A file whose reading kills its worker, as the out-of-memory killer would."""

    def run(self) -> Minutes:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")


def proc_file(pid: int, name: str) -> bytes:
    return Path(f"/proc/{pid}/{name}").read_bytes()


def workers_of(pool: ExtractionPool) -> list[int]:
    pids = pool.pids()
    assert pids, "the pool has workers running"
    return pids


async def test_after_a_worker_is_killed_the_next_files_are_read_on_new_workers() -> None:
    pool = ExtractionPool(workers=2)
    try:
        assert (await pool(Job(SVSM, MEETING))).items
        for pid in workers_of(pool):
            os.kill(pid, signal.SIGKILL)
        async with timeout(60):  # a guard against a hang, not a measurement
            for _ in range(3):
                assert [i.title for i in (await pool(Job(SVSM, MEETING))).items] == [
                    i.title for i in expected_items(SVSM)
                ]
        assert pool.unavailable is None
    finally:
        pool.close()


async def test_a_file_that_kills_every_worker_is_tried_twice_then_reading_is_reported_unavailable() -> None:
    pool = ExtractionPool(workers=1)
    try:
        with pytest.raises(extraction.WorkerDied):
            await pool(Dying("", "meetings/oom.md"))
        assert pool.unavailable and "keep dying" in pool.unavailable
        assert (await pool(Job(SVSM, MEETING))).items  # the next file is read again
        assert pool.unavailable is None
    finally:
        pool.close()


@ON_LINUX
async def test_a_worker_with_no_file_for_its_idle_time_ends_and_the_next_file_starts_another(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pool = ExtractionPool(workers=2, idle_seconds=1.0)
    try:
        await pool.warm_up()
        first = workers_of(pool)
        assert len(first) == 2
        assert (await pool(Job(SVSM, MEETING))).items  # soon enough: an idle worker reads it
        assert workers_of(pool) == first
        for _ in range(300):  # a guard against a hang, not a measurement
            if not any(alive(pid) for pid in first):
                break
            await asyncio.sleep(0.1)
        assert [pid for pid in first if alive(pid)] == []

        assert [i.title for i in (await pool(Job(SVSM, MEETING))).items] == [
            i.title for i in expected_items(SVSM)
        ]
        (again,) = pool.pids()
        assert again not in first
        assert "died" not in caplog.text
        assert pool.unavailable is None
    finally:
        pool.close()


@ON_LINUX
async def test_a_worker_holds_the_extractor_and_nothing_of_the_web_service() -> None:
    pool = ExtractionPool(workers=1)
    try:
        await pool.warm_up()
        (pid,) = workers_of(pool)
        assert (await pool(Job(SVSM, MEETING))).items
        # A fresh interpreter, not a copy of the service: the web service's compiled
        # modules (aiohttp's parser, multidict, the JWT signer's cryptography) are not in it.
        libraries = proc_file(pid, "maps")
        assert [name for name in (b"aiohttp", b"multidict", b"cryptography") if name in libraries] == []
        assert proc_file(pid, "cmdline").split(b"\0")[1] == b"-I"
    finally:
        pool.close()


async def test_starting_the_workers_does_not_count_against_the_first_files_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A worker that starts slowly, as on a busy machine.
    monkeypatch.setattr(extraction, "WORKER", "import time; time.sleep(1.5); " + extraction.WORKER)
    pool = ExtractionPool(workers=1, seconds=1.0)  # less than the start takes
    try:
        assert (await pool(Job(SVSM, MEETING))).items
    finally:
        pool.close()


@ON_LINUX
async def test_a_service_whose_worker_was_killed_reads_the_next_push_and_healthz_stays_up(
    github_sim: GitHubSim, github_app_key: tuple[int, str], tmp_path: Path
) -> None:
    create_svsm_repo(github_sim)
    service = Service(service_env(github_sim, github_app_key, tmp_path), tmp_path / "service.log")
    async with serving(github_sim, service):
        assert service.process is not None
        workers = set(children_of(service.process.pid))
        assert workers
        os.kill(min(workers), signal.SIGKILL)

        delivery = await github_sim.push(REPO, {MEETING: SVSM}, author="joergroedel")
        await github_sim.wait_until(lambda: service.journal_state(delivery.id) in ("done", "failed"), within=60)
        assert service.journal_state(delivery.id) == "done", service.log.read_text()
        assert len(item_issues(github_sim)) == len(expected_items(SVSM))
        assert await service.health() == 200


def console_script() -> str:
    """Return the installed `minutes-bot` command: `python -m` would read the folder itself."""
    found = shutil.which("minutes-bot", path=str(Path(sys.executable).parent))
    assert found, "minutes-bot is installed beside the interpreter"
    return found


async def test_a_bot_folder_where_the_service_is_started_is_never_imported(
    github_sim: GitHubSim, github_app_key: tuple[int, str], tmp_path: Path
) -> None:
    create_svsm_repo(github_sim)
    here, ran = tmp_path / "checkout", tmp_path / "planted-code-ran"
    (here / "bot").mkdir(parents=True)
    (here / "bot" / "__init__.py").write_text(f"open({str(ran)!r}, 'w').write('ran')\n")
    env = service_env(github_sim, github_app_key, tmp_path)
    service = Service(env, tmp_path / "service.log", command=(console_script(),), cwd=here)
    async with serving(github_sim, service):
        delivery = await github_sim.push(REPO, {MEETING: SVSM}, author="joergroedel")
        await github_sim.wait_until(lambda: service.journal_state(delivery.id) in ("done", "failed"), within=60)
        assert service.journal_state(delivery.id) == "done", service.log.read_text()
    assert len(item_issues(github_sim)) == len(expected_items(SVSM))
    assert not ran.exists()


async def test_healthz_says_when_minutes_cannot_be_read_and_recovers_with_the_next_file(
    github_sim: GitHubSim, github_app_key: tuple[int, str], tmp_path: Path
) -> None:
    pool = ExtractionPool(workers=1)
    async for bot in start_bot(github_sim, github_app_key, tmp_path / "journal.sqlite3", extraction=pool):
        health = bot.url.replace("/webhook", "/healthz")
        async with aiohttp.ClientSession() as session:
            with pytest.raises(extraction.WorkerDied):
                await pool(Dying("", "meetings/oom.md"))
            async with session.get(health) as answer:
                assert answer.status == 503
                assert "extraction workers keep dying" in (await answer.json())["problem"]
            await pool(Job(SVSM, MEETING))
            async with session.get(health) as answer:
                assert answer.status == 200
