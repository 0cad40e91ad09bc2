"""Run the GitHub simulator as a standalone server: `python -m tests.github_sim --port 8900`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
from pathlib import Path

from . import persist
from .sim import GitHubSim


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="python -m tests.github_sim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--state", type=Path, help="JSON state to load at start (see GET /_sim/state)")
    parser.add_argument("--validate", action="store_true", help="check traffic against GitHub's description")
    parser.add_argument("--webhook-url", help="deliver webhooks here")
    parser.add_argument("--webhook-secret-file", type=Path, help="file holding the webhook secret")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Start the simulator and keep it running until interrupted."""
    sim = GitHubSim(validate=args.validate, host=args.host, port=args.port)
    if args.state:
        persist.load(sim, json.loads(args.state.read_text()))
    if args.webhook_url:
        secret = args.webhook_secret_file.read_text().strip() if args.webhook_secret_file else None
        sim.set_webhook(args.webhook_url, secret)
    url = await sim.start()
    logging.getLogger("github_sim").warning("GitHub simulator listening on %s (admin API under /_sim/)", url)
    try:
        await asyncio.Event().wait()
    finally:
        await sim.close()


def main(argv: list[str] | None = None) -> None:
    """Run the standalone simulator."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
