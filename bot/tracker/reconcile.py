"""Decide how a repository's issues must change to match one minutes file.

`reconcile` compares the items of a `Minutes` with the issues the bot opened for
that file and returns a `Plan`: operations for the caller to apply in order. It
does no I/O. An issue belongs to an item through the hidden marker in its body
(`bot.tracker.marker`): by key first, then by owner, text similarity and line. What
people changed on GitHub wins: a title they edited, labels, text outside the bot's
part of the body, an issue they closed, and the owners and due date they set, which
the marker records (`set_owners`, `set_due`). Those two hold over every later
push and sync; when the minutes change that same field of the item, one comment
on the item says what the minutes now say and how to follow them.

Item bodies link the meeting issue by number, so when it does not exist yet the
plan only opens it (`Plan.replan`); the caller applies that, adds the new issue to
its list and reconciles again. The meeting issue's task list needs the numbers of
issues the plan creates, so the caller renders it last (`UpdateMeetingIssue`).
Applying a plan and reconciling the same minutes again gives an empty plan.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import PurePosixPath
from typing import Any, Protocol

from rapidfuzz import fuzz

from bot.minutes.model import ActionItem, Minutes, normalise_words
from bot.tracker.followup import EarlierItem, still_open_text
from bot.tracker.inert import code_span, inert_markdown, inert_title
from bot.tracker.marker import (
    ItemMarker,
    MeetingMarker,
    format_marker,
    owned_part,
    parse_marker,
    replace_owned,
    set_marker,
    wrap_owned,
)
from bot.tracker.render import (
    ItemView,
    RenderContext,
    assignees_for,
    chosen_owners,
    file_link,
    item_view,
    owner_text,
    owners_shown,
    render_item,
    restated,
    task_line,
)

REMOVED_COMMENT = (
    "This action item is no longer in [{path}]({url}), so it is closed as not planned. "
    "Reopen it if the work is still wanted."
)
FILE_DELETED_COMMENT = (
    "The minutes file {path} was deleted, so this is closed as not planned. "
    "Reopen it if the work is still wanted."
)
MEETING_FOOTER = "Each item is its own issue: comment `/done` there when it is finished."
MINUTES_DIFFER = "The minutes now say {said}; this item keeps what was set here.{follow}"
NO_ITEMS = "No action items are left in these minutes."
CARRIED_OVER = "Carried over from earlier meetings (each keeps its own issue):"
DUPLICATE_COMMENT = "This is a duplicate of #{original}, which tracks the same {what}."
SUB_ISSUES_ONLY = (
    "The {count} action items are too many to list here; they are this issue's sub-issues."
)
# GitHub refuses bodies over 65,536 characters; leave room for what people add around ours.
MEETING_BODY_ROOM = 60_000

# GitHub's longest label name.
MAX_LABEL = 50
# A reworded item keeps its issue when the titles are this similar (0-100).
SAME_OWNER_SIMILARITY = 65
OTHER_OWNER_SIMILARITY = 85
NEARBY_LINES = 5

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Settings:
    """What the repository configured about the issues the bot opens."""

    item_label: str = "action-item"
    meeting_label_prefix: str = "meeting/"
    meeting_issue: bool = True


@dataclass(frozen=True)
class EnsureLabels:
    """Create these labels unless the repository has them."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class CreateMeetingIssue:
    """Open the meeting issue; reconcile again once its number is known."""

    title: str
    body: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class CreateItemIssue:
    """Open an issue for the item with this key; under meeting issue `parent` where GitHub
    can do both in one write (the plan's `AddSubIssue` for it is then done already)."""

    key: str
    title: str
    body: str
    labels: tuple[str, ...]
    assignees: tuple[str, ...]
    parent: int | None = None


@dataclass(frozen=True)
class UpdateItemIssue:
    """Edit an item issue; None fields stay as they are; `assignees` is the full new list.

    `state` is "open" only to reopen an issue the bot closed because its item had left
    the minutes and is now back. `comment`, posted after the edit, tells people the
    minutes now differ from the owners or due date they set.
    """

    number: int
    title: str | None = None
    body: str | None = None
    assignees: tuple[str, ...] | None = None
    state: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class CloseIssue:
    """Close an issue as not planned (or a duplicate), saying why; write `body` unless None."""

    number: int
    comment: str
    body: str | None = None
    state_reason: str = "not_planned"


