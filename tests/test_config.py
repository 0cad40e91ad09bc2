"""Repository configuration and service settings: defaults, validation, globs, secrets."""

from __future__ import annotations

import re
import textwrap
import time
from pathlib import Path

import pytest

from bot.config.schema import SCHEMA, options_table_markdown, parse_repo_config
from bot.config.settings import (
    ENVIRONMENT_VARIABLES,
    ServiceSettings,
    SettingsError,
    settings_from_env,
)
from bot.config.types import (
    MAX_CONFIG_BYTES,
    ConfigError,
    Labels,
    Problem,
    RepoConfig,
    Schedule,
    glob_regex,
    is_minutes_path,
)
from bot.github.auth import AppAuth
from bot.minutes.model import Person

PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretkeymaterial\n-----END RSA PRIVATE KEY-----\n"


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_repo_config(textwrap.dedent(text))
    return [str(problem) for problem in caught.value.problems]


# -- defaults ------------------------------------------------------------------


@pytest.mark.parametrize("text", [None, "", "   \n", "# only a comment\n", "null\n", "---\n"])
def test_no_file_means_defaults(text: str | None) -> None:
    config = parse_repo_config(text)

    assert config == RepoConfig()
    assert config.paths == ("meetings/**/*.md", "minutes/**/*.md", "**/*minutes*.md")
    assert config.labels == Labels("action-item", "meeting/", "0e8a16")
    assert config.schedule == Schedule(enabled=True, day="monday", hour=9, timezone="UTC")
    assert config.commands == {"done", "reopen", "drop", "assign", "due", "help"}
    assert config.meeting_issue is True
    assert config.tracker_issue is None
    assert config.holidays == (12, 24)
    assert config.search_repositories("acme/site") == ("acme/site",)


def test_a_full_file_is_read_into_frozen_dataclasses() -> None:
    config = parse_repo_config(
        textwrap.dedent("""\
        paths: [notes/*.md, "**/svsm-*.md"]
        ignore: []
        people:
          - name: Jörg Rödel
            login: "@joergroedel"
            aliases: [Joerg, JR]
          - name: Peter Fang
        labels:
          item: todo
          meeting_prefix: "mtg:"
          item_color: "#FF0000"
        repositories: [coconut-svsm/svsm, acme/site]
        meeting_issue: false
        tracker_issue: 42
        schedule:
          day: Friday
          hour: 16
          timezone: Europe/Berlin
        commands: [done, /help]
        holidays: 12-20
        """)
    )

    assert config.paths == ("notes/*.md", "**/svsm-*.md")
    assert config.ignore == ()
    assert config.people == (
        Person("Jörg Rödel", "joergroedel", ("Joerg", "JR")),
        Person("Peter Fang", None, ()),
    )
    assert config.labels == Labels("todo", "mtg:", "ff0000")
    assert config.search_repositories("acme/site") == ("coconut-svsm/svsm", "acme/site")
    assert (config.meeting_issue, config.tracker_issue) == (False, 42)
    assert config.schedule == Schedule(True, "friday", 16, "Europe/Berlin")
    assert config.schedule.weekday == 4
    assert config.schedule.zone.key == "Europe/Berlin"
    assert config.commands == {"done", "help"}
    assert config.holidays == (12, 20)
    with pytest.raises(AttributeError):
        config.meeting_issue = True  # type: ignore[misc]


READ_OPTIONS = [
    ("paths: minutes/*.md\n", "paths", ("minutes/*.md",)),
    ("holidays: 2024-12-20\n", "holidays", (12, 20)),
    ("holidays: 02-29\n", "holidays", (2, 29)),
    ("tracker_issue: null\n", "tracker_issue", None),
    ("people:\n", "people", ()),
    ("schedule:\n  hour: 0\n", "schedule", Schedule(hour=0)),
    ("schedule:\n", "schedule", Schedule()),
    ("schedule:\n  enabled: false\n", "schedule", Schedule(enabled=False)),
    ("labels:\n  item_color: 000000\n", "labels", Labels(item_color="000000")),
    ("labels:\n  item: 2024\n", "labels", Labels(item="2024")),
    ("anchor_free: 1\n" * 0 + "commands: [DONE]\n", "commands", frozenset({"done"})),
    ("write_back: pr\n", "write_back", "pr"),
    ("write_back: PR\n", "write_back", "pr"),
    # YAML reads a bare `off` as false; both mean off.
    ("write_back: off\n", "write_back", "off"),
    ("write_back: false\n", "write_back", "off"),
    ("close_reported: any\n", "write_back", "off"),
]


