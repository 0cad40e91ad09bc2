"""Build the web application: settings, HTTP session, GitHub access, work queue, routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web
from gidgethub import HTTPException

from bot.config.settings import ServiceSettings
from bot.github.auth import AppAuth, Auth, TokenAuth
from bot.github.pacing import WINDOW_SECONDS, LocalPacer, RedisPacer, WritePacer, pace
from bot.github.port import GitHubPort, RetryPolicy
from bot.github.watching import ItemWatchingPort
from bot.handlers import dispatch
from bot.handlers.context import Context, Turn, utc_now
from bot.handlers.weekly_status import SCHEDULE_EVENT
from bot.minutes.job import Extract
from bot.model_api.client import ModelReader, model_reader
from bot.service import server
from bot.service.extraction import ExtractionPool, shared_pool
from bot.service.issue_index import RedisIndex, SqliteIndex
from bot.service.metrics import Metrics
from bot.service.queue import Delivery, EmbeddedQueue, Journal, Process, Queue
from bot.tracker.issue_index import IssueIndex

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

DEFAULT_JOURNAL = "minutes-bot-journal.sqlite3"
# How often repositories are asked whether their weekly status is due.
STATUS_CHECK_SECONDS = 15 * 60
# How often a replica on Redis notes again in its journal a repository it serves.
REMEMBER_SECONDS = 3600.0

Clock = Callable[[], datetime]

SETTINGS = web.AppKey("settings", ServiceSettings)
SESSION = web.AppKey("session", aiohttp.ClientSession)
AUTH = web.AppKey("auth", Auth)  # shared, so installation tokens are cached across deliveries
QUEUE = web.AppKey("queue", Queue)
JOURNAL = web.AppKey("journal", Journal)
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
METRICS = web.AppKey("metrics", Metrics)
EXTRACTION = web.AppKey("extraction", ExtractionPool)
PACER: web.AppKey[WritePacer | None] = web.AppKey("pacer")
# One for the service, so its answers cache and its daily budget count across deliveries.
MODEL = web.AppKey("model", ModelReader)
INDEX = web.AppKey("index", IssueIndex)



class MeteredPort(ItemWatchingPort):
    """A GitHub port that counts the action-item issues it opens, edits and closes."""

    def __init__(
        self,
        metrics: Metrics,
        session: aiohttp.ClientSession,
        auth: Auth,
        installation_id: int | None = None,
        **options: Any,
    ) -> None:
        super().__init__(session, auth, installation_id, sleep=metrics.wait, **options)
        self.metrics = metrics

    def item_changed(self, change: str, issue: dict[str, Any]) -> None:
        """Count the change."""
        self.metrics.item_changed(change)


def auth_from_settings(settings: ServiceSettings) -> Auth:
    """Act as the GitHub App when one is configured, else with the plain token."""
    if settings.uses_app:
        assert settings.app_id is not None and settings.private_key is not None
        return AppAuth(settings.app_id, settings.private_key)
    if settings.token:
        return TokenAuth(settings.token)
    raise ValueError("set GITHUB_APP_ID and GITHUB_PRIVATE_KEY, or GITHUB_TOKEN")


def make_port(
    session: aiohttp.ClientSession,
    auth: Auth,
    settings: ServiceSettings,
    installation: int | None,
    metrics: Metrics | None = None,
    *,
    tries: int = RetryPolicy.max_tries,
    kind: type[GitHubPort] = GitHubPort,
    pacer: WritePacer | None = None,
) -> GitHubPort:
    """Return a port for one installation (or the token), counted in `metrics` if given.

    `kind` names a subclass of the port to build instead when no metrics are kept.
    Without a `pacer`, the ports of one installation in this process share one pace.
    """
    options: dict[str, Any] = {
        "base_url": settings.api_url,
        "requester": settings.user_agent,
        "policy": RetryPolicy(max_tries=tries, content_per_minute=settings.writes_per_minute),
        "pacer": pacer,
    }
    if metrics is None:
        return kind(session, auth, installation, **options)
    return MeteredPort(metrics, session, auth, installation, **options)


async def handle(
    delivery: Delivery,
    port: GitHubPort,
    settings: ServiceSettings,
    clock: Clock = utc_now,
    extract: Extract | None = None,
    index: IssueIndex | None = None,
    model: ModelReader | None = None,
) -> int | None:
    """Dispatch one delivery (or its next turn) to its handlers and log what it cost in
    API calls; return where its next turn starts, None once it is done."""
    context = Context(
        port=port,
        settings=settings,
        clock=clock,
        extract=extract or shared_pool(),
        index=index,
        model=model,
        turn=Turn(delivery.progress, settings.push_files_per_turn),
    )
    with delivery.log_context():
        await dispatch(delivery.as_event(), context)
        resume_at = context.turn.resume_at
        fields = {"calls": port.calls, "writes": port.writes}
        if resume_at is None:
            log.info("delivery handled", extra={"fields": fields})
        else:
            log.info("turn handled", extra={"fields": fields | {"resume_at": resume_at}})
    return resume_at


def pacer_for(settings: ServiceSettings, journal: Journal | None) -> WritePacer | None:
    """Pace writes across replicas in Redis when configured, else in this process, its
    log kept in `journal` (if given) for the next process; None when pacing is off."""
    if settings.writes_per_minute <= 0:
        return None
    limits = pace(settings.writes_per_minute, RetryPolicy.content_burst)
    if settings.redis_url:
        return RedisPacer(_redis(settings.redis_url), limits)
    if journal is None:
        return LocalPacer(limits)

    async def record(key: str, at: float) -> None:
        await asyncio.to_thread(journal.note_write, key, at)

    return LocalPacer(limits, history=journal.recent_writes(WINDOW_SECONDS), record=record)


def _redis(url: str) -> Redis:
    """Connect to Redis. redis-py is imported here, not with this module: it is 7 MB of
    every process's memory, and a service on the embedded queue never uses it."""
    from bot.service.redis_queue import connect

    return connect(url)


