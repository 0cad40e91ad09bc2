"""Read a repository's `.github/minutes-bot.yml`, laid over its organisation's defaults.

The defaults are the same file in the owner's `.github` repository, on its default
branch, as Probot apps read theirs. A `.github` repository the bot cannot see counts as
having no defaults.
"""

from __future__ import annotations

import asyncio

from bot.config import DEFAULTS_REPOSITORY, REPO_CONFIG_PATH, RepoConfig, parse_repo_config
from bot.github import GitHubPort


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
    return parse_repo_config(own, defaults=defaults, defaults_source=defaults_source(repo))
