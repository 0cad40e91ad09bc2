"""Links written back (`write_back: pr`), end to end: `minutes-bot serve` as its own process,
the simulated GitHub (validating every call against GitHub's description), signed webhooks.

The SVSM minutes, saved with Windows line breaks, are merged through a pull request. The bot
opens their issues, then one pull request whose only change is ` (#N)` at the end of each
item's line; a re-run writes nothing; an edit that adds an item moves the same pull request
along; merging it changes no issue. The default branch is only ever written by people.
Without the permission GitHub answers 403: one warning, and the issues are all there.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.tracker.write_back import branch_for, without_links
from tests.conftest import shared_app_key
from tests.e2e_support import (
    CONFIG,
    MEETING,
    REPO,
    SECRET,
    SVSM,
    Service,
    create_svsm_repo,
    expected_items,
    item_issues,
    service_env,
    serving,
)
from tests.github_sim import Delivery, GitHubSim, persist
from tests.github_sim.state import Issue
from tests.redis_server import free_port
from tests.test_e2e_sub_issues import Standalone

WRITE_BACK = CONFIG + "write_back: pr\n"
CRLF_MINUTES = SVSM.replace("\n", "\r\n")
NEW_ITEM = "* Jon Lange agreed to write up the page table rework for the next call.\r\n"
EDITED = CRLF_MINUTES.replace(
    "### SVSM Memory Management\r\n", "### SVSM Memory Management\r\n\r\n" + NEW_ITEM
)
PROPOSAL_WRITES = (
    ("POST", "/repos/{o}/{r}/pulls"),
    ("PATCH", "/repos/{o}/{r}/pulls/{n}"),
    ("POST", "/repos/{o}/{r}/git/refs"),
    ("PATCH", "/repos/{o}/{r}/git/refs/**"),
    ("PUT", "/repos/{o}/{r}/contents/**"),
)


@pytest.fixture
async def service(github_sim: GitHubSim, github_app_key: tuple[int, str], tmp_path: Path) -> Any:
    create_svsm_repo(github_sim)
    github_sim.api_webhooks = True  # the bot hears of the pull request it opens, as on GitHub
    running = Service(service_env(github_sim, github_app_key, tmp_path), tmp_path / "service.log")
    async with serving(github_sim, running):
        yield running


async def handled(sim: GitHubSim, service: Service, delivery: Delivery) -> None:
    """Wait until the service has done the delivery and whatever the bot's writes caused."""
    assert delivery.status == 202, delivery.response
    while True:
        await sim.wait_until(
            lambda: all(
                service.journal_state(d.id) in ("done", "failed")
                for d in sim.deliveries
                if d.status == 202
            ),
            within=60,
        )
        await sim.drain()
        if all(
            service.journal_state(d.id) in ("done", "failed")
            for d in sim.deliveries
            if d.status == 202
        ):
            break
    assert [d.id for d in sim.deliveries if service.journal_state(d.id) == "failed"] == []


async def merge_minutes(sim: GitHubSim, service: Service, files: dict[str, str]) -> Delivery:
    """Open a pull request of `files` as Joerg and merge it; wait for the bot."""
    number = sim.add_pull(REPO, title="Minutes", author="joergroedel", files=files)
    await sim.merge_pull(REPO, number, by="joergroedel", push=True)
    [push] = [d for d in sim.deliveries if d.event == "push"][-1:]
    await handled(sim, service, push)
    return push


def links_pull(sim: GitHubSim) -> list[Issue]:
    return [p for p in sim.pulls(REPO) if p.user == sim.acting_login()]


def changed_lines(before: str, after: str) -> dict[int, tuple[str, str]]:
    """Lines (1-based) that differ, each with its line break; the line count must match."""
    old, new = (re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text) for text in (before, after))
    assert len(old) == len(new)
    return {n: (a, b) for n, (a, b) in enumerate(zip(old, new, strict=True), 1) if a != b}


