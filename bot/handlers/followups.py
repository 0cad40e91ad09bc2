"""Tell an earlier meeting's open items what new minutes say of them.

The core (`bot.tracker.followup`) pairs the new minutes' entries with the repository's open items
of earlier meetings; this reads what it needs (the open items, the bot's comments on the
ones paired) and applies the outcome: one comment per issue and minutes file, and, for an
item reported done as `close_reported` allows, its closure as completed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from bot.minutes.model import ActionItem, Minutes
from bot.minutes.text import plain
from bot.tracker.followup import (
    AGAIN,
    EarlierItem,
    Followup,
    Mention,
    carried_over,
    comment_text,
    earlier_item,
    match,
    mentions,
    not_yet_told,
    noted_files,
    still_open,
)
from bot.tracker.ignore import without_ignored_lines
from bot.tracker.marker import ItemMarker, parse_marker, written_by
from bot.tracker.reconcile import item_keys, match_items, read_issues
from bot.tracker.render import RenderContext, permalink

if TYPE_CHECKING:
    from bot.config.types import RepoConfig
    from bot.github.port import GitHubPort


@dataclass
class Series:
    """What one run learned of the minutes as a series, by file: the text, the items it
    carried over, what it reports of earlier items, what is still open besides; and the
    repository's open items (listed once)."""

    texts: dict[str, str] = field(default_factory=dict)
    carried: dict[str, list[tuple[ActionItem, EarlierItem]]] = field(default_factory=dict)
    reported: dict[str, list[Followup]] = field(default_factory=dict)
    still_open: dict[str, tuple[EarlierItem, ...]] = field(default_factory=dict)
    open_items: list[dict[str, Any]] | None = None



class Reconciling(Protocol):
    """What following up on earlier meetings needs of the push's reconciler
    (`MinutesReconciler` in `bot.handlers.minutes_files`): where it writes, the series it
    is learning, the file's issues, and whether it changed anything."""

    port: GitHubPort
    repo: str
    sha: str
    config: RepoConfig
    server_url: str
    series: Series
    changed: bool

    async def issues(self) -> list[dict[str, Any]]: ...

    async def own(self, issues: Iterable[dict[str, Any]]) -> list[dict[str, Any]]: ...


async def carry_over(
    reconciler: Reconciling, minutes: Minutes, ctx: RenderContext
) -> tuple[Minutes, RenderContext]:
    """Read the minutes against the open items of earlier meetings.

    Items that restate one are left out: they keep the earlier issue, the meeting issue
    lists them under "Carried over" and the earlier issue hears of them once (an item
    this file's own issue tracks already stays this file's). What the entries report of
    the others, and which stay open, is kept for `followups` and the meeting issue.
    """
    series, path = reconciler.series, minutes.path
    series.carried[path], series.reported[path], series.still_open[path] = [], [], ()
    earlier = await open_earlier_items(reconciler, path)
    text = series.texts.get(path)
    if not earlier or text is None:
        return minutes, ctx
    tracked, _ = read_issues(await reconciler.issues(), path)
    keys = item_keys(minutes.items)
    own = match_items(minutes.items, keys, tracked)
    carried = carried_over(minutes.items, earlier, minutes.meeting_date)
    kept, moved = [], []
    for index, (item, key) in enumerate(zip(minutes.items, keys, strict=True)):
        if index in carried and key not in own:
            moved.append((item, carried[index]))
        else:
            kept.append(item)
    new_lines = [item.line for item in minutes.items]
    reported = await asyncio.to_thread(
        _reported, text, new_lines, earlier, reconciler.config.close_reported, minutes.meeting_date
    )
    series.carried[path], series.reported[path] = moved, reported
    leaving = {e.number for _, e in moved} | {f.item.number for f in reported if f.close}
    series.still_open[path] = still_open(earlier, minutes.meeting_date, leaving)
    listed = tuple((earlier.number, earlier.title) for _, earlier in moved)
    ctx = replace(ctx, carried=listed, still_open=series.still_open[path])
    return replace(minutes, items=tuple(kept)), ctx


async def followups(reconciler: Reconciling, minutes: Minutes | None) -> list[Followup]:
    """What the minutes just reconciled say of earlier meetings' open items, and not said yet."""
    if minutes is None:
        return []
    matched = list(reconciler.series.reported.get(minutes.path, []))
    spoken = {f.item.number for f in matched}
    for item, earlier in reconciler.series.carried.get(minutes.path, []):
        if earlier.number not in spoken:
            spoken.add(earlier.number)
            said = Mention(item.line, plain(item.source) or item.title)
            matched.append(Followup(earlier, said, close=False, kind=AGAIN))
    if not matched:
        return []
    port, repo = reconciler.port, reconciler.repo
    logins = await port.own_logins()
    told = {}
    for followup in matched:
        comments = await port.list_comments(repo, followup.item.number)
        told[followup.item.number] = noted_files(
            c.get("body") or "" for c in comments if written_by(c, logins)
        )
    return not_yet_told(matched, told, minutes.path)


def _reported(
    text: str,
    new_lines: Sequence[int],
    items: Sequence[EarlierItem],
    close_reported: str,
    meeting: date | None,
) -> list[Followup]:
    """Match the file's entries, less its new items, with the earlier items. In a thread:
    a long file takes a while to parse, and the webhook and `/healthz` answer meanwhile."""
    found = mentions(without_ignored_lines(text), skip_lines=new_lines)
    return match(found, items, close_reported, meeting)


async def open_earlier_items(reconciler: Reconciling, path: str) -> list[EarlierItem]:
    """The repository's open item issues that other minutes files opened.

    Only the newest page of them is read, so a push costs the same however long the
    repository's history: restated and reported work is recent work.
    """
    config, series = reconciler.config, reconciler.series
    if series.open_items is None:
        listed = await reconciler.port.newest_open_issues(
            reconciler.repo, labels=config.labels.item
        )
        series.open_items = await reconciler.own(listed)
    names = {p.login.lower(): p.name for p in config.people if p.login}
    items = []
    for issue in series.open_items:
        marker = parse_marker(issue.get("body"))
        if isinstance(marker, ItemMarker) and marker.file != path:
            item = earlier_item(issue, marker, config.labels.meeting_prefix, names)
            if item is not None:
                items.append(item)
    return items


async def tell_earlier_items(
    reconciler: Reconciling, minutes: Minutes, found: Sequence[Followup]
) -> None:
    """Comment on each issue, then close those reported done as `close_reported` allows.

    The comment goes first: its note is what keeps the bot from closing the issue again
    for these minutes, so a closure is never without it.
    """
    port, repo = reconciler.port, reconciler.repo
    ctx = RenderContext(repo, minutes.path, reconciler.sha, server_url=reconciler.server_url)
    for followup in found:
        link = permalink(ctx, followup.mention.line)
        body = comment_text(followup, minutes.path, minutes.meeting_date, link)
        await port.post_comment(repo, followup.item.number, body)
        if followup.close:
            await port.update_issue(
                repo, followup.item.number, state="closed", state_reason="completed"
            )
            reconciler.changed = True
