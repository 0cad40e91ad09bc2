"""Accept deliveries durably in a few microseconds; commit them to the journal in groups.

The webhook may answer 202 only once a delivery would survive the machine crashing, but
it must not run SQLite on the event loop, nor hand each delivery to a thread (a thread
that wakes for every delivery fights the event loop for the interpreter). So an accepted
delivery is appended to an intake file, with one write, and waits for the writer thread,
which moves whatever has arrived into the SQLite journal, many deliveries to a
transaction synced to disk, together with the deliveries finished meanwhile; the first
delivery of a batch wakes it, so one sync serves every delivery that came meanwhile, and
the event loop hears of a commit once, not once per delivery. Every few seconds it starts
a new intake file and deletes the old one once its deliveries are committed. At start,
intake files left behind are moved into the journal first (a delivery journaled already
is recognised by its id).

Intake files are `<journal>-intake.<n>`, each a run of frames followed by zeros: two
big-endian 32-bit lengths, then the delivery's id and event as JSON, then its body as
received.
"""

from __future__ import annotations

import contextlib
import json
import logging
import mmap
import os
import queue
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.service.journal import Delivery, Journal

log = logging.getLogger(__name__)

FRAME = struct.Struct(">II")
# How often the writer commits what has gathered when nobody waits (finished deliveries).
# It is woken by the first delivery of a batch only, not by each: waking a thread at
# every request costs the event loop more than the write itself.
GROUP_SECONDS = 0.05
# The size of an intake file (bigger when one delivery needs it), and when a new one
# replaces it (the old one is deleted once its deliveries are committed).
FILE_BYTES = 4 * 1024 * 1024
ROTATE_SECONDS = 10.0


