"""What every handler receives besides the event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.compat import UTC
from bot.minutes.job import Extract, extract_here

if TYPE_CHECKING:
    from bot.config.settings import ServiceSettings
    from bot.github.port import GitHubPort
    from bot.model_api.client import ModelReader
    from bot.tracker.dry_run import DryRun
    from bot.tracker.issue_index import IssueIndex


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


@dataclass
class Turn:
    """How much of a long delivery to do now: the steps (a push's minutes files) from
    `start`, which earlier turns finished, `size` of them at most (0: all that are left).

    A handler that leaves steps for a later turn says where that turn starts in `resume_at`.
    """

    start: int = 0
    size: int = 0
    resume_at: int | None = None

    def take(self, steps: int) -> range:
        """Return which of `steps` steps to take now, noting where the next turn starts."""
        end = steps if self.size <= 0 else min(steps, self.start + self.size)
        self.resume_at = end if end < steps else None
        return range(min(self.start, end), end)


@dataclass(frozen=True)
class Context:
    """The GitHub port for the event's installation, the service settings, a clock, and
    where minutes are extracted (worker processes, never the event loop).

    `dry_run`, when set, is where handlers that support it record what they would change
    instead of changing it. `index`, when the service keeps one, says where the bot's
    issues are, so a push reads only its files' issues; `model` reads minutes for
    repositories whose `reader` wants it. `turn` is the share of a long delivery to do
    now: all of it, unless the service's queue does it in turns.
    """

    port: GitHubPort
    settings: ServiceSettings
    clock: Callable[[], datetime] = field(default=utc_now)
    dry_run: DryRun | None = None
    extract: Extract = extract_here
    index: IssueIndex | None = None
    model: ModelReader | None = None
    turn: Turn = field(default_factory=Turn)
