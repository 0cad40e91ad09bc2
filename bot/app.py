"""Build the web application: settings, HTTP session, GitHub access, work queue, routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web

from bot import server
from bot.config import ServiceSettings
from bot.github import AppAuth, Auth, GitHubPort, TokenAuth
from bot.handlers import dispatch
from bot.handlers.context import Context
from bot.queue import Delivery, EmbeddedQueue, Journal, Queue

log = logging.getLogger(__name__)

DEFAULT_JOURNAL = "minutes-bot-journal.sqlite3"

SETTINGS = web.AppKey("settings", ServiceSettings)
SESSION = web.AppKey("session", aiohttp.ClientSession)
AUTH = web.AppKey("auth", Auth)  # shared, so installation tokens are cached across deliveries
QUEUE = web.AppKey("queue", Queue)


def auth_from_settings(settings: ServiceSettings) -> Auth:
    """Act as the GitHub App when one is configured, else with the plain token."""
    if settings.uses_app:
        assert settings.app_id is not None and settings.private_key is not None
        return AppAuth(settings.app_id, settings.private_key)
    if settings.token:
        return TokenAuth(settings.token)
    raise ValueError("set GITHUB_APP_ID and GITHUB_PRIVATE_KEY, or GITHUB_TOKEN")


def make_port(
    session: aiohttp.ClientSession, auth: Auth, settings: ServiceSettings, installation: int | None
) -> GitHubPort:
    """Return a port for one installation (or the token) at the configured API URL."""
    return GitHubPort(
        session, auth, installation, base_url=settings.api_url, requester=settings.user_agent
    )


async def handle(delivery: Delivery, port: GitHubPort, settings: ServiceSettings) -> None:
    """Dispatch one delivery to its handlers and log what it cost in API calls."""
    await dispatch(delivery.as_event(), Context(port=port, settings=settings))
    log.info("delivery handled", extra={"fields": {"calls": port.calls, "writes": port.writes}})


def create_app(settings: ServiceSettings, *, journal: str | Path | None = None) -> web.Application:
    """Build the service; it refuses to run without a webhook secret or credentials."""
    app = web.Application(
        client_max_size=server.MAX_BODY_BYTES, middlewares=[server.report_crashes]
    )
    app[SETTINGS] = settings
    app[AUTH] = auth_from_settings(settings)

    async def process(delivery: Delivery) -> None:
        port = make_port(app[SESSION], app[AUTH], settings, delivery.installation_id)
        await handle(delivery, port, settings)

    journal_path = journal or settings.journal_path or DEFAULT_JOURNAL
    app[QUEUE] = EmbeddedQueue(Journal(journal_path), process)
    app.add_routes(server.routes(settings.webhook_secret or "", app[QUEUE]))
    app.cleanup_ctx.extend([_http_session, _running_queue])
    return app


async def _http_session(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession() as session:
        app[SESSION] = session
        yield


async def _running_queue(app: web.Application) -> AsyncIterator[None]:
    await app[QUEUE].start()
    yield
    await app[QUEUE].stop()
