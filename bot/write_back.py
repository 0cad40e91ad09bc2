"""Links written back into the minutes: each item's line gets ` (#N)`; pure text, no I/O.

With `write_back: pr` the bot proposes, in a pull request, the minutes with each item's
issue link at the end of its line:

    - [ ] Peter Fang: resubmit the changes removed from `svsm-tdx` (#12)
    | Jon Lange | review the page table rework (#14) |

Nothing else in the file changes, byte for byte: each line keeps its own line break
(`\n`, `\r\n` or `\r`). Where "the end of the line" is follows Markdown, so the link
renders where it was put: before trailing spaces (two of them are a hard line break) or
a trailing backslash (another), before the closing `#`s of a heading, inside the last
cell of a table row (after the closing pipe it would be a cell beyond the header's, which
GitHub drops). Lines in code blocks and HTML blocks get nothing, nor does a line that
already names the issue. Applying the links twice changes nothing the second time, and
`without_links` takes back exactly what `with_links` added, so the bot reads merged
minutes as it read them before.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

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
_WRITTEN = re.compile(r" \(#(\d+)(?:, #\d+)*\)$")


@dataclass(frozen=True, order=True)
class Link:
    """An item's issue, to be linked at the end of the item's 1-based line."""

    line: int
    number: int


@dataclass(frozen=True)
class _Line:
    body: str
    end: str  # the line break exactly as the file has it; "" on a last line without one


def with_links(text: str, links: Iterable[Link]) -> str:
    """Return `text` with each link's ` (#N)` at the end of its line; nothing else changed.

    A line that already mentions `#N` gets nothing for it; the numbers a line still lacks
    share one pair of brackets, in the order given.
    """
    lines = _split(text)
    wanted: dict[int, list[int]] = {}
    for link in links:
        if 1 <= link.line <= len(lines) and link.number not in wanted.get(link.line, []):
            wanted.setdefault(link.line, []).append(link.number)
    if not wanted:
        return text
    kinds = _line_kinds(text)
    changed = list(lines)
    for number, issues in wanted.items():
        line = lines[number - 1]
        kind = kinds.get(number)
        missing = [n for n in issues if not _mentions(line.body, n)]
        # A line of no words (a rule, a table's delimiter row) holds no item; a link
        # would change what it is.
        if kind == _CODE or not missing or not _WORD.search(line.body):
            continue
        at = _link_position(line.body, kind)
        suffix = " (" + ", ".join(f"#{n}" for n in missing) + ")"
        changed[number - 1] = _Line(line.body[:at] + suffix + line.body[at:], line.end)
    return "".join(line.body + line.end for line in changed)


def without_links(text: str, numbers: Collection[int]) -> str:
    """Take out the links `with_links` wrote for issues among `numbers`; nothing else.

    Written-back links are the bot's own: reading merged minutes, they must not read as
    references the items make, nor change what is quoted from them.
    """
    if not numbers or "(#" not in text:
        return text
    kinds = _line_kinds(text)
    out = []
    for index, line in enumerate(_split(text), 1):
        kind = kinds.get(index)
        body = line.body
        if kind != _CODE and "(#" in body:
            body = _unlinked(body, _link_position(body, kind), numbers)
        out.append(body + line.end)
    return "".join(out)


def _unlinked(body: str, at: int, numbers: Collection[int]) -> str:
    """Take the written-back links ending at `at` off a line, while they name `numbers`."""
    while found := _WRITTEN.search(body[:at]):
        if not all(int(n) in numbers for n in re.findall(r"\d+", found.group())):
            break
        body, at = body[: found.start()] + body[at:], found.start()
    return body


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
def _line_kinds(text: str) -> dict[int, str]:
    """Map 1-based line numbers to what holds them, for the lines where that matters."""
    kinds: dict[int, str] = {}
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
    return kinds


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