@dataclass(frozen=True)
class AddSubIssue:
    """Make an item issue a sub-issue of the meeting issue.

    `issue_id` is the REST `id` (not the number); None means the issue this plan
    creates for `key`. `replace_parent` moves an item the bot had put under another
    meeting issue (a duplicate being merged).
    """

    parent: int
    key: str
    issue_id: int | None
    replace_parent: bool = False


@dataclass(frozen=True)
class UpdateMeetingIssue:
    """Rewrite the meeting issue's list once the item issues exist.

    `tasks` pairs each item's key with how it stands; a view without a number is an
    issue this plan creates. Build the new body with `render_meeting_body(minutes,
    views, ctx, current_body)`, the views numbered from the issues just created.
    """

    number: int
    current_body: str
    tasks: tuple[tuple[str, ItemView], ...]


Operation = (
    EnsureLabels
    | CreateMeetingIssue
    | CreateItemIssue
    | UpdateItemIssue
    | CloseIssue
    | AddSubIssue
    | UpdateMeetingIssue
)


@dataclass(frozen=True)
class Plan:
    """Operations to apply in order; `replan`: apply, then reconcile again."""

    operations: tuple[Operation, ...] = ()
    replan: bool = False


@dataclass
class Applied:
    """What applying plans created: item issues by key, and the meeting issue."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    meeting: dict[str, Any] | None = None
    linked: set[tuple[int, int]] = field(default_factory=set)  # (meeting, item id) linked


def numbered(view: ItemView, created: Mapping[str, Any] | None) -> ItemView:
    """Give a task the number of the issue just created for it."""
    return replace(view, number=created["number"]) if created and view.number is None else view


def listed_meeting_body(
    op: UpdateMeetingIssue,
    minutes: Minutes,
    ctx: RenderContext,
    created: Mapping[str, Mapping[str, Any]],
) -> str:
    """Render the meeting body `op` asks for, its tasks numbered from the issues `created`."""
    views = [numbered(view, created.get(key)) for key, view in op.tasks]
    return render_meeting_body(minutes, views, ctx, op.current_body)


class Writer(Protocol):
    """Where the plans of one repository go: GitHub, or a record of what would change."""

    known_labels: set[str]

    async def apply(self, plan: Plan, minutes: Minutes, ctx: RenderContext) -> Applied: ...

    async def tell_pulls(
        self, items: Sequence[ActionItem], numbers: Mapping[ActionItem, int], ctx: RenderContext
    ) -> None: ...

    async def tell_commit(self, sha: str, path: str, lines: Sequence[str]) -> None:
        """Tell the commit, once, what was left undone with the minutes file at `path`."""
        ...


@dataclass(frozen=True)
class Tracked:
    """An existing issue carrying one of the bot's item markers."""

    number: int
    id: int
    title: str
    body: str
    is_open: bool
    assignees: tuple[str, ...]
    marker: ItemMarker
    state_reason: str | None = None

    @property
    def closed_by_bot(self) -> bool:
        """Tell whether the bot closed this issue because its item left the minutes."""
        return not self.is_open and self.marker.removed and self.state_reason == "not_planned"


@dataclass(frozen=True)
class Meeting:
    """The existing meeting issue of a minutes file."""

    number: int
    body: str
    is_open: bool
    marker: MeetingMarker


