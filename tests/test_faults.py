"""The bot under faults ends where a fault-free run ends.

Each test plays a scenario twice, once against a healthy simulated GitHub and once
with failures injected (server errors, a rate-limit storm, slow and dropped
connections, a killed process), and compares what users see afterwards: issues, their
labels, assignees and markers, comments and sub-issues. Ids, shas and timestamps differ
between runs and are left out. Two replicas taking a burst of duplicated deliveries are
checked against what one delivery each must produce.

The port's backoff and pacing sleeps are recorded instead of slept (`waits`), so
`Retry-After: 60` costs no time.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import random
import re
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.github.port import GitHubPort
from bot.service import queue
from bot.service.app import JOURNAL
from bot.service.queue import Journal
from bot.tracker.marker import parse_marker
from tests.e2e_support import (
    EVAL_DEV,
    MEETING,
    REPO,
    SECRET,
    SVSM,
    Bot,
    Service,
    create_svsm_repo,
    service_env,
    settle_replicas,
    start_bot,
    start_replicas,
)
from tests.github_sim import Delivery, GitHubSim, generate_app_key, signature
from tests.github_sim.faults import Fault
from tests.redis_server import free_port, redis_server, redis_url  # noqa: F401 - fixtures

QUILLSTONE = "meetings/2025-03-05-release-triage.md"
TRIAGE = (EVAL_DEV / "07-quillstone-release-triage.md").read_text()
TRIAGE_V2 = (EVAL_DEV / "08-quillstone-release-triage-v2.md").read_text()
SHA = re.compile(r"\b[0-9a-f]{40}\b")
NUMBER = re.compile(r"#(\d+)\b")
MARKER = re.compile(r"<!-- minutes-bot \{[^>]*\} -->")  # compared apart, numbers as titles
CREATE_ISSUE = "/repos/{owner}/{repo}/issues"
# Where item issues are opened under their meeting issue, after one look-up of node ids there.
GRAPHQL = "/graphql"

Faulty = Callable[[GitHubSim], None]


# -- the final state, comparable across runs ------------------------------------------------


@dataclass(frozen=True, order=True)
class IssueState:
    """What people see of one issue or pull request, numbers replaced by titles."""

    title: str
    state: str
    state_reason: str | None
    labels: tuple[str, ...]
    assignees: tuple[str, ...]
    marker: str
    body: str
    comments: tuple[tuple[str, str], ...]
    sub_issues: tuple[str, ...]


@dataclass(frozen=True)
class Snapshot:
    """The repository's issues, pull requests and commit comments after a scenario."""

    issues: tuple[IssueState, ...]
    commit_comments: tuple[str, ...]

    def duplicates(self) -> list[str]:
        """Name the titles and markers that more than one issue carries."""
        seen = Counter(i.title for i in self.issues) + Counter(
            i.marker for i in self.issues if i.marker
        )
        return sorted(name for name, count in seen.items() if count > 1)


def differences(after: Snapshot, expected: Snapshot) -> list[str]:
    """List what differs between two snapshots, one line per issue, for failure messages."""
    lines = []
    ours = {i.title: i for i in after.issues}
    for issue in expected.issues:
        now = ours.get(issue.title)
        if now is None:
            lines.append(f"missing: {issue.title!r}")
            continue
        lines += [
            f"{issue.title!r} {name}: {getattr(now, name)!r} != {getattr(issue, name)!r}"
            for name in vars(issue)
            if getattr(now, name) != getattr(issue, name)
        ]
    titles = {i.title for i in expected.issues}
    lines += [f"unexpected: {i.title!r}" for i in after.issues if i.title not in titles]
    if after.commit_comments != expected.commit_comments:
        lines.append(f"commit comments: {after.commit_comments} != {expected.commit_comments}")
    return lines