class Intake:
    """The files of deliveries not yet committed to the journal, written through memory.

    Each file is mapped into memory at a fixed size, so appending a delivery is a copy,
    not a system call. What is copied into a shared file mapping outlives the process:
    the operating system writes it out even if the process dies the next instant (as a
    journal commit with synchronous=NORMAL does; neither outlives a power cut).
    """

    def __init__(self, journal_path: str | Path) -> None:
        self.prefix = f"{journal_path}-intake"
        # Files replaced early (for a big delivery) whose frames are not committed yet.
        self._finished: list[Path] = []
        self._generation = max((n for n, _ in self._files()), default=0) + 1
        self._fd, self._map = self._mapped(self._generation, FILE_BYTES)
        self._at, self._opened = 0, time.monotonic()

    def append(self, delivery: Delivery, body: bytes) -> None:
        """Copy `delivery` into the current file; it outlives the process once this returns."""
        meta = json.dumps([delivery.id, delivery.event]).encode()
        size = FRAME.size + len(meta) + len(body)
        if self._at + size + FRAME.size > len(self._map):  # leave room for the end mark
            self._finished.append(self._replace(max(FILE_BYTES, 2 * size)))
        at = self._at + FRAME.size
        self._map[at : at + len(meta)] = meta
        self._map[at + len(meta) : at + len(meta) + len(body)] = body
        # The lengths go last: a frame whose copy a crash cut short reads as the end.
        FRAME.pack_into(self._map, self._at, len(meta), len(body))
        self._at += size

    def full(self) -> bool:
        """Tell whether the current file is due for a successor: half used, or open a while.

        Files are not replaced at every commit: creating and deleting files is what
        makes an append wait for the file system.
        """
        age = time.monotonic() - self._opened
        return self._at >= len(self._map) // 2 or age >= ROTATE_SECONDS

    def rotate(self) -> list[Path]:
        """Start a new file; return the finished ones, whose deliveries the caller commits."""
        finished = [*self._finished, self._replace(FILE_BYTES)]
        self._finished = []
        return finished

    def close(self) -> list[Path]:
        """Unmap and close the current file; return it and the others not yet committed."""
        self._map.close()
        os.close(self._fd)
        return [*self._finished, self._path(self._generation)]

    def leftovers(self) -> list[Path]:
        """Return the intake files earlier runs left, oldest first."""
        return [path for n, path in self._files() if n != self._generation]

    def _replace(self, size: int) -> Path:
        """Close the current file and map the next, of `size` bytes; return the closed one."""
        self._map.close()
        os.close(self._fd)
        closed = self._path(self._generation)
        self._generation += 1
        self._fd, self._map = self._mapped(self._generation, size)
        self._at, self._opened = 0, time.monotonic()
        return closed

    def _mapped(self, generation: int, size: int) -> tuple[int, mmap.mmap]:
        """Create the file of `generation`, `size` zero bytes, and map it."""
        fd = os.open(self._path(generation), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        os.ftruncate(fd, size)
        return fd, mmap.mmap(fd, size)

    def _path(self, generation: int) -> Path:
        return Path(f"{self.prefix}.{generation}")

    def _files(self) -> list[tuple[int, Path]]:
        """Return the intake files on disk with their generations, oldest first."""
        folder, name = os.path.split(self.prefix)
        found = []
        for path in Path(folder or ".").glob(f"{name}.*"):
            suffix = path.name.rsplit(".", 1)[1]
            if suffix.isdigit():
                found.append((int(suffix), path))
        return sorted(found)


def read_frames(path: Path) -> Iterator[tuple[str, str, bytes]]:
    """Yield (id, event, body) of each whole frame, up to the zeros after the last."""
    data = path.read_bytes()
    at = 0
    while at + FRAME.size <= len(data):
        meta_size, body_size = FRAME.unpack_from(data, at)
        end = at + FRAME.size + meta_size + body_size
        if meta_size == 0 or end > len(data):
            return  # the end, or a frame whose copy the process did not finish
        meta = data[at + FRAME.size : at + FRAME.size + meta_size]
        delivery_id, event = json.loads(meta)
        yield delivery_id, event, data[end - body_size : end]
        at = end


@dataclass
class Batch:
    """Journal operations gathered for one transaction."""

    added: list[tuple[Delivery, bytes]] = field(default_factory=list)
    # What the callers of `accept` wait on, one for each of `added`.
    waiters: list[Any] = field(default_factory=list)
    finished: list[tuple[str, str]] = field(default_factory=list)
    retried: list[tuple[str, int, float]] = field(default_factory=list)
    progressed: list[tuple[str, int]] = field(default_factory=list)


class JournalWriter:
    """The one thread that writes the journal, many operations to a transaction.

    `on_commit` is called in the writer's thread once after each commit of deliveries,
    with the waiters their `accept` calls gave, the deliveries it added (redeliveries of
    known ids left out) and how many it committed (0 when the commit failed), so the
    caller may answer them and start processing them, with one hop to its thread for all.
    """

    def __init__(
        self,
        journal: Journal,
        intake: Intake,
        on_commit: Callable[[list[Any], list[Delivery], int], None],
    ) -> None:
        self.journal = journal
        self.intake = intake
        self.on_commit = on_commit
        self._lock = threading.Lock()
        # Rung to wake the writer: a put costs the event loop less than a Condition's notify.
        self._doorbell: queue.SimpleQueue[None] = queue.SimpleQueue()
        self._committed = threading.Condition(self._lock)
        self._batch = Batch()
        self._taken = self._done = 0  # batches taken for a commit, and committed
        self._stopping = False
        self._thread: threading.Thread | None = None

    def accept(self, delivery: Delivery, body: bytes, waiter: Any) -> None:
        """Keep `delivery` in the intake file now, and journal it with the next batch.

        `waiter` is handed to `on_commit` once the batch is committed and synced to disk:
        only then does the delivery outlive a crash of the machine.
        """
        with self._lock:
            self.intake.append(delivery, body)
            batch = self._batch
            batch.added.append((delivery, body))
            batch.waiters.append(waiter)
            first = len(batch.added) == 1
        if first:
            # The first delivery of a batch wakes the writer: the webhook waits for the
            # commit, and the deliveries that come while it syncs make the next batch.
            self._doorbell.put(None)

    def finish(self, delivery_id: str, state: str) -> None:
        """Journal soon that a delivery is `done` or `failed`."""
        with self._lock:
            self._batch.finished.append((delivery_id, state))

    def retry(self, delivery_id: str, attempts: int, at: float) -> None:
        """Journal soon that a delivery failed `attempts` times and is tried again at `at`."""
        with self._lock:
            self._batch.retried.append((delivery_id, attempts, at))

    def progress(self, delivery_id: str, progress: int) -> None:
        """Journal soon how far a delivery done in turns got."""
        with self._lock:
            self._batch.progressed.append((delivery_id, progress))

    def flush(self) -> None:
        """Wait until everything asked of the writer so far is committed."""
        with self._lock:
            target = self._taken + (1 if self._pending() else 0)
            self._doorbell.put(None)
            self._committed.wait_for(lambda: self._done >= target or self._thread is None)

    def start(self) -> None:
        """Start the thread."""
        self._thread = threading.Thread(target=self._run, name="journal-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Commit everything accepted so far and stop the thread."""
        with self._lock:
            self._stopping = True
        self._doorbell.put(None)
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            batch, self._batch = self._batch, Batch()
            self._taken += 1
            last = self.intake.close()
        self._commit((batch, last))
        self._thread = None

    def _run(self) -> None:
        while True:
            with self._lock:
                idle = not self._batch.added
            if idle:  # deliveries wait for their commit: go on at once
                with contextlib.suppress(queue.Empty):  # woken early to accept, flush or stop
                    self._doorbell.get(timeout=GROUP_SECONDS)
            with self._lock:
                if self._stopping:
                    return
                if not self._pending():
                    continue
            try:
                self._commit(self._take())
            except Exception:
                log.exception("writing the journal failed; the intake file keeps the deliveries")

    def _pending(self) -> bool:
        batch = self._batch
        return bool(batch.added or batch.finished or batch.retried or batch.progressed)

    def _take(self) -> tuple[Batch, list[Path]]:
        """Swap in an empty batch; now and then a new intake file too, then the old files
        hold nothing the batch does not (earlier frames are committed already)."""
        with self._lock:
            batch, self._batch = self._batch, Batch()
            self._taken += 1
            return batch, self.intake.rotate() if self.intake.full() else []

    def _commit(self, taken: tuple[Batch, list[Path]]) -> None:
        batch, finished_files = taken
        added: list[Delivery] = []
        committed = 0  # none, should the commit fail: their intake file keeps them
        try:
            added = self.journal.apply(
                batch.added, batch.finished, batch.retried, batch.progressed
            )
            committed = len(batch.added)
            for finished in finished_files:
                finished.unlink(missing_ok=True)
        finally:
            with self._lock:
                self._done += 1
                self._committed.notify_all()
            if batch.waiters:
                self.on_commit(batch.waiters, added, committed)
