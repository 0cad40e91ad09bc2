"""Acknowledge that a webhook has been set up."""

from __future__ import annotations

import logging

from gidgethub import sansio
from gidgethub.routing import Router

from bot.handlers.context import Context

log = logging.getLogger(__name__)
router = Router()


@router.register("ping")
async def note_ping(event: sansio.Event, context: Context) -> None:
    """Log the new hook so an operator can see the setup worked."""
    hook = event.data.get("hook") or {}
    log.info(
        "webhook set up", extra={"fields": {"hook": hook.get("id"), "zen": event.data.get("zen")}}
    )
