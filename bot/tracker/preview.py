"""The comment on a pull request that says what merging it would do to the issues.

Pure text from a `DryRun` of the service's reconciler. People, issues and PRs are
written as code (`@login`, `#12`), so the preview neither notifies anybody nor leaves
a reference on another issue's timeline before the merge. For the SVSM minutes:

    **minutes-bot preview**: what merging this pull request would do.

    #### `meetings/2024-12-18.md`

    Opens the meeting issue "Meeting 2024-12-18: SVSM Development Call" and 7 issues:

    | Line | Issue | Owner | Due | Links |
    |---|---|---|---|---|
    | [13](…?plain=1#L13) | Check and resubmit … | Peter Fang → `@peterfang` | | `svsm-tdx` … |
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from bot.minutes.dates import parse_date
from bot.minutes.meta import file_date
from bot.minutes.model import ActionItem, Minutes, Ref, RefKind
from bot.minutes.model_reader import MODEL_READER, reading_summary
from bot.tracker.dry_run import Change
from bot.tracker.followup import EarlierItem, Followup, preview_lines, still_open_text
from bot.tracker.ignore import IGNORE_MARKER
from bot.tracker.inert import code_span, inert_markdown
from bot.tracker.marker import ItemMarker, parse_marker
from bot.tracker.reconcile import (
    CloseIssue,
    CreateItemIssue,
    CreateMeetingIssue,
    UpdateItemIssue,
    UpdateMeetingIssue,
)
from bot.tracker.render import Link, RenderContext, branch_text, link_text, owner_logins, permalink

PREVIEW_MARKER = "<!-- minutes-bot:preview -->"
HEADER = "**minutes-bot preview**: what merging this pull request would do."
NO_MINUTES = "**minutes-bot preview**: this pull request no longer changes any minutes."
NO_CHANGES = "No issue changes: the issues already match these minutes."
CONFIG_CHANGED = (
    "This pull request changes `.github/minutes-bot.yml`: once it is merged, the bot goes "
    "through every minutes file again with the new settings."
)
CONFIG_PROBLEMS = (
    "minutes-bot could not use `{path}` at this pull request's head; merged, it would stop "
    "the bot until it is fixed. Please fix:\n\n{problems}"
)
NO_LOGIN = "no GitHub login known: add them to `people`"
FOOTER = (
    "<sub>Not what the minutes mean? Reword the sentence; write `ACTION:` before a line or "
    "make it a `- [ ]` checkbox to make it an item; add a name to `people` in "
    f"`.github/minutes-bot.yml`; end a line with `{IGNORE_MARKER}` to skip it. "
    "Nothing is opened, assigned or labelled before the merge; this comment follows every "
    "push.</sub>"
)
DATES_DISAGREE = (
    "The title says {titled} but the file name says {named}; the items are dated from "
    "{used}. Is one of them a typo?"
)
TABLE_HEAD = "| Line | Issue | Owner | Due | Links |\n|---|---|---|---|---|"
# After the title of an item only the model reader found: the one a maintainer checks.
MODEL_ONLY = "*(model only: please check)*"
MODEL_READING = "The model reader: {summary}."


@dataclass(frozen=True)
class FileChanges:
    """What reconciling one minutes file would change; `followups` are what it would do to
    earlier meetings' items it reports done or restates."""

    path: str
    changes: tuple[Change, ...]
    followups: tuple[Followup, ...] = ()
    still_open: tuple[EarlierItem, ...] = ()


def by_file(
    changes: Iterable[Change],
    paths: Iterable[str],
    followups: Mapping[str, Sequence[Followup]] | None = None,
    still_open: Mapping[str, Sequence[EarlierItem]] | None = None,
) -> list[FileChanges]:
    """Group a dry run's changes by the minutes file they came from, in `paths` order;
    with what each says of earlier meetings' items and what they leave open."""
    listed = list(changes)
    said, left = followups or {}, still_open or {}
    return [
        FileChanges(
            p,
            tuple(c for c in listed if c.ctx.path == p),
            tuple(said.get(p, ())),
            tuple(left.get(p, ())),
        )
        for p in paths
    ]


