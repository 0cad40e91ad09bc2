"""The `/_sim/` admin API used to drive a standalone simulator from outside."""

from __future__ import annotations

from aiohttp import web


def add_routes(router: web.UrlDispatcher) -> None:
    """Register the admin routes."""
