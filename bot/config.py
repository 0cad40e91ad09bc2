"""Configuration, checked once at the edge and handed on as frozen dataclasses.

Two sources: the service's own settings (environment variables, optionally a
`config/bot.yml` overlay) and each repository's `.github/minutes-bot.yml`. Both are
validated here, with errors a person can act on; nothing else reads the environment.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot import safe_yaml
from bot.inert import GITHUB_LOGIN
from bot.minutes.model import Person
from bot.status import CHARTS, StatusLook

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
_MODEL_NAME = re.compile(r"[\w.:/@+-]{1,200}")
_LOGIN = re.compile(GITHUB_LOGIN)
_REPOSITORY = re.compile(r"[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}")
_COLOR = re.compile(r"#?([0-9a-fA-F]{6})")
_MONTH_DAY = re.compile(r"(\d{1,2})-(\d{1,2})")
_TIMEZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$")


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


class _Invalid(Exception):
    """Values rejected by a reader: (node, message for people) pairs."""

    def __init__(self, message: str, node: Node | None = None) -> None:
        super().__init__(message)
        self.found: list[tuple[Node | None, str]] = [(node, message)]

    @classmethod
    def of(cls, found: list[tuple[Node | None, str]]) -> _Invalid:
        invalid = cls(found[0][1])
        invalid.found = found
        return invalid


def _read_each(
    read_one: Callable[[Node, str], Any], nodes: list[Node], key: str
) -> tuple[Any, ...]:
    """Read every entry of a list, reporting each bad one at its own line."""
    values: list[Any] = []
    found: list[tuple[Node | None, str]] = []
    for entry in nodes:
        try:
            values.append(read_one(entry, key))
        except _Invalid as invalid:
            found += [(where or entry, message) for where, message in invalid.found]
    if found:
        raise _Invalid.of(found)
    return tuple(values)


# ---------------------------------------------------------------------------
# Readers: turn one YAML node into a value, or say what is wrong with it


_NOT_SCALAR: Any = object()


def _show(node: Node) -> str:
    """Quote a node as the person wrote it, shortened."""
    if isinstance(node, ScalarNode):
        text = str(node.value)
        return f"`{text[:40]}…`" if len(text) > 40 else f"`{text}`"
    return "a list" if isinstance(node, SequenceNode) else "a mapping"


def _scalar(node: Node) -> Any:
    """Return the plain value of a scalar node, `_NOT_SCALAR` for lists and mappings."""
    if not isinstance(node, ScalarNode):
        return _NOT_SCALAR
    # A fresh constructor each time: one kept around remembers every node it built.
    return SafeConstructor().construct_object(node)


def _read_bool(node: Node, key: str) -> bool:
    value = _scalar(node)
    if not isinstance(value, bool):
        raise _Invalid(f"`{key}` must be true or false, not {_show(node)}")
    return value


def _read_hour(node: Node, key: str) -> int:
    value = _scalar(node)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 23:
        raise _Invalid(f"`{key}` must be a whole hour from 0 to 23, not {_show(node)}")
    return value


def _one_of(choices: tuple[str, ...], shown: str) -> Callable[[Node, str], str]:
    """Make a reader of one of `choices`, in any case; `shown` lists them for people."""

    def read(node: Node, key: str) -> str:
        value = _scalar(node)
        if isinstance(value, str) and value.lower() in choices:
            return value.lower()
        message = f"`{key}` must be one of {shown}, not {_show(node)}"
        raise _Invalid(message + _suggestion(str(value).lower(), choices))

    return read


_read_weekday = _one_of(WEEKDAYS, "monday … sunday")
_read_chart = _one_of(CHARTS, ", ".join(CHARTS))
_read_reader = _one_of(READERS, " or ".join(f"`{r}`" for r in READERS))
_read_close_reported = _one_of(CLOSE_REPORTED, ", ".join(f"`{c}`" for c in CLOSE_REPORTED))
_read_write_back_word = _one_of(WRITE_BACK, ", ".join(f"`{w}`" for w in WRITE_BACK))


def _read_write_back(node: Node, key: str) -> str:
    # YAML reads a bare `off` (and `false`, `no`) as false: each means "off" here.
    return WRITE_BACK_OFF if _scalar(node) is False else _read_write_back_word(node, key)


def _read_model(node: Node, key: str) -> str:
    value = _scalar(node)
    if isinstance(value, str) and _MODEL_NAME.fullmatch(value.strip()):
        return value.strip()
    raise _Invalid(f"`{key}` must be a model name such as `{DEFAULT_MODEL}`, not {_show(node)}")


def _read_timezone(node: Node, key: str) -> str:
    value = _scalar(node)
    if isinstance(value, str) and _is_timezone(value):
        return value
    raise _Invalid(
        f"`{key}` must be an IANA time zone such as `Europe/Berlin` or `UTC`, not {_show(node)}"
    )


def _is_timezone(name: str) -> bool:
    # zoneinfo accepts file-system paths; only plain area/city names are time zones.
    if not _TIMEZONE_NAME.fullmatch(name):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _read_weeks(node: Node, key: str) -> int:
    value = _scalar(node)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 52:
        raise _Invalid(f"`{key}` must be a number of weeks from 1 to 52, not {_show(node)}")
    return value


def _read_issue_number(node: Node, key: str) -> int | None:
    value = _scalar(node)
    if value is None or (type(value) is int and value > 0):
        return value
    raise _Invalid(f"`{key}` must be an issue number (such as 12) or null, not {_show(node)}")


def _text(node: Node) -> str | None:
    """Return a scalar as written, so `000000` stays a colour and `2024` a label."""
    if not isinstance(node, ScalarNode) or _scalar(node) is None:
        return None
    return str(node.value)


def _read_label(node: Node, key: str) -> str:
    value = _text(node)
    if value is not None and 0 < len(value.strip()) <= 50:
        return value.strip()
    raise _Invalid(f"`{key}` must be a label name of 1 to 50 characters, not {_show(node)}")


def _read_color(node: Node, key: str) -> str:
    value = _text(node)
    match = _COLOR.fullmatch(value) if value is not None else None
    if match:
        return match.group(1).lower()
    raise _Invalid(
        f"`{key}` must be a colour as six hex digits such as `0e8a16`, not {_show(node)}"
    )


def _read_month_day(node: Node, key: str) -> tuple[int, int]:
    value = _scalar(node)
    if isinstance(value, date):
        return (value.month, value.day)
    match = _MONTH_DAY.fullmatch(value) if isinstance(value, str) else None
    if match and _is_month_day(int(match.group(1)), int(match.group(2))):
        return (int(match.group(1)), int(match.group(2)))
    raise _Invalid(f"`{key}` must be a day of the year as MM-DD such as `12-24`, not {_show(node)}")


def _is_month_day(month: int, day: int) -> bool:
    try:
        date(2024, month, day)  # a leap year, so 02-29 is allowed
    except ValueError:
        return False
    return True


def _list_of(
    read_one: Callable[[Node, str], Any], what: str
) -> Callable[[Node, str], tuple[Any, ...]]:
    """Make a reader of a list whose entries `read_one` reads."""

    def read(node: Node, key: str) -> tuple[Any, ...]:
        if isinstance(node, ScalarNode) and isinstance(_scalar(node), str):
            node = SequenceNode("tag:yaml.org,2002:seq", [node], node.start_mark, node.end_mark)
        if not isinstance(node, SequenceNode):
            raise _Invalid(f"`{key}` must be a list of {what}, not {_show(node)}")
        return _read_each(read_one, node.value, key)

    return read


def _read_glob(node: Node, key: str) -> str:
    value = _scalar(node)
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(
            f"`{key}` entries must be path globs such as `meetings/**/*.md`, not {_show(node)}"
        )
    if value.startswith("/") or ".." in value.split("/"):
        raise _Invalid(
            f"`{key}` entry {_show(node)} must be a path inside the repository "
            "(no leading `/`, no `..`)"
        )
    return value.strip()


def _read_repository(node: Node, key: str) -> str:
    value = _scalar(node)
    if isinstance(value, str) and _REPOSITORY.fullmatch(value):
        return value
    raise _Invalid(f"`{key}` entry {_show(node)} must be written `owner/name`")


def _read_command(node: Node, key: str) -> str:
    value = _scalar(node)
    if isinstance(value, str) and value.lstrip("/").lower() in COMMANDS:
        return value.lstrip("/").lower()
    raise _Invalid(
        f"`{key}` entry {_show(node)} must be one of {', '.join(COMMANDS)}"
        + _suggestion(str(value).lower(), COMMANDS)
    )


def _read_login(node: Node, key: str) -> str | None:
    value = _scalar(node)
    if value is None:
        return None
    login = value.removeprefix("@") if isinstance(value, str) else ""
    if _LOGIN.fullmatch(login):
        return login
    raise _Invalid(f"`{key}` must be a GitHub login such as `octocat`, not {_show(node)}")


def _read_text(node: Node, key: str) -> str:
    value = _scalar(node)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise _Invalid(f"`{key}` must be a name written as text, not {_show(node)}")


_PERSON_KEYS = ("name", "login", "aliases")


def _read_person(node: Node, key: str) -> Person:
    if not isinstance(node, MappingNode):
        raise _Invalid(f"`{key}` entries must be mappings with `name`, `login` and `aliases`")
    fields: dict[str, Node] = {}
    for key_node, value_node in node.value:
        name = _key_name(key_node)
        if name not in _PERSON_KEYS:
            raise _Invalid(
                f"unknown option `{name}` for a person in `{key}`"
                + _suggestion(name, _PERSON_KEYS),
                key_node,
            )
        fields[name] = value_node
    if "name" not in fields:
        raise _Invalid(f"every person in `{key}` needs a `name`")
    return Person(
        name=_read_field(fields, "name", _read_text, key),
        login=_read_field(fields, "login", _read_login, key),
        aliases=_read_field(fields, "aliases", _list_of(_read_text, "names"), key) or (),
    )


def _read_field(
    fields: Mapping[str, Node], name: str, read: Callable[[Node, str], Any], key: str
) -> Any:
    if name not in fields:
        return None
    try:
        return read(fields[name], f"{key}.{name}")
    except _Invalid as invalid:
        raise _Invalid.of([(where or fields[name], msg) for where, msg in invalid.found]) from None


def _read_people(node: Node, key: str) -> tuple[Person, ...]:
    if _scalar(node) is None:
        return ()
    if not isinstance(node, SequenceNode):
        raise _Invalid(f"`{key}` must be a list of people, each with `name`, `login`, `aliases`")
    return _read_each(_read_person, node.value, key)


# ---------------------------------------------------------------------------
# The schema: one row per option, the source of validation and of the README table


@dataclass(frozen=True)
class Option:
    """One option of `.github/minutes-bot.yml`; `key` is dotted for nested ones."""

    key: str
    type: str
    default: Any
    description: str
    read: Callable[[Node, str], Any] = field(repr=False, compare=False)
    # What `read` accepts, as JSON Schema sees the file once an editor has read it as data.
    json: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


def _any_case(word: str) -> str:
    """Write a regular expression matching `word` in any case (JSON Schema has no flags)."""
    return "".join(f"[{char.upper()}{char.lower()}]" if char.isalpha() else char for char in word)


def _one_or_list(item: Mapping[str, Any]) -> dict[str, Any]:
    """Allow one value or a list of them, as `_list_of` readers do."""
    return {"anyOf": [item, {"type": "array", "items": item}]}


_TEXT_JSON = {"type": "string", "pattern": r"\S"}
_GLOB_JSON = {"type": "string", "pattern": r"^(?!/)(?!(.*/)?\.\.(/|$)).*\S"}
_LABEL_JSON = {"type": ["string", "number", "boolean"], "minLength": 1, "maxLength": 50, "pattern": r"\S"}
_LOGIN_JSON = {"type": ["string", "null"], "pattern": "^@?" + _LOGIN.pattern + "$"}
_PERSON_JSON = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {"name": _TEXT_JSON, "login": _LOGIN_JSON, "aliases": _one_or_list(_TEXT_JSON)},
}
_MONTH_DAY_JSON = (
    r"^(\d{4}-)?((0?[13578]|1[02])-(0?[1-9]|[12][0-9]|3[01])"
    r"|(0?[469]|11)-(0?[1-9]|[12][0-9]|30)|0?2-(0?[1-9]|[12][0-9]))$"
)
_COLOR_JSON = {
    # A YAML reader turns unquoted digits such as 000000 into a number.
    "anyOf": [
        {"type": "string", "pattern": "^" + _COLOR.pattern + "$"},
        {"type": "integer", "minimum": 0, "maximum": 999999},
    ]
}


_DEFAULT = RepoConfig()

SCHEMA: tuple[Option, ...] = (
    Option(
        "paths",
        "list of globs",
        list(_DEFAULT.paths),
        "Files that are minutes. `**` spans folders; matched without regard to case.",
        _list_of(_read_glob, "path globs"),
        _one_or_list(_GLOB_JSON),
    ),
    Option(
        "ignore",
        "list of globs",
        list(_DEFAULT.ignore),
        "Files under `paths` that are not minutes (templates, indexes).",
        _list_of(_read_glob, "path globs"),
        _one_or_list(_GLOB_JSON),
    ),
    Option(
        "people",
        "list of {name, login, aliases}",
        [],
        "Who is who: the name used in the minutes, the GitHub login, other spellings.",
        _read_people,
        {"type": ["array", "null"], "items": _PERSON_JSON},
    ),
    Option(
        "labels.item",
        "label",
        _DEFAULT.labels.item,
        "Label on every action-item issue.",
        _read_label,
        _LABEL_JSON,
    ),
    Option(
        "labels.meeting_prefix",
        "label",
        _DEFAULT.labels.meeting_prefix,
        "Prefix of the per-meeting label; the meeting date follows it.",
        _read_label,
        _LABEL_JSON,
    ),
    Option(
        "labels.item_color",
        "colour",
        _DEFAULT.labels.item_color,
        "Colour of the item label, six hex digits.",
        _read_color,
        _COLOR_JSON,
    ),
    Option(
        "repositories",
        "list of owner/name",
        [],
        "Repositories searched for the PRs the minutes name; empty means this one.",
        _list_of(_read_repository, "repositories written `owner/name`"),
        _one_or_list({"type": "string", "pattern": "^" + _REPOSITORY.pattern + "$"}),
    ),
    Option(
        "meeting_issue",
        "boolean",
        _DEFAULT.meeting_issue,
        "Open one issue per meeting that groups its items.",
        _read_bool,
        {"type": "boolean"},
    ),
    Option(
        "tracker_issue",
        "issue number or null",
        None,
        "Issue that receives the weekly status; null opens one when first needed.",
        _read_issue_number,
        {"type": ["integer", "null"], "minimum": 1},
    ),
    Option(
        "schedule.enabled",
        "boolean",
        _DEFAULT.schedule.enabled,
        "Post the weekly status at all.",
        _read_bool,
        {"type": "boolean"},
    ),
    Option(
        "schedule.day",
        "monday … sunday",
        _DEFAULT.schedule.day,
        "Day of the weekly status.",
        _read_weekday,
        {"type": "string", "pattern": "^(" + "|".join(map(_any_case, WEEKDAYS)) + ")$"},
    ),
    Option(
        "schedule.hour",
        "0 … 23",
        _DEFAULT.schedule.hour,
        "Hour of the weekly status, in `schedule.timezone`.",
        _read_hour,
        {"type": "integer", "minimum": 0, "maximum": 23},
    ),
    Option(
        "schedule.timezone",
        "IANA time zone",
        _DEFAULT.schedule.timezone,
        "Time zone of `schedule.day` and `schedule.hour`, e.g. `Europe/Berlin`.",
        _read_timezone,
        # Whether a zone exists is the tz database's to say; the schema checks the shape.
        {"type": "string", "pattern": _TIMEZONE_NAME.pattern, "examples": ["UTC", "Europe/Berlin"]},
    ),
    Option(
        "status.chart",
        "none or pie",
        _DEFAULT.status.chart,
        "Chart under the weekly status: `pie` draws open, overdue and done with Mermaid.",
        _read_chart,
        {"type": "string", "pattern": "^(" + "|".join(map(_any_case, CHARTS)) + ")$"},
    ),
    Option(
        "status.old_after_weeks",
        "1 … 52",
        _DEFAULT.status.old_after_weeks,
        "Open items without a due date say how long they have been open from this many weeks on.",
        _read_weeks,
        {"type": "integer", "minimum": 1, "maximum": 52},
    ),
    Option(
        "commands",
        "list of commands",
        list(COMMANDS),
        "Comment commands people may use on item issues.",
        _list_of(_read_command, "commands"),
        _one_or_list(
            {"type": "string", "pattern": "^/?(" + "|".join(map(_any_case, COMMANDS)) + ")$"}
        ),
    ),
    Option(
        "holidays",
        "MM-DD",
        "12-24",
        'The day "before the holidays" means.',
        _read_month_day,
        {"type": "string", "pattern": _MONTH_DAY_JSON},
    ),
    Option(
        "reader",
        "rules or rules+model",
        _DEFAULT.reader,
        "Who reads the minutes. `rules+model` also asks a language model, whose items are "
        "kept only when the minutes bear them out; the service's `MINUTES_BOT_MODEL_*` "
        "settings say which server.",
        _read_reader,
        {"type": "string", "pattern": "^(" + "|".join(_any_case(r).replace("+", "\\+") for r in READERS) + ")$"},
    ),
    Option(
        "close_reported",
        "checked, any or never",
        _DEFAULT.close_reported,
        "Which reports in later minutes close an earlier meeting's item: `checked` a ticked "
        "checkbox or a `DONE` mark, `any` also a sentence saying it was done, `never` none. "
        "A report that does not close the issue is said there in a comment.",
        _read_close_reported,
        {"type": "string", "pattern": "^(" + "|".join(map(_any_case, CLOSE_REPORTED)) + ")$"},
    ),
    Option(
        "write_back",
        "off or pr",
        _DEFAULT.write_back,
        "`pr`: once minutes are merged, propose in one pull request per file each item's issue "
        "link at the end of its line (` (#12)`), and keep that pull request up to date. Only "
        "this option needs the `contents: write` and `pull_requests: write` permissions. `off` "
        "never touches the minutes.",
        _read_write_back,
        {"anyOf": [
            {"type": "string", "pattern": "^(" + "|".join(map(_any_case, WRITE_BACK)) + ")$"},
            {"const": False},
        ]},
    ),
    Option(
        "model",
        "model name",
        _DEFAULT.model,
        "The model `rules+model` asks, as the server names it (GitHub Models: `publisher/name`).",
        _read_model,
        {"type": "string", "pattern": "^" + _MODEL_NAME.pattern + "$"},
    ),
)

_OPTIONS = {option.key: option for option in SCHEMA}


SCHEMA_ID = "https://raw.githubusercontent.com/OWNER/minutes-bot/main/schema/minutes-bot.schema.json"


def json_schema() -> dict[str, Any]:
    """Build the JSON Schema of `.github/minutes-bot.yml` from `SCHEMA`, for editors."""
    root: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "minutes-bot configuration",
        "description": "Per-repository settings of minutes-bot, in .github/minutes-bot.yml.",
        # An empty file, or one holding only comments, means all defaults.
        **_json_object(["object", "null"]),
    }
    for option in SCHEMA:
        *sections, name = option.key.split(".")
        node = root
        for section in sections:
            node = node["properties"].setdefault(section, _json_object(["object", "null"]))
        node["properties"][name] = {
            "description": option.description,
            "default": option.default,
            **option.json,
        }
    return root


def _json_object(kind: Any = "object") -> dict[str, Any]:
    return {"type": kind, "additionalProperties": False, "properties": {}}


def options_table_markdown() -> str:
    """Render the README table of `.github/minutes-bot.yml` options from `SCHEMA`."""
    rows = ["| Option | Type | Default | Description |", "|---|---|---|---|"]
    for option in SCHEMA:
        default = yaml.safe_dump(option.default, default_flow_style=True, width=1000)
        default = default.removesuffix("\n...\n").strip()
        rows.append(f"| `{option.key}` | {option.type} | `{default}` | {option.description} |")
    return "\n".join(rows) + "\n"


# ---------------------------------------------------------------------------
# Reading a repository's file


def parse_repo_config(
    text: str | None, *, defaults: str | None = None, defaults_source: str = ""
) -> RepoConfig:
    """Validate `.github/minutes-bot.yml` and return it with defaults filled in.

    `defaults` is the organisation's file (from its `.github` repository, named by
    `defaults_source` in errors): the repository's file overrides it key by key, and
    its `people` person by person.
    """
    return _build(merge_layers(*config_layers(text, defaults, defaults_source)))


def config_layers(
    text: str | None, defaults: str | None, defaults_source: str = ""
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate both files; return the options each sets, organisation's first."""
    base = _values_of(defaults, defaults_source or "the organisation's defaults")
    return base, _values_of(text, REPO_CONFIG_PATH)


