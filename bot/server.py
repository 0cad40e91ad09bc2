"""The HTTP edge: verify, journal and acknowledge webhooks; the work happens later."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from aiohttp import web
from gidgethub import BadRequest, ValidationFailure, sansio

from bot.handlers import lacking, wants
from bot.logs import delivery_context, log_context
from bot.metrics import CONTENT_TYPE, UNVERIFIED, Metrics
from bot.queue import Delivery, Queue

log = logging.getLogger(__name__)

# GitHub does not deliver payloads over 25 MB; anything bigger is not from GitHub.
MAX_BODY_BYTES = 25 * 1024 * 1024
SIGNATURE_HEADER = "X-Hub-Signature-256"
# What a refusal counts as in `minutes_bot_deliveries_total`.
REFUSALS = {401: "bad_signature", 400: "bad_request", 413: "too_large"}

# GitHub's event names, such as `pull_request_review_comment`; anything else is one label.
EVENT_NAME = re.compile(r"[a-z][a-z_]{0,49}")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def routes(secret: str, queue: Queue, metrics: Metrics) -> list[web.RouteDef]:
    """Return the webhook, health-check and metrics routes, verifying against `secret`."""
    if not secret:
        raise ValueError("a webhook secret is required: without one signatures go unchecked")

    async def webhook(request: web.Request) -> web.Response:
        event = await _counted_refusals(_verified_event(request, secret), metrics)
        with delivery_context(event.delivery_id, event.event):
            return await _accept(event, queue, metrics)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def metrics_view(request: web.Request) -> web.Response:
        body = await metrics.exposition(queue)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    return [
        web.post("/webhook", webhook),
        web.get("/healthz", healthz),
        web.get("/metrics", metrics_view),
    ]


async def _counted_refusals(verifying: Awaitable[sansio.Event], metrics: Metrics) -> sansio.Event:
    """Await the verified event, counting a refused delivery by why it was refused."""
    try:
        return await verifying
    except web.HTTPException as refusal:
        metrics.delivery(UNVERIFIED, REFUSALS.get(refusal.status, "bad_request"))
        raise


async def _verified_event(request: web.Request, secret: str) -> sansio.Event:
    """Parse the delivery, refusing unsigned, oversized, badly signed or malformed ones."""
    if SIGNATURE_HEADER not in request.headers:
        log.warning("delivery refused: no %s", SIGNATURE_HEADER)
        raise web.HTTPUnauthorized(text=f"missing {SIGNATURE_HEADER}")
    if not request.headers[SIGNATURE_HEADER].startswith("sha256="):
        # gidgethub checks whatever algorithm the header names; only SHA-256 is accepted.
        log.warning("delivery refused: %s is not a sha256 signature", SIGNATURE_HEADER)
        raise web.HTTPUnauthorized(text=f"{SIGNATURE_HEADER} must be a sha256= signature")
    body = await _body(request)
    try:
        event = sansio.Event.from_http(request.headers, body, secret=secret)
    except ValidationFailure as error:
        log.warning("delivery refused: %s", error)
        raise web.HTTPUnauthorized(text=str(error)) from None
    except (BadRequest, KeyError) as error:
        raise web.HTTPBadRequest(text=f"malformed delivery: {error}") from None
    except RecursionError:  # JSON nested deeper than the parser goes
        raise web.HTTPBadRequest(text="malformed delivery: nested too deep") from None
    if not _well_formed(event):
        raise web.HTTPBadRequest(text="malformed delivery: expected a JSON object and an id")
    return event


def _well_formed(event: sansio.Event) -> bool:
    """Tell whether the delivery has an id and is an object, its repository and installation too."""
    data = event.data
    return (
        bool(event.delivery_id)
        and isinstance(data, dict)
        and all(isinstance(data.get(key) or {}, dict) for key in ("repository", "installation"))
    )


async def _body(request: web.Request) -> bytes:
    """Read the body, refusing one declared too big before reading any of it."""
    declared = request.content_length
    if declared is not None and declared > MAX_BODY_BYTES:
        log.warning("delivery refused: %d bytes declared", declared)
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=declared)
    # A chunked body is cut off by the app's `client_max_size`, which raises the same 413.
    return await request.read()


async def _accept(event: sansio.Event, queue: Queue, metrics: Metrics) -> web.Response:
    """Answer pings, journal and queue wanted events, and acknowledge the rest."""
    if event.event == "ping":
        metrics.delivery(event.event, "ping")
        return web.json_response({"msg": "pong"})
    if not wants(event):
        metrics.delivery(event_label(event.event), "ignored")
        return web.json_response({"msg": "ignored"}, status=200)
    if (field := lacking(event)) is not None:
        log.warning("delivery refused: a %s event without %s", event.event, field)
        metrics.delivery(event.event, "bad_request")
        raise web.HTTPBadRequest(text=f"malformed delivery: no {field}")
    delivery = Delivery(event.delivery_id, event.event, event.data)
    with log_context(repo=delivery.repo or None, installation=delivery.installation_id):
        return await _submit(delivery, queue, metrics)


async def _submit(delivery: Delivery, queue: Queue, metrics: Metrics) -> web.Response:
    """Queue `delivery` unless it was accepted before."""
    if not await queue.submit(delivery):
        log.info("duplicate delivery")
        metrics.delivery(delivery.event, "duplicate")
        return web.json_response({"msg": "already accepted"}, status=200)
    metrics.accepted(delivery.id)
    metrics.delivery(delivery.event, "accepted")
    log.info("delivery accepted")
    return web.json_response({"msg": "accepted"}, status=202)


def event_label(name: str) -> str:
    """Return the event's name as a metric label, or "other" for a name GitHub would not send."""
    return name if EVENT_NAME.fullmatch(name) else "other"


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
