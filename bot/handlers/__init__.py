"""Every webhook concern the bot handles; the list of routers is the list of features."""

from __future__ import annotations

import logging

from gidgethub import sansio
from gidgethub.routing import Router

from bot.compat import ExceptionGroup
from bot.github.port import NotFound
from bot.handlers import (
    comments,
    installation,
    issue_index,
    item_state,
    ping,
    pull_preview,
    pulls,
    push,
    weekly_status,
)
from bot.handlers.context import Context

log = logging.getLogger(__name__)

SKIPPED = "%s skipped: GitHub has no %s, or the bot cannot see it"

router = Router(
    ping.router,  # log that a webhook was set up
    installation.router,  # log installs and the repositories they cover
    push.router,  # turn pushed minutes into issues
    comments.router,  # run /done, /drop, /due ... commented on item issues
    item_state.router,  # follow items closed, reopened, (un)assigned or retitled on GitHub
    issue_index.router,  # note in the index where the bot's issues are and their state
    pulls.router,  # tell items when a PR they link to is merged or closed
    pull_preview.router,  # preview on a PR that changes minutes what merging it would do
    weekly_status.router,  # post the weekly status on the tracker issue when it is due
)


# What the handlers of each event read from its payload; a delivery without it is refused.
NEEDS: dict[str, tuple[str, ...]] = {
    "push": ("repository.full_name", "ref", "after"),
    "issue_comment": (
        "repository.full_name",
        "issue.number",
        "issue.user.login",
        "comment.id",
        "comment.user.login",
    ),
    "issues": ("repository.full_name", "issue.number"),
    "pull_request": (
        "repository.full_name",
        "pull_request.number",
        "pull_request.head.sha",
        "pull_request.base.sha",
    ),
    weekly_status.SCHEDULE_EVENT: ("repository.full_name",),
}


def wants(event: sansio.Event) -> bool:
    """Tell whether any handler is registered for `event`."""
    return bool(router.fetch(event))


def lacking(event: sansio.Event) -> str | None:
    """Name the first field the event's handlers need that its payload lacks, if any."""
    for path in NEEDS.get(event.event, ()):
        value: object = event.data
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if value is None or isinstance(value, dict | list):
            return path
    return None


async def dispatch(event: sansio.Event, context: Context) -> None:
    """Run every handler for `event`; one failing does not stop the others."""
    failures = []
    for handler in router.fetch(event):
        try:
            await handler(event, context)
        except NotFound as missing:
            # A repository or file the bot cannot see: nothing to retry, nothing broken.
            log.warning(SKIPPED, handler.__qualname__, missing.path)
        except Exception as error:
            log.exception("handler %s failed", handler.__qualname__)
            failures.append(error)
    if failures:
        raise ExceptionGroup(f"{len(failures)} handler(s) failed for {event.event}", failures)
