"""Keep each installation's writes under GitHub's limit on content creation.

GitHub refuses content-creating requests beyond about 80 a minute per account, and an
installation's writes may come from several replicas and from one process after
another. So writes take turns from one log per installation of when the last ones
went out: at most `most` in any `window` seconds (72 in 61: a second's margin for
clocks), and beyond a burst of `burst` at once, spread out at `most` per `window`.

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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # redis-py is loaded only by a service that has Redis configured
    from redis.asyncio import Redis

# GitHub counts a minute; the log counts a little longer, for clocks that differ.
WINDOW_SECONDS = 61.0

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


@dataclass(frozen=True)
class Pace:
    """At most `most` writes in any `window` seconds; more than `burst` at once spread out."""

    most: int
    window: float
    burst: int

    @property
    def spacing(self) -> float:
        """Return the seconds between writes once a burst is spent."""
        return self.window / self.most


class WritePacer(Protocol):
    """Decide when the next write of an installation may go out."""

    async def turn(self, key: str) -> None:
        """Wait until one more write for `key` fits the pace, and count it."""
        ...


def pace(per_minute: float, burst: int) -> Pace:
    """Return the pace of `per_minute` writes, `burst` at once, measured with a margin."""
    return Pace(int(per_minute), WINDOW_SECONDS, burst)


def wait_for_turn(times: Sequence[float], now: float, limits: Pace) -> float:
    """Return how long from `now` until one more write keeps to `limits`; 0 if it does now.

    `times` are the moments of earlier writes, oldest first. As with a bucket of `burst`
    tokens refilled every `spacing` seconds, the write whose `n` predecessors start at
    `times[-n]` must wait until `(n + 1 - burst)` spacings have passed since then.
    """
    recent = [at for at in times if at > now - limits.window]
    wait = 0.0
    if len(recent) >= limits.most:
        wait = recent[-limits.most] + limits.window - now
    for n in range(max(limits.burst, 1), len(recent) + 1):
        wait = max(wait, recent[-n] + (n + 1 - limits.burst) * limits.spacing - now)
    return max(wait, 0.0)


class LocalPacer:
    """The write log of one process; `record` (if given) keeps it beyond the process."""

    def __init__(
        self,
        limits: Pace,
        *,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        history: Iterable[tuple[str, float]] = (),
        record: Callable[[str, float], Awaitable[None]] | None = None,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._sleep = sleep
        self._record = record
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
                while log and log[0] <= now - self.limits.window:
                    log.popleft()
                wait = wait_for_turn(log, now, self.limits)
                if wait <= 0:
                    break
                await self._sleep(wait)
            log.append(now)
            if self._record is not None:
                await self._record(key, now)


# The same rule as `wait_for_turn`, on Redis's clock so replicas on other hosts agree:
# trim the log to the window, find the wait and, when there is none, log this write.
# ARGV: the member naming this write, most, window (ms), burst.
_TURN = """
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local most, window, burst = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local spacing = window / most
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms - window)
local recent = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local count = #recent / 2
local wait = 0
if count >= most then
    wait = tonumber(recent[(count - most) * 2 + 2]) + window - ms
end
for n = math.max(burst, 1), count do
    local at = tonumber(recent[(count - n) * 2 + 2])
    wait = math.max(wait, at + (n + 1 - burst) * spacing - ms)
end
if wait > 0 then return math.ceil(wait) end
redis.call('ZADD', KEYS[1], ms, ARGV[1])
redis.call('PEXPIRE', KEYS[1], window + 1000)
return 0
"""


class RedisPacer:
    """The write log in Redis: one pace per installation for every replica sharing it."""

    def __init__(
        self,
        redis: Redis,
        limits: Pace,
        *,
        prefix: str = "minutes-bot",
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.redis = redis
        self.limits = limits
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
        limits = self.limits
        keys = [f"{self.prefix}:writes:{key}"]
        args: list[str | int] = [
            next(self._names),
            limits.most,
            int(limits.window * 1000),
            limits.burst,
        ]
        while wait := int(await self._script(keys=keys, args=args)):
            await self._sleep(wait / 1000)