@dataclass(frozen=True)
class Head:
    """The branch a pull request merges, which line links point into: they stay the same
    across pushes, so a push that changes no item changes no word of the preview."""

    repo: str
    ref: str

    def source(self, ctx: RenderContext) -> RenderContext:
        return replace(ctx, repo=self.repo, sha=quote(self.ref, safe="/"))


def render_preview(
    files: Sequence[FileChanges],
    existing: Mapping[int, Mapping[str, Any]],
    head: Head,
    *,
    config_changed: bool,
    notes: Sequence[str] = (),
) -> str:
    """Render the whole comment: one section per minutes file, then how to correct it.

    `notes` say what the bot could not read (organisation defaults a token cannot see).
    """
    sections = [section(f, existing, head) for f in files]
    said = [*notes, *([CONFIG_CHANGED] if config_changed else [])]
    return "\n\n".join([HEADER, *said, *sections, FOOTER, PREVIEW_MARKER])


def render_config_problems(path: str, problems: str) -> str:
    """Render the comment for a head whose config cannot be used."""
    body = CONFIG_PROBLEMS.format(path=path, problems=problems)
    return "\n\n".join([HEADER, f"#### {code_span(path)}", body, PREVIEW_MARKER])


def render_no_minutes() -> str:
    """Render the one line left when a pull request stops touching minutes."""
    return f"{NO_MINUTES}\n\n{PREVIEW_MARKER}"


def section(file: FileChanges, existing: Mapping[int, Mapping[str, Any]], head: Head) -> str:
    """Render what one file would open, update and close."""
    parts = [f"#### {code_span(file.path)}"]
    parts += _reading(file.changes)
    parts += [said for c in file.changes[:1] if (said := dates_disagree(c.minutes))]
    parts += _openings(file.changes, head)
    parts += _updates(file.changes, existing)
    parts += _closures(file.changes, existing)
    source = head.source(RenderContext(head.repo, file.path, head.ref))
    parts += preview_lines(file.followups, lambda line: permalink(source, line))
    parts += _meeting_lists(file.changes, existing)
    parts += [text for text in [still_open_text(file.still_open, inert=True)] if text]
    return "\n\n".join(parts if len(parts) > 1 else [*parts, NO_CHANGES])


def _reading(changes: Sequence[Change]) -> list[str]:
    """Say what the model reader added, dropped, or why it was not used, once per file."""
    reading = changes[0].minutes.reading if changes else None
    return [MODEL_READING.format(summary=reading_summary(reading))] if reading else []


def dates_disagree(minutes: Minutes) -> str | None:
    """Say so when the title's date and the file name's are two different days."""
    named = file_date(minutes.path)
    titled = parse_date(minutes.title) if minutes.title else None
    if named is None or titled is None or named == titled:
        return None
    used = minutes.meeting_date.isoformat() if minutes.meeting_date else "neither"
    return DATES_DISAGREE.format(titled=titled.isoformat(), named=named.isoformat(), used=used)


def _openings(changes: Sequence[Change], head: Head) -> list[str]:
    items = [c for c in changes if isinstance(c.operation, CreateItemIssue)]
    meeting = next((c.operation for c in changes if isinstance(c.operation, CreateMeetingIssue)), None)
    if not items and meeting is None:
        return []
    what = f'the meeting issue "{_cell(meeting.title)}" and ' if meeting else ""
    rows = [_row(c.item, c.ctx, head) for c in items if c.item is not None]
    return [f"Opens {what}{len(items)} issue(s):", "\n".join([TABLE_HEAD, *rows])]


def _row(item: ActionItem, ctx: RenderContext, head: Head) -> str:
    line = f"[{item.line}]({permalink(head.source(ctx), item.line)})"
    due = item.due.isoformat() if item.due else ""
    links = ", ".join(ref_cell(ref, ctx) for ref in item.refs)
    title = _cell(item.title) + (f" {MODEL_ONLY}" if item.reader == MODEL_READER else "")
    return f"| {line} | {title} | {owner_cell(item, ctx)} | {due} | {links} |"


