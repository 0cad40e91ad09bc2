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
import functools
import hashlib
import hmac
import json
import logging
import re
import tempfile
from collections.abc import Awaitable, Callable
from typing import IO, Any, TypeVar

from aiohttp import web
from gidgethub import BadRequest, sansio

from bot.compat import timeout
from bot.handlers import lacking, wants
from bot.service.logs import delivery_context
from bot.service.metrics import CONTENT_TYPE, UNVERIFIED, Metrics
from bot.service.queue import Delivery, Queue

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
ACCEPTED = b'{"msg": "accepted"}'  # the answer to nearly every delivery, encoded once
# What a refusal counts as in `minutes_bot_deliveries_total`.
REFUSALS = {401: "bad_signature", 400: "bad_request", 413: "too_large", 408: "too_slow"}

# GitHub's event names, such as `pull_request_review_comment`; anything else is one label.
EVENT_NAME = re.compile(r"[a-z][a-z_]{0,49}")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
T = TypeVar("T")


def routes(
    secret: str,
    queue: Queue,
    metrics: Metrics,
    unavailable: Callable[[], str | None] = lambda: None,
) -> list[web.RouteDef]:
    """Return the webhook, health-check and metrics routes, verifying against `secret`.

    `unavailable` says what else keeps deliveries from being handled (minutes that
    cannot be read), for `/healthz`.
    """
    if not secret:
        raise ValueError("a webhook secret is required: without one signatures go unchecked")

    async def healthz(request: web.Request) -> web.Response:
        problem = await queue.problem() or unavailable()
        if problem:
            return web.json_response({"status": "unavailable", "problem": problem}, status=503)
        return web.json_response({"status": "ok"})

    async def metrics_view(request: web.Request) -> web.Response:
        body = await metrics.exposition(queue)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    large_bodies = asyncio.Semaphore(LARGE_BODIES)
    # Keyed once: a copy per delivery costs a tenth of a fresh HMAC.
    keyed = hmac.new(secret.encode(), digestmod=hashlib.sha256)

    async def webhook(request: web.Request) -> web.Response:
        verifying = _verified_event(request, keyed.copy(), large_bodies)
        event, body = await _counted_refusals(verifying, metrics)
        return await _accept(event, body, queue, metrics)

    return [
        web.post("/webhook", webhook),
        web.get("/healthz", healthz),
        web.get("/metrics", metrics_view),
    ]


async def _counted_refusals(verifying: Awaitable[T], metrics: Metrics) -> T:
    """Await the verified event, counting a refused delivery by why it was refused."""
    try:
        return await verifying
    except web.HTTPException as refusal:
        metrics.delivery(UNVERIFIED, REFUSALS.get(refusal.status, "bad_request"))
        raise


async def _verified_event(
    request: web.Request, digest: hmac.HMAC, large_bodies: asyncio.Semaphore
) -> tuple[sansio.Event, bytes]:
    """Parse the delivery, refusing unsigned, oversized, badly signed or malformed ones;
    return it with its body as received. `digest` is the HMAC keyed with the secret."""
    _check_headers(request)
    body = await _signed_body(request, digest, large_bodies)
    try:
        event = _decoded(request, body)
    except (BadRequest, KeyError, ValueError) as error:
        raise web.HTTPBadRequest(text=f"malformed delivery: {error}") from None
    except LookupError:  # a charset Python does not know
        raise web.HTTPBadRequest(text="malformed delivery: unknown charset") from None
    except RecursionError:  # JSON nested deeper than the parser goes
        raise web.HTTPBadRequest(text="malformed delivery: nested too deep") from None
    if not _well_formed(event):
        raise web.HTTPBadRequest(text="malformed delivery: expected a JSON object and an id")
    return event, body


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


def _decoded(request: web.Request, body: bytes) -> sansio.Event:
    """Decode a delivery whose signature is checked: JSON here, a form through gidgethub."""
    headers = request.headers
    if headers.get("Content-Type") == "application/json":  # what GitHub sends
        data = json.loads(body)
    elif request.content_type == "application/json":
        data = json.loads(body.decode(request.charset or "utf-8"))
    else:
        return sansio.Event.from_http(_event_headers(request), body)
    return sansio.Event(data, event=headers["X-GitHub-Event"], delivery_id=headers["X-GitHub-Delivery"])


def _event_headers(request: web.Request) -> dict[str, str]:
    """Return the headers gidgethub reads to build the event, the signature left out."""
    wanted = ("content-type", "x-github-event", "x-github-delivery")
    return {name: request.headers[name] for name in wanted if name in request.headers}


