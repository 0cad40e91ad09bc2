"""Tell action items when a pull request they link to is merged or closed.

The items are the ones listed in the bot's comment on the PR (`linked_pulls`). Each
open item gets a note; one whose task was to review or merge the PR closes itself
when the PR is merged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from gidgethub import sansio
from gidgethub.routing import Router

from bot.github.port import GitHubPort
from bot.handlers.context import Context
from bot.handlers.item_state import show_on_meeting
from bot.handlers.linked_pulls import is_own_comment
from bot.handlers.weekly_status import read_config, refresh_tracker
from bot.tracker.marker import is_own_item, written_by

router = Router()

MERGED_NOTE = "{pull} was merged{by}."
CLOSED_NOTE = "{pull} was closed without being merged{by}."
CLOSED_ITEM_NOTE = "{pull} was merged{by}, so this review is done and the item is closed."
# An item whose title starts with one of these is finished when the PR is merged.
FINISHED_BY_MERGE = frozenset({"review", "merge", "approve", "land", "re-review"})
_ITEM_LINE = re.compile(r"^- (?P<repo>[\w.-]+/[\w.-]+)?#(?P<number>\d+) ", re.MULTILINE)


def listed_items(comment_body: str, pull_repo: str) -> Iterator[tuple[str, int]]:
    """Yield (repository, number) of each item the bot's PR comment lists."""
    for found in _ITEM_LINE.finditer(comment_body):
        yield found["repo"] or pull_repo, int(found["number"])


def finished_by_merge(title: str) -> bool:
    """Tell whether an item titled `title` is done once its PR is merged."""
    first = title.split(maxsplit=1)[0].lower() if title.strip() else ""
    return first in FINISHED_BY_MERGE


@router.register("pull_request", action="closed")
async def tell_items_the_pull_closed(event: sansio.Event, context: Context) -> None:
    """Note the merge or close on each open item linked to the PR; close review items."""
    pull, repo = event.data["pull_request"], event.data["repository"]["full_name"]
    comments = await context.port.list_comments(repo, pull["number"])
    logins = await context.port.own_logins()
    mine = next((c["body"] for c in comments if is_own_comment(c, logins)), "")
    merged = bool(pull.get("merged"))
    by = f" by @{pull['merged_by']['login']}" if merged and pull.get("merged_by") else ""
    closed_in = set()
    for item_repo, number in dict.fromkeys(listed_items(mine, repo)):
        pull_name = f"{repo}#{pull['number']}"
        if await _tell_item(context.port, item_repo, number, pull_name, merged, by):
            closed_in.add(item_repo)
    for item_repo in sorted(closed_in):
        config = await read_config(context.port, item_repo)
        if config is not None:
            await refresh_tracker(context.port, item_repo, config, context.clock())


async def _tell_item(
    port: GitHubPort, repo: str, number: int, pull: str, merged: bool, by: str
) -> bool:
    """Tell one open item about the PR; return True when that closed it."""
    item = await port.get_issue(repo, number)
    # Only the bot's own items: its PR comment could list nothing else.
    if item["state"] != "open" or not is_own_item(item, await port.own_logins()):
        return False
    closes = merged and finished_by_merge(item["title"])
    note = CLOSED_ITEM_NOTE if closes else MERGED_NOTE if merged else CLOSED_NOTE
    await _comment_once(port, repo, number, note.format(pull=pull, by=by))
    if not closes:
        return False
    item = await port.update_issue(repo, number, state="closed", state_reason="completed")
    await show_on_meeting(port, repo, item)
    return True


async def _comment_once(port: GitHubPort, repo: str, number: int, note: str) -> None:
    """Post `note` unless the item already has it, e.g. from a replayed event."""
    comments = await port.list_comments(repo, number)
    logins = await port.own_logins()
    if all(c.get("body") != note or not written_by(c, logins) for c in comments):
        await port.post_comment(repo, number, note)
