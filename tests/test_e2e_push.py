"""Pushing minutes, end to end: signed webhooks from the simulated GitHub to the running bot.

The simulator commits the files, signs the `push` webhook as GitHub does and POSTs it to
the bot's HTTP server; the bot answers 202, works in the background against the
simulator's REST API, and the tests look at the issues and comments it left there.
"""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest

from bot.cli.action import Run, act
from bot.config.settings import settings_from_env
from bot.github.auth import AppAuth
from bot.handlers.linked_pulls import COMMENT_MARKER
from bot.handlers.minutes_files import sync_repository
from bot.service.app import JOURNAL, make_port
from bot.service.queue import Delivery, Journal
from tests.e2e_support import (
    CONFIG,
    EVAL_DEV,
    MEETING,
    REPO,
    SECRET,
    SVSM,
    Bot,
    action_env,
    api_calls,
    expected_items,
    item_issues,
    push,
    settings,
    start_bot,
)
from tests.github_sim import GitHubSim


@pytest.fixture
def repo(svsm_repo: str) -> str:
    return svsm_repo


@pytest.fixture
def bot(svsm_bot: Bot) -> Bot:
    return svsm_bot


# -- journey 1: commit minutes, get issues ----------------------------------------------


async def test_svsm_minutes_become_issues(github_sim: GitHubSim, bot: Bot) -> None:
    await push(github_sim, bot, {MEETING: SVSM})

    items = item_issues(github_sim)
    assert sorted(i.title for i in items) == sorted(i.title for i in expected_items(SVSM))
    for issue in items:
        assert set(issue.labels) == {"action-item", "meeting/2024-12-18"}
        assert f"blob/{github_sim.commit(REPO).sha}/{MEETING}?plain=1#L" in (issue.body or "")

    by_line = {_line(issue.body or ""): issue for issue in items}
    assert by_line[13].assignees == ["peterfang"]
    assert by_line[26].assignees == ["joergroedel"]
    assert "**Due:** 2025-01-31" in (by_line[26].body or "")
    review = next(i for i in items if "user space support" in i.title.lower())
    assert review.assignees == ["joergroedel"]
    assert "**Due:** 2024-12-24" in (review.body or "")
    assert "**Related:** #1" in (review.body or "")  # Vijay's PR, not Jon's draft (#2)

    meeting = next(i for i in github_sim.issues(REPO) if i.title.startswith("Meeting 2024-12-18"))
    assert sorted(i.number for i in github_sim.sub_issues(REPO, meeting.number)) == sorted(
        i.number for i in items
    )
    assert all(f"#{i.number}" in (meeting.body or "") for i in items)

    pr_comments = github_sim.comments(REPO, 1)
    assert len(pr_comments) == 1
    assert f"#{review.number} {review.title}" in pr_comments[0].body
    assert COMMENT_MARKER in pr_comments[0].body
    assert github_sim.comments(REPO, 2) == []


def _line(body: str) -> int:
    return int(body.split(f"{MEETING}?plain=1#L", 1)[1].split(")", 1)[0])


# -- idempotency and journey 2: correct the minutes ---------------------------------------


def snapshot(sim: GitHubSim) -> dict[int, tuple[str, str, str, str | None]]:
    return {i.number: (i.title, i.body or "", i.state, i.state_reason) for i in sim.issues(REPO)}