@pytest.mark.parametrize(("text", "attribute", "expected"), READ_OPTIONS)
def test_each_option_is_read(text: str, attribute: str, expected: object) -> None:
    assert getattr(parse_repo_config(text), attribute) == expected


def test_labels_name_the_meeting() -> None:
    from datetime import date

    assert Labels().for_meeting(date(2024, 12, 18)) == "meeting/2024-12-18"


# -- errors a person can act on ------------------------------------------------------


BAD_VALUES = [
    (
        "schedule:\n  hour: 9\n  day: mondya\n",
        (
            "line 3: `schedule.day` must be one of monday … sunday, not `mondya`; "
            "did you mean `monday`?"
        ),
    ),
    ("schedule:\n  day: 3\n", "line 2: `schedule.day` must be one of monday … sunday, not `3`"),
    (
        "schedule:\n  hour: 24\n",
        "line 2: `schedule.hour` must be a whole hour from 0 to 23, not `24`",
    ),
    (
        "schedule:\n  hour: nine\n",
        "line 2: `schedule.hour` must be a whole hour from 0 to 23, not `nine`",
    ),
    (
        "schedule:\n  timezone: Mars/Olympus\n",
        (
            "line 2: `schedule.timezone` must be an IANA time zone such as `Europe/Berlin` or "
            "`UTC`, not `Mars/Olympus`"
        ),
    ),
    (
        "schedule:\n  timezone: ../../etc/passwd\n",
        (
            "line 2: `schedule.timezone` must be an IANA time zone such as `Europe/Berlin` or "
            "`UTC`, not `../../etc/passwd`"
        ),
    ),
    (
        "schedule: weekly\n",
        "line 1: `schedule` must be a mapping with `day`, `enabled`, `hour`, `timezone`",
    ),
    ("meeting_issue: maybe\n", "line 1: `meeting_issue` must be true or false, not `maybe`"),
    (
        "tracker_issue: -3\n",
        "line 1: `tracker_issue` must be an issue number (such as 12) or null, not `-3`",
    ),
    (
        "tracker_issue: '#3'\n",
        "line 1: `tracker_issue` must be an issue number (such as 12) or null, not `#3`",
    ),
    (
        "labels:\n  item: ''\n",
        "line 2: `labels.item` must be a label name of 1 to 50 characters, not ``",
    ),
    (
        "labels:\n  item_color: green\n",
        (
            "line 2: `labels.item_color` must be a colour as six hex digits such as `0e8a16`, "
            "not `green`"
        ),
    ),
    (
        "repositories: [svsm]\n",
        "line 1: `repositories` entry `svsm` must be written `owner/name`",
    ),
    (
        "commands: [done, close]\n",
        "line 1: `commands` entry `close` must be one of done, reopen, drop, assign, due, help",
    ),
    (
        "commands: [dne]\n",
        (
            "line 1: `commands` entry `dne` must be one of done, reopen, drop, assign, due, help; "
            "did you mean `done`?"
        ),
    ),
    (
        "holidays: 24.12\n",
        "line 1: `holidays` must be a day of the year as MM-DD such as `12-24`, not `24.12`",
    ),
    (
        "holidays: 02-30\n",
        "line 1: `holidays` must be a day of the year as MM-DD such as `12-24`, not `02-30`",
    ),
    (
        "paths:\n  - meetings/*.md\n  - ../secrets/*.md\n",
        (
            "line 3: `paths` entry `../secrets/*.md` must be a path inside the repository "
            "(no leading `/`, no `..`)"
        ),
    ),
    (
        "paths: [/etc/*.md]\n",
        (
            "line 1: `paths` entry `/etc/*.md` must be a path inside the repository "
            "(no leading `/`, no `..`)"
        ),
    ),
    ("paths: {a: b}\n", "line 1: `paths` must be a list of path globs, not a mapping"),
    (
        "paths: [5]\n",
        "line 1: `paths` entries must be path globs such as `meetings/**/*.md`, not `5`",
    ),
    (
        "people: Jörg\n",
        "line 1: `people` must be a list of people, each with `name`, `login`, `aliases`",
    ),
    (
        "people:\n  - Jörg\n",
        "line 2: `people` entries must be mappings with `name`, `login` and `aliases`",
    ),
    ("people:\n  - login: jroedel\n", "line 2: every person in `people` needs a `name`"),
    (
        "people:\n  - name: Jörg\n    login: jörg roedel\n",
        "line 3: `people.login` must be a GitHub login such as `octocat`, not `jörg roedel`",
    ),
    (
        "people:\n  - name: Jörg\n    logn: jroedel\n",
        "line 3: unknown option `logn` for a person in `people`; did you mean `login`?",
    ),
    (
        "write_back: prs\n",
        "line 1: `write_back` must be one of `off`, `pr`, not `prs`; did you mean `pr`?",
    ),
    ("write_back: true\n", "line 1: `write_back` must be one of `off`, `pr`, not `true`"),
    ("- paths\n", "line 1: the file must be a mapping of options such as `paths:`, not a list"),
    ("hello\n", "line 1: the file must be a mapping of options such as `paths:`, not `hello`"),
    ("paths: [a\n", "line 2: not valid YAML: did not find expected ',' or ']'"),
    ("a: 1\n---\nb: 2\n", "line 2: not valid YAML: but found another document"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_VALUES)
def test_a_bad_value_is_reported_with_its_line(text: str, expected: str) -> None:
    assert problems_of(text) == [expected]


UNKNOWN_OPTIONS = [
    (
        "schedlue:\n  day: monday\n",
        "line 1: unknown option `schedlue`; did you mean `schedule`?",
    ),
    (
        "schedule:\n  timzone: UTC\n",
        "line 2: unknown option `schedule.timzone`; did you mean `schedule.timezone`?",
    ),
    ("tracker: 3\n", "line 1: unknown option `tracker`; did you mean `tracker_issue`?"),
    ("colour: blue\n", "line 1: unknown option `colour`"),
    (
        "labels:\n  item: a\n  color: b\n",
        "line 3: unknown option `labels.color`; did you mean `labels.item_color`?",
    ),
    ("labels:\n  size: 3\n", "line 2: unknown option `labels.size`"),
    ("writeback: pr\n", "line 1: unknown option `writeback`; did you mean `write_back`?"),
]


@pytest.mark.parametrize(("text", "expected"), UNKNOWN_OPTIONS)
def test_an_unknown_option_is_an_error_with_a_suggestion(text: str, expected: str) -> None:
    assert problems_of(text) == [expected]


def test_every_problem_is_reported_at_once_in_file_order() -> None:
    assert problems_of("""\
        paths: [meetings/*.md]
        schedule:
          day: mondya
          hour: 25
        people:
          - name: A
            logn: a
          - login: b
        paths: []
        """) == [
        (
            "line 3: `schedule.day` must be one of monday … sunday, not `mondya`; "
            "did you mean `monday`?"
        ),
        "line 4: `schedule.hour` must be a whole hour from 0 to 23, not `25`",
        "line 7: unknown option `logn` for a person in `people`; did you mean `login`?",
        "line 8: every person in `people` needs a `name`",
        "line 9: `paths` is set twice (also on line 1)",
    ]


def test_the_error_message_lists_one_problem_per_line() -> None:
    error = ConfigError([Problem(2, "first"), Problem(5, "second")])

    assert str(error) == "line 2: first\nline 5: second"


def test_a_flood_of_problems_is_cut_short() -> None:
    text = "repositories:\n" + "".join(f"  - bad{i}\n" for i in range(50))

    problems = problems_of(text)

    assert len(problems) == 21
    assert problems[-1] == "line 22: … and 30 more problems"


# -- hostile files --------------------------------------------------------------


def billion_laughs(levels: int = 9, fan_out: int = 9) -> str:
    lines = ['paths: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * fan_out)
        lines.append(
            f"ignore: &a{level} [{refs}]" if level == levels else f"x{level}: &a{level} [{refs}]"
        )
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_quickly() -> None:
    started = time.perf_counter()

    problems = problems_of(billion_laughs())

    assert problems == ["line 5: aliases stand for more than 10,000 values in all"]
    assert time.perf_counter() - started < 1.0


def test_a_bomb_within_50_aliases_is_refused_for_what_they_stand_for() -> None:
    """16 levels of 3 aliases each: 48 aliases standing for 3**16, 43 million values."""
    problems = problems_of(billion_laughs(levels=16, fan_out=3))

    assert problems == ["line 7: aliases stand for more than 10,000 values in all"]


def test_more_than_50_aliases_are_refused_even_when_small() -> None:
    text = "paths: &p [meetings/*.md]\n" + "".join(f"k{n}: *p\n" for n in range(51))

    assert problems_of(text) == ["line 52: too many aliases (`*name`); at most 50 are allowed"]


def test_a_few_aliases_are_ordinary_reuse() -> None:
    config = parse_repo_config('paths: &globs ["notes/*.md"]\nignore: *globs\n')

    assert config.ignore == ("notes/*.md",)


def test_an_oversized_file_is_refused_before_parsing() -> None:
    text = "# padding\n" * (MAX_CONFIG_BYTES // 10 + 1)

    assert problems_of(text) == ["line 1: the file is 256 KB; the limit is 256 KB"]


def test_deep_nesting_is_refused_without_recursing() -> None:
    text = "paths: " + "[" * 100_000 + "]" * 100_000 + "\n"

    problems = problems_of(text)

    assert len(problems) == 1 and problems[0].startswith("line 1: ")
    assert "nest" in problems[0]


# -- which files are minutes --------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("minutes.md", True),
        ("a/b/team-minutes.md", True),
        ("meetings/2024/x.md", True),
        ("meetings/x.md", True),
        ("meetings/2024/12/18.md", True),
        ("minutes/2024-12-18.md", True),
        ("Meetings/2024-12-18.MD", True),
        ("docs/Minutes-2024-12-18.md", True),
        ("meetings/README.md", False),
        ("minutes/template.md", False),
        ("meetings/x.txt", False),
        ("docs/agenda.md", False),
        ("meetings.md", False),
        ("x/meetings/y.md", False),
        ("../minutes.md", False),
        ("meetings/../minutes.md", False),
        ("/minutes.md", False),
        ("meetings//x.md", False),
        ("", False),
    ],
)
def test_default_globs_decide_which_files_are_minutes(path: str, expected: bool) -> None:
    assert is_minutes_path(RepoConfig(), path) is expected


@pytest.mark.parametrize(
    ("glob", "path", "expected"),
    [
        ("notes/*.md", "notes/a.md", True),
        ("notes/*.md", "notes/2024/a.md", False),
        ("notes/**", "notes/2024/a.md", True),
        ("**", "anything/at/all.md", True),
        ("a/**/b/*.md", "a/b/x.md", True),
        ("a/**/b/*.md", "a/1/2/b/x.md", True),
        ("a/**/b/*.md", "a/1/2/c/x.md", False),
        ("notes/202?-*.md", "notes/2024-01.md", True),
        ("notes/202?-*.md", "notes/20245-01.md", False),
        ("notes/[0-9]*.md", "notes/7.md", True),
        ("notes/[!0-9]*.md", "notes/7.md", False),
        ("notes/a+b.md", "notes/a+b.md", True),
        ("notes/a+b.md", "notes/aab.md", False),
        ("notes/(x).md", "notes/(x).md", True),
    ],
)
def test_globs_follow_double_star_rules(glob: str, path: str, expected: bool) -> None:
    assert bool(glob_regex(glob).fullmatch(path)) is expected


def test_configured_paths_and_ignores_apply() -> None:
    config = parse_repo_config("paths: [notes/**/*.md]\nignore: [notes/drafts/**]\n")

    assert is_minutes_path(config, "notes/2024/a.md")
    assert not is_minutes_path(config, "notes/drafts/a.md")
    assert not is_minutes_path(config, "meetings/a.md")


# -- the options table -------------------------------------------------------------


def test_the_options_table_has_one_row_per_option() -> None:
    table = options_table_markdown().splitlines()

    assert table[0] == "| Option | Type | Default | Description |"
    assert len(table) == 2 + len(SCHEMA)
    assert "| `schedule.day` | monday … sunday | `monday` | Day of the weekly status. |" in table
    assert any(row.startswith("| `paths` | list of globs | `[meetings/**/*.md,") for row in table)


def test_schema_defaults_agree_with_the_dataclass_defaults() -> None:
    text = "\n".join(
        f"{option.key}: {option.default!r}"
        for option in SCHEMA
        if "." not in option.key and option.key != "people"
    )
    sections = {}
    for option in SCHEMA:
        if "." in option.key:
            section, name = option.key.split(".")
            sections.setdefault(section, []).append(f"  {name}: {option.default!r}")
    text += "\n" + "\n".join(f"{s}:\n" + "\n".join(rows) for s, rows in sections.items())

    assert parse_repo_config(text.replace("None", "null").replace("True", "true")) == RepoConfig()


# -- service settings ----------------------------------------------------------------


SECRET_ENV = {
    "GITHUB_APP_ID": "12345",
    "GITHUB_PRIVATE_KEY": PEM,
    "GITHUB_WEBHOOK_SECRET": "hook-secret-value",
    "GITHUB_TOKEN": "ghp_tokenvalue",
    "REDIS_URL": "redis://:redis-password@localhost:6379/0",
}


def test_settings_are_read_from_the_environment() -> None:
    settings = settings_from_env(
        {
            **SECRET_ENV,
            "LOG_LEVEL": "debug",
            "PORT": "9000",
            "MINUTES_BOT_JOURNAL": "/var/lib/bot/journal.db",
            "GITHUB_API_URL": "http://127.0.0.1:8000/api/",
        }
    )

    assert settings.app_id == 12345
    assert settings.private_key == PEM
    assert settings.uses_app
    assert (settings.log_level, settings.port) == ("DEBUG", 9000)
    assert settings.api_url == "http://127.0.0.1:8000/api"
    assert settings.journal_path == "/var/lib/bot/journal.db"


def test_settings_default_to_github_com() -> None:
    settings = settings_from_env({})

    assert settings == ServiceSettings()
    assert settings.api_url == "https://api.github.com"
    assert not settings.uses_app


def test_repr_never_shows_a_secret() -> None:
    shown = repr(settings_from_env(SECRET_ENV))

    for secret in (
        "MIIEsecretkeymaterial",
        "hook-secret-value",
        "ghp_tokenvalue",
        "redis-password",
    ):
        assert secret not in shown
    assert "redis://:***@localhost:6379/0" in shown
    assert "private_key='***'" in shown
    assert "app_id=12345" in shown


def test_the_private_key_may_come_from_a_file(tmp_path) -> None:
    key_file = tmp_path / "app.pem"
    key_file.write_text(PEM)

    settings = settings_from_env({"GITHUB_APP_ID": "7", "GITHUB_PRIVATE_KEY_FILE": str(key_file)})

    assert settings.private_key == PEM


def test_the_environment_wins_over_the_settings_file(tmp_path) -> None:
    settings_file = tmp_path / "bot.yml"
    settings_file.write_text("log_level: warning\nport: 8001\nredis_url: redis://cache:6379\n")

    settings = settings_from_env({"MINUTES_BOT_CONFIG": str(settings_file), "PORT": "9000"})

    assert (settings.log_level, settings.port, settings.redis_url) == (
        "WARNING",
        9000,
        "redis://cache:6379",
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"GITHUB_APP_ID": "abc", "GITHUB_PRIVATE_KEY": PEM},
            ["GITHUB_APP_ID must be the App's numeric id"],
        ),
        (
            {"GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY": "not-a-key-but-secret"},
            ["GITHUB_PRIVATE_KEY must be a PEM private key (-----BEGIN ... PRIVATE KEY-----)"],
        ),
        (
            {"GITHUB_APP_ID": "1"},
            [
                "GITHUB_APP_ID and GITHUB_PRIVATE_KEY (or GITHUB_PRIVATE_KEY_FILE) must be set together"
            ],
        ),
        (
            {"GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY_FILE": "/nonexistent/secret-path.pem"},
            ["GITHUB_PRIVATE_KEY_FILE names a file that cannot be read (FileNotFoundError)"],
        ),
        (
            {"GITHUB_PRIVATE_KEY": PEM},
            [
                "GITHUB_APP_ID and GITHUB_PRIVATE_KEY (or GITHUB_PRIVATE_KEY_FILE) must be set together"
            ],
        ),
        ({"PORT": "http"}, ["PORT must be a TCP port number from 1 to 65535"]),
        ({"PORT": "70000"}, ["PORT must be a TCP port number from 1 to 65535"]),
        ({"LOG_LEVEL": "loud"}, ["LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"]),
        (
            {"GITHUB_API_URL": "api.github.com"},
            ["GITHUB_API_URL must be an http:// or https:// URL"],
        ),
        (
            {"REDIS_URL": "localhost:6379"},
            ["REDIS_URL must be a redis://, rediss:// or unix:// URL"],
        ),
        ({"GITHUB_WEBHOOK_SECRET": "   "}, ["GITHUB_WEBHOOK_SECRET must not be empty"]),
        (
            {"MINUTES_BOT_WRITES_PER_MINUTE": "100"},
            ["MINUTES_BOT_WRITES_PER_MINUTE must be a number of writes per minute from 0 "
             "(no pacing) to 80"],
        ),
    ],
)
def test_bad_settings_name_the_variable_not_the_value(
    env: dict[str, str], expected: list[str]
) -> None:
    with pytest.raises(SettingsError) as caught:
        settings_from_env(env)

    assert list(caught.value.problems) == expected
    for value in env.values():
        if value.strip():
            assert value not in str(caught.value)