def reconcile(
    minutes: Minutes,
    issues: Iterable[Mapping[str, Any]],
    ctx: RenderContext,
    settings: Settings = Settings(),
    sub_issues: frozenset[int] | None = None,
) -> Plan:
    """Plan the issue changes that make GitHub match `minutes` at `ctx.sha`.

    `sub_issues`, the ids of the meeting issue's sub-issues when the caller read them,
    lets the plan link items that an interrupted earlier plan opened but never linked.
    """
    tracked, meetings = _of_file(issues, ctx.path)
    meeting = meetings[0] if meetings and settings.meeting_issue else None
    parent = meeting.number if meeting else _linked_meeting(tracked, settings)
    if settings.meeting_issue and parent is None and minutes.items:
        return _open_meeting(minutes, ctx, settings)
    keys = item_keys(minutes.items)
    matches = match_items(minutes.items, keys, tracked)
    copies = _copies(tracked, matches)
    labels = labels_for(minutes, ctx.path, settings)
    creations = _creations(minutes.items, keys, matches, ctx, labels, parent)
    planned = _planned(minutes.items, keys, matches, ctx, parent)
    updates = [update for update, _ in planned.values() if update is not None]
    links = _sub_issue_links(creations, updates, matches, parent, sub_issues)
    tasks = [
        (key, planned[key][1] if key in planned else item_view(item, ctx.assignable))
        for item, key in zip(minutes.items, keys, strict=True)
    ]
    operations: list[Operation] = [
        *([EnsureLabels(labels)] if creations else []),
        *creations,
        *updates,
        *_duplicates(copies),
        *_closures(tracked, matches, REMOVED_COMMENT, ctx, copies),
        *_duplicate_meetings(meetings, meeting),
        *links,
        *_meeting_sync(minutes, meeting, ctx, bool(creations), tasks),
    ]
    return Plan(tuple(operations))


def reconcile_deleted(issues: Iterable[Mapping[str, Any]], ctx: RenderContext) -> Plan:
    """Plan closing the open issues of a minutes file that was deleted."""
    tracked, meeting = read_issues(issues, ctx.path)
    closures = _closures(tracked, {}, FILE_DELETED_COMMENT, ctx)
    comment = FILE_DELETED_COMMENT.format(path=code_span(ctx.path))
    if meeting is None or not meeting.is_open:
        return Plan(tuple(closures))
    return Plan((*closures, CloseIssue(meeting.number, comment)))


def render_meeting_body(
    minutes: Minutes, views: Sequence[ItemView], ctx: RenderContext, current_body: str = ""
) -> str:
    """Render the meeting issue's body, replacing only the bot's part of `current_body`.

    Each item is one task, in the minutes' order, checked once its issue is closed:
    `- [ ] #12 Help review unsafe blocks (@joergroedel, due 2025-01-31)`.
    """
    content = meeting_content(minutes, views, ctx)
    if not current_body:
        return wrap_owned(content)
    return replace_owned(current_body, content)


def meeting_content(minutes: Minutes, views: Sequence[ItemView], ctx: RenderContext) -> str:
    """Render the bot's part of the meeting issue: the source link and the task list."""
    when = f" (meeting of {minutes.meeting_date.isoformat()})" if minutes.meeting_date else ""
    marker = format_marker(MeetingMarker(file=ctx.path, sha=ctx.sha))
    header = f"Action items from [{code_span(ctx.path)}]({file_link(ctx)}){when}:"
    listing = "\n".join(task_line(view) for view in views) if views else NO_ITEMS
    if _too_long(header, listing, marker):
        # GitHub shows each `#12` of a task list with its title and state.
        listing = "\n".join(_short_task(view) for view in views)
    if _too_long(header, listing, marker):
        listing = SUB_ISSUES_ONLY.format(count=len(views))
    for more in (carried_list(ctx.carried), still_open_list(ctx.still_open)):
        if more and not _too_long(header, listing + more, marker):
            listing += more
    return f"{header}\n\n{listing}\n\n{MEETING_FOOTER}\n{marker}"


def still_open_list(items: Sequence[EarlierItem]) -> str:
    """The meeting issue's list of what earlier meetings left open, by owner."""
    text = still_open_text(items, inert=False)
    return f"\n\n{text}" if text else ""


def carried_list(carried: Sequence[tuple[int, str]]) -> str:
    """The meeting issue's "Carried over" list: earlier items these minutes restate."""
    if not carried:
        return ""
    lines = "\n".join(f"- #{number} {inert_markdown(title)}" for number, title in carried)
    return f"\n\n{CARRIED_OVER}\n\n{lines}"


def _too_long(*parts: str) -> bool:
    return sum(len(part.encode()) for part in parts) > MEETING_BODY_ROOM


def _short_task(view: ItemView) -> str:
    if view.number is None:
        return "- [ ] (not opened yet)"
    return f"- [{'x' if view.closed else ' '}] #{view.number}"


