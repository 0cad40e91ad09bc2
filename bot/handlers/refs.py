"""Resolve the references minutes make: `#12` to an issue or PR, "the user space support PR"
to the one pull request it names.

Choosing is pure: score each candidate's title against the words the minutes use, and
link only when exactly one candidate clearly wins; otherwise list the close ones.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from gidgethub import BadRequest

from bot.minutes.model import Ref, RefKind, normalise_words
from bot.render import Link, Resolution

if TYPE_CHECKING:
    from bot.github import GitHubPort
    from bot.minutes.people import Roster

# Words that say "a pull request" rather than which one.
GENERIC_WORDS = frozenset(
    {"a", "an", "the", "his", "her", "their", "our", "my", "its", "this", "that"}
    | {"for", "of", "to", "on", "in", "with", "and"}
    | {"pr", "prs", "pull", "request", "requests", "patch", "patches", "series", "draft"}
)
# A winner must match at least this share of the naming words ...
MIN_SCORE = 0.5
# ... and beat the runner-up by this much.
MIN_LEAD = 0.25
MAX_CANDIDATES = 5
_NUMBERED = re.compile(r"(?:(?P<repo>[\w.-]+/[\w.-]+))?#(?P<number>\d+)")


def naming_words(value: str) -> tuple[str, ...]:
    """Return the words that identify a PR: "the user space support PR" -> user, space, support."""
    return tuple(word for word in normalise_words(value) if word not in GENERIC_WORDS)


def title_score(words: tuple[str, ...], title: str) -> float:
    """Return the share of `words` found in `title`, joined forms counted ("userspace")."""
    if not words:
        return 0.0
    title_words = normalise_words(title)
    vocabulary = set(title_words) | {a + b for a, b in itertools.pairwise(title_words)}
    joined = {a + b for a, b in itertools.pairwise(words)} & vocabulary
    found = sum(
        1 for i, word in enumerate(words) if word in vocabulary or _in_joined(words, i, joined)
    )
    return found / len(words)


def _in_joined(words: tuple[str, ...], index: int, joined: set[str]) -> bool:
    before = words[index - 1] + words[index] if index else None
    after = words[index] + words[index + 1] if index + 1 < len(words) else None
    return bool({before, after} & joined)


def choose_pull(words: tuple[str, ...], pulls: Iterable[Link]) -> Resolution:
    """Return the one PR whose title clearly matches `words`, else the close candidates."""
    scored = sorted(((title_score(words, p.title), p) for p in pulls), key=lambda s: -s[0])
    plausible = [(score, pull) for score, pull in scored if score >= MIN_SCORE]
    if not plausible:
        return ()
    runner_up = plausible[1][0] if len(plausible) > 1 else 0.0
    if plausible[0][0] - runner_up >= MIN_LEAD:
        return plausible[0][1]
    return tuple(pull for _, pull in plausible[:MAX_CANDIDATES])


def search_query(repo: str, author: str | None, words: tuple[str, ...], before: date | None) -> str:
    """Build the issue-search query for PRs in `repo` by `author` opened before the meeting."""
    terms = [f"repo:{repo}", "is:pr"]
    if author:
        terms.append(f"author:{author}")
    else:
        terms.extend([*words, "in:title"])
    if before:
        terms.append(f"created:<={before.isoformat()}")
    return " ".join(terms)


def link_from_issue(repo: str, issue: dict[str, Any]) -> Link:
    """Read an issue or search result (which may be a PR) as a Link."""
    kind = "pr" if "pull_request" in issue else "issue"
    return Link(repo, issue["number"], kind, issue["title"], issue["html_url"])


def _repo_of(item: dict[str, Any]) -> str:
    return "/".join(item["repository_url"].rsplit("/", 2)[-2:])


async def find_named_pull(
    port: GitHubPort, value: str, *, repos: tuple[str, ...], author: str | None, before: date | None
) -> Resolution:
    """Search `repos` for the PR the minutes call `value` and decide whether one is meant."""
    words = naming_words(value)
    pulls: list[Link] = []
    for repo in repos:
        found = await port.search_issues(search_query(repo, author, words, before))
        pulls += [link_from_issue(_repo_of(item), item) for item in found if "pull_request" in item]
    return choose_pull(words, pulls)


async def find_numbered(port: GitHubPort, repo: str, value: str) -> Link | None:
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
    port: GitHubPort,
    refs: Iterable[Ref],
    *,
    repo: str,
    search_in: tuple[str, ...],
    roster: Roster,
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
            author = roster.login_for(ref.person) if ref.person else None
            links[ref] = await find_named_pull(
                port, ref.value, repos=search_in, author=author, before=meeting_date
            )
    return links
