"""Background work: a restart-safe journal of deliveries and a queue per repository.

A delivery is journaled before the webhook is answered and marked done once handled,
so a crash in between loses nothing: pending deliveries are resumed at start-up. The
delivery id is the journal's primary key, so a redelivered webhook is handled once.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from gidgethub import sansio

from bot.logs import delivery_context

log = logging.getLogger(__name__)

# GitHub lets people redeliver a webhook for up to 7 days; remember ids a while longer.
KEEP_DONE_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery (or an equivalent event from another transport)."""

    id: str
    event: str
    payload: dict[str, Any]

    @property
    def repo(self) -> str:
        """Name the repository the event belongs to, or "" when it has none."""
        repository = self.payload.get("repository") or {}
        return str(repository.get("full_name", ""))

    @property
    def installation_id(self) -> int | None:
        """Return the GitHub App installation that sent the event, if any."""
        installation = self.payload.get("installation") or {}
        return installation.get("id")

    def log_context(self) -> contextlib.AbstractContextManager[None]:
        """Name this delivery, its repository and installation on every log record inside."""
        return delivery_context(self.id, self.event, self.repo or None, self.installation_id)

    def as_event(self) -> sansio.Event:
        """Return the delivery as the event the router dispatches."""
        return sansio.Event(self.payload, event=self.event, delivery_id=self.id)


Process = Callable[[Delivery], Awaitable[None]]


class Queue(Protocol):
    """What the transports need from a work queue; Redis can implement it too."""

    async def submit(self, delivery: Delivery) -> bool:
        """Accept `delivery` for processing; return False if it was seen before."""
        ...

    async def start(self) -> None:
        """Resume deliveries accepted but not finished before the last stop."""
        ...

    async def stop(self) -> None:
        """Stop the workers; unfinished deliveries stay journaled."""
        ...

    async def drain(self) -> None:
        """Wait until every accepted delivery has been processed."""
        ...

    async def problem(self) -> str | None:
        """Say what keeps the queue from accepting deliveries, or None when it can."""
        ...


class Journal:
    """The SQLite record of accepted deliveries and whether each is finished."""

    _SCHEMA = (
        """CREATE TABLE IF NOT EXISTS deliveries (
            id TEXT PRIMARY KEY,
            event TEXT NOT NULL,
            payload TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending',
            received REAL NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS repositories (
            repo TEXT PRIMARY KEY,
            installation INTEGER,
            seen REAL NOT NULL
        )""",
    )

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        # One connection for the life of the journal, used by one thread at a time:
        # opening one per delivery cost more than the write itself.
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        # WAL with synchronous=NORMAL survives the process being killed at any point.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._connect() as db:
            for table in self._SCHEMA:
                db.execute(table)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """Use the connection in one transaction, committed when the block ends."""
        with self._lock, self._db:
            yield self._db

    def add(self, delivery: Delivery) -> bool:
        """Record `delivery` as pending; return False if its id is already known."""
        row = (delivery.id, delivery.event, json.dumps(delivery.payload), time.time())
        with self._connect() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO deliveries (id, event, payload, received)"
                " VALUES (?, ?, ?, ?)",
                row,
            )
            self._remember(db, delivery)
        return cursor.rowcount == 1

    def remember(self, delivery: Delivery) -> None:
        """Note that the delivery's repository (and installation) was heard from now."""
        with self._connect() as db:
            self._remember(db, delivery)

    @staticmethod
    def _remember(db: sqlite3.Connection, delivery: Delivery) -> None:
        if delivery.repo:
            db.execute(
                "INSERT OR REPLACE INTO repositories (repo, installation, seen) VALUES (?, ?, ?)",
                (delivery.repo, delivery.installation_id, time.time()),
            )

    def finish(self, delivery_id: str, state: str = "done") -> None:
        """Mark a delivery as handled (`done`) or given up on (`failed`)."""
        with self._connect() as db:
            db.execute("UPDATE deliveries SET state = ? WHERE id = ?", (state, delivery_id))

    def pending(self) -> list[Delivery]:
        """Return the deliveries accepted but not finished, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, event, payload FROM deliveries WHERE state = 'pending'"
                " ORDER BY received, rowid"
            ).fetchall()
        return [Delivery(id, event, json.loads(payload)) for id, event, payload in rows]

    def state(self, delivery_id: str) -> str | None:
        """Return a delivery's state, or None if it was never accepted."""
        with self._connect() as db:
            row = db.execute("SELECT state FROM deliveries WHERE id = ?", (delivery_id,)).fetchone()
        return row[0] if row else None

    def repositories(self, within: float = KEEP_DONE_SECONDS) -> list[tuple[str, int | None]]:
        """Return (repository, installation) of every repository heard from lately."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT repo, installation FROM repositories WHERE seen >= ? ORDER BY repo",
                (time.time() - within,),
            ).fetchall()
        return [(repo, installation) for repo, installation in rows]

    def check(self) -> None:
        """Raise `sqlite3.Error` unless the journal can be read and written."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # takes the write lock, as accepting would

    def prune(self, older_than: float = KEEP_DONE_SECONDS) -> None:
        """Forget finished deliveries older than `older_than` seconds."""
        with self._connect() as db:
            db.execute(
                "DELETE FROM deliveries WHERE state != 'pending' AND received < ?",
                (time.time() - older_than,),
            )


