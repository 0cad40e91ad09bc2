"""Helpers shared by the tests of both work queues."""

from __future__ import annotations

import asyncio

from bot.compat import timeout
from bot.service.queue import Delivery


def comment(id: str, repo: str) -> Delivery:
    return Delivery(id, "issue_comment", {"repository": {"full_name": repo}})


def preview(id: str, repo: str) -> Delivery:
    return Delivery(id, "pull_request", {"action": "opened", "repository": {"full_name": repo}})


class InTurns:
    """Process deliveries whose id starts with `long` in three turns, the rest in one;
    record (id, progress) of each turn, holding the turns named in `hold`."""

    def __init__(self, hold: frozenset[tuple[str, int]] = frozenset()) -> None:
        self.turns: list[tuple[str, int]] = []
        self.hold = hold
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.noted = asyncio.Condition()

    async def __call__(self, delivery: Delivery) -> int | None:
        turn = (delivery.id, delivery.progress)
        if turn in self.hold:
            self.started.set()
            await self.release.wait()
        async with self.noted:
            self.turns.append(turn)
            self.noted.notify_all()
        if delivery.id.startswith("long") and delivery.progress < 2:
            return delivery.progress + 1
        return None

    async def until(self, turn: tuple[str, int]) -> None:
        """Wait until `turn` has been processed."""
        async with timeout(10), self.noted:
            await self.noted.wait_for(lambda: turn in self.turns)
