"""A GitHub port that tells of each action-item issue it opens, edits or closes, for the
service's metrics and the Action's summary to count."""

from __future__ import annotations

from typing import Any

from bot.github.port import GitHubPort
from bot.tracker.marker import ItemMarker, parse_marker


def item_change(fields: dict[str, Any], issue: dict[str, Any]) -> str | None:
    """Say how an issue edit changed an action item (`closed`, `updated`), None if not an item."""
    if not isinstance(parse_marker(issue.get("body")), ItemMarker):
        return None
    return "closed" if fields.get("state") == "closed" else "updated"


class ItemWatchingPort(GitHubPort):
    """A GitHub port that tells `item_changed` of each action-item issue it opens, edits or closes."""

    async def create_issue(self, repo: str, **fields: Any) -> dict[str, Any]:
        """Open an issue, telling of it when it tracks an action item."""
        issue = await super().create_issue(repo, **fields)
        if isinstance(parse_marker(issue.get("body")), ItemMarker):
            self.item_changed("opened", issue)
        return issue

    async def create_sub_issue(self, repo: str, parent: int, **fields: Any) -> dict[str, Any] | None:
        """Open an issue under `parent`, telling of it when it tracks an action item."""
        issue = await super().create_sub_issue(repo, parent, **fields)
        if issue is not None and isinstance(parse_marker(issue.get("body")), ItemMarker):
            self.item_changed("opened", issue)
        return issue

    async def update_issue(self, repo: str, number: int, **fields: Any) -> dict[str, Any]:
        """Edit an issue, telling of it when it tracks an action item."""
        issue = await super().update_issue(repo, number, **fields)
        change = item_change(fields, issue)
        if change:
            self.item_changed(change, issue)
        return issue

    def item_changed(self, change: str, issue: dict[str, Any]) -> None:
        """Take note that `issue` was `opened`, `updated` or `closed`."""
