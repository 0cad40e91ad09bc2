"""Read a repository's `.github/minutes-bot.yml`, laid over its organisation's defaults.

The defaults are the same file in the owner's `.github` repository, on its default
branch, as Probot apps read theirs. A `.github` repository the bot cannot see counts as
having no defaults; a run whose token reads only its own repository (the workflow's
`GITHUB_TOKEN`) says so, since it cannot tell a private `.github` from none.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from bot.config.schema import parse_repo_config
from bot.config.types import DEFAULTS_REPOSITORY, REPO_CONFIG_PATH, RepoConfig
from bot.github.port import GitHubPort

log = logging.getLogger(__name__)

DEFAULTS_NOT_READ = (
    "minutes-bot could not read organisation defaults from `{source}`: there are none, or "
    "`{holder}` is private and this run's token (the workflow's `GITHUB_TOKEN`) cannot read "
    "it. To use them, give the action a token that can read `{holder}`, or copy them into "
    "this repository's `.github/minutes-bot.yml`."
)


def defaults_repository(repo: str) -> str | None:
    """Name the repository holding the defaults of `repo`; None for that repository itself."""
    owner, _, name = repo.partition("/")
    return None if name.lower() == DEFAULTS_REPOSITORY else f"{owner}/{DEFAULTS_REPOSITORY}"


def defaults_source(repo: str) -> str:
    """Name the defaults file of `repo` as problems in it are reported."""
    return f"{defaults_repository(repo)}: {REPO_CONFIG_PATH}"


async def read_defaults(port: GitHubPort, repo: str) -> str | None:
    """Return the text of the organisation's defaults for `repo`, None when there are none."""
    holder = defaults_repository(repo)
    return None if holder is None else await port.get_file(holder, REPO_CONFIG_PATH)


async def load_repo_config(port: GitHubPort, repo: str, ref: str | None) -> RepoConfig:
    """Read and validate the config of `repo` at `ref` (None: its default branch).

    Raises `ConfigError` naming the file at fault when either file cannot be used.
    """
    own, defaults = await asyncio.gather(
        port.get_file(repo, REPO_CONFIG_PATH, ref=ref), read_defaults(port, repo)
    )
    config = parse_repo_config(own, defaults=defaults, defaults_source=defaults_source(repo))
    holder = defaults_repository(repo)
    if defaults is None and holder is not None and port.reads_only_its_repository:
        return replace(config, defaults_unread=holder)
    return config


def defaults_not_read(config: RepoConfig, repo: str) -> str | None:
    """Say that organisation defaults may exist that this run could not read; None if not."""
    if config.defaults_unread is None:
        return None
    return DEFAULTS_NOT_READ.format(source=defaults_source(repo), holder=config.defaults_unread)