def snapshot(sim: GitHubSim, repo: str = REPO) -> Snapshot:
    """Read the simulator's state of `repo`, leaving out ids, shas and timestamps."""
    everything = sim.issues(repo, pulls=True)
    titles = {issue.number: issue.title for issue in everything}

    def plain(text: str | None) -> str:
        text = SHA.sub("<sha>", MARKER.sub("<marker>", text or ""))
        return NUMBER.sub(lambda m: f"#<{titles.get(int(m.group(1)), m.group(1))}>", text)

    issues = tuple(
        sorted(
            IssueState(
                title=issue.title,
                state=issue.state,
                state_reason=issue.state_reason,
                labels=tuple(sorted(issue.labels)),
                assignees=tuple(sorted(issue.assignees)),
                marker=_marker_key(issue.body, titles),
                body=plain(issue.body),
                comments=tuple((c.user, plain(c.body)) for c in sim.comments(repo, issue.number)),
                sub_issues=tuple(sorted(s.title for s in sim.sub_issues(repo, issue.number))),
            )
            for issue in everything
        )
    )
    commit_comments = tuple(sorted(plain(c.body) for c in sim.commit_comments(repo)))
    return Snapshot(issues, commit_comments)


def _marker_key(body: str | None, titles: dict[int, str]) -> str:
    marker = parse_marker(body)
    if marker is None:
        return ""
    fields = {k: v for k, v in vars(marker).items() if k != "sha"}
    if fields.get("meeting") is not None:
        fields["meeting"] = titles.get(fields["meeting"], fields["meeting"])
    return json.dumps(fields, default=str, sort_keys=True)


# -- the bot, its backoff made instant ------------------------------------------------------


@dataclass
class Waits:
    """The port's sleeps, recorded instead of slept; they move the simulated clock."""

    sim: GitHubSim | None = None
    seconds: float = 0.0
    storm: Fault | None = None
    storm_lasts: float = 0.0

    async def __call__(self, seconds: float) -> None:
        self.seconds += seconds
        if self.sim is not None:
            self.sim.clock.advance(seconds)
        if self.storm is not None and self.seconds >= self.storm_lasts:
            self.storm.times = self.storm.hits  # the storm has blown over


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> Waits:
    """Make the service's ports record their backoff sleeps instead of sleeping."""
    recorded = Waits()
    build = GitHubPort.__init__

    def build_without_waits(port: GitHubPort, *args: Any, **options: Any) -> None:
        build(port, *args, **(options | {"sleep": recorded}))

    # Whatever builds the service's ports (and with whatever sleep), they sleep through this.
    monkeypatch.setattr(GitHubPort, "__init__", build_without_waits)
    return recorded


@functools.cache
def app_key() -> tuple[str, str]:
    return generate_app_key()


@contextlib.asynccontextmanager
async def svsm_world(tmp_path: Path, name: str) -> AsyncIterator[tuple[GitHubSim, Bot]]:
    """Serve a simulated SVSM repository and the bot in-process, webhooks wired up."""
    private, public = app_key()
    async with GitHubSim(validate=True, seed=7) as sim:
        sim.register_app(1, public)
        create_svsm_repo(sim)
        async for running in start_bot(sim, (1, private), tmp_path / f"{name}.sqlite3"):
            yield sim, running
        sim.assert_valid()


async def deliver_pushes(sim: GitHubSim, running: Bot) -> None:
    """Push the SVSM minutes, then the release triage and its corrected version."""
    for files in ({MEETING: SVSM}, {QUILLSTONE: TRIAGE}, {QUILLSTONE: TRIAGE_V2}):
        delivery = await sim.push(REPO, files, author="joergroedel")
        assert delivery.status == 202, delivery.response
        await running.settle(sim)


_baselines: dict[str, Snapshot] = {}


async def baseline(
    tmp_path: Path, scenario: Callable[[GitHubSim, Bot], Awaitable[None]]
) -> Snapshot:
    """Return the final state of `scenario` without faults (computed once per scenario)."""
    key = scenario.__name__
    if key not in _baselines:
        async with svsm_world(tmp_path, "baseline") as (sim, running):
            await scenario(sim, running)
            _baselines[key] = snapshot(sim)
    return _baselines[key]


async def faulty_run(
    tmp_path: Path,
    waits: Waits,
    faults: Faulty,
    scenario: Callable[[GitHubSim, Bot], Awaitable[None]] = deliver_pushes,
) -> tuple[GitHubSim, Snapshot]:
    async with svsm_world(tmp_path, "faulty") as (sim, running):
        waits.sim = sim
        faults(sim)
        await scenario(sim, running)
        sim.faults.clear()
        return sim, snapshot(sim)