def index_for(settings: ServiceSettings, journal: str | Path | None) -> IssueIndex | None:
    """Keep the index of the bot's issues in Redis when configured, so every replica shares
    it, else in the journal file (if given); None without either."""
    if settings.redis_url:
        return RedisIndex(_redis(settings.redis_url))
    return SqliteIndex(journal) if journal is not None else None


async def close_index(index: IssueIndex | None) -> None:
    """Close the index's connection."""
    if isinstance(index, RedisIndex):
        await index.aclose()
    elif isinstance(index, SqliteIndex):
        index.close()


@dataclass(frozen=True)
class Watched:
    """A repository whose weekly status the service checks, with its installation."""

    repo: str
    installation: int | None = None
    default_branch: str | None = None


def status_checks(repositories: Iterable[Watched], now: datetime) -> list[Delivery]:
    """Return one `schedule` event per repository for the hour of `now`.

    The id names the hour, so however often the service checks, each repository is
    asked at most once an hour.
    """
    hour = now.strftime("%Y-%m-%dT%H")
    return [
        Delivery(
            f"{SCHEDULE_EVENT}:{watched.repo}:{hour}",
            SCHEDULE_EVENT,
            {"repository": {"full_name": watched.repo, "default_branch": watched.default_branch}}
            | ({"installation": {"id": watched.installation}} if watched.installation else {}),
        )
        for watched in repositories
    ]


async def check_weekly_status(app: web.Application) -> None:
    """Queue a weekly-status check for every repository the service acts on."""
    for delivery in status_checks(await watched_repositories(app), app[CLOCK]()):
        if await app[QUEUE].submit(delivery):
            app[METRICS].accepted(delivery.id)


async def watched_repositories(app: web.Application) -> list[Watched]:
    """List every repository of every installation of the App, page by page.

    With a plain token there are no installations to ask about: the repositories
    the service has heard from lately are checked instead.
    """
    auth, settings, session = app[AUTH], app[SETTINGS], app[SESSION]
    if not isinstance(auth, AppAuth):
        heard = await asyncio.to_thread(app[JOURNAL].repositories)
        return [Watched(repo, installation) for repo, installation in heard]
    watched = []
    for installation in await make_port(session, auth, settings, None).list_installations():
        port = make_port(session, auth, settings, installation)
        try:
            repositories = await port.list_installation_repositories()
        except HTTPException as error:  # e.g. a suspended installation: the others go on
            log.warning("repositories of installation %s not listed: %s", installation, error)
            continue
        watched += [
            Watched(repo["full_name"], installation, repo.get("default_branch"))
            for repo in repositories
        ]
    return watched