def test_an_unknown_key_in_the_settings_file_is_named(tmp_path) -> None:
    settings_file = tmp_path / "bot.yml"
    settings_file.write_text("log_levl: info\n")

    with pytest.raises(SettingsError) as caught:
        settings_from_env({"MINUTES_BOT_CONFIG": str(settings_file)})

    assert caught.value.problems == (
        "config/bot.yml: unknown setting `log_levl`; did you mean `log_level`?",
    )


SAMPLE = Path(__file__).parent.parent / ".env.sample"


def test_the_sample_environment_lists_every_variable() -> None:
    listed = {
        line.removeprefix("# ").split("=", 1)[0]
        for line in SAMPLE.read_text().splitlines()
        if re.match(r"(?:# )?[A-Z_]+=", line)
    }

    assert listed == set(ENVIRONMENT_VARIABLES)


def test_the_sample_environment_works_as_copied_for_an_app() -> None:
    """As `docker run --env-file` or Compose read it: the variables it sets, quotes taken off."""
    assignments = (line.split("=", 1) for line in SAMPLE.read_text().splitlines() if re.match(r"[A-Z_]+=", line))
    env = {name: value.strip('"') for name, value in assignments}

    settings = settings_from_env(env)

    assert settings.uses_app and settings.token is None
    assert settings.private_key is not None and settings.private_key.count("\n") == 2


