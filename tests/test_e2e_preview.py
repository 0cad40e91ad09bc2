"""The preview on a pull request that adds or edits minutes, end to end.

People open, push to and merge pull requests in the simulated GitHub; it sends the
signed `pull_request` webhooks to the running bot, which keeps one comment on the PR
saying what merging would do, and writes nothing anywhere else before the merge.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import aiohttp
import pytest

from bot.cli.action import Run, act
from bot.cli.main import main
from bot.config.settings import settings_from_env
from bot.github.auth import AppAuth
from bot.handlers.pull_preview import preview_text
from bot.service.app import make_port
from bot.tracker.preview import NO_MINUTES, PREVIEW_MARKER
from tests.e2e_support import (
    MEETING,
    REPO,
    SVSM,
    Bot,
    action_env,
    api_calls,
    item_issues,
    push,
    settings,
)
from tests.github_sim import GitHubSim
from tests.github_sim.state import Comment


@pytest.fixture
def bot(svsm_bot: Bot) -> Bot:
    return svsm_bot


async def open_pull(sim: GitHubSim, bot: Bot, files: dict[str, str | None], **options: object) -> int:
    delivery = await sim.open_pull(REPO, title="Add the minutes", author="vijay-dhanraj",
                                   head="minutes-1218", files=files, **options)
    assert delivery.status == 202, delivery.response
    await bot.settle(sim)
    return int(delivery.payload["number"])


async def push_to_pull(sim: GitHubSim, bot: Bot, number: int, files: dict[str, str | None]) -> None:
    delivery = await sim.push_to_pull(REPO, number, files)
    assert delivery.status == 202, delivery.response
    await bot.settle(sim)


def preview(sim: GitHubSim, number: int, bot: str = "minutes-bot[bot]") -> Comment:
    """Return the bot's one comment on the PR, failing if there is not exactly one."""
    [comment] = sim.comments(REPO, number)
    assert comment.user == bot
    assert PREVIEW_MARKER in comment.body
    return comment


def rows(body: str) -> dict[str, list[str]]:
    """Read the preview's table: title -> its cells."""
    cells = [[c.strip() for c in line.strip("|").split(" | ")]
             for line in body.splitlines() if re.match(r"\| \[\d+\]", line)]
    return {row[1]: row for row in cells}


async def test_a_pr_adding_minutes_gets_one_comment_listing_every_issue_and_writes_nothing_else(
    github_sim: GitHubSim, bot: Bot
) -> None:
    github_sim.reset_calls()
    number = await open_pull(github_sim, bot, {MEETING: SVSM}, draft=True)

    body = preview(github_sim, number).body
    assert 'Opens the meeting issue "Meeting 2024-12-18: SVSM Development Call" and 7 issue(s):' in body
    table = rows(body)
    assert len(table) == 7
    assert table["Check and resubmit any changes removed from the svsm-tdx branch"][2:] == [
        "Peter Fang → `@peterfang`", "", "`svsm-tdx` (the Linux kernel repository)"]
    assert table["Help with reviewing and documenting unsafe blocks"][2:4] == [
        "Joerg Roedel → `@joergroedel`", "2025-01-31"]
    assert table["Review Vijay Dhanraj's user space support PR"][2:] == [
        "Joerg Roedel → `@joergroedel`", "2024-12-24",
        "`#1` Initial user space (user-mode) support"]
    assert table["Assist in convincing the relevant stakeholders"][2] == (
        "Jon Lange → `@jlange`")
    assert table["Test the new branches of the Linux kernel and QEMU repositories"][2] == "everyone"
    line_13 = f"[13](https://github.com/{REPO}/blob/minutes-1218/{MEETING}?plain=1#L13)"
    assert table["Check and resubmit any changes removed from the svsm-tdx branch"][0] == line_13
    assert "<!-- minutes-bot: ignore -->" in body  # the footer says how to skip a line
    assert "Updates" not in body and "lists the items anew" not in body
    assert item_issues(github_sim) == [] and github_sim.issues(REPO) == []
    assert [(c.method, c.path) for c in github_sim.writes()] == [
        ("POST", f"/repos/{REPO}/issues/{number}/comments")]


