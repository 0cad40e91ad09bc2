"""Parse and run GitHub issue-search queries (`GET /search/issues`)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import date

from .state import Issue, SimError, State

TYPE_QUALIFIERS = {"is:issue", "is:pr", "is:pull-request", "type:issue", "type:pr"}


@dataclass(frozen=True)
class Query:
    """A parsed search: qualifiers by name (each may repeat) and free words."""

    qualifiers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    words: tuple[str, ...] = ()

    def values(self, name: str) -> tuple[str, ...]:
        """Return every value given for qualifier `name`."""
        return self.qualifiers.get(name, ())


def parse(q: str) -> Query:
    """Split a query into qualifiers (`key:value`, quotes allowed) and free words."""
    try:
        tokens = shlex.split(q)
    except ValueError:
        tokens = q.split()
    qualifiers: dict[str, list[str]] = {}
    words = []
    for token in tokens:
        key, sep, value = token.partition(":")
        if sep and key.isalpha() and value:
            qualifiers.setdefault(key.lower(), []).append(value)
        else:
            words.append(token.lower())
    return Query({k: tuple(v) for k, v in qualifiers.items()}, tuple(words))


def require_type(q: str) -> None:
    """Refuse a query without `is:issue`/`is:pull-request`, as GitHub does for app tokens."""
    if not any(token.lower() in TYPE_QUALIFIERS for token in q.split()):
        raise SimError(422, "Validation Failed", [{
            "message": "Query must include 'is:issue' or 'is:pull-request'",
            "resource": "Search", "field": "q", "code": "invalid"}])


def kind_matches(query: Query, issue: Issue) -> bool:
    """Apply `is:`/`type:` qualifiers for kind and state."""
    for value in query.values("is") + query.values("type"):
        value = value.lower()
        if value in ("pr", "pull-request") and not issue.is_pull:
            return False
        if value == "issue" and issue.is_pull:
            return False
        if value in ("open", "closed") and issue.state != value:
            return False
        if value == "merged" and not (issue.pull and issue.pull.merged):
            return False
        if value == "unmerged" and (issue.pull is None or issue.pull.merged):
            return False
    return all(issue.state == s.lower() for s in query.values("state"))


def people_match(query: Query, issue: Issue) -> bool:
    """Apply `author:`, `assignee:` and `label:` qualifiers."""
    if any(issue.user.lower() != a.lower() for a in query.values("author")):
        return False
    if any(a.lower() not in (x.lower() for x in issue.assignees) for a in query.values("assignee")):
        return False
    labels = {name.lower() for name in issue.labels}
    return all(label.lower() in labels for label in query.values("label"))


def words_match(query: Query, issue: Issue) -> bool:
    """Match free words against title (and body unless `in:title`)."""
    where = {value.lower() for value in query.values("in")} or {"title", "body"}
    text = " ".join([issue.title if "title" in where else "", (issue.body or "") if "body" in where else ""])
    return all(word in text.lower() for word in query.words)


def dates_match(query: Query, issue: Issue) -> bool:
    """Apply `created:` and `closed:` qualifiers: `<=2024-12-18`, `>2024-01-01`, `a..b`, a day."""
    for name, when in (("created", issue.created_at), ("closed", issue.closed_at)):
        for value in query.values(name):
            if when is None or not _day_in(when.date(), value):
                return False
    return True


def _day_in(day: date, value: str) -> bool:
    if ".." in value:
        start, _, end = value.partition("..")
        return (start in ("", "*") or day >= date.fromisoformat(start)) and (
            end in ("", "*") or day <= date.fromisoformat(end))
    for op, test in (("<=", day.__le__), (">=", day.__ge__), ("<", day.__lt__), (">", day.__gt__)):
        if value.startswith(op):
            return bool(test(date.fromisoformat(value[len(op):])))
    return day == date.fromisoformat(value)


def matches(query: Query, issue: Issue) -> bool:
    """Say whether an issue satisfies every part of the query."""
    repos = query.values("repo")
    if repos and issue.repo.lower() not in {r.lower() for r in repos}:
        return False
    return (kind_matches(query, issue) and people_match(query, issue) and words_match(query, issue)
            and dates_match(query, issue))


def search(state: State, q: str, *, sort: str | None = None, order: str = "desc") -> list[Issue]:
    """Return the issues matching `q`, ordered like GitHub (best match is newest here)."""
    query = parse(q)
    found = [i for repo in state.repos.values() for i in repo.issues.values() if matches(query, i)]
    key = {"updated": lambda i: (i.updated_at, i.number)}.get(sort or "", lambda i: (i.created_at, i.number))
    return sorted(found, key=key, reverse=order != "asc")
