"""One write pace per installation: in one process, after a restart, across replicas."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.config.settings import ServiceSettings
from bot.github.pacing import WINDOW_SECONDS, LocalPacer, Pace, RedisPacer, pace, wait_for_turn
from bot.service.app import pacer_for
from bot.service.queue import Journal
from tests.redis_server import redis_server, redis_url  # noqa: F401 - fixtures

# At most 6 writes in any 60 s; 3 at once, then one every 10 s.
SIX_A_MINUTE = Pace(most=6, window=60.0, burst=3)


@pytest.mark.parametrize(
    ("times", "now", "wait"),
    [
        pytest.param([], 100.0, 0.0, id="nothing sent"),
        pytest.param([100.0, 100.0], 100.0, 0.0, id="the burst is not spent"),
        pytest.param([100.0] * 3, 100.0, 10.0, id="a spent burst waits one spacing"),
        pytest.param([100.0] * 3, 105.0, 5.0, id="part of it waited already"),
        pytest.param([100.0, 100.0, 100.0, 110.0], 110.0, 10.0, id="then one every 10 s"),
        pytest.param([50.0, 60.0, 70.0, 80.0, 90.0, 100.0], 100.0, 10.0, id="6 in any 60 s"),
        pytest.param([39.0, 60.0, 70.0, 80.0, 90.0, 100.0], 100.0, 0.0, id="so spaced none waits"),
    ],
)
def test_a_write_waits_for_its_turn(times: list[float], now: float, wait: float) -> None:
    assert wait_for_turn(times, now, SIX_A_MINUTE) == pytest.approx(wait)


@pytest.mark.parametrize("count", [1, 8, 9, 72, 73, 200])
def test_no_61_seconds_hold_more_than_72_however_writes_come(count: int) -> None:
    times: list[float] = []
    now = 0.0
    for _ in range(count):
        now += wait_for_turn(times, now, pace(72, 8))
        times.append(now)

    busiest = max(sum(1 for at in times if start <= at < start + 61) for start in times)
    assert busiest <= 72
    assert times[min(count, 8) - 1] == 0.0  # the first 8 at once


def test_the_service_pace_is_72_in_61_seconds_8_at_a_time() -> None:
    assert pace(72, 8) == Pace(most=72, window=WINDOW_SECONDS, burst=8)


async def test_a_restarted_process_keeps_to_the_pace_its_predecessor_set(
    tmp_path: Path,
) -> None:
    """The last process sent 72 writes 30 s ago and stopped: the next one must wait."""
    journal = Journal(tmp_path / "journal.sqlite3")
    for _ in range(72):
        journal.note_write("installation-1", time.time() - 30)
    settings = ServiceSettings(webhook_secret="s", token="t", writes_per_minute=72)

    pacer = pacer_for(settings, Journal(journal.path))
    assert isinstance(pacer, LocalPacer)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        raise asyncio.CancelledError  # one wait is all this test needs to see

    pacer._sleep = sleep
    with pytest.raises(asyncio.CancelledError):
        await pacer.turn("installation-1")
    await pacer.turn("installation-2")  # another installation has its own pace

    assert slept == [pytest.approx(31, abs=1)]


async def test_writes_are_logged_for_the_next_process(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    settings = ServiceSettings(webhook_secret="s", token="t", writes_per_minute=72)
    pacer = pacer_for(settings, journal)
    assert pacer is not None

    for _ in range(3):
        await pacer.turn("installation-1")

    assert [key for key, _ in journal.recent_writes(60)] == ["installation-1"] * 3


async def test_replicas_sharing_redis_keep_one_pace_per_installation(
    redis_url: str,  # noqa: F811 - the fixture
) -> None:
    """Two replicas, two repositories of one installation: 10 writes in any 0.5 s, together."""
    limits = Pace(most=10, window=0.5, burst=10)
    clients = [Redis.from_url(redis_url) for _ in range(2)]
    replicas = [RedisPacer(client, limits) for client in clients]
    moments: list[float] = []

    async def write(replica: RedisPacer, count: int) -> None:
        for _ in range(count):
            await replica.turn("installation-1")
            moments.append(time.monotonic())

    try:
        await asyncio.gather(*(write(replica, 20) for replica in replicas))
    finally:
        for replica in replicas:
            await replica.aclose()

    moments.sort()
    busiest = max(sum(1 for m in moments if start <= m < start + 0.45) for start in moments)
    assert busiest <= 10
    assert moments[-1] - moments[0] >= 1.4  # 40 writes at 10 per 0.5 s take 1.5 s
