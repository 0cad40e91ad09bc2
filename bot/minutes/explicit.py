"""Action items the minutes mark as such: action lists, checkboxes, markers, owner tables."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.minutes.candidates import Candidate, Context
from bot.minutes.document import Block, BlockKind
from bot.minutes.names import GROUP
from bot.minutes.text import is_struck, plain, squash, without_struck
from bot.minutes.titles import make_title

ACTION_HEADING = re.compile(
    r"\b(?:action items?|actions?|action points|follow[- ]?ups?|work items|open items|"
    r"to-?dos?|next steps|tasks|assignments)\b",
    re.I,
)
_LOOKING_BACK = re.compile(
    r"\b(?:from|of) (?:the )?(?:last|previous|prior)\b|\breview of\b|\blast (?:week|time)'?s?\b|"
    r"\bsince last\b|\bdone\b|\bcompleted\b",
    re.I,
)
_CHECKBOX = re.compile(r"^\s*\[(?P<mark>[ xX✓✔-])\]\s*")
_MARKER = re.compile(
    r"(?:^|(?<=[.!?]\s)|(?<=\n))\s*(?:\*\*)?(?P<kind>ACTION(?: ITEM)?|(?i:action(?: item)?)(?=\W*:)|"
    r"AI|TODO|FOLLOW[- ]UP)(?:\((?P<who>[^)]*)\))?(?:\*\*)?(?::|(?=\s*$))(?:\*\*)?\s*"
)
_DONE = re.compile(
    r"(?:\balready done\b|\bdone in the meeting\b|\(done\b|[—–-]\s*done\b|^\s*done\b|"
    r"\bnothing new\b|^\s*n/?a\s*$|\bno action\b|\bnot needed\b|"
    r"^\s*(?:none|nothing|tbd|-+)\b)",
    re.I,
)
_CC = re.compile(r",?\s*\bcc:?\s+@[\w/-]+(?:[\s,]+@[\w/-]+)*", re.I)
_OWNER_PARENS = re.compile(r"\s*\(\s*(?:owners?|assignees?|who|by)\s*:\s*(?P<who>[^)]+)\)", re.I)
_DASH = r"(?:—|–|--|-|:)"
_NO_OWNER = re.compile(r"^\s*(?:—|–|-|\?|tbd|n/?a|none|nobody|)\s*$", re.I)
_OWNER_COLUMN = re.compile(r"^(?:owners?|assignees?|assigned to|who|responsible|lead|dri)$", re.I)
_TASK_COLUMN = re.compile(
    r"^(?:follow[- ]?ups?|items?|tasks?|actions?|action items?|objectives?|"
    r"what|description|title|work items?|todo)$",
    re.I,
)
_DUE_COLUMN = re.compile(r"^(?:due|due date|deadline|target|when|by|eta|date)$", re.I)
_STATUS_COLUMN = re.compile(r"^(?:status|state|done\??)$", re.I)


@dataclass(frozen=True)
class Entry:
    """The text of one explicit entry and the owner it inherits, if any."""

    block: Block
    text: str
    line: int
    inherited: tuple[str, ...] = ()
    shared: str = ""  # text of the block before its first marker: refs there apply to all


def explicit_items(ctx: Context) -> Iterator[Candidate]:
    """Every explicit action entry of the file."""
    for block in ctx.doc.blocks:
        if block.kind is BlockKind.TABLE_ROW:
            yield from _table_row(block, ctx)
        elif block.kind in (BlockKind.LIST_ITEM, BlockKind.PARAGRAPH):
            for entry in entries_of(block, ctx):
                yield from _entry_items(entry, ctx)


def claimed(block: Block, ctx: Context) -> bool:
    """True when the block is handled as explicit entries, so prose rules skip it whole."""
    if block.kind is BlockKind.TABLE_ROW:
        return True
    return block.kind is BlockKind.LIST_ITEM and (
        in_action_section(block) or bool(_CHECKBOX.match(block.text))
    )


def in_action_section(block: Block) -> bool:
    """Under an action-list heading, but not one that reviews the last meeting's list."""
    heading = plain(block.section[-1]) if block.section else ""
    return bool(ACTION_HEADING.search(heading)) and not _LOOKING_BACK.search(heading)


