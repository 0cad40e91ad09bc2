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

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from bot.tracker.marker import ItemMarker, MeetingMarker, label_names, parse_marker

if TYPE_CHECKING:
    pass

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


