"""Read the slash commands people write in comments on action-item issues.

A command is a line of ordinary text whose first non-space character is `/`
followed by a command word and then a space or the end of the line. Lines in
code (fenced, indented or inline), block quotes and HTML comments are never
commands, so quoting somebody's `/done` in a reply does nothing. `/usr/bin`,
`//` and URLs are not commands either: the word must be letters and be followed
by whitespace or the end of the line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.backticks import backtick
from markdown_it.token import Token

from bot.tracker.inert import GITHUB_LOGIN, code_span
from bot.tracker.lines import unix_lines

HELP_LINES = {
    "done": "- `/done` closes it as completed; add `#123`, `with #123` or a short note to say how.",
    "reopen": "- `/reopen` reopens it.",
    "drop": "- `/drop <why>` closes it as not planned; the reason is required.",
    "assign": "- `/assign @login [@login ...]` sets who owns it.",
    "due": "- `/due <when>` sets the due date, e.g. `/due 2025-01-31` or `/due end of February`.",
    "help": "- `/help` shows this message.",
}
HELP_HEADING = "**Commands for this action item** (one per line, at the start of the line):"
WHO_MAY = (
    "The assignees, the issue author and people with triage, write, maintain or admin access "
    "may use them."
)


def help_text(enabled: Iterable[str]) -> str:
    """Explain the commands this repository enables, in the order of `HELP_LINES`."""
    enabled = set(enabled)
    lines = [line for word, line in HELP_LINES.items() if word in enabled]
    return "\n\n".join([HELP_HEADING, "\n".join(lines), WHO_MAY])


HELP = help_text(HELP_LINES)
"""The help with every command enabled, as a repository without a config gets it."""

REFUSAL = (
    "Sorry, only the assignees, the issue author and people with triage or write access"
    " can use commands on this item."
)

MEETING_ISSUE_HELP = """\
This issue groups the action items of one meeting, so commands do nothing here. \
Comment `/done`, `/reopen`, `/drop <why>`, `/assign @login` or `/due <when>` on the \
action item's own issue instead; `/help` there lists them all."""

DROP_NEEDS_REASON = "Please say why the item is dropped, e.g. `/drop superseded by #123`."
ASSIGN_NEEDS_LOGIN = "Please name who should own the item, e.g. `/assign @octocat`."
ASSIGN_BAD_LOGIN = "{token} is not a GitHub login; write logins as `@octocat`."
ASSIGN_TOO_MANY = "GitHub allows at most {limit} assignees on an issue."
DUE_NEEDS_DATE = "Please say when the item is due, e.g. `/due 2025-01-31` or `/due next Friday`."
DUE_NOT_UNDERSTOOD = (
    "I couldn't read {phrase} as a date; try `/due 2025-01-31` or `/due end of February`."
)
DUE_OUT_OF_RANGE = (
    "{day} is not a due date I can set: it must be within a year back and five years ahead."
)
# How far from today a due date may be: further is a typo (`0001-01-01`), not a plan.
DUE_PAST = timedelta(days=366)
DUE_AHEAD = timedelta(days=5 * 366)

MAX_ASSIGNEES = 10
"""GitHub's limit on assignees per issue."""

ACTING_ROLES = frozenset({"admin", "maintain", "write", "triage"})