async def _signed_body(
    request: web.Request, digest: hmac.HMAC, large_bodies: asyncio.Semaphore
) -> bytes:
    """Read the body through the signature check and return it once the signature matches."""
    try:
        return await _read_in_time(request, digest, large_bodies)
    except asyncio.TimeoutError:  # on Python 3.10 not yet the built-in TimeoutError
        log.warning("delivery refused: the body took over %g s", BODY_SECONDS)
        raise web.HTTPRequestTimeout(text="the body was not sent in time") from None


async def _read_in_time(
    request: web.Request, digest: hmac.HMAC, large_bodies: asyncio.Semaphore
) -> bytes:
    """Read the body within `BODY_SECONDS`; one that has arrived whole needs no deadline."""
    if request.content.is_eof():
        return await _read(request, digest, large_bodies)
    async with timeout(BODY_SECONDS):
        return await _read(request, digest, large_bodies)


async def _read(request: web.Request, digest: hmac.HMAC, large_bodies: asyncio.Semaphore) -> bytes:
    """Return the body once it matches its signature; a big one waits in a spool till then."""
    declared = request.content_length
    if declared is not None and declared <= IN_MEMORY_BYTES:
        body = await request.read()  # most deliveries: small, and their size is declared
        digest.update(body)
        _check_signature(request, digest)
        return body
    with tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES) as spool:
        await _read_into(request, digest, spool, large_bodies)
        _check_signature(request, digest)
        spool.seek(0)
        return spool.read()


def _check_signature(request: web.Request, digest: hmac.HMAC) -> None:
    if not hmac.compare_digest(request.headers[SIGNATURE_HEADER], "sha256=" + digest.hexdigest()):
        log.warning("delivery refused: the signature does not match the body")
        raise web.HTTPUnauthorized(text="the signature does not match the body")


async def _read_into(
    request: web.Request, digest: hmac.HMAC, spool: IO[bytes], large_bodies: asyncio.Semaphore
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


async def _accept(
    event: sansio.Event, body: bytes, queue: Queue, metrics: Metrics
) -> web.Response:
    """Answer pings, journal and queue wanted events, and acknowledge the rest."""
    if event.event == "ping":
        metrics.delivery(event.event, "ping")
        return web.json_response({"msg": "pong"})
    if not _wanted(event):
        metrics.delivery(event_label(event.event), "ignored")
        return web.json_response({"msg": "ignored"}, status=200)
    if (field := lacking(event)) is not None:
        with delivery_context(event.delivery_id, event.event):
            log.warning("delivery refused: a %s event without %s", event.event, field)
        metrics.delivery(event.event, "bad_request")
        raise web.HTTPBadRequest(text=f"malformed delivery: no {field}")
    delivery = Delivery(event.delivery_id, event.event, event.data)
    return await _submit(delivery, body, queue, metrics)


async def _submit(
    delivery: Delivery, body: bytes, queue: Queue, metrics: Metrics
) -> web.Response:
    """Queue `delivery` unless it was accepted before."""
    accepted = await queue.submit(delivery, body)
    # Counting and logging need not delay the answer: they run right after it is sent.
    asyncio.get_running_loop().call_soon(_note, delivery, accepted, metrics)
    if not accepted:
        return web.json_response({"msg": "already accepted"}, status=200)
    return web.Response(body=ACCEPTED, status=202, content_type="application/json")


def _note(delivery: Delivery, accepted: bool, metrics: Metrics) -> None:
    """Count and log a delivery the webhook accepted, or recognised as a redelivery."""
    if accepted:
        metrics.accepted(delivery.id)
    metrics.delivery(delivery.event, "accepted" if accepted else "duplicate")
    if log.isEnabledFor(logging.INFO):  # naming the delivery costs more than the count
        with delivery.log_context():
            log.info("delivery accepted" if accepted else "duplicate delivery")


def _wanted(event: sansio.Event) -> bool:
    """Tell whether a handler wants `event`, remembered by event and action."""
    action = event.data.get("action")
    if action is not None and not isinstance(action, str):
        return False  # GitHub's actions are names
    return _wanted_by(event.event, action)


# Handlers are registered by event and `action` only, so these two decide; the cache is
# bounded because event names come from anybody who signs with the secret.
@functools.lru_cache(maxsize=1024)
def _wanted_by(event_name: str, action: str | None) -> bool:
    data = {} if action is None else {"action": action}
    return wants(sansio.Event(data, event=event_name, delivery_id=""))


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
