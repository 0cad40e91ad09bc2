"""Extract action items in worker processes, each file within a time budget.

Extraction is plain Python over text anybody with push access wrote. On the event
loop, a file that takes long (or a pattern that goes quadratic on odd input) would
stop the webhook, `/healthz` and every other repository until it finished; in a
thread it would still hold the interpreter, and it could not be stopped. So it runs in
a small pool of processes, started from a fork server that has the extractor already
imported, and a file that takes longer than the budget has its worker killed.

A worker that dies (killed, or out of memory) breaks its whole pool; the pool is then
replaced and the file tried once more, and `unavailable` says so when that failed too.
The fork server starts in the folder that holds the installed package: `python -c`
puts the current folder first on `sys.path`, and a `bot/` where the service was
started must not be what the workers import.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from bot.compat import timeout
from bot.minutes.job import EXTRACTION_SECONDS, ExtractionTimeout, Job
from bot.minutes.model import Minutes

log = logging.getLogger(__name__)

# Workers are replaced now and then, so whatever one file left in memory is given back.
TASKS_PER_WORKER = 100
# How often a worker checks that the service it works for is still there.
WATCH_SECONDS = 1.0
# Imported once by the fork server, so a new worker has the extractor, its patterns
# compiled, at once. (Each worker also imports the main module again; `minutes-bot`'s is
# light.)
PRELOAD = ("bot.service.worker_preload",)
WARM_UP = "# Warm-up 2024-12-18\n\n## Action items\n\n- [ ] @octocat: look at #1 by Friday\n"


class ExtractionPool:
    """Worker processes that extract minutes, at most `workers` files at a time."""

    def __init__(self, workers: int | None = None, seconds: float = EXTRACTION_SECONDS) -> None:
        self.workers = workers or min(2, os.cpu_count() or 1)
        self.seconds = seconds
        self._executor: ProcessPoolExecutor | None = None
        self._slots: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore, asyncio.Lock] | None = None
        # Why the last file could not be read at all, for `/healthz`; None once one is.
        self.unavailable: str | None = None

    async def __call__(self, job: Job) -> Minutes:
        """Extract the job's file; raise `ExtractionTimeout` when it takes over the budget."""
        # A file waits for a free worker first, so only its own work counts against it.
        async with self._free_worker():
            try:
                minutes = await self._run(job)
            except BrokenProcessPool:
                # A worker died and took the pool down (this file's or another's): the
                # broken pool is gone, so this runs on new workers.
                log.warning("an extraction worker died; new workers read the file again",
                            extra={"fields": {"path": job.path}})
                try:
                    minutes = await self._run(job)
                except BrokenProcessPool as error:
                    self.unavailable = f"extraction workers keep dying: {error}"
                    raise
            self.unavailable = None
            return minutes

    async def _run(self, job: Job) -> Minutes:
        executor = await self._started_pool()
        loop = asyncio.get_running_loop()
        try:
            work = loop.run_in_executor(executor, job.run)
            async with timeout(self.seconds):
                return await work
        except BrokenProcessPool:
            self._kill(executor)
            raise
        except asyncio.TimeoutError:  # on Python 3.10 not yet the built-in TimeoutError
            log.warning(
                "extraction over budget; its worker is stopped", extra={"fields": {"path": job.path}}
            )
            self._kill(executor)
            raise ExtractionTimeout(job.path, self.seconds) from None

    async def warm_up(self) -> None:
        """Start the workers and have each read a small file, so the first real one is quick."""
        await self._started_pool()

    def _free_worker(self) -> asyncio.Semaphore:
        """Return the semaphore of free workers, one per event loop (tests run several)."""
        return self._loop_slots()[1]

    def _loop_slots(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Semaphore, asyncio.Lock]:
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots[0] is not loop:
            self._slots = (loop, asyncio.Semaphore(self.workers), asyncio.Lock())
        return self._slots

    async def _started_pool(self) -> ProcessPoolExecutor:
        """Return the pool with its workers running and warm.

        Starting them (the fork server imports the extractor) can take seconds on a
        busy machine: that is no file's time, so it happens before any budget starts.
        """
        async with self._loop_slots()[2]:
            if self._executor is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(list(PRELOAD))
                with _in_package_folder():
                    multiprocessing.forkserver.ensure_running()
                executor = _executor(self.workers, context)
                loop = asyncio.get_running_loop()
                warm = Job(WARM_UP, "warm-up.md")
                await asyncio.gather(
                    *(loop.run_in_executor(executor, Job.run, warm) for _ in range(self.workers))
                )
                self._executor = executor
            return self._executor

    def _kill(self, executor: ProcessPoolExecutor) -> None:
        """Stop every worker of `executor`; the next file starts a fresh pool."""
        if self._executor is executor:
            self._executor = None
        # The executor cannot stop a task that is running; its processes are ours to end.
        for process in list(getattr(executor, "_processes", {}).values()):
            process.kill()
        executor.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the workers, busy or not; a later file starts new ones."""
        if self._executor is not None:
            self._kill(self._executor)


@contextlib.contextmanager
def _in_package_folder() -> Iterator[None]:
    """Be, for a moment, in the folder the installed `bot` package is in.

    The fork server runs `python -c`, which reads modules from the current folder
    first: there, that folder holds nothing that is not importable anyway. Only the
    start of the process sees it; the service's own folder is back at once.
    """
    here = os.getcwd()
    os.chdir(Path(__file__).resolve().parent.parent)
    try:
        yield
    finally:
        os.chdir(here)


def _executor(workers: int, context: multiprocessing.context.BaseContext) -> ProcessPoolExecutor:
    service = (os.getpid(),)
    if sys.version_info >= (3, 11):
        return ProcessPoolExecutor(
            workers, context, _leave_with, service, max_tasks_per_child=TASKS_PER_WORKER
        )
    return ProcessPoolExecutor(workers, context, _leave_with, service)  # 3.10: workers for good


def _leave_with(service: int) -> None:
    """In a worker: exit once the service process is gone, however it went.

    A worker does not notice by itself: a killed service leaves it, and the fork server
    it came from, waiting for work for good.
    """

    def watch() -> None:
        while True:
            time.sleep(WATCH_SECONDS)
            try:
                os.kill(service, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, name="service-watch", daemon=True).start()


async def extract_alone(job: Job, seconds: float = EXTRACTION_SECONDS) -> Minutes:
    """Extract in this process, within the budget: for a run that handles one event.

    A GitHub Actions run is a process of its own for one event, with nothing else on its
    event loop to stall; starting a pool there would cost more than reading the file.
    The budget is kept by an alarm signal, so a file that takes too long still ends in
    `ExtractionTimeout` (on the main thread; elsewhere the budget is not enforced).
    """
    if threading.current_thread() is not threading.main_thread():
        return job.run()

    def expire(signum: int, frame: object) -> None:
        raise ExtractionTimeout(job.path, seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return job.run()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_SHARED: ExtractionPool | None = None


def shared_pool() -> ExtractionPool:
    """Return the process's own pool, for entry points that run one job (sync, Actions)."""
    global _SHARED
    if _SHARED is None:
        _SHARED = ExtractionPool()
    return _SHARED
