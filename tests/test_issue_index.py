"""The index of the bot's issues, in SQLite and in Redis: what a push learns from it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from gidgethub import sansio
from redis.asyncio import Redis

from bot.handlers.issue_index import index_issue
from bot.service.issue_index import RedisIndex, SqliteIndex
from bot.tracker.issue_index import FRESH_SECONDS, IndexEntry, IssueIndex, entry_of
from bot.tracker.marker import ItemMarker, MeetingMarker, format_marker, wrap_owned

try:
    from tests.redis_server import redis_server, redis_url
except ModuleNotFoundError:  # run as `pytest` without the repository root on sys.path
    from redis_server import redis_server, redis_url  # type: ignore[no-redef,import-not-found]  # noqa: F401

REPO = "acme/minutes"
FILE = "meetings/2024-12-18.md"
ITEM = IndexEntry(7, FILE, "abc", "item", "open", ("action-item", "meeting/2024-12-18"))
MEETING = IndexEntry(6, FILE, "", "meeting", "open", ("meeting/2024-12-18",))
OTHER = IndexEntry(3, "meetings/2024-12-11.md", "def", "item", "closed", ("action-item",))


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "redis"])
async def index(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[IssueIndex]:
    if request.param == "sqlite":
        sqlite = SqliteIndex(tmp_path / "journal.sqlite3")
        yield sqlite
        sqlite.close()
    else:
        redis = RedisIndex(Redis.from_url(request.getfixturevalue("redis_url")))
        yield redis
        await redis.aclose()


async def test_an_index_never_built_says_nothing(index: IssueIndex) -> None:
    await index.note(REPO, [ITEM])  # a write alone does not make it complete
    assert await index.of_file(REPO, FILE) is None


async def test_a_rebuilt_index_gives_each_file_its_issues(index: IssueIndex) -> None:
    await index.rebuild(REPO, [ITEM, MEETING, OTHER])
    assert await index.of_file(REPO, FILE) == [MEETING, ITEM]
    assert await index.of_file(REPO, "meetings/none.md") == []
    assert await index.of_file("acme/other", FILE) is None


async def test_notes_replace_entries_and_drops_forget_them(index: IssueIndex) -> None:
    await index.rebuild(REPO, [ITEM, OTHER])
    closed = IndexEntry(7, FILE, "abc", "item", "closed", ITEM.labels)
    await index.note(REPO, [closed, MEETING])
    assert await index.of_file(REPO, FILE) == [MEETING, closed]
    await index.drop(REPO, [7])
    assert await index.of_file(REPO, FILE) == [MEETING]


async def test_a_rebuild_forgets_what_the_listing_no_longer_shows(index: IssueIndex) -> None:
    await index.rebuild(REPO, [ITEM, OTHER])
    await index.rebuild(REPO, [OTHER])
    assert await index.of_file(REPO, FILE) == []


async def test_an_index_older_than_a_day_is_stale(tmp_path: Path) -> None:
    clock = Clock()
    index = SqliteIndex(tmp_path / "journal.sqlite3", clock=clock)
    await index.rebuild(REPO, [ITEM])
    clock.now += FRESH_SECONDS - 1
    assert await index.of_file(REPO, FILE) == [ITEM]
    clock.now += 2
    assert await index.of_file(REPO, FILE) is None
    index.close()


def issue(number: int, marker: Any, *, labels: tuple[str, ...], author: str = "minutes-bot[bot]",
          state: str = "open") -> dict[str, Any]:
    body = wrap_owned("Task.\n" + format_marker(marker))
    return {"number": number, "body": body, "state": state, "user": {"login": author},
            "labels": [{"name": name} for name in labels]}


def test_entries_come_from_markers_and_labels() -> None:
    item = ItemMarker(file=FILE, key="abc", title="Task", line=3, sha="0" * 40)
    meeting = MeetingMarker(file=FILE, sha="0" * 40)
    labels = ("meeting/2024-12-18", "action-item")
    assert entry_of(issue(7, item, labels=labels)) == ITEM
    assert entry_of(issue(6, meeting, labels=labels[:1])) == MEETING
    assert entry_of({"number": 8, "body": "no marker", "state": "open"}) is None
    assert entry_of(issue(9, item, labels=labels) | {"pull_request": {}}) is None


class Port:
    async def own_logins(self) -> frozenset[str]:
        return frozenset({"minutes-bot[bot]"})


class Context:
    def __init__(self, index: IssueIndex) -> None:
        self.index = index
        self.port = Port()


def event(action: str, payload_issue: dict[str, Any]) -> sansio.Event:
    data = {"action": action, "issue": payload_issue, "repository": {"full_name": REPO}}
    return sansio.Event(data, event="issues", delivery_id="1")


async def test_issues_events_keep_the_index_in_step(tmp_path: Path) -> None:
    index = SqliteIndex(tmp_path / "journal.sqlite3")
    await index.rebuild(REPO, [ITEM])
    item = ItemMarker(file=FILE, key="abc", title="Task", line=3, sha="0" * 40)
    labels = ("action-item", "meeting/2024-12-18")
    context: Any = Context(index)

    await index_issue(event("closed", issue(7, item, labels=labels, state="closed")), context)
    assert [e.state for e in await index.of_file(REPO, FILE) or []] == ["closed"]

    copied = issue(8, item, labels=labels, author="mallory")  # a copied marker
    await index_issue(event("opened", copied), context)
    assert [e.number for e in await index.of_file(REPO, FILE) or []] == [7]

    await index_issue(event("transferred", issue(7, item, labels=labels)), context)
    assert await index.of_file(REPO, FILE) == []
    index.close()
