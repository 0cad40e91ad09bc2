"""What `minutes-bot serve` logs, read from its log file as an operator would.

GitHub's own example payloads (tests/github_sim/examples) name a repository the App
cannot see; the service must take them calmly: a warning line for what it cannot see,
no error, no traceback, and every record about one delivery naming that delivery only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e_support import SECRET, Service, create_svsm_repo, service_env
from tests.github_sim import Delivery, GitHubSim

EXAMPLES = Path(__file__).parent / "github_sim" / "examples"


@pytest.fixture
async def service(
    github_sim: GitHubSim, github_app_key: tuple[int, str], tmp_path: Path
) -> Any:
    create_svsm_repo(github_sim)
    running = Service(service_env(github_sim, github_app_key, tmp_path), tmp_path / "service.log")
    await running.start()
    github_sim.set_webhook(running.url, SECRET)
    try:
        yield running
    finally:
        await running.kill()


def records(service: Service) -> list[dict[str, Any]]:
    lines = service.log.read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


async def deliver_all(
    sim: GitHubSim, service: Service, payloads: list[tuple[str, Any]]
) -> list[Delivery]:
    sent = [await sim.deliver(event, payload) for event, payload in payloads]
    accepted = [d for d in sent if d.status == 202]
    await sim.wait_until(
        lambda: all(service.journal_state(d.id) in ("done", "failed") for d in accepted), within=20
    )
    return sent


async def test_githubs_example_payloads_leave_no_traceback_and_no_error(
    github_sim: GitHubSim, service: Service
) -> None:
    examples = [
        (path.stem.split(".")[0], json.loads(path.read_text())) for path in EXAMPLES.glob("*.json")
    ]
    # Those naming an installation first, so a later one without could inherit it.
    payloads = sorted(examples, key=lambda example: ("installation" not in example[1], example[0]))

    sent = await deliver_all(github_sim, service, payloads)
    # Captured in 2024, they lack fields today's schemas require; the bot's calls are checked.
    github_sim.violations[:] = [v for v in github_sim.violations if not v.startswith("webhook ")]

    assert all(d.status in (200, 202) for d in sent), [(d.event, d.status) for d in sent]
    assert "Traceback" not in service.log.read_text()
    logged = records(service)
    assert [r for r in logged if r["level"] in ("error", "critical")] == []
    warnings = [r for r in logged if r["level"] == "warning"]
    assert warnings and all(r["repo"] == "Codertocat/Hello-World" for r in warnings)
    assert len(warnings) == len({r["delivery"] for r in warnings})  # one line each
    installations = {d.id: (d.payload.get("installation") or {}).get("id") for d in sent}
    about_deliveries = [r for r in logged if "delivery" in r]
    assert about_deliveries
    strays = [r for r in about_deliveries if r.get("installation") != installations[r["delivery"]]]
    assert strays == []


@pytest.mark.parametrize(
    ("event", "payload", "field"),
    [
        ("push", {"ref": "refs/heads/main", "after": "a" * 40}, "repository.full_name"),
        (
            "issue_comment",
            {"action": "created", "repository": {"full_name": "coconut-svsm/svsm"}},
            "issue.number",
        ),
        ("issues", {"action": "closed", "issue": {"number": 3}}, "repository.full_name"),
    ],
)
async def test_a_signed_payload_without_what_its_handler_needs_is_refused_in_one_line(
    github_sim: GitHubSim, service: Service, event: str, payload: dict[str, Any], field: str
) -> None:
    delivery = await github_sim.deliver(event, payload)
    github_sim.violations.clear()  # not what GitHub sends: that is the point

    assert (delivery.status, delivery.response) == (400, f"malformed delivery: no {field}")
    logged = [r for r in records(service) if r.get("delivery") == delivery.id]
    assert [(r["level"], r["message"]) for r in logged] == [
        ("warning", f"delivery refused: a {event} event without {field}")
    ]
    assert "Traceback" not in service.log.read_text()
