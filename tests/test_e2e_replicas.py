"""Two replicas of the service sharing one Redis: any replica may take any delivery,
and a delivery is still processed once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer

from tests.e2e_support import (
    MEETING,
    REPO,
    SECRET,
    SVSM,
    api_calls,
    create_svsm_repo,
    expected_items,
    item_issues,
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
