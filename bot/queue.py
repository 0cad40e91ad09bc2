"""Background work: a restart-safe journal of deliveries and a queue per repository.

A delivery is made durable before the webhook is answered (in an intake file, moved
into the SQLite journal in groups by `bot.intake`) and marked done once handled, so a
crash in between loses nothing: pending deliveries are resumed at start-up. The
delivery id is the journal's primary key, so a redelivered webhook is handled once.
A delivery whose processing fails is tried again after `RETRY_DELAYS`, then given up.

Each repository's deliveries are processed one at a time. Commands and pull-request
previews (`FIRST_EVENTS`) go ahead of the rest, among themselves in order; the rest,
pushes above all, stay in the order they were accepted. A long delivery (a push of many
minutes files) may be done in turns: after each turn the journal notes how far it got,
the repository's waiting commands and previews run, and the next turn resumes where the
last stopped, ahead of the repository's later pushes. A crash between turns loses
nothing: the delivery is still pending, with its progress.
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
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from gidgethub import sansio

from bot.intake import Intake, JournalWriter, read_frames
from bot.logs import delivery_context

log = logging.getLogger(__name__)

# GitHub lets people redeliver a webhook for up to 7 days; remember ids a while longer.
KEEP_DONE_SECONDS = 30 * 24 * 3600
# Waits before the second, third and fourth try of a delivery that failed; then it is
# given up (GitHub outages and rate limits rarely outlast half an hour).
RETRY_DELAYS = (60.0, 300.0, 1800.0)
# Ids of this many recent deliveries are kept in memory, so a redelivery is answered at
# once; an older one is recognised when it reaches the journal, and not processed again.
RECENT_IDS = 50_000
# How often a running service forgets finished deliveries older than KEEP_DONE_SECONDS.
PRUNE_SECONDS = 6 * 3600.0
# Events a person waits on (a command, a preview on a pull request): they go ahead of a
# repository's pushes. What they change, the pushes keep: a closed item stays closed, and
# owners and dates set by commands are in the item's marker; and a command's issue exists
# before anyone can comment on it.
FIRST_EVENTS = frozenset({"issue_comment", "pull_request"})


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery (or an equivalent event from another transport).

    `attempts` counts the tries that failed so far; `not_before` is when the next may
    start (seconds since the epoch; 0 for at once); `progress` is how many steps (a
    push's minutes files) earlier turns finished.
    """

    id: str
    event: str
    payload: dict[str, Any]
    attempts: int = 0
    not_before: float = 0.0
    progress: int = 0

    @property
    def goes_first(self) -> bool:
        """Tell whether the delivery goes ahead of its repository's pushes."""
        return self.event in FIRST_EVENTS

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


# Processes a delivery; returns None once it is done, or the progress the next turn
# starts from when it stopped after a turn.
Process = Callable[[Delivery], Awaitable["int | None"]]


@dataclass(frozen=True)
class Outcome:
    """How a try of a delivery went: it `failed`, or it is done unless `rest` is left."""

    failed: bool = False
    rest: Delivery | None = None


