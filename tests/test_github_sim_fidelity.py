"""The simulator's traffic matches GitHub's published descriptions, and independent clients work with it."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from gidgethub.aiohttp import GitHubAPI
from github import Auth, Github

from tests.github_sim import Delivery, GitHubSim
from tests.github_sim.git import Submodule, Symlink
from tests.github_sim.routes import add_routes
from tests.github_sim.spec import REST_SPEC, check_request, check_response, check_webhook, spec_path

EXAMPLES = Path(__file__).parent / "github_sim" / "examples"
REPO = "acme/minutes"


@pytest.fixture
def repo(github_sim: GitHubSim, github_repo: str) -> str:
    """Give the repository a collaborator and a minutes file."""
    github_sim.add_user("alice", name="Alice Liddell")
    github_sim.set_permission(github_repo, "alice", "write")
    return github_repo


# the checks bite --------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body", "expected"), [
    ("POST", "/repos/acme/minutes/issues/comments/1/reactions", {"content": "thumbsup"}, "content"),
    ("POST", "/repos/acme/minutes/issues", {"body": "no title"}, "title"),
    ("POST", "/repos/acme/minutes/issues", {"title": "t", "labels": "a"}, "labels"),
    ("PATCH", "/repos/acme/minutes/issues/1", {"state": "done"}, "state"),
    ("POST", "/repos/acme/minutes/issues/1/sub_issues", {"sub_issue_id": "#3"}, "sub_issue_id"),
    ("GET", "/search/issues", None, "q"),
    ("GET", "/repos/acme/minutes/no-such-thing", None, "PathNotFound"),
])
def test_request_that_breaks_the_spec_is_caught(method: str, path: str, body: Any, expected: str) -> None:
    raw = json.dumps(body).encode() if body is not None else None
    problem = check_request(method, path, {}, raw)
    assert problem is not None and expected in problem


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/repos/acme/minutes/issues/comments/1/reactions", {"content": "+1"}),
    ("POST", "/repos/acme/minutes/issues", {"title": "Ship it", "labels": ["a"], "assignees": ["alice"]}),
    ("PATCH", "/repos/acme/minutes/issues/1", {"state": "closed", "state_reason": "not_planned"}),
    ("POST", "/repos/acme/minutes/issues/1/sub_issues", {"sub_issue_id": 1234}),
])
def test_request_that_follows_the_spec_passes(method: str, path: str, body: Any) -> None:
    assert check_request(method, path, {}, json.dumps(body).encode()) is None


async def test_reaction_thumbsup_is_recorded_as_a_violation(github_sim: GitHubSim, repo: str,
                                                            github_token: str) -> None:
    number = github_sim.add_issue(repo, "item", author="alice")
    comment_id = github_sim.add_comment(repo, number, "alice", "/done")
    url = f"{github_sim.url}/repos/{repo}/issues/comments/{comment_id}/reactions"
    headers = {"Authorization": f"token {github_token}"}
    async with aiohttp.ClientSession(headers=headers) as session, session.post(
            url, json={"content": "thumbsup"}) as answer:
        assert answer.status == 422
    assert len(github_sim.violations) == 1 and "thumbsup" in github_sim.violations[0]
    with pytest.raises(AssertionError, match="thumbsup"):
        github_sim.assert_valid()
    github_sim.violations.clear()


async def test_faulted_call_still_has_its_request_checked(github_sim: GitHubSim, repo: str,
                                                         github_token: str) -> None:
    github_sim.faults.fail("POST", "/repos/{o}/{r}/issues", 502)
    headers = {"Authorization": f"token {github_token}"}
    async with aiohttp.ClientSession(headers=headers) as session, session.post(
            f"{github_sim.url}/repos/{repo}/issues", json={"labels": ["x"]}) as answer:
        assert answer.status == 502
    assert len(github_sim.violations) == 1 and "title" in github_sim.violations[0]
    github_sim.violations.clear()


async def issue_json(sim: GitHubSim, repo: str) -> dict[str, Any]:
    """Render issue 1 as the simulator answers it."""
    number = sim.add_issue(repo, "item", author="alice")
    return sim.render.issue(sim.repo(repo), sim.issue(repo, number))


@pytest.mark.parametrize("breakage", ["drop number", "integer state", "extra field"])
async def test_response_that_breaks_the_spec_is_caught(github_sim: GitHubSim, repo: str, breakage: str) -> None:
    issue = await issue_json(github_sim, repo)
    if breakage == "drop number":
        del issue["number"]
    elif breakage == "integer state":
        issue["state"] = 1
    else:
        issue["shiny"] = True
    problem = check_response("GET", f"/repos/{repo}/issues/1", {}, None, 200, json.dumps(issue).encode(),
                             "application/json")
    assert problem is not None


async def test_simulator_issue_passes_the_response_check(github_sim: GitHubSim, repo: str) -> None:
    issue = await issue_json(github_sim, repo)
    assert check_response("GET", f"/repos/{repo}/issues/1", {}, None, 200, json.dumps(issue).encode(),
                          "application/json") is None


def test_search_response_without_search_type_is_caught() -> None:
    body = {"total_count": 0, "incomplete_results": False, "items": []}
    problem = check_response("GET", "/search/issues", {"q": "is:issue"}, None, 200, json.dumps(body).encode(),
                             "application/json")
    assert problem is not None and "search_type" in problem


def test_contents_path_is_percent_encoded_for_the_spec() -> None:
    assert spec_path("/repos/o/r/contents/meetings/2024-12-18.md") == "/repos/o/r/contents/meetings%2F2024-12-18.md"
    assert spec_path("/repos/o/r/issues/1") == "/repos/o/r/issues/1"


def test_every_simulated_route_is_in_the_trimmed_spec() -> None:
    app = web.Application()
    add_routes(app.router)
    spec_paths = json.loads(REST_SPEC.read_text())["paths"]
    served = {(route.method.lower(), re.sub(r"\{(\w+):[^}]+\}", r"{\1}", route.resource.canonical))
              for route in app.router.routes() if route.resource is not None}
    served.discard(("post", "/graphql"))  # not REST: `api_graphql` knows each document it answers
    assert sorted(f"{m} {p}" for m, p in served if m not in spec_paths.get(p, {})) == []


# webhook payloads ------------------------------------------------------------


async def every_event(sim: GitHubSim, repo: str) -> dict[str, Delivery]:
    """Make the simulator emit each kind of webhook once."""
    found: dict[str, Delivery] = {}
    found["push"] = await sim.push(repo, {"meetings/a.md": "x", "b.md": "y"}, author="alice")
    found["issues.opened"] = await sim.open_issue(repo, "T", author="alice", labels=["action-item"])
    found["issues.edited"] = await sim.edit_issue(repo, 1, by="alice", title="T2")
    found["issues.closed"] = await sim.close_issue(repo, 1, by="alice", reason="not_planned")
    found["issues.reopened"] = await sim.reopen_issue(repo, 1, by="alice")
    found["issues.assigned"], = await sim.assign_issue(repo, 1, by="alice", add=["alice"])
    found["issues.unassigned"], = await sim.assign_issue(repo, 1, by="alice", remove=["alice"])
    found["issue_comment.created"] = await sim.comment(repo, 1, "alice", "/done")
    comment_id = found["issue_comment.created"].payload["comment"]["id"]
    found["issue_comment.edited"] = await sim.edit_comment(repo, comment_id, "/done with #2")
    found["issue_comment.deleted"] = await sim.delete_comment(repo, comment_id)
    found["pull_request.opened"] = await sim.open_pull(repo, title="User space support", author="alice")
    found["pull_request.synchronize"] = await sim.push_to_pull(repo, 2, {"meetings/c.md": "z"})
    found["pull_request.closed"] = await sim.merge_pull(repo, 2, by="alice", push=True)
    found["push.merge"] = sim.deliveries[-1]
    found["pull_request.opened.fork"] = await sim.open_pull(
        repo, title="From a fork", author="mallory", fork="mallory/minutes",
        files={"meetings/d.md": "w", "meetings/e.md": Symlink("d.md"), "lib": Submodule("9" * 40)})
    found["push.links"] = await sim.push(repo, {"meetings/f.md": Symlink("a.md"), "lib2": Submodule("8" * 40)},
                                         author="alice")
    found["installation.created"] = await sim.send_installation("created")
    found["installation.deleted"] = await sim.send_installation("deleted")
    found["installation_repositories.added"] = await sim.send_installation_repositories("added", [repo])
    found["installation_repositories.removed"] = await sim.send_installation_repositories("removed", [repo])
    found["ping"] = await sim.send_ping()
    return found


async def test_every_webhook_matches_its_schema(github_sim: GitHubSim, repo: str,
                                                github_app_key: tuple[int, str]) -> None:
    deliveries = await every_event(github_sim, repo)
    problems = {name: check_webhook(d.event, d.payload) for name, d in deliveries.items()}
    assert problems == {name: [] for name in deliveries}


def test_webhook_schema_check_bites() -> None:
    example = json.loads((EXAMPLES / "issue_comment.created.json").read_text())
    example["comment"]["user"]["type"] = 7
    del example["issue"]["number"]
    problems = check_webhook("issue_comment", example)
    assert any("type" in p for p in problems) and any("number" in p for p in problems)


def keys_missing(example: Any, ours: Any, path: str = "") -> list[str]:
    """List the key paths present in a real payload but absent from ours."""
    if isinstance(example, dict) and isinstance(ours, dict):
        return [missing for key, value in example.items()
                for missing in ([f"{path}/{key}"] if key not in ours else keys_missing(value, ours[key], f"{path}/{key}"))]
    if isinstance(example, list) and isinstance(ours, list) and example and ours:
        return keys_missing(example[0], ours[0], path + "[]")
    return []


# Fields real payloads carry that the simulator leaves out on purpose: settings of
# repository merges, permissions the app does not request, and repository-hook
# details (the simulator's ping comes from an App hook, which has no repository).
IGNORED_KEYS = ("/allow_", "/delete_branch_on_merge", "/installation/permissions/", "/hook/")
IGNORED_FOR = {"ping": ("/repository",)}


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.json")))
async def test_payload_has_every_key_of_the_real_example(github_sim: GitHubSim, repo: str, name: str,
                                                        github_app_key: tuple[int, str]) -> None:
    ours = (await every_event(github_sim, repo))[name].payload
    example = json.loads((EXAMPLES / f"{name}.json").read_text())
    ignored = IGNORED_KEYS + IGNORED_FOR.get(name, ())
    missing = [k for k in keys_missing(example, ours) if not any(part in k for part in ignored)]
    assert missing == []
    assert {k: type(v) for k, v in example.items() if k in ours} == {k: type(ours[k]) for k in example if k in ours}


# independent clients -----------------------------------------------------------


def pygithub_round_trip(url: str, token: str) -> dict[str, Any]:
    """Drive issues, comments and labels through PyGithub, synchronously."""
    gh = Github(base_url=url, auth=Auth.Token(token), per_page=2,
                seconds_between_requests=None, seconds_between_writes=None)
    repo = gh.get_repo(REPO)
    repo.create_label("action-item", "0e8a16", "From meeting minutes")
    created = [repo.create_issue(f"Item {n}", body="body", labels=["action-item"], assignees=["alice"])
               for n in range(5)]
    created[0].edit(title="Item zero", body="changed")
    created[1].edit(state="closed", state_reason="not_planned")
    comment = created[0].create_comment("first")
    comment.edit("first, edited")
    # `add_to_labels` would send the bare-list body the current description no longer lists.
    created[0].edit(labels=["action-item", "meeting/2024-12-18"])
    minutes = repo.get_contents("meetings/2024-12-18.md")
    assert not isinstance(minutes, list)
    return {
        "open": [i.title for i in repo.get_issues(state="open", direction="asc")],
        "all": len(list(repo.get_issues(state="all"))),
        "comments": [c.body for c in created[0].get_comments()],
        "labels": sorted(label.name for label in repo.get_labels()),
        "closed_reason": repo.get_issue(created[1].number).state_reason,
        "profile": gh.get_user("alice").name,
        "permission": repo.get_collaborator_permission("alice"),
        "minutes": minutes.decoded_content.decode(),
    }


async def test_pygithub_works_against_the_simulator(github_sim: GitHubSim, repo: str, github_token: str) -> None:
    await github_sim.push(repo, {"meetings/2024-12-18.md": "# Minutes\n"}, author="alice")
    result = await asyncio.to_thread(pygithub_round_trip, github_sim.url, github_token)
    assert result == {
        "open": ["Item zero", "Item 2", "Item 3", "Item 4"],
        "all": 5,
        "comments": ["first, edited"],
        "labels": ["action-item", "meeting/2024-12-18"],
        "closed_reason": "not_planned",
        "profile": "Alice Liddell",
        "permission": "write",
        "minutes": "# Minutes\n",
    }
    assert len(github_sim.calls_matching("GET", "/repos/{o}/{r}/issues")) >= 3  # pages of 2


async def test_gidgethub_getiter_unwraps_search_pages(github_sim: GitHubSim, repo: str, github_token: str) -> None:
    for n in range(5):
        github_sim.add_issue(repo, f"Review PR {n}", author="alice")
    async with aiohttp.ClientSession() as session:
        gh = GitHubAPI(session, "sim-tests", oauth_token=github_token, base_url=github_sim.url)
        found = [i["number"] async for i in gh.getiter(
            "/search/issues{?q,per_page}", {"q": f"repo:{repo} is:issue review", "per_page": 2})]
    assert found == [5, 4, 3, 2, 1]


# the subset generator ------------------------------------------------------------


def load_trim_script() -> Any:
    """Import `tests/openapi/trim.py` (a script, not a package module)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("trim", Path(__file__).parent / "openapi" / "trim.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_trim_keeps_what_operations_reference_and_drops_prose() -> None:
    trim = load_trim_script()
    schema = {"description": "prose", "type": "object",
              "properties": {"description": {"type": "string"}, "owner": {"$ref": "#/components/schemas/user"}}}
    doc = {"components": {"schemas": {"issue": schema, "user": {"type": "object"}, "unused": {"type": "string"}}}}
    paths = {"/x": {"get": {"summary": "prose", "responses": {"200": {"$ref": "#/components/schemas/issue"}}}}}
    kept = trim.strip_prose(trim.close_over_components(doc, paths))
    assert sorted(kept["schemas"]) == ["issue", "user"]
    assert kept["schemas"]["issue"] == {"type": "object", "properties": {
        "description": {"type": "string"}, "owner": {"$ref": "#/components/schemas/user"}}}
    assert trim.strip_prose(paths) == {"/x": {"get": {"responses": {"200": {"$ref": "#/components/schemas/issue"}}}}}


def test_committed_subset_serves_every_listed_operation() -> None:
    trim = load_trim_script()
    paths = json.loads(REST_SPEC.read_text())["paths"]
    assert {p: tuple(paths[p]) for p in trim.REST_OPERATIONS} == trim.REST_OPERATIONS
