"""Follow the App being installed on, and removed from, repositories."""

from __future__ import annotations

import logging

from gidgethub import sansio
from gidgethub.routing import Router

from bot.handlers.context import Context

log = logging.getLogger(__name__)
router = Router()


def _repositories(event: sansio.Event, key: str) -> list[str]:
    return [repo["full_name"] for repo in event.data.get(key) or []]


@router.register("installation")
async def note_installation(event: sansio.Event, context: Context) -> None:
    """Log which repositories an installation was created for, or that it ended."""
    fields = {
        "action": event.data.get("action"),
        "repositories": _repositories(event, "repositories"),
    }
    log.info("installation changed", extra={"fields": fields})


@router.register("installation_repositories")
async def note_repositories(event: sansio.Event, context: Context) -> None:
    """Log repositories added to or removed from an installation."""
    fields = {
        "added": _repositories(event, "repositories_added"),
        "removed": _repositories(event, "repositories_removed"),
    }
    log.info("installation repositories changed", extra={"fields": fields})