async def test_the_snapshot_sees_what_users_see(tmp_path: Path) -> None:
    """The comparison must be able to fail: a comment, a label or a state shows."""
    async with svsm_world(tmp_path, "snap") as (sim, running):
        await deliver_pushes(sim, running)
        before = snapshot(sim)
        first = next(i for i in sim.issues(REPO) if "action-item" in i.labels)
        sim.add_comment(REPO, first.number, "peterfang", "On it.")
        commented = snapshot(sim)
        first.labels.append("extra")
        sim.add_issue(REPO, first.title, author="minutes-bot[bot]", body=first.body)
    assert before.duplicates() == []
    assert len(before.issues) > 8
    assert commented != before
    assert snapshot(sim) != commented
    assert first.title in snapshot(sim).duplicates()


# -- 1. server errors ---------------------------------------------------------------------


async def test_one_call_in_ten_failing_with_5xx_changes_nothing_in_the_end(
    tmp_path: Path, waits: Waits
) -> None:
    def fail_a_tenth(sim: GitHubSim) -> None:
        sim.faults.add("*", "**", 502, times=None, fraction=0.1)

    expected = await baseline(tmp_path, deliver_pushes)
    sim, after = await faulty_run(tmp_path, waits, fail_a_tenth)

    assert len([c for c in sim.calls if c.fault]) >= 5  # the faults did happen
    assert after.duplicates() == []
    assert not (diff := differences(after, expected)), "\n".join(diff)


# -- 2. a secondary rate-limit storm ------------------------------------------------------


async def test_a_secondary_rate_limit_storm_is_waited_out(tmp_path: Path, waits: Waits) -> None:
    def storm(sim: GitHubSim) -> None:
        # Every call refused with `Retry-After: 60` until the bot has waited three minutes.
        waits.storm = sim.faults.secondary_rate_limit(times=None, retry_after=60)
        waits.storm_lasts = 180

    expected = await baseline(tmp_path, deliver_pushes)
    sim, after = await faulty_run(tmp_path, waits, storm)

    refused = [c for c in sim.calls if c.fault]
    assert refused and all(c.status == 403 for c in refused)
    assert waits.seconds >= 180
    assert after.duplicates() == []
    assert not (diff := differences(after, expected)), "\n".join(diff)


# -- 3. slow and dropped connections --------------------------------------------------------


async def test_slow_and_dropped_connections_duplicate_nothing(tmp_path: Path, waits: Waits) -> None:
    def slow_and_flaky(sim: GitHubSim) -> None:
        sim.faults.drop("POST", CREATE_ISSUE, times=1)  # a create that may or may not have happened
        sim.faults.drop("PATCH", "**", times=1)  # at least one edit, whatever the dice say
        for method in ("GET", "PATCH"):  # safe to send again
            sim.faults.add(method, "**", None, times=None, fraction=0.1, drop=True)
        sim.faults.delay("*", "**", 0.01)

    expected = await baseline(tmp_path, deliver_pushes)
    sim, after = await faulty_run(tmp_path, waits, slow_and_flaky)

    dropped = {c.method for c in sim.calls if c.status == 0}
    assert dropped == {"GET", "PATCH", "POST"}
    assert after.duplicates() == []
    assert not (diff := differences(after, expected)), "\n".join(diff)


@pytest.mark.parametrize("creates", [GRAPHQL, CREATE_ISSUE])
async def test_a_dropped_item_create_leaves_no_earlier_item_unlinked(
    tmp_path: Path, waits: Waits, creates: str
) -> None:
    def drop_the_second_item(sim: GitHubSim) -> None:
        # Over GraphQL the read-ahead and the first item pass; over REST the meeting and the
        # first item.
        sim.parent_on_create = creates == GRAPHQL
        sim.faults.add("POST", creates, None, times=2)
        sim.faults.drop("POST", creates, times=1)

    expected = await baseline(tmp_path, deliver_pushes)
    sim, after = await faulty_run(tmp_path, waits, drop_the_second_item)

    assert [c.method for c in sim.calls if c.status == 0] == ["POST"]
    assert after.duplicates() == []
    assert not (diff := differences(after, expected)), "\n".join(diff)