def test_a_private_key_written_on_one_line_with_escaped_breaks_is_read_with_real_ones(
    github_app_key: tuple[int, str],
) -> None:
    app_id, pem = github_app_key
    one_line = pem.strip().replace("\n", "\\n")

    settings = settings_from_env({"GITHUB_APP_ID": str(app_id), "GITHUB_PRIVATE_KEY": one_line})

    assert settings.private_key == pem.strip()
    AppAuth(app_id, settings.private_key).jwt()  # a key the App's signing accepts


# ---------------------------------------------------------------------------
# The organisation's defaults under the repository's file

ORG = """\
people:
  - name: Jörg Rödel
    login: joergroedel
  - name: Peter Fang
    login: peterfang
labels:
  item: todo
  item_color: 1d76db
schedule:
  day: friday
"""


def test_the_repository_overrides_the_organisation_key_by_key() -> None:
    config = parse_repo_config("labels:\n  item: action\nschedule:\n  hour: 7\n", defaults=ORG)

    assert config.labels == Labels(item="action", item_color="1d76db")
    assert (config.schedule.day, config.schedule.hour) == ("friday", 7)


def test_people_are_merged_by_login_and_the_repositorys_entry_wins() -> None:
    own = "people:\n  - name: Joerg\n    login: JoergRoedel\n  - name: Jon Lange\n    login: jlange\n"

    config = parse_repo_config(own, defaults=ORG)

    assert [(p.name, p.login) for p in config.people] == [
        ("Peter Fang", "peterfang"),
        ("Joerg", "JoergRoedel"),
        ("Jon Lange", "jlange"),
    ]


def test_a_repository_entry_without_a_login_replaces_the_same_name() -> None:
    config = parse_repo_config("people:\n  - name: peter fang\n", defaults=ORG)

    assert [(p.name, p.login) for p in config.people] == [
        ("Jörg Rödel", "joergroedel"),
        ("peter fang", None),
    ]


def test_without_a_repository_file_the_organisations_defaults_apply() -> None:
    assert parse_repo_config(None, defaults=ORG).labels.item == "todo"


def test_problems_name_the_file_they_are_in() -> None:
    with pytest.raises(ConfigError) as in_defaults:
        parse_repo_config("", defaults="shedule: {}\n", defaults_source="acme/.github: x.yml")
    with pytest.raises(ConfigError) as in_repo:
        parse_repo_config("shedule: {}\n", defaults=ORG)

    assert (in_defaults.value.source, in_defaults.value.in_repository) == ("acme/.github: x.yml", False)
    assert (in_repo.value.source, in_repo.value.in_repository) == (".github/minutes-bot.yml", True)
    assert "did you mean `schedule`?" in str(in_defaults.value)
