"""Keep the index of the bot's issues in step with what happens to them on GitHub.

Every `issues` event carries the issue as it now is, so the index learns from it at no
API cost: a closed or reopened item, a label taken off, an issue deleted or moved to
another repository. Only the bot's own issues are recorded; the reconciler trusts
none of it without reading the issue, so a copied marker costs a read at most.
"""

from __future__ import annotations

from gidgethub import sansio
from gidgethub.routing import Router

from bot.handlers.context import Context
from bot.tracker.issue_index import entry_of
from bot.tracker.marker import written_by

router = Router()

# The issue leaves the repository: its number no longer names one of the bot's issues.
GONE = frozenset({"deleted", "transferred"})


# What can change where an issue is indexed, or whether it still is.
ACTIONS = ("opened", "edited", "closed", "reopened", "labeled", "unlabeled", *sorted(GONE))


async def index_issue(event: sansio.Event, context: Context) -> None:
    """Record the issue of an `issues` event in the index, or forget it when it is gone."""
    index = context.index
    if index is None:
        return
    repo, issue = event.data["repository"]["full_name"], event.data["issue"]
    if event.data.get("action") in GONE:
        await index.drop(repo, [issue["number"]])
        return
    entry = entry_of(issue)
    if entry is not None and written_by(issue, await context.port.own_logins()):
        await index.note(repo, [entry])


for action in ACTIONS:
    router.add(index_issue, "issues", action=action)
