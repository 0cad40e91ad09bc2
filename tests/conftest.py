"""Shared fixtures: a started GitHub simulator that checks all traffic against GitHub's spec."""

from __future__ import annotations

import functools
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

# `tests.github_sim` must import the same way under `pytest` as under `python -m pytest`.
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests.github_sim import GitHubSim, generate_app_key  # noqa: E402

SIM_TOKEN = "ghp_simulated_token_0001"
SIM_REPO = "acme/minutes"


@pytest.fixture(autouse=True)
def graphql_hosts_forgotten() -> None:
    """Forget which GraphQL hosts could not open an issue under a parent or read ahead: a
    later test's simulator may listen on a port an earlier one played an older GHES on."""
    github = sys.modules.get("bot.github.port")
    if github is not None:
        github._NO_PARENT_ON_CREATE.clear()
        github._NO_READ_AHEAD.clear()


@pytest.fixture
async def github_sim() -> AsyncIterator[GitHubSim]:
    """Serve an empty simulated GitHub that validates every request, response and webhook.

    The test fails at teardown if any traffic broke GitHub's OpenAPI description;
    call `github_sim.violations.clear()` after deliberately sending a bad request.
    """
    sim = GitHubSim(validate=True)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.close()
    sim.assert_valid()


@pytest.fixture
def github_token(github_sim: GitHubSim) -> str:
    """Register and return a token that reaches every repository of the simulator."""
    github_sim.add_token(SIM_TOKEN)
    return SIM_TOKEN


@pytest.fixture
def github_repo(github_sim: GitHubSim, github_token: str) -> str:
    """Create `acme/minutes` (owner `acme`, installation 1) and return its full name."""
    github_sim.add_repo(SIM_REPO)
    return SIM_REPO


@functools.cache
def shared_app_key() -> tuple[str, str]:
    """Return one RSA key pair for the whole run; generating one per test is slow."""
    return generate_app_key()


@pytest.fixture
def github_app_key(github_sim: GitHubSim) -> tuple[int, str]:
    """Register GitHub App 1 (slug `minutes-bot`) and return (app id, private key PEM)."""
    private, public = shared_app_key()
    github_sim.register_app(1, public)
    return 1, private


@pytest.fixture
def svsm_repo(github_sim: GitHubSim) -> str:
    """Create the repository of the users' SVSM example, with its people and two PRs."""
    from tests.e2e_support import create_svsm_repo

    return create_svsm_repo(github_sim)


@pytest.fixture
async def svsm_bot(
    github_sim: GitHubSim, github_app_key: tuple[int, str], svsm_repo: str, tmp_path: Path
) -> AsyncIterator[object]:
    """Serve the bot on 127.0.0.1 for the SVSM repository, the simulator's webhooks aimed at it."""
    from tests.e2e_support import start_bot

    async for running in start_bot(github_sim, github_app_key, tmp_path / "journal.sqlite3"):
        yield running


@pytest.fixture
def unslept_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    """Have every GitHub port skip its sleeps: backoff, pacing, and the wait for a write
    that may have happened to show (which, for a write that never happened, is long)."""
    from bot.github.port import GitHubPort

    build = GitHubPort.__init__

    async def no_wait(seconds: float) -> None:
        pass

    def build_without_waits(port: Any, *args: Any, **options: Any) -> None:
        build(port, *args, **(options | {"sleep": no_wait}))

    monkeypatch.setattr(GitHubPort, "__init__", build_without_waits)