def meeting_title(minutes: Minutes, path: str) -> str:
    """Title the meeting issue: `Meeting 2024-12-18: SVSM Development Call`."""
    when = minutes.meeting_date.isoformat() if minutes.meeting_date else PurePosixPath(path).stem
    name = _short_meeting_name(minutes.title or "")
    if minutes.meeting_date:
        name = without_date(name, minutes.meeting_date)
    return inert_title(f"Meeting {when}: {name}" if name else f"Meeting {when}")


def without_date(text: str, day: date) -> str:
    """Drop `day` from a meeting's name, however it is written, and the commas left around it.

    `SVSM sync call, 2024-12-19` and `Thursday, December 19th, 2024: SVSM sync` become
    `SVSM sync call` and `SVSM sync`.
    """
    left = _date_spellings(day).sub(" ", text)
    left = re.sub(r"\(\s*\)|\[\s*\]", " ", left)
    left = re.sub(r"\s+([,;:])", r"\1", re.sub(r"\s+", " ", left))
    left = re.sub(r"([,;:\-–—])(?:\s*[,;:\-–—])+", r"\1", left)
    return left.strip(" ,;:-–—")


def _date_spellings(day: date) -> re.Pattern[str]:
    """Match `day` as minutes write it: ISO, `December 19th, 2024`, `19 Dec 2024`, a weekday."""
    month = _MONTHS[day.month - 1]
    month_words = rf"(?:{month}|{month[:3]}\.?)"
    day_words = rf"0?{day.day}(?:st|nd|rd|th)?"
    weekday = _WEEKDAYS[day.weekday()]
    numeric = rf"{day.year}[-/.]0?{day.month}[-/.]0?{day.day}"
    written = (
        rf"{month_words}\s+{day_words},?\s+{day.year}"
        rf"|{day_words}\s+(?:of\s+)?{month_words},?\s+{day.year}"
    )
    return re.compile(
        rf"(?<![\w-])(?:(?:{weekday}|{weekday[:3]}\.?),?\s+)?(?:{numeric}|{written})(?![\w-])",
        re.IGNORECASE,
    )


def meeting_label(minutes: Minutes, path: str, settings: Settings) -> str:
    """Name the label shared by a meeting's issues: `meeting/2024-12-18`."""
    when = minutes.meeting_date.isoformat() if minutes.meeting_date else PurePosixPath(path).stem
    label = settings.meeting_label_prefix + when
    if len(label) <= MAX_LABEL:
        return label
    # GitHub refuses longer names; the hash keeps two long file names apart.
    tag = "-" + hashlib.sha1(when.encode()).hexdigest()[:7]
    return label[: MAX_LABEL - len(tag)].rstrip(" -") + tag


def labels_for(minutes: Minutes, path: str, settings: Settings) -> tuple[str, ...]:
    """Return the labels the bot puts on a new item issue."""
    return (settings.item_label, meeting_label(minutes, path, settings))


def item_keys(items: Sequence[ActionItem]) -> tuple[str, ...]:
    """Key each item; a repeated key gets `-2`, `-3` so each item has its own issue."""
    seen: dict[str, int] = {}
    keys = []
    for item in items:
        seen[item.key] = seen.get(item.key, 0) + 1
        keys.append(item.key if seen[item.key] == 1 else f"{item.key}-{seen[item.key]}")
    return tuple(keys)


def read_issues(
    issues: Iterable[Mapping[str, Any]], path: str
) -> tuple[tuple[Tracked, ...], Meeting | None]:
    """Keep the issues whose marker names `path`; ignore all others.

    Of several meeting issues for the file, the oldest is the meeting issue.
    """
    tracked, meetings = _of_file(issues, path)
    return tracked, meetings[0] if meetings else None


def meeting_issues(issues: Iterable[Mapping[str, Any]], path: str) -> list[Meeting]:
    """Return every meeting issue of the file at `path`, oldest first."""
    return _of_file(issues, path)[1]


