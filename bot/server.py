"""The HTTP edge: verify, journal and acknowledge webhooks; the work happens later.

Nobody is trusted before the signature is checked. The body is fed to the signature
check as it arrives; only its first megabyte is kept in memory, the rest of a bigger
one waits in a temporary file, and no more than a few such bodies are read at a time.
A request must finish sending its headers within `HEADER_SECONDS` and its body within
`BODY_SECONDS` (GitHub itself gives up on a delivery after 10 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import re
import tempfile
from collections.abc import Awaitable, Callable
from typing import IO, Any

from aiohttp import web
from gidgethub import BadRequest, sansio

from bot.handlers import lacking, wants
from bot.logs import delivery_context, log_context
from bot.metrics import CONTENT_TYPE, UNVERIFIED, Metrics
from bot.queue import Delivery, Queue

log = logging.getLogger(__name__)

# GitHub does not deliver payloads over 25 MB; anything bigger is not from GitHub.
MAX_BODY_BYTES = 25 * 1024 * 1024
# Kept in memory while the signature is unchecked; the rest goes to a temporary file.
IN_MEMORY_BYTES = 1024 * 1024
# Bodies bigger than that read at once, so unchecked ones cannot fill the disk either.
LARGE_BODIES = 4
CHUNK_BYTES = 64 * 1024
BODY_SECONDS = 10.0
# aiohttp closes a connection that idles this long, including one still sending headers.
HEADER_SECONDS = 15.0
# How `minutes-bot serve` runs aiohttp's server. GitHub sends no compressed bodies, and
# decompressing one before its signature is checked would be work for anybody's bytes.
SERVER_OPTIONS: dict[str, Any] = {"keepalive_timeout": HEADER_SECONDS, "auto_decompress": False}
SIGNATURE_HEADER = "X-Hub-Signature-256"
# What a refusal counts as in `minutes_bot_deliveries_total`.
REFUSALS = {401: "bad_signature", 400: "bad_request", 413: "too_large", 408: "too_slow"}

# GitHub's event names, such as `pull_request_review_comment`; anything else is one label.
EVENT_NAME = re.compile(r"[a-z][a-z_]{0,49}")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def routes(secret: str, queue: Queue, metrics: Metrics) -> list[web.RouteDef]:
    """Return the webhook, health-check and metrics routes, verifying against `secret`."""
    if not secret:
        raise ValueError("a webhook secret is required: without one signatures go unchecked")

    async def healthz(request: web.Request) -> web.Response:
        problem = await queue.problem()
        if problem:
            return web.json_response({"status": "unavailable", "problem": problem}, status=503)
        return web.json_response({"status": "ok"})

    async def metrics_view(request: web.Request) -> web.Response:
        body = await metrics.exposition(queue)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    large_bodies = asyncio.Semaphore(LARGE_BODIES)

    async def webhook(request: web.Request) -> web.Response:
        verifying = _verified_event(request, secret, large_bodies)
        event = await _counted_refusals(verifying, metrics)
        with delivery_context(event.delivery_id, event.event):
            return await _accept(event, queue, metrics)

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


async def _verified_event(
    request: web.Request, secret: str, large_bodies: asyncio.Semaphore
) -> sansio.Event:
    """Parse the delivery, refusing unsigned, oversized, badly signed or malformed ones."""
    _check_headers(request)
    body = await _signed_body(request, secret, large_bodies)
    try:
        # The signature is checked already: gidgethub only decodes the JSON here.
        event = sansio.Event.from_http(_event_headers(request), body)
    except (BadRequest, KeyError) as error:
        raise web.HTTPBadRequest(text=f"malformed delivery: {error}") from None
    except LookupError:  # a charset Python does not know
        raise web.HTTPBadRequest(text="malformed delivery: unknown charset") from None
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


def _check_headers(request: web.Request) -> None:
    """Refuse, before reading the body, what no signed GitHub delivery looks like."""
    if SIGNATURE_HEADER not in request.headers:
        log.warning("delivery refused: no %s", SIGNATURE_HEADER)
        raise web.HTTPUnauthorized(text=f"missing {SIGNATURE_HEADER}")
    if not request.headers[SIGNATURE_HEADER].startswith("sha256="):
        log.warning("delivery refused: %s is not a sha256 signature", SIGNATURE_HEADER)
        raise web.HTTPUnauthorized(text=f"{SIGNATURE_HEADER} must be a sha256= signature")
    if request.headers.get("Content-Encoding", "identity").lower() != "identity":
        raise web.HTTPUnsupportedMediaType(text="compressed deliveries are not accepted")
    declared = request.content_length
    if declared is not None and declared > MAX_BODY_BYTES:
        log.warning("delivery refused: %d bytes declared", declared)
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=declared)


def _event_headers(request: web.Request) -> dict[str, str]:
    """Return the headers gidgethub reads to build the event, the signature left out."""
    wanted = ("content-type", "x-github-event", "x-github-delivery")
    return {name: request.headers[name] for name in wanted if name in request.headers}


async def _signed_body(
    request: web.Request, secret: str, large_bodies: asyncio.Semaphore
) -> bytes:
    """Read the body through the signature check and return it once the signature matches."""
    digest = hmac.new(secret.encode(), digestmod=hashlib.sha256)
    with tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES) as spool:
        try:
            async with asyncio.timeout(BODY_SECONDS):
                await _read_into(request, digest, spool, large_bodies)
        except TimeoutError:
            log.warning("delivery refused: the body took over %g s", BODY_SECONDS)
            raise web.HTTPRequestTimeout(text="the body was not sent in time") from None
        expected = "sha256=" + digest.hexdigest()
        if not hmac.compare_digest(request.headers[SIGNATURE_HEADER], expected):
            log.warning("delivery refused: the signature does not match the body")
            raise web.HTTPUnauthorized(text="the signature does not match the body")
        spool.seek(0)
        return spool.read()


async def _read_into(
    request: web.Request, digest: Any, spool: IO[bytes], large_bodies: asyncio.Semaphore
) -> None:
    """Feed the body to `digest` and `spool`; past the first megabyte, wait for a turn."""
    size = 0
    async with contextlib.AsyncExitStack() as turns:
        async for chunk in request.content.iter_chunked(CHUNK_BYTES):
            if size <= IN_MEMORY_BYTES < size + len(chunk):
                await turns.enter_async_context(large_bodies)
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                # A chunked body declares no length; it is cut off here instead.
                raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=size)
            digest.update(chunk)
            spool.write(chunk)


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
