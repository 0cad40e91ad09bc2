"""Links written back into the minutes: ` (#N)` where each item ends; pure text, no I/O.

With `write_back: pr` the bot proposes, in a pull request, the minutes with each item's
issue link where the item's sentence ends, which for most items is the end of its line:

    - [ ] Peter Fang: resubmit the changes removed from `svsm-tdx` (#12)
    | Jon Lange | review the page table rework (#14) |

A sentence wrapped over several lines of its paragraph is linked at the end of its last
line; one followed by another sentence on that line, right after its full stop. Nothing
else in the file changes, byte for byte: each line keeps its own line break (`\n`, `\r\n`
or `\r`). "The end of the line" follows Markdown, so the link renders where it was put:
before trailing spaces (two of them are a hard line break) or a trailing backslash
(another), before the closing `#`s of a heading, inside the last cell of a table row
(after the closing pipe it would be a cell beyond the header's, which GitHub drops).
Lines in code blocks and HTML blocks get nothing, nor does an item whose lines already
name the issue. Applying the links twice changes nothing the second time, and
`without_links` takes back exactly what `with_links` added, so the bot reads merged
minutes as it read them before.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

BRANCH_PREFIX = "minutes-bot/links/"
PULL_TITLE = "Link the action items of {file} to their issues"
PULL_BODY = (
    "minutes-bot adds each action item's issue to the end of its line in `{path}`, "
    "so the minutes lead to the work they started. Nothing else in the file changes.\n\n"
    "{lines}\n\n"
    "Merge it as it is; the bot keeps it up to date when the minutes change "
    "(`write_back: pr` in `.github/minutes-bot.yml`). Closing it unmerged stops it for this file; "
    "reopening it starts it again."
)
COMMIT_MESSAGE = "Link the action items of {file} to their issues"
# The body of a links pull request the bot closed because nothing was left to add; the
# marker tells it from one a person closed, which means "no".
SETTLED_MARKER = "<!-- minutes-bot: links settled -->"
SETTLED_BODY = (
    "minutes-bot closed this pull request: `{path}` names every action item's issue already, "
    "or has none left to link. Nothing else was proposed.\n\n" + SETTLED_MARKER
)

_PARSER = MarkdownIt("commonmark").enable("table").disable("inline")
# A line break as Markdown counts them: one each, whichever way the file was saved.
_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")
# What may follow the link at the end of a line: trailing blanks, after a hard-break
# backslash, the closing sequence of an ATX heading, or a table row's closing pipe.
_TRAILING_BLANKS = re.compile(r"[ \t]*$")
_ODD_BACKSLASH = re.compile(r"(?<!\\)(?:\\\\)*\\[ \t]*$")
_CLOSING_HASHES = re.compile(r"[ \t]+#+[ \t]*$")
_CLOSING_PIPE = re.compile(r"(?<!\\)\|[ \t]*$")
# The link as written back: ` (#12)`, or ` (#12, #13)` for two items on one line.
_WORD = re.compile(r"\w")
_WORDS = re.compile(r"\w+")
_NOT_BLANK = re.compile(r"[^ \t]+")
_WRITTEN = re.compile(r" \(#\d+(?:, #\d+)*\)")


@dataclass(frozen=True, order=True)
class Link:
    """An item's issue, to be linked where the item's sentence ends.

    `line` is the 1-based line the item starts on; `sentence` the item's sentence as the
    minutes say it (`ActionItem.source`), which may go on over the next lines of its
    paragraph. Without a sentence, or one not found there, the link ends `line`.
    """

    line: int
    number: int
    sentence: str = field(default="", compare=False)


@dataclass(frozen=True)
class _Line:
    body: str
    end: str  # the line break exactly as the file has it; "" on a last line without one


@dataclass(frozen=True)
class _Layout:
    """What Markdown makes of the lines: what holds each, and where each paragraph ends."""

    kinds: dict[int, str]
    block_end: dict[int, int]


def with_links(text: str, links: Iterable[Link]) -> str:
    """Return `text` with each link's ` (#N)` where its item ends; nothing else changed.

    That is the end of the line the item's sentence ends on or, when another sentence
    follows there, right after it. An item whose lines mention `#N` already gets nothing;
    links that fall on the same place share one pair of brackets, in the order given.
    """
    lines = _split(text)
    layout = _layout(text)
    wanted: dict[tuple[int, int], list[int]] = {}
    placed: set[int] = set()
    for link in links:
        if not 1 <= link.line <= len(lines) or layout.kinds.get(link.line) == _CODE:
            continue
        if link.number in placed:  # an issue is linked once, where its first item says
            continue
        anchor = _anchor(lines, layout, link)
        span = lines[link.line - 1 : anchor[0]]
        if any(_mentions(line.body, link.number) for line in span):
            placed.add(link.number)
            continue
        # A line of no words (a rule, a table's delimiter row) holds no item; a link
        # would change what it is.
        if _WORD.search(lines[anchor[0] - 1].body):
            wanted.setdefault(anchor, []).append(link.number)
            placed.add(link.number)
    changed = list(lines)
    for (number, at), issues in sorted(wanted.items(), reverse=True):  # right to left
        line = changed[number - 1]
        suffix = " (" + ", ".join(f"#{n}" for n in issues) + ")"
        changed[number - 1] = _Line(line.body[:at] + suffix + line.body[at:], line.end)
    return "".join(line.body + line.end for line in changed)


def without_links(text: str, numbers: Collection[int]) -> str:
    """Take out the links `with_links` wrote for issues among `numbers`; nothing else.

    Written-back links are the bot's own: reading merged minutes, they must not read as
    references the items make, nor change what is quoted from them.
    """
    if not numbers or "(#" not in text:
        return text
    layout = _layout(text)
    out = []
    for index, line in enumerate(_split(text), 1):
        kind = layout.kinds.get(index)
        body = line.body
        if kind != _CODE and "(#" in body:
            body = _unlinked(body, kind, numbers)
        out.append(body + line.end)
    return "".join(out)


def _unlinked(body: str, kind: str | None, numbers: Collection[int]) -> str:
    """Take off a line the written-back links that name only `numbers`: one where the
    line's link goes, or one followed by a blank (after a sentence)."""
    while True:
        at = _link_position(body, kind)
        for found in _WRITTEN.finditer(body):
            placed = found.end() == at or (found.end() < at and body[found.end()].isspace())
            if placed and all(int(n) in numbers for n in re.findall(r"\d+", found.group())):
                body = body[: found.start()] + body[found.end() :]
                break
        else:
            return body


