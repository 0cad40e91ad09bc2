"""What the bot uses from Python 3.11, made to work on Python 3.10 as well.

GitHub's Ubuntu 22.04 runners ship Python 3.10, and the Action must run there. On 3.11
and later each name is the standard library's own.
"""

from __future__ import annotations

import enum
import sys
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, NoReturn

if sys.version_info >= (3, 11):
    from builtins import ExceptionGroup
    from datetime import UTC
    from enum import StrEnum
else:
    from datetime import timezone

    from exceptiongroup import ExceptionGroup

    UTC = timezone.utc

    class StrEnum(str, enum.Enum):
        """An enum whose members are strings and print as their values."""

        def __str__(self) -> str:
            return str(self.value)


__all__ = ["UTC", "ExceptionGroup", "StrEnum", "assert_never", "parse_time", "timeout"]


def timeout(delay: float | None) -> AbstractAsyncContextManager[Any]:
    """Return a context that cancels its block after `delay` seconds (None: never).

    asyncio is imported on first use, not with this module: the offline commands and
    the extractor's own modules never run an event loop, and it costs a tenth of their
    start-up.
    """
    if sys.version_info >= (3, 11):
        from asyncio import timeout as asyncio_timeout

        return asyncio_timeout(delay)
    from async_timeout import timeout as backported  # aiohttp's own dependency on 3.10

    return backported(delay)


def assert_never(value: NoReturn) -> NoReturn:
    """Fail on a value the type checker proved impossible, as `typing.assert_never` does."""
    raise AssertionError(f"unhandled value: {value!r}")


def parse_time(text: str) -> datetime:
    """Read an ISO 8601 time as GitHub writes it; Python 3.10 rejects the trailing `Z`."""
    return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