def _of_file(
    issues: Iterable[Mapping[str, Any]], path: str
) -> tuple[tuple[Tracked, ...], list[Meeting]]:
    """The item issues and the meeting issues of the file at `path`, each by number: every
    marker is read once."""
    tracked: list[Tracked] = []
    meetings: dict[int, Meeting] = {}
    for issue in issues:
        marker = None if "pull_request" in issue else parse_marker(issue.get("body"))
        if isinstance(marker, ItemMarker) and marker.file == path:
            tracked.append(_tracked(issue, marker))
        elif isinstance(marker, MeetingMarker) and marker.file == path:
            body = issue.get("body") or ""
            meetings[issue["number"]] = Meeting(issue["number"], body, _is_open(issue), marker)
    ordered = [meetings[number] for number in sorted(meetings)]
    return tuple(sorted(tracked, key=lambda t: t.number)), ordered


def match_items(
    items: Sequence[ActionItem], keys: Sequence[str], tracked: Sequence[Tracked]
) -> dict[str, Tracked]:
    """Pair item keys with existing issues: same key first, then the likeliest rewording."""
    matches = _same_keys(keys, tracked)
    unmatched = [issue for issue in tracked if issue not in matches.values()]
    rest = [(item, key) for item, key in zip(items, keys, strict=True) if key not in matches]
    return matches | _likeliest(rest, unmatched)


def _same_keys(keys: Sequence[str], tracked: Sequence[Tracked]) -> dict[str, Tracked]:
    # The lowest-numbered issue wins; a later copy is a duplicate to close.
    first: dict[str, Tracked] = {}
    for issue in tracked:
        first.setdefault(issue.marker.key, issue)
    return {key: first[key] for key in keys if key in first}


def _copies(tracked: Sequence[Tracked], matches: Mapping[str, Tracked]) -> dict[int, Tracked]:
    """Map each open later copy of a kept issue (same key) to the issue it copies."""
    kept = {issue.marker.key: issue for issue in matches.values()}
    return {
        issue.number: kept[issue.marker.key]
        for issue in tracked
        if issue.is_open and issue.marker.key in kept and issue is not kept[issue.marker.key]
    }


def _duplicates(copies: Mapping[int, Tracked]) -> list[CloseIssue]:
    """Close each open copy of a kept item issue as a duplicate of the oldest one."""
    return [
        CloseIssue(number, _duplicate_of(original.number, "action item"), state_reason="duplicate")
        for number, original in copies.items()
    ]


def _duplicate_meetings(meetings: Sequence[Meeting], meeting: Meeting | None) -> list[CloseIssue]:
    """Close the file's open meeting issues other than the oldest as its duplicates."""
    if meeting is None:
        return []
    return [
        CloseIssue(copy.number, _duplicate_of(meeting.number, "meeting"), state_reason="duplicate")
        for copy in meetings[1:]
        if copy.is_open
    ]


def _duplicate_of(original: int, what: str) -> str:
    return DUPLICATE_COMMENT.format(original=original, what=what)


def _likeliest(
    items: Sequence[tuple[ActionItem, str]], tracked: Sequence[Tracked]
) -> dict[str, Tracked]:
    scored = [
        (score, issue.number, key, issue)
        for item, key in items
        for issue in tracked
        if (score := likeness(item, issue.marker)) is not None
    ]
    matches: dict[str, Tracked] = {}
    for _, _, key, issue in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if key not in matches and issue not in matches.values():
            matches[key] = issue
    return matches


def likeness(item: ActionItem, marker: ItemMarker) -> float | None:
    """Score how likely `item` is a rewording of the marked issue's item; None if not."""
    similarity = title_similarity(item.title, marker.title)
    same_owners = owner_basis(item) == marker.owners
    if similarity < (SAME_OWNER_SIMILARITY if same_owners else OTHER_OWNER_SIMILARITY):
        return None
    distance = abs(item.line - marker.line)
    return similarity + (10 if same_owners else 0) + (5 if distance <= NEARBY_LINES else 0)


def title_similarity(a: str, b: str) -> float:
    """Compare two titles by their words, ignoring case, accents and punctuation (0-100)."""
    left, right = " ".join(normalise_words(a)), " ".join(normalise_words(b))
    return (fuzz.token_sort_ratio(left, right) + fuzz.token_set_ratio(left, right)) / 2


