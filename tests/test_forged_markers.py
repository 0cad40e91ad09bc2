"""Copies of the bot's hidden markers, on issues and comments the bot did not write.

A marker is text anybody can paste. Somebody without access opens an issue whose body
is a copy of a real item's, or comments on a pull request with the bot's comment
marker: the bot must treat all of it as somebody else's, end to end.
"""

from __future__ import annotations

import pytest

from bot.handlers.linked_pulls import COMMENT_MARKER
from bot.tracker.marker import trusted_marker
from tests.e2e_support import MEETING, REPO, Bot, item_issues, push
from tests.github_sim import GitHubSim

MINUTES = """# Team call 2024-12-18

## Action items

- [ ] @peterfang: resubmit the changes removed from the `svsm-tdx` branch
"""
FORGER = "mallory"


@pytest.fixture
def bot(github_sim: GitHubSim, svsm_bot: Bot) -> Bot:
    github_sim.add_user(FORGER, "Mallory")  # no access to the repository
    github_sim.add_user("alice", "Alice")
    github_sim.set_permission(REPO, "alice", "write")
    return svsm_bot


def bot_writes(sim: GitHubSim) -> list[str]:
    return [f"{c.method} {c.path}" for c in sim.writes()]


@pytest.mark.parametrize("labelled", [False, True], ids=["unlabelled", "labelled by a triager"])
async def test_commands_on_an_issue_with_a_copied_marker_are_ignored(
    github_sim: GitHubSim, bot: Bot, labelled: bool
) -> None:
    await push(github_sim, bot, {MEETING: MINUTES})
    (real,) = item_issues(github_sim)
    labels = ["action-item", "meeting/2024-12-18"] if labelled else []
    forged = github_sim.add_issue(REPO, real.title, author=FORGER, body=real.body, labels=labels)
    github_sim.reset_calls()

    for command in ("/assign @alice @joergroedel", "/due 2025-01-31", "/done"):
        delivery = await github_sim.comment(REPO, forged, FORGER, command)
        assert delivery.status == 202
        await bot.settle(github_sim)

    issue = github_sim.issue(REPO, forged)
    assert (issue.state, issue.assignees, issue.body) == ("open", [], real.body)
    assert [c.user for c in github_sim.comments(REPO, forged)] == [FORGER] * 3
    assert github_sim.reactions(REPO, issue=forged) == []
    assert bot_writes(github_sim) == []
    assert github_sim.issue(REPO, real.number).state == "open"


async def test_a_copied_marker_does_not_make_an_issue_the_bots(
    github_sim: GitHubSim, bot: Bot
) -> None:
    """The forged copy comes first and is labelled: the bot still opens and keeps its own."""
    await push(github_sim, bot, {MEETING: MINUTES})
    (real,) = item_issues(github_sim)
    for issue in github_sim.issues(REPO):  # start again from a repository with only the copy
        github_sim.issue(REPO, issue.number).labels = []
    forged = github_sim.add_issue(
        REPO, real.title, author=FORGER, body=real.body, labels=["action-item"]
    )

    await push(github_sim, bot, {MEETING: MINUTES.replace("resubmit", "re-submit")})

    copy = github_sim.issue(REPO, forged)
    assert (copy.state, copy.body, copy.assignees) == ("open", real.body, [])
    assert github_sim.comments(REPO, forged) == []
    opened = [i for i in item_issues(github_sim) if i.user == "minutes-bot[bot]"]
    assert [i.assignees for i in opened] == [["peterfang"]]


async def test_a_copied_pull_request_comment_closes_and_tells_nothing(
    github_sim: GitHubSim, bot: Bot
) -> None:
    target = github_sim.add_issue(REPO, "Review the release notes", author="alice")
    pull = github_sim.add_pull(REPO, title="Release notes", author=FORGER)
    github_sim.add_comment(
        REPO, pull, FORGER, f"Action items:\n\n- #{target} Review the release notes\n\n{COMMENT_MARKER}"
    )
    github_sim.reset_calls()

    delivery = await github_sim.merge_pull(REPO, pull, by="alice")
    assert delivery.status == 202
    await bot.settle(github_sim)

    assert github_sim.issue(REPO, target).state == "open"
    assert github_sim.comments(REPO, target) == []
    assert bot_writes(github_sim) == []


MARKED = (
    '<!-- minutes-bot:body -->\nx\n<!-- minutes-bot {"v": 1, "kind": "item", "file": "m.md",'
    ' "key": "k", "title": "T", "line": 1, "sha": "s"} -->\n<!-- /minutes-bot:body -->'
)


@pytest.mark.parametrize(
    ("author", "labels", "trusted"),
    [
        ("minutes-bot[bot]", ["action-item"], True),
        ("minutes-bot[bot]", [{"name": "action-item"}], True),
        ("minutes-bot[bot]", [], False),
        (FORGER, ["action-item"], False),
        ("minutes-bot", ["action-item"], False),
    ],
)
def test_a_marker_counts_on_the_bots_labelled_issues_only(
    author: str, labels: list[object], trusted: bool
) -> None:
    issue = {"user": {"login": author}, "labels": labels, "body": MARKED}

    marker = trusted_marker(issue, frozenset({"minutes-bot[bot]"}), "action-item", "meeting/")

    assert (marker is not None) == trusted