class Queue(Protocol):
    """What the transports need from a work queue; Redis can implement it too."""

    async def submit(self, delivery: Delivery, body: bytes | None = None) -> bool:
        """Accept `delivery` (`body`: its JSON as received) for processing; return False
        if it was seen before."""
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
            received REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            retry_at REAL NOT NULL DEFAULT 0,
            progress INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE IF NOT EXISTS repositories (
            repo TEXT PRIMARY KEY,
            installation INTEGER,
            seen REAL NOT NULL
        )""",
        # When writes to GitHub went out, so a restarted process keeps to the same pace.
        """CREATE TABLE IF NOT EXISTS writes (
            installation TEXT NOT NULL,
            at REAL NOT NULL
        )""",
    )

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        # One connection for the life of the journal, used by one thread at a time:
        # opening one per delivery cost more than the write itself.
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        # WAL with synchronous=FULL syncs each commit to disk: what the webhook accepted
        # outlives a crash of the machine, not only of the process. Commits come in
        # batches (`intake.GROUP_SECONDS`), so the sync is paid once per batch.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        with self._connect() as db:
            for table in self._SCHEMA:
                db.execute(table)
            self._add_columns(db)

    @staticmethod
    def _add_columns(db: sqlite3.Connection) -> None:
        """Give a journal that an earlier version wrote the columns this one reads."""
        columns = {row[1] for row in db.execute("PRAGMA table_info(deliveries)")}
        added = (("attempts", "INTEGER"), ("retry_at", "REAL"), ("progress", "INTEGER"))
        for column, kind in added:
            if column not in columns:
                db.execute(f"ALTER TABLE deliveries ADD COLUMN {column} {kind} NOT NULL DEFAULT 0")

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """Use the connection in one transaction, committed when the block ends."""
        with self._lock, self._db:
            yield self._db

    def add(self, delivery: Delivery) -> bool:
        """Record `delivery` as pending; return False if its id is already known."""
        return bool(self.apply([(delivery, json.dumps(delivery.payload).encode())]))

    def apply(
        self,
        added: Sequence[tuple[Delivery, bytes]],
        finished: Sequence[tuple[str, str]] = (),
        retried: Sequence[tuple[str, int, float]] = (),
        progressed: Sequence[tuple[str, int]] = (),
    ) -> list[Delivery]:
        """In one transaction: record deliveries (with their JSON bodies) as pending, mark
        some finished, note retries and how far long ones got; return the deliveries whose
        ids were new."""
        now = time.time()
        with self._connect() as db:
            new = [delivery for delivery, body in added if self._insert(db, delivery, body, now)]
            db.executemany("UPDATE deliveries SET state = ? WHERE id = ?", [(s, i) for i, s in finished])
            db.executemany(
                "UPDATE deliveries SET attempts = ?, retry_at = ? WHERE id = ?",
                [(attempts, at, i) for i, attempts, at in retried],
            )
            # A turn that worked starts the count of failed tries afresh.
            db.executemany(
                "UPDATE deliveries SET progress = ?, attempts = 0 WHERE id = ?",
                [(progress, i) for i, progress in progressed],
            )
            for delivery in {d.repo: d for d in new if d.repo}.values():
                self._remember(db, delivery)
        return new

    @staticmethod
    def _insert(db: sqlite3.Connection, delivery: Delivery, body: bytes, now: float) -> bool:
        payload = body.decode("utf-8", errors="replace")
        cursor = db.execute(
            "INSERT OR IGNORE INTO deliveries (id, event, payload, received) VALUES (?, ?, ?, ?)",
            (delivery.id, delivery.event, payload, now),
        )
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

    def pending(self) -> list[Delivery]:
        """Return the deliveries accepted but not finished, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, event, payload, attempts, retry_at, progress FROM deliveries"
                " WHERE state = 'pending' ORDER BY received, rowid"
            ).fetchall()
        return [Delivery(i, e, json.loads(p), *rest) for i, e, p, *rest in rows]

    def recent_ids(self, most: int) -> list[str]:
        """Return the ids of the `most` deliveries accepted last, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT id FROM deliveries ORDER BY received DESC, rowid DESC LIMIT ?", (most,)
            ).fetchall()
        return [row[0] for row in reversed(rows)]

    def state(self, delivery_id: str) -> str | None:
        """Return a delivery's state, or None if it was never accepted."""
        with self._connect() as db:
            row = db.execute("SELECT state FROM deliveries WHERE id = ?", (delivery_id,)).fetchone()
        return row[0] if row else None

    def repositories(self, within: float = KEEP_DONE_SECONDS) -> list[tuple[str, int | None]]:
        """Return (repository, installation) of every repository heard from lately."""
        query = "SELECT repo, installation FROM repositories WHERE seen >= ? ORDER BY repo"
        return [(repo, installation) for repo, installation in self._rows(query, within)]

    def note_write(self, key: str, at: float, keep: float = 3600.0) -> None:
        """Log a write to GitHub for `key`; forget those older than `keep` seconds."""
        with self._connect() as db:
            db.execute("INSERT INTO writes (installation, at) VALUES (?, ?)", (key, at))
            db.execute("DELETE FROM writes WHERE at < ?", (at - keep,))

    def recent_writes(self, within: float) -> list[tuple[str, float]]:
        """Return (key, when) of the writes logged in the last `within` seconds."""
        query = "SELECT installation, at FROM writes WHERE at >= ? ORDER BY at"
        return [(key, at) for key, at in self._rows(query, within)]

    def _rows(self, query: str, within: float) -> list[Any]:
        """Run `query` for the rows of the last `within` seconds."""
        with self._connect() as db:
            return db.execute(query, (time.time() - within,)).fetchall()

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


class Lanes:
    """One repository's waiting deliveries: those that go first, then the rest in order."""

    def __init__(self) -> None:
        self._first: deque[Delivery] = deque()
        self._rest: deque[Delivery] = deque()
        self._waiting = asyncio.Event()

    def put(self, delivery: Delivery) -> None:
        """Queue `delivery` behind the others of its lane."""
        self._lane(delivery).append(delivery)
        self._waiting.set()

    def resume(self, delivery: Delivery) -> None:
        """Queue the next turn of `delivery` at the head of its lane: a push's next turn
        waits for commands and previews, never for a later push."""
        self._lane(delivery).appendleft(delivery)
        self._waiting.set()

    async def get(self) -> Delivery:
        """Return the next delivery to process, once there is one."""
        while not (self._first or self._rest):
            self._waiting.clear()
            await self._waiting.wait()
        return (self._first or self._rest).popleft()

    def _lane(self, delivery: Delivery) -> deque[Delivery]:
        return self._first if delivery.goes_first else self._rest