def owner_basis(item: ActionItem) -> tuple[str, ...]:
    """Return the owners as the key sees them: logins, else names, normalised and sorted."""
    return tuple(sorted(" ".join(normalise_words(who)) for who in item.logins or item.owners))


def _linked_meeting(tracked: Sequence[Tracked], settings: Settings) -> int | None:
    """Find the meeting issue through its items when the listing missed it.

    A meeting issue the caller did not list still exists; opening another would
    duplicate it.
    """
    linked = Counter(issue.marker.meeting for issue in tracked if issue.marker.meeting)
    return linked.most_common(1)[0][0] if linked and settings.meeting_issue else None


def _open_meeting(minutes: Minutes, ctx: RenderContext, settings: Settings) -> Plan:
    label = meeting_label(minutes, ctx.path, settings)
    body = render_meeting_body(minutes, [item_view(i, ctx.assignable) for i in minutes.items], ctx)
    create = CreateMeetingIssue(meeting_title(minutes, ctx.path), body, (label,))
    return Plan((EnsureLabels((label,)), create), replan=True)


def _creations(
    items: Sequence[ActionItem],
    keys: Sequence[str],
    matches: Mapping[str, Tracked],
    ctx: RenderContext,
    labels: tuple[str, ...],
    parent: int | None,
) -> list[CreateItemIssue]:
    return [
        _creation(item, key, ctx, labels, parent)
        for item, key in zip(items, keys, strict=True)
        if key not in matches
    ]


def _creation(
    item: ActionItem,
    key: str,
    ctx: RenderContext,
    labels: tuple[str, ...],
    parent: int | None,
) -> CreateItemIssue:
    assignees = assignees_for(item, ctx.assignable)
    marker = ItemMarker(
        file=ctx.path,
        key=key,
        title=item.title,
        line=item.line,
        sha=ctx.sha,
        owners=owner_basis(item),
        assignees=assignees,
        due=item.due,
        meeting=parent,
        reader=item.reader,
    )
    body = item_body(item, ctx, marker, item_view(item, ctx.assignable))
    return CreateItemIssue(key, inert_title(item.title), body, labels, assignees, parent)


def item_body(item: ActionItem, ctx: RenderContext, marker: ItemMarker, view: ItemView) -> str:
    """Render the bot's part of an item issue showing `view`; the permalink follows the marker."""
    at_marker = replace(item, line=marker.line)
    content = render_item(at_marker, replace(ctx, sha=marker.sha), marker.meeting, view)
    return wrap_owned(f"{content}\n{format_marker(marker)}")


def current_view(issue: Tracked) -> ItemView:
    """Show an item issue as it stands on GitHub, without reading its minutes."""
    marker = issue.marker
    if marker.set_owners is not None:
        owners = chosen_owners(marker.set_owners)
    else:
        owners = owners_shown(owned_part(issue.body) or "") or chosen_owners(issue.assignees)
    return ItemView(issue.title, owners, marker.current_due, not issue.is_open, issue.number)


def restate_item(issue: Mapping[str, Any], marker: ItemMarker) -> str | None:
    """Return the item's body showing the state `marker` records; None if it is unchanged.

    Only the owner and due date lines and the marker change; a body without the bot's
    markers is a person's text and is left alone.
    """
    body = issue.get("body") or ""
    owned = owned_part(body)
    if owned is None:
        return None
    view = current_view(_tracked(issue, marker))
    content = set_marker(restated(owned, view), marker)
    return None if content == owned else replace_owned(body, content)


def view_of_issue(issue: Mapping[str, Any]) -> ItemView | None:
    """Show an issue dict as `current_view` does; None unless it carries an item marker."""
    marker = None if "pull_request" in issue else parse_marker(issue.get("body"))
    return current_view(_tracked(issue, marker)) if isinstance(marker, ItemMarker) else None