class EmbeddedQueue:
    """An in-process queue: one worker per repository, repositories in parallel."""

    def __init__(self, journal: Journal, process: Process) -> None:
        self.journal = journal
        self.process = process
        self._queues: dict[str, asyncio.Queue[Delivery]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._running = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._unfinished = 0

    async def submit(self, delivery: Delivery) -> bool:
        """Journal `delivery` and queue it, unless its id was seen before."""
        if not await asyncio.to_thread(self.journal.add, delivery):
            return False
        self._enqueue(delivery)
        return True

    async def start(self) -> None:
        """Queue every delivery left pending by an earlier run."""
        self._running = True
        await asyncio.to_thread(self.journal.prune)
        for delivery in await asyncio.to_thread(self.journal.pending):
            log.info("resuming delivery", extra={"fields": {"delivery": delivery.id}})
            self._enqueue(delivery)

    async def stop(self) -> None:
        """Cancel the workers; what they had not finished is resumed next start."""
        self._running = False
        workers = list(self._workers.values())
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        self._workers.clear()
        self._queues.clear()
        self._unfinished = 0
        self._idle.set()

    async def drain(self) -> None:
        """Wait until every queued delivery has been processed."""
        await self._idle.wait()

    async def problem(self) -> str | None:
        """Say why the journal cannot take deliveries, or None when it can."""
        try:
            await asyncio.to_thread(self.journal.check)
        except sqlite3.Error as error:
            return f"the journal cannot be written: {error}"
        return None

    def _enqueue(self, delivery: Delivery) -> None:
        if not self._running:
            return  # journaled as pending: the next start picks it up
        queue = self._queues.setdefault(delivery.repo, asyncio.Queue())
        queue.put_nowait(delivery)
        self._unfinished += 1
        self._idle.clear()
        if delivery.repo not in self._workers:
            # A fresh context: the worker outlives the request that started it. The task
            # copies the context it is created in (`create_task(context=)` is Python 3.11).
            work = self._work(queue)
            self._workers[delivery.repo] = contextvars.Context().run(asyncio.create_task, work)

    async def _work(self, queue: asyncio.Queue[Delivery]) -> None:
        while True:
            delivery = await queue.get()
            try:
                state = await self._run(delivery)
                await asyncio.to_thread(self.journal.finish, delivery.id, state)
            finally:
                self._unfinished -= 1
                if not self._unfinished:
                    self._idle.set()

    async def _run(self, delivery: Delivery) -> str:
        """Process one delivery; a failure is logged and never stops the worker."""
        with delivery.log_context():
            try:
                await self.process(delivery)
            except Exception:
                log.exception("processing the delivery failed")
                return "failed"
        return "done"
