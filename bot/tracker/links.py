"""Decide which pull request minutes mean when they name one only by description.

Pure: the candidates come from a search or a saved list of pull requests. A PR
opened after the meeting is not one the minutes can name; among the rest, those
still open at the meeting come first, and a title must match the naming words
well and clearly better than the runner-up to be linked. Otherwise the close
candidates are listed for a person to check.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from bot.minutes.model import ActionItem, Minutes, Person, Ref, RefKind, normalise_words
from bot.minutes.people import Roster
from bot.tracker.render import Link, Resolution

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


@dataclass(frozen=True)
class PullFacts:
    """A pull request as a search result or a pull list describes it: what, when, whose."""

    link: Link
    created: date | None = None
    closed: date | None = None  # closed or merged; None while open

    @classmethod
    def from_json(cls, data: Mapping[str, Any], repo: str) -> PullFacts:
        """Read a search result or an entry of `GET /repos/{owner}/{repo}/pulls`."""
        user = data.get("user") or {}
        link = Link(repo, int(data["number"]), "pr", str(data.get("title") or ""),
                    str(data.get("html_url") or ""), user.get("login"))
        merged = data.get("merged_at") or (data.get("pull_request") or {}).get("merged_at")
        closed = _day(data.get("closed_at")) or _day(merged)
        if closed is None and str(data.get("state") or "open").lower() != "open":
            # Closed or merged on a day nobody wrote down: not one still open at the meeting.
            closed = date.min
        return cls(link, _day(data.get("created_at")), closed)

    def opened_after(self, day: date | None) -> bool:
        return day is not None and self.created is not None and self.created > day

    def open_on(self, day: date | None) -> bool:
        """Tell whether the PR was open on `day` (None: is open now)."""
        if day is None:
            return self.closed is None
        return not self.opened_after(day) and (self.closed is None or self.closed >= day)


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


def choose_pull(
    words: tuple[str, ...], pulls: Iterable[PullFacts], meeting: date | None = None
) -> Resolution:
    """Return the PR `words` name at the meeting, else the close candidates.

    "Review the user space support PR" means the one that was open on the day, not
    the three merged before it or the one closed unmerged in September; only when no
    PR open that day fits do the closed ones count.
    """
    known = [pull for pull in pulls if not pull.opened_after(meeting)]
    chosen = choose_by_title(words, [p.link for p in known if p.open_on(meeting)])
    return chosen or choose_by_title(words, [p.link for p in known if not p.open_on(meeting)])


def choose_by_title(words: tuple[str, ...], pulls: Iterable[Link]) -> Resolution:
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


def people_of(minutes: Minutes, roster: Roster) -> Roster:
    """The roster plus the attendees whose handle the minutes give."""
    return roster.merged(Person(a.name, a.login) for a in minutes.attendees if a.login)


def with_sure_owners(minutes: Minutes, links: Mapping[Ref, Resolution], people: Roster) -> Minutes:
    """Leave a PR's owner out of titles unless the minutes say it or the PR confirms it.

    "Zoë presented her PR; Tobias reminded Joerg about it" must not become "Review
    Tobias's PR": a possessive the extractor inferred stays only when the PR it
    resolved to was opened by that person, and one the minutes wrote goes when the
    PR's real author is somebody else.
    """
    items = tuple(_sure_owner(item, links, people) for item in minutes.items)
    return replace(minutes, items=items)


def _sure_owner(item: ActionItem, links: Mapping[Ref, Resolution], people: Roster) -> ActionItem:
    title = item.title
    for ref in item.refs:
        if ref.kind is RefKind.NAMED_PR and ref.person and not _owner_sure(ref, item, links, people):
            title = re.sub(rf"\b{re.escape(ref.person)}['’]s\s+", "the ", title, count=1)
    return item if title == item.title else replace(item, title=_capitalised(title))


def _owner_sure(ref: Ref, item: ActionItem, links: Mapping[Ref, Resolution], people: Roster) -> bool:
    assert ref.person is not None
    resolved = links.get(ref)
    if isinstance(resolved, Link) and resolved.author:
        return _same_person(ref.person, resolved.author, people)
    written = re.search(rf"\b{re.escape(ref.person)}['’]s\b", item.source)
    return written is not None


def _same_person(name: str, login: str, people: Roster) -> bool:
    known = people.login_for(name)
    if known:
        return known.lower() == login.lower()
    return "".join(normalise_words(name)) == "".join(normalise_words(login))


def _capitalised(title: str) -> str:
    return title[:1].upper() + title[1:]


def _day(timestamp: object) -> date | None:
    """Read the day of a GitHub timestamp (`2024-12-18T10:00:00Z`); None when absent."""
    if not isinstance(timestamp, str) or len(timestamp) < 10:
        return None
    try:
        return date.fromisoformat(timestamp[:10])
    except ValueError:
        return None