def _planned(
    items: Sequence[ActionItem],
    keys: Sequence[str],
    matches: Mapping[str, Tracked],
    ctx: RenderContext,
    parent: int | None,
) -> dict[str, tuple[UpdateItemIssue | None, ItemView]]:
    """Plan each matched issue's edit and say how it will stand; closed ones stay as they are."""
    return {
        key: (
            _update(item, key, matches[key], ctx, parent)
            if matches[key].is_open or matches[key].closed_by_bot
            else (None, current_view(matches[key]))
        )
        for item, key in zip(items, keys, strict=True)
        if key in matches
    }


@dataclass(frozen=True)
class _Owners:
    """Who owns an item after the plan: `assigned` on GitHub, `chosen` by a person.

    `change` is the assignee list to send (None: leave them); `news` says the minutes
    now name other owners than the ones a person chose, who stay.
    """

    assigned: tuple[str, ...]
    chosen: tuple[str, ...] | None = None
    change: tuple[str, ...] | None = None
    news: bool = False


def _update(
    item: ActionItem, key: str, issue: Tracked, ctx: RenderContext, parent: int | None
) -> tuple[UpdateItemIssue | None, ItemView]:
    title = _new_title(item, issue)
    owners = _owners_after(item, issue, ctx.assignable)
    due_news = issue.marker.set_due not in (None, item.due) and item.due != issue.marker.due
    kept = replace(
        issue.marker,
        key=key,
        title=title or issue.marker.title,
        owners=owner_basis(item),
        assignees=owners.assigned,
        due=item.due,
        meeting=parent,
        removed=False,
        set_owners=owners.chosen,
        reader=item.reader,
    )
    view = _view(item, kept, title or issue.title, ctx.assignable, issue.number)
    body = _new_body(item, issue, ctx, kept, view)
    state = "open" if issue.closed_by_bot else None
    comment = _news(item, ctx.assignable, owners.news, due_news)
    if title is None and body is None and owners.change is None and state is None:
        return None, view
    return UpdateItemIssue(issue.number, title, body, owners.change, state, comment), view


def _view(
    item: ActionItem, marker: ItemMarker, title: str, assignable: frozenset[str], number: int
) -> ItemView:
    """Show the item as it will stand: the owners a person chose, else the minutes'."""
    if marker.set_owners is not None:
        owners = chosen_owners(marker.set_owners)
    else:
        owners = owner_text(item, assignable)
    return ItemView(title, owners, marker.current_due, number=number)


def _new_title(item: ActionItem, issue: Tracked) -> str | None:
    # A title that differs from the one the bot wrote was edited by a person: keep it.
    edited = issue.title not in (issue.marker.title, inert_title(issue.marker.title))
    written = inert_title(item.title)
    return None if edited or written == issue.title else written


def chosen_on_github(issue: Tracked) -> tuple[str, ...] | None:
    """Return the owners a person chose on GitHub; None while the minutes' owners hold.

    Assignees that differ from the ones the bot last wrote were changed by a person,
    whether or not the bot heard of it then.
    """
    if same_logins(issue.assignees, issue.marker.assignees):
        return issue.marker.set_owners
    return issue.assignees


def _owners_after(item: ActionItem, issue: Tracked, assignable: frozenset[str]) -> _Owners:
    chosen = chosen_on_github(issue)
    wanted = assignees_for(item, assignable)
    minutes_changed = owner_basis(item) != issue.marker.owners
    if chosen is not None:
        news = minutes_changed and not same_logins(wanted, chosen)
        return _Owners(issue.assignees, chosen, news=news)
    # Unassign only for an owner change in the minutes, never because a login check failed.
    dropped = issue.marker.assignees if minutes_changed else ()
    kept = [login for login in issue.assignees if login not in dropped]
    assignees = tuple(dict.fromkeys([*kept, *wanted]))
    return _Owners(assignees, None, None if assignees == issue.assignees else assignees)


def _news(item: ActionItem, assignable: frozenset[str], owners: bool, due: bool) -> str | None:
    """Tell people the minutes now differ from what they set here, or None when they agree."""
    said, commands = [], []
    if owners:
        said.append(f"the owner is {owner_text(item, assignable)}")
        logins = assignees_for(item, assignable)
        commands += [f"`/assign {' '.join(f'@{login}' for login in logins)}`"] if logins else []
    if due:
        said.append(f"it is due {item.due.isoformat()}" if item.due else "it has no due date")
        commands += [f"`/due {item.due.isoformat()}`"] if item.due else []
    if not said:
        return None
    follow = f" Comment {' and '.join(commands)} to follow them." if commands else ""
    return MINUTES_DIFFER.format(said=" and ".join(said), follow=follow)


