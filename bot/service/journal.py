"""The journal: every accepted delivery, durable in SQLite before the webhook is answered,
marked done once handled. The delivery id is its primary key, so a redelivered webhook is
handled once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gidgethub import sansio

from bot.service.logs import delivery_context

log = logging.getLogger(__name__)

# GitHub lets people redeliver a webhook for up to 7 days; remember ids a while longer.
KEEP_DONE_SECONDS = 30 * 24 * 3600
# Events a person waits on (a command, a preview on a pull request): they go ahead of a
# repository's pushes. What they change, the pushes keep: a closed item stays closed, and
# owners and dates set by commands are in the item's marker; and a command's issue exists
# before anyone can comment on it.
FIRST_EVENTS = frozenset({"issue_comment", "pull_request"})


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery (or an equivalent event from another transport).

    `attempts` counts the tries that failed so far; `not_before` is when the next may
    start (seconds since the epoch; 0 for at once); `progress` is how many steps (a
    push's minutes files) earlier turns finished.
    """

    id: str
    event: str
    payload: dict[str, Any]
    attempts: int = 0
    not_before: float = 0.0
    progress: int = 0

    @property
    def goes_first(self) -> bool:
        """Tell whether the delivery goes ahead of its repository's pushes."""
        return self.event in FIRST_EVENTS

    @property
    def repo(self) -> str:
        """Name the repository the event belongs to, or "" when it has none."""
        repository = self.payload.get("repository") or {}
        return str(repository.get("full_name", ""))

    @property
    def installation_id(self) -> int | None:
        """Return the GitHub App installation that sent the event, if any."""
        installation = self.payload.get("installation") or {}
        return installation.get("id")

    def log_context(self) -> contextlib.AbstractContextManager[None]:
        """Name this delivery, its repository and installation on every log record inside."""
        return delivery_context(self.id, self.event, self.repo or None, self.installation_id)

    def as_event(self) -> sansio.Event:
        """Return the delivery as the event the router dispatches."""
        return sansio.Event(self.payload, event=self.event, delivery_id=self.id)


