"""Background work: a restart-safe journal of deliveries and a queue per repository.

A delivery is made durable before the webhook is answered (in an intake file, moved
into the SQLite journal in groups by `bot.service.intake`) and marked done once handled, so a
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
import contextvars
import json
import logging
import sqlite3
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from bot.service.intake import Intake, JournalWriter, read_frames
from bot.service.journal import Delivery, Journal

log = logging.getLogger(__name__)

# Waits before the second, third and fourth try of a delivery that failed; then it is
# given up (GitHub outages and rate limits rarely outlast half an hour).
RETRY_DELAYS = (60.0, 300.0, 1800.0)
# Ids of this many recent deliveries are kept in memory, so a redelivery is answered at
# once; an older one is recognised when it reaches the journal, and not processed again.
RECENT_IDS = 50_000
# How often a running service forgets finished deliveries older than KEEP_DONE_SECONDS.
PRUNE_SECONDS = 6 * 3600.0


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
        committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._writer.accept(delivery, body or json.dumps(delivery.payload).encode(), committed)
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

        def committed(waiters: list[Any], new: list[Delivery], accepted: int) -> None:
            loop.call_soon_threadsafe(self._journaled, waiters, new, accepted)

        self._writer = JournalWriter(self.journal, intake, committed)
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

    def _journaled(self, waiters: list[Any], new: list[Delivery], accepted: int) -> None:
        """Let the submits of a commit's deliveries return, then queue those it added; the
        rest of `accepted` were redeliveries."""
        for committed in waiters:
            _settle(committed)
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
