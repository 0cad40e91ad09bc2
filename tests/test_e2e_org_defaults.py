"""Organisation defaults, end to end: the owner's `.github` repository holds the base
`.github/minutes-bot.yml`, and each repository's own file overrides it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e_support import CONFIG, MEETING, PEOPLE, REPO, SVSM, Bot, item_issues, push, start_bot
from tests.github_sim import GitHubSim

ORG_DEFAULTS = "coconut-svsm/.github"
PETERS_ITEM = "Check and resubmit any changes removed from the svsm-tdx branch"


def create_repos(sim: GitHubSim, own_config: str, defaults: str = CONFIG) -> None:
    """Create the SVSM repository with `own_config`, and the organisation's defaults."""
    for login, name in PEOPLE.items():
        sim.add_user(login, name)
    sim.add_repo(ORG_DEFAULTS, files={".github/minutes-bot.yml": defaults})
    sim.add_repo(REPO, files={".github/minutes-bot.yml": own_config, "README.md": "# SVSM\n"})
    for login in PEOPLE:
        sim.set_permission(REPO, login, "write")


@pytest.fixture
async def running(
    github_sim: GitHubSim, github_app_key: tuple[int, str], tmp_path: Path
) -> AsyncIterator[Bot]:
    async for bot in start_bot(github_sim, github_app_key, tmp_path / "journal.sqlite3"):
        yield bot


def assignees_of(sim: GitHubSim, title: str) -> list[str]:
    return next(issue.assignees for issue in item_issues(sim) if issue.title == title)


async def test_an_owner_resolves_through_the_organisations_people(
    github_sim: GitHubSim, running: Bot
) -> None:
    # The repository names nobody: every login comes from the organisation's list.
    create_repos(github_sim, own_config="labels:\n  item_color: 1d76db\n")

    await push(github_sim, running, {MEETING: SVSM})

    assert assignees_of(github_sim, PETERS_ITEM) == ["peterfang"]
    label = next(label for label in github_sim.labels(REPO) if label.name == "action-item")
    assert label.color == "1d76db"  # the repository's own setting still applies


async def test_the_repositorys_entry_for_a_person_wins(
    github_sim: GitHubSim, running: Bot
) -> None:
    own = "people:\n  - name: Peter Fang\n    login: pfang-svsm\n"
    create_repos(github_sim, own_config=own)
    github_sim.add_user("pfang-svsm", "Peter Fang")
    github_sim.set_permission(REPO, "pfang-svsm", "write")

    await push(github_sim, running, {MEETING: SVSM})

    assert assignees_of(github_sim, PETERS_ITEM) == ["pfang-svsm"]
    # Everyone else still comes from the organisation.
    assert assignees_of(github_sim, "Assist in convincing the relevant stakeholders") == ["jlange"]


async def test_broken_defaults_stop_the_run_and_say_which_file(
    github_sim: GitHubSim, running: Bot
) -> None:
    create_repos(github_sim, own_config="", defaults="people:\n  - login: peterfang\n")

    await push(github_sim, running, {MEETING: SVSM})

    assert item_issues(github_sim) == []
    [comment] = github_sim.commit_comments(REPO)
    assert "the organisation's defaults in `coconut-svsm/.github: .github/minutes-bot.yml`" in (
        comment.body
    )
    assert "- line 2: every person in `people` needs a `name`" in comment.body
