"""The service commands: `serve` the webhook, `sync` a repository, run as a GitHub `action`."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.app import auth_from_settings, create_app, handle, make_port
from bot.config import ConfigError, ServiceSettings, SettingsError, settings_from_env
from bot.github import GitHubPort
from bot.handlers.minutes_files import sync_repository
from bot.logs import configure_logging
from bot.queue import Delivery

Job = Callable[[GitHubPort], Awaitable[None]]

# Events that carry no change of their own in Actions: reconcile the repository instead.
SYNC_EVENTS = frozenset({"schedule", "workflow_dispatch"})


def add_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `serve`, `sync` and `action` to the `minutes-bot` command line."""
    serve = subparsers.add_parser("serve", help="answer GitHub webhooks over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, help="port to listen on (default: $PORT or 8080)")
    serve.add_argument("--journal", help="SQLite journal of deliveries ($MINUTES_BOT_JOURNAL)")
    serve.set_defaults(func=run_serve)

    sync = subparsers.add_parser("sync", help="reconcile every minutes file of a repository")
    sync.add_argument("repo", metavar="OWNER/REPO")
    sync.add_argument("--installation", type=int, help="App installation id (App credentials)")
    sync.set_defaults(func=run_sync)

    action = subparsers.add_parser("action", help="handle the event of a GitHub Actions run")
    action.set_defaults(func=run_action)


def _settings(env: Mapping[str, str]) -> ServiceSettings:
    try:
        settings = settings_from_env(env)
    except SettingsError as error:
        raise SystemExit(f"minutes-bot: cannot start:\n{error}") from None
    configure_logging(settings.log_level)
    return settings


def run_serve(args: argparse.Namespace) -> int:
    """Serve webhooks until interrupted."""
    settings = _settings(os.environ)
    try:
        app = create_app(settings, journal=args.journal)
    except ValueError as error:
        raise SystemExit(f"minutes-bot: cannot start: {error}") from None
    web.run_app(app, host=args.host, port=args.port or settings.port, print=None)
    return 0


def run_sync(args: argparse.Namespace) -> int:
    """Reconcile one repository, printing progress on stderr."""
    settings = _settings(os.environ)

    async def sync(port: GitHubPort) -> None:
        count = await sync_repository(port, args.repo, progress=_progress)
        print(f"{args.repo}: {count} minutes files reconciled", file=sys.stderr)

    try:
        asyncio.run(_with_port(settings, args.installation, sync))
    except ConfigError as error:
        raise SystemExit(f"minutes-bot: .github/minutes-bot.yml cannot be used:\n{error}") from None
    return 0


def run_action(args: argparse.Namespace) -> int:
    """Handle the event that started this GitHub Actions run."""
    env = os.environ
    settings = _settings(env)
    event = env["GITHUB_EVENT_NAME"]
    payload = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))

    async def act(port: GitHubPort) -> None:
        if event in SYNC_EVENTS:
            await sync_repository(port, env["GITHUB_REPOSITORY"], progress=_progress)
        else:
            delivery = Delivery(env.get("GITHUB_RUN_ID", "action"), event, payload)
            await handle(delivery, port, settings)

    asyncio.run(_with_port(settings, None, act))
    return 0


async def _with_port(settings: ServiceSettings, installation: int | None, job: Job) -> None:
    async with aiohttp.ClientSession() as session:
        await job(make_port(session, auth_from_settings(settings), settings, installation))


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
