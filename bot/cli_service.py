"""The service commands: `serve` the webhook, `sync` a repository, run as a GitHub `action`."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.app import auth_from_settings, create_app, handle, make_port
from bot.config import ConfigError, ServiceSettings, SettingsError, settings_from_env
from bot.handlers.minutes_files import sync_repository
from bot.handlers.weekly_status import SCHEDULE_EVENT
from bot.logs import configure_logging
from bot.queue import Delivery

# Events that carry no change of their own in Actions: reconcile the repository, then
# post the weekly status if it is due.
SYNC_EVENTS = frozenset({"schedule", "workflow_dispatch"})


def add_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `serve`, `sync` and `action` to the `minutes-bot` command line."""
    serve = subparsers.add_parser("serve", help="answer GitHub webhooks over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, help="port to listen on (default: $PORT or 8080)")
    serve.add_argument("--journal", help="SQLite journal of deliveries ($MINUTES_BOT_JOURNAL)")
    serve.set_defaults(run=run_serve)

    sync = subparsers.add_parser("sync", help="reconcile every minutes file of a repository")
    sync.add_argument("repo", metavar="OWNER/REPO")
    sync.add_argument("--installation", type=int, help="App installation id (App credentials)")
    sync.set_defaults(run=run_sync)

    action = subparsers.add_parser("action", help="handle the event of a GitHub Actions run")
    action.set_defaults(run=run_action)


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
    try:
        count = asyncio.run(sync(settings, args.repo, args.installation))
    except ConfigError as error:
        raise SystemExit(f"minutes-bot: .github/minutes-bot.yml cannot be used:\n{error}") from None
    print(f"{args.repo}: {count} minutes files reconciled", file=sys.stderr)
    return 0


async def sync(settings: ServiceSettings, repo: str, installation: int | None) -> int:
    """Reconcile every minutes file of `repo`; return how many there are."""
    async with aiohttp.ClientSession() as session:
        port = make_port(session, auth_from_settings(settings), settings, installation)
        return await sync_repository(port, repo, progress=_progress)


def run_action(args: argparse.Namespace) -> int:
    """Handle the event that started this GitHub Actions run."""
    asyncio.run(act(_settings(os.environ), os.environ))
    return 0


async def act(settings: ServiceSettings, env: Mapping[str, str]) -> None:
    """Dispatch the Actions event `env` describes like a webhook; reconcile on schedule."""
    event = env["GITHUB_EVENT_NAME"]
    text = await asyncio.to_thread(Path(env["GITHUB_EVENT_PATH"]).read_text, encoding="utf-8")
    payload = json.loads(text)
    if event in SYNC_EVENTS:
        await sync(settings, env["GITHUB_REPOSITORY"], None)
        # Then check the weekly status, whose handler takes the name `schedule`.
        event, payload = SCHEDULE_EVENT, {"repository": {"full_name": env["GITHUB_REPOSITORY"]}}
    delivery = Delivery(env.get("GITHUB_RUN_ID", "action"), event, payload)
    async with aiohttp.ClientSession() as session:
        await handle(
            delivery, make_port(session, auth_from_settings(settings), settings, None), settings
        )


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