async def test_a_second_push_edits_the_one_comment_and_an_unchanged_push_writes_nothing(
    github_sim: GitHubSim, bot: Bot
) -> None:
    number = await open_pull(github_sim, bot, {MEETING: SVSM})
    first = preview(github_sim, number)
    reworded = SVSM.replace("agreed to investigate the external crate",
                            "agreed to evaluate the external UUID crate")

    github_sim.reset_calls()
    await push_to_pull(github_sim, bot, number, {MEETING: reworded})

    edited = preview(github_sim, number)
    assert edited.id == first.id
    assert "Evaluate the external UUID crate and compare it with the existing implementation" in rows(edited.body)
    assert "Investigate the external crate" not in edited.body
    assert [(c.method, c.path) for c in github_sim.writes()] == [
        ("PATCH", f"/repos/{REPO}/issues/comments/{first.id}")]

    github_sim.reset_calls()
    await push_to_pull(github_sim, bot, number, {MEETING: reworded, "README.md": "# SVSM!\n"})
    await github_sim.edit_pull(REPO, number, by="vijay-dhanraj", title="Minutes of 2024-12-18")
    await bot.settle(github_sim)

    assert github_sim.writes() == []
    assert preview(github_sim, number).body == edited.body


async def test_a_pr_editing_tracked_minutes_lists_one_update_and_one_close(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await push(github_sim, bot, {MEETING: SVSM})
    tracked = {i.title: i.number for i in item_issues(github_sim)}
    edited = (SVSM.replace("compare it with the existing implementation.",
                           "compare it with the existing implementation by the end of January.")
              .replace("* Adam Dunlap agreed to explore this approach and potentially submit a PR.\n", ""))

    number = await open_pull(github_sim, bot, {MEETING: edited})

    body = preview(github_sim, number).body
    crate = tracked["Investigate the external crate and compare it with the existing implementation"]
    adam = tracked["Explore this approach and submit a PR"]
    assert (
        f"Updates 1 issue(s):\n\n- `#{crate}` Investigate the external crate and compare it with "
        "the existing implementation: due none → 2025-01-31\n\n"
        "Closes 1 issue(s) as not planned, no longer in the minutes:\n\n"
        f"- `#{adam}` Explore this approach and submit a PR\n\n"
        "The meeting issue `#3` Meeting 2024-12-18: SVSM Development Call lists the items anew."
    ) in body
    assert "Opens" not in body
    assert github_sim.issue(REPO, adam).state == "open"  # nothing happens before the merge


async def test_a_pr_breaking_the_config_lists_its_problems_by_line(
    github_sim: GitHubSim, bot: Bot
) -> None:
    broken = "people:\n  - name: Peter Fang\n    login: peterfang\nmeeting_isue: false\n"

    number = await open_pull(github_sim, bot, {".github/minutes-bot.yml": broken})

    body = preview(github_sim, number).body
    assert "- line 4: unknown option `meeting_isue`; did you mean `meeting_issue`?" in body
    assert github_sim.commit_comments(REPO) == []


async def test_after_the_merge_the_issues_opened_are_the_ones_the_last_preview_listed(
    github_sim: GitHubSim, bot: Bot
) -> None:
    number = await open_pull(github_sim, bot, {MEETING: SVSM.replace("Jon Lange offered", "Jon offered")})
    await push_to_pull(github_sim, bot, number, {MEETING: SVSM})
    listed = {title: row[2] for title, row in rows(preview(github_sim, number).body).items()}

    await github_sim.merge_pull(REPO, number, by="joergroedel", push=True)
    await bot.settle(github_sim)

    opened = {i.title: i.assignees for i in item_issues(github_sim)}
    assert set(opened) == set(listed)
    assert all(f"`@{login}`" in listed[title] for title, logins in opened.items() for login in logins)


async def test_a_pr_that_stops_touching_minutes_says_so_in_one_line(
    github_sim: GitHubSim, bot: Bot
) -> None:
    number = await open_pull(github_sim, bot, {MEETING: SVSM})

    await push_to_pull(github_sim, bot, number, {MEETING: None, "docs/notes.txt": "later\n"})

    assert preview(github_sim, number).body == f"{NO_MINUTES}\n\n{PREVIEW_MARKER}"


async def test_a_pr_touching_no_minutes_gets_no_comment_at_all(
    github_sim: GitHubSim, bot: Bot
) -> None:
    number = await open_pull(github_sim, bot, {"src/main.rs": "fn main() {}\n"})

    assert github_sim.comments(REPO, number) == []
    assert github_sim.writes() == []


async def test_a_comment_carrying_a_copied_preview_marker_is_left_alone(
    github_sim: GitHubSim, bot: Bot
) -> None:
    number = await open_pull(github_sim, bot, {"src/main.rs": "fn main() {}\n"})
    await github_sim.comment(REPO, number, "mallory", f"my own preview {PREVIEW_MARKER}")
    await bot.settle(github_sim)

    await push_to_pull(github_sim, bot, number, {MEETING: SVSM})

    forged, mine = github_sim.comments(REPO, number)
    assert (forged.user, forged.body) == ("mallory", f"my own preview {PREVIEW_MARKER}")
    assert mine.user == "minutes-bot[bot]" and "Opens the meeting issue" in mine.body


async def test_one_preview_costs_the_calls_of_a_plan_plus_reading_and_writing_the_comment(
    github_sim: GitHubSim, github_app_key: tuple[int, str], bot: Bot
) -> None:
    number = await open_pull(github_sim, bot, {MEETING: SVSM})
    by_webhook = len(api_calls(github_sim))  # the first comment: list, then post
    pull = github_sim.render.pull(github_sim.state.repo(REPO), github_sim.issue(REPO, number))

    github_sim.reset_calls()
    app_id, key = github_app_key
    async with aiohttp.ClientSession() as session:
        port = make_port(session, AppAuth(app_id, key), settings(github_sim, github_app_key), 1)
        planned = await preview_text(port, pull["base"]["repo"], pull)

    assert planned == preview(github_sim, number).body
    assert by_webhook == len(api_calls(github_sim)) + 2


@pytest.mark.parametrize("event", ["pull_request", "pull_request_target"])
async def test_the_action_previews_the_pull_request_of_its_event(
    github_sim: GitHubSim, github_token: str, svsm_repo: str, tmp_path: Path, event: str
) -> None:
    opened = await github_sim.open_pull(REPO, title="Minutes", author="vijay-dhanraj",
                                        files={MEETING: SVSM})
    env = action_env(github_sim, github_token, event, opened.payload, tmp_path)

    await act(settings_from_env(env), Run.from_env(env))

    body = preview(github_sim, opened.payload["number"], bot="github-actions[bot]").body
    assert len(rows(body)) == 7
    assert github_sim.issues(REPO) == []


async def test_plan_pr_prints_the_preview_and_writes_nothing(
    github_sim: GitHubSim, github_token: str, svsm_repo: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    number = github_sim.add_pull(REPO, title="Minutes", author="vijay-dhanraj", files={MEETING: SVSM})
    monkeypatch.setenv("GITHUB_TOKEN", github_token)
    monkeypatch.setenv("GITHUB_API_URL", github_sim.url)

    status = await asyncio.to_thread(main, ["plan", "--pr", f"{REPO}#{number}"])

    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith("**minutes-bot preview**: what merging this pull request would do.")
    assert len(rows(out)) == 7
    assert github_sim.writes() == []
