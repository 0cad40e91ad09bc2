"""Tell the people who pushed minutes, once per file and commit, what the bot left undone.

A minutes file too big or too slow to read, or with more items or references than the
bot takes on, gets one comment on the commit saying so. The comment carries a hidden
marker naming the file, so a redelivered push or a `sync` of the same commit finds it
and says nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.handlers.authored import by_the_bot
from bot.tracker.inert import code_span

if TYPE_CHECKING:
    from bot.github.port import GitHubPort

TOO_LARGE = (
    "minutes-bot did not read {file}: it is {size:,} bytes, and minutes files over {limit:,} bytes"
    " are not read. Its issues are left as they were; split the file to have it tracked."
)
TOO_SLOW = (
    "minutes-bot could not read the action items of {file} within {seconds:g} seconds, so it did"
    " nothing with it. Its issues are left as they were."
)
TOO_MANY_ITEMS = (
    "{file} has {count:,} action items; minutes-bot tracks the first {limit:,} and leaves the rest"
    " untracked."
)
TOO_MANY_LOOKUPS = (
    "{file} refers to {count:,} issues and pull requests; minutes-bot looked up the first"
    " {limit:,}, and the rest are shown as written, without a check that they exist."
)


def notice_marker(path: str) -> str:
    """Name the file a notice is about, in an HTML comment nothing in a path can close."""
    return f"<!-- minutes-bot:notice {path.replace('--', '- -').replace('>', '%3E')} -->"


def file_name(path: str) -> str:
    """Write a minutes path as inert code for a notice."""
    return code_span(path)


class CommitNotices:
    """The notices of one commit of one repository."""

    def __init__(self, port: GitHubPort, repo: str, sha: str) -> None:
        self.port = port
        self.repo = repo
        self.sha = sha

    async def tell(self, path: str, lines: Sequence[str]) -> None:
        """Comment `lines` about `path` on the commit, unless a notice about it is there."""
        if not lines:
            return
        marker = notice_marker(path)
        comments = await self.port.list_commit_comments(self.repo, self.sha)
        if await by_the_bot(self.port, (c for c in comments if marker in (c.get("body") or ""))):
            return
        await self.port.comment_on_commit(self.repo, self.sha, "\n\n".join([*lines, marker]))