def merge_layers(base: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    """Lay the repository's options over the organisation's; `people` are merged."""
    merged = {**base, **own}
    if "people" in base and "people" in own:
        merged["people"] = merge_people(base["people"], own["people"])
    return merged


def merge_people(base: Iterable[Person], own: Iterable[Person]) -> tuple[Person, ...]:
    """Keep the organisation's people the repository does not name again, then its own.

    A repository entry replaces every organisation entry with the same login or,
    failing a login, the same name.
    """
    own = tuple(own)
    logins = {person.login.casefold() for person in own if person.login}
    names = {person.name.casefold() for person in own}
    kept = [
        person
        for person in base
        if (person.login or "").casefold() not in logins and person.name.casefold() not in names
    ]
    return (*kept, *own)


def _values_of(text: str | None, source: str) -> dict[str, Any]:
    """Validate one configuration file into the options it sets, by dotted key."""
    try:
        return _read_values(text)
    except ConfigError as error:
        raise ConfigError(error.problems, source) from None


def _read_values(text: str | None) -> dict[str, Any]:
    if text is None or not text.strip():
        return {}
    root = _compose_safely(text)
    if root is None or _scalar(root) is None:
        return {}
    if not isinstance(root, MappingNode):
        raise ConfigError(
            [
                Problem(
                    _line(root),
                    f"the file must be a mapping of options such as `paths:`, not {_show(root)}",
                )
            ]
        )
    values: dict[str, Any] = {}
    problems = list(_read_section(root, "", values))
    if problems:
        raise ConfigError(_capped(problems))
    return values


def _compose_safely(text: str) -> Node | None:
    """Compose YAML into nodes after refusing files too big, too deep or alias-heavy."""
    size = len(text.encode("utf-8", "replace"))
    if size > MAX_CONFIG_BYTES:
        raise ConfigError(
            [
                Problem(
                    1, f"the file is {size // 1024} KB; the limit is {MAX_CONFIG_BYTES // 1024} KB"
                )
            ]
        )
    try:
        return safe_yaml.compose(text)
    except safe_yaml.YamlLimitError as error:
        raise ConfigError([Problem(error.line, error.message)]) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise ConfigError([Problem(line, f"not valid YAML: {error.problem or error}")]) from None
    except yaml.YAMLError as error:
        raise ConfigError([Problem(1, f"not valid YAML: {error}")]) from None


def _read_section(node: MappingNode, prefix: str, values: dict[str, Any]) -> Iterator[Problem]:
    """Read the options under `prefix` into `values`, yielding what is wrong."""
    known = _keys_under(prefix)
    seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        name = _key_name(key_node)
        key = prefix + name
        if name in seen:
            yield Problem(_line(key_node), f"`{key}` is set twice (also on line {seen[name]})")
            continue
        seen[name] = _line(key_node)
        if name not in known:
            yield Problem(
                _line(key_node),
                f"unknown option `{key}`" + _suggestion(name, known, prefix),
            )
        elif key in _OPTIONS:
            yield from _read_option(_OPTIONS[key], value_node, values)
        elif isinstance(value_node, MappingNode):
            yield from _read_section(value_node, key + ".", values)
        elif _scalar(value_node) is not None:
            yield Problem(
                _line(value_node),
                f"`{key}` must be a mapping with "
                + ", ".join(f"`{k}`" for k in sorted(_keys_under(key + "."))),
            )


def _read_option(option: Option, node: Node, values: dict[str, Any]) -> Iterator[Problem]:
    try:
        values[option.key] = option.read(node, option.key)
    except _Invalid as invalid:
        for where, message in invalid.found:
            yield Problem(_line(where or node), message)


@cache
def _keys_under(prefix: str) -> frozenset[str]:
    """Return the option names one level below `prefix` ("" for the top level)."""
    return frozenset(key[len(prefix) :].split(".")[0] for key in _OPTIONS if key.startswith(prefix))


def _key_name(node: Node) -> str:
    value = _scalar(node)
    return _show(node) if value is _NOT_SCALAR else str(value)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _suggestion(word: str, choices: Iterable[str], prefix: str = "") -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"; did you mean `{prefix}{close[0]}`?" if close else ""


def _capped(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS
    return [*problems[:MAX_PROBLEMS], Problem(problems[MAX_PROBLEMS].line, f"… and {rest} more problems")]


def _build(values: Mapping[str, Any]) -> RepoConfig:
    """Fill a `RepoConfig` from validated dotted keys, keeping defaults for the rest."""
    config = _DEFAULT
    sections: dict[str, Any] = {
        "labels": config.labels,
        "schedule": config.schedule,
        "status": config.status,
    }
    top: dict[str, Any] = {}
    for key, value in values.items():
        section, _, name = key.rpartition(".")
        if section:
            sections[section] = replace(sections[section], **{name: value})
        else:
            top[key] = frozenset(value) if key == "commands" else value
    return replace(config, **top, **sections)


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


# ---------------------------------------------------------------------------
# The service's own settings


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
GITHUB_MODELS_URL = "https://models.github.ai/inference"
# A model reads a chunk of minutes in seconds; a minute is something else.
MODEL_TIMEOUT_SECONDS = 60.0
# GitHub Models' free tier allows some 150 requests a day for a small model.
MODEL_CALLS_PER_DAY = 100


@dataclass(frozen=True, repr=False)
class ModelSettings:
    """Where the service may send minutes for the model reader to read, and how much.

    `model` set overrides every repository's `model`; `calls_per_day` of 0 turns the
    model reader off whatever the repositories say. `key` is a secret: `repr` hides it.
    """

    url: str = GITHUB_MODELS_URL
    key: str | None = None
    model: str | None = None
    calls_per_day: int = MODEL_CALLS_PER_DAY
    timeout: float = MODEL_TIMEOUT_SECONDS

    @property
    def on_github_models(self) -> bool:
        return self.url.rstrip("/") == GITHUB_MODELS_URL

    def __repr__(self) -> str:
        return (
            f"ModelSettings(url={self.url!r}, key={_masked(self.key)!r}, model={self.model!r}, "
            f"calls_per_day={self.calls_per_day}, timeout={self.timeout:g})"
        )


@dataclass(frozen=True, repr=False)
class ServiceSettings:
    """How this deployment of the bot reaches GitHub, Redis and its journal.

    `private_key`, `webhook_secret` and `token` are secrets: `repr` never shows
    them, and `redis_url` is shown with its password masked.
    """

    app_id: int | None = None
    private_key: str | None = None
    webhook_secret: str | None = None
    token: str | None = None
    api_url: str = "https://api.github.com"
    redis_url: str | None = None
    journal_path: str | None = None
    log_level: str = "INFO"
    port: int = 8080
    user_agent: str = "minutes-bot"
    # Issues and comments created per minute: 72 keeps under GitHub's limit of 80.
    writes_per_minute: float = 72.0
    model_url: str = GITHUB_MODELS_URL
    model_key: str | None = None
    model_name: str | None = None
    model_calls_per_day: int = MODEL_CALLS_PER_DAY
    model_timeout: float = MODEL_TIMEOUT_SECONDS
    # A push with more minutes files is reconciled this many at a time, the repository's
    # commands and previews handled in between (0: all at once).
    push_files_per_turn: int = 20

    @property
    def model(self) -> ModelSettings:
        """Where and how much the model reader may read, for repositories that turn it on."""
        return ModelSettings(
            self.model_url,
            self.model_key,
            self.model_name,
            self.model_calls_per_day,
            self.model_timeout,
        )

    @property
    def uses_app(self) -> bool:
        """Tell whether to authenticate as a GitHub App rather than with a token."""
        return self.app_id is not None and self.private_key is not None

    def __repr__(self) -> str:
        shown = {
            "app_id": self.app_id,
            "private_key": _masked(self.private_key),
            "webhook_secret": _masked(self.webhook_secret),
            "token": _masked(self.token),
            "api_url": self.api_url,
            "redis_url": _without_password(self.redis_url),
            "journal_path": self.journal_path,
            "log_level": self.log_level,
            "port": self.port,
            "user_agent": self.user_agent,
            "writes_per_minute": self.writes_per_minute,
            "push_files_per_turn": self.push_files_per_turn,
            "model": self.model,
        }
        return "ServiceSettings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"


class SettingsError(ValueError):
    """Settings the service cannot start with; each problem names its variable."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


def _masked(secret: str | None) -> str | None:
    return None if secret is None else "***"


def _without_password(url: str | None) -> str | None:
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass(frozen=True)
class _Setting:
    """One service setting: its variable, its key in `config/bot.yml`, how to check it."""

    variable: str
    file_key: str | None
    field: str
    check: Callable[[str], Any]


def _check_app_id(value: str) -> int:
    if not value.isdigit():
        raise ValueError("must be the App's numeric id")
    return int(value)


def _check_private_key(value: str) -> str:
    if "-----BEGIN" not in value or "PRIVATE KEY-----" not in value:
        raise ValueError("must be a PEM private key (-----BEGIN ... PRIVATE KEY-----)")
    if "\n" not in value.strip():
        # A `.env` file holds the key on one line, its line breaks written `\n` (as Probot reads it).
        value = value.replace("\\n", "\n")
    return value


def _check_url(value: str) -> str:
    if urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc:
        raise ValueError("must be an http:// or https:// URL")
    return value.rstrip("/")


def _check_redis_url(value: str) -> str:
    if urlsplit(value).scheme not in ("redis", "rediss", "unix"):
        raise ValueError("must be a redis://, rediss:// or unix:// URL")
    return value


def _check_log_level(value: str) -> str:
    if value.upper() not in _LOG_LEVELS:
        raise ValueError("must be one of " + ", ".join(_LOG_LEVELS))
    return value.upper()


def _check_port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ValueError("must be a TCP port number from 1 to 65535")
    return int(value)


def _check_rate(value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        rate = -1.0
    if not 0 <= rate <= 80:
        raise ValueError("must be a number of writes per minute from 0 (no pacing) to 80")
    return rate


def _check_calls(value: str) -> int:
    if not value.isdigit():
        raise ValueError("must be a whole number of model calls a day (0 turns the reader off)")
    return int(value)


def _check_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 600:
        raise ValueError("must be a number of seconds above 0 and at most 600")
    return seconds


def _check_files_per_turn(value: str) -> int:
    if not value.isdigit():
        raise ValueError("must be a whole number of minutes files (0 reconciles a push at once)")
    return int(value)


def _check_text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


_SETTINGS = (
    _Setting("GITHUB_APP_ID", "app_id", "app_id", _check_app_id),
    _Setting("GITHUB_PRIVATE_KEY", None, "private_key", _check_private_key),
    _Setting("GITHUB_WEBHOOK_SECRET", None, "webhook_secret", _check_text),
    _Setting("GITHUB_TOKEN", None, "token", _check_text),
    _Setting("GITHUB_API_URL", "api_url", "api_url", _check_url),
    _Setting("REDIS_URL", "redis_url", "redis_url", _check_redis_url),
    _Setting("MINUTES_BOT_JOURNAL", "journal", "journal_path", _check_text),
    _Setting("LOG_LEVEL", "log_level", "log_level", _check_log_level),
    _Setting("PORT", "port", "port", _check_port),
    _Setting("MINUTES_BOT_USER_AGENT", "user_agent", "user_agent", _check_text),
    _Setting("MINUTES_BOT_WRITES_PER_MINUTE", "writes_per_minute", "writes_per_minute", _check_rate),
    _Setting("MINUTES_BOT_MODEL_URL", "model_url", "model_url", _check_url),
    _Setting("MINUTES_BOT_MODEL_KEY", None, "model_key", _check_text),
    _Setting("MINUTES_BOT_MODEL", "model", "model_name", _check_text),
    _Setting("MINUTES_BOT_MODEL_CALLS_PER_DAY", "model_calls_per_day", "model_calls_per_day", _check_calls),
    _Setting("MINUTES_BOT_MODEL_TIMEOUT", "model_timeout", "model_timeout", _check_seconds),
    _Setting(
        "MINUTES_BOT_PUSH_FILES_PER_TURN",
        "push_files_per_turn",
        "push_files_per_turn",
        _check_files_per_turn,
    ),
)
_KEY_FILE_VARIABLE = "GITHUB_PRIVATE_KEY_FILE"
_SETTINGS_FILE_VARIABLE = "MINUTES_BOT_CONFIG"
ENVIRONMENT_VARIABLES = (*tuple(s.variable for s in _SETTINGS), _KEY_FILE_VARIABLE, _SETTINGS_FILE_VARIABLE)
_FILE_KEYS = (*tuple(s.file_key for s in _SETTINGS if s.file_key), "private_key_file")


def settings_from_env(env: Mapping[str, str]) -> ServiceSettings:
    """Read and check the service settings; the environment wins over `config/bot.yml`.

    The overlay file is read from `MINUTES_BOT_CONFIG` when that is set. Errors name
    the variable or file key, never its value.
    """
    raw, problems = _settings_file(env)
    raw.update({s.variable: env[s.variable] for s in _SETTINGS if env.get(s.variable)})
    key_file = env.get(_KEY_FILE_VARIABLE) or raw.pop(_KEY_FILE_VARIABLE, None)
    if key_file and "GITHUB_PRIVATE_KEY" not in raw:
        key = _read_secret_file(key_file, _KEY_FILE_VARIABLE, problems)
        raw.update({"GITHUB_PRIVATE_KEY": key} if key else {})
    values: dict[str, Any] = {}
    for setting in _SETTINGS:
        if raw.get(setting.variable) is not None:
            _check_setting(setting, raw[setting.variable], values, problems)
    if ("GITHUB_APP_ID" in raw) != ("GITHUB_PRIVATE_KEY" in raw or bool(key_file)):
        problems.append(
            "GITHUB_APP_ID and GITHUB_PRIVATE_KEY (or GITHUB_PRIVATE_KEY_FILE) must be set together"
        )
    if problems:
        raise SettingsError(problems)
    return ServiceSettings(**values)


def _check_setting(
    setting: _Setting, value: str, values: dict[str, Any], problems: list[str]
) -> None:
    try:
        values[setting.field] = setting.check(value)
    except ValueError as error:
        problems.append(f"{setting.variable} {error}")


def _read_secret_file(path: str, variable: str, problems: list[str]) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problems.append(f"{variable} names a file that cannot be read ({type(error).__name__})")
        return None


def _settings_file(env: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Read `config/bot.yml` (path in `MINUTES_BOT_CONFIG`) as variable -> text."""
    path = env.get(_SETTINGS_FILE_VARIABLE)
    if not path:
        return {}, []
    problems: list[str] = []
    text = _read_secret_file(path, _SETTINGS_FILE_VARIABLE, problems)
    try:
        data = yaml.safe_load(text or "") or {}
    except yaml.YAMLError:
        return {}, [f"{_SETTINGS_FILE_VARIABLE} names a file that is not valid YAML"]
    if not isinstance(data, dict):
        return {}, [f"{_SETTINGS_FILE_VARIABLE} names a file that is not a mapping of settings"]
    return _file_values(data, problems), problems


def _file_values(data: Mapping[Any, Any], problems: list[str]) -> dict[str, str]:
    by_key = {s.file_key: s.variable for s in _SETTINGS if s.file_key}
    by_key["private_key_file"] = _KEY_FILE_VARIABLE
    raw = {}
    for key, value in data.items():
        if key not in by_key:
            problems.append(
                f"config/bot.yml: unknown setting `{key}`" + _suggestion(str(key), _FILE_KEYS)
            )
        elif value is not None:
            raw[by_key[key]] = str(value)
    return raw
