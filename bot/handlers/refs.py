"""Resolve the references minutes make: `#12` to an issue or PR, "the user space support PR"
to the one pull request it names (chosen by `bot.tracker.links`).

A named PR is looked for among the PRs of the person the minutes tie it to first; when
that finds nothing close, the person may be wrong, so the title words are searched too.
Search results carry when each PR was opened and closed: no call per candidate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from gidgethub import BadRequest

from bot.minutes.model import Ref, RefKind
from bot.tracker.links import PullFacts, choose_pull, naming_words, search_query
from bot.tracker.render import Link, Resolution

if TYPE_CHECKING:
    from bot.minutes.people import Roster

_NUMBERED = re.compile(r"(?:(?P<repo>[\w.-]+/[\w.-]+))?#(?P<number>\d+)")


class ReferenceReads(Protocol):
    """What resolving references reads from GitHub."""

    async def get_issue(self, repo: str, number: int) -> dict[str, Any]: ...

    async def search_issues(self, query: str) -> list[dict[str, Any]]: ...


def link_from_issue(repo: str, issue: dict[str, Any]) -> Link:
    """Read an issue or search result (which may be a PR) as a Link."""
    kind = "pr" if "pull_request" in issue else "issue"
    author = (issue.get("user") or {}).get("login")
    return Link(repo, issue["number"], kind, issue["title"], issue["html_url"], author)


def _repo_of(item: dict[str, Any]) -> str:
    return "/".join(item["repository_url"].rsplit("/", 2)[-2:])


async def search_pulls(
    port: ReferenceReads, repos: tuple[str, ...], author: str | None, words: tuple[str, ...],
    before: date | None,
) -> list[PullFacts]:
    """Search `repos` for PRs by `author` (or with `words` in the title) opened by `before`."""
    found: list[PullFacts] = []
    for repo in repos:
        items = await port.search_issues(search_query(repo, author, words, before))
        found += [PullFacts.from_json(i, _repo_of(i)) for i in items if "pull_request" in i]
    return found


async def find_named_pull(
    port: ReferenceReads, value: str, *, repos: tuple[str, ...], author: str | None,
    before: date | None,
) -> Resolution:
    """Search `repos` for the PR the minutes call `value` and decide whether one is meant."""
    words = naming_words(value)
    if author:
        chosen = choose_pull(words, await search_pulls(port, repos, author, words, before), before)
        if chosen:
            return chosen
    if not words:
        return ()
    return choose_pull(words, await search_pulls(port, repos, None, words, before), before)


async def find_numbered(port: ReferenceReads, repo: str, value: str) -> Link | None:
    """Look up `#12` or `owner/repo#12`; None when it does not exist."""
    match = _NUMBERED.fullmatch(value.strip())
    if not match:
        return None
    target = match["repo"] or repo
    try:
        return link_from_issue(target, await port.get_issue(target, int(match["number"])))
    except BadRequest as error:
        if error.status_code == 404:
            return None
        raise


async def resolve_refs(
    port: ReferenceReads,
    refs: Iterable[Ref],
    *,
    repo: str,
    search_in: tuple[str, ...],
    people: Roster,
    meeting_date: date | None,
) -> dict[Ref, Resolution]:
    """Resolve each distinct numbered or named-PR reference once."""
    links: dict[Ref, Resolution] = {}
    for ref in dict.fromkeys(refs):
        if ref.kind in (RefKind.PR, RefKind.ISSUE):
            found = await find_numbered(port, repo, ref.value)
            if found:
                links[ref] = found
        elif ref.kind is RefKind.NAMED_PR:
            author = people.login_for(ref.person) if ref.person else None
            links[ref] = await find_named_pull(
                port, ref.value, repos=search_in, author=author, before=meeting_date
            )
    return links
