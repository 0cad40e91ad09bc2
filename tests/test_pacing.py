"""One write pace per installation: in one process, after a restart, across replicas."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.app import pacer_for
from bot.config import ServiceSettings
from bot.pacing import WINDOW_SECONDS, LocalPacer, RedisPacer, wait_for_turn, windows
from bot.queue import Journal
from tests.redis_server import redis_server, redis_url  # noqa: F401 - fixtures


@pytest.mark.parametrize(
    ("times", "now", "wait"),
    [
        pytest.param([], 100.0, 0.0, id="nothing sent"),
        pytest.param([99.0, 99.5], 100.0, 0.0, id="room in both windows"),
        pytest.param([97.0, 98.0, 99.0], 100.0, 7.0, id="a burst of 3 spreads over 10 s"),
        pytest.param([50.0, 91.0, 92.0, 93.0, 94.0], 100.0, 11.0, id="5 in any 61 s"),
        pytest.param([39.0, 80.0, 85.0, 95.0, 96.0], 100.0, 0.0, id="the oldest just left"),
    ],
)
def test_a_write_waits_until_it_fits_every_window(
    times: list[float], now: float, wait: float
) -> None:
    assert wait_for_turn(times, now, [(5, 61.0), (3, 10.0)]) == pytest.approx(wait)


def test_the_service_pace_is_72_in_61_seconds_8_at_a_time() -> None:
    assert windows(72, 8) == ((72, WINDOW_SECONDS), (8, WINDOW_SECONDS * 8 / 72))


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
    limits = [(10, 0.5)]
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
