"""The node ids GraphQL names things by, learnt from the REST answers that carry them.

Opening an issue under its meeting issue over GraphQL takes the node ids of the
repository, the parent issue, the labels and the assignees. Answers the bot has anyway
carry each as `node_id`: the webhook's repository, the meeting issue just opened (with
its labels and assignees), the item label just created, the users who may be assigned,
the issues listed. Only what none of them named needs a GraphQL look-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any


class NodeIds:
    """Node ids by what they name; names compare as GitHub compares them (no case)."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], str] = {}

    def learn(self, kind: str, name: str, node: Mapping[str, Any] | None) -> None:
        """Remember the `node_id` of `node`, a `kind` ("repository", "label", ...) called `name`."""
        found = (node or {}).get("node_id")
        if isinstance(found, str) and found:
            self._ids[(kind, name.lower())] = found

    def learn_issue(self, repo: str, issue: Mapping[str, Any]) -> None:
        """Remember the node ids of an issue, its labels and its assignees."""
        self.learn("issue", f"{repo}#{issue.get('number')}", issue)
        for label in _dicts(issue.get("labels")):
            self.learn("label", f"{repo}:{label.get('name')}", label)
        self.learn_users(_dicts(issue.get("assignees")))

    def learn_users(self, users: Iterable[Mapping[str, Any]]) -> None:
        """Remember the node ids of users (by login)."""
        for user in users:
            self.learn("user", str(user.get("login")), user)

    def of(self, kind: str, name: str) -> str | None:
        """Return the node id of the `kind` called `name`; None when no answer named it."""
        return self._ids.get((kind, name.lower()))

    def for_creation(
        self, repo: str, parent: int, labels: Sequence[str], assignees: Sequence[str]
    ) -> dict[str, Any] | None:
        """Return the ids an issue created under `parent` names; None when one is unknown."""
        repository = self.of("repository", repo)
        issue = self.of("issue", f"{repo}#{parent}")
        label_ids = [self.of("label", f"{repo}:{name}") for name in labels]
        user_ids = [self.of("user", login) for login in assignees]
        if repository is None or issue is None or None in (*label_ids, *user_ids):
            return None
        return {"repositoryId": repository, "parentIssueId": issue, "labelIds": label_ids,
                "assigneeIds": user_ids}


def _dicts(values: Any) -> list[Mapping[str, Any]]:
    return [value for value in values or () if isinstance(value, Mapping)]
