"""The work queue shared by several replicas through Redis.

Keys, all under one prefix (`minutes-bot` by default):

- `<prefix>:deliveries`, a Stream read by the consumer group `workers`: one entry per
  accepted delivery (id, event, repo, payload JSON). An entry is acknowledged only once
  its delivery has been processed, so an entry left pending by a replica that died is
  taken over by another replica (`XAUTOCLAIM`) after `claim_idle_ms`.
- `<prefix>:order:<repo>`, a List of the stream ids of the repository's unfinished
  deliveries, oldest first. It is what keeps one repository's deliveries in order.
- `<prefix>:first:<repo>`, the same for its commands and previews (`queue.FIRST_EVENTS`),
  which go ahead of the deliveries in `order`.
- `<prefix>:progress`, a Hash: how far each delivery done in turns (a push of many
  minutes files) got, by stream id. Between turns the delivery stays at the head of its
  list, so its next turn comes after the waiting commands and before any later push.
- `<prefix>:lock:<repo>`, the repository's lock: whoever holds it processes the head of
  the repository's list, then the next, until the list is empty. It expires after
  `lock_ttl_ms` unless refreshed, so a dead holder blocks nobody for long.
- `<prefix>:delivery:<id>`, remembers a delivery id for `dedup_ttl_s`.
- `<prefix>:retry`, a Sorted Set of deliveries whose processing failed, scored by when
  their next try is due (Redis's own clock, in ms); each replica moves those due back
  into the stream, behind their repository's other deliveries.
- `<prefix>:once:<key>`, the guards taken by `once` (the weekly status, for instance).

Guarantees: a delivery is in Redis when `submit` returns (as durable as the server's
persistence settings make it). For one repository, deliveries are processed one at a
time across all replicas, commands and previews first, each lane in the order their
`submit` calls completed. A delivery whose
processing raised is tried again after each of `retry_delays`, then given up (logged
and passed to `on_give_up`). A delivery whose replica died mid-job is
processed again from the start, before any later delivery of its repository
(at-least-once, which the handlers tolerate because they are idempotent). The one way
to break these is a holder stalled for longer than `lock_ttl_ms` (a frozen process or a
partition), after which another replica may process the same delivery concurrently.

A Redis that lost its data (restarted empty, flushed) has no stream and no group, and
every read fails with `NOGROUP`: the first replica to see it makes them again, logs
what happened, and submits again the deliveries it had read and not yet processed;
what only Redis held is gone, and `minutes-bot sync` heals the issues it would have
changed.

The keys of one repository are not in one hash slot: this needs a single Redis server
(with replicas if you like), not Redis Cluster.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError, ResponseError

from bot.compat import timeout
from bot.service import queue
from bot.service.queue import Delivery, Process

log = logging.getLogger(__name__)

# GitHub lets people redeliver a webhook for up to 7 days; remember ids a while longer.
DEDUP_TTL_SECONDS = 30 * 24 * 3600
WEEKLY_GUARD_SECONDS = 14 * 24 * 3600
GROUP = "workers"
RETRY_SECONDS = 1.0
# How often each replica looks for parked deliveries whose next try is due.
RETRY_POLL_SECONDS = 1.0
# A health check that waits longer than this says Redis is down.
PING_SECONDS = 2.0
CLAIM_BATCH = 100
# What Redis answers once the stream is gone: no group to read with, or a read that was
# waiting when the key went away.
LOST_SIGNS = ("NOGROUP", "UNBLOCKED")
LOST_DATA = (
    "Redis has lost the delivery stream (restarted empty or flushed?): made it again; "
    "deliveries only Redis held are lost, run `minutes-bot sync` for their repositories"
)
MAX_CONNECTIONS = 50

# Remember the id, append the entry and queue it behind its repository, all or nothing.
_SUBMIT = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return false end
local entry = redis.call('XADD', KEYS[2], '*',
    'id', ARGV[2], 'event', ARGV[3], 'repo', ARGV[4], 'payload', ARGV[5])
redis.call('RPUSH', KEYS[3], entry)
return entry
"""

# Hand the lock holder the repository's next delivery (commands and previews first) with
# its progress, or give the lock up when there is none: checking and releasing at once
# means a delivery queued while someone else held the lock is never left behind.
# KEYS: lock, order, stream, first, progress.
_NEXT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'lost'} end
local head = redis.call('LINDEX', KEYS[4], 0)
if not head then head = redis.call('LINDEX', KEYS[2], 0) end
if not head then
    redis.call('DEL', KEYS[1])
    return {'released'}