def drop_three_creates(sim: GitHubSim) -> None:
    sim.faults.drop("POST", CREATE_ISSUE, times=1)  # the meeting issue
    sim.faults.add("POST", GRAPHQL, None, times=1)  # the read-ahead passes
    sim.faults.drop("POST", GRAPHQL, times=3)  # three items, each opened in one write


def drop_one_call_in_twenty(sim: GitHubSim) -> None:
    sim.faults.add("*", "**", None, times=None, fraction=0.05, drop=True)


@pytest.mark.parametrize(
    "faults",
    [
        pytest.param(drop_three_creates),
        pytest.param(drop_one_call_in_twenty),
    ],
)
async def test_several_dropped_creates_in_one_file_still_open_and_link_every_item(
    tmp_path: Path, waits: Waits, faults: Faulty
) -> None:
    expected = await baseline(tmp_path, deliver_pushes)
    _, after = await faulty_run(tmp_path, waits, faults)

    assert after.duplicates() == []
    assert not (diff := differences(after, expected)), "\n".join(diff)


# -- 4. the service killed mid-way ------------------------------------------------------------


@pytest.fixture
def service(github_sim: GitHubSim, github_app_key: tuple[int, str], tmp_path: Path) -> Service:
    return Service(service_env(github_sim, github_app_key, tmp_path), tmp_path / "service.log")


async def test_a_service_killed_mid_push_finishes_the_work_after_restart(
    github_sim: GitHubSim, service: Service, tmp_path: Path
) -> None:
    expected = await baseline(tmp_path, deliver_pushes)
    create_svsm_repo(github_sim)
    await service.start()
    try:
        github_sim.set_webhook(service.url, SECRET)
        github_sim.faults.delay("*", "**", 0.05)  # slow enough to be caught half-way
        first = await github_sim.push(REPO, {MEETING: SVSM}, author="joergroedel")
        assert first.status == 202, first.response
        await github_sim.wait_until(lambda: len(github_sim.issues(REPO)) >= 3, within=20)
        await service.kill()
        github_sim.faults.clear()
        opened_before_the_kill = len(github_sim.issues(REPO))
        assert service.journal_state(first.id) == "pending"

        await service.start()  # same journal
        github_sim.set_webhook(service.url, SECRET)
        await github_sim.wait_until(lambda: service.journal_state(first.id) == "done", within=20)
        for text in (TRIAGE, TRIAGE_V2):
            delivery = await github_sim.push(REPO, {QUILLSTONE: text}, author="joergroedel")
            assert delivery.status == 202, delivery.response
            await github_sim.wait_until(
                lambda d=delivery: service.journal_state(d.id) == "done", within=20
            )
    finally:
        await service.kill()

    after = snapshot(github_sim)
    assert opened_before_the_kill < len(after.issues)  # it was killed part-way
    assert after.duplicates() == []
    assert not (diff := differences(after, expected)), "\n".join(diff)


# -- 5. two replicas on one Redis, a burst of deliveries -------------------------------------


PEOPLE = [f"dev{n}" for n in range(10)]
FILES = 20


def team_call(day: int) -> tuple[str, str]:
    """Return the path and text of a small minutes file with two items."""
    first, second = PEOPLE[day % 10], PEOPLE[(day + 5) % 10]
    text = (
        f"# Team call, day {day}\n\n## Action items\n\n"
        f"- [ ] @{first}: check the build of day {day}\n"
        f"- [ ] @{second}: review the patch of day {day}\n"
    )
    return f"meetings/2025/day-{day:02d}.md", text


@pytest.fixture
async def replicas(
    github_sim: GitHubSim,
    github_app_key: tuple[int, str],
    redis_url: str,  # noqa: F811 - the fixture
    waits: Waits,
) -> AsyncIterator[list[TestServer]]:
    create_svsm_repo(github_sim)
    for login in PEOPLE:
        github_sim.set_permission(REPO, login, "write")
    async for servers in start_replicas(github_sim, github_app_key, redis_url):
        yield servers


