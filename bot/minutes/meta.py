"""What the minutes say about the meeting itself: title, date, next date, who was there."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePosixPath

from bot.minutes import dates
from bot.minutes.document import Block, BlockKind, Document
from bot.minutes.model import Attendee
from bot.minutes.patterns import compile_lazily
from bot.minutes.text import plain

_PEOPLE_LABEL = compile_lazily(
    r"^(?:attendees|attendance|attending|present|participants|who was there|team|also present|guests|"
    r"apologies|absent|regrets|facilitator|chair|chairs?|moderator|note[- ]?takers?|scribe|"
    r"notes (?:taken )?by|on[- ]call[^:]{0,20}|this week|secondary|host)\b",
    re.I,
)
_SENTENCE_GOES_ON = compile_lazily(r"[a-z,]$")
_DATE_LABEL = compile_lazily(
    r"^\W*(?:meeting\s+)?(?:date|when)(?:\s*(?:/|&|and)\s*time)?\W*:\W*(?P<rest>.+)$", re.I | re.M
)
_CHANGED_DATE = compile_lazily(r"\b(?:revised|updated|edited|amended|corrected|published)\b", re.I)
_HANDLE = compile_lazily(r"@([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[\w.-]+)?)")
_PARENTHESES = compile_lazily(r"\(([^)]*)\)")
_SEPARATORS = compile_lazily(r"[,;·→|\n]|\s+and\s+|\s+&\s+")
_NAME_WORD = compile_lazily(r"^[^\W\d_][\w'’.-]*$")
_NICK = compile_lazily(r"^[a-z][\w.-]{1,30}$")
_FILE_DATE = compile_lazily(r"(20\d\d|19\d\d)[-_.]?(\d\d)[-_.]?(\d\d)")


@dataclass(frozen=True)
class MeetingInfo:
    title: str | None
    meeting_date: date | None
    next_meeting: date | None
    attendees: tuple[Attendee, ...]


def read_meeting_info(
    doc: Document, path: str, text: str, meeting_date: date | None = None
) -> MeetingInfo:
    """Read the title, meeting date, next meeting and attendees of parsed minutes."""
    title = next((plain(b.text) for b in doc.blocks if b.kind is BlockKind.HEADING), None)
    title = _front_text(doc, "title") or title
    when = meeting_date or _meeting_date(doc, path, title)
    upcoming = _front_date(doc, "next_meeting", "next-meeting", "next") or dates.find_next_meeting(
        plain(text), when
    )
    return MeetingInfo(title, when, upcoming, tuple(_attendees(doc)))


def _meeting_date(doc: Document, path: str, title: str | None) -> date | None:
    return (
        _front_date(doc, "date", "meeting_date")
        or _labelled_date(doc)
        or (dates.parse_date(title) if title else None)
        or _dated_heading(doc)
        or file_date(path)
        or _date_near_top(doc)
    )


def _dated_heading(doc: Document) -> date | None:
    """A heading near the top that is a date: notes kept per meeting under "## 2025-03-11"."""
    headings = [b for b in doc.blocks[:8] if b.kind is BlockKind.HEADING][:3]
    for heading in headings:
        text = plain(heading.text)
        if len(text) <= 40 and (found := dates.parse_date(text)):
            return found
    return None


def _front_text(doc: Document, key: str) -> str | None:
    value = doc.front_matter.get(key)
    return str(value).strip() if isinstance(value, str | int) and str(value).strip() else None


def _front_date(doc: Document, *keys: str) -> date | None:
    for key in keys:
        value = doc.front_matter.get(key)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str) and (parsed := dates.parse_date(value)):
            return parsed
    return None


def _top_blocks(doc: Document) -> list[Block]:
    """Blocks before the first section of content, where the meeting date is stated."""
    top: list[Block] = []
    for block in doc.blocks[:10]:
        if block.kind is BlockKind.HEADING and top and block.level <= 2:
            break
        top.append(block)
    return top


def _labelled_date(doc: Document) -> date | None:
    for block in _top_blocks(doc):
        for match in _DATE_LABEL.finditer(plain_lines(block.text)):
            if found := dates.parse_date(match.group("rest")):
                return found
    return None


def _date_near_top(doc: Document) -> date | None:
    for block in _top_blocks(doc):
        text = plain(block.text)
        if block.kind is BlockKind.TABLE_ROW or _CHANGED_DATE.search(text):
            continue  # a revision date is not the meeting date
        if found := dates.parse_date(text):
            return found
    return None


def file_date(path: str) -> date | None:
    """Read the date in a minutes file's name: `2024-12-18.md`, `notes_20241218.md`."""
    match = _FILE_DATE.search(PurePosixPath(path).name)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def plain_lines(markdown: str) -> str:
    return "\n".join(plain(line) for line in markdown.split("\n"))


# --- attendees -------------------------------------------------------------------------------