def same_logins(left: Iterable[str], right: Iterable[str]) -> bool:
    """Tell whether two lists name the same logins, in any order and case."""
    return {login.casefold() for login in left} == {login.casefold() for login in right}


def _new_body(
    item: ActionItem, issue: Tracked, ctx: RenderContext, kept: ItemMarker, view: ItemView
) -> str | None:
    owned = owned_part(issue.body)
    # Without the bot's markers the whole body is a person's text: leave it.
    if owned is None or wrap_owned(owned) == item_body(item, ctx, kept, view):
        return None
    fresh = replace(kept, line=item.line, sha=ctx.sha)
    return replace_owned(issue.body, _inner(item_body(item, ctx, fresh, view)))


def _closures(
    tracked: Sequence[Tracked],
    matches: Mapping[str, Tracked],
    template: str,
    ctx: RenderContext,
    copies: Mapping[int, Tracked] | None = None,
) -> list[CloseIssue]:
    kept = {issue.number for issue in matches.values()} | set(copies or {})
    comment = template.format(path=code_span(ctx.path), url=file_link(ctx))
    return [
        CloseIssue(issue.number, comment, _removed_body(issue))
        for issue in tracked
        if issue.is_open and issue.number not in kept and not issue.marker.removed
    ]


def _removed_body(issue: Tracked) -> str | None:
    owned = owned_part(issue.body)
    if owned is None:
        return None
    return replace_owned(issue.body, set_marker(owned, replace(issue.marker, removed=True)))


def _sub_issue_links(
    creations: Sequence[CreateItemIssue],
    updates: Sequence[UpdateItemIssue],
    matches: Mapping[str, Tracked],
    parent: int | None,
    sub_issues: frozenset[int] | None = None,
) -> list[AddSubIssue]:
    if parent is None:
        return []
    rewritten = {update.number for update in updates if update.body is not None}
    relinked = []
    for key, issue in matches.items():
        moved = issue.number in rewritten and issue.marker.meeting != parent
        if moved or (sub_issues is not None and issue.id not in sub_issues):
            relinked.append(AddSubIssue(parent, key, issue.id, replace_parent=moved))
    return [AddSubIssue(parent, op.key, None) for op in creations] + relinked


def _meeting_sync(
    minutes: Minutes,
    meeting: Meeting | None,
    ctx: RenderContext,
    creating: bool,
    tasks: Sequence[tuple[str, ItemView]],
) -> list[UpdateMeetingIssue]:
    if meeting is None or owned_part(meeting.body) is None:
        return []
    views = [view for _, view in tasks]
    as_listed = meeting_content(minutes, views, replace(ctx, sha=meeting.marker.sha))
    if not creating and owned_part(meeting.body) == as_listed:
        return []
    return [UpdateMeetingIssue(meeting.number, meeting.body, tuple(tasks))]


def _tracked(issue: Mapping[str, Any], marker: ItemMarker) -> Tracked:
    return Tracked(
        number=issue["number"],
        id=issue.get("id", 0),
        title=issue.get("title") or "",
        body=issue.get("body") or "",
        is_open=_is_open(issue),
        assignees=tuple(a["login"] for a in issue.get("assignees") or ()),
        marker=marker,
        state_reason=issue.get("state_reason"),
    )


def _is_open(issue: Mapping[str, Any]) -> bool:
    return bool(issue.get("state", "open") == "open")


def _inner(wrapped: str) -> str:
    return owned_part(wrapped) or ""


def _short_meeting_name(title: str) -> str:
    """Drop the `Meeting Minutes:` prefix and a trailing `(date)` from a minutes heading."""
    words = title.strip()
    for prefix in ("meeting minutes", "minutes", "meeting notes", "notes"):
        if words.lower().startswith(prefix):
            words = words[len(prefix) :].lstrip(" :-–—")
            break
    if words.endswith(")") and "(" in words:
        words = words[: words.rindex("(")].rstrip()
    return words