def owner_cell(item: ActionItem, ctx: RenderContext) -> str:
    """Say who would be assigned: `Peter Fang → @peterfang`, or why nobody."""
    if not item.owners and not item.logins:
        return "everyone"
    return "; ".join(_owner(name, login, ctx) for name, login in owner_logins(item))


def _owner(name: str, login: str | None, ctx: RenderContext) -> str:
    if login is None:
        return f"{_cell(name)}: {NO_LOGIN}"
    if login not in ctx.assignable:
        return f"{_cell(name)} → {code_span(login)} cannot be assigned here"
    return f"{_cell(name)} → {code_span('@' + login)}"


def ref_cell(ref: Ref, ctx: RenderContext) -> str:
    """Write a reference as the bot resolved it, as code so nothing is linked yet."""
    resolved = ctx.links.get(ref)
    if isinstance(resolved, Link):
        return f"`{link_text(resolved, ctx.repo)}` {_cell(resolved.title)}".rstrip()
    if ref.kind is RefKind.NAMED_PR:
        candidates = " or ".join(f"`{link_text(c, ctx.repo)}`" for c in resolved or ())
        found = f"one of {candidates}?" if candidates else "no matching PR found"
        return f'"{_cell(ref.value)}": {found}'
    if ref.kind is RefKind.BRANCH:
        return _cell(branch_text(ref, ctx))
    return code_span(ref.value)


def _updates(changes: Sequence[Change], existing: Mapping[int, Mapping[str, Any]]) -> list[str]:
    lines = [
        f"- {_issue(c.operation.number, existing)}: {describe_update(c.operation, existing)}"
        for c in changes
        if isinstance(c.operation, UpdateItemIssue)
    ]
    return [f"Updates {len(lines)} issue(s):", "\n".join(lines)] if lines else []


def _meeting_lists(changes: Sequence[Change], existing: Mapping[int, Mapping[str, Any]]) -> list[str]:
    meetings = [c.operation for c in changes if isinstance(c.operation, UpdateMeetingIssue)]
    return [f"The meeting issue {_issue(op.number, existing)} lists the items anew."
            for op in meetings if op.number in existing]


def describe_update(op: UpdateItemIssue, existing: Mapping[int, Mapping[str, Any]]) -> str:
    """Say what an update changes: the title, owners, due date, line or wording."""
    said = []
    if op.state == "open":
        said.append("reopened, as the item is back in the minutes")
    if op.title is not None:
        said.append(f'title becomes "{_cell(op.title)}"')
    if op.assignees is not None:
        said.append("assignees become " + (", ".join(f"`@{a}`" for a in op.assignees) or "nobody"))
    if op.body is not None:
        said.append(_body_change(existing.get(op.number, {}).get("body"), op.body))
    if op.comment is not None:
        said.append("it keeps what people set on GitHub and says what the minutes now say")
    return "; ".join(said)


def _body_change(before: str | None, after: str) -> str:
    old, new = parse_marker(before), parse_marker(after)
    if not isinstance(old, ItemMarker) or not isinstance(new, ItemMarker):
        return "its description follows the minutes"
    said = []
    if old.current_due != new.current_due:
        said.append(f"due {_day(old.current_due)} → {_day(new.current_due)}")
    if old.line != new.line:
        said.append(f"now from line {new.line}")
    return ", ".join(said) or "its description follows the minutes"


def _closures(changes: Sequence[Change], existing: Mapping[int, Mapping[str, Any]]) -> list[str]:
    closed = [c.operation.number for c in changes if isinstance(c.operation, CloseIssue)]
    if not closed:
        return []
    lines = [f"- {_issue(number, existing)}" for number in closed]
    head = f"Closes {len(closed)} issue(s) as not planned, no longer in the minutes:"
    return [head, "\n".join(lines)]


def _issue(number: int, existing: Mapping[int, Mapping[str, Any]]) -> str:
    title = existing.get(number, {}).get("title") or ""
    return f"`#{number}` {_cell(title)}".rstrip()


def _day(day: object) -> str:
    return str(day) if day is not None else "none"


def _cell(text: str) -> str:
    """Write people's text inert and inside its table cell: no pipes, no line breaks."""
    return " ".join(inert_markdown(text).splitlines()).replace("|", "\\|")