def create_app(
    settings: ServiceSettings,
    *,
    journal: str | Path | None = None,
    clock: Clock = utc_now,
    extraction: ExtractionPool | None = None,
) -> web.Application:
    """Build the service; it refuses to run without a webhook secret or credentials."""
    app = web.Application(
        client_max_size=server.MAX_BODY_BYTES, middlewares=[server.report_crashes]
    )
    app[SETTINGS] = settings
    app[AUTH] = auth_from_settings(settings)
    app[CLOCK] = clock
    app[METRICS] = Metrics()
    app[EXTRACTION] = extraction or ExtractionPool()
    app[JOURNAL] = Journal(journal_path(settings, journal))
    app[PACER] = pacer_for(settings, app[JOURNAL])
    index = index_for(settings, app[JOURNAL].path)
    assert index is not None
    app[INDEX] = index
    app[QUEUE] = work_queue(settings, app[JOURNAL], _processor(app), app[METRICS].gave_up)
    secret, extraction = settings.webhook_secret or "", app[EXTRACTION]
    app.add_routes(
        server.routes(secret, app[QUEUE], app[METRICS], lambda: extraction.unavailable)
    )
    app.cleanup_ctx.extend(
        [
            _http_session,
            _pacer_connection,
            _index_connection,
            _extraction_workers,
            _running_queue,
            _status_checks,
        ]
    )
    return app


def journal_path(settings: ServiceSettings, journal: str | Path | None = None) -> Path:
    """Return where the journal lives: `journal`, else the configured path, else the default."""
    return Path(journal or settings.journal_path or DEFAULT_JOURNAL)


def _processor(app: web.Application) -> Process:
    async def process(delivery: Delivery) -> int | None:
        with app[METRICS].job(delivery.id):
            return await _handle_metered(app, delivery)

    return process


async def _handle_metered(app: web.Application, delivery: Delivery) -> int | None:
    """Handle `delivery` with a port whose requests and item changes are counted; return
    where its next turn starts, if it has one."""
    settings, metrics = app[SETTINGS], app[METRICS]
    if isinstance(app[AUTH], AppAuth) and delivery.installation_id is None:
        with delivery.log_context():
            log.warning("skipped: the %s event names no installation to act as", delivery.event)
        return None
    installation = delivery.installation_id
    port = make_port(app[SESSION], app[AUTH], settings, installation, metrics, pacer=app[PACER])
    try:
        return await handle(
            delivery, port, settings, app[CLOCK], app[EXTRACTION], app[INDEX], app[MODEL]
        )
    finally:
        metrics.github_used(port.calls, port.writes)


def work_queue(
    settings: ServiceSettings,
    journal: Journal,
    process: Process,
    on_give_up: Callable[[Delivery], None] = lambda delivery: None,
) -> Queue:
    """Queue in Redis when configured, so any replica takes any delivery; else in-process."""
    if settings.redis_url:
        from bot.service.redis_queue import RedisQueue  # see `_redis`

        # Each replica still notes the repositories it serves, for the status checks.
        return RedisQueue(settings.redis_url, remembering(journal, process), on_give_up=on_give_up)
    return EmbeddedQueue(journal, process, on_give_up=on_give_up)


def remembering(journal: Journal, process: Process) -> Process:
    """Wrap `process` to note each delivery's repository in `journal` first.

    A repository is noted again only after `REMEMBER_SECONDS`: the status checks look a
    month back, and a thread hop for every delivery would slow the webhook down.
    """
    noted: dict[tuple[str, int | None], float] = {}

    async def process_and_remember(delivery: Delivery) -> int | None:
        key, now = (delivery.repo, delivery.installation_id), time.monotonic()
        if delivery.repo and now - noted.get(key, -REMEMBER_SECONDS) >= REMEMBER_SECONDS:
            noted[key] = now
            await asyncio.to_thread(journal.remember, delivery)
        return await process(delivery)

    return process_and_remember


async def _http_session(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession() as session:
        app[SESSION] = session
        app[MODEL] = model_reader(session, app[SETTINGS])
        yield


async def _pacer_connection(app: web.Application) -> AsyncIterator[None]:
    yield
    pacer = app[PACER]
    if isinstance(pacer, RedisPacer):
        await pacer.aclose()


async def _index_connection(app: web.Application) -> AsyncIterator[None]:
    yield
    await close_index(app[INDEX])


async def _extraction_workers(app: web.Application) -> AsyncIterator[None]:
    yield
    app[EXTRACTION].close()  # after the queue stopped: no file is being read any more


async def _running_queue(app: web.Application) -> AsyncIterator[None]:
    await app[QUEUE].start()
    yield
    await app[QUEUE].stop()


async def _status_checks(app: web.Application) -> AsyncIterator[None]:
    async def every_while() -> None:
        while True:
            await asyncio.sleep(STATUS_CHECK_SECONDS)
            try:
                await check_weekly_status(app)
            except (aiohttp.ClientError, TimeoutError, HTTPException) as error:
                log.warning("weekly status check skipped until the next one: %s", error)

    task = asyncio.create_task(every_while())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
