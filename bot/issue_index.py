"""Where each of the bot's issues is, per repository: its minutes file, key and state.

Without it, a push must list every issue the bot ever opened in the repository to find
the few of the file it changed: a page per hundred issues, each marker parsed. The
index answers "which issues does this file have, under which labels" from the journal
(SQLite, or Redis with replicas), so a push lists only the file's own labels.

GitHub stays the source of truth: the index only says where to look. The reconciler
still reads the issues themselves (and trusts only the bot's own), so a wrong entry
costs a read, never a wrong write. It is fed by the bot's own writes (the issue GitHub
answers with), by `issues` events, and rebuilt whole from every full listing (`sync`,
or a push that found no index or one older than `FRESH_SECONDS`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.marker import ItemMarker, MeetingMarker, label_names, parse_marker

if TYPE_CHECKING:
    from redis.asyncio import Redis

# A full listing is trusted this long; after that the next push lists and rebuilds, which
# also heals whatever events were lost meanwhile.
FRESH_SECONDS = 24 * 3600.0

Clock = Callable[[], float]


@dataclass(frozen=True)
class IndexEntry:
    """One of the bot's issues as its marker and GitHub last showed it.

    `key` is the item's key ("" for a meeting issue); `labels` are the issue's labels,
    among them the meeting label a listing finds it under.
    """

    number: int
    file: str
    key: str
    kind: str
    state: str
    labels: tuple[str, ...] = ()

    def to_json(self) -> str:
        """Return the entry as one JSON object."""
        return json.dumps(
            {"n": self.number, "f": self.file, "k": self.key, "t": self.kind, "s": self.state,
             "l": list(self.labels)}
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> IndexEntry:
        """Read an entry written by `to_json`."""
        data = json.loads(text)
        return cls(data["n"], data["f"], data["k"], data["t"], data["s"], tuple(data["l"]))


def entry_of(issue: Mapping[str, Any]) -> IndexEntry | None:
    """Return the index entry of an issue bearing the bot's marker; None for any other."""
    if "pull_request" in issue:
        return None
    marker = parse_marker(issue.get("body"))
    if isinstance(marker, ItemMarker):
        key, kind = marker.key, "item"
    elif isinstance(marker, MeetingMarker):
        key, kind = "", "meeting"
    else:
        return None
    labels = tuple(sorted(label_names(issue)))
    return IndexEntry(issue["number"], marker.file, key, kind, str(issue.get("state")), labels)


class IssueIndex(Protocol):
    """The per-repository index of the bot's issues, wherever it is kept."""

    async def of_file(self, repo: str, path: str) -> list[IndexEntry] | None:
        """Return the entries of `path`; None when the repository's index is missing or stale."""
        ...

    async def note(self, repo: str, entries: Iterable[IndexEntry]) -> None:
        """Record entries (the newest word on each issue)."""
        ...

    async def drop(self, repo: str, numbers: Iterable[int]) -> None:
        """Forget issues that are gone (deleted, transferred) or no longer the bot's."""
        ...

    async def rebuild(self, repo: str, entries: Iterable[IndexEntry]) -> None:
        """Replace the repository's index with a full listing's entries, fresh from now."""
        ...


