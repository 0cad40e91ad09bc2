"""The repository configuration as the rest of the bot sees it: frozen dataclasses with
their defaults, the names of the choices, and which files are minutes.

The checks that build these from `.github/minutes-bot.yml` are in `bot.config.schema`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.minutes.model import Person
from bot.tracker.status import StatusLook

REPO_CONFIG_PATH = ".github/minutes-bot.yml"
# Probot's convention: an organisation's (or user's) defaults live in its `.github` repository.
DEFAULTS_REPOSITORY = ".github"
MAX_CONFIG_BYTES = 256 * 1024
MAX_PROBLEMS = 20

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
COMMANDS = ("done", "reopen", "drop", "assign", "due", "help")
# Who reads the minutes: the rules alone, or the rules and a language model checked by them.
READERS = ("rules", "rules+model")
# Which reports of work done in later minutes close an earlier meeting's item.
CLOSE_REPORTED = ("checked", "any", "never")
# Whether the bot proposes each item's issue link in the minutes: never, or in a pull request.
WRITE_BACK_OFF = "off"
WRITE_BACK_PR = "pr"
WRITE_BACK = (WRITE_BACK_OFF, WRITE_BACK_PR)
RULES_AND_MODEL = "rules+model"
DEFAULT_MODEL = "openai/gpt-4.1-mini"


# ---------------------------------------------------------------------------
# Per-repository configuration: the result


@dataclass(frozen=True)
class Labels:
    """Names and colours of the labels the bot puts on issues."""

    item: str = "action-item"
    meeting_prefix: str = "meeting/"
    item_color: str = "0e8a16"

    def for_meeting(self, day: date) -> str:
        """Name the label of the meeting held on `day`, e.g. `meeting/2024-12-18`."""
        return f"{self.meeting_prefix}{day.isoformat()}"


@dataclass(frozen=True)
class Schedule:
    """When the weekly status comment is posted."""

    enabled: bool = True
    day: str = "monday"
    hour: int = 9
    timezone: str = "UTC"

    @property
    def weekday(self) -> int:
        """Return the day as Python numbers it: Monday is 0."""
        return WEEKDAYS.index(self.day)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class RepoConfig:
    """One repository's `.github/minutes-bot.yml`, defaults filled in.

    An empty `repositories` means "search this repository only"; `holidays` is the
    (month, day) that "before the holidays" means.
    """

    paths: tuple[str, ...] = ("meetings/**/*.md", "minutes/**/*.md", "**/*minutes*.md")
    ignore: tuple[str, ...] = ("**/README.md", "**/*template*.md")
    people: tuple[Person, ...] = ()
    labels: Labels = Labels()
    repositories: tuple[str, ...] = ()
    meeting_issue: bool = True
    tracker_issue: int | None = None
    schedule: Schedule = Schedule()
    status: StatusLook = field(default_factory=StatusLook)
    commands: frozenset[str] = frozenset(COMMANDS)
    holidays: tuple[int, int] = (12, 24)
    reader: str = "rules"
    model: str = DEFAULT_MODEL
    close_reported: str = "checked"
    write_back: str = WRITE_BACK_OFF
    # Where organisation defaults may be that this run could not read, to say so.
    defaults_unread: str | None = field(default=None, compare=False)

    def search_repositories(self, this_repository: str) -> tuple[str, ...]:
        """Return the repositories whose PRs the minutes may name."""
        return self.repositories or (this_repository,)


# ---------------------------------------------------------------------------
# Problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a configuration file, at a 1-based line."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ConfigError(ValueError):
    """A configuration file that cannot be used, with every problem found.

    `source` names the file: the repository's own `.github/minutes-bot.yml`, or the
    organisation's defaults (`acme/.github: .github/minutes-bot.yml`).
    """

    def __init__(self, problems: Iterable[Problem], source: str = REPO_CONFIG_PATH) -> None:
        self.problems = tuple(problems)
        self.source = source
        super().__init__("\n".join(str(problem) for problem in self.problems))

    @property
    def in_repository(self) -> bool:
        """Tell whether the problems are in the repository's own file."""
        return self.source == REPO_CONFIG_PATH


# ---------------------------------------------------------------------------
# Which files are minutes


def is_minutes_path(config: RepoConfig, path: str) -> bool:
    """Tell whether the repository file at `path` holds minutes under `config`."""
    parts = path.split("/")
    if not path or path.startswith("/") or ".." in parts or "" in parts:
        return False
    return _matches_any(config.paths, path) and not _matches_any(config.ignore, path)


def _matches_any(globs: Iterable[str], path: str) -> bool:
    return any(glob_regex(glob).fullmatch(path) for glob in globs)


@lru_cache(maxsize=256)
def glob_regex(glob: str) -> re.Pattern[str]:
    """Compile a path glob: `**` spans folders, `*` and `?` stay inside one, case ignored."""
    pattern = []
    for index, part in enumerate(glob.split("/")):
        last = index == glob.count("/")
        if part == "**":
            pattern.append(".*" if last else "(?:[^/]+/)*")
        else:
            pattern.append(_part_regex(part) + ("" if last else "/"))
    return re.compile("".join(pattern), re.IGNORECASE)


def _part_regex(part: str) -> str:
    """Translate one path segment of a glob: `*`, `?` and `[...]` classes."""
    out = []
    index = 0
    while index < len(part):
        char = part[index]
        close = part.find("]", index + 2)
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and close != -1:
            body = part[index + 1 : close].replace("\\", "\\\\")
            out.append("[^" + body[1:] + "]" if body.startswith("!") else "[" + body + "]")
            index = close
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