def issue_lines(sim: GitHubSim, path: str = MEETING) -> dict[int, int]:
    """Map each item issue of `path` to the line its marker names."""
    found = {}
    for issue in item_issues(sim):
        marker = json.loads(re.search(r"<!-- minutes-bot (\{.*?\}) -->", issue.body or "")[1])
        if marker["file"] == path:
            found[issue.number] = marker["line"]
    return found


def proposal_writes(sim: GitHubSim) -> list[str]:
    return [f"{c.method} {c.path}" for m, p in PROPOSAL_WRITES for c in sim.calls_matching(m, p)]


async def test_merged_minutes_get_one_pull_request_that_only_adds_each_items_link(
    github_sim: GitHubSim, service: Service
) -> None:
    push = await merge_minutes(
        github_sim, service, {MEETING: CRLF_MINUTES, ".github/minutes-bot.yml": WRITE_BACK}
    )

    lines = issue_lines(github_sim)
    assert sorted(lines.values()) == sorted(item.line for item in expected_items(SVSM))
    [pull] = links_pull(github_sim)
    assert (pull.pull.base, pull.state) == ("main", "open")
    assert pull.pull.head.startswith("minutes-bot/links/meetings-2024-12-18-")
    assert github_sim.commit(REPO).tree[MEETING] == CRLF_MINUTES  # main is as people left it
    proposed = github_sim.commit(REPO, pull.pull.head).tree[MEETING]
    assert changed_lines(CRLF_MINUTES, proposed) == {
        line: (old, old.removesuffix("\r\n") + f" (#{number})\r\n")
        for number, line in lines.items()
        for old in [CRLF_MINUTES.splitlines(keepends=True)[line - 1]]
    }
    assert [
        f"- line {line}: #{number}" for number, line in sorted(lines.items(), key=lambda i: i[1])
    ] == [row for row in (pull.body or "").splitlines() if row.startswith("- line ")]
    # No write ever named the default branch.
    assert all(
        (c.json or {}).get("branch") != "main"
        for c in github_sim.calls_matching("PUT", "/repos/{o}/{r}/contents/**")
    )
    assert all(
        not c.path.endswith("/heads/main")
        for c in github_sim.calls_matching("PATCH", "/repos/{o}/{r}/git/refs/**")
    )
    head = pull.pull.head_sha

    # The same push handled again, and a push that has every minutes file read again
    # (the config changed): nothing to propose, nothing written.
    github_sim.reset_calls()
    await handled(github_sim, service, await github_sim.deliver("push", push.payload))
    await handled(
        github_sim,
        service,
        await github_sim.push(
            REPO, {".github/minutes-bot.yml": WRITE_BACK + "# the same\n"}, author="joergroedel"
        ),
    )
    assert proposal_writes(github_sim) == []
    assert github_sim.writes() == []
    assert (len(links_pull(github_sim)), pull.pull.head_sha) == (1, head)


async def test_an_edit_that_adds_an_item_moves_the_same_pull_request_and_merging_it_changes_no_issue(
    github_sim: GitHubSim, service: Service
) -> None:
    await merge_minutes(
        github_sim, service, {MEETING: CRLF_MINUTES, ".github/minutes-bot.yml": WRITE_BACK}
    )
    [pull] = links_pull(github_sim)

    await merge_minutes(github_sim, service, {MEETING: EDITED})

    # Issues keep the line they were opened for; the links go where the items are now.
    [new] = [
        i.number for i in item_issues(github_sim) if i.title.startswith("Write up the page table")
    ]
    assert links_pull(github_sim) == [pull] and pull.state == "open"
    proposed = github_sim.commit(REPO, pull.pull.head).tree[MEETING]
    items = expected_items(EDITED.replace("\r\n", "\n"))
    assert len(items) == len(expected_items(SVSM)) + 1
    assert set(changed_lines(EDITED, proposed)) == {item.line for item in items}
    assert NEW_ITEM.replace(".\r\n", f". (#{new})\r\n") in proposed
    assert f"#{new}" in (pull.body or "")
    # The branch starts at the edited minutes: the pull request changes only the links.
    assert github_sim.commit(REPO, pull.pull.head).parents == [github_sim.commit(REPO).sha]

    github_sim.reset_calls()
    await github_sim.merge_pull(REPO, pull.number, by="joergroedel", push=True)
    await handled(github_sim, service, github_sim.deliveries[-1])

    assert github_sim.commit(REPO).tree[MEETING] == proposed
    assert github_sim.writes() == []  # the links read as the bot's own: no issue changes
    assert len(links_pull(github_sim)) == 1


