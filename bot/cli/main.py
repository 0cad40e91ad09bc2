"""The `minutes-bot` command line: offline commands and the service commands share one entry."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import __version__

OFFLINE_COMMANDS = frozenset({"extract", "plan"})
VERSION = f"minutes-bot {__version__}"


def build_parser(*, service: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minutes-bot",
        description="Turn action items in meeting minutes into tracked GitHub issues.",
    )
    parser.add_argument("--version", action="version", version=VERSION)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    # Each command's modules are imported only when it runs: the Action and `extract`
    # start a process per file, and `--version` needs none of them.
    from bot.cli import offline as cli_offline

    cli_offline.add_parsers(subparsers)
    if service:
        # The service commands pull in aiohttp and gidgethub: offline commands skip them.
        from bot.cli import service as cli_service
        from bot.cli import status as cli_status

        cli_service.add_parsers(subparsers)
        cli_status.add_parsers(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `minutes-bot` command and return its exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:
        print(VERSION)
        return 0
    offline = bool(argv) and argv[0] in OFFLINE_COMMANDS
    args = build_parser(service=not offline).parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
