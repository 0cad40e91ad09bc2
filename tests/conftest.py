"""Shared fixtures: a started GitHub simulator that checks all traffic against GitHub's spec."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

try:
    from tests.github_sim import GitHubSim
except ModuleNotFoundError:  # run as `pytest` without the repository root on sys.path
    from github_sim import GitHubSim  # type: ignore[no-redef]

SIM_TOKEN = "ghp_simulated_token_0001"
SIM_REPO = "acme/minutes"


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


@pytest.fixture
def github_app_key(github_sim: GitHubSim) -> tuple[int, str]:
    """Register GitHub App 1 with a fresh RSA key and return (app id, private key PEM)."""
    return 1, github_sim.add_app(1)
