"""The Redis work queue shared by replicas, against a real redis-server."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.service.queue import Delivery
from bot.service.redis_queue import LOST_DATA, RedisQueue

try:
    from tests.queue_support import InTurns, comment, preview
    from tests.redis_server import redis_server, redis_url
except ModuleNotFoundError:  # run as `pytest` without the repository root on sys.path
    from queue_support import InTurns, comment, preview  # type: ignore[no-redef,import-not-found]
    from redis_server import redis_server, redis_url  # type: ignore[no-redef,import-not-found]  # noqa: F401

# Short enough for a quick takeover, long enough to stay clear of scheduling hiccups.
CLAIM_IDLE_MS = 500
LOCK_TTL_MS = 2000
PATIENCE_SECONDS = 15

MakeQueue = Callable[..., RedisQueue]


def delivery(id: str, repo: str = "acme/minutes") -> Delivery:
    return Delivery(id, "push", {"repository": {"full_name": repo}, "installation": {"id": 7}})


class Recorder:
    """Process deliveries by recording them; hold some until released, fail on `boom`."""

    def __init__(self, hold: frozenset[str] = frozenset()) -> None:
        self.started: list[str] = []
        self.done: list[str] = []
        self.by_repo: dict[str, list[str]] = {}
        self.running: Counter[str] = Counter()
        self.most_at_once: Counter[str] = Counter()
        self.release = asyncio.Event()
        self.hold = hold

    async def __call__(self, delivery: Delivery) -> None:
        self.started.append(delivery.id)
        self.running[delivery.repo] += 1
        self.most_at_once[delivery.repo] = max(
            self.most_at_once[delivery.repo], self.running[delivery.repo]
        )
        try:
            await asyncio.sleep(0.001)  # let other jobs interleave if they can
            if delivery.id in self.hold:
                await self.release.wait()
            if delivery.id.startswith("boom"):
                raise RuntimeError("handler failed")
            if delivery.id.startswith("flaky") and self.started.count(delivery.id) == 1:
                raise RuntimeError("handler failed the first time")
            self.done.append(delivery.id)
            self.by_repo.setdefault(delivery.repo, []).append(delivery.id)
        finally:
            self.running[delivery.repo] -= 1


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Wait until `check` passes; fail after a generous while."""

    async def poll() -> None:
        while True:
            if await check():
                return
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), PATIENCE_SECONDS)


async def drained(queue: RedisQueue) -> None:
    await asyncio.wait_for(queue.drain(), PATIENCE_SECONDS)


@pytest.fixture
async def make_queue(redis_url: str) -> AsyncIterator[MakeQueue]:
    """Build replicas on the test's Redis with short timeouts; stop them all afterwards."""
    queues: list[RedisQueue] = []

    def make(process: Any, name: str, **options: Any) -> RedisQueue:
        timeouts = {"claim_idle_ms": CLAIM_IDLE_MS, "lock_ttl_ms": LOCK_TTL_MS}
        queue = RedisQueue(redis_url, process, consumer_name=name, **(timeouts | options))
        queues.append(queue)
        return queue

    yield make
    for queue in queues:
        await queue.stop()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


@pytest.mark.parametrize(
    ("ids", "accepted", "processed"),
    [
        (["d1", "d1"], [True, False], ["d1"]),
        (["d1", "d2"], [True, True], ["d1", "d2"]),
        (["d1", "D1"], [True, True], ["d1", "D1"]),
        (["d1", "d2", "d1", "d2"], [True, True, False, False], ["d1", "d2"]),
    ],
)
async def test_processes_each_delivery_id_once(
    make_queue: MakeQueue, ids: list[str], accepted: list[bool], processed: list[str]
) -> None:
    recorder = Recorder()
    queue = make_queue(recorder, "solo")
    await queue.start()

    assert [await queue.submit(delivery(id)) for id in ids] == accepted
    await drained(queue)

    assert recorder.done == processed


async def test_two_replicas_process_a_burst_once_each_in_order_one_job_per_repo_at_a_time(
    make_queue: MakeQueue,
) -> None:
    recorder = Recorder()
    # No takeover within the test: every entry must be settled by the replicas' normal work.
    replicas = tuple(make_queue(recorder, name, claim_idle_ms=60_000) for name in ("a", "b"))
    for replica in replicas:
        await replica.start()
    repos = [f"acme/repo-{n}" for n in range(5)]

    async def submit_in_order(repo: str) -> list[bool]:
        accepted = []
        for n in range(40):
            first, other = replicas if n % 2 else replicas[::-1]
            accepted.append(await first.submit(delivery(f"{repo}#{n}", repo)))
            if n % 5 == 0:  # GitHub redelivers it, and the other replica receives it
                accepted.append(await other.submit(delivery(f"{repo}#{n}", repo)))
        return accepted

    accepted = await asyncio.gather(*(submit_in_order(repo) for repo in repos))
    await drained(replicas[0])

    assert [Counter(a) for a in accepted] == [Counter({True: 40, False: 8})] * 5
    assert sorted(recorder.done) == sorted(f"{repo}#{n}" for repo in repos for n in range(40))
    assert recorder.by_repo == {repo: [f"{repo}#{n}" for n in range(40)] for repo in repos}
    assert recorder.most_at_once == Counter({repo: 1 for repo in repos})


