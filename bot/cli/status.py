"""`minutes-bot status OWNER/REPO [--dry-run]`: post the weekly status by hand.

It runs the same code as the service's scheduler and the GitHub Actions workflow, so it
posts only when the week's report is due and not posted yet. `--dry-run` prints the
report it would post now and writes nothing, not even the tracker issue.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable
from datetime import datetime

import aiohttp

from bot.cli.shared import CannotRun, logged_settings, one_line_errors, repository_port
from bot.config.settings import ServiceSettings
from bot.config.types import REPO_CONFIG_PATH
from bot.handlers.context import utc_now
from bot.handlers.weekly_status import Outcome, WeeklyStatus, read_config

Clock = Callable[[], datetime]


def add_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `status` to the `minutes-bot` command line."""
    status = subparsers.add_parser(
        "status", help="post the weekly status comment on the tracker issue if it is due"
    )
    status.add_argument("repo", metavar="OWNER/REPO")
    status.add_argument(
        "--dry-run", action="store_true", help="print the report instead of posting; write nothing"
    )
    status.add_argument(
        "--installation", type=int, help="App installation id (default: the one on OWNER/REPO)"
    )
    status.set_defaults(run=run_status)


def run_status(args: argparse.Namespace) -> int:
    """Post (or, dry, print) the repository's weekly status; explain the outcome on stderr."""
    settings = logged_settings(os.environ)
    with one_line_errors(settings):
        outcome = asyncio.run(weekly_status(settings, args.repo, args.installation, args.dry_run))
    if args.dry_run and outcome.report:
        print(outcome.report, end="")
    print(f"{args.repo}: {outcome.explanation}", file=sys.stderr)
    return 0


async def weekly_status(
    settings: ServiceSettings,
    repo: str,
    installation: int | None,
    dry_run: bool,
    clock: Clock = utc_now,
) -> Outcome:
    """Run the weekly status of `repo` once, as the scheduler would at this moment."""
    async with aiohttp.ClientSession() as session:
        port = await repository_port(session, settings, repo, installation)
        config = await read_config(port, repo)
        if config is None:
            raise CannotRun(f"{repo}: {REPO_CONFIG_PATH} cannot be used")
        return await WeeklyStatus(port, repo, config).run(clock(), dry_run=dry_run)