def entries_of(block: Block, ctx: Context) -> list[Entry]:
    """Explicit entries in a block: a checkbox, an action-list item, or marker lines."""
    checkbox = _CHECKBOX.match(block.text)
    if checkbox and checkbox.group("mark") != " ":
        return []
    if claimed(block, ctx) and not _MARKER.search(block.text):
        if _is_owner_heading(block, ctx) or _details_of_an_entry(block, ctx):
            return []
        text = block.text[checkbox.end() :] if checkbox else block.text
        return [Entry(block, text, block.line, _inherited_owner(block, ctx))]
    if block.kind is BlockKind.PARAGRAPH and in_action_section(block) and block.parent is None:
        return _owned_lines(block, ctx)
    markers = list(_MARKER.finditer(block.text))
    shared = block.text[: markers[0].start()] if markers else ""
    return [Entry(block, block.text[m.start() :], block.line_at(m.start()), shared=shared)
            for m in markers]


def _details_of_an_entry(block: Block, ctx: Context) -> bool:
    """Bullets nested under an action entry describe it; they are not entries of their own."""
    parent = ctx.doc.blocks[block.parent] if block.parent is not None else None
    return parent is not None and claimed(parent, ctx) and not _is_owner_heading(parent, ctx)


def _owned_lines(block: Block, ctx: Context) -> list[Entry]:
    """Lines of a paragraph under an action heading that name an owner ("Alice: update X")."""
    if _MARKER.search(block.text):
        return []
    entries, offset = [], 0
    for line in block.text.split("\n"):
        owners, _ = split_owner(line, ctx)
        if owners is not None:
            entries.append(Entry(block, line, block.line_at(offset)))
        offset += len(line) + 1
    return entries


def _entry_items(entry: Entry, ctx: Context) -> Iterator[Candidate]:
    text = entry.text
    if is_struck(text) or _DONE.search(plain(text)):
        return
    marker = _MARKER.match(text)
    owners: tuple[str, ...] = entry.inherited
    if marker:
        text = text[marker.end() :]
        text = _MARKER.split(text, maxsplit=1)[0] if _MARKER.search(text) else text
        if marker.group("who"):
            owners = tuple(w.strip() for w in marker.group("who").split(",") if w.strip())
    text = without_struck(_CC.sub("", text))
    if not plain(text):
        text = _described_before(entry)
    for part in _split_tasks(text, ctx):
        yield _candidate(entry, part, owners, ctx)


def _candidate(entry: Entry, text: str, inherited: tuple[str, ...], ctx: Context) -> Candidate:
    owners, task = split_owner(text, ctx)
    owners = owners if owners is not None else inherited
    own = _MARKER.split(entry.text[1:], maxsplit=1)[0] if _MARKER.match(entry.text) else entry.text
    context_md = "\n".join([entry.shared, own, *(a.text for a in ctx.doc.ancestors(entry.block))])
    person = owners[0] if len(owners) == 1 else None
    return Candidate(
        block=entry.block,
        line=entry.line,
        owners=owners,
        title=make_title(task),
        due=ctx.due(plain(text)),
        refs=tuple(ctx.refs(context_md, person)),
        source=squash(plain(entry.text)),
    )


def split_owner(text: str, ctx: Context) -> tuple[tuple[str, ...] | None, str]:
    """Find the owner written around a task: "@a: task", "task — Lena", "(Owner: X)"."""
    names = ctx.names.names
    owner_list = rf"(?P<who>{names}|{GROUP})"
    parens = _OWNER_PARENS.search(text)
    if parens:
        return _people(parens.group("who"), ctx), _OWNER_PARENS.sub("", text)
    plain_text = plain(text)
    for pattern in (
        rf"^\s*{owner_list}\s*{_DASH}\s+(?P<task>.+)$",
        rf"^\s*{owner_list}\s+to\s+(?P<task>[a-z].+)$",
        rf"^(?P<task>.+?)\s+{_DASH}\s*{owner_list}\s*\.?$",
        r"^(?P<task>.+?)\s*\((?P<who>@[\w/-]+(?:[\s,]+(?:and\s+)?@[\w/-]+)*)\)(?P<rest>.*)$",
        r"^\s*(?P<who>@[\w/-]+(?:[\s,]+(?:and\s+)?@[\w/-]+)*)\s+(?P<task>[a-z].+)$",
        r"^(?P<task>.+?)\s+(?P<who>@[\w/-]+(?:[\s,]+(?:and\s+)?@[\w/-]+)*)\s*\.?$",
    ):
        match = re.match(pattern, plain_text, re.S)
        if match and _is_owner_phrase(match.group("who"), ctx):
            task = match.group("task") + (match.groupdict().get("rest") or "")
            return _people(match.group("who"), ctx), task
    return None, plain_text


