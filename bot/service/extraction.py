"""Extract action items in worker processes, each file within a time budget.

Extraction is plain Python over text anybody with push access wrote. On the event
loop, a file that takes long (or a pattern that goes quadratic on odd input) would
stop the webhook, `/healthz` and every other repository until it finished; in a
thread it would still hold the interpreter, and it could not be stopped. So it runs in
a few worker processes, and a file that takes longer than the budget has its worker
killed.

A worker is a fresh interpreter that imports the extractor and nothing else
(`extraction_worker`), spoken to over a pipe: it holds about 25 MB, none of it the web
service's, and no other process runs beside the workers. A worker that
dies (killed, or out of memory) takes only its own file with it: that file is tried
once more on a new worker, and `unavailable` says so when that failed too. Workers
start in isolated mode, with the folder that holds the installed package first on
their path: a `bot/` where the service was started must not be what they import.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, cast

from bot.compat import timeout
from bot.minutes.job import EXTRACTION_SECONDS, ExtractionTimeout, Job
from bot.minutes.model import Minutes
from bot.service.extraction_worker import receive, send

log = logging.getLogger(__name__)

# Workers are replaced now and then, so whatever their files left in memory is given back.
TASKS_PER_WORKER = 100
WARM_UP = "# Warm-up 2024-12-18\n\n## Action items\n\n- [ ] @octocat: look at #1 by Friday\n"
# The folder the installed `bot` package is in, which is all a worker needs on its path.
PACKAGE_FOLDER = str(Path(__file__).resolve().parent.parent.parent)
WORKER = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from bot.service.extraction_worker import serve; serve(float(sys.argv[2]))"
)
# A worker with no file for this long ends, and its memory with it: minutes come in
# bursts (a push, a sync), days apart, and a new worker starts in a fraction of a second.
WORKER_IDLE_SECONDS = 60.0
# The pool stops handing out an idle worker this long (at most a quarter of the idle
# time) before the worker would end by itself, so no file goes to a worker that is leaving.
IDLE_MARGIN_SECONDS = 5.0


class WorkerDied(Exception):
    """A worker process ended while it read a file (killed, or out of memory)."""


class Worker:
    """One worker process and its channel; its calls block, so they run in a thread."""

    def __init__(self, idle_seconds: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", WORKER, PACKAGE_FOLDER, str(idle_seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # A worker is its own process group: a Ctrl-C meant for the service is the
            # service's to pass on, not each worker's to die of mid-file.
            start_new_session=True,
        )
        self.files = 0
        # True from sending a file until its answer is read.
        self.busy = False
        # When the worker last answered, on the monotonic clock.
        self.idle_since = time.monotonic()

    def extract(self, job: Job) -> Minutes:
        """Have the worker read `job`; raise what extraction raised, or `WorkerDied`."""
        self.busy = True
        try:
            send(cast(IO[bytes], self.process.stdin), job)
            ok, answer = cast(tuple[bool, object], receive(cast(IO[bytes], self.process.stdout)))
        except (EOFError, OSError, ValueError) as error:
            raise WorkerDied(f"worker {self.process.pid} ended: {self.exit_status()}") from error
        self.busy = False
        self.idle_since = time.monotonic()
        self.files += 1
        if ok:
            return cast(Minutes, answer)
        raise cast(Exception, answer)

    def exit_status(self) -> str:
        code = self.process.poll()
        if code is None:
            return "still running"
        return f"killed by signal {-code}" if code < 0 else f"exit status {code}"

    def kill(self) -> None:
        """End the worker at once; reaped in the background, so nobody waits for it."""
        if self.process.poll() is None:
            self.process.kill()
        threading.Thread(target=self._reap, name="worker-reap", daemon=True).start()

    def retire(self) -> None:
        """Close the worker's input: it ends when it has read it, its file done."""
        threading.Thread(target=self._reap, name="worker-reap", daemon=True).start()

    def _reap(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class ExtractionPool:
    """Worker processes that extract minutes, at most `workers` files at a time."""

    def __init__(
        self,
        workers: int | None = None,
        seconds: float = EXTRACTION_SECONDS,
        idle_seconds: float = WORKER_IDLE_SECONDS,
    ) -> None:
        self.workers = workers or min(2, os.cpu_count() or 1)
        self.seconds = seconds
        self.idle_seconds = idle_seconds
        self._idle: list[Worker] = []
        self._all: set[Worker] = set()
        self._slots: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None
        # Why the last file could not be read at all, for `/healthz`; None once one is.
        self.unavailable: str | None = None

    async def __call__(self, job: Job) -> Minutes:
        """Extract the job's file; raise `ExtractionTimeout` when it takes over the budget."""
        # A file waits for a free worker first, so only its own work counts against it.
        async with self._free_worker():
            try:
                minutes = await self._run(job)
            except WorkerDied as error:
                log.warning("an extraction worker died; a new one reads the file again",
                            extra={"fields": {"path": job.path, "problem": str(error)}})
                try:
                    minutes = await self._run(job)
                except WorkerDied as again:
                    self.unavailable = f"extraction workers keep dying: {again}"
                    raise
            self.unavailable = None
            return minutes

    async def _run(self, job: Job) -> Minutes:
        worker = self._idle_worker() or await self._started_worker()
        loop = asyncio.get_running_loop()
        try:
            async with timeout(self.seconds):
                minutes = await loop.run_in_executor(None, worker.extract, job)
        except asyncio.TimeoutError:  # on Python 3.10 not yet the built-in TimeoutError
            log.warning(
                "extraction over budget; its worker is stopped", extra={"fields": {"path": job.path}}
            )
            self._drop(worker)
            raise ExtractionTimeout(job.path, self.seconds) from None
        except BaseException:
            # A worker that answered (extraction raised) is fine; one that died, or whose
            # file was cancelled with the answer still to come, is not.
            if worker.busy:
                self._drop(worker)
            else:
                self._give_back(worker)
            raise
        self._give_back(worker)
        return minutes

    def _idle_worker(self) -> Worker | None:
        """Return a worker waiting for a file, letting go of those about to end by themselves."""
        while self._idle:
            worker = self._idle.pop()
            if self._staying(worker):
                return worker
            self._all.discard(worker)
            worker.retire()
        return None

    def _staying(self, worker: Worker) -> bool:
        if worker.process.poll() is not None:
            return False
        if not self.idle_seconds:  # workers that never end by themselves
            return True
        margin = min(IDLE_MARGIN_SECONDS, self.idle_seconds / 4)
        return time.monotonic() - worker.idle_since < self.idle_seconds - margin

    async def _started_worker(self) -> Worker:
        """Start a worker and have it read a small file, so the first real one is quick.

        Starting one (a fresh interpreter imports the extractor) can take seconds on a
        busy machine: that is no file's time, so it happens before any budget starts.
        """
        loop = asyncio.get_running_loop()
        worker = await loop.run_in_executor(None, Worker, self.idle_seconds)
        self._all.add(worker)
        try:
            await loop.run_in_executor(None, worker.extract, Job(WARM_UP, "warm-up.md"))
        except BaseException:
            self._drop(worker)
            raise
        return worker

    def _give_back(self, worker: Worker) -> None:
        if worker.files > TASKS_PER_WORKER:
            self._all.discard(worker)
            worker.retire()
        else:
            self._idle.append(worker)

    def _drop(self, worker: Worker) -> None:
        self._all.discard(worker)
        worker.kill()

    async def warm_up(self) -> None:
        """Start the workers and have each read a small file, so the first real one is quick."""
        missing = self.workers - len(self._all)
        self._idle += await asyncio.gather(*(self._started_worker() for _ in range(missing)))

    def pids(self) -> list[int]:
        """The process ids of the running workers, busy or idle."""
        return sorted(worker.process.pid for worker in self._all)

    def _free_worker(self) -> asyncio.Semaphore:
        """Return the semaphore of free workers, one per event loop (tests run several)."""
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots[0] is not loop:
            self._slots = (loop, asyncio.Semaphore(self.workers))
        return self._slots[1]

    def close(self) -> None:
        """Stop the workers, busy or not; a later file starts new ones."""
        for worker in list(self._all):
            worker.kill()
        self._all.clear()
        self._idle.clear()


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
