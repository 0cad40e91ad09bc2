"""Hidden markers that tie an issue to the minutes item or meeting it tracks.

Every issue the bot opens ends with a block the bot owns:

    <!-- minutes-bot:body -->
    ...rendered Markdown...
    <!-- minutes-bot {"v": 1, "kind": "item", "file": "meetings/2024-12-18.md", ...} -->
    <!-- /minutes-bot:body -->

People may write above or below the block; the bot only ever rewrites the block.

A marker is only text: anybody can paste a copy of one into an issue of their own. It
counts only on an issue the bot itself opened (`trusted_marker`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.tracker.lines import unix_lines

VERSION = 1
BODY_START = "<!-- minutes-bot:body -->"
BODY_END = "<!-- /minutes-bot:body -->"

# The JSON is written with `<`, `>` and `--` escaped, so it never contains `>`.
_MARKER = re.compile(r"<!-- minutes-bot (\{[^>]*\}) -->")
_OWNED = re.compile(re.escape(BODY_START) + r"\n?(.*?)\n?" + re.escape(BODY_END), re.DOTALL)


@dataclass(frozen=True)
class ItemMarker:
    """What the bot last wrote on an item issue.

    `title` is the title the bot last set (a different current title means a person
    edited it); `line` and `sha` locate the source sentence the body quotes;
    `owners` and `due` are what the minutes said; `assignees` are the logins the
    issue had when the bot last wrote it (different ones now mean a person changed
    them); `set_owners` and `set_due` are what a person chose on GitHub (`/assign`,
    editing the assignees, `/due`), which hold until the minutes change that field;
    `meeting` is the meeting issue the item was linked to; `removed` says the bot
    closed it because the item left the minutes, so an open issue with it set was
    reopened by a person; `reader` is who found the item, the rules or the model reader.
    """

    file: str
    key: str
    title: str
    line: int
    sha: str
    owners: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    due: date | None = None
    meeting: int | None = None
    removed: bool = False
    set_owners: tuple[str, ...] | None = None
    set_due: date | None = None
    reader: str = "rules"

    @property
    def current_due(self) -> date | None:
        """Return the due date that holds now: a person's, else the minutes'."""
        return self.set_due if self.set_due is not None else self.due


@dataclass(frozen=True)
class MeetingMarker:
    """What the bot last wrote on a meeting issue: the file and the commit it listed."""

    file: str
    sha: str


Marker = ItemMarker | MeetingMarker


def format_marker(marker: Marker) -> str:
    """Write `marker` as an HTML comment that no title or name can break out of."""
    text = json.dumps(_to_json(marker), ensure_ascii=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("--", "-\\u002d")
    return f"<!-- minutes-bot {text} -->"


def parse_marker(body: str | None) -> Marker | None:
    """Read the bot's marker from an issue body; None when absent, broken or foreign."""
    text = owned_part(body) or body or ""
    found = _MARKER.findall(text)
    if not found:
        return None
    try:
        return _from_json(json.loads(found[-1]))
    except (ValueError, TypeError, KeyError):
        return None


def trusted_marker(
    issue: Mapping[str, Any], own_logins: frozenset[str], item_label: str, meeting_prefix: str
) -> Marker | None:
    """Read the marker of an issue the bot opened; None on anybody else's issue.

    The issue must be written by one of the bot's `own_logins` and carry the bot's
    label: the item label on an item, a meeting label on a meeting issue. People
    without triage access can neither author as the bot nor label an issue.
    """
    if "pull_request" in issue or not written_by(issue, own_logins):
        return None
    marker = parse_marker(issue.get("body"))
    labels = label_names(issue)
    if isinstance(marker, ItemMarker) and item_label in labels:
        return marker
    if isinstance(marker, MeetingMarker) and any(n.startswith(meeting_prefix) for n in labels):
        return marker
    return None


def is_own_item(issue: Mapping[str, Any], logins: frozenset[str]) -> bool:
    """Tell whether an issue is an item issue the bot wrote, not a copy of one's marker."""
    return written_by(issue, logins) and isinstance(parse_marker(issue.get("body")), ItemMarker)


def written_by(entry: Mapping[str, Any], logins: frozenset[str]) -> bool:
    """Tell whether an issue or comment was written by one of `logins`."""
    user = entry.get("user")
    return isinstance(user, Mapping) and user.get("login") in logins


def label_names(issue: Mapping[str, Any]) -> frozenset[str]:
    """Return the names of an issue's labels, given as objects (REST) or names."""
    labels = issue.get("labels") or ()
    return frozenset(str(x["name"] if isinstance(x, Mapping) else x) for x in labels)


def wrap_owned(content: str) -> str:
    """Enclose `content` in the markers that delimit the part of a body the bot owns."""
    return f"{BODY_START}\n{content}\n{BODY_END}"


def owned_part(body: str | None) -> str | None:
    """Return the part of `body` the bot owns, or None when its markers are gone."""
    # Bodies edited in the browser come back with CRLF line ends.
    found = _OWNED.search(unix_lines(body or ""))
    return found.group(1) if found else None


def replace_owned(body: str, content: str) -> str:
    """Put `content` in place of the bot's part of `body`, keeping what people wrote."""
    return _OWNED.sub(lambda _: wrap_owned(content), unix_lines(body), count=1)


def set_marker(text: str, marker: Marker) -> str:
    """Replace the marker in `text` with `marker`, or append it when there is none."""
    fresh = format_marker(marker)
    if _MARKER.search(text):
        return _MARKER.sub(lambda _: fresh, text)
    return f"{text}\n{fresh}"


def _to_json(marker: Marker) -> dict[str, object]:
    if isinstance(marker, MeetingMarker):
        return {"v": VERSION, "kind": "meeting", "file": marker.file, "sha": marker.sha}
    return {
        "v": VERSION,
        "kind": "item",
        "file": marker.file,
        "key": marker.key,
        "title": marker.title,
        "line": marker.line,
        "sha": marker.sha,
        "owners": list(marker.owners),
        "assignees": list(marker.assignees),
        "due": marker.due.isoformat() if marker.due else None,
        "meeting": marker.meeting,
        "removed": marker.removed,
        **({"set_owners": list(marker.set_owners)} if marker.set_owners is not None else {}),
        **({"set_due": marker.set_due.isoformat()} if marker.set_due else {}),
        **({"reader": marker.reader} if marker.reader != "rules" else {}),
    }


def _from_json(data: Any) -> Marker:
    if not isinstance(data, dict) or data.get("v") != VERSION:
        raise ValueError("not a marker this version writes")
    if data.get("kind") == "meeting":
        return MeetingMarker(file=_text(data["file"]), sha=_text(data["sha"]))
    if data.get("kind") != "item":
        raise ValueError("unknown marker kind")
    due, meeting, set_owners = data.get("due"), data.get("meeting"), data.get("set_owners")
    return ItemMarker(
        file=_text(data["file"]),
        key=_text(data["key"]),
        title=_text(data["title"]),
        line=_number(data["line"]),
        sha=_text(data["sha"]),
        owners=_texts(data.get("owners", [])),
        assignees=_texts(data.get("assignees", [])),
        due=_day(due),
        meeting=_number(meeting) if meeting is not None else None,
        removed=data.get("removed") is True,
        set_owners=_texts(set_owners) if set_owners is not None else None,
        set_due=_day(data.get("set_due")),
        reader=_text(data.get("reader", "rules")),
    )


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _day(value: object) -> date | None:
    return date.fromisoformat(_text(value)) if value is not None else None


def _number(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("expected an integer")
    return value


def _texts(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return tuple(_text(each) for each in value)