async def test_minutes_removed_have_their_links_pull_request_closed(
    github_sim: GitHubSim, service: Service
) -> None:
    await merge_minutes(
        github_sim, service, {MEETING: CRLF_MINUTES, ".github/minutes-bot.yml": WRITE_BACK}
    )
    [pull] = links_pull(github_sim)

    await handled(
        github_sim, service, await github_sim.push(REPO, {MEETING: None}, author="joergroedel")
    )

    assert (pull.state, pull.pull.merged) == ("closed", False)
    assert f"`{MEETING}` names every action item's issue already, or has none left" in (
        pull.body or ""
    )
    assert all(i.state == "closed" for i in item_issues(github_sim))  # their items too


async def test_without_write_access_the_refusal_is_logged_once_and_the_issues_are_all_there(
    github_sim: GitHubSim, service: Service
) -> None:
    refusal = {
        "message": "Resource not accessible by integration",
        "documentation_url": "https://docs.github.com/rest/git/refs#create-a-reference",
    }
    github_sim.faults.add("POST", "/repos/{o}/{r}/git/refs", 403, times=None, body=refusal)
    other = MEETING.replace("2024-12-18", "2024-12-11")

    await merge_minutes(
        github_sim,
        service,
        {
            MEETING: CRLF_MINUTES,
            other: CRLF_MINUTES.replace("December 18", "December 11"),
            ".github/minutes-bot.yml": WRITE_BACK,
        },
    )

    assert len(issue_lines(github_sim)) == len(expected_items(SVSM))
    assert len(issue_lines(github_sim, other)) == len(expected_items(SVSM))
    assert links_pull(github_sim) == []
    logged = [
        json.loads(line) for line in service.log.read_text().splitlines() if line.startswith("{")
    ]
    refused = [r for r in logged if "contents: write" in r["message"]]
    assert len(refused) == 1 and refused[0]["level"] == "warning"
    assert "Resource not accessible by integration" in refused[0]["message"]
    assert [r for r in logged if r["level"] in ("error", "critical")] == []
    assert len(github_sim.calls_matching("POST", "/repos/{o}/{r}/git/refs")) == 1  # not retried


# ---------------------------------------------------------------------------
# Both sides as their own processes: `python -m tests.github_sim` and `minutes-bot serve`

ROOT = Path(__file__).resolve().parent.parent
READER = "ghp_reader_token_0001"  # a person's token, to look as people do


@pytest.fixture
async def processes(tmp_path: Path) -> AsyncIterator[tuple[Standalone, Service]]:
    """The standalone simulator (validating) holding the SVSM repository, and the service."""
    private, public = shared_app_key()
    seed = GitHubSim()
    create_svsm_repo(seed)
    seed.register_app(1, public)
    seed.add_token(READER, login="joergroedel")
    seed.url = f"http://127.0.0.1:{free_port()}"
    service = Service(service_env(seed, (1, private), tmp_path), tmp_path / "service.log")
    await service.start()
    (tmp_path / "state.json").write_text(json.dumps(persist.dump(seed)))
    (tmp_path / "secret").write_text(SECRET)
    simulator = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.github_sim",
        "--validate",
        "--port",
        seed.url.rsplit(":", 1)[1],
        "--state",
        str(tmp_path / "state.json"),
        "--webhook-url",
        service.url,
        "--webhook-secret-file",
        str(tmp_path / "secret"),
        cwd=ROOT,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert simulator.stderr is not None
        await asyncio.wait_for(simulator.stderr.readline(), timeout=30)  # it says it listens
        async with aiohttp.ClientSession() as session:
            yield Standalone(seed.url, session), service
    finally:
        simulator.terminate()
        await simulator.wait()
        await service.kill()


