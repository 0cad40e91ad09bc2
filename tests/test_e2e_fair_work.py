"""Fair work, end to end: a `/done` is not stuck behind a push of many minutes files.

`minutes-bot serve` runs as its own process against the simulated GitHub, with signed
webhooks over HTTP. A push of 45 minutes files is reconciled in turns of 20 files; a
`/done` commented right after it is answered between two turns, before the push's last
file has its issue, with the embedded queue and with Redis; so is the preview of a pull
request opened meanwhile. Killed between turns, the service resumes the push where it
stopped: no file is lost, none is read again from the start, no issue is opened twice.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from bot.tracker.marker import parse_marker
from tests.e2e_support import REPO, SECRET, Service, create_svsm_repo, item_issues, service_env
from tests.github_sim import GitHubSim
from tests.github_sim.faults import Call
from tests.redis_server import redis_server, redis_url  # noqa: F401 - fixtures

PEOPLE = [f"dev{n}" for n in range(5)]
FILES = 45


def team_call(day: int) -> tuple[str, str]:
    """Return the path and text of a small minutes file with one item."""
    text = (
        f"# Team call, day {day}\n\n## Action items\n\n"
        f"- [ ] @{PEOPLE[day % 5]}: check the build of day {day}\n"
    )
    return f"meetings/2025/day-{day:02d}.md", text


def big_push() -> dict[str, str | None]:
    return dict(team_call(day) for day in range(1, FILES + 1))


def files_with_items(sim: GitHubSim) -> Counter[str]:
    """Count the item issues of each minutes file, by the file their marker names."""
    markers = (parse_marker(issue.body) for issue in item_issues(sim))
    return Counter(marker.file for marker in markers if marker is not None)


def created(call: Call, day: int) -> bool:
    """Tell whether `call` opened the item issue of day `day`."""
    title = (call.json or {}).get("title", "") if isinstance(call.json, dict) else ""
    return call.method == "POST" and call.path.endswith("/issues") and f"day {day}" in title


def closed(call: Call, number: int) -> bool:
    """Tell whether `call` closed issue `number`."""
    body = call.json if isinstance(call.json, dict) else {}
    return call.method == "PATCH" and call.path.endswith(f"/issues/{number}") and body.get(
        "state"
    ) == "closed"


async def quiet(sim: GitHubSim, seconds: float = 1.5, within: float = 240) -> None:
    """Wait until the bot has sent no request for `seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    seen = -1
    while len(sim.calls) != seen:
        assert loop.time() < deadline, "the bot kept working"
        seen = len(sim.calls)
        await asyncio.sleep(seconds)


@pytest.fixture
def team(github_sim: GitHubSim) -> GitHubSim:
    create_svsm_repo(github_sim)
    for login in PEOPLE:
        github_sim.add_user(login, login.title())
        github_sim.set_permission(REPO, login, "write")
    return github_sim


async def seed_item(sim: GitHubSim) -> int:
    """Push the minutes of day 0 and return the number of their item's issue."""
    delivery = await sim.push(REPO, dict([team_call(0)]), author="joergroedel")
    assert delivery.status == 202, delivery.response
    await sim.wait_until(lambda: files_with_items(sim), within=60)
    await quiet(sim)
    (issue,) = item_issues(sim)
    return issue.number


@pytest.fixture(params=["embedded", "redis"])
def service(
    request: pytest.FixtureRequest, team: GitHubSim, github_app_key: tuple[int, str], tmp_path: Path
) -> Service:
    env = service_env(team, github_app_key, tmp_path)
    if request.param == "redis":
        env["REDIS_URL"] = request.getfixturevalue("redis_url")
    return Service(env, tmp_path / "service.log")


async def test_a_done_is_answered_between_the_turns_of_a_big_push(
    team: GitHubSim, service: Service
) -> None:
    await service.start()
    try:
        team.set_webhook(service.url, SECRET)
        seeded = await seed_item(team)
        team.reset_calls()

        push = await team.push(REPO, big_push(), author="joergroedel")
        done = await team.comment(REPO, seeded, "dev0", "/done")
        assert (push.status, done.status) == (202, 202)
        comment_id = team.comments(REPO, seeded)[-1].id
        await team.wait_until(lambda: len(files_with_items(team)) == FILES + 1, within=240)
        await quiet(team)
    finally:
        await service.kill()

    order = team.calls
    closing = next(n for n, call in enumerate(order) if closed(call, seeded))
    last_file = next(n for n, call in enumerate(order) if created(call, FILES))
    assert closing < last_file  # the command did not wait for the whole push
    assert team.issue(REPO, seeded).state == "closed"
    assert [r.content for r in team.reactions(REPO, comment_id=comment_id)] == ["+1"]
    assert files_with_items(team) == Counter(
        {f"meetings/2025/day-{day:02d}.md": 1 for day in range(FILES + 1)}
    )
    said = [line for line in service.log.read_text().splitlines() if "in turns of" in line]
    assert len(said) == 1 and "reconciling 45 minutes files in turns of 20" in said[0]


def progress(journal: str, delivery_id: str) -> int:
    """Return how many minutes files of a push the journal says are reconciled."""
    with sqlite3.connect(journal) as db:
        (done,) = db.execute("SELECT progress FROM deliveries WHERE id = ?", (delivery_id,)).fetchone()
    return int(done)


async def test_a_service_killed_between_turns_resumes_the_push_where_it_stopped(
    team: GitHubSim, github_app_key: tuple[int, str], tmp_path: Path
) -> None:
    env = service_env(team, github_app_key, tmp_path) | {"MINUTES_BOT_PUSH_FILES_PER_TURN": "5"}
    service = Service(env, tmp_path / "service.log")
    journal = env["MINUTES_BOT_JOURNAL"]
    await service.start()
    try:
        team.set_webhook(service.url, SECRET)
        push = await team.push(REPO, big_push(), author="joergroedel")
        assert push.status == 202, push.response
        await team.wait_until(lambda: progress(journal, push.id) >= 10, within=240)
        await service.kill()
        assert service.journal_state(push.id) == "pending"
        resumed_from = progress(journal, push.id)
        assert resumed_from < FILES
        team.reset_calls()

        await service.start()  # the same journal
        team.set_webhook(service.url, SECRET)
        await team.wait_until(lambda: service.journal_state(push.id) == "done", within=240)
    finally:
        await service.kill()

    assert files_with_items(team) == Counter(
        {f"meetings/2025/day-{day:02d}.md": 1 for day in range(1, FILES + 1)}
    )
    read_again = {call.path for call in team.calls if "/contents/meetings/2025/" in call.path}
    assert any(path.endswith(f"day-{FILES}.md") for path in read_again)
    assert not any(path.endswith("day-01.md") for path in read_again)  # the first turn's


async def test_a_pull_request_gets_its_preview_between_the_turns_of_a_big_push(
    team: GitHubSim, github_app_key: tuple[int, str], tmp_path: Path
) -> None:
    service = Service(service_env(team, github_app_key, tmp_path), tmp_path / "service.log")
    await service.start()
    try:
        team.set_webhook(service.url, SECRET)
        push = await team.push(REPO, big_push(), author="joergroedel")
        path, text = team_call(99)
        opened = await team.open_pull(REPO, title="Day 99", author="dev0", files={path: text})
        assert (push.status, opened.status) == (202, 202)
        number = opened.payload["pull_request"]["number"]
        await team.wait_until(lambda: len(files_with_items(team)) == FILES, within=240)
        await quiet(team)
    finally:
        await service.kill()

    order = team.calls
    previewed = next(
        n for n, call in enumerate(order)
        if call.method == "POST" and call.path.endswith(f"/issues/{number}/comments")
    )  # fmt: skip
    last_file = next(n for n, call in enumerate(order) if created(call, FILES))
    assert previewed < last_file
    (comment,) = team.comments(REPO, number)
    assert "check the build of day 99" in comment.body.lower()