def _anchor(lines: list[_Line], layout: _Layout, link: Link) -> tuple[int, int]:
    """Where a link goes: (1-based line, column), after its sentence, before what stays last."""
    number, column = _sentence_end(lines, layout, link)
    body, kind = lines[number - 1].body, layout.kinds.get(number)
    end = _link_position(body, kind)
    return (number, end) if column is None or column >= end else (number, column)


def _sentence_end(lines: list[_Line], layout: _Layout, link: Link) -> tuple[int, int | None]:
    """Find the line, and the column after it, where the link's sentence ends.

    Its words are looked for in order from the start of its line to the end of its
    paragraph; Markdown around them (emphasis, code, a link's address) is skipped. Not
    found: the end of its own line (column None).
    """
    words = [word.casefold() for word in _WORDS.findall(link.sentence)]
    last = layout.block_end.get(link.line, link.line)
    matched = 0
    for number in range(link.line, min(last, len(lines)) + 1) if words else ():
        body = lines[number - 1].body
        for found in _WORDS.finditer(body):
            if found.group().casefold() != words[matched]:
                continue
            matched += 1
            if matched == len(words):
                rest = _NOT_BLANK.match(body, found.end())  # its full stop, closing marks
                return number, rest.end() if rest else found.end()
    return link.line, None


