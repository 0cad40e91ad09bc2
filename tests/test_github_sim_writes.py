"""The simulator writes like GitHub: branch refs, files through the contents API, pull requests.

Validation is on (the `github_sim` fixture): every answer here is also checked against
GitHub's OpenAPI description, and the test fails at teardown if one breaks it.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import aiohttp
import pytest
from gidgethub.aiohttp import GitHubAPI

from tests.github_sim import GitHubSim
from tests.github_sim.state import blob_sha
from tests.test_github_sim import MINUTES, call

BRANCH = "minutes-bot/links/meetings-2024-12-18"


@pytest.fixture
async def gh(github_sim: GitHubSim, github_token: str) -> AsyncIterator[GitHubAPI]:
    async with aiohttp.ClientSession() as session:
        yield GitHubAPI(session, "sim-tests", oauth_token=github_token, base_url=github_sim.url)


TEXT = "# Minutes\r\nAlice will ship it.\r\n"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def refused(sim: GitHubSim, method: str, path: str, body: object) -> tuple[int, str]:
    """Send a request GitHub refuses; its error body need not be described, so its
    violations, and only its, are set aside."""
    before = len(sim.violations)
    status, answer, _ = await call(sim, method, path, body)
    del sim.violations[before:]
    return status, answer["message"]


async def seeded(sim: GitHubSim, repo: str) -> str:
    await sim.push(repo, {MINUTES: TEXT}, author="alice")
    return sim.commit(repo).sha


async def test_a_branch_is_created_read_and_moved_through_the_refs_api(
    github_sim: GitHubSim,
    github_repo: str,
) -> None:
    repo = github_repo
    sha = await seeded(github_sim, repo)
    assert (await call(github_sim, "GET", f"/repos/{repo}/git/ref/heads/{BRANCH}"))[0] == 404

    status, created, headers = await call(
        github_sim, "POST", f"/repos/{repo}/git/refs", {"ref": f"refs/heads/{BRANCH}", "sha": sha}
    )
    assert status == 201 and created["ref"] == f"refs/heads/{BRANCH}"
    assert created["object"] == {"type": "commit", "sha": sha, "url": created["object"]["url"]}
    assert headers["Location"] == created["url"]
    assert await refused(
        github_sim, "POST", f"/repos/{repo}/git/refs", {"ref": f"refs/heads/{BRANCH}", "sha": sha}
    ) == (422, "Reference already exists")

    encoded = BRANCH.replace("/", "%2F")
    status, read, _ = await call(github_sim, "GET", f"/repos/{repo}/git/ref/heads%2F{encoded}")
    assert (status, read["object"]["sha"]) == (200, sha)

    older = (
        await github_sim.push(repo, {"README.md": "x\n"}, author="alice", branch="side")
    ).payload["before"]
    status, moved, _ = await call(
        github_sim,
        "PATCH",
        f"/repos/{repo}/git/refs/heads/{BRANCH}",
        {"sha": github_sim.commit(repo, "side").sha},
    )
    assert (status, moved["object"]["sha"]) == (200, github_sim.commit(repo, "side").sha)
    assert await refused(
        github_sim,
        "PATCH",
        f"/repos/{repo}/git/refs/heads/{BRANCH}",
        {"sha": sha if older == "0" * 40 else older},
    ) == (422, "Update is not a fast forward")
    status, forced, _ = await call(
        github_sim, "PATCH", f"/repos/{repo}/git/refs/heads/{BRANCH}", {"sha": sha, "force": True}
    )
    assert (status, forced["object"]["sha"]) == (200, sha)
    assert await refused(
        github_sim, "PATCH", f"/repos/{repo}/git/refs/heads/nowhere", {"sha": sha}
    ) == (422, "Reference does not exist")


async def test_a_file_is_committed_to_a_branch_with_the_sha_it_replaces(
    github_sim: GitHubSim,
    github_repo: str,
    gh: GitHubAPI,
) -> None:
    repo = github_repo
    sha = await seeded(github_sim, repo)
    await call(
        github_sim, "POST", f"/repos/{repo}/git/refs", {"ref": f"refs/heads/{BRANCH}", "sha": sha}
    )
    linked = TEXT.replace("ship it.", "ship it. (#2)")
    url = f"/repos/{repo}/contents/{MINUTES.replace('/', '%2F')}"

    assert await refused(
        github_sim,
        "PUT",
        url,
        {"message": "Link", "content": b64(linked), "sha": "0" * 40, "branch": BRANCH},
    ) == (409, f"{MINUTES} does not match {'0' * 40}")
    status, message = await refused(
        github_sim, "PUT", url, {"message": "Link", "content": b64(linked), "branch": BRANCH}
    )
    assert status == 422 and '"sha" wasn\'t supplied' in message

    answer = await gh.put(
        f"/repos/{repo}/contents/{MINUTES}",
        data={
            "message": "Link the items",
            "content": b64(linked),
            "sha": blob_sha(TEXT),
            "branch": BRANCH,
        },
    )
    assert answer["content"]["sha"] == blob_sha(linked)
    assert answer["commit"]["parents"][0]["sha"] == sha
    assert github_sim.commit(repo, BRANCH).tree[MINUTES] == linked  # byte for byte, \r\n kept
    assert github_sim.commit(repo).tree[MINUTES] == TEXT  # the default branch is untouched
    assert github_sim.commit(repo, BRANCH).message == "Link the items"


async def test_a_pull_request_is_opened_once_per_branch_found_by_head_and_edited(
    github_sim: GitHubSim,
    github_repo: str,
    gh: GitHubAPI,
) -> None:
    repo = github_repo
    sha = await seeded(github_sim, repo)
    await call(
        github_sim, "POST", f"/repos/{repo}/git/refs", {"ref": f"refs/heads/{BRANCH}", "sha": sha}
    )
    pull = {"title": "Link the items", "head": BRANCH, "base": "main", "body": "Adds links."}
    assert (await refused(github_sim, "POST", f"/repos/{repo}/pulls", pull))[0] == 422  # no commits
    await gh.put(
        f"/repos/{repo}/contents/{MINUTES}",
        data={
            "message": "Link",
            "content": b64(TEXT + "x\n"),
            "sha": blob_sha(TEXT),
            "branch": BRANCH,
        },
    )

    opened = await gh.post(f"/repos/{repo}/pulls", data=pull)
    assert (opened["head"]["ref"], opened["base"]["ref"], opened["state"]) == (
        BRANCH,
        "main",
        "open",
    )
    assert (await refused(github_sim, "POST", f"/repos/{repo}/pulls", pull))[
        0
    ] == 422  # one per branch
    found = [p async for p in gh.getiter(f"/repos/{repo}/pulls?head=acme:{BRANCH}&state=all")]
    assert [p["number"] for p in found] == [opened["number"]]
    assert [p async for p in gh.getiter(f"/repos/{repo}/pulls?head=acme:other&state=all")] == []

    edited = await gh.patch(
        f"/repos/{repo}/pulls/{opened['number']}", data={"body": "Adds two links."}
    )
    assert edited["body"] == "Adds two links."
    # A commit to the branch moves the pull request's head, as on GitHub.
    moved = await gh.put(
        f"/repos/{repo}/contents/{MINUTES}",
        data={
            "message": "More",
            "content": b64(TEXT + "y\n"),
            "sha": blob_sha(TEXT + "x\n"),
            "branch": BRANCH,
        },
    )
    assert github_sim.issue(repo, opened["number"]).pull.head_sha == moved["commit"]["sha"]
