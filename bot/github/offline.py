"""GitHub as `minutes-bot plan` sees it offline: one minutes file, no issues, saved PRs.

It answers the reads the service's reconciler makes, so `plan` runs the service's own
code: the repository holds only the minutes file and no issues yet, every login the
minutes resolve counts as assignable, a numbered reference is linked as written, and
the bot's PR searches are answered from a saved list of pull requests (what
`GET /repos/{owner}/{repo}/pulls?state=all` returns).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.github import WEB_URL

API_URL = "https://api.github.com"


@dataclass(frozen=True)
class SearchTerms:
    """The parts of an issue search the bot sends: qualifiers and title words."""

    qualifiers: Mapping[str, str]
    words: tuple[str, ...]

    @classmethod
    def parse(cls, query: str) -> SearchTerms:
        qualifiers: dict[str, str] = {}
        words = []
        for token in query.split():
            key, colon, value = token.partition(":")
            if colon and key.isalpha():
                # `is:pr` and `in:title` hold for every entry of a list of PRs.
                qualifiers[key] = value
            else:
                words.append(token.lower())
        return cls(qualifiers, tuple(words))

    def admits(self, pull: Mapping[str, Any], repo: str) -> bool:
        """Tell whether the pull request `pull` of `repo` answers this search."""
        author = self.qualifiers.get("author")
        login = str((pull.get("user") or {}).get("login") or "")
        created = self.qualifiers.get("created", "").removeprefix("<=")
        return (
            self.qualifiers.get("repo", repo).lower() == repo.lower()
            and (author is None or author.lower() == login.lower())
            and (not created or str(pull.get("created_at") or "")[:10] <= created)
            and all(word in str(pull.get("title") or "").lower() for word in self.words)
        )


class OfflineGitHub:
    """Answer the reconciler's reads from a minutes file and a saved list of PRs."""

    def __init__(
        self,
        repo: str,
        path: str,
        text: str,
        pulls: Sequence[Mapping[str, Any]] = (),
        issues: Sequence[Mapping[str, Any]] = (),
    ):
        self.repo = repo
        self.path = path
        self.text = text
        self.pulls = [(base_repo(pull, repo), pull) for pull in pulls]
        # The bot's open items of earlier meetings, as saved: each is taken to be the bot's.
        self.open_items = [dict(issue) for issue in issues if issue.get("state") == "open"]

    async def get_file(
        self, repo: str, path: str, ref: str, *, max_bytes: int | None = None
    ) -> str | None:
        return self.text if (repo, path) == (self.repo, self.path) else None

    async def has_path(self, repo: str, path: str, ref: str) -> bool:
        return (repo, path) == (self.repo, self.path)

    async def list_issues(
        self, repo: str, *, labels: str | None = None, state: str = "all"
    ) -> list[dict[str, Any]]:
        return []

    async def newest_open_issues(self, repo: str, *, labels: str) -> list[dict[str, Any]]:
        return [i for i in self.open_items if labels in _label_names(i)] if repo == self.repo else []

    async def get_issue(self, repo: str, number: int) -> dict[str, Any]:
        """Return the saved PR with that number, else an issue as the minutes wrote it."""
        for pull_repo, pull in self.pulls:
            if pull_repo == repo and pull.get("number") == number:
                return search_item(pull, pull_repo)
        url = f"{WEB_URL}/{repo}/issues/{number}"
        return {"number": number, "title": "", "html_url": url, "user": None}

    async def list_sub_issues(self, repo: str, number: int) -> list[dict[str, Any]] | None:
        return []

    async def list_assignees(self, repo: str) -> frozenset[str] | None:
        return None  # ask about each login, which is always yes

    async def can_be_assigned(self, repo: str, login: str) -> bool:
        return True

    async def own_logins(self) -> frozenset[str]:
        # No issues but the saved ones, which are the bot's by what `plan` was told.
        return frozenset(str((i.get("user") or {}).get("login")) for i in self.open_items)

    async def access_token(self) -> str | None:
        return None  # no installation: the model reader uses its own key or GITHUB_TOKEN

    async def search_issues(self, query: str) -> list[dict[str, Any]]:
        terms = SearchTerms.parse(query)
        return [search_item(pull, repo) for repo, pull in self.pulls if terms.admits(pull, repo)]


# `gh pr list --json number,title,state,author,createdAt,closedAt,mergedAt,url` names
# the REST API's fields so, and writes a time that never was as the year 1.
_GH_FIELDS = {"createdAt": "created_at", "closedAt": "closed_at", "mergedAt": "merged_at",
              "author": "user", "url": "html_url"}
_NO_TIME = "0001-01-01"


def rest_shaped(pull: Mapping[str, Any]) -> dict[str, Any]:
    """Return a saved pull request with the REST API's field names and states.

    An entry of `gh pr list --json ...` has `createdAt`, `author` and a `state` of
    OPEN, CLOSED or MERGED; the REST API's has `created_at`, `user` and open or closed.
    """
    shaped = dict(pull)
    for gh_name, rest_name in _GH_FIELDS.items():
        if gh_name in pull and rest_name not in pull:
            value = pull[gh_name]
            shaped[rest_name] = None if str(value).startswith(_NO_TIME) else value
    state = str(pull.get("state") or "open").lower()
    shaped["state"] = "open" if state == "open" else "closed"
    return shaped


def _label_names(issue: Mapping[str, Any]) -> set[str]:
    return {str(label.get("name") if isinstance(label, Mapping) else label)
            for label in issue.get("labels") or ()}


def base_repo(pull: Mapping[str, Any], default: str) -> str:
    """Return the repository a saved pull request belongs to."""
    base = pull.get("base")
    repo = base.get("repo") if isinstance(base, dict) else None
    return str((repo or {}).get("full_name") or default)


def repositories_of(pulls: Iterable[Mapping[str, Any]]) -> set[str]:
    """Return the repositories a saved list of pull requests names."""
    return {name for pull in pulls if (name := base_repo(pull, ""))}


def search_item(pull: Mapping[str, Any], repo: str) -> dict[str, Any]:
    """Shape a pull list entry as `GET /search/issues` returns a pull request."""
    merged = {"merged_at": pull.get("merged_at")}
    return {**pull, "repository_url": f"{API_URL}/repos/{repo}", "pull_request": merged}
