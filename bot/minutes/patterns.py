"""Regular expressions compiled the first time they are used, not when their module loads.

The extractor states its rules in some 180 patterns, and compiling them all takes a
`minutes-bot extract` process about a sixth of its start-up; a file of minutes needs two
thirds of them. A pattern made by `compile_lazily` is compiled when a method or attribute
of it is first asked for, and from then on answers as the compiled pattern does.
`compile_all` compiles every one at once, for a worker process that will read many files.
"""

from __future__ import annotations

import re
from typing import Any, cast

_MADE: list[_LazyPattern] = []


class _LazyPattern:
    """Stands in for `re.compile(source, flags)` until one of its attributes is needed."""

    def __init__(self, source: str, flags: int) -> None:
        self.pattern = source
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        # Only attributes not yet set reach here: once compiled, each one asked for is set
        # on the instance, so later calls go straight to the compiled pattern's methods.
        if name.startswith("__"):
            raise AttributeError(name)  # copy and pickle probe for hooks this has not
        value = getattr(self.compiled(), name)
        setattr(self, name, value)
        return value

    def compiled(self) -> re.Pattern[str]:
        done: re.Pattern[str] | None = self.__dict__.get("_compiled")
        if done is None:
            done = self.__dict__["_compiled"] = re.compile(self.pattern, self._flags)
        return done

    def __repr__(self) -> str:
        return repr(self.compiled())


def compile_lazily(source: str, flags: int = 0) -> re.Pattern[str]:
    """Return `re.compile(source, flags)`, compiled when it is first used."""
    pattern = _LazyPattern(source, flags)
    _MADE.append(pattern)
    return cast("re.Pattern[str]", pattern)


def compile_all() -> None:
    """Compile every pattern made so far, before any file is read that would pay for them."""
    for pattern in _MADE:
        pattern.compiled()