_COMMAND_LINE = re.compile(r"/(?P<word>[A-Za-z]+)(?:\s+(?P<args>.*))?$")
_LOGIN = re.compile(f"@(?P<login>{GITHUB_LOGIN})")
_REF = re.compile(
    r"(?:[\w.-]+/[\w.-]+)?#\d+"
    r"|https://github\.com/[\w.-]+/[\w.-]+/(?:issues|pull)/\d+\S*"
)
_DONE_WITH = re.compile(
    rf"(?:(?:with|in|by|via|see)\s+)?(?P<ref>{_REF.pattern})(?:[\s,.;:-]+(?P<note>.*))?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Done:
    """Close the item as completed, optionally naming the work (`#123`) or a note."""

    ref: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Reopen:
    """Reopen a closed item."""

    note: str = ""


@dataclass(frozen=True)
class Drop:
    """Close the item as not planned, for the given reason."""

    reason: str


@dataclass(frozen=True)
class Assign:
    """Make these logins the item's owners."""

    logins: tuple[str, ...]


@dataclass(frozen=True)
class Due:
    """Set the due date; `when` is the phrase as written, resolved by the caller."""

    when: str


@dataclass(frozen=True)
class Help:
    """Explain the commands."""


@dataclass(frozen=True)
class Malformed:
    """A known command used wrongly; `reason` is the reply for the user."""

    command: str
    reason: str


@dataclass(frozen=True)
class Unknown:
    """A `/word` at the start of a line that is not a command: ignored, as `/cc` or `/shrug`
    are words for people and other bots."""

    word: str


Command = Done | Reopen | Drop | Assign | Due | Help | Malformed | Unknown


def parse_commands(body: str) -> tuple[Command, ...]:
    """Return the commands in a comment body, in the order they appear."""
    return tuple(parse_command_line(line) for line in command_lines(body))


def added_commands(old_body: str, new_body: str) -> tuple[Command, ...]:
    """Return the commands an edit added: command lines not already in the old body."""
    already_run = Counter(command_lines(old_body))
    added = []
    for line in command_lines(new_body):
        if already_run[line]:
            already_run[line] -= 1
        else:
            added.append(parse_command_line(line))
    return tuple(added)


def may_act(login: str, *, assignees: Sequence[str], author: str, permission: str) -> bool:
    """Tell whether `login` may run commands on an item.

    `permission` is the collaborator `role_name`; custom roles count as no access
    because their abilities are unknown here.
    """
    people = {name.casefold() for name in (*assignees, author)}
    return login.casefold() in people or permission.casefold() in ACTING_ROLES


def due_in_range(due: date, today: date) -> bool:
    """Tell whether `due` is a date a person could mean: a year back to five years ahead."""
    return today - DUE_PAST <= due <= today + DUE_AHEAD


def parse_command_line(line: str) -> Command:
    """Parse one command line (as returned by `command_lines`)."""
    match = _COMMAND_LINE.match(line)
    if match is None:
        raise ValueError(f"not a command line: {line!r}")
    word = match["word"].lower()
    args = (match["args"] or "").strip()
    parser = _PARSERS.get(word)
    return parser(args) if parser else Unknown(word)


def command_lines(body: str) -> list[str]:
    """Return the command lines of a body, skipping code, quotes and HTML.

    Runs of whitespace become one space, so re-spacing a line in an edit does not
    make it a new command.
    """
    text = unix_lines(body)
    lines = text.split("\n")
    starts = (" ".join(lines[number].split()) for number in _text_line_starts(text))
    return [line for line in starts if _COMMAND_LINE.match(line)]


def _parse_done(args: str) -> Command:
    with_ref = _DONE_WITH.match(args)
    if with_ref:
        return Done(ref=with_ref["ref"], note=(with_ref["note"] or "").strip())
    return Done(note=args)


def _parse_reopen(args: str) -> Command:
    return Reopen(note=args)


def _parse_drop(args: str) -> Command:
    return Drop(reason=args) if args else Malformed("drop", DROP_NEEDS_REASON)


def _parse_assign(args: str) -> Command:
    tokens = [token for token in re.split(r"[\s,]+", args) if token and token != "and"]
    if not tokens:
        return Malformed("assign", ASSIGN_NEEDS_LOGIN)
    logins: dict[str, str] = {}
    for token in tokens:
        login = _LOGIN.fullmatch(token)
        if login is None:
            return Malformed("assign", ASSIGN_BAD_LOGIN.format(token=code_span(token)))
        logins.setdefault(login["login"].casefold(), login["login"])
    if len(logins) > MAX_ASSIGNEES:
        return Malformed("assign", ASSIGN_TOO_MANY.format(limit=MAX_ASSIGNEES))
    return Assign(logins=tuple(logins.values()))


def _parse_due(args: str) -> Command:
    return Due(when=args) if args else Malformed("due", DUE_NEEDS_DATE)


def _parse_help(args: str) -> Command:
    return Help()


_PARSERS = {
    "done": _parse_done,
    "reopen": _parse_reopen,
    "drop": _parse_drop,
    "assign": _parse_assign,
    "due": _parse_due,
    "help": _parse_help,
}


def _text_line_starts(text: str) -> Iterator[int]:
    """Yield the 0-based numbers of lines that start with plain paragraph text."""
    quote_depth = 0
    tokens = _MARKDOWN.parse(text)
    for previous, token in zip([None, *tokens], tokens, strict=False):
        quote_depth += {"blockquote_open": 1, "blockquote_close": -1}.get(token.type, 0)
        in_paragraph = previous is not None and previous.type == "paragraph_open"
        if token.type == "inline" and in_paragraph and not quote_depth and token.map:
            yield from _line_starts_in(token.children or [], first_line=token.map[0])


def _line_starts_in(children: list[Token], first_line: int) -> Iterator[int]:
    """Yield the lines whose first inline token is text, counting hidden newlines."""
    line, at_line_start = first_line, True
    for child in children:
        if at_line_start and child.type == "text":
            yield line
        at_line_start = child.type in ("softbreak", "hardbreak")
        line += at_line_start + _newlines_inside(child)


def _newlines_inside(token: Token) -> int:
    """Count the source newlines a code span, image or inline HTML token swallowed."""
    if token.type == "code_inline":
        return int(token.meta.get("newlines", 0))
    if token.type in ("image", "html_inline"):
        return token.content.count("\n")
    return 0


def _backtick_counting_newlines(state: StateInline, silent: bool) -> bool:
    """Parse a code span like markdown-it does, remembering how many lines it spans.

    markdown-it turns newlines inside a code span into spaces, which would lose
    track of the source line of everything after it.
    """
    start, tokens_before = state.pos, len(state.tokens)
    if not backtick(state, silent):
        return False
    # An unmatched run of backticks is kept as text and pushes no token.
    if len(state.tokens) > tokens_before:
        state.tokens[-1].meta["newlines"] = state.src.count("\n", start, state.pos)
    return True


def _markdown() -> MarkdownIt:
    markdown = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    markdown.inline.ruler.at("backticks", _backtick_counting_newlines)
    return markdown


_MARKDOWN = _markdown()
