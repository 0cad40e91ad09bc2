"""The service commands as a maintainer runs them from a shell, against the simulated GitHub.

Each test starts `minutes-bot` as its own process with only the environment it names.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e_support import (
    MEETING,
    REPO,
    SVSM,
    app_env,
    create_svsm_repo,
    expected_items,
    item_issues,
    minutes_bot,
)
from tests.github_sim import GitHubSim
from tests.redis_server import free_port

HIDDEN = "coconut-svsm/private-notes"
LIMITED_TOKEN = "ghp_simulated_token_limited_0002"


@pytest.fixture
def repo(github_sim: GitHubSim) -> str:
    create_svsm_repo(github_sim)
    github_sim.add_repo(HIDDEN, installation_id=None)  # the App is not installed there
    github_sim.add_token(LIMITED_TOKEN, [REPO])  # a token that cannot see it either
    return REPO


@pytest.mark.parametrize("installation", [[], ["--installation", "1"]], ids=["looked up", "given"])
async def test_status_and_sync_find_the_apps_installation_unless_told(
    github_sim: GitHubSim,
    github_app_key: tuple[int, str],
    repo: str,
    tmp_path: Path,
    installation: list[str],
) -> None:
    github_sim.set_webhook(None)
    await github_sim.push(REPO, {MEETING: SVSM}, author="joergroedel")
    env = app_env(github_sim, github_app_key, tmp_path)

    synced = await minutes_bot(env, "sync", REPO, *installation)
    status = await minutes_bot(env, "status", REPO, "--dry-run", *installation)

    assert synced.status == 0, synced.stderr
    assert synced.said == [f"[1/1] {MEETING}", f"{REPO}: 1 minutes files reconciled"]
    assert len(item_issues(github_sim)) == len(expected_items(SVSM))
    assert status.status == 0, status.stderr
    assert status.said[-1].startswith(f"{REPO}: ")
    lookups = github_sim.calls_matching("GET", "/repos/{o}/{r}/installation")
    assert len(lookups) == (0 if installation else 2)


def action_env(tmp_path: Path, repository: str = REPO) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"schedule": "17 6 * * *"}))
    return {
        "GITHUB_EVENT_NAME": "schedule",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": repository,
    }


COMMANDS = {"status": ["status", REPO], "sync": ["sync", REPO], "action": ["action"]}


@pytest.mark.parametrize("command", [*COMMANDS, "serve"])
async def test_without_credentials_every_service_command_says_so_in_one_line(
    github_sim: GitHubSim, repo: str, tmp_path: Path, command: str
) -> None:
    env = {key: value for key, value in app_env(github_sim, (1, ""), tmp_path).items()
           if not key.startswith("GITHUB_APP") and key != "GITHUB_PRIVATE_KEY_FILE"}
    env |= action_env(tmp_path) | {"GITHUB_WEBHOOK_SECRET": "a webhook secret"}

    finished = await minutes_bot(env, *COMMANDS.get(command, [command]))

    assert (finished.status, finished.stdout) == (2, "")
    assert finished.stderr.splitlines() == [
        "minutes-bot: cannot start: set GITHUB_APP_ID and GITHUB_PRIVATE_KEY, or GITHUB_TOKEN"
    ]


@pytest.mark.parametrize("command", COMMANDS)
async def test_an_unreachable_api_is_one_line(
    github_sim: GitHubSim, github_token: str, repo: str, tmp_path: Path, command: str
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    env = app_env(github_sim, (1, ""), tmp_path) | action_env(tmp_path)
    env |= {"GITHUB_API_URL": url, "GITHUB_TOKEN": github_token}
    for app_only in ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY_FILE"):
        del env[app_only]

    finished = await minutes_bot(env, *COMMANDS[command])

    assert (finished.status, finished.stdout) == (2, "")
    assert finished.said == [
        f"minutes-bot: cannot reach the GitHub API at {url} (ClientConnectorError)"
    ]
    assert "Traceback" not in finished.stderr


@pytest.mark.parametrize(
    ("command", "credentials", "problem"),
    [
        ("status", "app", "the GitHub App is not installed on it, or it does not exist"),
        ("sync", "app", "the GitHub App is not installed on it, or it does not exist"),
        ("status", "token", "no such repository, or these credentials cannot see it"),
        ("sync", "token", "no such repository, or these credentials cannot see it"),
        ("action", "token", "no such repository, or these credentials cannot see it"),
    ],
)
async def test_a_repository_the_credentials_cannot_see_is_one_line(
    github_sim: GitHubSim,
    github_app_key: tuple[int, str],
    repo: str,
    tmp_path: Path,
    command: str,
    credentials: str,
    problem: str,
) -> None:
    env = app_env(github_sim, github_app_key, tmp_path) | action_env(tmp_path, HIDDEN)
    if credentials == "token":
        del env["GITHUB_APP_ID"], env["GITHUB_PRIVATE_KEY_FILE"]
        env["GITHUB_TOKEN"] = LIMITED_TOKEN
    argv = [HIDDEN if word == REPO else word for word in COMMANDS[command]]

    finished = await minutes_bot(env, *argv)

    assert (finished.status, finished.stdout) == (2, "")
    assert finished.said == [f"minutes-bot: {HIDDEN}: {problem}"]
    assert "Traceback" not in finished.stderr
    assert github_sim.writes() == []


async def test_action_outside_github_actions_says_what_is_missing(
    github_sim: GitHubSim, github_token: str, repo: str, tmp_path: Path
) -> None:
    env = {"PATH": app_env(github_sim, (1, ""), tmp_path)["PATH"], "GITHUB_TOKEN": github_token}

    finished = await minutes_bot(env, "action")

    assert finished.status == 2
    assert finished.said == [
        "minutes-bot: not a GitHub Actions run:"
        " GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY not set"
    ]
