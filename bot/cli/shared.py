"""What the service commands share: their settings, a port for one repository, and errors.

`serve`, `status`, `sync` and `action` answer the problems a person can fix (settings
that cannot be used, no credentials, GitHub out of reach, a repository the credentials
cannot see) with one line on stderr and exit status 2, never with a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Iterator, Mapping
from http import HTTPStatus
from typing import NoReturn, TypeVar

import aiohttp
from gidgethub import BadRequest, GitHubBroken

from bot.config.settings import ServiceSettings, SettingsError, settings_from_env
from bot.config.types import ConfigError
from bot.github.auth import AppAuth, Auth
from bot.github.pacing import WritePacer
from bot.github.port import GitHubPort
from bot.service.app import auth_from_settings, make_port
from bot.service.logs import configure_logging

# The exit status for a problem a person can fix, as for a command-line usage error.
CANNOT_RUN = 2
# Tries of the first call: a person at a shell hears soon that GitHub is out of reach.
FIRST_CALL_TRIES = 2
NOT_INSTALLED = "{repo}: the GitHub App is not installed on it, or it does not exist"
NOT_VISIBLE = "{repo}: no such repository, or these credentials cannot see it"

T = TypeVar("T")


class CannotRun(Exception):
    """A problem with the settings or with GitHub that a person can fix; one line."""


def progress(line: str) -> None:
    """Say how a long command is getting on, on standard error, where it is seen at once."""
    print(line, file=sys.stderr, flush=True)


def fail(problem: str) -> NoReturn:
    """Print `minutes-bot: <problem>` on stderr and exit with status 2."""
    print(f"minutes-bot: {problem}", file=sys.stderr)
    raise SystemExit(CANNOT_RUN)


def cannot_start(*problems: str) -> NoReturn:
    """Say why the service cannot start, one problem a line, and exit with status 2."""
    separator = " " if len(problems) == 1 else "\n"
    fail("cannot start:" + separator + "\n".join(problems))


def checked_settings(env: Mapping[str, str]) -> ServiceSettings:
    """Read the settings, exiting with every problem when they cannot be used."""
    try:
        return settings_from_env(env)
    except SettingsError as error:
        cannot_start(*error.problems)


def logged_settings(env: Mapping[str, str]) -> ServiceSettings:
    """Read the settings and send logs as JSON lines, masking the settings' secrets."""
    settings = checked_settings(env)
    configure_logging(settings.log_level, secrets=secrets_of(settings))
    return settings


def secrets_of(settings: ServiceSettings) -> tuple[str | None, ...]:
    """Return the values that must never appear in a log line."""
    return settings.webhook_secret, settings.token, settings.private_key


def credentials(settings: ServiceSettings) -> Auth:
    """Return how to authenticate; without any credentials, say so and exit."""
    try:
        return auth_from_settings(settings)
    except ValueError as error:
        cannot_start(str(error))


@contextlib.contextmanager
def one_line_errors(settings: ServiceSettings) -> Iterator[None]:
    """Turn the problems a person can fix into one line on stderr and exit status 2."""
    try:
        yield
    except CannotRun as problem:
        fail(str(problem))
    except ConfigError as error:
        fail(f"{error.source} cannot be used:\n{error}")
    # asyncio.TimeoutError: on Python 3.10 it is not yet the built-in TimeoutError.
    except (aiohttp.ClientConnectionError, asyncio.TimeoutError) as error:
        fail(f"cannot reach the GitHub API at {settings.api_url} ({type(error).__name__})")
    except GitHubBroken as error:
        fail(f"the GitHub API at {settings.api_url} is failing ({error.status_code} {error})")
    except BadRequest as error:
        if error.status_code != HTTPStatus.UNAUTHORIZED:
            raise
        fail(f"GitHub refused the credentials at {settings.api_url} ({error})")


async def repository_port(
    session: aiohttp.ClientSession,
    settings: ServiceSettings,
    repo: str,
    installation: int | None = None,
    *,
    kind: type[GitHubPort] = GitHubPort,
    pacer: WritePacer | None = None,
) -> GitHubPort:
    """Return a port acting on `repo`: as the App's installation there, or with the token.

    The installation is looked up unless given; a repository the credentials cannot
    see raises `CannotRun`. `kind` names a subclass of the port to return; `pacer`, the
    pace its writes keep (by default this process's own).
    """
    auth = credentials(settings)
    if isinstance(auth, AppAuth) and installation is None:
        app = make_port(session, auth, settings, None, tries=FIRST_CALL_TRIES)
        installation = await _found(app.find_installation(repo), NOT_INSTALLED.format(repo=repo))
    probe = make_port(session, auth, settings, installation, tries=FIRST_CALL_TRIES)
    await _found(probe.get_repo(repo), NOT_VISIBLE.format(repo=repo))
    return make_port(session, auth, settings, installation, kind=kind, pacer=pacer)


async def _found(call: Awaitable[T], missing: str) -> T:
    """Await `call`; GitHub's 404 becomes `CannotRun(missing)`."""
    try:
        return await call
    except BadRequest as error:
        if error.status_code == HTTPStatus.NOT_FOUND:
            raise CannotRun(missing) from None
        raise