def _attendees(doc: Document) -> list[Attendee]:
    found: dict[str, Attendee] = {}
    for entry in _front_attendees(doc) + _listed_attendees(doc):
        for attendee in parse_attendees(entry):
            known = found.get(attendee.name)
            if known is None or (attendee.login and not known.login):
                found[attendee.name] = attendee
    return list(found.values())


def _front_attendees(doc: Document) -> list[str]:
    listed = doc.front_matter.get("attendees") or doc.front_matter.get("participants") or []
    entries = [str(v) for v in listed] if isinstance(listed, list) else [str(listed)]
    for key in ("chair", "note_taker", "facilitator", "scribe"):
        if isinstance(doc.front_matter.get(key), str):
            entries.append(doc.front_matter[key])
    return entries


def _listed_attendees(doc: Document) -> list[str]:
    entries: list[str] = []
    for block in doc.blocks:
        if block.kind is BlockKind.HEADING:
            continue
        if block.kind is BlockKind.TABLE_ROW:
            if _is_people_table(block) or _under_people_heading(block):
                entries.append(_row_names(block))
        elif _under_people_heading(block):
            entries.append(block.text)
        else:
            entries.extend(_labelled_paragraph(block.text))
    return entries


def _under_people_heading(block: Block) -> bool:
    return bool(block.section) and bool(_PEOPLE_LABEL.match(plain(block.section[-1])))


def _is_people_table(block: Block) -> bool:
    """A table of names with their GitHub handles lists people, wherever it stands."""
    header = {plain(h).strip().lower() for h in block.header}
    return "name" in header and bool(header & {"handle", "github", "login", "github handle"})


def _labelled_paragraph(text: str) -> list[str]:
    """Names after labels; a label's list may wrap onto the following lines."""
    entries: list[str] = []
    continuing = False
    previous = ""
    for line in (plain(raw) for raw in text.split("\n")):
        # "… the approach the compiler / team uses: one meeting …" wraps a sentence.
        wrapped = not continuing and _SENTENCE_GOES_ON.search(previous)
        previous = line
        found = [] if wrapped else _labelled_names(line)
        if found:
            entries.extend(found)
            continuing = True
        elif continuing and not re.match(r"^[^:]{1,30}:", line):
            entries.append(line)
        else:
            continuing = False
    return entries


def _labelled_names(line: str) -> list[str]:
    """Names after people labels, e.g. "Chair: Hyun-woo · Notes: Matteo"."""
    parts = re.split(r"[·|]", line)
    names = []
    for part in parts:
        label, sep, rest = part.partition(":")
        if sep and _PEOPLE_LABEL.match(label.strip()):
            names.append(rest)
    return names


def _row_names(block: Block) -> str:
    header = [h.lower() for h in block.header]
    cells = dict(zip(header, block.cells, strict=False))
    name = cells.get("name") or (block.cells[0] if block.cells else "")
    handle = cells.get("handle") or cells.get("github") or cells.get("login") or ""
    return f"{name} ({handle})" if handle.startswith("@") else name


def parse_attendees(entry: str) -> list[Attendee]:
    """People in an attendee line: "Priya Raman (@praman), Kofi Mensah (incident commander)"."""
    people = []
    for line in entry.split("\n"):
        people.extend(_attendees_in_line(plain(line)))
    return people


def _attendees_in_line(text: str) -> list[Attendee]:
    text = _PARENTHESES.sub(lambda m: _keep_handle(m.group(1)), text)
    people = []
    for part in _parts(text):
        part = re.sub(r"^[^:]{0,30}:\s*", "", part.strip()) if ":" in part else part.strip()
        handle = _HANDLE.search(part)
        name = _leading_name(_HANDLE.sub(" ", part))
        if name:
            people.append(Attendee(name, handle.group(1) if handle else None))
        elif handle and "/" not in handle.group(1):
            people.append(Attendee(handle.group(1), handle.group(1)))
    return people


def _parts(text: str) -> list[str]:
    """An attendee line's entries; "erethon jfly edef" lists nicks separated by spaces."""
    parts = []
    for part in _SEPARATORS.split(text):
        words = re.sub(r"^[^:]{0,30}:\s*", "", part.strip()).split()
        if len(words) > 1 and all(_NICK.match(w) for w in words):
            parts.extend(words)
        else:
            parts.append(part)
    return parts


def _keep_handle(inside: str) -> str:
    handle = _HANDLE.search(inside)
    return f" @{handle.group(1)} " if handle else " "


def _leading_name(text: str) -> str | None:
    nick = text.strip()
    if _NICK.match(nick) and nick.lower() not in _NOT_NAMES:
        return nick  # "erethon", "jdm": an attendee list of IRC nicks
    words = []
    for word in text.split():
        if not _NAME_WORD.match(word) or not word[0].isupper():
            break
        words.append(word.rstrip("."))
        if len(words) == 4:
            break
    name = " ".join(words)
    return name if words and name.lower() not in _NOT_NAMES else None


_NOT_NAMES = {"none", "nobody", "all", "everyone", "tbd", "n/a", "the", "same", "video", "room"}
