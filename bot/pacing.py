"""Keep each installation's writes under GitHub's limit on content creation.

GitHub refuses content-creating requests beyond about 80 a minute per account, and an
installation's writes may come from several replicas and from one process after
another. So writes take turns from one log per installation of when the last ones
went out: at most `per_minute` in any 61 seconds (a second's margin for clocks), and
at most `burst` in any stretch of `burst / per_minute` minutes, so they spread out.

`LocalPacer` keeps the log in memory, optionally written through to the journal so a
restarted process knows what its predecessor sent; `RedisPacer` keeps it in Redis, on
Redis's clock, for every replica at once.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Protocol

from redis.asyncio import Redis

# GitHub counts a minute; the log counts a little longer, for clocks that differ.
WINDOW_SECONDS = 61.0

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
Window = tuple[int, float]  # at most this many writes in any this many seconds


class WritePacer(Protocol):
    """Decide when the next write of an installation may go out."""

    async def turn(self, key: str) -> None:
        """Wait until one more write for `key` fits the limits, and count it."""
        ...


def windows(per_minute: float, burst: int) -> tuple[Window, ...]:
    """Return the windows a pace of `per_minute` with bursts of `burst` keeps to."""
    return ((int(per_minute), WINDOW_SECONDS), (burst, WINDOW_SECONDS * burst / per_minute))


def wait_for_turn(times: Sequence[float], now: float, limits: Iterable[Window]) -> float:
    """Return how long from `now` until one more write fits every window, 0 if it does now.

    `times` are the moments of earlier writes, oldest first.
    """
    wait = 0.0
    for count, seconds in limits:
        recent = [at for at in times if at > now - seconds]
        if len(recent) >= count:
            wait = max(wait, recent[-count] + seconds - now)
    return wait


class LocalPacer:
    """The write log of one process; `record` (if given) keeps it beyond the process."""

    def __init__(
        self,
        limits: Sequence[Window],
        *,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        history: Iterable[tuple[str, float]] = (),
        record: Callable[[str, float], Awaitable[None]] | None = None,
    ) -> None:
        self.limits = tuple(limits)
        self._clock = clock
        self._sleep = sleep
        self._record = record
        self._longest = max(seconds for _, seconds in self.limits)
        self._log: dict[str, deque[float]] = {}
        for key, at in sorted(history, key=lambda entry: entry[1]):
            self._log.setdefault(key, deque()).append(at)
        self._turns: dict[str, asyncio.Lock] = {}

    async def turn(self, key: str) -> None:
        """Wait until one more write for `key` fits, then log it (and record it)."""
        async with self._turns.setdefault(key, asyncio.Lock()):
            log = self._log.setdefault(key, deque())
            while True:
                now = self._clock()
                while log and log[0] <= now - self._longest:
                    log.popleft()
                wait = wait_for_turn(log, now, self.limits)
                if wait <= 0:
                    break
                await self._sleep(wait)
            log.append(now)
            if self._record is not None:
                await self._record(key, now)


# Trim the log to the longest window, find the wait each window imposes and, when there
# is none, log this write: all on Redis's clock, so replicas on other hosts agree.
# ARGV: the member naming this write, then (count, window in ms) pairs.
_TURN = """
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local longest = 0
for i = 2, #ARGV, 2 do longest = math.max(longest, tonumber(ARGV[i + 1])) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms - longest)
local wait = 0
for i = 2, #ARGV, 2 do
    local count, window = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
    local since = '(' .. (ms - window)
    local recent = redis.call('ZCOUNT', KEYS[1], since, '+inf')
    if recent >= count then
        local oldest = redis.call('ZRANGEBYSCORE', KEYS[1], since, '+inf', 'WITHSCORES',
            'LIMIT', recent - count, 1)
        wait = math.max(wait, tonumber(oldest[2]) + window - ms)
    end
end
if wait > 0 then return wait end
redis.call('ZADD', KEYS[1], ms, ARGV[1])
redis.call('PEXPIRE', KEYS[1], longest + 1000)
return 0
"""


class RedisPacer:
    """The write log in Redis: one pace per installation for every replica sharing it."""

    def __init__(
        self,
        redis: Redis,
        limits: Sequence[Window],
        *,
        prefix: str = "minutes-bot",
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.redis = redis
        self.limits = tuple(limits)
        self.prefix = prefix
        self._sleep = sleep
        self._script = redis.register_script(_TURN)
        # Each write is its own member of the log, whichever replica sends it.
        self._names = (f"{uuid.uuid4().hex}-{n}" for n in itertools.count())

    async def aclose(self) -> None:
        """Close the connections to Redis."""
        await self.redis.aclose()

    async def turn(self, key: str) -> None:
        """Wait until one more write for `key` fits, counting it in Redis."""
        limits = [str(n) for count, seconds in self.limits for n in (count, int(seconds * 1000))]
        keys, args = [f"{self.prefix}:writes:{key}"], [next(self._names), *limits]
        while wait := int(await self._script(keys=keys, args=args)):
            await self._sleep(wait / 1000)
