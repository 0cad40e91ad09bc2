"""The service commands: `serve` the webhook, `sync` a repository, run as a GitHub `action`."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sqlite3
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiohttp import web

from bot.cli import plan_report as dry_run_report
from bot.cli.shared import (
    CannotRun,
    cannot_start,
    checked_settings,
    fail,
    logged_settings,
    one_line_errors,
    progress,
    repository_port,
)
from bot.config.settings import ServiceSettings
from bot.github.auth import AppAuth
from bot.github.pacing import RedisPacer
from bot.handlers.minutes_files import sync_repository
from bot.handlers.pull_preview import preview_text
from bot.model_api.client import model_reader
from bot.service import server
from bot.service.app import (
    AUTH,
    EXTRACTION,
    JOURNAL,
    close_index,
    create_app,
    index_for,
    journal_path,
    pacer_for,
)
from bot.service.extraction import shared_pool
from bot.tracker.dry_run import DryRun


def add_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `serve`, `sync` and `action` to the `minutes-bot` command line."""
    serve = subparsers.add_parser("serve", help="answer GitHub webhooks over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, help="port to listen on (default: $PORT or 8080)")
    serve.add_argument("--journal", help="SQLite journal of deliveries ($MINUTES_BOT_JOURNAL)")
    serve.add_argument(
        "--check-config",
        action="store_true",
        help="check the settings and the journal's folder, print a summary and exit",
    )
    serve.set_defaults(run=run_serve)

    sync = subparsers.add_parser("sync", help="reconcile every minutes file of a repository")
    sync.add_argument("repo", metavar="OWNER/REPO")
    sync.add_argument(
        "--installation", type=int, help="App installation id (default: the one on OWNER/REPO)"
    )
    sync.add_argument(
        "--dry-run", action="store_true", help="print what would change; write nothing"
    )
    sync.set_defaults(run=run_sync)

    action = subparsers.add_parser("action", help="handle the event of a GitHub Actions run")
    action.add_argument(
        "--dry-run", action="store_true", help="show what would change; write nothing"
    )
    action.set_defaults(run=run_action)


def run_serve(args: argparse.Namespace) -> int:
    """Serve webhooks until interrupted, or only check the configuration."""
    if args.check_config:
        return check_config(checked_settings(os.environ), args.journal)
    settings = logged_settings(os.environ)
    app = build_app(settings, args.journal)
    app.on_startup.append(_before_serving)
    port = args.port or settings.port
    web.run_app(app, host=args.host, port=port, print=None, **server.SERVER_OPTIONS)
    return 0


async def _before_serving(app: web.Application) -> None:
    """Start the extraction workers now, not at the first push; set start-up's objects aside."""
    await app[EXTRACTION].warm_up()
    # What start-up built lives as long as the service: the collector need not walk it.
    gc.freeze()


def check_config(settings: ServiceSettings, journal: str | None) -> int:
    """Build the app without serving it and print what it would use, secrets hidden."""
    app = build_app(settings, journal)
    print(f"minutes-bot: configuration OK ({describe(settings, app[JOURNAL].path)})")
    return 0


def build_app(settings: ServiceSettings, journal: str | None) -> web.Application:
    """Build the service, exiting with the reason when the settings cannot run it."""
    problem = journal_problem(journal_path(settings, journal))
    if problem:
        cannot_start(problem)
    try:
        app = create_app(settings, journal=journal)
    except (ValueError, sqlite3.Error) as error:
        cannot_start(str(error))
    auth = app[AUTH]
    if isinstance(auth, AppAuth):
        _check_signing(auth)
    return app


def journal_problem(path: Path) -> str | None:
    """Say why the journal cannot be written at `path`, or None when it can."""
    folder = path.absolute().parent
    if not folder.is_dir():
        return f"the journal's folder {folder} does not exist or is not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the journal's folder {folder} is not writable"
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return f"the journal {path} is not readable and writable"
    return None


def _check_signing(auth: AppAuth) -> None:
    """Sign an App token locally, so an unusable private key is caught before GitHub sees it."""
    import jwt  # loaded by the signing anyway; see `AppAuth.jwt`

    try:
        auth.jwt()
    except (jwt.PyJWTError, ValueError, TypeError):
        cannot_start(f"GITHUB_PRIVATE_KEY cannot sign tokens for GitHub App {auth.app_id}")


def describe(settings: ServiceSettings, journal: str) -> str:
    """Summarise the settings on one line without any secret."""
    github = f"GitHub App {settings.app_id}" if settings.uses_app else "GitHub token"
    if settings.api_url != ServiceSettings.api_url:
        github += f" at {settings.api_url}"
    redis = _redis_location(settings.redis_url) if settings.redis_url else "none"
    return f"{github}, journal {Path(journal).absolute()}, Redis: {redis}"


def _redis_location(url: str) -> str:
    """Return the Redis URL without user name or password."""
    parts = urlsplit(url)
    host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=host, query=""))


