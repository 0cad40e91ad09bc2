"""Tell each pull request the minutes link to which action items mention it.

Each PR gets one comment, found again by its hidden marker and edited in place.
Every minutes file owns one section of it, so two meetings naming the same PR share
the comment without overwriting each other:

    Action items from meeting minutes mention this pull request:

    <!-- minutes-bot:pr-section meetings/2024-12-18.md -->
    From [`meetings/2024-12-18.md`](https://github.com/o/r/blob/HEAD/meetings/2024-12-18.md):
    - o/r#12 Review Vijay Dhanraj's user space support PR (@joergroedel)
    <!-- /minutes-bot:pr-section -->

    <!-- minutes-bot:pr-comment -->
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from bot.handlers.authored import by_the_bot
from bot.minutes.model import ActionItem
from bot.tracker.inert import code_span, inert_markdown
from bot.tracker.marker import written_by
from bot.tracker.render import Link, RenderContext, owner_text, repo_url

if TYPE_CHECKING:
    from bot.github.port import GitHubPort

COMMENT_MARKER = "<!-- minutes-bot:pr-comment -->"
HEADER = "Action items from meeting minutes mention this pull request:"
SECTION_END = "<!-- /minutes-bot:pr-section -->"


def section_start(path: str) -> str:
    """Open the section a minutes file owns; `--` cannot occur in it."""
    return f"<!-- minutes-bot:pr-section {path.replace('--', '- -')} -->"


def pulls_of(items: Sequence[ActionItem], ctx: RenderContext) -> dict[Link, list[ActionItem]]:
    """Group the items by each pull request one of their references was linked to."""
    grouped: dict[Link, list[ActionItem]] = {}
    for item in items:
        for ref in item.refs:
            link = ctx.links.get(ref)
            if isinstance(link, Link) and link.kind == "pr" and item not in grouped.get(link, []):
                grouped.setdefault(link, []).append(item)
    return grouped


def render_section(items: Sequence[tuple[ActionItem, int]], pull: Link, ctx: RenderContext) -> str:
    """Render one minutes file's section: a line per item issue."""
    # The default branch's copy, not the commit's: a new commit must not change the comment.
    source = f"{repo_url(ctx)}/blob/HEAD/{quote(ctx.path)}"
    lines = [
        f"- {_issue_ref(ctx.repo, number, pull)} {inert_markdown(item.title)} "
        f"({owner_text(item, ctx.assignable)})"
        for item, number in items
    ]
    body = "\n".join([f"From [{code_span(ctx.path)}]({source}):", *lines])
    return f"{section_start(ctx.path)}\n{body}\n{SECTION_END}"


def merge_section(current: str | None, path: str, section: str) -> str:
    """Put `section` into the comment, replacing the file's old section if present."""
    if not current:
        return f"{HEADER}\n\n{section}\n\n{COMMENT_MARKER}"
    pattern = re.compile(
        re.escape(section_start(path)) + r".*?" + re.escape(SECTION_END), re.DOTALL
    )
    if pattern.search(current):
        return pattern.sub(lambda _: section, current, count=1)
    head, _, _ = current.partition(COMMENT_MARKER)
    return f"{head.rstrip()}\n\n{section}\n\n{COMMENT_MARKER}"


def is_own_comment(comment: Mapping[str, Any], logins: frozenset[str]) -> bool:
    """Tell whether a PR comment is the bot's, not somebody's copy of its marker."""
    return COMMENT_MARKER in (comment.get("body") or "") and written_by(comment, logins)


def _issue_ref(repo: str, number: int, pull: Link) -> str:
    return f"#{number}" if pull.repo == repo else f"{repo}#{number}"


async def tell_pulls(
    port: GitHubPort,
    items: Sequence[ActionItem],
    numbers: Mapping[ActionItem, int],
    ctx: RenderContext,
) -> None:
    """Write or update the one comment on each linked PR listing the items that name it."""
    for pull, mentioned in pulls_of(items, ctx).items():
        listed = [(item, numbers[item]) for item in mentioned if item in numbers]
        if listed:
            await _sync_comment(port, pull, render_section(listed, pull, ctx), ctx.path)


async def _sync_comment(port: GitHubPort, pull: Link, section: str, path: str) -> None:
    comments = await port.list_comments(pull.repo, pull.number)
    marked = [c for c in comments if COMMENT_MARKER in (c.get("body") or "")]
    mine = next(iter(await by_the_bot(port, marked)), None)
    body = merge_section(mine["body"] if mine else None, path, section)
    if mine is None:
        await port.post_comment(pull.repo, pull.number, body)
    elif body != mine["body"]:
        await port.update_comment(pull.repo, mine["id"], body)