end
local progress = redis.call('HGET', KEYS[5], head) or '0'
local found = redis.call('XRANGE', KEYS[3], head, head)
if #found == 0 then return {'next', head, {}, progress} end
return {'next', head, found[1][2], progress}
"""

# Take a processed delivery off its repository's list and acknowledge it together, then
# hand over the next as `_NEXT` does: one round trip between two deliveries, not two.
# KEYS: lock, order, stream, first, progress; ARGV: token, group, the processed entry.
_FINISH_NEXT = """
if redis.call('LINDEX', KEYS[4], 0) == ARGV[3] then
    redis.call('LPOP', KEYS[4])
elseif redis.call('LINDEX', KEYS[2], 0) == ARGV[3] then
    redis.call('LPOP', KEYS[2])
end
redis.call('HDEL', KEYS[5], ARGV[3])
redis.call('XACK', KEYS[3], ARGV[2], ARGV[3])
""" + _NEXT

# Acknowledge an entry read after its delivery was processed: XACK is a no-op for an
# entry nobody has read yet, so the holder that processed it could not acknowledge it.
# KEYS: order, stream, first.
_SETTLE = """
if redis.call('LPOS', KEYS[1], ARGV[2]) or redis.call('LPOS', KEYS[3], ARGV[2]) then
    return 0
end
return redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])
"""

# Park a failed delivery until its next try: ARGV = the entry as JSON, delay in ms.
_RETRY_LATER = """
local now = redis.call('TIME')
local due = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) + tonumber(ARGV[2])
return redis.call('ZADD', KEYS[1], due, ARGV[1])
"""

# Move the parked deliveries that are due back into the stream, each behind its
# repository's others of its lane. ARGV: the prefixes of the `order` and `first` lists.
_RETRY_DUE = """
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ms, 'LIMIT', 0, 100)
for _, member in ipairs(due) do
    local d = cjson.decode(member)
    local entry = redis.call('XADD', KEYS[2], '*', 'id', d.id, 'event', d.event,
        'repo', d.repo, 'payload', d.payload, 'attempts', d.attempts,
        'progress', d.progress or '0')
    local lane = ARGV[1]
    if d.first == '1' then lane = ARGV[2] end
    redis.call('RPUSH', lane .. d.repo, entry)
    redis.call('ZREM', KEYS[1], member)
end
return #due
"""

_REFRESH = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
"""


def default_consumer_name() -> str:
    """Name this replica after its host and process."""
    return f"{socket.gethostname()}-{os.getpid()}"


def connect(url: str) -> Redis:
    """Open a client whose callers wait for a free connection rather than fail in a burst."""
    pool = BlockingConnectionPool.from_url(
        url, decode_responses=True, max_connections=MAX_CONNECTIONS
    )
    return Redis.from_pool(pool)


def _stopping() -> bool:
    """Say whether this task was cancelled, even if a library swallowed the cancellation."""
    # Python 3.10 has no `Task.cancelling`; there `stop` cancels again until the task ends.
    cancelling = getattr(asyncio.current_task(), "cancelling", None)
    return cancelling is not None and cancelling() > 0


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _stream_id(value: Any) -> tuple[int, int]:
    millis, _, sequence = _text(value).partition("-")
    return int(millis), int(sequence or 0)


def _fields(raw: Any) -> dict[str, str]:
    """Turn an entry's fields, as a mapping or a flat list, into a dict of text."""
    if isinstance(raw, dict):
        return {_text(k): _text(v) for k, v in raw.items()}
    items = list(raw or [])
    return {_text(k): _text(v) for k, v in zip(items[::2], items[1::2], strict=True)}


def _delivery(fields: dict[str, str], progress: int = 0) -> Delivery:
    """Read an entry's delivery; `progress` is what the progress hash holds for the entry
    (a parked delivery carries its own in `fields`)."""
    attempts = int(fields.get("attempts") or 0)
    carried = int(fields.get("progress") or 0)
    if progress > carried:  # a turn worked since the entry was made: its failures are past
        attempts, carried = 0, progress
    payload = json.loads(fields["payload"])
    return Delivery(fields["id"], fields["event"], payload, attempts, progress=carried)


