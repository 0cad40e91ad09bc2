"""Accept deliveries durably in a few microseconds; commit them to the journal in groups.

The webhook may answer 202 only once a delivery would survive the process dying, but
it must not wait for SQLite, nor hand each delivery to a thread (a thread that wakes
for every delivery fights the event loop for the interpreter). So an accepted delivery
is appended to an intake file, with one write. A writer thread moves whatever has
arrived into the SQLite journal, many deliveries to a transaction, together with the
deliveries finished meanwhile, and then deletes the intake file it has moved. At start,
intake files left behind (the process died before their commit) are moved first.

Intake files are `<journal>-intake.<n>`, each a run of frames: two big-endian 32-bit
lengths, then the delivery's id and event as JSON, then its body as received.
"""

from __future__ import annotations

import json
import logging
import os
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.queue import Delivery, Journal

log = logging.getLogger(__name__)

FRAME = struct.Struct(">II")
# How often the writer commits what has gathered. It is not woken for each delivery:
# waking a thread at every request costs the event loop more than the write itself.
GROUP_SECONDS = 0.05


class Intake:
    """The append-only files of deliveries not yet committed to the journal."""

    def __init__(self, journal_path: str | Path) -> None:
        self.prefix = f"{journal_path}-intake"
        self._generation = max((n for n, _ in self._files()), default=0) + 1
        self._fd = self._open(self._generation)

    def append(self, delivery: Delivery, body: bytes) -> None:
        """Write `delivery` to the current file: once this returns the operating system has
        it, so it outlives the process (as a journal commit does, with synchronous=NORMAL)."""
        meta = json.dumps([delivery.id, delivery.event]).encode()
        view = memoryview(FRAME.pack(len(meta), len(body)) + meta + body)
        while view:
            view = view[os.write(self._fd, view) :]

    def rotate(self) -> Path:
        """Start a new file; return the finished one, whose deliveries the caller commits."""
        finished = self.close()
        self._generation += 1
        self._fd = self._open(self._generation)
        return finished

    def close(self) -> Path:
        """Close the current file and return it."""
        os.close(self._fd)
        return Path(f"{self.prefix}.{self._generation}")

    def leftovers(self) -> list[Path]:
        """Return the intake files earlier runs left, oldest first."""
        return [path for n, path in self._files() if n != self._generation]

    def _files(self) -> list[tuple[int, Path]]:
        """Return the intake files on disk with their generations, oldest first."""
        folder, name = os.path.split(self.prefix)
        found = []
        for path in Path(folder or ".").glob(f"{name}.*"):
            suffix = path.name.rsplit(".", 1)[1]
            if suffix.isdigit():
                found.append((int(suffix), path))
        return sorted(found)

    def _open(self, generation: int) -> int:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
        return os.open(f"{self.prefix}.{generation}", flags, 0o600)


def read_frames(path: Path) -> Iterator[tuple[str, str, bytes]]:
    """Yield (id, event, body) of each whole frame; a frame cut short by a crash ends it."""
    data = path.read_bytes()
    at = 0
    while at + FRAME.size <= len(data):
        meta_size, body_size = FRAME.unpack_from(data, at)
        end = at + FRAME.size + meta_size + body_size
        if end > len(data):
            return  # written when the process died, so never acknowledged
        meta = data[at + FRAME.size : at + FRAME.size + meta_size]
        delivery_id, event = json.loads(meta)
        yield delivery_id, event, data[end - body_size : end]
        at = end


@dataclass
class Batch:
    """Journal operations gathered for one transaction."""

    added: list[tuple[Delivery, bytes]]
    finished: list[tuple[str, str]]
    retried: list[tuple[str, int, float]]


class JournalWriter:
    """The one thread that writes the journal, many operations to a transaction.

    `on_added` is called in the writer's thread after each commit with the deliveries
    it added (redeliveries of known ids left out) and how many were accepted, so the
    caller may start processing them.
    """

    def __init__(
        self, journal: Journal, intake: Intake, on_added: Callable[[list[Delivery], int], None]
    ) -> None:
        self.journal = journal
        self.intake = intake
        self.on_added = on_added
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._committed = threading.Condition(self._lock)
        self._batch = Batch([], [], [])
        self._taken = self._done = 0  # batches taken for a commit, and committed
        self._stopping = False
        self._thread: threading.Thread | None = None

    def accept(self, delivery: Delivery, body: bytes) -> None:
        """Make `delivery` durable now (in the intake file) and journal it soon."""
        with self._lock:
            self.intake.append(delivery, body)
            self._batch.added.append((delivery, body))

    def finish(self, delivery_id: str, state: str) -> None:
        """Journal soon that a delivery is `done` or `failed`."""
        with self._lock:
            self._batch.finished.append((delivery_id, state))

    def retry(self, delivery_id: str, attempts: int, at: float) -> None:
        """Journal soon that a delivery failed `attempts` times and is tried again at `at`."""
        with self._lock:
            self._batch.retried.append((delivery_id, attempts, at))

    def flush(self) -> None:
        """Wait until everything asked of the writer so far is committed."""
        with self._lock:
            target = self._taken + (1 if self._pending() else 0)
            self._wake.notify()
            self._committed.wait_for(lambda: self._done >= target or self._thread is None)

    def start(self) -> None:
        """Start the thread."""
        self._thread = threading.Thread(target=self._run, name="journal-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Commit everything accepted so far and stop the thread."""
        with self._lock:
            self._stopping = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            batch, self._batch = self._batch, Batch([], [], [])
            self._taken += 1
            last = self.intake.close()
        self._commit((batch, last))
        self._thread = None

    def _run(self) -> None:
        while True:
            with self._lock:
                self._wake.wait(GROUP_SECONDS)  # woken early only to flush or stop
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
        return bool(batch.added or batch.finished or batch.retried)

    def _take(self) -> tuple[Batch, Path]:
        """Swap in an empty batch and a new intake file; both old ones hold the same."""
        with self._lock:
            batch, self._batch = self._batch, Batch([], [], [])
            self._taken += 1
            return batch, self.intake.rotate()

    def _commit(self, taken: tuple[Batch, Path]) -> None:
        batch, intake_file = taken
        try:
            added = self.journal.apply(batch.added, batch.finished, batch.retried)
            intake_file.unlink(missing_ok=True)
        finally:
            with self._lock:
                self._done += 1
                self._committed.notify_all()
        if batch.added:
            self.on_added(added, len(batch.added))
