"""The `minutes-bot` command line: offline commands and the service commands share one entry."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from bot import __version__

# Not `typing.TYPE_CHECKING`: `--version` has nothing else to load, and typing would cost it a
# tenth of its time. Type checkers take any name TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

OFFLINE_COMMANDS = frozenset({"extract", "plan"})
VERSION = f"minutes-bot {__version__}"


class HelpFormatter(argparse.HelpFormatter):
    """argparse's own help layout, for the width of the terminal as shutil would find it.

    argparse makes a formatter for every option it is given, and each asks
    `shutil.get_terminal_size()`: importing shutil, and zlib, bz2 and lzma with it, costs
    every run a few milliseconds that only help and usage messages need.
    """

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=terminal_columns() - 2)  # argparse's own margin


def terminal_columns() -> int:
    """`shutil.get_terminal_size().columns`: $COLUMNS, else the terminal's width, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    stdout = sys.__stdout__  # the process's own, as shutil asks: None in some embeddings
    try:
        columns = os.get_terminal_size(stdout.fileno()).columns if stdout else 0
    except (AttributeError, ValueError, OSError):
        columns = 0
    return columns or 80


class ArgumentParser(argparse.ArgumentParser):
    """A parser whose help is laid out by `HelpFormatter`; its subcommands' parsers are too."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(**kwargs)


def build_parser(*, service: bool = True) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = ArgumentParser(
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
