"""The GitHub simulator answers like GitHub: repositories, files, issues, comments, auth, limits."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp import web
from gidgethub import BadRequest, apps
from gidgethub.aiohttp import GitHubAPI

from bot.compat import UTC
from tests.github_sim import Delivery, GitHubSim

MINUTES = "meetings/2024-12-18.md"


@pytest.fixture
async def gh(github_sim: GitHubSim, github_token: str) -> AsyncIterator[GitHubAPI]:
    """Return a gidgethub client talking to the simulator with the test token."""
    async with aiohttp.ClientSession() as session:
        yield GitHubAPI(session, "sim-tests", oauth_token=github_token, base_url=github_sim.url)


@pytest.fixture
def repo(github_sim: GitHubSim, github_repo: str) -> str:
    """Give `acme/minutes` one minutes file and two collaborators."""
    github_sim.add_user("alice", name="Alice Liddell")
    github_sim.add_user("bob", name="Bob Builder")
    github_sim.set_permission(github_repo, "alice", "write")
    github_sim.set_permission(github_repo, "bob", "triage")
    return github_repo


async def call(sim: GitHubSim, method: str, path: str, body: Any = None,
               token: str | None = "ghp_simulated_token_0001") -> tuple[int, Any, Any]:
    """Send one raw request; return (status, JSON body or None, headers)."""
    headers = {"Authorization": f"token {token}"} if token else {}
    async with aiohttp.ClientSession() as session, session.request(
            method, sim.url + path, json=body, headers=headers) as answer:
        text = await answer.text()
        return answer.status, json.loads(text) if text else None, answer.headers


# files, commits, compare, trees ---------------------------------------------


async def test_push_serves_file_contents_at_each_commit(github_sim: GitHubSim, repo: str, gh: GitHubAPI) -> None:
    first = await github_sim.push(repo, {MINUTES: "# Minutes\nAlice will ship it.\n"}, author="alice")
    await github_sim.push(repo, {MINUTES: "# Minutes\nAlice will ship it tomorrow.\n"}, author="alice")
    latest = await gh.getitem("/repos/{owner}/{repo}/contents/{path}",
                              {"owner": "acme", "repo": "minutes", "path": MINUTES})
    old = await gh.getitem("/repos/{owner}/{repo}/contents/{path}{?ref}",
                           {"owner": "acme", "repo": "minutes", "path": MINUTES, "ref": first.payload["after"]})
    assert base64.b64decode(latest["content"]).decode().endswith("tomorrow.\n")
    assert base64.b64decode(old["content"]).decode() == "# Minutes\nAlice will ship it.\n"


async def test_push_delivery_lists_added_modified_removed(github_sim: GitHubSim, repo: str) -> None:
    await github_sim.push(repo, {"a.md": "a", "b.md": "b"}, author="alice")
    delivery = await github_sim.push(repo, {"a.md": "A", "b.md": None, "c.md": "c"}, author="alice",
                                     message="Edit minutes")
    commit = delivery.payload["head_commit"]
    assert (commit["added"], commit["modified"], commit["removed"]) == (["c.md"], ["a.md"], ["b.md"])
    assert delivery.payload["ref"] == "refs/heads/main"
    assert delivery.payload["before"] != delivery.payload["after"]
    assert delivery.payload["installation"]["id"] == 1
    assert delivery.status is None  # no webhook target set


async def test_push_of_several_commits_lists_each(github_sim: GitHubSim, repo: str, gh: GitHubAPI) -> None:
    await github_sim.push(repo, {".github/minutes-bot.yml": "{}"}, author="acme")
    delivery = await github_sim.push_commits(repo, [({MINUTES: "v1"}, "Add minutes"), ({"README.md": "r"}, "Docs")],
                                             author="alice")
    commits = delivery.payload["commits"]
    assert [(c["message"], c["added"]) for c in commits] == [("Add minutes", [MINUTES]), ("Docs", ["README.md"])]
    assert delivery.payload["head_commit"]["id"] == commits[-1]["id"] == delivery.payload["after"]
    before, after = delivery.payload["before"], delivery.payload["after"]
    compared = await gh.getitem(f"/repos/{repo}/compare/{before}...{after}")
    assert [f["filename"] for f in compared["files"]] == ["README.md", MINUTES]
    assert compared["total_commits"] == 2


async def test_compare_reports_renames_with_previous_filename(github_sim: GitHubSim, repo: str,
                                                              gh: GitHubAPI) -> None:
    base = await github_sim.push(repo, {"old.md": "same text\n", "keep.md": "1\n"}, author="alice")
    head = await github_sim.push(repo, {"old.md": None, "new.md": "same text\n", "keep.md": "2\n"}, author="bob")
    answer = await gh.getitem(f"/repos/{repo}/compare/{base.payload['after']}...{head.payload['after']}")
    statuses = {f["filename"]: (f["status"], f.get("previous_filename")) for f in answer["files"]}
    assert statuses == {"new.md": ("renamed", "old.md"), "keep.md": ("modified", None)}
    assert (answer["status"], answer["ahead_by"], answer["total_commits"]) == ("ahead", 1, 1)


async def test_commit_lists_its_files(github_sim: GitHubSim, repo: str, gh: GitHubAPI) -> None:
    delivery = await github_sim.push(repo, {MINUTES: "x\n"}, author="alice", message="Add minutes")
    commit = await gh.getitem(f"/repos/{repo}/commits/{delivery.payload['after']}")
    assert [f["filename"] for f in commit["files"]] == [MINUTES]
    assert commit["commit"]["message"] == "Add minutes"
    assert commit["author"]["login"] == "alice"


async def test_recursive_tree_lists_folders_and_files(github_sim: GitHubSim, repo: str, gh: GitHubAPI) -> None:
    await github_sim.push(repo, {MINUTES: "x", "README.md": "r"}, author="alice")
    flat = await gh.getitem(f"/repos/{repo}/git/trees/main")
    deep = await gh.getitem(f"/repos/{repo}/git/trees/main?recursive=1")
    assert [(e["path"], e["type"]) for e in flat["tree"]] == [("README.md", "blob"), ("meetings", "tree")]
    assert [e["path"] for e in deep["tree"]] == ["README.md", "meetings", MINUTES]


async def test_large_file_comes_through_the_blobs_api(github_sim: GitHubSim, repo: str, gh: GitHubAPI) -> None:
    text = "x" * (1024 * 1024 + 1)
    await github_sim.push(repo, {MINUTES: text}, author="alice")
    entry = await gh.getitem(f"/repos/{repo}/contents/{MINUTES}")
    blob = await gh.getitem(f"/repos/{repo}/git/blobs/{entry['sha']}")
    assert (entry["encoding"], entry["content"]) == ("none", "")
    assert base64.b64decode(blob["content"]).decode() == text


async def test_raw_media_type_gives_bare_text(github_sim: GitHubSim, repo: str) -> None:
    await github_sim.push(repo, {MINUTES: "# Minutes\n"}, author="alice")
    async with aiohttp.ClientSession() as session, session.get(
            f"{github_sim.url}/repos/{repo}/contents/{MINUTES}",
            headers={"Authorization": "token ghp_simulated_token_0001",
                     "Accept": "application/vnd.github.raw"}) as answer:
        assert (answer.status, await answer.text()) == (200, "# Minutes\n")


async def test_contents_of_a_folder_lists_its_entries(github_sim: GitHubSim, repo: str, gh: GitHubAPI) -> None:
    await github_sim.push(repo, {MINUTES: "x", "meetings/2025/01-08.md": "y", "README.md": "r"}, author="alice")
    listing = await gh.getitem(f"/repos/{repo}/contents/meetings")
    assert [(e["name"], e["type"]) for e in listing] == [("2024-12-18.md", "file"), ("2025", "dir")]


@pytest.mark.parametrize("path", ["meetings/missing.md", "meeting"])
async def test_missing_file_is_github_404(github_sim: GitHubSim, repo: str, path: str) -> None:
    await github_sim.push(repo, {MINUTES: "x"}, author="alice")
    status, body, _ = await call(github_sim, "GET", f"/repos/{repo}/contents/{path.replace('/', '%2F')}")
    assert status == 404
    assert body == {"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}


# issues, comments, labels, reactions, sub-issues ----------------------------


async def test_issue_create_edit_close_round_trip(github_sim: GitHubSim, repo: str, gh: GitHubAPI) -> None:
    created = await gh.post(f"/repos/{repo}/issues", data={
        "title": "Check svsm-tdx", "body": "From the minutes", "labels": ["action-item"], "assignees": ["alice"]})
    assert (created["number"], created["state"], created["state_reason"]) == (1, "open", None)
    closed = await gh.patch(f"/repos/{repo}/issues/1", data={"state": "closed", "state_reason": "not_planned"})
    issue = github_sim.issue(repo, 1)
    assert (closed["state"], closed["state_reason"], issue.closed_by) == ("closed", "not_planned", "github-actions[bot]")
    assert issue.labels == ["action-item"] and issue.assignees == ["alice"]
    assert created["id"] != created["number"] and created["html_url"].endswith("/acme/minutes/issues/1")


async def test_issue_without_title_is_validation_failed(github_sim: GitHubSim, repo: str) -> None:
    status, body, _ = await call(github_sim, "POST", f"/repos/{repo}/issues", {"body": "no title"})
    assert status == 422
    assert body["message"] == "Validation Failed"
    assert body["errors"] == [{"resource": "Issue", "field": "title", "code": "missing_field"}]
    assert any("title" in v for v in github_sim.violations)
    github_sim.violations.clear()


@pytest.mark.parametrize(("query", "expected"), [
    ("state=open", [3, 1]),
    ("state=closed", [2]),
    ("state=all&direction=asc", [1, 2, 3]),
    ("labels=action-item", [1]),
    ("labels=action-item,meeting", []),
    ("creator=bob&state=all", [2]),
    ("assignee=alice", [1]),
    ("assignee=none", [3]),
])
async def test_list_issues_filters(github_sim: GitHubSim, repo: str, query: str, expected: list[int]) -> None:
    github_sim.add_issue(repo, "one", author="alice", labels=["action-item"], assignees=["alice"])
    github_sim.add_issue(repo, "two", author="bob", state="closed")
    github_sim.add_pull(repo, title="three", author="alice")
    status, body, _ = await call(github_sim, "GET", f"/repos/{repo}/issues?{query}")
    assert status == 200
    assert [i["number"] for i in body] == expected


async def test_list_issues_since_keeps_those_updated_at_or_after_it(github_sim: GitHubSim, repo: str) -> None:
    github_sim.clock = datetime(2025, 1, 6, 9, tzinfo=UTC)
    for title in ("stays", "closed later", "commented later"):
        github_sim.add_issue(repo, title, author="alice")
    github_sim.clock = datetime(2025, 1, 8, 9, tzinfo=UTC)
    await github_sim.close_issue(repo, 2, by="alice")  # closing moves `updated_at`, as on GitHub
    github_sim.add_comment(repo, 3, "bob", "a comment moves it too")

    for query, expected in [
        ("state=all&since=2025-01-08T09:00:00Z", [3, 2]),
        ("state=open&since=2025-01-08T09:00:00Z", [3]),
        ("state=all&since=2025-01-08T09:00:01Z", []),
        ("state=all&since=2025-01-06T09:00:00Z", [3, 2, 1]),
    ]:
        status, body, _ = await call(github_sim, "GET", f"/repos/{repo}/issues?{query}")
        assert (status, [i["number"] for i in body]) == (200, expected), query


async def test_list_issues_includes_pulls_with_pull_request_key(github_sim: GitHubSim, repo: str) -> None:
    github_sim.add_issue(repo, "an issue", author="alice")
    github_sim.add_pull(repo, title="a PR", author="alice")
    _, body, _ = await call(github_sim, "GET", f"/repos/{repo}/issues")
    assert [("pull_request" in i) for i in body] == [True, False]


async def test_getiter_follows_link_headers_across_pages(github_sim: GitHubSim, repo: str, gh: GitHubAPI) -> None:
    for n in range(7):
        github_sim.add_issue(repo, f"item {n}", author="alice")
    titles = [i["title"] async for i in gh.getiter(f"/repos/{repo}/issues?per_page=3&direction=asc")]
    assert titles == [f"item {n}" for n in range(7)]
    assert len(github_sim.calls_matching("GET", "/repos/{o}/{r}/issues")) == 3


async def test_link_header_points_at_the_simulator(github_sim: GitHubSim, repo: str) -> None:
    for n in range(5):
        github_sim.add_issue(repo, f"item {n}", author="alice")
    _, _, headers = await call(github_sim, "GET", f"/repos/{repo}/issues?per_page=2&page=2")
    assert headers["Link"] == ", ".join([
        f'<{github_sim.url}/repos/{repo}/issues?per_page=2&page=1>; rel="prev"',
        f'<{github_sim.url}/repos/{repo}/issues?per_page=2&page=1>; rel="first"',
        f'<{github_sim.url}/repos/{repo}/issues?per_page=2&page=3>; rel="next"',
        f'<{github_sim.url}/repos/{repo}/issues?per_page=2&page=3>; rel="last"',
    ])


async def test_comments_create_list_edit(github_sim: GitHubSim, repo: str, gh: GitHubAPI) -> None:
    number = github_sim.add_issue(repo, "item", author="alice")
    created = await gh.post(f"/repos/{repo}/issues/{number}/comments", data={"body": "Status: open"})
    await gh.patch(f"/repos/{repo}/issues/comments/{created['id']}", data={"body": "Status: done"})
    listed = [c async for c in gh.getiter(f"/repos/{repo}/issues/{number}/comments")]
    everywhere = [c async for c in gh.getiter(f"/repos/{repo}/issues/comments")]
    assert [c["body"] for c in listed] == ["Status: done"] == [c["body"] for c in everywhere]
    assert [c.body for c in github_sim.comments(repo, number)] == ["Status: done"]


@pytest.mark.parametrize(("length", "status"), [(65536, 201), (65537, 422)])
async def test_comment_body_limit(github_sim: GitHubSim, repo: str, length: int, status: int) -> None:
    number = github_sim.add_issue(repo, "item", author="alice")
    answer, body, _ = await call(github_sim, "POST", f"/repos/{repo}/issues/{number}/comments", {"body": "x" * length})
    assert answer == status
    if status == 422:
        assert body["errors"][0]["message"] == "body is too long (maximum is 65536 characters)"


async def test_reaction_is_201_when_new_and_200_when_repeated(github_sim: GitHubSim, repo: str) -> None:
    number = github_sim.add_issue(repo, "item", author="alice")
    comment_id = github_sim.add_comment(repo, number, "alice", "/done")
    path = f"/repos/{repo}/issues/comments/{comment_id}/reactions"
    first, _, _ = await call(github_sim, "POST", path, {"content": "+1"})
    again, _, _ = await call(github_sim, "POST", path, {"content": "+1"})
    assert (first, again) == (201, 200)
    assert [r.content for r in github_sim.reactions(repo, comment_id=comment_id)] == ["+1"]


async def test_labels_create_list_and_add_to_issue(github_sim: GitHubSim, repo: str, gh: GitHubAPI) -> None:
    await gh.post(f"/repos/{repo}/labels", data={"name": "action-item", "color": "0e8a16"})
    number = github_sim.add_issue(repo, "item", author="alice")
    added = await gh.post(f"/repos/{repo}/issues/{number}/labels", data={"labels": ["meeting/2024-12-18"]})
    names = [label["name"] async for label in gh.getiter(f"/repos/{repo}/labels")]
    assert [label["name"] for label in added] == ["meeting/2024-12-18"]
    assert names == ["action-item", "meeting/2024-12-18"]


async def test_label_with_slash_can_be_removed(github_sim: GitHubSim, repo: str) -> None:
    number = github_sim.add_issue(repo, "item", author="alice", labels=["meeting/2024-12-18", "action-item"])
    status, left, _ = await call(github_sim, "DELETE", f"/repos/{repo}/issues/{number}/labels/meeting%2F2024-12-18")
    assert (status, [label["name"] for label in left]) == (200, ["action-item"])
    assert github_sim.issue(repo, number).labels == ["action-item"]


async def test_duplicate_label_is_already_exists(github_sim: GitHubSim, repo: str) -> None:
    github_sim.add_label(repo, "action-item")
    status, body, _ = await call(github_sim, "POST", f"/repos/{repo}/labels", {"name": "Action-Item"})
    assert status == 422
    assert body["errors"][0]["code"] == "already_exists"


async def test_assignees_skip_people_without_access(github_sim: GitHubSim, repo: str, gh: GitHubAPI) -> None:
    number = github_sim.add_issue(repo, "item", author="alice")
    await gh.post(f"/repos/{repo}/issues/{number}/assignees", data={"assignees": ["bob", "stranger"]})
    assert github_sim.issue(repo, number).assignees == ["bob"]


async def test_sub_issues_take_the_issue_id_not_number(github_sim: GitHubSim, repo: str, gh: GitHubAPI) -> None:
    parent = github_sim.add_issue(repo, "Meeting 2024-12-18", author="alice")
    child = github_sim.add_issue(repo, "Item", author="alice")
    child_id = github_sim.issue(repo, child).id
    status, _, _ = await call(github_sim, "POST", f"/repos/{repo}/issues/{parent}/sub_issues",
                              {"sub_issue_id": child})  # a number, not an id
    assert status == 422
    await gh.post(f"/repos/{repo}/issues/{parent}/sub_issues", data={"sub_issue_id": child_id})
    listed = [i["number"] async for i in gh.getiter(f"/repos/{repo}/issues/{parent}/sub_issues")]
    assert listed == [child] and [i.number for i in github_sim.sub_issues(repo, parent)] == [child]
    await gh.delete(f"/repos/{repo}/issues/{parent}/sub_issue", data={"sub_issue_id": child_id})
    assert github_sim.sub_issues(repo, parent) == []


# pull requests, users, permissions ------------------------------------------


async def test_pulls_list_and_get(github_sim: GitHubSim, repo: str, gh: GitHubAPI) -> None:
    first = github_sim.add_pull(repo, title="User space support", author="alice", head="user-space")
    github_sim.add_pull(repo, title="Draft thing", author="bob", draft=True)
    await github_sim.merge_pull(repo, first, by="alice")
    open_titles = [p["title"] async for p in gh.getiter(f"/repos/{repo}/pulls")]
    merged = await gh.getitem(f"/repos/{repo}/pulls/{first}")
    assert open_titles == ["Draft thing"]
    assert (merged["merged"], merged["state"], merged["head"]["ref"]) == (True, "closed", "user-space")
    assert merged["merged_at"] is not None


async def test_user_profile_names(github_sim: GitHubSim, repo: str, gh: GitHubAPI) -> None:
    profile = await gh.getitem("/users/alice")
    assert (profile["login"], profile["name"]) == ("alice", "Alice Liddell")


@pytest.mark.parametrize(("login", "permission", "role", "push"), [
    ("acme", "admin", "admin", True),
    ("alice", "write", "write", True),
    ("bob", "read", "triage", False),
    ("carol", "read", "read", False),
])
async def test_collaborator_permission_maps_roles(github_sim: GitHubSim, repo: str, gh: GitHubAPI,
                                                  login: str, permission: str, role: str, push: bool) -> None:
    github_sim.add_user("carol")
    answer = await gh.getitem(f"/repos/{repo}/collaborators/{login}/permission")
    assert (answer["permission"], answer["role_name"], answer["user"]["permissions"]["push"]) == (
        permission, role, push)


async def test_collaborators_and_contributors(github_sim: GitHubSim, repo: str, gh: GitHubAPI) -> None:
    await github_sim.push(repo, {"a.md": "1"}, author="alice")
    await github_sim.push(repo, {"a.md": "2"}, author="alice")
    await github_sim.push(repo, {"a.md": "3"}, author="bob")
    collaborators = {c["login"]: c["role_name"] async for c in gh.getiter(f"/repos/{repo}/collaborators")}
    pushers = [c["login"] async for c in gh.getiter(f"/repos/{repo}/collaborators?permission=push")]
    contributors = [(c["login"], c["contributions"]) async for c in gh.getiter(f"/repos/{repo}/contributors")]
    assert collaborators == {"acme": "admin", "alice": "write", "bob": "triage"}
    assert pushers == ["acme", "alice"]
    assert contributors == [("alice", 2), ("bob", 1)]


@pytest.mark.parametrize(("login", "status"), [("alice", 204), ("bob", 204), ("stranger", 404)])
async def test_assignable_check(github_sim: GitHubSim, repo: str, login: str, status: int) -> None:
    assert (await call(github_sim, "GET", f"/repos/{repo}/assignees/{login}"))[0] == status


async def test_commit_comments(github_sim: GitHubSim, repo: str, gh: GitHubAPI) -> None:
    delivery = await github_sim.push(repo, {MINUTES: "x\n"}, author="alice")
    sha = delivery.payload["after"]
    await gh.post(f"/repos/{repo}/commits/{sha}/comments", data={"body": "Opened 3 items"})
    listed = [c["body"] async for c in gh.getiter(f"/repos/{repo}/commits/{sha}/comments")]
    assert listed == ["Opened 3 items"] == [c.body for c in github_sim.commit_comments(repo)]


# search ----------------------------------------------------------------------


@pytest.mark.parametrize(("q", "expected"), [
    ("repo:acme/minutes is:issue", [2, 1]),
    ("repo:acme/minutes is:pr", [4, 3]),
    ("repo:acme/minutes is:pr is:merged", [3]),
    ("repo:acme/minutes is:pr is:open author:bob", [4]),
    ("repo:acme/minutes is:issue is:closed", [2]),
    ("repo:acme/minutes is:issue label:action-item", [1]),
    ('repo:acme/minutes is:pr "user space" in:title', [3]),
    ("repo:acme/minutes is:pr nothing-like-this", []),
    ("repo:other/repo is:issue", []),
])
async def test_search_issues(github_sim: GitHubSim, repo: str, q: str, expected: list[int]) -> None:
    github_sim.add_issue(repo, "Ship it", author="alice", labels=["action-item"])
    github_sim.add_issue(repo, "Old", author="alice", state="closed")
    merged = github_sim.add_pull(repo, title="User space support", author="alice")
    github_sim.add_pull(repo, title="Docs", author="bob")
    await github_sim.merge_pull(repo, merged)
    status, body, _ = await call(github_sim, "GET", f"/search/issues?q={q}")
    assert status == 200
    assert [i["number"] for i in body["items"]] == expected
    assert body["search_type"] == "lexical" and body["total_count"] == len(expected)


async def test_search_lag_hides_fresh_issues(github_sim: GitHubSim, repo: str) -> None:
    github_sim.clock = datetime(2024, 12, 18, 10, 0)
    github_sim.search_lag = 30
    github_sim.add_issue(repo, "Fresh", author="alice")
    _, before, _ = await call(github_sim, "GET", f"/search/issues?q=repo:{repo} is:issue")
    github_sim.clock.advance(30)
    _, after, _ = await call(github_sim, "GET", f"/search/issues?q=repo:{repo} is:issue")
    assert (before["total_count"], after["total_count"]) == (0, 1)


async def test_search_without_type_qualifier_is_422(github_sim: GitHubSim, repo: str) -> None:
    status, body, _ = await call(github_sim, "GET", "/search/issues?q=repo:acme/minutes")
    assert status == 422
    assert body["errors"][0]["message"] == "Query must include 'is:issue' or 'is:pull-request'"


# auth and rate limits --------------------------------------------------------


@pytest.mark.parametrize("token", ["wrong", None])
async def test_bad_or_missing_token_is_401(github_sim: GitHubSim, repo: str, token: str | None) -> None:
    status, body, headers = await call(github_sim, "GET", f"/repos/{repo}", token=token)
    assert status == 401
    assert body["message"] in ("Bad credentials", "Requires authentication")
    assert headers["x-ratelimit-limit"] == "5000" and headers["x-ratelimit-resource"] == "core"


async def test_token_scoped_to_other_repos_sees_404(github_sim: GitHubSim, repo: str) -> None:
    github_sim.add_repo("acme/other")
    github_sim.add_token("narrow", repos=["acme/other"])
    assert (await call(github_sim, "GET", f"/repos/{repo}", token="narrow"))[0] == 404
    assert (await call(github_sim, "GET", "/repos/acme/other", token="narrow"))[0] == 200


async def test_app_jwt_mints_installation_token_that_expires(github_sim: GitHubSim, repo: str,
                                                              github_app_key: tuple[int, str]) -> None:
    app_id, private_key = github_app_key
    now = int(datetime.now(UTC).timestamp())
    app_jwt = jwt.encode({"iat": now - 60, "exp": now + 540, "iss": str(app_id)}, private_key, algorithm="RS256")
    async with aiohttp.ClientSession() as session:
        gh = GitHubAPI(session, "sim-tests", base_url=github_sim.url)
        installation = await gh.getitem(f"/repos/{repo}/installation", jwt=app_jwt)
        minted = await gh.post(f"/app/installations/{installation['id']}/access_tokens", data=b"", jwt=app_jwt)
        issue = await gh.post(f"/repos/{repo}/issues", data={"title": "t"}, oauth_token=minted["token"])
        reachable = await gh.getitem("/installation/repositories", oauth_token=minted["token"])
        github_sim.clock.advance(hours=1)
        status, body, _ = await call(github_sim, "GET", f"/repos/{repo}", token=minted["token"])
    assert issue["user"]["login"] == "minutes-bot[bot]" and issue["user"]["type"] == "Bot"
    assert [r["full_name"] for r in reachable["repositories"]] == [repo]
    assert (status, body["message"]) == (401, "Bad credentials")


async def test_gidgethub_app_helpers_get_a_working_token(github_sim: GitHubSim, repo: str,
                                                        github_app_key: tuple[int, str]) -> None:
    app_id, private_key = github_app_key
    github_sim.clock = datetime(2024, 12, 18, 10, 0)
    async with aiohttp.ClientSession() as session:
        gh = GitHubAPI(session, "sim-tests", base_url=github_sim.url)
        minted = await apps.get_installation_access_token(
            gh, installation_id="1", app_id=str(app_id), private_key=private_key)
        answer = await gh.getitem(f"/repos/{repo}", oauth_token=minted["token"])
    assert answer["full_name"] == repo
    assert minted["expires_at"] == "2024-12-18T11:00:00Z"


async def test_uninstalling_revokes_installation_tokens(github_sim: GitHubSim, repo: str,
                                                        github_app_key: tuple[int, str]) -> None:
    github_sim.add_repo("acme/other")
    kept = github_sim.auth.issue_installation_token(1, "minutes-bot[bot]", [repo, "acme/other"])
    await github_sim.send_installation_repositories("removed", ["acme/other"])
    assert (await call(github_sim, "GET", "/repos/acme/other", token=kept.value))[0] == 404
    assert (await call(github_sim, "GET", f"/repos/{repo}", token=kept.value))[0] == 200
    await github_sim.send_installation("deleted")
    assert (await call(github_sim, "GET", f"/repos/{repo}", token=kept.value))[0] == 401
    assert github_sim.repo(repo).installation_id is None


async def test_jwt_signed_by_another_key_is_refused(github_sim: GitHubSim, repo: str,
                                                    github_app_key: tuple[int, str]) -> None:
    from tests.github_sim import generate_app_key

    other_key, _ = generate_app_key()
    now = int(datetime.now(UTC).timestamp())
    forged = jwt.encode({"iat": now - 60, "exp": now + 540, "iss": "1"}, other_key, algorithm="RS256")
    async with aiohttp.ClientSession() as session:
        answer = await session.post(f"{github_sim.url}/app/installations/1/access_tokens",
                                    headers={"Authorization": f"Bearer {forged}"})
        assert answer.status == 401


@pytest.mark.parametrize(("claims", "algorithm", "accepted"), [
    ({"iat": -60, "exp": 540, "iss": "1"}, "RS256", True),
    ({"iat": -700, "exp": -10, "iss": "1"}, "RS256", False),   # expired
    ({"iat": -60, "exp": 3600, "iss": "1"}, "RS256", False),   # longer than 10 minutes
    ({"iat": -60, "exp": 540, "iss": "2"}, "RS256", False),    # another app
    ({"iat": -60, "exp": 540}, "RS256", False),                # no issuer
    ({"iat": -60, "exp": 540, "iss": "1"}, "HS256", False),    # not signed with the app key
])
async def test_app_jwt_checks(github_sim: GitHubSim, repo: str, github_app_key: tuple[int, str],
                              claims: dict[str, Any], algorithm: str, accepted: bool) -> None:
    now = int(datetime.now(UTC).timestamp())
    timed = {k: now + v if k in ("iat", "exp") else v for k, v in claims.items()}
    key = github_app_key[1] if algorithm == "RS256" else "shared-secret-that-is-long-enough-for-hs256"
    token = jwt.encode(timed, key, algorithm=algorithm)
    async with aiohttp.ClientSession() as session, session.get(
            f"{github_sim.url}/repos/{repo}/installation", headers={"Authorization": f"Bearer {token}"}) as answer:
        assert (answer.status == 200) is accepted


async def test_token_is_not_accepted_where_a_jwt_is_needed(github_sim: GitHubSim, repo: str,
                                                           github_app_key: tuple[int, str]) -> None:
    status, body, _ = await call(github_sim, "POST", "/app/installations/1/access_tokens")
    assert (status, body["message"]) == (401, "A JSON web token could not be decoded")


async def test_rate_limit_headers_count_down(github_sim: GitHubSim, repo: str) -> None:
    _, _, first = await call(github_sim, "GET", f"/repos/{repo}")
    _, _, second = await call(github_sim, "GET", f"/repos/{repo}")
    assert (first["x-ratelimit-resource"], first["x-ratelimit-limit"]) == ("core", "5000")
    assert int(first["x-ratelimit-remaining"]) - int(second["x-ratelimit-remaining"]) == 1
    assert int(second["x-ratelimit-used"]) == 2


async def test_primary_rate_limit_is_403_with_nothing_remaining(github_sim: GitHubSim, repo: str,
                                                               gh: GitHubAPI) -> None:
    github_sim.auth.limits["core"].limit = 1
    await call(github_sim, "GET", f"/repos/{repo}")
    status, body, headers = await call(github_sim, "GET", f"/repos/{repo}")
    assert (status, headers["x-ratelimit-remaining"]) == (403, "0")
    assert body["message"].startswith("API rate limit exceeded")


async def test_content_limit_refuses_writes_with_retry_after(github_sim: GitHubSim, repo: str) -> None:
    github_sim.content_limit = 2
    statuses = [(await call(github_sim, "POST", f"/repos/{repo}/issues", {"title": f"t{n}"}))[0] for n in range(3)]
    status, body, headers = await call(github_sim, "POST", f"/repos/{repo}/issues", {"title": "again"})
    assert [*statuses, status] == [201, 201, 403, 403]
    assert "secondary rate limit" in body["message"] and int(headers["Retry-After"]) > 0
    assert len(github_sim.issues(repo)) == 2


# faults and the call log -----------------------------------------------------


async def test_fault_fails_next_calls_then_recovers(github_sim: GitHubSim, repo: str) -> None:
    github_sim.faults.fail("POST", "/repos/{o}/{r}/issues", 502, times=2)
    statuses = [(await call(github_sim, "POST", f"/repos/{repo}/issues", {"title": "t"}))[0] for _ in range(3)]
    assert statuses == [502, 502, 201]
    assert [c.fault for c in github_sim.calls] == [True, True, False]
    assert len(github_sim.issues(repo)) == 1


async def test_fault_fraction_is_seeded(github_sim: GitHubSim, repo: str) -> None:
    github_sim.faults.add("GET", "/repos/{o}/{r}", 500, times=None, fraction=0.5)
    statuses = [(await call(github_sim, "GET", f"/repos/{repo}"))[0] for _ in range(20)]
    assert 0 < statuses.count(500) < 20
    again = GitHubSim()
    again.faults.add("GET", "/repos/{o}/{r}", 500, times=None, fraction=0.5)
    assert [500 if again.faults.take("GET", "/repos/a/b") else 200 for _ in range(20)] == statuses


async def test_dropped_connection_gets_no_answer(github_sim: GitHubSim, repo: str) -> None:
    github_sim.faults.drop("POST", "/repos/{o}/{r}/issues")
    with pytest.raises(aiohttp.ClientError):
        await call(github_sim, "POST", f"/repos/{repo}/issues", {"title": "lost"})
    assert (await call(github_sim, "POST", f"/repos/{repo}/issues", {"title": "kept"}))[0] == 201
    assert [(c.status, c.fault) for c in github_sim.calls] == [(0, True), (201, False)]
    assert [i.title for i in github_sim.issues(repo)] == ["kept"]


async def test_secondary_rate_limit_storm(github_sim: GitHubSim, repo: str, gh: GitHubAPI) -> None:
    github_sim.faults.storm(times=2, status=429, retry_after=7)
    status, body, headers = await call(github_sim, "GET", f"/repos/{repo}")
    with pytest.raises(BadRequest):
        await gh.getitem(f"/repos/{repo}")
    assert (status, headers["Retry-After"]) == (429, "7")
    assert "secondary rate limit" in body["message"]
    assert (await call(github_sim, "GET", f"/repos/{repo}"))[0] == 200


async def test_call_log_answers_no_write_and_exact_counts(github_sim: GitHubSim, repo: str, gh: GitHubAPI) -> None:
    await gh.getitem(f"/repos/{repo}")
    assert github_sim.writes() == []
    for n in range(7):
        await gh.post(f"/repos/{repo}/issues", data={"title": f"item {n}"})
    created = github_sim.calls_matching("POST", "/repos/{o}/{r}/issues")
    assert len(created) == 7 and len(github_sim.writes()) == 7
    assert created[0].json == {"title": "item 0"} and created[0].status == 201


# webhooks --------------------------------------------------------------------


@pytest.fixture
async def receiver(github_sim: GitHubSim) -> AsyncIterator[list[tuple[dict[str, str], bytes]]]:
    """Run a webhook receiver that records what it gets and answers 202."""
    received: list[tuple[dict[str, str], bytes]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.read()))
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/webhook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    github_sim.set_webhook(f"http://127.0.0.1:{port}/webhook", "It's a Secret to Everybody")
    yield received
    await runner.cleanup()


async def test_comment_webhook_is_signed_and_redeliverable(github_sim: GitHubSim, repo: str,
                                                           receiver: list[tuple[dict[str, str], bytes]]) -> None:
    number = github_sim.add_issue(repo, "item", author="alice")
    delivery = await github_sim.comment(repo, number, "alice", "/done")
    again = await github_sim.redeliver(delivery)
    (headers, body), (headers2, body2) = receiver
    expected = "sha256=" + hmac.new(b"It's a Secret to Everybody", body, hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature-256"] == expected
    assert headers["X-GitHub-Event"] == "issue_comment" and headers["User-Agent"].startswith("GitHub-Hookshot/")
    assert (headers["X-GitHub-Hook-Installation-Target-Type"], headers["Content-Type"]) == (
        "integration", "application/json")
    assert headers["X-GitHub-Hook-ID"] and headers["X-GitHub-Hook-Installation-Target-ID"]
    assert (delivery.status, again.status) == (202, 202)
    assert headers2["X-GitHub-Delivery"] == headers["X-GitHub-Delivery"] == delivery.id and body2 == body
    payload = json.loads(body)
    assert (payload["action"], payload["comment"]["body"], payload["comment"]["user"]["type"]) == (
        "created", "/done", "User")
    assert payload["comment"]["author_association"] == "COLLABORATOR"


async def test_edited_comment_carries_previous_body(github_sim: GitHubSim, repo: str) -> None:
    number = github_sim.add_issue(repo, "item", author="alice")
    comment_id = github_sim.add_comment(repo, number, "alice", "/don")
    delivery = await github_sim.edit_comment(repo, comment_id, "/done")
    assert delivery.payload["changes"] == {"body": {"from": "/don"}}
    assert delivery.payload["comment"]["body"] == "/done"


async def test_pull_request_closed_says_whether_merged(github_sim: GitHubSim, repo: str) -> None:
    merged = github_sim.add_pull(repo, title="a", author="alice")
    dropped = github_sim.add_pull(repo, title="b", author="alice")
    first = await github_sim.merge_pull(repo, merged, by="alice")
    second = await github_sim.close_pull(repo, dropped)
    assert [d.payload["pull_request"]["merged"] for d in (first, second)] == [True, False]
    assert [d.action for d in (first, second)] == ["closed", "closed"]


async def test_api_webhooks_off_by_default_and_on_when_asked(github_sim: GitHubSim, repo: str,
                                                             receiver: list[tuple[dict[str, str], bytes]]) -> None:
    await call(github_sim, "POST", f"/repos/{repo}/issues", {"title": "quiet"})
    await github_sim.drain()
    assert receiver == []
    github_sim.api_webhooks = True
    await call(github_sim, "POST", f"/repos/{repo}/issues", {"title": "loud"})
    await github_sim.drain()
    payload = json.loads(receiver[0][1])
    assert (payload["action"], payload["issue"]["title"], payload["sender"]["login"]) == (
        "opened", "loud", "github-actions[bot]")


async def test_wait_until_sees_work_done_later(github_sim: GitHubSim, repo: str) -> None:
    async def later() -> None:
        await asyncio.sleep(0.05)
        github_sim.add_issue(repo, "late", author="alice")

    task = asyncio.create_task(later())
    await github_sim.wait_until(lambda: github_sim.issues(repo))
    await task
    with pytest.raises(AssertionError, match="still false"):
        await github_sim.wait_until(lambda: False, within=0.05)


async def test_unreachable_target_is_recorded_not_raised(github_sim: GitHubSim, repo: str) -> None:
    github_sim.set_webhook("http://127.0.0.1:9/nowhere", "s")
    delivery = await github_sim.push(repo, {"a": "b"}, author="alice")
    assert delivery.status is None and delivery.error
    assert isinstance(delivery, Delivery)


async def test_clock_dates_records(github_sim: GitHubSim, repo: str) -> None:
    github_sim.clock = datetime(2024, 12, 18, 10, 0)
    number = github_sim.add_issue(repo, "item", author="alice")
    github_sim.clock.advance(timedelta(days=1).total_seconds())
    _, body, _ = await call(github_sim, "GET", f"/repos/{repo}/issues/{number}")
    assert body["created_at"] == "2024-12-18T10:00:00Z"
    assert github_sim.clock.now() == datetime(2024, 12, 19, 10, 0, tzinfo=UTC)
