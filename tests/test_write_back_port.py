"""Proposing links (`bot.handlers.write_back`) through the real GitHub port and the simulator:
what the bot does with a pull request people closed or merged, a run cut short, a dropped
connection, and minutes that need no links. Every call is checked against GitHub's description."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest
from gidgethub import GitHubBroken

from bot.github.auth import TokenAuth
from bot.github.port import GitHubPort
from bot.handlers.write_back import LinkedFile, propose_links
from bot.minutes.model import ActionItem
from bot.tracker.write_back import branch_for
from tests.github_sim import GitHubSim

PATH = "meetings/2025-01-08.md"
MINUTES = "# Call\n\n- Peter will resubmit the changes.\n- Jon will review the rework.\n"
PETER = ActionItem(
    3, ("Peter",), (), "Resubmit the changes", source="Peter will resubmit the changes."
)
JON = ActionItem(4, ("Jon",), (), "Review the rework", source="Jon will review the rework.")
BRANCH = branch_for(PATH)


@pytest.fixture
async def port(
    github_sim: GitHubSim, github_repo: str, github_token: str, unslept_ports: None
) -> AsyncIterator[GitHubPort]:
    async with aiohttp.ClientSession() as session:
        yield GitHubPort(session, TokenAuth(github_token), base_url=github_sim.url)


async def pushed(sim: GitHubSim, repo: str, text: str = MINUTES) -> str:
    await sim.push(repo, {PATH: text}, author="acme")
    return sim.commit(repo).sha


async def propose(port: GitHubPort, repo: str, sha: str, **numbers: int) -> None:
    items = {"peter": PETER, "jon": JON}
    await propose_links(
        port, repo, "main", sha, [LinkedFile(PATH, {items[k]: n for k, n in numbers.items()})]
    )


def proposal_calls(sim: GitHubSim) -> list[str]:
    return [f"{c.method} {c.path}" for c in sim.writes()]


async def test_minutes_that_name_every_issue_already_cost_two_reads(
    github_sim: GitHubSim, github_repo: str, port: GitHubPort
) -> None:
    sha = await pushed(github_sim, github_repo, MINUTES.replace("changes.", "changes. (#12)"))
    github_sim.reset_calls()

    await propose(port, github_repo, sha, peter=12)
    await propose_links(port, github_repo, "main", sha, [LinkedFile(PATH, {})])  # no items

    assert [(c.method, c.path) for c in github_sim.calls] == [
        ("GET", f"/repos/{github_repo}/contents/{PATH}"),
        ("GET", f"/repos/{github_repo}/pulls"),  # is a pull request left to withdraw?
        ("GET", f"/repos/{github_repo}/pulls"),
    ]


async def test_a_pull_request_left_with_nothing_to_add_is_closed_and_a_later_one_opened(
    github_sim: GitHubSim, github_repo: str, port: GitHubPort
) -> None:
    sha = await pushed(github_sim, github_repo)
    await propose(port, github_repo, sha, peter=12)
    [first] = github_sim.pulls(github_repo)
    # A person links the item by hand on the default branch: the proposal is moot.
    sha = await pushed(github_sim, github_repo, MINUTES.replace("changes.", "changes. (#12)"))

    await propose(port, github_repo, sha, peter=12)

    assert (first.state, first.pull.merged) == ("closed", False)
    assert "names every action item's issue already" in (first.body or "")
    # Not a "no": the next item to link gets a pull request again.
    sha = await pushed(github_sim, github_repo, MINUTES.replace("changes.", "changes. (#12)"))
    await propose(port, github_repo, sha, peter=12, jon=13)
    assert [p.state for p in github_sim.pulls(github_repo)] == ["closed", "open"]


async def test_a_run_cut_short_after_the_commit_opens_the_pull_request_without_a_second_commit(
    github_sim: GitHubSim, github_repo: str, port: GitHubPort
) -> None:
    sha = await pushed(github_sim, github_repo)
    github_sim.faults.fail("POST", "/repos/{o}/{r}/pulls", status=500, times=None)
    with pytest.raises(GitHubBroken):  # GitHub's 500s, after the port's tries
        await propose(port, github_repo, sha, peter=12, jon=13)
    github_sim.faults.clear()
    head = github_sim.commit(github_repo, BRANCH).sha
    github_sim.reset_calls()

    await propose(port, github_repo, sha, peter=12, jon=13)

    assert proposal_calls(github_sim) == [f"POST /repos/{github_repo}/pulls"]
    [pull] = github_sim.pulls(github_repo)
    assert (pull.pull.head, pull.pull.head_sha) == (BRANCH, head)


async def test_a_dropped_pull_request_request_is_found_again_not_opened_twice(
    github_sim: GitHubSim, github_repo: str, port: GitHubPort, caplog: pytest.LogCaptureFixture
) -> None:
    sha = await pushed(github_sim, github_repo)
    github_sim.faults.drop("POST", "/repos/{o}/{r}/pulls")  # opened or not: the bot cannot tell
    with caplog.at_level(logging.WARNING):
        await propose(port, github_repo, sha, peter=12)
    assert "may not have happened" in caplog.text

    await propose(port, github_repo, sha, peter=12)

    assert len(github_sim.pulls(github_repo)) == 1


async def test_a_pull_request_closed_unmerged_is_not_proposed_again_until_reopened(
    github_sim: GitHubSim, github_repo: str, port: GitHubPort
) -> None:
    sha = await pushed(github_sim, github_repo)
    await propose(port, github_repo, sha, peter=12)
    [pull] = github_sim.pulls(github_repo)
    await github_sim.close_pull(github_repo, pull.number, by="acme")
    sha = await pushed(github_sim, github_repo, MINUTES + "- Adam will test it.\n")
    github_sim.reset_calls()

    await propose(port, github_repo, sha, peter=12, jon=13)

    assert proposal_calls(github_sim) == []
    assert len(github_sim.pulls(github_repo)) == 1

    github_sim.issue(github_repo, pull.number).state = "open"  # a person reopened it
    await propose(port, github_repo, sha, peter=12, jon=13)
    assert "(#13)" in github_sim.commit(github_repo, BRANCH).tree[PATH]
    assert len(github_sim.pulls(github_repo)) == 1


async def test_after_a_merge_new_links_get_a_new_pull_request(
    github_sim: GitHubSim, github_repo: str, port: GitHubPort
) -> None:
    sha = await pushed(github_sim, github_repo)
    await propose(port, github_repo, sha, peter=12)
    [first] = github_sim.pulls(github_repo)
    await github_sim.merge_pull(github_repo, first.number, by="acme")
    merged = github_sim.commit(github_repo)
    assert "changes. (#12)" in merged.tree[PATH]

    await propose(port, github_repo, merged.sha, peter=12, jon=13)

    second = [p for p in github_sim.pulls(github_repo) if p.number != first.number]
    assert [p.state for p in second] == ["open"]
    proposed = github_sim.commit(github_repo, BRANCH).tree[PATH]
    assert proposed == merged.tree[PATH].replace("rework.\n", "rework. (#13)\n")
    assert github_sim.commit(github_repo, BRANCH).parents == [merged.sha]


async def test_what_each_proposal_costs_in_calls(
    github_sim: GitHubSim, github_repo: str, port: GitHubPort
) -> None:
    repo, contents = github_repo, f"/repos/{github_repo}/contents/{PATH}"
    ref, pulls = f"/repos/{github_repo}/git/ref/heads/{BRANCH}", f"/repos/{github_repo}/pulls"

    def calls() -> list[str]:
        made = [f"{c.method} {c.path}" for c in github_sim.calls]
        github_sim.reset_calls()
        return made

    sha = await pushed(github_sim, repo)
    github_sim.reset_calls()
    await propose(port, repo, sha, peter=12)
    assert calls() == [
        f"GET {contents}",  # the minutes at the commit
        f"GET {pulls}",  # the branch's pull requests
        f"GET {contents}",  # the minutes on the branch: none yet
        f"GET {ref}",
        f"POST /repos/{repo}/git/refs",
        f"PUT {contents}",
        f"POST {pulls}",
    ]
    await propose(port, repo, sha, peter=12)  # a re-run: three reads
    assert calls() == [f"GET {contents}", f"GET {pulls}", f"GET {contents}"]
    sha = await pushed(github_sim, repo, MINUTES + "- Adam will test it.\n")
    github_sim.reset_calls()
    await propose(port, repo, sha, peter=12, jon=13)  # an item more: the same pull request
    assert calls() == [
        f"GET {contents}",
        f"GET {pulls}",
        f"GET {contents}",
        f"GET {ref}",
        f"PATCH /repos/{repo}/git/refs/heads/{BRANCH}",
        f"PUT {contents}",
        f"PATCH {pulls}/{github_sim.pulls(repo)[0].number}",
    ]
