"""The service's own settings: environment variables, optionally a `config/bot.yml`
overlay, checked once at start-up; nothing else reads the environment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

from bot.config.schema import did_you_mean

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
                f"config/bot.yml: unknown setting `{key}`" + did_you_mean(str(key), _FILE_KEYS)
            )
        elif value is not None:
            raw[by_key[key]] = str(value)
    return raw
