"""Propose each item's issue link in the minutes: one pull request per file (`write_back: pr`).

Once pushed minutes have their issues, the file as it is at that commit, with ` (#N)`
where each item ends (`bot.tracker.write_back`), is committed to the file's own branch,
`minutes-bot/links/<file>`, started from that commit, and proposed in one pull request.
The default branch is never written to: people merge the links or not. The branch and
its pull request are kept: a later push moves the branch to the new commit and the same
pull request follows it; a push whose links the branch already holds writes nothing.
A pull request a person closed without merging is the answer "no": nothing is proposed
for that file again until it is reopened. One left with nothing to add (the minutes name
every issue, lost their items, or are gone) is closed by the bot, saying so.

Only this needs write access to contents and pull requests. Without it GitHub answers
403; that is logged once for the push, in words saying what to grant, and nothing else
the push did is undone or held up.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from gidgethub import BadRequest

from bot.github.port import AmbiguousWriteError, GitHubPort
from bot.minutes.model import ActionItem
from bot.tracker.write_back import (
    Link,
    branch_for,
    commit_message,
    is_settled,
    pull_body,
    pull_title,
    settled_body,
    with_links,
)

log = logging.getLogger(__name__)

NO_PERMISSION = (
    "write_back: pr cannot propose the issue links of %s: GitHub refused (%s). The App (or "
    "the workflow's token) needs contents: write and pull_requests: write for it, and a "
    "workflow also the repository setting 'Allow GitHub Actions to create and approve pull "
    "requests'. The issues themselves are up to date; the links are proposed at the next push "
    "that changes these minutes or .github/minutes-bot.yml."
)


@dataclass(frozen=True)
class LinkedFile:
    """A minutes file the push reconciled, with the issue number of each of its items."""

    path: str
    numbers: Mapping[ActionItem, int]

    @property
    def links(self) -> list[Link]:
        return sorted(Link(item.line, number, item.source) for item, number in self.numbers.items())


async def propose_links(
    port: GitHubPort, repo: str, default_branch: str, sha: str, files: Sequence[LinkedFile]
) -> None:
    """Propose the links of each file at commit `sha`; stop at the first refusal (403)."""
    for minutes in files:
        try:
            await propose(port, repo, default_branch, sha, minutes)
        except AmbiguousWriteError:
            # The next push finds whatever did happen and carries on from there.
            log.warning(
                "a write of the links may not have happened",
                extra={"fields": {"path": minutes.path}},
            )
        except BadRequest as error:
            if error.status_code != HTTPStatus.FORBIDDEN:
                raise
            log.warning(NO_PERMISSION, minutes.path, error)
            return


async def propose(
    port: GitHubPort, repo: str, default_branch: str, sha: str, minutes: LinkedFile
) -> None:
    """Bring the file's links pull request in line with the file at `sha`."""
    branch = branch_for(minutes.path)
    if branch == default_branch:  # never the minutes people read, whatever the name
        return
    stored = await port.read_file(repo, minutes.path, sha) if minutes.numbers else None
    text = _text(stored.content) if stored is not None else None
    linked = with_links(text, minutes.links).encode("utf-8") if text is not None else None
    if stored is None or linked is None or linked == stored.content:
        # Every item's line names its issue already, or no item is left (the file may
        # be gone): a pull request still open would only conflict with the minutes.
        await _withdraw(port, repo, branch, minutes.path)
        return
    pulls = await port.pulls_from(repo, branch)
    if _declined(pulls):
        return
    on_branch = await port.read_file(repo, minutes.path, branch)
    if on_branch is None or on_branch.content != linked:
        if await port.branch_head(repo, branch) is None:
            await port.create_branch(repo, branch, sha)
        else:
            await port.reset_branch(repo, branch, sha)
        await port.commit_file(
            repo,
            minutes.path,
            linked,
            branch=branch,
            replacing=stored.sha,
            message=commit_message(minutes.path),
        )
    await _open_or_update(port, repo, default_branch, branch, minutes, pulls)


async def _withdraw(port: GitHubPort, repo: str, branch: str, path: str) -> None:
    """Close the file's open links pull request, saying why; a settled one is no "no"."""
    for pull in await port.pulls_from(repo, branch):
        if pull.get("state") == "open":
            await port.update_pull(
                repo,
                pull["number"],
                title=pull_title(path),
                body=settled_body(path),
                state="closed",
            )


async def _open_or_update(
    port: GitHubPort,
    repo: str,
    default_branch: str,
    branch: str,
    minutes: LinkedFile,
    pulls: Sequence[Mapping[str, Any]],
) -> None:
    """Open the file's pull request, or edit the open one where it says something else."""
    title, body = pull_title(minutes.path), pull_body(minutes.path, minutes.links)
    current = next((pull for pull in pulls if pull.get("state") == "open"), None)
    if current is None:
        await port.open_pull(repo, head=branch, base=default_branch, title=title, body=body)
    elif (current.get("title"), current.get("body")) != (title, body):
        await port.update_pull(repo, current["number"], title=title, body=body)


def _declined(pulls: Sequence[Mapping[str, Any]]) -> bool:
    """Tell whether a person closed the newest pull request of the branch unmerged."""
    if not pulls or any(pull.get("state") == "open" for pull in pulls):
        return False
    newest = max(pulls, key=lambda pull: pull["number"])
    return not newest.get("merged_at") and not is_settled(newest.get("body"))


def _text(content: bytes) -> str | None:
    """Read the file as UTF-8; None when it is not, since rewriting it would change bytes."""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None