def branch_for(path: str) -> str:
    """Name the branch that proposes the links of the minutes at `path`.

    Readable, a valid git ref whatever the path holds, and one per file: two paths that
    read alike once made a ref name (`a/b.md`, `a-b.md`) differ by the hash.
    """
    stem = path.rsplit(".", 1)[0] if path.lower().endswith(".md") else path
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:60] or "minutes"
    digest = hashlib.sha1(path.encode("utf-8")).hexdigest()[:8]
    return f"{BRANCH_PREFIX}{slug}-{digest}"


def pull_title(path: str) -> str:
    """Title the pull request that links the items of the minutes at `path`."""
    return PULL_TITLE.format(file=f"`{path.rsplit('/', 1)[-1]}`")


def pull_body(path: str, links: Iterable[Link]) -> str:
    """Say what the pull request changes: one `- line N: #M` per link, in line order."""
    lines = "\n".join(f"- line {link.line}: #{link.number}" for link in sorted(links))
    return PULL_BODY.format(path=path, lines=lines)


def commit_message(path: str) -> str:
    return COMMIT_MESSAGE.format(file=path)


def settled_body(path: str) -> str:
    """Say why the bot closed the links pull request of `path`."""
    return SETTLED_BODY.format(path=path)


def is_settled(body: str | None) -> bool:
    """Tell whether a closed links pull request was closed by the bot, having nothing to add."""
    return SETTLED_MARKER in (body or "")


# ---------------------------------------------------------------------------
# Lines and what Markdown makes of them

_CODE = "code"  # a code block, HTML or front matter: text, not minutes
_ROW = "row"  # a table row
_HEADING = "heading"  # an ATX heading


def _split(text: str) -> list[_Line]:
    """Cut `text` into lines, each with its own line break, as Markdown counts lines."""
    lines = [_Line(m.group(1), m.group(2)) for m in _LINE.finditer(text)]
    # The pattern also matches the empty rest after a final line break; that is no line.
    if lines and lines[-1] == _Line("", "") and (len(lines) > 1 or not text):
        lines.pop()
    return lines


@functools.lru_cache(maxsize=8)
def _layout(text: str) -> _Layout:
    """Map 1-based line numbers to what holds them, where that matters, and each line of
    a paragraph to the paragraph's last line."""
    kinds: dict[int, str] = {}
    block_end: dict[int, int] = {}
    for token in _PARSER.parse(text):
        if token.map is None:
            continue
        first, last = token.map[0] + 1, token.map[1]
        if token.type in ("fence", "code_block", "html_block"):
            kinds.update(dict.fromkeys(range(first, last + 1), _CODE))
        elif token.type == "tr_open":
            kinds.update(dict.fromkeys(range(first, last + 1), _ROW))
        elif token.type == "heading_open" and token.markup.startswith("#"):
            kinds[first] = _HEADING
        elif token.type == "paragraph_open":
            block_end.update(dict.fromkeys(range(first, last + 1), last))
    return _Layout(kinds, block_end)


def _link_position(body: str, kind: str | None) -> int:
    """Where on a line the link goes: after its last word, before what must stay last."""
    if kind == _ROW:
        closing = _CLOSING_PIPE.search(body)
        if closing:
            return len(body[: closing.start()].rstrip(" \t"))
    if kind == _HEADING:
        closing = _CLOSING_HASHES.search(body)
        if closing and body[: closing.start()].strip(" \t#"):
            return closing.start()
    hard_break = _ODD_BACKSLASH.search(body)
    if hard_break:
        return len(body[: hard_break.end()].rstrip(" \t")) - 1
    return _TRAILING_BLANKS.search(body).start()  # type: ignore[union-attr]


def _mentions(body: str, number: int) -> bool:
    """Tell whether a line already names issue `number` (`#12`, not `#123` or `x/y#12`)."""
    return re.search(rf"(?<![\w/&#])#{number}(?!\w)", body) is not None
