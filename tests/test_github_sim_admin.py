"""The simulator's admin API and standalone mode drive it from outside the process."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.github_sim import GitHubSim, persist

ROOT = Path(__file__).resolve().parent.parent


async def admin(sim_url: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """Call the admin API; return (status, JSON)."""
    async with aiohttp.ClientSession() as session, session.request(
            method, f"{sim_url}/_sim{path}", json=body) as answer:
        return answer.status, await answer.json()


async def api(sim_url: str, path: str, token: str = "tok") -> tuple[int, Any]:
    """Call the REST API with a token."""
    headers = {"Authorization": f"token {token}"}
    async with aiohttp.ClientSession(headers=headers) as session, session.get(sim_url + path) as answer:
        return answer.status, await answer.json()


async def test_admin_api_sets_up_and_acts(github_sim: GitHubSim) -> None:
    url = github_sim.url
    assert (await admin(url, "POST", "/repos", {"full_name": "acme/minutes", "files": {"a.md": "x"}}))[0] == 201
    await admin(url, "POST", "/users", {"login": "alice", "name": "Alice Liddell"})
    await admin(url, "POST", "/permissions", {"repo": "acme/minutes", "login": "alice", "role": "triage"})
    await admin(url, "POST", "/tokens", {"token": "tok"})
    status, pushed = await admin(url, "POST", "/push", {"repo": "acme/minutes", "files": {"b.md": "y"},
                                                        "author": "alice"})
    _, opened = await admin(url, "POST", "/issues", {"repo": "acme/minutes", "title": "T", "author": "alice"})
    _, commented = await admin(url, "POST", "/comments", {"repo": "acme/minutes", "number": 1,
                                                          "login": "alice", "body": "/done"})
    _, edited = await admin(url, "PATCH", f"/comments/{commented['payload']['comment']['id']}",
                            {"repo": "acme/minutes", "body": "/done now"})
    _, pull = await admin(url, "POST", "/pulls", {"repo": "acme/minutes", "title": "P", "author": "alice"})
    _, merged = await admin(url, "POST", f"/pulls/{pull['payload']['number']}/merge", {"repo": "acme/minutes"})
    assert status == 201 and pushed["payload"]["head_commit"]["added"] == ["b.md"]
    assert opened["event"] == "issues" and opened["action"] == "opened"
    assert edited["payload"]["changes"] == {"body": {"from": "/done"}}
    assert merged["payload"]["pull_request"]["merged"] is True
    assert (await api(url, "/repos/acme/minutes/collaborators/alice/permission"))[1]["role_name"] == "triage"


async def test_admin_api_drives_a_pull_request_from_a_fork_to_its_merge(github_sim: GitHubSim) -> None:
    url, repo = github_sim.url, "acme/minutes"
    await admin(url, "POST", "/repos", {"full_name": repo, "files": {"README.md": "# Minutes\n"}})
    await admin(url, "POST", "/tokens", {"token": "tok"})
    _, opened = await admin(url, "POST", "/pulls", {"repo": repo, "title": "Notes", "author": "mallory",
                                                    "fork": "mallory/minutes", "head": "notes",
                                                    "files": {"meetings/a.md": "# A\n"}})
    number = opened["payload"]["number"]
    _, synced = await admin(url, "POST", f"/pulls/{number}/push",
                            {"repo": repo, "files": {"meetings/a.md": "# A, again\n",
                                                     "meetings/b.md": {"symlink": "a.md"},
                                                     "vendor/lib": {"submodule": "9" * 40}}})
    _, merged = await admin(url, "POST", f"/pulls/{number}/merge", {"repo": repo, "push": True})
    head = opened["payload"]["pull_request"]["head"]
    assert (head["repo"]["full_name"], head["label"]) == ("mallory/minutes", "mallory:notes")
    assert opened["payload"]["pull_request"]["base"]["repo"]["full_name"] == repo
    assert (synced["action"], synced["payload"]["after"]) == ("synchronize", github_sim.commit(repo, "notes").sha)
    assert merged["payload"]["pull_request"]["merged"] is True
    [pushed] = [d for d in github_sim.deliveries if d.event == "push"]
    assert sorted(pushed.payload["head_commit"]["added"]) == ["meetings/a.md", "meetings/b.md", "vendor/lib"]
    tree = {e["path"]: (e["type"], e["mode"]) for e in (await api(url, f"/repos/{repo}/git/trees/main?recursive=1"))[1]["tree"]}
    assert tree["meetings/b.md"] == ("blob", "120000") and tree["vendor/lib"] == ("commit", "160000")
    status, link = await api(url, f"/repos/{repo}/contents/meetings/b.md")
    assert (status, link["path"]) == (200, "meetings/a.md")  # GitHub answers with the file a link names
    status, module = await api(url, f"/repos/{repo}/contents/vendor/lib")
    assert (status, module["type"], module["sha"]) == (200, "submodule", "9" * 40)


async def test_admin_api_reads_calls_and_sets_faults(github_sim: GitHubSim) -> None:
    github_sim.add_repo("acme/minutes")
    github_sim.add_token("tok")
    await admin(github_sim.url, "POST", "/faults", {"method": "GET", "pattern": "/repos/{o}/{r}", "status": 503})
    first, _ = await api(github_sim.url, "/repos/acme/minutes")
    second, _ = await api(github_sim.url, "/repos/acme/minutes")
    _, calls = await admin(github_sim.url, "GET", "/calls?method=GET&pattern=/repos/{o}/{r}")
    assert (first, second) == (503, 200)
    assert [(c["status"], c["fault"]) for c in calls] == [(503, True), (200, False)]
    await admin(github_sim.url, "DELETE", "/calls")
    assert (await admin(github_sim.url, "GET", "/calls"))[1] == []


async def test_admin_api_explains_bad_input(github_sim: GitHubSim) -> None:
    status, body = await admin(github_sim.url, "POST", "/push", {"files": {}})
    assert status == 400 and "repo" in body["error"]


async def test_state_survives_dump_and_load(github_sim: GitHubSim) -> None:
    github_sim.add_user("alice", name="Alice Liddell")
    github_sim.add_repo("acme/minutes", files={"meetings/a.md": "x"})
    github_sim.set_permission("acme/minutes", "alice", "write")
    number = github_sim.add_issue("acme/minutes", "Item", author="alice", labels=["action-item"])
    github_sim.add_comment("acme/minutes", number, "alice", "/done")
    github_sim.add_pull("acme/minutes", title="P", author="alice")
    dumped = json.loads(json.dumps(persist.dump(github_sim)))
    copy = GitHubSim()
    persist.load(copy, dumped)
    assert persist.dump(copy) | {"clock": None} == dumped | {"clock": None}
    assert copy.issue("acme/minutes", number).labels == ["action-item"]
    assert copy.add_issue("acme/minutes", "New", author="alice") == 3


async def test_hand_written_state_is_enough(github_sim: GitHubSim) -> None:
    persist.load(github_sim, {"repos": [{"full_name": "acme/minutes", "files": {"README.md": "hi"},
                                         "issues": [{"title": "Seeded", "user": "alice"}]}],
                              "tokens": [{"token": "tok"}]})
    status, issue = await api(github_sim.url, "/repos/acme/minutes/issues/1")
    assert (status, issue["title"], issue["user"]["login"]) == (200, "Seeded", "alice")


def free_port() -> int:
    """Return a port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("validate", [False, True])
async def test_standalone_mode_serves_loaded_state(tmp_path: Path, validate: bool) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"repos": [{"full_name": "acme/minutes", "files": {"a.md": "x"}}],
                                 "tokens": [{"token": "tok"}]}))
    port = free_port()
    args = ["-m", "tests.github_sim", "--port", str(port), "--state", str(state)] + (["--validate"] if validate else [])
    process = await asyncio.create_subprocess_exec(sys.executable, *args, cwd=ROOT,
                                                   stderr=asyncio.subprocess.PIPE)
    try:
        assert process.stderr is not None
        line = await asyncio.wait_for(process.stderr.readline(), timeout=20)
        assert f"127.0.0.1:{port}".encode() in line
        status, repo = await api(f"http://127.0.0.1:{port}", "/repos/acme/minutes")
        assert (status, repo["full_name"]) == (200, "acme/minutes")
    finally:
        process.terminate()
        await process.wait()
