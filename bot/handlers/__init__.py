"""Every webhook concern the bot handles; the list of routers is the list of features."""

from __future__ import annotations

import logging

from gidgethub import sansio
from gidgethub.routing import Router

from bot.handlers import comments, installation, ping, pull_preview, pulls, push, weekly_status
from bot.handlers.context import Context

log = logging.getLogger(__name__)

router = Router(
    ping.router,  # log that a webhook was set up
    installation.router,  # log installs and the repositories they cover
    push.router,  # turn pushed minutes into issues
    comments.router,  # run /done, /drop, /due ... commented on item issues
    pulls.router,  # tell items when a PR they link to is merged or closed
    pull_preview.router,  # preview on a PR that changes minutes what merging it would do
    weekly_status.router,  # post the weekly status on the tracker issue when it is due
)


def wants(event: sansio.Event) -> bool:
    """Tell whether any handler is registered for `event`."""
    return bool(router.fetch(event))


async def dispatch(event: sansio.Event, context: Context) -> None:
    """Run every handler for `event`; one failing does not stop the others."""
    failures = []
    for handler in router.fetch(event):
        try:
            await handler(event, context)
        except Exception as error:
            log.exception("handler %s failed", handler.__qualname__)
            failures.append(error)
    if failures:
        raise ExceptionGroup(f"{len(failures)} handler(s) failed for {event.event}", failures)
