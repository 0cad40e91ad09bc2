"""`GET /metrics`: what the service did, in the Prometheus text format."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.service.app import METRICS
from bot.service.metrics import Metrics, queue_depth
from bot.service.queue import Delivery, EmbeddedQueue, Journal
from tests.e2e_support import EVAL_DEV, MEETING, SVSM, Bot, create_svsm_repo, push, start_bot
from tests.github_sim import GitHubSim

QUILLSTONE = "meetings/2025-03-05-release-triage.md"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
async def bot(
    github_sim: GitHubSim, github_app_key: tuple[int, str], tmp_path: Path
) -> AsyncIterator[Bot]:
    create_svsm_repo(github_sim)
    async for running in start_bot(github_sim, github_app_key, tmp_path / "journal.sqlite3"):
        yield running


async def scrape(bot: Bot) -> tuple[str, Samples]:
    """GET /metrics; return its content type and every sample by name and labels."""
    url = bot.url.replace("/webhook", "/metrics")
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        text = await response.text()
        content_type = response.headers["Content-Type"]
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    return content_type, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_pushing_the_svsm_minutes_shows_in_the_metrics(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await push(github_sim, bot, {MEETING: SVSM})

    content_type, samples = await scrape(bot)
    assert content_type.startswith("text/plain; version=")
    assert value(samples, "minutes_bot_deliveries_total", event="push", outcome="accepted") == 1
    assert value(samples, "minutes_bot_items_total", change="opened") == 7
    assert value(samples, "minutes_bot_items_total", change="updated") == 0
    assert value(samples, "minutes_bot_github_calls_total") > 0
    assert value(samples, "minutes_bot_github_writes_total") > 0
    assert value(samples, "minutes_bot_jobs_total", outcome="done") == 1
    assert value(samples, "minutes_bot_job_latency_seconds_count") == 1
    assert value(samples, "minutes_bot_queue_depth") == 0


async def test_a_redelivery_counts_as_duplicate_and_is_not_processed_again(
    github_sim: GitHubSim, bot: Bot
) -> None:
    delivery = await github_sim.push("coconut-svsm/svsm", {MEETING: SVSM}, author="joergroedel")
    await bot.settle(github_sim)
    await github_sim.redeliver(delivery)
    await bot.settle(github_sim)

    _, samples = await scrape(bot)
    assert value(samples, "minutes_bot_deliveries_total", event="push", outcome="duplicate") == 1
    assert value(samples, "minutes_bot_job_latency_seconds_count") == 1


async def test_corrected_minutes_count_one_item_opened_updated_and_closed(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await push(
        github_sim, bot, {QUILLSTONE: (EVAL_DEV / "07-quillstone-release-triage.md").read_text()}
    )
    _, before = await scrape(bot)
    await push(
        github_sim, bot, {QUILLSTONE: (EVAL_DEV / "08-quillstone-release-triage-v2.md").read_text()}
    )

    _, after = await scrape(bot)
    changes = {
        change: value(after, "minutes_bot_items_total", change=change)
        - value(before, "minutes_bot_items_total", change=change)
        for change in ("opened", "updated", "closed")
    }
    assert changes == {"opened": 1, "updated": 1, "closed": 1}
    assert value(after, "minutes_bot_job_latency_seconds_count") == 2


async def test_rate_limit_waits_are_counted(github_sim: GitHubSim, bot: Bot) -> None:
    github_sim.faults.secondary_rate_limit("POST", "/repos/{o}/{r}/issues", times=1, retry_after=0)
    await push(github_sim, bot, {MEETING: SVSM})

    _, samples = await scrape(bot)
    assert value(samples, "minutes_bot_github_waits_total") == 1
    assert value(samples, "minutes_bot_items_total", change="opened") == 7


async def test_each_app_counts_in_its_own_registry(bot: Bot, tmp_path: Path) -> None:
    other = Metrics()
    other.delivery("push", "accepted")
    _, samples = await scrape(bot)
    assert value(samples, "minutes_bot_deliveries_total", event="push", outcome="accepted") == 0
    assert bot.app[METRICS] is not other


def test_every_metric_has_help_text() -> None:
    text = json.dumps([f.documentation for f in Metrics().registry.collect()])
    assert '""' not in text


async def test_queue_depth_counts_deliveries_accepted_and_not_processed(tmp_path: Path) -> None:
    async def never(delivery: Delivery) -> None:
        raise AssertionError("a stopped queue processes nothing")

    queue = EmbeddedQueue(Journal(tmp_path / "journal.sqlite3"), never)
    for number in range(2):
        await queue.submit(Delivery(f"d-{number}", "push", {"repository": {"full_name": "o/r"}}))

    assert await queue_depth(queue) == 2
    assert b"\nminutes_bot_queue_depth 2.0\n" in await Metrics().exposition(queue)
