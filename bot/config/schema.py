"""Each repository's `.github/minutes-bot.yml`: its options, checked once at the edge.

Every option is one row of `SCHEMA` (its key, its reader, its default, its JSON schema);
the file is read node by node so each problem names its line, with a "did you mean" for a
misspelt key, and a value that is wrong keeps the default and is reported, never guessed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot import safe_yaml
from bot.config.types import (
    CLOSE_REPORTED,
    COMMANDS,
    DEFAULT_MODEL,
    MAX_CONFIG_BYTES,
    MAX_PROBLEMS,
    READERS,
    REPO_CONFIG_PATH,
    WEEKDAYS,
    WRITE_BACK,
    WRITE_BACK_OFF,
    ConfigError,
    Problem,
    RepoConfig,
)
from bot.minutes.model import Person
from bot.tracker.inert import GITHUB_LOGIN
from bot.tracker.status import CHARTS

_MODEL_NAME = re.compile(r"[\w.:/@+-]{1,200}")
_LOGIN = re.compile(GITHUB_LOGIN)
_REPOSITORY = re.compile(r"[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}")
_COLOR = re.compile(r"#?([0-9a-fA-F]{6})")
_MONTH_DAY = re.compile(r"(\d{1,2})-(\d{1,2})")
_TIMEZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$")


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
        raise _Invalid(message + did_you_mean(str(value).lower(), choices))

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
        + did_you_mean(str(value).lower(), COMMANDS)
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
                + did_you_mean(name, _PERSON_KEYS),
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
                f"unknown option `{key}`" + did_you_mean(name, known, prefix),
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


def did_you_mean(word: str, choices: Iterable[str], prefix: str = "") -> str:
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