class Journal:
    """The SQLite record of accepted deliveries and whether each is finished."""

    _SCHEMA = (
        """CREATE TABLE IF NOT EXISTS deliveries (
            id TEXT PRIMARY KEY,
            event TEXT NOT NULL,
            payload TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending',
            received REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            retry_at REAL NOT NULL DEFAULT 0,
            progress INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE IF NOT EXISTS repositories (
            repo TEXT PRIMARY KEY,
            installation INTEGER,
            seen REAL NOT NULL
        )""",
        # When writes to GitHub went out, so a restarted process keeps to the same pace.
        """CREATE TABLE IF NOT EXISTS writes (
            installation TEXT NOT NULL,
            at REAL NOT NULL
        )""",
    )

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        # One connection for the life of the journal, used by one thread at a time:
        # opening one per delivery cost more than the write itself.
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        # WAL with synchronous=FULL syncs each commit to disk: what the webhook accepted
        # outlives a crash of the machine, not only of the process. Commits come in
        # batches (`intake.GROUP_SECONDS`), so the sync is paid once per batch.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        with self._connect() as db:
            for table in self._SCHEMA:
                db.execute(table)
            self._add_columns(db)

    @staticmethod
    def _add_columns(db: sqlite3.Connection) -> None:
        """Give a journal that an earlier version wrote the columns this one reads."""
        columns = {row[1] for row in db.execute("PRAGMA table_info(deliveries)")}
        added = (("attempts", "INTEGER"), ("retry_at", "REAL"), ("progress", "INTEGER"))
        for column, kind in added:
            if column not in columns:
                db.execute(f"ALTER TABLE deliveries ADD COLUMN {column} {kind} NOT NULL DEFAULT 0")

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """Use the connection in one transaction, committed when the block ends."""
        with self._lock, self._db:
            yield self._db

    def add(self, delivery: Delivery) -> bool:
        """Record `delivery` as pending; return False if its id is already known."""
        return bool(self.apply([(delivery, json.dumps(delivery.payload).encode())]))

    def apply(
        self,
        added: Sequence[tuple[Delivery, bytes]],
        finished: Sequence[tuple[str, str]] = (),
        retried: Sequence[tuple[str, int, float]] = (),
        progressed: Sequence[tuple[str, int]] = (),
    ) -> list[Delivery]:
        """In one transaction: record deliveries (with their JSON bodies) as pending, mark
        some finished, note retries and how far long ones got; return the deliveries whose
        ids were new."""
        now = time.time()
        with self._connect() as db:
            new = [delivery for delivery, body in added if self._insert(db, delivery, body, now)]
            db.executemany("UPDATE deliveries SET state = ? WHERE id = ?", [(s, i) for i, s in finished])
            db.executemany(
                "UPDATE deliveries SET attempts = ?, retry_at = ? WHERE id = ?",
                [(attempts, at, i) for i, attempts, at in retried],
            )
            # A turn that worked starts the count of failed tries afresh.
            db.executemany(
                "UPDATE deliveries SET progress = ?, attempts = 0 WHERE id = ?",
                [(progress, i) for i, progress in progressed],
            )
            for delivery in {d.repo: d for d in new if d.repo}.values():
                self._remember(db, delivery)
        return new

    @staticmethod
    def _insert(db: sqlite3.Connection, delivery: Delivery, body: bytes, now: float) -> bool:
        payload = body.decode("utf-8", errors="replace")
        cursor = db.execute(
            "INSERT OR IGNORE INTO deliveries (id, event, payload, received) VALUES (?, ?, ?, ?)",
            (delivery.id, delivery.event, payload, now),
        )
        return cursor.rowcount == 1

    def remember(self, delivery: Delivery) -> None:
        """Note that the delivery's repository (and installation) was heard from now."""
        with self._connect() as db:
            self._remember(db, delivery)

    @staticmethod
    def _remember(db: sqlite3.Connection, delivery: Delivery) -> None:
        if delivery.repo:
            db.execute(
                "INSERT OR REPLACE INTO repositories (repo, installation, seen) VALUES (?, ?, ?)",
                (delivery.repo, delivery.installation_id, time.time()),
            )

    def pending(self) -> list[Delivery]:
        """Return the deliveries accepted but not finished, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, event, payload, attempts, retry_at, progress FROM deliveries"
                " WHERE state = 'pending' ORDER BY received, rowid"
            ).fetchall()
        return [Delivery(i, e, json.loads(p), *rest) for i, e, p, *rest in rows]

    def recent_ids(self, most: int) -> list[str]:
        """Return the ids of the `most` deliveries accepted last, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT id FROM deliveries ORDER BY received DESC, rowid DESC LIMIT ?", (most,)
            ).fetchall()
        return [row[0] for row in reversed(rows)]

    def state(self, delivery_id: str) -> str | None:
        """Return a delivery's state, or None if it was never accepted."""
        with self._connect() as db:
            row = db.execute("SELECT state FROM deliveries WHERE id = ?", (delivery_id,)).fetchone()
        return row[0] if row else None

    def repositories(self, within: float = KEEP_DONE_SECONDS) -> list[tuple[str, int | None]]:
        """Return (repository, installation) of every repository heard from lately."""
        query = "SELECT repo, installation FROM repositories WHERE seen >= ? ORDER BY repo"
        return [(repo, installation) for repo, installation in self._rows(query, within)]

    def note_write(self, key: str, at: float, keep: float = 3600.0) -> None:
        """Log a write to GitHub for `key`; forget those older than `keep` seconds."""
        with self._connect() as db:
            db.execute("INSERT INTO writes (installation, at) VALUES (?, ?)", (key, at))
            db.execute("DELETE FROM writes WHERE at < ?", (at - keep,))

    def recent_writes(self, within: float) -> list[tuple[str, float]]:
        """Return (key, when) of the writes logged in the last `within` seconds."""
        query = "SELECT installation, at FROM writes WHERE at >= ? ORDER BY at"
        return [(key, at) for key, at in self._rows(query, within)]

    def _rows(self, query: str, within: float) -> list[Any]:
        """Run `query` for the rows of the last `within` seconds."""
        with self._connect() as db:
            return db.execute(query, (time.time() - within,)).fetchall()

    def check(self) -> None:
        """Raise `sqlite3.Error` unless the journal can be read and written."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # takes the write lock, as accepting would

    def prune(self, older_than: float = KEEP_DONE_SECONDS) -> None:
        """Forget finished deliveries older than `older_than` seconds."""
        with self._connect() as db:
            db.execute(
                "DELETE FROM deliveries WHERE state != 'pending' AND received < ?",
                (time.time() - older_than,),
            )


