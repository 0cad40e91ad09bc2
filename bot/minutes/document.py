"""Markdown minutes as a flat list of text blocks that remember their lines.

The minutes are parsed with markdown-it-py; every paragraph, list item, table row
and heading becomes a `Block` carrying its raw inline Markdown, the 1-based line it
starts on, the headings it sits under and, for nested lists, its parent item.
Code blocks and HTML are dropped: an action item quoted in code is not an item.
"""

from __future__ import annotations

import bisect
import enum
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.minutes.patterns import compile_lazily

# Only block structure is needed: inline content is read from each block's raw text,
# so the inline pass (a third of the parsing time) is switched off.
# Below every real heading level: a bold line titles what follows until the next heading.
PSEUDO_HEADING_LEVEL = 7
_BOLD_LINE = compile_lazily(r"^(?:\*\*(?P<stars>[^*\n]+)\*\*|__(?P<lines>[^_\n]+)__):?$")
_LABEL_LINE = compile_lazily(r"^[^\W\d][^:\n]{0,38}:$")
_LINK_TARGET = compile_lazily(r"\]\([^()\s]*\)")
# A title is short; a link's address does not count ("**[PR 528](https://…) Attestation**").
MAX_PSEUDO_HEADING = 80
# A line that leads into a list is short: one line, or one wrapped onto a second.
LEAD_IN_LINES = 2
LEAD_IN_CHARS = 160
_PARSER = MarkdownIt("commonmark").enable("table").disable("inline")


