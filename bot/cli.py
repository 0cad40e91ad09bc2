"""The `minutes-bot` command line: offline commands and the service commands share one entry."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import __version__, cli_offline

OFFLINE_COMMANDS = frozenset({"extract", "plan"})


def build_parser(*, service: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minutes-bot",
        description="Turn action items in meeting minutes into tracked GitHub issues.",
    )
    parser.add_argument("--version", action="version", version=f"minutes-bot {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    cli_offline.add_parsers(subparsers)
    if service:
        # The service commands pull in aiohttp and gidgethub: offline commands skip them.
        from bot import cli_service, cli_status

        cli_service.add_parsers(subparsers)
        cli_status.add_parsers(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `minutes-bot` command and return its exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
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