def run_sync(args: argparse.Namespace) -> int:
    """Reconcile one repository, printing progress on stderr and, dry, the plan on stdout."""
    settings = logged_settings(os.environ)
    dry_run = DryRun() if args.dry_run else None
    with one_line_errors(settings):
        count = asyncio.run(sync(settings, args.repo, args.installation, dry_run))
    for line in dry_run_report.lines(dry_run) if dry_run else ():
        print(line)
    done = "checked (dry run, nothing written)" if dry_run else "reconciled"
    print(f"{args.repo}: {count} minutes files {done}", file=sys.stderr)
    return 0


async def sync(
    settings: ServiceSettings,
    repo: str,
    installation: int | None = None,
    dry_run: DryRun | None = None,
) -> int:
    """Reconcile every minutes file of `repo`; return how many there are.

    The service's index of the bot's issues (in Redis, or in the journal it names) is
    rebuilt from the listing, so a sync also repairs it.
    """
    # With Redis, the same pace as the service's replicas.
    pacer = pacer_for(settings, None)
    index = index_for(settings, settings.journal_path) if dry_run is None else None
    async with aiohttp.ClientSession() as session:
        port = await repository_port(session, settings, repo, installation, pacer=pacer)
        try:
            return await sync_repository(
                port,
                repo,
                progress=progress,
                dry_run=dry_run,
                index=index,
                model=model_reader(session, settings),
                extract=shared_pool(),
            )
        finally:
            if isinstance(pacer, RedisPacer):
                await pacer.aclose()
            await close_index(index)


def run_pull_preview(args: argparse.Namespace) -> int:
    """Print the preview the bot keeps on a pull request, without writing it."""
    repo, _, number = args.pr.partition("#")
    if not number.isdigit() or repo.count("/") != 1:
        fail(f"--pr takes OWNER/REPO#NUMBER, not {args.pr!r}")
    settings = logged_settings(os.environ)
    with one_line_errors(settings):
        text = asyncio.run(pull_preview(settings, repo, int(number), args.installation))
    print(text or f"{args.pr} changes no minutes and no minutes-bot configuration.")
    return 0


async def pull_preview(
    settings: ServiceSettings, repo: str, number: int, installation: int | None
) -> str | None:
    """Return the preview of pull request `number` of `repo`; None when it touches no minutes."""
    async with aiohttp.ClientSession() as session:
        port = await repository_port(session, settings, repo, installation)
        pull = await port.get_pull(repo, number)
        if pull is None:
            raise CannotRun(f"{repo}#{number} is not a pull request")
        return await preview_text(
            port, pull["base"]["repo"], pull, model_reader(session, settings), extract=shared_pool()
        )


def run_action(args: argparse.Namespace) -> int:
    """Handle the event that started this GitHub Actions run."""
    from bot.cli.action import run_action as act

    settings = logged_settings(os.environ)
    with one_line_errors(settings):
        return act(settings, os.environ, dry_run=args.dry_run)
    return 0  # not reached: one_line_errors exits