class EmbeddedQueue:
    """An in-process queue: one worker per repository, repositories in parallel.

    `retry_delays` (by default `RETRY_DELAYS`) are the waits before each further try of
    a delivery that failed; once they are used up the delivery is given up, logged and
    passed to `on_give_up`.
    """

    def __init__(
        self,
        journal: Journal,
        process: Process,
        *,
        retry_delays: Sequence[float] | None = None,
        on_give_up: Callable[[Delivery], None] = lambda delivery: None,
    ) -> None:
        self.journal = journal
        self.process = process
        self.retry_delays = tuple(RETRY_DELAYS if retry_delays is None else retry_delays)
        self.on_give_up = on_give_up
        self._queues: dict[str, Lanes] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._retries: set[asyncio.TimerHandle] = set()
        self._known: OrderedDict[str, None] = OrderedDict()  # recent ids, oldest first
        self._writer: JournalWriter | None = None
        self._running = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._unfinished = 0  # accepted (or due again) and not yet processed
        self._before_start = 0  # accepted while stopped, so journaled for the next start
        self._pruning: asyncio.Task[None] | None = None

    @property
    def depth(self) -> int:
        """Count the deliveries accepted (or due again) and not yet processed."""
        return self._unfinished + self._before_start

    async def submit(self, delivery: Delivery, body: bytes | None = None) -> bool:
        """Make `delivery` durable and queue it, unless its id was seen lately."""
        if delivery.id in self._known:
            return False
        if self._writer is None:  # not started: journal it for the next start
            added = await asyncio.to_thread(self.journal.add, delivery)
            self._before_start += added
            return added
        self._note_id(delivery.id)
        self._count(+1)
        loop = asyncio.get_running_loop()
        committed: asyncio.Future[None] = loop.create_future()

        def synced() -> None:  # in the writer's thread
            loop.call_soon_threadsafe(_settle, committed)

        self._writer.accept(delivery, body or json.dumps(delivery.payload).encode(), synced)
        # Answered once its batch is synced to disk: at most GROUP_SECONDS and one sync later.
        await committed
        return True

    async def start(self) -> None:
        """Journal what the last run left in intake files; queue every pending delivery."""
        self._running = True
        loop = asyncio.get_running_loop()
        intake = await asyncio.to_thread(self._recovered_intake)
        await asyncio.to_thread(self.journal.prune)
        self._pruning = asyncio.create_task(self._prune_now_and_then())
        self._known = OrderedDict.fromkeys(
            await asyncio.to_thread(self.journal.recent_ids, RECENT_IDS)
        )

        def added(new: list[Delivery], accepted: int) -> None:
            loop.call_soon_threadsafe(self._journaled, new, accepted)

        self._writer = JournalWriter(self.journal, intake, added)
        self._writer.start()
        self._before_start = 0  # they are pending now, and counted below
        for delivery in await asyncio.to_thread(self.journal.pending):
            log.info("resuming delivery", extra={"fields": {"delivery": delivery.id}})
            self._count(+1)
            self._schedule(delivery)

    async def stop(self) -> None:
        """Cancel the workers; what they had not finished is resumed next start."""
        self._running = False
        if self._pruning is not None:
            self._pruning.cancel()
            self._pruning = None
        workers = list(self._workers.values())
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        for retry in self._retries:
            retry.cancel()
        if self._writer is not None:
            await asyncio.to_thread(self._writer.stop)
            self._writer = None
        self._workers.clear()
        self._queues.clear()
        self._retries.clear()
        self._unfinished = 0
        self._idle.set()

    async def _prune_now_and_then(self) -> None:
        """Forget old finished deliveries every PRUNE_SECONDS, not only at start."""
        while True:
            await asyncio.sleep(PRUNE_SECONDS)
            try:
                await asyncio.to_thread(self.journal.prune)
            except sqlite3.Error:
                log.exception("pruning the journal failed; it is tried again later")

    async def drain(self) -> None:
        """Wait until every delivery due has been processed (not those waiting to retry)
        and the journal says so."""
        while True:
            await self._idle.wait()
            if self._writer is None:
                return
            await asyncio.to_thread(self._writer.flush)
            if self._idle.is_set():
                return

    async def problem(self) -> str | None:
        """Say why the journal cannot take deliveries, or None when it can."""
        try:
            await asyncio.to_thread(self.journal.check)
        except sqlite3.Error as error:
            return f"the journal cannot be written: {error}"
        return None

    def _recovered_intake(self) -> Intake:
        """Journal the deliveries of intake files an earlier run left; open a new one."""
        intake = Intake(self.journal.path)
        for path in intake.leftovers():
            frames = [(Delivery(i, e, json.loads(body)), body) for i, e, body in read_frames(path)]
            log.info("journaling %d deliveries an earlier run left", len(frames))
            self.journal.apply(frames)
            path.unlink()
        return intake

    def _note_id(self, delivery_id: str) -> None:
        self._known[delivery_id] = None
        if len(self._known) > RECENT_IDS:
            # A plain dict would scan the holes its deletions left: OrderedDict does not.
            self._known.popitem(last=False)

    def _count(self, change: int) -> None:
        self._unfinished += change
        if self._unfinished:
            self._idle.clear()
        else:
            self._idle.set()

    def _journaled(self, new: list[Delivery], accepted: int) -> None:
        """Queue the deliveries a commit added; the rest of `accepted` were redeliveries."""
        self._count(len(new) - accepted)
        for delivery in new:
            self._enqueue(delivery)

    def _schedule(self, delivery: Delivery) -> None:
        """Queue `delivery` now, or when its next try is due."""
        wait = delivery.not_before - time.time()
        if wait <= 0:
            self._enqueue(delivery)
            return
        self._count(-1)  # waiting to retry: not due, so drain does not wait for it

        def due() -> None:
            self._retries.discard(handle)
            self._count(+1)
            self._enqueue(delivery)

        handle = asyncio.get_running_loop().call_later(wait, due)
        self._retries.add(handle)

    def _enqueue(self, delivery: Delivery) -> None:
        if not self._running:
            return  # journaled as pending: the next start picks it up
        lanes = self._queues.setdefault(delivery.repo, Lanes())
        lanes.put(delivery)
        if delivery.repo not in self._workers:
            # A fresh context: the worker outlives the request that started it. The task
            # copies the context it is created in (`create_task(context=)` is Python 3.11).
            work = self._work(lanes)
            self._workers[delivery.repo] = contextvars.Context().run(asyncio.create_task, work)

    async def _work(self, lanes: Lanes) -> None:
        while True:
            delivery = await lanes.get()
            try:
                outcome = await self._run(delivery)
                if outcome.failed:
                    self._failed(delivery)
                elif outcome.rest is not None:
                    self._next_turn(lanes, outcome.rest)
                else:
                    self._finish(delivery, "done")
            finally:
                self._count(-1)
            # Deliveries come in groups from the journal: let the webhook answer in between.
            await asyncio.sleep(0)

    def _next_turn(self, lanes: Lanes, rest: Delivery) -> None:
        """Journal how far `rest` got and queue its next turn; it stays pending till done."""
        self._count(+1)  # balances the worker's count: it is not finished
        if self._writer is not None:
            self._writer.progress(rest.id, rest.progress)
        lanes.resume(rest)

    def _finish(self, delivery: Delivery, state: str) -> None:
        if self._writer is not None:
            self._writer.finish(delivery.id, state)

    def _failed(self, delivery: Delivery) -> None:
        """Try a failed delivery again later, or give it up once its tries are used up."""
        if delivery.attempts >= len(self.retry_delays):
            log.error(
                "gave up on the delivery after %d tries",
                delivery.attempts + 1,
                extra={"fields": {"delivery": delivery.id}},
            )
            self._finish(delivery, "failed")
            self.on_give_up(delivery)
            return
        at = time.time() + self.retry_delays[delivery.attempts]
        again = replace(delivery, attempts=delivery.attempts + 1, not_before=at)
        if self._writer is not None:
            self._writer.retry(delivery.id, again.attempts, at)
        self._count(+1)  # balanced by the scheduling: it is not due yet
        self._schedule(again)

    async def _run(self, delivery: Delivery) -> Outcome:
        return await run_logged(self.process, delivery, log)


async def run_logged(process: Process, delivery: Delivery, logger: logging.Logger) -> Outcome:
    """Process one delivery (or its next turn); say how it went. A failure never stops the
    worker: it is logged, with the delivery's fields, on the queue's own logger."""
    with delivery.log_context():
        try:
            progress = await process(delivery)
        except Exception:
            logger.exception("processing the delivery failed")
            return Outcome(failed=True)
    # A turn that got no further would come back for ever: such a delivery is done.
    if progress is None or progress <= delivery.progress:
        return Outcome()
    return Outcome(rest=replace(delivery, attempts=0, not_before=0.0, progress=progress))


def _settle(committed: asyncio.Future[None]) -> None:
    """Let the submit waiting on `committed` return (unless it was given up meanwhile)."""
    if not committed.done():
        committed.set_result(None)
