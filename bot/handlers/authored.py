"""Tell the bot's own issues and comments from copies of its markers.

Who the bot is costs a call the first time (`GET /app`, or `GET /user` for a token), so
it is asked only when something carries a marker and must be told apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from bot.tracker.marker import written_by

if TYPE_CHECKING:
    from bot.github.port import GitHubPort

Written = TypeVar("Written", bound=Mapping[str, Any])


async def by_the_bot(port: GitHubPort, marked: Iterable[Written]) -> list[Written]:
    """Return those of `marked` (issues or comments bearing a marker) the bot wrote."""
    marked = list(marked)
    if not marked:
        return []
    logins = await port.own_logins()
    return [written for written in marked if written_by(written, logins)]