class RedisQueue:
    """A work queue in Redis that any number of replicas share; see the module doc."""

    def __init__(
        self,
        redis: str | Redis,
        process: Process,
        *,
        consumer_name: str | None = None,
        prefix: str = "minutes-bot",
        workers: int = 4,
        claim_idle_ms: int = 60_000,
        lock_ttl_ms: int = 30_000,
        dedup_ttl_s: int = DEDUP_TTL_SECONDS,
        retry_delays: Sequence[float] | None = None,
        on_give_up: Callable[[Delivery], None] = lambda delivery: None,
    ) -> None:
        self._owns_client = isinstance(redis, str)
        self.redis = connect(redis) if isinstance(redis, str) else redis
        self.process = process
        self.consumer = consumer_name or default_consumer_name()
        self.prefix = prefix
        self.stream = f"{prefix}:deliveries"
        self.workers = workers
        self.claim_idle_ms = claim_idle_ms
        self.lock_ttl_ms = lock_ttl_ms
        self.dedup_ttl_s = dedup_ttl_s
        self.retry_delays = tuple(queue.RETRY_DELAYS if retry_delays is None else retry_delays)
        self.on_give_up = on_give_up
        self.retries = f"{prefix}:retry"
        self.progress = f"{prefix}:progress"
        self._submit = self.redis.register_script(_SUBMIT)
        self._next = self.redis.register_script(_NEXT)
        self._finish_next = self.redis.register_script(_FINISH_NEXT)
        self._settle = self.redis.register_script(_SETTLE)
        self._refresh = self.redis.register_script(_REFRESH)
        self._release = self.redis.register_script(_RELEASE)
        self._retry_later = self.redis.register_script(_RETRY_LATER)
        self._retry_due = self.redis.register_script(_RETRY_DUE)
        self._inbox: asyncio.Queue[tuple[str, dict[str, str]]] = asyncio.Queue(workers)
        self._tasks: list[asyncio.Task[None]] = []
        # How many times this replica found Redis without the stream's group and made it.
        self.recoveries = 0

    def _key(self, kind: str, name: str) -> str:
        return f"{self.prefix}:{kind}:{name}"

    def _lane(self, delivery: Delivery, repo: str) -> str:
        """Name the list of `repo` where `delivery` waits (`repo` "" for the prefix)."""
        return self._key("first" if delivery.goes_first else "order", repo)

    async def submit(self, delivery: Delivery, body: bytes | None = None) -> bool:
        """Store `delivery` in Redis, unless its id was seen before; then return False."""
        payload = body.decode("utf-8", errors="replace") if body else json.dumps(delivery.payload)
        entry = await self._submit(
            keys=[
                self._key("delivery", delivery.id),
                self.stream,
                self._lane(delivery, delivery.repo),
            ],
            args=[
                self.dedup_ttl_s,
                delivery.id,
                delivery.event,
                delivery.repo,
                payload,
            ],
        )
        return entry is not None

    async def start(self) -> None:
        """Join the consumer group and start the workers; resume this replica's pending work."""
        await self._join_group()
        self._inbox = asyncio.Queue(self.workers)
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self.workers)]
        self._tasks.append(asyncio.create_task(self._read()))
        self._tasks.append(asyncio.create_task(self._reclaim()))
        self._tasks.append(asyncio.create_task(self._retry_when_due()))

    async def _join_group(self) -> bool:
        """Make the stream and its consumer group unless they exist; say whether it did."""
        try:
            # From id 0, so deliveries submitted before any replica started are read too.
            await self.redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise
            return False
        return True

    async def _recover(self, error: RedisError) -> bool:
        """Make the group again when `error` says Redis lost it; say whether it did say so."""
        if not any(sign in str(error) for sign in LOST_SIGNS):
            return False
        try:
            made = await self._join_group()
        except RedisError:
            log.exception("making the delivery stream again failed")
            await asyncio.sleep(RETRY_SECONDS)
            return True
        if made:
            self.recoveries += 1
            log.error(LOST_DATA)
            await self._submit_again()
        return True

    async def _submit_again(self) -> None:
        """Submit again the deliveries read from the lost stream and not yet processed."""
        held = []
        while not self._inbox.empty():
            held.append(self._inbox.get_nowait()[1])
        for fields in held:
            if "payload" in fields:
                await self.submit(_delivery(fields))
        if held:
            log.warning("submitted %d deliveries again after Redis lost them", len(held))

    async def stop(self) -> None:
        """Cancel the workers; a delivery they had not finished stays pending in Redis."""
        tasks, self._tasks = self._tasks, []
        while tasks:
            for task in tasks:
                task.cancel()
            # redis-py may swallow a cancellation that lands mid-command: insist.
            _, pending = await asyncio.wait(tasks, timeout=0.1)
            tasks = list(pending)
        if self._owns_client:
            await self.redis.connection_pool.disconnect()

    async def drain(self) -> None:
        """Wait until every delivery in the stream has been read and acknowledged."""
        while True:
            if await self._is_drained():
                return
            await asyncio.sleep(0.02)

    async def problem(self) -> str | None:
        """Say why Redis cannot take deliveries, or None when it answers."""
        try:
            async with timeout(PING_SECONDS):
                await self.redis.ping()
        # asyncio.TimeoutError: on Python 3.10 it is not yet the built-in TimeoutError.
        except (RedisError, OSError, asyncio.TimeoutError) as error:
            return f"Redis does not answer: {type(error).__name__}"
        return None

    async def _is_drained(self) -> bool:
        last_added = (await self.redis.xinfo_stream(self.stream))["last-generated-id"]
        group = await self._group_info()
        return group["pending"] == 0 and _stream_id(group["last-delivered-id"]) >= _stream_id(
            last_added
        )

    async def _group_info(self) -> dict[str, Any]:
        groups = await self.redis.xinfo_groups(self.stream)
        return next(g for g in groups if _text(g["name"]) == GROUP)

    async def once(self, key: str, ttl_s: int) -> bool:
        """Return True to exactly one caller per `key` across replicas for `ttl_s` seconds.

        Take the guard right before doing the once-only thing; a caller that gets False
        must skip it.
        """
        return bool(await self.redis.set(self._key("once", key), "1", nx=True, ex=ttl_s))

    async def once_per_week(self, repo: str, week: str) -> bool:
        """Return True to the one caller that may post `repo`'s status for `week` ("2025-W03")."""
        return await self.once(f"weekly-status:{repo}:{week}", WEEKLY_GUARD_SECONDS)

    async def _read(self) -> None:
        """Feed the workers new entries of the stream."""
        while not _stopping():
            try:
                reply = await self.redis.xreadgroup(
                    GROUP, self.consumer, {self.stream: ">"}, count=self.workers, block=1000
                )
            except RedisError as error:
                if not await self._recover(error):
                    log.exception("reading the delivery stream failed")
                    await asyncio.sleep(RETRY_SECONDS)
                continue
            await self._feed(reply)

    async def _feed(self, reply: Any) -> None:
        streams = reply.items() if isinstance(reply, dict) else reply or []
        for _, entries in streams:
            for entry_id, fields in entries:
                await self._inbox.put((_text(entry_id), _fields(fields)))

    async def _reclaim(self) -> None:
        """Resume this replica's pending entries, then keep taking over idle ones."""
        await self._guarded(self._resume_own)
        while not _stopping():
            await self._guarded(self._claim_idle)
            await self._guarded(self._trim)
            await asyncio.sleep(self.claim_idle_ms / 2000)

    async def _retry_when_due(self) -> None:
        """Move parked deliveries back into the stream once their next try is due."""
        while not _stopping():
            await self._guarded(self._move_due)
            await asyncio.sleep(RETRY_POLL_SECONDS)

    async def _move_due(self) -> None:
        lanes = [self._key("order", ""), self._key("first", "")]
        await self._retry_due(keys=[self.retries, self.stream], args=lanes)

    async def _guarded(self, step: Callable[[], Awaitable[None]]) -> None:
        try:
            await step()
        except RedisError as error:
            if not await self._recover(error):
                log.exception("maintaining the delivery stream failed")

    async def _resume_own(self) -> None:
        after = "0"
        while entries := await self._own_pending(after):
            await self._feed([(self.stream, entries)])
            after = _text(entries[-1][0])

    async def _own_pending(self, after: str) -> list[Any]:
        reply = await self.redis.xreadgroup(
            GROUP, self.consumer, {self.stream: after}, count=CLAIM_BATCH
        )
        streams = list(reply.values()) if isinstance(reply, dict) else [e for _, e in reply]
        return [entry for entries in streams for entry in entries]

    async def _claim_idle(self) -> None:
        cursor = "0-0"
        while True:
            cursor, claimed, *_ = await self.redis.xautoclaim(
                self.stream, GROUP, self.consumer, self.claim_idle_ms, cursor, count=CLAIM_BATCH
            )
            await self._feed([(self.stream, claimed)])
            if _stream_id(cursor) == (0, 0):
                return

    async def _trim(self) -> None:
        """Drop entries older than anything still unread or unacknowledged."""
        # Read the last delivered id first: whatever becomes pending afterwards is newer.
        last_delivered = _text((await self._group_info())["last-delivered-id"])
        pending = await self.redis.xpending(self.stream, GROUP)
        oldest = _text(pending["min"]) if pending["pending"] else last_delivered
        keep_from = min(oldest, last_delivered, key=_stream_id)
        await self.redis.xtrim(self.stream, minid=keep_from, approximate=False)

    async def _work(self) -> None:
        """Take entries from the inbox; a Redis failure is logged and never stops the worker."""
        while not _stopping():
            entry_id, fields = await self._inbox.get()
            try:
                await self._wake(entry_id, fields)
            except RedisError:
                log.exception(
                    "handling a stream entry failed", extra={"fields": {"entry": entry_id}}
                )
                await asyncio.sleep(RETRY_SECONDS)

    async def _wake(self, entry_id: str, fields: dict[str, str]) -> None:
        """Process `entry_id`'s repository in order, unless another worker already is."""
        if "repo" not in fields:  # its entry was trimmed away: nothing left to do
            await self.redis.xack(self.stream, GROUP, entry_id)
            return
        lock = self._key("lock", fields["repo"])
        token = f"{self.consumer}:{uuid.uuid4().hex}"
        if not await self.redis.set(lock, token, nx=True, px=self.lock_ttl_ms):
            # The holder processes this entry's delivery before it lets the lock go; if it
            # dies, the entry stays pending here and is taken over after claim_idle_ms.
            order, first = self._key("order", fields["repo"]), self._key("first", fields["repo"])
            await self._settle(keys=[order, self.stream, first], args=[GROUP, entry_id])
            return
        refresher = asyncio.create_task(self._keep_lock(lock, token))
        emptied = False
        try:
            emptied = await self._process_repo(fields["repo"], lock, token)
        finally:
            refresher.cancel()
            if not emptied:  # an emptied list gave the lock up already
                await self._release(keys=[lock], args=[token])
        if emptied:  # the entry's delivery was queued before, so it has been processed
            await self.redis.xack(self.stream, GROUP, entry_id)

    async def _keep_lock(self, lock: str, token: str) -> None:
        while True:
            await asyncio.sleep(self.lock_ttl_ms / 3000)
            try:
                if not await self._refresh(keys=[lock], args=[token, self.lock_ttl_ms]):
                    log.warning("lost the repository lock", extra={"fields": {"lock": lock}})
                    return
            except RedisError:
                log.exception("refreshing the repository lock failed")

    async def _process_repo(self, repo: str, lock: str, token: str) -> bool:
        """Process the repository's deliveries, commands and previews first, each lane
        oldest first; say whether none is left."""
        order, first = self._key("order", repo), self._key("first", repo)
        keys = [lock, order, self.stream, first, self.progress]
        reply = await self._next(keys=keys, args=[token])
        while True:
            if _text(reply[0]) != "next":
                return _text(reply[0]) == "released"
            entry_id, fields = _text(reply[1]), _fields(reply[2])
            if fields:
                delivery = _delivery(fields, int(_text(reply[3])))
                outcome = await self._run(delivery)
                if outcome.rest is not None:  # it stays at the head of its list
                    await self.redis.hset(self.progress, entry_id, str(outcome.rest.progress))
                    reply = await self._next(keys=keys, args=[token])
                    continue
                if outcome.failed:
                    await self._failed(fields, delivery)
            else:
                log.error(
                    "a queued delivery is missing from the stream",
                    extra={"fields": {"entry": entry_id}},
                )
            reply = await self._finish_next(keys=keys, args=[token, GROUP, entry_id])

    async def _run(self, delivery: Delivery) -> queue.Outcome:
        return await queue.run_logged(self.process, delivery, log)

    async def _failed(self, fields: dict[str, str], delivery: Delivery) -> None:
        """Park a failed delivery for its next try, or give it up once its tries are used."""
        attempts = delivery.attempts
        if attempts >= len(self.retry_delays):
            log.error("gave up on the delivery after %d tries", attempts + 1)
            self.on_give_up(delivery)
            return
        parked = json.dumps(
            fields
            | {
                "attempts": str(attempts + 1),
                "progress": str(delivery.progress),
                "first": "1" if delivery.goes_first else "0",
            }
        )
        delay_ms = int(self.retry_delays[attempts] * 1000)
        await self._retry_later(keys=[self.retries], args=[parked, delay_ms])