class SqliteIndex:
    """The index in the service's SQLite journal file (embedded mode)."""

    _SCHEMA = (
        """CREATE TABLE IF NOT EXISTS issue_index (
            repo TEXT NOT NULL,
            number INTEGER NOT NULL,
            file TEXT NOT NULL,
            entry TEXT NOT NULL,
            PRIMARY KEY (repo, number)
        )""",
        "CREATE INDEX IF NOT EXISTS issue_index_file ON issue_index (repo, file)",
        """CREATE TABLE IF NOT EXISTS issue_index_built (
            repo TEXT PRIMARY KEY,
            at REAL NOT NULL
        )""",
    )

    def __init__(self, path: str | Path, *, clock: Clock = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._connect() as db:
            for statement in self._SCHEMA:
                db.execute(statement)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._db:
            yield self._db

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    async def of_file(self, repo: str, path: str) -> list[IndexEntry] | None:
        return await asyncio.to_thread(self._of_file, repo, path)

    def _of_file(self, repo: str, path: str) -> list[IndexEntry] | None:
        with self._connect() as db:
            built = db.execute("SELECT at FROM issue_index_built WHERE repo = ?", (repo,)).fetchone()
            if built is None or built[0] < self._clock() - FRESH_SECONDS:
                return None
            rows = db.execute(
                "SELECT entry FROM issue_index WHERE repo = ? AND file = ? ORDER BY number",
                (repo, path),
            ).fetchall()
        return [IndexEntry.from_json(row[0]) for row in rows]

    async def note(self, repo: str, entries: Iterable[IndexEntry]) -> None:
        rows = [(repo, e.number, e.file, e.to_json()) for e in entries]
        if rows:
            await asyncio.to_thread(self._write, "INSERT OR REPLACE INTO issue_index VALUES (?, ?, ?, ?)", rows)

    async def drop(self, repo: str, numbers: Iterable[int]) -> None:
        rows = [(repo, number) for number in numbers]
        if rows:
            await asyncio.to_thread(self._write, "DELETE FROM issue_index WHERE repo = ? AND number = ?", rows)

    def _write(self, statement: str, rows: list[tuple[Any, ...]]) -> None:
        with self._connect() as db:
            db.executemany(statement, rows)

    async def rebuild(self, repo: str, entries: Iterable[IndexEntry]) -> None:
        rows = [(repo, e.number, e.file, e.to_json()) for e in entries]
        await asyncio.to_thread(self._rebuild, repo, rows)

    def _rebuild(self, repo: str, rows: list[tuple[Any, ...]]) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM issue_index WHERE repo = ?", (repo,))
            db.executemany("INSERT OR REPLACE INTO issue_index VALUES (?, ?, ?, ?)", rows)
            db.execute(
                "INSERT OR REPLACE INTO issue_index_built VALUES (?, ?)", (repo, self._clock())
            )


class RedisIndex:
    """The index in Redis, shared by every replica.

    Per repository: a hash of entries by issue number, a set of numbers per file, and a
    key whose expiry says the last full listing is still fresh.
    """

    def __init__(self, redis: Redis, *, prefix: str = "minutes-bot:index") -> None:
        self._redis = redis
        self._prefix = prefix

    def _key(self, repo: str, kind: str, name: str = "") -> str:
        return f"{self._prefix}:{repo}:{kind}" + (f":{name}" if name else "")

    async def of_file(self, repo: str, path: str) -> list[IndexEntry] | None:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.exists(self._key(repo, "built"))
            pipe.smembers(self._key(repo, "file", path))
            built, numbers = await pipe.execute()
        if not built:
            return None
        if not numbers:
            return []
        found = await self._redis.hmget(self._key(repo, "entries"), sorted(numbers, key=int))
        entries = [IndexEntry.from_json(text) for text in found if text is not None]
        return [entry for entry in entries if entry.file == path]

    async def note(self, repo: str, entries: Iterable[IndexEntry]) -> None:
        entries = list(entries)
        if not entries:
            return
        async with self._redis.pipeline(transaction=True) as pipe:
            for entry in entries:
                pipe.hset(self._key(repo, "entries"), str(entry.number), entry.to_json())
                pipe.sadd(self._key(repo, "file", entry.file), str(entry.number))
            await pipe.execute()

    async def drop(self, repo: str, numbers: Iterable[int]) -> None:
        fields = [str(number) for number in numbers]
        if fields:
            # The file sets keep the number; `of_file` skips numbers without an entry.
            await self._redis.hdel(self._key(repo, "entries"), *fields)

    async def rebuild(self, repo: str, entries: Iterable[IndexEntry]) -> None:
        entries = list(entries)
        old_files = [key async for key in self._redis.scan_iter(self._key(repo, "file", "*"))]
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key(repo, "entries"), *old_files)
            for entry in entries:
                pipe.hset(self._key(repo, "entries"), str(entry.number), entry.to_json())
                pipe.sadd(self._key(repo, "file", entry.file), str(entry.number))
            pipe.set(self._key(repo, "built"), "1", ex=int(FRESH_SECONDS))
            await pipe.execute()

    async def aclose(self) -> None:
        """Close the connection."""
        await self._redis.aclose()
