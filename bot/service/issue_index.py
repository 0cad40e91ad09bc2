"""The per-repository index of the bot's issues, kept in the service's journal: SQLite
(embedded) or Redis (shared by every replica). What an entry holds is in
`bot.tracker.issue_index`.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.tracker.issue_index import FRESH_SECONDS, Clock, IndexEntry

if TYPE_CHECKING:
    from redis.asyncio import Redis


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