async def burst(deliveries: list[Delivery], servers: list[TestServer]) -> list[int]:
    """POST every delivery to both replicas at once, 20 at a time; return the statuses."""
    urls = [str(server.make_url("/webhook")) for server in servers]
    gate = asyncio.Semaphore(20)

    async def post(session: aiohttp.ClientSession, url: str, delivery: Delivery) -> int:
        headers = delivery.headers | {"X-Hub-Signature-256": signature(SECRET, delivery.body)}
        async with gate, session.post(url, data=delivery.body, headers=headers) as answer:
            return answer.status

    async with aiohttp.ClientSession() as session:
        posts = [post(session, url, d) for d in deliveries for url in urls]
        random.Random(5).shuffle(posts)
        return list(await asyncio.gather(*posts))


async def test_two_replicas_take_a_burst_of_200_deliveries_once_each(
    github_sim: GitHubSim, replicas: list[TestServer]
) -> None:
    github_sim.set_webhook(None)  # built here, sent by `burst`
    pushes = [
        await github_sim.push(REPO, dict([team_call(day)]), author="joergroedel")
        for day in range(FILES)
    ]
    statuses = await burst(pushes, replicas)
    await settle_replicas(github_sim, replicas)
    assert sorted(statuses) == [200] * FILES + [202] * FILES

    items = [i for i in github_sim.issues(REPO) if "action-item" in i.labels]
    commands = [
        await github_sim.comment(REPO, issue.number, issue.assignees[0], "/done") for issue in items
    ]
    chatter = [
        await github_sim.comment(REPO, issue.number, "peterfang", "Thanks, see the log.")
        for issue in items
    ]
    statuses = await burst(commands + chatter, replicas)
    await settle_replicas(github_sim, replicas)

    assert len(pushes + commands + chatter) * 2 == 200
    assert statuses.count(202) == len(commands) + len(chatter)
    after = snapshot(github_sim)
    assert after.duplicates() == []
    assert sorted(i.title for i in items) == sorted(
        f"{verb} of day {day}".capitalize()
        for day in range(FILES)
        for verb in ("check the build", "review the patch")
    )
    meetings = [i for i in after.issues if i.title.startswith("Meeting ")]
    assert len(meetings) == FILES
    assert all(len(meeting.sub_issues) == 2 for meeting in meetings)
    for issue in items:
        closed = github_sim.issue(REPO, issue.number)
        assert (closed.state, closed.state_reason) == ("closed", "completed")
    for command in commands:
        reactions = github_sim.reactions(REPO, comment_id=command.payload["comment"]["id"])
        assert [(r.user, r.content) for r in reactions] == [("minutes-bot[bot]", "+1")]
    bot_comments = [
        (issue.number, c.body)
        for issue in github_sim.issues(REPO)
        for c in github_sim.comments(REPO, issue.number)
        if c.user == "minutes-bot[bot]"
    ]
    assert len(bot_comments) == len(set(bot_comments))


# -- 6. a delivery that fails is tried again --------------------------------------------------------


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry failed deliveries after 0.2 s instead of minutes (set before the bot starts)."""
    monkeypatch.setattr(queue, "RETRY_DELAYS", (0.2, 0.2))


async def test_a_delivery_that_failed_once_is_tried_again_and_does_the_work(
    quick_retries: None, github_sim: GitHubSim, svsm_bot: Bot
) -> None:
    github_sim.faults.fail("POST", CREATE_ISSUE, status=422)  # not retried by the port
    delivery = await github_sim.push(REPO, {MEETING: SVSM}, author="joergroedel")
    assert delivery.status == 202

    await github_sim.wait_until(lambda: len(issues_titled(github_sim)) == 8, within=20)
    await svsm_bot.settle(github_sim)

    creates = github_sim.calls_matching("POST", CREATE_ISSUE)
    assert [call.status for call in creates[:2]] == [422, 201]
    assert snapshot(github_sim).duplicates() == []
    assert Journal(svsm_bot.app[JOURNAL].path).state(delivery.id) == "done"


def issues_titled(sim: GitHubSim) -> list[str]:
    return [issue.title for issue in sim.issues(REPO)]
