"""`minutes-bot status OWNER/REPO [--dry-run]` against the simulated GitHub, with a token."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date, datetime

import pytest

from bot.cli import status as cli_status
from bot.compat import UTC
from bot.handlers.weekly_status import TRACKER_TITLE
from bot.tracker.marker import ItemMarker, format_marker
from bot.tracker.status import posted_week
from tests.github_sim import GitHubSim

REPO = "acme/minutes"
# Monday 00:00 in UTC: every moment of the week is past it, so a report is always due.
ALWAYS_DUE = "schedule:\n  day: monday\n  hour: 0\n  timezone: UTC\n"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    parser = argparse.ArgumentParser(prog="minutes-bot")
    cli_status.add_parsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    assert args.run(args) == 0
    out, err = capsys.readouterr()
    return out, err


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, github_sim: GitHubSim, github_token: str) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", github_token)
    monkeypatch.setenv("GITHUB_API_URL", github_sim.url)
    monkeypatch.delenv("MINUTES_BOT_CONFIG", raising=False)
    monkeypatch.delenv("GITHUB_APP_ID", raising=False)


def add_item(sim: GitHubSim, title: str, owner: str, due: date | None = None) -> int:
    """Open an item issue as the bot writes them with Actions' token: labelled, assigned, marked."""
    marker = ItemMarker(
        file="meetings/2024-12-18.md", key=title, title=title, line=3, sha="0" * 40, due=due
    )
    return sim.add_issue(
        REPO,
        title,
        author="github-actions[bot]",
        body=f"- **Owner:** @{owner}\n\n{format_marker(marker)}",
        labels=["action-item", "meeting/2024-12-18"],
        assignees=[owner],
        created_at=datetime(2024, 12, 18, 12, tzinfo=UTC),
    )


@pytest.fixture
def repo(github_sim: GitHubSim, env: None) -> str:
    github_sim.add_repo(REPO, files={".github/minutes-bot.yml": ALWAYS_DUE})
    github_sim.add_user("alice", "Alice Liddell")
    github_sim.set_permission(REPO, "alice", "write")
    return REPO


def tracker_comments(sim: GitHubSim) -> list[str]:
    tracker = next((i for i in sim.issues(REPO) if i.title == TRACKER_TITLE), None)
    return [c.body for c in sim.comments(REPO, tracker.number)] if tracker else []


async def test_a_dry_run_prints_the_report_and_writes_nothing(
    github_sim: GitHubSim, repo: str, capsys: pytest.CaptureFixture[str]
) -> None:
    number = add_item(github_sim, "Review the user space support PR", "alice", date(2024, 12, 24))

    out, err = await run_in_thread(["status", REPO, "--dry-run"], capsys)

    assert posted_week(out) is not None
    assert f"[#{number}](" in out and "· **overdue since 24 December 2024**" in out
    assert "```mermaid" not in out  # no chart unless `status.chart` asks for one
    assert err == f"{REPO}: due, but not posted (dry run)\n"
    assert github_sim.writes() == []
    assert tracker_comments(github_sim) == []


async def test_a_manual_run_posts_once_a_week(
    github_sim: GitHubSim, repo: str, capsys: pytest.CaptureFixture[str]
) -> None:
    add_item(github_sim, "Review the user space support PR", "alice")

    out, err = await run_in_thread(["status", REPO], capsys)
    assert out == ""
    assert err.startswith(f"{REPO}: posted the weekly status on #")
    _, again = await run_in_thread(["status", REPO], capsys)

    assert again == f"{REPO}: this week's report is already posted\n"
    assert len(tracker_comments(github_sim)) == 1
    tracker = next(i for i in github_sim.issues(REPO) if i.title == TRACKER_TITLE)
    assert tracker.labels == ["action-item-tracker"]


@pytest.mark.parametrize("argv", [["status", REPO], ["status", REPO, "--dry-run"]])
async def test_an_empty_repository_gets_no_report(
    github_sim: GitHubSim, repo: str, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    out, err = await run_in_thread(argv, capsys)
    assert (out, err) == ("", f"{REPO}: nothing is tracked, so there is no report\n")
    assert github_sim.writes() == []


async def test_a_broken_config_stops_with_a_message(
    github_sim: GitHubSim, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    github_sim.add_repo(REPO, files={".github/minutes-bot.yml": "schedule: [weekly]\n"})
    with pytest.raises(SystemExit) as stopped:
        await run_in_thread(["status", REPO], capsys)
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        f"minutes-bot: {REPO}: .github/minutes-bot.yml cannot be used\n"
    )
    assert github_sim.writes() == []


async def run_in_thread(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """Run the command in a thread: it starts its own event loop, as from a shell,
    while this one keeps serving the simulator."""
    return await asyncio.to_thread(run, argv, capsys)


async def test_the_configured_tracker_gets_the_report_and_keeps_its_own_text(
    github_sim: GitHubSim, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    github_sim.add_repo(REPO)
    tracker = github_sim.add_issue(REPO, "Weekly notes", author="acme", body="Our own words.")
    config = f"tracker_issue: {tracker}\n{ALWAYS_DUE}"
    await github_sim.push(REPO, {".github/minutes-bot.yml": config}, author="acme")
    github_sim.add_user("alice", "Alice Liddell")
    github_sim.set_permission(REPO, "alice", "write")
    add_item(github_sim, "Review the user space support PR", "alice")

    _, err = await run_in_thread(["status", REPO], capsys)

    assert err == f"{REPO}: posted the weekly status on #{tracker}\n"
    assert [posted_week(c.body) is not None for c in github_sim.comments(REPO, tracker)] == [True]
    assert github_sim.issue(REPO, tracker).body == "Our own words."
    assert [i.title for i in github_sim.issues(REPO)].count(TRACKER_TITLE) == 0