async def test_replayed_delivery_and_unchanged_push_write_nothing(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await push(github_sim, bot, {MEETING: SVSM})
    first = github_sim.deliveries[-1]
    before = snapshot(github_sim)
    github_sim.reset_calls()

    replay = await github_sim.redeliver(first)
    await bot.settle(github_sim)
    assert replay.status == 200
    assert api_calls(github_sim) == []

    await push(github_sim, bot, {MEETING: SVSM, "README.md": "# SVSM\n\nNow with minutes.\n"})
    assert github_sim.writes() == []
    assert len(api_calls(github_sim)) <= 5
    assert snapshot(github_sim) == before


QUILLSTONE = "meetings/2025-03-05-release-triage.md"


async def test_corrected_minutes_edit_close_and_open_one_issue_each(
    github_sim: GitHubSim, bot: Bot
) -> None:
    dev = EVAL_DEV
    await push(github_sim, bot, {QUILLSTONE: (dev / "07-quillstone-release-triage.md").read_text()})
    before = snapshot(github_sim)
    github_sim.reset_calls()

    await push(
        github_sim, bot, {QUILLSTONE: (dev / "08-quillstone-release-triage-v2.md").read_text()}
    )

    after = snapshot(github_sim)
    items = {i.number for i in item_issues(github_sim)}
    changed = {n for n in before if n in items and before[n] != after[n]}
    opened = items - set(before)
    closed = {n for n in changed if after[n][2] == "closed"}
    edited = changed - closed
    assert len(opened) == len(closed) == len(edited) == 1
    assert after[closed.pop()][3] == "not_planned"
    assert "partial-cache" in after[edited.pop()][0].lower()
    assert "rc.1" in after[min(opened)][0].lower()
    touched = {_issue_number(call.path) for call in github_sim.writes()} - {None}
    meeting = {n for n, (title, *_) in after.items() if title.startswith("Meeting ")}
    assert len(meeting) == 1
    assert touched <= changed | opened | meeting
    assert f"#{min(opened)} " in after[min(meeting)][1]  # the meeting lists the new item


def _issue_number(path: str) -> int | None:
    parts = path.split("/")
    return int(parts[5]) if len(parts) > 5 and parts[4] == "issues" and parts[5].isdigit() else None


# -- pushes that must do nothing -----------------------------------------------------------


NOTHING_TO_DO = [
    pytest.param({MEETING: SVSM}, "feature/minutes", id="another branch"),
    pytest.param({"docs/notes.md": SVSM, "README.md": SVSM}, None, id="outside the minutes globs"),
    pytest.param(
        {"meetings/2024-10-22.md": (EVAL_DEV / "09-foundation-tsc.md").read_text()},
        None,
        id="minutes without items",
    ),
]


@pytest.mark.parametrize(("files", "branch"), NOTHING_TO_DO)
async def test_pushes_that_change_no_minutes_items_write_nothing(
    github_sim: GitHubSim, bot: Bot, files: dict[str, str | None], branch: str | None
) -> None:
    github_sim.reset_calls()
    await push(github_sim, bot, files, **({"branch": branch} if branch else {}))
    assert github_sim.writes() == []
    assert item_issues(github_sim) == []


@pytest.mark.parametrize("secret", ["not the secret", None])
async def test_unsigned_or_badly_signed_pushes_are_refused_unprocessed(
    github_sim: GitHubSim, bot: Bot, secret: str | None
) -> None:
    github_sim.set_webhook(bot.url, secret)
    github_sim.reset_calls()
    delivery = await github_sim.push(REPO, {MEETING: SVSM}, author="joergroedel")
    await bot.settle(github_sim)
    assert delivery.status == 401
    assert github_sim.calls == []
    assert github_sim.issues(REPO) == []


# -- call budget ------------------------------------------------------------------------------

# Per item: create it under its meeting issue. Once: the read-ahead (config, the
# organisation's defaults, the minutes file, who can be assigned), the issue list, the PR
# search, the item label, meeting issue and its task-list update, the PR comment (list,
# post). The push payload lists the changed files, so no compare call is needed; the
# open items of earlier meetings are among the issues listed, and a repository where the
# bot had no items has no tracker to refresh.
FIRST_OVERHEAD = 8


async def test_call_budget_for_first_processing_and_for_unchanged_minutes(
    github_sim: GitHubSim, bot: Bot
) -> None:
    github_sim.reset_calls()
    await push(github_sim, bot, {MEETING: SVSM})
    first = len(api_calls(github_sim))
    items = len(item_issues(github_sim))
    github_sim.reset_calls()
    await push(github_sim, bot, {MEETING: SVSM + "\n"})  # items unchanged
    again = api_calls(github_sim)
    assert first <= items + FIRST_OVERHEAD
    # the read-ahead (config, the organisation's defaults, minutes file), the issues under
    # the meeting's label, PR search, the open items of earlier meetings: items unchanged,
    # so nothing else
    assert len(again) <= 4
    assert [c for c in again if c.is_write] == []


# -- journal: nothing lost between "202" and "done" -----------------------------------------


async def test_a_delivery_accepted_before_a_crash_is_processed_at_start_up(
    github_sim: GitHubSim, github_app_key: tuple[int, str], repo: str, tmp_path: Path
) -> None:
    github_sim.set_webhook(None, SECRET)
    built = await github_sim.push(REPO, {MEETING: SVSM}, author="joergroedel")
    journal = tmp_path / "journal.sqlite3"
    accepted = Delivery(built.id, built.event, json.loads(built.body))
    assert Journal(journal).add(accepted)  # what the webhook did before the process died

    async for bot in start_bot(github_sim, github_app_key, journal):
        await bot.settle(github_sim)
        assert len(item_issues(github_sim)) == len(expected_items(SVSM))
        github_sim.reset_calls()
        replay = await github_sim.send(built)
        await bot.settle(github_sim)
        assert replay.status == 200
        assert api_calls(github_sim) == []
    assert Journal(journal).state(built.id) == "done"


# -- configuration problems and deleted minutes ------------------------------------------------


async def test_invalid_config_is_reported_once_on_the_commit_and_nothing_else_happens(
    github_sim: GitHubSim, bot: Bot
) -> None:
    broken = CONFIG + "labels:\n  item: [not, a, label]\nschedul:\n  day: friday\n"
    await push(github_sim, bot, {".github/minutes-bot.yml": broken, MEETING: SVSM})
    head = github_sim.commit(REPO).sha

    comments = github_sim.commit_comments(REPO, head)
    assert len(comments) == 1
    assert "- line 15: `labels.item` must be a label name" in comments[0].body
    assert "- line 16: unknown option `schedul`; did you mean `schedule`?" in comments[0].body
    assert github_sim.issues(REPO) == []

    await github_sim.redeliver(github_sim.deliveries[-1])
    await bot.settle(github_sim)
    assert len(github_sim.commit_comments(REPO, head)) == 1


async def test_deleting_minutes_closes_their_open_items_as_not_planned(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await push(github_sim, bot, {MEETING: SVSM})
    done = item_issues(github_sim)[0].number
    github_sim.add_comment(REPO, done, "joergroedel", "Finished.")
    await github_sim.close_issue(REPO, done, by="joergroedel", reason="completed")

    await push(github_sim, bot, {MEETING: None})

    items = item_issues(github_sim)
    assert all(issue.state == "closed" for issue in items)
    assert [i.state_reason for i in items if i.number == done] == ["completed"]
    assert {i.state_reason for i in items if i.number != done} == {"not_planned"}
    assert "was deleted" in github_sim.comments(REPO, items[1].number)[-1].body
    meeting = next(i for i in github_sim.issues(REPO) if i.title.startswith("Meeting "))
    assert (meeting.state, meeting.state_reason) == ("closed", "not_planned")


# -- the other transports: `minutes-bot sync` and `minutes-bot action` -------------------------


async def test_sync_catches_up_on_minutes_whose_webhooks_were_lost(
    github_sim: GitHubSim, github_app_key: tuple[int, str], repo: str
) -> None:
    github_sim.set_webhook(None)  # deliveries are lost
    await github_sim.push(REPO, {MEETING: SVSM}, author="joergroedel")
    lines: list[str] = []

    async with aiohttp.ClientSession() as session:
        port = make_port(session, AppAuth(*github_app_key), settings(github_sim, github_app_key), 1)
        assert await sync_repository(port, REPO, progress=lines.append) == 1
        assert len(item_issues(github_sim)) == len(expected_items(SVSM))
        github_sim.reset_calls()
        await sync_repository(port, REPO)

    assert lines == [f"[1/1] {MEETING}"]
    assert github_sim.writes() == []


@pytest.mark.parametrize("event", ["push", "schedule"])
async def test_action_entry_point_handles_the_event_or_catches_up_on_schedule(
    github_sim: GitHubSim, github_token: str, repo: str, tmp_path: Path, event: str
) -> None:
    github_sim.set_webhook(None)
    built = await github_sim.push(REPO, {MEETING: SVSM}, author="joergroedel")
    payload = built.payload if event == "push" else {"schedule": "17 6 * * *"}
    env = action_env(github_sim, github_token, event, payload, tmp_path)

    await act(settings_from_env(env), Run.from_env(env))

    assert len(item_issues(github_sim)) == len(expected_items(SVSM))


async def test_without_sub_issues_the_meeting_task_list_still_links_every_item(
    github_sim: GitHubSim, bot: Bot
) -> None:
    github_sim.faults.fail("POST", "/repos/{owner}/{repo}/issues/{number}/sub_issues", 404, None)
    github_sim.parent_on_create = False  # nor can its GraphQL open an issue under another
    await push(github_sim, bot, {MEETING: SVSM})
    items = item_issues(github_sim)
    meeting = next(i for i in github_sim.issues(REPO) if i.title.startswith("Meeting "))
    assert len(items) == len(expected_items(SVSM))
    assert github_sim.sub_issues(REPO, meeting.number) == []
    assert all(f"- [ ] #{i.number} {i.title}" in (meeting.body or "") for i in items)


async def test_a_dropped_connection_while_opening_issues_duplicates_nothing(
    github_sim: GitHubSim, bot: Bot, unslept_ports: None
) -> None:
    github_sim.faults.drop("POST", "/repos/{owner}/{repo}/issues", times=1)
    await push(github_sim, bot, {MEETING: SVSM})
    creations = github_sim.calls_matching("POST", "/repos/{o}/{r}/issues")
    assert creations[0].status == 0  # the connection dropped
    titles = [i.title for i in item_issues(github_sim)]
    assert sorted(titles) == sorted(i.title for i in expected_items(SVSM))
    assert len([i for i in github_sim.issues(REPO) if i.title.startswith("Meeting ")]) == 1


async def test_fixing_the_config_picks_up_the_minutes_pushed_meanwhile(
    github_sim: GitHubSim, bot: Bot
) -> None:
    broken = CONFIG + "schedul:\n  day: friday\n"
    await push(github_sim, bot, {".github/minutes-bot.yml": broken, MEETING: SVSM})
    assert github_sim.issues(REPO) == []

    await push(github_sim, bot, {".github/minutes-bot.yml": CONFIG})

    assert len(item_issues(github_sim)) == len(expected_items(SVSM))


async def test_a_repository_added_after_the_token_was_cached_is_processed(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await push(github_sim, bot, {MEETING: SVSM})  # the installation's token is cached now
    later = "coconut-svsm/docs"
    github_sim.add_repo(later, installation_id=None, files={"README.md": "# Docs\n"})
    await github_sim.send_installation_repositories("added", [later])
    exchanges = len(github_sim.calls_matching("POST", "/app/installations/{i}/access_tokens"))

    delivery = await github_sim.push(later, {MEETING: SVSM}, author="joergroedel")
    assert delivery.status == 202, delivery.response
    await bot.settle(github_sim)

    assert len([i for i in github_sim.issues(later) if "action-item" in i.labels]) == len(
        expected_items(SVSM)
    )
    assert bot.app[JOURNAL].state(delivery.id) == "done"
    tokens = github_sim.calls_matching("POST", "/app/installations/{i}/access_tokens")
    assert len(tokens) == exchanges + 1  # one fresh token, not one per call