async def test_a_concurrent_burst_is_settled_without_waiting_for_a_takeover(
    make_queue: MakeQueue,
) -> None:
    recorder = Recorder()
    replicas = [make_queue(recorder, name, claim_idle_ms=60_000) for name in ("a", "b")]
    for replica in replicas:
        await replica.start()
    bursts = [delivery(f"d{n}", f"acme/repo-{n % 20}") for n in range(400)]

    await asyncio.gather(*(replicas[n % 2].submit(d) for n, d in enumerate(bursts)))
    await drained(replicas[0])

    assert sorted(recorder.done) == sorted(d.id for d in bursts)


async def test_a_failing_delivery_is_logged_and_the_next_one_still_runs(
    make_queue: MakeQueue, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()
    queue = make_queue(recorder, "solo")
    await queue.start()

    for id in ["boom-1", "d2", "d3"]:
        await queue.submit(delivery(id))
    await drained(queue)

    assert recorder.started == ["boom-1", "d2", "d3"]
    assert recorder.done == ["d2", "d3"]
    failures = [r for r in caplog.records if r.getMessage() == "processing the delivery failed"]
    assert len(failures) == 1


async def test_a_delivery_that_failed_once_is_tried_again_by_any_replica(
    make_queue: MakeQueue,
) -> None:
    recorder = Recorder()
    replicas = [make_queue(recorder, name, retry_delays=(0.3,)) for name in ("a", "b")]
    for replica in replicas:
        await replica.start()

    await replicas[0].submit(delivery("flaky-1"))

    async def done() -> bool:
        return "flaky-1" in recorder.done

    await eventually(done)

    assert recorder.started == ["flaky-1", "flaky-1"]


async def test_a_delivery_failing_every_try_is_given_up_after_the_last(
    make_queue: MakeQueue,
) -> None:
    recorder, given_up = Recorder(), []
    queue = make_queue(recorder, "solo", retry_delays=(0.1, 0.1), on_give_up=given_up.append)
    await queue.start()

    await queue.submit(delivery("boom-1"))

    async def gave_up() -> bool:
        return bool(given_up)

    await eventually(gave_up)

    assert recorder.started == ["boom-1"] * 3
    assert [d.id for d in given_up] == ["boom-1"]


async def test_stop_keeps_unfinished_work_and_start_resumes_it_in_order(
    make_queue: MakeQueue,
) -> None:
    recorder = Recorder(hold=frozenset({"d1"}))
    queue = make_queue(recorder, "solo")
    await queue.start()
    await queue.submit(delivery("d1"))
    await queue.submit(delivery("d2"))

    async def d1_started() -> bool:
        return recorder.started == ["d1"]

    await eventually(d1_started)
    await queue.stop()
    assert await queue.submit(delivery("d3"))  # accepted while no worker runs
    recorder.release.set()
    assert recorder.done == []

    await queue.start()
    await drained(queue)

    assert recorder.done == ["d1", "d2", "d3"]


# A replica whose handler hangs on its first delivery; the test kills it with SIGKILL.
DOOMED_REPLICA = f"""
import asyncio, sys
from redis.asyncio import Redis
from bot.service.redis_queue import LOST_DATA, RedisQueue

async def main(url):
    client = Redis.from_url(url, decode_responses=True)

    async def hang(delivery):
        await client.rpush("test:started", delivery.id)
        await asyncio.Event().wait()

    queue = RedisQueue(url, hang, consumer_name="doomed",
                       claim_idle_ms={CLAIM_IDLE_MS}, lock_ttl_ms={LOCK_TTL_MS})
    await queue.start()
    await asyncio.Event().wait()

asyncio.run(main(sys.argv[1]))
"""


async def test_a_killed_replicas_job_is_taken_over_after_the_claim_timeout(
    make_queue: MakeQueue,
    redis: Redis,
    redis_url: str,
) -> None:
    recorder = Recorder()
    survivor = make_queue(recorder, "survivor")
    doomed = await asyncio.create_subprocess_exec(sys.executable, "-c", DOOMED_REPLICA, redis_url)
    try:
        await survivor.submit(delivery("d1"))
        await survivor.submit(delivery("d2"))

        async def doomed_took_d1() -> bool:
            return await redis.lrange("test:started", 0, -1) == ["d1"]

        await eventually(doomed_took_d1)
        await survivor.start()
        # While the hung replica lives, its lock holds past the claim timeout.
        await asyncio.sleep(3 * CLAIM_IDLE_MS / 1000)
        assert recorder.started == []
    finally:
        doomed.kill()
        await doomed.wait()

    await drained(survivor)

    assert recorder.done == ["d1", "d2"]


@pytest.mark.parametrize(
    ("first", "second", "second_allowed"),
    [
        (("acme/a", "2025-W03"), ("acme/a", "2025-W03"), False),
        (("acme/a", "2025-W03"), ("acme/a", "2025-W04"), True),
        (("acme/a", "2025-W03"), ("acme/b", "2025-W03"), True),
    ],
)
async def test_once_per_week_allows_one_caller_per_repository_and_week(
    make_queue: MakeQueue,
    first: tuple[str, str],
    second: tuple[str, str],
    second_allowed: bool,
) -> None:
    replicas = make_queue(Recorder(), "replica-a"), make_queue(Recorder(), "replica-b")

    calls = [replicas[n % 2].once_per_week(*first) for n in range(20)]
    allowed = await asyncio.gather(*calls)

    assert allowed.count(True) == 1
    assert await replicas[1].once_per_week(*second) is second_allowed
    assert await replicas[0].once_per_week(*first) is False


async def test_trimming_drops_finished_entries_and_keeps_unfinished_ones(
    make_queue: MakeQueue, redis: Redis
) -> None:
    recorder = Recorder(hold=frozenset({"held"}))
    queue = make_queue(recorder, "solo")
    await queue.start()
    for n in range(30):
        await queue.submit(delivery(f"early-{n}", "acme/busy"))
    await queue.submit(delivery("held", "acme/slow"))
    for n in range(10):
        await queue.submit(delivery(f"late-{n}", "acme/busy"))

    async def trimmed_up_to_held() -> bool:
        return await redis.xlen("minutes-bot:deliveries") == 11

    await eventually(trimmed_up_to_held)
    recorder.release.set()
    await drained(queue)

    async def trimmed_all() -> bool:
        return await redis.xlen("minutes-bot:deliveries") <= 1

    await eventually(trimmed_all)
    assert "held" in recorder.done
    assert len(recorder.done) == 41


async def test_a_redis_that_lost_its_data_gets_its_group_again_and_the_next_deliveries_run(
    make_queue: MakeQueue, redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()
    queue = make_queue(recorder, "solo")
    await queue.start()
    assert await queue.submit(delivery("before"))
    await drained(queue)

    await redis.flushall()  # what a restart without persistence leaves
    assert await queue.submit(delivery("after"))

    await eventually(lambda: asyncio.sleep(0, "after" in recorder.done))
    assert recorder.done == ["before", "after"]
    assert queue.recoveries == 1
    assert [r.message for r in caplog.records if r.levelname == "ERROR"] == [LOST_DATA]
    assert await queue.problem() is None


# -- commands ahead of pushes, long pushes in turns ------------------------------------


async def test_commands_and_previews_go_between_the_turns_of_a_push_and_later_pushes_wait(
    make_queue: MakeQueue,
) -> None:
    process = InTurns(hold=frozenset({("long", 0)}))
    queue = make_queue(process, "solo")
    await queue.start()
    await queue.submit(delivery("long"))
    await asyncio.wait_for(process.started.wait(), PATIENCE_SECONDS)
    for job in (delivery("later-push"), comment("c1", "acme/minutes"), preview("c2", "acme/minutes")):
        await queue.submit(job)
    process.release.set()
    await drained(queue)

    assert process.turns == [
        ("long", 0), ("c1", 0), ("c2", 0), ("long", 1), ("long", 2), ("later-push", 0)
    ]  # fmt: skip


async def test_a_replica_that_dies_between_turns_has_the_rest_taken_over(
    make_queue: MakeQueue, redis: Redis
) -> None:
    dying = InTurns(hold=frozenset({("long", 1)}))
    first = make_queue(dying, "dying")
    await first.start()
    await first.submit(delivery("long"))
    await asyncio.wait_for(dying.started.wait(), PATIENCE_SECONDS)
    await first.stop()  # as if killed: the entry stays pending, its progress noted
    assert list((await redis.hgetall("minutes-bot:progress")).values()) == ["1"]

    taking_over = InTurns()
    second = make_queue(taking_over, "survivor")
    await second.start()
    await taking_over.until(("long", 2))
    await drained(second)
    assert dying.turns == [("long", 0)]
    assert taking_over.turns == [("long", 1), ("long", 2)]
    assert await redis.hgetall("minutes-bot:progress") == {}
