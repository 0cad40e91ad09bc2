"""Two replicas of the service sharing one Redis: any replica may take any delivery,
and a delivery is still processed once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

from bot.service.redis_queue import LOST_DATA
from tests.e2e_support import (
    MEETING,
    REPO,
    SECRET,
    SVSM,
    Service,
    api_calls,
    create_svsm_repo,
    expected_items,
    item_issues,
    service_env,
    serving,
    settle_replicas,
    start_replicas,
)
from tests.github_sim import GitHubSim
from tests.redis_server import redis_server, redis_url  # noqa: F401 - fixtures


@pytest.fixture
async def replicas(
    github_sim: GitHubSim,
    github_app_key: tuple[int, str],
    redis_url: str,  # noqa: F811 - the fixture
) -> AsyncIterator[list[TestServer]]:
    create_svsm_repo(github_sim)
    async for servers in start_replicas(github_sim, github_app_key, redis_url):
        yield servers


async def test_a_delivery_redelivered_to_another_replica_is_processed_once(
    github_sim: GitHubSim, replicas: list[TestServer]
) -> None:
    first, second = (str(server.make_url("/webhook")) for server in replicas)
    github_sim.set_webhook(first, SECRET)
    delivery = await github_sim.push(REPO, {MEETING: SVSM}, author="joergroedel")
    assert delivery.status == 202
    await settle_replicas(github_sim, replicas)
    assert len(item_issues(github_sim)) == len(expected_items(SVSM))

    github_sim.reset_calls()
    github_sim.set_webhook(second, SECRET)
    again = await github_sim.redeliver(delivery)
    await settle_replicas(github_sim, replicas)
    assert again.status == 200
    assert api_calls(github_sim) == []


async def test_a_service_whose_redis_restarted_empty_processes_the_next_push_and_says_so(
    github_sim: GitHubSim,
    github_app_key: tuple[int, str],
    redis_url: str,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    create_svsm_repo(github_sim)
    env = service_env(github_sim, github_app_key, tmp_path) | {"REDIS_URL": redis_url}
    async with serving(github_sim, Service(env, tmp_path / "service.log")) as service:
        await github_sim.push(REPO, {"README.md": "# SVSM, again\n"}, author="joergroedel")
        await asyncio.sleep(0.5)  # the service has read from the stream
        redis = Redis.from_url(redis_url)
        try:
            await redis.flushall()  # what a restart without persistence leaves
        finally:
            await redis.aclose()

        delivery = await github_sim.push(REPO, {MEETING: SVSM}, author="joergroedel")
        assert delivery.status == 202
        await github_sim.wait_until(lambda: len(item_issues(github_sim)) == len(expected_items(SVSM)), within=60)
        assert await service.health() == 200
    assert LOST_DATA in service.log.read_text()
