"""Tell an earlier meeting's open items what new minutes say of them.

The core (`bot.followup`) pairs the new minutes' entries with the repository's open items
of earlier meetings; this reads what it needs (the open items, the bot's comments on the
ones paired) and applies the outcome: one comment per issue and minutes file, and, for an
item reported done as `close_reported` allows, its closure as completed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from bot.followup import (
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
)
from bot.ignore import without_ignored_lines
from bot.marker import ItemMarker, parse_marker, written_by
from bot.minutes.model import ActionItem, Minutes
from bot.minutes.text import plain
from bot.reconcile import item_keys, match_items, read_issues
from bot.render import RenderContext, permalink

if TYPE_CHECKING:
    from bot.handlers.minutes_files import MinutesReconciler


@dataclass
class Series:
    """What one run learned of the minutes as a series: each file's text, the items it
    carried over from earlier meetings, and the repository's open items (listed once)."""

    texts: dict[str, str] = field(default_factory=dict)
    carried: dict[str, list[tuple[ActionItem, EarlierItem]]] = field(default_factory=dict)
    open_items: list[dict[str, Any]] | None = None


async def carry_over(
    reconciler: MinutesReconciler, minutes: Minutes, ctx: RenderContext
) -> tuple[Minutes, RenderContext]:
    """Leave out the items that restate an open item of an earlier meeting.

    They keep the earlier issue: the meeting issue lists them under "Carried over" and
    the earlier issue hears of them once. An item this file's own issue tracks already
    stays this file's.
    """
    reconciler.series.carried[minutes.path] = []
    tracked, _ = read_issues(await reconciler.issues(), minutes.path)
    keys = item_keys(minutes.items)
    own = match_items(minutes.items, keys, tracked)
    if all(key in own for key in keys):
        return minutes, ctx  # every item has its issue here already
    earlier = await open_earlier_items(reconciler, minutes.path)
    carried = carried_over(minutes.items, earlier, minutes.meeting_date)
    if not carried:
        return minutes, ctx
    kept, moved = [], []
    for index, (item, key) in enumerate(zip(minutes.items, keys, strict=True)):
        if index in carried and key not in own:
            moved.append((item, carried[index]))
        else:
            kept.append(item)
    reconciler.series.carried[minutes.path] = moved
    listed = tuple((earlier.number, earlier.title) for _, earlier in moved)
    return replace(minutes, items=tuple(kept)), replace(ctx, carried=listed)


async def followups(reconciler: MinutesReconciler, minutes: Minutes | None) -> list[Followup]:
    """What the minutes just reconciled say of earlier meetings' open items, and not said yet."""
    text = reconciler.series.texts.get(minutes.path) if minutes is not None else None
    if minutes is None or text is None:
        return []
    carried = reconciler.series.carried.get(minutes.path, [])
    items = await open_earlier_items(reconciler, minutes.path)
    matched = (
        await asyncio.to_thread(
            _reported, text, minutes, carried, items, reconciler.config.close_reported
        )
        if items
        else []
    )
    spoken = {f.item.number for f in matched}
    for item, earlier in carried:
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
    minutes: Minutes,
    carried: Sequence[tuple[ActionItem, EarlierItem]],
    items: Sequence[EarlierItem],
    close_reported: str,
) -> list[Followup]:
    """Match the file's entries with the earlier items. In a thread: a long file takes a
    while to parse, and the webhook and `/healthz` must still answer meanwhile."""
    new_lines = {item.line for item in minutes.items} | {item.line for item, _ in carried}
    found = mentions(without_ignored_lines(text), skip_lines=new_lines)
    return match(found, items, close_reported, minutes.meeting_date)


async def open_earlier_items(reconciler: MinutesReconciler, path: str) -> list[EarlierItem]:
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
    reconciler: MinutesReconciler, minutes: Minutes, found: Sequence[Followup]
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