def _is_owner_phrase(who: str, ctx: Context) -> bool:
    if re.fullmatch(GROUP, who.strip()):
        return True
    found = ctx.names.split(who)
    return bool(found) and not re.search(r"\b(?:the|a|an|to|of)\b", who)


def _people(who: str, ctx: Context) -> tuple[str, ...]:
    if re.fullmatch(GROUP, who.strip(" .")):
        return ()
    return tuple(ctx.names.split(who))


def _split_tasks(text: str, ctx: Context) -> list[str]:
    """One entry can hold tasks for several people: "@a — x — Jan; @b — y"."""
    parts = re.split(r";\s+", text)
    tasks = [parts[0]]
    for part in parts[1:]:
        owners, _ = split_owner(part, ctx)
        if owners:
            tasks.append(part)
        else:
            tasks[-1] += "; " + part
    return tasks


def _is_owner_heading(block: Block, ctx: Context) -> bool:
    """A bullet that is only a name ("**Valentina**") owns the items nested under it."""
    return bool(ctx.doc.children(block)) and _bold_name(block, ctx) is not None


def _bold_name(block: Block, ctx: Context) -> str | None:
    text = block.text.strip()
    match = re.fullmatch(r"(?:\*\*|__)?(?P<who>[^*_:]+?)(?:\*\*|__)?:?", text)
    if match and ctx.names.split(match.group("who")) and len(match.group("who").split()) <= 4:
        return match.group("who").strip()
    return None


def _inherited_owner(block: Block, ctx: Context) -> tuple[str, ...]:
    for parent in ctx.doc.ancestors(block):
        name = _bold_name(parent, ctx)
        if name:
            return tuple(ctx.names.split(name))
    return ()


def _described_before(entry: Entry) -> str:
    """A bare `TODO(name)` takes its task from the words before it in the same bullet."""
    before = entry.block.text[: entry.block.text.find(entry.text)]
    before = re.sub(r"^\s*(?:[\w./-]+#\d+|#\d+)\s*[—–:-]\s*", "", before)
    return before.strip()


# --- tables -----------------------------------------------------------------------------------


def _table_row(block: Block, ctx: Context) -> Iterator[Candidate]:
    header = [plain(h).strip().lower() for h in block.header]
    owner_col = _column(header, _OWNER_COLUMN)
    if owner_col is None or owner_col >= len(block.cells):
        return
    task_col = _column(header, _TASK_COLUMN)
    if task_col is None:
        task_col = _first_text_column(header, owner_col)
    due_col = _column(header, _DUE_COLUMN)
    status_col = _column(header, _STATUS_COLUMN)
    cells = list(block.cells) + [""] * len(header)
    task, due_text = cells[task_col], cells[due_col] if due_col is not None else ""
    status = cells[status_col] if status_col is not None else ""
    if not plain(task) or is_struck(task) or _DONE.search(plain(due_text + " " + status)):
        return
    owner_cell = plain(cells[owner_col])
    owners = () if _NO_OWNER.match(owner_cell) else _people(owner_cell, ctx)
    if not owners and not re.fullmatch(GROUP, owner_cell) and not _NO_OWNER.match(owner_cell):
        owners = tuple(n.strip() for n in re.split(r",|\band\b|[+&/]", owner_cell) if n.strip())
    yield Candidate(
        block=block,
        line=block.line,
        owners=owners,
        title=make_title(_strip_refs(task)),
        due=ctx.due(plain(due_text)) if due_text.strip() else None,
        refs=tuple(ctx.refs(block.text, owners[0] if len(owners) == 1 else None)),
        source=squash(plain(task)),
    )


def _column(header: list[str], pattern: re.Pattern[str]) -> int | None:
    return next((i for i, h in enumerate(header) if pattern.match(h)), None)


def _first_text_column(header: list[str], owner_col: int) -> int:
    skip = {owner_col}
    for i, name in enumerate(header):
        if (
            i not in skip
            and name not in ("#", "no", "no.", "id", "")
            and not _DUE_COLUMN.match(name)
        ):
            return i
    return 0


def _strip_refs(task: str) -> str:
    return re.sub(r"\s*\((?:#\d+|[\w./-]+#\d+)\)", "", task)
