"""The work queue: per-repository order, dedup by delivery id, nothing lost on restart."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.service import queue as queue_module
from bot.service.intake import Intake
from bot.service.queue import Delivery, EmbeddedQueue, Journal
from tests.queue_support import InTurns, comment, preview


def delivery(id: str, repo: str = "octo/minutes") -> Delivery:
    return Delivery(id, "push", {"repository": {"full_name": repo}, "installation": {"id": 7}})


class Recorder:
    """Process deliveries by recording their ids; optionally hold some until released."""

    def __init__(self, hold: frozenset[str] = frozenset()) -> None:
        self.started: list[str] = []
        self.done: list[str] = []
        self.release = asyncio.Event()
        self.hold = hold
        self.progress = asyncio.Condition()

    async def __call__(self, delivery: Delivery) -> None:
        await self._note(self.started, delivery.id)
        if delivery.id in self.hold:
            await self.release.wait()
        if delivery.id.startswith("boom"):
            raise RuntimeError("handler failed")
        if delivery.id.startswith("flaky") and self.started.count(delivery.id) == 1:
            raise RuntimeError("handler failed the first time")
        await self._note(self.done, delivery.id)

    async def _note(self, where: list[str], delivery_id: str) -> None:
        async with self.progress:
            where.append(delivery_id)
            self.progress.notify_all()

    async def until(self, check: Callable[[], bool]) -> None:
        """Wait until `check` holds."""
        async with self.progress:
            await self.progress.wait_for(check)


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal.sqlite3")


async def test_processes_each_delivery_id_once(journal: Journal) -> None:
    recorder = Recorder()
    queue = EmbeddedQueue(journal, recorder)
    await queue.start()
    assert await queue.submit(delivery("d1")) is True
    await queue.drain()
    assert await queue.submit(delivery("d1")) is False
    await queue.drain()
    await queue.stop()
    assert recorder.done == ["d1"]
    assert journal.state("d1") == "done"


async def test_runs_one_repository_in_order_and_others_alongside(journal: Journal) -> None:
    recorder = Recorder(hold=frozenset({"a1"}))
    queue = EmbeddedQueue(journal, recorder)
    await queue.start()
    for job in [delivery("a1", "octo/a"), delivery("a2", "octo/a"), delivery("b1", "octo/b")]:
        await queue.submit(job)
    await recorder.until(lambda: "b1" in recorder.done)
    assert recorder.started == ["a1", "b1"]  # a2 waits for a1; b1 did not
    recorder.release.set()
    await queue.drain()
    await queue.stop()
    assert recorder.done == ["b1", "a1", "a2"]


async def test_resumes_deliveries_accepted_before_a_stop(journal: Journal) -> None:
    first = Recorder(hold=frozenset({"d1"}))
    queue = EmbeddedQueue(journal, first)
    await queue.start()
    await queue.submit(delivery("d1"))
    await queue.submit(delivery("d2"))
    await first.until(lambda: bool(first.started))
    await queue.stop()
    assert first.done == []

    second = Recorder()
    restarted = EmbeddedQueue(Journal(journal.path), second)
    await restarted.start()
    await restarted.drain()
    assert await restarted.submit(delivery("d1")) is False
    await restarted.stop()
    assert second.done == ["d1", "d2"]


async def test_a_failing_delivery_is_marked_failed_and_the_worker_goes_on(
    journal: Journal,
) -> None:
    recorder = Recorder()
    queue = EmbeddedQueue(journal, recorder, retry_delays=())
    await queue.start()
    await queue.submit(delivery("boom-1"))
    await queue.submit(delivery("d2"))
    await queue.drain()
    await queue.stop()
    assert recorder.done == ["d2"]
    assert (journal.state("boom-1"), journal.state("d2")) == ("failed", "done")


async def test_a_delivery_that_failed_once_is_tried_again_and_done(journal: Journal) -> None:
    recorder = Recorder()
    queue = EmbeddedQueue(journal, recorder, retry_delays=(0.05, 0.05))
    await queue.start()
    await queue.submit(delivery("flaky-1"))
    await recorder.until(lambda: "flaky-1" in recorder.done)
    await queue.stop()
    assert recorder.started == ["flaky-1", "flaky-1"]
    assert journal.state("flaky-1") == "done"


async def test_a_delivery_failing_every_try_is_given_up_after_the_last(journal: Journal) -> None:
    recorder, given_up = Recorder(), []
    queue = EmbeddedQueue(journal, recorder, retry_delays=(0.02, 0.04), on_give_up=given_up.append)
    await queue.start()
    await queue.submit(delivery("boom-1"))
    await recorder.until(lambda: recorder.started.count("boom-1") == 3)
    await asyncio.sleep(0.05)
    await queue.stop()
    assert [d.id for d in given_up] == ["boom-1"]
    assert journal.state("boom-1") == "failed"
    assert recorder.started == ["boom-1"] * 3


async def test_a_retry_waiting_at_a_restart_is_made_when_due(journal: Journal) -> None:
    first = Recorder()
    queue = EmbeddedQueue(journal, first, retry_delays=(0.5,))
    await queue.start()
    await queue.submit(delivery("flaky-1"))
    await first.until(lambda: bool(first.started))
    await queue.drain()  # not due yet: drain does not wait for it
    await queue.stop()

    second = Recorder()
    second.started.append("flaky-1")  # the first try, made by the first run
    restarted = EmbeddedQueue(Journal(journal.path), second, retry_delays=(0.5,))
    await restarted.start()
    assert second.done == []
    await second.until(lambda: "flaky-1" in second.done)
    await restarted.stop()
    assert journal.state("flaky-1") == "done"


async def test_deliveries_a_killed_process_left_in_its_intake_are_processed(
    journal: Journal,
) -> None:
    """The process wrote the delivery and answered 202, then died before the commit."""
    left = Intake(journal.path)
    left.append(delivery("d1"), json.dumps(delivery("d1").payload).encode())
    left.close()  # and never committed

    recorder = Recorder()
    queue = EmbeddedQueue(Journal(journal.path), recorder)
    await queue.start()
    await queue.drain()
    await queue.stop()
    assert recorder.done == ["d1"]
    assert journal.state("d1") == "done"
    assert Intake(journal.path).leftovers() == []


async def test_a_redelivery_older_than_those_in_memory_is_still_processed_once(
    journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue_module, "RECENT_IDS", 2)
    recorder = Recorder()
    queue = EmbeddedQueue(journal, recorder)
    await queue.start()
    for id in ("d1", "d2", "d3"):
        await queue.submit(delivery(id))
    await queue.drain()
    assert await queue.submit(delivery("d3")) is False  # remembered: answered as such
    await queue.submit(delivery("d1"))  # forgotten: recognised by the journal
    await queue.drain()
    await queue.stop()
    assert recorder.done == ["d1", "d2", "d3"]


@pytest.mark.parametrize(
    ("payload", "repo", "installation"),
    [
        ({"repository": {"full_name": "o/r"}, "installation": {"id": 3}}, "o/r", 3),
        ({"installation": {"id": 3}}, "", 3),
        ({}, "", None),
    ],
)
def test_delivery_names_its_repository_and_installation(
    payload: dict[str, object], repo: str, installation: int | None
) -> None:
    job = Delivery("d", "push", payload)
    assert (job.repo, job.installation_id) == (repo, installation)


def test_journal_remembers_the_repositories_it_heard_from(journal: Journal) -> None:
    journal.add(delivery("d1", "octo/b"))
    journal.add(delivery("d2", "octo/a"))
    journal.add(Delivery("d3", "installation", {"installation": {"id": 7}}))
    journal.remember(delivery("d4", "octo/c"))
    assert journal.repositories() == [("octo/a", 7), ("octo/b", 7), ("octo/c", 7)]
    assert journal.repositories(within=-1) == []


async def test_an_accepted_delivery_is_committed_to_the_synced_journal_before_submit_returns(
    journal: Journal,
) -> None:
    """A crash of the machine right after the 202 keeps it: the journal commit is synced."""
    recorder = Recorder(hold=frozenset({"d1"}))
    queue = EmbeddedQueue(journal, recorder)
    await queue.start()
    try:
        assert await queue.submit(delivery("d1")) is True
        # Another connection, as a restarted service would open it, sees it at once.
        assert Journal(journal.path).state("d1") == "pending"
    finally:
        recorder.release.set()
        await queue.drain()
        await queue.stop()


async def test_a_running_service_prunes_old_finished_deliveries(
    journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue_module, "PRUNE_SECONDS", 0.05)
    monkeypatch.setattr(Journal.prune, "__defaults__", (0.0,))  # done is old at once
    recorder = Recorder()
    queue = EmbeddedQueue(journal, recorder)
    await queue.start()
    try:
        assert await queue.submit(delivery("d1"))
        await queue.drain()
        assert journal.state("d1") == "done"
        await asyncio.wait_for(until_gone(journal, "d1"), 10)
    finally:
        await queue.stop()


async def until_gone(journal: Journal, delivery_id: str) -> None:
    for _ in range(1_000):
        if journal.state(delivery_id) is None:
            return
        await asyncio.sleep(0.02)


# -- commands ahead of pushes, long pushes in turns ------------------------------------


async def test_commands_and_previews_go_between_the_turns_of_a_push_and_later_pushes_wait(
    journal: Journal,
) -> None:
    process = InTurns(hold=frozenset({("long", 0)}))
    queue = EmbeddedQueue(journal, process)
    await queue.start()
    await queue.submit(delivery("long"))
    await process.started.wait()
    for job in (delivery("later-push"), comment("c1", "octo/minutes"), preview("c2", "octo/minutes")):
        await queue.submit(job)
    # Journaled deliveries are queued in the order of their commits: once a later one of
    # another repository has run, these three wait in line.
    await queue.submit(delivery("elsewhere", "octo/other"))
    await process.until(("elsewhere", 0))
    process.release.set()
    await queue.drain()
    await queue.stop()

    assert [turn for turn in process.turns if turn[0] != "elsewhere"] == [
        ("long", 0), ("c1", 0), ("c2", 0), ("long", 1), ("long", 2), ("later-push", 0)
    ]  # fmt: skip
    assert journal.state("long") == "done"


async def test_a_push_stopped_between_turns_resumes_where_it_stopped(journal: Journal) -> None:
    first = InTurns(hold=frozenset({("long", 1)}))
    queue = EmbeddedQueue(journal, first)
    await queue.start()
    await queue.submit(delivery("long"))
    await first.started.wait()
    await queue.stop()
    assert journal.state("long") == "pending"

    second = InTurns()
    restarted = EmbeddedQueue(Journal(journal.path), second)
    await restarted.start()
    await restarted.drain()
    await restarted.stop()
    assert first.turns == [("long", 0)]
    assert second.turns == [("long", 1), ("long", 2)]
    assert journal.state("long") == "done"