class BlockKind(enum.Enum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    TABLE_ROW = "table_row"


@dataclass(frozen=True)
class Block:
    """One unit of text in the minutes.

    `text` is the raw inline Markdown (lines joined by newlines, list markers and
    indentation removed); for a table row `cells` holds the row and `header` the
    table's header cells. `parent` is the index of the enclosing list item.
    """

    index: int
    kind: BlockKind
    line: int
    text: str
    section: tuple[str, ...] = ()
    parent: int | None = None
    depth: int = 0
    cells: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    level: int = 0

    def line_at(self, offset: int) -> int:
        """The file line of character `offset` in `text`."""
        return self.line + bisect.bisect_left(self._newlines, max(offset, 0))

    @functools.cached_property
    def _newlines(self) -> list[int]:
        """Where the text's line breaks are, found once: many items may sit in one block."""
        return [i for i, char in enumerate(self.text) if char == "\n"]


@dataclass(frozen=True)
class Document:
    """The parsed minutes: front matter (a mapping, possibly empty) and blocks in order."""

    front_matter: dict[str, Any]
    blocks: tuple[Block, ...]
    line_count: int
    child_index: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    # A list's lead-in line ("#527 Stronger parent hashes") for each block of the list.
    lead_ins: Mapping[int, int] = field(default_factory=dict)

    def children(self, block: Block) -> list[Block]:
        return [self.blocks[i] for i in self.child_index.get(block.index, ())]

    def has_children(self, block: Block) -> bool:
        return block.index in self.child_index

    def parent(self, block: Block) -> Block | None:
        return self.blocks[block.parent] if block.parent is not None else None

    def lead_in(self, block: Block) -> Block | None:
        """The one-line paragraph that introduces the list `block` belongs to."""
        index = self.lead_ins.get(block.index)
        return self.blocks[index] if index is not None else None

    def ancestors(self, block: Block) -> list[Block]:
        chain: list[Block] = []
        parent = block.parent
        while parent is not None:
            chain.append(self.blocks[parent])
            parent = self.blocks[parent].parent
        return chain


def parse_document(text: str) -> Document:
    """Parse Markdown minutes into blocks; never raises on odd input."""
    front_matter, body = _split_front_matter(text)
    tokens = _PARSER.parse(body)
    blocks = _Walker().walk(tokens)
    children: dict[int, list[int]] = {}
    for block in blocks:
        if block.parent is not None:
            children.setdefault(block.parent, []).append(block.index)
    index = {parent: tuple(found) for parent, found in children.items()}
    return Document(front_matter, tuple(blocks), text.count("\n") + 1, index, _lead_ins(blocks))


def _lead_ins(blocks: list[Block]) -> dict[int, int]:
    """Map the blocks of each list to the short paragraph line right above the list."""
    found: dict[int, int] = {}
    lead: int | None = None
    for block in blocks:
        if block.kind in (BlockKind.HEADING, BlockKind.TABLE_ROW):
            lead = None
        elif block.kind is BlockKind.PARAGRAPH and block.parent is None:
            short = block.text.count("\n") < LEAD_IN_LINES and len(block.text) <= LEAD_IN_CHARS
            lead = block.index if short else None
        elif lead is not None:
            found[block.index] = lead
    return found


def _split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Read YAML front matter and blank its lines, so line numbers stay true."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end in range(1, min(len(lines), 200)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        return {}, text
    # YAML is loaded only for a file that has front matter: most minutes have none, and
    # importing it costs `minutes-bot extract` a quarter of its start-up.
    import yaml

    from bot import safe_yaml

    try:
        # The same alias and depth limits as the repository configuration.
        data = safe_yaml.load("\n".join(lines[1:end]))
    except yaml.YAMLError:
        data = None
    if not isinstance(data, dict):
        return {}, text
    return data, "\n" * end + "\n" + "\n".join(lines[end + 1 :])


class _Walker:
    """Turn markdown-it's token stream into blocks, tracking sections and list nesting."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.section: list[tuple[int, str]] = []
        self.items: list[int | None] = []  # open list items; None until the item has text
        self.row: list[str] | None = None
        self.header: tuple[str, ...] = ()
        self.row_line = 0
        self.in_head = False
        self.heading_level = 0

    def walk(self, tokens: list[Token]) -> list[Block]:
        for pos, token in enumerate(tokens):
            self._visit(token, tokens[pos - 1] if pos else None)
        return self.blocks

    def _visit(self, token: Token, previous: Token | None) -> None:
        kind = token.type
        if kind == "heading_open":
            self.heading_level = int(token.tag[1:])
        elif kind == "list_item_open":
            self.items.append(None)
        elif kind == "list_item_close":
            self.items.pop()
        elif kind == "thead_open":
            self.in_head = True
        elif kind == "thead_close":
            self.in_head = False
        elif kind == "tr_open":
            self.row, self.row_line = [], _line(token)
        elif kind == "tr_close":
            self._end_row()
        elif kind == "inline" and previous is not None:
            self._inline(token, previous)

    def _inline(self, token: Token, opener: Token) -> None:
        if opener.type == "heading_open":
            self._heading(token)
        elif opener.type in ("th_open", "td_open") and self.row is not None:
            self.row.append(token.content.strip())
        elif opener.type == "paragraph_open":
            self._paragraph(token)

    def _heading(self, token: Token, level: int | None = None) -> None:
        self._open_section(level or self.heading_level, _line(token), token.content)

    def _pseudo_heading(self, line: int, text: str) -> None:
        self._open_section(PSEUDO_HEADING_LEVEL, line, text)

    def _open_section(self, level: int, line: int, text: str) -> None:
        self.section = [(lv, title) for lv, title in self.section if lv < level]
        self.section.append((level, text.strip()))
        self._add(BlockKind.HEADING, line, text, level=level)

    def _paragraph(self, token: Token) -> None:
        parent = next((i for i in reversed(self.items[:-1]) if i is not None), None)
        if self.items and self.items[-1] is None:
            self.items[-1] = self._add(
                BlockKind.LIST_ITEM, _line(token), token.content, parent=parent
            )
        elif self.items and self.items[-1] is not None:
            # A second paragraph of the same list item continues that item.
            owner = self.items[-1]
            self._add(BlockKind.PARAGRAPH, _line(token), token.content, parent=owner)
        elif _is_bold_line(token.content) or _LABEL_LINE.match(token.content):
            # "**Action items**" or "Attendees:" on a line of its own heads what follows.
            self._heading(token, level=PSEUDO_HEADING_LEVEL)
        else:
            # A bold line that opens a paragraph heads the lines after it just the same.
            line, lines = _line(token), token.content.split("\n")
            while lines and _is_bold_line(lines[0]):
                self._pseudo_heading(line, lines.pop(0))
                line += 1
            if lines:
                self._add(BlockKind.PARAGRAPH, line, "\n".join(lines))

    def _end_row(self) -> None:
        if self.row is None:
            return
        if self.in_head:
            self.header = tuple(self.row)
        else:
            cells = tuple(self.row)
            self._add(BlockKind.TABLE_ROW, self.row_line, " | ".join(cells), cells=cells)
        self.row = None

    def _add(self, kind: BlockKind, line: int, text: str, **extra: Any) -> int:
        index = len(self.blocks)
        parent = extra.pop("parent", None)
        depth = 0 if parent is None else self.blocks[parent].depth + 1
        header = self.header if kind is BlockKind.TABLE_ROW else ()
        self.blocks.append(
            Block(
                index,
                kind,
                line,
                text,
                tuple(t for _, t in self.section),
                parent,
                depth,
                header=header,
                **extra,
            )
        )
        return index


def _is_bold_line(text: str) -> bool:
    match = _BOLD_LINE.match(text)
    if match is None:
        return False
    title = match.group("stars") or match.group("lines")
    return len(_LINK_TARGET.sub("]", title)) <= MAX_PSEUDO_HEADING


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 1
