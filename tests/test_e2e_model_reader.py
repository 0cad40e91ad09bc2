"""The model reader end to end: `minutes-bot serve` against the simulated GitHub and a
local OpenAI-compatible server that answers as a model might, good proposals and bad.

The service reads the SVSM minutes with the rules and asks the server about them; the
issues it opens are the rules' items and the one model proposal the minutes bear out,
and the same text read again costs no call.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cli.action import run_action
from bot.config.settings import settings_from_env
from bot.tracker.marker import ItemMarker, parse_marker
from bot.tracker.preview import MODEL_ONLY, PREVIEW_MARKER
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
)
from tests.github_sim import Delivery, GitHubSim
from tests.model_server import ModelServer, Reply, item, items, model_server

KEY = "local-model-key"
MODEL = "test/minutes-reader"
# Line 46: "He mentioned the need to convince Linux architects …", after a line about Peter.
MODEL_ONLY_TITLE = "Convince the Linux architects about the use case"
PROPOSALS = (
    # Only the model sees this one, and the minutes bear it out.
    item(46, "the need to convince Linux architects about the use case", ["Peter Fang"], MODEL_ONLY_TITLE),
    # The rules' own item: one issue, not two.
    item(13, "was asked to check and resubmit any changes", ["Peter Fang"], "Check and resubmit the changes", None),
    # A quote that is not in the minutes, an owner nobody wrote, a line that does not exist.
    item(19, "Peter Fang will merge the draft PR today", ["Peter Fang"], "Merge the draft PR"),
    item(35, "Keylime has support for ECC P-256", ["Mallory Evil"], "Add ECC P-256 to Keylime"),
    item(400, "assign everyone", ["@octocat"], "Assign everyone"),
)


def answer(numbered: str) -> Reply:
    return items(*PROPOSALS)


@pytest.fixture
async def model() -> AsyncIterator[ModelServer]:
    async with model_server(key=KEY, model=MODEL, answer=answer) as server:
        yield server


@pytest.fixture
async def service(
    github_sim: GitHubSim, github_app_key: tuple[int, str], tmp_path: Path, model: ModelServer
) -> AsyncIterator[Service]:
    create_svsm_repo(github_sim)
    env = service_env(github_sim, github_app_key, tmp_path) | {
        "MINUTES_BOT_MODEL_URL": model.url,
        "MINUTES_BOT_MODEL_KEY": KEY,
        "MINUTES_BOT_MODEL": MODEL,
    }
    running = Service(env, tmp_path / "service.log")
    await running.start()
    github_sim.set_webhook(running.url, SECRET)
    await handled(github_sim, running, await github_sim.push(
        REPO, {".github/minutes-bot.yml": CONFIG + "reader: rules+model\n"}, author="joergroedel"
    ))
    try:
        yield running
    finally:
        await running.kill()


async def handled(sim: GitHubSim, service: Service, delivery: Delivery) -> None:
    """Wait until the service has finished with `delivery`."""
    assert delivery.status == 202, delivery.response
    await sim.wait_until(lambda: service.journal_state(delivery.id) == "done", within=30)


async def push_minutes(sim: GitHubSim, service: Service, text: str) -> None:
    await handled(sim, service, await sim.push(REPO, {MEETING: text}, author="joergroedel"))


async def test_the_service_opens_the_rules_items_and_the_verified_model_item_only(
    github_sim: GitHubSim, service: Service, model: ModelServer
) -> None:
    await push_minutes(github_sim, service, SVSM)

    assert model.problems == [] and len(model.requests) == 1
    issues = {issue.title: issue for issue in item_issues(github_sim)}
    rules = [i.title for i in expected_items(SVSM)]
    assert sorted(issues) == sorted([*rules, MODEL_ONLY_TITLE])
    added = issues[MODEL_ONLY_TITLE]
    assert added.assignees == ["peterfang"]
    marker = parse_marker(added.body)
    assert isinstance(marker, ItemMarker) and (marker.reader, marker.line) == ("model", 46)
    assert all(parse_marker(issues[t].body).reader == "rules" for t in rules)  # type: ignore[union-attr]
    assert "octocat" not in json.dumps([i.assignees for i in issues.values()])
    log = service.log.read_text()
    assert KEY not in log
    [checked] = [json.loads(line) for line in log.splitlines() if "proposals checked" in line]
    assert (checked["proposed"], checked["kept"], checked["confirmed"]) == (5, 1, 1)
    assert checked["dropped"] == {"line out of range": 1, "owner not written there": 1, "quote not on its line": 1}


async def test_the_same_text_read_again_makes_no_model_call(
    github_sim: GitHubSim, service: Service, model: ModelServer
) -> None:
    await push_minutes(github_sim, service, SVSM)
    await push_minutes(github_sim, service, SVSM + "\nThe meeting ended at 17:00.\n")
    assert len(model.requests) == 2  # new text, a new question
    before = sorted(i.title for i in item_issues(github_sim) if i.state == "open")

    await push_minutes(github_sim, service, SVSM)  # the first text again: its answer is kept

    assert len(model.requests) == 2
    assert sorted(i.title for i in item_issues(github_sim) if i.state == "open") == before


async def test_a_failing_model_leaves_the_rules_items_and_the_delivery_done(
    github_sim: GitHubSim, service: Service, model: ModelServer
) -> None:
    model.script = [Reply(500, {"error": "down"}), Reply(503, {"error": "down"})]

    await push_minutes(github_sim, service, SVSM)

    assert sorted(i.title for i in item_issues(github_sim)) == sorted(i.title for i in expected_items(SVSM))
    failures = [line for line in service.log.read_text().splitlines() if "model reader failed" in line]
    assert len(failures) == 1 and "the model server answered 503" in failures[0]


async def test_the_preview_marks_the_items_only_the_model_found(
    github_sim: GitHubSim, service: Service, model: ModelServer
) -> None:
    delivery = await github_sim.open_pull(
        REPO, title="Add the minutes", author="vijay-dhanraj", head="minutes-1218", files={MEETING: SVSM}
    )
    number = int(delivery.payload["number"])
    await handled(github_sim, service, delivery)

    [comment] = github_sim.comments(REPO, number)
    assert PREVIEW_MARKER in comment.body
    marked = [line for line in comment.body.splitlines() if MODEL_ONLY in line]
    assert len(marked) == 1 and MODEL_ONLY_TITLE in marked[0]
    said = re.search(r"The model reader: (.*)\.", comment.body)
    assert said is not None
    assert said.group(1) == (
        f"the model ({MODEL}) proposed 5 item(s): 1 added, 1 also found by the rules, 3 dropped "
        "(1 line out of range, 1 owner not written there, 1 quote not on its line)"
    )
    assert item_issues(github_sim) == []  # nothing is opened before the merge


async def test_the_action_reads_with_the_model_too(
    github_sim: GitHubSim, github_token: str, tmp_path: Path, model: ModelServer
) -> None:
    create_svsm_repo(github_sim)
    github_sim.set_webhook(None)
    await github_sim.push(
        REPO, {".github/minutes-bot.yml": CONFIG + "reader: rules+model\n"}, author="joergroedel"
    )
    delivery = await github_sim.push(REPO, {MEETING: SVSM}, author="joergroedel")
    (tmp_path / "event.json").write_text(json.dumps(delivery.payload))
    env = {
        "GITHUB_TOKEN": github_token,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": github_sim.url,
        "GITHUB_RUN_ID": "4242",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "MINUTES_BOT_WRITES_PER_MINUTE": "0",
        "MINUTES_BOT_MODEL_URL": model.url,
        "MINUTES_BOT_MODEL_KEY": KEY,
        "MINUTES_BOT_MODEL": MODEL,
    }

    assert await asyncio.to_thread(run_action, settings_from_env(env), env, dry_run=False) == 0

    assert model.problems == [] and len(model.requests) == 1
    titles = sorted(issue.title for issue in item_issues(github_sim))
    assert titles == sorted([*(i.title for i in expected_items(SVSM)), MODEL_ONLY_TITLE])
