"""The HTTP edge: verify, journal and acknowledge webhooks; the work happens later."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from gidgethub import BadRequest, ValidationFailure, sansio

from bot.handlers import wants
from bot.logs import log_context
from bot.queue import Delivery, Queue

log = logging.getLogger(__name__)

# GitHub does not deliver payloads over 25 MB; anything bigger is not from GitHub.
MAX_BODY_BYTES = 25 * 1024 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def routes(secret: str, queue: Queue) -> list[web.RouteDef]:
    """Return the webhook and health-check routes, verifying against `secret`."""
    if not secret:
        raise ValueError("a webhook secret is required: without one signatures go unchecked")

    async def webhook(request: web.Request) -> web.Response:
        event = await _verified_event(request, secret)
        with log_context(delivery=event.delivery_id, event=event.event):
            return await _accept(event, queue)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    return [web.post("/webhook", webhook), web.get("/healthz", healthz)]


async def _verified_event(request: web.Request, secret: str) -> sansio.Event:
    """Parse the delivery, refusing unsigned, badly signed or malformed ones."""
    body = await request.read()
    if "x-hub-signature-256" not in request.headers:
        log.warning("delivery refused: no X-Hub-Signature-256")
        raise web.HTTPUnauthorized(text="missing X-Hub-Signature-256")
    try:
        event = sansio.Event.from_http(request.headers, body, secret=secret)
    except ValidationFailure as error:
        log.warning("delivery refused: %s", error)
        raise web.HTTPUnauthorized(text=str(error)) from None
    except (BadRequest, KeyError) as error:
        raise web.HTTPBadRequest(text=f"malformed delivery: {error}") from None
    if not isinstance(event.data, dict) or not event.delivery_id:
        raise web.HTTPBadRequest(text="malformed delivery: expected a JSON object and an id")
    return event


async def _accept(event: sansio.Event, queue: Queue) -> web.Response:
    """Answer pings, journal and queue wanted events, and acknowledge the rest."""
    if event.event == "ping":
        return web.json_response({"msg": "pong"})
    if not wants(event):
        return web.json_response({"msg": "ignored"}, status=200)
    delivery = Delivery(event.delivery_id, event.event, event.data)
    with log_context(repo=delivery.repo or None, installation=delivery.installation_id):
        if not await queue.submit(delivery):
            log.info("duplicate delivery")
            return web.json_response({"msg": "already accepted"}, status=200)
        log.info("delivery accepted")
    return web.json_response({"msg": "accepted"}, status=202)


@web.middleware
async def report_crashes(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn any unexpected error into a logged 500, the only catch-all at the edge."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("request failed", extra={"fields": {"path": request.path}})
        return web.json_response({"msg": "internal error"}, status=500)
