"""Tell an earlier meeting's open items what new minutes say of them.

The core (`bot.tracker.followup`) pairs the new minutes' entries with the repository's open items
of earlier meetings; this reads what it needs (the open items, the bot's comments on the
ones paired) and applies the outcome: one comment per issue and minutes file, and, for an
item reported done as `close_reported` allows, its closure as completed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from bot.minutes.model import ActionItem, Minutes
from bot.minutes.text import plain
from bot.tracker.followup import (
    AGAIN,
    EarlierItem,
    Followup,
    Mention,
    comment_text,
    earlier_item,
    mentions,
    not_yet_told,
    noted_files,
)
from bot.tracker.ignore import without_ignored_lines
from bot.tracker.marker import ItemMarker, parse_marker, written_by
from bot.tracker.render import RenderContext, permalink

if TYPE_CHECKING:
    from bot.config.types import RepoConfig
    from bot.github.port import GitHubPort
    from bot.tracker.file_plan import FileDecision


@dataclass
class Series:
    """What one run learned of the minutes as a series, by file: the items it carried
    over, what it reports of earlier items, what is still open besides; and the
    repository's open items (listed once)."""

    carried: dict[str, list[tuple[ActionItem, EarlierItem]]] = field(default_factory=dict)
    reported: dict[str, list[Followup]] = field(default_factory=dict)
    still_open: dict[str, tuple[EarlierItem, ...]] = field(default_factory=dict)
    open_items: list[dict[str, Any]] | None = None

    def learn(self, path: str, decision: FileDecision) -> None:
        """Keep what the decision for the file at `path` says of earlier meetings' items."""
        self.carried[path] = list(decision.carried)
        self.reported[path] = list(decision.reported)
        self.still_open[path] = decision.still_open


class Reconciling(Protocol):
    """What following up on earlier meetings needs of the push's reconciler
    (`MinutesReconciler` in `bot.handlers.minutes_files`): where it writes, the series it
    is learning, how it keeps its own issues, and whether it changed anything."""

    port: GitHubPort
    repo: str
    sha: str
    config: RepoConfig
    server_url: str
    series: Series
    changed: bool

    async def own(self, issues: Iterable[dict[str, Any]]) -> list[dict[str, Any]]: ...


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


async def said_of_earlier(text: str, minutes: Minutes) -> tuple[Mention, ...]:
    """Read the file's entries other than its items, which may speak of earlier items. In a
    thread: a long file takes a while to parse, and the webhook and `/healthz` answer
    meanwhile."""
    lines = [item.line for item in minutes.items]
    found = await asyncio.to_thread(mentions, without_ignored_lines(text), skip_lines=lines)
    return tuple(found)


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