async def pushed(sim: Standalone, service: Service, files: dict[str, str]) -> None:
    delivery = await sim.admin(
        "POST", "/_sim/push", {"repo": REPO, "files": files, "author": "joergroedel"}
    )
    assert delivery["status"] == 202, delivery
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while service.journal_state(delivery["id"]) not in ("done", "failed"):
        assert loop.time() < deadline, service.log.read_text()
        await asyncio.sleep(0.05)
    assert service.journal_state(delivery["id"]) == "done"


async def as_a_person(sim: Standalone, path: str, raw: bool = False) -> Any:
    headers = {"Authorization": f"token {READER}"}
    headers |= {"Accept": "application/vnd.github.raw"} if raw else {}
    async with sim.session.get(sim.url + path, headers=headers) as answer:
        assert answer.status == 200, await answer.text()
        return (await answer.read()).decode() if raw else await answer.json()


async def writes(sim: Standalone) -> list[str]:
    made = await sim.admin("GET", "/_sim/calls?writes=1")
    await sim.admin("DELETE", "/_sim/calls")
    return [f"{c['method']} {c['path']}" for c in made]


async def test_two_processes_over_http_one_pull_request_kept_in_step(
    processes: tuple[Standalone, Service],
) -> None:
    sim, service = processes
    await pushed(sim, service, {MEETING: CRLF_MINUTES, ".github/minutes-bot.yml": WRITE_BACK})

    [pull] = await as_a_person(
        sim, f"/repos/{REPO}/pulls?state=all&head=coconut-svsm:{branch_for(MEETING)}"
    )
    issues = await as_a_person(
        sim, f"/repos/{REPO}/issues?labels=action-item&state=all&per_page=100"
    )
    numbers = {
        json.loads(re.search(r"<!-- minutes-bot (\{.*?\}) -->", i["body"])[1])["line"]: i["number"]
        for i in issues
    }
    proposed = await as_a_person(
        sim, f"/repos/{REPO}/contents/{MEETING}?ref={pull['head']['sha']}", raw=True
    )
    rows = CRLF_MINUTES.splitlines(keepends=True)
    assert proposed == "".join(
        row.removesuffix("\r\n") + f" (#{numbers[n]})\r\n" if n in numbers else row
        for n, row in enumerate(rows, 1)
    )
    assert await as_a_person(sim, f"/repos/{REPO}/contents/{MEETING}", raw=True) == CRLF_MINUTES
    await writes(sim)

    # Every minutes file read again (the config changed): nothing written for the links.
    await pushed(sim, service, {".github/minutes-bot.yml": WRITE_BACK + "# again\n"})
    assert await writes(sim) == []

    await pushed(sim, service, {MEETING: EDITED})
    made = await writes(sim)
    assert f"PATCH /repos/{REPO}/pulls/{pull['number']}" in made
    assert f"POST /repos/{REPO}/pulls" not in made
    [same] = await as_a_person(
        sim, f"/repos/{REPO}/pulls?state=all&head=coconut-svsm:{branch_for(MEETING)}"
    )
    assert same["number"] == pull["number"] and same["head"]["sha"] != pull["head"]["sha"]
    proposed = await as_a_person(
        sim, f"/repos/{REPO}/contents/{MEETING}?ref={same['head']['sha']}", raw=True
    )
    assert without_links(proposed, set(numbers.values()) | set(range(1, 100))) == EDITED
    assert await sim.admin("GET", "/_sim/violations") == []
